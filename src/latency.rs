//! Latency percentiles: a thin wrapper over an HDR histogram.
//!
//! Values are recorded in microseconds with 2 significant digits: within 1% of the true
//! value from 0.001 ms to a day. (3 digits would cost eight times the memory per code and
//! per worker, and make every merge eight times slower, for a precision no latency report
//! needs.) The counts are allocated on the first value (many codes in many logs carry no
//! latency at all). Below about 4 s they are a flat array in the histogram's own bucket
//! layout (8 KB), where recording is an increment (`Flat`); past that, or past
//! `NARROW_MAX` values, they become the histogram, sized for values up to about a second,
//! 7.5 KB, which grows, by the same bucket layout, when a longer one comes. Sized for a day
//! from the start it took about twice that, and zeroing, merging and caching the part that API latencies never reach was
//! most of a merge's cost.
//!
//! Its counts are 32-bit while the histogram holds at most 2^32 - 1 values, so no count can
//! overflow (a count is at most the total); it is widened to 64-bit counts, by the same
//! layout, before the total would pass that. 64-bit counts from the start took twice the
//! memory (15 KB a histogram for values up to a second), and with a histogram per code,
//! per group and per worker that was most of a split report's peak memory.

use hdrhistogram::{Counter, Histogram};

mod v2;

/// Highest value tracked: one day in microseconds; longer latencies are clamped (`clamps`).
const MAX_MICROS: u64 = 86_400_000_000;

const SIGNIFICANT_DIGITS: u8 = 2;

/// Highest value a new histogram holds without growing: 2^20 µs, about a second.
const FIRST_MAX_MICROS: u64 = 1 << 20;

/// The most values narrow counts hold: no count of theirs can pass `u32::MAX` then.
const NARROW_MAX: u64 = u32::MAX as u64;

/// The percentiles a report prints, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Percentiles {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

/// A histogram's counts: flat while every value is below `FLAT_MAX_MICROS`, then narrow
/// until it holds `NARROW_MAX` values, then wide.
#[derive(Debug, Clone)]
enum Counts {
    Flat(Flat),
    Narrow(Box<Histogram<u32>>),
    Wide(Box<Histogram<u64>>),
}

/// Values below `FLAT_MAX_MICROS`, counted at the index the histograms' layout gives each
/// (`flat_index`), so that recording one is an increment: through hdrhistogram's `record`
/// it was most of a run's cost after the reading. It becomes a histogram, each count recorded
/// at its bucket's lowest value (`to_narrow`), for a larger value, for `NARROW_MAX`
/// values, and for a merge with a histogram; its percentiles are read off it
/// (`Flat::percentiles`). The histogram's percentiles are read by bucket, so both are
/// what the values recorded one by one would give.
#[derive(Debug, Clone)]
struct Flat {
    counts: Box<[u32; FLAT_LEN]>,
    /// The values counted, at most `NARROW_MAX`.
    len: u64,
}

/// Values below this (2^22 µs, about 4.2 s) are counted flat: most API latencies. (Below
/// 2^20, a histogram's first size, would leave out many of the slow ones, which reach 3 s.)
const FLAT_MAX_MICROS: u64 = 1 << 22;

/// The buckets of a histogram of `empty`'s layout that hold values below
/// `FLAT_MAX_MICROS`: 15 buckets of 128 sub-buckets after the first 256 (8 KB of counts,
/// what a histogram grown to hold them has).
const FLAT_LEN: usize = 2048;

/// Where hdrhistogram counts `micros` (below `FLAT_MAX_MICROS`) in a histogram of
/// `empty`'s layout, from 1 µs with 2 significant digits: 256 sub-buckets (2 · 10^2 rounded
/// up to a power of two), so a value's bucket is how far its highest bit is past bit 7,
/// and its sub-bucket the value shifted down by its bucket, in the upper half past bucket
/// 0. (hdrhistogram's `index_for`; a test holds it to the histogram's own
/// `lowest_equivalent` for every value below 2^22.)
#[inline]
fn flat_index(micros: u64) -> usize {
    let bucket = 56 - (micros | 255).leading_zeros();
    ((bucket as usize + 1) << 7) + (micros >> bucket) as usize - 128
}

/// The lowest value of the bucket at `index` (`flat_index`'s inverse), and the bucket's
/// width: 1 below index 256, then 2^bucket.
fn flat_range(index: usize) -> (u64, u64) {
    match (index >> 7).checked_sub(1) {
        None => (index as u64, 1),
        Some(bucket) => ((((index & 127) + 128) as u64) << bucket, 1 << bucket),
    }
}

/// The lowest value of the bucket at `index`.
fn flat_value(index: usize) -> u64 {
    flat_range(index).0
}

/// The middle of the bucket at `index`, as hdrhistogram's `median_equivalent` gives it for
/// a value there: its lowest value plus half its width.
fn flat_median(index: usize) -> u64 {
    let (lowest, width) = flat_range(index);
    lowest + (width >> 1)
}

impl Flat {
    fn new() -> Flat {
        Flat {
            counts: Box::new([0; FLAT_LEN]),
            len: 0,
        }
    }

    /// `percentiles` of the same values in a histogram, read off the counts: the bucket where
    /// the count of values up to it first reaches a quantile's (`value_at_quantile`: the
    /// quantile times the count, rounded up, at least 1), and that bucket's middle, all
    /// three in one pass over the counts. (A histogram made for it, `to_narrow`, would cost
    /// far more than reading the counts.) A test holds it to `percentiles` of `to_narrow`.
    fn percentiles(&self, max: u64) -> Option<Percentiles> {
        if self.len == 0 {
            return None;
        }
        let wanted = QUANTILES.map(|q| ((q * self.len as f64).ceil() as u64).max(1));
        let mut found = [0u64; 3];
        let (mut k, mut total) = (0, 0u64);
        // By 16 counts at a time (a sum the compiler vectorises) until a quantile's count is
        // reached, then count by count.
        for (c, chunk) in self.counts.chunks_exact(16).enumerate() {
            let sum: u64 = chunk.iter().map(|&n| u64::from(n)).sum();
            if total + sum < wanted[k] {
                total += sum;
                continue;
            }
            for (j, &n) in chunk.iter().enumerate() {
                total += u64::from(n);
                while k < wanted.len() && total >= wanted[k] {
                    found[k] = flat_median(c * 16 + j);
                    k += 1;
                }
            }
            if k == wanted.len() {
                break;
            }
        }
        Some(Percentiles::of(found, max))
    }

    /// The same values in a histogram.
    fn to_narrow(&self) -> Box<Histogram<u32>> {
        let mut h = Box::new(empty::<u32>());
        for (i, &n) in self.counts.iter().enumerate() {
            if n > 0 {
                // Below `FLAT_MAX_MICROS`: the histogram grows to hold it, as in `record`.
                let _ = h.record_n(flat_value(i), n);
            }
        }
        h
    }
}

/// A mergeable latency distribution.
#[derive(Debug, Clone, Default)]
pub struct Latency {
    hist: Option<Counts>,
    /// The exact largest value, in microseconds (the histogram only knows its bucket).
    max: u64,
}

/// An empty histogram of the layout every latency histogram has, growing as values come.
fn empty<T: Counter>() -> Histogram<T> {
    // Bounds are constants that hdrhistogram accepts; this cannot fail.
    let mut h =
        Histogram::new_with_bounds(1, FIRST_MAX_MICROS, SIGNIFICANT_DIGITS).expect("valid bounds");
    h.auto(true);
    h
}

/// The same values with 64-bit counts.
fn widen(narrow: &Histogram<u32>) -> Box<Histogram<u64>> {
    let mut wide = Box::new(empty::<u64>());
    add_narrow(&mut wide, narrow);
    wide
}

/// Adds 32-bit counts to a wide histogram. Each bucket's highest value is recorded with its
/// count, and lands in the same bucket, the layouts being the same.
fn add_narrow(wide: &mut Histogram<u64>, narrow: &Histogram<u32>) {
    for v in narrow.iter_recorded() {
        // At most a day, which the counts' index type holds on any target (see `record`).
        let _ = wide.record_n(v.value_iterated_to(), u64::from(v.count_at_value()));
    }
}

impl Counts {
    fn len(&self) -> u64 {
        match self {
            Counts::Flat(f) => f.len,
            Counts::Narrow(h) => h.len(),
            Counts::Wide(h) => h.len(),
        }
    }

    /// Makes flat counts a histogram.
    fn unflatten(&mut self) {
        if let Counts::Flat(f) = self {
            *self = Counts::Narrow(f.to_narrow());
        }
    }

    /// The histogram with 64-bit counts (widened if need be).
    fn wide(&mut self) -> &mut Histogram<u64> {
        self.unflatten();
        if let Counts::Narrow(h) = self {
            *self = Counts::Wide(widen(h));
        }
        match self {
            Counts::Wide(h) => h,
            Counts::Flat(_) | Counts::Narrow(_) => unreachable!("widened above"),
        }
    }
}

impl Latency {
    /// Records one latency in milliseconds (negative and non-finite values are ignored).
    #[inline]
    pub fn record(&mut self, ms: f64) {
        if !(ms.is_finite() && ms >= 0.0) {
            return;
        }
        let micros = micros_of(ms);
        self.max = self.max.max(micros);
        let counts = self.hist.get_or_insert_with(|| Counts::Flat(Flat::new()));
        if let Counts::Flat(f) = counts
            && micros < FLAT_MAX_MICROS
            && f.len < NARROW_MAX
        {
            f.counts[flat_index(micros)] += 1;
            f.len += 1;
            return;
        }
        record_in_histogram(counts, micros);
    }

    /// Says whether `record` counts this latency (ms) as a day, the highest value tracked:
    /// whether it rounds to more (`micros_of`).
    pub fn clamps(ms: f64) -> bool {
        ms * 1000.0 >= MAX_MICROS as f64 + 0.5
    }

    /// Adds another distribution to this one (taking its histogram when this has none).
    pub fn merge(&mut self, other: Latency) {
        if self.hist.is_none() {
            self.max = self.max.max(other.max);
            self.hist = other.hist;
        } else {
            self.add(&other);
        }
    }

    /// Adds another distribution's values to this one's, leaving it as it is (its memory is
    /// freed where it is dropped: `Stats::merge_in_pool`).
    pub fn add(&mut self, other: &Latency) {
        self.max = self.max.max(other.max);
        let Some(theirs) = &other.hist else {
            return;
        };
        let Some(ours) = &mut self.hist else {
            self.hist = Some(theirs.clone());
            return;
        };
        if let (Counts::Flat(a), Counts::Flat(b)) = (&mut *ours, theirs)
            && a.len + b.len <= NARROW_MAX
        {
            // No count passes the total, at most `NARROW_MAX`.
            for (x, y) in a.counts.iter_mut().zip(b.counts.iter()) {
                *x += y;
            }
            a.len += b.len;
            return;
        }
        ours.unflatten();
        let converted;
        let theirs = match theirs {
            Counts::Flat(b) => {
                converted = Counts::Narrow(b.to_narrow());
                &converted
            }
            theirs => theirs,
        };
        // Both grow to hold what they are given (at most a day), so `add` cannot fail.
        match (ours, theirs) {
            (Counts::Narrow(a), Counts::Narrow(b)) if a.len() + b.len() <= NARROW_MAX => {
                a.add(&**b).expect("same layout");
            }
            (ours, Counts::Narrow(b)) => add_narrow(ours.wide(), b),
            (ours, Counts::Wide(b)) => ours.wide().add(&**b).expect("same layout"),
            (_, Counts::Flat(_)) => unreachable!("converted above"),
        }
    }

    /// Counts the recorded values.
    pub fn len(&self) -> u64 {
        self.hist.as_ref().map_or(0, Counts::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Returns p50/p90/p99/max in milliseconds, or `None` when nothing was recorded.
    pub fn percentiles(&self) -> Option<Percentiles> {
        match self.hist.as_ref()? {
            Counts::Flat(f) => f.percentiles(self.max),
            Counts::Narrow(h) => percentiles(h, self.max),
            Counts::Wide(h) => percentiles(h, self.max),
        }
    }
}

/// Records `micros` in the counts as a histogram (made one if they are flat).
#[inline(never)]
fn record_in_histogram(counts: &mut Counts, micros: u64) {
    counts.unflatten();
    // `micros` is at most a day, which the counts' index type holds on any target, so
    // growing cannot fail (`saturating_record` would clamp at the first bound instead of
    // growing).
    match counts {
        Counts::Narrow(h) if h.len() < NARROW_MAX => {
            let _ = h.record(micros);
        }
        _ => {
            let _ = counts.wide().record(micros);
        }
    }
}

/// The quantiles a report prints (`Percentiles`' p50, p90, p99).
const QUANTILES: [f64; 3] = [0.50, 0.90, 0.99];

impl Percentiles {
    /// From the values (µs) at `QUANTILES`, none above the exact maximum `max` (µs).
    fn of(at: [u64; 3], max: u64) -> Percentiles {
        let ms = |micros: u64| micros.min(max) as f64 / 1000.0;
        Percentiles {
            p50: ms(at[0]),
            p90: ms(at[1]),
            p99: ms(at[2]),
            max: ms(max),
        }
    }
}

/// A histogram's percentiles: the middle of each quantile's value's bucket.
fn percentiles<T: Counter>(h: &Histogram<T>, max: u64) -> Option<Percentiles> {
    if h.is_empty() {
        return None;
    }
    let at = QUANTILES.map(|q| h.median_equivalent(h.value_at_quantile(q)));
    Some(Percentiles::of(at, max))
}

/// Rounds a latency (finite, not negative) to whole microseconds, half away from zero, at
/// most `MAX_MICROS`: what `((ms * 1000.0).round() as u64).min(MAX_MICROS)` gives, without
/// a call to libm's `round` (x86-64's baseline has no rounding instruction). Below
/// `MAX_MICROS` (< 2^53) the whole part and the fraction are exact.
fn micros_of(ms: f64) -> u64 {
    let x = ms * 1000.0;
    if x >= MAX_MICROS as f64 {
        return MAX_MICROS;
    }
    // Through i64, which x86-64 converts to and from in one instruction each (to u64 takes
    // a sequence of several): `x` is below 2^63 here.
    let whole = x as i64;
    let rounded = if x - whole as f64 >= 0.5 {
        whole + 1
    } else {
        whole
    };
    (rounded as u64).min(MAX_MICROS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_round(ms: f64) -> u64 {
        ((ms * 1000.0).round() as u64).min(MAX_MICROS)
    }

    #[test]
    fn micros_round_as_round_does() {
        let max = MAX_MICROS as f64 / 1000.0;
        for ms in [
            0.0,
            -0.0,
            0.0004,
            0.0005,
            0.0015,
            0.0025,
            196.9,
            15.6,
            0.49999999999999994 / 1000.0,
            max,
            max - 0.0005,
            max - 0.0004,
            max + 1.0,
            1e300,
            f64::MAX,
            86_399_999.999_5,
            max + 0.0004,
            max + 0.0005,
        ] {
            assert_eq!(micros_of(ms), by_round(ms), "{ms}");
            assert_eq!(Latency::clamps(ms), is_clamped(ms), "{ms}");
        }
        assert!(!Latency::clamps(max) && Latency::clamps(max + 0.0005));
    }

    /// Whether rounding to microseconds passes the highest value tracked.
    fn is_clamped(ms: f64) -> bool {
        (ms * 1000.0).round() > MAX_MICROS as f64
    }

    proptest::proptest! {
        #[test]
        fn generated_micros_round_as_round_does(
            bits in 0u64..0x7ff0_0000_0000_0000, ms in 0.0f64..1e8, tenths in 0u64..10_000_000,
        ) {
            // Any finite positive double, any latency, and decimal latencies with one digit.
            for v in [f64::from_bits(bits), ms, tenths as f64 / 10.0] {
                proptest::prop_assert_eq!(micros_of(v), by_round(v), "{}", v);
                proptest::prop_assert_eq!(Latency::clamps(v), is_clamped(v), "{}", v);
            }
        }
    }

    #[test]
    fn percentiles_of_one_to_hundred() {
        let mut l = Latency::default();
        assert_eq!(l.percentiles(), None);
        for ms in 1..=100 {
            l.record(ms as f64);
        }
        l.record(-1.0);
        l.record(f64::NAN);
        let p = l.percentiles().unwrap();
        assert_eq!(l.len(), 100);
        // 2 significant digits: within 1%.
        assert!((p.p50 - 50.0).abs() <= 0.5, "{p:?}");
        assert!((p.p90 - 90.0).abs() <= 0.9, "{p:?}");
        assert!((p.p99 - 99.0).abs() <= 1.0, "{p:?}");
        assert!((p.max - 100.0).abs() <= 1.0, "{p:?}");
    }

    /// A latency with narrow counts: `count` values of each of `micros`.
    fn narrow(values: &[(u64, u32)]) -> Latency {
        let mut h = empty::<u32>();
        for &(micros, count) in values {
            h.record_n(micros, count).unwrap();
        }
        let max = values.iter().map(|&(micros, _)| micros).max().unwrap_or(0);
        Latency {
            hist: Some(Counts::Narrow(Box::new(h))),
            max,
        }
    }

    fn is_wide(l: &Latency) -> bool {
        matches!(l.hist, Some(Counts::Wide(_)))
    }

    /// Narrow and flat counts alike.
    #[test]
    fn counts_are_widened_before_one_could_overflow() {
        let max = u32::MAX;
        for mut l in [narrow(&[(5_000, max - 1)]), flat(&[(5_000, max - 1)])] {
            let kind = l.hist.as_ref().map(std::mem::discriminant);
            l.record(5.0);
            // u32::MAX values of 5 ms: the count is full, not past it.
            assert_eq!(l.hist.as_ref().map(std::mem::discriminant), kind);
            l.record(5.0);
            l.record(9.0);
            assert!(is_wide(&l));
            assert_eq!(l.len(), u64::from(max) + 2);
            let mut reference = empty::<u64>();
            reference.record_n(5_000, u64::from(max) + 1).unwrap();
            reference.record(9_000).unwrap();
            assert_eq!(l.percentiles(), percentiles(&reference, 9_000));
        }
    }

    #[test]
    fn merged_counts_past_u32_are_kept_whole() {
        // 5 ms 2n times and 9 ms 1.25n times, n = u32::MAX - 9: had the 5 ms count stopped
        // at u32::MAX, 9 ms would be the median.
        let n = u32::MAX - 9;
        let mut all = narrow(&[(5_000, n)]);
        all.merge(narrow(&[(5_000, n)]));
        assert!(is_wide(&all));
        all.merge(narrow(&[(9_000, n)]));
        let mut late = narrow(&[(9_000, n / 4)]);
        // A wide one merged into a narrow one widens it too.
        late.merge(all);
        let total = 2 * u64::from(n) + u64::from(n) + u64::from(n / 4);
        assert_eq!(late.len(), total);
        let p = late.percentiles().unwrap();
        // Each the middle of its value's bucket: within 1%.
        assert!(
            (p.p50 - 5.0).abs() < 0.05 && (p.p90 - 9.0).abs() < 0.05,
            "{p:?}"
        );
        let mut reference = empty::<u64>();
        reference.record_n(5_000, 2 * u64::from(n)).unwrap();
        reference
            .record_n(9_000, u64::from(n) + u64::from(n / 4))
            .unwrap();
        assert_eq!(Some(p), percentiles(&reference, 9_000));
    }

    /// A latency with flat counts: `count` values of each of `micros`.
    fn flat(values: &[(u64, u32)]) -> Latency {
        let mut f = Flat::new();
        for &(micros, count) in values {
            f.counts[flat_index(micros)] += count;
            f.len += u64::from(count);
        }
        let max = values.iter().map(|&(micros, _)| micros).max().unwrap_or(0);
        Latency {
            hist: Some(Counts::Flat(f)),
            max,
        }
    }

    /// Every value below 2^16, and from there to `FLAT_MAX_MICROS` those around each
    /// power of two and one in 61: counted where the histogram counts it.
    #[test]
    fn flat_counts_are_where_the_histogram_counts() {
        let h = empty::<u32>();
        let near_powers = (16..22).flat_map(|p| (1u64 << p) - 300..(1u64 << p) + 300);
        let values = (0..1u64 << 16)
            .chain(near_powers)
            .chain((1 << 16..FLAT_MAX_MICROS).step_by(61))
            .chain([FLAT_MAX_MICROS - 1]);
        for v in values {
            let i = flat_index(v);
            assert!(i < FLAT_LEN, "{v}");
            assert_eq!(flat_value(i), h.lowest_equivalent(v), "{v}");
            assert_eq!(flat_median(i), h.median_equivalent(v), "{v}");
        }
        assert_eq!(flat_index(FLAT_MAX_MICROS - 1), FLAT_LEN - 1);
    }

    proptest::proptest! {
        /// Flat counts' percentiles, read off the counts, are the histogram's.
        #[test]
        fn flat_percentiles_are_the_histograms(
            values in proptest::collection::vec((0..FLAT_MAX_MICROS, 1u32..5), 1..300),
        ) {
            let l = flat(&values);
            let Some(Counts::Flat(f)) = &l.hist else { unreachable!() };
            proptest::prop_assert_eq!(l.percentiles(), percentiles(&f.to_narrow(), l.max));
            let mut direct = empty::<u32>();
            for &(micros, count) in &values {
                direct.record_n(micros, count).unwrap();
            }
            proptest::prop_assert_eq!(l.percentiles(), percentiles(&direct, l.max));
        }
    }

    #[test]
    fn merged_flat_counts_past_u32_are_kept_whole() {
        let n = u32::MAX - 9;
        let mut all = flat(&[(5_000, n)]);
        all.merge(flat(&[(9_000, n)]));
        assert!(is_wide(&all));
        assert_eq!(all.len(), 2 * u64::from(n));
        let mut reference = empty::<u64>();
        reference.record_n(5_000, u64::from(n)).unwrap();
        reference.record_n(9_000, u64::from(n)).unwrap();
        assert_eq!(all.percentiles(), percentiles(&reference, 9_000));
    }

    #[test]
    fn a_value_past_the_flat_counts_makes_them_a_histogram() {
        let mut l = Latency::default();
        l.record(12.5);
        assert!(matches!(l.hist, Some(Counts::Flat(_))));
        l.record(5_000.0);
        assert!(matches!(l.hist, Some(Counts::Narrow(_))));
        let mut reference = empty::<u32>();
        reference.record(12_500).unwrap();
        reference.record(5_000_000).unwrap();
        assert_eq!(l.percentiles(), percentiles(&reference, 5_000_000));
        assert_eq!(l.len(), 2);
    }

    #[test]
    fn merge_equals_one_pass() {
        let (mut a, mut b, mut all) = (Latency::default(), Latency::default(), Latency::default());
        for i in 0..1000 {
            let ms = (i * 7 % 313) as f64 / 3.0;
            if i % 3 == 0 { &mut a } else { &mut b }.record(ms);
            all.record(ms);
        }
        let mut empty = Latency::default();
        empty.merge(a);
        empty.merge(b);
        assert_eq!(empty.percentiles(), all.percentiles());
        assert_eq!(empty.len(), 1000);
    }
}

#[cfg(test)]
mod growth {
    use super::*;

    /// The percentiles of a histogram sized for a day from its start, as before it grew.
    fn full_size(micros: &[u64], max: u64) -> Percentiles {
        let mut h = Histogram::<u64>::new_with_bounds(1, MAX_MICROS, SIGNIFICANT_DIGITS).unwrap();
        for &m in micros {
            h.saturating_record(m);
        }
        percentiles(&h, max).expect("values recorded")
    }

    proptest::proptest! {
        #[test]
        fn a_grown_histogram_answers_as_a_full_sized_one(
            small in proptest::collection::vec(0.0f64..1_000.0, 0..200),
            large in proptest::collection::vec(0.0f64..90_000_000.0, 0..20),
            split in 0usize..220,
        ) {
            // Values under and over the first size, recorded in one histogram or in two
            // merged (one grown, one not, either way round).
            let all: Vec<f64> = small.iter().chain(&large).copied().collect();
            let micros: Vec<u64> = all.iter().map(|&ms| micros_of(ms)).collect();
            let (mut one, mut a, mut b) = (Latency::default(), Latency::default(), Latency::default());
            for (i, &ms) in all.iter().enumerate() {
                one.record(ms);
                if i < split { &mut a } else { &mut b }.record(ms);
            }
            let (mut ba, a_part) = (b.clone(), a.clone());
            a.merge(b);
            ba.merge(a_part);
            let expected = (!micros.is_empty())
                .then(|| full_size(&micros, micros.iter().copied().max().unwrap_or(0)));
            proptest::prop_assert_eq!(one.percentiles(), expected);
            proptest::prop_assert_eq!(a.percentiles(), expected);
            proptest::prop_assert_eq!(ba.percentiles(), expected);
        }
    }
}
