//! The recent history of the counter, the gauge and the summary's quantiles, so their charts show
//! "only goes up", "goes up and down", and quantiles moving as the window slides; and of the
//! upload histogram, so the quiz can judge a hand computation from buckets read a minute ago.
//!
//! Prometheus keeps history by scraping; the tour keeps a little of its own so a page makes sense
//! without a Prometheus server. A [`Sampler`] task, started beside the server, reads the registry
//! once a second, as a scrape would, and keeps the last [`History::CAPACITY`] points, so memory
//! stays bounded however long it runs. Pages only read it: a GET never writes, two open tabs do
//! not sample twice as often, and the first visit after minutes of traffic finds full charts.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::Duration,
};

use prometheus::Registry;
use tokio::{
    task::JoinHandle,
    time::{interval, Instant, MissedTickBehavior},
};

use crate::tour::snapshot::{read_histogram, read_scalar, read_summary, HistogramData, Point};

/// A bounded ring of samples of the counter, the gauge, the quantiles and the upload histogram;
/// cloning shares it.
#[derive(Debug, Clone, Default)]
pub struct History {
    samples: Arc<Mutex<VecDeque<Sample>>>,
}

#[derive(Debug, Clone)]
struct Sample {
    at: Instant,
    clicks: f64,
    temperature: f64,
    quantiles: [f64; QUANTILES],
    uploads: Option<HistogramData>,
}

/// The summary's quantiles kept in the history: 0.5, 0.9 and 0.99, as the contract exposes them.
const QUANTILES: usize = 3;

/// What [`History::points`] returns: each value's points, oldest first.
#[derive(Debug, Clone, Default)]
pub struct HistoryPoints {
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
    /// How often the sampler reads the registry.
    pub const EVERY: Duration = Duration::from_secs(1);

    /// Reads the counter, the gauge, the summary's quantiles and the upload histogram from
    /// `registry` and keeps them as one point, forgetting the oldest when full.
    pub fn sample(&self, registry: &Registry) {
        let families = registry.gather();
        let (Some(clicks), Some(temperature)) = (
            read_scalar(&families, "tour_clicks_total"),
            read_scalar(&families, "tour_temperature_celsius"),
        ) else {
            return;
        };
        let mut quantiles = [f64::NAN; QUANTILES];
        if let Some(summary) = read_summary(&families, "tour_response_seconds") {
            for (value, (_, read)) in quantiles.iter_mut().zip(&summary.quantiles) {
                *value = *read;
            }
        }
        let mut samples = self
            .samples
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if samples.len() == Self::CAPACITY {
            samples.pop_front();
        }
        samples.push_back(Sample {
            at: Instant::now(),
            clicks,
            temperature,
            quantiles,
            uploads: read_histogram(&families, "file_upload_duration_seconds"),
        });
    }

    /// The upload histogram as it was at each sample of the last `span`, oldest first: `(seconds
    /// ago, histogram)`.
    pub fn uploads_since(&self, span: Duration) -> Vec<(f64, HistogramData)> {
        let now = Instant::now();
        let samples = self
            .samples
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        samples
            .iter()
            .filter(|sample| now.duration_since(sample.at) <= span)
            .filter_map(|sample| {
                let seconds_ago = now.duration_since(sample.at).as_secs_f64();
                Some((seconds_ago, sample.uploads.clone()?))
            })
            .collect()
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
    pub fn points(&self) -> HistoryPoints {
        let now = Instant::now();
        let samples = self
            .samples
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let mut points = HistoryPoints::default();
        for sample in samples.iter() {
            let seconds_ago = now.duration_since(sample.at).as_secs_f64();
            if seconds_ago > Self::WINDOW.as_secs_f64() {
                continue;
            }
            let point = |value| Point { seconds_ago, value };
            points.clicks.push(point(sample.clicks));
            points.temperature.push(point(sample.temperature));
            for (series, value) in points.quantiles.iter_mut().zip(sample.quantiles) {
                if !value.is_nan() {
                    series.push(point(value));
                }
            }
        }
        points
    }
}

/// The task that fills a [`History`] once a second; dropping it stops the task, so it never
/// outlives the server that started it.
pub struct Sampler(JoinHandle<()>);

impl Sampler {
    /// Starts sampling `registry` into `history` on the current runtime, a first point at once.
    pub fn start(history: History, registry: Registry) -> Sampler {
        Sampler(tokio::spawn(async move {
            let mut every = interval(History::EVERY);
            every.set_missed_tick_behavior(MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                history.sample(&registry);
            }
        }))
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.0.abort();
    }
}
