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
//! gzipped when `Accept-Encoding` allows it. `?name[]=NAME` (repeatable) selects: a sample's name
//! keeps exactly the samples of that name (the Python client's rule: `x_bucket` keeps the buckets,
//! not `x_sum`); a family's name keeps the whole family (client_golang's rule; for a counter, its
//! OpenMetrics family name without `_total` too); nothing else matches, so `x_bucket` of a summary,
//! which has no buckets, selects nothing. In OpenMetrics a histogram asked for in part keeps what
//! makes it valid: its `+Inf` bucket, and `_sum` with `_count`.

use std::fmt::Write;

use poem::{
    handler,
    http::{header, StatusCode},
    web::{Compress, CompressionAlgo, Data},
    IntoResponse, Request, Response,
};
use prometheus::proto::{MetricFamily, MetricType};

pub mod extras;
pub mod openmetrics;
pub mod process;
pub mod protobuf;
pub mod text;

use crate::{http::negotiation::quality, http::params::query_pairs, state::AppState};

/// `GET /metrics`: the exposition of the one registry.
#[handler]
pub fn metrics(req: &Request, Data(state): Data<&AppState>) -> Response {
    let names = names_asked(req.uri().query().unwrap_or(""));
    let families = selected_families(state, &names);
    let accept = req.header(header::ACCEPT).unwrap_or("");
    let (content_type, body) = if prefers_protobuf(accept) {
        // Binary: `name[]` selects whole families here, as client_golang does.
        let extras = state.metrics.extras();
        (protobuf::CONTENT_TYPE, protobuf::encode(&families, &extras))
    } else {
        let openmetrics = prefers_openmetrics(accept);
        let (content_type, text) = if openmetrics {
            let extras = state.metrics.extras();
            (
                openmetrics::CONTENT_TYPE,
                openmetrics::encode(&families, &extras),
            )
        } else {
            (text::CONTENT_TYPE, text::encode(&families))
        };
        (
            content_type,
            selected_samples(&text, &names, openmetrics).into_bytes(),
        )
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

/// The `name[]` parameters of a query string; none means everything.
pub fn names_asked(query: &str) -> Vec<String> {
    query_pairs(query)
        .filter(|(key, _)| key == "name[]")
        .map(|(_, name)| name)
        .collect()
}

/// The gathered families that `names` ask for whole or in part, or all of them when `names` is empty.
pub fn selected_families(state: &AppState, names: &[String]) -> Vec<MetricFamily> {
    let mut families = state.metrics.registry.gather();
    if !names.is_empty() {
        families.retain(|family| {
            let asked = |name: String| names.contains(&name);
            family_names(family).into_iter().any(asked)
                || sample_names(family).into_iter().any(asked)
        });
    }
    families
}

/// The names a family goes by: its own, and for a counter the OpenMetrics one without `_total`.
fn family_names(family: &MetricFamily) -> Vec<String> {
    let name = family.name();
    match (family.get_field_type(), name.strip_suffix("_total")) {
        (MetricType::COUNTER, Some(base)) => vec![name.to_owned(), base.to_owned()],
        _ => vec![name.to_owned()],
    }
}

/// The names of a family's samples, in either format (`_created` is OpenMetrics').
pub fn sample_names(family: &MetricFamily) -> Vec<String> {
    let name = family.name();
    let with = |suffixes: &[&str]| suffixes.iter().map(|s| format!("{name}{s}")).collect();
    match family.get_field_type() {
        MetricType::COUNTER => {
            let base = name.strip_suffix("_total").unwrap_or(name);
            vec![name.to_owned(), format!("{base}_created")]
        }
        MetricType::GAUGE | MetricType::UNTYPED => vec![name.to_owned()],
        MetricType::HISTOGRAM => with(&["_bucket", "_sum", "_count", "_created"]),
        MetricType::SUMMARY => with(&["", "_sum", "_count", "_created"]),
    }
}

/// `exposition` (of families [`selected_families`] kept) with only the samples `names` ask for:
/// every sample of a family asked for by its name, else those whose own name was asked for. The
/// `#` lines stay, so each family keeps its `# HELP` and `# TYPE`, and OpenMetrics its `# EOF`.
///
/// In OpenMetrics (`openmetrics`) a histogram cut to some of its samples must stay valid: it
/// keeps its `+Inf` bucket whatever was asked, and `_sum` and `_count` together when either was
/// (Python's strict parser refuses a histogram without them, as the specification does).
pub fn selected_samples(exposition: &str, names: &[String], openmetrics: bool) -> String {
    if names.is_empty() {
        return exposition.to_owned();
    }
    let asked = |name: &str| names.iter().any(|n| n == name);
    let mut whole_family = false;
    // For a histogram asked for in part: its name, and whether `_sum` or `_count` was asked.
    let mut histogram: Option<(String, bool)> = None;
    let mut kept = String::with_capacity(exposition.len());
    for line in exposition.lines() {
        if let Some(declared) = line.strip_prefix("# TYPE ") {
            let mut words = declared.split(' ');
            let (family, kind) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
            whole_family =
                asked(family) || (kind == "counter" && asked(&format!("{family}_total")));
            histogram = (openmetrics && kind == "histogram" && !whole_family).then(|| {
                let totals = asked(&format!("{family}_sum")) || asked(&format!("{family}_count"));
                (family.to_owned(), totals)
            });
        }
        let sample = line.split(['{', ' ']).next().unwrap_or("");
        let keeps_it_valid = histogram.as_ref().is_some_and(|(family, totals)| {
            match sample.strip_prefix(family.as_str()) {
                Some("_bucket") => line.contains("le=\"+Inf\""),
                Some("_sum" | "_count") => *totals,
                _ => false,
            }
        });
        if line.starts_with('#') || whole_family || asked(sample) || keeps_it_valid {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    kept
}

/// How both text formats spell a float, as client_golang writes it: Go's shortest `%g` (an
/// exponent below 1e-4 and from 1e6 up), `NaN`, `+Inf` and `-Inf`. OpenMetrics adds `.0` to a
/// whole number ([`openmetrics`]). Written into `out`, so a scrape allocates nothing per sample.
pub fn push_float(out: &mut String, value: f64) {
    // Writing to a String cannot fail, so the `fmt::Result`s below are ignored.
    match value {
        v if v.is_nan() => out.push_str("NaN"),
        f64::INFINITY => out.push_str("+Inf"),
        f64::NEG_INFINITY => out.push_str("-Inf"),
        // Where Go's %g writes no exponent, Rust's shortest spelling is the same.
        v if v == 0.0 || (1e-4..1e6).contains(&v.abs()) => {
            let _ = write!(out, "{v}");
        }
        v => {
            // Rust writes `1e-7`; Go writes `1e-07`: a sign and at least two digits.
            let start = out.len();
            let _ = write!(out, "{v:e}");
            let e = start + out[start..].find('e').expect("{:e} writes an exponent");
            let exponent: i32 = out[e + 1..].parse().expect("an integer exponent");
            out.truncate(e + 1);
            let sign = if exponent < 0 { '-' } else { '+' };
            let _ = write!(out, "{sign}{:02}", exponent.abs());
        }
    }
}

/// [`push_float`] into a string of its own: how a reply to curl spells a metric's value, the way
/// `/metrics` does (`1e+308`, not three hundred digits).
pub fn float(value: f64) -> String {
    let mut spelled = String::new();
    push_float(&mut spelled, value);
    spelled
}

/// Writes `text` escaped as both formats escape a label value (backslash, line feed and, with
/// `quotes`, double quote), without allocating.
pub fn push_escaped(out: &mut String, text: &str, quotes: bool) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str(r"\\"),
            '\n' => out.push_str(r"\n"),
            '"' if quotes => out.push_str(r#"\""#),
            c => out.push(c),
        }
    }
}

/// Writes the start of a sample line, `name` + `suffix`, the metric's labels with `extra` (`le` or
/// `quantile`) last, and the space before the value; `spell` writes `extra`'s number.
pub fn push_series(
    out: &mut String,
    (name, suffix): (&str, &str),
    metric: &prometheus::proto::Metric,
    extra: Option<(&str, f64)>,
    spell: fn(&mut String, f64),
) {
    out.push_str(name);
    out.push_str(suffix);
    let mut separator = '{';
    for pair in metric.get_label() {
        out.push(separator);
        separator = ',';
        out.push_str(pair.name());
        out.push_str("=\"");
        push_escaped(out, pair.value(), true);
        out.push('"');
    }
    if let Some((label, number)) = extra {
        out.push(separator);
        separator = ',';
        out.push_str(label);
        out.push_str("=\"");
        spell(out, number);
        out.push('"');
    }
    if separator == ',' {
        out.push('}');
    }
    out.push(' ');
}

/// True when a line named `name` belongs to `family`'s block of the exposition: the family's own
/// name or one of its sample names; a counter's OpenMetrics family name (`tour_clicks` for
/// `tour_clicks_total`) counts too, and so does its `_created` sample. The tour's pages pick a
/// family's lines with it.
pub fn names_family(name: &str, family: &str) -> bool {
    let sample = name
        .strip_prefix(family)
        .is_some_and(|suffix| matches!(suffix, "" | "_bucket" | "_sum" | "_count"));
    let counter = family.strip_suffix("_total").is_some_and(|base| {
        name.strip_prefix(base)
            .is_some_and(|suffix| matches!(suffix, "" | "_created"))
    });
    sample || counter
}
