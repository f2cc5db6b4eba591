//! The middleware that counts and times every request: `http_requests_total` and
//! `http_request_duration_seconds`, labelled by method, route pattern and status.
//!
//! A label value never comes from the request as sent: the route is the matched pattern (or
//! `unmatched`) and an unusual method is `other`, so ten thousand random paths add no series.

use poem::{http::Method, Endpoint, IntoResponse, PathPattern, Request, Response, Result};
use tokio::time::Instant;

use crate::state::Metrics;

/// The `route` label of a request that matched no route.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Calls `next`, then records the request with its route pattern, status and latency.
pub async fn record<E: Endpoint>(next: E, req: Request, metrics: Metrics) -> Result<Response> {
    let method = method_label(req.method());
    let started = Instant::now();
    let (pattern, response) = match next.call(req).await {
        Ok(output) => {
            let response = output.into_response();
            (response.data::<PathPattern>().cloned(), response)
        }
        Err(error) => (error.data::<PathPattern>().cloned(), error.into_response()),
    };
    let route = pattern.as_ref().map_or(UNMATCHED_ROUTE, |PathPattern(p)| p);
    let status = response.status();
    metrics
        .http_requests
        .with_label_values(&[method, route, status.as_str()])
        .inc();
    metrics
        .http_request_duration
        .with_label_values(&[method, route])
        .observe(started.elapsed().as_secs_f64());
    Ok(response)
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}
