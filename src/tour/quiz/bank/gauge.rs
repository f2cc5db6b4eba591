//! The gauge lesson's questions: a value that goes both ways, and why rate() of it is wrong.

use super::GAUGE;
use crate::tour::quiz::live::{reads, recent_value};
use crate::tour::quiz::{Answer, Question, Verdict};
use crate::tour::snapshot::Snapshot;

pub const GAUGE_PREDICT: Question = Question {
    id: "gauge-predict",
    lesson: GAUGE,
    ask: "Press Warmer twice and Colder once (POST /gauge/inc twice, POST /gauge/dec once), then: what does tour_temperature_celsius read?",
    answer: Answer::Live { shows: |s| reads("tour_temperature_celsius", s.temperature), judge: temperature_now },
};

pub const RATE_OF_GAUGE: Question = Question {
    id: "rate-of-gauge",
    lesson: GAUGE,
    ask: "Spot the mistake: which of these queries is wrong?",
    answer: Answer::Choice {
        choices: &[
            ("a", "rate(tour_clicks_total[5m])"),
            ("b", "rate(tour_temperature_celsius[5m])"),
            ("c", "max_over_time(tour_temperature_celsius[10m])"),
        ],
        right: "b",
        why: "rate() is for counters: it reads each fall of a gauge as a restart, so a cooling room looks like a warming one; for a gauge use deriv() or delta()",
    },
};

fn temperature_now(s: &Snapshot, answer: f64) -> Verdict {
    recent_value(
        "tour_temperature_celsius",
        s.temperature,
        &s.temperature_history,
        answer,
        &s.origin,
    )
}
