//! Timestamps: parsing the forms SPEC §1 accepts, and printing RFC 3339.
//!
//! A log's time and a `--since`/`--until` bound share one grammar: a date, then as much of
//! the time as was written (`YYYY-MM-DD[THH[:MM[:SS[.fff]]][Z|±HH:MM]]`, `T` or a space, no
//! zone meaning UTC); what is left out is zero. A bound may also be an epoch number. Where
//! RFC 3339 says how far a part goes, it goes as far: a fraction of any length (read to the
//! millisecond), years 0000 to 9999, offsets up to ±23:59.
//!
//! Every time inside errstat is a count of milliseconds since the Unix epoch, UTC (`i64`):
//! it is cheap to compare, to merge and to bucket, and it prints the same on every machine.
//! It lies between `FIRST` and `LAST`, the times RFC 3339 can write in UTC.

use std::cell::Cell;

use jiff::civil::{DateTime, Time};
use jiff::fmt::temporal::{Pieces, PiecesOffset};
use jiff::{SignedDuration, Timestamp};

/// Milliseconds since the Unix epoch, UTC.
pub type Millis = i64;

/// Numbers at or above this magnitude are epoch milliseconds, below it epoch seconds.
/// 1e11 seconds is the year 5138; 1e11 milliseconds is March 1973.
const MILLIS_THRESHOLD: f64 = 1e11;

/// The first time errstat keeps: 0000-01-01T00:00:00Z, RFC 3339's first.
const FIRST: Millis = -62_167_219_200_000;

/// The last time errstat keeps: 9999-12-31T23:59:59.999Z, RFC 3339's last to the millisecond.
const LAST: Millis = 253_402_300_799_999;

/// Parses a timestamp string: a date with as much of the time as was written, `T` or a
/// space between, and an optional offset (`Z`, `+08:00`, `-0530`, `+08`; none means UTC).
/// RFC 3339 is one such form; a bare date is midnight UTC. A number is not a time here.
pub fn parse_str(s: &str) -> Option<Millis> {
    Clock::default().parse_str(s)
}

/// Finds a timestamp at the start of free text (the prefix before a line's JSON):
/// the first word, or the first two words joined by a space (`2026-11-26 10:00:00`).
pub fn parse_prefix(text: &[u8]) -> Option<Millis> {
    Clock::default().parse_prefix(text)
}

/// `parse_str` and `parse_prefix` with a memory of the last minute parsed: the lines of a
/// log come in time order, so most share their date, hour and minute with the line before,
/// and only the seconds, fraction and offset are left to read (one per worker).
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// The first 16 bytes of the last common form parsed (`2026-11-26T10:00`, all valid)
    /// and that minute's start, UTC (before any offset).
    minute: Cell<Option<([u8; 16], Millis)>>,
}

impl Clock {
    /// `parse_str`, the same answers.
    pub fn parse_str(&self, s: &str) -> Option<Millis> {
        match self.parse_common(s.as_bytes()) {
            Some(answer) => answer,
            None => parse_with_jiff(s),
        }
    }

    /// `parse_prefix`, the same answers.
    pub fn parse_prefix(&self, text: &[u8]) -> Option<Millis> {
        let text = std::str::from_utf8(text).ok()?.trim_start();
        let text = text.trim_start_matches('[');
        // Words end at a space or a tab (ASCII: a byte search finds them).
        let word_end = |s: &str| memchr::memchr2(b' ', b'\t', s.as_bytes()).unwrap_or(s.len());
        let end = word_end(text);
        let first = text[..end].trim_end_matches([']', ',', ':']);
        // A date alone is a time too, so the two words are tried first: `2026-11-26
        // 10:00:00` is not midnight.
        if first.len() == 10
            && let Some(rest) = text.get(end + 1..)
        {
            let second = rest[..word_end(rest)].trim_end_matches([']', ',']);
            if !second.is_empty()
                && let Some(ms) = self.parse_str(&format!("{first} {second}"))
            {
                return Some(ms);
            }
        }
        self.parse_str(first)
    }

    /// `parse_common`, reading the date, hour and minute once per minute: a valid
    /// `YYYY-MM-DDTHH:MM` gives the same answer as `parse_common` with its tail read alone.
    fn parse_common(&self, b: &[u8]) -> Option<Option<Millis>> {
        let Some(key) = b.get(..16).and_then(|k| <[u8; 16]>::try_from(k).ok()) else {
            return parse_common(b);
        };
        let start = match self.minute.get() {
            Some((known, start)) if known == key => start,
            _ => {
                // The minute is valid when it parses as that minute's first second.
                let mut first = [b'0'; 19];
                first[..16].copy_from_slice(&key);
                first[16] = b':';
                let Some(Some(start)) = parse_common(&first) else {
                    return parse_common(b);
                };
                self.minute.set(Some((key, start)));
                start
            }
        };
        Some(
            tail(&b[16..])?
                .map(|(second, millis, offset)| start + (second - offset * 60) * 1000 + millis),
        )
    }
}

/// Parses the forms logs use most (`2026-11-26T10:00:00.123Z`, `… 10:00:00`, `…+08:00`)
/// by position, years 1970 to 9998. `Some(answer)` when sure, `None` to let jiff decide;
/// a test holds it to jiff's answers.
fn parse_common(b: &[u8]) -> Option<Option<Millis>> {
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' {
        return None;
    }
    if b[10] != b'T' && b[10] != b' ' {
        return None;
    }
    let (year, month, day) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    let (hour, minute) = (digits(&b[11..13])?, digits(&b[14..16])?);
    if !(1970..9999).contains(&year) {
        return None;
    }
    let Some((second, millis, offset)) = tail(&b[16..])? else {
        return Some(None);
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Some(None),
    };
    if day < 1 || day > days_in_month || hour > 23 || minute > 59 {
        return Some(None);
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset * 60;
    Some(Some(secs * 1000 + millis))
}

/// Reads what follows the minute: `:SS`, an optional fraction and an optional offset, as
/// (seconds, milliseconds, offset in minutes). `None` to let jiff decide (a leap second,
/// an unusual form), `Some(None)` for a second past 59.
fn tail(b: &[u8]) -> Option<Option<(i64, i64, i64)>> {
    // The form most logs use, `:SS.mmmZ`, read at once: its fixed bytes compared and its
    // digits checked in one u64 (callgrind, first 20 MB of the 200 MB log: 1.2 M
    // instructions fewer than byte by byte, about 15 a call).
    if let Ok(&bytes) = <&[u8; 8]>::try_from(b) {
        const FORM: u64 = u64::from_le_bytes(*b":00.000Z");
        const FIXED: u64 = u64::from_le_bytes([0xff, 0, 0, 0xff, 0, 0, 0, 0xff]);
        // Each digit's byte less '0' (by xor: '0'..='9' and only they give 0..=9) plus
        // 0x76 reaches 0x80 when it is 10 or more; a byte of 0x80 or more has it set
        // already. A carry out of a byte comes only from a byte that is not a digit.
        const TENS: u64 = u64::from_le_bytes([0, 0x76, 0x76, 0, 0x76, 0x76, 0x76, 0]);
        const HIGH: u64 = u64::from_le_bytes([0, 0x80, 0x80, 0, 0x80, 0x80, 0x80, 0]);
        let x = u64::from_le_bytes(bytes) ^ FORM;
        if x & FIXED == 0 && (x | x.wrapping_add(TENS)) & HIGH == 0 {
            let d = |i: u32| ((x >> (8 * i)) & 0xff) as i64;
            let second = d(1) * 10 + d(2);
            return match second {
                60 => None,
                61.. => Some(None),
                _ => Some(Some((second, d(4) * 100 + d(5) * 10 + d(6), 0))),
            };
        }
    }
    any_tail(b)
}

/// `tail` for any form, `:SS.mmmZ` included.
fn any_tail(b: &[u8]) -> Option<Option<(i64, i64, i64)>> {
    if b.len() < 3 || b[0] != b':' {
        return None;
    }
    let second = digits(&b[1..3])?;
    if second == 60 {
        return None;
    }
    let mut rest = &b[3..];
    let mut millis = 0;
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        let ms = &frac[..n.min(3)];
        millis = digits(ms)? * [100, 10, 1][ms.len() - 1];
        rest = &frac[n..];
    }
    let offset = match rest {
        b"" | b"Z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (h, m) = (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?);
            if h > 23 || m > 59 {
                return None;
            }
            let minutes = h * 60 + m;
            if *sign == b'+' { minutes } else { -minutes }
        }
        _ => return None,
    };
    Some((second <= 59).then_some((second, millis, offset)))
}

/// Reads ASCII digits as a number.
fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |n, c| {
        c.is_ascii_digit().then(|| n * 10 + (c - b'0') as i64)
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The general parser behind `parse_str`: jiff reads the partial forms (`T10`, ` 10:05`,
/// `T10Z`, a bare date) as it reads RFC 3339, and rejects an hour 24, a February 30 or
/// anything left over. It also takes ISO 8601's rarer spellings (`T1005`, `,5`, a `[zone]`
/// annotation), read as ISO 8601 means them. What jiff takes past RFC 3339 is cut back to
/// it: an offset of 24 to 25 hours or with seconds, a time past `LAST` (jiff's own
/// timestamps end a day before, so the time is worked out from the parts).
fn parse_with_jiff(s: &str) -> Option<Millis> {
    let s = s.trim();
    // Every form starts with a full date; a cheap look avoids the parser on other text.
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' || !b[0].is_ascii_digit() {
        return None;
    }
    let cut;
    let s = match digits_past_nine(b) {
        Some((from, to)) => {
            cut = [&s[..from], &s[to..]].concat();
            &cut
        }
        None => s,
    };
    let pieces = Pieces::parse(s).ok()?;
    let offset = match pieces.offset() {
        None | Some(PiecesOffset::Zulu) => 0,
        Some(PiecesOffset::Numeric(n)) => i64::from(n.offset().seconds()),
        Some(_) => return None,
    };
    if offset.abs() >= 86_400 || offset % 60 != 0 {
        return None;
    }
    let (date, time) = (pieces.date(), pieces.time().unwrap_or(Time::midnight()));
    let days = days_from_civil(
        i64::from(date.year()),
        i64::from(date.month()),
        i64::from(date.day()),
    );
    let secs = days * 86_400
        + i64::from(time.hour()) * 3600
        + i64::from(time.minute()) * 60
        + i64::from(time.second())
        - offset;
    let ms = secs * 1000 + i64::from(time.subsec_nanosecond()) / 1_000_000;
    (FIRST..=LAST).contains(&ms).then_some(ms)
}

/// Where a fraction's digits past the ninth are, if it has any: jiff reads nine
/// (nanoseconds), RFC 3339 any number, and past the third they change no millisecond.
fn digits_past_nine(b: &[u8]) -> Option<(usize, usize)> {
    let before_annotation = &b[..memchr::memchr(b'[', b).unwrap_or(b.len())];
    let point = memchr::memchr2(b'.', b',', before_annotation)?;
    let n = b[point + 1..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    (n > 9).then_some((point + 10, point + 1 + n))
}

/// Turns an epoch number (seconds or milliseconds, told apart by magnitude) into millis.
pub fn from_epoch_number(v: f64) -> Option<Millis> {
    if !v.is_finite() {
        return None;
    }
    let ms = if v.abs() >= MILLIS_THRESHOLD {
        v
    } else {
        v * 1000.0
    };
    let ms = ms.floor();
    if !(FIRST as f64..=LAST as f64).contains(&ms) {
        return None;
    }
    Some(ms as Millis)
}

/// Prints millis as RFC 3339 in UTC, with a fraction only when there is one.
pub fn format(ms: Millis) -> String {
    if let Ok(ts) = Timestamp::from_millisecond(ms) {
        return ts.to_string();
    }
    // Past jiff's last timestamp (9999-12-30T22:00Z, which every offset can hold): the
    // same text from the civil time.
    DateTime::constant(1970, 1, 1, 0, 0, 0, 0)
        .checked_add(SignedDuration::from_millis(ms))
        .map_or_else(|_| ms.to_string(), |dt| format!("{dt}Z"))
}

/// Parses a `--since`/`--until` bound: any form `parse_str` takes (`2026-11-26`,
/// `2026-11-26 23`, `2026-11-26T06:10+08:00`…), or epoch seconds/millis.
pub fn parse_bound(s: &str) -> Option<Millis> {
    parse_str(s).or_else(|| s.trim().parse::<f64>().ok().and_then(from_epoch_number))
}

/// Parses a duration such as `250ms`, `30s`, `1m`, `6h` or `1d` into millis (positive).
pub fn parse_width(s: &str) -> Option<Millis> {
    let s = s.trim();
    if let Some(ms) = s.strip_suffix("ms") {
        return ms.parse::<i64>().ok().filter(|ms| *ms > 0);
    }
    let unit = s.chars().last()?;
    let n: i64 = s[..s.len() - unit.len_utf8()].parse().ok()?;
    let scale = match unit {
        's' => 1_000,
        'm' => 60_000,
        'h' => 3_600_000,
        'd' => 86_400_000,
        _ => return None,
    };
    let ms = n.checked_mul(scale)?;
    (ms > 0).then_some(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(format(last_second), "9999-12-31T23:59:59Z");
        assert_eq!(format(LAST - 10), "9999-12-31T23:59:59.989Z");
        assert_eq!(format(FIRST), "0000-01-01T00:00:00Z");
        assert_eq!(from_epoch_number(LAST as f64), Some(LAST));
        assert_eq!(from_epoch_number(FIRST as f64), Some(FIRST));
        assert_eq!(from_epoch_number(FIRST as f64 - 1.0), None);
        assert_eq!(from_epoch_number(LAST as f64 + 1.0), None);
    }

    /// `format` past jiff's timestamps writes what it writes before them.
    #[test]
    fn civil_formatting_writes_as_timestamps_do() {
        let jiffs_last = Timestamp::MAX.as_millisecond();
        for ms in (jiffs_last - 5_000..=jiffs_last).chain([0, 5, 250, T0, FIRST, FIRST + 7]) {
            let dt = DateTime::constant(1970, 1, 1, 0, 0, 0, 0)
                .checked_add(SignedDuration::from_millis(ms))
                .unwrap();
            assert_eq!(format(ms), format!("{dt}Z"), "{ms}");
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
            assert_eq!(parse_str(s), parse_with_jiff(s), "{s:?}");
        }
        // One clock across them all, forwards and backwards: what it remembers of one
        // minute never changes the answer for another string.
        let clock = Clock::default();
        for s in samples.iter().chain(samples.iter().rev()) {
            assert_eq!(clock.parse_str(s), parse_with_jiff(s), "{s:?}");
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
            assert_eq!(clock.parse_str(&s), parse_with_jiff(&s), "{s:?}");
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
            proptest::prop_assert_eq!(parse_str(&s), parse_with_jiff(&s), "{}", s);
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
            proptest::prop_assert_eq!(parse_str(&partial), parse_with_jiff(&partial), "{}", partial);
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
                proptest::prop_assert_eq!(clock.parse_str(&s), parse_with_jiff(&s), "{}", s);
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
        assert_eq!(tail(b":07.123Z"), Some(Some((7, 123, 0))));
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
        assert_eq!(format(T0), "2025-11-26T10:00:00Z");
        assert_eq!(format(T0 + 5), "2025-11-26T10:00:00.005Z");
    }
}
