//! Reports: the aggregate turned into sorted rows (`Report`), then rendered in one format.
//!
//! `Report::build` is the only place that joins stats with the catalog and sorts; every
//! renderer (one file per format, behind `Render`) writes the same rows to a `&mut dyn Write`
//! and never prints on its own. Rows are sorted by group, count (descending), then code, so
//! the output is the same for any thread count.

mod changed;
mod codes;
mod csv;
mod diff;
mod html;
mod inert;
mod json;
mod live;
mod markdown;
mod table;

use std::io::{self, Write};

use rayon::prelude::*;

use crate::catalog::{self, Catalog, Lang};
use crate::latency::Percentiles;
use crate::record::Malformed;
pub use crate::stats::GroupBy;
use crate::stats::{self, Bucket, Sample, Stats, Totals};
use crate::time::{Millis, Zone};

pub use self::changed::{Baseline, ChangeSettings, Changed, Scope};
pub use self::codes::render_codes;
pub use self::csv::Csv;
pub use self::diff::Diff;
pub use self::html::{Html, Mark, MarkKind, TimePoint, TimeSeries};
pub use self::inert::{formula_safe, inert};
pub use self::json::{Json, Ndjson};
pub use self::live::{LiveLines, LiveView, Row, Screen, Snapshot};
pub use self::markdown::Markdown;
pub use self::table::Table;

/// Messages shown per code.
pub const MESSAGES_SHOWN: usize = 5;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
    Ndjson,
    /// One self-contained page with charts (`html`).
    Html,
    /// The table's per-code rows as a Markdown table, with the totals.
    Markdown,
    /// The aggregate itself, for `errstat merge` (`crate::partial`).
    Partial,
}

/// The extensions `-o` tells a format by, as a message lists them.
pub const EXTENSIONS: &str = ".json, .ndjson, .csv, .table, .txt, .md, .html, .htm, .partial";

impl Format {
    /// Parses a `--format` value.
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "table" => Some(Format::Table),
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "ndjson" => Some(Format::Ndjson),
            "html" => Some(Format::Html),
            "markdown" => Some(Format::Markdown),
            "partial" => Some(Format::Partial),
            _ => None,
        }
    }

    /// The format an output file's extension names, whatever its case (`EXTENSIONS`).
    pub fn by_extension(ext: &str) -> Option<Format> {
        match ext.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "ndjson" => Some(Format::Ndjson),
            "csv" => Some(Format::Csv),
            "table" | "txt" => Some(Format::Table),
            "md" => Some(Format::Markdown),
            "html" | "htm" => Some(Format::Html),
            "partial" => Some(Format::Partial),
            _ => None,
        }
    }

    /// Picks a renderer for this format.
    pub fn renderer(self, width: Option<u16>, csv: Csv) -> Box<dyn Render> {
        match self {
            Format::Table => Box::new(Table { width }),
            Format::Json => Box::new(Json { compact: false }),
            Format::Csv => Box::new(csv),
            Format::Ndjson => Box::new(Ndjson),
            Format::Html => Box::new(Html),
            Format::Markdown => Box::new(Markdown),
            Format::Partial => Box::new(NotAReport),
        }
    }
}

/// Which rows a CSV report holds: CSV has one header, so each kind of row is its own
/// report (tidy data: no row repeats another's numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvRows {
    /// One row per code (and group).
    Codes,
    /// One row per time bucket (and group of an envelope field): its totals.
    Buckets,
    /// One row per (bucket, group, code) that had errors.
    BucketCodes,
    /// One row per spike; per code new to the run; per code against `--baseline`.
    Spikes,
    NewCodes,
    Changes,
}

impl CsvRows {
    pub fn parse(s: &str) -> Option<CsvRows> {
        match s {
            "codes" => Some(CsvRows::Codes),
            "buckets" => Some(CsvRows::Buckets),
            "bucket-codes" => Some(CsvRows::BucketCodes),
            "spikes" => Some(CsvRows::Spikes),
            "new-codes" => Some(CsvRows::NewCodes),
            "changes" => Some(CsvRows::Changes),
            _ => None,
        }
    }
}

/// Writes a report in one format.
pub trait Render {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
}

/// A partial is written from the aggregate (`partial::encode`), never from a report: this
/// says so rather than write something else.
struct NotAReport;

impl Render for NotAReport {
    fn render(&self, _: &Report, _: &mut dyn Write) -> io::Result<()> {
        Err(io::Error::other(
            "a partial is written from the aggregate, not a report",
        ))
    }
}

/// One per-code row.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeRow {
    pub code: String,
    /// The group's value with `--group-by` (`-` where the record had none).
    pub group: Option<String>,
    pub category: String,
    pub class: &'static str,
    pub fault: &'static str,
    pub description: Option<String>,
    pub count: u64,
    /// Of all errors.
    pub share: f64,
    /// Of all responses.
    /// Of all responses; `None` where rates are unknown (`Totals::rates_known`).
    pub rate: Option<f64>,
    pub first_seen: Option<Millis>,
    pub last_seen: Option<Millis>,
    /// The first request ids in input order.
    pub first: Vec<SampleRow>,
    /// The latest request ids, newest first.
    pub latest: Vec<SampleRow>,
    pub messages: Vec<(String, u64)>,
    pub latency: Option<Percentiles>,
}

impl CodeRow {
    /// Says whether this row stands for the codes past `--max-codes`.
    pub fn is_other(&self) -> bool {
        self.code == stats::OTHER
    }
}

/// A request id kept for support, with when and where it was seen.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleRow {
    pub id: String,
    pub time: Option<Millis>,
    pub action: Option<String>,
    pub region: Option<String>,
}

impl SampleRow {
    fn of(s: &Sample) -> SampleRow {
        let opt = |v: &str| (!v.is_empty()).then(|| v.to_string());
        SampleRow {
            id: s.id().to_string(),
            time: s.time,
            action: opt(s.action()),
            region: opt(s.region()),
        }
    }
}

/// A count over a derived dimension (category, class, fault).
#[derive(Debug, Clone, PartialEq)]
pub struct ShareRow {
    pub name: String,
    pub count: u64,
    pub share: f64,
}

/// One time bucket. Its codes are borrowed from the aggregate: a log of many buckets has
/// tens of thousands of (bucket, code) pairs, and copying each string cost as much as the
/// rest of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct BucketRow<'a> {
    pub start: Millis,
    pub responses: u64,
    pub errors: u64,
    /// (code, count), by count descending then code.
    pub codes: Vec<(&'a str, u64)>,
    /// With `--group-by`, the bucket's part in each group, by group (`group_order`).
    pub groups: Vec<GroupBucketRow<'a>>,
}

/// One group's part of a time bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupBucketRow<'a> {
    pub group: String,
    /// The group's responses, for a dimension that is a record's field; a property of the
    /// code (category, class, fault) has no responses of its own.
    pub responses: Option<u64>,
    pub errors: u64,
    pub codes: Vec<(&'a str, u64)>,
}

/// A malformed line, where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct MalformedRow {
    pub source: String,
    pub line: u64,
    pub reason: &'static str,
}

/// An input that could not be read (or not to its end).
#[derive(Debug, Clone, PartialEq)]
pub struct FailedInput {
    pub source: String,
    pub error: String,
}

/// Everything a renderer writes, sorted; it borrows from the aggregate it was built from.
#[derive(Debug, Clone, PartialEq)]
pub struct Report<'a> {
    pub totals: Totals,
    /// `None` where rates are unknown (`Totals::rates_known`).
    pub error_rate: Option<f64>,
    /// Errors counted under `(other)`, past `--max-codes` distinct codes.
    pub folded_errors: u64,
    /// Errors counted under the group `(other)`, past `--max-codes` distinct groups.
    pub folded_group_errors: u64,
    /// The cap on distinct codes and groups.
    pub max_codes: usize,
    pub span: Option<(Millis, Millis)>,
    pub latency: Option<Percentiles>,
    pub group_by: Option<GroupBy>,
    pub codes: Vec<CodeRow>,
    pub categories: Vec<ShareRow>,
    pub classes: Vec<ShareRow>,
    pub faults: Vec<ShareRow>,
    /// Bucket width and rows, with `--bucket`.
    pub buckets: Option<(Millis, Vec<BucketRow<'a>>)>,
    pub malformed: Vec<MalformedRow>,
    pub failed_inputs: Vec<FailedInput>,
    /// Spikes, new codes and changes against a baseline (`Changed::build`), when looked for.
    pub changed: Option<Changed>,
    /// `--tz`: the zone times are shown in; `None` is UTC (and `Z` in JSON and CSV).
    pub zone: Option<Zone>,
    /// Colour the table (`--color`).
    pub color: bool,
    /// Where time buckets start past the epoch's multiples of their width (`--tz`).
    pub bucket_offset: Millis,
}

/// How groups sort: by name, then `(other)`, then `-` (records without the field).
pub fn group_order(g: &str) -> (u8, &str) {
    match g {
        "-" => (2, g),
        stats::OTHER => (1, g),
        _ => (0, g),
    }
}

/// Divides, giving 0 for an empty denominator, rounded to 6 decimals for stable output.
pub fn ratio(n: u64, d: u64) -> f64 {
    if d == 0 {
        0.0
    } else {
        ((n as f64 / d as f64) * 1e6).round() / 1e6
    }
}

impl<'a> Report<'a> {
    /// Joins the aggregate with the catalog and sorts every list, on the current rayon pool
    /// (batch builds it on its own; live, on rayon's global one).
    pub fn build(
        stats: &'a Stats,
        sources: &[String],
        failed_inputs: Vec<FailedInput>,
        catalog: &Catalog,
        lang: Lang,
        group_by: Option<GroupBy>,
    ) -> Report<'a> {
        let t = stats.totals;
        // Code rows and bucket rows are built side by side, each in parallel (code rows are
        // then sorted; bucket rows keep their order), so neither waits for the other.
        let (mut codes, buckets) = rayon::join(
            || code_rows(stats, catalog, lang, group_by),
            || bucket_rows(stats, catalog, group_by),
        );
        // `(other)` after the codes it stands for, in its group.
        fn key(r: &CodeRow) -> (Option<(u8, &str)>, bool, std::cmp::Reverse<u64>, &str) {
            let group = r.group.as_deref().map(group_order);
            (group, r.is_other(), std::cmp::Reverse(r.count), &r.code)
        }
        codes.sort_by(|a, b| key(a).cmp(&key(b)));
        let shares = |key: fn(&CodeRow) -> String| {
            let mut m = std::collections::BTreeMap::<String, u64>::new();
            for row in &codes {
                *m.entry(key(row)).or_default() += row.count;
            }
            let mut v: Vec<ShareRow> = m
                .into_iter()
                .map(|(name, count)| ShareRow {
                    share: ratio(count, t.errors),
                    name,
                    count,
                })
                .collect();
            v.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
            v
        };
        let categories = shares(|r| r.category.clone());
        let classes = shares(|r| r.class.to_string());
        let faults = shares(|r| r.fault.to_string());
        let malformed = stats
            .malformed
            .iter()
            .map(|(pos, why): &(_, Malformed)| MalformedRow {
                source: sources
                    .get(pos.source as usize)
                    .cloned()
                    .unwrap_or_default(),
                line: stats.line_number(*pos),
                reason: why.as_str(),
            })
            .collect();
        Report {
            totals: t,
            error_rate: t.rates_known().then(|| ratio(t.errors, t.responses)),
            folded_errors: codes.iter().filter(|c| c.is_other()).map(|c| c.count).sum(),
            max_codes: stats.aggregation.max_codes,
            // Only a field's groups are capped: a derived `(other)` is the codes'.
            folded_group_errors: match group_by {
                Some(g) if g.is_field() => codes
                    .iter()
                    .filter(|c| c.group.as_deref() == Some(stats::OTHER))
                    .map(|c| c.count)
                    .sum(),
                _ => 0,
            },
            span: stats.span,
            latency: stats.latency.percentiles(),
            group_by,
            codes,
            categories,
            classes,
            faults,
            buckets,
            malformed,
            failed_inputs,
            changed: None,
            zone: None,
            color: false,
            bucket_offset: stats.aggregation.bucket_offset_ms,
        }
    }
}

/// One row per (code, group), unsorted.
fn code_rows(
    stats: &Stats,
    catalog: &Catalog,
    lang: Lang,
    group_by: Option<GroupBy>,
) -> Vec<CodeRow> {
    let t = stats.totals;
    let rows: Vec<_> = stats.code_groups().collect();
    rows.par_iter()
        .map(|&(code, group, c)| {
            let other = code == stats::OTHER;
            let category = catalog::category_of(code).to_string();
            let (class, fault) = if other {
                (stats::OTHER, stats::OTHER)
            } else {
                (catalog.class_of(code).as_str(), fault_name(code))
            };
            let description = catalog
                .get(code)
                .and_then(|e| e.description(lang))
                .map(str::to_string);
            let group = group_by.map(|g| match g {
                _ if g.is_field() && group.is_empty() => "-".to_string(),
                GroupBy::Category => category.clone(),
                GroupBy::Class => class.to_string(),
                GroupBy::Fault => fault.to_string(),
                _ => group.to_string(),
            });
            CodeRow {
                code: code.to_string(),
                group,
                category,
                class,
                fault,
                description,
                count: c.count,
                share: ratio(c.count, t.errors),
                rate: t.rates_known().then(|| ratio(c.count, t.responses)),
                first_seen: c.first_seen,
                last_seen: c.last_seen,
                first: c.first.iter().map(SampleRow::of).collect(),
                latest: c.latest.iter().rev().map(SampleRow::of).collect(),
                messages: c
                    .top_messages(MESSAGES_SHOWN)
                    .into_iter()
                    .map(|(m, n)| (m.to_string(), n))
                    .collect(),
                latency: c.latency.percentiles(),
            }
        })
        .collect()
}

/// The time buckets' rows in time order, with `--bucket`; each bucket's codes by count.
fn bucket_rows<'a>(
    stats: &'a Stats,
    catalog: &Catalog,
    group_by: Option<GroupBy>,
) -> Option<(Millis, Vec<BucketRow<'a>>)> {
    let width = stats.aggregation.bucket?;
    let buckets: Vec<(Millis, &Bucket)> = stats.buckets().collect();
    let order = stats.name_order();
    let rows = buckets
        .par_iter()
        .with_min_len(64)
        .map(|&(start, b)| {
            let codes = stats.by_count(b, &order);
            let groups = match group_by {
                None => Vec::new(),
                Some(g) if g.is_field() => field_groups(stats, b, &order),
                Some(g) => derived_groups(&codes, catalog, g),
            };
            BucketRow {
                start,
                responses: b.responses,
                errors: b.errors,
                codes,
                groups,
            }
        })
        .collect();
    Some((width, rows))
}

/// A bucket's groups by a record's field, in `group_order`.
fn field_groups<'a>(stats: &'a Stats, b: &'a Bucket, order: &[u32]) -> Vec<GroupBucketRow<'a>> {
    let mut groups: Vec<GroupBucketRow<'a>> = stats
        .bucket_groups(b)
        .map(|(group, g)| GroupBucketRow {
            group: if group.is_empty() { "-" } else { group }.to_string(),
            responses: Some(g.responses),
            errors: g.errors,
            codes: stats.group_by_count(g, order),
        })
        .collect();
    groups.sort_by(|a, b| group_order(&a.group).cmp(&group_order(&b.group)));
    groups
}

/// A counted code's fault as every report names it: `unknown` for `(no code)`, an SDK
/// error that named no code (nothing says whose fault it was), else by the code's text.
pub(crate) fn fault_name(code: &str) -> &'static str {
    if code == crate::record::NO_CODE {
        "unknown"
    } else {
        catalog::fault_of(code).as_str()
    }
}

/// A bucket's groups by a property of the code: its codes, split (they keep their order).
fn derived_groups<'a>(
    codes: &[(&'a str, u64)],
    catalog: &Catalog,
    g: GroupBy,
) -> Vec<GroupBucketRow<'a>> {
    let mut groups = std::collections::BTreeMap::<(u8, String), GroupBucketRow<'a>>::new();
    for &(code, n) in codes {
        let name = match g {
            _ if code == stats::OTHER => stats::OTHER.to_string(),
            GroupBy::Category => catalog::category_of(code).to_string(),
            GroupBy::Class => catalog.class_of(code).as_str().to_string(),
            _ => fault_name(code).to_string(),
        };
        let key = (group_order(&name).0, name.clone());
        let row = groups.entry(key).or_insert_with(|| GroupBucketRow {
            group: name,
            responses: None,
            errors: 0,
            codes: Vec::new(),
        });
        row.errors += n;
        row.codes.push((code, n));
    }
    groups.into_values().collect()
}
