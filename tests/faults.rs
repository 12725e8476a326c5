//! Faults (SPEC §6): every one gives a one-line error naming the input, the other inputs
//! still read, the right exit code, and never a panic or a backtrace.

mod common;

use std::io::Write;
use std::process::Command;

use common::*;

/// The envelope fixture 300 times over: 3,000 lines, 1,800 errors.
fn many_lines() -> Vec<u8> {
    std::fs::read(fixture("envelope.jsonl"))
        .unwrap()
        .repeat(300)
}

fn assert_clean(r: &Run) {
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert!(!r.stderr.contains("RUST_BACKTRACE"), "{}", r.stderr);
}

fn truncated_compressed(kind: &str) {
    let dir = tempfile::tempdir().unwrap();
    // Generated lines compress like real logs (the repeated fixture would shrink to a few
    // hundred bytes, and nothing could be read before the cut).
    let mut data = Vec::new();
    let opts = errstat::loggen::Options {
        bytes: 2 << 20,
        ..Default::default()
    };
    let total = errstat::loggen::generate(&opts, &mut data).unwrap();
    let compressed = match kind {
        "gz" => {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            gz.write_all(&data).unwrap();
            gz.finish().unwrap()
        }
        _ => zstd::encode_all(&data[..], 3).unwrap(),
    };
    let cut = dir.path().join(format!("cut.{kind}"));
    std::fs::write(&cut, &compressed[..compressed.len() * 6 / 10]).unwrap();
    let other = fixture("bare.jsonl");
    let r = run(
        &[
            "--format",
            "json",
            other.to_str().unwrap(),
            cut.to_str().unwrap(),
        ],
        None,
    );
    assert_clean(&r);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", r.stderr);
    assert!(
        lines[0].starts_with(&format!("errstat: {}: ", cut.display())),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("after byte"), "the point: {}", lines[0]);
    let report = r.json();
    let read = report["totals"]["lines"].as_u64().unwrap();
    // What was read before the cut is counted, and the other input too.
    assert!(
        read > 8 + total / 4 && read < 8 + total,
        "{read} of {total}"
    );
    assert_eq!(
        code_row(&report, "InternalError")["request_ids"][0],
        "req-4"
    );
    assert_eq!(report["failed_inputs"][0]["source"], cut.to_str().unwrap());
}

#[test]
fn truncated_gzip_keeps_what_was_read() {
    truncated_compressed("gz");
}

#[test]
fn truncated_zstd_keeps_what_was_read() {
    truncated_compressed("zst");
}

#[cfg(unix)]
#[test]
fn symlink_loop_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.log"), dir.path().join("b.log"));
    std::os::unix::fs::symlink(&b, &a).unwrap();
    std::os::unix::fs::symlink(&a, &b).unwrap();
    let env = fixture("envelope.jsonl");
    let r = run(
        &[
            "--format",
            "json",
            a.to_str().unwrap(),
            env.to_str().unwrap(),
        ],
        None,
    );
    assert_clean(&r);
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.starts_with(&format!("errstat: {}: ", a.display())),
        "{}",
        r.stderr
    );
    assert_eq!(r.json()["totals"]["responses"], 10);
    // In a directory walk, the loop is one named error and the rest is read.
    std::fs::copy(&env, dir.path().join("c.log")).unwrap();
    let r = run(&["--format", "json", dir.path().to_str().unwrap()], None);
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.lines().count(), 2, "{}", r.stderr);
    assert_eq!(r.json()["totals"]["responses"], 10);
}

#[cfg(unix)]
#[test]
fn a_fifo_is_read_as_a_stream() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let data = many_lines();
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
            f.write_all(&data).unwrap();
        })
    };
    let r = run(&["--format", "json", fifo.to_str().unwrap()], None);
    writer.join().unwrap();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["totals"]["lines"], 3000);
    assert_eq!(r.json()["totals"]["errors"], 1800);
}

#[cfg(unix)]
#[test]
fn a_directory_without_permission_is_named() {
    use std::os::unix::fs::PermissionsExt;
    let bin = assert_cmd::cargo::cargo_bin("errstat");
    // root reads every directory whatever its mode: as root, run errstat as `nobody`.
    let uid = Command::new("id").arg("-u").output().unwrap();
    let as_root = String::from_utf8_lossy(&uid.stdout).trim() == "0";
    let command = || {
        if as_root {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(&bin);
            c
        } else {
            Command::new(&bin)
        }
    };
    let runs = command().arg("--version").output();
    if !runs.is_ok_and(|o| o.status.success()) {
        eprintln!("cannot run errstat as an unprivileged user here: nothing to check");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::copy(fixture("bare.jsonl"), locked.join("x.jsonl")).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let env = dir.path().join("envelope.jsonl");
    std::fs::copy(fixture("envelope.jsonl"), &env).unwrap();
    std::fs::set_permissions(&env, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = command()
        .args([
            "--format",
            "json",
            locked.to_str().unwrap(),
            env.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!("errstat: {}: ", locked.display())),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["totals"]["responses"], 10);
}

#[test]
fn output_to_a_full_disk_or_an_unwritable_path() {
    let env = fixture("envelope.jsonl");
    if std::path::Path::new("/dev/full").exists() {
        let r = run(&[env.to_str().unwrap(), "-o", "/dev/full"], None);
        assert_clean(&r);
        assert_eq!(r.code, 2);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert!(r.stderr.starts_with("errstat: /dev/full: "), "{}", r.stderr);
    }
    let r = run(
        &[env.to_str().unwrap(), "-o", "/no/such/dir/report.json"],
        None,
    );
    assert_clean(&r);
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.starts_with("errstat: /no/such/dir/report.json: "),
        "{}",
        r.stderr
    );
}

/// Runs errstat with `args`, and its peak RSS in MB where GNU time is there to measure it.
fn run_with_peak_rss(args: &[&str]) -> (std::process::Output, Option<u64>) {
    let time = std::path::Path::new("/usr/bin/time");
    let mut cmd = if time.exists() {
        let mut c = Command::new(time);
        c.args(["-f", "maxrss=%M"])
            .arg(assert_cmd::cargo::cargo_bin("errstat"));
        c
    } else {
        Command::new(assert_cmd::cargo::cargo_bin("errstat"))
    };
    let out = cmd.args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let peak_mb = stderr
        .lines()
        .find_map(|l| l.strip_prefix("maxrss="))
        .map(|kb| kb.trim().parse::<u64>().unwrap() / 1024);
    (out, peak_mb)
}

#[test]
fn a_line_of_64_mib_is_too_long_and_memory_stays_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
    f.write_all(b"{\"Response\":{\"Error\":{\"Code\":\"Before\"}}}\n{\"x\":\"")
        .unwrap();
    let block = vec![b'a'; 1 << 20];
    for _ in 0..64 {
        f.write_all(&block).unwrap();
    }
    f.write_all(b"\"}\n{\"Response\":{\"Error\":{\"Code\":\"After\"}}}\n")
        .unwrap();
    drop(f);
    for threads in ["1", "2"] {
        let (out, peak_mb) = run_with_peak_rss(&[
            "--format",
            "json",
            "--threads",
            threads,
            big.to_str().unwrap(),
        ]);
        assert!(
            !out.stdout.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["totals"]["lines"], 3);
        assert_eq!(report["totals"]["malformed"], 1);
        assert_eq!(report["totals"]["errors"], 2);
        assert_eq!(report["malformed_samples"][0]["line"], 2);
        assert_eq!(report["malformed_samples"][0]["reason"], "too long");
        if let Some(mb) = peak_mb {
            // The 64 MiB line is dropped while read: at most --max-line (16 MiB) is held.
            assert!(mb < 60, "peak RSS {mb} MB for a 64 MiB line");
        }
    }
}

/// Valid lines of 12 MiB (under `--max-line`) are parsed, and the parser's scratch space
/// does not grow with them (the structural index once took 4 bytes per byte of the longest
/// line: 128 MB peak here).
#[test]
fn valid_lines_of_12_mib_are_counted_and_memory_stays_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.jsonl");
    let line = format!(
        "{{\"Response\":{{\"Error\":{{\"Code\":\"Big\",\"Message\":\"{}\"}}}}}}\n",
        "a".repeat(12 << 20)
    );
    std::fs::write(&big, line.repeat(2)).unwrap();
    let (out, peak_mb) =
        run_with_peak_rss(&["--format", "json", "--threads", "2", big.to_str().unwrap()]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["totals"]["errors"], 2);
    assert_eq!(report["totals"]["malformed"], 0);
    if let Some(mb) = peak_mb {
        assert!(mb < 80, "peak RSS {mb} MB for two 12 MiB lines");
    }
}

#[test]
fn bad_lines_ledger_lists_every_malformed_line_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (adv, mixed) = (fixture("adversarial.jsonl"), fixture("mixed.jsonl"));
    let mut ledgers = Vec::new();
    for (threads, chunk) in [("1", "1M"), ("2", "64"), ("4", "1K")] {
        let out = dir.path().join(format!("bad-{threads}.txt"));
        let r = run(
            &[
                "--format",
                "json",
                "--quiet",
                "--threads",
                threads,
                "--chunk-size",
                chunk,
                "--max-line",
                "4096",
                "--bad-lines",
                out.to_str().unwrap(),
                adv.to_str().unwrap(),
                mixed.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        let report = r.json();
        let ledger = std::fs::read(&out).unwrap();
        let lines: Vec<&[u8]> = ledger
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(
            lines.len() as u64,
            report["totals"]["malformed"].as_u64().unwrap()
        );
        ledgers.push(ledger);
    }
    assert!(
        ledgers.iter().all(|l| *l == ledgers[0]),
        "the same ledger for any threads and chunks"
    );
    let text = String::from_utf8_lossy(&ledgers[0]);
    let first: Vec<&str> = text
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    let a = adv.to_str().unwrap();
    let m = mixed.to_str().unwrap();
    assert_eq!(
        first,
        [
            format!("{a}:12:too long"),
            format!("{a}:13:invalid utf-8"),
            format!("{a}:14:invalid json"),
            format!("{a}:19:invalid json"),
            format!("{a}:22:invalid utf-8"),
            format!("{m}:4:invalid json"),
            format!("{m}:9:invalid json"),
            format!("{m}:10:invalid utf-8"),
        ]
    );
    // The first 200 bytes of the line follow the tab.
    let deep = text.lines().next().unwrap().split_once('\t').unwrap().1;
    assert_eq!(deep.len(), 200);
    assert!(deep.starts_with("{\"deep\":[[["));
}

/// A log cut while errstat reads it (logrotate's `copytruncate`, here at a few moments into
/// the run) ends the run early with a report, never kills it: its ranges are read through a
/// map, and a page past a shrunk file's end would otherwise raise SIGBUS.
#[test]
fn a_log_cut_while_read_gives_a_report_of_what_was_there() {
    let data = many_lines().repeat(20);
    let lines = data.iter().filter(|&&b| b == b'\n').count() as u64;
    for delay_ms in [0u64, 20, 60, 150] {
        let file = tempfile::NamedTempFile::new().unwrap();
        file.as_file().write_all(&data).unwrap();
        let child = Command::new(assert_cmd::cargo::cargo_bin("errstat"))
            .args([
                "-q",
                "--format",
                "json",
                "--chunk-size",
                "64K",
                "--threads",
                "2",
            ])
            .arg(file.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        file.as_file().set_len(data.len() as u64 / 3 + 7).unwrap();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{:?}: {stderr}", out.status);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let read = report["totals"]["lines"].as_u64().unwrap();
        assert!(read <= lines, "{read} lines of {lines}");
        // Each line counted is one the file held: a valid response, or the one cut line.
        assert!(
            report["totals"]["malformed"].as_u64().unwrap() <= 1,
            "{report}"
        );
    }
}
