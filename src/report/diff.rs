//! `errstat diff BEFORE AFTER`: every code of two runs compared (SPEC §4.9), in each format.

use std::io::{self, Write};

use serde::Serialize;

use super::changed::{ChangeJson, basis_str};
use super::{Baseline, Format, inert};
use crate::change::{self, Comparison};
use crate::time;

/// Two runs and their comparison.
#[derive(Debug, Clone)]
pub struct Diff {
    pub before: Baseline,
    pub after: Baseline,
    pub comparison: Comparison,
}

#[derive(Serialize)]
struct Side<'a> {
    source: &'a str,
    responses: Option<u64>,
    first: Option<String>,
    last: Option<String>,
}

impl Side<'_> {
    fn of(b: &Baseline) -> Side<'_> {
        Side {
            source: &b.source,
            responses: b.responses,
            first: b.span.map(|s| time::format(s.0)),
            last: b.span.map(|s| time::format(s.1)),
        }
    }
}

#[derive(Serialize)]
struct Document<'a> {
    schema: &'static str,
    before: Side<'a>,
    after: Side<'a>,
    basis: &'static str,
    changes: Vec<ChangeJson<'a>>,
}

const SCHEMA: &str = "errstat.diff/v1";

impl Diff {
    /// Compares `after` with `before`.
    pub fn new(before: Baseline, after: Baseline) -> Diff {
        let codes = |b: &Baseline| -> Vec<(String, u64)> { b.codes.clone() };
        let (bc, ac) = (codes(&before), codes(&after));
        let bc: Vec<(&str, u64)> = bc.iter().map(|(c, n)| (&**c, *n)).collect();
        let ac: Vec<(&str, u64)> = ac.iter().map(|(c, n)| (&**c, *n)).collect();
        let comparison =
            change::compare(&before.period(&bc), &after.period(&ac), &Default::default());
        Diff {
            before,
            after,
            comparison,
        }
    }

    /// Writes the comparison in `format` (the table by default on a terminal).
    pub fn render(&self, format: Format, out: &mut dyn Write) -> io::Result<()> {
        let changes: Vec<ChangeJson<'_>> =
            self.comparison.changes.iter().map(ChangeJson::of).collect();
        let basis = basis_str(self.comparison.basis);
        match format {
            Format::Json => {
                let doc = Document {
                    schema: SCHEMA,
                    before: Side::of(&self.before),
                    after: Side::of(&self.after),
                    basis,
                    changes,
                };
                serde_json::to_writer_pretty(&mut *out, &doc)?;
                writeln!(out)
            }
            Format::Ndjson => {
                let head = serde_json::json!({
                    "schema": SCHEMA, "type": "periods",
                    "before": Side::of(&self.before), "after": Side::of(&self.after),
                    "basis": basis,
                });
                serde_json::to_writer(&mut *out, &head)?;
                writeln!(out)?;
                for c in &changes {
                    let mut v = serde_json::to_value(c)?;
                    let line = serde_json::json!({"schema": SCHEMA, "type": "change"});
                    if let (Some(o), serde_json::Value::Object(line)) = (v.as_object_mut(), line) {
                        let mut line = line;
                        line.append(o);
                        serde_json::to_writer(&mut *out, &line)?;
                    }
                    writeln!(out)?;
                }
                Ok(())
            }
            Format::Csv => {
                let mut w = csv::Writer::from_writer(&mut *out);
                write_csv(&mut w, &changes).map_err(super::csv::io_error)?;
                w.flush()
            }
            _ => self.table(out),
        }
    }

    fn table(&self, out: &mut dyn Write) -> io::Result<()> {
        let side = |name: &str, b: &Baseline| -> String {
            let span = b.span.map_or_else(
                || "no times".to_string(),
                |(a, z)| format!("{} .. {}", time::format(a), time::format(z)),
            );
            let responses = b
                .responses
                .map_or_else(|| "responses unknown".into(), |n| format!("{n} responses"));
            format!("{name} {}  {responses}  {span}", inert(&b.source))
        };
        writeln!(out, "{}", side("before", &self.before))?;
        writeln!(out, "{}", side("after ", &self.after))?;
        writeln!(
            out,
            "rates per {}",
            match self.comparison.basis {
                change::Basis::Responses => "response",
                change::Basis::Duration => "hour",
                change::Basis::Counts => "run (counts compared, no test)",
            }
        )?;
        super::changed::change_table(out, &self.comparison.changes, usize::MAX)
    }
}

/// One CSV row per code: the comparison's columns.
pub(super) fn write_csv<W: Write>(
    w: &mut csv::Writer<W>,
    changes: &[ChangeJson<'_>],
) -> csv::Result<()> {
    w.write_record([
        "code",
        "label",
        "before",
        "after",
        "before_rate",
        "after_rate",
        "ratio",
        "excess",
        "p_value",
        "significant",
    ])?;
    let opt = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_default();
    for c in changes {
        w.write_record([
            c.code.to_string(),
            c.label.to_string(),
            c.before.to_string(),
            c.after.to_string(),
            opt(c.before_rate),
            opt(c.after_rate),
            opt(c.ratio),
            c.excess.to_string(),
            // Scientific where small: a p-value may be 1e-300.
            c.p_value.map(|p| format!("{p:e}")).unwrap_or_default(),
            c.significant.map(|s| s.to_string()).unwrap_or_default(),
        ])?;
    }
    Ok(())
}
