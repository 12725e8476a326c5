//! Live mode's view: the screen redrawn in place on a terminal, one JSON line an interval
//! elsewhere. Both show a `Snapshot` that live mode copied out of its state; log text goes
//! through `inert` on the screen as in every table.

use std::io::{self, Write};
use std::time::Duration;

use serde_json::json;

use super::{inert, ratio};
use crate::catalog::{self, Catalog};
use crate::stats::OTHER;
use crate::time::{self, Millis};

/// One interval's view, copied out of live mode's state.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The window's clock.
    pub at: Option<Millis>,
    pub elapsed: Duration,
    /// The window's width.
    pub width: Millis,
    /// Responses and errors in the window.
    pub window: (u64, u64),
    /// Seconds the window's rate is over (less than its width early on).
    pub window_secs: f64,
    pub total_lines: u64,
    /// Responses and errors since the start.
    pub total: (u64, u64),
    pub malformed: u64,
    /// Errors read from SDK strings since the start; rates are unknown while no success
    /// was seen (`Totals::rates_known`).
    pub sdk_errors: u64,
    pub rates_known: bool,
    pub top: Vec<Row>,
    /// `--tz`: the zone the clock is shown in (`None`: UTC).
    pub zone: Option<crate::time::Zone>,
}

/// One code in the view.
#[derive(Debug, Clone)]
pub struct Row {
    pub code: String,
    /// Errors in the window, and since the start.
    pub window: u64,
    pub total: u64,
    /// The window's errors in `TREND` parts, oldest first.
    pub trend: Vec<u64>,
    /// First seen within the last window.
    pub new: bool,
    /// The window's errors are a spike against the code's series so far (`change::is_spike`).
    pub spike: bool,
}

/// A code's fault, `(other)` for the codes past the cap (many faults).
fn fault(code: &str) -> &'static str {
    if code == OTHER {
        OTHER
    } else {
        super::fault_name(code)
    }
}

/// Errors per second over `secs` (at least one), to 3 decimals.
fn per_sec(n: u64, secs: f64) -> f64 {
    (n as f64 / secs.max(1.0) * 1000.0).round() / 1000.0
}

/// Shows one interval of live mode.
pub trait LiveView {
    fn show(&mut self, s: &Snapshot) -> io::Result<()>;
}

/// Live mode off a terminal: one JSON line an interval (`errstat.live/v1`) on stdout.
pub struct LiveLines<'c> {
    pub catalog: &'c Catalog,
}

impl LiveView for LiveLines<'_> {
    fn show(&mut self, s: &Snapshot) -> io::Result<()> {
        lines(s, self.catalog)
    }
}

/// Writes one interval as a JSON line.
fn lines(s: &Snapshot, catalog: &Catalog) -> io::Result<()> {
    let top: Vec<_> = s
        .top
        .iter()
        .map(|r| {
            json!({
                "code": r.code,
                "category": catalog::category_of(&r.code),
                "class": if r.code == OTHER { OTHER } else { catalog.class_of(&r.code).as_str() },
                "fault": fault(&r.code),
                "window": r.window,
                "total": r.total,
                "trend": r.trend,
                "new": r.new,
                "spike": r.spike,
            })
        })
        .collect();
    let line = json!({
        "schema": "errstat.live/v1",
        "at": s.at.map(|t| time::format_in(t, s.zone.as_ref())),
        "window": {
            "seconds": s.width / 1000,
            "responses": s.window.0,
            "errors": s.window.1,
            "error_rate": s.rates_known.then(|| ratio(s.window.1, s.window.0)),
            "errors_per_sec": per_sec(s.window.1, s.window_secs),
        },
        "total": {
            "lines": s.total_lines,
            "responses": s.total.0,
            "errors": s.total.1,
            "error_rate": s.rates_known.then(|| ratio(s.total.1, s.total.0)),
            "errors_per_sec": per_sec(s.total.1, s.elapsed.as_secs_f64()),
            "malformed": s.malformed,
            "sdk_errors": s.sdk_errors,
        },
        "top": top,
    });
    let mut out = io::stdout().lock();
    serde_json::to_writer(&mut out, &line)?;
    writeln!(out)?;
    out.flush()
}

/// The terminal while live mode draws on it; restores it when dropped, even on error.
pub struct Screen {
    out: io::Stdout,
}

impl LiveView for Screen {
    fn show(&mut self, s: &Snapshot) -> io::Result<()> {
        self.draw(s)
    }
}

impl Screen {
    /// Takes the terminal: raw mode, the alternate screen, no cursor.
    pub fn enter() -> io::Result<Screen> {
        let mut out = io::stdout();
        crossterm::terminal::enable_raw_mode()?;
        crossterm::execute!(
            out,
            crossterm::terminal::EnterAlternateScreen,
            crossterm::cursor::Hide
        )?;
        Ok(Screen { out })
    }

    fn draw(&mut self, s: &Snapshot) -> io::Result<()> {
        // A terminal that says it has no size (a bare pseudo-terminal) gets 100 x 30.
        let (width, height) = match crossterm::terminal::size() {
            Ok((w, h)) if w > 0 && h > 0 => (w as usize, h as usize),
            _ => (100, 30),
        };
        let pct = |e: u64, r: u64| match s.rates_known {
            true => format!("{:.2}%", ratio(e, r) * 100.0),
            false => "-".to_string(),
        };
        let mut lines = vec![
            format!(
                "errstat live · window {}s · {} · running {}s · q quits",
                s.width / 1000,
                s.at.map(|t| {
                    let zone = s.zone.clone().unwrap_or_default();
                    format!("{} {}", time::format_short(t, Some(&zone)), zone.label(t))
                })
                .unwrap_or_else(|| "no records yet".into()),
                s.elapsed.as_secs()
            ),
            format!(
                "window  responses {:>9}  errors {:>7}  rate {:>7}  errors/s {:.2}",
                s.window.0,
                s.window.1,
                pct(s.window.1, s.window.0),
                per_sec(s.window.1, s.window_secs)
            ),
            format!(
                "total   responses {:>9}  errors {:>7}  rate {:>7}  errors/s {:.2}  lines {}  malformed {}",
                s.total.0,
                s.total.1,
                pct(s.total.1, s.total.0),
                per_sec(s.total.1, s.elapsed.as_secs_f64()),
                s.total_lines,
                s.malformed
            ),
            String::new(),
            format!(
                "{:<44} {:<22} {:<9} {:>8} {:>9}  {:<10}",
                "CODE", "CATEGORY", "FAULT", "WINDOW", "TOTAL", "TREND"
            ),
        ];
        for r in s.top.iter().take(height.saturating_sub(lines.len() + 1)) {
            let mark = match (r.spike, r.new) {
                (true, _) => "spike",
                (false, true) => "new",
                (false, false) => "",
            };
            // A code's text made inert before it is cut to the column.
            let fit = |text: &str, n: usize| -> String {
                let text = inert(text);
                if text.chars().count() > n {
                    text.chars().take(n - 1).chain(['…']).collect()
                } else {
                    text.into_owned()
                }
            };
            lines.push(format!(
                "{:<38} {:<5} {:<22} {:<9} {:>8} {:>9}  {}",
                fit(&r.code, 38),
                mark,
                fit(catalog::category_of(&r.code), 22),
                fault(&r.code),
                r.window,
                r.total,
                sparkline(&r.trend)
            ));
        }
        crossterm::queue!(
            self.out,
            crossterm::cursor::MoveTo(0, 0),
            crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
        )?;
        for (i, line) in lines.iter().take(height).enumerate() {
            let shown: String = line.chars().take(width).collect();
            crossterm::queue!(self.out, crossterm::cursor::MoveTo(0, i as u16))?;
            self.out.write_all(shown.as_bytes())?;
        }
        self.out.flush()
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = crossterm::execute!(
            self.out,
            crossterm::cursor::Show,
            crossterm::terminal::LeaveAlternateScreen
        );
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

/// Draws counts as a row of block characters, highest = full block.
fn sparkline(counts: &[u64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = counts.iter().copied().max().unwrap_or(0);
    counts
        .iter()
        .map(|&n| {
            if n == 0 {
                ' '
            } else {
                BARS[((n * 7).div_ceil(max.max(1)) as usize).min(7)]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_scales_to_the_highest() {
        assert_eq!(sparkline(&[0, 1, 7]), " ▂█");
        assert_eq!(sparkline(&[0, 0]), "  ");
    }
}
