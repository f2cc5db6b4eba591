//! The OpenMetrics 1.0 text format, written from the gathered families.
//!
//! The `prometheus` crate only writes the older Prometheus text format, and OpenMetrics differs in
//! ways a scraper notices: a counter's family is named without `_total` while its sample keeps it,
//! `le` and `quantile` values have one canonical spelling (`1.0`, not `1`), an untyped family is
//! `unknown`, and the exposition ends in `# EOF`. Prometheus asks for this format first when it scrapes.
//!
//! It also carries what the crate's families cannot, read from [`Extras`]: a `_created` sample
//! after the counters, histograms and the summary whose creation time is known, and on a counter's
//! `_total` and on each histogram bucket its latest exemplar, `# {trace_id="..."} value timestamp`.
//! Never on a gauge: OpenMetrics 1.0 allows exemplars on counters and buckets only.

use std::fmt::Write;

use prometheus::proto::{Metric, MetricFamily, MetricType};

use super::{push_escaped, push_float, push_series};
use crate::exposition::extras::{Exemplar, Extras, EXEMPLAR_LABELS_MAX_CHARS};

/// The content type of OpenMetrics 1.0, exactly as the specification spells it.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Writes `families` as one OpenMetrics exposition, with what `extras` adds, `# EOF` included. Each
/// family is written whole, in the order given, so families are never interleaved.
pub fn encode(families: &[MetricFamily], extras: &Extras) -> String {
    let mut out = String::new();
    for family in families {
        write_family(&mut out, family, extras);
    }
    out.push_str("# EOF\n");
    out
}

fn write_family(out: &mut String, family: &MetricFamily, extras: &Extras) {
    let kind = family.get_field_type();
    let exemplar = |slot| extras.exemplar(family.name(), slot);
    let name = match kind {
        MetricType::COUNTER => family
            .name()
            .strip_suffix("_total")
            .unwrap_or(family.name()),
        _ => family.name(),
    };
    let type_name = match kind {
        MetricType::COUNTER => "counter",
        MetricType::GAUGE => "gauge",
        MetricType::HISTOGRAM => "histogram",
        MetricType::SUMMARY => "summary",
        MetricType::UNTYPED => "unknown",
    };
    // Writing to a String cannot fail, so the `fmt::Result`s below are ignored.
    let _ = writeln!(out, "# TYPE {name} {type_name}");
    if !family.help().is_empty() {
        let _ = write!(out, "# HELP {name} ");
        push_escaped(out, family.help(), true);
        out.push('\n');
    }
    for metric in family.get_metric() {
        // A sample is its series, its value, maybe an exemplar, and a line end.
        let float = |out: &mut String, suffix, extra, value: f64| {
            push_series(out, (name, suffix), metric, extra, push_canonical);
            push_canonical(out, value);
            end_sample(out, metric, None);
        };
        let count = |out: &mut String, suffix, extra, value: u64, slot: Option<usize>| {
            push_series(out, (name, suffix), metric, extra, push_canonical);
            let _ = write!(out, "{value}");
            end_sample(out, metric, slot.and_then(exemplar));
        };
        match kind {
            MetricType::COUNTER => {
                push_series(out, (name, "_total"), metric, None, push_canonical);
                push_canonical(out, metric.get_counter().value());
                end_sample(out, metric, exemplar(0));
            }
            MetricType::GAUGE => float(out, "", None, metric.get_gauge().value()),
            MetricType::UNTYPED => float(out, "", None, metric.untyped.value()),
            MetricType::HISTOGRAM => {
                let histogram = metric.get_histogram();
                let total = histogram.get_sample_count();
                let mut has_inf = false;
                let buckets = histogram.get_bucket();
                for (slot, bucket) in buckets.iter().enumerate() {
                    let bound = bucket.upper_bound();
                    has_inf |= bound == f64::INFINITY;
                    let le = Some(("le", bound));
                    count(out, "_bucket", le, bucket.cumulative_count(), Some(slot));
                }
                // The crate leaves the +Inf bucket implicit; OpenMetrics requires it.
                if !has_inf {
                    let le = Some(("le", f64::INFINITY));
                    count(out, "_bucket", le, total, Some(buckets.len()));
                }
                count(out, "_count", None, total, None);
                float(out, "_sum", None, histogram.get_sample_sum());
            }
            MetricType::SUMMARY => {
                let summary = metric.get_summary();
                for quantile in summary.get_quantile() {
                    let q = Some(("quantile", quantile.quantile()));
                    float(out, "", q, quantile.value());
                }
                float(out, "_sum", None, summary.sample_sum());
                count(out, "_count", None, summary.sample_count(), None);
            }
        }
        let labels = metric.get_label().iter().map(|pair| pair.value());
        if let Some(created) = extras.created_of(family.name(), labels) {
            float(out, "_created", None, created);
        }
    }
}

/// Ends a sample line: its timestamp (OpenMetrics counts seconds; the crate keeps milliseconds, 0
/// meaning "none"), its exemplar if it has one, and the line end.
fn end_sample(out: &mut String, metric: &Metric, exemplar: Option<&Exemplar>) {
    let millis = metric.timestamp_ms();
    if millis != 0 {
        let _ = write!(
            out,
            " {}.{:03}",
            millis.div_euclid(1000),
            millis.rem_euclid(1000)
        );
    }
    if let Some(exemplar) = exemplar {
        write_exemplar(out, exemplar);
    }
    out.push('\n');
}

/// ` # {trace_id="..."} value timestamp`, after a sample's value; left out if its labels would pass
/// the 128 characters OpenMetrics allows (a trace id is 32).
fn write_exemplar(out: &mut String, exemplar: &Exemplar) {
    if "trace_id".len() + exemplar.trace_id.chars().count() > EXEMPLAR_LABELS_MAX_CHARS {
        return;
    }
    out.push_str(" # {trace_id=\"");
    push_escaped(out, &exemplar.trace_id, true);
    out.push_str("\"} ");
    push_canonical(out, exemplar.value);
    let _ = write!(out, " {:.3}", exemplar.timestamp);
}

/// A float as OpenMetrics spells it canonically: the spelling the text format uses too
/// ([`super::push_float`]: Go's shortest `%g`, `NaN`, `+Inf`, `-Inf`), with `.0` added to a whole
/// number. The canonical form is required for `le` and `quantile`, where one bound must always be
/// one label value; using it for every float value too keeps floats distinguishable from the
/// integer counts.
fn push_canonical(out: &mut String, value: f64) {
    let start = out.len();
    push_float(out, value);
    if !out[start..].contains(['.', 'e', 'N', 'I']) {
        out.push_str(".0");
    }
}

#[cfg(test)]
mod tests {
    use super::push_canonical;

    fn float(value: f64) -> String {
        let mut spelled = String::new();
        push_canonical(&mut spelled, value);
        spelled
    }

    #[test]
    fn le_and_quantile_values_follow_the_specifications_examples() {
        let spec = [
            (0.0, "0.0"),
            (0.001, "0.001"),
            (0.002, "0.002"),
            (0.01, "0.01"),
            (0.1, "0.1"),
            (0.9, "0.9"),
            (0.95, "0.95"),
            (0.99, "0.99"),
            (0.999, "0.999"),
            (1.0, "1.0"),
            (1.7, "1.7"),
            (10.0, "10.0"),
            (1e-10, "1e-10"),
            (1e-9, "1e-09"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (100000.0, "100000.0"),
            (1e6, "1e+06"),
            (1e10, "1e+10"),
            (f64::INFINITY, "+Inf"),
        ];
        for (value, expected) in spec {
            assert_eq!(float(value), expected, "{value}");
        }
    }
}
