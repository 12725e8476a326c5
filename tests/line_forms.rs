//! Every line shape of SPEC §1, read from files, compressed files, directories and stdin,
//! checked against expected reports written by hand from the fixtures.

mod common;

use common::*;

#[test]
fn each_fixture_matches_its_expected_report() {
    for (file, name) in [
        ("bare.jsonl", "bare"),
        ("envelope.jsonl", "envelope"),
        ("text-prefix.log", "text-prefix"),
        ("cloudaudit.jsonl", "cloudaudit"),
        ("mixed.jsonl", "mixed"),
        ("adversarial.jsonl", "adversarial"),
        ("empty.jsonl", "empty"),
    ] {
        let path = fixture(file);
        let report = report(&[path.to_str().unwrap()]);
        assert_matches(&report, &expected(name));
    }
}

#[test]
fn compression_is_told_by_magic_bytes_not_the_name() {
    let dir = tempfile::tempdir().unwrap();
    for (file, neutral) in [
        ("envelope.jsonl.gz", "archive-a.log"),
        ("envelope.jsonl.zst", "archive-b.dat"),
    ] {
        let copy = dir.path().join(neutral);
        std::fs::copy(fixture(file), &copy).unwrap();
        let report = report(&[copy.to_str().unwrap()]);
        assert_matches(&report, &expected("envelope"));
    }
    // A plain file named .gz is read as plain text.
    let fake = dir.path().join("plain.gz");
    std::fs::copy(fixture("bare.jsonl"), &fake).unwrap();
    assert_matches(&report(&[fake.to_str().unwrap()]), &expected("bare"));
}

#[test]
fn multi_member_gzip_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let gz = std::fs::read(fixture("envelope.jsonl.gz")).unwrap();
    let twice = dir.path().join("twice.gz");
    std::fs::write(&twice, [gz.clone(), gz].concat()).unwrap();
    let report = report(&[twice.to_str().unwrap()]);
    assert_eq!(report["totals"]["responses"], 20);
    assert_eq!(code_row(&report, "RequestLimitExceeded")["count"], 6);
}

#[test]
fn stdin_by_dash_and_by_default() {
    let bytes = std::fs::read(fixture("mixed.jsonl")).unwrap();
    for args in [&["--format", "json", "-"][..], &["--format", "json"][..]] {
        let r = run(args, Some(&bytes));
        assert_eq!(r.code, 0, "{}", r.stderr);
        let report = r.json();
        assert_matches(&report, &expected("mixed"));
        assert_eq!(report["malformed_samples"][0]["source"], "<stdin>");
    }
    let gz = std::fs::read(fixture("envelope.jsonl.gz")).unwrap();
    let r = run(&["--format", "json"], Some(&gz));
    assert_matches(&r.json(), &expected("envelope"));
}

#[test]
fn directories_are_read_recursively_in_sorted_order() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("b-dir/inner");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::copy(fixture("mixed.jsonl"), dir.path().join("c.jsonl")).unwrap();
    std::fs::copy(fixture("bare.jsonl"), nested.join("x.jsonl")).unwrap();
    std::fs::copy(fixture("envelope.jsonl.zst"), dir.path().join("a.zst")).unwrap();
    let report = report(&[dir.path().to_str().unwrap()]);
    assert_eq!(report["totals"]["lines"], 10 + 8 + 12);
    assert_eq!(report["totals"]["errors"], 6 + 4 + 3);
    // Samples come in input order: a.zst, then b-dir/inner/x.jsonl, then c.jsonl.
    let auth = code_row(&report, "AuthFailure.SignatureFailure");
    assert_eq!(
        auth["request_ids"][0],
        "ed93f3cb-f35e-473f-b9f3-0d451b8b79c6"
    );
    let m = &report["malformed_samples"][0];
    assert!(m["source"].as_str().unwrap().ends_with("c.jsonl"), "{m}");
    assert_eq!(m["line"], 4);
}

#[test]
fn several_files_add_up() {
    let (a, b) = (fixture("bare.jsonl"), fixture("cloudaudit.jsonl"));
    let report = report(&[a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(report["totals"]["responses"], 13);
    assert_eq!(report["totals"]["errors"], 6);
    assert_eq!(code_row(&report, "InternalError")["count"], 2);
    assert_eq!(
        code_row(&report, "InternalError")["request_ids"],
        serde_json::json!(["req-4", "a-5"])
    );
}
