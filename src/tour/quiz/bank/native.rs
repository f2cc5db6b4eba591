//! The native histogram lesson's question: one series holding every bucket, so no `le` to sum by.

use super::NATIVE;
use crate::tour::quiz::{Answer, Question};

pub const NATIVE_QUANTILE: Question = Question {
    id: "native-quantile",
    lesson: NATIVE,
    ask: "Prometheus stores tour_response_native_seconds as a native histogram. Which query gives its 90th percentile over the last five minutes?",
    answer: Answer::Choice {
        choices: &[
            ("a", "histogram_quantile(0.9, sum by (le) (rate(tour_response_native_seconds_bucket[5m])))"),
            ("b", "histogram_quantile(0.9, rate(tour_response_native_seconds[5m]))"),
            ("c", "tour_response_native_seconds{quantile=\"0.9\"}"),
        ],
        right: "b",
        why: "a native histogram is one series whose every sample holds all its buckets: there is no _bucket series and no le label to sum by, so histogram_quantile takes the rate of the series itself",
    },
};
