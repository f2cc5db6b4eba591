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
    http::{
        bad_input::{stays_finite, BadInput},
        params::Params,
        reply,
    },
    state::AppState,
};

/// `POST /counter[?by=N]`: adds 1, or `N`, to `tour_clicks_total`.
#[handler]
pub async fn increment(
    req: &Request,
    body: Body,
    Data(state): Data<&AppState>,
) -> Result<Response, BadInput> {
    let by = Params::read(req, body)
        .await?
        .increment("a counter only goes up: to go down, use a gauge (POST /gauge/dec)")?;
    let clicks = &state.metrics.clicks;
    let _one_at_a_time = state.one_update_at_a_time();
    stays_finite(
        "tour_clicks_total",
        clicks.get() + by,
        &format!("by={by:e}"),
    )?;
    clicks.inc_by(by);
    Ok(reply::updated(
        req,
        format!("tour_clicks_total is now {}", clicks.get()),
    ))
}
