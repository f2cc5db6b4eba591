//! Run with `cargo bench --bench native`.
//!
//! A native histogram's observe against the `prometheus` crate's classic one (the target: at most
//! 1.5 times as long), and one scrape of the tour's registry encoded as protobuf against text
//! (the target: no slower).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use metrics_tour::native_histogram::{NativeHistogram, NativeOpts};
use prometheus::{Histogram, HistogramOpts};

/// The same stream of values for both: spread over 0 to 12 seconds, as the tour's demos are.
fn observe(c: &mut Criterion) {
    let native = NativeHistogram::new(NativeOpts::new("bench_seconds", "Native.")).unwrap();
    let classic = Histogram::with_opts(HistogramOpts::new("bench_seconds", "Classic.")).unwrap();
    let mut value = 0.0;
    c.bench_function("native_histogram/observe", |b| {
        b.iter(|| {
            value = (value + 0.37) % 12.0;
            native.observe(black_box(value))
        })
    });
    c.bench_function("classic_histogram/observe", |b| {
        b.iter(|| {
            value = (value + 0.37) % 12.0;
            classic.observe(black_box(value))
        })
    });
}

/// The tour's whole registry, gathered with its extras and encoded both ways.
fn scrape(c: &mut Criterion) {
    let state = metrics_tour::state::AppState::new(metrics_tour::config::Config::default());
    for v in [0.2, 0.7, 1.3, 2.9, 5.5] {
        state.metrics.response.observe(v);
        state.metrics.response_histogram.observe(v);
        state.metrics.response_native.observe(v);
        state.metrics.file_upload_duration.observe(v);
    }
    let mut group = c.benchmark_group("scrape");
    group.bench_function("text", |b| {
        b.iter(|| {
            let families = metrics_tour::exposition::selected_families(&state, &[]);
            metrics_tour::exposition::text::encode(&families).len()
        })
    });
    group.bench_function("protobuf", |b| {
        b.iter(|| {
            let families = metrics_tour::exposition::selected_families(&state, &[]);
            let extras = state.metrics.extras();
            metrics_tour::exposition::protobuf::encode(&families, &extras).len()
        })
    });
    group.finish();
}

criterion_group!(benches, observe, scrape);
criterion_main!(benches);
