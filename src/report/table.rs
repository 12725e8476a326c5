//! The table report, for people: totals, then one row per code, then categories, time
//! buckets and the first malformed lines. Wide columns (the description) wrap to fit
//! `width` when it is known (the terminal's, or `COLUMNS`).

use std::io::{self, Write};

use comfy_table::presets::UTF8_BORDERS_ONLY;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table as Grid};

use super::{Render, Report};
use crate::time;

/// Buckets shown in the table (the newest); JSON and CSV have them all.
const BUCKETS_SHOWN: usize = 48;

/// The table renderer.
pub struct Table {
    /// Columns to fit in; `None` leaves rows unwrapped.
    pub width: Option<u16>,
}

impl Table {
    fn grid(&self, header: Vec<&str>) -> Grid {
        let mut g = Grid::new();
        g.load_style(UTF8_BORDERS_ONLY);
        g.force_no_tty();
        if let Some(w) = self.width {
            g.set_content_arrangement(ContentArrangement::Dynamic);
            g.set_width(w);
        }
        g.set_header(header);
        g
    }
}

fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

fn ms(x: f64) -> String {
    format!("{x:.1}")
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
            if t.filtered > 0 {
                format!("  filtered {}", t.filtered)
            } else {
                String::new()
            },
        )?;
        if let Some((a, b)) = r.span {
            writeln!(out, "span {} .. {}", time::format(a), time::format(b))?;
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
        if r.codes.is_empty() {
            writeln!(out, "no errors")?;
        } else {
            let latency = r.codes.iter().any(|c| c.latency.is_some());
            let mut header = vec!["CODE"];
            if let Some(g) = r.group_by {
                header.insert(0, g.as_str());
            }
            header.extend([
                "CATEGORY", "CLASS", "FAULT", "COUNT", "SHARE", "RATE", "FIRST", "LAST",
            ]);
            if latency {
                header.extend(["P50 ms", "P99 ms"]);
            }
            header.push("DESCRIPTION");
            let mut g = self.grid(header);
            for c in &r.codes {
                let mut row = Vec::new();
                if let Some(group) = &c.group {
                    row.push(Cell::new(group));
                }
                row.extend([
                    Cell::new(&c.code),
                    Cell::new(&c.category),
                    Cell::new(c.class),
                    Cell::new(c.fault),
                    right(c.count.to_string()),
                    right(pct(c.share)),
                    right(pct(c.rate)),
                    Cell::new(c.first_seen.map(time::format).unwrap_or_default()),
                    Cell::new(c.last_seen.map(time::format).unwrap_or_default()),
                ]);
                if latency {
                    row.push(right(c.latency.map(|p| ms(p.p50)).unwrap_or_default()));
                    row.push(right(c.latency.map(|p| ms(p.p99)).unwrap_or_default()));
                }
                row.push(Cell::new(c.description.as_deref().unwrap_or("")));
                g.add_row(row);
            }
            writeln!(out, "{g}")?;
            let cats: Vec<String> = r
                .categories
                .iter()
                .map(|c| format!("{} {} ({})", c.name, c.count, pct(c.share)))
                .collect();
            writeln!(out, "categories: {}", cats.join(", "))?;
        }
        if let Some((width, rows)) = &r.buckets {
            let mut g = self.grid(vec!["BUCKET", "RESPONSES", "ERRORS", "RATE", "TOP CODES"]);
            let skip = rows.len().saturating_sub(BUCKETS_SHOWN);
            for b in &rows[skip..] {
                let top: Vec<String> = b
                    .codes
                    .iter()
                    .take(3)
                    .map(|(c, n)| format!("{c} {n}"))
                    .collect();
                g.add_row(vec![
                    Cell::new(time::format(b.start)),
                    right(b.responses.to_string()),
                    right(b.errors.to_string()),
                    right(pct(super::ratio(b.errors, b.responses))),
                    Cell::new(top.join(", ")),
                ]);
            }
            let shown = if skip > 0 {
                format!(", the last {BUCKETS_SHOWN} of {}", rows.len())
            } else {
                String::new()
            };
            writeln!(out, "buckets of {}s{shown}:\n{g}", width / 1000)?;
        }
        if !r.malformed.is_empty() {
            writeln!(out, "malformed lines (first {}):", r.malformed.len())?;
            for m in &r.malformed {
                writeln!(out, "  {}:{}: {}", m.source, m.line, m.reason)?;
            }
        }
        for f in &r.failed_inputs {
            writeln!(out, "not read: {}: {}", f.source, f.error)?;
        }
        Ok(())
    }
}
