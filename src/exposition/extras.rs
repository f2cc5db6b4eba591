//! What the exposition says beyond the `prometheus` crate's families: creation times, exemplars,
//! and the native histograms' buckets.
//!
//! The crate's `MetricFamily` is a plain model of the 2019 protobuf: it has no field for any of
//! these. Rather than fork it, each scrape gathers the families as usual and reads an [`Extras`]
//! beside them, keyed by family name; the OpenMetrics and protobuf encoders both read the two
//! together, so they can never disagree about an exemplar. Mostly the tour's unlabelled families
//! have extras: their one series is the only one whose creation and latest update we know; a
//! labelled counter that records when each of its series was born ([`CreatedByLabels`]) has
//! `_created` too.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

use crate::native_histogram::NativeSnapshot;

/// The most characters an exemplar's labels may have, names and values together (OpenMetrics 1.0).
pub const EXEMPLAR_LABELS_MAX_CHARS: usize = 128;

/// One exemplar: the trace of one request, and the value it observed, at that moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Exemplar {
    /// The W3C trace id: 32 lowercase hex digits, shown as the `trace_id` label.
    pub trace_id: String,
    /// The value observed (or the increment, on a counter).
    pub value: f64,
    /// When, in seconds since the Unix epoch.
    pub timestamp: f64,
}

/// The extras of one scrape, by family name.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// When each family's series was created, in seconds since the Unix epoch: `_created`.
    pub created: HashMap<String, f64>,
    /// When each series of a labelled family was born, by family name, then by its label values
    /// in the order of their names (as the crate sorts a series' labels).
    pub created_series: HashMap<String, HashMap<Vec<String>, f64>>,
    /// The latest exemplar per slot: a counter has one slot, a histogram one per bucket in the
    /// order of its upper bounds, the last one for `+Inf`.
    pub exemplars: HashMap<String, Vec<Option<Exemplar>>>,
    /// The buckets of each native histogram, which only the protobuf exposition carries.
    pub native: HashMap<String, NativeSnapshot>,
}

impl Extras {
    /// The creation time of `family`, if known.
    pub fn created(&self, family: &str) -> Option<f64> {
        self.created.get(family).copied()
    }

    /// The creation time of one series of `family`, the one with these `labels` (name, value),
    /// sorted by name; an unlabelled series' is its family's.
    pub fn created_of<'a>(
        &self,
        family: &str,
        labels: impl ExactSizeIterator<Item = &'a str>,
    ) -> Option<f64> {
        if labels.len() == 0 {
            return self.created(family);
        }
        let values: Vec<String> = labels.map(str::to_owned).collect();
        self.created_series.get(family)?.get(&values).copied()
    }

    /// The latest exemplar in slot `slot` of `family`, if any.
    pub fn exemplar(&self, family: &str, slot: usize) -> Option<&Exemplar> {
        self.exemplars.get(family)?.get(slot)?.as_ref()
    }

    /// The native buckets of `family`, when it is a native histogram.
    pub fn native(&self, family: &str) -> Option<&NativeSnapshot> {
        self.native.get(family)
    }
}

/// Seconds since the Unix epoch, now.
pub fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |since| since.as_secs_f64())
}

/// When a counter started counting, in Unix seconds: OpenMetrics' `_created`. A restart moves it,
/// so a scraper can tell "restarted at 0" from "never counted anything". Cloning shares it.
#[derive(Debug, Clone)]
pub struct Created(Arc<AtomicU64>);

impl Created {
    /// Created now.
    pub fn now() -> Self {
        Created(Arc::new(AtomicU64::new(unix_now().to_bits())))
    }

    /// Moves the created time to now, as a restart does.
    pub fn reset(&self) {
        self.0.store(unix_now().to_bits(), Relaxed);
    }

    /// The creation time, in seconds since the Unix epoch.
    pub fn seconds(&self) -> f64 {
        f64::from_bits(self.0.load(Relaxed))
    }
}

/// When each series of a labelled counter was born, by its label values: a series that appears
/// with its first increment has a `_created` of that moment, which is what lets Prometheus 3's
/// `created-timestamp-zero-ingestion` count the increment. Cloning shares it.
#[derive(Debug, Clone, Default)]
pub struct CreatedByLabels(Arc<Mutex<HashMap<Vec<String>, f64>>>);

impl CreatedByLabels {
    /// Records that the series with these label values is born now, unless it already was.
    pub fn born_now(&self, values: &[&str]) {
        let values = values.iter().map(|&v| v.to_owned()).collect();
        self.all().entry(values).or_insert_with(unix_now);
    }

    /// Every series' creation time, by label values.
    pub fn seconds(&self) -> HashMap<Vec<String>, f64> {
        self.all().clone()
    }

    fn all(&self) -> std::sync::MutexGuard<'_, HashMap<Vec<String>, f64>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The latest exemplar per bucket of a classic histogram, or the one exemplar of a counter.
///
/// Each bucket keeps only the most recent, as client_golang does: an exemplar answers "which
/// request landed here lately?", and a fixed number of slots keeps memory bounded.
#[derive(Debug, Clone)]
pub struct Exemplars {
    /// The histogram's upper bounds, without `+Inf`; empty for a counter.
    bounds: Arc<[f64]>,
    slots: Arc<Mutex<Vec<Option<Exemplar>>>>,
}

impl Exemplars {
    /// One slot per bucket of a histogram with these upper bounds, plus one for `+Inf`.
    pub fn for_buckets(bounds: &[f64]) -> Self {
        Exemplars {
            bounds: bounds.into(),
            slots: Arc::new(Mutex::new(vec![None; bounds.len() + 1])),
        }
    }

    /// The one slot of a counter.
    pub fn for_counter() -> Self {
        Exemplars::for_buckets(&[])
    }

    /// Keeps `value`, observed by the request traced as `trace_id`, as its bucket's latest exemplar.
    pub fn record(&self, value: f64, trace_id: &str) {
        let slot = self.bounds.partition_point(|&bound| bound < value);
        let exemplar = Exemplar {
            trace_id: trace_id.to_owned(),
            value,
            timestamp: unix_now(),
        };
        let mut slots = self
            .slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        slots[slot] = Some(exemplar);
    }

    /// Forgets every exemplar, as a restarted process starts with none.
    pub fn clear(&self) {
        self.slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .fill(None);
    }

    /// The latest exemplar of every slot.
    pub fn latest(&self) -> Vec<Option<Exemplar>> {
        self.slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}
