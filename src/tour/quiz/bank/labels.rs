//! The labels lesson's questions: which label values are safe, and how routes keep the series few.

use super::LABELS;
use crate::tour::quiz::live::echoed;
use crate::tour::quiz::{Answer, Question, Verdict};
use crate::tour::snapshot::Snapshot;

pub const LABEL_USER_ID: Question = Question {
    id: "label-user-id",
    lesson: LABELS,
    ask: "Spot the mistake: which label would you never put on http_requests_total?",
    answer: Answer::Choice {
        choices: &[
            ("a", "route=\"/tour/counter\""),
            ("b", "status=\"404\""),
            ("c", "user_id=\"48213\""),
        ],
        right: "c",
        why: "each label combination is a series of its own, so every new user would add series that Prometheus keeps in memory and in its index; a label takes a few, fixed values",
    },
};

pub const ROUTE_PATTERN: Question = Question {
    id: "route-pattern",
    lesson: LABELS,
    ask: "You answer POST /quiz/clicks-predict, then POST /quiz/gauge-predict. Which route label do those two requests get in http_requests_total?",
    answer: Answer::Choice {
        choices: &[
            ("a", "route=\"/quiz/clicks-predict\" and route=\"/quiz/gauge-predict\": one series each."),
            ("b", "route=\"/quiz/:id\" for both: one series."),
            ("c", "No route label at all."),
        ],
        right: "b",
        why: "the label is the route's pattern, never the path as sent, so no request can add a series by choosing its path",
    },
};

pub const UNMATCHED_SERIES: Question = Question {
    id: "unmatched-series",
    lesson: LABELS,
    ask: "Ask for three paths the tour does not have, /no-such-page-1, -2 and -3 (in the browser, or with curl as below). How many series of http_requests_total have method=\"GET\" and route=\"unmatched\" now?",
    answer: Answer::Live { shows: unmatched_series_now, judge: unmatched_series },
};

pub const QUERY_REQUESTS_BY_ROUTE: Question = Question {
    id: "query-requests-by-route",
    lesson: LABELS,
    ask: "Write the PromQL for requests a second to job \"tour\" over the last five minutes, one series per route, every method, status and instance summed.",
    answer: Answer::Query { reference: "sum by (route) (rate(http_requests_total{job=\"tour\"}[5m]))" },
};

/// The series of `http_requests_total` with `method="GET"` and `route="unmatched"`.
fn unmatched(s: &Snapshot) -> usize {
    s.http_requests
        .iter()
        .filter(|series| {
            series.label("method") == Some("GET") && series.label("route") == Some("unmatched")
        })
        .count()
}

fn unmatched_series_now(s: &Snapshot) -> String {
    let origin = &s.origin;
    format!(
        "Ask with curl -s {origin}/no-such-page-1 (then -2 and -3), then look for them in curl -s -g '{origin}/metrics?name[]=http_requests_total'."
    )
}

fn unmatched_series(s: &Snapshot, answer: f64) -> Verdict {
    let count = unmatched(s);
    if count as f64 == answer {
        Verdict::Correct(format!(
            "{count} series: every unknown path gets route=\"unmatched\", so a thousand different paths add one series per status, not a thousand"
        ))
    } else {
        Verdict::NotYet(format!(
            "there are {count} such series, not {}: every unknown path gets the same route=\"unmatched\", whatever path was sent",
            echoed(answer)
        ))
    }
}
