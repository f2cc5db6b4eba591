//! The lessons: one file per metric type, each opening with what the type is, how it differs from
//! its neighbour, its typical use and how to make one, followed by its demo route(s).
//!
//! - [`counter`]: a number that only goes up; `POST /counter`.
//! - [`gauge`]: a number that goes up and down; `POST /gauge/...`, and the in-progress guard.
//! - [`histogram`]: observations in fixed buckets; the seed's `POST /file-upload`, and how
//!   `histogram_quantile` estimates.
//! - [`summary`]: quantiles over a sliding window; `POST /summary` (the engine is [`crate::summary`]).

pub mod counter;
pub mod gauge;
pub mod histogram;
pub mod summary;
