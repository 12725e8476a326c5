//! Live mode, run as a user runs it: a pipe fed slowly, signals, files that grow, rotate
//! and shrink, and a real pseudo-terminal.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

fn bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("errstat")
}

/// A response line stamped with the current time.
fn line(code: Option<&str>, id: usize) -> String {
    let ts = jiff::Timestamp::now();
    match code {
        Some(c) => format!(
            "{{\"ts\":\"{ts}\",\"response\":{{\"Response\":{{\"Error\":{{\"Code\":\"{c}\",\"Message\":\"m\"}},\"RequestId\":\"r{id}\"}}}}}}\n"
        ),
        None => format!(
            "{{\"ts\":\"{ts}\",\"response\":{{\"Response\":{{\"RequestId\":\"r{id}\"}}}}}}\n"
        ),
    }
}

/// Spawns errstat with piped stdio and a thread that forwards its stdout lines.
fn spawn(args: &[&str]) -> (Child, mpsc::Receiver<String>) {
    let mut child = common::errstat_process()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(out).lines() {
            let Ok(l) = l else { break };
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// Waits for a JSON line that satisfies `want`, up to `limit`.
fn wait_for(rx: &mpsc::Receiver<String>, limit: Duration, want: impl Fn(&Value) -> bool) -> Value {
    let until = Instant::now() + limit;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        let l = rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no matching line in {limit:?}"));
        let v: Value = serde_json::from_str(&l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
        if want(&v) {
            return v;
        }
    }
}

fn is_live(v: &Value) -> bool {
    v["schema"] == "errstat.live/v1"
}

/// Writes error lines with `code` and request ids `ids`, then flushes.
fn write_errors(stdin: &mut impl Write, code: &str, ids: std::ops::Range<usize>) {
    for i in ids {
        stdin.write_all(line(Some(code), i).as_bytes()).unwrap();
    }
    stdin.flush().unwrap();
}

/// Waits for the final report.
fn final_report(rx: &mpsc::Receiver<String>) -> Value {
    wait_for(rx, Duration::from_secs(10), |v| {
        v["schema"] == "errstat.report/v1"
    })
}

#[test]
fn snapshots_follow_a_slow_pipe_and_eof_prints_the_report() {
    let (mut child, rx) = spawn(&["--live", "--interval", "200ms", "--window", "1m"]);
    let mut stdin = child.stdin.take().unwrap();
    let mut written = 0;
    for i in 0..10 {
        let code = if i % 5 == 0 {
            Some("RequestLimitExceeded")
        } else {
            None
        };
        stdin.write_all(line(code, i).as_bytes()).unwrap();
        written += 1;
    }
    // A partial line waits for its end.
    stdin
        .write_all(b"{\"Response\":{\"Error\":{\"Code\":\"Half")
        .unwrap();
    stdin.flush().unwrap();
    let first = wait_for(&rx, Duration::from_secs(10), |v| {
        is_live(v) && v["total"]["responses"] == 10
    });
    assert_eq!(first["window"]["responses"], 10);
    assert_eq!(first["window"]["errors"], 2);
    assert_eq!(first["total"]["errors"], 2);
    assert!(first["total"]["errors_per_sec"].as_f64().unwrap() > 0.0);
    assert!(first["window"]["errors_per_sec"].as_f64().unwrap() > 0.0);
    assert_eq!(first["top"][0]["code"], "RequestLimitExceeded");
    assert_eq!(first["top"][0]["fault"], "throttle");
    assert_eq!(first["top"][0]["new"], true);
    // The next snapshot comes an interval later, with the same counts.
    let again = wait_for(&rx, Duration::from_secs(5), is_live);
    assert_eq!(again["total"]["responses"], 10);
    stdin.write_all(b"Way\"}}}\n").unwrap();
    for i in 10..15 {
        stdin
            .write_all(line(Some("InternalError"), i).as_bytes())
            .unwrap();
        written += 1;
    }
    stdin.flush().unwrap();
    let second = wait_for(&rx, Duration::from_secs(10), |v| {
        is_live(v) && v["total"]["responses"] == 16
    });
    assert_eq!(second["total"]["errors"], 8);
    assert_eq!(second["window"]["errors"], 8);
    drop(stdin);
    let report = final_report(&rx);
    assert_eq!(report["totals"]["responses"], written + 1);
    assert_eq!(report["totals"]["errors"], 8);
    let codes: Vec<&str> = report["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["InternalError", "RequestLimitExceeded", "HalfWay"]);
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[cfg(unix)]
fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

#[cfg(unix)]
#[test]
fn sigint_and_sigterm_print_the_report_and_exit_zero() {
    for sig in ["-INT", "-TERM", "-HUP", "-QUIT", "-USR1"] {
        let (mut child, rx) = spawn(&["--live", "--interval", "200ms"]);
        let mut stdin = child.stdin.take().unwrap();
        write_errors(&mut stdin, "AuthFailure.SignatureFailure", 0..3);
        wait_for(&rx, Duration::from_secs(10), |v| {
            is_live(v) && v["total"]["errors"] == 3
        });
        signal(&child, sig);
        let report = final_report(&rx);
        assert_eq!(report["totals"]["errors"], 3, "{sig}");
        assert_eq!(child.wait().unwrap().code(), Some(0), "{sig}");
        drop(stdin);
    }
}

#[test]
fn fail_on_sets_exit_one_and_exit_on_fail_ends_at_once() {
    let (mut child, rx) = spawn(&["--live", "--interval", "200ms", "--fail-on", "errors>=2"]);
    let mut stdin = child.stdin.take().unwrap();
    write_errors(&mut stdin, "InternalError", 0..3);
    wait_for(&rx, Duration::from_secs(10), |v| {
        is_live(v) && v["total"]["errors"] == 3
    });
    drop(stdin);
    final_report(&rx);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    // As in batch mode, stderr names the condition and what it measured.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--fail-on errors>=2 holds (measured "),
        "{stderr}"
    );

    let (mut child, rx) = spawn(&[
        "--live",
        "--interval",
        "200ms",
        "--fail-on",
        "errors>=2",
        "--exit-on-fail",
    ]);
    let mut stdin = child.stdin.take().unwrap();
    write_errors(&mut stdin, "InternalError", 0..3);
    // stdin stays open: only the condition can end the run.
    let report = final_report(&rx);
    assert_eq!(report["totals"]["errors"], 3);
    assert_eq!(child.wait().unwrap().code(), Some(1));
    drop(stdin);
}

#[cfg(unix)]
#[test]
fn follow_survives_append_rotation_and_truncation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let append = |p: &std::path::Path, text: &str| {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(p)
            .unwrap();
        f.write_all(text.as_bytes()).unwrap();
    };
    // Lines already there are not read (the default starts at the end).
    append(&path, &line(Some("Old.Line"), 0));
    let p = path.to_str().unwrap().to_string();
    let (mut child, rx) = spawn(&["--live", "--follow", &p, "--interval", "200ms"]);
    std::thread::sleep(Duration::from_millis(600));
    append(&path, &(line(Some("A.Appended"), 1) + &line(None, 2)));
    wait_for(&rx, Duration::from_secs(10), |v| {
        is_live(v) && v["total"]["responses"] == 2
    });
    // Rotation: renamed away, a new file under the name.
    std::fs::rename(&path, dir.path().join("app.log.1")).unwrap();
    append(&path, &line(Some("B.Rotated"), 3));
    wait_for(&rx, Duration::from_secs(10), |v| {
        is_live(v) && v["total"]["responses"] == 3
    });
    // Truncation (copytruncate): the file shrinks, then grows again.
    std::fs::write(&path, "").unwrap();
    std::thread::sleep(Duration::from_millis(400));
    append(&path, &line(Some("C.Truncated"), 4));
    let v = wait_for(&rx, Duration::from_secs(10), |v| {
        is_live(v) && v["total"]["responses"] == 4
    });
    assert_eq!(v["total"]["errors"], 3);
    signal(&child, "-INT");
    let report = final_report(&rx);
    let mut codes: Vec<&str> = report["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    codes.sort();
    assert_eq!(codes, ["A.Appended", "B.Rotated", "C.Truncated"]);
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[cfg(unix)]
#[test]
fn from_start_reads_what_is_already_there() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    std::fs::write(&path, line(Some("Old.Line"), 0) + &line(None, 1)).unwrap();
    let p = path.to_str().unwrap().to_string();
    let (mut child, rx) = spawn(&[
        "--live",
        "--follow",
        "--from-start",
        &p,
        "--interval",
        "200ms",
    ]);
    let v = wait_for(&rx, Duration::from_secs(10), |v| {
        is_live(v) && v["total"]["responses"] == 2
    });
    assert_eq!(v["top"][0]["code"], "Old.Line");
    signal(&child, "-INT");
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn usage_errors() {
    for args in [
        &["--live", "some.log"][..],
        &["--live", "--follow"][..],
        &["--live", "--interval", "soon"][..],
        &["--follow", "x.log"][..],
    ] {
        let out = Command::new(bin())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

/// The terminal view under a real pseudo-terminal (made by `script`): it enters the
/// alternate screen, draws, redraws, quits on `q` and restores the terminal.
#[cfg(unix)]
#[test]
fn terminal_screen_draws_and_restores() {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/envelope.jsonl");
    let command = format!(
        "(cat '{}'; sleep 8) | '{}' --live --interval 200ms --format json",
        fixture.display(),
        bin().display()
    );
    let Some(text) = common::in_pty(&command, Duration::from_millis(1500), b"q") else {
        return;
    };
    assert!(
        text.contains("\x1b[?1049h"),
        "alternate screen entered: {text:?}"
    );
    assert!(
        text.matches("errstat live").count() >= 2,
        "drawn and redrawn: {text:?}"
    );
    assert!(text.contains("RequestLimitExceeded"), "{text:?}");
    let left = text.find("\x1b[?1049l").expect("alternate screen left");
    // The final report comes after the terminal is restored.
    let report = text.find("errstat.report/v1").expect("final report");
    assert!(report > left);
}

#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_live_mode_quietly() {
    let script = format!(
        "(while :; do echo '{{\"Response\":{{\"Error\":{{\"Code\":\"X\"}}}}}}'; sleep 0.05; done) | '{}' --live --interval 100ms | head -n 2 > /dev/null; echo \"status=${{PIPESTATUS[1]}}\"",
        bin().display()
    );
    let out = Command::new("timeout")
        .args(["20", "bash", "-c", &script])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("status=0"), "{stdout} {stderr}");
    assert!(!stderr.contains("errstat"), "{stderr}");
}

#[test]
fn distinct_codes_past_the_cap_count_as_other_in_the_view_and_the_report() {
    let (mut child, rx) = spawn(&["--live", "--interval", "100ms", "--max-codes", "5"]);
    let mut stdin = child.stdin.take().unwrap();
    let mut text = String::new();
    for i in 0..500 {
        text += &line(Some(&format!("Garbage.{i}")), i);
    }
    stdin.write_all(text.as_bytes()).unwrap();
    stdin.flush().unwrap();
    // The view's rows are the kept codes and `(other)`, its window the other 495.
    let snap = wait_for(&rx, Duration::from_secs(10), |v| {
        is_live(v) && v["total"]["errors"] == 500
    });
    let top = snap["top"].as_array().unwrap();
    assert_eq!(top.len(), 6, "{snap}");
    assert_eq!(top[0]["code"], "(other)");
    assert_eq!(top[0]["window"], 495);
    assert_eq!(top[0]["total"], 495);
    assert_eq!(
        top[0]["trend"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_u64().unwrap())
            .sum::<u64>(),
        495
    );
    assert_eq!(top[0]["fault"], "(other)");
    drop(stdin);
    let report = final_report(&rx);
    assert_eq!(report["codes"].as_array().unwrap().len(), 6);
    assert_eq!(report["totals"]["folded_errors"], 495);
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_record_far_in_the_future_leaves_the_window_to_the_others() {
    let (mut child, rx) = spawn(&["--live", "--interval", "100ms", "--window", "30s"]);
    let mut stdin = child.stdin.take().unwrap();
    let future = "{\"ts\":\"2100-01-01T00:00:00Z\",\"Response\":{\"Error\":{\"Code\":\"Future\"},\"RequestId\":\"f\"}}\n";
    stdin.write_all(future.as_bytes()).unwrap();
    write_errors(&mut stdin, "InternalError", 0..4);
    // The four of now are in the window; the one of 2100 in the totals only.
    let snap = wait_for(&rx, Duration::from_secs(10), |v| {
        is_live(v) && v["total"]["errors"] == 5
    });
    assert_eq!(snap["window"]["errors"], 4, "{snap}");
    assert_eq!(snap["top"][0]["code"], "InternalError");
    drop(stdin);
    let report = final_report(&rx);
    assert_eq!(report["totals"]["errors"], 5);
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_piped_gzip_is_decoded_as_in_batch_mode() {
    let gz = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/envelope.jsonl.gz"),
    )
    .unwrap();
    let (mut child, rx) = spawn(&["--live", "--interval", "100ms"]);
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&gz).unwrap();
    drop(stdin);
    let report = final_report(&rx);
    assert_eq!(report["totals"]["responses"], 10);
    assert_eq!(report["totals"]["errors"], 6);
    assert!(child.wait().unwrap().success());
}

#[test]
fn sdk_strings_show_no_rate_until_a_success_is_seen() {
    let (mut child, rx) = spawn(&["--live", "--interval", "100ms"]);
    let mut stdin = child.stdin.take().unwrap();
    let sdk = "2026-11-26 10:00:00 ERROR [TencentCloudSDKError] Code=InternalError, Message=x, RequestId=e-1\n";
    stdin.write_all(sdk.as_bytes()).unwrap();
    stdin.flush().unwrap();
    let v = wait_for(&rx, Duration::from_secs(10), |v| {
        is_live(v) && v["total"]["errors"] == 1
    });
    assert_eq!(v["total"]["sdk_errors"], 1);
    assert_eq!(v["total"]["error_rate"], Value::Null);
    assert_eq!(v["window"]["error_rate"], Value::Null);
    // `(no code)` is of no known fault, as in the batch report.
    let sdk = "2026-11-26 10:00:01 WARN [TencentCloudSDKException]message:gone  requestId:e-2\n";
    stdin.write_all(sdk.as_bytes()).unwrap();
    stdin.flush().unwrap();
    let v = wait_for(&rx, Duration::from_secs(10), |v| {
        is_live(v) && v["total"]["errors"] == 2
    });
    let top = v["top"].as_array().unwrap();
    let none = top.iter().find(|r| r["code"] == "(no code)").unwrap();
    assert_eq!(none["fault"], "unknown", "{none}");
    stdin.write_all(line(None, 1).as_bytes()).unwrap();
    stdin.flush().unwrap();
    let v = wait_for(&rx, Duration::from_secs(10), |v| {
        is_live(v) && v["total"]["responses"] == 3
    });
    assert_eq!(v["total"]["error_rate"], 0.666667);
    drop(stdin);
    let report = final_report(&rx);
    assert_eq!(report["totals"]["sdk_errors"], 2);
    child.wait().unwrap();
}

#[test]
fn a_code_whose_window_spikes_is_marked() {
    let (mut child, rx) = spawn(&["--live", "--interval", "100ms", "--window", "1m"]);
    let mut stdin = child.stdin.take().unwrap();
    let now = jiff::Timestamp::now();
    let record = |at: jiff::Timestamp, code: Option<&str>| match code {
        Some(c) => format!(
            "{{\"ts\":\"{at}\",\"response\":{{\"Response\":{{\"Error\":{{\"Code\":\"{c}\"}},\"RequestId\":\"r\"}}}}}}\n"
        ),
        None => {
            format!("{{\"ts\":\"{at}\",\"response\":{{\"Response\":{{\"RequestId\":\"r\"}}}}}}\n")
        }
    };
    // An hour before: 100 responses a minute, one of them a Steady and one a Bursty error.
    let mut history = String::new();
    for minute in (2..62).rev() {
        for i in 0..100 {
            let at = now - jiff::SignedDuration::from_secs(minute * 60 - i as i64 / 2);
            let code = match i {
                0 => Some("Steady"),
                1 => Some("Bursty"),
                _ => None,
            };
            history.push_str(&record(at, code));
        }
    }
    // Now: half of 100 responses are Bursty, one is Steady.
    for i in 0..100 {
        let code = match i {
            0 => Some("Steady"),
            _ if i % 2 == 0 => Some("Bursty"),
            _ => None,
        };
        history.push_str(&record(now, code));
    }
    stdin.write_all(history.as_bytes()).unwrap();
    stdin.flush().unwrap();
    let v = wait_for(&rx, Duration::from_secs(10), |v| {
        is_live(v) && v["total"]["responses"] == 6100
    });
    let row = |code: &str| {
        v["top"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == code)
            .cloned()
            .unwrap_or_else(|| panic!("no {code} in {v}"))
    };
    assert_eq!(row("Bursty")["spike"], true, "{v}");
    assert_eq!(row("Steady")["spike"], false, "{v}");
    drop(stdin);
    final_report(&rx);
    child.wait().unwrap();
}
