//! Baselines: each code's errors in one period against another, with a test of whether its
//! rate changed.
//!
//! The test is the exact conditional one for two Poisson rates: given a code's `c` errors in
//! both periods, the errors after follow Binomial(c, after's share of the exposure) if the
//! rate did not change, so the two-sided p-value (twice the smaller tail) is exact at any
//! count, needs no large-sample approximation, and works the same whether the exposure is
//! responses or time. For errors that are a small share of responses it is the binomial
//! test; for a large share it errs toward "same". A code is `up` or `down` when the test
//! holds at `alpha` over the number of codes tested (Bonferroni) and its rate moved by at
//! least `min_ratio`.

use std::collections::BTreeMap;

use crate::time::Millis;

use super::tail::ln_binomial_upper;

/// How a comparison is judged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompareSettings {
    /// Chance of calling one code or more changed when none did.
    pub alpha: f64,
    /// Least factor by which a rate must move, up or down, to be called a change: a
    /// significant shift of a few percent in a very large log is real but not news.
    pub min_ratio: f64,
}

impl Default for CompareSettings {
    fn default() -> CompareSettings {
        CompareSettings {
            alpha: 0.01,
            min_ratio: 1.25,
        }
    }
}

/// One side of a comparison: the errors by code, and what they are counted out of.
#[derive(Debug, Clone, Copy, Default)]
pub struct Period<'a> {
    /// Errors by code (a code listed twice is summed).
    pub codes: &'a [(&'a str, u64)],
    /// All responses, when known (a log of errors alone does not know them).
    pub responses: Option<u64>,
    /// The time the period covers, when known.
    pub duration: Option<Millis>,
}

/// What rates are measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Both sides know their responses: rates are errors per response.
    Responses,
    /// Both know their duration but not responses: rates are errors per hour.
    Duration,
    /// Neither: counts are compared as they are, without a test.
    Counts,
}

/// What happened to a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Label {
    /// No errors before, some after.
    New,
    /// Some before, none after.
    Gone,
    /// Rate up by the settings' ratio, significantly (on counts alone, by the ratio only).
    Up,
    Down,
    Same,
}

impl Label {
    /// The label as reports write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::New => "new",
            Label::Gone => "gone",
            Label::Up => "up",
            Label::Down => "down",
            Label::Same => "same",
        }
    }
}

/// One code compared.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub code: String,
    pub label: Label,
    pub before: u64,
    pub after: u64,
    /// Errors per response or per hour (see `Basis`); `None` on counts alone.
    pub before_rate: Option<f64>,
    pub after_rate: Option<f64>,
    /// `after_rate / before_rate` (counts on counts alone); `None` when nothing was before.
    pub ratio: Option<f64>,
    /// Errors after minus those the before rate gives over the after exposure: how many
    /// more (or fewer) errors the change made.
    pub excess: f64,
    /// Two-sided p-value of the test; `None` on counts alone.
    pub p_value: Option<f64>,
    /// `p_value` at most `alpha` / codes tested.
    pub significant: Option<bool>,
}

/// The codes of two periods compared, and what their rates were measured against.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub basis: Basis,
    /// Changes first (new, gone, up, down), then the rest; each part by |excess|, largest
    /// first, then by code.
    pub changes: Vec<Change>,
}

/// Compares every code of `before` and `after`.
pub fn compare(before: &Period, after: &Period, settings: &CompareSettings) -> Comparison {
    let mut codes: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for &(code, n) in before.codes {
        let e = &mut codes.entry(code).or_default().0;
        *e = e.saturating_add(n);
    }
    for &(code, n) in after.codes {
        let e = &mut codes.entry(code).or_default().1;
        *e = e.saturating_add(n);
    }
    codes.retain(|_, c| c.0 > 0 || c.1 > 0);
    let hour = 3_600_000.0;
    let (basis, exposure) = match (before, after) {
        (
            Period {
                responses: Some(b), ..
            },
            Period {
                responses: Some(a), ..
            },
        ) if *b > 0 && *a > 0 => (Basis::Responses, Some((*b as f64, *a as f64))),
        (
            Period {
                duration: Some(b), ..
            },
            Period {
                duration: Some(a), ..
            },
        ) if *b > 0 && *a > 0 => (Basis::Duration, Some((*b as f64 / hour, *a as f64 / hour))),
        _ => (Basis::Counts, None),
    };
    let ln_bar = settings.alpha.ln() - (codes.len().max(1) as f64).ln();
    let mut changes: Vec<Change> = codes
        .into_iter()
        .map(|(code, (b, a))| {
            let (bf, af) = (b as f64, a as f64);
            let (rates, excess, test) = match exposure {
                Some((eb, ea)) => {
                    let (rb, ra) = (bf / eb, af / ea);
                    let ln_p = ln_two_sided(b, a, ea / (eb + ea));
                    (Some((rb, ra)), af - rb * ea, Some(ln_p))
                }
                None => (None, af - bf, None),
            };
            let ratio = match rates {
                Some((rb, ra)) => (b > 0).then(|| ra / rb),
                None => (b > 0).then(|| af / bf),
            };
            let significant = test.map(|ln_p| ln_p <= ln_bar);
            let label = if b == 0 {
                Label::New
            } else if a == 0 {
                Label::Gone
            } else {
                let moved = significant.unwrap_or(true);
                match ratio {
                    Some(r) if moved && r >= settings.min_ratio => Label::Up,
                    Some(r) if moved && r * settings.min_ratio <= 1.0 => Label::Down,
                    _ => Label::Same,
                }
            };
            Change {
                code: code.to_string(),
                label,
                before: b,
                after: a,
                before_rate: rates.map(|r| r.0),
                after_rate: rates.map(|r| r.1),
                ratio,
                excess,
                p_value: test.map(f64::exp),
                significant,
            }
        })
        .collect();
    changes.sort_by(|x, y| {
        (x.label == Label::Same)
            .cmp(&(y.label == Label::Same))
            .then_with(|| y.excess.abs().total_cmp(&x.excess.abs()))
            .then_with(|| x.code.cmp(&y.code))
    });
    Comparison { basis, changes }
}

/// ln of the two-sided p-value for `after` of `before + after` events falling after, when
/// each does with probability `share`: twice the smaller tail, at most one.
pub fn ln_two_sided(before: u64, after: u64, share: f64) -> f64 {
    let total = before.saturating_add(after);
    let up = ln_binomial_upper(after, total, share);
    // P(X <= after) = P(before-side events >= before).
    let down = ln_binomial_upper(before, total, 1.0 - share);
    (std::f64::consts::LN_2 + up.min(down)).min(0.0)
}
