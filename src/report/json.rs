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
use serde_json::ser::{Formatter, PrettyFormatter};

use super::{
    BucketRow, CodeRow, GroupBucketRow, MalformedRow, Render, Report, SampleRow, ShareRow,
};
use crate::latency::Percentiles;
use crate::time::{self, Zone};

pub const SCHEMA: &str = "errstat.report/v1";

/// The whole report as one JSON document, pretty or on one line.
pub struct Json {
    pub compact: bool,
}

/// The report as JSON lines.
pub struct Ndjson;

impl Render for Json {
    fn render(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let doc = Document::of(r);
        let mut text = buffered(out);
        let layout = if self.compact {
            Layout::Compact
        } else {
            Layout::Pretty(0)
        };
        write_document(&mut text, layout, &doc)?;
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
            line(out, "code", Code::of(c, r.zone.as_ref()))?;
        }
        for s in &r.categories {
            line(out, "category", Share(s, "category"))?;
        }
        let mut keys = BucketKeys::new(Layout::Compact);
        for b in r.buckets.iter().flat_map(|(_, rows)| rows) {
            bucket_line(
                out,
                &Bucket::of(b, r.group_by.is_some(), r.zone.as_ref()),
                &mut keys,
            )?;
        }
        for m in &r.malformed {
            line(out, "malformed", Malformed::of(m))?;
        }
        if let Some(c) = &r.changed {
            let j = c.json(r.zone.as_ref());
            for s in &j.spikes {
                line(out, "spike", s)?;
            }
            for n in &j.new_codes {
                line(out, "new_code", n)?;
            }
            for ch in j.changes.iter().flatten() {
                line(out, "change", ch)?;
            }
        }
        out.flush()
    }
}

/// A buffer of its own type in front of `out`: serde writes a document a few bytes at a
/// time, and through `dyn Write` each would be a call; the buffer takes them inline.
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

/// Writes one bucket's NDJSON line, as `line` would (the keys escaped once, as in the
/// document).
fn bucket_line<W: Write>(out: &mut W, b: &Bucket<'_>, keys: &mut BucketKeys) -> io::Result<()> {
    let mut o = Object::open(out, Layout::Compact)?;
    o.field("schema", SCHEMA)?;
    o.field("type", "bucket")?;
    bucket_members(&mut o, b, keys)?;
    o.close()?;
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

impl<'a> Document<'a> {
    fn of(r: &'a Report<'_>) -> Document<'a> {
        Document {
            schema: SCHEMA,
            totals: Totals::of(r),
            span: Span::of(r),
            latency_ms: r.latency.map(Latency::of),
            group_by: r.group_by.map(|g| g.as_str()),
            codes: r
                .codes
                .iter()
                .map(|c| Code::of(c, r.zone.as_ref()))
                .collect(),
            categories: Shares(&r.categories, "category"),
            classes: Shares(&r.classes, "class"),
            faults: Shares(&r.faults, "fault"),
            bucket_ms: r.buckets.as_ref().map(|(width, _)| *width),
            buckets: r.buckets.as_ref().map(|(_, rows)| {
                rows.iter()
                    .map(|b| Bucket::of(b, r.group_by.is_some(), r.zone.as_ref()))
                    .collect()
            }),
            malformed_samples: r.malformed.iter().map(Malformed::of).collect(),
            failed_inputs: r
                .failed_inputs
                .iter()
                .map(|f| Failed {
                    source: &f.source,
                    error: &f.error,
                })
                .collect(),
            changed: r.changed.as_ref().map(|c| c.json(r.zone.as_ref())),
        }
    }
}

/// The document as `serde_json` would write it from its `Serialize` (which the tests
/// hold it to), but with the buckets written by hand: their counts name a code for each
/// (bucket, code) pair, many times over in a long log's buckets, and serde_json escapes
/// each name a byte at a time.
fn write_document<W: Write>(out: &mut W, layout: Layout, d: &Document<'_>) -> io::Result<()> {
    let mut o = Object::open(out, layout)?;
    o.field("schema", &d.schema)?;
    o.field("totals", &d.totals)?;
    o.field("span", &d.span)?;
    o.field("latency_ms", &d.latency_ms)?;
    o.field("group_by", &d.group_by)?;
    o.field("codes", &d.codes)?;
    o.field("categories", &d.categories)?;
    o.field("classes", &d.classes)?;
    o.field("faults", &d.faults)?;
    if let Some(ms) = d.bucket_ms {
        o.field("bucket_ms", &ms)?;
    }
    if let Some(buckets) = &d.buckets {
        let inner = layout.inner();
        // Buckets in an array in the document.
        let mut keys = BucketKeys::new(inner.inner());
        let out = o.key(b"\"buckets\"")?;
        out.write_all(b"[")?;
        for (i, b) in buckets.iter().enumerate() {
            element(out, inner, i == 0)?;
            let mut o = Object::open(out, inner.inner())?;
            bucket_members(&mut o, b, &mut keys)?;
            o.close()?;
        }
        close(out, inner, b"]", buckets.is_empty())?;
    }
    o.field("malformed_samples", &d.malformed_samples)?;
    o.field("failed_inputs", &d.failed_inputs)?;
    if let Some(c) = &d.changed {
        o.field("spike_bucket_ms", &c.spike_bucket_ms)?;
        o.field("spike_bucket_auto", &c.spike_bucket_auto)?;
        o.field("spike_series_untested", &c.spike_series_untested)?;
        o.field("spikes", &c.spikes)?;
        o.field("new_codes", &c.new_codes)?;
        if let Some(b) = &c.baseline {
            o.field("baseline", b)?;
        }
        if let Some(changes) = &c.changes {
            o.field("changes", changes)?;
        }
    }
    o.close()
}

/// The member texts of the counts in a bucket's object (laid out as `object`) and in its
/// groups' objects.
struct BucketKeys {
    bucket: Keys,
    group: Keys,
}

impl BucketKeys {
    fn new(object: Layout) -> BucketKeys {
        BucketKeys {
            bucket: Keys::new(object.inner()),
            // The groups' array, a group's object, its counts.
            group: Keys::new(object.inner().inner().inner()),
        }
    }
}

/// A bucket's members, written into its object.
fn bucket_members<W: Write>(
    o: &mut Object<'_, W>,
    b: &Bucket<'_>,
    keys: &mut BucketKeys,
) -> io::Result<()> {
    let mut n = itoa::Buffer::new();
    o.field("start", &b.start)?;
    o.key(b"\"responses\"")?
        .write_all(n.format(b.responses).as_bytes())?;
    o.key(b"\"errors\"")?
        .write_all(n.format(b.errors).as_bytes())?;
    counts(o.key(b"\"codes\"")?, &b.codes, &mut keys.bucket)?;
    let Some(groups) = &b.groups else {
        return Ok(());
    };
    let array = o.layout.inner();
    let out = o.key(b"\"groups\"")?;
    out.write_all(b"[")?;
    for (i, g) in groups.iter().enumerate() {
        element(out, array, i == 0)?;
        let mut o = Object::open(out, array.inner())?;
        o.field("group", g.group)?;
        if let Some(responses) = g.responses {
            o.key(b"\"responses\"")?
                .write_all(n.format(responses).as_bytes())?;
        }
        o.key(b"\"errors\"")?
            .write_all(n.format(g.errors).as_bytes())?;
        counts(o.key(b"\"codes\"")?, &g.codes, &mut keys.group)?;
        o.close()?;
    }
    close(out, array, b"]", groups.is_empty())
}

/// Writes (code, count) pairs as one object, as `Counts` serializes them.
fn counts<W: Write>(out: &mut W, c: &Counts<'_>, keys: &mut Keys) -> io::Result<()> {
    let mut n = itoa::Buffer::new();
    out.write_all(b"{")?;
    for (i, &(code, count)) in c.0.iter().enumerate() {
        let member = keys.member(code);
        // The first member has no comma before it.
        out.write_all(if i == 0 { &member[1..] } else { member })?;
        out.write_all(n.format(count).as_bytes())?;
    }
    close(out, keys.layout, b"}", c.0.is_empty())
}

/// How a value is laid out: on one line, or as serde_json's pretty printer lays it out at
/// a depth (two spaces a level).
#[derive(Debug, Clone, Copy)]
enum Layout {
    Compact,
    Pretty(usize),
}

impl Layout {
    /// The layout of a value inside this one.
    fn inner(self) -> Layout {
        match self {
            Layout::Compact => Layout::Compact,
            Layout::Pretty(depth) => Layout::Pretty(depth + 1),
        }
    }
}

/// Each code's member of a bucket's counts as written before its count: the separator, the
/// indentation and the name as a JSON string with its colon, made once a code. The names are
/// the aggregate's own strings, one a code, borrowed by every bucket: a name's address and
/// length stand for it while the report lives (two copies of one name would only be made
/// twice).
struct Keys {
    /// The counts objects' layout.
    layout: Layout,
    members: foldhash::HashMap<(usize, usize), Vec<u8>>,
}

impl Keys {
    fn new(layout: Layout) -> Keys {
        Keys {
            layout,
            members: foldhash::HashMap::default(),
        }
    }

    /// The member's text up to its value, with the comma that precedes all but the first.
    fn member(&mut self, code: &str) -> &[u8] {
        let layout = self.layout;
        self.members
            .entry((code.as_ptr() as usize, code.len()))
            .or_insert_with(|| {
                let mut m = Vec::with_capacity(code.len() + 16);
                // Writes into a Vec cannot fail.
                let _ = element(&mut m, layout, false);
                let _ = serde_json::to_writer(&mut m, code);
                m.extend_from_slice(colon(layout).as_bytes());
                m
            })
    }
}

/// An object written member by member, laid out as serde_json lays one out.
struct Object<'w, W> {
    out: &'w mut W,
    layout: Layout,
    empty: bool,
}

impl<'w, W: Write> Object<'w, W> {
    fn open(out: &'w mut W, layout: Layout) -> io::Result<Self> {
        out.write_all(b"{")?;
        Ok(Object {
            out,
            layout,
            empty: true,
        })
    }

    /// Writes the next member's key (a JSON string, quotes included) and what comes
    /// between it and its value; the value is for the caller to write.
    fn key(&mut self, key: &[u8]) -> io::Result<&mut W> {
        self.next()?;
        self.out.write_all(key)?;
        self.out.write_all(colon(self.layout).as_bytes())?;
        Ok(self.out)
    }

    /// Writes a member whose key needs no escaping, its value by serde.
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> io::Result<()> {
        self.next()?;
        write!(self.out, "\"{key}\"{}", colon(self.layout))?;
        serialize(self.out, self.layout.inner(), value)
    }

    /// Writes what comes before the next member.
    fn next(&mut self) -> io::Result<()> {
        element(self.out, self.layout, self.empty)?;
        self.empty = false;
        Ok(())
    }

    fn close(self) -> io::Result<()> {
        close(self.out, self.layout, b"}", self.empty)
    }
}

/// What is between a member's key and its value.
fn colon(layout: Layout) -> &'static str {
    match layout {
        Layout::Compact => ":",
        Layout::Pretty(_) => ": ",
    }
}

/// What comes before an element of an array or object whose own layout is `layout`.
fn element(out: &mut impl Write, layout: Layout, first: bool) -> io::Result<()> {
    match layout {
        Layout::Compact if first => Ok(()),
        Layout::Compact => out.write_all(b","),
        Layout::Pretty(depth) => {
            out.write_all(if first { b"\n" } else { b",\n" })?;
            indent(out, depth + 1)
        }
    }
}

/// Ends an array or object (an empty one on the same line, as serde_json does).
fn close(out: &mut impl Write, layout: Layout, bracket: &[u8], empty: bool) -> io::Result<()> {
    if let (Layout::Pretty(depth), false) = (layout, empty) {
        out.write_all(b"\n")?;
        indent(out, depth)?;
    }
    out.write_all(bracket)
}

fn indent(out: &mut impl Write, depth: usize) -> io::Result<()> {
    const SPACES: &[u8; 32] = b"                                ";
    let mut n = 2 * depth;
    while n > 0 {
        let k = n.min(SPACES.len());
        out.write_all(&SPACES[..k])?;
        n -= k;
    }
    Ok(())
}

/// Writes a value by serde in `layout`.
fn serialize<T: Serialize + ?Sized>(
    out: &mut impl Write,
    layout: Layout,
    value: &T,
) -> io::Result<()> {
    match layout {
        Layout::Compact => serde_json::to_writer(out, value)?,
        Layout::Pretty(depth) => {
            let mut pretty = PrettyFormatter::new();
            // The formatter counts its depth in the arrays and objects it has begun.
            for _ in 0..depth {
                pretty.begin_array(&mut io::sink())?;
            }
            value.serialize(&mut serde_json::Serializer::with_formatter(out, pretty))?;
        }
    }
    Ok(())
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
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    changed: Option<super::changed::ChangedJson<'a>>,
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
    error_rate: Option<f64>,
    other_errors: u64,
    empty_error: u64,
    untimed: u64,
    untimed_errors: u64,
    folded_errors: u64,
    folded_group_errors: u64,
    codes_cut: u64,
    groups_cut: u64,
    latency_clamped: u64,
    sdk_errors: u64,
    sdk_code_from_message: u64,
    sdk_no_code: u64,
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
            other_errors: t.other_errors,
            empty_error: t.empty_error,
            untimed: t.untimed,
            untimed_errors: t.untimed_errors,
            folded_errors: r.folded_errors,
            folded_group_errors: r.folded_group_errors,
            codes_cut: t.codes_cut,
            groups_cut: t.groups_cut,
            latency_clamped: t.latency_clamped,
            sdk_errors: t.sdk_errors,
            sdk_code_from_message: t.sdk_code_from_message,
            sdk_no_code: t.sdk_no_code,
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
            first: r.span.map(|s| time::format_in(s.0, r.zone.as_ref())),
            last: r.span.map(|s| time::format_in(s.1, r.zone.as_ref())),
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
    rate: Option<f64>,
    first_seen: Option<String>,
    last_seen: Option<String>,
    request_ids: Vec<&'a str>,
    requests: Requests<'a>,
    messages: Vec<Message<'a>>,
    latency_ms: Option<Latency>,
}

impl Code<'_> {
    fn of<'c>(c: &'c CodeRow, zone: Option<&Zone>) -> Code<'c> {
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
            first_seen: c.first_seen.map(|t| time::format_in(t, zone)),
            last_seen: c.last_seen.map(|t| time::format_in(t, zone)),
            request_ids: c.first.iter().map(|s| s.id.as_str()).collect(),
            requests: Requests {
                first: c.first.iter().map(|s| Request::of(s, zone)).collect(),
                latest: c.latest.iter().map(|s| Request::of(s, zone)).collect(),
            },
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

/// The request ids kept for support: the first in input order, the latest newest first.
#[derive(Serialize)]
struct Requests<'a> {
    first: Vec<Request<'a>>,
    latest: Vec<Request<'a>>,
}

#[derive(Serialize)]
struct Request<'a> {
    request_id: &'a str,
    time: Option<String>,
    action: Option<&'a str>,
    region: Option<&'a str>,
}

impl Request<'_> {
    fn of<'s>(s: &'s SampleRow, zone: Option<&Zone>) -> Request<'s> {
        Request {
            request_id: &s.id,
            time: s.time.map(|t| time::format_in(t, zone)),
            action: s.action.as_deref(),
            region: s.region.as_deref(),
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
    /// With `--group-by` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    groups: Option<Vec<GroupBucket<'a>>>,
}

impl<'a> Bucket<'a> {
    fn of(b: &'a BucketRow<'_>, grouped: bool, zone: Option<&Zone>) -> Bucket<'a> {
        Bucket {
            start: time::format_in(b.start, zone),
            responses: b.responses,
            errors: b.errors,
            codes: Counts(&b.codes),
            groups: grouped.then(|| b.groups.iter().map(GroupBucket::of).collect()),
        }
    }
}

/// A group's part of a bucket; `responses` only for a dimension that is a record's field.
#[derive(Serialize)]
struct GroupBucket<'a> {
    group: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    responses: Option<u64>,
    errors: u64,
    codes: Counts<'a>,
}

impl<'a> GroupBucket<'a> {
    fn of(g: &'a GroupBucketRow<'_>) -> GroupBucket<'a> {
        GroupBucket {
            group: &g.group,
            responses: g.responses,
            errors: g.errors,
            codes: Counts(&g.codes),
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

#[cfg(test)]
mod tests;
