//! The exemplars lesson's question: what the part after `#` on a bucket's line is, and what it is not.

use super::EXEMPLARS;
use crate::tour::quiz::{Answer, Question};

pub const EXEMPLAR_LINE: Question = Question {
    id: "exemplar-line",
    lesson: EXEMPLARS,
    ask: "In OpenMetrics, the tour writes tour_response_bucketed_seconds_bucket{le=\"0.05\"} 12 # {trace_id=\"4bf92f3577b34da6a3ce929d0e0e4736\"} 0.042 1764770000.123. What is the part after the #?",
    answer: Answer::Choice {
        choices: &[
            ("a", "A comment: a scraper skips everything after the #."),
            ("b", "An exemplar: one request whose value landed in this bucket, with its trace id, that value and when."),
            ("c", "A label: each trace id is stored as a series of its own."),
        ],
        right: "b",
        why: "an exemplar points from a count to one request behind it, so a trace id leads from a slow bucket to that request's trace; it adds no series, and Prometheus keeps exemplars only when started with --enable-feature=exemplar-storage (2.42 and 3 alike)",
    },
};
