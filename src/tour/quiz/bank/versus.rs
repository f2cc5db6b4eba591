//! The histogram-versus-summary lesson's question: why percentiles never average.

use super::VERSUS;
use crate::tour::quiz::{Answer, Question};

pub const AVERAGE_QUANTILES: Question = Question {
    id: "average-quantiles",
    lesson: VERSUS,
    ask: "Spot the mistake: three instances report their 90th percentile upload time as 1.9 s, 1.9 s and 9.5 s. What is the fleet's 90th percentile?",
    answer: Answer::Choice {
        choices: &[
            ("a", "4.43 s, the average of the three."),
            ("b", "9.5 s, the largest."),
            ("c", "These three numbers cannot tell: sum the instances' buckets, then take histogram_quantile(0.9, ...)."),
        ],
        right: "c",
        why: "a percentile of percentiles is not a percentile: buckets add up across instances, so the fleet's answer comes from the summed buckets",
    },
};
