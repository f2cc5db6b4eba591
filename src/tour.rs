//! The browser tour's pages: each handler gathers the registry into a [`Snapshot`] and hands it to
//! a view in `templates/`. Handlers stay thin; what a page says lives beside its view.

pub mod query;
pub mod quiz;

use maud::Markup;
use poem::{
    handler,
    http::{header, StatusCode},
    web::Data,
    Request, Response,
};

use crate::{
    exposition,
    history::History,
    snapshot::{histogram, scalar, series, summary, Snapshot},
    state::AppState,
    templates,
};

/// The policy on every page: nothing from outside the tour, no inline script or style, so the pages
/// work offline in a classroom and an injected `<script>` could not run.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'";

/// The longer range the counter page compares `rate()` under.
const RATE_RANGE_5M: std::time::Duration = std::time::Duration::from_secs(300);

/// Reads every number a page may show from one `gather()` of the registry, and notes the counter's
/// and the gauge's values in their history.
pub fn snapshot(state: &AppState, req: &Request) -> Snapshot {
    let families = state.metrics.registry.gather();
    let clicks = scalar(&families, "tour_clicks_total");
    let temperature = scalar(&families, "tour_temperature_celsius");
    let responses = summary(&families, "tour_response_seconds");
    let quantile_values = responses.as_ref().map_or([f64::NAN; 3], |summary| {
        let mut values = [f64::NAN; 3];
        for (value, (_, read)) in values.iter_mut().zip(&summary.quantiles) {
            *value = *read;
        }
        values
    });
    if let (Some(clicks), Some(temperature)) = (clicks, temperature) {
        state.history.record(clicks, temperature, quantile_values);
    }
    let recent = state.history.recent();
    let window = History::WINDOW.as_secs_f64();
    let clicks_samples = state.history.clicks_since(History::WINDOW + RATE_RANGE_5M);
    let quantile_history = responses
        .iter()
        .flat_map(|summary| summary.quantiles.iter().map(|(q, _)| *q))
        .zip(recent.quantiles)
        .collect();
    Snapshot {
        origin: origin(req),
        clicks,
        temperature,
        uploads_in_progress: scalar(&families, "file_uploads_in_progress"),
        uploads: histogram(&families, "file_upload_duration_seconds"),
        responses,
        response_buckets: histogram(&families, "tour_response_bucketed_seconds"),
        clicks_rate_1m: crate::counter::rate_over_time(&clicks_samples, 60.0, window),
        clicks_rate_5m: crate::counter::rate_over_time(
            &clicks_samples,
            RATE_RANGE_5M.as_secs_f64(),
            window,
        ),
        clicks_delta: recent
            .clicks
            .first()
            .zip(recent.clicks.last())
            .map(|(first, last)| last.value - first.value),
        clicks_increase: (!recent.clicks.is_empty())
            .then(|| crate::counter::increase(&recent.clicks)),
        clicks_history: recent.clicks,
        temperature_history: recent.temperature,
        quantile_history,
        recent_uploads: state.recent_uploads.values(),
        summary_window_seconds: state.config.summary_max_age.as_secs_f64(),
        exposition: exposition::text_format(&families),
        http_requests: series(&families, "http_requests_total"),
    }
}

/// `GET /`: the four types side by side.
#[handler]
pub fn index(req: &Request, Data(state): Data<&AppState>) -> Response {
    html(templates::index::page(&snapshot(state, req)))
}

/// `GET /tour/counter`.
#[handler]
pub fn counter(req: &Request, Data(state): Data<&AppState>) -> Response {
    html(templates::counter::page(&snapshot(state, req)))
}

/// `GET /tour/gauge`.
#[handler]
pub fn gauge(req: &Request, Data(state): Data<&AppState>) -> Response {
    html(templates::gauge::page(&snapshot(state, req)))
}

/// `GET /tour/histogram`.
#[handler]
pub fn histogram_page(req: &Request, Data(state): Data<&AppState>) -> Response {
    html(templates::histogram::page(&snapshot(state, req)))
}

/// `GET /tour/summary`.
#[handler]
pub fn summary_page(req: &Request, Data(state): Data<&AppState>) -> Response {
    html(templates::summary::page(&snapshot(state, req)))
}

/// `GET /tour/versus`: the same observations in a histogram and a summary.
#[handler]
pub fn versus(req: &Request, Data(state): Data<&AppState>) -> Response {
    html(templates::versus::page(&snapshot(state, req)))
}

/// `GET /tour/anatomy`: every line of `/metrics`, annotated.
#[handler]
pub fn anatomy(req: &Request, Data(state): Data<&AppState>) -> Response {
    html(templates::anatomy::page(&snapshot(state, req)))
}

/// `GET /tour/labels`: one series per label combination, the live series of `http_requests_total`,
/// and what ten thousand random paths do to them.
#[handler]
pub async fn labels_page(req: &Request, Data(state): Data<&AppState>) -> Response {
    let cardinality = crate::labels::demonstration().await;
    html(templates::labels::page(&snapshot(state, req), &cardinality))
}

/// `GET /static/tour.css`.
#[handler]
pub fn css() -> Response {
    asset("text/css; charset=utf-8", templates::CSS)
}

/// `GET /static/tour.js`.
#[handler]
pub fn js() -> Response {
    asset("text/javascript; charset=utf-8", templates::JS)
}

/// A page, with the policy; never cached, since its values are live.
pub(crate) fn html(markup: Markup) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .content_type("text/html; charset=utf-8")
        .header(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY)
        .header(header::CACHE_CONTROL, "no-store")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .body(markup.into_string())
}

fn asset(content_type: &str, text: &'static str) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .content_type(content_type)
        .header(header::CACHE_CONTROL, "no-cache")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .body(text)
}

/// `http://HOST` as the browser reached the tour, for the curl commands; the contract's address
/// when the `Host` header is missing or odd.
fn origin(req: &Request) -> String {
    let host = req
        .header(header::HOST)
        .filter(|host| {
            !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost:5000");
    format!("http://{host}")
}
