//! The report formats of SPEC §4: JSON keys, CSV in both forms, NDJSON, the table, `-o`.

mod common;

use common::*;
use serde_json::Value;

fn envelope() -> String {
    fixture("envelope.jsonl").to_str().unwrap().to_string()
}

#[test]
fn json_has_every_key_the_spec_names() {
    let r = report(&[&envelope(), "--bucket", "1m"]);
    assert_eq!(r["schema"], "errstat.report/v1");
    for k in [
        "lines",
        "blank",
        "skipped",
        "malformed",
        "responses",
        "errors",
        "error_rate",
        "empty_error",
    ] {
        assert!(r["totals"][k].is_number(), "totals.{k}");
    }
    assert!(r["span"]["first"].is_string() && r["span"]["last"].is_string());
    for row in r["codes"].as_array().unwrap() {
        for k in [
            "code",
            "category",
            "class",
            "fault",
            "description",
            "count",
            "share",
            "rate",
            "first_seen",
            "last_seen",
            "request_ids",
            "messages",
            "latency_ms",
        ] {
            assert!(row.get(k).is_some(), "codes[].{k} in {row}");
        }
        for p in ["p50", "p90", "p99", "max"] {
            assert!(row["latency_ms"][p].is_number(), "latency_ms.{p}");
        }
    }
    for row in r["categories"].as_array().unwrap() {
        assert!(
            row["category"].is_string() && row["count"].is_number() && row["share"].is_number()
        );
    }
    for b in r["buckets"].as_array().unwrap() {
        assert!(b["start"].is_string() && b["responses"].is_number() && b["errors"].is_number());
        assert!(b["codes"].is_object());
    }
    assert!(r["malformed_samples"].is_array());
    // Sorted by count, then code.
    let counts: Vec<(i64, String)> = r["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                -c["count"].as_i64().unwrap(),
                c["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut sorted = counts.clone();
    sorted.sort();
    assert_eq!(counts, sorted);
    let rle = code_row(&r, "RequestLimitExceeded");
    assert_eq!(rle["share"], 0.5);
    assert_eq!(rle["rate"], 0.3);
    // Latency 1203, 1550, 1300 ms: the median is 1300, the max 1550 (HDR, within 1%).
    let p50 = rle["latency_ms"]["p50"].as_f64().unwrap();
    assert!((p50 - 1300.0).abs() <= 13.0, "{p50}");
    let max = rle["latency_ms"]["max"].as_f64().unwrap();
    assert!((max - 1550.0).abs() <= 15.5, "{max}");
}

#[test]
fn malformed_samples_name_source_and_line() {
    let path = fixture("mixed.jsonl");
    let r = report(&[path.to_str().unwrap()]);
    let first = &r["malformed_samples"][0];
    assert_eq!(first["source"], path.to_str().unwrap());
    assert_eq!(first["line"], 4);
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn csv_per_code() {
    let out = run(&["--format", "csv", &envelope()], None);
    assert_eq!(out.code, 0);
    let rows = csv_rows(&out.stdout);
    assert_eq!(
        rows[0][..6],
        ["code", "category", "class", "fault", "count", "share"]
    );
    assert_eq!(rows.len(), 1 + 4);
    assert_eq!(rows[1][0], "RequestLimitExceeded");
    assert_eq!(rows[1][4], "3");
    // RFC 4180: a field with a comma is quoted, and reads back whole.
    let ipv = rows
        .iter()
        .find(|r| r[0] == "InvalidParameterValue")
        .unwrap();
    let top = rows[0].iter().position(|h| h == "top_message").unwrap();
    assert_eq!(ipv[top], "Memory must be one of 1000, 2000.");
    assert!(out.stdout.contains("\"Memory must be one of 1000, 2000.\""));
}

#[test]
fn csv_per_bucket_and_code() {
    let want = expected("envelope");
    let buckets = want["buckets_1m"].as_array().unwrap();
    // With --bucket the CSV holds one row per bucket: its totals, so every column sums.
    let out = run(&["--format", "csv", "--bucket", "1m", &envelope()], None);
    let rows = csv_rows(&out.stdout);
    assert_eq!(
        rows[0],
        ["bucket_start", "responses", "errors", "error_rate"]
    );
    let expect: Vec<Vec<String>> = buckets
        .iter()
        .map(|b| {
            let (n, e) = (
                b["responses"].as_u64().unwrap(),
                b["errors"].as_u64().unwrap(),
            );
            let rate = ((e as f64 / n as f64) * 1e6).round() / 1e6;
            vec![
                b["start"].as_str().unwrap().to_string(),
                n.to_string(),
                e.to_string(),
                rate.to_string(),
            ]
        })
        .collect();
    assert_eq!(rows[1..], expect[..]);
    let errors: u64 = rows[1..].iter().map(|r| r[2].parse::<u64>().unwrap()).sum();
    assert_eq!(errors, 6);
    // --csv-rows bucket-codes: one row per (bucket, code), no bucket totals repeated.
    let out = run(
        &[
            "-f",
            "csv",
            "--bucket",
            "1m",
            "--csv-rows",
            "bucket-codes",
            &envelope(),
        ],
        None,
    );
    let rows = csv_rows(&out.stdout);
    assert_eq!(rows[0], ["bucket_start", "code", "category", "count"]);
    let mut expect = vec![];
    for b in buckets {
        let mut codes: Vec<(&String, &Value)> = b["codes"].as_object().unwrap().iter().collect();
        codes.sort_by(|a, b| b.1.as_u64().cmp(&a.1.as_u64()).then(a.0.cmp(b.0)));
        for (code, n) in codes {
            expect.push(vec![
                b["start"].as_str().unwrap().to_string(),
                code.clone(),
                code.split('.').next().unwrap().to_string(),
                n.to_string(),
            ]);
        }
    }
    assert_eq!(rows[1..], expect[..]);
    let counted: u64 = rows[1..].iter().map(|r| r[3].parse::<u64>().unwrap()).sum();
    assert_eq!(counted, 6);
    // The per-code table is still there with --bucket.
    let out = run(
        &[
            "-f",
            "csv",
            "--bucket",
            "1m",
            "--csv-rows",
            "codes",
            &envelope(),
        ],
        None,
    );
    assert_eq!(csv_rows(&out.stdout).len(), 1 + 4);
    // Rows of buckets need buckets.
    let out = run(&["-f", "csv", "--csv-rows", "buckets", &envelope()], None);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("needs --bucket"), "{}", out.stderr);
}

#[test]
fn ndjson_one_object_per_line() {
    let out = run(&["--format", "ndjson", "--bucket", "1m", &envelope()], None);
    let lines: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.iter().all(|l| l["schema"] == "errstat.report/v1"));
    let kinds = |k: &str| lines.iter().filter(|l| l["type"] == k).count();
    assert_eq!(kinds("totals"), 1);
    assert_eq!(kinds("code"), 4);
    assert_eq!(kinds("bucket"), 3);
    assert_eq!(lines[0]["totals"]["errors"], 6);
}

#[test]
fn table_fits_the_width_and_reads_well() {
    let out = errstat()
        .env("COLUMNS", "100")
        .args(["--format", "table", &envelope()])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for line in text.lines() {
        assert!(line.chars().count() <= 100, "too wide: {line}");
    }
    assert!(text.starts_with("lines 10  responses 10  errors 6  error rate 60.00%"));
    assert!(text.contains("RequestLimitExceeded"));
    insta::assert_snapshot!("table_envelope_100_columns", text);
}

#[test]
fn output_file_and_format_by_extension() {
    let dir = tempfile::tempdir().unwrap();
    let csv_out = dir.path().join("report.csv");
    let r = run(&[&envelope(), "-o", csv_out.to_str().unwrap()], None);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""));
    let text = std::fs::read_to_string(&csv_out).unwrap();
    assert!(text.starts_with("code,category,class"));
    // Any case; .txt is the table, .md a Markdown table.
    let json_out = dir.path().join("REPORT.Json");
    run(&[&envelope(), "-o", json_out.to_str().unwrap()], None);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json_out).unwrap()).unwrap();
    assert_eq!(v["totals"]["errors"], 6);
    let txt = dir.path().join("report.TXT");
    run(&[&envelope(), "-o", txt.to_str().unwrap()], None);
    let text = std::fs::read_to_string(&txt).unwrap();
    assert!(text.starts_with("lines 10  responses 10"), "{text}");
    let md = dir.path().join("report.md");
    run(&[&envelope(), "-o", md.to_str().unwrap()], None);
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.contains("\n| code | fault | count |"), "{text}");
    // An extension errstat does not know is an error, never a silent JSON report.
    let unknown = dir.path().join("report.out");
    let r = run(&[&envelope(), "-o", unknown.to_str().unwrap()], None);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(
            "no format is named \"out\"; use .json, .ndjson, .csv, .table, .txt, .md, .html, .htm, .partial"
        ),
        "{}",
        r.stderr
    );
    assert!(!unknown.exists());
}

#[test]
fn markdown_cells_escape_what_would_break_the_table() {
    let log = concat!(
        r#"{"Response":{"Error":{"Code":"Evil|Code","Message":"m"},"RequestId":"r1"},"region":"a|b\u001b[2J\nc"}"#,
        "\n"
    );
    let r = run(
        &["-f", "markdown", "--group-by", "region"],
        Some(log.as_bytes()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let row = r
        .stdout
        .lines()
        .find(|l| l.contains("Evil"))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert_eq!(
        row,
        "| a\\|b\\\\u{1b}[2J\\\\u{a}c | Evil\\|Code | client | 1 | 100.00% | 100.00% |  |"
    );
    assert!(
        r.stdout
            .contains("\n| region | code | fault | count | share | rate | description |\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn report_is_json_when_not_on_a_terminal() {
    let r = run(&[&envelope()], None);
    assert_eq!(r.json()["totals"]["responses"], 10);
}
