//! Time zones: `--tz` shows times in a zone (JSON and CSV with its offset, the table and
//! the live view naming it) and aligns buckets to its midnight; `--assume-tz` reads times
//! written without an offset in a zone (SPEC §1.8, §4).

mod common;

use common::*;

/// 23:00 and 23:30 in Seoul on the 26th, 01:00 on the 27th; then one time with no offset.
const LOG: &str = concat!(
    r#"{"ts":"2026-11-26T14:00:00Z","Response":{"Error":{"Code":"A"},"RequestId":"a"}}"#,
    "\n",
    r#"{"ts":"2026-11-26T14:30:00.5Z","Response":{"RequestId":"b"}}"#,
    "\n",
    r#"{"ts":"2026-11-26T16:00:00Z","Response":{"Error":{"Code":"A"},"RequestId":"c"}}"#,
    "\n",
);

fn json(args: &[&str], log: &str) -> serde_json::Value {
    let r = run(args, Some(log.as_bytes()));
    assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    r.json()
}

#[test]
fn machine_formats_stay_utc_unless_tz_is_given() {
    let r = json(&["-f", "json"], LOG);
    assert_eq!(r["span"]["first"], "2026-11-26T14:00:00.000Z");
    let r = json(&["-f", "json", "--tz", "+09:00"], LOG);
    assert_eq!(r["span"]["first"], "2026-11-26T23:00:00.000+09:00");
    assert_eq!(r["span"]["last"], "2026-11-27T01:00:00.000+09:00");
    assert_eq!(
        r["codes"][0]["requests"]["latest"][0]["time"],
        "2026-11-27T01:00:00.000+09:00"
    );
    let r = json(&["-f", "json", "--tz", "Asia/Seoul"], LOG);
    assert_eq!(r["codes"][0]["first_seen"], "2026-11-26T23:00:00.000+09:00");
    let r = json(&["-f", "json", "--tz=-05:30"], LOG);
    assert_eq!(r["span"]["first"], "2026-11-26T08:30:00.000-05:30");
    let r = json(&["-f", "json", "--tz", "UTC"], LOG);
    assert_eq!(r["span"]["first"], "2026-11-26T14:00:00.000Z");
    let r = run(
        &["-f", "csv", "--bucket", "1h", "--tz", "+09:00"],
        Some(LOG.as_bytes()),
    );
    assert!(
        r.stdout
            .contains("\n2026-11-26T23:00:00.000+09:00,2,1,0.5\n"),
        "{}",
        r.stdout
    );
    let r = run(&["--tz", "Mars/Olympus"], Some(b""));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--tz \"Mars/Olympus\""), "{}", r.stderr);
}

#[test]
fn day_buckets_start_at_the_zones_midnight() {
    let starts = |args: &[&str]| -> Vec<(String, u64)> {
        let mut all = vec!["-f", "json", "--bucket", "1d"];
        all.extend_from_slice(args);
        json(&all, LOG)["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                (
                    b["start"].as_str().unwrap().to_string(),
                    b["responses"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(starts(&[]), [("2026-11-26T00:00:00.000Z".to_string(), 3)]);
    let seoul = [
        ("2026-11-26T00:00:00.000+09:00".to_string(), 2),
        ("2026-11-27T00:00:00.000+09:00".to_string(), 1),
    ];
    assert_eq!(starts(&["--tz", "Asia/Seoul"]), seoul);
    assert_eq!(starts(&["--tz", "+09:00"]), seoul);
}

#[test]
fn the_table_says_its_zone() {
    let r = run(&["-f", "table"], Some(LOG.as_bytes()));
    assert!(
        r.stdout
            .contains("span 2026-11-26 14:00:00 .. 2026-11-26 16:00:00, times in UTC\n"),
        "{}",
        r.stdout
    );
    let r = run(&["-f", "table", "--tz", "Asia/Seoul"], Some(LOG.as_bytes()));
    assert!(
        r.stdout.contains(
            "span 2026-11-26 23:00:00 .. 2026-11-27 01:00:00, times in Asia/Seoul (+09:00)\n"
        ),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("2026-11-27 01:00:00  c"), "{}", r.stdout);
}

#[test]
fn assume_tz_reads_times_without_an_offset_in_the_zone() {
    let log = concat!(
        r#"{"ts":"2026-11-26 23:00:00","Response":{"Error":{"Code":"A"},"RequestId":"a"}}"#,
        "\n",
        r#"2026-11-26 23:30:00.250 INFO {"Response":{"Error":{"Code":"A"},"RequestId":"b"}}"#,
        "\n",
        r#"{"ts":"2026-11-26T23:45:00+09:00","Response":{"Error":{"Code":"A"},"RequestId":"c"}}"#,
        "\n",
    );
    let r = json(&["-f", "json"], log);
    assert_eq!(r["span"]["first"], "2026-11-26T14:45:00.000Z");
    assert_eq!(r["span"]["last"], "2026-11-26T23:30:00.250Z");
    let r = json(&["-f", "json", "--assume-tz", "Asia/Seoul"], log);
    assert_eq!(r["span"]["first"], "2026-11-26T14:00:00.000Z");
    let ids: Vec<(&str, &str)> = r["codes"][0]["requests"]["latest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["request_id"].as_str().unwrap(),
                q["time"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ids,
        [
            ("c", "2026-11-26T14:45:00.000Z"),
            ("b", "2026-11-26T14:30:00.250Z"),
            ("a", "2026-11-26T14:00:00.000Z"),
        ]
    );
}

#[test]
fn live_mode_reports_in_the_zone() {
    let r = run(
        &["--live", "--interval", "100ms", "--tz", "+09:00"],
        Some(LOG.as_bytes()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let last = r.stdout.lines().last().unwrap();
    let report: serde_json::Value = serde_json::from_str(last).unwrap();
    assert_eq!(report["span"]["last"], "2026-11-27T01:00:00.000+09:00");
}

#[test]
fn partials_made_with_tz_merge() {
    // Buckets on the zone's midnight (--bucket), and automatic ones widened past an hour
    // in a zone half an hour off (60 days), are read back by a merge.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("days.jsonl");
    let t0 = 1_795_651_200i64; // 2026-11-26T00:00:00Z
    let mut text = String::new();
    for i in 0..60 * 24i64 {
        text.push_str(&format!(
            "{{\"ts\":{},\"Response\":{{\"Error\":{{\"Code\":\"E\"}},\"RequestId\":\"r{i}\"}}}}\n",
            t0 + i * 3600
        ));
    }
    std::fs::write(&log, text).unwrap();
    let log = log.display().to_string();
    let part = dir.path().join("x.partial").display().to_string();
    for (tz, bucket) in [("Asia/Seoul", Some("1d")), ("+05:30", None)] {
        let mut args = vec![&*log, "--tz", tz, "-f", "partial", "-o", &part];
        args.extend(bucket.iter().flat_map(|b| ["--bucket", b]));
        let r = run(&args, None);
        assert_eq!(r.code, 0, "{tz}: {}", r.stderr);
        let merged = run(&["merge", &part, "-f", "json"], None);
        assert_eq!(merged.code, 0, "{tz}: {}", merged.stderr);
        let one = run(&[&*log, "-f", "json"], None).json();
        assert_eq!(merged.json()["totals"], one["totals"], "{tz}");
    }
}
