//! `POST /summary`: the summary demo, observing response times with a long tail.
//!
//! Each value goes into the summary `tour_response_seconds` and, for the histogram-versus-summary
//! lesson, into the histogram `tour_response_bucketed_seconds` and the native histogram
//! `tour_response_native_seconds`: the same observations, three answers. The request's trace is
//! the bucketed histogram's exemplar.

use poem::{handler, web::Data, Body, Request, Response};
use rand::Rng;

use crate::{
    http::{
        bad_input::{shown, stays_finite, BadInput},
        params::Params,
        reply,
        traceparent::TraceId,
    },
    state::AppState,
};

/// `POST /summary[?value=V]`: observes `V` seconds, or a simulated response time, and says which.
#[handler]
pub async fn observe(
    req: &Request,
    body: Body,
    Data(state): Data<&AppState>,
) -> Result<Response, BadInput> {
    let seconds = match Params::read(req, body).await?.number("value")? {
        Some(value) if value < 0.0 => {
            return Err(BadInput::Parameter(format!(
                "value={} is negative; a response time is 0 seconds or more",
                shown(&value.to_string())
            )))
        }
        Some(value) => value,
        None => simulated_response_seconds(&mut rand::rng()),
    };
    let trace = TraceId::of(req);
    let metrics = &state.metrics;
    let _one_at_a_time = state.one_update_at_a_time();
    let update = format!("value={seconds:e}");
    stays_finite(
        "tour_response_seconds_sum",
        metrics.response.sum() + seconds,
        &update,
    )?;
    stays_finite(
        "tour_response_bucketed_seconds_sum",
        metrics.response_histogram.get_sample_sum() + seconds,
        &update,
    )?;
    metrics.response.observe(seconds);
    metrics.response_histogram.observe(seconds);
    metrics.response_native.observe(seconds);
    state.kept_responses.keep(seconds);
    metrics
        .exemplars
        .response_histogram
        .record(seconds, trace.as_str());
    Ok(trace.answer(reply::updated(
        req,
        format!("observed {seconds} seconds in tour_response_seconds"),
    )))
}

/// The simulated response times' median, in seconds.
pub const MEDIAN_SECONDS: f64 = 0.1;
/// The spread of their logarithm (its standard deviation): the length of the tail.
pub const SPREAD: f64 = 0.9;

/// A response time from a log-normal distribution: a median of 100 ms and a long tail (p99 near
/// 800 ms), so the quantiles sit visibly apart from the mean (about 150 ms).
pub fn simulated_response_seconds(rng: &mut impl Rng) -> f64 {
    // Box-Muller: two uniform numbers make one standard normal one.
    let (u1, u2): (f64, f64) = (rng.random_range(f64::EPSILON..1.0), rng.random());
    let normal = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    MEDIAN_SECONDS * (SPREAD * normal).exp()
}
