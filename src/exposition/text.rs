//! The Prometheus text format (version 0.0.4), which `GET /metrics` answers by default.
//!
//! Written here rather than by the `prometheus` crate's `TextEncoder`, which spells infinities
//! `inf` and `-inf` where the format says `+Inf` and `-Inf`. Numbers are spelled by
//! [`super::push_float`], as client_golang writes them, the same function OpenMetrics builds on.

use std::fmt::Write;

use prometheus::proto::{Metric, MetricFamily, MetricType};

use super::{push_escaped, push_float, push_series};

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
        out.push_str("# HELP ");
        out.push_str(name);
        out.push(' ');
        push_escaped(&mut out, family.help(), false);
        // Writing to a String cannot fail, so the `fmt::Result`s below are ignored.
        let _ = writeln!(out, "\n# TYPE {name} {kind}");
        for metric in family.get_metric() {
            write_metric(&mut out, name, family.get_field_type(), metric);
        }
    }
    out
}

/// The samples of one metric: one line, or a histogram's buckets, sum and count, or a summary's
/// quantiles, sum and count.
fn write_metric(out: &mut String, name: &str, kind: MetricType, metric: &Metric) {
    let float = |out: &mut String, suffix, extra, value: f64| {
        push_series(out, (name, suffix), metric, extra, push_float);
        push_float(out, value);
        end_sample(out, metric);
    };
    let count = |out: &mut String, suffix, extra, value: u64| {
        push_series(out, (name, suffix), metric, extra, push_float);
        let _ = write!(out, "{value}");
        end_sample(out, metric);
    };
    match kind {
        MetricType::COUNTER => float(out, "", None, metric.get_counter().value()),
        MetricType::GAUGE => float(out, "", None, metric.get_gauge().value()),
        MetricType::UNTYPED => float(out, "", None, metric.untyped.value()),
        MetricType::HISTOGRAM => {
            let histogram = metric.get_histogram();
            let total = histogram.get_sample_count();
            let mut has_inf = false;
            for bucket in histogram.get_bucket() {
                has_inf |= bucket.upper_bound() == f64::INFINITY;
                let le = Some(("le", bucket.upper_bound()));
                count(out, "_bucket", le, bucket.cumulative_count());
            }
            // The crate leaves the +Inf bucket implicit; the format wants it written.
            if !has_inf {
                count(out, "_bucket", Some(("le", f64::INFINITY)), total);
            }
            float(out, "_sum", None, histogram.get_sample_sum());
            count(out, "_count", None, total);
        }
        MetricType::SUMMARY => {
            let summary = metric.get_summary();
            for quantile in summary.get_quantile() {
                let q = Some(("quantile", quantile.quantile()));
                float(out, "", q, quantile.value());
            }
            float(out, "_sum", None, summary.sample_sum());
            count(out, "_count", None, summary.sample_count());
        }
    }
}

/// Ends a sample line: its timestamp in milliseconds, if it has one.
fn end_sample(out: &mut String, metric: &Metric) {
    if metric.timestamp_ms() != 0 {
        let _ = write!(out, " {}", metric.timestamp_ms());
    }
    out.push('\n');
}
