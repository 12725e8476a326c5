//! `--fail-on` conditions: a metric, a comparison and a number, checked against a report.
//!
//! ```text
//! condition := metric op number
//! metric    := lines | blank | skipped | malformed | filtered | responses | errors
//!            | empty_error | error_rate
//!            | count(CODE) | rate(CODE) | share(CODE)
//! op        := > | >= | < | <= | == | !=
//! ```
//! `CODE` matches a code exactly or as a dotted prefix: `count(AuthFailure)` counts
//! `AuthFailure` and every `AuthFailure.*`. `rate` is over responses, `share` over errors.
//! Spaces are allowed anywhere between the parts.

use std::fmt;

use crate::report::{Report, ratio};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

/// What a condition measures.
#[derive(Debug, Clone, PartialEq)]
enum Metric {
    Total(&'static str),
    Count(String),
    Rate(String),
    Share(String),
}

/// One parsed `--fail-on` condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    text: String,
    metric: Metric,
    op: Op,
    value: f64,
}

const TOTALS: [&str; 9] = [
    "lines",
    "blank",
    "skipped",
    "malformed",
    "filtered",
    "responses",
    "errors",
    "empty_error",
    "error_rate",
];

impl Condition {
    /// Parses a condition such as `error_rate>0.05` or `count(AuthFailure) >= 1`.
    pub fn parse(text: &str) -> Result<Condition, String> {
        let s: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let at = s
            .find(['>', '<', '=', '!'])
            .ok_or_else(|| format!("{text:?}: no comparison (one of > >= < <= == !=)"))?;
        let (lhs, rest) = s.split_at(at);
        let (op, rhs) = [
            (">=", Op::Ge),
            ("<=", Op::Le),
            ("==", Op::Eq),
            ("!=", Op::Ne),
            (">", Op::Gt),
            ("<", Op::Lt),
        ]
        .iter()
        .find_map(|(sym, op)| rest.strip_prefix(sym).map(|r| (*op, r)))
        .ok_or_else(|| format!("{text:?}: unknown comparison"))?;
        let value: f64 = rhs
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| format!("{text:?}: {rhs:?} is not a number"))?;
        let metric = if let Some(name) = TOTALS.iter().find(|n| **n == lhs) {
            Metric::Total(name)
        } else {
            let (func, arg) = lhs
                .strip_suffix(')')
                .and_then(|l| l.split_once('('))
                .ok_or_else(|| {
                    format!(
                        "{text:?}: unknown metric {lhs:?} (one of {}, count(CODE), rate(CODE), share(CODE))",
                        TOTALS.join(", ")
                    )
                })?;
            if arg.is_empty() {
                return Err(format!("{text:?}: {func}() needs a code"));
            }
            match func {
                "count" => Metric::Count(arg.to_string()),
                "rate" => Metric::Rate(arg.to_string()),
                "share" => Metric::Share(arg.to_string()),
                _ => return Err(format!("{text:?}: unknown function {func:?}")),
            }
        };
        Ok(Condition {
            text: text.to_string(),
            metric,
            op,
            value,
        })
    }

    /// Says, for each condition, whether it holds on `r`: `Some` message naming it and
    /// what it measured, as stderr shows it in batch and live mode alike.
    pub fn check(conditions: &[Condition], r: &Report) -> Vec<Option<String>> {
        conditions
            .iter()
            .map(|c| {
                c.holds(r).then(|| {
                    format!(
                        "--fail-on {c} holds (measured {})",
                        c.measure(r).unwrap_or(f64::NAN)
                    )
                })
            })
            .collect()
    }

    /// Says whether the condition measures one code (`count`, `rate`, `share`), which
    /// cannot see the codes folded past `--max-codes`.
    pub fn names_a_code(&self) -> bool {
        matches!(
            self.metric,
            Metric::Count(_) | Metric::Rate(_) | Metric::Share(_)
        )
    }

    /// Measures the condition's metric on a report; `None` for a rate where rates are
    /// unknown (`Totals::rates_known`).
    pub fn measure(&self, r: &Report) -> Option<f64> {
        let t = &r.totals;
        let count = |pattern: &str| -> u64 {
            r.codes
                .iter()
                .filter(|c| {
                    c.code == pattern
                        || c.code
                            .strip_prefix(pattern)
                            .is_some_and(|rest| rest.starts_with('.'))
                })
                .map(|c| c.count)
                .sum()
        };
        Some(match &self.metric {
            Metric::Total(name) => match *name {
                "lines" => t.lines as f64,
                "blank" => t.blank as f64,
                "skipped" => t.skipped as f64,
                "malformed" => t.malformed as f64,
                "filtered" => t.filtered as f64,
                "responses" => t.responses as f64,
                "errors" => t.errors as f64,
                "empty_error" => t.empty_error as f64,
                _ => r.error_rate?,
            },
            Metric::Count(p) => count(p) as f64,
            Metric::Rate(p) if t.rates_known() => ratio(count(p), t.responses),
            Metric::Rate(_) => return None,
            Metric::Share(p) => ratio(count(p), t.errors),
        })
    }

    /// Says whether the condition holds on a report.
    pub fn holds(&self, r: &Report) -> bool {
        let Some(x) = self.measure(r) else {
            return false;
        };
        let v = self.value;
        match self.op {
            Op::Gt => x > v,
            Op::Ge => x >= v,
            Op::Lt => x < v,
            Op::Le => x <= v,
            Op::Eq => x == v,
            Op::Ne => x != v,
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_grammar() {
        for ok in [
            "error_rate>0.05",
            "errors >= 100",
            "count(AuthFailure)>0",
            "rate( InternalError ) > 0.01",
            "share(X.Y)<=0.5",
            "malformed!=0",
            "lines==3",
        ] {
            assert!(Condition::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "error_rate",
            "error_rate>>1",
            "errors>many",
            "bogus>1",
            "count()>1",
            "max(X)>1",
            "errors>inf",
        ] {
            assert!(Condition::parse(bad).is_err(), "{bad}");
        }
        let c = Condition::parse("count(AuthFailure) >= 2").unwrap();
        assert_eq!(c.op, Op::Ge);
        assert_eq!(c.metric, Metric::Count("AuthFailure".into()));
        assert_eq!(c.value, 2.0);
    }
}
