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
        bad_input::{shown, shows, BadInput},
        params::Params,
        reply,
        traceparent::TraceId,
    },
    state::AppState,
    tour::snapshot::Point,
};

/// The largest `by` a click takes. No lesson needs more, and one step of 1e17 would leave every
/// later click absorbed (1e17 + 1 is 1e17 in a float): `rate()` would read 0 until a restart.
pub const LARGEST_STEP: f64 = 1e9;

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
    if by > LARGEST_STEP {
        return Err(BadInput::Parameter(format!(
            "by={} is more than a click counter takes in one step; send a by from 0 to 1e9",
            shown(&exposition::float(by))
        )));
    }
    let trace = TraceId::of(req);
    let clicks = &state.metrics.clicks;
    let _one_at_a_time = state.one_update_at_a_time();
    shows("tour_clicks_total", clicks.get(), by, &format!("by={by:e}"))?;
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
/// counting from there, as `increase()` does before it extrapolates to the range's edges.
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

/// `rate(counter[range])` evaluated `at` seconds ago, as Prometheus 3 computes it (v3.5.0's
/// `extrapolatedRate`) from the tour's own samples, as though it had scraped them; `None` with fewer
/// than two samples in the range.
///
/// The range is left-open, as since 3.0: a sample exactly `range` before is left out (2.42 kept
/// it). The [`increase`] of the samples is stretched toward each edge of the range: all the way when
/// the nearest sample lies within 1.1 average sample intervals of it, else by half an interval
/// (the series is taken to start or end there), and never back past where the counter would have
/// been 0. Divided by the whole range, not by the time the samples span: a counter only a minute
/// old has a `[5m]` rate of a fifth of its `[1m]` one.
pub fn rate(points: &[Point], at: f64, range: f64) -> Option<f64> {
    let inside: Vec<Point> = points
        .iter()
        .copied()
        .filter(|p| p.seconds_ago >= at && p.seconds_ago < at + range)
        .collect();
    let (first, last) = (inside.first()?, inside.last()?);
    let sampled = first.seconds_ago - last.seconds_ago;
    if inside.len() < 2 || sampled <= 0.0 {
        return None;
    }
    let increase = increase(&inside);
    let average = sampled / (inside.len() - 1) as f64;
    let near = average * 1.1;
    let mut to_start = at + range - first.seconds_ago;
    if to_start >= near {
        to_start = average / 2.0;
    }
    if increase > 0.0 && first.value >= 0.0 {
        to_start = to_start.min(sampled * first.value / increase);
    }
    let mut to_end = last.seconds_ago - at;
    if to_end >= near {
        to_end = average / 2.0;
    }
    Some(increase * (sampled + to_start + to_end) / sampled / range)
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

    /// One sample a second, the last one now.
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

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    // Every expected rate below is what promtool 3.5.3 (`promtool test rules`) evaluates for the
    // same samples, one a second, at the time of the last.

    #[test]
    fn a_fall_is_read_as_a_restart_and_counting_carries_on() {
        // 100 -> 120, restart, 0 -> 3: an increase of 20 + 3, never negative.
        let clicks = points(&[100.0, 110.0, 120.0, 0.0, 3.0]);
        assert_eq!(increase(&clicks), 23.0);
        assert!(close(rate(&clicks, 0.0, 60.0), 0.43125));
    }

    #[test]
    fn a_counter_a_minute_old_has_a_5m_rate_over_the_whole_range_as_prometheus_answers() {
        // Two clicks a second since the tour started, 60 s ago.
        let values: Vec<f64> = (0..=60).map(|i| 2.0 * f64::from(i)).collect();
        let clicks = points(&values);
        assert!(close(rate(&clicks, 0.0, 300.0), 0.4));
        assert!(close(rate(&clicks, 0.0, 60.0), 2.0));
    }

    #[test]
    fn a_series_that_starts_inside_the_range_is_stretched_half_an_interval() {
        // Nothing for 30 s, then 50 growing by 3 a second.
        let values: Vec<f64> = (0..=30).map(|i| 50.0 + 3.0 * f64::from(i)).collect();
        let clicks = points(&values);
        assert!(close(rate(&clicks, 0.0, 60.0), 1.525));
        assert!(close(rate(&clicks, 15.0, 20.0), 2.325));
        assert_eq!(rate(&clicks, 40.0, 14.0), None);
    }

    #[test]
    fn a_sample_on_the_ranges_start_is_left_out_as_since_prometheus_3() {
        // A jump of 100 in the first second, then nothing: over [1m] at 60 s the jump's first
        // sample lies on the range's start. Prometheus 2.42 kept it and answered 1.67.
        let mut values = vec![0.0];
        values.extend([100.0; 60]);
        assert_eq!(rate(&points(&values), 0.0, 60.0), Some(0.0));
    }
}
