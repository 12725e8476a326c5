//! JSON (`errstat.report/v1`, one document) and NDJSON (one object per line) reports.
//!
//! Both are built from the same values: NDJSON writes the document's parts one per line,
//! each with `schema` and a `type` (`totals`, `code`, `category`, `bucket`, `malformed`).

use std::io::{self, Write};

use serde_json::{Value, json};

use super::{BucketRow, CodeRow, Render, Report, ShareRow};
use crate::latency::Percentiles;
use crate::time;

pub const SCHEMA: &str = "errstat.report/v1";

/// The whole report as one JSON document, pretty or on one line.
pub struct Json {
    pub compact: bool,
}

/// The report as JSON lines.
pub struct Ndjson;

impl Render for Json {
    fn render(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut doc = json!({
            "schema": SCHEMA,
            "totals": totals(r),
            "span": span(r),
            "latency_ms": r.latency.map(latency),
            "group_by": r.group_by.map(|g| g.as_str()),
            "codes": r.codes.iter().map(code).collect::<Vec<_>>(),
            "categories": shares(&r.categories, "category"),
            "classes": shares(&r.classes, "class"),
            "faults": shares(&r.faults, "fault"),
        });
        if let Some((width, rows)) = &r.buckets {
            doc["bucket_ms"] = json!(width);
            doc["buckets"] = rows.iter().map(bucket).collect();
        }
        doc["malformed_samples"] = malformed(r);
        doc["failed_inputs"] = failed(r);
        if self.compact {
            serde_json::to_writer(&mut *out, &doc)?;
        } else {
            serde_json::to_writer_pretty(&mut *out, &doc)?;
        }
        writeln!(out)
    }
}

impl Render for Ndjson {
    fn render(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut line = |kind: &str, mut v: Value| -> io::Result<()> {
            let mut obj = json!({ "schema": SCHEMA, "type": kind });
            if let (Some(o), Value::Object(fields)) = (obj.as_object_mut(), v.take()) {
                o.extend(fields);
            }
            serde_json::to_writer(&mut *out, &obj)?;
            writeln!(out)
        };
        line(
            "totals",
            json!({ "totals": totals(r), "span": span(r), "latency_ms": r.latency.map(latency) }),
        )?;
        for c in &r.codes {
            line("code", code(c))?;
        }
        for c in shares(&r.categories, "category") {
            line("category", c)?;
        }
        for b in r.buckets.iter().flat_map(|(_, rows)| rows) {
            line("bucket", bucket(b))?;
        }
        if let Value::Array(rows) = malformed(r) {
            for m in rows {
                line("malformed", m)?;
            }
        }
        Ok(())
    }
}

fn totals(r: &Report) -> Value {
    let t = &r.totals;
    json!({
        "lines": t.lines,
        "blank": t.blank,
        "skipped": t.skipped,
        "malformed": t.malformed,
        "filtered": t.filtered,
        "responses": t.responses,
        "errors": t.errors,
        "error_rate": r.error_rate,
        "empty_error": t.empty_error,
    })
}

fn span(r: &Report) -> Value {
    json!({
        "first": r.span.map(|s| time::format(s.0)),
        "last": r.span.map(|s| time::format(s.1)),
    })
}

fn latency(p: Percentiles) -> Value {
    json!({ "p50": p.p50, "p90": p.p90, "p99": p.p99, "max": p.max })
}

fn code(c: &CodeRow) -> Value {
    let mut v = json!({ "code": c.code });
    if let Some(g) = &c.group {
        v["group"] = json!(g);
    }
    let rest = json!({
        "category": c.category,
        "class": c.class,
        "fault": c.fault,
        "description": c.description,
        "count": c.count,
        "share": c.share,
        "rate": c.rate,
        "first_seen": c.first_seen.map(time::format),
        "last_seen": c.last_seen.map(time::format),
        "request_ids": c.request_ids,
        "messages": c.messages.iter().map(|(t, n)| json!({ "text": t, "count": n })).collect::<Vec<_>>(),
        "latency_ms": c.latency.map(latency),
    });
    if let (Some(o), Value::Object(fields)) = (v.as_object_mut(), rest) {
        o.extend(fields);
    }
    v
}

fn shares(rows: &[ShareRow], key: &str) -> Vec<Value> {
    rows.iter()
        .map(|s| json!({ key: s.name, "count": s.count, "share": s.share }))
        .collect()
}

fn bucket(b: &BucketRow) -> Value {
    let codes: serde_json::Map<String, Value> =
        b.codes.iter().map(|(c, n)| (c.clone(), json!(n))).collect();
    json!({
        "start": time::format(b.start),
        "responses": b.responses,
        "errors": b.errors,
        "codes": codes,
    })
}

fn malformed(r: &Report) -> Value {
    r.malformed
        .iter()
        .map(|m| json!({ "source": m.source, "line": m.line, "reason": m.reason }))
        .collect()
}

fn failed(r: &Report) -> Value {
    r.failed_inputs
        .iter()
        .map(|f| json!({ "source": f.source, "error": f.error }))
        .collect()
}
