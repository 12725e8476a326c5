//! The table report, for people: totals, then one row per code, then categories, time
//! buckets and the first malformed lines. Wide columns (the description) wrap to fit
//! `width` when it is known (the terminal's, or `COLUMNS`).

use std::io::{self, Write};

use comfy_table::presets::UTF8_BORDERS_ONLY;
use comfy_table::{
    Cell, CellAlignment, Color, ColumnConstraint, ContentArrangement, Table as Grid, Width,
};

use super::{GroupBy, Render, Report, inert};
use crate::time;

/// Buckets shown in the table (the newest); JSON and CSV have them all.
const BUCKETS_SHOWN: usize = 48;
/// Codes in the "for support" section, the most frequent.
const SUPPORT_CODES: usize = 5;

/// The table renderer.
pub struct Table {
    /// Columns to fit in; `None` leaves rows unwrapped.
    pub width: Option<u16>,
}

/// Lays out a table in `width` columns: every column keeps its content's width except
/// `flexible`, which wraps; while the table is still too wide, the columns named in
/// `drop_order` are hidden one by one.
pub(super) fn fit(
    header: &[&str],
    rows: Vec<Vec<Cell>>,
    flexible: usize,
    drop_order: &[usize],
    width: Option<u16>,
    color: bool,
) -> Grid {
    let mut g = Grid::new();
    g.load_style(UTF8_BORDERS_ONLY);
    // Cells carry colours (`--color`); they are written only when asked for.
    if color {
        g.enforce_styling();
    } else {
        g.force_no_tty();
    }
    g.set_header(header.to_vec());
    g.add_rows(rows);
    let Some(w) = width else {
        return g;
    };
    g.set_content_arrangement(ContentArrangement::Dynamic);
    g.set_width(w);
    for (i, col) in g.column_iter_mut().enumerate() {
        if i != flexible {
            col.set_constraint(ColumnConstraint::ContentWidth);
        } else {
            col.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(16)));
        }
    }
    let fits = |g: &Grid| g.lines().all(|l| l.chars().count() <= usize::from(w));
    for &hide in drop_order {
        if fits(&g) {
            break;
        }
        if let Some(col) = g.column_mut(hide) {
            col.set_constraint(ColumnConstraint::Hidden);
        }
    }
    g
}

/// Joins items with `, ` after a label, starting a new indented line where one would pass
/// `width`.
fn wrap(label: &str, items: &[String], width: Option<u16>) -> String {
    let width = width.map_or(usize::MAX, usize::from);
    let mut text = label.to_string();
    let mut line_len = label.chars().count();
    for (i, item) in items.iter().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        let len = item.chars().count();
        if i > 0 && line_len + sep.len() + len > width {
            text.push_str(",\n  ");
            line_len = 2;
        } else {
            text.push_str(sep);
            line_len += sep.len();
        }
        text.push_str(item);
        line_len += len;
    }
    text
}

/// A rate as a percentage; `-` where rates are unknown (an SDK-string log's successes were
/// never logged).
fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), |x| format!("{:.2}%", x * 100.0))
}

/// Prints a time to the second in the report's zone, for a narrow column (JSON and CSV
/// keep the fraction).
fn short_time(t: crate::time::Millis, zone: Option<&time::Zone>) -> String {
    time::format_short(t, zone)
}

fn ms(x: f64) -> String {
    format!("{x:.1}")
}

/// A rate from which the table shows it in red.
const HIGH_RATE: f64 = 0.05;

/// The colour of a fault class in the table: auth and throttling, yellow; quota and
/// resources, magenta; the server's, red; a client's mistake, plain.
pub(super) fn fault_color(fault: &str) -> Option<Color> {
    match fault {
        "auth" | "throttle" => Some(Color::Yellow),
        "quota" | "resource" => Some(Color::Magenta),
        "server" => Some(Color::Red),
        _ => None,
    }
}

/// Gives a cell a colour, if any.
pub(super) fn paint(cell: Cell, color: Option<Color>) -> Cell {
    match color {
        Some(c) => cell.fg(c),
        None => cell,
    }
}

fn right(s: String) -> Cell {
    Cell::new(s).set_alignment(CellAlignment::Right)
}

impl Render for Table {
    fn render(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let t = &r.totals;
        writeln!(
            out,
            "lines {}  responses {}  errors {}  error rate {}  malformed {}  skipped {}  blank {}{}",
            t.lines,
            t.responses,
            t.errors,
            pct(r.error_rate),
            t.malformed,
            t.skipped,
            t.blank,
            [
                ("filtered", t.filtered),
                ("other codes", t.other_errors),
                ("untimed", t.untimed),
                ("codes cut", t.codes_cut),
                ("groups cut", t.groups_cut),
                ("latency over a day", t.latency_clamped),
            ]
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(what, n)| format!("  {what} {n}"))
            .collect::<String>(),
        )?;
        if t.sdk_errors > 0 {
            let rates = match t.rates_known() {
                true => "rates count them as responses",
                false => "no success was logged, so rates are unknown (-)",
            };
            writeln!(
                out,
                "{} errors read from SDK error strings ({} code from message, {} no code): {rates}",
                t.sdk_errors, t.sdk_code_from_message, t.sdk_no_code
            )?;
        }
        if r.folded_errors > 0 {
            writeln!(
                out,
                "(other): {} errors of codes past the {} distinct ones kept (--max-codes)",
                r.folded_errors, r.max_codes
            )?;
        }
        if r.folded_group_errors > 0 {
            writeln!(
                out,
                "(other): {} errors in groups past the {} distinct ones kept (--max-codes)",
                r.folded_group_errors, r.max_codes
            )?;
        }
        if let Some((a, b)) = r.span {
            let zone = r.zone.clone().unwrap_or_default();
            let (a_, b_) = (short_time(a, Some(&zone)), short_time(b, Some(&zone)));
            writeln!(out, "span {a_} .. {b_}, times in {}", zone.label(a))?;
        }
        if let Some(p) = r.latency {
            writeln!(
                out,
                "latency ms  p50 {}  p90 {}  p99 {}  max {}",
                ms(p.p50),
                ms(p.p90),
                ms(p.p99),
                ms(p.max)
            )?;
        }
        if let Some(c) = &r.changed {
            super::changed::write_section(out, c, self.width, r.zone.as_ref(), r.color)?;
        }
        if t.lines == 0 {
            writeln!(out, "no lines read")?;
        } else if r.codes.is_empty() {
            writeln!(out, "no errors")?;
        } else {
            let latency = r.codes.iter().any(|c| c.latency.is_some());
            // A property of the code has its column already; rows still come by it.
            let group = r.group_by.filter(|g| g.is_field());
            let mut header = vec![];
            header.extend(group.map(GroupBy::heading));
            header.extend([
                "CODE", "CATEGORY", "CLASS", "FAULT", "COUNT", "SHARE", "RATE", "FIRST", "LAST",
            ]);
            if latency {
                header.extend(["P50 ms", "P99 ms"]);
            }
            header.push("DESCRIPTION");
            let rows = r
                .codes
                .iter()
                .map(|c| {
                    let mut row = Vec::new();
                    if let (Some(_), Some(g)) = (group, &c.group) {
                        row.push(Cell::new(inert(g)));
                    }
                    row.extend([
                        Cell::new(inert(&c.code)),
                        Cell::new(inert(&c.category)),
                        Cell::new(c.class),
                        paint(Cell::new(c.fault), fault_color(c.fault)),
                        right(c.count.to_string()),
                        right(pct(Some(c.share))),
                        paint(
                            right(pct(c.rate)),
                            c.rate.filter(|r| *r >= HIGH_RATE).map(|_| Color::Red),
                        ),
                        Cell::new(
                            c.first_seen
                                .map(|t| short_time(t, r.zone.as_ref()))
                                .unwrap_or_default(),
                        ),
                        Cell::new(
                            c.last_seen
                                .map(|t| short_time(t, r.zone.as_ref()))
                                .unwrap_or_default(),
                        ),
                    ]);
                    if latency {
                        row.push(right(c.latency.map(|p| ms(p.p50)).unwrap_or_default()));
                        row.push(right(c.latency.map(|p| ms(p.p99)).unwrap_or_default()));
                    }
                    row.push(Cell::new(inert(c.description.as_deref().unwrap_or(""))));
                    row
                })
                .collect();
            let col = |name: &str| header.iter().position(|h| *h == name).unwrap_or(usize::MAX);
            let drop_order = [
                col("FIRST"),
                col("CATEGORY"),
                col("CLASS"),
                col("P50 ms"),
                col("SHARE"),
                col("LAST"),
                col("P99 ms"),
                col("DESCRIPTION"),
            ];
            let g = fit(
                &header,
                rows,
                header.len() - 1,
                &drop_order,
                self.width,
                r.color,
            );
            writeln!(out, "{g}")?;
            let cats: Vec<String> = r
                .categories
                .iter()
                .map(|c| format!("{} {} ({})", inert(&c.name), c.count, pct(Some(c.share))))
                .collect();
            writeln!(out, "{}", wrap("categories: ", &cats, self.width))?;
        }
        if let Some((width, rows)) = &r.buckets {
            let skip = rows.len().saturating_sub(BUCKETS_SHOWN);
            let top = |codes: &[(&str, u64)]| {
                let top: Vec<String> = codes
                    .iter()
                    .take(3)
                    .map(|(c, n)| format!("{} {n}", inert(c)))
                    .collect();
                Cell::new(top.join(", "))
            };
            let known = t.rates_known();
            let mut cells = Vec::new();
            for b in &rows[skip..] {
                let start = || Cell::new(short_time(b.start, r.zone.as_ref()));
                if r.group_by.is_none() {
                    cells.push(vec![
                        start(),
                        right(b.responses.to_string()),
                        right(b.errors.to_string()),
                        right(pct(known.then(|| super::ratio(b.errors, b.responses)))),
                        top(&b.codes),
                    ]);
                    continue;
                }
                for g in &b.groups {
                    // A property of the code has no responses of its own: its rate is over
                    // all the bucket's.
                    let responses = g.responses.unwrap_or(b.responses);
                    cells.push(vec![
                        start(),
                        Cell::new(inert(&g.group)),
                        right(g.responses.map(|n| n.to_string()).unwrap_or_default()),
                        right(g.errors.to_string()),
                        right(pct(known.then(|| super::ratio(g.errors, responses)))),
                        top(&g.codes),
                    ]);
                }
            }
            let mut header = vec!["BUCKET"];
            header.extend(r.group_by.map(GroupBy::heading));
            header.extend(["RESPONSES", "ERRORS", "RATE", "TOP CODES"]);
            let last = header.len() - 1;
            let g = fit(&header, cells, last, &[last], self.width, r.color);
            let shown = if skip > 0 {
                format!(", the last {BUCKETS_SHOWN} of {}", rows.len())
            } else {
                String::new()
            };
            let untimed = if r.totals.untimed_errors > 0 {
                format!(
                    " ({} errors without a time are in none)",
                    r.totals.untimed_errors
                )
            } else {
                String::new()
            };
            writeln!(out, "buckets of {}s{shown}{untimed}:\n{g}", width / 1000)?;
        }
        support(out, r)?;
        if !r.malformed.is_empty() {
            writeln!(out, "malformed lines (first {}):", r.malformed.len())?;
            for m in &r.malformed {
                writeln!(out, "  {}:{}: {}", inert(&m.source), m.line, m.reason)?;
            }
        }
        for f in &r.failed_inputs {
            writeln!(out, "not read: {}: {}", inert(&f.source), inert(&f.error))?;
        }
        Ok(())
    }
}

/// The "for support" section: the top codes' latest RequestIds, with time, action and
/// region, and their most frequent message: what a support ticket asks for.
fn support(out: &mut dyn Write, r: &Report) -> io::Result<()> {
    let mut top: Vec<&super::CodeRow> = r.codes.iter().filter(|c| !c.is_other()).collect();
    top.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(&b.code)));
    top.truncate(SUPPORT_CODES);
    if top.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "for support: the top codes, their top message and latest RequestIds"
    )?;
    for c in top {
        let group = c
            .group
            .as_deref()
            .map(|g| format!(" [{}]", inert(g)))
            .unwrap_or_default();
        let message = c
            .messages
            .first()
            .map(|(m, _)| format!("  \"{}\"", inert(m)))
            .unwrap_or_default();
        let errors = if c.count == 1 { "error" } else { "errors" };
        writeln!(
            out,
            "  {}{group}  {} {errors}{message}",
            inert(&c.code),
            c.count
        )?;
        for s in &c.latest {
            let mut line = format!(
                "    {}",
                s.time
                    .map(|t| short_time(t, r.zone.as_ref()))
                    .unwrap_or("-".into())
            );
            for part in [Some(&s.id), s.action.as_ref(), s.region.as_ref()]
                .into_iter()
                .flatten()
            {
                line.push_str("  ");
                line.push_str(&inert(part));
            }
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}
