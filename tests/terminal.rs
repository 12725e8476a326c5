//! A terminal on standard input (SPEC §1.1, §5): a hint instead of a silent wait, one
//! Ctrl-D ends the input, and in live mode `q` reaches the view.

mod common;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `errstat ARGS` under a pseudo-terminal (`script`) that is its standard input and
/// output, types `keys` after a second, and waits up to `secs` for it to end, the
/// terminal's input kept open all the while (so that nothing but the keys can end it).
/// Returns what the terminal showed, or `None` if it did not end (or `script` is missing).
fn typed(args: &str, keys: &[u8], secs: u64) -> Option<Option<String>> {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("no `script` here: skipping the pseudo-terminal check");
        return None;
    }
    let bin = assert_cmd::cargo::cargo_bin("errstat");
    let mut script = Command::new("script");
    for key in common::SCRUBBED {
        script.env_remove(key);
    }
    let mut child = script
        .args(["-qec", &format!("'{}' {args}", bin.display()), "/dev/null"])
        .env("COLUMNS", "120")
        .env("LINES", "30")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    std::thread::sleep(Duration::from_secs(1));
    input.write_all(keys).unwrap();
    input.flush().unwrap();
    let start = Instant::now();
    let ended = loop {
        if child.try_wait().unwrap().is_some() {
            break true;
        }
        if start.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            let _ = child.wait();
            break false;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut shown = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut shown)
        .unwrap();
    drop(input);
    Some(ended.then_some(shown))
}

#[test]
fn a_terminal_on_stdin_gets_a_hint_and_one_ctrl_d_ends_it() {
    let Some(shown) = typed("-f json", b"\x04", 10) else {
        return;
    };
    let shown = shown.expect("one Ctrl-D ends the input");
    assert!(
        shown.contains("errstat: reading standard input; pass a file or pipe a log"),
        "{shown:?}"
    );
    assert!(shown.contains("\"lines\": 0"), "{shown:?}");
}

#[test]
fn typed_lines_are_read_up_to_one_ctrl_d() {
    let line = br#"{"Response":{"Error":{"Code":"X"},"RequestId":"r"}}"#;
    let mut keys = line.to_vec();
    keys.extend_from_slice(b"\n\x04");
    let Some(shown) = typed("-f json -q", &keys, 10) else {
        return;
    };
    let shown = shown.expect("one Ctrl-D ends the input");
    assert!(!shown.contains("reading standard input"), "-q: {shown:?}");
    assert!(shown.contains("\"errors\": 1"), "{shown:?}");
}

#[test]
fn live_mode_with_the_terminal_on_stdin_quits_on_q() {
    let Some(shown) = typed("--live --interval 200ms -f json", b"q", 10) else {
        return;
    };
    let shown = shown.expect("q ends live mode");
    assert!(
        shown.contains("standard input is the terminal"),
        "{shown:?}"
    );
    assert!(
        shown.contains("errstat.report/v1"),
        "the final report: {shown:?}"
    );
}
