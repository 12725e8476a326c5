//! The Markdown report, for a ticket, a wiki page or a pull request: the totals, then the
//! table report's main table (one row per code, as `Report` sorts them) as a GitHub-flavoured
//! Markdown table. Cells are escaped so that no text from a log can end a cell or a row,
//! or drive a terminal the file is printed on: `\` and `|` get a backslash, `<` and `>`
//! become entities (no HTML), and control and bidirectional characters are written as
//! `inert` writes them (a line break is one of them, so a row stays one line).

use std::io::{self, Write};

use super::{Render, Report, inert};
use crate::time;

/// The Markdown renderer.
pub struct Markdown;

/// Escapes text for one cell of a Markdown table.
pub(super) fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in inert(text).chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Writes a Markdown table: a header, its alignment row (`right` columns end in `:`),
/// then the rows, whose cells are escaped here.
pub(super) fn table(
    out: &mut dyn Write,
    header: &[&str],
    right: &[bool],
    rows: impl Iterator<Item = Vec<String>>,
) -> io::Result<()> {
    writeln!(out, "| {} |", header.join(" | "))?;
    let align: Vec<&str> = right
        .iter()
        .map(|&r| if r { "---:" } else { "---" })
        .collect();
    writeln!(out, "| {} |", align.join(" | "))?;
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        writeln!(out, "| {} |", cells.join(" | "))?;
    }
    Ok(())
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), |x| format!("{:.2}%", x * 100.0))
}

impl Render for Markdown {
    fn render(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let t = &r.totals;
        writeln!(out, "## errstat report")?;
        writeln!(out)?;
        writeln!(
            out,
            "lines {} · responses {} · errors {} · error rate {} · malformed {} · skipped {} · blank {}",
            t.lines,
            t.responses,
            t.errors,
            pct(r.error_rate),
            t.malformed,
            t.skipped,
            t.blank
        )?;
        if let Some((a, b)) = r.span {
            writeln!(out)?;
            let zone = r.zone.as_ref();
            let (a, b) = (time::format_in(a, zone), time::format_in(b, zone));
            writeln!(out, "span {a} .. {b}")?;
        }
        writeln!(out)?;
        if t.lines == 0 {
            return writeln!(out, "no lines read");
        } else if r.codes.is_empty() {
            return writeln!(out, "no errors");
        }
        let group = r.group_by.filter(|g| g.is_field());
        let latency = r.codes.iter().any(|c| c.latency.is_some());
        let mut header: Vec<&str> = group.map(|g| g.as_str()).into_iter().collect();
        header.extend(["code", "fault", "count", "share", "rate"]);
        if latency {
            header.push("p99 ms");
        }
        header.push("description");
        let right: Vec<bool> = header
            .iter()
            .map(|h| matches!(*h, "count" | "share" | "rate" | "p99 ms"))
            .collect();
        let rows = r.codes.iter().map(|c| {
            let mut row = Vec::new();
            if group.is_some() {
                row.push(c.group.clone().unwrap_or_default());
            }
            row.extend([
                c.code.clone(),
                c.fault.to_string(),
                c.count.to_string(),
                pct(Some(c.share)),
                pct(c.rate),
            ]);
            if latency {
                row.push(
                    c.latency
                        .map_or_else(String::new, |p| format!("{:.1}", p.p99)),
                );
            }
            row.push(c.description.clone().unwrap_or_default());
            row
        });
        table(out, &header, &right, rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_end_a_cell_a_row_or_drive_a_terminal() {
        assert_eq!(cell("a|b"), "a\\|b");
        assert_eq!(cell("a\\|b"), "a\\\\\\|b");
        assert_eq!(cell("x\ny\u{1b}[2J"), "x\\\\u{a}y\\\\u{1b}[2J");
        assert_eq!(cell("<script>"), "&lt;script&gt;");
        assert_eq!(
            cell("AuthFailure.SignatureFailure"),
            "AuthFailure.SignatureFailure"
        );
    }
}
