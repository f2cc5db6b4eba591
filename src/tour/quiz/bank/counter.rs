//! The counter lesson's questions: reading one, refusing a fall, restarts, and the range rate() needs.

use super::COUNTER;
use crate::tour::quiz::live::{reads, recent_value};
use crate::tour::quiz::{Answer, Question, Verdict};
use crate::tour::snapshot::Snapshot;

pub const CLICKS_PREDICT: Question = Question {
    id: "clicks-predict",
    lesson: COUNTER,
    ask: "Click the counter three times (the button on the counter page, or POST /counter three times), then: what does tour_clicks_total read?",
    answer: Answer::Live { shows: |s| reads("tour_clicks_total", s.clicks), judge: clicks_now },
};

pub const COUNTER_NEGATIVE: Question = Question {
    id: "counter-negative",
    lesson: COUNTER,
    ask: "What does POST /counter?by=-1 do?",
    answer: Answer::Choice {
        choices: &[
            ("a", "It takes 1 off tour_clicks_total."),
            ("b", "It is refused with a 400, and nothing changes."),
            ("c", "It sets tour_clicks_total back to 0."),
        ],
        right: "b",
        why: "a counter only goes up; a fall would look like a restart to rate(), so the tour refuses it and changes nothing",
    },
};

pub const COUNTER_RESTART: Question = Question {
    id: "counter-restart",
    lesson: COUNTER,
    ask: "Within five minutes, tour_clicks_total climbs from 100 to 120, the process restarts, and it climbs from 0 to 3. Roughly what does increase(tour_clicks_total[5m]) say?",
    answer: Answer::Choice {
        choices: &[
            ("a", "About -97: it ended 97 below where it started."),
            ("b", "About 23: the 20 before the restart and the 3 after."),
            ("c", "About 3: only what the new process counted."),
        ],
        right: "b",
        why: "increase() and rate() read any fall as a restart to 0 and carry on from there, so 20 + 3; about, because increase() extrapolates to the edges of the range",
    },
};

pub const RATE_RANGE: Question = Question {
    id: "rate-range",
    lesson: COUNTER,
    ask: "Prometheus scrapes the tour every 15 seconds. Which is the shortest range the rule of thumb allows in rate(tour_clicks_total[...])?",
    answer: Answer::Choice {
        choices: &[("a", "15s"), ("b", "30s"), ("c", "1m"), ("d", "5m")],
        right: "c",
        why: "at least four times the scrape interval, 4 × 15 s = 1m: rate() needs two samples in the range, and four intervals still hold two when a scrape or two fails",
    },
};

pub const QUERY_CLICKS_RATE: Question = Question {
    id: "query-clicks-rate",
    lesson: COUNTER,
    ask: "Write the PromQL for how many clicks a second tour_clicks_total counts on the tour Prometheus scrapes as job \"tour\", averaged over the last five minutes.",
    answer: Answer::Query { reference: "rate(tour_clicks_total{job=\"tour\"}[5m])" },
};

fn clicks_now(s: &Snapshot, answer: f64) -> Verdict {
    recent_value(
        "tour_clicks_total",
        s.clicks,
        &s.clicks_history,
        answer,
        &s.origin,
    )
}
