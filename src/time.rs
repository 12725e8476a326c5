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
//! It lies between `FIRST` and `LAST`, the times RFC 3339 can write in UTC. A time written
//! without an offset is read in a `Zone` (`--assume-tz`, UTC by default), and times are
//! written in UTC unless a zone is asked for (`--tz`, `format_in`).

use std::cell::Cell;

use jiff::civil::Time;
use jiff::fmt::temporal::{Pieces, PiecesOffset};

mod zone;

pub use self::zone::{Zone, offset_text};

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

/// `parse_prefix`, and also the date Go's `log` package writes (`2026/11/26 10:00:00.123456`).
/// For a log's text only: a bound with slashes stays a usage error.
pub fn parse_log_prefix(text: &[u8]) -> Option<Millis> {
    Clock::default().parse_log_prefix(text)
}

/// `parse_str`, a time without an offset read in `zone`.
pub fn parse_str_in(s: &str, zone: &Zone) -> Option<Millis> {
    Clock::new(zone.clone()).parse_str(s)
}

/// `parse_prefix`, a time without an offset read in `zone`.
pub fn parse_prefix_in(text: &[u8], zone: &Zone) -> Option<Millis> {
    Clock::new(zone.clone()).parse_prefix(text)
}

/// `parse_log_prefix`, a time without an offset read in `zone`.
pub fn parse_log_prefix_in(text: &[u8], zone: &Zone) -> Option<Millis> {
    Clock::new(zone.clone()).parse_log_prefix(text)
}

/// `parse_str` and `parse_prefix` with a memory of the last minute parsed: the lines of a
/// log come in time order, so most share their date, hour and minute with the line before,
/// and only the seconds, fraction and offset are left to read (one per worker). A time
/// written without an offset is read in the clock's zone (`--assume-tz`; UTC by default).
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// The first 16 bytes of the last common form parsed (`2026-11-26T10:00`, all valid),
    /// that minute's start as if it were UTC, and the zone's offset in seconds for that
    /// civil minute (`None`: the zone has no such minute). Offsets change on whole minutes,
    /// so one holds for the minute.
    minute: Cell<Option<Minute>>,
    zone: Zone,
}

/// A minute a `Clock` remembers: its text, its start as if UTC, the zone's offset then.
type Minute = ([u8; 16], Millis, Option<i64>);

impl Clock {
    /// A clock that reads times without an offset in `zone`.
    pub fn new(zone: Zone) -> Clock {
        Clock {
            minute: Cell::new(None),
            zone,
        }
    }

    /// `parse_str`, the same answers.
    pub fn parse_str(&self, s: &str) -> Option<Millis> {
        match self.parse_common(s.as_bytes()) {
            Some(answer) => answer,
            None => parse_with_jiff(s, &self.zone),
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

    /// `parse_log_prefix`, the same answers.
    pub fn parse_log_prefix(&self, text: &[u8]) -> Option<Millis> {
        if let Some(ms) = self.parse_prefix(text) {
            return Some(ms);
        }
        // `YYYY/MM/DD` is read as `YYYY-MM-DD`; the rest as `parse_prefix` reads it.
        let skipped = text.len() - text.trim_ascii_start().len();
        let start = skipped + text[skipped..].iter().take_while(|&&b| b == b'[').count();
        let date = text.get(start..start + 10)?;
        let slashed = |i: usize| {
            if i == 4 || i == 7 {
                date[i] == b'/'
            } else {
                date[i].is_ascii_digit()
            }
        };
        if !(0..10).all(slashed) {
            return None;
        }
        let mut dashed = text[start..].to_vec();
        dashed[4] = b'-';
        dashed[7] = b'-';
        self.parse_prefix(&dashed)
    }

    /// `parse_common`, reading the date, hour and minute once per minute: a valid
    /// `YYYY-MM-DDTHH:MM` gives the same answer as `parse_common` with its tail read alone.
    fn parse_common(&self, b: &[u8]) -> Option<Option<Millis>> {
        let Some(key) = b.get(..16).and_then(|k| <[u8; 16]>::try_from(k).ok()) else {
            return parse_common(b).map(|t| t.and_then(|t| settle(t, &self.zone)));
        };
        let (start, zone_offset) = match self.minute.get() {
            Some((known, start, offset)) if known == key => (start, offset),
            _ => {
                // The minute is valid when it parses as that minute's first second.
                let mut first = [b'0'; 19];
                first[..16].copy_from_slice(&key);
                first[16] = b':';
                let Some(Some((start, _))) = parse_common(&first) else {
                    return parse_common(b).map(|t| t.and_then(|t| settle(t, &self.zone)));
                };
                let offset = self.zone.offset_of_local(start);
                self.minute.set(Some((key, start, offset)));
                (start, offset)
            }
        };
        Some(tail(&b[16..])?.and_then(|(second, millis, offset)| {
            let offset = match offset {
                Some(minutes) => minutes * 60,
                None => zone_offset?,
            };
            Some(start + (second - offset) * 1000 + millis)
        }))
    }
}

/// A time read as if in UTC, with the offset written after it (minutes), if any: the
/// time it stands for, a time without an offset read in `zone`.
fn settle((local, offset): (Millis, Option<i64>), zone: &Zone) -> Option<Millis> {
    let seconds = match offset {
        Some(minutes) => minutes * 60,
        None => zone.offset_of_local(local)?,
    };
    Some(local - seconds * 1000)
}

/// Parses the forms logs use most (`2026-11-26T10:00:00.123Z`, `… 10:00:00`, `…+08:00`)
/// by position, years 1970 to 9998. `Some(answer)` when sure, `None` to let jiff decide;
/// a test holds it to jiff's answers.
fn parse_common(b: &[u8]) -> Option<Option<(Millis, Option<i64>)>> {
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
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second;
    Some(Some((secs * 1000 + millis, offset)))
}

/// Reads what follows the minute: `:SS`, an optional fraction and an optional offset, as
/// (seconds, milliseconds, offset in minutes or `None` where none was written). `None` to
/// let jiff decide (a leap second, an unusual form), `Some(None)` for a second past 59.
fn tail(b: &[u8]) -> Option<Option<(i64, i64, Option<i64>)>> {
    // The form most logs use, `:SS.mmmZ`, read at once: its fixed bytes compared and its
    // digits checked in one u64, in fewer instructions than byte by byte.
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
                _ => Some(Some((second, d(4) * 100 + d(5) * 10 + d(6), Some(0)))),
            };
        }
    }
    any_tail(b)
}

/// `tail` for any form, `:SS.mmmZ` included.
fn any_tail(b: &[u8]) -> Option<Option<(i64, i64, Option<i64>)>> {
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
        b"" => None,
        b"Z" => Some(0),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (h, m) = (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?);
            if h > 23 || m > 59 {
                return None;
            }
            let minutes = h * 60 + m;
            Some(if *sign == b'+' { minutes } else { -minutes })
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
fn parse_with_jiff(s: &str, zone: &Zone) -> Option<Millis> {
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
        None => None,
        Some(PiecesOffset::Zulu) => Some(0),
        Some(PiecesOffset::Numeric(n)) => Some(i64::from(n.offset().seconds())),
        Some(_) => return None,
    };
    if offset.is_some_and(|o| o.abs() >= 86_400 || o % 60 != 0) {
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
        + i64::from(time.second());
    let local = secs * 1000 + i64::from(time.subsec_nanosecond()) / 1_000_000;
    let ms = settle((local, offset.map(|seconds| seconds / 60)), zone)?;
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

/// Turns seconds and nanoseconds since the epoch (log4j2's `instant`) into millis.
pub fn from_epoch_parts(seconds: i64, nanos: i64) -> Option<Millis> {
    if !(0..1_000_000_000).contains(&nanos) {
        return None;
    }
    let ms = seconds.checked_mul(1000)?.checked_add(nanos / 1_000_000)?;
    (FIRST..=LAST).contains(&ms).then_some(ms)
}

/// Takes epoch milliseconds as they are, whatever their magnitude (log4j2's `timeMillis`).
pub fn from_epoch_millis(ms: i64) -> Option<Millis> {
    (FIRST..=LAST).contains(&ms).then_some(ms)
}

/// Prints millis as RFC 3339 in UTC, always with three digits of milliseconds
/// (`2026-11-26T10:00:17.250Z`, `…:17.000Z`): every time errstat writes has one length, so
/// they sort as text and a column of them lines up.
pub fn format(ms: Millis) -> String {
    let (days, in_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (year, month, day) = civil_from_days(days);
    let (h, m, s, f) = (
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000,
    );
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{f:03}Z")
}

/// Prints millis as RFC 3339 in `zone` (`None`: UTC, `format`), milliseconds always three
/// digits: `2026-11-26T19:00:17.250+09:00`, or `…Z` for UTC itself.
pub fn format_in(ms: Millis, zone: Option<&Zone>) -> String {
    let Some(zone) = zone.filter(|z| !z.is_utc()) else {
        return format(ms);
    };
    // RFC 3339 writes an offset to the minute: the civil time goes with that.
    let minutes = zone.offset_at(ms).div_euclid(60);
    let mut text = format(ms + minutes * 60_000);
    text.pop();
    text.push_str(&offset_text(minutes * 60));
    text
}

/// Prints millis in `zone` to the second, for people: `2026-11-26 19:00:17`.
pub fn format_short(ms: Millis, zone: Option<&Zone>) -> String {
    let minutes = zone.map_or(0, |z| z.offset_at(ms).div_euclid(60));
    format(ms + minutes * 60_000)[..19].replace('T', " ")
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
/// algorithm, `days_from_civil`'s inverse).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
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
mod tests;
