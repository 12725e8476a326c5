//! Numbers at the edges of what JSON allows (issue #21): a number past f64's range is still
//! JSON, and an integer code of any length is an error with its digits.

mod common;

use common::*;
use errstat::record::{Extractor, Keys, Path, classify};

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
    let exact = classify(line.as_bytes(), &keys);
    let mut ex = Extractor::new(&keys);
    assert_eq!(ex.classify(line.as_bytes(), &keys), exact, "{line}");
    for path in [Path::Any, Path::Indexed, Path::Scanned] {
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
    assert_eq!(row["last_seen"], "2026-11-26T10:00:00Z");
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

/// The fuzz seeds of these cases (`fuzz/seeds/extract/numbers-*`, `pair-numbers-*`), as the
/// `extract` target reads them: each line alone, and all one after another through one
/// extractor that keeps their shapes, answered as the exact path answers.
#[test]
fn the_fuzz_seeds_agree() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/extract");
    let keys = Keys::default();
    let mut kept = Extractor::new(&keys);
    let mut lines = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy();
        if !name.starts_with("numbers-") && !name.starts_with("pair-numbers-") {
            continue;
        }
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            agree(line);
            let exact = classify(line.as_bytes(), &keys);
            assert_eq!(kept.classify(line.as_bytes(), &keys), exact, "{line}");
            lines += 1;
        }
    }
    assert_eq!(lines, 27);
}
