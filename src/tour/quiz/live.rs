//! Judging an answer read from a live value: the value now, or one it held a moment ago.

use crate::{exposition, tour::snapshot::Point};

use super::Verdict;

/// How long ago a value may have been read and still count: answering takes a few seconds, and
/// others in the room may click meanwhile.
const RECENT_SECONDS: f64 = 15.0;

pub(super) fn reads(name: &str, value: Option<f64>) -> String {
    match value {
        Some(value) => format!("{name} reads {} now.", exposition::float(value)),
        None => format!("{name} is not in the registry."),
    }
}

/// Right when `answer` is the value now, or one it held in the last [`RECENT_SECONDS`].
pub(super) fn recent_value(
    name: &str,
    now: Option<f64>,
    history: &[Point],
    answer: f64,
    origin: &str,
) -> Verdict {
    let Some(now) = now else {
        return Verdict::NotYet(format!("{name} is not in the registry"));
    };
    let held = history
        .iter()
        .filter(|point| point.seconds_ago <= RECENT_SECONDS)
        .any(|point| (point.value - answer).abs() < 1e-9);
    if (now - answer).abs() < 1e-9 || held {
        Verdict::Correct(format!(
            "{name} reads {}: it holds exactly what was done to it, nothing more",
            exposition::float(now)
        ))
    } else {
        Verdict::NotYet(format!(
            "{name} reads {}, not {}; read it with curl -s -g '{origin}/metrics?name[]={name}' (others may be changing it too)",
            exposition::float(now),
            exposition::float(answer)
        ))
    }
}
