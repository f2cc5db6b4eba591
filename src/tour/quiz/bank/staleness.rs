//! The staleness lesson's questions: a series that stops leaves at the next scrape, `up` watches a
//! target, and a counter born at 1 loses its first increment.

use super::STALENESS;
use crate::tour::quiz::{Answer, Question};

pub const STALE_SERIES: Question = Question {
    id: "stale-series",
    lesson: STALENESS,
    ask: "Prometheus scrapes the tour every 15 seconds. POST /shift/end stops exposing tour_shift_workers{shift=\"early\"}. When does the instant query tour_shift_workers{shift=\"early\"} stop returning it?",
    answer: Answer::Choice {
        choices: &[
            ("a", "Five minutes after its last sample, when the lookback runs out."),
            ("b", "At the next scrape: the scrape no longer finds it and marks it stale."),
            ("c", "Never, until the tour restarts."),
        ],
        right: "b",
        why: "a scrape that no longer finds a series writes a staleness marker for it, and instant queries stop there, in Prometheus 3 and 2.42 alike; the five minutes apply only where no marker comes, as for a sample with its own timestamp, and range functions such as last_over_time skip the marker",
    },
};

pub const UP_WATCHES_TARGET: Question = Question {
    id: "up-watches-target",
    lesson: STALENESS,
    ask: "One tour of the classroom's fleet stops answering its scrapes. What does Prometheus show?",
    answer: Answer::Choice {
        choices: &[
            ("a", "Its series keep their last values for five minutes, then vanish; nothing else changes."),
            ("b", "Its series read 0 until it answers again."),
            ("c", "up for that target reads 0, and its series vanish from instant queries at that scrape."),
        ],
        right: "c",
        why: "a failed scrape writes up = 0 and marks every series of that target stale at once (Prometheus 3 and 2.42): alert on up == 0, which tells a dead target from a series that merely stopped",
    },
};

pub const FIRST_INCREMENT: Question = Question {
    id: "first-increment",
    lesson: STALENESS,
    ask: "tour_shift_starts_total{shift=\"late\"} first appears at 1 and stays there. Prometheus, started without feature flags, scrapes it for a minute. What does increase(tour_shift_starts_total{shift=\"late\"}[1m]) answer?",
    answer: Answer::Choice {
        choices: &[
            ("a", "1: the counter went from nothing to 1."),
            ("b", "0: every sample it has reads 1, so nothing rose between them."),
            ("c", "No answer: a counter must be seen at 0 first."),
        ],
        right: "b",
        why: "increase() and rate() see only the changes between the samples in the range, so the step from nothing to 1 is lost, in Prometheus 3 and 2.42; Prometheus 3's experimental --enable-feature=created-timestamp-zero-ingestion reads _created and stores a 0 before the first sample, so it counts about 1, when it scrapes the tour as OpenMetrics (as docs/prometheus.yml asks: the flag alone asks for protobuf first, and the tour's protobuf carries no created timestamp); 2.42 has no such flag",
    },
};
