//! `process_*`: this process's CPU time, memory, open files, threads and start time, read from
//! `/proc` by a small collector of our own, at most once a second.
//!
//! The names and meanings are the `prometheus` crate's process collector's: client_golang's, but
//! for `process_threads`, which client_golang lacks (it has `process_virtual_memory_max_bytes` and,
//! on Linux, network bytes, which these lack). That crate's collector is not used, because it
//! divides clock ticks as integers: its `process_cpu_seconds_total` moves in whole seconds,
//! so `rate(process_cpu_seconds_total[1m])`, the classic first query, reads 0 for a process using
//! less than a second of CPU a minute, and its `process_start_time_seconds` loses its fraction.
//! Here both are float seconds, to the clock tick (1/100 s on Linux).
//!
//! A collector runs on every scrape, and reading `/proc` costs tens of microseconds, most of a whole
//! `GET /metrics` (see `cargo bench --bench metrics`); a classroom's browsers polling the page would
//! pay it many times a second for numbers that barely move. So the last reading is reused for up to
//! a second, which no Prometheus scrape interval can notice.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use prometheus::{
    core::{Collector, Desc},
    proto::{Counter, Gauge, Metric, MetricFamily, MetricType},
};

/// How long one reading of `/proc` is reused.
const FRESH_FOR: Duration = Duration::from_secs(1);

/// Each family: its name, help and type, in the order [`read`] returns their values.
const FAMILIES: [(&str, &str, MetricType); 7] = [
    (
        "process_cpu_seconds_total",
        "Total user and system CPU time spent in seconds.",
        MetricType::COUNTER,
    ),
    (
        "process_open_fds",
        "Number of open file descriptors.",
        MetricType::GAUGE,
    ),
    (
        "process_max_fds",
        "Maximum number of open file descriptors.",
        MetricType::GAUGE,
    ),
    (
        "process_virtual_memory_bytes",
        "Virtual memory size in bytes.",
        MetricType::GAUGE,
    ),
    (
        "process_resident_memory_bytes",
        "Resident memory size in bytes.",
        MetricType::GAUGE,
    ),
    (
        "process_start_time_seconds",
        "Start time of the process since unix epoch in seconds.",
        MetricType::GAUGE,
    ),
    (
        "process_threads",
        "Number of OS threads in the process.",
        MetricType::GAUGE,
    ),
];

/// The process collector for this process, collected at most once a second.
pub struct ProcessMetrics {
    descs: Vec<Desc>,
    last: Mutex<Option<(Instant, Vec<MetricFamily>)>>,
}

impl ProcessMetrics {
    /// Reports on this process.
    pub fn for_self() -> Self {
        let descs = FAMILIES
            .iter()
            .map(|(name, help, _)| {
                Desc::new(name.to_string(), help.to_string(), vec![], HashMap::new())
                    .expect("the process metrics' names are valid")
            })
            .collect();
        ProcessMetrics {
            descs,
            last: Mutex::new(None),
        }
    }
}

impl Collector for ProcessMetrics {
    fn desc(&self) -> Vec<&Desc> {
        self.descs.iter().collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match &*last {
            Some((read_at, families)) if read_at.elapsed() < FRESH_FOR => families.clone(),
            _ => {
                let families = families(read());
                *last = Some((Instant::now(), families.clone()));
                families
            }
        }
    }
}

/// One family per value read; a value `/proc` would not give is left out.
fn families(values: [Option<f64>; 7]) -> Vec<MetricFamily> {
    FAMILIES
        .iter()
        .zip(values)
        .filter_map(|((name, help, kind), value)| {
            let value = value?;
            let mut metric = Metric::default();
            if *kind == MetricType::COUNTER {
                let mut counter = Counter::default();
                counter.set_value(value);
                metric.set_counter(counter);
            } else {
                let mut gauge = Gauge::default();
                gauge.set_value(value);
                metric.set_gauge(gauge);
            }
            let mut family = MetricFamily::default();
            family.set_name(name.to_string());
            family.set_help(help.to_string());
            family.set_field_type(*kind);
            family.set_metric(vec![metric]);
            Some(family)
        })
        .collect()
}

/// Reads this process's numbers from `/proc`, in the order of [`FAMILIES`].
pub fn read() -> [Option<f64>; 7] {
    // SAFETY: sysconf only reads a system constant.
    let (ticks, page) = unsafe {
        (
            libc::sysconf(libc::_SC_CLK_TCK) as f64,
            libc::sysconf(libc::_SC_PAGESIZE) as f64,
        )
    };
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name, in parentheses, may hold spaces: count fields after its closing one.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // Field `n` as proc(5) numbers them from 1; the first after the name is the third.
    let field = |n: usize| fields.get(n - 3)?.parse::<f64>().ok();
    let boot_time = std::fs::read_to_string("/proc/stat")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("btime ")?.trim().parse::<f64>().ok());
    let open_fds = std::fs::read_dir("/proc/self/fd")
        .ok()
        .map(|entries| entries.count() as f64);
    let max_fds = std::fs::read_to_string("/proc/self/limits")
        .unwrap_or_default()
        .lines()
        .find_map(|line| {
            let soft = line
                .strip_prefix("Max open files")?
                .split_whitespace()
                .next()?;
            soft.parse::<f64>().ok()
        });
    [
        field(14)
            .zip(field(15))
            .map(|(user, system)| (user + system) / ticks),
        open_fds,
        max_fds,
        field(23),
        field(24).map(|pages| pages * page),
        boot_time
            .zip(field(22))
            .map(|(boot, start)| boot + start / ticks),
        field(20),
    ]
}
