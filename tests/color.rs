//! `--color` (issue #27): colour on the table where it helps, only on a terminal, never
//! under NO_COLOR unless asked for, as ripgrep does.

mod common;

use common::{errstat, fixture, in_pty, run};

const ESC: &str = "\u{1b}[";

fn envelope() -> String {
    fixture("envelope.jsonl").display().to_string()
}

#[test]
fn always_colours_faults_and_never_does_not() {
    let colored = run(&["-f", "table", "--color", "always", &envelope()], None).stdout;
    assert!(colored.contains(ESC), "{colored}");
    // The server fault is red (38;5;9 or 31), the client's plain.
    let server = colored
        .lines()
        .find(|l| l.contains("InternalError.DatabaseAccessError"))
        .unwrap();
    assert!(server.contains(ESC), "{server}");
    let plain = run(&["-f", "table", "--color", "never", &envelope()], None).stdout;
    assert!(!plain.contains('\u{1b}'), "{plain}");
    // Off a terminal, auto is off.
    let piped = run(&["-f", "table", &envelope()], None).stdout;
    assert!(!piped.contains('\u{1b}'), "{piped}");
    // JSON is never coloured.
    let json = run(&["-f", "json", "--color", "always", &envelope()], None).stdout;
    assert!(!json.contains('\u{1b}'));
}

#[test]
fn on_a_terminal_auto_colours_unless_no_color() {
    let bin = assert_cmd::cargo::cargo_bin("errstat");
    let command = format!("'{}' '{}' -f table", bin.display(), envelope());
    let Some(text) = in_pty(&command, std::time::Duration::ZERO, b"") else {
        return;
    };
    assert!(text.contains(ESC), "{text}");
    let Some(text) = in_pty(
        &format!("NO_COLOR=1 {command}"),
        std::time::Duration::ZERO,
        b"",
    ) else {
        return;
    };
    assert!(!text.contains(ESC), "{text}");
}

#[test]
fn a_bad_when_is_a_usage_error() {
    let out = errstat()
        .args(["--color", "sometimes", &envelope()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected auto, always or never"));
}
