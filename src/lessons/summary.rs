//! `POST /summary`: the summary demo, observing response times with a long tail.
//!
//! Each value goes into the summary `tour_response_seconds` and, for the histogram-versus-summary
//! lesson, into the histogram `tour_response_bucketed_seconds` and the native histogram
//! `tour_response_native_seconds`: the same observations, three answers. The request's trace is
//! the bucketed histogram's exemplar.

use poem::{handler, web::Data, Body, Request, Response};
use rand::Rng;

use crate::{
    exposition,
    http::{
        bad_input::{shown, shows, BadInput},
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
                shown(&exposition::float(value))
            )))
        }
        Some(value) if value != 0.0 && !(SHORTEST_SECONDS..=LONGEST_SECONDS).contains(&value) => {
            return Err(BadInput::Parameter(format!(
                "value={} is outside the response times this demo takes: send 0, or from 6e-08 \
                 (2^-24) to 86400 seconds (a day), where the summary and native histogram are accurate",
                shown(&exposition::float(value))
            )))
        }
        Some(value) => value,
        None => simulated_response_seconds(&mut rand::rng()),
    };
    let trace = TraceId::of(req);
    let metrics = &state.metrics;
    let _one_at_a_time = state.one_update_at_a_time();
    let update = format!("value={seconds:e}");
    shows(
        "tour_response_seconds_sum",
        metrics.response.sum(),
        seconds,
        &update,
    )?;
    shows(
        "tour_response_bucketed_seconds_sum",
        metrics.response_histogram.get_sample_sum(),
        seconds,
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
        format!(
            "observed {} seconds in tour_response_seconds",
            exposition::float(seconds)
        ),
    )))
}

/// The shortest response time observed other than 0: 2^-24 s (60 ns), the summary's smallest bin.
/// The summary and the native histogram are accurate from 2^-24 to 2^24 s (194 days).
pub const SHORTEST_SECONDS: f64 = 1.0 / (1u64 << 24) as f64;
/// The longest: a day. No lesson's response takes longer, and the cap keeps `_sum` far from the
/// size where a sub-second observation would be absorbed.
pub const LONGEST_SECONDS: f64 = 86_400.0;

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
