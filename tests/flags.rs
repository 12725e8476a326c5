//! Buckets, grouping, filters, samples, the catalog command, --fail-on, --strict, --quiet,
//! and the exit codes of SPEC §6, run as a user runs them.

mod common;

use common::*;
use serde_json::{Value, json};

fn envelope() -> String {
    fixture("envelope.jsonl").to_str().unwrap().to_string()
}

fn mixed() -> String {
    fixture("mixed.jsonl").to_str().unwrap().to_string()
}

#[test]
fn buckets_of_one_minute_match_the_fixture() {
    let r = report(&[&envelope(), "--bucket", "1m"]);
    assert_eq!(r["bucket_ms"], 60_000);
    assert_eq!(r["buckets"], expected("envelope")["buckets_1m"]);
}

#[test]
fn bucket_widths_in_every_unit() {
    let n = |w: &str| {
        report(&[&envelope(), "--bucket", w])["buckets"]
            .as_array()
            .unwrap()
            .len()
    };
    // Times 10:00:05 … 10:02:45: 30 s buckets hold 6 distinct starts.
    assert_eq!(n("30s"), 6);
    assert_eq!(n("2m"), 2);
    assert_eq!(n("1h"), 1);
    assert_eq!(n("1d"), 1);
    let bad = run(&[&envelope(), "--bucket", "5y"], None);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("--bucket"), "{}", bad.stderr);
}

#[test]
fn group_by_splits_rows() {
    let r = report(&[&envelope(), "--group-by", "region"]);
    assert_eq!(r["group_by"], "region");
    let rows: Vec<(String, String, u64)> = r["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["group"].as_str().unwrap().to_string(),
                c["code"].as_str().unwrap().to_string(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect();
    let s = |a: &str, b: &str, n| (a.to_string(), b.to_string(), n);
    assert_eq!(
        rows,
        [
            s("ap-seoul", "RequestLimitExceeded", 2),
            s("ap-seoul", "AuthFailure.UnauthorizedOperation", 1),
            s("ap-seoul", "InternalError.DatabaseAccessError", 1),
            s("ap-tokyo", "InvalidParameterValue", 1),
            s("ap-tokyo", "RequestLimitExceeded", 1),
        ]
    );
    let by_action = report(&[&envelope(), "--group-by", "action"]);
    assert_eq!(by_action["codes"].as_array().unwrap().len(), 4);
    let by_fault = report(&[&envelope(), "--group-by", "fault"]);
    let faults: Vec<&str> = by_fault["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["group"].as_str().unwrap())
        .collect();
    assert_eq!(faults, ["auth", "client", "server", "throttle"]);
    for dim in ["service", "category", "class"] {
        let r = report(&[&envelope(), "--group-by", dim]);
        let total: u64 = r["codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["count"].as_u64().unwrap())
            .sum();
        assert_eq!(total, 6, "{dim}");
    }
    assert_eq!(run(&[&envelope(), "--group-by", "colour"], None).code, 2);
}

#[test]
fn filters_leave_out_and_count_what_they_drop() {
    let t = |args: &[&str]| {
        let mut all = vec![envelope()];
        all.extend(args.iter().map(|s| s.to_string()));
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let r = report(&all);
        let t = &r["totals"];
        (
            t["responses"].as_u64().unwrap(),
            t["errors"].as_u64().unwrap(),
            t["filtered"].as_u64().unwrap(),
        )
    };
    assert_eq!(t(&["--action", "^Describe"]), (7, 3, 3));
    assert_eq!(t(&["--region", "tokyo"]), (2, 2, 8));
    // --code leaves no response out: the other codes' errors stay responses, so the rate
    // is over all of them (3 of 10), and they are counted apart.
    assert_eq!(t(&["--code", "^RequestLimit"]), (10, 3, 0));
    let r = report(&[&envelope(), "--code", "^RequestLimit"]);
    assert_eq!(r["totals"]["other_errors"], 3);
    assert_eq!(r["totals"]["error_rate"], 0.3);
    assert_eq!(r["codes"][0]["rate"], 0.3);
    assert_eq!(
        t(&[
            "--since",
            "2026-11-26T10:01:00Z",
            "--until",
            "2026-11-26T10:02:00Z"
        ]),
        (4, 2, 6)
    );
    assert_eq!(t(&["--since", "2026-11-26 10:02:00"]), (3, 2, 7));
    assert_eq!(t(&["--until", "1795687260"]), (3, 2, 7));
    for bad in [&["--code", "("][..], &["--since", "last tuesday"][..]] {
        let mut args = vec![envelope()];
        args.extend(bad.iter().map(|s| s.to_string()));
        let r = run(&args.iter().map(String::as_str).collect::<Vec<_>>(), None);
        assert_eq!(r.code, 2, "{bad:?}");
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    }
}

#[test]
fn samples_are_the_first_k_request_ids() {
    let ids = |k: &str| {
        code_row(
            &report(&[&envelope(), "--samples", k]),
            "RequestLimitExceeded",
        )["request_ids"]
            .clone()
    };
    assert_eq!(ids("1"), json!(["e-2"]));
    assert_eq!(ids("0"), json!([]));
    assert_eq!(ids("10"), json!(["e-2", "e-5", "e-8"]));
}

#[test]
fn messages_are_capped_most_frequent_first() {
    let mut log = String::new();
    // 100 "often" and 200 others in 100 distinct texts: fewer than errstat keeps, so exact.
    for i in 0..300 {
        let msg = if i % 3 == 0 {
            "often".to_string()
        } else {
            format!("rare {}", i % 100)
        };
        log +=
            &format!("{{\"Response\":{{\"Error\":{{\"Code\":\"X\",\"Message\":\"{msg}\"}}}}}}\n");
    }
    let r = run(&["--format", "json"], Some(log.as_bytes()));
    let msgs = code_row(&r.json(), "X")["messages"].clone();
    assert_eq!(msgs.as_array().unwrap().len(), 5);
    assert_eq!(msgs[0], json!({"text": "often", "count": 100}));
}

#[test]
fn fail_on_sets_exit_one_after_writing_the_report() {
    let cases: [(&[&str], i32); 9] = [
        (&["error_rate>0.5"], 1),
        (&["error_rate>0.7"], 0),
        (&["errors>=6"], 1),
        (&["count(AuthFailure)>0"], 1),
        (&["count(AuthFailure.UnauthorizedOperation)>1"], 0),
        (&["rate(RequestLimitExceeded)>=0.3"], 1),
        (&["share(InternalError) > 0.2"], 0),
        (&["errors<1", "malformed==0"], 1),
        (&["responses!=10"], 0),
    ];
    for (conds, want) in cases {
        let mut args = vec!["--format".to_string(), "json".into(), envelope()];
        for c in conds {
            args.push("--fail-on".into());
            args.push(c.to_string());
        }
        let r = run(&args.iter().map(String::as_str).collect::<Vec<_>>(), None);
        assert_eq!(r.code, want, "{conds:?}: {}", r.stderr);
        assert_eq!(
            r.json()["totals"]["errors"],
            6,
            "the report is written either way"
        );
        if want == 1 {
            assert!(r.stderr.contains("--fail-on"), "{}", r.stderr);
        }
    }
    for bad in ["error_rate", "errors>x", "nope>1", "count()>1"] {
        let r = run(&[&envelope(), "--fail-on", bad], None);
        assert_eq!(r.code, 2, "{bad}");
        assert!(r.stdout.is_empty());
    }
}

#[test]
fn strict_and_quiet() {
    // The report names the malformed lines; standard error says how many, in one line.
    let loud = run(&["--format", "json", &mixed()], None);
    assert_eq!(loud.code, 0);
    assert_eq!(
        loud.stderr,
        "errstat: 3 malformed lines; see the report or --bad-lines\n"
    );
    assert_eq!(loud.json()["malformed_samples"][0]["line"], 4);
    let quiet = run(&["--format", "json", "--quiet", &mixed()], None);
    assert_eq!((quiet.code, quiet.stderr.as_str()), (0, ""));
    // What makes the exit code 1 is said under -q too, as its help promises.
    let strict = run(&["-f", "csv", "-q", "--strict", &mixed()], None);
    assert_eq!(
        (strict.code, strict.stderr.as_str()),
        (
            1,
            "errstat: 3 malformed lines; --bad-lines FILE lists them (--strict: exit 1)\n"
        )
    );
    let held = run(
        &["-f", "json", "-q", "--fail-on", "malformed>2", &mixed()],
        None,
    );
    assert_eq!(held.code, 1);
    assert_eq!(held.stderr.lines().count(), 1, "{}", held.stderr);
    assert!(held.stderr.contains("malformed"), "{}", held.stderr);
    // Many: still one line.
    let many = "{\n".repeat(2974);
    let r = run(&["-f", "json"], Some(many.as_bytes()));
    assert_eq!(
        r.stderr,
        "errstat: 2,974 malformed lines; see the report or --bad-lines\n"
    );
    assert_eq!(
        run(&["--format", "json", "--strict", &mixed()], None).code,
        1
    );
    assert_eq!(
        run(&["--format", "json", "--strict", &envelope()], None).code,
        0
    );
}

#[test]
fn unreadable_input_is_named_and_the_rest_still_read() {
    let missing = "/definitely/not/here.jsonl";
    let r = run(&["--format", "json", missing, &envelope()], None);
    assert_eq!(r.code, 2);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", r.stderr);
    assert!(
        lines[0].starts_with("errstat: /definitely/not/here.jsonl: "),
        "{}",
        lines[0]
    );
    let report = r.json();
    assert_eq!(report["totals"]["responses"], 10);
    assert_eq!(report["failed_inputs"][0]["source"], missing);
    let strict = run(
        &["--format", "json", "--strict", missing, &envelope()],
        None,
    );
    assert_eq!(strict.code, 2);
    assert_eq!(
        strict.json()["totals"]["responses"],
        0,
        "--strict stops at the first bad input"
    );
}

#[test]
fn usage_errors_exit_two() {
    for args in [
        &["--format", "xml"][..],
        &["--lang", "fr"][..],
        &["--threads", "0"][..],
        &["--chunk-size", "big"][..],
        &["--no-such-flag"][..],
    ] {
        let r = run(args, Some(b""));
        assert_eq!(r.code, 2, "{args:?}");
        assert!(!r.stderr.contains("panicked"));
    }
}

#[test]
fn broken_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("many.jsonl");
    let mut text = String::new();
    for i in 0..4000 {
        text += &format!(
            "{{\"Response\":{{\"Error\":{{\"Code\":\"Code.N{i}\",\"Message\":\"m\"}},\"RequestId\":\"r{i}\"}}}}\n"
        );
    }
    std::fs::write(&log, text).unwrap();
    common::ends_quietly_into_head(&format!("--format ndjson '{}'", log.display()), 1);
}

#[test]
fn codes_lists_the_catalog_in_three_languages() {
    let r = run(&["codes", "--format", "json"], None);
    assert_eq!(r.code, 0);
    let doc = r.json();
    let codes = doc["codes"].as_array().unwrap();
    let tsv = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/catalog/catalog.tsv"),
    )
    .unwrap();
    let rows = tsv
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .count();
    assert_eq!(codes.len(), rows);
    let find = |doc: &Value, code: &str| {
        doc["codes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == code)
            .unwrap()
            .clone()
    };
    let sig = find(&doc, "AuthFailure.SignatureFailure");
    assert_eq!(sig["class"], "common");
    assert_eq!(sig["category"], "AuthFailure");
    assert_eq!(sig["fault"], "auth");
    assert_eq!(
        sig["description"],
        "Invalid signature (signature calculation error)."
    );
    let ko = run(&["codes", "--format", "json", "--lang", "ko"], None).json();
    assert!(
        find(&ko, "AuthFailure.SignatureFailure")["description"]
            .as_str()
            .unwrap()
            .starts_with("서명 오류")
    );
    let zh = run(&["codes", "--format", "json", "--lang", "zh"], None).json();
    assert_eq!(
        find(&zh, "CdbError.BackupError")["description"],
        "备份错误。"
    );
    // The locale decides when --lang is not given.
    let out = errstat()
        .env("LANG", "ko_KR.UTF-8")
        .args(["codes", "--format", "csv", "--code", "^CdbError$"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text,
        "code,class,category,fault,description\nCdbError,business,CdbError,server,백 엔드 오류 또는 프로세스 오류.\n"
    );
    let nd = run(&["codes", "--format", "ndjson", "--code", "^DryRun"], None);
    assert_eq!(nd.stdout.lines().count(), 1);
    assert!(
        run(&["codes", "--format", "table"], None)
            .stdout
            .contains("RequestLimitExceeded")
    );
}

#[test]
fn user_catalog_adds_codes_to_reports_and_listing() {
    let dir = tempfile::tempdir().unwrap();
    let cat = dir.path().join("cvm.tsv");
    std::fs::write(&cat, "# CVM codes\nInvalidInstanceId.NotFound\tbusiness\t\tThe instance does not exist.\t实例不存在。\n").unwrap();
    let log = "{\"Response\":{\"Error\":{\"Code\":\"InvalidInstanceId.NotFound\"}}}\n";
    let r = run(
        &["--format", "json", "--catalog", cat.to_str().unwrap()],
        Some(log.as_bytes()),
    );
    let row = code_row(&r.json(), "InvalidInstanceId.NotFound").clone();
    assert_eq!(row["class"], "business");
    assert_eq!(row["description"], "The instance does not exist.");
    let without = run(&["--format", "json"], Some(log.as_bytes())).json();
    assert_eq!(
        code_row(&without, "InvalidInstanceId.NotFound")["class"],
        "unknown"
    );
    let listed = run(
        &[
            "codes",
            "--format",
            "json",
            "--lang",
            "zh",
            "--catalog",
            cat.to_str().unwrap(),
            "--code",
            "^InvalidInstanceId",
        ],
        None,
    )
    .json();
    assert_eq!(listed["codes"][0]["description"], "实例不存在。");
    std::fs::write(&cat, "X\tweird\n").unwrap();
    let bad = run(&["codes", "--catalog", cat.to_str().unwrap()], None);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("line 1"), "{}", bad.stderr);
}

#[test]
fn envelope_keys_and_response_path_can_be_overridden() {
    let log = "{\"when\":\"2026-11-26T10:00:00Z\",\"op\":\"Foo\",\"data\":{\"inner\":{\"Error\":{\"Code\":\"X.Y\"}}}}\n";
    let r = run(
        &[
            "--format",
            "json",
            "--time-key",
            "when",
            "--action-key",
            "op",
            "--response-path",
            "data.inner",
            "--group-by",
            "action",
        ],
        Some(log.as_bytes()),
    )
    .json();
    let row = code_row(&r, "X.Y");
    assert_eq!(row["group"], "Foo");
    assert_eq!(row["first_seen"], "2026-11-26T10:00:00.000Z");
}
