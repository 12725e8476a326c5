//! Spikes: time ranges whose errors stand well above what the rest of the period leads one
//! to expect.
//!
//! Each bucket is tested against one baseline for the whole series: the median of the
//! per-bucket level (the error rate, or the error count when responses are not known), with
//! the median absolute deviation as its spread. A bucket is flagged when all of these hold:
//! it has at least `min_errors` errors; its level is at least `min_ratio` times the baseline
//! and `min_z` spreads above it; and the chance of that many errors or more at the baseline
//! (binomial over its responses, or Poisson) is at most `alpha` divided by the number of
//! buckets tested (Bonferroni, so `alpha` bounds the chance of any false alarm in a series).
//! Flagged buckets next to each other form one spike, scored by the same test over their sums.
//!
//! Everything is computed in series order from sorted values, so the answer does not depend
//! on hashing or on the order floats were summed in elsewhere.

use crate::time::Millis;

use super::tail::{ln_binomial_upper, ln_poisson_upper};

/// What makes a bucket a spike.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpikeSettings {
    /// Chance of one false alarm or more in a series whose errors follow the baseline.
    pub alpha: f64,
    /// Fewest errors a flagged bucket holds: a stray error or two is never a spike.
    pub min_errors: u64,
    /// Least ratio of a flagged bucket's level to the baseline.
    pub min_ratio: f64,
    /// Least distance of a flagged bucket's level above the baseline, in robust standard
    /// deviations of the per-bucket level (1.4826 × MAD): the variation real traffic has
    /// beyond the binomial's, which a large bucket's test alone would call significant.
    pub min_z: f64,
}

impl Default for SpikeSettings {
    fn default() -> SpikeSettings {
        SpikeSettings {
            alpha: 1e-3,
            min_errors: 5,
            min_ratio: 2.0,
            min_z: 3.0,
        }
    }
}

/// One time range of flagged buckets.
#[derive(Debug, Clone, PartialEq)]
pub struct Spike {
    /// Start of the first bucket.
    pub start: Millis,
    /// End of the last bucket (its start + width): the range is `[start, end)`.
    pub end: Millis,
    pub buckets: u64,
    pub errors: u64,
    /// Responses in the range; `None` for a series of counts alone.
    pub responses: Option<u64>,
    /// `errors / responses`, when responses are known.
    pub rate: Option<f64>,
    /// The baseline rate, when responses are known.
    pub expected_rate: Option<f64>,
    /// Errors the baseline expects over the range.
    pub expected: f64,
    /// `errors / expected`.
    pub ratio: f64,
    /// −log10 of the chance of the range's errors or more at the baseline (not corrected
    /// for the number of buckets): 6 is one in a million.
    pub score: f64,
}

/// The baseline of a series: the level expected of a bucket, and its spread.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Baseline {
    /// The error rate (or count per bucket) a bucket is tested against.
    pub level: f64,
    /// 1.4826 × the median absolute deviation of the per-bucket level.
    pub spread: f64,
    /// Buckets tested: the denominator of the Bonferroni correction.
    pub tested: u64,
}

/// Finds the spikes of an error rate: `series` holds each bucket's `(start, responses,
/// errors)`, sorted by start, one entry a bucket of `width`.
///
/// For a code (or group), `errors` are its errors and `responses` all the bucket's responses.
/// A bucket with no responses, listed or not, has no rate: it is neither baseline nor spike,
/// and it parts the flagged buckets on either side. Errors above responses count as
/// responses (the rate is at most one).
pub fn detect_spikes(
    series: &[(Millis, u64, u64)],
    width: Millis,
    settings: &SpikeSettings,
) -> Vec<Spike> {
    let Some(base) = rate_baseline(series) else {
        return Vec::new();
    };
    let p0 = base.level;
    let bar = flag_bar(settings, base.tested);
    let flagged = series.iter().map(|&(start, n, e)| {
        let e = e.min(n);
        let rate = if n == 0 { 0.0 } else { e as f64 / n as f64 };
        let flag = n > 0 && passes(settings, &base, e, rate) && ln_binomial_upper(e, n, p0) <= bar;
        (start, n, e, flag)
    });
    join(flagged, width)
        .into_iter()
        .map(|(start, end, buckets, n, e)| {
            let expected = p0 * n as f64;
            Spike {
                start,
                end,
                buckets,
                errors: e,
                responses: Some(n),
                rate: Some(e as f64 / n as f64),
                expected_rate: Some(p0),
                expected,
                ratio: e as f64 / expected,
                score: score(ln_binomial_upper(e, n, p0)),
            }
        })
        .collect()
}

/// Finds the spikes of an error count when responses are not known: `series` holds each
/// bucket's `(start, errors)`, sorted by start; `span` is the first and last time of the
/// run, whose every bucket of `width` was watched, so a bucket not listed had no errors.
pub fn detect_count_spikes(
    series: &[(Millis, u64)],
    width: Millis,
    span: (Millis, Millis),
    settings: &SpikeSettings,
) -> Vec<Spike> {
    let Some(base) = count_baseline(series, width, span) else {
        return Vec::new();
    };
    let mean = base.level;
    let bar = flag_bar(settings, base.tested);
    let flagged = series.iter().map(|&(start, e)| {
        let flag = passes(settings, &base, e, e as f64) && ln_poisson_upper(e, mean) <= bar;
        (start, 0, e, flag)
    });
    join(flagged, width)
        .into_iter()
        .map(|(start, end, buckets, _, e)| {
            let expected = mean * buckets as f64;
            Spike {
                start,
                end,
                buckets,
                errors: e,
                responses: None,
                rate: None,
                expected_rate: None,
                expected,
                ratio: e as f64 / expected,
                score: score(ln_poisson_upper(e, expected)),
            }
        })
        .collect()
}

/// The baseline of a rate series: the median of the buckets' rates, each weighted by its
/// responses, so that a quiet bucket of three responses (rate 0 or 1/3) weighs as little as
/// it tells. When that median is zero (most traffic sees no such error) the pooled rate
/// stands in: it is the rate's estimate if there were no spike, and since it counts any
/// spike's own errors it errs toward flagging less.
pub fn rate_baseline(series: &[(Millis, u64, u64)]) -> Option<Baseline> {
    let mut rates = Vec::with_capacity(series.len());
    let (mut responses, mut errors) = (0u64, 0u64);
    for &(_, n, e) in series.iter().filter(|b| b.1 > 0) {
        let e = e.min(n);
        rates.push((e as f64 / n as f64, n as f64));
        responses += n;
        errors += e;
    }
    if errors == 0 {
        return None;
    }
    let tested = rates.len() as u64;
    let (median, spread) = median_and_spread(rates);
    let level = if median > 0.0 {
        median
    } else {
        errors as f64 / responses as f64
    };
    Some(Baseline {
        level,
        spread,
        tested,
    })
}

/// The baseline of a count series over every bucket of the span (unlisted ones count zero
/// errors), with the pooled mean when the median is zero, as `rate_baseline`.
pub fn count_baseline(
    series: &[(Millis, u64)],
    width: Millis,
    span: (Millis, Millis),
) -> Option<Baseline> {
    let width = width.max(1);
    let first = span.0.min(span.1).div_euclid(width);
    let last = span.0.max(span.1).div_euclid(width);
    let listed = series.len() as u64;
    let tested = ((last - first) as u64 + 1).max(listed);
    let errors: u64 = series.iter().map(|b| b.1).sum();
    if errors == 0 {
        return None;
    }
    let mut counts: Vec<(f64, f64)> = series.iter().map(|b| (b.1 as f64, 1.0)).collect();
    counts.push((0.0, (tested - listed) as f64));
    let (median, spread) = median_and_spread(counts);
    let level = if median > 0.0 {
        median
    } else {
        errors as f64 / tested as f64
    };
    Some(Baseline {
        level,
        spread,
        tested,
    })
}

/// Says whether one more bucket of `errors` out of `responses` (live mode's window) is a
/// spike against a series' baseline, by the test `detect_spikes` makes of each bucket.
pub fn is_spike(base: &Baseline, errors: u64, responses: u64, settings: &SpikeSettings) -> bool {
    if responses == 0 {
        return false;
    }
    let e = errors.min(responses);
    let rate = e as f64 / responses as f64;
    passes(settings, base, e, rate)
        && ln_binomial_upper(e, responses, base.level) <= flag_bar(settings, base.tested + 1)
}

/// Whether a bucket's errors and level clear the settings' floors (all but the test).
fn passes(settings: &SpikeSettings, base: &Baseline, errors: u64, level: f64) -> bool {
    errors >= settings.min_errors.max(1)
        && level >= settings.min_ratio * base.level
        && level - base.level >= settings.min_z * base.spread
        && level > base.level
}

/// The largest ln-probability a flagged bucket may have: ln(alpha / buckets tested).
fn flag_bar(settings: &SpikeSettings, tested: u64) -> f64 {
    settings.alpha.ln() - (tested.max(1) as f64).ln()
}

/// −log10 of a probability given as its natural logarithm.
fn score(ln_p: f64) -> f64 {
    (-ln_p / std::f64::consts::LN_10).max(0.0)
}

/// Runs of flagged buckets whose starts are one `width` apart, each as `(start, end,
/// buckets, responses, errors)`.
fn join(
    buckets: impl Iterator<Item = (Millis, u64, u64, bool)>,
    width: Millis,
) -> Vec<(Millis, Millis, u64, u64, u64)> {
    let mut runs: Vec<(Millis, Millis, u64, u64, u64)> = Vec::new();
    let mut open = false;
    for (start, n, e, flag) in buckets {
        if !flag {
            open = false;
            continue;
        }
        match runs.last_mut() {
            Some(run) if open && run.1 == start => {
                run.1 = start + width;
                run.2 += 1;
                run.3 += n;
                run.4 += e;
            }
            _ => runs.push((start, start + width, 1, n, e)),
        }
        open = true;
    }
    runs
}

/// The weighted median of `(value, weight)` pairs and 1.4826 × their weighted median
/// absolute deviation (the standard deviation, were they normal).
fn median_and_spread(mut values: Vec<(f64, f64)>) -> (f64, f64) {
    let median = weighted_median(&mut values);
    for v in &mut values {
        v.0 = (v.0 - median).abs();
    }
    (median, 1.4826 * weighted_median(&mut values))
}

/// The lower weighted median: the least value whose cumulative weight reaches half.
fn weighted_median(values: &mut [(f64, f64)]) -> f64 {
    values.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = values.iter().map(|v| v.1).sum();
    let mut seen = 0.0;
    for &(value, weight) in values.iter() {
        seen += weight;
        if seen >= total / 2.0 && weight > 0.0 {
            return value;
        }
    }
    values.last().map_or(0.0, |v| v.0)
}
