//! The recent history of the counter and the gauge, so their charts show "only goes up" and "goes
//! up and down".
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

/// A bounded ring of `(when, clicks, temperature)` samples; cloning shares it.
#[derive(Debug, Clone, Default)]
pub struct History {
    samples: Arc<Mutex<VecDeque<Sample>>>,
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    at: Instant,
    clicks: f64,
    temperature: f64,
}

impl History {
    /// How many points are kept: two minutes at one a second.
    pub const CAPACITY: usize = 120;
    /// The span a chart shows.
    pub const WINDOW: Duration = Duration::from_secs(120);

    /// Records the values just read from the registry. Within a second of the last point it
    /// replaces that point, so the chart's last point is always the value on the page.
    pub fn record(&self, clicks: f64, temperature: f64) {
        let now = Instant::now();
        let sample = Sample {
            at: now,
            clicks,
            temperature,
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

    /// The points of the last [`History::WINDOW`], oldest first: `(clicks, temperature)`.
    pub fn recent(&self) -> (Vec<Point>, Vec<Point>) {
        let now = Instant::now();
        let samples = self
            .samples
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        samples
            .iter()
            .filter(|sample| now.duration_since(sample.at) <= Self::WINDOW)
            .map(|sample| {
                let seconds_ago = now.duration_since(sample.at).as_secs_f64();
                (
                    Point {
                        seconds_ago,
                        value: sample.clicks,
                    },
                    Point {
                        seconds_ago,
                        value: sample.temperature,
                    },
                )
            })
            .unzip()
    }
}
