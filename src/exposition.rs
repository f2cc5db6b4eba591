//! `GET /metrics`: the registry in the Prometheus text format, as a scraper reads it.
//!
//! `?name[]=NAME` (repeatable) keeps only those families, as the Python client does; a family is
//! named by its own name or by one of its samples' names (`..._bucket`, `..._count`).

use poem::{handler, http::StatusCode, web::Data, Request, Response};
use prometheus::{proto::MetricFamily, Encoder, TextEncoder};

use crate::{params::query_pairs, state::AppState};

/// The content type of the text format, exactly as the exposition format specifies it.
pub const TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `GET /metrics`: the exposition of the one registry.
#[handler]
pub fn metrics(req: &Request, Data(state): Data<&AppState>) -> Response {
    let families = selected_families(state, req.uri().query().unwrap_or(""));
    let mut body = Vec::new();
    TextEncoder::new()
        .encode(&families, &mut body)
        .expect("writing to a Vec cannot fail");
    Response::builder()
        .status(StatusCode::OK)
        .content_type(TEXT_CONTENT_TYPE)
        .body(body)
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

/// True when `name` is `family` or one of the sample names a family of that name exposes.
fn names_family(name: &str, family: &str) -> bool {
    name.strip_prefix(family)
        .is_some_and(|suffix| matches!(suffix, "" | "_bucket" | "_sum" | "_count"))
}
