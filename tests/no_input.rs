//! Nothing read does not pass for a healthy log: errstat says what it read when it read no
//! line, and a run that could read no input at all exits 2.

mod common;

use common::*;

fn errstat_on(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    run(&all, stdin)
}

#[test]
fn an_empty_directory_is_trouble() {
    let dir = tempfile::tempdir().unwrap();
    for quiet in [&[][..], &["--quiet"]] {
        let mut args = quiet.to_vec();
        args.push(dir.path().to_str().unwrap());
        let r = errstat_on(&args, None);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert_eq!(r.stderr, "errstat: read 0 files, 0 lines\n", "{args:?}");
    }
}

#[test]
fn a_directory_of_nothing_readable_is_trouble() {
    // Root reads any file whatever its mode; a link to nowhere fails for everyone.
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("api.log");
    std::os::unix::fs::symlink(dir.path().join("gone.log"), &link).unwrap();
    let r = errstat_on(&[dir.path().to_str().unwrap()], None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", r.stderr);
    assert!(lines[0].starts_with(&format!("errstat: {}: ", link.display())));
    assert_eq!(lines[1], "errstat: read 0 files, 0 lines");
}

#[test]
fn a_missing_file_says_nothing_was_read() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.log");
    let r = errstat_on(&["--quiet", missing.to_str().unwrap()], None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.ends_with("errstat: read 0 files, 0 lines\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn empty_files_and_empty_stdin_are_read_but_said() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.log"), dir.path().join("b.log"));
    std::fs::write(&a, "").unwrap();
    let r = errstat_on(&[a.to_str().unwrap()], None);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (0, "errstat: read 1 file, 0 lines\n")
    );
    assert_eq!(r.json()["totals"]["lines"], 0);
    std::fs::write(&b, "").unwrap();
    let r = errstat_on(&[dir.path().to_str().unwrap()], None);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (0, "errstat: read 2 files, 0 lines\n")
    );
    let r = errstat_on(&["--quiet", a.to_str().unwrap()], None);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    let r = errstat_on(&[], Some(b""));
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (0, "errstat: read 1 file, 0 lines\n")
    );
}

#[test]
fn a_log_with_lines_gets_no_note() {
    let r = errstat_on(&[fixture("envelope.jsonl").to_str().unwrap()], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("errstat: read"), "{}", r.stderr);
    // One blank line is a line read.
    let r = errstat_on(&[], Some(b"\n"));
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
}
