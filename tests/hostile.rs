//! Bounded work under hostile input (issue #21, points 2, 3 and 10).

mod common;

use std::time::{Duration, Instant};

use common::{fixture, report, run};

#[test]
fn thousands_of_threads_are_lowered_with_a_warning() {
    let log = fixture("envelope.jsonl").display().to_string();
    let started = Instant::now();
    let out = run(&["-f", "json", "--threads", "10000", &log], None);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let cores = std::thread::available_parallelism().unwrap().get();
    assert!(
        out.stderr
            .contains(&format!("--threads 10000: using {} (4 per core", 4 * cores)),
        "{}",
        out.stderr
    );
    assert_eq!(out.json(), report(&["--threads", "1", &log]));
    // Quiet says nothing.
    let out = run(&["-f", "json", "-q", "--threads", "10000", &log], None);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

#[test]
fn long_codes_and_groups_are_cut_and_counted() {
    // Twenty 100 KB codes that differ only past their first 256 bytes, in 100 KB regions.
    let head = "Long.".to_string() + &"x".repeat(300);
    let mut text = String::new();
    for i in 0..20 {
        let code = format!("{head}{i}{}", "y".repeat(100_000));
        let region = format!("{}{i}", "r".repeat(100_000));
        text += &format!(
            "{{\"region\":\"{region}\",\"Response\":{{\"Error\":{{\"Code\":\"{code}\"}},\"RequestId\":\"id{i}\"}}}}\n"
        );
    }
    text += "{\"Response\":{\"Error\":{\"Code\":\"Short\"}}}\n";
    let out = run(
        &["-f", "json", "--group-by", "region"],
        Some(text.as_bytes()),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The report stays small: 256 bytes a code and a group.
    assert!(out.stdout.len() < 20_000, "{}", out.stdout.len());
    let r = out.json();
    let codes = r["codes"].as_array().unwrap();
    assert_eq!(codes.len(), 2);
    assert_eq!(codes[0]["code"].as_str().unwrap(), &head[..256]);
    assert_eq!(codes[0]["count"], 20);
    assert_eq!(codes[0]["group"].as_str().unwrap(), "r".repeat(256));
    assert_eq!(r["totals"]["codes_cut"], 20);
    assert_eq!(r["totals"]["groups_cut"], 20);
    assert_eq!(r["totals"]["errors"], 21);
    let table = run(&["-f", "table"], Some(text.as_bytes()));
    assert!(table.stdout.contains("codes cut 20"), "{}", table.stdout);
}
