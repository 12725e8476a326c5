//! The HTML report's charts, drawn by plotters into SVG strings that the page inlines.
//!
//! Plotters lays out axes, ticks and labels; this file only chooses what to draw. Its SVG
//! backend escapes the text it writes, and every label from a log passes through `inert`
//! first, so a code shows as text whatever it holds. Text is measured by plotters' naive
//! metrics (no font file is read), which keeps the bytes the same on every machine.

use std::io;

use plotters::coord::Shift;
use plotters::coord::combinators::BindKeyPoints;
use plotters::coord::ranged1d::{IntoSegmentedCoord, SegmentValue};
use plotters::prelude::*;

use super::{Mark, MarkKind, TimeSeries};
use crate::report::inert;
use crate::time::{self, Millis};

/// The colours of the stacked codes, as `page.css`'s `.c0`…`.c8`; the rest is `.crest`.
pub const PALETTE: [RGBColor; 9] = [
    RGBColor(0x4e, 0x79, 0xa7),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0xe1, 0x57, 0x59),
    RGBColor(0x76, 0xb7, 0xb2),
    RGBColor(0x59, 0xa1, 0x4f),
    RGBColor(0xed, 0xc9, 0x48),
    RGBColor(0xb0, 0x7a, 0xa1),
    RGBColor(0xff, 0x9d, 0xa7),
    RGBColor(0x9c, 0x75, 0x5f),
];
const REST: RGBColor = RGBColor(0xba, 0xb0, 0xac);
const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
const GRID: RGBColor = RGBColor(0xe4, 0xe7, 0xec);
const MARK: RGBColor = RGBColor(0xd6, 0x27, 0x28);

/// Most steps the time chart draws: a day of minutes fits; a longer series is summed into
/// wider buckets first, so the page stays a few megabytes whatever the span.
pub const MAX_STEPS: usize = 1_500;

/// Widths of the time axis' ticks, one of which gives 4 to 12 ticks over any span.
const TICKS: [Millis; 20] = [
    1_000,
    5_000,
    10_000,
    30_000,
    60_000,
    300_000,
    600_000,
    900_000,
    1_800_000,
    3_600_000,
    7_200_000,
    10_800_000,
    21_600_000,
    43_200_000,
    86_400_000,
    172_800_000,
    604_800_000,
    2_592_000_000,
    7_776_000_000,
    31_536_000_000,
];

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Drawn = Result<(), DrawingAreaErrorKind<io::Error>>;

/// Draws into an SVG of `size` and returns it ready to inline: `role="img"` and a label
/// for screen readers, no `xmlns` (HTML does not need it, and the page then names no URL).
fn svg(size: (u32, u32), label: &str, draw: impl FnOnce(&Area) -> Drawn) -> io::Result<String> {
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
        draw(&root).map_err(|e| io::Error::other(format!("chart: {e}")))?;
        root.present()
            .map_err(|e| io::Error::other(format!("chart: {e}")))?;
    }
    let label = super::escape(label);
    Ok(text
        .replacen(
            "<svg ",
            &format!("<svg class=\"chart\" role=\"img\" aria-label=\"{label}\" "),
            1,
        )
        .replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1))
}

/// A label from a log for a chart: inert, and cut to `max` characters.
fn label(text: &str, max: usize) -> String {
    let text = inert(text);
    if text.chars().count() <= max {
        return text.into_owned();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

/// A time on the axis, as precise as the ticks are apart.
fn tick_label(t: Millis, step: Millis, span: Millis) -> String {
    let full = time::format(t);
    let part = match () {
        _ if span > 2 * 86_400_000 && step >= 86_400_000 => full.get(0..10),
        _ if span > 86_400_000 => full.get(5..16),
        _ if step < 60_000 => full.get(11..19),
        _ => full.get(11..16),
    };
    part.map_or(full.clone(), |p| p.replace('T', " "))
}

/// Evenly spaced, aligned ticks over `[start, end]`.
fn ticks(start: Millis, end: Millis) -> (Millis, Vec<Millis>) {
    let span = (end - start).max(1);
    let step = TICKS
        .into_iter()
        .find(|&w| span / w <= 10)
        .unwrap_or(span / 8 + 1);
    let first = start.div_euclid(step) * step + if start % step == 0 { 0 } else { step };
    let points = (0..)
        .map(|i| first + i * step)
        .take_while(|&t| t <= end)
        .collect();
    (step, points)
}

/// The series cut to its top codes: per step, `[errors of top[0], …, the rest]`.
struct Layers {
    width: Millis,
    starts: Vec<Millis>,
    counts: Vec<Vec<u64>>,
    rates: Vec<Option<f64>>,
}

impl Layers {
    fn of(series: &TimeSeries, top: &[&str]) -> Layers {
        let index: foldhash::HashMap<&str, usize> =
            top.iter().enumerate().map(|(i, c)| (*c, i)).collect();
        let points = &series.points;
        // Steps wide enough that at most `MAX_STEPS` are drawn.
        let span = match (points.first(), points.last()) {
            (Some(a), Some(b)) => (b.start - a.start) / series.width.max(1) + 1,
            _ => 0,
        };
        let factor = (span as usize).div_ceil(MAX_STEPS).max(1) as i64;
        let width = series.width.max(1) * factor;
        let mut out = Layers {
            width,
            starts: Vec::new(),
            counts: Vec::new(),
            rates: Vec::new(),
        };
        let mut responses = Vec::new();
        let mut errors = Vec::new();
        for p in points {
            let start = crate::stats::bucket_start(p.start, width, series.offset);
            if out.starts.last() != Some(&start) {
                out.starts.push(start);
                out.counts.push(vec![0; top.len() + 1]);
                responses.push(0u64);
                errors.push(0u64);
            }
            let counts = out.counts.last_mut().expect("pushed above");
            let mut named = 0;
            for &(code, n) in p.codes {
                if let Some(&i) = index.get(code) {
                    counts[i] += n;
                    named += n;
                }
            }
            counts[top.len()] += p.errors.saturating_sub(named);
            *responses.last_mut().expect("pushed above") += p.responses;
            *errors.last_mut().expect("pushed above") += p.errors;
        }
        out.rates = responses
            .iter()
            .zip(&errors)
            .map(|(&r, &e)| (series.rates && r > 0).then(|| e as f64 / r as f64))
            .collect();
        out
    }

    /// Runs of adjacent steps, as index ranges.
    fn runs(&self) -> Vec<std::ops::Range<usize>> {
        let mut runs = Vec::new();
        let mut from = 0;
        for i in 1..=self.starts.len() {
            if i == self.starts.len() || self.starts[i] != self.starts[i - 1] + self.width {
                runs.push(from..i);
                from = i;
            }
        }
        runs.retain(|r| !r.is_empty());
        runs
    }
}

/// Draws errors over time, stacked by `top` (then the rest), with the error rate as a line
/// on the right axis and `marks` shaded on the time axis.
pub fn time_chart(series: &TimeSeries, top: &[&str], marks: &[Mark]) -> io::Result<String> {
    let layers = Layers::of(series, top);
    let (Some(&x0), Some(&last)) = (layers.starts.first(), layers.starts.last()) else {
        return Ok(String::new());
    };
    let x1 = last + layers.width;
    let totals: Vec<u64> = layers.counts.iter().map(|c| c.iter().sum()).collect();
    let ymax = totals.iter().copied().max().unwrap_or(0).max(1);
    let ymax = ymax + ymax.div_ceil(12);
    let rmax = layers.rates.iter().flatten().copied().fold(0.0, f64::max);
    let rmax = if rmax > 0.0 {
        (rmax * 1.1).min(1.0)
    } else {
        0.01
    };
    let (step, points) = ticks(x0, x1);
    let span = x1 - x0;
    let runs = layers.runs();
    svg((1160, 380), "errors over time", |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(56)
            .right_y_label_area_size(if series.rates { 56 } else { 0 })
            .build_cartesian_2d((x0..x1).with_key_points(points), 0..ymax)?
            .set_secondary_coord(x0..x1, 0.0..rmax);
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .x_label_formatter(&|t| tick_label(*t, step, span))
            .y_desc("errors")
            .label_style(("sans-serif", 16))
            .draw()?;
        if series.rates {
            chart
                .configure_secondary_axes()
                .y_desc("error rate")
                .label_style(("sans-serif", 16))
                .y_label_formatter(&|v| percent(*v, rmax))
                .draw()?;
        }
        // Each layer is the sum of itself and those under it, drawn from the top down so
        // that every one shows its own band (one polygon a run instead of a box a step).
        for k in (0..=top.len()).rev() {
            let colour = PALETTE.get(k).copied().unwrap_or(REST);
            for run in &runs {
                let mut outline = vec![(layers.starts[run.start], 0)];
                for i in run.clone() {
                    let y: u64 = layers.counts[i][..=k].iter().sum();
                    outline.push((layers.starts[i], y));
                    outline.push((layers.starts[i] + layers.width, y));
                }
                outline.push((layers.starts[run.end - 1] + layers.width, 0));
                chart.draw_series(std::iter::once(Polygon::new(outline, colour.filled())))?;
            }
        }
        // Each mark is numbered on the chart; the list under it says what it is.
        for (i, m) in marks.iter().enumerate() {
            let style = MARK.mix(0.2).filled();
            match m.kind {
                MarkKind::Spike => {
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(m.start.max(x0), 0), (m.end.min(x1), ymax)],
                        style,
                    )))?;
                }
                MarkKind::NewCode => {
                    let at = m.start.clamp(x0, x1);
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(at, 0), (at, ymax)],
                        MARK.stroke_width(2),
                    )))?;
                }
            }
            chart.draw_series(std::iter::once(Text::new(
                (i + 1).to_string(),
                (m.start.clamp(x0, x1), ymax),
                ("sans-serif", 15).into_font().color(&MARK),
            )))?;
        }
        if series.rates {
            for run in &runs {
                let line: Vec<(Millis, f64)> = run
                    .clone()
                    .filter_map(|i| Some((layers.starts[i] + layers.width / 2, layers.rates[i]?)))
                    .collect();
                chart.draw_secondary_series(std::iter::once(PathElement::new(
                    line,
                    INK.stroke_width(2),
                )))?;
            }
        }
        Ok(())
    })
}

/// A rate as a percentage, with as many decimals as the axis' top needs.
fn percent(v: f64, top: f64) -> String {
    let digits = if top >= 0.1 {
        0
    } else if top >= 0.01 {
        1
    } else {
        2
    };
    format!("{:.*}%", digits, v * 100.0)
}

/// Draws one horizontal bar per (name, count), the first at the top.
pub fn bar_chart(rows: &[(&str, u64)], colour: usize, what: &str) -> io::Result<String> {
    let n = rows.len() as u32;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let max = max + max.div_ceil(20);
    let height = 40 + 26 * n;
    let colour = PALETTE[colour % PALETTE.len()];
    svg((560, height), what, |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .margin(8)
            .x_label_area_size(24)
            .y_label_area_size(210)
            .build_cartesian_2d(0..max, (0..n).into_segmented())?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .disable_y_mesh()
            .y_labels(n as usize + 1)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) if *i < n => label(rows[(n - 1 - i) as usize].0, 26),
                _ => String::new(),
            })
            .x_labels(6)
            .label_style(("sans-serif", 15))
            .draw()?;
        chart.draw_series(rows.iter().enumerate().map(|(i, &(_, count))| {
            let y = n - 1 - i as u32;
            let mut bar = Rectangle::new(
                [
                    (0, SegmentValue::Exact(y)),
                    (count, SegmentValue::Exact(y + 1)),
                ],
                colour.filled(),
            );
            bar.set_margin(4, 4, 0, 0);
            bar
        }))?;
        Ok(())
    })
}

/// One row of the latency chart: a name and its p50, p90, p99 and max in milliseconds.
pub struct Spread<'a> {
    pub name: &'a str,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

/// Draws each row's latency on a log axis: a bar from p50 to p99, a tick at p90, a ring
/// at the maximum.
pub fn latency_chart(rows: &[Spread]) -> io::Result<String> {
    let n = rows.len() as u32;
    let floor = 0.1;
    let lo = rows
        .iter()
        .map(|r| r.p50)
        .fold(f64::INFINITY, f64::min)
        .max(floor);
    let lo = if lo.is_finite() { lo / 2.0 } else { floor };
    let hi = rows.iter().map(|r| r.max).fold(lo * 10.0, f64::max) * 1.5;
    let at = |v: f64| v.clamp(lo, hi);
    svg((1160, 40 + 26 * n), "latency by code", |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(330)
            .build_cartesian_2d((lo..hi).log_scale(), (0..n).into_segmented())?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .disable_y_mesh()
            .y_labels(n as usize + 1)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) if *i < n => label(rows[(n - 1 - i) as usize].name, 44),
                _ => String::new(),
            })
            .x_desc("milliseconds")
            .x_label_formatter(&|v| format!("{v}"))
            .label_style(("sans-serif", 15))
            .draw()?;
        for (i, r) in rows.iter().enumerate() {
            let y = n - 1 - i as u32;
            let mut bar = Rectangle::new(
                [
                    (at(r.p50), SegmentValue::Exact(y)),
                    (at(r.p99).max(at(r.p50)), SegmentValue::Exact(y + 1)),
                ],
                PALETTE[0].mix(0.55).filled(),
            );
            bar.set_margin(5, 5, 0, 0);
            chart.draw_series(std::iter::once(bar))?;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![
                    (at(r.p90), SegmentValue::Exact(y)),
                    (at(r.p90), SegmentValue::Exact(y + 1)),
                ],
                INK.stroke_width(2),
            )))?;
            chart.draw_series(std::iter::once(Circle::new(
                (at(r.max), SegmentValue::CenterOf(y)),
                4,
                MARK.stroke_width(2),
            )))?;
        }
        Ok(())
    })
}

/// The times of the points, for tests.
#[cfg(test)]
pub fn starts(series: &TimeSeries, top: &[&str]) -> (Millis, Vec<Millis>) {
    let l = Layers::of(series, top);
    (l.width, l.starts)
}

#[cfg(test)]
pub fn tick_points(start: Millis, end: Millis) -> Vec<Millis> {
    ticks(start, end).1
}
