//! Time zones: the one log times without an offset are read in (`--assume-tz`), and the one
//! times are shown in (`--tz`). A zone is UTC, a fixed offset (`+09:00`), the system's
//! (`local`), or a name of the tz database (`Asia/Seoul`, read from the system's
//! zoneinfo by jiff).

use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp};

use super::Millis;

/// A time zone, as the user named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    /// `UTC`, an offset (`+09:00`), or the zone's name.
    name: String,
    tz: TimeZone,
    /// The offset in seconds of a zone that has only one (UTC, `+09:00`): no lookup.
    fixed: Option<i64>,
}

impl Default for Zone {
    fn default() -> Zone {
        Zone::utc()
    }
}

impl Zone {
    /// UTC, the zone errstat reads and writes times in unless told otherwise.
    pub fn utc() -> Zone {
        Zone {
            name: "UTC".into(),
            tz: TimeZone::UTC,
            fixed: Some(0),
        }
    }

    /// Parses a zone: `UTC` (or `Z`), `local`, an offset `±HH[:MM]` or `±HHMM` up to
    /// ±23:59, or a tz database name.
    pub fn parse(s: &str) -> Result<Zone, String> {
        let s = s.trim();
        let bad = || {
            format!(
                "{s:?}: expected UTC, local, an offset such as +09:00, or a zone name such \
                 as Asia/Seoul"
            )
        };
        if s.eq_ignore_ascii_case("utc") || s.eq_ignore_ascii_case("z") {
            return Ok(Zone::utc());
        }
        if s == "local" {
            let tz = TimeZone::try_system().map_err(|e| format!("local: {e}"))?;
            let name = tz.iana_name().unwrap_or("local").to_string();
            let fixed = tz.to_fixed_offset().ok().map(|o| i64::from(o.seconds()));
            return Ok(Zone { name, tz, fixed });
        }
        if let Some(rest) = s.strip_prefix(['+', '-']) {
            let digits: String = rest.chars().filter(|c| *c != ':').collect();
            let colons = rest.matches(':').count();
            let ok = digits.bytes().all(|b| b.is_ascii_digit())
                && (digits.len() == 2 && colons == 0
                    || digits.len() == 4 && (colons == 0 || rest.find(':') == Some(2)));
            if !ok {
                return Err(bad());
            }
            let (h, m): (i64, i64) = (
                digits[..2].parse().map_err(|_| bad())?,
                match &digits[2..] {
                    "" => 0,
                    m => m.parse().map_err(|_| bad())?,
                },
            );
            if h > 23 || m > 59 {
                return Err(bad());
            }
            let sign = if s.starts_with('-') { -1 } else { 1 };
            return Ok(Zone::fixed(sign * (h * 3600 + m * 60)));
        }
        let tz = TimeZone::get(s).map_err(|_| bad())?;
        let fixed = tz.to_fixed_offset().ok().map(|o| i64::from(o.seconds()));
        Ok(Zone {
            name: s.to_string(),
            tz,
            fixed,
        })
    }

    /// A zone of a fixed offset, in seconds (less than a day either way).
    pub fn fixed(seconds: i64) -> Zone {
        let offset = Offset::from_seconds(seconds as i32).unwrap_or(Offset::UTC);
        Zone {
            name: offset_text(seconds),
            tz: TimeZone::fixed(offset),
            fixed: Some(seconds),
        }
    }

    /// Says whether this is UTC itself (written `Z`), not an offset that is zero now.
    pub fn is_utc(&self) -> bool {
        self.name == "UTC"
    }

    /// The zone's name as the user gave it (`UTC`, `+09:00`, `Asia/Seoul`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The zone's offset from UTC at an instant, in seconds.
    pub fn offset_at(&self, ms: Millis) -> i64 {
        if let Some(fixed) = self.fixed {
            return fixed;
        }
        let ts = Timestamp::from_millisecond(ms).unwrap_or(if ms < 0 {
            Timestamp::MIN
        } else {
            Timestamp::MAX
        });
        i64::from(self.tz.to_offset(ts).seconds())
    }

    /// The zone's offset, in seconds, for a civil time read in it (`local`: the civil time's
    /// milliseconds as if it were UTC). A time that a change of offset skipped or repeated
    /// takes the offset before the change, as RFC 5545 and jiff's `compatible` do.
    pub fn offset_of_local(&self, local: Millis) -> Option<i64> {
        if let Some(fixed) = self.fixed {
            return Some(fixed);
        }
        let dt = DateTime::constant(1970, 1, 1, 0, 0, 0, 0)
            .checked_add(SignedDuration::from_millis(local))
            .ok()?;
        let ts = self.tz.to_ambiguous_timestamp(dt).compatible().ok()?;
        Some((local - ts.as_millisecond()).div_euclid(1000))
    }

    /// Names the zone for people, with its offset at `at` when it is not UTC:
    /// `UTC`, `+09:00`, `Asia/Seoul (+09:00)`.
    pub fn label(&self, at: Millis) -> String {
        match self.fixed {
            _ if self.is_utc() => "UTC".to_string(),
            Some(_) if self.name.starts_with(['+', '-']) => self.name.clone(),
            _ => format!("{} ({})", self.name, offset_text(self.offset_at(at))),
        }
    }
}

/// Writes an offset in seconds as RFC 3339 does (`+09:00`, `-05:30`), to the minute.
pub fn offset_text(seconds: i64) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.abs() / 60;
    format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}
