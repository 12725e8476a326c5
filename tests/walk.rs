//! Directory walks as ripgrep walks: hidden files, ignore files, `--glob`, files that look
//! binary; files named on the command line are always read (SPEC §1.1).

mod common;

use std::path::Path;

use common::*;

/// Lines in `envelope.jsonl`: a file read adds this many to `totals.lines`.
const LINES: u64 = 10;

/// A directory holding `files` (each a copy of `envelope.jsonl` unless it is named in
/// `binary` or ends in `.gz`, a copy of `envelope.jsonl.gz`).
fn tree(files: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in files {
        let path = dir.path().join(f);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let from = if f.ends_with(".gz") {
            "envelope.jsonl.gz"
        } else {
            "envelope.jsonl"
        };
        std::fs::copy(fixture(from), &path).unwrap();
    }
    dir
}

/// The lines read and the standard error of a run over `paths` with `flags`.
fn lines_read(flags: &[&str], paths: &[&Path]) -> (u64, String) {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(flags);
    let paths: Vec<&str> = paths.iter().map(|p| p.to_str().unwrap()).collect();
    args.extend(paths);
    let r = run(&args, None);
    assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    (r.json()["totals"]["lines"].as_u64().unwrap(), r.stderr)
}

#[test]
fn hidden_files_and_git_are_left_out_unless_hidden() {
    let dir = tree(&["a.jsonl", ".old.jsonl", ".cache/b.jsonl", ".git/c.jsonl"]);
    let d = dir.path();
    assert_eq!(lines_read(&[], &[d]), (LINES, String::new()));
    assert_eq!(lines_read(&["--hidden"], &[d]).0, 4 * LINES);
    // Named, a hidden file is read.
    assert_eq!(lines_read(&[], &[&d.join(".old.jsonl")]).0, LINES);
}

#[test]
fn ignore_files_are_honoured_unless_no_ignore() {
    let dir = tree(&["a.jsonl", "skip/b.jsonl", "c.tmp", "d.jsonl"]);
    let d = dir.path();
    // .gitignore counts inside a git repository (as ripgrep: `.git` marks one), .ignore
    // anywhere.
    std::fs::create_dir(d.join(".git")).unwrap();
    std::fs::write(d.join(".gitignore"), "skip/\n*.tmp\n").unwrap();
    std::fs::write(d.join(".ignore"), "d.jsonl\n").unwrap();
    assert_eq!(lines_read(&[], &[d]).0, LINES);
    assert_eq!(lines_read(&["--no-ignore"], &[d]).0, 4 * LINES);
    assert_eq!(
        lines_read(&[], &[&d.join("c.tmp"), &d.join("d.jsonl")]).0,
        2 * LINES
    );
}

#[test]
fn globs_pick_the_files_of_a_walk() {
    let dir = tree(&["a.jsonl", "old/b.jsonl.gz", "c.jsonl.gz", "notes.txt"]);
    let d = dir.path();
    assert_eq!(lines_read(&["-g", "*.jsonl.gz"], &[d]).0, 2 * LINES);
    assert_eq!(
        lines_read(&["--glob", "*.jsonl.gz", "-g", "!old/**"], &[d]).0,
        LINES
    );
    assert_eq!(lines_read(&["-g", "!*.gz"], &[d]).0, 2 * LINES);
    // A file named is read whatever the globs say.
    assert_eq!(lines_read(&["-g", "*.gz"], &[&d.join("a.jsonl")]).0, LINES);
    let r = run(&["-g", "a{b", d.to_str().unwrap()], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--glob \"a{b\""), "{}", r.stderr);
}

#[test]
fn files_that_look_binary_are_left_out_and_counted() {
    let dir = tree(&["a.jsonl", "b.jsonl.gz"]);
    let d = dir.path();
    // A NUL within the first 8 KiB, raw or once decoded; one past them is text.
    let mut image = vec![b'x'; 100];
    image[50] = 0;
    std::fs::write(d.join("image.png"), &image).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &image).unwrap();
    std::fs::write(d.join("core.gz"), gz.finish().unwrap()).unwrap();
    let mut late = std::fs::read(fixture("envelope.jsonl")).unwrap();
    late.extend(std::iter::repeat_n(b'\n', 9000));
    late.extend_from_slice(b"\0\n");
    std::fs::write(d.join("late.jsonl"), &late).unwrap();
    let (lines, stderr) = lines_read(&[], &[d]);
    assert_eq!(lines, 3 * LINES + 9001);
    assert_eq!(
        stderr,
        format!(
            "errstat: skipped 2 binary files in directories (a NUL byte in the first 8 KiB; \
             first: {})\n",
            d.join("core.gz").display()
        )
    );
    assert_eq!(lines_read(&["-q"], &[d]).1, "");
    // Named, a binary file is read (its line is malformed or plain text, and counted).
    assert_eq!(lines_read(&[], &[&d.join("image.png")]).0, 1);
}

#[test]
fn the_walk_order_is_sorted_depth_first() {
    let dir = tree(&["b/z.jsonl", "a.jsonl", "b/a.jsonl", "c.jsonl"]);
    let d = dir.path();
    // One malformed line in three of them: the ledger lists them in input order.
    let ledger = d.join("bad.txt");
    std::fs::write(d.join("b/a.jsonl"), "{\n").unwrap();
    std::fs::write(d.join("a.jsonl"), "{\n").unwrap();
    std::fs::write(d.join("c.jsonl"), "{\n").unwrap();
    let r = run(
        &[
            "-f",
            "json",
            "-q",
            "--bad-lines",
            ledger.to_str().unwrap(),
            d.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(&ledger).unwrap();
    let order: Vec<&str> = text
        .lines()
        .map(|l| {
            l.split(':')
                .next()
                .unwrap()
                .strip_prefix(d.to_str().unwrap())
                .unwrap()
        })
        .collect();
    assert_eq!(order, ["/a.jsonl", "/b/a.jsonl", "/c.jsonl"]);
}
