//! Comparing a learner's result with the reference's, and saying only what a learner needs: the
//! same or different series, which values differ, in one short line.
//!
//! The line quotes the expected answer's series (the tour's own, from the quiz's reference query)
//! and numbers, never the learner's series: a query's labels can carry anything it could read or
//! build (`label_replace` makes a label as long as it likes), and the line goes to a cookie and a
//! screen.

use std::collections::BTreeMap;

use super::client::{QueryResult, Sample};
use crate::exposition::float;

/// How close two values must be to count as the same: equivalent queries may sum in another order.
pub const TOLERANCE: f64 = 1e-6;
/// The longest line a comparison says, in characters: it must fit a cookie and a screen.
pub const MAX_LINE: usize = 160;

/// `Ok` when the learner's result holds the same series as the reference's, with values within
/// [`TOLERANCE`]; else what differs, in at most [`MAX_LINE`] characters.
pub fn compare(learner: &QueryResult, reference: &QueryResult) -> Result<(), String> {
    let difference = match (learner, reference) {
        (QueryResult::Vector(mine), QueryResult::Vector(theirs)) => {
            compare_vectors(mine, theirs)
        }
        (QueryResult::Scalar(mine), QueryResult::Scalar(theirs)) => (!close(*mine, *theirs))
            .then(|| {
                format!(
                    "yours gives {}, the expected answer {}",
                    float(*mine),
                    float(*theirs)
                )
            }),
        (QueryResult::Other(kind), _) if kind == "matrix" => Some(
            "yours gives a range vector (every sample in the range): wrap it in a function such as rate() for one value per series"
                .to_owned(),
        ),
        (mine, theirs) => Some(format!(
            "yours gives {}, the expected answer {}",
            kind(mine),
            kind(theirs)
        )),
    };
    match difference {
        None => Ok(()),
        Some(difference) => Err(cut(&difference, MAX_LINE)),
    }
}

/// The first difference between two vectors, or `None`.
fn compare_vectors(mine: &[Sample], theirs: &[Sample]) -> Option<String> {
    let has = |samples: &[Sample], labels: &BTreeMap<String, String>| {
        samples.iter().any(|sample| &sample.labels == labels)
    };
    let counts = format!("{} series against {}", mine.len(), theirs.len());
    if let Some(missing) = theirs.iter().find(|t| !has(mine, &t.labels)) {
        return Some(format!(
            "the expected answer has the series {} that yours has not ({counts})",
            cut(&labels(&missing.labels), 60)
        ));
    }
    let extra = mine.iter().filter(|s| !has(theirs, &s.labels)).count();
    if extra > 0 {
        return Some(format!(
            "yours has {extra} series that the expected answer has not ({counts}); check which labels yours keeps"
        ));
    }
    let differ: Vec<(&Sample, &Sample)> = theirs
        .iter()
        .filter_map(|t| Some((mine.iter().find(|s| s.labels == t.labels)?, t)))
        .filter(|(s, t)| !close(s.value, t.value))
        .collect();
    let (s, t) = differ.first()?;
    Some(format!(
        "the same series, but {} of {} values differ: {} is {} in yours and {} in the expected answer",
        differ.len(),
        theirs.len(),
        cut(&labels(&t.labels), 60),
        float(s.value),
        float(t.value)
    ))
}

/// Equal within [`TOLERANCE`], relative to the larger; `NaN` matches `NaN`, as a missing estimate does.
fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= TOLERANCE * a.abs().max(b.abs())
}

fn kind(result: &QueryResult) -> String {
    match result {
        QueryResult::Vector(samples) => format!("an instant vector of {} series", samples.len()),
        QueryResult::Scalar(_) => "a scalar".to_owned(),
        QueryResult::Other(kind) => format!("a {}", cut(kind, 20)),
    }
}

/// Labels as PromQL writes a selector: `name{a="1", b="2"}`.
pub fn labels(labels: &BTreeMap<String, String>) -> String {
    let name = labels.get("__name__").map_or("", String::as_str);
    let pairs: Vec<String> = labels
        .iter()
        .filter(|(key, _)| *key != "__name__")
        .map(|(key, value)| format!("{key}={value:?}"))
        .collect();
    format!("{name}{{{}}}", pairs.join(", "))
}

/// `text` on one line, at most `max` characters, with `...` when cut.
pub fn cut(text: &str, max: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(max.saturating_sub(3)) {
        Some((at, _)) if line.chars().count() > max => format!("{}...", &line[..at]),
        _ => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(labels: &[(&str, &str)], value: f64) -> Sample {
        Sample {
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            value,
        }
    }

    #[test]
    fn the_same_series_in_another_order_and_rounding_compare_equal() {
        let mine = QueryResult::Vector(vec![
            series(&[("le", "2")], 0.30000000000000004),
            series(&[("le", "1")], f64::NAN),
        ]);
        let theirs = QueryResult::Vector(vec![
            series(&[("le", "1")], f64::NAN),
            series(&[("le", "2")], 0.3),
        ]);
        assert_eq!(compare(&mine, &theirs), Ok(()));
    }

    #[test]
    fn a_missing_series_or_another_value_is_named_from_the_expected_answer() {
        let theirs = QueryResult::Vector(vec![series(&[("le", "1")], 2.0)]);
        let summed = QueryResult::Vector(vec![series(&[], 2.0)]);
        let off = QueryResult::Vector(vec![series(&[("le", "1")], 2.1)]);
        assert!(compare(&summed, &theirs)
            .unwrap_err()
            .contains(r#"the series {le="1"} that yours has not"#));
        let off = compare(&off, &theirs).unwrap_err();
        assert!(
            off.contains("1 of 1 values differ") && off.contains("2.1"),
            "{off}"
        );
    }

    #[test]
    fn the_learners_own_series_are_counted_never_quoted() {
        let secret = "x".repeat(40_000);
        let theirs = QueryResult::Vector(vec![series(&[("le", "1")], 2.0)]);
        let mine = QueryResult::Vector(vec![
            series(&[("le", "1")], 2.0),
            series(&[("version", &secret)], 1.0),
            series(&[("le", "1"), ("job", "prometheus")], 1.0),
        ]);
        let difference = compare(&mine, &theirs).unwrap_err();
        assert!(difference.starts_with("yours has 2 series that the expected answer has not"));
        assert!(!difference.contains("xxx") && !difference.contains("prometheus"));
        assert!(difference.chars().count() <= MAX_LINE, "{difference}");
    }

    #[test]
    fn every_difference_fits_one_short_line() {
        let long = "y".repeat(10_000);
        let theirs = QueryResult::Vector(vec![series(&[("route", &long)], 1.0)]);
        for mine in [
            QueryResult::Vector(Vec::new()),
            QueryResult::Vector(vec![series(&[("route", &long)], f64::MAX)]),
            QueryResult::Scalar(f64::MIN_POSITIVE),
            QueryResult::Other(long.clone()),
        ] {
            let difference = compare(&mine, &theirs).unwrap_err();
            assert!(difference.chars().count() <= MAX_LINE, "{difference}");
            assert_eq!(difference.lines().count(), 1);
        }
    }
}
