//! The report is byte-identical whatever the thread count, the chunk size and the way the
//! bytes arrive (file, stdin, gzip): SPEC §3's determinism, on a log large enough to split.

mod common;

use std::io::Write;

use common::*;
use errstat::loggen::{Options, generate};

/// A ~2 MB generated log with the mixed fixture's bad lines spliced in three times.
fn big_log(dir: &std::path::Path) -> std::path::PathBuf {
    let mut bytes = Vec::new();
    let mixed = std::fs::read(fixture("mixed.jsonl")).unwrap();
    for seed in 1..=3 {
        let opts = Options {
            seed,
            bytes: 700_000,
            ..Options::default()
        };
        generate(&opts, &mut bytes).unwrap();
        bytes.extend_from_slice(&mixed);
        bytes.push(b'\n');
    }
    let path = dir.join("big.jsonl");
    std::fs::write(&path, &bytes).unwrap();
    path
}

fn output(args: &[&str], stdin: Option<&[u8]>) -> String {
    let r = run(args, stdin);
    assert!(r.code == 0 || r.code == 1, "{args:?}: {}", r.stderr);
    r.stdout
}

#[test]
fn same_report_for_any_threads_and_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let log = big_log(dir.path());
    let log = log.to_str().unwrap();
    for format in ["json", "csv", "table"] {
        let base = [
            "--quiet",
            "--format",
            format,
            "--bucket",
            "10s",
            "--group-by",
            "region",
            "--samples",
            "4",
            "--max-line",
            "330",
        ];
        let with = |extra: &[&str]| {
            let mut args = base.to_vec();
            args.extend_from_slice(extra);
            args.push(log);
            output(&args, None)
        };
        let reference = with(&["--threads", "1"]);
        if format == "json" {
            let v: serde_json::Value = serde_json::from_str(&reference).unwrap();
            assert!(v["totals"]["lines"].as_u64().unwrap() > 5_000);
            assert!(
                v["totals"]["malformed"].as_u64().unwrap() > 9,
                "too-long lines included"
            );
            assert!(v["buckets"].as_array().unwrap().len() > 2);
            let t = &v["totals"];
            let parts: u64 = ["blank", "skipped", "malformed", "filtered", "responses"]
                .iter()
                .map(|k| t[k].as_u64().unwrap())
                .sum();
            assert_eq!(
                parts,
                t["lines"].as_u64().unwrap(),
                "every line counted once"
            );
        }
        for threads in ["1", "2", "4"] {
            for chunk in ["4M", "64K", "1K", "97"] {
                let got = with(&["--threads", threads, "--chunk-size", chunk]);
                assert!(
                    got == reference,
                    "{format}: --threads {threads} --chunk-size {chunk} differs"
                );
            }
        }
    }
}

#[test]
fn same_report_from_stdin_and_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let log = big_log(dir.path());
    let bytes = std::fs::read(&log).unwrap();
    let gz_path = dir.path().join("big.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&bytes).unwrap();
    std::fs::write(&gz_path, gz.finish().unwrap()).unwrap();
    let args = ["--quiet", "--format", "json", "--bucket", "1m"];
    let from_file = output(&[&args[..], &[log.to_str().unwrap()]].concat(), None);
    // Sources are named differently; everything else is the same. A stream's chunks are
    // folded by its reading thread and by the pool's other threads, as each is free.
    for threads in ["1", "2", "4"] {
        let from_stdin = output(
            &[&args[..], &["--chunk-size", "3K", "--threads", threads]].concat(),
            Some(&bytes),
        )
        .replace("<stdin>", log.to_str().unwrap());
        assert!(
            from_stdin == from_file,
            "stdin differs with --threads {threads}"
        );
    }
    let from_gz = output(
        &[&args[..], &["--threads", "2", gz_path.to_str().unwrap()]].concat(),
        None,
    )
    .replace(gz_path.to_str().unwrap(), log.to_str().unwrap());
    assert!(from_gz == from_file, "gzip differs");
}

#[test]
fn many_files_and_streams_in_parallel_give_one_report() {
    let dir = tempfile::tempdir().unwrap();
    let log = big_log(dir.path());
    let bytes = std::fs::read(&log).unwrap();
    std::fs::remove_file(&log).unwrap();
    let parts = dir.path().join("parts");
    std::fs::create_dir(&parts).unwrap();
    // 24 pieces cut at line ends; every third one gzip-compressed.
    let mut start = 0;
    for i in 0..24 {
        let mut end = (bytes.len() * (i + 1) / 24).min(bytes.len());
        while end < bytes.len() && bytes[end - 1] != b'\n' {
            end += 1;
        }
        let piece = &bytes[start..end];
        let path = parts.join(format!("part-{i:02}.log"));
        if i % 3 == 0 {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(piece).unwrap();
            std::fs::write(path, gz.finish().unwrap()).unwrap();
        } else {
            std::fs::write(path, piece).unwrap();
        }
        start = end;
    }
    let args = |threads: &'static str| {
        vec![
            "--quiet",
            "--format",
            "json",
            "--bucket",
            "10s",
            "--threads",
            threads,
            "--chunk-size",
            "64K",
        ]
    };
    let p = parts.to_str().unwrap();
    let one = output(&[&args("1")[..], &[p]].concat(), None);
    let v: serde_json::Value = serde_json::from_str(&one).unwrap();
    assert!(v["totals"]["lines"].as_u64().unwrap() > 5_000);
    for threads in ["2", "4"] {
        let got = output(&[&args(threads)[..], &[p]].concat(), None);
        assert!(got == one, "--threads {threads} differs over many files");
    }
}
