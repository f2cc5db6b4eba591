//! Summary: quantiles over a sliding time window, plus a count and a sum.
//!
//! **What it is.** A summary samples observations, usually request durations or response sizes. It
//! exposes the count and the sum of every observation since start, and chosen quantiles (the
//! median, p90, p99) over a sliding window: the last 10 minutes by default.
//!
//! **How it differs from a histogram.** A histogram exposes counts per bucket, chosen in advance,
//! and Prometheus estimates quantiles from them at query time (`histogram_quantile()`). A summary
//! computes its quantiles inside the process and exposes only the results: no buckets to choose,
//! but the quantiles and the window are fixed when you create it, and **quantiles cannot be
//! aggregated**: the average of three instances' p99s is not the p99 of anything. `_sum` and
//! `_count` do add up, so `sum(rate(x_sum[5m])) / sum(rate(x_count[5m]))` is a true mean.
//!
//! **Typical use.** The latency of one process, when you will not need to combine it with the
//! same metric from other instances. (Today a native histogram is usually the better choice.)
//!
//! **How to make one.**
//! `let s = Summary::new(SummaryOpts::new("tour_response_seconds", "Response time."))?;`
//! then `registry.register(Box::new(s.clone()))?` and `s.observe(seconds)`.
//!
//! The `prometheus` crate ships counters, gauges and histograms but no summary; this module adds
//! the fourth type. Its engine lives a room below: [`bins`] (each observation rounded into one of 64
//! log-linear bins per power of two), [`window`] (the age buckets that slide), and [`clock`].

pub mod bins;
pub mod clock;
pub mod window;

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use prometheus::core::{Collector, Desc};
use prometheus::proto;

pub use clock::{Clock, ManualClock, MonotonicClock};
use window::Window;

/// Options for a [`Summary`]. The window's defaults are client_golang's (`DefMaxAge`, 10 minutes,
/// and `DefAgeBuckets`, 5); the quantiles' are the tour's own, as client_golang reports none unless
/// asked (its `Objectives` default to empty).
#[derive(Debug, Clone)]
pub struct SummaryOpts {
    /// Metric name, e.g. `tour_response_seconds`.
    pub name: String,
    /// The `# HELP` text.
    pub help: String,
    /// The quantiles to report, each strictly between 0 and 1.
    pub quantiles: Vec<f64>,
    /// How far back the quantiles look.
    pub max_age: Duration,
    /// How many pieces the window slides by: more pieces, smoother sliding, 12 KiB each.
    pub age_buckets: u32,
}

impl SummaryOpts {
    /// Quantiles 0.5, 0.9 and 0.99 over the last 10 minutes, sliding in 5 age buckets.
    pub fn new(name: impl Into<String>, help: impl Into<String>) -> Self {
        SummaryOpts {
            name: name.into(),
            help: help.into(),
            quantiles: vec![0.5, 0.9, 0.99],
            max_age: Duration::from_secs(600),
            age_buckets: 5,
        }
    }

    /// Replaces the default quantiles; order does not matter.
    pub fn quantiles(mut self, quantiles: impl Into<Vec<f64>>) -> Self {
        self.quantiles = quantiles.into();
        self
    }

    /// Sets how far back the quantiles look.
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// Sets how many pieces the window slides by.
    pub fn age_buckets(mut self, age_buckets: u32) -> Self {
        self.age_buckets = age_buckets;
        self
    }
}

/// Quantiles over a sliding window, plus count and sum since start.
/// Clones share the same data, so one can be registered and another observed.
#[derive(Clone)]
pub struct Summary {
    inner: Arc<Inner>,
}

struct Inner {
    desc: Desc,
    quantiles: Vec<f64>,
    count: AtomicU64,
    /// The bits of an `f64`, since there is no atomic float.
    sum: AtomicU64,
    window: Window,
}

impl Summary {
    /// A summary on the real clock; fails on an invalid name, a quantile outside (0, 1), zero age
    /// buckets or a zero `max_age`.
    pub fn new(opts: SummaryOpts) -> prometheus::Result<Summary> {
        Self::with_clock(opts, MonotonicClock::new())
    }

    /// A summary on the given clock, so tests can move time by hand.
    pub fn with_clock(opts: SummaryOpts, clock: impl Clock) -> prometheus::Result<Summary> {
        let invalid = |why: &str| {
            Err(prometheus::Error::Msg(format!(
                "summary {}: {why}",
                opts.name
            )))
        };
        if let Some(q) = opts.quantiles.iter().find(|q| !(**q > 0.0 && **q < 1.0)) {
            return invalid(&format!("quantile {q} is not strictly between 0 and 1"));
        }
        if opts.age_buckets == 0 {
            return invalid("age_buckets must be at least 1");
        }
        if opts.max_age.is_zero() {
            return invalid("max_age must be positive");
        }
        let desc = Desc::new(opts.name, opts.help, vec![], Default::default())?;
        let mut quantiles = opts.quantiles;
        quantiles.sort_by(f64::total_cmp);
        quantiles.dedup();
        Ok(Summary {
            inner: Arc::new(Inner {
                desc,
                quantiles,
                count: AtomicU64::new(0),
                sum: AtomicU64::new(0.0f64.to_bits()),
                window: Window::new(opts.max_age, opts.age_buckets, Box::new(clock)),
            }),
        })
    }

    /// Records one value: in `_count` and `_sum` forever, in the quantiles for `max_age`.
    pub fn observe(&self, v: f64) {
        let inner = &*self.inner;
        inner.count.fetch_add(1, Relaxed);
        // Cannot fail: the closure always returns Some.
        let _ = inner.sum.fetch_update(Relaxed, Relaxed, |sum| {
            Some((f64::from_bits(sum) + v).to_bits())
        });
        inner.window.observe(v);
    }

    /// Each configured quantile with its value over the window, in increasing order of quantile;
    /// the value is NaN when the window is empty. A value is the middle of the bin holding the
    /// observation of that rank, so it lies within 0.78% of that observation (see [`bins`]), kept
    /// between the smallest and largest value in the window: never a value the window could not
    /// hold (one observation of 0.25 reads 0.25).
    ///
    /// That 0.78% is the whole of its error, fixed by the bins: no option changes it. It is not an
    /// error of the window, which covers between `max_age` less one age bucket and `max_age`.
    pub fn quantiles(&self) -> Vec<(f64, f64)> {
        let window = self.inner.window.contents();
        let kept = |value: f64| match window.range {
            Some((smallest, largest)) => value.clamp(smallest, largest),
            None => value,
        };
        self.inner
            .quantiles
            .iter()
            .map(|&q| (q, kept(bins::quantile(&window.counts, q))))
            .collect()
    }

    /// How far back the quantiles reach now: the window's span, between `max_age` less one age
    /// bucket and `max_age` (less when the summary is younger).
    pub fn window_span(&self) -> Duration {
        self.inner.window.span()
    }

    /// Sum of every observation since start.
    pub fn sum(&self) -> f64 {
        f64::from_bits(self.inner.sum.load(Relaxed))
    }

    /// Number of observations since start.
    pub fn count(&self) -> u64 {
        self.inner.count.load(Relaxed)
    }
}

impl Collector for Summary {
    fn desc(&self) -> Vec<&Desc> {
        vec![&self.inner.desc]
    }

    fn collect(&self) -> Vec<proto::MetricFamily> {
        let mut summary = proto::Summary::default();
        summary.set_sample_count(self.count());
        summary.set_sample_sum(self.sum());
        summary.set_quantile(
            self.quantiles()
                .into_iter()
                .map(|(q, v)| {
                    let mut quantile = proto::Quantile::default();
                    quantile.set_quantile(q);
                    quantile.set_value(v);
                    quantile
                })
                .collect(),
        );
        let mut metric = proto::Metric::default();
        metric.set_summary(summary);
        let mut family = proto::MetricFamily::default();
        family.set_name(self.inner.desc.fq_name.clone());
        family.set_help(self.inner.desc.help.clone());
        family.set_field_type(proto::MetricType::SUMMARY);
        family.set_metric(vec![metric]);
        vec![family]
    }
}
