//! A snapshot: the tour's numbers as plain data, read from the registry's gathered families.
//!
//! Pages are built from one `gather()`, the same call `GET /metrics` makes, so a page can never show
//! a number the exposition does not. The views in `templates/` see only these structs.

use prometheus::proto::{MetricFamily, MetricType};

use crate::exposition::{extras::Exemplar, protobuf::WireNative};

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
    /// `file_upload_duration_seconds` as it was over the last [`crate::tour::quiz::WORKED_SECONDS`],
    /// oldest first: `(seconds ago, histogram)`, for judging the quiz's hand computations.
    pub uploads_history: Vec<(f64, HistogramData)>,
    /// The recent history of each of the summary's quantiles: `(quantile, points)`.
    pub quantile_history: Vec<(f64, Vec<Point>)>,
    /// The exact durations of the most recent uploads, kept beside the histogram to show its error.
    pub kept_uploads: Vec<f64>,
    /// How many upload durations are kept at most.
    pub kept_uploads_capacity: usize,
    /// The span of the history charts, in seconds.
    pub history_seconds: f64,
    /// The summary's sliding window, in seconds (`--summary-max-age`).
    pub summary_window_seconds: f64,
    /// How many pieces, age buckets, the summary's window is kept in (`--summary-age-buckets`).
    pub summary_age_buckets: u32,
    /// How far back the summary's window reaches now, in seconds (its age buckets rotate, so
    /// between `--summary-max-age` less one age bucket and all of it).
    pub summary_window_span_seconds: f64,
    /// The exact response times observed in that span, oldest first: the same observations the
    /// summary's quantiles are computed from.
    pub window_responses: Vec<f64>,
    /// False when the oldest responses of that span are no longer kept.
    pub window_responses_complete: bool,
    /// The whole exposition, as `GET /metrics` would answer it now.
    pub exposition: String,
    /// The same, in OpenMetrics: what Prometheus asks for, and so what it reads.
    pub openmetrics: String,
    /// One swell and ebb of `--traffic`'s crowd, in seconds, for the pages that describe its shape.
    pub traffic_cycle_seconds: f64,
    /// `tour_response_native_seconds` as the protobuf exposition carries it, decoded from our own output.
    pub native: Option<WireNative>,
    /// The latest exemplar of each bucket of `file_upload_duration_seconds`: `(le, exemplar)`, `+Inf` last.
    pub upload_exemplars: Vec<(f64, Option<Exemplar>)>,
    /// The latest exemplar of each bucket of `tour_response_bucketed_seconds`.
    pub response_exemplars: Vec<(f64, Option<Exemplar>)>,
    /// The latest exemplar of `tour_clicks_total`.
    pub click_exemplar: Option<Exemplar>,
    /// `rate(tour_clicks_total[1m])` and `rate(tour_clicks_total[5m])` over the chart's window,
    /// computed from the tour's own samples as Prometheus 3 would compute them.
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
/// How `histogram_quantile` estimates from them is in the histogram lesson,
/// [`crate::lessons::histogram`].
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

/// Finds a family by name.
pub fn family<'a>(families: &'a [MetricFamily], name: &str) -> Option<&'a MetricFamily> {
    families.iter().find(|family| family.name() == name)
}

/// The value of an unlabelled counter or gauge.
pub fn read_scalar(families: &[MetricFamily], name: &str) -> Option<f64> {
    let family = family(families, name)?;
    let metric = family.get_metric().first()?;
    match family.get_field_type() {
        MetricType::COUNTER => Some(metric.get_counter().value()),
        MetricType::GAUGE => Some(metric.get_gauge().value()),
        _ => None,
    }
}

/// Every series of a counter or gauge family, labelled or not.
pub fn read_series(families: &[MetricFamily], name: &str) -> Vec<Series> {
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
pub fn read_histogram(families: &[MetricFamily], name: &str) -> Option<HistogramData> {
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
pub fn read_summary(families: &[MetricFamily], name: &str) -> Option<SummaryData> {
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
