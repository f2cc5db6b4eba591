//! The exact durations of the most recent uploads, kept only to show what a histogram's buckets blur.
//!
//! A histogram forgets each observation once it is counted into a bucket; that is its strength
//! (fixed cost, mergeable) and the reason `histogram_quantile` can only estimate. The histogram page
//! puts that estimate beside the exact quantile of these kept values. They are not in `/metrics`:
//! a real service would not keep them, and the page says so.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

/// The last [`Recent::CAPACITY`] observed values; cloning shares them.
#[derive(Debug, Clone, Default)]
pub struct Recent {
    values: Arc<Mutex<VecDeque<f64>>>,
}

impl Recent {
    /// How many values are kept; older ones are forgotten, so memory stays bounded.
    pub const CAPACITY: usize = 1000;

    /// Keeps `value`, forgetting the oldest when full.
    pub fn keep(&self, value: f64) {
        let mut values = self
            .values
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if values.len() == Self::CAPACITY {
            values.pop_front();
        }
        values.push_back(value);
    }

    /// The kept values, oldest first.
    pub fn values(&self) -> Vec<f64> {
        let values = self
            .values
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        values.iter().copied().collect()
    }
}
