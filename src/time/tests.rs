use super::*;

use jiff::civil::DateTime;
use jiff::{SignedDuration, Timestamp};

const T0: Millis = 1_764_151_200_000; // 2025-11-26T10:00:00Z

#[test]
fn accepts_spec_forms() {
    assert_eq!(parse_str("2025-11-26T10:00:00Z"), Some(T0));
    assert_eq!(parse_str("2025-11-26T10:00:00.250Z"), Some(T0 + 250));
    assert_eq!(parse_str("2025-11-26T18:00:00+08:00"), Some(T0));
    assert_eq!(parse_str("2025-11-26T10:00:00"), Some(T0));
    assert_eq!(parse_str("2025-11-26 10:00:00"), Some(T0));
    assert_eq!(parse_str("2025-11-26 10:00:00.5"), Some(T0 + 500));
    assert_eq!(parse_str("yesterday"), None);
    assert_eq!(parse_str("2025-13-26T10:00:00Z"), None);
}

#[test]
fn partial_forms_keep_their_time() {
    let day = T0 - 36_000_000; // 2025-11-26T00:00:00Z
    let (h, m, s) = (3_600_000, 60_000, 1_000);
    let forms = [
        ("2025-11-26", day),
        (" 2025-11-26 ", day),
        ("2025-11-26T10", T0),
        ("2025-11-26 10", T0),
        ("2025-11-26t10", T0),
        ("2025-11-26T10Z", T0),
        ("2025-11-26 10+08", T0 - 8 * h),
        ("2025-11-26T10+08:00", T0 - 8 * h),
        ("2025-11-26T10-0530", T0 + 5 * h + 30 * m),
        ("2025-11-26T10:05", T0 + 5 * m),
        ("2025-11-26 10:05", T0 + 5 * m),
        ("2025-11-26T10:05Z", T0 + 5 * m),
        ("2025-11-26 10:05+08:00", T0 + 5 * m - 8 * h),
        ("2025-11-26T10:05-05:30", T0 + 5 * m + 5 * h + 30 * m),
        ("2025-11-26T10:05-0530", T0 + 5 * m + 5 * h + 30 * m),
        ("2025-11-26T10:05+08", T0 + 5 * m - 8 * h),
        ("2025-11-26T10:05:30", T0 + 5 * m + 30 * s),
        ("2025-11-26 10:05:30Z", T0 + 5 * m + 30 * s),
        ("2025-11-26T10:05:30+08", T0 + 5 * m + 30 * s - 8 * h),
        (
            "2025-11-26T10:05:30-0530",
            T0 + 5 * m + 30 * s + 5 * h + 30 * m,
        ),
        ("2025-11-26T10:05:30.5", T0 + 5 * m + 30 * s + 500),
        ("2025-11-26 10:05:30.123456789", T0 + 5 * m + 30 * s + 123),
        (
            "2025-11-26T10:05:30.25+08:00",
            T0 + 5 * m + 30 * s + 250 - 8 * h,
        ),
        ("2025-11-26T23:59", day + 23 * h + 59 * m),
    ];
    let clock = Clock::default();
    for (form, ms) in forms {
        assert_eq!(parse_str(form), Some(ms), "{form:?}");
        assert_eq!(clock.parse_str(form), Some(ms), "{form:?}");
        assert_eq!(parse_bound(form), Some(ms), "{form:?}");
    }
}

#[test]
fn malformed_forms_are_not_times() {
    let forms = [
        "2025-11-26T",
        "2025-11-26T1",
        "2025-11-26T24",
        "2025-11-26T25",
        "2025-11-26T24:00",
        "2025-11-26T10:",
        "2025-11-26T10:5",
        "2025-11-26T10:60",
        "2025-11-26T10:05:",
        "2025-11-26T10:05:00.",
        "2025-11-26T10:05:00+24:00",
        "2025-11-26T10:05:00-25:00",
        "2025-11-26T10:05:00+08:00:30",
        "9999-12-31T23:59:59-00:01",
        "0000-01-01T00:00:00+00:01",
        "2025-02-29",
        "2026-02-30T10",
        "2025-11-31 10:05",
        "2025-11-26Z",
        "2025-11-26+08:00",
        "2025-11-26x",
        "2025-11-26 T10",
        "2025-11-26  10",
        "2025-11-26T10 x",
        "2025-11-26T10:05Zjunk",
        "2025-11-26T10.5",
        "2025-11-26T10+99:00",
        "2025-11-26T10:05+8",
        "26-11-2025",
        "",
    ];
    for form in forms {
        assert_eq!(parse_str(form), None, "{form:?}");
        assert_eq!(parse_bound(form), None, "{form:?}");
    }
    // Numbers are times only as bounds (and as JSON numbers in a log).
    assert_eq!(parse_str("1764151200"), None);
    assert_eq!(parse_bound("1764151200"), Some(T0));
    assert_eq!(parse_bound(" 1764151200000 "), Some(T0));
    assert_eq!(parse_bound("1764151200.5"), Some(T0 + 500));
    for bad in ["NaN", "inf", "1e400", "last tuesday", "1764151200s"] {
        assert_eq!(parse_bound(bad), None, "{bad:?}");
    }
}

#[test]
fn rfc3339_bounds_are_kept_as_far_as_it_goes() {
    let (s, last_second) = (1_000, 253_402_300_799_000);
    let forms = [
        // Any number of fraction digits, read to the millisecond.
        ("2025-11-26T10:00:00.1234567891Z", T0 + 123),
        (
            "2025-11-26T10:00:00.9999999999999999999999999999Z",
            T0 + 999,
        ),
        (
            "2025-11-26 10:00:00.0001234567891+08:00",
            T0 - 8 * 3_600 * s,
        ),
        ("2025-11-26T10:00:00,12345678912", T0 + 123),
        // Years 0000 to 9999.
        ("9999-12-31T23:59:59Z", last_second),
        ("9999-12-31T23:59:59.999Z", LAST),
        ("9999-12-31T23:59:59.9999999999Z", LAST),
        ("9999-12-31 23:59", last_second - 59 * s),
        ("9999-12-31T23:59:59+23:59", last_second - 86_340 * s),
        ("0000-01-01T00:00:00Z", FIRST),
        ("0000-01-01", FIRST),
        ("1969-12-31T23:59:59.9995Z", -1),
        // Offsets up to 23:59.
        ("2025-11-26T10:00:00+23:59", T0 - 86_340 * s),
        ("2025-11-26T10:00:00-23:59", T0 + 86_340 * s),
        ("2025-11-26T10:00:00-00:00", T0),
    ];
    let clock = Clock::default();
    for (form, ms) in forms {
        assert_eq!(parse_str(form), Some(ms), "{form:?}");
        assert_eq!(clock.parse_str(form), Some(ms), "{form:?}");
    }
    for form in [
        "2025-11-26T10:00:00+24:00",
        "2025-11-26T10:00:00+25:00",
        "2025-11-26T10:00:00-25:59",
        "2025-11-26T10:00+2400",
        "2025-11-26T10:00:00.5+24",
        "2025-11-26T10:00:00+08:00:30",
        "9999-12-31T23:59:59.999-00:01",
        "0000-01-01T00:00:00+00:01",
    ] {
        assert_eq!(parse_str(form), None, "{form:?}");
        assert_eq!(clock.parse_str(form), None, "{form:?}");
    }
    assert_eq!(format(LAST), "9999-12-31T23:59:59.999Z");
    assert_eq!(format(last_second), "9999-12-31T23:59:59.000Z");
    assert_eq!(format(LAST - 10), "9999-12-31T23:59:59.989Z");
    assert_eq!(format(FIRST), "0000-01-01T00:00:00.000Z");
    assert_eq!(from_epoch_number(LAST as f64), Some(LAST));
    assert_eq!(from_epoch_number(FIRST as f64), Some(FIRST));
    assert_eq!(from_epoch_number(FIRST as f64 - 1.0), None);
    assert_eq!(from_epoch_number(LAST as f64 + 1.0), None);
}

/// `format` writes what jiff writes, with three digits of milliseconds always, past
/// jiff's last timestamp too; and `parse_str` reads it back.
#[test]
fn formatting_writes_as_jiff_with_three_digits() {
    let jiffs_last = Timestamp::MAX.as_millisecond();
    let spots = [
        0,
        5,
        250,
        999,
        1000,
        -1,
        -86_400_001,
        T0,
        FIRST,
        FIRST + 7,
        LAST,
    ];
    let steps = (FIRST..LAST).step_by(77_777_777_777).take(40_000);
    for ms in (jiffs_last - 5_000..=jiffs_last).chain(spots).chain(steps) {
        let dt = DateTime::constant(1970, 1, 1, 0, 0, 0, 0)
            .checked_add(SignedDuration::from_millis(ms))
            .unwrap();
        assert_eq!(
            format(ms),
            dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            "{ms}"
        );
        assert_eq!(format(ms).len(), 24);
        assert_eq!(parse_str(&format(ms)), Some(ms), "{ms}");
    }
}

#[test]
fn common_forms_parse_as_jiff_does() {
    let samples = [
        "2025-11-26T10:00:00Z",
        "2025-11-26T10:00:00.1Z",
        "2025-11-26T10:00:00.123456789Z",
        "2025-11-26T10:00:00.1234567891Z",
        "2025-11-26 10:00:00",
        "2025-11-26 10:00:00.999",
        "2025-11-26T10:00:00+08:00",
        "2025-11-26T10:00:00-09:30",
        "2025-11-26T10:00:00+24:00",
        "2025-11-26T10:00:00-25:00",
        "2025-11-26T10:00:00+23:59",
        "2024-02-29T23:59:59Z",
        "2023-02-29T00:00:00Z",
        "2025-04-31T00:00:00Z",
        "2025-00-10T00:00:00Z",
        "2025-11-26T24:00:00Z",
        "2025-11-26T10:60:00Z",
        "2025-11-26T10:00:60Z",
        "1969-12-31T23:59:59Z",
        "1970-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999Z",
        "9999-12-31T23:59:59.99999999999Z",
        "9998-12-31T23:59:59.999-23:59",
        "2025-11-26T10:00:00z",
        "2025-11-26t10:00:00Z",
        "2025-11-26T10:00:00.Z",
        "2025-11-26T10:00:00+0800",
        "2025-11-26T10:00:00 ",
        " 2025-11-26T10:00:00Z",
        "2025-1a-26T10:00:00Z",
    ];
    for s in samples {
        assert_eq!(parse_str(s), parse_with_jiff(s, &Zone::utc()), "{s:?}");
    }
    // One clock across them all, forwards and backwards: what it remembers of one
    // minute never changes the answer for another string.
    let clock = Clock::default();
    for s in samples.iter().chain(samples.iter().rev()) {
        assert_eq!(
            clock.parse_str(s),
            parse_with_jiff(s, &Zone::utc()),
            "{s:?}"
        );
    }
}

#[test]
fn a_remembered_minute_reads_every_tail_as_jiff_does() {
    let clock = Clock::default();
    let minute = "2024-02-29T23:59";
    assert_eq!(
        clock.parse_str(&format!("{minute}:00Z")),
        Some(1_709_251_140_000)
    );
    let tails = [
        ":00Z",
        ":59.999Z",
        ":60Z",
        ":61Z",
        ":60.000Z",
        ":61.000Z",
        ":99.999Z",
        ":5x.000Z",
        ":00.00xZ",
        ":00.000z",
        ":00,000Z",
        ":5",
        ":5xZ",
        ":00.",
        ":00.Z",
        ":00.1234567891Z",
        ":00+08:00",
        ":00-23:59",
        ":00+24:00",
        ":00+25:00",
        ":00.12345678901+23:59",
        ":00+0800",
        ":00 ",
        "",
        ":",
        ":00ZZ",
    ];
    for tail in tails {
        let s = format!("{minute}{tail}");
        assert_eq!(
            clock.parse_str(&s),
            parse_with_jiff(&s, &Zone::utc()),
            "{s:?}"
        );
    }
}

proptest::proptest! {
    #[test]
    fn generated_forms_parse_as_jiff_does(
        y in 1960i64..2200, mo in 0i64..14, d in 0i64..33, h in 0i64..26, mi in 0i64..62,
        se in 0i64..62, frac in proptest::option::of("[0-9]{0,14}"), sep in proptest::sample::select(vec!["T", " "]),
        tz in proptest::sample::select(vec!["", "Z", "+08:00", "-05:30", "+14:00", "+23:59", "+24:00", "-25:00", "+99:00"]),
    ) {
        let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
        let s = format!("{y:04}-{mo:02}-{d:02}{sep}{h:02}:{mi:02}:{se:02}{frac}{tz}");
        proptest::prop_assert_eq!(parse_str(&s), parse_with_jiff(&s, &Zone::utc()), "{}", s);
    }

    /// A partial form is its full form with zeros written in: the one goes to jiff, the
    /// other (its zone spelt `±HH:MM`) mostly to the fast path.
    #[test]
    fn a_partial_form_is_its_full_form_padded(
        y in 1960i64..2200, mo in 0i64..14, d in 0i64..33, h in 0i64..26, mi in 0i64..62,
        se in 0i64..62, frac in "[0-9]{1,14}", precision in 0usize..5,
        sep in proptest::sample::select(vec!["T", " ", "t"]),
        tz in proptest::sample::select(vec![
            ("", ""), ("Z", "Z"), ("+08:00", "+08:00"), ("-0530", "-05:30"),
            ("+08", "+08:00"), ("-23:59", "-23:59"), ("+0000", "+00:00"),
        ]),
    ) {
        let date = format!("{y:04}-{mo:02}-{d:02}");
        let parts = [format!("{sep}{h:02}"), format!(":{mi:02}"), format!(":{se:02}"), format!(".{frac}")];
        let zeros = [format!("{sep}00"), ":00".into(), ":00".into(), String::new()];
        let written = parts[..precision].concat();
        let padded = parts[..precision].iter().chain(&zeros[precision..]).cloned().collect::<String>();
        let (tz, full_tz) = if precision == 0 { ("", "") } else { tz };
        let partial = format!("{date}{written}{tz}");
        let full = format!("{date}{padded}{full_tz}");
        proptest::prop_assert_eq!(parse_str(&partial), parse_str(&full), "{} {}", partial, full);
        proptest::prop_assert_eq!(parse_str(&partial), parse_with_jiff(&partial, &Zone::utc()), "{}", partial);
    }

    #[test]
    fn one_clock_over_a_log_parses_as_jiff_does(
        times in proptest::collection::vec(
            (0usize..4, 0i64..62, proptest::option::of("[0-9]{0,4}"),
             proptest::sample::select(vec!["", "Z", "+08:00", "-05:30", "x"])),
            1..40,
        ),
    ) {
        // A few minutes (one invalid) that lines share, as in a log.
        let minutes = ["2025-11-26T10:00", "2025-11-26 10:01", "2025-02-29T10:00", "2025-12-31T23:59"];
        let clock = Clock::default();
        for (m, se, frac, tz) in times {
            let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
            let s = format!("{}:{se:02}{frac}{tz}", minutes[m]);
            proptest::prop_assert_eq!(clock.parse_str(&s), parse_with_jiff(&s, &Zone::utc()), "{}", s);
        }
    }
}

#[test]
fn the_common_tail_reads_as_any_tail_does() {
    // Every byte at every place of `:SS.mmmZ`, for a few seconds and fractions.
    for base in [
        *b":00.000Z",
        *b":59.999Z",
        *b":60.000Z",
        *b":07.123Z",
        *b":61.500Z",
    ] {
        assert_eq!(tail(&base), any_tail(&base), "{:?}", base.escape_ascii());
        for at in 0..8 {
            for byte in 0..=255u8 {
                let mut b = base;
                b[at] = byte;
                assert_eq!(tail(&b), any_tail(&b), "{}", b.escape_ascii());
            }
        }
    }
    assert_eq!(tail(b":07.123Z"), Some(Some((7, 123, Some(0)))));
    assert_eq!(tail(b":07.123"), Some(Some((7, 123, None))));
    assert_eq!(tail(b":0/.123Z"), None);
}

#[test]
fn epoch_numbers_by_magnitude() {
    assert_eq!(from_epoch_number(1_764_151_200.0), Some(T0));
    assert_eq!(from_epoch_number(1_764_151_200_000.0), Some(T0));
    assert_eq!(from_epoch_number(1_764_151_200.25), Some(T0 + 250));
    assert_eq!(from_epoch_number(f64::NAN), None);
    assert_eq!(from_epoch_number(1e300), None);
}

#[test]
fn prefix_words() {
    assert_eq!(parse_prefix(b"2025-11-26T10:00:00Z INFO call "), Some(T0));
    assert_eq!(parse_prefix(b"2025-11-26 10:00:00 INFO "), Some(T0));
    assert_eq!(parse_prefix(b"[2025-11-26T10:00:00Z] "), Some(T0));
    assert_eq!(parse_prefix(b"INFO 2025-11-26T10:00:00Z "), None);
    assert_eq!(parse_prefix(b"2025-11-26 10:00 INFO "), Some(T0));
    assert_eq!(parse_prefix(b"[2025-11-26 10] "), Some(T0));
    assert_eq!(parse_prefix(b"2025-11-26T10:00+00:00 INFO "), Some(T0));
    assert_eq!(parse_prefix(b"2025-11-26 INFO "), Some(T0 - 36_000_000));
    assert_eq!(
        parse_prefix(b"2025-11-26 99:00 INFO "),
        Some(T0 - 36_000_000)
    );
    assert_eq!(parse_prefix(b"\xff\xfe"), None);
}

/// `parse_prefix` written plainly, with `str::split`.
fn parse_prefix_by_split(text: &[u8]) -> Option<Millis> {
    let text = std::str::from_utf8(text).ok()?.trim_start();
    let text = text.trim_start_matches('[');
    let mut words = text.split([' ', '\t']);
    let first = words.next()?.trim_end_matches([']', ',', ':']);
    let second = words.next().map(|w| w.trim_end_matches([']', ',']));
    let joined = second
        .filter(|second| first.len() == 10 && !second.is_empty())
        .and_then(|second| parse_str(&format!("{first} {second}")));
    joined.or_else(|| parse_str(first))
}

proptest::proptest! {
    #[test]
    fn prefix_words_are_found_as_split_finds_them(
        words in proptest::collection::vec(
            proptest::sample::select(vec![
                "2025-11-26", "10:00:00", "10:00:00.5]", "10", "10:00]", "25", "2025-11-26T10:00:00Z", "[", "]",
                ",", ":", " ", "\t", "  ", "INFO", "é", "\u{3000}", "2025-11-26T10:00:00Z:",
            ]),
            0..6,
        ),
    ) {
        let text = words.concat();
        let clock = Clock::default();
        proptest::prop_assert_eq!(
            clock.parse_prefix(text.as_bytes()),
            parse_prefix_by_split(text.as_bytes()),
            "{:?}", text
        );
    }
}

#[test]
fn widths_and_bounds() {
    assert_eq!(parse_width("1m"), Some(60_000));
    assert_eq!(parse_width("15s"), Some(15_000));
    assert_eq!(parse_width("2d"), Some(172_800_000));
    assert_eq!(parse_width("0m"), None);
    assert_eq!(parse_width("m"), None);
    assert_eq!(parse_width("5x"), None);
    assert_eq!(parse_width("250ms"), Some(250));
    assert_eq!(parse_width("0ms"), None);
    assert_eq!(parse_bound("2025-11-26"), Some(T0 - 36_000_000));
    assert_eq!(format(T0), "2025-11-26T10:00:00.000Z");
    assert_eq!(format(T0 + 5), "2025-11-26T10:00:00.005Z");
}

#[test]
fn logger_time_forms() {
    // Python's asctime and log4j's `%d`: a comma before the milliseconds.
    assert_eq!(parse_str("2025-11-26 10:00:00,123"), Some(T0 + 123));
    assert_eq!(
        parse_prefix(b"2025-11-26 10:00:00,123 ERROR x"),
        Some(T0 + 123)
    );
    // zap's `ts`, float epoch seconds, to the millisecond.
    assert_eq!(from_epoch_number(1_764_151_200.123_456_7), Some(T0 + 123));
    for ms in 0..1000 {
        let ts: f64 = format!("1764151200.{ms:03}").parse().unwrap();
        assert_eq!(from_epoch_number(ts), Some(T0 + ms), "{ts}");
    }
    // log4j2's `instant` and `timeMillis`.
    assert_eq!(from_epoch_parts(1_764_151_200, 123_999_999), Some(T0 + 123));
    assert_eq!(from_epoch_parts(-1, 999_000_000), Some(-1));
    assert_eq!(from_epoch_parts(1_764_151_200, 1_000_000_000), None);
    assert_eq!(from_epoch_parts(1_764_151_200, -1), None);
    assert_eq!(from_epoch_parts(i64::MAX, 0), None);
    assert_eq!(from_epoch_parts(253_402_300_799, 999_999_999), Some(LAST));
    assert_eq!(from_epoch_parts(253_402_300_800, 0), None);
    assert_eq!(from_epoch_millis(T0), Some(T0));
    assert_eq!(from_epoch_millis(5_000), Some(5_000));
    assert_eq!(from_epoch_millis(FIRST - 1), None);
    assert_eq!(from_epoch_millis(LAST + 1), None);
}

#[test]
fn go_log_prefixes_are_log_times_only() {
    assert_eq!(
        parse_log_prefix(b"2025/11/26 10:00:00 [TencentCloudSDKError] x"),
        Some(T0)
    );
    assert_eq!(
        parse_log_prefix(b"2025/11/26 10:00:00.123456 main.go:9: x"),
        Some(T0 + 123)
    );
    assert_eq!(parse_log_prefix(b" [2025/11/26 10:00:00] x"), Some(T0));
    assert_eq!(
        Clock::default().parse_log_prefix(b"2025/11/26 10:00:00 x"),
        Some(T0)
    );
    // Every `parse_prefix` form still reads the same.
    assert_eq!(parse_log_prefix(b"2025-11-26T10:00:00Z INFO "), Some(T0));
    assert_eq!(parse_log_prefix(b"2025/13/26 10:00:00 x"), None);
    assert_eq!(parse_log_prefix(b"2025/11-26 10:00:00 x"), None);
    assert_eq!(parse_log_prefix(b"x/11/26 10:00:00"), None);
    assert_eq!(parse_log_prefix("2025/11/2é 1".as_bytes()), None);
    // Bounds and log strings do not take slashes.
    assert_eq!(parse_str("2025/11/26 10:00:00"), None);
    assert_eq!(parse_bound("2025/11/26"), None);
    assert_eq!(parse_prefix(b"2025/11/26 10:00:00 x"), None);
}

/// In any zone, the clock's fast forms (with their minute remembered) give jiff's answers,
/// across a change of offset too; a written offset wins over the zone.
#[test]
fn a_clock_in_a_zone_reads_as_jiff_does() {
    for name in ["UTC", "+09:00", "-05:30", "Asia/Seoul", "America/New_York"] {
        let zone = Zone::parse(name).unwrap();
        let clock = Clock::new(zone.clone());
        for day in ["2026-03-08", "2026-11-01", "2026-11-26"] {
            for minute in (0..24 * 60).step_by(7) {
                let (h, m) = (minute / 60, minute % 60);
                for tail in ["", ".5", ".123456", "Z", "+08:00"] {
                    let s = format!("{day}T{h:02}:{m:02}:30{tail}");
                    let want = parse_with_jiff(&s, &zone);
                    assert_eq!(clock.parse_str(&s), want, "{name} {s}");
                    assert_eq!(parse_str_in(&s, &zone), want, "{name} {s}");
                }
            }
        }
    }
    let seoul = Zone::parse("Asia/Seoul").unwrap();
    assert_eq!(parse_str_in("2025-11-26 19:00:00", &seoul), Some(T0));
    assert_eq!(parse_str_in("2025-11-26T10:00:00Z", &seoul), Some(T0));
    assert_eq!(
        parse_prefix_in(b"2025-11-26 19:00:00 INFO", &seoul),
        Some(T0)
    );
    // New York's summer time ends at 02:00: 01:30 comes twice, the first (EDT) is taken.
    let ny = Zone::parse("America/New_York").unwrap();
    assert_eq!(
        parse_str_in("2026-11-01T01:30:00", &ny).map(format),
        Some("2026-11-01T05:30:00.000Z".into())
    );
    assert_eq!(format_in(T0, Some(&seoul)), "2025-11-26T19:00:00.000+09:00");
    assert_eq!(
        format_in(T0, Some(&Zone::utc())),
        "2025-11-26T10:00:00.000Z"
    );
    assert_eq!(format_in(T0, None), "2025-11-26T10:00:00.000Z");
    assert_eq!(format_short(T0 + 999, Some(&seoul)), "2025-11-26 19:00:00");
    assert_eq!(seoul.label(T0), "Asia/Seoul (+09:00)");
    assert!(Zone::parse("+24:00").is_err() && Zone::parse("+9").is_err());
    assert!(Zone::parse("+0930").is_ok() && Zone::parse("-03").is_ok());
}
