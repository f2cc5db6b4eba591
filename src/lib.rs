//! metrics-tour: a tour of the four Prometheus metric types, for a browser, a terminal and a classroom.
//!
//! Run with `cargo run --release`, then open <http://localhost:5000>.
//!
//! # Layout
//! - [`config`]: the command line, checked at start.
//! - [`state`]: the one `Registry` and a typed handle to every metric; the only place that registers.
//! - [`counter`]: a number that only goes up, `POST /counter`, and `POST /counter/restart`.
//! - [`gauge`]: a number that goes up and down, `POST /gauge/...`, and the in-progress guard.
//! - [`histogram`]: observations in fixed buckets, and the seed's `POST /file-upload`.
//! - [`summary`]: quantiles over a sliding window (the type the `prometheus` crate lacks), and
//!   `POST /summary`.
//! - [`exposition`]: `GET /metrics`, the text a scraper reads: format, gzip and `name[]` filtering.
//! - [`openmetrics`]: the OpenMetrics 1.0 text format, which Prometheus asks for first.
//! - [`accept`]: content negotiation, the `q` a client gives a format or a coding.
//! - [`http_metrics`]: the middleware that counts and times every request.
//! - [`labels`]: labels and cardinality, and the measurement that random paths add no series.
//! - [`process_metrics`]: `process_*`, read from `/proc` at most once a second.
//! - [`params`], [`error`] and [`reply`]: reading a route's parameters (query or form), refusing bad
//!   input, and answering an update.
//! - [`server`]: serving on a listener, and the graceful shutdown.
//! - [`traffic`]: `--traffic`, a built-in crowd of visitors whose rate swells and ebbs, with incidents.
//! - [`tour`]: the browser tour's pages, each built from a [`snapshot`] of the registry and a view in
//!   [`templates`]; [`history`] keeps the recent values of the counter, the gauge and the summary's
//!   quantiles for their charts, and [`recent`] the exact upload times the histogram page compares
//!   with its estimate.
//!
//! [`app`] builds the whole application, so tests can call it without a socket; [`serve`] runs it on
//! a listener the caller bound, until `shutdown` completes.

pub mod accept;
pub mod config;
pub mod counter;
pub mod error;
pub mod exposition;
pub mod gauge;
pub mod histogram;
pub mod history;
pub mod http_metrics;
pub mod labels;
pub mod openmetrics;
pub mod params;
pub mod process_metrics;
pub mod recent;
pub mod reply;
pub mod server;
pub mod snapshot;
pub mod state;
pub mod summary;
#[path = "../templates/mod.rs"]
pub mod templates;
pub mod tour;
pub mod traffic;

pub use server::serve;

use crate::{error::plain_text, state::AppState};
use poem::{
    error::{MethodNotAllowedError, NotFoundError},
    handler,
    http::{header, Method, StatusCode},
    Endpoint, EndpointExt, IntoEndpoint, Response, Route,
};

/// The whole tour as one endpoint: every route, the request metrics, and plain-text 404 and 405.
pub fn app(state: AppState) -> impl Endpoint<Output = Response> {
    let metrics = state.metrics.clone();
    Route::new()
        .at("/healthz", only(Method::GET, healthz))
        .at("/metrics", only(Method::GET, exposition::metrics))
        .at("/file-upload", only(Method::POST, histogram::file_upload))
        .at("/counter", only(Method::POST, counter::increment))
        .at("/counter/restart", only(Method::POST, counter::restart))
        .at("/gauge/inc", only(Method::POST, gauge::inc))
        .at("/gauge/dec", only(Method::POST, gauge::dec))
        .at("/gauge/set", only(Method::POST, gauge::set))
        .at("/summary", only(Method::POST, summary::demo::observe))
        .at("/", only(Method::GET, tour::index))
        .at("/tour/counter", only(Method::GET, tour::counter))
        .at("/tour/gauge", only(Method::GET, tour::gauge))
        .at("/tour/histogram", only(Method::GET, tour::histogram_page))
        .at("/tour/summary", only(Method::GET, tour::summary_page))
        .at("/tour/versus", only(Method::GET, tour::versus))
        .at("/tour/anatomy", only(Method::GET, tour::anatomy))
        .at("/tour/labels", only(Method::GET, tour::labels_page))
        .at("/tour/quiz", only(Method::GET, tour::quiz::page))
        .at(
            "/quiz/:id",
            allow(
                poem::RouteMethod::new()
                    .get(tour::quiz::ask)
                    .post(tour::quiz::judge),
                "GET, POST",
            ),
        )
        .at("/static/tour.css", only(Method::GET, tour::css))
        .at("/static/tour.js", only(Method::GET, tour::js))
        .catch_error(not_found)
        .data(state)
        .around(move |next, req| http_metrics::record(next, req, metrics.clone()))
}

/// `GET /healthz`: answers while the server is serving.
#[handler]
fn healthz() -> &'static str {
    "ok"
}

/// Routes `method` to `endpoint`; any other method gets 405 with `Allow`, and `GET` also answers `HEAD`.
fn only<E>(method: Method, endpoint: E) -> impl Endpoint<Output = Response>
where
    E: IntoEndpoint,
    E::Endpoint: 'static,
{
    let allow_header = method.as_str().to_owned();
    allow(
        poem::RouteMethod::new().method(method, endpoint),
        &allow_header,
    )
}

/// Answers the methods `routes` has; any other gets 405 with `Allow: {methods}`.
fn allow(routes: poem::RouteMethod, methods: &str) -> impl Endpoint<Output = Response> {
    let methods = methods.to_owned();
    routes
        .map_to_response()
        .catch_error(move |_: MethodNotAllowedError| {
            let methods = methods.clone();
            async move {
                let hint = match methods.split_once(", ") {
                    None => format!("; try curl -X {methods}"),
                    Some(_) => String::new(),
                };
                let mut response = plain_text(
                    StatusCode::METHOD_NOT_ALLOWED,
                    format!("this route answers {methods} only (see Allow){hint}"),
                );
                response.headers_mut().insert(
                    header::ALLOW,
                    methods.parse().expect("methods are a valid header"),
                );
                response
            }
        })
}

async fn not_found(_: NotFoundError) -> Response {
    plain_text(
        StatusCode::NOT_FOUND,
        "no such route: the tour starts at /, the metrics are at /metrics",
    )
}
