//! CSV reports (RFC 4180 quoting by the `csv` crate). CSV has one header, so each kind of
//! row is a report of its own (`CsvRows`): the per-code table, the time buckets' totals, or
//! the (bucket, code) counts. No row repeats another's numbers, so every column sums.
//! With `--group-by`, the group's column is named after the dimension (`region`, `fault`…).

use std::io::{self, Write};

use super::{BucketRow, CsvRows, GroupBy, Render, Report, formula_safe, ratio};
use crate::time::{self, Zone};

/// The CSV renderer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Csv {
    pub rows: CsvRows,
    /// Guard cells against spreadsheet formulas (`formula_safe`).
    pub safe: bool,
}

impl Render for Csv {
    fn render(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut w = Writer {
            csv: csv::Writer::from_writer(out),
            safe: self.safe,
            zone: r.zone.clone(),
        };
        match (self.rows, &r.buckets) {
            (CsvRows::Buckets, Some((_, rows))) => {
                buckets(&mut w, r.group_by, r.totals.rates_known(), rows)
            }
            (CsvRows::BucketCodes, Some((_, rows))) => bucket_codes(&mut w, r.group_by, rows),
            (CsvRows::Spikes | CsvRows::NewCodes | CsvRows::Changes, _) => {
                changed(&mut w, self.rows, r.changed.as_ref(), r.zone.as_ref())
            }
            _ => codes(&mut w, r),
        }
        .map_err(io_error)?;
        w.csv.flush()
    }
}

/// Keeps an I/O error's kind (a closed pipe ends the output quietly, as in every format).
pub(super) fn io_error(e: csv::Error) -> io::Error {
    if e.is_io_error()
        && let csv::ErrorKind::Io(e) = e.into_kind()
    {
        return e;
    }
    io::Error::other("CSV writer failed")
}

/// A CSV writer that guards its cells when asked to.
struct Writer<'w> {
    csv: csv::Writer<&'w mut dyn Write>,
    safe: bool,
    /// `--tz`, for the times.
    zone: Option<Zone>,
}

impl Writer<'_> {
    fn write_record<I, T>(&mut self, cells: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str> + AsRef<[u8]>,
    {
        if !self.safe {
            return self.csv.write_record(cells);
        }
        let cells: Vec<String> = cells
            .into_iter()
            .map(|c| formula_safe(c.as_ref()).into_owned())
            .collect();
        self.csv.write_record(&cells)
    }
}

fn codes(w: &mut Writer<'_>, r: &Report) -> csv::Result<()> {
    // A property of the code has a column of its own already.
    let group = r.group_by.filter(|g| g.is_field());
    let mut header = vec!["code"];
    header.extend(group.map(GroupBy::as_str));
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
        "latest_request_ids",
        "top_message",
        "description",
    ]);
    w.write_record(&header)?;
    for c in &r.codes {
        let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        let ids = |s: &[super::SampleRow]| {
            s.iter()
                .map(|s| s.id.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut row = vec![c.code.clone()];
        if let (Some(_), Some(g)) = (group, &c.group) {
            row.push(g.clone());
        }
        row.extend([
            c.category.clone(),
            c.class.to_string(),
            c.fault.to_string(),
            c.count.to_string(),
            c.share.to_string(),
            c.rate.map(|x| x.to_string()).unwrap_or_default(),
            c.first_seen
                .map(|t| time::format_in(t, r.zone.as_ref()))
                .unwrap_or_default(),
            c.last_seen
                .map(|t| time::format_in(t, r.zone.as_ref()))
                .unwrap_or_default(),
            opt(c.latency.map(|p| p.p50)),
            opt(c.latency.map(|p| p.p90)),
            opt(c.latency.map(|p| p.p99)),
            opt(c.latency.map(|p| p.max)),
            ids(&c.first),
            ids(&c.latest),
            c.messages.first().map(|m| m.0.clone()).unwrap_or_default(),
            c.description.clone().unwrap_or_default(),
        ]);
        w.write_record(&row)?;
    }
    Ok(())
}

/// One row per bucket, or per (bucket, group) of a record's field; a property of the
/// code splits errors, not responses, so it leaves these rows whole.
/// Bucket rows; the rate column is empty where rates are unknown (`Totals::rates_known`).
fn buckets(
    w: &mut Writer<'_>,
    group_by: Option<GroupBy>,
    known: bool,
    rows: &[BucketRow],
) -> csv::Result<()> {
    let field = group_by.filter(|g| g.is_field());
    let mut header = vec!["bucket_start"];
    header.extend(field.map(GroupBy::as_str));
    header.extend(["responses", "errors", "error_rate"]);
    w.write_record(&header)?;
    for b in rows {
        let start = time::format_in(b.start, w.zone.as_ref());
        let counts = |responses: u64, errors: u64| {
            [
                responses.to_string(),
                errors.to_string(),
                match known {
                    true => ratio(errors, responses).to_string(),
                    false => String::new(),
                },
            ]
        };
        if field.is_none() {
            w.write_record(std::iter::once(start).chain(counts(b.responses, b.errors)))?;
            continue;
        }
        for g in &b.groups {
            let responses = g.responses.unwrap_or_default();
            let row = [start.clone(), g.group.clone()];
            w.write_record(row.into_iter().chain(counts(responses, g.errors)))?;
        }
    }
    Ok(())
}

/// One row per (bucket, group, code) with errors.
fn bucket_codes(
    w: &mut Writer<'_>,
    group_by: Option<GroupBy>,
    rows: &[BucketRow],
) -> csv::Result<()> {
    // The category has a column of its own already.
    let column = group_by.filter(|g| *g != GroupBy::Category);
    let mut header = vec!["bucket_start"];
    header.extend(column.map(GroupBy::as_str));
    header.extend(["code", "category", "count"]);
    w.write_record(&header)?;
    let mut n = itoa::Buffer::new();
    for b in rows {
        let start = time::format_in(b.start, w.zone.as_ref());
        let mut write = |group: Option<&str>, code: &str, count: u64| {
            let category = crate::catalog::category_of(code);
            let mut row = vec![start.as_str()];
            row.extend(group);
            row.extend([code, category, n.format(count)]);
            w.write_record(&row)
        };
        if group_by.is_none() {
            for &(code, count) in &b.codes {
                write(None, code, count)?;
            }
            continue;
        }
        for g in &b.groups {
            for &(code, count) in &g.codes {
                write(column.map(|_| g.group.as_str()), code, count)?;
            }
        }
    }
    Ok(())
}

/// Rows of what changed: one kind a report (`spikes`, `new-codes`, `changes`).
fn changed(
    w: &mut Writer<'_>,
    rows: CsvRows,
    c: Option<&super::Changed>,
    zone: Option<&crate::time::Zone>,
) -> csv::Result<()> {
    let json = c.map(|c| c.json(zone));
    let opt = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_default();
    match rows {
        CsvRows::Spikes => {
            w.write_record([
                "scope",
                "name",
                "start",
                "end",
                "buckets",
                "errors",
                "responses",
                "rate",
                "expected_rate",
                "expected",
                "ratio",
                "score",
            ])?;
            for s in json.iter().flat_map(|j| &j.spikes) {
                w.write_record([
                    serde_json::to_value(s.scope)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    s.name.unwrap_or_default().to_string(),
                    s.start.clone(),
                    s.end.clone(),
                    s.buckets.to_string(),
                    s.errors.to_string(),
                    s.responses.map(|n| n.to_string()).unwrap_or_default(),
                    opt(s.rate),
                    opt(s.expected_rate),
                    s.expected.to_string(),
                    s.ratio.to_string(),
                    s.score.to_string(),
                ])?;
            }
        }
        CsvRows::NewCodes => {
            w.write_record(["code", "first_seen", "count", "why"])?;
            for n in json.iter().flat_map(|j| &j.new_codes) {
                w.write_record([
                    n.code.to_string(),
                    n.first_seen.clone().unwrap_or_default(),
                    n.count.to_string(),
                    n.why.to_string(),
                ])?;
            }
        }
        _ => {
            let changes: &[super::changed::ChangeJson<'_>] = json
                .as_ref()
                .and_then(|j| j.changes.as_deref())
                .unwrap_or(&[]);
            return super::diff::write_csv(&mut w.csv, changes);
        }
    }
    Ok(())
}
