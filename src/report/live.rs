//! Live mode's view: the screen redrawn in place on a terminal, one JSON line an interval
//! elsewhere. Both show a `Snapshot` that live mode copied out of its state; log text goes
//! through `inert` on the screen as in every table.

use std::io::{self, Write};
use std::time::Duration;

use serde_json::json;

use super::{inert, ratio};
use crossterm::style::{Color, Stylize};

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
    /// Colour spiking and new codes (`--color`).
    color: bool,
}

impl LiveView for Screen {
    fn show(&mut self, s: &Snapshot) -> io::Result<()> {
        self.draw(s)
    }
}

impl Screen {
    /// Takes the terminal: raw mode, the alternate screen, no cursor.
    pub fn enter(color: bool) -> io::Result<Screen> {
        let mut out = io::stdout();
        crossterm::terminal::enable_raw_mode()?;
        crossterm::execute!(
            out,
            crossterm::terminal::EnterAlternateScreen,
            crossterm::cursor::Hide
        )?;
        Ok(Screen { out, color })
    }

    fn draw(&mut self, s: &Snapshot) -> io::Result<()> {
        // A terminal that says it has no size (a bare pseudo-terminal) gets 100 x 30.
        let (width, height) = match crossterm::terminal::size() {
            Ok((w, h)) if w > 0 && h > 0 => (w as usize, h as usize),
            _ => (100, 30),
        };
        let lines = screen_lines(s, width, height);
        // Each line is overwritten in place and its rest cleared, then what is below: no
        // moment shows an empty screen, so a redraw does not flicker.
        for (i, (line, color)) in lines.iter().enumerate() {
            crossterm::queue!(self.out, crossterm::cursor::MoveTo(0, i as u16))?;
            match color.filter(|_| self.color) {
                Some(c) => crossterm::queue!(
                    self.out,
                    crossterm::style::PrintStyledContent(crossterm::style::style(line).with(c))
                )?,
                None => self.out.write_all(line.as_bytes())?,
            }
            crossterm::queue!(
                self.out,
                crossterm::terminal::Clear(crossterm::terminal::ClearType::UntilNewLine)
            )?;
        }
        crossterm::queue!(
            self.out,
            crossterm::cursor::MoveTo(0, lines.len() as u16),
            crossterm::terminal::Clear(crossterm::terminal::ClearType::FromCursorDown)
        )?;
        self.out.flush()
    }
}

/// The live screen as lines that fit `width` columns and `height` rows, each with the colour
/// it is shown in (`--color`): the counts first, each on a line of its own when the terminal
/// is narrow; then the codes, their columns dropped as the batch table drops them
/// (category, then fault) before a code is cut; a spiking code red, a new one yellow.
pub fn screen_lines(s: &Snapshot, width: usize, height: usize) -> Vec<(String, Option<Color>)> {
    let pct = |e: u64, r: u64| match s.rates_known {
        true => format!("{:.2}%", ratio(e, r) * 100.0),
        false => "-".to_string(),
    };
    let clock =
        s.at.map(|t| {
            let zone = s.zone.clone().unwrap_or_default();
            format!("{} {}", time::format_short(t, Some(&zone)), zone.label(t))
        })
        .unwrap_or_else(|| "no records yet".into());
    // Parts of a line, joined on one line where they fit, else one a line.
    let fit = |parts: Vec<String>| -> Vec<String> {
        let one = parts.join("  ");
        if one.chars().count() <= width {
            return vec![one];
        }
        parts
    };
    let mut lines = fit(vec![
        format!("errstat live · window {}s", s.width / 1000),
        clock,
        format!("running {}s · q quits", s.elapsed.as_secs()),
    ]);
    for (name, (responses, errors), secs) in [
        ("window", s.window, s.window_secs),
        ("total ", s.total, s.elapsed.as_secs_f64()),
    ] {
        lines.extend(fit(vec![
            format!("{name}  responses {responses}  errors {errors}"),
            format!(
                "rate {}  errors/s {:.2}",
                pct(errors, responses),
                per_sec(errors, secs)
            ),
        ]));
    }
    lines.push(format!(
        "lines {}  malformed {}",
        s.total_lines, s.malformed
    ));
    lines.push(String::new());
    // Columns: code (flexible), mark, category, fault, window, total, trend.
    let numbers = |r: &Row| (r.window.to_string(), r.total.to_string());
    let w_window = s
        .top
        .iter()
        .map(|r| numbers(r).0.len())
        .max()
        .unwrap_or(0)
        .max(6);
    let w_total = s
        .top
        .iter()
        .map(|r| numbers(r).1.len())
        .max()
        .unwrap_or(0)
        .max(5);
    let w_trend = TREND;
    let fixed = 6 + 1 + w_window + 1 + w_total + 2 + w_trend;
    let (category_w, fault_w) = (23, 10);
    let code_min = 16;
    let show_category = width > code_min + fixed + category_w + fault_w;
    let show_fault = width > code_min + fixed + fault_w;
    let code_w = width
        .saturating_sub(fixed + 1)
        .saturating_sub(if show_category { category_w } else { 0 })
        .saturating_sub(if show_fault { fault_w } else { 0 })
        .clamp(4, 40);
    let cut = |text: &str, n: usize| -> String {
        let text = inert(text);
        if text.chars().count() > n {
            text.chars()
                .take(n.saturating_sub(1))
                .chain(['…'])
                .collect()
        } else {
            text.into_owned()
        }
    };
    let row = |code: &str, mark: &str, cat: &str, f: &str, win: &str, tot: &str, trend: &str| {
        let mut line = format!("{:<code_w$} {:<5}", cut(code, code_w), mark);
        if show_category {
            line.push_str(&format!(" {:<22}", cut(cat, 22)));
        }
        if show_fault {
            line.push_str(&format!(" {f:<9}"));
        }
        line.push_str(&format!(" {win:>w_window$} {tot:>w_total$}  {trend}"));
        line
    };
    lines.push(row(
        "CODE", "NEW", "CATEGORY", "FAULT", "WINDOW", "TOTAL", "TREND",
    ));
    let mut colors: Vec<Option<Color>> = vec![None; lines.len()];
    for r in s.top.iter().take(height.saturating_sub(lines.len() + 1)) {
        colors.push(match (r.spike, r.new) {
            (true, _) => Some(Color::Red),
            (false, true) => Some(Color::Yellow),
            (false, false) => None,
        });
        let mark = match (r.spike, r.new) {
            (true, _) => "spike",
            (false, true) => "new",
            (false, false) => "",
        };
        let (win, tot) = numbers(r);
        lines.push(row(
            &r.code,
            mark,
            catalog::category_of(&r.code),
            fault(&r.code),
            &win,
            &tot,
            &sparkline(&r.trend),
        ));
    }
    lines.truncate(height);
    lines
        .into_iter()
        .zip(colors)
        .map(|(line, color)| match line.chars().count() > width {
            true => (line.chars().take(width).collect(), color),
            false => (line, color),
        })
        .collect()
}

/// Columns the trend takes: one a part of the window.
const TREND: usize = 10;

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

    fn snapshot() -> Snapshot {
        Snapshot {
            at: Some(1_795_687_217_250),
            elapsed: Duration::from_secs(12_345),
            width: 60_000,
            window: (123_456_789, 9_876_543),
            window_secs: 60.0,
            total_lines: 9_999_999_999,
            total: (98_765_432_100, 1_234_567_890),
            malformed: 4_242,
            sdk_errors: 0,
            rates_known: true,
            top: vec![Row {
                code: "ResourceUnavailable.InstanceTypeSoldOutInThisZoneForever".into(),
                window: 1_234_567,
                total: 987_654_321,
                trend: vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
                new: true,
                spike: false,
            }],
            zone: None,
        }
    }

    #[test]
    fn at_80_columns_every_number_shows_and_no_line_wraps() {
        let s = snapshot();
        let lines: Vec<String> = screen_lines(&s, 80, 30).into_iter().map(|l| l.0).collect();
        for l in &lines {
            assert!(l.chars().count() <= 80, "too wide: {l:?}");
        }
        let text = lines.join("\n");
        for number in [
            "123456789",
            "9876543",
            "98765432100",
            "1234567890",
            "9999999999",
            "4242",
            "1234567",
            "987654321",
            "8.00%",
            "1.25%",
        ] {
            assert!(text.contains(number), "{number} missing:\n{text}");
        }
        assert!(lines[0].starts_with("errstat live"), "{text}");
        let header = lines
            .iter()
            .find(|l| l.starts_with("CODE"))
            .expect("a header");
        assert!(
            header.contains("NEW") && header.contains("TREND"),
            "{header}"
        );
        let row = lines
            .iter()
            .find(|l| l.starts_with("Resource"))
            .expect("a row");
        assert!(row.contains(" new "), "{row}");
        assert!(row.ends_with(&sparkline(&s.top[0].trend)), "{row}");
        // Wide, the category and fault come back.
        let wide: Vec<String> = screen_lines(&s, 160, 30).into_iter().map(|l| l.0).collect();
        let wide = wide.join("\n");
        assert!(
            wide.contains("ResourceUnavailable ") && wide.contains("resource"),
            "{wide}"
        );
    }

    #[test]
    fn sparkline_scales_to_the_highest() {
        assert_eq!(sparkline(&[0, 1, 7]), " ▂█");
        assert_eq!(sparkline(&[0, 0]), "  ");
    }
}
