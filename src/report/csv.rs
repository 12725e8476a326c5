//! CSV reports (RFC 4180 quoting by the `csv` crate): the per-code table, or with
//! `--bucket` one row per (bucket, code). A bucket without errors still gets one row, with an
//! empty code and a count of 0, so its responses are not lost.

use std::io::{self, Write};

use super::{Render, Report};
use crate::time;

/// The CSV renderer.
pub struct Csv;

impl Render for Csv {
    fn render(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        match &r.buckets {
            Some((_, rows)) => {
                w.write_record([
                    "bucket_start",
                    "code",
                    "category",
                    "count",
                    "responses",
                    "errors",
                ])?;
                for b in rows {
                    let start = time::format(b.start);
                    let (responses, errors) = (b.responses.to_string(), b.errors.to_string());
                    if b.codes.is_empty() {
                        w.write_record([&start, "", "", "0", &responses, &errors])?;
                    }
                    for (code, n) in &b.codes {
                        let category = crate::catalog::category_of(code);
                        w.write_record([
                            &start,
                            *code,
                            category,
                            &n.to_string(),
                            &responses,
                            &errors,
                        ])?;
                    }
                }
            }
            None => {
                let mut header = vec!["code"];
                if r.group_by.is_some() {
                    header.push("group");
                }
                header.extend([
                    "category",
                    "class",
                    "fault",
                    "count",
                    "share",
                    "rate",
                    "first_seen",
                    "last_seen",
                    "p50_ms",
                    "p90_ms",
                    "p99_ms",
                    "max_ms",
                    "request_ids",
                    "top_message",
                    "description",
                ]);
                w.write_record(&header)?;
                for c in &r.codes {
                    let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
                    let mut row = vec![c.code.clone()];
                    if let Some(g) = &c.group {
                        row.push(g.clone());
                    }
                    row.extend([
                        c.category.clone(),
                        c.class.to_string(),
                        c.fault.to_string(),
                        c.count.to_string(),
                        c.share.to_string(),
                        c.rate.to_string(),
                        c.first_seen.map(time::format).unwrap_or_default(),
                        c.last_seen.map(time::format).unwrap_or_default(),
                        opt(c.latency.map(|p| p.p50)),
                        opt(c.latency.map(|p| p.p90)),
                        opt(c.latency.map(|p| p.p99)),
                        opt(c.latency.map(|p| p.max)),
                        c.request_ids.join(" "),
                        c.messages.first().map(|m| m.0.clone()).unwrap_or_default(),
                        c.description.clone().unwrap_or_default(),
                    ]);
                    w.write_record(&row)?;
                }
            }
        }
        w.flush()
    }
}
