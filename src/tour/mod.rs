//! The browser tour's pages: each handler reads the registry into a [`Snapshot`] and hands it to a
//! view in `templates/`. Handlers stay thin and only read; what a page says lives beside its view.
//!
//! - [`snapshot`]: the plain numbers a view sees, read from one `gather()`.
//! - [`history`]: the last two minutes of the counter, the gauge and the summary's quantiles,
//!   sampled once a second by a task started beside the server.
//! - [`blocks`]: with `--prometheus`, the value now beside each PromQL block a page shows, kept
//!   a second for every tab.
//! - [`promql`]: one query explained as a tree, with its warnings, as a page and as plain text.
//! - [`quiz`]: the self-check quiz, whose PromQL answers [`crate::promql`] checks and runs in the
//!   `--prometheus` server.

pub mod blocks;
pub mod history;
pub mod promql;
pub mod quiz;
pub mod snapshot;

use std::collections::HashMap;

use maud::Markup;
use poem::{
    handler,
    http::{header, StatusCode},
    web::Data,
    Request, Response,
};
use prometheus::proto::MetricFamily;

use crate::{
    exposition::{
        self,
        extras::Extras,
        protobuf::{self, WireNative},
    },
    lessons::histogram::KeptObservations,
    state::AppState,
    templates,
    tour::{
        history::History,
        snapshot::{
            read_histogram, read_scalar, read_series, read_summary, HistogramData, Snapshot,
        },
    },
};

/// The policy on every page: nothing from outside the tour, no inline script or style, so the pages
/// work offline in a classroom and an injected `<script>` could not run.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'";

/// The longer range the counter page compares `rate()` under.
const RATE_RANGE_5M: std::time::Duration = std::time::Duration::from_secs(300);

/// Reads every number a page may show from one `gather()` of the registry, with the history the
/// sampler has kept. It writes nothing.
pub fn take_snapshot(state: &AppState, req: &Request) -> Snapshot {
    let families = state.metrics.registry.gather();
    let extras = state.metrics.extras();
    let uploads = read_histogram(&families, "file_upload_duration_seconds");
    let response_buckets = read_histogram(&families, "tour_response_bucketed_seconds");
    let with_exemplars = |buckets: &Option<HistogramData>, family: &str| {
        let bounds = buckets
            .iter()
            .flat_map(|h| h.buckets.iter().map(|(le, _)| *le));
        bounds
            .chain([f64::INFINITY])
            .enumerate()
            .map(|(slot, le)| (le, extras.exemplar(family, slot).cloned()))
            .collect()
    };
    let responses = read_summary(&families, "tour_response_seconds");
    let span = state.metrics.response.window_span();
    let (window_responses, window_responses_complete) = state.kept_responses.within(span);
    let history = state.history.points();
    let window = History::WINDOW.as_secs_f64();
    let clicks_samples = state.history.clicks_since(History::WINDOW + RATE_RANGE_5M);
    let quantile_history = responses
        .iter()
        .flat_map(|responses| responses.quantiles.iter().map(|(q, _)| *q))
        .zip(history.quantiles)
        .collect();
    Snapshot {
        origin: origin(req),
        clicks: read_scalar(&families, "tour_clicks_total"),
        temperature: read_scalar(&families, "tour_temperature_celsius"),
        uploads_in_progress: read_scalar(&families, "file_uploads_in_progress"),
        upload_exemplars: with_exemplars(&uploads, "file_upload_duration_seconds"),
        response_exemplars: with_exemplars(&response_buckets, "tour_response_bucketed_seconds"),
        click_exemplar: extras.exemplar("tour_clicks_total", 0).cloned(),
        native: native_as_sent(&families, &extras, "tour_response_native_seconds"),
        uploads,
        responses,
        response_buckets,
        clicks_rate_1m: crate::lessons::counter::rate_over_time(&clicks_samples, 60.0, window),
        clicks_rate_5m: crate::lessons::counter::rate_over_time(
            &clicks_samples,
            RATE_RANGE_5M.as_secs_f64(),
            window,
        ),
        clicks_delta: history
            .clicks
            .first()
            .zip(history.clicks.last())
            .map(|(first, last)| last.value - first.value),
        clicks_increase: (!history.clicks.is_empty())
            .then(|| crate::lessons::counter::increase(&history.clicks)),
        clicks_history: history.clicks,
        temperature_history: history.temperature,
        uploads_history: state
            .history
            .uploads_since(std::time::Duration::from_secs_f64(quiz::WORKED_SECONDS)),
        quantile_history,
        history_seconds: History::WINDOW.as_secs_f64(),
        kept_uploads: state.kept_uploads.values(),
        kept_uploads_capacity: KeptObservations::CAPACITY,
        summary_window_seconds: state.config.summary_max_age.as_secs_f64(),
        summary_age_buckets: state.config.summary_age_buckets,
        summary_window_span_seconds: span.as_secs_f64(),
        window_responses,
        window_responses_complete,
        exposition: exposition::text::encode(&families),
        openmetrics: exposition::openmetrics::encode(&families, &state.metrics.extras()),
        traffic_cycle_seconds: crate::traffic::CYCLE.as_secs_f64(),
        http_requests: read_series(&families, "http_requests_total"),
    }
}

/// A native histogram's family as the protobuf exposition sends it, decoded back: what the lesson
/// shows is what Prometheus receives.
fn native_as_sent(families: &[MetricFamily], extras: &Extras, name: &str) -> Option<WireNative> {
    let family = snapshot::family(families, name)?;
    let body = protobuf::encode(std::slice::from_ref(family), extras);
    let decoded = protobuf::decode_delimited(&body)?;
    WireNative::of_family(decoded.first()?)
}

/// `GET /tour/native-histogram`.
#[handler]
pub async fn native_histogram(req: &Request, Data(state): Data<&AppState>) -> Response {
    lesson_page(state, req, templates::native_histogram::page).await
}

/// `GET /tour/exemplars`.
#[handler]
pub async fn exemplars(req: &Request, Data(state): Data<&AppState>) -> Response {
    lesson_page(state, req, templates::exemplars::page).await
}

/// `GET /`: the four types side by side.
#[handler]
pub async fn index(req: &Request, Data(state): Data<&AppState>) -> Response {
    lesson_page(state, req, templates::index::page).await
}

/// `GET /tour/counter`.
#[handler]
pub async fn counter(req: &Request, Data(state): Data<&AppState>) -> Response {
    lesson_page(state, req, templates::counter::page).await
}

/// `GET /tour/gauge`.
#[handler]
pub async fn gauge(req: &Request, Data(state): Data<&AppState>) -> Response {
    lesson_page(state, req, templates::gauge::page).await
}

/// `GET /tour/histogram`.
#[handler]
pub async fn histogram(req: &Request, Data(state): Data<&AppState>) -> Response {
    lesson_page(state, req, templates::histogram::page).await
}

/// `GET /tour/summary`.
#[handler]
pub async fn summary(req: &Request, Data(state): Data<&AppState>) -> Response {
    lesson_page(state, req, templates::summary::page).await
}

/// `GET /tour/versus`: the same observations in a histogram and a summary.
#[handler]
pub async fn versus(req: &Request, Data(state): Data<&AppState>) -> Response {
    lesson_page(state, req, templates::versus::page).await
}

/// `GET /tour/anatomy`: every line of `/metrics`, annotated.
#[handler]
pub async fn anatomy(req: &Request, Data(state): Data<&AppState>) -> Response {
    lesson_page(state, req, templates::anatomy::page).await
}

/// `GET /tour/labels`: one series per label combination, the live series of `http_requests_total`,
/// and what ten thousand random paths do to them.
#[handler]
pub async fn labels_page(req: &Request, Data(state): Data<&AppState>) -> Response {
    let cardinality = crate::lessons::labels::demonstration().await;
    lesson_page(state, req, |snapshot| {
        templates::labels::page(snapshot, &cardinality)
    })
    .await
}

/// `GET /tour/staleness`: the shifts that come and go, and, with `--prometheus`, what it answers now.
#[handler]
pub async fn staleness(req: &Request, Data(state): Data<&AppState>) -> Response {
    let client = req
        .remote_addr()
        .as_socket_addr()
        .map(|address| crate::server::admission::client_of(address.ip()));
    let lesson = crate::lessons::staleness::lesson(state, client).await;
    lesson_page(state, req, |snapshot| {
        templates::staleness::page(snapshot, &lesson)
    })
    .await
}

/// A lesson's page: its view of a snapshot, and with `--prometheus` each PromQL block's value now
/// ([`blocks`]). The view is drawn once to meet its blocks' queries, and again with their values.
async fn lesson_page(
    state: &AppState,
    req: &Request,
    view: impl Fn(&Snapshot) -> Markup,
) -> Response {
    let snapshot = take_snapshot(state, req);
    let Some(api) = &state.prometheus else {
        return html(view(&snapshot));
    };
    let (page, queries) = templates::with_values(HashMap::new(), || view(&snapshot));
    if queries.is_empty() {
        return html(page);
    }
    let values = state.blocks.ask(state, api, &queries).await;
    html(templates::with_values(values, || view(&snapshot)).0)
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
pub(crate) fn origin(req: &Request) -> String {
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
