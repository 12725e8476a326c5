//! The fast extractor against its exact twin (serde_json): the same lines, adversarial ones
//! included, must give the same answers. Where the fast path answers at all, its answer
//! must equal the exact one; and on realistic logs it must answer almost always.

mod common;

use errstat::loggen::{Options, generate};
use errstat::record::{Extractor, Keys, Line, Route, classify_exact};
use proptest::prelude::*;

/// Checks one line: the full extractor, and each of the fast path's walks where it
/// answers, must equal the exact extractor. Says whether the fast path answered.
fn check(line: &[u8], keys: &Keys) -> bool {
    let mut ex = Extractor::new(keys);
    let exact = classify_exact(line, keys);
    let both = ex.classify(line);
    assert_eq!(both, exact, "line {:?}", String::from_utf8_lossy(line));
    let mut answered = false;
    for path in [Route::Any, Route::Indexed, Route::Scanned] {
        if let Some(fast) = ex.fast_by(path, line) {
            assert_eq!(
                fast,
                exact,
                "{path:?} walk on {:?}",
                String::from_utf8_lossy(line)
            );
            answered |= path == Route::Any;
        }
    }
    answered
}

/// Checks a line with an extractor that has read the lines before it, so that it may read
/// this one by a kept shape: its answer, and the shape path's where it answers, must equal
/// the exact one. Says whether a kept shape answered.
fn check_after(ex: &mut Extractor, line: &[u8], keys: &Keys) -> bool {
    let exact = classify_exact(line, keys);
    let shaped = ex.fast_by(Route::Shaped, line);
    if let Some(shaped) = &shaped {
        assert_eq!(
            shaped,
            &exact,
            "shape path on {:?}",
            String::from_utf8_lossy(line)
        );
    }
    assert_eq!(
        ex.classify(line),
        exact,
        "after earlier lines: {:?}",
        String::from_utf8_lossy(line)
    );
    shaped.is_some()
}

#[test]
fn fixture_lines_agree() {
    let keys = Keys::default();
    for name in [
        "bare.jsonl",
        "envelope.jsonl",
        "text-prefix.log",
        "cloudaudit.jsonl",
        "mixed.jsonl",
        "adversarial.jsonl",
    ] {
        let bytes = std::fs::read(common::fixture(name)).unwrap();
        let mut ex = Extractor::new(&keys);
        for line in bytes.split(|b| *b == b'\n') {
            check(line, &keys);
            check_after(&mut ex, line, &keys);
        }
    }
}

/// `--assume-tz`: both extractors read a time without an offset in the zone, the same way,
/// in every written form, a prefix's and an SDK line's too, across changes of offset
/// (New York's summer time starts at 02:00 on 2026-03-08, a gap, and ends at 02:00 on
/// 2026-11-01, a fold).
#[test]
fn times_without_an_offset_agree_in_any_assumed_zone() {
    let times = [
        "2026-11-26T10:00:00",
        "2026-11-26T10:00:00.25",
        "2026-11-26 10:00:00.123456",
        "2026-11-26 23",
        "2026-11-26",
        "2026-11-26T10:00",
        "2026-11-26T10:00:00Z",
        "2026-11-26T10:00:00+08:00",
        "2026-03-08T02:30:00",
        "2026-03-08T01:59:59.999",
        "2026-11-01T01:30:00",
        "2026-11-01T00:59:00",
        "0000-01-01T00:00:00",
        "9999-12-31T23:59:59.999",
    ];
    for zone in ["UTC", "+09:00", "-05:30", "Asia/Seoul", "America/New_York"] {
        let keys = Keys {
            assume_tz: errstat::time::Zone::parse(zone).unwrap(),
            ..Keys::default()
        };
        let mut ex = Extractor::new(&keys);
        for t in times {
            let lines = [
                format!(r#"{{"ts":"{t}","Response":{{"Error":{{"Code":"A"}},"RequestId":"r"}}}}"#),
                format!(r#"{t} INFO {{"Response":{{"Error":{{"Code":"A"}},"RequestId":"r"}}}}"#),
                format!(r#"[{t}] {{"Response":{{"RequestId":"r"}}}}"#),
                format!(r#"{t} ERROR [TencentCloudSDKError] Code=A, Message=m, RequestId=r"#),
            ];
            for line in &lines {
                check(line.as_bytes(), &keys);
                check_after(&mut ex, line.as_bytes(), &keys);
                check_after(&mut ex, line.as_bytes(), &keys);
            }
        }
    }
}

#[test]
fn generated_lines_agree_and_mostly_take_the_fast_path() {
    let mut bytes = Vec::new();
    generate(
        &Options {
            bytes: 3 << 20,
            ..Options::default()
        },
        &mut bytes,
    )
    .unwrap();
    let keys = Keys::default();
    let mut ex = Extractor::new(&keys);
    let mut shaped_ex = Extractor::new(&keys);
    let (mut fast, mut indexed, mut shaped, mut all) = (0, 0, 0, 0);
    for line in bytes.split(|b| *b == b'\n').filter(|l| l.contains(&b'{')) {
        all += 1;
        fast += check(line, &keys) as usize;
        indexed += ex.fast_by(Route::Indexed, line).is_some() as usize;
        shaped += check_after(&mut shaped_ex, line, &keys) as usize;
    }
    assert!(all > 5_000);
    assert_eq!(
        fast, all,
        "every generated JSON line is within the fast path's reach"
    );
    assert_eq!(indexed, all, "and none needs the byte-by-byte walk");
    // The generator's lines come in a few layouts: all but the lines before each layout
    // is learned are read by a kept shape.
    assert!(
        shaped > all - all / 100,
        "{shaped} of {all} read by a kept shape"
    );
}

/// The index works in 64-byte blocks and carries state across them: put every kind of
/// token, a scalar and white space at every offset of a block boundary.
#[test]
fn tokens_at_every_block_offset_agree() {
    let keys = Keys::default();
    let mut ex = Extractor::new(&keys);
    let bodies = [
        r#""ts":"2026-11-26T10:00:00Z","latency_ms":12.5,"Response":{"Error":{"Code":"A.B","Message":"中文 {x:[1]}"},"RequestId":"r"}"#,
        r#""n":[true,false,null,-0.5,{"a":{}}] , "Response" : {"Error":{"Code":"C"}}"#,
        r#""latency_ms":7 ,"Response":{"Error":null,"RequestId":null}"#,
    ];
    let broken = [
        r#""Response":{"Error":{"Code":"A"}},"x":tru"#,
        r#""Response":{"Error":{"Code":"A"}},"x":1 2"#,
        r#""Response":{"Error":{"Code":"A"}},"x":"a""b""#,
        r#""Response":{"Error":{"Code":"A"}},"x":"open"#,
        r#""Response":{"Error":{"Code":"A"}},"x":[1,]"#,
        r#""Response":{"Error":{"Code":"A"}},"x":1}"#,
    ];
    let mut answered = 0;
    for pad in 0..140 {
        for body in bodies {
            let line = format!(r#"{{"p":"{}",{body}}}"#, "x".repeat(pad));
            check(line.as_bytes(), &keys);
            answered += ex.fast_by(Route::Indexed, line.as_bytes()).is_some() as usize;
            let spaced = format!(r#"{{{}"p":1,{body}}}"#, " ".repeat(pad));
            check(spaced.as_bytes(), &keys);
        }
        for body in broken {
            let line = format!(r#"{{"p":"{}",{body}}}"#, "x".repeat(pad));
            check(line.as_bytes(), &keys);
            assert!(matches!(
                classify_exact(line.as_bytes(), &keys),
                Line::Malformed(_)
            ));
        }
    }
    assert_eq!(answered, 140 * bodies.len());
}

#[test]
fn hand_picked_edge_cases_agree() {
    let keys = Keys::default();
    let cases: &[&str] = &[
        r#"{"Response":{"Error":{"Code":"A","Code":"B"}}}"#,
        r#"{"Response":{"Error":{"Code":9003}}}"#,
        r#"{"Response":{"Error":{"Code":-0}}}"#,
        r#"{"Response":{"Error":{"Code":1e3}}}"#,
        r#"{"Response":{"Error":{"Code":"Auth\u0046ailure"}}}"#,
        r#"{"Response":{"Error":{"Code":"\ud83d\ude00"}}}"#,
        r#"{"Response":{"Error":{"Code":"\udc00"}}}"#,
        r#"{"Respons\u0065":{"Error":{"Code":"X"}}}"#,
        r#"{"a":{"Response":{"Error":{"Code":"X"}}},"a":1}"#,
        r#"{"a":{"Response":1},"b":{"Response":{"Error":{"Code":"Y"}}}}"#,
        r#"{"ts":{"Response":{"Error":{"Code":"X"}}}}"#,
        r#"{"requestID":{"Response":{"Error":{"Code":"X"}}}}"#,
        r#"{"eventTime":"2026-11-26 10:00:00","apiErrorCode":-0}"#,
        r#"{"eventTime":"2026-11-26 10:00:00","apiErrorCode":0.0}"#,
        r#"{"eventTime":{"x":1},"apiErrorCode":"E","eventName":{"Response":{}}}"#,
        r#"{"ts":1764151200.123456789,"latency_ms":0.1,"Response":{}}"#,
        r#"{"ts":-0,"latency_ms":-0,"Response":{}}"#,
        r#"{"ts":123456789012345678901234,"Response":{}}"#,
        r#"{"latency_ms":-5,"duration_ms":7,"Response":{}}"#,
        r#"{"Response":{"Error":{"Code":"X","Message":"a\"b\\c\/d\b\f\n\r\t\u00e9\u4e2d"}}}"#,
        r#"{"Response":{"Error":{"Code":"X","Message":"tab	inside"}}}"#,
        r#"{"Response":{"Error":{"Code":"X"}},"x":01}"#,
        r#"{"Response":{"Error":{"Code":"X"}},"x":1.}"#,
        r#"{"Response":{"Error":{"Code":"X"}},"x":-}"#,
        r#"{"Response":{"Error":{"Code":"X"}},"x":[1,2,]}"#,
        r#"{"Response":{"Error":{"Code":"X"}},"x":tru}"#,
        r#"{"Response":{"Error":{"Code":"X"}}}}"#,
        r#"{"Response":{"Error":{"Code":"X"}}} "#,
        r#"{ "Response" : { "Error" : { "Code" : "X" } } }"#,
        r#"{"Response":{"Error":{"Code":"X"},"Error":{"Code":"Y"}}}"#,
        r#"{"Response":{"RequestId":"a","RequestId":null}}"#,
        r#"{"ts":"2026-11-26T10:00:00Z","ts":"x","Response":{}}"#,
        r#"{"Response":{},"Response":{"Error":{"Code":"X"}}}"#,
        r#"{"eventTime":"2026-11-26 10:00:00","apiErrorCode":"E","apiErrorCode":"F"}"#,
        r#"{"response":{"Response":{}},"action":"a","response":1}"#,
        r#"{"action":"a","region":"r","service":"s","action":"b","Response":{}}"#,
        r#"{"x":"\x"}"#,
        r#"{"x":"\u12G4"}"#,
        r#"{"x":"\u+123"}"#,
    ];
    for c in cases {
        check(c.as_bytes(), &keys);
    }
    let deep = format!(
        "{}{}",
        "{\"a\":".repeat(150),
        "1".to_string() + &"}".repeat(150)
    );
    check(deep.as_bytes(), &keys);
    let ok_deep = format!(
        "{{\"Response\":{{}},\"d\":{}1{}}}",
        "[".repeat(90),
        "]".repeat(90)
    );
    check(ok_deep.as_bytes(), &keys);
}

/// A line read by a kept shape must be answered as the exact path answers it, whatever its
/// values: each group's first line is kept (and read again by its shape), then each of the
/// others is read after it.
#[test]
fn kept_shapes_read_other_values_as_the_exact_path_does() {
    let groups: &[&[&[u8]]] = &[
        // A scalar of another kind: a numeric code is the exact path's.
        &[
            br#"{"Response":{"Error":{"Code":null}}}"#,
            br#"{"Response":{"Error":{"Code":9003}}}"#,
            br#"{"Response":{"Error":{"Code":-0}}}"#,
            br#"{"Response":{"Error":{"Code":true}}}"#,
        ],
        &[
            br#"{"eventTime":"2026-11-26 10:00:00","apiErrorCode":null}"#,
            br#"{"eventTime":"2026-11-26 10:00:00","apiErrorCode":9003}"#,
            br#"{"eventTime":"2026-11-26 10:00:00","apiErrorCode":0}"#,
        ],
        &[
            br#"{"ts":null,"latency_ms":false,"Response":{}}"#,
            br#"{"ts":1764151200,"latency_ms":12.5,"Response":{}}"#,
            br#"{"ts":1764151200123,"latency_ms":-0,"Response":{}}"#,
        ],
        &[
            br#"{"ts":1764151200,"latency_ms":12.5,"Response":{}}"#,
            br#"{"ts":true,"latency_ms":null,"Response":{}}"#,
            br#"{"ts":01,"latency_ms":1.,"Response":{}}"#,
            br#"{"ts":1e3,"latency_ms":-,"Response":{}}"#,
            br#"{"ts":12345678901234567890123456,"latency_ms":7,"Response":{}}"#,
            br#"{"ts":1 2,"latency_ms":7,"Response":{}}"#,
            br#"{"ts":1764151200 ,"latency_ms":7  ,"Response":{}}"#,
        ],
        // Strings: escapes, control bytes, quotes, bytes past ASCII, valid or not.
        &[
            br#"{"Response":{"Error":{"Code":"A","Message":"m"},"RequestId":"r"}}"#,
            br#"{"Response":{"Error":{"Code":"\u0041","Message":"m"},"RequestId":"r"}}"#,
            br#"{"Response":{"Error":{"Code":"A\"B","Message":"m"},"RequestId":"r"}}"#,
            br#"{"Response":{"Error":{"Code":"A\\","Message":"m"},"RequestId":"r"}}"#,
            b"{\"Response\":{\"Error\":{\"Code\":\"A\tB\",\"Message\":\"m\"},\"RequestId\":\"r\"}}",
            "{\"Response\":{\"Error\":{\"Code\":\"中文\",\"Message\":\"é\"},\"RequestId\":\"r\"}}"
                .as_bytes(),
            b"{\"Response\":{\"Error\":{\"Code\":\"\xff\",\"Message\":\"m\"},\"RequestId\":\"r\"}}",
            b"{\"Response\":{\"Error\":{\"Code\":\"A\",\"Message\":\"\xe4\xb8\"},\"RequestId\":\"r\"}}",
            br#"{"Response":{"Error":{"Code":"","Message":"m"},"RequestId":"r"}}"#,
            br#"{"Response":{"Error":{"Code":"A","Message":"m"},"RequestId":"r"#,
        ],
        // Other text around the same values.
        &[
            br#"{"Response":{"RequestId":"r"}}"#,
            br#"{"Response":{"RequestId":"r"}} "#,
            br#"{"Response":{"RequestId":"r"}}}"#,
            br#"{"Response":{"RequestId":"r"}} x"#,
            br#"{"Response":{"RequestId":"r"} }"#,
            br#"{"Response":{"RequestId":"r"}"#,
            br#"{"Response":{"RequestId":"r","RequestId":"s"}}"#,
            br#"{"Response":{"RequestId":"r"},"Response":{}}"#,
            br#"{"Response":{"RequestId":1}}"#,
            br#"{"Response":{"RequestId":{}}}"#,
        ],
    ];
    let keys = Keys::default();
    for group in groups {
        let mut ex = Extractor::new(&keys);
        let (first, rest) = group.split_first().unwrap();
        check_after(&mut ex, first, &keys);
        assert!(
            check_after(&mut ex, first, &keys),
            "{:?} is read by its kept shape the second time",
            String::from_utf8_lossy(first)
        );
        for line in rest {
            check_after(&mut ex, line, &keys);
            check_after(&mut ex, first, &keys);
        }
    }
}

/// Random JSON-ish text built from the keys and values errstat cares about.
fn json_value(depth: u32) -> BoxedStrategy<String> {
    let key = prop_oneof![
        Just("Response"),
        Just("Error"),
        Just("Code"),
        Just("Message"),
        Just("RequestId"),
        Just("ts"),
        Just("time"),
        Just("action"),
        Just("region"),
        Just("service"),
        Just("latency_ms"),
        Just("eventTime"),
        Just("apiErrorCode"),
        Just("requestID"),
        Just("eventName"),
        Just("data"),
        Just("x"),
        Just("Respons\\u0065"),
        Just("Co\\\"de"),
    ];
    let leaf = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("0".to_string()),
        Just("-0".to_string()),
        Just("9003".to_string()),
        Just("1.5".to_string()),
        Just("2e3".to_string()),
        Just("1764151200".to_string()),
        Just("1764151200123".to_string()),
        Just("\"\"".to_string()),
        Just("\"0\"".to_string()),
        Just("\"2026-11-26T10:00:00Z\"".to_string()),
        Just("\"2026-11-26 10:00:00.5\"".to_string()),
        Just("\"AuthFailure.SignatureFailure\"".to_string()),
        Just("\"In\\u0074ernalError\"".to_string()),
        Just("\"quote \\\" and \\\\ and \\n\"".to_string()),
        Just("\"\\ud83d\\ude00 emoji\"".to_string()),
        Just("\"중국어 中文\"".to_string()),
        "[a-zA-Z0-9 .]{0,8}".prop_map(|s| format!("\"{s}\"")),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    let inner = json_value(depth - 1);
    prop_oneof![
        3 => leaf,
        3 => prop::collection::vec((key, inner.clone(), " ?"), 0..5).prop_map(|members| {
            let body: Vec<String> =
                members.into_iter().map(|(k, v, sp)| format!("\"{k}\":{sp}{v}")).collect();
            format!("{{{}}}", body.join(","))
        }),
        1 => prop::collection::vec(inner, 0..3).prop_map(|v| format!("[{}]", v.join(","))),
    ]
    .boxed()
}

/// A layout: JSON text with `\u{1}` where a value goes; an object's keys are distinct,
/// some of them ones errstat looks for.
fn layout(depth: u32) -> BoxedStrategy<String> {
    // No key with an escape: such a line is not indexed, so its shape is never kept.
    const KEYS: [&str; 13] = [
        "Response",
        "Error",
        "Code",
        "Message",
        "RequestId",
        "ts",
        "latency_ms",
        "action",
        "eventTime",
        "apiErrorCode",
        "requestID",
        "x",
        "y",
    ];
    let inner = if depth == 0 {
        Just("\u{1}".to_string()).boxed()
    } else {
        layout(depth - 1)
    };
    let value = prop_oneof![
        2 => Just("\u{1}".to_string()),
        3 => inner.clone(),
        1 => prop::collection::vec(inner.clone(), 0..3).prop_map(|v| format!("[{}]", v.join(","))),
    ];
    (
        prop::sample::subsequence(KEYS.to_vec(), 0..=4),
        prop::collection::vec(value, 4),
    )
        .prop_map(|(keys, values)| {
            let body: Vec<String> = keys
                .iter()
                .zip(values)
                .map(|(k, v)| format!("\"{k}\":{v}"))
                .collect();
            format!("{{{}}}", body.join(","))
        })
        .boxed()
}

/// A valid value for a layout's hole.
fn valid_value() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        r#""x""#,
        r#""""#,
        r#""AuthFailure.SignatureFailure""#,
        r#""2026-11-26T10:00:00Z""#,
        r#""中文""#,
        r#""0""#,
        "0",
        "-0",
        "1.5",
        "9003",
        "1764151200",
        "1764151200123",
        "-12.5",
        "0.001",
        // 17 digits: more than a kept shape's digits give (its value is read from the text).
        "12345678.901234567",
        "true",
        "false",
        "null",
        "{}",
        r#"{"Code":"X"}"#,
        "[]",
        "[1]",
    ])
}

/// A value for a layout's hole: of any kind, valid or not.
fn sibling_value() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        6 => valid_value(),
        1 => prop::sample::select(vec![
            r#""a\"b""#, r#""\u0041""#, r#""tab	""#, r#""open"#, "01", "1.", "-", "1e3",
            "2E-1", "123456789012345678901234567", "12 ", " 7", "tru", "nul", "[1,]", "",
            r#""x":1"#, "1}", "]", r#""a" "b""#, "1 2",
        ]),
    ]
}

/// Fills a layout's holes with values, in turn.
fn fill(layout: &str, values: &[&str], spaced: bool) -> String {
    let mut v = values.iter().cycle();
    let mut out = String::new();
    for c in layout.chars() {
        match c {
            '\u{1}' => out.push_str(v.next().unwrap_or(&"1")),
            ',' | ':' if spaced => {
                out.push(c);
                out.push(' ');
            }
            c => out.push(c),
        }
    }
    out
}

fn json_object() -> impl Strategy<Value = String> {
    json_value(4).prop_filter_map("an object", |v| v.starts_with('{').then_some(v))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn random_objects_agree(obj in json_object(), prefix in prop_oneof![Just(""), Just("2026-11-26T10:00:00Z INFO "), Just("x ")]) {
        check(format!("{prefix}{obj}").as_bytes(), &Keys::default());
    }

    #[test]
    fn mutated_objects_agree(obj in json_object(), at in any::<prop::sample::Index>(), byte in any::<u8>(), how in 0..3u8) {
        let mut bytes = obj.into_bytes();
        let i = at.index(bytes.len() + 1);
        match how {
            0 => bytes.truncate(i),
            1 => bytes.insert(i, byte),
            _ => { if i < bytes.len() { bytes.remove(i); } }
        }
        check(&bytes, &Keys::default());
    }

    /// A line read after its unmutated self (whose shape is kept by then).
    #[test]
    fn mutated_objects_agree_after_the_original(obj in json_object(), at in any::<prop::sample::Index>(), byte in any::<u8>(), how in 0..3u8) {
        let keys = Keys::default();
        let mut ex = Extractor::new(&keys);
        check_after(&mut ex, obj.as_bytes(), &keys);
        check_after(&mut ex, obj.as_bytes(), &keys);
        let mut bytes = obj.into_bytes();
        let i = at.index(bytes.len() + 1);
        match how {
            0 => bytes.truncate(i),
            1 => bytes.insert(i, byte),
            _ => { if i < bytes.len() { bytes[i] = byte; } }
        }
        check_after(&mut ex, &bytes, &keys);
    }

    /// Lines of one layout with other values, of any kind, valid or not, after a line with
    /// valid ones: each is read after the others, by a kept shape where one matches.
    #[test]
    fn same_layout_other_values_agree(
        layout in layout(3),
        first in prop::collection::vec(valid_value(), 12),
        fills in prop::collection::vec(prop::collection::vec(sibling_value(), 12), 1..4),
        spaced in any::<bool>(),
    ) {
        let keys = Keys::default();
        let mut ex = Extractor::new(&keys);
        let lines: Vec<String> = std::iter::once(&first)
            .chain(&fills)
            .map(|values| fill(&layout, values, spaced))
            .collect();
        for _ in 0..2 {
            for line in &lines {
                check_after(&mut ex, line.as_bytes(), &keys);
            }
        }
    }

    /// Lines of one layout (valid values, then others of any kind) one after another in a
    /// buffer, each ended by `\n` or `\r\n` with or without more bytes before it, read with
    /// `classify_next`, which reads a line by a kept shape without searching for its end
    /// first: each must end where its `\n` is and read as the exact path reads it alone,
    /// and a line longer than the limit must be too long.
    #[test]
    fn lines_read_from_a_buffer_end_at_their_newline_and_agree(
        layout in layout(3),
        first in prop::collection::vec(valid_value(), 12),
        fills in prop::collection::vec(prop::collection::vec(sibling_value(), 12), 1..4),
        ends in prop::collection::vec(
            prop::sample::select(vec!["", " ", "\r", "\r\r", " \r", "x", "}", "\t", "\r ", "{}"]),
            8,
        ),
        crlf in prop::collection::vec(any::<bool>(), 8),
        max_line in prop_oneof![Just(usize::MAX), 0..300usize],
    ) {
        let keys = Keys::default();
        let mut ex = Extractor::new(&keys);
        let mut lines: Vec<String> = Vec::new();
        for (i, values) in std::iter::once(&first).chain(&fills).chain(&fills).enumerate() {
            let mut line = fill(&layout, values, false);
            line += ends[i % ends.len()];
            if crlf[i % crlf.len()] {
                line += "\r";
            }
            lines.push(line.clone());
            // The same line again with a plain end, so that the next is read by its shape.
            lines.push(fill(&layout, values, false));
        }
        lines.push(String::new());
        let buffer = lines.join("\n");
        let data = buffer.as_bytes();
        let mut at = 0;
        for line in &lines {
            let mut slot = Line::Blank;
            let len = ex.classify_next(&data[at..], max_line, &mut slot);
            prop_assert_eq!(len, line.len(), "{:?}", line);
            let want = if len > max_line {
                Line::Malformed(errstat::record::Malformed::TooLong)
            } else {
                classify_exact(line.as_bytes(), &keys)
            };
            prop_assert_eq!(slot, want, "{:?}", line);
            at += len + 1;
        }
    }

    #[test]
    fn arbitrary_bytes_agree(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let mut line = b"{".to_vec();
        line.extend(bytes.into_iter().filter(|b| *b != b'\n'));
        check(&line, &Keys::default());
    }
}

#[test]
fn the_fast_path_hands_over_when_unsure_and_answers_when_sure() {
    let keys = Keys::default();
    let mut ex = Extractor::new(&keys);
    assert!(
        ex.fast_by(Route::Any, br#"{"Response":{"Error":{"Code":9003}}}"#)
            .is_none()
    );
    assert!(
        ex.fast_by(Route::Any, br#"{"Response":{"Error":{"Code":"X"}}"#)
            .is_none()
    );
    let line = br#"{"Response":{"Error":{"Code":"X","Message":"\u4e2d"}}}"#;
    assert!(matches!(
        ex.fast_by(Route::Any, line),
        Some(Line::Response(_))
    ));
    // A key in two lists, or a response path: the exact path's.
    let twice = Keys {
        action: vec!["ts".into()],
        ..Keys::default()
    };
    assert!(
        Extractor::new(&twice)
            .fast_by(Route::Any, br#"{"ts":"x","Response":{}}"#)
            .is_none()
    );
    check(br#"{"ts":"x","Response":{}}"#, &twice);
}

/// Loggers' lines with SDK error strings (SPEC §1.9): every way in gives the exact answer,
/// twice over so that the second read may go by a kept shape, and each is an error.
#[test]
fn sdk_strings_read_alike_on_every_path() {
    let keys = Keys::default();
    let log = std::fs::read(common::fixture("sdk.log")).unwrap();
    let mut kept = Extractor::new(&keys);
    let mut errors = 0;
    for _ in 0..2 {
        for line in log.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            check(line, &keys);
            check_after(&mut kept, line, &keys);
            if let Line::Response(r) = classify_exact(line, &keys) {
                assert!(r.code.is_some() && r.sdk.is_some(), "{r:?}");
                errors += 1;
            }
        }
    }
    assert_eq!(errors, 2 * 29);
}
