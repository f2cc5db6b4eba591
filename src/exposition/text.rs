//! The Prometheus text format (version 0.0.4), which `GET /metrics` answers by default.
//!
//! Written here rather than by the `prometheus` crate's `TextEncoder`, which spells infinities
//! `inf` and `-inf` where the format says `+Inf` and `-Inf`. Numbers are spelled by
//! [`super::float`], as client_golang writes them, the same function OpenMetrics builds on.

use std::fmt::Write;

use prometheus::proto::{Metric, MetricFamily, MetricType};

use super::float;

/// The content type of the text format, exactly as the exposition format specifies it.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `families` in the text format: for each, `# HELP`, `# TYPE`, then its samples; a family with
/// no metric is left out, as it has nothing to say.
pub fn encode(families: &[MetricFamily]) -> String {
    let mut out = String::new();
    for family in families.iter().filter(|f| !f.get_metric().is_empty()) {
        let name = family.name();
        let kind = match family.get_field_type() {
            MetricType::COUNTER => "counter",
            MetricType::GAUGE => "gauge",
            MetricType::HISTOGRAM => "histogram",
            MetricType::SUMMARY => "summary",
            MetricType::UNTYPED => "untyped",
        };
        // Writing to a String cannot fail, so the `fmt::Result`s below are ignored.
        let _ = writeln!(out, "# HELP {name} {}", escape_help(family.help()));
        let _ = writeln!(out, "# TYPE {name} {kind}");
        for metric in family.get_metric() {
            write_metric(&mut out, name, family.get_field_type(), metric);
        }
    }
    out
}

/// The samples of one metric: one line, or a histogram's buckets, sum and count, or a summary's
/// quantiles, sum and count.
fn write_metric(out: &mut String, name: &str, kind: MetricType, metric: &Metric) {
    let sample = |out: &mut String, suffix: &str, extra: Option<(&str, f64)>, value: String| {
        write_sample(out, &format!("{name}{suffix}"), metric, extra, &value)
    };
    match kind {
        MetricType::COUNTER => sample(out, "", None, float(metric.get_counter().value())),
        MetricType::GAUGE => sample(out, "", None, float(metric.get_gauge().value())),
        MetricType::UNTYPED => sample(out, "", None, float(metric.untyped.value())),
        MetricType::HISTOGRAM => {
            let histogram = metric.get_histogram();
            let count = histogram.get_sample_count();
            let mut has_inf = false;
            for bucket in histogram.get_bucket() {
                has_inf |= bucket.upper_bound() == f64::INFINITY;
                let le = Some(("le", bucket.upper_bound()));
                sample(out, "_bucket", le, bucket.cumulative_count().to_string());
            }
            // The crate leaves the +Inf bucket implicit; the format wants it written.
            if !has_inf {
                sample(
                    out,
                    "_bucket",
                    Some(("le", f64::INFINITY)),
                    count.to_string(),
                );
            }
            sample(out, "_sum", None, float(histogram.get_sample_sum()));
            sample(out, "_count", None, count.to_string());
        }
        MetricType::SUMMARY => {
            let summary = metric.get_summary();
            for quantile in summary.get_quantile() {
                let q = Some(("quantile", quantile.quantile()));
                sample(out, "", q, float(quantile.value()));
            }
            sample(out, "_sum", None, float(summary.sample_sum()));
            sample(out, "_count", None, summary.sample_count().to_string());
        }
    }
}

/// One line: `name{labels} value [timestamp in milliseconds]`, with `extra` (`le` or `quantile`) last.
fn write_sample(
    out: &mut String,
    name: &str,
    metric: &Metric,
    extra: Option<(&str, f64)>,
    value: &str,
) {
    out.push_str(name);
    let labels: Vec<String> = metric
        .get_label()
        .iter()
        .map(|pair| format!("{}=\"{}\"", pair.name(), escape_label(pair.value())))
        .chain(extra.map(|(label, bound)| format!("{label}=\"{}\"", float(bound))))
        .collect();
    if !labels.is_empty() {
        let _ = write!(out, "{{{}}}", labels.join(","));
    }
    let _ = write!(out, " {value}");
    if metric.timestamp_ms() != 0 {
        let _ = write!(out, " {}", metric.timestamp_ms());
    }
    out.push('\n');
}

/// A HELP text escaped as the text format wants: backslash and line feed.
fn escape_help(text: &str) -> String {
    text.replace('\\', r"\\").replace('\n', r"\n")
}

/// A label value escaped: backslash, double quote and line feed.
fn escape_label(text: &str) -> String {
    escape_help(text).replace('"', r#"\""#)
}
