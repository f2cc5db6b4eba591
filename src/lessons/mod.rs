//! The lessons: one file per metric type, each opening with what the type is, how it differs from
//! its neighbour, its typical use and how to make one, followed by its demo route(s).
//!
//! - [`counter`]: a number that only goes up; `POST /counter`, `POST /counter/restart`, and `rate()`.
//! - [`gauge`]: a number that goes up and down; `POST /gauge/...`, and the in-progress guard.
//! - [`histogram`]: observations in fixed buckets; the seed's `POST /file-upload`, and how
//!   `histogram_quantile` estimates.
//! - [`summary`]: quantiles over a sliding window; `POST /summary` (the engine is [`crate::summary`]).
//!
//! And the lessons that cut across types:
//! - [`labels`]: one series per label combination, and why a label never comes from the request.
//! - [`buckets`]: the bucket designer, `GET /tour/buckets` and `GET /buckets`: proposed edges tried
//!   on the tour's kept observations, each quantile's error, and the cost in series.
//! - [`staleness`]: a series that stops, a target that dies, and the first increment `increase()`
//!   cannot see; `POST /shift/end`.

pub mod buckets;
pub mod counter;
pub mod gauge;
pub mod histogram;
pub mod labels;
pub mod staleness;
pub mod summary;
