//! `--since`/`--until` and log times in every form a person types (`2026-11-26`,
//! `2026-11-26 23`, `…T06:10`, `…:SS.fff`, a zone or none, epoch seconds or milliseconds):
//! each keeps its time, counted as a user counts it, and anything else is a usage error.

mod common;

use std::io::Write;

use clap::Parser;
use common::*;
use errstat::cli::Cli;
use errstat::config::Config;
use errstat::scan;
use proptest::prelude::*;
use proptest::sample::select;

/// 2026-11-26T00:00:00Z.
const DAY26: i64 = 1_795_651_200_000;
const H: i64 = 3_600_000;
const M: i64 = 60_000;

/// One response line, with `ts` as written (or none).
fn line(ts: Option<&str>) -> String {
    let ts = ts.map(|t| format!("\"ts\":{t},")).unwrap_or_default();
    format!(
        "{{{ts}\"action\":\"Describe\",\"response\":{{\"Response\":{{\"RequestId\":\"r\"}}}}}}\n"
    )
}

/// Writes lines to a temporary log file.
fn log(lines: &[String]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(lines.concat().as_bytes()).unwrap();
    f
}

/// Eleven responses around 2026-11-26 and one without a time.
fn day_log() -> tempfile::NamedTempFile {
    let times = [
        "2026-11-25T23:59:59Z",
        "2026-11-26T00:00:00Z",
        "2026-11-26T06:09:59.999Z",
        "2026-11-26T06:10:00Z",
        "2026-11-26T06:10:30Z",
        "2026-11-26T22:59:59Z",
        "2026-11-26T23:00:00Z",
        "2026-11-26T23:30:00Z",
        "2026-11-26T23:59:00Z",
        "2026-11-26T23:59:59.500Z",
        "2026-11-27T00:00:00Z",
    ];
    let mut lines: Vec<String> = times
        .iter()
        .map(|t| line(Some(&format!("{t:?}"))))
        .collect();
    lines.push(line(None));
    log(&lines)
}

/// (responses, filtered) of a run over the day log with these bounds.
fn counted(bounds: &[&str]) -> (u64, u64) {
    let f = day_log();
    let mut args = vec![f.path().to_str().unwrap()];
    args.extend_from_slice(bounds);
    let r = report(&args);
    let t = &r["totals"];
    (
        t["responses"].as_u64().unwrap(),
        t["filtered"].as_u64().unwrap(),
    )
}

#[test]
fn a_bound_keeps_its_hour_and_minute() {
    assert_eq!(counted(&["--since", "2026-11-26T23:59"]), (3, 9));
    assert_eq!(counted(&["--since", "2026-11-26 23"]), (5, 7));
    assert_eq!(counted(&["--since", "2026-11-26T23"]), (5, 7));
    assert_eq!(counted(&["--since", "2026-11-26"]), (10, 2));
    assert_eq!(counted(&["--since", "2026-11-26T23:59:59.5"]), (2, 10));
    assert_eq!(counted(&["--until", "2026-11-26 06:10"]), (3, 9));
    assert_eq!(counted(&["--until", "2026-11-26 06:10:00"]), (3, 9));
    assert_eq!(
        counted(&[
            "--since",
            "2026-11-26T06:10",
            "--until",
            "2026-11-26T06:11Z"
        ]),
        (2, 10)
    );
}

#[test]
fn a_bound_reads_its_zone() {
    // 2026-11-26T23:00:00Z in three spellings of three offsets.
    assert_eq!(counted(&["--since", "2026-11-27T07:00+08:00"]), (5, 7));
    assert_eq!(counted(&["--since", "2026-11-27 07+08"]), (5, 7));
    assert_eq!(counted(&["--since", "2026-11-26T17:30-0530"]), (5, 7));
    assert_eq!(counted(&["--since", "2026-11-26T23:00:00Z"]), (5, 7));
    // 06:10Z.
    assert_eq!(counted(&["--until", "2026-11-26T01:10:00-05:00"]), (3, 9));
}

#[test]
fn a_bound_may_be_epoch_seconds_or_milliseconds() {
    let since = (DAY26 + 23 * H) / 1000;
    assert_eq!(counted(&["--since", &since.to_string()]), (5, 7));
    assert_eq!(counted(&["--since", &(since * 1000).to_string()]), (5, 7));
    let until = DAY26 + 6 * H + 10 * M;
    assert_eq!(counted(&["--until", &until.to_string()]), (3, 9));
    assert_eq!(counted(&["--until", &(until - 1).to_string()]), (2, 10));
}

#[test]
fn other_forms_are_usage_errors_that_show_the_forms() {
    let f = day_log();
    for bad in [
        "2026-11-26T25",
        "2026-11-26T24",
        "2026-11-26T",
        "2026-02-30",
        "2026-11-26T10:5",
        "2026-11-26T10:05 x",
        "2026-11-26Z",
        "yesterday",
    ] {
        for flag in ["--since", "--until"] {
            let r = run(&[f.path().to_str().unwrap(), flag, bad], None);
            assert_eq!(r.code, 2, "{flag} {bad:?}");
            assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
            assert!(
                r.stderr
                    .starts_with(&format!("errstat: {flag} {bad:?}: expected")),
                "{}",
                r.stderr
            );
            for form in [
                "YYYY-MM-DD[THH[:MM[:SS[.fff]]][Z|±HH:MM]]",
                "epoch seconds/milliseconds",
            ] {
                assert!(r.stderr.contains(form), "{}", r.stderr);
            }
        }
    }
}

#[test]
fn a_log_time_keeps_its_hour_and_minute() {
    let f = log(&[
        line(Some("\"2026-11-26T10:05\"")),
        line(Some("\"2026-11-26 11+08:00\"")),
        "2026-11-26 10:07 INFO {\"Response\":{\"RequestId\":\"r\"}}\n".into(),
        line(Some("\"2026-11-26T12\"")),
        // A bare date is midnight; a number in a string is not a time.
        line(Some("\"2026-11-26\"")),
        line(Some("\"1795687500\"")),
    ]);
    let r = report(&[f.path().to_str().unwrap(), "--bucket", "1h"]);
    assert_eq!(r["totals"]["responses"], 6);
    assert_eq!(r["span"]["first"], "2026-11-26T00:00:00.000Z");
    assert_eq!(r["span"]["last"], "2026-11-26T12:00:00.000Z");
    let buckets: Vec<(String, u64)> = r["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let start = b["start"].as_str().unwrap().to_string();
            (start, b["responses"].as_u64().unwrap())
        })
        .collect();
    let want = [
        ("2026-11-26T00:00:00.000Z", 1),
        ("2026-11-26T03:00:00.000Z", 1),
        ("2026-11-26T10:00:00.000Z", 2),
        ("2026-11-26T12:00:00.000Z", 1),
    ];
    let want: Vec<(String, u64)> = want.iter().map(|(s, n)| (s.to_string(), *n)).collect();
    assert_eq!(buckets, want);
    // Five have a time: a bound leaves out only the numeric string.
    let r = report(&[f.path().to_str().unwrap(), "--since", "1970-01-01"]);
    assert_eq!(r["totals"]["responses"], 5);
    assert_eq!(r["totals"]["filtered"], 1);
    let r = report(&[f.path().to_str().unwrap(), "--until", "2026-11-26T10:06"]);
    assert_eq!(r["totals"]["responses"], 3);
}

/// A time as a person or a log writes it, and the milliseconds it means, worked out here
/// by arithmetic rather than by a parser.
#[derive(Debug, Clone)]
struct Written {
    text: String,
    ms: i64,
}

/// Times on 2026-11-25..27 at `precision` parts (0 a bare date; then hour, minute, second,
/// fraction), with a separator and a zone. The parts come from a few values each, so that
/// bounds and log times meet often.
fn written() -> impl Strategy<Value = Written> {
    let zones = vec![
        ("", 0),
        ("Z", 0),
        ("+08:00", 480),
        ("+08", 480),
        ("-05:30", -330),
        ("-0530", -330),
        ("+0100", 60),
        ("-03", -180),
    ];
    (
        25i64..=27,
        select(vec![0i64, 6, 10, 23]),
        select(vec![0i64, 10, 30, 59]),
        select(vec![0i64, 30, 59]),
        select(vec!["5", "250", "999", "000000001", "123456789"]),
        0usize..5,
        select(vec!["T", " "]),
        select(zones),
    )
        .prop_map(|(day, h, mi, se, frac, precision, sep, (zone, offset))| {
            let mut text = format!("2026-11-{day:02}");
            let mut ms = DAY26 + (day - 26) * 24 * H;
            if precision >= 1 {
                text += &format!("{sep}{h:02}");
                ms += h * H;
            }
            if precision >= 2 {
                text += &format!(":{mi:02}");
                ms += mi * M;
            }
            if precision >= 3 {
                text += &format!(":{se:02}");
                ms += se * 1000;
            }
            if precision >= 4 {
                text += &format!(".{frac}");
                ms += format!("{frac:0<3}")[..3].parse::<i64>().unwrap();
            }
            if precision >= 1 {
                text += zone;
                ms -= offset * M;
            }
            Written { text, ms }
        })
}

/// A bound: a written time, or epoch seconds or milliseconds.
fn bound() -> impl Strategy<Value = Written> {
    prop_oneof![
        3 => written(),
        1 => written().prop_map(|w| {
            let s = w.ms.div_euclid(1000);
            Written { text: s.to_string(), ms: s * 1000 }
        }),
        1 => written().prop_map(|w| Written { text: w.ms.to_string(), ms: w.ms }),
    ]
}

/// (responses, filtered) of the library over `data`, configured from these arguments.
fn scanned(args: &[&str], data: &[u8]) -> (u64, u64) {
    let cli = Cli::try_parse_from(std::iter::once("errstat").chain(args.iter().copied())).unwrap();
    let Config::Report(config) = Config::new(cli, |_| None).unwrap() else {
        panic!("not a report");
    };
    let stats = scan::fold_bytes(data, 0, 0, &config.scan);
    (stats.totals.responses, stats.totals.filtered)
}

proptest! {
    /// Bounds in any form over log times in any form count what arithmetic says they hold.
    #[test]
    fn bounds_count_what_their_times_hold(
        since in proptest::option::of(bound()),
        until in proptest::option::of(bound()),
        times in proptest::collection::vec(proptest::option::of(written()), 0..40),
    ) {
        let data: String = times
            .iter()
            .map(|t| line(t.as_ref().map(|t| format!("{:?}", t.text)).as_deref()))
            .collect();
        let mut args = Vec::new();
        for (flag, b) in [("--since", &since), ("--until", &until)] {
            if let Some(b) = b {
                args.extend([flag, b.text.as_str()]);
            }
        }
        let kept = |t: &Option<Written>| match (&since, &until, t) {
            (None, None, _) => true,
            (_, _, None) => false,
            (s, u, Some(t)) => {
                s.as_ref().is_none_or(|s| t.ms >= s.ms) && u.as_ref().is_none_or(|u| t.ms < u.ms)
            }
        };
        let responses = times.iter().filter(|t| kept(t)).count() as u64;
        let want = (responses, times.len() as u64 - responses);
        prop_assert_eq!(scanned(&args, data.as_bytes()), want, "{:?}", args);
    }
}
