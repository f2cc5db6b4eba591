//! A snapshot: the tour's numbers as plain data, read from the registry's gathered families.
//!
//! Pages are built from one `gather()`, the same call `GET /metrics` makes, so a page can never show
//! a number the exposition does not. The views in `templates/` see only these structs.

use prometheus::proto::{MetricFamily, MetricType};

/// One point of a value's recent history, `seconds_ago` before the page was built.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub seconds_ago: f64,
    pub value: f64,
}

/// Everything a page of the tour can show.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// `http://host:port` as the browser reached the tour, for the curl commands.
    pub origin: String,
    /// `tour_clicks_total`.
    pub clicks: Option<f64>,
    /// `tour_temperature_celsius`.
    pub temperature: Option<f64>,
    /// `file_uploads_in_progress`.
    pub uploads_in_progress: Option<f64>,
    /// `file_upload_duration_seconds`.
    pub uploads: Option<HistogramData>,
    /// `tour_response_seconds`, once the summary demo exists.
    pub responses: Option<SummaryData>,
    /// `tour_response_bucketed_seconds`: the summary's observations, also counted in buckets.
    pub response_buckets: Option<HistogramData>,
    /// The recent history of `tour_clicks_total`, oldest first.
    pub clicks_history: Vec<Point>,
    /// The recent history of `tour_temperature_celsius`, oldest first.
    pub temperature_history: Vec<Point>,
    /// The recent history of each of the summary's quantiles: `(quantile, points)`.
    pub quantile_history: Vec<(f64, Vec<Point>)>,
    /// The exact durations of the most recent uploads, kept beside the histogram to show its error.
    pub recent_uploads: Vec<f64>,
    /// The summary's sliding window, in seconds (`--summary-max-age`).
    pub summary_window_seconds: f64,
    /// The whole exposition, as `GET /metrics` would answer it now.
    pub exposition: String,
    /// `rate(tour_clicks_total[1m])` and `rate(tour_clicks_total[5m])` over the chart's window,
    /// computed from the tour's own samples.
    pub clicks_rate_1m: Vec<Point>,
    pub clicks_rate_5m: Vec<Point>,
    /// Over the chart's window: the counter's last value minus its first (negative after a
    /// restart), and its increase reading a fall as a restart (never negative).
    pub clicks_delta: Option<f64>,
    pub clicks_increase: Option<f64>,
    /// Every series of `http_requests_total`, for the labels lesson.
    pub http_requests: Vec<Series>,
}

/// One series of a labelled counter or gauge: its label pairs, in the exposition's order, and its value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

impl Series {
    /// The value of the label `name`, if the series has it.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// A histogram's samples: cumulative counts per finite upper bound, then `_sum` and `_count`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HistogramData {
    /// `(le, cumulative count)`, in increasing `le`; the `+Inf` bucket is `count`.
    pub buckets: Vec<(f64, u64)>,
    pub sum: f64,
    pub count: u64,
}

/// A summary's samples: `(quantile, value)` over the window, then `_sum` and `_count`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SummaryData {
    pub quantiles: Vec<(f64, f64)>,
    pub sum: f64,
    pub count: u64,
}

/// How `histogram_quantile` arrived at its answer: the bucket the rank fell in, and the line drawn
/// through it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub q: f64,
    /// `q × count`: how many observations lie below the answer.
    pub rank: f64,
    /// The bucket `(start, end]` holding that rank.
    pub start: f64,
    pub end: f64,
    /// Observations below `start`, and inside the bucket.
    pub below: u64,
    pub inside: u64,
    /// The estimate: `start + (end − start) × (rank − below) / inside`.
    pub value: f64,
    /// True when the rank fell in `+Inf`: the answer is then the largest finite bound.
    pub overflow: bool,
}

impl HistogramData {
    /// Estimates the `q`-quantile as Prometheus' `histogram_quantile` does: find the bucket where the
    /// rank falls, and assume its observations are spread evenly inside it. `None` with no observations.
    pub fn estimate(&self, q: f64) -> Option<Estimate> {
        if self.count == 0 || self.buckets.is_empty() {
            return None;
        }
        let rank = q * self.count as f64;
        let mut below = 0;
        let mut start = 0.0;
        for &(end, cumulative) in &self.buckets {
            if cumulative as f64 >= rank {
                let inside = cumulative - below;
                let share = if inside == 0 {
                    1.0
                } else {
                    (rank - below as f64) / inside as f64
                };
                return Some(Estimate {
                    q,
                    rank,
                    start,
                    end,
                    below,
                    inside,
                    value: start + (end - start) * share,
                    overflow: false,
                });
            }
            below = cumulative;
            start = end;
        }
        // The rank lies past the last finite bound: histogram_quantile answers that bound.
        Some(Estimate {
            q,
            rank,
            start,
            end: f64::INFINITY,
            below,
            inside: self.count - below,
            value: start,
            overflow: true,
        })
    }

    /// The observations that fell in each bucket alone: `(start, end, count)`, `+Inf` last.
    pub fn per_bucket(&self) -> Vec<(f64, f64, u64)> {
        let mut previous = (0.0, 0);
        let mut rows = Vec::with_capacity(self.buckets.len() + 1);
        for &(le, cumulative) in &self.buckets {
            rows.push((previous.0, le, cumulative.saturating_sub(previous.1)));
            previous = (le, cumulative);
        }
        rows.push((
            previous.0,
            f64::INFINITY,
            self.count.saturating_sub(previous.1),
        ));
        rows
    }
}

/// The exact `q`-quantile of `values` by nearest rank (the smallest value with at least `q` of
/// them at or below it); `None` when there are none.
pub fn exact_quantile(values: &[f64], q: f64) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let rank = (q * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// Finds a family by name.
pub fn family<'a>(families: &'a [MetricFamily], name: &str) -> Option<&'a MetricFamily> {
    families.iter().find(|family| family.name() == name)
}

/// The value of an unlabelled counter or gauge.
pub fn scalar(families: &[MetricFamily], name: &str) -> Option<f64> {
    let family = family(families, name)?;
    let metric = family.get_metric().first()?;
    match family.get_field_type() {
        MetricType::COUNTER => Some(metric.get_counter().value()),
        MetricType::GAUGE => Some(metric.get_gauge().value()),
        _ => None,
    }
}

/// Every series of a counter or gauge family, labelled or not.
pub fn series(families: &[MetricFamily], name: &str) -> Vec<Series> {
    let Some(family) = family(families, name) else {
        return Vec::new();
    };
    let counter = family.get_field_type() == MetricType::COUNTER;
    family
        .get_metric()
        .iter()
        .map(|metric| Series {
            labels: metric
                .get_label()
                .iter()
                .map(|pair| (pair.name().to_owned(), pair.value().to_owned()))
                .collect(),
            value: if counter {
                metric.get_counter().value()
            } else {
                metric.get_gauge().value()
            },
        })
        .collect()
}

/// The samples of an unlabelled histogram.
pub fn histogram(families: &[MetricFamily], name: &str) -> Option<HistogramData> {
    let family = family(families, name).filter(|f| f.get_field_type() == MetricType::HISTOGRAM)?;
    let histogram = family.get_metric().first()?.get_histogram();
    Some(HistogramData {
        buckets: histogram
            .get_bucket()
            .iter()
            .filter(|bucket| bucket.upper_bound().is_finite())
            .map(|bucket| (bucket.upper_bound(), bucket.cumulative_count()))
            .collect(),
        sum: histogram.get_sample_sum(),
        count: histogram.get_sample_count(),
    })
}

/// The samples of an unlabelled summary.
pub fn summary(families: &[MetricFamily], name: &str) -> Option<SummaryData> {
    let family = family(families, name).filter(|f| f.get_field_type() == MetricType::SUMMARY)?;
    let summary = family.get_metric().first()?.get_summary();
    Some(SummaryData {
        quantiles: summary
            .get_quantile()
            .iter()
            .map(|quantile| (quantile.quantile(), quantile.value()))
            .collect(),
        sum: summary.sample_sum(),
        count: summary.sample_count(),
    })
}
