//! `GET /metrics`: the registry as a scraper reads it, in the format and coding it asks for.
//!
//! - [`text`]: the Prometheus text format, the default.
//! - [`openmetrics`]: the OpenMetrics 1.0 text format, which Prometheus asks for first.
//! - [`protobuf`]: the delimited protobuf format, the only one carrying the native histogram.
//! - [`extras`]: what the crate's families cannot hold: creation times, exemplars, native buckets.
//! - [`process`]: `process_*`, read from `/proc` at most once a second.
//!
//! The Prometheus text format is the default; OpenMetrics (see [`openmetrics`]) when the
//! `Accept` header ranks it at least as high as plain text, as Prometheus' own scrapes do; protobuf
//! when it ranks that first, as Prometheus does with `--enable-feature=native-histograms`. The body is
//! gzipped when `Accept-Encoding` allows it. `?name[]=NAME` (repeatable) keeps only those families,
//! as the Python client does; a family is named by its own name or by one of its samples' names
//! (`..._bucket`, `..._count`, a counter's `..._total`).

use poem::{
    handler,
    http::{header, StatusCode},
    web::{Compress, CompressionAlgo, Data},
    IntoResponse, Request, Response,
};
use prometheus::proto::MetricFamily;

pub mod extras;
pub mod openmetrics;
pub mod process;
pub mod protobuf;
pub mod text;

use crate::{http::negotiation::quality, http::params::query_pairs, state::AppState};

/// `GET /metrics`: the exposition of the one registry.
#[handler]
pub fn metrics(req: &Request, Data(state): Data<&AppState>) -> Response {
    let families = selected_families(state, req.uri().query().unwrap_or(""));
    let accept = req.header(header::ACCEPT).unwrap_or("");
    let (content_type, body) = if prefers_protobuf(accept) {
        let extras = state.metrics.extras();
        (protobuf::CONTENT_TYPE, protobuf::encode(&families, &extras))
    } else if prefers_openmetrics(accept) {
        let extras = state.metrics.extras();
        (
            openmetrics::CONTENT_TYPE,
            openmetrics::encode(&families, &extras).into_bytes(),
        )
    } else {
        (text::CONTENT_TYPE, text::encode(&families).into_bytes())
    };
    tracing::debug!(content_type, families = families.len(), "exposition");
    let response = Response::builder()
        .status(StatusCode::OK)
        .content_type(content_type)
        .header(header::VARY, "Accept, Accept-Encoding")
        .body(body);
    if accepts_gzip(req.header(header::ACCEPT_ENCODING).unwrap_or("")) {
        Compress::new(response, CompressionAlgo::GZIP).into_response()
    } else {
        response
    }
}

/// True when `accept` ranks OpenMetrics above zero and no lower than the text format. Prometheus
/// sends e.g. `application/openmetrics-text;version=1.0.0;q=0.5,...,text/plain;version=0.0.4;q=0.3`.
pub fn prefers_openmetrics(accept: &str) -> bool {
    let openmetrics = quality(accept, "application/openmetrics-text", &[]).unwrap_or(0.0);
    let text = quality(accept, "text/plain", &["text/*", "*/*"]).unwrap_or(0.0);
    openmetrics > 0.0 && openmetrics >= text
}

/// True when `accept` ranks the delimited protobuf format above zero and no lower than either text
/// format, as Prometheus does with `--enable-feature=native-histograms`:
/// `application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,...`.
/// A wildcard never selects it: curl's `*/*` gets text, not bytes a terminal cannot show.
pub fn prefers_protobuf(accept: &str) -> bool {
    let protobuf = quality(accept, "application/vnd.google.protobuf", &[]).unwrap_or(0.0);
    let openmetrics = quality(accept, "application/openmetrics-text", &[]).unwrap_or(0.0);
    let text = quality(accept, "text/plain", &["text/*", "*/*"]).unwrap_or(0.0);
    protobuf > 0.0 && protobuf >= openmetrics && protobuf >= text
}

/// True when `accept_encoding` allows gzip, by name or by `*`, with a `q` above zero. (poem's
/// `Compression` middleware would answer `*` with zstd and `gzip;q=0` with gzip, so we decide here.)
pub fn accepts_gzip(accept_encoding: &str) -> bool {
    quality(accept_encoding, "gzip", &["*"]).is_some_and(|q| q > 0.0)
}

/// The gathered families that the `name[]` parameters ask for, or all of them when none is given.
pub fn selected_families(state: &AppState, query: &str) -> Vec<MetricFamily> {
    let names: Vec<String> = query_pairs(query)
        .filter(|(key, _)| key == "name[]")
        .map(|(_, name)| name)
        .collect();
    let mut families = state.metrics.registry.gather();
    if !names.is_empty() {
        families.retain(|family| names.iter().any(|name| names_family(name, family.name())));
    }
    families
}

/// True when `name` is `family` or one of the sample names a family of that name exposes; a
/// counter's OpenMetrics family name (`tour_clicks` for `tour_clicks_total`) counts too.
pub fn names_family(name: &str, family: &str) -> bool {
    let sample = name
        .strip_prefix(family)
        .is_some_and(|suffix| matches!(suffix, "" | "_bucket" | "_sum" | "_count"));
    sample || family.strip_suffix("_total") == Some(name)
}
