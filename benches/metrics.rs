//! Run with `cargo bench --bench metrics`.
//!
//! What one update of each metric type costs, and what a scrape costs as the number of series grows
//! (gathering plus encoding should grow linearly: ten times the series, about ten times the time).
//! `tour scrape/...` is the whole `GET /metrics` of a tour that has seen traffic, the figure
//! `benches/go/compare.sh` puts beside client_golang's promhttp.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use metrics_tour::{config::Config, state::AppState};
use poem::{http::header, Endpoint, Request};
use prometheus::{
    Counter, CounterVec, Encoder, Histogram, HistogramOpts, Opts, Registry, TextEncoder,
};

fn updates(c: &mut Criterion) {
    let counter = Counter::new("bench_total", "A counter.").unwrap();
    c.bench_function("counter inc", |b| b.iter(|| counter.inc()));
    let histogram =
        Histogram::with_opts(HistogramOpts::new("bench_seconds", "A histogram.")).unwrap();
    let mut value = 0.0;
    c.bench_function("histogram observe", |b| {
        b.iter(|| {
            value = (value + 0.37) % 12.0;
            histogram.observe(black_box(value))
        })
    });
}

/// The process collector reads `/proc/self` on every scrape; this is what that costs.
fn process_collector(c: &mut Criterion) {
    use prometheus::core::Collector;
    let process = prometheus::process_collector::ProcessCollector::for_self();
    c.bench_function("process collector collect", |b| {
        b.iter(|| process.collect())
    });
}

/// The tour's own `GET /metrics` body: every family of the one registry, encoded as text.
fn tour_scrape(c: &mut Criterion) {
    let state = metrics_tour::state::AppState::new(metrics_tour::config::Config::default());
    c.bench_function("tour registry gather and encode", |b| {
        b.iter(|| {
            let families = metrics_tour::exposition::selected_families(&state, "");
            metrics_tour::exposition::text::encode(&families).len()
        })
    });
}

/// The 16 `http_requests_total` series of a visited tour, over 12 (method, route) pairs; the Go
/// benchmark's `requestSeries` is the same list.
const REQUEST_SERIES: [(&str, &str, &str); 16] = [
    ("GET", "/", "200"),
    ("GET", "/metrics", "200"),
    ("POST", "/counter", "200"),
    ("POST", "/counter", "400"),
    ("POST", "/gauge/inc", "200"),
    ("POST", "/gauge/dec", "200"),
    ("POST", "/gauge/set", "200"),
    ("POST", "/gauge/set", "400"),
    ("POST", "/summary", "200"),
    ("POST", "/summary", "400"),
    ("POST", "/file-upload", "200"),
    ("POST", "/file-upload", "413"),
    ("GET", "/tour/counter", "200"),
    ("GET", "/healthz", "200"),
    ("GET", "unmatched", "404"),
    ("POST", "unmatched", "404"),
];

/// A tour whose every family has samples, filled as `tourRegistry` in `benches/go/golang_test.go`
/// fills client_golang's registry, so both scrapes encode the same series.
fn visited_tour() -> AppState {
    let state = AppState::new(Config::default());
    let m = &state.metrics;
    let values: Vec<f64> = (0..64).map(|i| 0.001 * 1.125f64.powi(i)).collect();
    for i in 1..=10 {
        m.file_upload_duration.observe(f64::from(i) - 0.5);
    }
    m.file_uploads_in_progress.set(2);
    m.clicks.inc_by(42.0);
    m.temperature.set(21.5);
    for &v in &values {
        m.response.observe(v);
        m.response_histogram.observe(v);
    }
    for (i, (method, route, status)) in REQUEST_SERIES.into_iter().enumerate() {
        m.http_requests
            .with_label_values(&[method, route, status])
            .inc_by((i + 1) as f64);
        m.http_request_duration
            .with_label_values(&[method, route])
            .observe(values[i * 4]);
    }
    state
}

/// A whole `GET /metrics` through the app, without a socket, as the Go benchmark serves promhttp's
/// handler: negotiation, gathering, encoding, and the request metrics the app keeps on itself.
fn tour_scrape_like_promhttp(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let state = visited_tour();
    let gathered = state.metrics.registry.gather();
    let series = |name: &str| {
        (gathered.iter())
            .find(|family| family.name() == name)
            .map_or(0, |family| family.get_metric().len())
    };
    assert_eq!(
        (
            series("http_requests_total"),
            series("http_request_duration_seconds")
        ),
        (16, 12),
        "the series benches/go/golang_test.go's TestRegistryShape expects"
    );
    let families: Vec<&str> = (gathered.iter())
        .map(|family| family.name())
        .filter(|name| !name.starts_with("process_"))
        .collect();
    // The tour's own `name[]` selection leaves `process_*` out; the Go side registers no process
    // collector for this one.
    let without_process = format!("/metrics?name[]={}", families.join("&name[]="));
    let tour = metrics_tour::app(state);
    let mut group = c.benchmark_group("tour scrape");
    for (id, uri, accept) in [
        ("text", "/metrics", "text/plain"),
        ("openmetrics", "/metrics", PROMETHEUS_2_42_ACCEPT),
        ("text without process", &without_process, "text/plain"),
    ] {
        group.bench_function(id, |b| {
            b.iter(|| {
                let request = Request::builder()
                    .uri_str(uri)
                    .header(header::ACCEPT, accept)
                    .finish();
                runtime.block_on(async {
                    let response = tour.get_response(request).await;
                    assert!(response.status().is_success());
                    response.into_body().into_bytes().await.unwrap().len()
                })
            })
        });
    }
    group.finish();
}

/// The `Accept` header of a Prometheus 2.42 scrape, which ranks OpenMetrics first.
const PROMETHEUS_2_42_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,\
    application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

fn scrape(c: &mut Criterion) {
    let mut group = c.benchmark_group("gather and encode /metrics");
    for series in [10, 1_000, 10_000] {
        let registry = Registry::new();
        let requests =
            CounterVec::new(Opts::new("bench_requests_total", "Requests."), &["route"]).unwrap();
        registry.register(Box::new(requests.clone())).unwrap();
        for route in 0..series {
            requests
                .with_label_values(&[&format!("/route/{route}")])
                .inc();
        }
        group.throughput(Throughput::Elements(series as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(series),
            &registry,
            |b, registry| {
                let mut body = Vec::new();
                b.iter(|| {
                    body.clear();
                    TextEncoder::new()
                        .encode(&registry.gather(), &mut body)
                        .unwrap();
                    body.len()
                })
            },
        );
    }
    group.finish();
}

criterion_group!(
    benches,
    updates,
    process_collector,
    tour_scrape,
    tour_scrape_like_promhttp,
    scrape
);
criterion_main!(benches);
