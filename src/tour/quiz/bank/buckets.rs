//! The bucket designer's questions: a rank past the last edge answers that edge, and what one more
//! edge costs.

use super::BUCKETS;
use crate::tour::quiz::{Answer, Question};

pub const PAST_LAST_EDGE: Question = Question {
    id: "past-last-edge",
    lesson: BUCKETS,
    ask: "A histogram's edges are 1, 2, … 10 seconds, and every upload took 12 to 15 seconds. What does histogram_quantile(0.9, …) answer for it?",
    answer: Answer::Choice {
        choices: &[
            ("a", "About 14.7: a straight line across the +Inf bucket."),
            ("b", "10: a rank past the last edge answers that edge, however far above it the values lie."),
            ("c", "+Inf: the rank falls in the +Inf bucket."),
        ],
        right: "b",
        why: "the +Inf bucket has no upper edge to draw a line to, so histogram_quantile answers the highest finite edge, in Prometheus 3 and 2.42: choose edges that reach past the values you care about",
    },
};

pub const EDGE_COST: Question = Question {
    id: "edge-cost",
    lesson: BUCKETS,
    ask: "A histogram has a route label with 5 values and a status label with 3, on each of 10 instances. You add one bucket edge. How many more series does Prometheus store?",
    answer: Answer::Choice {
        choices: &[
            ("a", "1: the new edge."),
            ("b", "15: one per label combination."),
            ("c", "150: one per label combination per instance."),
        ],
        right: "c",
        why: "each edge is a _bucket series for every label combination on every instance: 5 × 3 × 10 = 150; a native histogram, or on Prometheus 3 classic buckets kept as one custom-bucket series (convert_classic_histograms_to_nhcb, with the native-histograms flag), costs one series per combination whatever its edges",
    },
};
