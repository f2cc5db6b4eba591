//! The anatomy lesson's questions: what OpenMetrics carries that the text format does not, and what
//! `_created` tells a scraper.

use super::ANATOMY;
use crate::tour::quiz::{Answer, Question};

pub const OPENMETRICS_EXTRAS: Question = Question {
    id: "openmetrics-extras",
    lesson: ANATOMY,
    ask: "Asked with Accept: application/openmetrics-text, the tour answers in OpenMetrics; a plain curl of /metrics gets the older text format. What does only the OpenMetrics answer have?",
    answer: Answer::Choice {
        choices: &[
            ("a", "# HELP and # TYPE lines."),
            ("b", "Labels, such as route=\"/tour/counter\"."),
            ("c", "A last line # EOF, _created samples and exemplars."),
        ],
        right: "c",
        why: "HELP, TYPE and labels are in both formats; OpenMetrics adds # EOF, so a scraper can tell a whole answer from one cut short, _created samples saying when a series began counting, and exemplars",
    },
};

pub const CREATED: Question = Question {
    id: "created",
    lesson: ANATOMY,
    ask: "A scraper reads tour_clicks_total 500 for the first time, and beside it tour_clicks_created, a Unix time 20 seconds ago. What does _created tell it?",
    answer: Answer::Choice {
        choices: &[
            ("a", "How many times the process has restarted."),
            ("b", "When the count began: these 500 clicks came in the last 20 seconds, not over days."),
            ("c", "When this sample was scraped."),
        ],
        right: "b",
        why: "_created is the time the series started counting from 0: without it, a first sample of 500 could mean 500 just now or 500 over days; POST /counter/restart moves it to the restart, as a new process would",
    },
};
