//! Helpers shared by the CLI tests: run the binary as a user does and read its report.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// The path of a bundled fixture.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// The expected report of a fixture, written by hand from its content.
pub fn expected(name: &str) -> Value {
    let text = std::fs::read_to_string(fixture(&format!("expected/{name}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// What a test's environment leaves out: the locale (descriptions in English) and the
/// terminal width.
pub const SCRUBBED: [&str; 4] = ["LC_ALL", "LC_MESSAGES", "LANG", "COLUMNS"];

/// The errstat binary with a fixed environment (English, no terminal width).
pub fn errstat() -> Command {
    let mut cmd = Command::cargo_bin("errstat").unwrap();
    for key in SCRUBBED {
        cmd.env_remove(key);
    }
    cmd
}

/// The errstat binary as a plain `std::process::Command`, its environment as `errstat`'s.
pub fn errstat_process() -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("errstat"));
    for key in SCRUBBED {
        cmd.env_remove(key);
    }
    cmd
}

/// What one run printed and how it exited.
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Run {
    /// The stdout parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// Runs errstat with `args` (and `stdin`, if any).
pub fn run(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut cmd = errstat();
    cmd.args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input.to_vec());
    }
    let out = cmd.output().unwrap();
    Run {
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
        code: out.status.code().unwrap_or(-1),
    }
}

/// Runs errstat on paths with `--format json` and returns the report.
pub fn report(args: &[&str]) -> Value {
    let mut all = vec!["--format", "json", "--quiet"];
    all.extend_from_slice(args);
    let r = run(&all, None);
    assert!(r.code == 0, "exit {} for {args:?}: {}", r.code, r.stderr);
    r.json()
}

/// Finds a code's row in a report.
pub fn code_row<'r>(report: &'r Value, code: &str) -> &'r Value {
    report["codes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code)
        .unwrap_or_else(|| panic!("no row for {code} in {report:#}"))
}

/// Asserts that a report has the totals, span and per-code facts written in `expected`.
pub fn assert_matches(report: &Value, expected: &Value) {
    for (k, v) in expected["totals"].as_object().unwrap() {
        assert_eq!(&report["totals"][k], v, "totals.{k}");
    }
    assert_eq!(report["span"], expected["span"], "span");
    let codes = expected["codes"].as_object().unwrap();
    assert_eq!(
        report["codes"].as_array().unwrap().len(),
        codes.len(),
        "number of codes in {report:#}"
    );
    for (code, want) in codes {
        let row = code_row(report, code);
        for key in [
            "count",
            "request_ids",
            "first_seen",
            "last_seen",
            "class",
            "fault",
            "latency_ms",
        ] {
            if let Some(v) = want.get(key) {
                assert_eq!(&row[key], v, "{code}.{key}");
            }
        }
        if let Some(msgs) = want.get("messages") {
            let got: Vec<Value> = row["messages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| serde_json::json!([m["text"], m["count"]]))
                .collect();
            assert_eq!(&Value::Array(got), msgs, "{code}.messages");
        }
    }
    if let Some(want) = expected.get("malformed_samples") {
        let got: Vec<Value> = report["malformed_samples"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| serde_json::json!({"line": m["line"], "reason": m["reason"]}))
            .collect();
        assert_eq!(&Value::Array(got), want, "malformed_samples");
    }
}

/// Runs errstat with `args` (a shell's words, quoted) into `| head -n LINES` and asserts
/// that it ended quietly with exit 0 when its reader went away.
pub fn ends_quietly_into_head(args: &str, lines: usize) {
    let bin = assert_cmd::cargo::cargo_bin("errstat");
    let script = format!(
        "'{}' {args} | head -n {lines} >/dev/null; echo \"status=${{PIPESTATUS[0]}}\"",
        bin.display()
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &script])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("status=0"), "{args}: {stdout} {stderr}");
    assert!(stderr.is_empty(), "{args}: {stderr}");
}

/// Runs a shell command line under a pseudo-terminal (`script`, 120 x 30), types `keys`
/// after `wait`, and returns everything the terminal was sent; `None` where `script` is
/// missing.
pub fn in_pty(command: &str, wait: std::time::Duration, keys: &[u8]) -> Option<String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("no `script` here: skipping the pseudo-terminal check");
        return None;
    }
    let mut script = Command::new("script");
    for key in SCRUBBED {
        script.env_remove(key);
    }
    let mut child = script
        .args(["-qec", command, "/dev/null"])
        .env("COLUMNS", "120")
        .env("LINES", "30")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    std::thread::sleep(wait);
    input.write_all(keys).unwrap();
    input.flush().unwrap();
    let out = child.wait_with_output().unwrap();
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}
