//! The quiz's question bank: a file per lesson, each question a named constant, and
//! [`QUESTIONS`], every one of them in the order of the tour.
//!
//! A question is plain data; a live question carries the two small functions that show and judge
//! it, next to it in its lesson's file. Adding a question means a constant in its lesson's file and
//! a line here, nothing in the judging.

mod anatomy;
mod buckets;
mod counter;
mod exemplars;
mod gauge;
mod histogram;
mod labels;
mod native;
mod staleness;
mod summary;
mod versus;

use super::Question;

const COUNTER: (&str, &str) = ("/tour/counter", "Counter");
const GAUGE: (&str, &str) = ("/tour/gauge", "Gauge");
const HISTOGRAM: (&str, &str) = ("/tour/histogram", "Histogram");
const SUMMARY: (&str, &str) = ("/tour/summary", "Summary");
const VERSUS: (&str, &str) = ("/tour/versus", "Histogram vs summary");
const NATIVE: (&str, &str) = ("/tour/native-histogram", "Native histogram");
const EXEMPLARS: (&str, &str) = ("/tour/exemplars", "Exemplars");
const ANATOMY: (&str, &str) = ("/tour/anatomy", "Anatomy of /metrics");
const LABELS: (&str, &str) = ("/tour/labels", "Labels and cardinality");
const BUCKETS: (&str, &str) = ("/tour/buckets", "Bucket designer");
const STALENESS: (&str, &str) = ("/tour/staleness", "Staleness");

/// Every question, in the order of the tour.
pub const QUESTIONS: &[Question] = &[
    counter::CLICKS_PREDICT,
    counter::COUNTER_NEGATIVE,
    counter::COUNTER_RESTART,
    counter::RATE_RANGE,
    counter::QUERY_CLICKS_RATE,
    gauge::GAUGE_PREDICT,
    gauge::RATE_OF_GAUGE,
    histogram::HISTOGRAM_MEDIAN,
    histogram::HISTOGRAM_MEAN,
    histogram::HISTOGRAM_INF,
    histogram::QUERY_UPLOAD_BUCKETS,
    histogram::QUERY_UPLOAD_P90,
    summary::SUMMARY_AGGREGATE,
    versus::AVERAGE_QUANTILES,
    native::NATIVE_QUANTILE,
    buckets::PAST_LAST_EDGE,
    buckets::EDGE_COST,
    exemplars::EXEMPLAR_LINE,
    anatomy::OPENMETRICS_EXTRAS,
    anatomy::CREATED,
    labels::LABEL_USER_ID,
    labels::ROUTE_PATTERN,
    labels::UNMATCHED_SERIES,
    labels::QUERY_REQUESTS_BY_ROUTE,
    staleness::STALE_SERIES,
    staleness::UP_WATCHES_TARGET,
    staleness::FIRST_INCREMENT,
];
