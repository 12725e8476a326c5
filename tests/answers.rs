//! Splits, filters, limits and samples mean what the README says (issue #20): each test
//! checks the exact figures a user would check on a log whose content it knows.

mod common;

use common::{fixture, report, run};
use serde_json::{Value, json};

fn envelope() -> String {
    fixture("envelope.jsonl").display().to_string()
}

fn csv(text: &str) -> Vec<Vec<String>> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn header(text: &str) -> Vec<String> {
    text.lines()
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect()
}

/// (start, group, responses, errors) of every bucket's groups.
fn bucket_groups(r: &Value) -> Vec<(String, String, Value, u64)> {
    let mut out = vec![];
    for b in r["buckets"].as_array().unwrap() {
        for g in b["groups"].as_array().unwrap() {
            out.push((
                b["start"].as_str().unwrap()[11..16].to_string(),
                g["group"].as_str().unwrap().to_string(),
                g["responses"].clone(),
                g["errors"].as_u64().unwrap(),
            ));
        }
    }
    out
}

#[test]
fn buckets_split_by_a_field_in_every_format() {
    // envelope.jsonl: 10:00 seoul 2 responses 1 error, tokyo 1/1; 10:01 seoul 3/1, tokyo
    // 1/1; 10:02 seoul 3/2.
    let want = [
        ("10:00", "ap-seoul", 2, 1),
        ("10:00", "ap-tokyo", 1, 1),
        ("10:01", "ap-seoul", 3, 1),
        ("10:01", "ap-tokyo", 1, 1),
        ("10:02", "ap-seoul", 3, 2),
    ];
    let args = ["--bucket", "1m", "--group-by", "region", &envelope()];
    let r = report(&args);
    let got = bucket_groups(&r);
    let expected: Vec<_> = want
        .iter()
        .map(|&(t, g, n, e)| (t.to_string(), g.to_string(), json!(n), e))
        .collect();
    assert_eq!(got, expected);
    let tokyo_10_01 = &r["buckets"][1]["groups"][1]["codes"];
    assert_eq!(tokyo_10_01, &json!({"RequestLimitExceeded": 1}));

    let out = run(&[&["-f", "csv"][..], &args].concat(), None);
    let rows = csv(&out.stdout);
    assert_eq!(
        header(&out.stdout),
        [
            "bucket_start",
            "region",
            "responses",
            "errors",
            "error_rate"
        ]
    );
    let got: Vec<(String, String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r[0][11..16].to_string(),
                r[1].clone(),
                r[2].clone(),
                r[3].clone(),
            )
        })
        .collect();
    let expected: Vec<_> = want
        .iter()
        .map(|&(t, g, n, e)| (t.to_string(), g.to_string(), n.to_string(), e.to_string()))
        .collect();
    assert_eq!(got, expected);
    // Every column sums to the totals.
    let sum = |i: usize| {
        rows.iter()
            .map(|r| r[i].parse::<u64>().unwrap())
            .sum::<u64>()
    };
    assert_eq!((sum(2), sum(3)), (10, 6));

    let out = run(
        &[&["-f", "csv", "--csv-rows", "bucket-codes"][..], &args].concat(),
        None,
    );
    assert_eq!(
        header(&out.stdout),
        ["bucket_start", "region", "code", "category", "count"]
    );
    let rows = csv(&out.stdout);
    assert_eq!(rows.len(), 6);
    assert_eq!(
        rows[3][1..],
        [
            "ap-tokyo",
            "RequestLimitExceeded",
            "RequestLimitExceeded",
            "1"
        ]
    );

    let out = run(&[&["-f", "ndjson"][..], &args].concat(), None);
    let buckets: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["type"] == "bucket")
        .collect();
    assert_eq!(buckets[2]["groups"][0]["errors"], 2);

    let out = run(&[&["-f", "table"][..], &args].concat(), None);
    assert!(out.stdout.contains("BUCKET"), "{}", out.stdout);
    let row = out
        .stdout
        .lines()
        .find(|l| l.contains("10:01") && l.contains("ap-tokyo") && l.contains("100.00%"));
    assert!(row.is_some(), "{}", out.stdout);
}

#[test]
fn a_property_of_the_code_splits_errors_not_responses() {
    let r = report(&["--bucket", "1m", "--group-by", "fault", &envelope()]);
    let got = bucket_groups(&r);
    // No responses of their own: a fault is a property of an error.
    assert!(got.iter().all(|g| g.2.is_null()));
    let at_10_02: Vec<(&str, u64)> = got
        .iter()
        .filter(|g| g.0 == "10:02")
        .map(|g| (g.1.as_str(), g.3))
        .collect();
    assert_eq!(at_10_02, [("auth", 1), ("throttle", 1)]);
    // The bucket's own totals stay whole.
    assert_eq!(r["buckets"][2]["responses"], 3);
    let out = run(
        &[
            "-f",
            "csv",
            "--bucket",
            "1m",
            "--group-by",
            "fault",
            &envelope(),
        ],
        None,
    );
    assert_eq!(
        header(&out.stdout),
        ["bucket_start", "responses", "errors", "error_rate"]
    );
    let out = run(
        &[
            "-f",
            "csv",
            "--bucket",
            "1m",
            "--group-by",
            "fault",
            "--csv-rows",
            "bucket-codes",
            &envelope(),
        ],
        None,
    );
    assert_eq!(
        header(&out.stdout),
        ["bucket_start", "fault", "code", "category", "count"]
    );
}

/// A log with records that lack the region and the time.
const GAPS: &str = r#"{"ts":"2026-11-26T10:00:01Z","region":"zz","Response":{"Error":{"Code":"A"},"RequestId":"a1"}}
{"ts":"2026-11-26T10:00:02Z","Response":{"Error":{"Code":"A"},"RequestId":"a2"}}
{"ts":"2026-11-26T10:00:03Z","region":"aa","Response":{"Error":{"Code":"A"},"RequestId":"a3"}}
{"region":"aa","Response":{"Error":{"Code":"B"},"RequestId":"b1"}}
{"Response":{"Error":{"Code":"B"},"RequestId":"b2"}}
{"Response":{"RequestId":"ok"}}
"#;

#[test]
fn the_group_column_is_named_after_its_dimension_and_dash_sorts_last() {
    let out = run(
        &["-f", "csv", "--group-by", "region"],
        Some(GAPS.as_bytes()),
    );
    assert_eq!(header(&out.stdout)[..2], ["code", "region"]);
    let rows: Vec<(String, String)> = csv(&out.stdout)
        .iter()
        .map(|r| (r[1].clone(), r[0].clone()))
        .collect();
    let order: Vec<(&str, &str)> = rows.iter().map(|(g, c)| (g.as_str(), c.as_str())).collect();
    assert_eq!(
        order,
        [
            ("aa", "A"),
            ("aa", "B"),
            ("zz", "A"),
            ("-", "A"),
            ("-", "B")
        ]
    );
}

#[test]
fn errors_without_a_time_are_counted_and_in_no_bucket() {
    let out = run(&["-f", "json", "--bucket", "1m"], Some(GAPS.as_bytes()));
    let r = out.json();
    assert_eq!(r["totals"]["untimed"], 3);
    assert_eq!(r["totals"]["untimed_errors"], 2);
    let in_buckets: u64 = r["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["errors"].as_u64().unwrap())
        .sum();
    assert_eq!(in_buckets + 2, r["totals"]["errors"].as_u64().unwrap());
    let out = run(&["-f", "table", "--bucket", "1m"], Some(GAPS.as_bytes()));
    assert!(
        out.stdout.contains("2 errors without a time are in none"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_closed_pipe_ends_every_csv_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("many.jsonl");
    let mut text = String::new();
    for i in 0..4000 {
        text += &format!(
            "{{\"ts\":{},\"Response\":{{\"Error\":{{\"Code\":\"Code.N{i}\"}},\"RequestId\":\"r{i}\"}}}}\n",
            1_795_687_200 + i
        );
    }
    std::fs::write(&log, text).unwrap();
    for rows in ["codes", "buckets", "bucket-codes"] {
        let args = format!("--bucket 1s -f csv --csv-rows {rows} '{}'", log.display());
        common::ends_quietly_into_head(&args, 3);
    }
}

#[test]
fn distinct_codes_past_the_cap_count_as_other_alike_on_any_threads() {
    // 300 distinct codes, code i seen (i % 4 + 1) times.
    let mut text = String::new();
    let mut total = 0;
    for i in 0..300 {
        for k in 0..(i % 4 + 1) {
            text += &format!(
                "{{\"ts\":{},\"region\":\"r{}\",\"Response\":{{\"Error\":{{\"Code\":\"Garbage.{i}\"}},\"RequestId\":\"id{i}-{k}\"}}}}\n",
                1_795_687_200 + i * 7 + k,
                i % 50
            );
            total += 1;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("codes.jsonl");
    std::fs::write(&log, &text).unwrap();
    let log = log.display().to_string();
    let base = [
        "-f",
        "json",
        "--max-codes",
        "10",
        "--bucket",
        "1m",
        "--group-by",
        "region",
    ];
    let one = run(&[&base[..], &["--threads", "1", &log]].concat(), None);
    assert_eq!(one.code, 0, "{}", one.stderr);
    for extra in [["--threads", "2"], ["--threads", "3"]] {
        for chunk in ["4K", "1M"] {
            let other = run(
                &[&base[..], &extra, &["--chunk-size", chunk, &log]].concat(),
                None,
            );
            assert_eq!(other.stdout, one.stdout, "{extra:?} {chunk}");
        }
    }
    let r = one.json();
    let distinct = |key: &str| -> std::collections::BTreeSet<String> {
        r["codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c[key].as_str().unwrap().to_string())
            .collect()
    };
    // Ten codes and `(other)`; ten regions, `(other)` among the groups.
    let (codes, groups) = (distinct("code"), distinct("group"));
    assert_eq!(codes.len(), 11, "{codes:?}");
    assert!(codes.contains("(other)"));
    assert_eq!(groups.len(), 11, "{groups:?}");
    assert!(groups.contains("(other)"));
    // Every kept code's count is exact; the rest is (other); nothing is lost.
    let mut kept = 0;
    for c in r["codes"].as_array().unwrap() {
        let code = c["code"].as_str().unwrap();
        if code != "(other)" {
            kept += c["count"].as_u64().unwrap();
        }
    }
    let exact = |code: &str| text.matches(&format!("\"{code}\"")).count() as u64;
    for code in codes.iter().filter(|c| **c != "(other)") {
        let count: u64 = r["codes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["code"] == *code)
            .map(|c| c["count"].as_u64().unwrap())
            .sum();
        assert_eq!(count, exact(code), "{code}");
    }
    assert_eq!(r["totals"]["errors"], total);
    assert_eq!(r["totals"]["folded_errors"].as_u64().unwrap(), total - kept);
    let table = run(&["--max-codes", "10", "-f", "table", &log], None);
    assert!(
        table
            .stdout
            .contains(&format!("(other): {} errors", total - kept)),
        "{}",
        table.stdout
    );
    assert_eq!(run(&["--max-codes", "0", &log], None).code, 2);
}

#[test]
fn each_code_keeps_its_latest_request_ids_with_time_action_and_region() {
    let r = report(&["--samples", "2", &envelope()]);
    let rle = r["codes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "RequestLimitExceeded")
        .unwrap();
    assert_eq!(rle["request_ids"], json!(["e-2", "e-5"]));
    assert_eq!(
        rle["requests"]["latest"],
        json!([
            {"request_id": "e-8", "time": "2026-11-26T10:02:00.000Z", "action": "DescribeDBInstances", "region": "ap-seoul"},
            {"request_id": "e-5", "time": "2026-11-26T10:01:09.000Z", "action": "DescribeDBInstances", "region": "ap-tokyo"},
        ])
    );
    assert_eq!(rle["requests"]["first"][0]["request_id"], "e-2");
    let out = run(&["-f", "table", "--samples", "2", &envelope()], None);
    let support = out
        .stdout
        .split("for support")
        .nth(1)
        .expect("a support section");
    assert!(
        support.contains("RequestLimitExceeded  3 errors  \"Your request is too frequent.\""),
        "{support}"
    );
    assert!(
        support.contains("2026-11-26 10:02:00  e-8  DescribeDBInstances  ap-seoul"),
        "{support}"
    );
    let out = run(&["-f", "csv", "--samples", "2", &envelope()], None);
    let rows = csv(&out.stdout);
    let col = header(&out.stdout)
        .iter()
        .position(|h| h == "latest_request_ids")
        .unwrap();
    assert_eq!(rows[0][col], "e-8 e-5");
}

/// Records whose region is `-`, missing or empty, a code and a region spelled `(other)`.
const ODD: &str = r#"{"region":"-","Response":{"Error":{"Code":"A"},"RequestId":"1"}}
{"Response":{"Error":{"Code":"A"},"RequestId":"2"}}
{"region":"","Response":{"Error":{"Code":"A"},"RequestId":"3"}}
{"region":"(other)","Response":{"Error":{"Code":"(other)"},"RequestId":"4"}}
"#;

#[test]
fn placeholders_are_never_mistaken_for_values() {
    let r = run(
        &["-f", "json", "--group-by", "region"],
        Some(ODD.as_bytes()),
    )
    .json();
    let rows: Vec<(String, String, u64)> = r["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap().to_string();
            (s("code"), s("group"), c["count"].as_u64().unwrap())
        })
        .collect();
    // `-`, missing and empty are one group, `-`; `(other)` spelled in the log is not the
    // placeholder for what is past the cap.
    assert_eq!(
        rows,
        [
            ("((other))".to_string(), "((other))".to_string(), 1),
            ("A".to_string(), "-".to_string(), 3)
        ]
    );
    assert_eq!(r["totals"]["folded_errors"], 0);
    assert_eq!(r["totals"]["folded_group_errors"], 0);
}

#[test]
fn groups_past_the_cap_are_counted_and_said() {
    let mut text = String::new();
    for i in 0..40 {
        text += &format!("{{\"region\":\"r{i}\",\"Response\":{{\"Error\":{{\"Code\":\"A\"}}}}}}\n");
    }
    let r = run(
        &["-f", "json", "--group-by", "region", "--max-codes", "5"],
        Some(text.as_bytes()),
    )
    .json();
    assert_eq!(r["codes"].as_array().unwrap().len(), 6);
    assert_eq!(r["totals"]["folded_group_errors"], 35);
    let out = run(
        &["-f", "table", "--group-by", "region", "--max-codes", "5"],
        Some(text.as_bytes()),
    );
    assert!(
        out.stdout
            .contains("(other): 35 errors in groups past the 5 distinct ones kept"),
        "{}",
        out.stdout
    );
}

#[test]
fn derived_groups_agree_across_formats_and_columns_are_not_repeated() {
    let mut text = String::new();
    for i in 0..30 {
        text += &format!(
            "{{\"ts\":1795687200,\"Response\":{{\"Error\":{{\"Code\":\"Cat{i}.x\"}}}}}}\n"
        );
    }
    let args = [
        "--group-by",
        "category",
        "--max-codes",
        "3",
        "--bucket",
        "1m",
    ];
    let codes = run(
        &[&["-f", "csv"][..], &args, &["--csv-rows", "codes"]].concat(),
        Some(text.as_bytes()),
    );
    let header = header(&codes.stdout);
    let unique: std::collections::BTreeSet<&String> = header.iter().collect();
    assert_eq!(unique.len(), header.len(), "{header:?}");
    let cells = csv(&codes.stdout);
    let other = cells.iter().find(|r| r[0] == "(other)").unwrap();
    assert_eq!(other[1], "(other)");
    let bc = run(
        &[&["-f", "csv"][..], &args, &["--csv-rows", "bucket-codes"]].concat(),
        Some(text.as_bytes()),
    );
    assert_eq!(
        header_of(&bc.stdout),
        ["bucket_start", "code", "category", "count"]
    );
    let other = csv(&bc.stdout)
        .into_iter()
        .find(|r| r[1] == "(other)")
        .unwrap();
    assert_eq!((other[2].as_str(), other[3].as_str()), ("(other)", "27"));
    let r = run(
        &[&["-f", "json"][..], &args].concat(),
        Some(text.as_bytes()),
    )
    .json();
    let groups = &r["buckets"][0]["groups"];
    let folded = groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "(other)")
        .unwrap();
    assert_eq!(folded["errors"], 27);
}

fn header_of(text: &str) -> Vec<String> {
    header(text)
}

#[test]
fn samples_are_capped_and_fail_on_says_what_it_cannot_see() {
    let log = envelope();
    assert_eq!(run(&["--samples", "101", &log], None).code, 2);
    let out = run(
        &[
            "-f",
            "json",
            "--max-codes",
            "1",
            "--fail-on",
            "count(AuthFailure)>0",
            &log,
        ],
        None,
    );
    assert!(
        out.stderr
            .contains("--fail-on count(AuthFailure)>0: measured over the codes kept; 3 errors"),
        "{}",
        out.stderr
    );
}

#[test]
fn quiet_still_names_the_condition_that_made_exit_one() {
    let out = run(
        &["-q", "-f", "json", "--fail-on", "errors>=6", &envelope()],
        None,
    );
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "errstat: --fail-on errors>=6 holds (measured 6)\n"
    );
}

#[test]
fn the_table_says_what_code_left_out_and_what_has_no_time() {
    let out = run(
        &["-f", "table", "--code", "^RequestLimit", &envelope()],
        None,
    );
    let totals = out.stdout.lines().next().unwrap();
    assert_eq!(
        totals,
        "lines 10  responses 10  errors 3  error rate 30.00%  malformed 0  skipped 0  blank 0  other codes 3"
    );
    let out = run(&["-f", "table"], Some(GAPS.as_bytes()));
    assert!(
        out.stdout.lines().next().unwrap().ends_with("untimed 3"),
        "{}",
        out.stdout
    );
}
