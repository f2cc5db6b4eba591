//! `process_*` as client_golang reports them: float seconds, so `rate(process_cpu_seconds_total[1m])`
//! of a process using less than a CPU second a minute does not read 0. This file is its own test
//! binary, so the process whose CPU time is read has used well under a second.

mod common;

use std::time::{Duration, Instant};

/// This process's CPU seconds and start time, straight from `/proc` as proc(5) describes them.
fn from_proc() -> (f64, f64) {
    // SAFETY: sysconf only reads a system constant.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let fields: Vec<f64> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .map(|field| field.parse().unwrap_or(f64::NAN))
        .collect();
    let boot: f64 = std::fs::read_to_string("/proc/stat")
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix("btime ")?.trim().parse().ok())
        .unwrap();
    (
        (fields[14 - 3] + fields[15 - 3]) / ticks,
        boot + fields[22 - 3] / ticks,
    )
}

#[tokio::test]
async fn cpu_time_and_start_time_are_float_seconds_to_the_clock_tick() {
    // Use a tenth of a second of CPU: far from a whole second.
    let busy = Instant::now();
    let mut spin = 0u64;
    while busy.elapsed() < Duration::from_millis(100) {
        spin = spin.wrapping_add(std::hint::black_box(1));
    }
    let (client, _) = common::client();
    let exposition = common::body(client.get("/metrics").send().await).await;
    let (cpu_after, start) = from_proc();
    let cpu = common::sample(&exposition, "process_cpu_seconds_total").unwrap();
    assert!(cpu > 0.0 && cpu < 1.0, "{cpu} CPU seconds (spun {spin})");
    assert!(
        cpu <= cpu_after && cpu_after - cpu < 0.05,
        "{cpu}, then {cpu_after} in /proc"
    );
    let reported = common::sample(&exposition, "process_start_time_seconds").unwrap();
    assert!(
        (reported - start).abs() < 1e-6,
        "{reported}, /proc says {start}"
    );
    for name in [
        "process_resident_memory_bytes",
        "process_open_fds",
        "process_threads",
    ] {
        assert!(
            common::sample(&exposition, name).is_some_and(|v| v > 0.0),
            "{name}"
        );
    }
}
