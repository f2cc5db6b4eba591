//! The summary lesson's question: which of its samples add up across instances.

use super::SUMMARY;
use crate::tour::quiz::{Answer, Question};

pub const SUMMARY_AGGREGATE: Question = Question {
    id: "summary-aggregate",
    lesson: SUMMARY,
    ask: "Three instances each expose the summary tour_response_seconds. Which of its samples can you add up across them?",
    answer: Answer::Choice {
        choices: &[
            ("a", "The quantile=\"0.9\" lines."),
            ("b", "_sum and _count: their ratio is then the fleet's mean."),
            ("c", "None of them."),
        ],
        right: "b",
        why: "sums and counts add up across instances; quantiles computed in each app do not, and no arithmetic combines them",
    },
};
