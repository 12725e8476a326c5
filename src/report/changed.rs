//! What changed (SPEC §4.8, docs/CHANGES.md): spikes in the run's time series, codes new to
//! it, and with a baseline every code against it. Built from the aggregate by `change`'s
//! detectors, once, and rendered by every format.

use std::collections::BTreeMap;

use std::io::{self, Write};

use serde::Serialize;

use crate::change::{
    self, Comparison, NewCodeSettings, Period, Spike, SpikeSettings, WIDTHS, auto_width,
};
use comfy_table::Cell;

use super::inert;
use crate::change::width_label;
use crate::stats::{OTHER, Stats};
use crate::time::{self, Millis, Zone};

/// The least time a log must have run before its recent window for a code first seen there
/// to be new: a short log has seen too little to know what is usual.
pub const MIN_HISTORY: Millis = 3_600_000;

/// How to look for changes (`--recent`, `--baseline`).
#[derive(Debug, Clone, Default)]
pub struct ChangeSettings {
    /// Length of the recent window new codes are looked for in; `None`: the last tenth.
    pub recent: Option<Millis>,
    /// An earlier run to compare with.
    pub baseline: Option<Baseline>,
}

/// An earlier run, as a comparison needs it: errors by code and what they are out of.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Baseline {
    /// Where it came from (a file name).
    pub source: String,
    #[serde(skip)]
    pub codes: Vec<(String, u64)>,
    /// All responses, when its rates were known.
    pub responses: Option<u64>,
    /// Its first and last time.
    pub span: Option<(Millis, Millis)>,
    /// Its errors counted under `(other)` (`--max-codes`): codes among them are absent.
    #[serde(skip)]
    pub folded: u64,
    /// The filters it was made with, as flags (`--code '^Auth'`), when known (a partial).
    #[serde(skip)]
    pub filters: Vec<String>,
}

impl Baseline {
    /// An earlier run's aggregate as a baseline (a partial).
    pub fn of_stats(stats: &Stats, source: String) -> Baseline {
        let t = &stats.totals;
        Baseline {
            source,
            codes: code_totals(stats)
                .into_iter()
                .map(|(c, (_, n))| (c.to_string(), n))
                .collect(),
            responses: t.rates_known().then_some(t.responses),
            span: stats.span,
            folded: stats
                .code_groups()
                .filter(|(code, _, _)| *code == OTHER)
                .map(|(_, _, c)| c.count)
                .sum(),
            filters: Vec::new(),
        }
    }

    /// The period a comparison reads.
    pub(super) fn period<'a>(&self, codes: &'a [(&'a str, u64)]) -> Period<'a> {
        Period {
            codes,
            responses: self.responses,
            duration: self.span.map(|(a, b)| b - a).filter(|d| *d > 0),
        }
    }
}

/// What changed in a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Changed {
    /// The bucket width spikes were tested at, and whether it was chosen from the span
    /// (no `--bucket`).
    pub width: Option<Millis>,
    pub auto_width: bool,
    /// Spikes of all errors, of each code, and of each group of a `--group-by` field, by
    /// score, then start, then what they are of.
    pub spikes: Vec<SpikeRow>,
    pub new_codes: Vec<NewCodeRow>,
    /// Against `--baseline`, when given.
    pub baseline: Option<Baseline>,
    pub changes: Option<Comparison>,
    /// The run's series at `width`, for charts: each bucket's start, responses, errors and
    /// errors by code (most first, then by code).
    pub series: Vec<Point>,
    /// Codes and groups whose series were not tested for spikes (`SPIKE_BUDGET`).
    pub untested: u64,
}

/// One bucket of the series spikes were tested on.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub start: Millis,
    pub responses: u64,
    pub errors: u64,
    pub codes: Vec<(String, u64)>,
}

/// What a spike is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    All,
    Code,
    Group,
}

/// One spike and what it is of.
#[derive(Debug, Clone, PartialEq)]
pub struct SpikeRow {
    pub scope: Scope,
    /// The code or group; `None` for all errors.
    pub name: Option<String>,
    pub spike: Spike,
}

/// A code new to the run, and why: first seen in the recent window, or absent from the
/// baseline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCodeRow {
    pub code: String,
    pub first_seen: Option<Millis>,
    pub count: u64,
    pub why: &'static str,
}

impl Changed {
    /// Looks for what changed in `stats`; keeps the series (`series`) when `charts` will
    /// draw it.
    pub fn build(stats: &Stats, settings: &ChangeSettings, charts: bool) -> Changed {
        let auto = stats.aggregation.bucket.is_none();
        let width = stats
            .width()
            .zip(stats.span)
            .map(|(base, (a, b))| match auto {
                true => readable_multiple(auto_width(a, b), base),
                false => base,
            });
        let (spikes, series, untested) = match width {
            Some(w) => spikes(stats, w, charts),
            None => (Vec::new(), Vec::new(), 0),
        };
        let totals: BTreeMap<&str, (Option<Millis>, u64)> = code_totals(stats);
        let mut new_codes: Vec<NewCodeRow> = Vec::new();
        let watched = |(a, b): (Millis, Millis)| {
            let recent = settings.recent.unwrap_or((b - a) / 10);
            b - a - recent.min(b - a) >= MIN_HISTORY
        };
        if let Some(span) = stats.span.filter(|&s| watched(s)) {
            let codes: Vec<(&str, Option<Millis>, u64)> =
                totals.iter().map(|(&c, &(t, n))| (c, t, n)).collect();
            let s = NewCodeSettings {
                recent: settings.recent,
                ..NewCodeSettings::default()
            };
            for n in change::new_codes(&codes, span, &s) {
                new_codes.push(NewCodeRow {
                    code: n.code,
                    first_seen: Some(n.first_seen),
                    count: n.count,
                    why: "recent",
                });
            }
        }
        let changes = settings.baseline.as_ref().map(|b| {
            let before: Vec<(&str, u64)> = b.codes.iter().map(|(c, n)| (&**c, *n)).collect();
            let after: Vec<(&str, u64)> = totals.iter().map(|(&c, &(_, n))| (c, n)).collect();
            let t = &stats.totals;
            let now = Period {
                codes: &after,
                responses: t.rates_known().then_some(t.responses),
                duration: stats.span.map(|(a, b)| b - a).filter(|d| *d > 0),
            };
            change::compare(&b.period(&before), &now, &Default::default())
        });
        if let Some(changes) = &changes {
            // Absent from the baseline is new too, unless the recent window said so.
            let absent = changes
                .changes
                .iter()
                .filter(|c| c.label == change::Label::New)
                .filter(|c| !new_codes.iter().any(|n| n.code == c.code));
            let mut more: Vec<NewCodeRow> = absent
                .map(|c| NewCodeRow {
                    code: c.code.clone(),
                    first_seen: totals.get(c.code.as_str()).and_then(|t| t.0),
                    count: c.after,
                    why: "baseline",
                })
                .collect();
            more.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.code.cmp(&b.code)));
            new_codes.extend(more);
        }
        Changed {
            width,
            auto_width: auto,
            spikes,
            new_codes,
            baseline: settings.baseline.clone(),
            changes,
            series,
            untested,
        }
    }

    /// Says whether there is anything to say.
    pub fn is_empty(&self) -> bool {
        self.spikes.is_empty()
            && self.new_codes.is_empty()
            && self
                .changes
                .as_ref()
                .is_none_or(|c| c.changes.iter().all(|c| c.label == change::Label::Same))
    }
}

/// The narrowest readable width at least `want` that is a multiple of the series' `base`.
fn readable_multiple(want: Millis, base: Millis) -> Millis {
    WIDTHS
        .into_iter()
        .find(|&w| w >= want && w % base == 0)
        .unwrap_or_else(|| (want.max(base) + base - 1) / base * base)
}

/// Each code's first time and errors, summed over its groups (`OTHER` left out: it is many
/// codes).
fn code_totals(stats: &Stats) -> BTreeMap<&str, (Option<Millis>, u64)> {
    let mut m: BTreeMap<&str, (Option<Millis>, u64)> = BTreeMap::new();
    for (code, _, c) in stats.code_groups() {
        if code == OTHER {
            continue;
        }
        let e = m.entry(code).or_default();
        e.0 = match (e.0, c.first_seen) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        e.1 += c.count;
    }
    m
}

/// Bucket tests spent on the series of codes and groups in one report: with a fine
/// `--bucket` over a long log, the most frequent are tested and the rest counted as not.
pub const SPIKE_BUDGET: usize = 4_000_000;

/// The spikes of every series at `width`: all errors, each code, each group of a field (the
/// most frequent first, while `SPIKE_BUDGET` lasts); the run's series at that width; and how
/// many codes and groups went untested.
fn spikes(stats: &Stats, width: Millis, charts: bool) -> (Vec<SpikeRow>, Vec<Point>, u64) {
    let settings = SpikeSettings::default();
    let known = stats.totals.rates_known();
    let span = stats.span.unwrap_or_default();
    // Bucket starts at `width`; each code's and group's counts in them, sparse.
    let mut starts: Vec<Millis> = Vec::new();
    let mut responses: Vec<u64> = Vec::new();
    let mut errors: Vec<u64> = Vec::new();
    let mut codes: BTreeMap<&str, Vec<(usize, u64)>> = BTreeMap::new();
    let mut groups: BTreeMap<&str, Vec<(usize, u64, u64)>> = BTreeMap::new();
    let field = stats.aggregation.group_by.is_some_and(|g| g.is_field());
    for (start, b) in stats.buckets() {
        let at = crate::stats::bucket_start(start, width, stats.aggregation.bucket_offset_ms);
        if starts.last() != Some(&at) {
            starts.push(at);
            responses.push(0);
            errors.push(0);
        }
        let i = starts.len() - 1;
        responses[i] += b.responses;
        errors[i] += b.errors;
        for (code, n) in stats.bucket_codes(b) {
            if code != OTHER {
                codes.entry(code).or_default().push((i, n));
            }
        }
        if field {
            for (g, gb) in stats.bucket_groups(b) {
                groups
                    .entry(g)
                    .or_default()
                    .push((i, gb.responses, gb.errors));
            }
        }
    }
    let n = starts.len();
    let detect = |resp: &[u64], errs: &[u64]| -> Vec<Spike> {
        if known {
            let series: Vec<(Millis, u64, u64)> =
                (0..n).map(|i| (starts[i], resp[i], errs[i])).collect();
            change::detect_spikes(&series, width, &settings)
        } else {
            let series: Vec<(Millis, u64)> = (0..n).map(|i| (starts[i], errs[i])).collect();
            change::detect_count_spikes(&series, width, span, &settings)
        }
    };
    let mut rows: Vec<SpikeRow> = detect(&responses, &errors)
        .into_iter()
        .map(|spike| SpikeRow {
            scope: Scope::All,
            name: None,
            spike,
        })
        .collect();
    // Which series to test: those with a bucket of enough errors to flag, most errors first.
    let most =
        |counts: &mut dyn Iterator<Item = u64>| counts.fold((0, 0), |(t, m), k| (t + k, m.max(k)));
    let mut candidates: Vec<(u64, Scope, &str)> = codes
        .iter()
        .map(|(c, v)| (most(&mut v.iter().map(|x| x.1)), Scope::Code, *c))
        .chain(
            groups
                .iter()
                .map(|(g, v)| (most(&mut v.iter().map(|x| x.2)), Scope::Group, *g)),
        )
        .filter(|c| c.0.1 >= settings.min_errors)
        .map(|((total, _), scope, name)| (total, scope, name))
        .collect();
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2))));
    let affordable = SPIKE_BUDGET / n.max(1);
    let untested = candidates.len().saturating_sub(affordable) as u64;
    candidates.truncate(affordable);
    let (mut resp, mut errs) = (vec![0; n], vec![0; n]);
    for (_, scope, name) in candidates {
        errs.iter_mut().for_each(|e| *e = 0);
        let series_responses = match scope {
            Scope::Code => {
                for &(i, k) in &codes[name] {
                    errs[i] = k;
                }
                &responses
            }
            _ => {
                resp.iter_mut().for_each(|r| *r = 0);
                for &(i, r, e) in &groups[name] {
                    resp[i] = r;
                    errs[i] = e;
                }
                &resp
            }
        };
        rows.extend(
            detect(series_responses, &errs)
                .into_iter()
                .map(|spike| SpikeRow {
                    scope,
                    name: Some(name.to_string()),
                    spike,
                }),
        );
    }
    rows.sort_by(|a, b| {
        b.spike
            .score
            .total_cmp(&a.spike.score)
            .then(a.spike.start.cmp(&b.spike.start))
            .then_with(|| (a.scope, &a.name).cmp(&(b.scope, &b.name)))
    });
    if !charts {
        return (rows, Vec::new(), untested);
    }
    let mut series: Vec<Point> = (0..n)
        .map(|i| Point {
            start: starts[i],
            responses: responses[i],
            errors: errors[i],
            codes: Vec::new(),
        })
        .collect();
    for (code, counts) in &codes {
        for &(i, k) in counts {
            series[i].codes.push((code.to_string(), k));
        }
    }
    for p in &mut series {
        p.codes
            .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    }
    (rows, series, untested)
}

#[cfg(test)]
mod tests;

/// Rounds to 6 decimals, as every ratio in a report is (`ratio`), for stable output.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The members a JSON report gains (`spike_bucket_ms`, `spikes`, `new_codes`, and with a
/// baseline `baseline` and `changes`), as serde writes them.
#[derive(Debug, Serialize)]
pub struct ChangedJson<'a> {
    pub spike_bucket_ms: Option<Millis>,
    pub spike_bucket_auto: bool,
    pub spike_series_untested: u64,
    pub spikes: Vec<SpikeJson<'a>>,
    pub new_codes: Vec<NewCodeJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Vec<ChangeJson<'a>>>,
}

#[derive(Debug, Serialize)]
pub struct SpikeJson<'a> {
    pub scope: Scope,
    /// The code (scope `code`) or group (scope `group`).
    pub name: Option<&'a str>,
    pub start: String,
    pub end: String,
    pub buckets: u64,
    pub errors: u64,
    pub responses: Option<u64>,
    pub rate: Option<f64>,
    pub expected_rate: Option<f64>,
    pub expected: f64,
    pub ratio: f64,
    pub score: f64,
}

#[derive(Debug, Serialize)]
pub struct NewCodeJson<'a> {
    pub code: &'a str,
    pub first_seen: Option<String>,
    pub count: u64,
    pub why: &'static str,
}

#[derive(Debug, Serialize)]
pub struct BaselineJson<'a> {
    pub source: &'a str,
    pub responses: Option<u64>,
    pub first: Option<String>,
    pub last: Option<String>,
    pub basis: &'static str,
}

#[derive(Debug, Serialize)]
pub struct ChangeJson<'a> {
    pub code: &'a str,
    pub label: &'static str,
    pub before: u64,
    pub after: u64,
    pub before_rate: Option<f64>,
    pub after_rate: Option<f64>,
    pub ratio: Option<f64>,
    pub excess: f64,
    pub p_value: Option<f64>,
    pub significant: Option<bool>,
}

impl SpikeJson<'_> {
    pub fn of<'a>(r: &'a SpikeRow, zone: Option<&Zone>) -> SpikeJson<'a> {
        let s = &r.spike;
        SpikeJson {
            scope: r.scope,
            name: r.name.as_deref(),
            start: time::format_in(s.start, zone),
            end: time::format_in(s.end, zone),
            buckets: s.buckets,
            errors: s.errors,
            responses: s.responses,
            rate: s.rate.map(round6),
            expected_rate: s.expected_rate.map(round6),
            expected: round6(s.expected),
            ratio: round6(s.ratio),
            score: round6(s.score),
        }
    }
}

impl NewCodeJson<'_> {
    pub fn of<'a>(n: &'a NewCodeRow, zone: Option<&Zone>) -> NewCodeJson<'a> {
        NewCodeJson {
            code: &n.code,
            first_seen: n.first_seen.map(|t| time::format_in(t, zone)),
            count: n.count,
            why: n.why,
        }
    }
}

impl ChangeJson<'_> {
    pub fn of(c: &change::Change) -> ChangeJson<'_> {
        ChangeJson {
            code: &c.code,
            label: c.label.as_str(),
            before: c.before,
            after: c.after,
            before_rate: c.before_rate.map(round6),
            after_rate: c.after_rate.map(round6),
            ratio: c.ratio.map(round6),
            excess: round6(c.excess),
            p_value: c.p_value.map(sig6),
            significant: c.significant,
        }
    }
}

/// Six significant digits: a p-value may be far below 1e-6.
fn sig6(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    format!("{x:.5e}").parse().unwrap_or(x)
}

/// The basis of a comparison as reports name it.
pub fn basis_str(b: change::Basis) -> &'static str {
    match b {
        change::Basis::Responses => "responses",
        change::Basis::Duration => "duration",
        change::Basis::Counts => "counts",
    }
}

impl Changed {
    /// The members a JSON report gains, times in `zone` (`--tz`).
    pub fn json(&self, zone: Option<&Zone>) -> ChangedJson<'_> {
        ChangedJson {
            spike_bucket_ms: self.width,
            spike_bucket_auto: self.auto_width,
            spike_series_untested: self.untested,
            spikes: self.spikes.iter().map(|r| SpikeJson::of(r, zone)).collect(),
            new_codes: self
                .new_codes
                .iter()
                .map(|n| NewCodeJson::of(n, zone))
                .collect(),
            baseline: self
                .baseline
                .as_ref()
                .zip(self.changes.as_ref())
                .map(|(b, c)| BaselineJson {
                    source: &b.source,
                    responses: b.responses,
                    first: b.span.map(|s| time::format_in(s.0, zone)),
                    last: b.span.map(|s| time::format_in(s.1, zone)),
                    basis: basis_str(c.basis),
                }),
            changes: self
                .changes
                .as_ref()
                .map(|c| c.changes.iter().map(ChangeJson::of).collect()),
        }
    }
}

/// Rows of each kind the table shows; JSON, NDJSON and CSV have them all.
const SHOWN: usize = 10;

/// Writes the table's "what changed" section, fitted to `width` as the other tables are.
pub(super) fn write_section(
    out: &mut dyn Write,
    c: &Changed,
    width: Option<u16>,
    zone: Option<&Zone>,
    color: bool,
) -> io::Result<()> {
    let short_time = |t: Millis| time::format_short(t, zone);
    let range = |a: Millis, b: Millis| range(short_time(a), short_time(b));
    let tested = match c.width {
        Some(w) if c.auto_width => format!("{} buckets, chosen from the span", width_label(w)),
        Some(w) => format!("{} buckets", width_label(w)),
        None => String::new(),
    };
    match c.width {
        Some(_) => writeln!(out, "what changed (spikes tested at {tested}):")?,
        None => writeln!(out, "what changed (no times, so no spikes):")?,
    }
    if c.untested > 0 {
        writeln!(
            out,
            "  ({} less frequent codes or groups not tested: too many buckets; see --bucket)",
            c.untested
        )?;
    }
    if c.is_empty() {
        writeln!(out, "  no spikes, no new codes")?;
    }
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    for r in c.spikes.iter().take(SHOWN) {
        let s = &r.spike;
        let of = match (&r.scope, &r.name) {
            (Scope::All, _) => "all errors".to_string(),
            (_, Some(n)) if n.is_empty() => "-".to_string(),
            (_, Some(n)) => inert(n).to_string(),
            (_, None) => String::new(),
        };
        let detail = match (s.responses, s.rate, s.expected_rate) {
            (Some(n), Some(r), Some(e)) => format!(
                "{:.2}% of {n} (usual {:.2}%), score {:.0}",
                r * 100.0,
                e * 100.0,
                s.score
            ),
            _ => format!("usual {:.1}, score {:.0}", s.expected, s.score),
        };
        rows.push(vec![
            Cell::new("spike").fg(comfy_table::Color::Red),
            Cell::new(of),
            Cell::new(range(s.start, s.end)),
            Cell::new(s.errors),
            Cell::new(detail),
        ]);
    }
    for n in c.new_codes.iter().take(SHOWN) {
        let first = n.first_seen.map(short_time).unwrap_or_default();
        let why = match n.why {
            "baseline" => "not in the baseline",
            _ => "first seen in the recent window",
        };
        rows.push(vec![
            Cell::new("new").fg(comfy_table::Color::Yellow),
            Cell::new(inert(&n.code).to_string()),
            Cell::new(format!("from {first}")),
            Cell::new(n.count),
            Cell::new(why),
        ]);
    }
    if !rows.is_empty() {
        let header = ["CHANGE", "OF", "WHEN", "ERRORS", "DETAIL"];
        let g = super::table::fit(&header, rows, 4, &[], width, color);
        writeln!(out, "{g}")?;
    }
    let more = |n: usize, what: &str| match n > SHOWN {
        true => format!("  … and {} more {what}\n", n - SHOWN),
        false => String::new(),
    };
    write!(out, "{}", more(c.spikes.len(), "spikes"))?;
    write!(out, "{}", more(c.new_codes.len(), "new codes"))?;
    if let (Some(b), Some(changes)) = (&c.baseline, &c.changes) {
        writeln!(out, "against {}:", inert(&b.source))?;
        change_table(out, &changes.changes, SHOWN)?;
    }
    Ok(())
}

/// A time range, its end's date left out when it is the start's.
fn range(a: String, b: String) -> String {
    match (a.split_once(' '), b.split_once(' ')) {
        (Some((day, _)), Some((same, time))) if day == same => format!("{a} .. {time}"),
        _ => format!("{a} .. {b}"),
    }
}

/// Writes changes against a baseline, the `same` ones left out, at most `limit`.
pub(super) fn change_table(
    out: &mut dyn Write,
    changes: &[change::Change],
    limit: usize,
) -> io::Result<()> {
    let moved: Vec<&change::Change> = changes
        .iter()
        .filter(|c| c.label != change::Label::Same)
        .collect();
    if moved.is_empty() {
        return writeln!(out, "  no code changed significantly");
    }
    let pct = |x: Option<f64>| x.map_or_else(|| "-".to_string(), |x| format!("{:.3}%", x * 100.0));
    for c in moved.iter().take(limit) {
        let rates = match (c.before_rate, c.after_rate) {
            (None, None) => String::new(),
            (b, a) => format!("  rate {} -> {}", pct(b), pct(a)),
        };
        let p = c
            .p_value
            .map(|p| format!("  p {p:.1e}"))
            .unwrap_or_default();
        writeln!(
            out,
            "  {:<5}  {}  {} -> {}{rates}{p}",
            c.label.as_str(),
            inert(&c.code),
            c.before,
            c.after
        )?;
    }
    if moved.len() > limit {
        writeln!(out, "  … and {} more changes", moved.len() - limit)?;
    }
    Ok(())
}
