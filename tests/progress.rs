//! The progress bar appears on a terminal for a run longer than a moment, and never with
//! --quiet or off a terminal. The terminal is a real pseudo-terminal, made by `script`.

mod common;

use errstat::loggen::{Options, generate};

/// Runs errstat with `args` under a pseudo-terminal, its input held open for a second after
/// the log is read (so the run outlasts the bar's grace time however fast the machine),
/// and returns what the terminal showed.
fn under_pty(log: &std::path::Path, args: &str) -> Option<String> {
    let bin = assert_cmd::cargo::cargo_bin("errstat");
    let command = format!(
        "(cat '{}'; sleep 1) | '{}' {args}",
        log.display(),
        bin.display()
    );
    common::in_pty(&command, std::time::Duration::ZERO, b"")
}

#[test]
fn progress_bar_only_on_a_terminal_and_not_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("big.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&log).unwrap());
    generate(
        &Options {
            bytes: 8 << 20,
            ..Options::default()
        },
        &mut f,
    )
    .unwrap();
    drop(f);
    let args = "--threads 1 -o /dev/null";
    let Some(shown) = under_pty(&log, args) else {
        return;
    };
    assert!(shown.contains("MiB"), "no bar on a terminal: {shown:?}");
    let quiet = under_pty(&log, &format!("--quiet {args}")).unwrap();
    assert!(!quiet.contains("MiB"), "a bar despite --quiet: {quiet:?}");
    let piped = common::run(
        &["--threads", "1", "-o", "/dev/null", log.to_str().unwrap()],
        None,
    );
    assert_eq!(piped.stderr, "", "a bar off a terminal");
}
