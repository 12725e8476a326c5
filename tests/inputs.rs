//! Inputs and outputs at their edges: pzstd files, what a directory walk reads, a BOM at any
//! chunk size, and errors said before the scan rather than after it.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::*;

/// Runs errstat with `args`, killed after `secs` seconds (exit -1) if it has not ended.
fn run_within(secs: u64, args: &[&std::ffi::OsStr]) -> Run {
    let out = errstat()
        .args(args)
        .timeout(Duration::from_secs(secs))
        .output()
        .unwrap();
    Run {
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
        code: out.status.code().unwrap_or(-1),
    }
}

/// Makes a FIFO at `path`.
#[cfg(unix)]
fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(made.success());
}

/// The envelope fixture's report, for comparison.
fn envelope_report() -> serde_json::Value {
    report(&[fixture("envelope.jsonl").to_str().unwrap()])
}

/// pzstd starts its output with a skippable frame (`50 2a 4d 18`, a length, that many
/// bytes); a file that does is zstd, not text.
#[test]
fn a_zstd_file_that_starts_with_a_skippable_frame_is_zstd() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read(fixture("envelope.jsonl")).unwrap();
    let mut data = vec![0x50, 0x2a, 0x4d, 0x18];
    data.extend_from_slice(&4u32.to_le_bytes());
    data.extend_from_slice(&(text.len() as u32).to_le_bytes());
    data.extend(zstd::encode_all(&text[..], 3).unwrap());
    let by_hand = dir.path().join("by-hand.log");
    std::fs::write(&by_hand, &data).unwrap();
    let mut files = vec![by_hand];
    let real = dir.path().join("pzstd.log");
    let pzstd = Command::new("pzstd")
        .args(["-q", "-p", "2", "-o"])
        .arg(&real)
        .arg(fixture("envelope.jsonl"))
        .status();
    if pzstd.is_ok_and(|s| s.success()) {
        assert_eq!(std::fs::read(&real).unwrap()[1..4], [0x2a, 0x4d, 0x18]);
        files.push(real);
    } else {
        eprintln!("no pzstd here: the hand-built file only");
    }
    let expected = envelope_report();
    for f in files {
        let r = run(&["--format", "json", f.to_str().unwrap()], None);
        assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{}", f.display());
        let got = r.json();
        assert_eq!(got["totals"], expected["totals"], "{}", f.display());
        assert_eq!(got["codes"], expected["codes"], "{}", f.display());
    }
}

/// A FIFO in a directory would block the walk in `open()`, and a link to `/dev/zero` read
/// forever: a walk reads regular files only and says in one line what it left out. A FIFO
/// named on the command line is still read (`faults::a_fifo_is_read_as_a_stream`).
#[cfg(unix)]
#[test]
fn a_directory_walk_reads_regular_files_only() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(fixture("envelope.jsonl"), d.join("a.jsonl")).unwrap();
    mkfifo(&d.join("z.pipe"));
    std::os::unix::fs::symlink("/dev/zero", d.join("zero")).unwrap();
    let r = run_within(20, &["--format".as_ref(), "json".as_ref(), d.as_os_str()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        format!(
            "errstat: skipped 2 entries that are not regular files in {} (first: {}/z.pipe)\n",
            d.display(),
            d.display()
        )
    );
    assert_eq!(r.json()["totals"], envelope_report()["totals"]);
    // A warning: -q leaves it out.
    let r = run_within(
        20,
        &[
            "-q".as_ref(),
            "--format".as_ref(),
            "json".as_ref(),
            d.as_os_str(),
        ],
    );
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
}

/// A BOM is three bytes before the first line; with `--chunk-size` 1 to 3 the first range
/// ended inside it, and the line that starts at byte 0 was counted by no range.
#[test]
fn a_bom_file_reads_the_same_at_any_chunk_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bom.jsonl");
    let mut data = b"\xef\xbb\xbf".to_vec();
    data.extend(std::fs::read(fixture("envelope.jsonl")).unwrap());
    std::fs::write(&path, &data).unwrap();
    let path = path.to_str().unwrap();
    let expected = run(&["--format", "json", "--chunk-size", "1M", path], None);
    assert_eq!(expected.json()["totals"]["lines"], 10);
    for threads in ["1", "2"] {
        for size in 1..=8 {
            let size = size.to_string();
            let args = [
                "--format",
                "json",
                "--threads",
                threads,
                "--chunk-size",
                &size,
            ];
            let r = run(&[&args[..], &[path]].concat(), None);
            assert_eq!(r.code, 0, "{}", r.stderr);
            let at = format!("--chunk-size {size}, {threads} threads");
            assert_eq!(r.json()["totals"], expected.json()["totals"], "{at}");
            assert_eq!(r.stdout, expected.stdout, "{at}");
        }
    }
}

/// `-o` and `--bad-lines` are opened before any input is read: here the input is a FIFO
/// that no one writes to, which the old code waited on for ever before finding out that the
/// output could not be written.
#[cfg(unix)]
#[test]
fn an_output_that_cannot_be_written_fails_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("never.pipe");
    mkfifo(&fifo);
    let fifo = fifo.as_os_str();
    for flag in ["-o", "--bad-lines"] {
        let r = run_within(20, &[flag.as_ref(), "/nonexistent/x.json".as_ref(), fifo]);
        assert_eq!(r.code, 2, "{flag}: {}", r.stderr);
        assert_eq!(
            r.stderr.lines().collect::<Vec<_>>(),
            ["errstat: /nonexistent/x.json: No such file or directory (os error 2)"],
            "{flag}"
        );
    }
}

/// An old report is emptied only when the new one is written: a run that fails first
/// leaves it as it was, and a report file the run created is removed. So `-o` may also name
/// an input, as `sort -o` may.
#[test]
fn an_old_report_stays_until_the_new_one_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old.json"), dir.path().join("new.json"));
    std::fs::write(&old, "old report").unwrap();
    let env = fixture("envelope.jsonl");
    for out in [&old, &new] {
        let r = run(
            &[
                "-o",
                out.to_str().unwrap(),
                "--bad-lines",
                "/nonexistent/bad.txt",
                env.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(r.code, 2, "{}", r.stderr);
    }
    assert_eq!(std::fs::read_to_string(&old).unwrap(), "old report");
    assert!(!new.exists(), "an empty report left behind");
    // The report over its own input.
    let log = dir.path().join("log.jsonl");
    std::fs::copy(&env, &log).unwrap();
    let r = run(
        &[
            "--format",
            "json",
            "-o",
            log.to_str().unwrap(),
            log.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&log).unwrap()).unwrap();
    assert_eq!(report["totals"], envelope_report()["totals"]);
}

/// `errstat log >&-`: the report would go nowhere, so that is an error.
#[cfg(unix)]
#[test]
fn a_closed_standard_output_is_an_error() {
    let bin = assert_cmd::cargo::cargo_bin("errstat");
    let env = fixture("envelope.jsonl");
    let closed = |args: &[&str]| {
        let out = Command::new("sh")
            .args(["-c", "exec \"$0\" \"$@\" >&-"])
            .arg(&bin)
            .args(args)
            .arg(&env)
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8(out.stderr).unwrap())
    };
    let (code, stderr) = closed(&[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(
        stderr,
        "errstat: <stdout>: standard output is closed (write to a file with -o)\n"
    );
    // With -o, standard output is not needed.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let (code, stderr) = closed(&["-q", "-o", out.to_str().unwrap()]);
    assert_eq!((code, stderr.as_str()), (Some(0), ""));
    assert!(std::fs::metadata(&out).unwrap().len() > 0);
}

/// A `.gz` cut short, compressed from generated lines (which compress like real logs).
fn cut_gzip(path: &Path) {
    let mut data = Vec::new();
    let opts = errstat::loggen::Options {
        bytes: 1 << 20,
        ..Default::default()
    };
    errstat::loggen::generate(&opts, &mut data).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&data).unwrap();
    let gz = gz.finish().unwrap();
    std::fs::write(path, &gz[..gz.len() / 2]).unwrap();
}

/// The error of a cut `.gz` says where it stopped, and that the offset is one of the
/// decompressed data (the file is cut at about half its length).
#[test]
fn a_truncated_gzip_says_its_offset_is_in_the_decompressed_data() {
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.gz");
    cut_gzip(&cut);
    let r = run(&["-q", "--format", "json", cut.to_str().unwrap()], None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let prefix = format!("errstat: {}: ", cut.display());
    let why = r
        .stderr
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{}", r.stderr));
    let at = why
        .split_once("(after byte ")
        .and_then(|(_, rest)| rest.split_once(" of the decompressed data;"))
        .and_then(|(at, _)| at.parse::<u64>().ok());
    let at = at.unwrap_or_else(|| panic!("no offset in the decompressed data: {why}"));
    assert!(at > std::fs::metadata(&cut).unwrap().len(), "{why}");
}

/// `--strict` stops at a cut `.gz` as at a file it cannot open: what came before it is
/// read, nothing after it (a plain file after it was read first, with the other plain
/// files).
#[test]
fn strict_stops_at_a_truncated_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.gz");
    cut_gzip(&cut);
    let gz2 = fixture("envelope.jsonl.gz");
    let (env, bare) = (fixture("envelope.jsonl"), fixture("bare.jsonl"));
    let paths = |p: &[&Path]| -> Vec<String> {
        p.iter().map(|p| p.to_str().unwrap().to_string()).collect()
    };
    let lines = |strict: bool, p: &[&Path]| {
        let mut args: Vec<String> = ["-q", "--format", "json"].map(String::from).to_vec();
        if strict {
            args.push("--strict".into());
        }
        args.extend(paths(p));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = run(&args, None);
        assert_eq!(r.code, 2, "{}", r.stderr);
        let errors: Vec<&str> = r.stderr.lines().collect();
        assert_eq!(errors.len(), 1, "{}", r.stderr);
        assert!(
            errors[0].starts_with(&format!("errstat: {}: ", cut.display())),
            "{}",
            errors[0]
        );
        r.json()["totals"]["lines"].as_u64().unwrap()
    };
    let alone = lines(true, &[&cut]);
    assert!(alone > 0);
    // Not strict: everything is read.
    assert_eq!(lines(false, &[&cut, &env, &gz2]), alone + 20);
    // Strict: a plain file and a stream after the cut file are not read; one before is.
    assert_eq!(lines(true, &[&cut, &env, &gz2]), alone);
    assert_eq!(lines(true, &[&bare, &cut, &env]), alone + 8);
}
