//! Which responses are counted: `--code`, `--action`, `--region`, `--since`, `--until`.
//!
//! A response left out by `--action`, `--region` or a time bound is still read and counted
//! in `totals.filtered`, so a report always adds up. `--code` leaves no response out: an
//! error whose code does not match is still a response (counted in `totals.other_errors`),
//! only not an error, so rates stay errors over all responses. A time bound leaves out
//! responses without a time.

use regex::Regex;

use crate::record::Record;
use crate::time::Millis;

/// The user's filters; the default keeps everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub code: Option<Regex>,
    pub action: Option<Regex>,
    pub region: Option<Regex>,
    /// Inclusive lower bound.
    pub since: Option<Millis>,
    /// Exclusive upper bound.
    pub until: Option<Millis>,
}

impl Filter {
    /// Says whether a response is counted. Without a filter, every one is, said inline
    /// (a call per line cost more than the test).
    #[inline]
    pub fn keeps(&self, r: &Record<'_>) -> bool {
        let none = self.action.is_none()
            && self.region.is_none()
            && self.since.is_none()
            && self.until.is_none();
        none || self.keeps_filtered(r)
    }

    fn keeps_filtered(&self, r: &Record<'_>) -> bool {
        fn matches(re: &Option<Regex>, value: Option<&str>) -> bool {
            re.as_ref()
                .is_none_or(|re| value.is_some_and(|v| re.is_match(v)))
        }
        let in_time = match (self.since, self.until, r.time) {
            (None, None, _) => true,
            (_, _, None) => false,
            (since, until, Some(t)) => since.is_none_or(|s| t >= s) && until.is_none_or(|u| t < u),
        };
        in_time
            && matches(&self.action, r.action.as_deref())
            && matches(&self.region, r.region.as_deref())
    }

    /// Says whether a kept response's error counts as one: a success always does, an
    /// error when its code matches `--code`.
    #[inline]
    pub fn counts_code(&self, r: &Record<'_>) -> bool {
        match (&self.code, r.code.as_deref()) {
            (Some(re), Some(code)) => re.is_match(code),
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn rec(
        code: Option<&'static str>,
        action: Option<&'static str>,
        t: Option<Millis>,
    ) -> Record<'static> {
        Record {
            code: code.map(Cow::Borrowed),
            action: action.map(Cow::Borrowed),
            time: t,
            ..Record::default()
        }
    }

    #[test]
    fn code_filter_keeps_successes() {
        let f = Filter {
            code: Some(Regex::new("^Auth").unwrap()),
            ..Filter::default()
        };
        for r in [
            rec(Some("AuthFailure"), None, None),
            rec(Some("InternalError"), None, None),
            rec(None, None, None),
        ] {
            assert!(f.keeps(&r));
        }
        assert!(f.counts_code(&rec(Some("AuthFailure"), None, None)));
        assert!(!f.counts_code(&rec(Some("InternalError"), None, None)));
        assert!(f.counts_code(&rec(None, None, None)));
    }

    #[test]
    fn action_and_time_bounds() {
        let f = Filter {
            action: Some(Regex::new("Describe").unwrap()),
            since: Some(100),
            until: Some(200),
            ..Filter::default()
        };
        assert!(f.keeps(&rec(None, Some("DescribeX"), Some(100))));
        assert!(!f.keeps(&rec(None, Some("DescribeX"), Some(200))));
        assert!(!f.keeps(&rec(None, Some("DescribeX"), None)));
        assert!(!f.keeps(&rec(None, Some("CreateX"), Some(150))));
        assert!(!f.keeps(&rec(None, None, Some(150))));
        assert!(Filter::default().keeps(&rec(Some("X"), None, None)));
    }
}
