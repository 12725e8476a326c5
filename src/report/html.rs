//! The HTML report: one self-contained page to look at rather than read.
//!
//! Everything is in the file: the style, a small script (sorting, copying, toggling), and
//! the charts as inline SVG drawn by plotters (`html/charts.rs`). A Content-Security-Policy
//! forbids every fetch and allows only this script and style, by hash, so the page works
//! offline and an escaping mistake still could not run anything. Every value from a log is
//! made inert (`inert`) and HTML-escaped (`escape`). Each number a test compares with the
//! JSON report sits in a `data-` attribute, written as JSON writes it. The page depends only
//! on the report, so the bytes are the same for any thread count.

mod charts;
mod code_table;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::{BucketRow, CodeRow, Render, Report, ShareRow, group_order, inert};
use crate::time::{self, Millis};

/// The page's script and style, and their hashes for the Content-Security-Policy (a unit
/// test recomputes them).
const SCRIPT: &str = include_str!("html/page.js");
const STYLE: &str = include_str!("html/page.css");
const SCRIPT_SHA256: &str = "MigXHobSxkL8BxvHUjUxCr3Pk1rMaCVsMk5YLt0lO6I=";
const STYLE_SHA256: &str = "58zAdhLc0z8s644hurTDQfaV1pW5Z+dh6WkHU6tn9eU=";

/// Codes stacked by name in the time chart (one colour each); the rest share one band.
const STACKED: usize = charts::PALETTE.len();
/// Bars in the category and fault charts, and rows in the latency chart; tables hold all.
const BARS: usize = 15;
const LATENCY_ROWS: usize = 20;
/// Codes listed on each group's card.
const GROUP_CODES: usize = 8;

/// The HTML renderer.
pub struct Html;

impl Render for Html {
    fn render(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let rates = r.error_rate.is_some();
        // Without `--bucket`, the series change detection chose a width for.
        let auto: Vec<Vec<(&str, u64)>> = match (&r.buckets, &r.changed) {
            (None, Some(c)) => c
                .series
                .iter()
                .map(|p| p.codes.iter().map(|(c, n)| (c.as_str(), *n)).collect())
                .collect(),
            _ => Vec::new(),
        };
        let series = match (&r.buckets, &r.changed) {
            (Some((width, rows)), _) => {
                Some(TimeSeries::of_buckets(*width, r.bucket_offset, rows, rates))
            }
            (None, Some(c)) => c
                .width
                .filter(|_| !c.series.is_empty())
                .map(|width| TimeSeries {
                    width,
                    points: c
                        .series
                        .iter()
                        .zip(&auto)
                        .map(|(p, codes)| TimePoint {
                            start: p.start,
                            responses: p.responses,
                            errors: p.errors,
                            codes,
                        })
                        .collect(),
                    chosen: true,
                    offset: r.bucket_offset,
                    rates,
                }),
            (None, None) => None,
        };
        let marks = r.changed.as_ref().map(marks_of).unwrap_or_default();
        page(r, series.as_ref(), &marks, out)
    }
}

/// Spikes of all errors, of each code and of each group, and new codes at their first time,
/// as marks.
fn marks_of(c: &super::Changed) -> Vec<Mark> {
    let spikes = c.spikes.iter().map(|s| Mark {
        start: s.spike.start,
        end: s.spike.end,
        kind: MarkKind::Spike,
        label: match (s.scope, &s.name) {
            (super::Scope::Group, Some(g)) if g.is_empty() => "group -".to_string(),
            (super::Scope::Group, Some(g)) => format!("group {g}"),
            (_, Some(code)) => code.clone(),
            (_, None) => "all errors".to_string(),
        },
    });
    let new = c.new_codes.iter().filter_map(|n| {
        Some(Mark {
            start: n.first_seen?,
            end: n.first_seen?,
            kind: MarkKind::NewCode,
            label: n.code.clone(),
        })
    });
    spikes.chain(new).collect()
}

/// One step of a time series: a bucket's start, responses, errors and errors by code.
#[derive(Debug, Clone, PartialEq)]
pub struct TimePoint<'a> {
    pub start: Millis,
    pub responses: u64,
    pub errors: u64,
    /// (code, count) pairs; codes missing here count as none.
    pub codes: &'a [(&'a str, u64)],
}

/// The series the time chart draws, from `--bucket` or from a width chosen from the span.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeSeries<'a> {
    pub width: Millis,
    /// In time order; gaps are buckets without responses.
    pub points: Vec<TimePoint<'a>>,
    /// Says the width was chosen from the span rather than given with `--bucket`.
    pub chosen: bool,
    /// Says the error rate is known (a log of responses, not only of SDK errors).
    pub rates: bool,
    /// Where buckets start past the epoch's multiples of the width (`--tz`).
    pub offset: Millis,
}

impl<'a> TimeSeries<'a> {
    /// Takes the report's `--bucket` rows as the series.
    pub fn of_buckets(
        width: Millis,
        offset: Millis,
        rows: &'a [BucketRow<'_>],
        rates: bool,
    ) -> TimeSeries<'a> {
        TimeSeries {
            width,
            points: rows
                .iter()
                .map(|b| TimePoint {
                    start: b.start,
                    responses: b.responses,
                    errors: b.errors,
                    codes: &b.codes,
                })
                .collect(),
            chosen: false,
            rates,
            offset,
        }
    }
}

/// What a mark on the time axis points out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkKind {
    /// A range of buckets with more errors than the baseline expects.
    Spike,
    /// The moment a code was first seen (`end` is ignored).
    NewCode,
}

/// A range or moment on the time axis to point out, with a label (from the log: escaped).
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub start: Millis,
    pub end: Millis,
    pub kind: MarkKind,
    pub label: String,
}

/// Writes the page for a report, with its time series (if any) and marks.
pub fn page(
    r: &Report,
    series: Option<&TimeSeries>,
    marks: &[Mark],
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut p = String::with_capacity(1 << 16);
    head(&mut p, r);
    totals(&mut p, r);
    time_section(&mut p, r, series, marks)?;
    breakdown(&mut p, r)?;
    latency(&mut p, r)?;
    code_table::write(&mut p, r);
    groups(&mut p, r);
    buckets(&mut p, r);
    problems(&mut p, r);
    let _ = write!(
        p,
        "<footer>errstat {} · the numbers are those of <code>-f json</code> \
         (errstat.report/v1)</footer>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
    );
    out.write_all(p.as_bytes())?;
    out.flush()
}

/// Returns text from a log (or any text) safe in HTML text and in a quoted attribute:
/// control and bidirectional characters as visible escapes, then `& < > " '` as entities.
pub fn escape(text: &str) -> Cow<'_, str> {
    let text = inert(text);
    if !text.contains(['&', '<', '>', '"', '\'']) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A count with thousands separated, for people (attributes keep the plain number).
fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), |x| format!("{:.2}%", x * 100.0))
}

/// A ratio as the JSON report writes it (`null` where unknown becomes empty).
fn num(x: Option<f64>) -> String {
    x.map_or_else(String::new, |x| x.to_string())
}

/// A time to the second, for a narrow cell; the full time goes in its `title`.
fn short_time(t: Millis) -> String {
    let full = time::format(t.div_euclid(1000) * 1000);
    full.trim_end_matches('Z').replace('T', " ")
}

/// A duration in its two largest units (`2h 5m`, `40s`).
fn duration(ms: Millis) -> String {
    let s = ms / 1000;
    let parts = [
        (s / 86_400, "d"),
        (s / 3600 % 24, "h"),
        (s / 60 % 60, "m"),
        (s % 60, "s"),
    ];
    let shown: Vec<String> = parts
        .iter()
        .skip_while(|(n, _)| *n == 0)
        .take(2)
        .filter(|(n, _)| *n > 0)
        .map(|(n, u)| format!("{n}{u}"))
        .collect();
    if shown.is_empty() {
        format!("{ms}ms")
    } else {
        shown.join(" ")
    }
}

/// A time cell: short text, the full time as its title, millis to sort by.
fn time_cell(p: &mut String, t: Option<Millis>) {
    match t {
        Some(t) => {
            let _ = write!(
                p,
                "<td class=\"t\" data-v=\"{t}\" title=\"{}\">{}</td>",
                time::format(t),
                short_time(t)
            );
        }
        None => p.push_str("<td class=\"t\" data-v=\"\">-</td>"),
    }
}

fn head(p: &mut String, r: &Report) {
    let _ = write!(
        p,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         script-src 'sha256-{SCRIPT_SHA256}'; style-src 'sha256-{STYLE_SHA256}'; \
         img-src 'none'; font-src 'none'; connect-src 'none'; base-uri 'none'; \
         form-action 'none'\">\n<meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>errstat report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header>\n<h1>errstat report</h1>\n"
    );
    match r.span {
        Some((first, last)) => {
            let (a, b) = (time::format(first), time::format(last));
            let _ = write!(
                p,
                "<p class=\"muted\" id=\"span\" data-first=\"{a}\" data-last=\"{b}\">{a} to {b} \
                 UTC ({})",
                duration(last - first)
            );
        }
        None => p.push_str("<p class=\"muted\" id=\"span\">no times in the log"),
    }
    if let Some(g) = r.group_by {
        let _ = write!(p, " · grouped by {}", g.as_str());
    }
    p.push_str("</p>\n</header>\n");
}

/// The totals as the JSON report names them, in its order (the error rate apart).
fn counters(r: &Report) -> [(&'static str, u64); 19] {
    let t = &r.totals;
    [
        ("lines", t.lines),
        ("blank", t.blank),
        ("skipped", t.skipped),
        ("malformed", t.malformed),
        ("filtered", t.filtered),
        ("responses", t.responses),
        ("errors", t.errors),
        ("other_errors", t.other_errors),
        ("empty_error", t.empty_error),
        ("untimed", t.untimed),
        ("untimed_errors", t.untimed_errors),
        ("folded_errors", r.folded_errors),
        ("folded_group_errors", r.folded_group_errors),
        ("codes_cut", t.codes_cut),
        ("groups_cut", t.groups_cut),
        ("latency_clamped", t.latency_clamped),
        ("sdk_errors", t.sdk_errors),
        ("sdk_code_from_message", t.sdk_code_from_message),
        ("sdk_no_code", t.sdk_no_code),
    ]
}

fn totals(p: &mut String, r: &Report) {
    const TILES: [&str; 4] = ["responses", "errors", "malformed", "lines"];
    let all = counters(r);
    let distinct: std::collections::BTreeSet<&str> =
        r.codes.iter().map(|c| c.code.as_str()).collect();
    p.push_str("<section id=\"totals\">\n<div class=\"tiles\">\n");
    for name in TILES {
        let n = all.iter().find(|(k, _)| *k == name).map_or(0, |c| c.1);
        let bad = matches!(name, "errors" | "malformed") && n > 0;
        let _ = writeln!(
            p,
            "<div class=\"tile{}\" data-total=\"{name}\" data-value=\"{n}\"><b>{}</b><span>{name}\
             </span></div>",
            if bad { " bad" } else { "" },
            count(n)
        );
        if name == "errors" {
            let _ = writeln!(
                p,
                "<div class=\"tile\" data-total=\"error_rate\" data-value=\"{}\"><b>{}</b>\
                 <span>error rate</span></div>\n<div class=\"tile\"><b>{}</b><span>codes</span>\
                 </div>",
                num(r.error_rate),
                pct(r.error_rate),
                count(distinct.len() as u64)
            );
        }
    }
    p.push_str("</div>\n");
    if let Some(l) = r.latency {
        let _ = writeln!(
            p,
            "<p id=\"latency-all\" data-p50=\"{}\" data-p90=\"{}\" data-p99=\"{}\" \
             data-max=\"{}\">latency over all responses: p50 {:.1} ms · p90 {:.1} ms · \
             p99 {:.1} ms · max {:.1} ms</p>",
            l.p50, l.p90, l.p99, l.max, l.p50, l.p90, l.p99, l.max
        );
    }
    p.push_str("<details><summary>all counters</summary>\n<dl class=\"minor\">\n");
    for (name, n) in all.iter().filter(|(k, _)| !TILES.contains(k)) {
        let _ = writeln!(
            p,
            "<dt>{name}</dt><dd data-total=\"{name}\" data-value=\"{n}\">{}</dd>",
            count(*n)
        );
    }
    p.push_str("</dl>\n</details>\n</section>\n");
}

/// The codes with the most errors over all groups, most first.
fn top_codes<'r>(r: &'r Report, n: usize) -> (Vec<&'r str>, usize) {
    let mut sums = BTreeMap::<&str, u64>::new();
    for c in &r.codes {
        *sums.entry(&c.code).or_default() += c.count;
    }
    let total = sums.len();
    let mut v: Vec<(&str, u64)> = sums.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    (v.into_iter().take(n).map(|(c, _)| c).collect(), total)
}

fn time_section(
    p: &mut String,
    r: &Report,
    series: Option<&TimeSeries>,
    marks: &[Mark],
) -> io::Result<()> {
    p.push_str("<section id=\"time\">\n<h2>Errors over time</h2>\n");
    let Some(s) = series.filter(|s| !s.points.is_empty()) else {
        p.push_str(match series {
            Some(_) => "<p class=\"note\">No response had a time, so there is no time chart.</p>",
            None => {
                "<p class=\"note\">No time buckets: run with <code>--bucket</code> (such as \
                 <code>--bucket 1m</code>) for a time chart.</p>"
            }
        });
        p.push_str("\n</section>\n");
        return Ok(());
    };
    let (top, distinct) = top_codes(r, STACKED);
    let _ = writeln!(
        p,
        "<p class=\"note\">Errors per bucket of {}{}, stacked by code{}.</p>",
        crate::change::width_label(s.width),
        if s.chosen {
            " (chosen from the span)"
        } else {
            ""
        },
        if s.rates {
            "; the line is the error rate (right axis)"
        } else {
            ""
        }
    );
    p.push_str("<div class=\"legend\">");
    for (i, code) in top.iter().enumerate() {
        let _ = write!(p, "<span><i class=\"c{i}\"></i>{}</span>", escape(code));
    }
    if distinct > top.len() {
        let _ = write!(
            p,
            "<span><i class=\"crest\"></i>{} other codes</span>",
            distinct - top.len()
        );
    }
    if s.rates {
        p.push_str("<span><i class=\"crate\"></i>error rate</span>");
    }
    if !marks.is_empty() {
        p.push_str("<span><i class=\"cmark\"></i>spikes and new codes</span>");
    }
    p.push_str("</div>\n");
    p.push_str(&charts::time_chart(s, &top, marks)?);
    if !marks.is_empty() {
        p.push_str("<h3>Marked on the time axis</h3>\n<ol class=\"marks\">\n");
        for m in marks {
            let what = match m.kind {
                MarkKind::Spike => "spike",
                MarkKind::NewCode => "new code",
            };
            let _ = write!(
                p,
                "<li data-kind=\"{what}\" data-start=\"{}\">{what}: {}, {}",
                time::format(m.start),
                escape(&m.label),
                short_time(m.start)
            );
            if m.kind == MarkKind::Spike {
                let _ = write!(p, " to {}", short_time(m.end));
            }
            p.push_str("</li>\n");
        }
        p.push_str("</ol>\n");
    }
    p.push_str("</section>\n");
    Ok(())
}

/// A table of share rows (category, class, fault) with their numbers in attributes.
fn share_table(p: &mut String, rows: &[ShareRow], dim: &str) {
    let _ = writeln!(
        p,
        "<table class=\"sortable shares\" data-dim=\"{dim}\"><thead><tr><th>{dim}</th>\
         <th class=\"n\">errors</th><th class=\"n\">share</th></tr></thead><tbody>"
    );
    for s in rows {
        let name = escape(&s.name);
        let _ = writeln!(
            p,
            "<tr data-{dim}=\"{name}\" data-count=\"{}\" data-share=\"{}\"><td>{name}</td>\
             <td class=\"n\" data-v=\"{}\">{}</td><td class=\"n\" data-v=\"{}\">{}</td></tr>",
            s.count,
            s.share,
            s.count,
            count(s.count),
            s.share,
            pct(Some(s.share))
        );
    }
    p.push_str("</tbody></table>\n");
}

fn breakdown(p: &mut String, r: &Report) -> io::Result<()> {
    p.push_str("<section id=\"breakdown\">\n<h2>Errors by category and by fault</h2>\n");
    if r.codes.is_empty() {
        p.push_str("<p class=\"note\">No errors.</p>\n</section>\n");
        return Ok(());
    }
    p.push_str("<div class=\"pair\">\n");
    for (rows, dim, colour) in [(&r.categories, "category", 0), (&r.faults, "fault", 2)] {
        let bars: Vec<(&str, u64)> = rows
            .iter()
            .take(BARS)
            .map(|s| (s.name.as_str(), s.count))
            .collect();
        let _ = writeln!(p, "<div>\n<h3>By {dim}</h3>");
        p.push_str(&charts::bar_chart(
            &bars,
            colour,
            &format!("errors by {dim}"),
        )?);
        p.push_str("<div class=\"wrap\">");
        share_table(p, rows, dim);
        p.push_str("</div>\n</div>\n");
    }
    p.push_str("</div>\n<h3>By class</h3>\n<div class=\"wrap\">");
    share_table(p, &r.classes, "class");
    p.push_str("</div>\n</section>\n");
    Ok(())
}

/// The name of a code row on a chart: its code, and its group with `--group-by`.
fn row_name(c: &CodeRow) -> String {
    match &c.group {
        Some(g) => format!("{} · {g}", c.code),
        None => c.code.clone(),
    }
}

fn latency(p: &mut String, r: &Report) -> io::Result<()> {
    let names: Vec<(String, &CodeRow)> = r
        .codes
        .iter()
        .filter(|c| c.latency.is_some())
        .take(LATENCY_ROWS)
        .map(|c| (row_name(c), c))
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    let rows: Vec<charts::Spread> = names
        .iter()
        .filter_map(|(name, c)| {
            let l = c.latency?;
            Some(charts::Spread {
                name,
                p50: l.p50,
                p90: l.p90,
                p99: l.p99,
                max: l.max,
            })
        })
        .collect();
    p.push_str(
        "<section id=\"latency\">\n<h2>Latency by code</h2>\n<p class=\"note\">The most \
         frequent codes: the bar runs from p50 to p99, the black tick is p90, the ring the \
         maximum (log scale). Every code's percentiles are in the table below.</p>\n",
    );
    p.push_str(&charts::latency_chart(&rows)?);
    p.push_str("</section>\n");
    Ok(())
}

/// With `--group-by`, one card a group, side by side: its errors, rate where known, and
/// top codes.
fn groups(p: &mut String, r: &Report) {
    let Some(g) = r.group_by else { return };
    // A field's responses per group, summed over the buckets (none without `--bucket`).
    let mut responses = BTreeMap::<&str, u64>::new();
    for b in r.buckets.iter().flat_map(|(_, rows)| rows) {
        for gb in &b.groups {
            if let Some(n) = gb.responses {
                *responses.entry(&gb.group).or_default() += n;
            }
        }
    }
    let mut cards: Vec<(&str, Vec<&CodeRow>)> = Vec::new();
    for c in &r.codes {
        let name = c.group.as_deref().unwrap_or("-");
        match cards.last_mut() {
            Some((last, rows)) if *last == name => rows.push(c),
            _ => cards.push((name, vec![c])),
        }
    }
    cards.sort_by(|a, b| group_order(a.0).cmp(&group_order(b.0)));
    let _ = writeln!(
        p,
        "<section id=\"groups\">\n<h2>By {}</h2>\n<div class=\"groups\">",
        g.as_str()
    );
    for (name, rows) in &cards {
        let errors: u64 = rows.iter().map(|c| c.count).sum();
        let known = responses.get(name).copied();
        let name = escape(name);
        let _ = write!(
            p,
            "<div class=\"group\" data-group=\"{name}\" data-errors=\"{errors}\"><h3>{name}</h3>\
             <p class=\"muted\">{} errors · {} of all",
            count(errors),
            pct(Some(super::ratio(errors, r.totals.errors)))
        );
        if let Some(n) = known {
            let _ = write!(
                p,
                " · {} responses, error rate {}",
                count(n),
                pct(Some(super::ratio(errors, n)))
            );
        }
        p.push_str("</p><table><tbody>");
        for c in rows.iter().take(GROUP_CODES) {
            let code = escape(&c.code);
            let _ = write!(
                p,
                "<tr data-code=\"{code}\" data-count=\"{}\"><td class=\"code\">{code}</td>\
                 <td class=\"n\">{}</td></tr>",
                c.count,
                count(c.count)
            );
        }
        p.push_str("</tbody></table>");
        if rows.len() > GROUP_CODES {
            let _ = write!(
                p,
                "<p class=\"muted\">and {} more codes</p>",
                rows.len() - GROUP_CODES
            );
        }
        p.push_str("</div>\n");
    }
    p.push_str("</div>\n</section>\n");
}

/// The buckets as numbers, folded: what the chart draws, to read or sort.
fn buckets(p: &mut String, r: &Report) {
    let Some((width, rows)) = &r.buckets else {
        return;
    };
    let _ = writeln!(
        p,
        "<section id=\"buckets\">\n<details><summary>the {} buckets of {} as numbers\
         </summary>\n<div class=\"wrap\"><table class=\"sortable\"><thead><tr><th>start (UTC)\
         </th><th class=\"n\">responses</th><th class=\"n\">errors</th><th class=\"n\">rate\
         </th><th>top codes</th></tr></thead><tbody>",
        rows.len(),
        crate::change::width_label(*width)
    );
    for b in rows {
        let start = time::format(b.start);
        let rate = (r.error_rate.is_some()).then(|| super::ratio(b.errors, b.responses));
        let _ = write!(
            p,
            "<tr data-start=\"{start}\" data-responses=\"{}\" data-errors=\"{}\"><td>{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\" data-v=\"{}\">{}</td>\
             <td>",
            b.responses,
            b.errors,
            short_time(b.start),
            count(b.responses),
            count(b.errors),
            num(rate),
            pct(rate)
        );
        for (k, (code, n)) in b.codes.iter().take(3).enumerate() {
            let _ = write!(p, "{}{} {n}", if k > 0 { ", " } else { "" }, escape(code));
        }
        p.push_str("</td></tr>\n");
    }
    p.push_str("</tbody></table></div>\n</details>\n</section>\n");
}

/// Malformed lines and inputs not read, when there are any.
fn problems(p: &mut String, r: &Report) {
    if r.malformed.is_empty() && r.failed_inputs.is_empty() {
        return;
    }
    p.push_str("<section id=\"problems\">\n<h2 class=\"bad\">Lines and inputs not read</h2>\n");
    if !r.malformed.is_empty() {
        let _ = writeln!(
            p,
            "<h3>Malformed lines ({} in all; the first {})</h3>\n<div class=\"wrap\"><table>\
             <thead><tr><th>source</th><th class=\"n\">line</th><th>reason</th></tr></thead>\
             <tbody>",
            count(r.totals.malformed),
            r.malformed.len()
        );
        for m in &r.malformed {
            let source = escape(&m.source);
            let _ = writeln!(
                p,
                "<tr class=\"malformed\" data-source=\"{source}\" data-line=\"{}\"><td>{source}\
                 </td><td class=\"n\">{}</td><td>{}</td></tr>",
                m.line,
                m.line,
                escape(m.reason)
            );
        }
        p.push_str("</tbody></table></div>\n");
    }
    if !r.failed_inputs.is_empty() {
        p.push_str(
            "<h3>Inputs not read, or not to their end</h3>\n<div class=\"wrap\"><table><thead>\
             <tr><th>source</th><th>error</th></tr></thead><tbody>\n",
        );
        for f in &r.failed_inputs {
            let _ = writeln!(
                p,
                "<tr class=\"failed\"><td>{}</td><td>{}</td></tr>",
                escape(&f.source),
                escape(&f.error)
            );
        }
        p.push_str("</tbody></table></div>\n");
    }
    p.push_str("</section>\n");
}

#[cfg(test)]
mod tests;
