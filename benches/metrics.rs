//! Run with `cargo bench --bench metrics`.
//!
//! What one update of each metric type costs, and what a scrape costs as the number of series grows
//! (gathering plus encoding should grow linearly: ten times the series, about ten times the time).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
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
            let families = metrics_tour::exposition::selected_families(&state, &[]);
            metrics_tour::exposition::text::encode(&families).len()
        })
    });
}

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

criterion_group!(benches, updates, process_collector, tour_scrape, scrape);
criterion_main!(benches);
