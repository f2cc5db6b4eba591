//! Staleness: how Prometheus learns that a series has stopped, and the first increment it cannot see.
//!
//! **What it is.** When a scrape no longer finds a series that the last one found, or the scrape of
//! its target fails, Prometheus writes a staleness marker (a special NaN) at that scrape's time, and
//! an instant query stops returning the series from then on.
//!
//! **How it differs from the lookback.** Without a marker, an instant query finds a series' last
//! sample for up to five minutes (the lookback) after it was taken; samples exposed with their own
//! timestamps get no marker, so for them the five minutes are what you see. Range functions such as
//! `last_over_time` skip the markers and still read the samples before them.
//!
//! **Typical use.** A series that comes and goes: here the shift on duty, `tour_shift_workers{shift}`,
//! whose series is removed when the shift ends ([`end_shift`]). And a series that comes: each
//! shift's `tour_shift_starts_total{shift}` is born at 1 with its first start, so `increase()`,
//! which needs two samples, misses that first 1.
//!
//! **How to make one.** Remove a labelled series (`GaugeVec::remove_label_values`) when what it
//! measures is gone; watch a target with `up`, never with the absence of its series. The metrics
//! are registered in [`crate::state`]; the tour's clock is `POST /shift/end`, pressed by hand or
//! every [`crate::traffic::SHIFT_LENGTH`] by `--traffic`.

use poem::{handler, web::Data, Body, Request, Response};

use crate::{
    exposition::{self, extras::unix_now},
    http::{bad_input::BadInput, params::Params, reply},
    promql::client::{QueryError, QueryResult, Sample},
    state::{AppState, EndedShift, Roster, SHIFTS},
};

/// The queries the page asks `--prometheus`, each with what it shows.
pub const QUERIES: [(&str, &str); 3] = [
    (
        "tour_shift_workers",
        "An instant query: only the shift on duty, once a scrape has missed the one that ended.",
    ),
    (
        "last_over_time(tour_shift_workers[5m])",
        "A range function: it skips the staleness markers, so the ended shift is still here.",
    ),
    (
        "increase(tour_shift_starts_total[5m])",
        "The first start of a shift, the step from nothing to 1, is not in its increase.",
    ),
];

/// `POST /shift/end`: the shift on duty ends (its `tour_shift_workers` series is removed, so the
/// next scrape no longer finds it) and the other one starts (its series appears, and its
/// `tour_shift_starts_total` goes up by one, or is born at 1).
#[handler]
pub async fn end(
    req: &Request,
    body: Body,
    Data(state): Data<&AppState>,
) -> Result<Response, BadInput> {
    Params::read(req, body).await?;
    let ended = end_shift(state);
    let started = state.roster().on_duty;
    let starts = state
        .metrics
        .shift_starts
        .with_label_values(&[SHIFTS[started].name])
        .get();
    Ok(reply::updated(
        req,
        format!(
            "the {} shift ended: tour_shift_workers{{shift=\"{}\"}} is no longer exposed (its last value was {}); the {} shift is on duty, tour_shift_starts_total{{shift=\"{}\"}} is now {}",
            ended.shift.name,
            ended.shift.name,
            exposition::float(ended.workers),
            SHIFTS[started].name,
            SHIFTS[started].name,
            exposition::float(starts),
        ),
    ))
}

/// Hands over from the shift on duty to the other: the next shift's series first (so no scrape
/// finds neither), then the ended one's removed. A counter series born here records its `_created`
/// before its first increment, so no scrape sees the 1 without it.
pub fn end_shift(state: &AppState) -> EndedShift {
    let metrics = &state.metrics;
    let mut roster = state.roster();
    let now = unix_now();
    let ending = SHIFTS[roster.on_duty];
    let next = (roster.on_duty + 1) % SHIFTS.len();
    let starting = SHIFTS[next];
    metrics.shift_starts_created.born_now(&[starting.name]);
    metrics
        .shift_starts
        .with_label_values(&[starting.name])
        .inc();
    metrics
        .shift_workers
        .with_label_values(&[starting.name])
        .set(starting.workers);
    let workers = metrics
        .shift_workers
        .with_label_values(&[ending.name])
        .get();
    let _ = metrics.shift_workers.remove_label_values(&[ending.name]);
    let ended = EndedShift {
        shift: ending,
        workers,
        started: roster.since,
        ended: now,
    };
    *roster = Roster {
        on_duty: next,
        since: now,
        last_ended: Some(ended.clone()),
    };
    ended
}

/// What the page shows: the roster, the time it was read, and `--prometheus`' answers.
#[derive(Debug, Clone)]
pub struct Lesson {
    pub roster: Roster,
    pub now: f64,
    /// `None` without `--prometheus`.
    pub prometheus: Option<Asked>,
}

/// The answers of `--prometheus` to [`QUERIES`], in their order.
#[derive(Debug, Clone)]
pub struct Asked {
    pub base: String,
    pub answers: Vec<Result<Vec<Sample>, String>>,
}

/// Reads the roster and, with `--prometheus`, asks it [`QUERIES`], one at a time: each passes the
/// gate and holds one of `client`'s places in the cap on queries in flight, as a learner's would.
pub async fn lesson(state: &AppState, client: Option<std::net::IpAddr>) -> Lesson {
    let roster = state.roster().clone();
    let now = unix_now();
    let prometheus = match &state.prometheus {
        None => None,
        Some(api) => {
            let mut answers = Vec::with_capacity(QUERIES.len());
            for (query, _) in QUERIES {
                answers.push(ask(state, api, client, query, now).await);
            }
            Some(Asked {
                base: api.base().to_owned(),
                answers,
            })
        }
    };
    Lesson {
        roster,
        now,
        prometheus,
    }
}

/// One fixed query's series, or why there are none, in a sentence.
async fn ask(
    state: &AppState,
    api: &crate::promql::client::PrometheusApi,
    client: Option<std::net::IpAddr>,
    query: &str,
    now: f64,
) -> Result<Vec<Sample>, String> {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs_f64(now);
    let checked = state
        .gate
        .check(query, at)
        .map_err(|refusal| refusal.to_string())?;
    let reservation = api.reserve(client, 1).map_err(|busy| busy.message())?;
    match reservation.query(&checked, now).await {
        Ok(QueryResult::Vector(samples)) => Ok(samples),
        Ok(_) => Err("Prometheus answered something other than a vector".to_owned()),
        Err(QueryError::Refused(message)) => Err(format!("Prometheus refused it: {message}")),
        Err(QueryError::Unavailable(why)) => Err(format!("Prometheus could not be asked: {why}")),
        Err(QueryError::TimedOut) => Err("Prometheus did not answer in time".to_owned()),
        Err(QueryError::TooLarge) => Err("Prometheus' answer was too large".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn exposed(state: &AppState) -> String {
        let families = state.metrics.registry.gather();
        exposition::openmetrics::encode(&families, &state.metrics.extras())
    }

    #[test]
    fn ending_a_shift_removes_its_series_and_brings_the_other() {
        let state = AppState::new(Config::default());
        assert!(exposed(&state).contains("tour_shift_workers{shift=\"early\"} 4.0\n"));
        let ended = end_shift(&state);
        assert_eq!((ended.shift.name, ended.workers), ("early", 4.0));
        let text = exposed(&state);
        assert!(
            !text.contains("tour_shift_workers{shift=\"early\"}"),
            "{text}"
        );
        assert!(
            text.contains("tour_shift_workers{shift=\"late\"} 3.0\n"),
            "{text}"
        );
        assert_eq!(state.roster().last_ended, Some(ended));
        end_shift(&state);
        assert!(exposed(&state).contains("tour_shift_workers{shift=\"early\"} 4.0\n"));
    }

    #[test]
    fn a_shift_started_for_the_first_time_is_born_at_1_with_its_created() {
        let state = AppState::new(Config::default());
        assert!(!exposed(&state).contains("shift=\"late\""));
        let before = unix_now();
        end_shift(&state);
        let text = exposed(&state);
        assert!(
            text.contains("tour_shift_starts_total{shift=\"late\"} 1.0\n"),
            "{text}"
        );
        let created: f64 = text
            .lines()
            .find_map(|line| line.strip_prefix("tour_shift_starts_created{shift=\"late\"} "))
            .expect("the new series has its _created")
            .parse()
            .unwrap();
        assert!((before..=unix_now()).contains(&created), "{created}");
        // Its second start moves neither its birth nor anything but the count.
        end_shift(&state);
        end_shift(&state);
        assert!(exposed(&state).contains(&format!(
            "tour_shift_starts_created{{shift=\"late\"}} {}",
            exposition::float(created)
        )));
    }
}
