//! `process_*`: the prometheus crate's process collector (CPU, memory, open files), read from
//! `/proc` at most once a second.
//!
//! A collector runs on every scrape. Reading `/proc` costs about 37 us here, over two thirds of a
//! whole `GET /metrics` (see `cargo bench --bench metrics`); a classroom's browsers polling the page
//! would pay it many times a second for numbers that barely move. So the last reading is reused
//! for up to a second, which no Prometheus scrape interval can notice.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

use prometheus::{
    core::{Collector, Desc},
    process_collector::ProcessCollector,
    proto::MetricFamily,
};

/// How long one reading of `/proc` is reused.
const FRESH_FOR: Duration = Duration::from_secs(1);

/// The process collector, collected at most once a second.
pub struct ProcessMetrics {
    collector: ProcessCollector,
    last: Mutex<Option<(Instant, Vec<MetricFamily>)>>,
}

impl ProcessMetrics {
    /// Reports on this process.
    pub fn for_self() -> Self {
        ProcessMetrics {
            collector: ProcessCollector::for_self(),
            last: Mutex::new(None),
        }
    }
}

impl Collector for ProcessMetrics {
    fn desc(&self) -> Vec<&Desc> {
        self.collector.desc()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match &*last {
            Some((read_at, families)) if read_at.elapsed() < FRESH_FOR => families.clone(),
            _ => {
                let families = self.collector.collect();
                *last = Some((Instant::now(), families.clone()));
                families
            }
        }
    }
}
