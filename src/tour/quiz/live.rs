//! Judging an answer read from a live value: the value now, or one it held a moment ago; and how
//! the quiz spells numbers, the tour's rounded for people and the learner's as `/metrics` would.

use crate::{exposition, templates, tour::snapshot::Point};

use super::Verdict;

/// How long ago a value may have been read and still count: answering takes a few seconds, and
/// others in the room may click meanwhile.
const RECENT_SECONDS: f64 = 15.0;

/// A value of the tour's for people: the pages' rounding (`27.067`, not `27.067000000000007`), or
/// for a huge or tiny one the short spelling of `/metrics` (`1e+308`, not 309 digits).
pub(super) fn for_people(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude != 0.0 && !(1e-6..1e15).contains(&magnitude) {
        exposition::float(value)
    } else {
        templates::rounded(value)
    }
}

/// A learner's number quoted back, spelled as `/metrics` spells it: never longer than a few dozen
/// characters, whatever digits were sent.
pub(super) fn echoed(answer: f64) -> String {
    exposition::float(answer)
}

/// True when `answer` is `value`, as `/metrics` shows it or as the quiz printed it rounded.
fn same(value: f64, answer: f64) -> bool {
    (value - answer).abs() < 1e-9 || for_people(value).parse::<f64>() == Ok(answer)
}

pub(super) fn reads(name: &str, value: Option<f64>) -> String {
    match value {
        Some(value) => format!("{name} reads {} now.", for_people(value)),
        None => format!("{name} is not in the registry."),
    }
}

/// Right when `answer` is the value now, or one it held in the last [`RECENT_SECONDS`]; the
/// verdict names the value the answer matched and, when that was earlier, what it reads now.
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
    if same(now, answer) {
        return Verdict::Correct(format!(
            "{name} reads {}: it holds exactly what was done to it, nothing more",
            for_people(now)
        ));
    }
    let held = history
        .iter()
        .filter(|point| point.seconds_ago <= RECENT_SECONDS)
        .find(|point| same(point.value, answer));
    match held {
        Some(point) => Verdict::Correct(format!(
            "{name} read {} {} s ago, as you say; it reads {} now, because others changed it since",
            for_people(point.value),
            point.seconds_ago.round(),
            for_people(now)
        )),
        None => Verdict::NotYet(format!(
            "{name} reads {}, not {}; read it with curl -s -g '{origin}/metrics?name[]={name}' (others may be changing it too)",
            for_people(now),
            echoed(answer)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_for_people_and_echoes_short_as_metrics_spells_them() {
        assert_eq!(for_people(27.067000000000007), "27.067");
        assert_eq!(for_people(1.7e308), "1.7e+308");
        assert_eq!(for_people(1e-9), "1e-09");
        assert_eq!(for_people(0.0), "0");
        assert_eq!(echoed(1.7e308), "1.7e+308");
        assert_eq!(echoed(f64::NAN), "NaN");
    }
}
