//! `Summary::observe` against `prometheus::Histogram::observe` (default buckets),
//! alone and with two threads contending, plus collecting a full window.
//!
//! Run: `cargo bench --bench summary -- --warm-up-time 1 --measurement-time 3`.
//! The ratios printed at the end are the means of the same samples criterion measured.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant};

use criterion::Criterion;
use metrics_tour::summary::*;
use prometheus::core::Collector;
use prometheus::{Histogram, HistogramOpts};

/// Response times from 1 ms to about 2 s, so the histogram's bucket search and the
/// summary's bins both see spread values.
fn values() -> Vec<f64> {
    (0..64).map(|i| 0.001 * 1.125f64.powi(i)).collect()
}

fn summary() -> Summary {
    Summary::new(SummaryOpts::new("bench_summary", "bench")).unwrap()
}

fn histogram() -> Histogram {
    Histogram::with_opts(HistogramOpts::new("bench_histogram", "bench")).unwrap()
}

/// Total time and iterations per benchmark, for the ratios.
static MEANS: Mutex<BTreeMap<String, (Duration, u64)>> = Mutex::new(BTreeMap::new());

fn record(id: &str, iters: u64, elapsed: Duration) -> Duration {
    let mut means = MEANS.lock().unwrap();
    let entry = means.entry(id.to_string()).or_default();
    entry.0 += elapsed;
    entry.1 += iters;
    elapsed
}

/// The mean of `id`'s samples, `None` when a filter (or `--list`) left it unrun.
fn mean_ns(id: &str) -> Option<f64> {
    let means = MEANS.lock().unwrap();
    let (total, iters) = means.get(id)?;
    Some(total.as_nanos() as f64 / *iters as f64)
}

/// `iters` observations on one thread.
fn run_alone(iters: u64, observe: &(dyn Fn(f64) + Sync)) -> Duration {
    let values = values();
    let start = Instant::now();
    for i in 0..iters as usize {
        observe(black_box(values[i % 64]));
    }
    start.elapsed()
}

/// `iters` observations on each of two threads at once; wall time until both finish.
fn run_contended(iters: u64, observe: &(dyn Fn(f64) + Sync)) -> Duration {
    let barrier = Barrier::new(2);
    let run = || {
        barrier.wait();
        run_alone(iters, observe)
    };
    std::thread::scope(|s| {
        let other = s.spawn(run);
        let mine = run();
        mine.max(other.join().unwrap())
    })
}

fn observe(c: &mut Criterion) {
    let mut group = c.benchmark_group("observe");
    let (s, h) = (summary(), histogram());
    type Runner = fn(u64, &(dyn Fn(f64) + Sync)) -> Duration;
    for (threads, run) in [
        ("1 thread", run_alone as Runner),
        ("2 threads", run_contended),
    ] {
        let id = format!("summary/{threads}");
        group.bench_function(&id, |b| {
            b.iter_custom(|iters| record(&id, iters, run(iters, &|v| s.observe(v))))
        });
        let id = format!("histogram/{threads}");
        group.bench_function(&id, |b| {
            b.iter_custom(|iters| record(&id, iters, run(iters, &|v| h.observe(v))))
        });
    }
    group.finish();
}

fn collect(c: &mut Criterion) {
    let clock = ManualClock::new();
    let opts = SummaryOpts::new("bench_summary", "bench");
    let age_bucket = opts.max_age / opts.age_buckets;
    let s = Summary::with_clock(opts, clock.clone()).unwrap();
    for _ in 0..5 {
        clock.advance(age_bucket);
        for v in values() {
            s.observe(v);
        }
    }
    c.bench_function("collect/full window", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(s.collect());
            }
            record("collect", iters, start.elapsed())
        })
    });
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    observe(&mut c);
    collect(&mut c);
    c.final_summary();
    for threads in ["1 thread", "2 threads"] {
        if let (Some(s), Some(h)) = (
            mean_ns(&format!("summary/{threads}")),
            mean_ns(&format!("histogram/{threads}")),
        ) {
            println!("observe, {threads}: summary {s:.1} ns, histogram {h:.1} ns, ratio {:.2} (target <= 1.5)", s / h);
        }
    }
    if let Some(collect) = mean_ns("collect") {
        println!(
            "collect a full window: {:.1} us (target < 100 us)",
            collect / 1000.0
        );
    }
}
