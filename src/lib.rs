//! metrics-tour: a tour of the four core metric types Prometheus' client libraries offer, for a
//! browser, a terminal and a classroom.
//!
//! Run with `cargo run --release`, then open <http://localhost:5000>.
//!
//! # Layout
//! - [`config`]: the command line, checked at start.
//! - [`state`]: the one `Registry` and a typed handle to every metric; the only place that registers.
//! - [`server`]: serving on a listener, the background tasks beside it, bounding what a client may
//!   hold (connections, time, memory), noticing hang-ups, and the graceful shutdown.
//! - [`traffic`]: `--traffic`, a built-in crowd of visitors whose rate swells and ebbs, with incidents.
//! - [`lessons`]: one file per metric type, its lesson and its demo routes: [`lessons::counter`],
//!   [`lessons::gauge`], [`lessons::histogram`] (the seed's upload), [`lessons::summary`]; and
//!   [`lessons::labels`], labels and cardinality; [`lessons::buckets`], the bucket designer;
//!   [`lessons::staleness`], a series that stops and the first increment.
//! - [`summary`]: the summary type the `prometheus` crate lacks: its public face first, the engine
//!   ([`summary::bins`], [`summary::window`], [`summary::clock`]) below it.
//! - [`http`]: what every route shares: [`http::params`], [`http::bad_input`], [`http::reply`],
//!   [`http::negotiation`], [`http::traceparent`], and the [`http::request_metrics`] middleware.
//! - [`native_histogram`]: the native histogram the `prometheus` crate lacks: its public face first,
//!   the engine ([`native_histogram::index`], [`native_histogram::spans`]) below it.
//! - [`exposition`]: `GET /metrics`: [`exposition::text`], [`exposition::openmetrics`],
//!   [`exposition::protobuf`], `name[]`, gzip, the [`exposition::extras`] (exemplars, `_created`,
//!   native buckets) and the [`exposition::process`] collector.
//! - [`tour`]: the browser tour's pages, each built from a [`tour::snapshot`] and a view in
//!   [`templates`]; [`tour::history`] keeps the charts' last minutes; [`tour::blocks`] the value now
//!   beside each PromQL block; [`tour::quiz`] is the self-check quiz.
//! - [`promql`]: a learner's PromQL: [`promql::gate`] parses it (with `promql-parser`) and bounds
//!   it to the tour's own series and a cost Prometheus can bear, [`promql::client`] runs it in the
//!   `--prometheus` server within a cap on queries in flight, [`promql::compare`] says in one short
//!   line how a result differs from the expected one; [`promql::explain`] takes a query apart as a
//!   tree of sentences, [`promql::lint`] warns of the classic mistakes, and [`promql::position`]
//!   says where a query stopped parsing.
//!
//! [`app`] builds the whole application, so tests can call it without a socket; [`serve`] runs it on
//! a listener the caller bound, until `shutdown` completes.

pub mod config;
pub mod exposition;
pub mod http;
pub mod lessons;
pub mod native_histogram;
pub mod promql;
pub mod server;
pub mod state;
pub mod summary;
#[path = "../templates/mod.rs"]
pub mod templates;
pub mod tour;
pub mod traffic;

pub use server::serve;

use crate::{http::bad_input::plain_text, state::AppState};
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
        .at(
            "/file-upload",
            only(Method::POST, lessons::histogram::file_upload),
        )
        .at("/counter", only(Method::POST, lessons::counter::increment))
        .at(
            "/counter/restart",
            only(Method::POST, lessons::counter::restart),
        )
        .at("/gauge/inc", only(Method::POST, lessons::gauge::inc))
        .at("/gauge/dec", only(Method::POST, lessons::gauge::dec))
        .at("/gauge/set", only(Method::POST, lessons::gauge::set))
        .at("/summary", only(Method::POST, lessons::summary::observe))
        .at("/shift/end", only(Method::POST, lessons::staleness::end))
        .at("/", only(Method::GET, tour::index))
        .at("/tour/counter", only(Method::GET, tour::counter))
        .at("/tour/gauge", only(Method::GET, tour::gauge))
        .at("/tour/histogram", only(Method::GET, tour::histogram))
        .at("/tour/summary", only(Method::GET, tour::summary))
        .at("/tour/versus", only(Method::GET, tour::versus))
        .at("/tour/anatomy", only(Method::GET, tour::anatomy))
        .at("/tour/labels", only(Method::GET, tour::labels_page))
        .at("/tour/promql", only(Method::GET, tour::promql::page))
        .at("/promql", only(Method::GET, tour::promql::plain))
        .at("/tour/staleness", only(Method::GET, tour::staleness))
        .at("/tour/quiz", only(Method::GET, tour::quiz::page))
        .at(
            "/quiz/:id",
            allow(
                poem::RouteMethod::new()
                    .get(tour::quiz::ask)
                    .post(tour::quiz::judge),
                "GET, HEAD, POST",
            ),
        )
        .at(
            "/tour/native-histogram",
            only(Method::GET, tour::native_histogram),
        )
        .at("/tour/exemplars", only(Method::GET, tour::exemplars))
        .at("/tour/buckets", only(Method::GET, lessons::buckets::page))
        .at("/buckets", only(Method::GET, lessons::buckets::plain))
        .at("/static/tour.css", only(Method::GET, tour::css))
        .at("/static/tour.js", only(Method::GET, tour::js))
        .catch_error(not_found)
        .data(state)
        .around(move |next, req| http::request_metrics::record(next, req, metrics.clone()))
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
    let allow_header = if method == Method::GET {
        "GET, HEAD".to_owned()
    } else {
        method.as_str().to_owned()
    };
    allow(
        poem::RouteMethod::new().method(method, endpoint),
        &allow_header,
    )
}

/// Answers the methods `routes` has; any other gets 405 with `Allow: {methods}` (a route with `GET`
/// also answers `HEAD`, so `methods` names both).
fn allow(routes: poem::RouteMethod, methods: &str) -> impl Endpoint<Output = Response> {
    let methods = methods.to_owned();
    routes
        .map_to_response()
        .catch_error(move |_: MethodNotAllowedError| {
            let methods = methods.clone();
            async move {
                let hint = match methods
                    .split(", ")
                    .filter(|m| *m != "HEAD")
                    .collect::<Vec<_>>()[..]
                {
                    [one] => format!("; try curl -X {one}"),
                    _ => String::new(),
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
