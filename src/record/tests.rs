use super::*;

fn line(s: &str) -> Line<'_> {
    classify_exact(s.as_bytes(), &Keys::default())
}

fn rec(s: &str) -> Record<'_> {
    match line(s) {
        Line::Response(r) => r,
        other => panic!("{s}: not a response but {other:?}"),
    }
}

fn code(s: &str) -> Option<String> {
    rec(s).code.map(|c| c.into_owned())
}

#[test]
fn blank_skipped_malformed() {
    assert_eq!(line(""), Line::Blank);
    assert_eq!(line(" \t\r"), Line::Blank);
    assert_eq!(line("hello world"), Line::Skipped);
    assert_eq!(line(r#"{"a":1}"#), Line::Skipped);
    assert_eq!(line(r#"{"a":1"#), Line::Malformed(Malformed::InvalidJson));
    assert_eq!(
        line(r#"{"a":1} x"#),
        Line::Malformed(Malformed::InvalidJson)
    );
    assert_eq!(
        line(r#"{"a":"\x"}"#),
        Line::Malformed(Malformed::InvalidJson)
    );
    assert_eq!(
        classify_exact(b"{\"a\":\"\xff\"}", &Keys::default()),
        Line::Malformed(Malformed::InvalidUtf8)
    );
    // Cut after a `}` in the middle: still not one object.
    assert_eq!(
        line(r#"{"Response":{"Error":{"Code":"X"}}"#),
        Line::Malformed(Malformed::InvalidJson)
    );
}

#[test]
fn deep_nesting_is_too_deep_without_touching_the_stack() {
    let deep = format!("{{\"a\":{}{}}}", "[".repeat(10_000), "]".repeat(10_000));
    assert_eq!(line(&deep), Line::Malformed(Malformed::TooDeep));
    // Unbalanced and deep: still an answer, never a stack overflow.
    let open = format!("{{\"a\":{}", "[".repeat(1_000_000));
    assert!(matches!(line(&open), Line::Malformed(_)));
    let ok = format!("{{\"a\":{}1{}}}", "[".repeat(100), "]".repeat(100));
    assert_eq!(line(&ok), Line::Skipped);
}

#[test]
fn bare_response_error_and_success() {
    let r = rec(
        r#"{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"bad sig"},"RequestId":"ed93"}}"#,
    );
    assert_eq!(r.code.as_deref(), Some("AuthFailure.SignatureFailure"));
    assert_eq!(r.message.as_deref(), Some("bad sig"));
    assert_eq!(r.request_id.as_deref(), Some("ed93"));
    let ok = rec(r#"{"Response":{"RequestId":"x","Data":{"Code":"Nope"}}}"#);
    assert_eq!(ok.code, None);
    assert!(!ok.empty_error);
}

#[test]
fn codes_escaped_numeric_and_key_order() {
    assert_eq!(
        code(r#"{"Response":{"Error":{"Code":"Auth\u0046ailure\u002eX"}}}"#).as_deref(),
        Some("AuthFailure.X")
    );
    assert_eq!(
        code(r#"{"Response":{"Error":{"Code":9003}}}"#).as_deref(),
        Some("9003")
    );
    assert_eq!(
        code(r#"{"Response":{"RequestId":"r","Error":{"Message":"m","Code":"A.B"}}}"#).as_deref(),
        Some("A.B")
    );
    assert_eq!(
        code(r#"{"Response":{"Error":{"Code":"FailedOperation.X."}}}"#).as_deref(),
        Some("FailedOperation.X.")
    );
}

#[test]
fn numbers_past_f64_are_json_and_integer_codes_keep_every_digit() {
    // Valid JSON however large or small the number: the line is what the rest says.
    for n in [
        "1e400",
        "-1e400",
        "1e-400",
        "123e999999999",
        &"9".repeat(400),
    ] {
        let s = format!(r#"{{"v":[{n}],"Response":{{"Error":{{"Code":"X"}}}}}}"#);
        assert_eq!(code(&s).as_deref(), Some("X"), "{s}");
    }
    // A time or a latency it cannot be: the next key's is taken.
    let r =
        rec(r#"{"ts":1e400,"time":1764151200,"latency_ms":1e400,"duration_ms":5,"Response":{}}"#);
    assert_eq!((r.time, r.latency_ms), (Some(1_764_151_200_000), Some(5.0)));
    // An integer code of any length is its text; other numbers are no code.
    let digits = "1234567890".repeat(10);
    for n in [
        digits.clone(),
        format!("-{digits}"),
        "18446744073709551616".into(),
        "-0".into(),
    ] {
        let s = format!(r#"{{"Response":{{"Error":{{"Code":{n},"Message":"m"}}}}}}"#);
        let r = rec(&s);
        assert_eq!(
            (r.code.as_deref(), r.message.as_deref()),
            (Some(n.as_str()), Some("m"))
        );
        let audit = format!(r#"{{"eventTime":"2026-11-26 10:00:00","apiErrorCode":{n}}}"#);
        assert_eq!(code(&audit).as_deref(), Some(n.as_str()), "{audit}");
    }
    for n in ["1e2", "1E400", "10.0", "1e-400"] {
        let s = format!(r#"{{"Response":{{"Error":{{"Code":{n}}}}}}}"#);
        let r = rec(&s);
        assert_eq!((r.code, r.empty_error), (None, true), "{s}");
    }
}

#[test]
fn empty_errors_are_successes() {
    for s in [
        r#"{"Response":{"Error":{"Code":"","Message":""}}}"#,
        r#"{"Response":{"Error":null}}"#,
        r#"{"Response":{"Error":{"Code":null}}}"#,
        r#"{"Response":{"Error":{"Message":"m"}}}"#,
        r#"{"Response":{"Error":{"Code":1.5}}}"#,
    ] {
        let r = rec(s);
        assert_eq!(r.code, None, "{s}");
        assert!(r.empty_error, "{s}");
    }
}

#[test]
fn error_elsewhere_is_data() {
    assert_eq!(
        line(r#"{"payload":{"x":{"Response":{"Error":{"Code":"X"}}}}}"#),
        Line::Skipped
    );
    assert_eq!(
        code(r#"{"Response":{"Data":{"Error":{"Code":"X"}}}}"#),
        None
    );
    assert_eq!(
        code(r#"{"Response":{"RequestId":"\"Error\":{\"Code\":\"X\"}"}}"#),
        None
    );
    assert_eq!(line(r#"{"Response":"Error"}"#), Line::Skipped);
    assert_eq!(line(r#"{"Response":null}"#), Line::Skipped);
}

#[test]
fn duplicate_keys_last_wins() {
    assert_eq!(
        code(r#"{"Response":{"Error":{"Code":"A","Code":"B"}}}"#).as_deref(),
        Some("B")
    );
    let r = rec(r#"{"Response":{"Error":{"Code":"A"},"Error":null}}"#);
    assert_eq!((r.code, r.empty_error), (None, true));
    assert_eq!(
        line(r#"{"e":{"Response":{"Error":{"Code":"A"}}},"e":1}"#),
        Line::Skipped
    );
}

#[test]
fn odd_request_ids() {
    assert_eq!(rec(r#"{"Response":{"RequestId":null}}"#).request_id, None);
    assert_eq!(
        rec(r#"{"Response":{"RequestId":""}}"#)
            .request_id
            .as_deref(),
        Some("")
    );
    assert_eq!(rec(r#"{"Response":{"RequestId":12}}"#).request_id, None);
    assert_eq!(
        rec(r#"{"Response":{"RequestId":"not-a-uuid"}}"#)
            .request_id
            .as_deref(),
        Some("not-a-uuid")
    );
}

#[test]
fn envelope_fields() {
    let r = rec(
        r#"{"ts":"2025-11-26T10:00:00Z","action":"DescribeDBInstances","region":"ap-seoul","service":"cdb","latency_ms":12.5,"response":{"Response":{"Error":{"Code":"InternalError"},"RequestId":"r1"}}}"#,
    );
    assert_eq!(r.code.as_deref(), Some("InternalError"));
    assert_eq!(r.time, Some(1_764_151_200_000));
    assert_eq!(r.action.as_deref(), Some("DescribeDBInstances"));
    assert_eq!(r.region.as_deref(), Some("ap-seoul"));
    assert_eq!(r.service.as_deref(), Some("cdb"));
    assert_eq!(r.latency_ms, Some(12.5));
    // First key with an accepted value wins; epoch millis as a number.
    let r = rec(r#"{"ts":"soon","time":1764151200000,"Response":{}}"#);
    assert_eq!(r.time, Some(1_764_151_200_000));
}

#[test]
fn text_prefix_time_and_crlf_and_bom_free_json() {
    let r = rec("2025-11-26T10:00:00Z INFO call {\"Response\":{\"Error\":{\"Code\":\"X\"}}}\r");
    assert_eq!(r.time, Some(1_764_151_200_000));
    assert_eq!(r.code.as_deref(), Some("X"));
    // The JSON's own time wins over the prefix.
    let r = rec("2025-11-26T10:00:00Z {\"ts\":1764151201,\"Response\":{}}");
    assert_eq!(r.time, Some(1_764_151_201_000));
}

#[test]
fn cloudaudit_records() {
    let r = rec(
        r#"{"eventTime":"2019-03-20 12:36:27","apiErrorCode":"ResourceNotFound","apiErrorMessage":"gone","requestID":"q","eventName":"DescribeX","eventSource":"cdb.tencentcloudapi.com","eventRegion":"ap-guangzhou","errorCode":0}"#,
    );
    assert_eq!(r.code.as_deref(), Some("ResourceNotFound"));
    assert_eq!(r.message.as_deref(), Some("gone"));
    assert_eq!(r.request_id.as_deref(), Some("q"));
    assert_eq!(r.action.as_deref(), Some("DescribeX"));
    assert_eq!(r.region.as_deref(), Some("ap-guangzhou"));
    assert_eq!(r.time, Some(1_553_085_387_000));
    for ok in [r#""""#, "0", r#""0""#] {
        let s = format!(r#"{{"eventTime":1553085387,"apiErrorCode":{ok}}}"#);
        assert_eq!(code(&s), None, "{s}");
    }
}

#[test]
fn response_path_override() {
    let keys = Keys {
        response_path: Some(vec!["a".into(), "b".into()]),
        ..Keys::default()
    };
    let l = classify_exact(br#"{"a":{"b":{"Error":{"Code":"X"}}}}"#, &keys);
    let Line::Response(r) = l else { panic!() };
    assert_eq!(r.code.as_deref(), Some("X"));
    assert_eq!(
        classify_exact(br#"{"Response":{"Error":{"Code":"X"}}}"#, &keys),
        Line::Skipped
    );
}

/// An SDK error in the text before a JSON object that holds none (a request body logged
/// after the error) is read from the text, on every path (SPEC §1.9).
#[test]
fn sdk_error_before_a_json_object_without_one() {
    let lines = [
        r#"2026-11-26T10:00:00Z ERROR [TencentCloudSDKError] Code=ResourceNotFound, Message=gone, RequestId=abc req={"InstanceId":"ins-1"}"#,
        r#"level=error err="[TencentCloudSDKError] Code=ResourceNotFound, Message=gone, RequestId=abc" body={"a":1}"#,
    ];
    for s in lines {
        for got in [
            line(s),
            Extractor::new(&Keys::default()).classify(s.as_bytes()),
        ] {
            let Line::Response(r) = got else {
                panic!("{s}: not a response but {got:?}")
            };
            assert_eq!(r.code.as_deref(), Some("ResourceNotFound"), "{s}");
            assert_eq!(r.request_id.as_deref(), Some("abc"), "{s}");
        }
    }
    // A marker only in a key of the JSON is still no SDK error (keys are skipped).
    assert_eq!(
        line(r#"{"[TencentCloudSDKError] Code=X, Message=m":1}"#),
        Line::Skipped
    );
}

/// Bytes that are not UTF-8 around an SDK error in a text line do not lose the error: they
/// read as U+FFFD (SPEC §1.9).
#[test]
fn sdk_error_in_text_that_is_not_utf8() {
    let s =
        b"\xff\xfe 2026-11-26 ERROR [TencentCloudSDKError] Code=X.Y, Message=m\xfe, RequestId=r\r";
    for got in [
        classify_exact(s, &Keys::default()),
        Extractor::new(&Keys::default()).classify(s),
    ] {
        let Line::Response(r) = got else {
            panic!("not a response but {got:?}")
        };
        assert_eq!(r.code.as_deref(), Some("X.Y"));
        assert_eq!(r.message.as_deref(), Some("m\u{fffd}"));
        assert_eq!(r.request_id.as_deref(), Some("r"));
    }
}
