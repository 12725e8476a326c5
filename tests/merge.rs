//! `errstat merge` as a user runs it (SPEC §4.7): shards of the fixtures (plain, .gz, .zst,
//! malformed-rich, without times, one cut short, one streamed on stdin with --source-name)
//! written as partials and merged give the bytes and exit code of one run over all of them,
//! in every format; bad partials are one line and exit 2.

mod common;

use std::path::{Path, PathBuf};

use common::{errstat, fixture};

/// The inputs, in input order: the last is a .gz cut short, an input that fails.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let gz = std::fs::read(fixture("envelope.jsonl.gz")).unwrap();
    let cut = dir.join("cut.jsonl.gz");
    std::fs::write(&cut, &gz[..gz.len() * 2 / 3]).unwrap();
    let mut v: Vec<PathBuf> = [
        "envelope.jsonl",
        "envelope.jsonl.gz",
        "adversarial.jsonl",
        "bare.jsonl",
        "envelope.jsonl.zst",
        "mixed.jsonl",
        "hostile.jsonl",
        "text-prefix.log",
        "cloudaudit.jsonl",
    ]
    .iter()
    .map(|f| fixture(f))
    .collect();
    v.insert(4, cut);
    v
}

struct Out {
    stdout: Vec<u8>,
    code: i32,
    stderr: String,
}

fn errstat_out(args: &[&str], stdin: Option<Vec<u8>>) -> Out {
    let mut cmd = errstat();
    cmd.args(args);
    if let Some(s) = stdin {
        cmd.write_stdin(s);
    }
    let o = cmd.output().unwrap();
    Out {
        stdout: o.stdout,
        code: o.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn strs(paths: &[PathBuf]) -> Vec<&str> {
    paths.iter().map(|p| p.to_str().unwrap()).collect()
}

/// Writes a partial of `files` (with `flags`) to `to`; a file named `-` is streamed on
/// stdin under its name.
fn shard(files: &[PathBuf], flags: &[&str], to: &Path) -> i32 {
    let mut args: Vec<&str> = flags.to_vec();
    args.extend(["-o", to.to_str().unwrap()]);
    let out = match files {
        [one] if one.extension().is_some_and(|e| e == "gz") => {
            args.extend(["-", "--source-name", one.to_str().unwrap()]);
            errstat_out(&args, Some(std::fs::read(one).unwrap()))
        }
        _ => {
            args.extend(strs(files));
            errstat_out(&args, None)
        }
    };
    assert!(out.stdout.is_empty());
    out.code
}

const FLAG_SETS: [&[&str]; 3] = [
    &[
        "--bucket",
        "1m",
        "--group-by",
        "region",
        "--samples",
        "2",
        "--max-codes",
        "4",
    ],
    &["--group-by", "category", "--max-codes", "3"],
    &["--samples", "1", "--bucket", "30s"],
];

const FORMATS: [&[&str]; 6] = [
    &["-f", "json"],
    &["-f", "ndjson"],
    &["-f", "csv"],
    &["-f", "csv", "--csv-rows", "codes"],
    &["-f", "table"],
    &["-f", "partial"],
];

#[test]
fn merged_shards_write_what_one_run_writes() {
    let dir = tempfile::tempdir().unwrap();
    let files = inputs(dir.path());
    // Shards at several points, one of a single streamed .gz, one cut short.
    let splits: [&[usize]; 3] = [&[1, 2, 4, 5], &[3, 7], &[9]];
    for (f, flags) in FLAG_SETS.iter().enumerate() {
        for (s, cuts) in splits.iter().enumerate() {
            let mut bounds = vec![0];
            bounds.extend_from_slice(cuts);
            bounds.push(files.len());
            let mut parts = Vec::new();
            for (i, w) in bounds.windows(2).enumerate() {
                let p = dir.path().join(format!("f{f}-s{s}-{i}.partial"));
                shard(&files[w[0]..w[1]], flags, &p);
                parts.push(p);
            }
            for format in FORMATS {
                if format.contains(&"--csv-rows") && !flags.contains(&"--bucket") {
                    continue;
                }
                let mut one: Vec<&str> = flags.to_vec();
                one.extend_from_slice(format);
                one.extend(strs(&files));
                let one = errstat_out(&one, None);
                let mut merge = vec!["merge"];
                merge.extend(strs(&parts));
                merge.extend_from_slice(format);
                let merged = errstat_out(&merge, None);
                assert_eq!(one.code, 2, "the cut .gz fails: {}", one.stderr);
                assert_eq!(
                    (merged.code, String::from_utf8_lossy(&merged.stdout)),
                    (one.code, String::from_utf8_lossy(&one.stdout)),
                    "{flags:?} split at {cuts:?}, {format:?}: {}",
                    merged.stderr
                );
            }
        }
    }
}

#[test]
fn merges_make_trees() {
    let dir = tempfile::tempdir().unwrap();
    let files = inputs(dir.path());
    let flags = FLAG_SETS[0];
    let part = |name: &str, range: std::ops::Range<usize>| {
        let p = dir.path().join(name);
        shard(&files[range], flags, &p);
        p
    };
    let (a, b, c) = (
        part("a.partial", 0..3),
        part("b.partial", 3..6),
        part("c.partial", 6..10),
    );
    let merge = |parts: &[&Path], to: &Path| {
        let mut args = vec!["merge"];
        args.extend(parts.iter().map(|p| p.to_str().unwrap()));
        // Not named .partial (a directory's merge leaves them out): the format is said.
        args.extend(["-f", "partial", "-o", to.to_str().unwrap()]);
        errstat_out(&args, None).code
    };
    let ab = dir.path().join("ab.part");
    let bc = dir.path().join("bc.part");
    let left = dir.path().join("left.part");
    let right = dir.path().join("right.part");
    merge(&[&a, &b], &ab);
    merge(&[&b, &c], &bc);
    assert_eq!(merge(&[&ab, &c], &left), 2);
    merge(&[&a, &bc], &right);
    let one = dir.path().join("one.bin");
    let mut args: Vec<&str> = flags.to_vec();
    args.extend(strs(&files));
    args.extend(["-f", "partial", "-o", one.to_str().unwrap()]);
    errstat_out(&args, None);
    let bytes = |p: &Path| std::fs::read(p).unwrap();
    assert_eq!(bytes(&left), bytes(&one));
    assert_eq!(bytes(&right), bytes(&one));
    // A directory stands for its *.partial files in path order: a, b, c (not ab.part…).
    let mut args = vec!["merge", dir.path().to_str().unwrap(), "-f", "partial"];
    assert_eq!(errstat_out(&args, None).stdout, bytes(&one));
    // `-` reads one from stdin, in its place.
    args = vec![
        "merge",
        a.to_str().unwrap(),
        "-",
        c.to_str().unwrap(),
        "-f",
        "partial",
    ];
    assert_eq!(errstat_out(&args, Some(bytes(&b))).stdout, bytes(&one));
}

#[test]
fn a_partial_is_the_same_for_any_threads_chunk_size_or_reader() {
    let file = fixture("adversarial.jsonl");
    let path = file.to_str().unwrap();
    let base = ["-f", "partial", "--bucket", "1m", "--group-by", "action"];
    let run = |extra: &[&str], stdin: Option<Vec<u8>>| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        errstat_out(&args, stdin).stdout
    };
    let one = run(&[path, "--threads", "1"], None);
    assert!(one.starts_with(b"errstat.partial/v1\n"));
    assert_eq!(
        run(&[path, "--threads", "2", "--chunk-size", "100"], None),
        one
    );
    let piped = run(
        &["-", "--source-name", path],
        Some(std::fs::read(&file).unwrap()),
    );
    assert_eq!(piped, one);
}

#[test]
fn bad_partials_are_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.partial");
    shard(&[fixture("envelope.jsonl")], &[], &good);
    let bytes = std::fs::read(&good).unwrap();
    let cut = dir.path().join("cut.partial");
    std::fs::write(&cut, &bytes[..bytes.len() - 9]).unwrap();
    let other = dir.path().join("other.partial");
    shard(&[fixture("bare.jsonl")], &["--samples", "7"], &other);
    let cases: [(&Path, &str); 4] = [
        (&cut, "cut.partial: truncated partial"),
        (
            &fixture("envelope.jsonl"),
            "envelope.jsonl: not an errstat partial",
        ),
        (&fixture("envelope.jsonl.gz"), "not an errstat partial"),
        (&other, "other.partial: made with --samples 7, "),
    ];
    for (path, says) in cases {
        let out = errstat_out(
            &["merge", good.to_str().unwrap(), path.to_str().unwrap()],
            None,
        );
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(out.stdout.is_empty());
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(out.stderr.contains(says), "{}", out.stderr);
    }
    let out = errstat_out(&["merge", dir.path().join("none").to_str().unwrap()], None);
    assert_eq!(out.code, 2);
    let out = errstat_out(&["-f", "partial", "--fail-on", "errors>0", "x"], None);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--fail-on"), "{}", out.stderr);
    let out = errstat_out(
        &[
            "--source-name",
            "x",
            fixture("bare.jsonl").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--source-name"), "{}", out.stderr);
}
