//! Numbers and times at the edges of what JSON and RFC 3339 allow (issue #21): a number past
//! f64's range is still JSON, an integer code of any length is an error with its digits, a
//! time is kept as far as RFC 3339 goes and no further, and a latency past a day is counted.

mod common;

use common::*;
use errstat::record::{Extractor, Keys, Route, classify_exact};

/// Writes lines to a temporary log file.
fn log(lines: &[&str]) -> tempfile::NamedTempFile {
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), lines.join("\n") + "\n").unwrap();
    f
}

/// The JSON report of a log of these lines, read by `threads` workers in chunks of `chunk`.
fn report_of(lines: &[&str], threads: &str, chunk: &str) -> serde_json::Value {
    let f = log(lines);
    report(&[
        "--threads",
        threads,
        "--chunk-size",
        chunk,
        f.path().to_str().unwrap(),
    ])
}

/// Checks that the fast path, where it answers, answers as the exact path.
fn agree(line: &str) {
    let keys = Keys::default();
    let exact = classify_exact(line.as_bytes(), &keys);
    let mut ex = Extractor::new(&keys);
    assert_eq!(ex.classify(line.as_bytes()), exact, "{line}");
    for path in [Route::Any, Route::Indexed, Route::Scanned] {
        if let Some(fast) = ex.fast_by(path, line.as_bytes()) {
            assert_eq!(fast, exact, "{path:?} on {line}");
        }
    }
}

#[test]
fn a_number_past_f64_leaves_the_line_valid_json() {
    let lines = [
        r#"{"v":1e400,"Response":{"Error":{"Code":"InternalError"},"RequestId":"r1"}}"#,
        r#"{"ts":"2026-11-26T10:00:00Z","payload":{"x":[-1e400,1e-400,1E+999999]},"Response":{"RequestId":"r2"}}"#,
        r#"{"latency_ms":1e400,"duration_ms":12,"ts":1e400,"time":1795687200,"Response":{"Error":{"Code":"InternalError"}}}"#,
        r#"{"v":1e400,"Response":{"#,
    ];
    for line in lines {
        agree(line);
    }
    let r = report_of(&lines, "1", "1M");
    let t = &r["totals"];
    assert_eq!(
        (&t["lines"], &t["responses"], &t["errors"], &t["malformed"]),
        (&4.into(), &3.into(), &2.into(), &1.into()),
        "{t}"
    );
    assert_eq!(t["untimed"], 1);
    let row = code_row(&r, "InternalError");
    assert_eq!(row["count"], 2);
    assert_eq!(row["last_seen"], "2026-11-26T10:00:00.000Z");
    assert_eq!(r["latency_ms"]["max"], 12.0);
    assert_eq!(r["malformed_samples"][0]["line"], 4);
}

#[test]
fn an_integer_code_of_any_length_is_an_error_with_its_digits() {
    let digits = "1234567890".repeat(10);
    let long = format!(r#"{{"Response":{{"Error":{{"Code":{digits},"Message":"m"}}}}}}"#);
    let audit = r#"{"eventTime":"2026-11-26 10:00:00","apiErrorCode":-12345678901234567890123}"#;
    let lines = [
        long.as_str(),
        long.as_str(),
        r#"{"Response":{"Error":{"Code":9003}}}"#,
        audit,
        r#"{"Response":{"Error":{"Code":1.5}}}"#,
        r#"{"Response":{"Error":{"Code":1e2}}}"#,
    ];
    for line in lines {
        agree(line);
    }
    let r = report_of(&lines, "1", "1M");
    let t = &r["totals"];
    assert_eq!(
        (&t["responses"], &t["errors"], &t["empty_error"]),
        (&6.into(), &4.into(), &2.into()),
        "{t}"
    );
    assert_eq!(r["codes"].as_array().unwrap().len(), 3);
    let row = code_row(&r, &digits);
    assert_eq!(
        (&row["count"], &row["messages"][0]["text"]),
        (&2.into(), &"m".into())
    );
    assert_eq!(code_row(&r, "9003")["count"], 1);
    assert_eq!(code_row(&r, "-12345678901234567890123")["count"], 1);
}

#[test]
fn times_are_kept_as_far_as_rfc3339_goes_and_no_further() {
    let lines = [
        // Any number of fraction digits.
        r#"{"ts":"2026-11-26T10:00:00.1234567891Z","Response":{"Error":{"Code":"A"}}}"#,
        r#"{"ts":"2026-11-26T10:00:00.99999999999999999999","Response":{"Error":{"Code":"A"}}}"#,
        // Years 0000 to 9999.
        r#"{"ts":"9999-12-31T23:59:59Z","Response":{"Error":{"Code":"B"}}}"#,
        r#"{"ts":"0000-01-01T00:00:00Z","Response":{"Error":{"Code":"B"}}}"#,
        // Offsets up to 23:59, and no further.
        r#"{"ts":"2026-11-26T10:00:00.5+23:59","Response":{"Error":{"Code":"C"}}}"#,
        r#"{"ts":"2026-11-26T10:00:00+24:00","Response":{"Error":{"Code":"D"}}}"#,
        r#"{"ts":"2026-11-26T10:00:00+25:00","Response":{"Error":{"Code":"D"}}}"#,
        r#"{"ts":"9999-12-31T23:59:59-00:01","Response":{"Error":{"Code":"D"}}}"#,
    ];
    for line in lines {
        agree(line);
    }
    let r = report_of(&lines, "1", "1M");
    assert_eq!(r["totals"]["untimed"], 3);
    assert_eq!(r["span"]["first"], "0000-01-01T00:00:00.000Z");
    assert_eq!(r["span"]["last"], "9999-12-31T23:59:59.000Z");
    let seen = |code: &str| {
        let row = code_row(&r, code);
        (row["first_seen"].clone(), row["last_seen"].clone())
    };
    assert_eq!(
        seen("A"),
        (
            "2026-11-26T10:00:00.123Z".into(),
            "2026-11-26T10:00:00.999Z".into()
        )
    );
    assert_eq!(
        seen("B"),
        (
            "0000-01-01T00:00:00.000Z".into(),
            "9999-12-31T23:59:59.000Z".into()
        )
    );
    let c = "2026-11-25T10:01:00.500Z";
    assert_eq!(seen("C"), (c.into(), c.into()));
    assert_eq!(
        seen("D"),
        (serde_json::Value::Null, serde_json::Value::Null)
    );
    // A bound takes the same forms.
    let f = log(&lines);
    let bounded = report(&[
        "--since",
        "2026-11-26T10:00:00.1239999999Z",
        "--until",
        "9999-12-31T23:59:59.999Z",
        f.path().to_str().unwrap(),
    ]);
    // Both A (the bound is read to its millisecond, .123) and the last B.
    assert_eq!(bounded["totals"]["responses"], 3);
    assert_eq!(bounded["totals"]["filtered"], 5);
    let r = run(&["--since", "2026-11-26T10:00:00+24:00", "-q"], Some(b""));
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn latencies_past_a_day_are_counted() {
    let lines = [
        r#"{"latency_ms":90000000,"Response":{}}"#,
        r#"{"latency_ms":1e300,"Response":{"Error":{"Code":"X"}}}"#,
        // A day, and what rounds to a day: not past it.
        r#"{"latency_ms":86400000,"Response":{}}"#,
        r#"{"latency_ms":86400000.0004,"Response":{}}"#,
        r#"{"latency_ms":12,"Response":{}}"#,
    ];
    let many: Vec<&str> = lines.iter().cycle().take(5 * 200).copied().collect();
    for (lines, threads, chunk, clamped) in [(&lines[..], "1", "1M", 2), (&many, "2", "1K", 400)] {
        let r = report_of(lines, threads, chunk);
        assert_eq!(r["totals"]["latency_clamped"], clamped, "{threads} threads");
        assert_eq!(r["latency_ms"]["max"], 86_400_000.0);
    }
    let f = log(&lines);
    let table = run(&["-f", "table", "-q", f.path().to_str().unwrap()], None);
    let totals = table.stdout.lines().next().unwrap();
    assert!(totals.ends_with("  latency over a day 2"), "{totals}");
    let f = log(&lines[2..]);
    let table = run(&["-f", "table", "-q", f.path().to_str().unwrap()], None);
    assert!(
        !table.stdout.contains("latency over a day"),
        "{}",
        table.stdout
    );
}

/// The hostile fixture, whose lines are the fuzz seeds of these cases, as the `extract`
/// target reads them: each line alone, and all one after another through one extractor
/// that keeps their shapes, answered as the exact path answers.
#[test]
fn the_hostile_fixture_agrees() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/hostile.jsonl"),
    )
    .unwrap();
    let keys = Keys::default();
    let mut kept = Extractor::new(&keys);
    let mut lines = 0;
    for line in text.lines() {
        agree(line);
        let exact = classify_exact(line.as_bytes(), &keys);
        assert_eq!(kept.classify(line.as_bytes()), exact, "{line}");
        lines += 1;
    }
    assert_eq!(lines, 11);
}
