//! Unit tests of `changed`: what a run's aggregate says changed.

use std::borrow::Cow;

use super::*;
use crate::record::Record;
use crate::stats::{Aggregation, Pos};

const MINUTE: Millis = 60_000;
const T0: Millis = 1_795_651_200_000; // 2026-11-26T00:00:00Z

/// A day of traffic at 100 responses a minute, 2% errors of `Steady`, with 10 minutes from
/// 12:00 at 62% errors, and a code `Fresh` that only appears in the last hour.
fn day(bucket: Option<Millis>) -> Stats {
    let mut s = Stats::new(Aggregation::with_bucket(bucket));
    let mut line = 0;
    for minute in 0..1440 {
        let spike = (720..730).contains(&minute);
        for i in 0..100u64 {
            let code = match () {
                _ if spike && i < 62 => Some("Spiky"),
                _ if !spike && i < 2 => Some("Steady"),
                _ if minute >= 1380 && i == 99 && minute % 10 == 0 => Some("Fresh"),
                _ => None,
            };
            let r = Record {
                code: code.map(Cow::Borrowed),
                time: Some(T0 + minute * MINUTE + i as Millis * 100),
                ..Record::default()
            };
            line += 1;
            s.add_response(
                Pos {
                    source: 0,
                    chunk: 0,
                    line,
                },
                &r,
            );
        }
    }
    s.finish();
    s
}

#[test]
fn a_planted_spike_is_found_with_and_without_a_bucket() {
    for (bucket, width) in [(None, 5 * MINUTE), (Some(MINUTE), MINUTE)] {
        let c = Changed::build(&day(bucket), &ChangeSettings::default(), false);
        assert_eq!(c.width, Some(width), "{bucket:?}");
        assert_eq!(c.auto_width, bucket.is_none());
        let all = c
            .spikes
            .iter()
            .find(|s| s.scope == Scope::All)
            .expect("a spike of all errors");
        assert_eq!(all.spike.start, T0 + 720 * MINUTE, "{bucket:?}");
        assert_eq!(all.spike.end, T0 + 730 * MINUTE, "{bucket:?}");
        let spiky = c
            .spikes
            .iter()
            .find(|s| s.name.as_deref() == Some("Spiky"))
            .expect("a spike of the code");
        assert_eq!(spiky.spike.errors, 620);
        assert!(
            !c.spikes.iter().any(|s| s.name.as_deref() == Some("Steady")),
            "{:?}",
            c.spikes
        );
    }
}

#[test]
fn a_code_of_the_last_hour_is_new() {
    let c = Changed::build(&day(None), &ChangeSettings::default(), false);
    let codes: Vec<&str> = c.new_codes.iter().map(|n| n.code.as_str()).collect();
    assert_eq!(codes, ["Fresh"]);
    assert_eq!(c.new_codes[0].count, 6);
    assert_eq!(c.new_codes[0].first_seen, Some(T0 + 1380 * MINUTE + 9_900));
}

#[test]
fn a_baseline_labels_each_code() {
    let before = Baseline {
        source: "before.json".into(),
        codes: vec![("Steady".into(), 2880), ("Gone".into(), 50)],
        responses: Some(144_000),
        span: Some((T0 - 86_400_000, T0 - 1)),
        folded: 0,
        filters: Vec::new(),
    };
    let c = Changed::build(
        &day(None),
        &ChangeSettings {
            recent: None,
            baseline: Some(before),
        },
        false,
    );
    let changes = c.changes.as_ref().expect("compared");
    let label = |code: &str| {
        changes
            .changes
            .iter()
            .find(|c| c.code == code)
            .map(|c| c.label.as_str())
    };
    assert_eq!(label("Spiky"), Some("new"));
    assert_eq!(label("Gone"), Some("gone"));
    assert_eq!(label("Steady"), Some("same"));
    // Spiky is new against the baseline, Fresh by the recent window already.
    let why: Vec<(&str, &str)> = c.new_codes.iter().map(|n| (&*n.code, n.why)).collect();
    assert_eq!(why, [("Fresh", "recent"), ("Spiky", "baseline")]);
}

#[test]
fn the_automatic_width_is_a_readable_multiple_of_the_series() {
    assert_eq!(readable_multiple(5 * MINUTE, MINUTE), 5 * MINUTE);
    assert_eq!(readable_multiple(15 * MINUTE, 10 * MINUTE), 30 * MINUTE);
    assert_eq!(readable_multiple(5_000, 10_000), 10_000);
}

/// A fine bucket over a long log: the most frequent codes are tested within the budget, the
/// rest are counted as not, and the count is what the report shows.
#[test]
fn codes_past_the_budget_are_counted_untested() {
    let mut s = Stats::new(Aggregation::with_bucket(Some(1_000)));
    let mut line = 0;
    let mut add = |s: &mut Stats, t: Millis, code: Option<String>| {
        line += 1;
        let r = Record {
            code: code.map(Cow::Owned),
            time: Some(t),
            ..Record::default()
        };
        s.add_response(
            Pos {
                source: 0,
                chunk: 0,
                line,
            },
            &r,
        );
    };
    // A day of 1s buckets, one response each.
    for sec in 0..86_400 {
        add(&mut s, T0 + sec * 1_000, None);
    }
    // 60 codes, each 5 errors in a bucket of its own (so each could spike).
    for c in 0..60i64 {
        for _ in 0..5 {
            add(
                &mut s,
                T0 + (1_000 + c * 100) * 1_000,
                Some(format!("Code.N{c:02}")),
            );
        }
    }
    s.finish();
    let c = Changed::build(&s, &ChangeSettings::default(), false);
    let affordable = SPIKE_BUDGET / 86_400;
    assert_eq!(c.untested, 60 - affordable as u64);
    assert_eq!(c.json(None).spike_series_untested, c.untested);
}
