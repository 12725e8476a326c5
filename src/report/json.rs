//! JSON (`errstat.report/v1`, one document) and NDJSON (one object per line) reports.
//!
//! Both are built from the same values: NDJSON writes the document's parts one per line,
//! each with `schema` and a `type` (`totals`, `code`, `category`, `bucket`, `malformed`).
//! The values are views that borrow the report's rows and are serialized as they are
//! walked: building a `serde_json::Value` first cost an allocation per key and value,
//! which made the report a large part of a run's serial tail with per-minute buckets.

use std::io::{self, Write};

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::{BucketRow, CodeRow, MalformedRow, Render, Report, ShareRow};
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
        let doc = Document {
            schema: SCHEMA,
            totals: Totals::of(r),
            span: Span::of(r),
            latency_ms: r.latency.map(Latency::of),
            group_by: r.group_by.map(|g| g.as_str()),
            codes: r.codes.iter().map(Code::of).collect(),
            categories: Shares(&r.categories, "category"),
            classes: Shares(&r.classes, "class"),
            faults: Shares(&r.faults, "fault"),
            bucket_ms: r.buckets.as_ref().map(|(width, _)| *width),
            buckets: r
                .buckets
                .as_ref()
                .map(|(_, rows)| rows.iter().map(Bucket::of).collect()),
            malformed_samples: r.malformed.iter().map(Malformed::of).collect(),
            failed_inputs: r
                .failed_inputs
                .iter()
                .map(|f| Failed {
                    source: &f.source,
                    error: &f.error,
                })
                .collect(),
        };
        let mut text = buffered(out);
        if self.compact {
            serde_json::to_writer(&mut text, &doc)?;
        } else {
            serde_json::to_writer_pretty(&mut text, &doc)?;
        }
        writeln!(text)?;
        text.flush()
    }
}

impl Render for Ndjson {
    fn render(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let out = &mut buffered(out);
        let totals = TotalsLine {
            totals: Totals::of(r),
            span: Span::of(r),
            latency_ms: r.latency.map(Latency::of),
        };
        line(out, "totals", totals)?;
        for c in &r.codes {
            line(out, "code", Code::of(c))?;
        }
        for s in &r.categories {
            line(out, "category", Share(s, "category"))?;
        }
        for b in r.buckets.iter().flat_map(|(_, rows)| rows) {
            line(out, "bucket", Bucket::of(b))?;
        }
        for m in &r.malformed {
            line(out, "malformed", Malformed::of(m))?;
        }
        out.flush()
    }
}

/// A buffer of its own type in front of `out`: serde writes a document a few bytes at a
/// time, and through `dyn Write` each is a call (the JSON of a 200 MB log with 1 m buckets,
/// 1.86 MB: 2.2 -> 1.6 ms).
fn buffered(out: &mut dyn Write) -> io::BufWriter<&mut dyn Write> {
    io::BufWriter::with_capacity(1 << 16, out)
}

/// Writes one NDJSON line: `schema`, `type`, then the body's fields.
fn line<T: Serialize>(out: &mut impl Write, kind: &str, body: T) -> io::Result<()> {
    let tagged = Tagged {
        schema: SCHEMA,
        kind,
        body,
    };
    serde_json::to_writer(&mut *out, &tagged)?;
    writeln!(out)
}

#[derive(Serialize)]
struct Tagged<'k, T> {
    schema: &'static str,
    #[serde(rename = "type")]
    kind: &'k str,
    #[serde(flatten)]
    body: T,
}

#[derive(Serialize)]
struct Document<'a> {
    schema: &'static str,
    totals: Totals,
    span: Span,
    latency_ms: Option<Latency>,
    group_by: Option<&'static str>,
    codes: Vec<Code<'a>>,
    categories: Shares<'a>,
    classes: Shares<'a>,
    faults: Shares<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bucket_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    buckets: Option<Vec<Bucket<'a>>>,
    malformed_samples: Vec<Malformed<'a>>,
    failed_inputs: Vec<Failed<'a>>,
}

#[derive(Serialize)]
struct TotalsLine {
    totals: Totals,
    span: Span,
    latency_ms: Option<Latency>,
}

#[derive(Serialize)]
struct Totals {
    lines: u64,
    blank: u64,
    skipped: u64,
    malformed: u64,
    filtered: u64,
    responses: u64,
    errors: u64,
    error_rate: f64,
    empty_error: u64,
}

impl Totals {
    fn of(r: &Report) -> Totals {
        let t = &r.totals;
        Totals {
            lines: t.lines,
            blank: t.blank,
            skipped: t.skipped,
            malformed: t.malformed,
            filtered: t.filtered,
            responses: t.responses,
            errors: t.errors,
            error_rate: r.error_rate,
            empty_error: t.empty_error,
        }
    }
}

#[derive(Serialize)]
struct Span {
    first: Option<String>,
    last: Option<String>,
}

impl Span {
    fn of(r: &Report) -> Span {
        Span {
            first: r.span.map(|s| time::format(s.0)),
            last: r.span.map(|s| time::format(s.1)),
        }
    }
}

#[derive(Serialize)]
struct Latency {
    p50: f64,
    p90: f64,
    p99: f64,
    max: f64,
}

impl Latency {
    fn of(p: Percentiles) -> Latency {
        Latency {
            p50: p.p50,
            p90: p.p90,
            p99: p.p99,
            max: p.max,
        }
    }
}

#[derive(Serialize)]
struct Code<'a> {
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'a str>,
    category: &'a str,
    class: &'a str,
    fault: &'a str,
    description: Option<&'a str>,
    count: u64,
    share: f64,
    rate: f64,
    first_seen: Option<String>,
    last_seen: Option<String>,
    request_ids: &'a [String],
    messages: Vec<Message<'a>>,
    latency_ms: Option<Latency>,
}

impl Code<'_> {
    fn of(c: &CodeRow) -> Code<'_> {
        Code {
            code: &c.code,
            group: c.group.as_deref(),
            category: &c.category,
            class: c.class,
            fault: c.fault,
            description: c.description.as_deref(),
            count: c.count,
            share: c.share,
            rate: c.rate,
            first_seen: c.first_seen.map(time::format),
            last_seen: c.last_seen.map(time::format),
            request_ids: &c.request_ids,
            messages: c
                .messages
                .iter()
                .map(|(text, count)| Message {
                    text,
                    count: *count,
                })
                .collect(),
            latency_ms: c.latency.map(Latency::of),
        }
    }
}

#[derive(Serialize)]
struct Message<'a> {
    text: &'a str,
    count: u64,
}

/// Share rows, each `{<key>: name, "count", "share"}`.
struct Shares<'a>(&'a [ShareRow], &'static str);

impl Serialize for Shares<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|row| Share(row, self.1)))
    }
}

struct Share<'a>(&'a ShareRow, &'static str);

impl Serialize for Share<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry(self.1, &self.0.name)?;
        map.serialize_entry("count", &self.0.count)?;
        map.serialize_entry("share", &self.0.share)?;
        map.end()
    }
}

#[derive(Serialize)]
struct Bucket<'a> {
    start: String,
    responses: u64,
    errors: u64,
    codes: Counts<'a>,
}

impl<'a> Bucket<'a> {
    fn of(b: &'a BucketRow<'_>) -> Bucket<'a> {
        Bucket {
            start: time::format(b.start),
            responses: b.responses,
            errors: b.errors,
            codes: Counts(&b.codes),
        }
    }
}

/// (code, count) pairs as one object, in their order.
struct Counts<'a>(&'a [(&'a str, u64)]);

impl Serialize for Counts<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(code, n)| (code, n)))
    }
}

#[derive(Serialize)]
struct Malformed<'a> {
    source: &'a str,
    line: u64,
    reason: &'a str,
}

impl Malformed<'_> {
    fn of(m: &MalformedRow) -> Malformed<'_> {
        Malformed {
            source: &m.source,
            line: m.line,
            reason: m.reason,
        }
    }
}

#[derive(Serialize)]
struct Failed<'a> {
    source: &'a str,
    error: &'a str,
}
