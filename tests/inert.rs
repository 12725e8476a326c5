//! Nothing from a log or a file name drives the terminal (issue #21, point 4): control
//! characters and bidirectional overrides reach the screen as visible escapes.

mod common;

use std::time::Duration;

use common::run;

/// Every kind of text a log or a name can carry to the terminal.
const EVIL: &str = "Evil\\u001b[2J\\u001b]0;pwned\\u0007\\u009b31m\\r\\u202eXX";

/// The raw bytes that must never reach the terminal from `EVIL`.
const RAW: [&str; 6] = [
    "\x1b[2J",
    "\x1b]0;pwned",
    "\x07",
    "\u{9b}",
    "\r",
    "\u{202e}",
];

fn log() -> String {
    format!(
        "{{\"ts\":\"2026-11-26T10:00:00Z\",\"action\":\"{EVIL}\",\"region\":\"{EVIL}\",\"Response\":{{\"Error\":{{\"Code\":\"{EVIL}\",\"Message\":\"{EVIL}\"}},\"RequestId\":\"{EVIL}\"}}}}\n"
    )
}

fn assert_inert(text: &str) {
    for raw in RAW {
        assert!(
            !text.contains(raw),
            "{raw:?} reached the terminal: {text:?}"
        );
    }
    assert!(
        text.contains("Evil\\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\u{9b}31m\\u{d}\\u{202e}XX"),
        "{text:?}"
    );
}

#[test]
fn the_table_shows_log_text_inert() {
    for args in [
        &["-f", "table"][..],
        &["-f", "table", "--group-by", "region", "--bucket", "1m"],
    ] {
        let out = run(args, Some(log().as_bytes()));
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_inert(&out.stdout);
        // The code, its message and its RequestId, action and region in the support part.
        let support = out.stdout.split("for support").nth(1).unwrap();
        assert!(support.matches("Evil\\u{1b}").count() >= 5, "{support}");
    }
}

#[test]
fn stderr_shows_file_names_inert() {
    let dir = tempfile::tempdir().unwrap();
    let name = dir.path().join("log\x1b[2J\x07\r\u{202e}.jsonl");
    let out = run(&[name.to_str().unwrap(), "-f", "json"], None);
    assert_eq!(out.code, 2);
    assert!(
        !out.stderr.contains('\x1b') && !out.stderr.contains('\r'),
        "{:?}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("log\\u{1b}[2J\\u{7}\\u{d}\\u{202e}.jsonl"),
        "{:?}",
        out.stderr
    );
    // A malformed line's place names its file too: in the table, as standard error says
    // only how many there were.
    let bad = dir.path().join("bad\x1b]0;x\x07.jsonl");
    std::fs::write(&bad, "{\"Response\":\n").unwrap();
    let out = run(&[bad.to_str().unwrap(), "-f", "table"], None);
    assert!(
        out.stdout.contains("bad\\u{1b}]0;x\\u{7}.jsonl:1"),
        "{:?}",
        out.stdout
    );
    assert!(!out.stdout.contains('\x1b'), "{:?}", out.stdout);
    assert!(!out.stderr.contains('\x1b'), "{:?}", out.stderr);
}

#[test]
fn csv_cells_are_as_they_are_or_formula_safe() {
    let formula = "{\"Response\":{\"Error\":{\"Code\":\"=HYPERLINK(\\\"x\\\")\",\"Message\":\"@SUM(A1)\"},\"RequestId\":\"-1\"}}\n";
    let out = run(&["-f", "csv"], Some(formula.as_bytes()));
    assert!(
        out.stdout.contains("\n\"=HYPERLINK(\"\"x\"\")\","),
        "{}",
        out.stdout
    );
    let out = run(&["-f", "csv", "--csv-safe"], Some(formula.as_bytes()));
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(out.stdout.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(rows[0][0], "'=HYPERLINK(\"x\")");
    assert!(rows[0].contains(&"'@SUM(A1)".to_string()), "{:?}", rows[0]);
    assert!(rows[0].contains(&"'-1".to_string()), "{:?}", rows[0]);
    // Numbers stay numbers.
    assert_eq!(rows[0][4], "1");
}

#[test]
fn the_live_screen_shows_log_text_inert() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("evil.jsonl");
    let mut text = String::new();
    for _ in 0..20 {
        text += &log().replace("2026-11-26T10:00:00Z", &jiff::Timestamp::now().to_string());
    }
    std::fs::write(&file, text).unwrap();
    let command = format!(
        "(cat '{}'; sleep 8) | '{}' --live --interval 200ms --format json",
        file.display(),
        assert_cmd::cargo::cargo_bin("errstat").display()
    );
    let Some(all) = common::in_pty(&command, Duration::from_millis(1500), b"q") else {
        return;
    };
    // The screen, up to where the terminal is restored (the JSON report after it escapes
    // on its own).
    let screen = &all[..all.find("\x1b[?1049l").expect("alternate screen left")];
    assert!(screen.contains("errstat live"), "{screen:?}");
    // The screen draws with escapes of its own; the log's never pass.
    for raw in ["\x1b[2JEvil", "\x1b]0;pwned", "\x07", "\u{9b}", "\u{202e}"] {
        assert!(!screen.contains(raw), "{raw:?} reached the terminal");
    }
    assert!(screen.contains("Evil\\u{1b}[2J"), "{screen:?}");
}
