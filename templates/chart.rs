//! Inline SVG charts, drawn on the server: no chart library, nothing fetched, and they work with
//! JavaScript off. The script refreshes them like any other live value.

use maud::{html, Markup};

use super::rounded;
use crate::tour::snapshot::Point;

/// Every chart's canvas is this wide, in the units of its `viewBox`, and starts its plot here,
/// leaving room for the labels on the left.
pub const WIDTH: f64 = 800.0;
pub const LEFT: f64 = 90.0;
/// Where a [`Scale`]'s axis ends: short of the canvas' edge, so a label centred under the last
/// mark still fits on a phone.
pub const AXIS_END: f64 = 770.0;
const HEIGHT: f64 = 260.0;
const RIGHT: f64 = 780.0;
const TOP: f64 = 20.0;
const BOTTOM: f64 = 210.0;
/// Labels under an axis stay this far apart, so a phone's larger text does not run them together.
const LABEL_GAP: f64 = 120.0;

/// A step chart of a value over the last `window` seconds, now at the right: a counter's steps only
/// climb, a gauge's go both ways.
pub fn history(id: &str, label: &str, points: &[Point], window: f64) -> Markup {
    over_time(id, label, &[(String::new(), points)], window)
}

/// Step lines of several named values over the last `window` seconds on one scale, with a legend
/// when there is more than one: the summary's quantiles moving as its window slides.
pub fn over_time(id: &str, label: &str, series: &[(String, &[Point])], window: f64) -> Markup {
    step_lines(id, label, series, window, true)
}

/// [`over_time`] drawn once, left out of the page's refresh: the PromQL page's chart is a range
/// query to Prometheus, which refreshing every second would repeat for every open tab.
pub fn over_time_once(id: &str, label: &str, series: &[(String, &[Point])], window: f64) -> Markup {
    step_lines(id, label, series, window, false)
}

fn step_lines(
    id: &str,
    label: &str,
    series: &[(String, &[Point])],
    window: f64,
    live: bool,
) -> Markup {
    let (low, high) = range(
        series
            .iter()
            .flat_map(|(_, points)| points.iter().map(|p| p.value)),
    );
    let x = |seconds_ago: f64| RIGHT - (RIGHT - LEFT) * (seconds_ago / window).clamp(0.0, 1.0);
    let y = |value: f64| BOTTOM - (BOTTOM - TOP) * (value - low) / (high - low);
    let path = |points: &[Point]| {
        let mut path = Vec::new();
        for (i, point) in points.iter().enumerate() {
            if i > 0 {
                // Hold the previous value until this point: the value changed in a step.
                path.push(format!(
                    "{:.1},{:.1}",
                    x(point.seconds_ago),
                    y(points[i - 1].value)
                ));
            }
            path.push(format!("{:.1},{:.1}", x(point.seconds_ago), y(point.value)));
        }
        if let Some(last) = points.last() {
            path.push(format!("{:.1},{:.1}", RIGHT, y(last.value)));
        }
        path.join(" ")
    };
    let empty = series.iter().all(|(_, points)| points.is_empty());
    html! {
        figure.chart #(id) data-live[live] {
            svg viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img" aria-label=(label) {
                title { (label) }
                line.axis x1=(LEFT) y1=(BOTTOM) x2=(RIGHT) y2=(BOTTOM) {}
                line.axis x1=(LEFT) y1=(TOP) x2=(LEFT) y2=(BOTTOM) {}
                text.tick x=(LEFT - 10.0) y=(TOP + 8.0) text-anchor="end" { (tick(high)) }
                text.tick x=(LEFT - 10.0) y=(BOTTOM) text-anchor="end" { (tick(low)) }
                text.tick x=(LEFT) y=(BOTTOM + 36.0) text-anchor="start" { (window.round()) " s ago" }
                text.tick x=(RIGHT) y=(BOTTOM + 36.0) text-anchor="end" { "now" }
                @if empty {
                    text.tick x=((LEFT + RIGHT) / 2.0) y=((TOP + BOTTOM) / 2.0) text-anchor="middle" { "no history yet" }
                }
                @for (i, (_, points)) in series.iter().enumerate() {
                    @if !points.is_empty() {
                        polyline class={ "series series-" (i) } points=(path(points)) {}
                    }
                }
            }
            @if series.len() > 1 {
                ul.legend {
                    @for (i, (name, _)) in series.iter().enumerate() {
                        li {
                            svg viewBox="0 0 40 10" aria-hidden="true" {
                                line class={ "series series-" (i) } x1="0" y1="5" x2="40" y2="5" {}
                            }
                            (name)
                        }
                    }
                }
            }
            figcaption { (label) }
        }
    }
}

/// Bars, one per `(label, count)`, labelled underneath and with the count on top.
pub fn bars(id: &str, label: &str, bars: &[(String, u64)]) -> Markup {
    let most = bars
        .iter()
        .map(|(_, count)| *count)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let slot = (RIGHT - LEFT) / bars.len().max(1) as f64;
    // More than eight bars leave too little room for each label: every other one goes a row down.
    let staggered = bars.len() > 8;
    let height = if staggered { HEIGHT + 30.0 } else { HEIGHT };
    html! {
        figure.chart #(id) data-live {
            svg viewBox={ "0 0 " (WIDTH) " " (height) } role="img" aria-label=(label) {
                title { (label) }
                line.axis x1=(LEFT) y1=(BOTTOM) x2=(RIGHT) y2=(BOTTOM) {}
                @for (i, (name, count)) in bars.iter().enumerate() {
                    @let height = (BOTTOM - TOP - 24.0) * *count as f64 / most;
                    @let left = LEFT + slot * i as f64;
                    rect.bar x=(format!("{:.1}", left + slot * 0.12)) y=(format!("{:.1}", BOTTOM - height))
                        width=(format!("{:.1}", slot * 0.76)) height=(format!("{:.1}", height)) {}
                    text.count x=(format!("{:.1}", left + slot / 2.0)) y=(format!("{:.1}", BOTTOM - height - 6.0)) text-anchor="middle" { (count) }
                    @let row = if staggered && i % 2 == 1 { 32.0 } else { 0.0 };
                    text.tick x=(format!("{:.1}", left + slot / 2.0)) y=(BOTTOM + 30.0 + row) text-anchor="middle" { (name) }
                }
            }
            figcaption { (label) }
        }
    }
}

/// Where a value lies across a chart, from [`LEFT`] to [`AXIS_END`], on a straight or a
/// logarithmic scale. On a logarithmic one equal ratios take equal widths: each native bucket is as
/// wide as the next, and an error of 5% spans the same width at 10 ms as at 10 s.
pub struct Scale {
    pub low: f64,
    pub high: f64,
    pub log: bool,
}

impl Scale {
    /// A scale a little wider than `values`, so no mark sits on the frame: logarithmic when every
    /// value is positive, so that relative errors compare at a glance.
    pub fn around(values: impl Iterator<Item = f64>) -> Scale {
        let (low, high) = values
            .filter(|value| value.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), value| {
                (low.min(value), high.max(value))
            });
        if !low.is_finite() {
            Scale {
                low: 0.0,
                high: 1.0,
                log: false,
            }
        } else if low > 0.0 {
            let pad = (high / low).powf(0.06).max(1.05);
            Scale {
                low: low / pad,
                high: high * pad,
                log: true,
            }
        } else {
            let pad = ((high - low) * 0.05).max(if high == low { 1.0 } else { 0.0 });
            Scale {
                low: low - pad,
                high: high + pad,
                log: false,
            }
        }
    }

    /// The x of `value`, clamped to the axis.
    pub fn x(&self, value: f64) -> f64 {
        let share = if self.log {
            (value.max(f64::MIN_POSITIVE).ln() - self.low.ln()) / (self.high.ln() - self.low.ln())
        } else {
            (value - self.low) / (self.high - self.low)
        };
        LEFT + (AXIS_END - LEFT) * share.clamp(0.0, 1.0)
    }

    /// Round numbers to mark the axis with: on a logarithmic scale 1, 2 and 5 times the powers of
    /// ten it spans, else (or when those are too few) evenly spaced ones.
    pub fn round_ticks(&self) -> Vec<f64> {
        if self.log {
            let mut ticks = Vec::new();
            for power in self.low.log10().floor() as i32..=self.high.log10().ceil() as i32 {
                for times in [1.0, 2.0, 5.0] {
                    let tick = times * 10f64.powi(power);
                    if tick >= self.low && tick <= self.high {
                        ticks.push(tick);
                    }
                }
            }
            if ticks.len() >= 3 {
                return ticks;
            }
        }
        let rough = (self.high - self.low) / 5.0;
        let magnitude = 10f64.powf(rough.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0]
            .into_iter()
            .map(|times| times * magnitude)
            .find(|step| *step >= rough)
            .unwrap_or(magnitude * 10.0);
        let first = (self.low / step).ceil() as i64;
        let last = (self.high / step).floor() as i64;
        (first..=last).map(|n| n as f64 * step).collect()
    }

    /// Of `ticks`, ascending, those far enough apart to be labelled without running together.
    pub fn labelled(&self, ticks: &[f64]) -> Vec<f64> {
        let mut labelled: Vec<f64> = Vec::new();
        for &tick in ticks {
            if labelled
                .last()
                .is_none_or(|&last| self.x(tick) - self.x(last) >= LABEL_GAP)
            {
                labelled.push(tick);
            }
        }
        labelled
    }
}

/// Bars over ranges of values on a logarithmic `scale`, each `(lower, upper, count)` as wide as its
/// range and as tall as its count, with `edges` marked under the axis and `ticks` marked longer and
/// labelled: exponential buckets, where each is drawn as wide as the next.
pub fn ranges(
    id: &str,
    label: &str,
    scale: &Scale,
    bars: &[(f64, f64, u64)],
    edges: &[f64],
    ticks: &[f64],
    unit: &str,
) -> Markup {
    const BARS_TOP: f64 = 40.0;
    const AXIS: f64 = 250.0;
    let most = bars.iter().map(|bar| bar.2).max().unwrap_or(0).max(1);
    html! {
        figure.chart #(id) {
            svg viewBox={ "0 0 " (WIDTH) " " (AXIS + 112.0) } role="img" aria-label=(label) {
                title { (label) }
                text.tick x=(LEFT - 12.0) y=(BARS_TOP + 8.0) text-anchor="end" { (most) }
                text.tick x=(LEFT - 12.0) y=(AXIS) text-anchor="end" { "0" }
                @for (lower, upper, count) in bars {
                    @let (left, right) = (scale.x(*lower), scale.x(*upper));
                    @let height = (AXIS - BARS_TOP) * *count as f64 / most as f64;
                    rect.bar x=(f1(left + 0.5)) y=(f1(AXIS - height)) width=(f1((right - left - 1.0).max(1.0))) height=(f1(height)) {}
                    @if right - left >= 28.0 {
                        text.count x=(f1((left + right) / 2.0)) y=(f1(AXIS - height - 6.0)) text-anchor="middle" { (count) }
                    }
                }
                line.axis x1=(LEFT) y1=(AXIS) x2=(AXIS_END) y2=(AXIS) {}
                @for edge in edges {
                    line.edge-mark x1=(f1(scale.x(*edge))) y1=(AXIS) x2=(f1(scale.x(*edge))) y2=(AXIS + 10.0) {}
                }
                @for tick in ticks {
                    line.tick-mark x1=(f1(scale.x(*tick))) y1=(AXIS) x2=(f1(scale.x(*tick))) y2=(AXIS + 22.0) {}
                }
                @for tick in scale.labelled(ticks) {
                    text.tick x=(f1(scale.x(tick))) y=(AXIS + 54.0) text-anchor="middle" { (rounded(tick)) }
                }
                text.tick x=((LEFT + AXIS_END) / 2.0) y=(AXIS + 100.0) text-anchor="middle" { (unit) }
            }
            ul.legend {
                li { svg viewBox="0 0 40 20" aria-hidden="true" { rect.bar x="8" y="2" width="24" height="16" {} } "a bucket holding observations, as tall as their count" }
                li { svg viewBox="0 0 40 20" aria-hidden="true" { line.edge-mark x1="20" y1="0" x2="20" y2="20" {} } "a bucket edge" }
            }
            figcaption { (label) }
        }
    }
}

/// One row of a dot plot: its name (`p90`), the reference value drawn as a line across it, and
/// one value per lane, `None` where there is none to draw.
pub struct DotRow {
    pub name: String,
    pub reference: Option<f64>,
    pub marks: Vec<Option<f64>>,
}

/// Rows of values on one shared scale, each row's values in lanes of their own and joined to the
/// row's reference line, so the gap between each and the reference is what the eye reads. The
/// lanes' marks differ in shape as well as colour; `lanes` names them in the legend, `reference`
/// the line. Each mark carries its value, rounded, as its title.
pub fn dot_rows(id: &str, label: &str, lanes: &[&str], reference: &str, rows: &[DotRow]) -> Markup {
    const LANE: f64 = 30.0;
    let row_height = 46.0 + LANE * lanes.len() as f64;
    let scale = Scale::around(
        rows.iter()
            .flat_map(|row| row.marks.iter().chain([&row.reference]).flatten().copied()),
    );
    let axis = row_height * rows.len() as f64 + 14.0;
    let ticks = scale.round_ticks();
    html! {
        figure.chart #(id) data-live {
            svg viewBox={ "0 0 " (WIDTH) " " (axis + 108.0) } role="img" aria-label=(label) {
                title { (label) }
                @for (r, row) in rows.iter().enumerate() {
                    @let top = row_height * r as f64;
                    @let lane_y = |lane: usize| top + 50.0 + LANE * lane as f64;
                    text.tick x=(LEFT - 12.0) y=(f1(lane_y(0) + LANE * (lanes.len() as f64 - 1.0) / 2.0 + 8.0)) text-anchor="end" { (row.name) }
                    @if let Some(reference_value) = row.reference {
                        @let x = scale.x(reference_value);
                        @for (lane, mark) in row.marks.iter().enumerate() {
                            @if let Some(value) = mark {
                                line.reach x1=(f1(x)) y1=(f1(lane_y(lane))) x2=(f1(scale.x(*value))) y2=(f1(lane_y(lane))) {}
                            }
                        }
                        g.reference {
                            title { (row.name) " " (reference) ": " (rounded(reference_value)) }
                            line.reference x1=(f1(x)) y1=(f1(top + 36.0)) x2=(f1(x)) y2=(f1(lane_y(lanes.len() - 1) + 14.0)) {}
                        }
                        text.tick x=(f1(x.clamp(LEFT + 40.0, AXIS_END))) y=(f1(top + 28.0)) text-anchor="middle" { (rounded(reference_value)) }
                    }
                    @for (lane, (mark, name)) in row.marks.iter().zip(lanes).enumerate() {
                        @if let Some(value) = mark {
                            g class={ "mark mark-" (lane) } {
                                title { (row.name) " " (name) ": " (rounded(*value)) }
                                (shape(lane, scale.x(*value), lane_y(lane)))
                            }
                        }
                    }
                }
                line.axis x1=(LEFT) y1=(f1(axis)) x2=(AXIS_END) y2=(f1(axis)) {}
                @for tick in &ticks {
                    line.tick-mark x1=(f1(scale.x(*tick))) y1=(f1(axis)) x2=(f1(scale.x(*tick))) y2=(f1(axis + 16.0)) {}
                }
                @for tick in scale.labelled(&ticks) {
                    text.tick x=(f1(scale.x(tick))) y=(f1(axis + 48.0)) text-anchor="middle" { (rounded(tick)) }
                }
                text.tick x=((LEFT + AXIS_END) / 2.0) y=(f1(axis + 94.0)) text-anchor="middle" {
                    "seconds" @if scale.log { ", on a logarithmic scale" }
                }
            }
            ul.legend {
                @for (lane, name) in lanes.iter().enumerate() {
                    li { svg viewBox="0 0 40 24" aria-hidden="true" { g class={ "mark mark-" (lane) } { (shape(lane, 20.0, 12.0)) } } (name) }
                }
                li { svg viewBox="0 0 40 24" aria-hidden="true" { line.reference x1="20" y1="0" x2="20" y2="24" {} } (reference) }
            }
            figcaption { (label) }
        }
    }
}

/// A lane's mark centred on `(x, y)`: a dot, a square, then a diamond, so lanes are told apart
/// without their colour.
fn shape(lane: usize, x: f64, y: f64) -> Markup {
    const R: f64 = 11.0;
    html! {
        @match lane {
            0 => circle cx=(f1(x)) cy=(f1(y)) r=(R) {},
            1 => rect x=(f1(x - R)) y=(f1(y - R)) width=(R * 2.0) height=(R * 2.0) {},
            _ => polygon points=(format!("{},{} {},{} {},{} {},{}", f1(x), f1(y - R - 2.0), f1(x + R + 2.0), f1(y), f1(x), f1(y + R + 2.0), f1(x - R - 2.0), f1(y))) {},
        }
    }
}

/// A coordinate with one decimal.
pub fn f1(value: f64) -> String {
    format!("{value:.1}")
}

/// The lowest and highest value to draw, widened so a flat line sits inside the chart.
fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), value| {
        (low.min(value), high.max(value))
    });
    if !low.is_finite() || !high.is_finite() {
        (0.0, 1.0)
    } else if low == high {
        (low - 1.0, high + 1.0)
    } else {
        (low, high)
    }
}

fn tick(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value}")
    } else {
        format!("{value:.2}")
    }
}
