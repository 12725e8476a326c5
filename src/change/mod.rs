//! What changed: spikes in time, codes new to a run, and codes compared with a baseline.
//!
//! A stage after the aggregate and before the report: it reads plain numbers (a series of
//! `(bucket start, responses, errors)`, per-code counts and first times) so that it can be fed
//! from `Stats` or from an earlier report alike, and returns plain values for `report` to
//! render. It knows nothing of formats or of the catalog. Every answer is deterministic:
//! inputs are read in the order given or sorted, and ties are broken by code. The method and
//! its defaults are in `docs/CHANGES.md`.

mod compare;
mod new_codes;
mod spike;
mod tail;

pub use self::compare::{Basis, Change, CompareSettings, Comparison, Label, Period, compare};
pub use self::new_codes::{NewCode, NewCodeSettings, new_codes};
pub use self::spike::{
    Baseline, Spike, SpikeSettings, count_baseline, detect_count_spikes, detect_spikes, is_spike,
    rate_baseline,
};
pub use self::tail::{ln_binomial_upper, ln_poisson_upper};

use crate::time::Millis;

const SECOND: Millis = 1_000;
const MINUTE: Millis = 60 * SECOND;
const HOUR: Millis = 60 * MINUTE;
const DAY: Millis = 24 * HOUR;

/// The widths `auto_width` picks from: each a unit people read at a glance, at most three
/// times the one before but for 1s → 5s.
pub const WIDTHS: [Millis; 17] = [
    SECOND,
    5 * SECOND,
    10 * SECOND,
    15 * SECOND,
    30 * SECOND,
    MINUTE,
    2 * MINUTE,
    5 * MINUTE,
    10 * MINUTE,
    15 * MINUTE,
    30 * MINUTE,
    HOUR,
    2 * HOUR,
    3 * HOUR,
    6 * HOUR,
    12 * HOUR,
    DAY,
];

/// Most buckets `auto_width` aims for: enough to place a spike within a third of a percent
/// of the span, few enough that a bucket holds a testable number of responses.
pub const MAX_BUCKETS: i64 = 300;

/// Picks a bucket width for a span when none was given: the narrowest of `WIDTHS` that cuts
/// `[start, end]` into at most `MAX_BUCKETS` epoch-aligned buckets, and a day past 300 days.
/// Each width is at most three times the one before from 5s on, so a span from 25 minutes
/// to 299 days gets 100 to 300 buckets.
pub fn auto_width(start: Millis, end: Millis) -> Millis {
    let (start, end) = (start.min(end), start.max(end));
    WIDTHS
        .into_iter()
        .find(|&w| end.div_euclid(w) - start.div_euclid(w) < MAX_BUCKETS)
        .unwrap_or(DAY)
}

/// Writes a width as `--bucket` takes it: the largest unit that divides it (`5m`, `1d`,
/// `90s`, `250ms`).
pub fn width_label(width: Millis) -> String {
    for (unit, name) in [(DAY, "d"), (HOUR, "h"), (MINUTE, "m"), (SECOND, "s")] {
        if width != 0 && width % unit == 0 {
            return format!("{}{name}", width / unit);
        }
    }
    format!("{width}ms")
}

/// Sums a series into wider epoch-aligned buckets of `width` (a multiple of its own), so a
/// run aggregated at a fine width can be tested at `auto_width`'s.
pub fn rebucket(series: &[(Millis, u64, u64)], width: Millis) -> Vec<(Millis, u64, u64)> {
    let width = width.max(1);
    let mut out: Vec<(Millis, u64, u64)> = Vec::new();
    for &(start, n, e) in series {
        let at = start.div_euclid(width) * width;
        match out.last_mut() {
            Some(last) if last.0 == at => {
                last.1 += n;
                last.2 += e;
            }
            _ => out.push((at, n, e)),
        }
    }
    out
}

#[cfg(test)]
mod tests;
