//! Logs of SDK error strings (issue #23, SPEC §1.9): each logger's line is read with its
//! envelope, every report says how many errors came from SDK strings, and no rate is made
//! up where no success was logged.

mod common;

use common::{code_row, fixture, report, run};
use serde_json::Value;

fn sdk_log() -> String {
    fixture("sdk.log").display().to_string()
}

/// The one request whose id is `id`, among a report's kept requests.
fn request<'r>(r: &'r Value, id: &str) -> &'r Value {
    r["codes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["requests"]["first"].as_array().unwrap())
        .find(|q| q["request_id"] == id)
        .unwrap_or_else(|| panic!("no request {id}"))
}

#[test]
fn every_logger_line_is_an_error_and_the_rate_is_unknown() {
    let r = report(&["--samples", "100", &sdk_log()]);
    let t = &r["totals"];
    // 32 lines: the three after the lines form's marker are its text, skipped.
    assert_eq!(t["lines"], 32);
    assert_eq!(t["skipped"], 3);
    assert_eq!(t["malformed"], 0);
    assert_eq!(t["responses"], 29);
    assert_eq!(t["errors"], 29);
    assert_eq!(t["sdk_errors"], 29);
    assert_eq!(t["sdk_code_from_message"], 2);
    assert_eq!(t["sdk_no_code"], 8);
    assert_eq!(t["error_rate"], Value::Null);
    for c in r["codes"].as_array().unwrap() {
        assert_eq!(c["rate"], Value::Null, "{c}");
    }
    let none = code_row(&r, "(no code)");
    assert_eq!(none["count"], 8);
    assert_eq!(none["fault"], "unknown");
}

#[test]
fn the_envelope_comes_from_each_loggers_fields() {
    let r = report(&["--samples", "100", &sdk_log()]);
    // (request id, time, action, region) as the line's own logger wrote them.
    let cases = [
        // Go's log package prefix, no zone: UTC.
        (
            "3f1c2a4e-6b7d-4e8f-9a0b-1c2d3e4f5a6b",
            "2026-11-26T10:00:01.000Z",
            None,
            None,
        ),
        // logrus logfmt: time with an offset, action and region fields.
        (
            "0718293a-4b5c-4d6e-9f70-8192a3b4c5d6",
            "2026-11-26T02:00:08.000Z",
            Some("DescribeInstances"),
            Some("ap-guangzhou"),
        ),
        // zap JSON: ts in float epoch seconds.
        (
            "3a4b5c6d-7e8f-4091-a2b3-c4d5e6f70819",
            "2026-11-26T10:00:10.123Z",
            Some("DescribeInstances"),
            Some("ap-guangzhou"),
        ),
        // log4j2 JSON: instant {epochSecond, nanoOfSecond}.
        (
            "7e8f9001-1223-44d5-e6f7-08192a3b4c5d",
            "2026-11-26T10:00:13.456Z",
            None,
            None,
        ),
        // pino: time in epoch milliseconds.
        (
            "b2c3d4e5-f607-4182-93a4-b5c6d7e8f90a",
            "2026-11-26T10:00:17.890Z",
            Some("DescribeInstances"),
            Some("ap-beijing"),
        ),
        // Python logging's comma milliseconds.
        (
            "8a7b6c5d-4e3f-4a1b-8c9d-0e1f2a3b4c5d",
            "2026-11-26T10:00:03.456Z",
            None,
            None,
        ),
    ];
    for (id, time, action, region) in cases {
        let q = request(&r, id);
        assert_eq!(q["time"], time, "{id}");
        assert_eq!(q["action"].as_str(), action, "{id}");
        assert_eq!(q["region"].as_str(), region, "{id}");
    }
    // slog's `api` field is the action; its latency_ms is the latency.
    let throttled = code_row(&r, "RequestLimitExceeded");
    assert_eq!(throttled["latency_ms"]["max"], 23.5);
}

#[test]
fn every_format_says_the_rate_is_unknown() {
    let csv = run(&["-f", "csv", &sdk_log()], None);
    assert_eq!(csv.code, 0, "{}", csv.stderr);
    let mut rows = csv::Reader::from_reader(csv.stdout.as_bytes());
    let rate = rows
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "rate")
        .unwrap();
    for row in rows.records() {
        assert_eq!(&row.unwrap()[rate], "");
    }
    assert!(
        csv.stderr
            .contains("29 errors read from SDK error strings; no success was logged"),
        "{}",
        csv.stderr
    );
    let table = run(&["-f", "table", &sdk_log()], None);
    assert!(table.stdout.contains("error rate -"), "{}", table.stdout);
    assert!(
        table
            .stdout
            .contains("29 errors read from SDK error strings"),
        "{}",
        table.stdout
    );
    let ndjson = run(&["-f", "ndjson", &sdk_log()], None);
    let totals: Value = serde_json::from_str(ndjson.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(totals["totals"]["error_rate"], Value::Null);
    assert_eq!(totals["totals"]["sdk_errors"], 29);
}

#[test]
fn a_rate_condition_does_not_hold_when_the_rate_is_unknown() {
    let rate = run(&["--quiet", "--fail-on", "error_rate>0", &sdk_log()], None);
    assert_eq!(rate.code, 0, "{}", rate.stderr);
    let count = run(
        &["--quiet", "--fail-on", "count(AuthFailure)>=3", &sdk_log()],
        None,
    );
    assert_eq!(count.code, 1, "{}", count.stderr);
}

#[test]
fn successes_logged_beside_them_make_the_rate_known() {
    let log = concat!(
        r#"{"Response":{"RequestId":"ok-1"}}"#,
        "\n",
        r#"{"Response":{"RequestId":"ok-2"}}"#,
        "\n",
        r#"{"Response":{"RequestId":"ok-3"}}"#,
        "\n",
        "2026-11-26 10:00:00 ERROR [TencentCloudSDKError] Code=InternalError, Message=x, RequestId=e-1\n",
    );
    let r = run(&["-f", "json", "-"], Some(log.as_bytes())).json();
    assert_eq!(r["totals"]["responses"], 4);
    assert_eq!(r["totals"]["sdk_errors"], 1);
    assert_eq!(r["totals"]["error_rate"], 0.25);
    assert_eq!(code_row(&r, "InternalError")["rate"], 0.25);
}

#[test]
fn a_response_wins_over_an_sdk_string_on_its_line() {
    let log = concat!(
        r#"{"msg":"[TencentCloudSDKError] Code=InternalError, Message=x, RequestId=e-1","#,
        r#""Response":{"Error":{"Code":"AuthFailure","Message":"m"},"RequestId":"r-1"}}"#,
        "\n",
    );
    let r = run(&["-f", "json", "-"], Some(log.as_bytes())).json();
    assert_eq!(r["totals"]["sdk_errors"], 0);
    assert_eq!(code_row(&r, "AuthFailure")["count"], 1);
}

#[test]
fn a_response_code_spelled_like_the_placeholder_stays_apart() {
    let log = concat!(
        r#"{"Response":{"Error":{"Code":"(no code)"},"RequestId":"r-1"}}"#,
        "\n",
        "[TencentCloudSDKException]message:gone  requestId:r-2\n",
    );
    let r = run(&["-f", "json", "-"], Some(log.as_bytes())).json();
    assert_eq!(code_row(&r, "((no code))")["count"], 1);
    assert_eq!(code_row(&r, "(no code)")["count"], 1);
    assert_eq!(r["totals"]["sdk_no_code"], 1);
}

#[test]
fn the_same_report_for_any_chunk_size_and_thread_count() {
    let whole = run(&["-f", "json", &sdk_log()], None).stdout;
    for (chunk, threads) in [("64", "1"), ("200", "2"), ("1k", "3")] {
        let cut = run(
            &[
                "-f",
                "json",
                "--chunk-size",
                chunk,
                "--threads",
                threads,
                &sdk_log(),
            ],
            None,
        );
        assert_eq!(
            cut.stdout, whole,
            "--chunk-size {chunk} --threads {threads}"
        );
    }
}

/// `(no code)` has the fault `unknown` everywhere a fault is named: its rows, and the
/// buckets' groups by fault (SPEC §2).
#[test]
fn no_code_is_of_unknown_fault_in_buckets_too() {
    let r = report(&["--bucket", "1h", "--group-by", "fault", &sdk_log()]);
    assert_eq!(code_row(&r, "(no code)")["group"], "unknown");
    let mut seen = 0;
    for b in r["buckets"].as_array().unwrap() {
        for g in b["groups"].as_array().unwrap() {
            if let Some(n) = g["codes"].get("(no code)") {
                assert_eq!(g["group"], "unknown", "{b}");
                seen += n.as_u64().unwrap();
            }
        }
    }
    // Of the 8, the Java class line has no time, so no bucket.
    assert_eq!(seen, 7);
}

#[test]
fn a_message_names_a_code_of_the_users_catalog_too() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("extra.tsv");
    std::fs::write(
        &catalog,
        "FailedOperation.OrderLocked\tbusiness\t\tThe order is locked.\t\n",
    )
    .unwrap();
    let line =
        "[TencentCloudSDKException]message:FailedOperation.OrderLocked: try later  requestId:r-1\n";
    let with = run(
        &["-f", "json", "--catalog", catalog.to_str().unwrap(), "-"],
        Some(line.as_bytes()),
    )
    .json();
    assert_eq!(code_row(&with, "FailedOperation.OrderLocked")["count"], 1);
    assert_eq!(with["totals"]["sdk_code_from_message"], 1);
    // Without it the code is not known, and the error has none.
    let without = run(&["-f", "json", "-"], Some(line.as_bytes())).json();
    assert_eq!(code_row(&without, "(no code)")["count"], 1);
}
