//! Behaviour of `summary::Summary`: accuracy against an exact sort, the sliding
//! window, the text exposition, concurrent observers and the memory bound.

use std::time::Duration;

use metrics_tour::summary::*;
use prometheus::core::Collector;
use prometheus::{Encoder, Registry, TextEncoder};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The guarantee in the module doc: a bin 1/64 wide reports within 1/129 of
/// any value in it (plus float rounding). No rank tolerance: ranks are exact.
const RELATIVE_ERROR: f64 = 1.0 / 129.0 + 1e-12;

const QUANTILES: [f64; 9] = [0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999];

fn manual(opts: SummaryOpts) -> (Summary, ManualClock) {
    let clock = ManualClock::new();
    (Summary::with_clock(opts, clock.clone()).unwrap(), clock)
}

fn opts() -> SummaryOpts {
    SummaryOpts::new("tour_response_seconds", "Response time of the tour.")
}

/// The exact quantile as the nearest rank: the observation at rank
/// `ceil(q * n)` (1-based) of the sorted observations.
fn exact_quantile(sorted: &[f64], q: f64) -> f64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).max(1);
    sorted[rank - 1]
}

fn quantile(summary: &Summary, q: f64) -> f64 {
    let (_, v) = summary
        .quantiles()
        .into_iter()
        .find(|&(x, _)| x == q)
        .unwrap();
    v
}

fn assert_close(reported: f64, exact: f64, what: &str) {
    let error = (reported - exact).abs();
    assert!(
        error <= RELATIVE_ERROR * exact.abs(),
        "{what}: reported {reported}, exact {exact}, relative error {}",
        error / exact.abs()
    );
}

/// Observes `n` draws of `draw` and checks every quantile against an exact sort.
fn check_distribution(name: &str, draw: impl Fn(&mut StdRng) -> f64) {
    for seed in 0..5 {
        let mut rng = StdRng::seed_from_u64(seed);
        let n = rng.random_range(1..20_000);
        let mut values: Vec<f64> = (0..n).map(|_| draw(&mut rng)).collect();
        let (summary, _clock) = manual(opts().quantiles(QUANTILES));
        values.iter().for_each(|&v| summary.observe(v));
        values.sort_by(f64::total_cmp);
        for (q, reported) in summary.quantiles() {
            let exact = exact_quantile(&values, q);
            assert_close(
                reported,
                exact,
                &format!("{name}, seed {seed}, n {n}, q {q}"),
            );
        }
    }
}

fn standard_normal(rng: &mut StdRng) -> f64 {
    let (u, v): (f64, f64) = (rng.random(), rng.random());
    (-2.0 * (1.0 - u).ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

#[test]
fn quantiles_of_uniform_values_are_within_the_relative_error() {
    check_distribution("uniform", |rng| rng.random_range(0.001..2.0));
}

#[test]
fn quantiles_of_exponential_values_are_within_the_relative_error() {
    check_distribution("exponential", |rng| -(1.0 - rng.random::<f64>()).ln() * 0.2);
}

#[test]
fn quantiles_of_a_long_pareto_tail_are_within_the_relative_error() {
    check_distribution("pareto", |rng| {
        0.01 / (1.0 - rng.random::<f64>()).powf(1.0 / 1.2)
    });
}

#[test]
fn quantiles_of_log_normal_values_are_within_the_relative_error() {
    check_distribution("log-normal", |rng| {
        (-3.0 + 2.0 * standard_normal(rng)).exp()
    });
}

#[test]
fn quantiles_of_a_few_discrete_spikes_are_within_the_relative_error() {
    let spikes = [0.0, 0.003, 0.003, 0.25, 0.25, 0.25, 7.0];
    check_distribution("spikes", |rng| spikes[rng.random_range(0..spikes.len())]);
}

#[test]
fn quantiles_of_tiny_and_huge_magnitudes_are_within_the_relative_error() {
    check_distribution("tiny", |rng| rng.random_range(1e-7..1e-5));
    check_distribution("huge", |rng| rng.random_range(1e5..1.6e7));
    check_distribution("both", |rng| 10f64.powf(rng.random_range(-7.0..7.0)));
}

#[test]
fn values_outside_the_range_are_clamped_to_the_end_bins() {
    let low = 2f64.powi(-24);
    let high = 2f64.powi(24);
    // Beside an observation of 1 s, so that the window's own range does not hide the end bins.
    for (v, q, reported) in [
        (1e-12, 0.5, low),
        (low, 0.5, low),
        (high, 0.99, high),
        (1e12, 0.99, high),
        (f64::INFINITY, 0.99, high),
    ] {
        let (summary, _clock) = manual(opts());
        summary.observe(v);
        summary.observe(1.0);
        assert_close(quantile(&summary, q), reported, &format!("observed {v}"));
    }
}

#[test]
fn zero_negative_and_nan_report_zero_but_sum_keeps_the_real_value() {
    for v in [0.0, -1.0, -1e300, f64::NAN] {
        let (summary, _clock) = manual(opts());
        summary.observe(v);
        assert_eq!(quantile(&summary, 0.5), 0.0, "observed {v}");
        assert_eq!(summary.sum().to_string(), v.to_string());
        assert_eq!(summary.count(), 1);
    }
}

#[test]
fn old_observations_leave_the_window_but_stay_in_count() {
    let (summary, clock) = manual(opts());
    (0..100).for_each(|_| summary.observe(1.0));
    clock.advance(Duration::from_secs(600));
    (0..100).for_each(|_| summary.observe(2.0));
    for (q, v) in summary.quantiles() {
        assert_close(v, 2.0, &format!("q {q}"));
    }
    assert_eq!(summary.count(), 200);
    assert_eq!(summary.sum(), 300.0);
}

#[test]
fn an_empty_window_reports_nan() {
    let (summary, clock) = manual(opts());
    assert!(summary.quantiles().iter().all(|(_, v)| v.is_nan()));
    summary.observe(0.2);
    assert!(summary.quantiles().iter().all(|(_, v)| !v.is_nan()));
    clock.advance(Duration::from_secs(600));
    assert!(summary.quantiles().iter().all(|(_, v)| v.is_nan()));
    assert_eq!((summary.count(), summary.sum()), (1, 0.2));
}

#[test]
fn advancing_one_age_bucket_drops_exactly_the_oldest_piece() {
    // Age buckets of 2 minutes hold 10 observations each of 1.0, 2.0, ... 5.0.
    let (summary, clock) = manual(opts().quantiles([0.01, 0.99]));
    let age_bucket = Duration::from_secs(120);
    for piece in 1..=5 {
        (0..10).for_each(|_| summary.observe(piece as f64));
        clock.advance(age_bucket);
    }
    // Now in the sixth epoch: the first piece (1.0) has just left.
    for oldest_left in 2..=5 {
        assert_close(
            quantile(&summary, 0.01),
            oldest_left as f64,
            "lowest in window",
        );
        assert_close(quantile(&summary, 0.99), 5.0, "highest in window");
        clock.advance(age_bucket);
    }
    assert!(quantile(&summary, 0.01).is_nan());
    assert_eq!(summary.count(), 50);
}

#[test]
fn the_oldest_piece_stays_until_its_age_bucket_is_over() {
    let (summary, clock) = manual(opts().quantiles([0.01]));
    summary.observe(1.0);
    clock.advance(Duration::from_secs(130));
    summary.observe(2.0);
    clock.advance(Duration::from_secs(599 - 130));
    assert_close(quantile(&summary, 0.01), 1.0, "at 599 s");
    clock.advance(Duration::from_secs(1));
    assert_close(quantile(&summary, 0.01), 2.0, "at 600 s");
}

#[test]
fn invalid_options_are_refused() {
    assert!(Summary::new(opts().quantiles([0.5, 1.0])).is_err());
    assert!(Summary::new(opts().quantiles([0.0])).is_err());
    assert!(Summary::new(opts().quantiles([f64::NAN])).is_err());
    assert!(Summary::new(opts().age_buckets(0)).is_err());
    assert!(Summary::new(opts().max_age(Duration::ZERO)).is_err());
    assert!(Summary::new(SummaryOpts::new("not a name", "help")).is_err());
    assert!(Summary::new(opts()).is_ok());
}

fn exposition(summary: &Summary) -> String {
    let registry = Registry::new();
    registry.register(Box::new(summary.clone())).unwrap();
    let mut text = Vec::new();
    TextEncoder::new()
        .encode(&registry.gather(), &mut text)
        .unwrap();
    String::from_utf8(text).unwrap()
}

#[test]
fn exposition_lists_quantiles_in_order_then_sum_and_count() {
    let (summary, _clock) = manual(opts().quantiles([0.99, 0.5, 0.9]));
    [0.1, 0.2, 0.4].into_iter().for_each(|v| summary.observe(v));
    let text = exposition(&summary);
    let lines: Vec<&str> = text.lines().collect();
    let starts = [
        "# HELP tour_response_seconds Response time of the tour.",
        "# TYPE tour_response_seconds summary",
        "tour_response_seconds{quantile=\"0.5\"} 0.2",
        "tour_response_seconds{quantile=\"0.9\"} 0.4",
        "tour_response_seconds{quantile=\"0.99\"} 0.4",
        "tour_response_seconds_sum 0.7",
        "tour_response_seconds_count 3",
    ];
    assert_eq!(lines.len(), starts.len(), "{text}");
    for (line, start) in lines.iter().zip(starts) {
        assert!(
            line.starts_with(start),
            "{line:?} should start with {start:?}\n{text}"
        );
    }
}

#[test]
fn exposition_of_an_empty_window_shows_nan() {
    let (summary, _clock) = manual(opts());
    let text = exposition(&summary);
    assert!(
        text.contains("tour_response_seconds{quantile=\"0.5\"} NaN\n"),
        "{text}"
    );
    assert!(text.contains("tour_response_seconds_count 0\n"), "{text}");
    assert_eq!(summary.desc().len(), 1);
}

#[test]
fn concurrent_observers_lose_no_observation() {
    let (summary, _clock) = manual(opts().quantiles([0.5]));
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| (0..100_000).for_each(|_| summary.observe(1.0)));
        }
    });
    assert_eq!(summary.count(), 800_000);
    assert_eq!(summary.sum(), 800_000.0);
    // With 800_000 threes added, the median (rank 800_000) is a one only if
    // the window kept all 800_000 ones.
    (0..800_000).for_each(|_| summary.observe(3.0));
    assert_close(quantile(&summary, 0.5), 1.0, "median");
}

#[test]
fn memory_stays_fixed_after_ten_million_observations() {
    let (made, (summary, clock)) = heap::bytes_held_by(|| manual(opts()));
    assert!(made <= 64 * 1024, "a summary holds {made} bytes when made");
    let mut rng = StdRng::seed_from_u64(7);
    let (grew, ()) = heap::bytes_held_by(|| {
        for i in 0..10_000_000u64 {
            if i % 1_000_000 == 0 {
                clock.advance(Duration::from_secs(60));
                summary.collect();
            }
            summary.observe(2f64.powf(rng.random_range(-30.0..30.0)));
        }
    });
    assert_eq!(grew, 0, "observing and collecting kept {grew} bytes");
    assert_eq!(summary.count(), 10_000_000);
}

/// Counts the bytes this thread allocates and frees, so a test can see what a piece of code keeps.
mod heap {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    struct Counting;

    thread_local! {
        static HELD: Cell<isize> = const { Cell::new(0) };
    }

    // SAFETY: every call is passed to the system allocator unchanged; only a counter is added.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            HELD.with(|held| held.set(held.get() + layout.size() as isize));
            unsafe { System.alloc(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            HELD.with(|held| held.set(held.get() - layout.size() as isize));
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    #[global_allocator]
    static COUNTING: Counting = Counting;

    /// Runs `f` and returns the bytes it left allocated on this thread, with its result.
    pub fn bytes_held_by<T>(f: impl FnOnce() -> T) -> (isize, T) {
        let before = HELD.with(Cell::get);
        let result = f();
        (HELD.with(Cell::get) - before, result)
    }
}

#[test]
fn a_quantile_never_leaves_what_the_window_observed() {
    // One observation of 0.25: its bin's middle is 0.2519, above anything observed.
    let (summary, _clock) = manual(opts());
    summary.observe(0.25);
    for (q, value) in summary.quantiles() {
        assert_eq!(value, 0.25, "quantile {q}");
    }
    // Ten of 20 s: the bin's middle would be 20.12.
    let (summary, _clock) = manual(opts());
    for _ in 0..10 {
        summary.observe(20.0);
    }
    assert_eq!(quantile(&summary, 0.99), 20.0);
    assert_eq!(quantile(&summary, 0.5), 20.0);
}

#[test]
fn the_windows_range_leaves_with_its_age_bucket() {
    let (summary, clock) = manual(opts());
    summary.observe(5.0);
    clock.advance(Duration::from_secs(601));
    summary.observe(1.0);
    for (q, value) in summary.quantiles() {
        assert_eq!(value, 1.0, "quantile {q}: 5 s has left the window");
    }
}

#[test]
fn the_window_span_lies_between_max_age_less_one_age_bucket_and_max_age() {
    let (summary, clock) = manual(opts());
    clock.advance(Duration::from_secs(30));
    assert_eq!(
        summary.window_span(),
        Duration::from_secs(30),
        "younger than the window"
    );
    clock.advance(Duration::from_secs(600));
    for _ in 0..40 {
        clock.advance(Duration::from_secs(37));
        let span = summary.window_span();
        assert!(
            span >= Duration::from_secs(480) && span <= Duration::from_secs(600),
            "{span:?}"
        );
    }
}
