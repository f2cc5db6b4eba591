//! Gauge: a single number that goes up and down, a value you can read at any moment.
//!
//! **What it is.** A level: a temperature, a queue's length, uploads in progress.
//!
//! **How it differs from a counter.** Its value is the answer (graph it, or take
//! `max_over_time`); `rate()` of a gauge means nothing, though Prometheus will compute it.
//!
//! **Typical use.** Something you would ask "how much, right now?" of.
//!
//! **How to make one.** `Gauge::new("tour_temperature_celsius", help)`, registered in
//! [`crate::state`]. Setting it from a drop guard, as [`InProgress`] does, keeps it from staying
//! raised when a client hangs up mid-request.

use poem::{handler, web::Data, Body, Request, Response};
use prometheus::IntGauge;

use crate::{
    exposition,
    http::{
        bad_input::{shows, BadInput},
        params::Params,
        reply,
    },
    state::AppState,
};

/// `POST /gauge/inc[?by=N]`: raises `tour_temperature_celsius` by 1, or `N`.
#[handler]
pub async fn inc(
    req: &Request,
    body: Body,
    Data(state): Data<&AppState>,
) -> Result<Response, BadInput> {
    let by = Params::read(req, body)
        .await?
        .increment("to lower the gauge, use POST /gauge/dec with a positive by")?;
    step(state, by, by)?;
    Ok(answer(req, state))
}

/// `POST /gauge/dec[?by=N]`: lowers `tour_temperature_celsius` by 1, or `N`.
#[handler]
pub async fn dec(
    req: &Request,
    body: Body,
    Data(state): Data<&AppState>,
) -> Result<Response, BadInput> {
    let by = Params::read(req, body)
        .await?
        .increment("to raise the gauge, use POST /gauge/inc with a positive by")?;
    step(state, -by, by)?;
    Ok(answer(req, state))
}

/// Adds `delta` to the temperature, unless the gauge could not show it (see [`shows`]); `by` is
/// the step as the client sent it, for the refusal.
fn step(state: &AppState, delta: f64, by: f64) -> Result<(), BadInput> {
    let temperature = &state.metrics.temperature;
    let _one_at_a_time = state.one_update_at_a_time();
    shows(
        "tour_temperature_celsius",
        temperature.get(),
        delta,
        &format!("by={by:e}"),
    )?;
    temperature.add(delta);
    Ok(())
}

/// `POST /gauge/set?value=V`: sets `tour_temperature_celsius` to `V`, which may be negative. It
/// waits for the update lock as `inc` and `dec` do, so it cannot land between their check and
/// their add and turn a checked step into an infinity.
#[handler]
pub async fn set(
    req: &Request,
    body: Body,
    Data(state): Data<&AppState>,
) -> Result<Response, BadInput> {
    let value = Params::read(req, body)
        .await?
        .number("value")?
        .ok_or_else(|| {
            BadInput::Parameter(
                "POST /gauge/set needs a value, like /gauge/set?value=21.5".to_owned(),
            )
        })?;
    let _one_at_a_time = state.one_update_at_a_time();
    state.metrics.temperature.set(value);
    Ok(answer(req, state))
}

fn answer(req: &Request, state: &AppState) -> Response {
    let now = state.metrics.temperature.get();
    reply::updated(
        req,
        format!("tour_temperature_celsius is now {}", exposition::float(now)),
    )
}

/// Holds a gauge one higher while alive; `Drop` lowers it on every exit, a cancelled request included.
pub struct InProgress(IntGauge);

impl InProgress {
    /// Raises `gauge` until the returned guard is dropped.
    pub fn enter(gauge: &IntGauge) -> Self {
        gauge.inc();
        InProgress(gauge.clone())
    }
}

impl Drop for InProgress {
    fn drop(&mut self) {
        self.0.dec();
    }
}
