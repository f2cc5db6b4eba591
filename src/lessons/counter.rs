//! Counter: a single number that only ever goes up (or resets to zero when the process restarts).
//!
//! **What it is.** A running total of things that happened: requests served, bytes sent, clicks.
//!
//! **How it differs from a gauge.** Its raw value means little; what you graph is its rate,
//! `rate(tour_clicks_total[1m])`, which also survives restarts. Refusing a negative increment is
//! what keeps `rate()` honest: a counter that went down would look like a restart.
//!
//! **Typical use.** Anything you would ask "how often?" of; name it with `_total`.
//!
//! **How to make one.** `Counter::new("tour_clicks_total", help)`, registered in [`crate::state`].

use poem::{handler, web::Data, Body, Request, Response};

use crate::{
    exposition,
    http::{
        bad_input::{stays_finite, BadInput},
        params::Params,
        reply,
        traceparent::TraceId,
    },
    state::AppState,
    tour::snapshot::Point,
};

/// `POST /counter[?by=N]`: adds 1, or `N`, to `tour_clicks_total`, the request's trace becoming its
/// exemplar.
#[handler]
pub async fn increment(
    req: &Request,
    body: Body,
    Data(state): Data<&AppState>,
) -> Result<Response, BadInput> {
    let by = Params::read(req, body)
        .await?
        .increment("a counter only goes up: to go down, use a gauge (POST /gauge/dec)")?;
    let trace = TraceId::of(req);
    let clicks = &state.metrics.clicks;
    let _one_at_a_time = state.one_update_at_a_time();
    stays_finite(
        "tour_clicks_total",
        clicks.get() + by,
        &format!("by={by:e}"),
    )?;
    clicks.inc_by(by);
    state.metrics.exemplars.clicks.record(by, trace.as_str());
    Ok(trace.answer(reply::updated(
        req,
        format!(
            "tour_clicks_total is now {}",
            exposition::float(clicks.get())
        ),
    )))
}

/// `POST /counter/restart`: the counter demo restarts as its process would: `tour_clicks_total`
/// back to 0, `tour_clicks_created` moved to now, and no exemplar until the next click (a new
/// process has seen no request yet). Prometheus sees the raw value fall, and `rate()` and
/// `increase()` read the fall as a reset and carry on.
#[handler]
pub async fn restart(
    req: &Request,
    body: Body,
    Data(state): Data<&AppState>,
) -> Result<Response, BadInput> {
    Params::read(req, body).await?;
    // Under the update lock, so no click lands between the reset and the cleared exemplar.
    let _one_at_a_time = state.one_update_at_a_time();
    state.metrics.clicks.reset();
    state.metrics.clicks_created.reset();
    state.metrics.exemplars.clicks.clear();
    Ok(reply::updated(
        req,
        "tour_clicks_total restarted at 0, as a new process starts it; rate() and increase() read the fall as a reset".to_owned(),
    ))
}

/// How much a counter grew over `points` (oldest first), reading any fall as a restart at 0 and
/// counting from there, as `increase()` does (without its extrapolation to the range's edges).
pub fn increase(points: &[Point]) -> f64 {
    points
        .windows(2)
        .map(|pair| {
            let (before, after) = (pair[0].value, pair[1].value);
            if after >= before {
                after - before
            } else {
                after
            }
        })
        .sum()
}

/// `rate(counter[range])` evaluated `at` seconds ago from the tour's own samples: the [`increase`]
/// of the samples in the range, per second of the time they span; `None` with fewer than two.
pub fn rate(points: &[Point], at: f64, range: f64) -> Option<f64> {
    let inside: Vec<Point> = points
        .iter()
        .copied()
        .filter(|p| p.seconds_ago >= at && p.seconds_ago <= at + range)
        .collect();
    let span = inside.first()?.seconds_ago - inside.last()?.seconds_ago;
    (inside.len() >= 2 && span > 0.0).then(|| increase(&inside) / span)
}

/// [`rate`] over `range` at each sample of the last `window` seconds: the line Prometheus would
/// graph for `rate(tour_clicks_total[range])`.
pub fn rate_over_time(points: &[Point], range: f64, window: f64) -> Vec<Point> {
    points
        .iter()
        .filter(|p| p.seconds_ago <= window)
        .filter_map(|p| {
            Some(Point {
                seconds_ago: p.seconds_ago,
                value: rate(points, p.seconds_ago, range)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(values: &[f64]) -> Vec<Point> {
        let last = values.len() as f64 - 1.0;
        values
            .iter()
            .enumerate()
            .map(|(i, &value)| Point {
                seconds_ago: last - i as f64,
                value,
            })
            .collect()
    }

    #[test]
    fn a_fall_is_read_as_a_restart_and_counting_carries_on() {
        // 100 -> 120, restart, 0 -> 3: an increase of 20 + 3, never negative.
        let clicks = points(&[100.0, 110.0, 120.0, 0.0, 3.0]);
        assert_eq!(increase(&clicks), 23.0);
        assert_eq!(rate(&clicks, 0.0, 60.0), Some(23.0 / 4.0));
    }

    #[test]
    fn a_short_range_follows_each_step_and_a_long_one_smooths_it() {
        // Ten quiet seconds, then ten clicks a second for five seconds.
        let mut values = vec![0.0; 10];
        values.extend([10.0, 20.0, 30.0, 40.0, 50.0]);
        let clicks = points(&values);
        assert_eq!(rate(&clicks, 0.0, 4.0), Some(10.0));
        assert_eq!(rate(&clicks, 0.0, 14.0), Some(50.0 / 14.0));
        assert_eq!(rate(&clicks, 20.0, 14.0), None);
    }
}
