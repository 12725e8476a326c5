use proptest::prelude::*;

use super::compare::ln_two_sided;
use super::tail::ln_binomial_upper_direct;
use super::*;

const MIN: Millis = 60_000;
/// 2026-11-26T00:00:00Z.
const DAY0: Millis = 1_795_651_200_000;

/// A tiny deterministic generator (xorshift64*), so the noise tests need no `rand`.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }

    /// Binomial(n, p): by inverting its distribution function for a small mean, else by the
    /// normal law (Box-Muller), which is all the tests of large buckets need.
    fn binomial(&mut self, n: u64, p: f64) -> u64 {
        let (mean, sd) = (n as f64 * p, (n as f64 * p * (1.0 - p)).sqrt());
        if mean > 100.0 {
            let z = (-2.0 * (1.0 - self.unit()).ln()).sqrt()
                * (std::f64::consts::TAU * self.unit()).cos();
            return (mean + sd * z).round().clamp(0.0, n as f64) as u64;
        }
        let u = self.unit();
        let odds = p / (1.0 - p);
        let (mut k, mut point) = (0u64, (1.0 - p).powf(n as f64));
        let mut cdf = point;
        while cdf <= u && k < n {
            point *= (n - k) as f64 / (k + 1) as f64 * odds;
            k += 1;
            cdf += point;
        }
        k
    }

    /// Poisson(mean) by inversion (mean small).
    fn poisson(&mut self, mean: f64) -> u64 {
        let u = self.unit();
        let (mut k, mut point) = (0u64, (-mean).exp());
        let mut cdf = point;
        while cdf <= u && k < 10_000 {
            k += 1;
            point *= mean / k as f64;
            cdf += point;
        }
        k
    }
}

/// A day of one-minute buckets at `rate`, 800 to 1,200 responses each.
fn noisy_day(rng: &mut Rng, rate: f64) -> Vec<(Millis, u64, u64)> {
    (0..1440)
        .map(|i| {
            let n = rng.between(800, 1200);
            (DAY0 + i * MIN, n, rng.binomial(n, rate))
        })
        .collect()
}

fn close(got: f64, want: f64, rel: f64) -> bool {
    got == want || (got - want).abs() <= rel * want.abs().max(1.0)
}

// --- tail probabilities ---

#[test]
fn binomial_tail_matches_the_direct_sum() {
    for n in [1u64, 2, 3, 7, 20, 64, 200, 1000] {
        for p in [1e-6, 1e-3, 0.02, 0.1, 0.37, 0.5, 0.9, 0.999] {
            for k in 0..=n {
                let (got, want) = (
                    ln_binomial_upper(k, n, p),
                    ln_binomial_upper_direct(k, n, p),
                );
                assert!(
                    close(got, want, 1e-10),
                    "k={k} n={n} p={p}: {got} vs {want}"
                );
            }
        }
    }
}

#[test]
// The figures as mpmath printed them, to 17 digits.
#[allow(clippy::excessive_precision)]
fn binomial_tail_matches_known_values() {
    // ln P(X >= k), k, n, p: summed to 50 digits with mpmath.
    let known: [(u64, u64, f64, f64); 12] = [
        (20, 1000, 0.01, -5.717_366_383_283_304_4),
        (620, 1000, 0.02, -1_772.704_876_173_220_9),
        (50, 1000, 0.02, -18.658_339_519_590_808),
        (103_146, 10_000_000, 0.01, -52.691_060_720_196_615),
        (1, 1, 1e-6, -13.815_510_557_964_274),
        (5, 60_000, 1e-5, -7.838_054_576_543_578_1),
        (30, 10_000_000, 1e-6, -15.197_851_774_216_468),
        (5_000_000, 10_000_000, 0.5, -0.692_894_899_139_684_91),
        (5_001_000, 10_000_000, 0.5, -1.333_140_671_548_496),
        (4_999_000, 10_000_000, 0.5, -0.305_766_414_865_807_19),
        (6_200, 10_000, 0.02, -17_695.460_396_658_177),
        (10_000_000, 10_000_000, 0.5, -6_931_471.805_599_453_1),
    ];
    for (k, n, p, want) in known {
        let got = ln_binomial_upper(k, n, p);
        assert!(close(got, want, 1e-9), "k={k} n={n} p={p}: {got} vs {want}");
    }
    // Far below the mean the tail is one less a vanishing amount.
    let nearly_one = ln_binomial_upper(900_000, 10_000_000, 0.1);
    assert!(nearly_one <= 0.0 && nearly_one > -1e-300);
}

#[test]
// The figures as mpmath printed them, to 17 digits.
#[allow(clippy::excessive_precision)]
fn poisson_tail_matches_known_values() {
    let known: [(u64, f64, f64); 8] = [
        (20, 10.0, -5.668_123_295_514_557_5),
        (5, 0.01, -27.821_675_013_441_001),
        (1000, 500.0, -196.828_919_060_862_53),
        (10, 10.0, -0.612_359_607_853_754_69),
        (3, 0.5, -4.241_383_135_455_768_7),
        (100_000, 99_000.0, -7.185_592_740_789_702_6),
        (1, 1e-9, -20.723_265_837_446_411),
        (50, 100.0, -1.178_450_079_041_665_2e-8),
    ];
    for (k, mean, want) in known {
        let got = ln_poisson_upper(k, mean);
        assert!(close(got, want, 1e-9), "k={k} mean={mean}: {got} vs {want}");
    }
}

#[test]
fn tails_at_their_edges() {
    assert_eq!(ln_binomial_upper(0, 10, 0.3), 0.0);
    assert_eq!(ln_binomial_upper(11, 10, 0.3), f64::NEG_INFINITY);
    assert_eq!(ln_binomial_upper(1, 10, 0.0), f64::NEG_INFINITY);
    assert_eq!(ln_binomial_upper(10, 10, 1.0), 0.0);
    assert_eq!(ln_binomial_upper(0, 0, 0.5), 0.0);
    assert_eq!(ln_poisson_upper(0, 0.0), 0.0);
    assert_eq!(ln_poisson_upper(1, 0.0), f64::NEG_INFINITY);
    assert_eq!(
        (
            ln_binomial_upper(3, 10, f64::NAN),
            ln_poisson_upper(3, f64::NAN)
        ),
        (0.0, 0.0)
    );
    // A count past any f64 probability is still a finite logarithm.
    let deep = ln_binomial_upper(1_000_000, 1_000_000_000_000, 1e-9);
    assert!(deep.is_finite() && deep < -1e6, "{deep}");
}

proptest! {
    #[test]
    fn binomial_tail_is_monotone(n in 1u64..20_000_000, k in 0u64..20_000_000, p in 1e-9f64..0.999) {
        let k = k % (n + 1);
        let here = ln_binomial_upper(k, n, p);
        prop_assert!(!here.is_nan() && here <= 0.0);
        // More errors are less likely; a higher rate or more responses make them likelier.
        let slack = 1e-9 * here.abs().max(1e-12);
        if k < n {
            prop_assert!(ln_binomial_upper(k + 1, n, p) <= here + slack);
        }
        prop_assert!(ln_binomial_upper(k, n, (p * 1.01).min(1.0)) >= here - slack);
        prop_assert!(ln_binomial_upper(k, n + 1, p) >= here - slack);
    }

    #[test]
    fn poisson_tail_is_monotone(k in 0u64..10_000_000, mean in 1e-9f64..1e7) {
        let here = ln_poisson_upper(k, mean);
        prop_assert!(!here.is_nan() && here <= 0.0);
        let slack = 1e-9 * here.abs().max(1e-12);
        prop_assert!(ln_poisson_upper(k + 1, mean) <= here + slack);
        prop_assert!(ln_poisson_upper(k, mean * 1.01) >= here - slack);
    }
}

// --- spikes ---

#[test]
fn a_planted_ten_minute_spike_is_found_to_the_minute() {
    for seed in 1..=5 {
        let mut rng = Rng::new(seed);
        let mut series = noisy_day(&mut rng, 0.02);
        for b in &mut series[600..610] {
            b.2 = (b.1 as f64 * 0.62).round() as u64;
        }
        let spikes = detect_spikes(&series, MIN, &SpikeSettings::default());
        assert_eq!(spikes.len(), 1, "seed {seed}: {spikes:?}");
        let s = &spikes[0];
        assert_eq!(
            (s.start, s.end, s.buckets),
            (DAY0 + 600 * MIN, DAY0 + 610 * MIN, 10)
        );
        let (n, e) = series[600..610]
            .iter()
            .fold((0, 0), |t, b| (t.0 + b.1, t.1 + b.2));
        assert_eq!((s.responses, s.errors), (Some(n), e));
        let p0 = s.expected_rate.unwrap();
        assert!((0.015..0.025).contains(&p0), "{p0}");
        assert!(close(s.rate.unwrap(), e as f64 / n as f64, 1e-15));
        assert!(close(s.ratio, e as f64 / (p0 * n as f64), 1e-12));
        // The range is scored by one test over its sums.
        let want = -ln_binomial_upper(e, n, p0) / std::f64::consts::LN_10;
        assert!(
            close(s.score, want, 1e-12) && s.score > 1000.0,
            "{}",
            s.score
        );
    }
}

#[test]
fn a_planted_spike_is_found_at_the_automatic_width() {
    let mut rng = Rng::new(7);
    let mut series = noisy_day(&mut rng, 0.02);
    for b in &mut series[600..610] {
        b.2 = (b.1 as f64 * 0.62).round() as u64;
    }
    let width = auto_width(DAY0, DAY0 + 1440 * MIN - 1);
    assert_eq!(width_label(width), "5m");
    let wide = rebucket(&series, width);
    assert_eq!(wide.len(), 288);
    let spikes = detect_spikes(&wide, width, &SpikeSettings::default());
    assert_eq!(spikes.len(), 1, "{spikes:?}");
    assert_eq!(
        (spikes[0].start, spikes[0].end),
        (DAY0 + 600 * MIN, DAY0 + 610 * MIN)
    );
}

#[test]
fn a_code_seen_only_in_a_burst_is_a_spike() {
    // Per code: its errors out of all responses, zero but for the burst.
    let mut rng = Rng::new(3);
    let mut series: Vec<_> = noisy_day(&mut rng, 0.0);
    series[900].2 = 5;
    series[901].2 = 40;
    let spikes = detect_spikes(&series, MIN, &SpikeSettings::default());
    assert_eq!(spikes.len(), 1, "{spikes:?}");
    assert_eq!(
        (spikes[0].start, spikes[0].end, spikes[0].errors),
        (DAY0 + 900 * MIN, DAY0 + 902 * MIN, 45)
    );
}

#[test]
fn stray_errors_on_a_clean_baseline_are_not_spikes() {
    let mut series: Vec<_> = (0..1440).map(|i| (DAY0 + i * MIN, 1000, 0)).collect();
    // One error in a bucket of one response, and a few ones and twos elsewhere.
    series[10] = (DAY0 + 10 * MIN, 1, 1);
    for i in [100, 400, 401, 900] {
        series[i].2 = 1 + (i % 2) as u64;
    }
    assert_eq!(
        detect_spikes(&series, MIN, &SpikeSettings::default()),
        vec![]
    );
    // Without errors there is no baseline and nothing to find.
    let clean: Vec<_> = (0..10).map(|i| (DAY0 + i * MIN, 10, 0)).collect();
    assert_eq!(rate_baseline(&clean), None);
    assert_eq!(
        detect_spikes(&clean, MIN, &SpikeSettings::default()),
        vec![]
    );
}

#[test]
fn the_error_floor_stops_a_small_burst() {
    let mut series: Vec<_> = (0..1440).map(|i| (DAY0 + i * MIN, 1000, 0)).collect();
    series[500].2 = 4;
    let settings = SpikeSettings::default();
    assert_eq!(detect_spikes(&series, MIN, &settings), vec![]);
    series[500].2 = settings.min_errors;
    assert_eq!(detect_spikes(&series, MIN, &settings).len(), 1);
}

#[test]
fn empty_buckets_are_neither_baseline_nor_spike_and_part_ranges() {
    let mut rng = Rng::new(11);
    let mut series = noisy_day(&mut rng, 0.02);
    for b in &mut series[100..104] {
        b.2 = b.1 / 2;
    }
    // A listed bucket without responses in the middle, and one left out after it.
    series[102] = (series[102].0, 0, 0);
    series.remove(103);
    let spikes = detect_spikes(&series, MIN, &SpikeSettings::default());
    let ranges: Vec<_> = spikes.iter().map(|s| (s.start, s.end)).collect();
    assert_eq!(ranges, vec![(DAY0 + 100 * MIN, DAY0 + 102 * MIN)]);
    let base = rate_baseline(&series).unwrap();
    assert_eq!(base.tested, 1438);
    // Errors past responses count as responses.
    let odd = [(DAY0, 10, 20), (DAY0 + MIN, 10, 1)];
    assert!(rate_baseline(&odd).unwrap().level <= 1.0);
}

#[test]
fn wide_natural_variation_is_not_a_spike() {
    // Large buckets whose rate wanders between 1.5% and 2.5%: the binomial alone would call
    // the high ones significant; the ratio and spread floors do not.
    let mut rng = Rng::new(5);
    let series: Vec<_> = (0..1440)
        .map(|i| {
            let rate = 0.015 + 0.01 * rng.unit();
            (DAY0 + i * MIN, 100_000, rng.binomial(100_000, rate))
        })
        .collect();
    assert_eq!(
        detect_spikes(&series, MIN, &SpikeSettings::default()),
        vec![]
    );
    let loose = SpikeSettings {
        min_ratio: 1.0,
        min_z: 0.0,
        ..SpikeSettings::default()
    };
    assert!(!detect_spikes(&series, MIN, &loose).is_empty());
}

#[test]
fn flat_noise_gives_almost_no_false_alarms() {
    let settings = SpikeSettings::default();
    let (mut rates, mut counts, mut sparse) = (0, 0, 0);
    for seed in 0..200 {
        let mut rng = Rng::new(seed);
        rates += detect_spikes(&noisy_day(&mut rng, 0.02), MIN, &settings).len();
        let span = (DAY0, DAY0 + 1439 * MIN);
        let dense: Vec<_> = (0..1440)
            .map(|i| (DAY0 + i * MIN, rng.poisson(3.0)))
            .collect();
        counts += detect_count_spikes(&dense, MIN, span, &settings).len();
        let rare: Vec<_> = (0..1440)
            .map(|i| (DAY0 + i * MIN, rng.poisson(0.05)))
            .filter(|b| b.1 > 0)
            .collect();
        sparse += detect_count_spikes(&rare, MIN, span, &settings).len();
    }
    eprintln!("false alarms in 200 days each: rates {rates}, counts {counts}, sparse {sparse}");
    assert!(
        rates <= 3 && counts <= 3 && sparse <= 3,
        "{rates} {counts} {sparse}"
    );
}

#[test]
fn the_test_alone_keeps_its_false_alarm_rate() {
    // With the ratio and spread floors off, only the corrected test guards: 200 days at
    // alpha 1e-3 a day should see about 0.2 false alarms.
    let bare = SpikeSettings {
        min_ratio: 1.0,
        min_z: 0.0,
        min_errors: 1,
        ..SpikeSettings::default()
    };
    let alarms: usize = (1000..1200)
        .map(|seed| detect_spikes(&noisy_day(&mut Rng::new(seed), 0.02), MIN, &bare).len())
        .sum();
    eprintln!("false alarms of the bare test in 200 days: {alarms}");
    assert!(alarms <= 3, "{alarms}");
}

#[test]
fn a_tripling_for_ten_minutes_is_found() {
    let mut found = 0;
    for seed in 20..40 {
        let mut series = noisy_day(&mut Rng::new(seed), 0.02);
        for b in &mut series[300..310] {
            b.2 = (b.1 as f64 * 0.06).round() as u64;
        }
        let spikes = detect_spikes(&series, MIN, &SpikeSettings::default());
        found += usize::from(
            spikes
                .iter()
                .any(|s| (s.start, s.end) == (DAY0 + 300 * MIN, DAY0 + 310 * MIN)),
        );
        assert!(
            spikes
                .iter()
                .all(|s| s.start >= DAY0 + 300 * MIN && s.end <= DAY0 + 310 * MIN)
        );
    }
    assert_eq!(found, 20);
}

#[test]
fn count_spikes_count_unlisted_buckets_as_zero() {
    // A code with a few errors a day, then a burst: only buckets with errors are listed.
    let mut series: Vec<_> = [30, 200, 700, 1200]
        .iter()
        .map(|&i| (DAY0 + i * MIN, 1))
        .collect();
    series.insert(3, (DAY0 + 1000 * MIN, 12));
    series.insert(4, (DAY0 + 1001 * MIN, 9));
    let span = (DAY0, DAY0 + 1440 * MIN - 1);
    let base = count_baseline(&series, MIN, span).unwrap();
    assert_eq!((base.tested, base.spread), (1440, 0.0));
    assert!(close(base.level, 25.0 / 1440.0, 1e-15));
    let spikes = detect_count_spikes(&series, MIN, span, &SpikeSettings::default());
    assert_eq!(spikes.len(), 1, "{spikes:?}");
    let s = &spikes[0];
    assert_eq!(
        (s.start, s.end, s.errors, s.responses, s.rate),
        (DAY0 + 1000 * MIN, DAY0 + 1002 * MIN, 21, None, None)
    );
    assert!(close(s.expected, 2.0 * 25.0 / 1440.0, 1e-15));
    // A steady count has a median of its own; a doubling among noise is a spike.
    let mut rng = Rng::new(9);
    let mut steady: Vec<_> = (0..1440)
        .map(|i| (DAY0 + i * MIN, rng.poisson(20.0)))
        .collect();
    steady[50].1 = 80;
    let spikes = detect_count_spikes(&steady, MIN, span, &SpikeSettings::default());
    assert_eq!(
        spikes.iter().map(|s| s.start).collect::<Vec<_>>(),
        vec![DAY0 + 50 * MIN]
    );
}

#[test]
fn the_baseline_does_not_depend_on_bucket_order() {
    let mut rng = Rng::new(13);
    let series = noisy_day(&mut rng, 0.05);
    let mut shuffled = series.clone();
    for i in (1..shuffled.len()).rev() {
        shuffled.swap(i, rng.next() as usize % (i + 1));
    }
    assert_eq!(rate_baseline(&series), rate_baseline(&shuffled));
}

// --- widths ---

#[test]
fn automatic_widths() {
    let cases = [
        (0, "1s"),
        (100_000, "1s"),
        (299_999, "1s"),
        (300_000, "5s"),
        (3_600_000, "15s"),
        (86_400_000, "5m"),
        (7 * 86_400_000, "1h"),
        (30 * 86_400_000, "3h"),
        (299 * 86_400_000, "1d"),
        (3650 * 86_400_000, "1d"),
    ];
    for (span, want) in cases {
        assert_eq!(width_label(auto_width(DAY0, DAY0 + span)), want, "{span}");
    }
    assert_eq!(auto_width(DAY0 + 5, DAY0), auto_width(DAY0, DAY0 + 5));
    let labels: Vec<_> = [1, 250, 1000, 90_000, 120_000, 3 * 3_600_000, 86_400_000]
        .map(width_label)
        .to_vec();
    assert_eq!(labels, ["1ms", "250ms", "1s", "90s", "2m", "3h", "1d"]);
    for w in WIDTHS {
        assert_eq!(crate::time::parse_width(&width_label(w)), Some(w));
    }
}

proptest! {
    #[test]
    fn automatic_widths_give_100_to_300_buckets(start in -1_000_000_000_000i64..4_000_000_000_000, span in 1_500_000i64..25_800_000_000) {
        let w = auto_width(start, start + span);
        let buckets = (start + span).div_euclid(w) - start.div_euclid(w) + 1;
        prop_assert!((100..=300).contains(&buckets), "{} buckets of {}", buckets, w);
    }
}

#[test]
fn rebucketing_sums_into_aligned_buckets() {
    let series = [
        (DAY0 + 10_000, 5, 1),
        (DAY0 + 70_000, 7, 2),
        (DAY0 + 130_000, 1, 1),
    ];
    assert_eq!(
        rebucket(&series, 2 * MIN),
        vec![(DAY0, 12, 3), (DAY0 + 2 * MIN, 1, 1)]
    );
}

// --- new codes ---

#[test]
fn codes_first_seen_in_the_last_tenth_are_new() {
    let span = (DAY0, DAY0 + 1000 * MIN);
    let codes = [
        ("Old", Some(DAY0), 500),
        ("Late", Some(DAY0 + 950 * MIN), 3),
        ("Edge", Some(DAY0 + 900 * MIN), 1),
        ("Busy", Some(DAY0 + 990 * MIN), 40),
        ("JustBefore", Some(DAY0 + 899 * MIN), 9),
        ("Untimed", None, 7),
        ("Also3", Some(DAY0 + 999 * MIN), 3),
    ];
    let new = new_codes(&codes, span, &NewCodeSettings::default());
    let got: Vec<_> = new.iter().map(|c| (c.code.as_str(), c.count)).collect();
    assert_eq!(
        got,
        vec![("Busy", 40), ("Also3", 3), ("Late", 3), ("Edge", 1)]
    );
    assert_eq!(new[0].first_seen, DAY0 + 990 * MIN);
}

#[test]
fn a_short_history_asks_more_of_a_new_code() {
    // Two hours, the last one recent: the history is as long as the window, so a code needs
    // ln(1000) ≈ 6.9 errors for its absence before to be telling.
    let span = (DAY0, DAY0 + 120 * MIN);
    let settings = NewCodeSettings {
        recent: Some(60 * MIN),
        ..NewCodeSettings::default()
    };
    let codes = [
        ("Six", Some(DAY0 + 70 * MIN), 6),
        ("Seven", Some(DAY0 + 70 * MIN), 7),
    ];
    let new = new_codes(&codes, span, &settings);
    assert_eq!(
        new.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(),
        ["Seven"]
    );
    // A window as long as the run leaves no history: nothing is new.
    let all = NewCodeSettings {
        recent: Some(500 * MIN),
        ..settings
    };
    assert_eq!(new_codes(&codes, span, &all), vec![]);
    assert_eq!(
        new_codes(&codes, (DAY0, DAY0), &NewCodeSettings::default()),
        vec![]
    );
}

// --- comparisons ---

fn period<'a>(codes: &'a [(&'a str, u64)], responses: u64) -> Period<'a> {
    Period {
        codes,
        responses: Some(responses),
        duration: None,
    }
}

#[test]
fn every_code_is_labelled_and_the_changes_come_first() {
    let before = [("A", 100), ("B", 50), ("D", 20), ("E", 200), ("F", 3)];
    let after = [("A", 300), ("B", 52), ("C", 10), ("E", 50), ("F", 4)];
    let c = compare(
        &period(&before, 100_000),
        &period(&after, 100_000),
        &CompareSettings::default(),
    );
    assert_eq!(c.basis, Basis::Responses);
    let got: Vec<_> = c
        .changes
        .iter()
        .map(|x| (x.code.as_str(), x.label.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("A", "up"),
            ("E", "down"),
            ("D", "gone"),
            ("C", "new"),
            ("B", "same"),
            ("F", "same")
        ]
    );
    let a = &c.changes[0];
    assert_eq!((a.before_rate, a.after_rate), (Some(0.001), Some(0.003)));
    assert!(close(a.ratio.unwrap(), 3.0, 1e-12));
    assert!(close(a.excess, 200.0, 1e-12) && a.significant == Some(true));
    assert!(a.p_value.unwrap() < 1e-20);
    let b = &c.changes[4];
    assert_eq!(b.significant, Some(false));
    assert!(b.p_value.unwrap() > 0.5);
}

#[test]
fn the_two_sided_test_has_known_values() {
    // Equal exposure: all ten after is 2 · 2^-10; seven of ten is 2 · 176/1024.
    assert!(close(
        ln_two_sided(0, 10, 0.5),
        (2.0f64 / 1024.0).ln(),
        1e-12
    ));
    assert!(close(
        ln_two_sided(3, 7, 0.5),
        (352.0f64 / 1024.0).ln(),
        1e-12
    ));
    assert_eq!(ln_two_sided(3, 7, 0.5), ln_two_sided(7, 3, 0.5));
    assert_eq!(ln_two_sided(5, 5, 0.5), 0.0);
}

#[test]
fn a_tiny_significant_shift_is_the_same() {
    // 1.00% → 1.05% over a hundred million responses: significant, but not a quarter.
    let c = compare(
        &period(&[("X", 1_000_000)], 100_000_000),
        &period(&[("X", 1_050_000)], 100_000_000),
        &CompareSettings::default(),
    );
    assert_eq!(
        (c.changes[0].label, c.changes[0].significant),
        (Label::Same, Some(true))
    );
}

#[test]
fn without_responses_the_durations_are_the_exposure() {
    let before = Period {
        codes: &[("X", 10), ("Y", 100)],
        responses: None,
        duration: Some(10 * 3_600_000),
    };
    let after = Period {
        codes: &[("X", 40), ("Y", 12), ("Y", 0)],
        responses: Some(1_000),
        duration: Some(3_600_000),
    };
    let c = compare(&before, &after, &CompareSettings::default());
    assert_eq!(c.basis, Basis::Duration);
    let x = c.changes.iter().find(|x| x.code == "X").unwrap();
    assert_eq!(
        (x.before_rate, x.after_rate, x.label),
        (Some(1.0), Some(40.0), Label::Up)
    );
    let y = c.changes.iter().find(|x| x.code == "Y").unwrap();
    assert_eq!((y.after, y.label), (12, Label::Same));
}

#[test]
fn without_any_exposure_counts_are_compared_without_a_test() {
    let before = Period {
        codes: &[("X", 10), ("X", 10), ("Z", 0)],
        ..Period::default()
    };
    let after = Period {
        codes: &[("X", 60)],
        ..Period::default()
    };
    let c = compare(&before, &after, &CompareSettings::default());
    assert_eq!(c.basis, Basis::Counts);
    assert_eq!(c.changes.len(), 1);
    let x = &c.changes[0];
    assert_eq!(
        (x.before, x.label, x.ratio, x.p_value, x.significant),
        (20, Label::Up, Some(3.0), None, None)
    );
    assert_eq!(x.excess, 40.0);
}

proptest! {
    #[test]
    fn labels_agree_with_the_counts(
        before in proptest::collection::vec(0u64..2_000, 6),
        after in proptest::collection::vec(0u64..2_000, 6),
        nb in 20_000u64..2_000_000,
        na in 20_000u64..2_000_000,
    ) {
        let names = ["a", "b", "c", "d", "e", "f"];
        let b: Vec<_> = names.iter().copied().zip(before).collect();
        let a: Vec<_> = names.iter().copied().zip(after).collect();
        let c = compare(&period(&b, nb), &period(&a, na), &CompareSettings::default());
        for x in &c.changes {
            prop_assert!(x.before + x.after > 0);
            prop_assert_eq!(x.label == Label::New, x.before == 0);
            prop_assert_eq!(x.label == Label::Gone, x.after == 0 && x.before > 0);
            let (rb, ra) = (x.before_rate.unwrap(), x.after_rate.unwrap());
            if x.label == Label::Up {
                prop_assert!(ra > rb && x.significant == Some(true));
            }
            if x.label == Label::Down {
                prop_assert!(ra < rb && x.significant == Some(true));
            }
        }
        // Changes first, then by |excess|.
        for w in c.changes.windows(2) {
            let same = (w[0].label == Label::Same, w[1].label == Label::Same);
            prop_assert!(same.0 <= same.1);
            if same.0 == same.1 {
                prop_assert!(w[0].excess.abs() >= w[1].excess.abs());
            }
        }
    }
}
