//! The bad-lines ledger (`--bad-lines FILE`): every malformed line, numbered right however
//! many there are, and a temporary directory it cannot write to said at once.

mod common;

use std::time::{Duration, Instant};

use common::*;

/// A response cut off in its message: 190 bytes, all of it kept in the ledger.
fn cut() -> String {
    format!(
        "{{\"Response\":{{\"Error\":{{\"Code\":\"InternalError\",\"Message\":\"{}",
        "x".repeat(134)
    )
}

/// `n` groups of three lines: two cut-off responses, then a whole one.
fn mostly_malformed(n: usize) -> Vec<u8> {
    let whole = std::fs::read_to_string(fixture("envelope.jsonl")).unwrap();
    let whole = whole.lines().next().unwrap();
    format!("{}\n{{\"Response\":\n{whole}\n", cut())
        .repeat(n)
        .into_bytes()
}

#[test]
fn a_temporary_directory_that_cannot_be_written_ends_the_run_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.jsonl");
    std::fs::write(&log, mostly_malformed(20_000)).unwrap();
    let out = dir.path().join("bad.txt");
    let started = Instant::now();
    let r = errstat()
        .env("TMPDIR", "/nonexistent-dir")
        .args(["--format", "json", "--bad-lines"])
        .args([&out, &log])
        .output()
        .unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with(
            "errstat: --bad-lines: cannot write a temporary file in /nonexistent-dir: "
        ),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!out.exists(), "no partial ledger");
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[test]
fn a_ledger_of_several_runs_numbers_every_line() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.jsonl");
    // 200,000 bad lines, most of them 190 bytes, are more than one 8 MB run in memory
    // for each of two workers; 64 KiB chunks make the line numbers add up over hundreds
    // of chunks.
    std::fs::write(&log, mostly_malformed(100_000)).unwrap();
    let out = dir.path().join("bad.txt");
    let r = run(
        &[
            "--format",
            "json",
            "--quiet",
            "--threads",
            "2",
            "--chunk-size",
            "64K",
            "--bad-lines",
            out.to_str().unwrap(),
            log.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["totals"]["malformed"], 200_000);
    let ledger = std::fs::read_to_string(&out).unwrap();
    let name = log.to_str().unwrap();
    let mut count = 0;
    for (i, line) in ledger.lines().enumerate() {
        let number = 3 * (i / 2) + i % 2 + 1;
        let text = if i % 2 == 0 {
            cut()
        } else {
            "{\"Response\":".into()
        };
        assert_eq!(line, format!("{name}:{number}:invalid json\t{text}"));
        count += 1;
    }
    assert_eq!(count, 200_000);
}
