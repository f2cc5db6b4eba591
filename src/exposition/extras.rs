//! What the exposition says beyond the `prometheus` crate's families: creation times, exemplars,
//! and the native histograms' buckets.
//!
//! The crate's `MetricFamily` is a plain model of the 2019 protobuf: it has no field for any of
//! these. Rather than fork it, each scrape gathers the families as usual and reads an [`Extras`]
//! beside them, keyed by family name; the OpenMetrics and protobuf encoders both read the two
//! together, so they can never disagree about an exemplar. Only the tour's unlabelled families
//! have extras: their one series is the only one whose creation and latest update we know.

use std::collections::HashMap;

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

    /// The latest exemplar in slot `slot` of `family`, if any.
    pub fn exemplar(&self, family: &str, slot: usize) -> Option<&Exemplar> {
        self.exemplars.get(family)?.get(slot)?.as_ref()
    }

    /// The native buckets of `family`, when it is a native histogram.
    pub fn native(&self, family: &str) -> Option<&NativeSnapshot> {
        self.native.get(family)
    }
}
