use super::*;

#[test]
fn escape_makes_markup_and_controls_text() {
    assert_eq!(
        escape("</script><img src=x onerror=alert(1)>"),
        "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
    );
    assert_eq!(escape("a\"b'c&d"), "a&quot;b&#39;c&amp;d");
    assert_eq!(escape("x\u{1b}[2J\u{202e}"), "x\\u{1b}[2J\\u{202e}");
    assert!(matches!(escape("AuthFailure 인증"), Cow::Borrowed(_)));
}

#[test]
fn csp_hashes_match_the_script_and_style() {
    use sha2::{Digest, Sha256};
    let b64 = |bytes: &[u8]| {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n =
                chunk.iter().fold(0u32, |n, &b| n << 8 | u32::from(b)) << (8 * (3 - chunk.len()));
            for k in 0..=chunk.len() {
                out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            }
            out.push_str(&"=".repeat(3 - chunk.len()));
        }
        out
    };
    assert_eq!(
        b64(&Sha256::digest(SCRIPT)),
        SCRIPT_SHA256,
        "update SCRIPT_SHA256"
    );
    assert_eq!(
        b64(&Sha256::digest(STYLE)),
        STYLE_SHA256,
        "update STYLE_SHA256"
    );
}

#[test]
fn counts_and_durations_read_well() {
    assert_eq!(count(0), "0");
    assert_eq!(count(1234567), "1,234,567");
    assert_eq!(count(100), "100");
    assert_eq!(duration(160_000), "2m 40s");
    assert_eq!(duration(86_400_000 + 3_600_000 * 2 + 5_000), "1d 2h");
    assert_eq!(duration(250), "250ms");
}

#[test]
fn long_series_are_drawn_in_wider_steps() {
    let points: Vec<TimePoint> = (0..10_000)
        .map(|i| TimePoint {
            start: i * 60_000,
            responses: 10,
            errors: 1,
            codes: &[],
        })
        .collect();
    let s = TimeSeries {
        width: 60_000,
        points,
        chosen: false,
        rates: true,
        offset: 0,
    };
    let (width, starts) = charts::starts(&s, &[]);
    assert_eq!(width, 7 * 60_000);
    assert!(starts.len() <= charts::MAX_STEPS);
    let ticks = charts::tick_points(0, 86_400_000);
    assert!((4..=12).contains(&ticks.len()), "{ticks:?}");
    assert!(ticks.iter().all(|t| t % 3_600_000 == 0));
}
