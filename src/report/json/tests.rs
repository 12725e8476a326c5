use std::borrow::Cow;

use super::*;
use crate::catalog::{Catalog, Lang};
use crate::record::Record;
use crate::stats::{Aggregation, GroupBy, Pos, Stats};

/// Codes a log can hold once its strings are decoded: quotes, backslashes, control
/// bytes, text past ASCII, the empty name.
const CODES: &[&str] = &[
    "AuthFailure.SignatureFailure",
    "Quote\"d",
    "Back\\slash",
    "Tab\tNew\nline\u{1}\u{1f}",
    "인증 실패.错误",
    "",
    "LimitExceeded",
];

/// An aggregate whose buckets hold every code, some buckets one code, with `bucket`.
fn stats(bucket: Option<i64>) -> Stats {
    stats_split(bucket, None)
}

/// `stats`, split by region (regions named like the codes, one record in five without).
fn stats_split(bucket: Option<i64>, group_by: Option<GroupBy>) -> Stats {
    let mut s = Stats::new(Aggregation {
        bucket,
        auto_bucket: false,
        samples: 2,
        group_by,
        max_codes: 10_000,
        bucket_offset_ms: 0,
    });
    for i in 0..200u64 {
        let t = 1_764_151_200_000 + (i as i64) * 7_919;
        let code = (i % 3 != 0).then(|| CODES[(i * i % 7) as usize]);
        let r = Record {
            code: code.map(Cow::Borrowed),
            request_id: Some(Cow::Owned(format!("id-{i}"))),
            message: code.map(|_| Cow::Borrowed("msg \"x\"")),
            time: (i % 11 != 0).then_some(t),
            region: (i % 5 != 0).then(|| Cow::Borrowed(CODES[(i % 7) as usize])),
            latency_ms: Some(i as f64 / 4.0),
            ..Record::default()
        };
        let pos = Pos {
            source: 0,
            chunk: 0,
            line: i,
        };
        s.add_response(pos, &r);
    }
    s
}

fn rendered(r: &Report<'_>, with: &dyn Render) -> String {
    let mut out = Vec::new();
    with.render(r, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn the_document_is_what_serde_writes() {
    let catalog = Catalog::builtin();
    for bucket in [Some(60_000), Some(1), Some(3_600_000), None] {
        let s = stats(bucket);
        let r = Report::build(&s, &["log".into()], Vec::new(), &catalog, Lang::En, None);
        let doc = Document::of(&r);
        let pretty = serde_json::to_string_pretty(&doc).unwrap() + "\n";
        let compact = serde_json::to_string(&doc).unwrap() + "\n";
        assert_eq!(rendered(&r, &Json { compact: false }), pretty, "{bucket:?}");
        assert_eq!(rendered(&r, &Json { compact: true }), compact, "{bucket:?}");
        if bucket.is_some() {
            assert!(pretty.contains("\"Quote\\\"d\": "), "{pretty}");
        }
    }
}

#[test]
fn a_grouped_document_is_what_serde_writes() {
    let catalog = Catalog::builtin();
    for (split, by) in [
        (Some(GroupBy::Region), GroupBy::Region),
        (None, GroupBy::Fault),
    ] {
        let s = stats_split(Some(60_000), split);
        let r = Report::build(
            &s,
            &["log".into()],
            Vec::new(),
            &catalog,
            Lang::En,
            Some(by),
        );
        let doc = Document::of(&r);
        let pretty = serde_json::to_string_pretty(&doc).unwrap() + "\n";
        let compact = serde_json::to_string(&doc).unwrap() + "\n";
        assert_eq!(rendered(&r, &Json { compact: false }), pretty, "{by:?}");
        assert_eq!(rendered(&r, &Json { compact: true }), compact, "{by:?}");
        assert!(pretty.contains("\"groups\": ["), "{pretty}");
        let mut expected = Vec::new();
        for b in &r.buckets.as_ref().unwrap().1 {
            line(&mut expected, "bucket", Bucket::of(b, true, None)).unwrap();
        }
        let all = rendered(&r, &Ndjson);
        let lines: Vec<&str> = all
            .lines()
            .filter(|l| l.contains("\"type\":\"bucket\""))
            .collect();
        assert_eq!(
            lines.join("\n") + "\n",
            String::from_utf8(expected).unwrap()
        );
    }
}

#[test]
fn bucket_lines_are_what_serde_writes() {
    let catalog = Catalog::builtin();
    for bucket in [Some(60_000), Some(1)] {
        let s = stats(bucket);
        let r = Report::build(&s, &["log".into()], Vec::new(), &catalog, Lang::En, None);
        let mut expected = Vec::new();
        for b in &r.buckets.as_ref().unwrap().1 {
            line(&mut expected, "bucket", Bucket::of(b, false, None)).unwrap();
        }
        let expected = String::from_utf8(expected).unwrap();
        let all = rendered(&r, &Ndjson);
        let lines: Vec<&str> = all
            .lines()
            .filter(|l| l.contains("\"type\":\"bucket\""))
            .collect();
        assert_eq!(lines.join("\n") + "\n", expected);
        assert!(expected.lines().count() > 10);
    }
}

#[test]
fn an_empty_report_is_what_serde_writes() {
    let catalog = Catalog::builtin();
    let s = Stats::new(Aggregation {
        bucket: Some(60_000),
        auto_bucket: false,
        samples: 2,
        group_by: None,
        max_codes: 10_000,
        bucket_offset_ms: 0,
    });
    let r = Report::build(&s, &[], Vec::new(), &catalog, Lang::En, None);
    let doc = Document::of(&r);
    let pretty = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    assert_eq!(rendered(&r, &Json { compact: false }), pretty);
    assert!(pretty.contains("\"buckets\": []"), "{pretty}");
}
