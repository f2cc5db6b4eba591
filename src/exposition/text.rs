//! The Prometheus text format (version 0.0.4), which `GET /metrics` answers by default.

use prometheus::{proto::MetricFamily, Encoder, TextEncoder};

/// The content type of the text format, exactly as the exposition format specifies it.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `families` in the text format.
pub fn encode(families: &[MetricFamily]) -> String {
    let mut text = Vec::new();
    TextEncoder::new()
        .encode(families, &mut text)
        .expect("writing to a Vec cannot fail");
    String::from_utf8(text).expect("the text format is UTF-8")
}
