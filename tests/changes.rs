//! What changed (issue #24, SPEC §4.8): spikes, new codes, baselines and `errstat diff`, as
//! a user reads them from a log whose content the test planted.

mod common;

use common::run;
use serde_json::Value;

const T0: i64 = 1_795_651_200; // 2026-11-26T00:00:00Z

/// A day of 30 responses a minute: 1 in 30 a `RequestLimitExceeded`; from 10:00 to 10:10
/// 20 in 30 an `InternalError`; from 22:00 one `ResourceNotFound` every 5 minutes.
fn day_log(dir: &std::path::Path, name: &str, quiet: bool) -> String {
    let mut log = String::new();
    for minute in 0..1440i64 {
        for i in 0..30i64 {
            let t = T0 + minute * 60 + i * 2;
            let code = match () {
                _ if !quiet && (600..610).contains(&minute) && i < 20 => Some("InternalError"),
                _ if i == 29 => Some("RequestLimitExceeded"),
                _ if !quiet && minute >= 1320 && minute % 5 == 0 && i == 3 => {
                    Some("ResourceNotFound")
                }
                _ => None,
            };
            let error = code
                .map(|c| format!("\"Error\":{{\"Code\":\"{c}\",\"Message\":\"m\"}},"))
                .unwrap_or_default();
            log.push_str(&format!(
                "{{\"ts\":{t},\"response\":{{\"Response\":{{{error}\"RequestId\":\"r{minute}-{i}\"}}}}}}\n"
            ));
        }
    }
    let path = dir.join(name);
    std::fs::write(&path, log).unwrap();
    path.display().to_string()
}

fn json(args: &[&str]) -> Value {
    let r = run(&[&["-f", "json", "-q"], args].concat(), None);
    assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    r.json()
}

#[test]
fn a_planted_spike_and_a_new_code_are_found_without_a_bucket() {
    let dir = tempfile::tempdir().unwrap();
    let log = day_log(dir.path(), "day.jsonl", false);
    let r = json(&[&log]);
    assert_eq!(r["spike_bucket_ms"], 300_000);
    assert_eq!(r["spike_bucket_auto"], true);
    let spikes = r["spikes"].as_array().unwrap();
    let all = spikes
        .iter()
        .find(|s| s["scope"] == "all")
        .expect("all errors spike");
    assert_eq!(all["start"], "2026-11-26T10:00:00.000Z");
    assert_eq!(all["end"], "2026-11-26T10:10:00.000Z");
    assert_eq!(all["errors"], 200 + 10);
    let code = spikes
        .iter()
        .find(|s| s["name"] == "InternalError")
        .expect("the code's spike");
    assert_eq!(code["scope"], "code");
    assert!(
        !spikes.iter().any(|s| s["name"] == "RequestLimitExceeded"),
        "{spikes:?}"
    );
    let new: Vec<&str> = r["new_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["code"].as_str().unwrap())
        .collect();
    assert_eq!(new, ["ResourceNotFound"]);
    // The table opens with the same.
    let table = run(&["-f", "table", &log], None).stdout;
    let opening = table.split("CODE").next().unwrap();
    assert!(
        opening.contains("what changed (spikes tested at 5m buckets"),
        "{table}"
    );
    assert!(opening.contains("InternalError"), "{table}");
    assert!(
        opening.contains("2026-11-26 10:00:00 .. 10:10:00"),
        "{table}"
    );
}

#[test]
fn with_a_bucket_spikes_are_tested_at_its_width() {
    let dir = tempfile::tempdir().unwrap();
    let log = day_log(dir.path(), "day.jsonl", false);
    let r = json(&["--bucket", "1m", &log]);
    assert_eq!(r["spike_bucket_ms"], 60_000);
    assert_eq!(r["spike_bucket_auto"], false);
    let all = r["spikes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["scope"] == "all")
        .cloned()
        .unwrap();
    assert_eq!(
        (all["start"].as_str(), all["buckets"].as_u64()),
        (Some("2026-11-26T10:00:00.000Z"), Some(10))
    );
}

#[test]
fn the_same_answer_for_any_thread_count_and_chunk_size() {
    let dir = tempfile::tempdir().unwrap();
    let log = day_log(dir.path(), "day.jsonl", false);
    let whole = run(&["-f", "json", &log], None).stdout;
    for (threads, chunk) in [("1", "64k"), ("2", "4k"), ("3", "333")] {
        let other = run(
            &[
                "-f",
                "json",
                "--threads",
                threads,
                "--chunk-size",
                chunk,
                &log,
            ],
            None,
        );
        assert_eq!(
            other.stdout, whole,
            "--threads {threads} --chunk-size {chunk}"
        );
    }
}

#[test]
fn a_baseline_labels_each_code_and_diff_says_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let quiet = day_log(dir.path(), "before.jsonl", true);
    let loud = day_log(dir.path(), "after.jsonl", false);
    let before = dir.path().join("before.json");
    let r = run(&["-q", &quiet, "-o", before.to_str().unwrap()], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = json(&["--baseline", before.to_str().unwrap(), &loud]);
    let label = |doc: &Value, code: &str| {
        doc["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == code)
            .map(|c| c["label"].as_str().unwrap().to_string())
    };
    assert_eq!(label(&r, "InternalError").as_deref(), Some("new"));
    assert_eq!(label(&r, "ResourceNotFound").as_deref(), Some("new"));
    assert_eq!(label(&r, "RequestLimitExceeded").as_deref(), Some("same"));
    assert_eq!(r["baseline"]["basis"], "responses");
    // Changes before `same`.
    assert_eq!(r["changes"][2]["label"], "same");
    // `errstat diff` of the two reports gives the same changes.
    let after = dir.path().join("after.json");
    run(&["-q", &loud, "-o", after.to_str().unwrap()], None);
    let d = run(
        &[
            "diff",
            before.to_str().unwrap(),
            after.to_str().unwrap(),
            "-f",
            "json",
        ],
        None,
    );
    assert_eq!(d.code, 0, "{}", d.stderr);
    let d = d.json();
    assert_eq!(d["schema"], "errstat.diff/v1");
    assert_eq!(d["changes"], r["changes"]);
    // And from partials.
    let (pb, pa) = (dir.path().join("b.partial"), dir.path().join("a.partial"));
    run(&["-q", &quiet, "-o", pb.to_str().unwrap()], None);
    run(&["-q", &loud, "-o", pa.to_str().unwrap()], None);
    let p = run(
        &[
            "diff",
            pb.to_str().unwrap(),
            pa.to_str().unwrap(),
            "-f",
            "json",
        ],
        None,
    )
    .json();
    assert_eq!(p["changes"], r["changes"]);
    // The other formats.
    let csv = run(
        &[
            "diff",
            before.to_str().unwrap(),
            after.to_str().unwrap(),
            "-f",
            "csv",
        ],
        None,
    );
    assert!(
        csv.stdout.starts_with("code,label,before,after,"),
        "{}",
        csv.stdout
    );
    assert_eq!(csv.stdout.lines().count(), 1 + 3);
    let nd = run(
        &[
            "diff",
            before.to_str().unwrap(),
            after.to_str().unwrap(),
            "-f",
            "ndjson",
        ],
        None,
    );
    assert_eq!(nd.stdout.lines().count(), 1 + 3);
    let table = run(
        &[
            "diff",
            before.to_str().unwrap(),
            after.to_str().unwrap(),
            "-f",
            "table",
        ],
        None,
    );
    assert!(
        table.stdout.contains("new    InternalError"),
        "{}",
        table.stdout
    );
}

#[test]
fn ndjson_and_csv_carry_them_as_their_own_rows() {
    let dir = tempfile::tempdir().unwrap();
    let log = day_log(dir.path(), "day.jsonl", false);
    let nd = run(&["-f", "ndjson", &log], None).stdout;
    let kinds: Vec<String> = nd
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(kinds.iter().any(|k| k == "spike"));
    assert_eq!(kinds.iter().filter(|k| *k == "new_code").count(), 1);
    let spikes = run(&["-f", "csv", "--csv-rows", "spikes", &log], None).stdout;
    assert!(spikes.starts_with("scope,name,start,end,"), "{spikes}");
    assert!(
        spikes.contains("all,,2026-11-26T10:00:00.000Z,2026-11-26T10:10:00.000Z"),
        "{spikes}"
    );
    let new = run(&["-f", "csv", "--csv-rows", "new-codes", &log], None).stdout;
    assert_eq!(
        new.lines().nth(1).unwrap().split(',').next(),
        Some("ResourceNotFound")
    );
    let no_baseline = run(&["-f", "csv", "--csv-rows", "changes", &log], None);
    assert_eq!(no_baseline.code, 2);
    assert!(
        no_baseline.stderr.contains("needs --baseline"),
        "{}",
        no_baseline.stderr
    );
}

#[test]
fn a_bad_baseline_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{\"hello\":1}").unwrap();
    let log = common::fixture("envelope.jsonl");
    let r = run(
        &["--baseline", junk.to_str().unwrap(), log.to_str().unwrap()],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("junk.json") && r.stderr.contains("not an errstat JSON report"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_baseline_that_folded_codes_into_other_is_said_to_have() {
    // Codes the baseline counted under (other) show as new against it: say so.
    let dir = tempfile::tempdir().unwrap();
    let log = day_log(dir.path(), "day.jsonl", false);
    let before = dir.path().join("before.json");
    let b = before.display().to_string();
    let r = run(&[&log, "--max-codes", "1", "-f", "json", "-o", &b], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&[&log, "--baseline", &b, "-f", "json"], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("(other)") && r.stderr.contains("--max-codes"),
        "{}",
        r.stderr
    );
    // An ordinary baseline says nothing of it.
    let plain = dir.path().join("plain.json").display().to_string();
    run(&[&log, "-f", "json", "-o", &plain], None);
    let r = run(&[&log, "--baseline", &plain, "-f", "json"], None);
    assert!(!r.stderr.contains("(other)"), "{}", r.stderr);
}

#[test]
fn a_merge_looks_for_changes_as_the_one_run_does() {
    let dir = tempfile::tempdir().unwrap();
    let log = day_log(dir.path(), "day.jsonl", false);
    let base = dir.path().join("base.json").display().to_string();
    let quiet = day_log(dir.path(), "quiet.jsonl", true);
    run(&[&quiet, "-f", "json", "-o", &base], None);
    let part = dir.path().join("day.partial").display().to_string();
    let r = run(&[&log, "-f", "partial", "-o", &part], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for extra in [
        &["-f", "json", "--recent", "4h"][..],
        &["-f", "json", "--baseline", &base][..],
        &["-f", "csv", "--baseline", &base, "--csv-rows", "changes"][..],
    ] {
        let one = run(&[&[&*log], extra].concat(), None);
        let merged = run(&[&["merge", &*part], extra].concat(), None);
        assert_eq!(merged.code, 0, "{extra:?}: {}", merged.stderr);
        assert_eq!(one.stdout, merged.stdout, "{extra:?}");
    }
    let r = run(
        &["merge", &part, "-f", "csv", "--csv-rows", "changes"],
        None,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn a_baseline_whose_counts_overflow_is_read_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let log = day_log(dir.path(), "day.jsonl", true);
    let before = dir.path().join("before.json");
    let b = before.display().to_string();
    let mut doc = json(&[&log]);
    let row = doc["codes"][0].clone();
    let mut twice = row.clone();
    twice["count"] = u64::MAX.into();
    doc["codes"] = serde_json::json!([twice, row]);
    std::fs::write(&before, doc.to_string()).unwrap();
    for args in [&[&log, "--baseline", &b][..], &["diff", &b, &b][..]] {
        let r = run(&[args, &["-f", "json"]].concat(), None);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert_eq!(r.json()["changes"][0]["before"], u64::MAX, "{args:?}");
    }
}

#[test]
fn a_partial_refuses_what_only_a_report_uses_and_p_values_stay_short() {
    let dir = tempfile::tempdir().unwrap();
    let log = day_log(dir.path(), "day.jsonl", false);
    let r = run(&["-f", "partial", "--recent", "1h", &log], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("give them to the merge"), "{}", r.stderr);
    // A p-value far below 1e-6 is written in scientific notation, not 300 digits.
    let quiet = day_log(dir.path(), "before.jsonl", true);
    let before = dir.path().join("before.json");
    run(&["-q", &quiet, "-o", before.to_str().unwrap()], None);
    let csv = run(
        &[
            "--baseline",
            before.to_str().unwrap(),
            "-f",
            "csv",
            "--csv-rows",
            "changes",
            &log,
        ],
        None,
    );
    let mut rows = csv::Reader::from_reader(csv.stdout.as_bytes());
    let at = rows
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "p_value")
        .unwrap();
    for row in rows.records() {
        let row = row.unwrap();
        assert!(row[at].len() < 24, "{:?}", &row[at]);
    }
}

#[test]
fn a_baseline_made_with_filters_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let log = day_log(dir.path(), "day.jsonl", false);
    let part = dir.path().join("b.partial");
    let r = run(
        &[
            "-q",
            "--code",
            "^Request",
            &log,
            "-o",
            part.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(
        &["-f", "json", "--baseline", part.to_str().unwrap(), &log],
        None,
    );
    assert!(
        r.stderr
            .contains("--baseline: made with --code \"^Request\""),
        "{}",
        r.stderr
    );
    // The same filter on both sides says nothing.
    let r = run(
        &[
            "-f",
            "json",
            "--code",
            "^Request",
            "--baseline",
            part.to_str().unwrap(),
            &log,
        ],
        None,
    );
    assert!(!r.stderr.contains("--baseline: made with"), "{}", r.stderr);
}

#[test]
fn spikes_lie_on_the_zones_buckets() {
    let dir = tempfile::tempdir().unwrap();
    let log = day_log(dir.path(), "day.jsonl", false);
    let r = json(&["--tz", "+05:30", "--bucket", "1h", &log]);
    let all = r["spikes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["scope"] == "all")
        .cloned()
        .expect("the planted spike");
    // 10:00–10:10 UTC is 15:30–15:40 in +05:30: the zone's hour from 15:00.
    assert_eq!(all["start"], "2026-11-26T15:00:00.000+05:30");
    assert_eq!(all["end"], "2026-11-26T16:00:00.000+05:30");
    let starts: Vec<&Value> = r["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| &b["start"])
        .collect();
    assert!(starts.contains(&&all["start"]), "{starts:?}");
}
