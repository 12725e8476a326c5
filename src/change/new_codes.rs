//! New codes: codes first seen in the recent part of a run that had been watched long enough
//! for their absence before to mean something.
//!
//! The recent window is the last `recent` of the span (default its last tenth); the history
//! is the span before it. A code first seen in the window is new when a code as frequent as
//! it is now (its count over the window's length) would have shown up in the history all but
//! surely: when the chance of none in the history, exp(−count × history / window), is at most
//! `chance`. With the default window (history nine times the window) any count passes; a
//! short history asks more of a code, and a window as long as the span finds nothing new.

use crate::time::Millis;

/// What makes a code new.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NewCodeSettings {
    /// Length of the recent window; `None` is a tenth of the span.
    pub recent: Option<Millis>,
    /// Largest chance that a code at its recent rate went unseen through the history by luck.
    pub chance: f64,
}

impl Default for NewCodeSettings {
    fn default() -> NewCodeSettings {
        NewCodeSettings {
            recent: None,
            chance: 1e-3,
        }
    }
}

/// A code first seen in the recent window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCode {
    pub code: String,
    pub first_seen: Millis,
    pub count: u64,
}

/// Picks the new codes among `codes` (`(code, first seen, count)`; a code never seen with a
/// time cannot be new) over `span` (the run's first and last time), most frequent first,
/// then by code.
pub fn new_codes(
    codes: &[(&str, Option<Millis>, u64)],
    span: (Millis, Millis),
    settings: &NewCodeSettings,
) -> Vec<NewCode> {
    let (first, last) = (span.0.min(span.1), span.0.max(span.1));
    let length = last.saturating_sub(first);
    let window = settings
        .recent
        .unwrap_or(length / 10)
        .clamp(1, length.max(1));
    let start = last - window;
    let history = start - first;
    if history <= 0 {
        return Vec::new();
    }
    // exp(−count × history / window) <= chance  ⇔  count >= ln(1/chance) × window / history.
    let needed =
        -settings.chance.clamp(f64::MIN_POSITIVE, 1.0).ln() * window as f64 / history as f64;
    let mut new: Vec<NewCode> = codes
        .iter()
        .filter_map(|&(code, seen, count)| {
            let seen = seen?;
            (seen >= start && count > 0 && count as f64 >= needed).then(|| NewCode {
                code: code.to_string(),
                first_seen: seen,
                count,
            })
        })
        .collect();
    new.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.code.cmp(&b.code)));
    new
}
