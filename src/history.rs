//! The recent history of the counter, the gauge and the summary's quantiles, so their charts show
//! "only goes up", "goes up and down", and quantiles moving as the window slides.
//!
//! Prometheus keeps history by scraping; the tour keeps a little of its own so a page makes sense
//! without a Prometheus server. It samples lazily, whenever a page is built (a page open in a
//! browser refreshes every second), keeping at most one point per second and the last
//! [`History::CAPACITY`] points, so memory stays bounded however long it runs.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use crate::snapshot::Point;

/// A bounded ring of samples of the counter, the gauge and the quantiles; cloning shares it.
#[derive(Debug, Clone, Default)]
pub struct History {
    samples: Arc<Mutex<VecDeque<Sample>>>,
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    at: Instant,
    clicks: f64,
    temperature: f64,
    quantiles: [f64; QUANTILES],
}

/// The summary's quantiles kept in the history: 0.5, 0.9 and 0.99, as the contract exposes them.
const QUANTILES: usize = 3;

/// What [`History::recent`] returns: each value's points, oldest first.
#[derive(Debug, Clone, Default)]
pub struct Recent {
    pub clicks: Vec<Point>,
    pub temperature: Vec<Point>,
    /// One series per quantile, in the order recorded; `NaN` points (an empty window) are left out.
    pub quantiles: [Vec<Point>; QUANTILES],
}

impl History {
    /// How many points are kept: seven minutes at one a second, enough for `rate()` over `[5m]`
    /// across the two minutes a chart shows.
    pub const CAPACITY: usize = 420;
    /// The span a chart shows.
    pub const WINDOW: Duration = Duration::from_secs(120);

    /// Records the values just read from the registry. Within a second of the last point it
    /// replaces that point, so the chart's last point is always the value on the page.
    /// `quantiles` are the summary's values, `NaN` where its window is empty.
    pub fn record(&self, clicks: f64, temperature: f64, quantiles: [f64; QUANTILES]) {
        let now = Instant::now();
        let sample = Sample {
            at: now,
            clicks,
            temperature,
            quantiles,
        };
        let mut samples = self
            .samples
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        match samples.back_mut() {
            Some(last) if now.duration_since(last.at) < Duration::from_secs(1) => {
                // Keep the older timestamp, so a page refreshing often still advances one point a second.
                *last = Sample {
                    at: last.at,
                    ..sample
                };
            }
            _ => {
                if samples.len() == Self::CAPACITY {
                    samples.pop_front();
                }
                samples.push_back(sample);
            }
        }
    }

    /// The counter's points of the last `span`, oldest first (up to [`History::CAPACITY`] seconds).
    pub fn clicks_since(&self, span: Duration) -> Vec<Point> {
        let now = Instant::now();
        let samples = self
            .samples
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        samples
            .iter()
            .map(|sample| Point {
                seconds_ago: now.duration_since(sample.at).as_secs_f64(),
                value: sample.clicks,
            })
            .filter(|point| point.seconds_ago <= span.as_secs_f64())
            .collect()
    }

    /// The points of the last [`History::WINDOW`], oldest first.
    pub fn recent(&self) -> Recent {
        let now = Instant::now();
        let samples = self
            .samples
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let mut recent = Recent::default();
        for sample in samples.iter() {
            let seconds_ago = now.duration_since(sample.at).as_secs_f64();
            if seconds_ago > Self::WINDOW.as_secs_f64() {
                continue;
            }
            let point = |value| Point { seconds_ago, value };
            recent.clicks.push(point(sample.clicks));
            recent.temperature.push(point(sample.temperature));
            for (series, value) in recent.quantiles.iter_mut().zip(sample.quantiles) {
                if !value.is_nan() {
                    series.push(point(value));
                }
            }
        }
        recent
    }
}
