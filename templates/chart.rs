//! Inline SVG charts, drawn on the server: no chart library, nothing fetched, and they work with
//! JavaScript off. The script refreshes them like any other live value.

use maud::{html, Markup};

use crate::tour::snapshot::Point;

const WIDTH: f64 = 800.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 90.0;
const RIGHT: f64 = 780.0;
const TOP: f64 = 20.0;
const BOTTOM: f64 = 210.0;

/// A step chart of a value over the last `window` seconds, now at the right: a counter's steps only
/// climb, a gauge's go both ways.
pub fn history(id: &str, label: &str, points: &[Point], window: f64) -> Markup {
    over_time(id, label, &[(String::new(), points)], window)
}

/// Step lines of several named values over the last `window` seconds on one scale, with a legend
/// when there is more than one: the summary's quantiles moving as its window slides.
pub fn over_time(id: &str, label: &str, series: &[(String, &[Point])], window: f64) -> Markup {
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
        figure.chart #(id) data-live {
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
