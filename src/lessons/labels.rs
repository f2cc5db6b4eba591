//! Labels and cardinality: every combination of label values is a series of its own, so a label
//! must take a few, fixed values; one taken from the request lets every visitor add series.
//!
//! The tour's `http_requests_total{method,route,status}` is built that way (see [`crate::http::request_metrics`]):
//! `route` is the pattern the router matched, never the path as sent. [`measure`] proves it with the
//! tour's own router and middleware: random paths sent to a scratch copy of the app, its series
//! counted before and after, beside what a raw-path label would have cost.

use poem::{http::Method, Endpoint, Request};
use prometheus::{CounterVec, Opts, Registry};
use rand::Rng;
use tokio::sync::OnceCell;

use crate::{config::Config, exposition, state::AppState, tour::snapshot::family};

/// How many random paths the demonstration sends.
pub const RANDOM_PATHS: usize = 10_000;

/// What [`RANDOM_PATHS`] random paths did to a scratch copy of the tour, and would have done with
/// a raw-path label.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cardinality {
    pub paths: usize,
    /// Series of `http_requests_total` after the first random path, and after all of them.
    pub series_after_one: usize,
    pub series_after_all: usize,
    /// Bytes of `http_requests_total` in `/metrics` after all of them.
    pub bytes: usize,
    /// The same requests counted with the raw path as a label: series, and bytes in `/metrics`.
    pub raw_path_series: usize,
    pub raw_path_bytes: usize,
}

/// The demonstration, run once per process (the first time the labels page is built): it depends
/// only on the tour's code, not on its state, and costs a few hundred milliseconds.
pub async fn demonstration() -> Cardinality {
    static MEASURED: OnceCell<Cardinality> = OnceCell::const_new();
    *MEASURED.get_or_init(|| measure(RANDOM_PATHS)).await
}

/// Sends `paths` random paths through a scratch copy of the app (its own registry, the same router
/// and middleware), counting `http_requests_total`'s series after the first and after all; then
/// counts the same requests in a counter labelled with the raw path, as a mistaken app would.
pub async fn measure(paths: usize) -> Cardinality {
    let scratch = AppState::new(Config::default());
    let app = crate::app(scratch.clone());
    let random_paths: Vec<String> = {
        let mut rng = rand::rng();
        (0..paths)
            .map(|_| format!("/users/{:016x}", rng.random::<u64>()))
            .collect()
    };
    let mut series_after_one = 0;
    for (i, path) in random_paths.iter().enumerate() {
        let request = Request::builder()
            .method(Method::GET)
            .uri_str(path)
            .finish();
        let _ = app.get_response(request).await;
        if i == 0 {
            series_after_one = requests_total(&scratch.metrics.registry).0;
        }
    }
    let (series_after_all, bytes) = requests_total(&scratch.metrics.registry);

    let mistaken = Registry::new();
    let by_path = CounterVec::new(
        Opts::new(
            "http_requests_total",
            "HTTP requests answered, by raw path.",
        ),
        &["method", "path", "status"],
    )
    .expect("a valid counter");
    mistaken
        .register(Box::new(by_path.clone()))
        .expect("registered once");
    for path in &random_paths {
        by_path.with_label_values(&["GET", path, "404"]).inc();
    }
    let (raw_path_series, raw_path_bytes) = requests_total(&mistaken);
    Cardinality {
        paths,
        series_after_one,
        series_after_all,
        bytes,
        raw_path_series,
        raw_path_bytes,
    }
}

/// The series of `http_requests_total` in `registry`, and the bytes its lines take in `/metrics`.
fn requests_total(registry: &Registry) -> (usize, usize) {
    let gathered = registry.gather();
    let requests = family(&gathered, "http_requests_total").cloned();
    let series = requests.as_ref().map_or(0, |f| f.get_metric().len());
    (series, exposition::text::encode(requests.as_slice()).len())
}
