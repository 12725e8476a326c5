use super::*;

fn all(line: &str) -> Vec<(&str, String, bool)> {
    pairs(line)
        .map(|p| (p.key, p.value.into_owned(), p.quoted))
        .collect()
}

fn kv(line: &str) -> Vec<(&str, String)> {
    pairs(line).map(|p| (p.key, p.value.into_owned())).collect()
}

#[test]
fn logrus_and_slog_lines() {
    let line = r#"time="2024-01-02T03:04:05+08:00" level=error msg="call failed" error="[TencentCloudSDKError] Code=AuthFailure, Message=a \"b\", c=d, RequestId=r-1" action=DescribeInstances"#;
    assert_eq!(
        kv(line),
        [
            ("time", "2024-01-02T03:04:05+08:00".into()),
            ("level", "error".into()),
            ("msg", "call failed".into()),
            (
                "error",
                r#"[TencentCloudSDKError] Code=AuthFailure, Message=a "b", c=d, RequestId=r-1"#
                    .into()
            ),
            ("action", "DescribeInstances".into()),
        ]
    );
}

#[test]
fn values_borrow_unless_escaped() {
    let mut it = pairs(r#"a=1 b="two words" c="x\ny""#);
    assert!(matches!(it.next().unwrap().value, Cow::Borrowed("1")));
    assert!(matches!(
        it.next().unwrap().value,
        Cow::Borrowed("two words")
    ));
    let c = it.next().unwrap();
    assert!(matches!(c.value, Cow::Owned(_)));
    assert_eq!(c.value, "x\ny");
    assert_eq!(it.next(), None);
}

#[test]
fn escapes_decode_as_go_quotes_them() {
    assert_eq!(
        kv(r#"m="q\"b\\s\t\r\n\x1b\u00e9\U0001F600\/""#),
        [("m", "q\"b\\s\t\r\n\u{1b}é😀/".into())]
    );
    // Unknown or cut escapes stay as written.
    assert_eq!(kv(r#"m="a\qb\x4""#), [("m", "a\\qb\\x4".into())]);
    assert_eq!(kv(r#"m="\uD800\xff""#), [("m", "\u{fffd}\u{fffd}".into())]);
    assert_eq!(kv(r#"m="end\"#), [("m", "end\\".into())]);
}

#[test]
fn empty_bare_and_unclosed_values() {
    assert_eq!(
        all(r#"a= b="" c d="open value"#),
        [
            ("a", String::new(), false),
            ("b", String::new(), true),
            ("c", String::new(), false),
            ("d", "open value".into(), true),
        ]
    );
}

#[test]
fn stray_text_is_stepped_over() {
    assert_eq!(
        kv(r#"  =x "quoted = text" k=v ="q w" z=1=2 u="a"b"#),
        [
            ("k", "v".into()),
            ("z", "1=2".into()),
            ("u", "a".into()),
            ("b", String::new())
        ]
    );
    assert_eq!(kv(""), []);
    assert_eq!(kv(" \t "), []);
    assert_eq!(
        kv("just some words"),
        [
            ("just", String::new()),
            ("some", String::new()),
            ("words", String::new())
        ]
    );
}

#[test]
fn unicode_keys_and_values() {
    assert_eq!(
        kv("키=값 é=\"ü\""),
        [("키", "값".into()), ("é", "ü".into())]
    );
}

proptest::proptest! {
    #[test]
    fn any_text_walks_to_its_end(s in "\\PC{0,64}|[a-z =\"\\\\nxu0-9]{0,64}") {
        // Every pair's key is a piece of the line, and the walk ends.
        for pair in pairs(&s).take(s.len() + 1) {
            proptest::prop_assert!(!pair.key.is_empty());
            proptest::prop_assert!(s.contains(pair.key));
        }
        proptest::prop_assert!(pairs(&s).count() <= s.len());
    }

    #[test]
    fn quoted_values_round_trip(key in "[a-z_]{1,8}", value in "\\PC{0,32}") {
        let quoted = format!("{key}={value:?} next=1");
        // Rust's `{:?}` quotes as Go does for these: `\"`, `\\`, `\n`, `\u{…}` aside.
        proptest::prop_assume!(!quoted.contains("\\u{"));
        let got: Vec<_> = pairs(&quoted).collect();
        proptest::prop_assert_eq!(got.len(), 2);
        proptest::prop_assert_eq!(got[0].key, key.as_str());
        proptest::prop_assert_eq!(got[0].value.as_ref(), value.as_str());
        proptest::prop_assert_eq!(got[1].value.as_ref(), "1");
    }
}
