//! The one registry, and a typed handle to every metric in it.
//!
//! This is the single place where metrics are created and registered: "where is this metric
//! registered?" always leads here. Nothing uses the `prometheus` crate's global default registry, so
//! two apps in one test process never see each other's numbers.

use std::sync::{Arc, Mutex};

use prometheus::core::Collector;
use prometheus::{
    Counter, CounterVec, Gauge, GaugeVec, Histogram, HistogramOpts, HistogramVec, IntGauge, Opts,
    Registry,
};

use crate::{
    config::Config,
    exposition::extras::{unix_now, Created, CreatedByLabels, Exemplars, Extras},
    exposition::process::ProcessMetrics,
    exposition::sample_names,
    lessons::histogram::KeptObservations,
    native_histogram::{NativeHistogram, NativeOpts},
    promql::{client::PrometheusApi, gate::Gate},
    summary::{Summary, SummaryOpts},
    tour::{blocks::Blocks, history::History},
};

/// The seed's buckets for `file_upload_duration_seconds`: one per second up to ten (`+Inf` is implied).
pub const UPLOAD_BUCKETS: [f64; 10] = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];

/// Buckets for request latency: from a fast `GET /metrics` to the slowest simulated upload.
const REQUEST_BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The staleness lesson's two shifts, in the order they take turns, with how many workers each
/// brings: `tour_shift_workers{shift}` shows the one on duty, and only that one.
pub const SHIFTS: [Shift; 2] = [
    Shift {
        name: "early",
        workers: 4.0,
    },
    Shift {
        name: "late",
        workers: 3.0,
    },
];

/// One shift of the staleness lesson: its `shift` label and its `tour_shift_workers` value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shift {
    pub name: &'static str,
    pub workers: f64,
}

/// Which shift is on duty and since when, and the last one to end, in Unix seconds: plain data,
/// which [`crate::lessons::staleness`] changes together with the shifts' metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct Roster {
    /// An index into [`SHIFTS`].
    pub on_duty: usize,
    pub since: f64,
    pub last_ended: Option<EndedShift>,
}

/// A shift that ended: its series stopped being exposed then, with this last value.
#[derive(Debug, Clone, PartialEq)]
pub struct EndedShift {
    pub shift: Shift,
    pub workers: f64,
    pub started: f64,
    pub ended: f64,
}

/// How many response times are kept for the versus lesson (24 bytes each).
const KEPT_RESPONSES: usize = 5000;

/// Everything a handler needs: the configuration, the metrics, and what the browser tour keeps beside them.
#[derive(Clone)]
pub struct AppState {
    pub config: Config,
    pub metrics: Metrics,
    /// The recent history of the counter, the gauge and the quantiles, for the tour's charts;
    /// filled by [`crate::tour::history::Sampler`], read by the pages.
    pub history: History,
    /// The exact durations of recent uploads, to show what the histogram's buckets blur.
    pub kept_uploads: KeptObservations,
    /// The exact response times of the summary's window, for the versus lesson to compare on the
    /// same observations: its window holds about 1,200 under `--traffic`.
    pub kept_responses: KeptObservations,
    /// Held while a demo route checks an update and applies it, so that no other update comes
    /// between the check (the value stays finite) and the change it allowed.
    pub updates: Arc<Mutex<()>>,
    /// The staleness lesson's shifts; the first is on duty from the start.
    pub roster: Arc<Mutex<Roster>>,
    /// The gate every learner's query passes, knowing the tour's metric names.
    pub gate: Arc<Gate>,
    /// The Prometheus `--prometheus` names, with its cap on queries in flight.
    pub prometheus: Option<PrometheusApi>,
    /// Its answers to the pages' PromQL blocks, kept a second for every tab.
    pub blocks: Blocks,
}

/// The registry and its metrics; cloning shares them (each handle is an `Arc` inside).
#[derive(Clone)]
pub struct Metrics {
    pub registry: Registry,
    /// Histogram: the seed's simulated upload durations.
    pub file_upload_duration: Histogram,
    /// Gauge: uploads being simulated right now.
    pub file_uploads_in_progress: IntGauge,
    /// Counter: clicks on the counter demo.
    pub clicks: Counter,
    /// When `clicks` started counting, OpenMetrics' `tour_clicks_created`; `POST /counter/restart` moves it.
    pub clicks_created: Created,
    /// Gauge: the gauge demo's temperature.
    pub temperature: Gauge,
    /// Summary: the summary demo's simulated response times, quantiles over a sliding window.
    pub response: Summary,
    /// Histogram: the same response times in buckets, for the histogram-versus-summary lesson.
    pub response_histogram: Histogram,
    /// Native histogram: the same response times again, in exponential buckets nobody chose.
    pub response_native: NativeHistogram,
    /// The latest request behind each bucket, and behind the counter: the exemplars.
    pub exemplars: TourExemplars,
    /// When each of the tour's own series began: the `_created` samples.
    pub created: TourCreated,
    /// Gauge: the workers of the shift on duty, `tour_shift_workers{shift}`; a shift's series is
    /// removed when it ends, so a scrape stops finding it: the staleness lesson.
    pub shift_workers: GaugeVec,
    /// Counter: shifts started, `tour_shift_starts_total{shift}`; a shift's series is born at 1
    /// with its first start: the lesson of the lost first increment.
    pub shift_starts: CounterVec,
    /// When each series of `shift_starts` was born: its `_created`.
    pub shift_starts_created: CreatedByLabels,
    /// Counter: every request, by method, route pattern and status.
    pub http_requests: CounterVec,
    /// Histogram: every request's latency, by method and route pattern.
    pub http_request_duration: HistogramVec,
}

/// The latest exemplar of each bucket of the tour's histograms, and of its counter.
#[derive(Clone)]
pub struct TourExemplars {
    pub clicks: Exemplars,
    pub file_upload_duration: Exemplars,
    pub response_histogram: Exemplars,
}

/// The creation time of the tour's unlabelled histograms and summary (the counter's is
/// [`Metrics::clicks_created`], which its restart moves).
#[derive(Clone)]
pub struct TourCreated {
    pub file_upload_duration: Created,
    pub response: Created,
    pub response_histogram: Created,
    pub response_native: Created,
}

impl AppState {
    /// Holds [`AppState::updates`]: one demo update checked and applied at a time.
    pub fn one_update_at_a_time(&self) -> std::sync::MutexGuard<'_, ()> {
        self.updates
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// Holds [`AppState::roster`]: one handover at a time, and none read half done.
    pub fn roster(&self) -> std::sync::MutexGuard<'_, Roster> {
        self.roster
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// Builds the state for `config`, with a fresh registry.
    pub fn new(config: Config) -> Self {
        let metrics = Metrics::new(&config).expect("the tour's metric names and buckets are valid");
        AppState {
            gate: Arc::new(Gate::new(metrics.sample_names())),
            prometheus: config.prometheus.as_ref().map(PrometheusApi::new),
            blocks: Blocks::default(),
            config,
            metrics,
            history: History::default(),
            kept_uploads: KeptObservations::default(),
            kept_responses: KeptObservations::with_capacity(KEPT_RESPONSES),
            updates: Arc::default(),
            roster: Arc::new(Mutex::new(Roster {
                on_duty: 0,
                since: unix_now(),
                last_ended: None,
            })),
        }
    }
}

impl Metrics {
    /// Creates every metric of the tour and registers it, with the process collector, on a new registry.
    pub fn new(config: &Config) -> prometheus::Result<Self> {
        let registry = Registry::new();
        let metrics = Metrics {
            file_upload_duration: Histogram::with_opts(
                HistogramOpts::new(
                    "file_upload_duration_seconds",
                    "Time the simulated upload took, timed once its body had arrived.",
                )
                .buckets(UPLOAD_BUCKETS.to_vec()),
            )?,
            file_uploads_in_progress: IntGauge::new(
                "file_uploads_in_progress",
                "Uploads being simulated right now, counted once their body has arrived.",
            )?,
            clicks: Counter::new("tour_clicks_total", "Clicks on the counter demo.")?,
            clicks_created: Created::now(),
            temperature: Gauge::new("tour_temperature_celsius", "The gauge demo's temperature.")?,
            response: Summary::new(
                SummaryOpts::new(
                    "tour_response_seconds",
                    "The summary demo's response times.",
                )
                .max_age(config.summary_max_age)
                .age_buckets(config.summary_age_buckets),
            )?,
            response_histogram: Histogram::with_opts(HistogramOpts::new(
                "tour_response_bucketed_seconds",
                "The summary demo's response times again, in the default buckets, to compare.",
            ))?,
            response_native: NativeHistogram::new(NativeOpts::new(
                "tour_response_native_seconds",
                "The summary demo's response times again, in a native histogram's exponential buckets.",
            ))?,
            exemplars: TourExemplars {
                clicks: Exemplars::for_counter(),
                file_upload_duration: Exemplars::for_buckets(&UPLOAD_BUCKETS),
                response_histogram: Exemplars::for_buckets(prometheus::DEFAULT_BUCKETS),
            },
            created: TourCreated {
                file_upload_duration: Created::now(),
                response: Created::now(),
                response_histogram: Created::now(),
                response_native: Created::now(),
            },
            shift_workers: GaugeVec::new(
                Opts::new(
                    "tour_shift_workers",
                    "Workers of the shift on duty; a shift's series goes when it ends.",
                ),
                &["shift"],
            )?,
            shift_starts: CounterVec::new(
                Opts::new("tour_shift_starts_total", "Shifts started, by shift."),
                &["shift"],
            )?,
            shift_starts_created: CreatedByLabels::default(),
            http_requests: CounterVec::new(
                Opts::new(
                    "http_requests_total",
                    "HTTP requests answered, by route pattern.",
                ),
                &["method", "route", "status"],
            )?,
            http_request_duration: HistogramVec::new(
                HistogramOpts::new("http_request_duration_seconds", "HTTP request latency.")
                    .buckets(REQUEST_BUCKETS.to_vec()),
                &["method", "route"],
            )?,
            registry,
        };
        let r = &metrics.registry;
        r.register(Box::new(metrics.file_upload_duration.clone()))?;
        r.register(Box::new(metrics.file_uploads_in_progress.clone()))?;
        r.register(Box::new(metrics.clicks.clone()))?;
        r.register(Box::new(metrics.temperature.clone()))?;
        r.register(Box::new(metrics.response.clone()))?;
        r.register(Box::new(metrics.response_histogram.clone()))?;
        r.register(Box::new(metrics.response_native.clone()))?;
        r.register(Box::new(metrics.shift_workers.clone()))?;
        r.register(Box::new(metrics.shift_starts.clone()))?;
        r.register(Box::new(metrics.http_requests.clone()))?;
        r.register(Box::new(metrics.http_request_duration.clone()))?;
        r.register(Box::new(ProcessMetrics::for_self()))?;
        let first = SHIFTS[0];
        metrics.shift_starts_created.born_now(&[first.name]);
        metrics.shift_starts.with_label_values(&[first.name]).inc();
        metrics
            .shift_workers
            .with_label_values(&[first.name])
            .set(first.workers);
        Ok(metrics)
    }

    /// Every series name the registry exposes: each sample name in either text format, and each
    /// family's own (a native histogram's series carries it). `gather()` leaves out a labelled
    /// family until its first child, so the labelled ones are collected directly.
    pub fn sample_names(&self) -> Vec<String> {
        let mut families = self.registry.gather();
        families.extend(self.http_requests.collect());
        families.extend(self.http_request_duration.collect());
        families
            .iter()
            .flat_map(|family| {
                sample_names(family)
                    .into_iter()
                    .chain([family.name().to_owned()])
            })
            .collect()
    }

    /// What this scrape says beyond the gathered families: creation times, the latest exemplars,
    /// and the native histogram's buckets, by family name.
    pub fn extras(&self) -> Extras {
        let created = &self.created;
        let exemplars = &self.exemplars;
        Extras {
            created: [
                (name_of(&self.clicks), &self.clicks_created),
                (
                    name_of(&self.file_upload_duration),
                    &created.file_upload_duration,
                ),
                (name_of(&self.response), &created.response),
                (
                    name_of(&self.response_histogram),
                    &created.response_histogram,
                ),
                (name_of(&self.response_native), &created.response_native),
            ]
            .into_iter()
            .map(|(family, created)| (family, created.seconds()))
            .collect(),
            created_series: [(
                "tour_shift_starts_total".to_owned(),
                self.shift_starts_created.seconds(),
            )]
            .into_iter()
            .collect(),
            exemplars: [
                (name_of(&self.clicks), &exemplars.clicks),
                (
                    name_of(&self.file_upload_duration),
                    &exemplars.file_upload_duration,
                ),
                (
                    name_of(&self.response_histogram),
                    &exemplars.response_histogram,
                ),
            ]
            .into_iter()
            .map(|(family, exemplars)| (family, exemplars.latest()))
            .collect(),
            native: [(
                name_of(&self.response_native),
                self.response_native.snapshot(),
            )]
            .into_iter()
            .collect(),
        }
    }
}

/// The family name of an unlabelled metric, as its extras are keyed.
fn name_of(metric: &impl Collector) -> String {
    metric.desc()[0].fq_name.clone()
}
