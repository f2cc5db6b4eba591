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

use prometheus::proto::{LabelPair, Metric, MetricFamily, MetricType};

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
        let _ = writeln!(out, "# HELP {name} {}", escape(family.help()));
    }
    for metric in family.get_metric() {
        let sample = |out: &mut String, suffix: &str, extra: Option<(&str, f64)>, value: &str| {
            write_sample(out, &format!("{name}{suffix}"), metric, extra, value);
            out.push('\n');
        };
        let sample_with_exemplar = |out: &mut String, suffix: &str, extra, value: &str, slot| {
            write_sample(out, &format!("{name}{suffix}"), metric, extra, value);
            if let Some(exemplar) = exemplar(slot) {
                write_exemplar(out, exemplar);
            }
            out.push('\n');
        };
        match kind {
            MetricType::COUNTER => {
                sample_with_exemplar(out, "_total", None, &float(metric.get_counter().value()), 0)
            }
            MetricType::GAUGE => sample(out, "", None, &float(metric.get_gauge().value())),
            MetricType::UNTYPED => sample(out, "", None, &float(metric.untyped.value())),
            MetricType::HISTOGRAM => {
                let histogram = metric.get_histogram();
                let count = histogram.get_sample_count();
                let mut has_inf = false;
                let buckets = histogram.get_bucket();
                for (slot, bucket) in buckets.iter().enumerate() {
                    let bound = bucket.upper_bound();
                    has_inf |= bound == f64::INFINITY;
                    sample_with_exemplar(
                        out,
                        "_bucket",
                        Some(("le", bound)),
                        &bucket.cumulative_count().to_string(),
                        slot,
                    );
                }
                // The crate leaves the +Inf bucket implicit; OpenMetrics requires it.
                if !has_inf {
                    sample_with_exemplar(
                        out,
                        "_bucket",
                        Some(("le", f64::INFINITY)),
                        &count.to_string(),
                        buckets.len(),
                    );
                }
                sample(out, "_count", None, &count.to_string());
                sample(out, "_sum", None, &float(histogram.get_sample_sum()));
            }
            MetricType::SUMMARY => {
                let summary = metric.get_summary();
                for quantile in summary.get_quantile() {
                    sample(
                        out,
                        "",
                        Some(("quantile", quantile.quantile())),
                        &float(quantile.value()),
                    );
                }
                sample(out, "_sum", None, &float(summary.sample_sum()));
                sample(out, "_count", None, &summary.sample_count().to_string());
            }
        }
        let created = extras.created(family.name());
        if let (Some(created), true) = (created, metric.get_label().is_empty()) {
            sample(out, "_created", None, &float(created));
        }
    }
}

/// ` # {trace_id="..."} value timestamp`, after a sample's value; left out if its labels would pass
/// the 128 characters OpenMetrics allows (a trace id is 32).
fn write_exemplar(out: &mut String, exemplar: &Exemplar) {
    if "trace_id".len() + exemplar.trace_id.chars().count() > EXEMPLAR_LABELS_MAX_CHARS {
        return;
    }
    let _ = write!(
        out,
        " # {{trace_id=\"{}\"}} {} {:.3}",
        escape(&exemplar.trace_id),
        float(exemplar.value),
        exemplar.timestamp
    );
}

/// One sample, without its line end: `name{labels} value [timestamp]`, with `extra` (`le` or
/// `quantile`) last.
fn write_sample(
    out: &mut String,
    name: &str,
    metric: &Metric,
    extra: Option<(&str, f64)>,
    value: &str,
) {
    out.push_str(name);
    let labels: Vec<(&str, String)> = metric
        .get_label()
        .iter()
        .map(|pair: &LabelPair| (pair.name(), escape(pair.value())))
        .chain(extra.map(|(label, bound)| (label, float(bound))))
        .collect();
    if !labels.is_empty() {
        let rendered: Vec<String> = labels
            .iter()
            .map(|(label, value)| format!("{label}=\"{value}\""))
            .collect();
        let _ = write!(out, "{{{}}}", rendered.join(","));
    }
    let _ = write!(out, " {value}");
    // OpenMetrics timestamps are seconds; the crate keeps milliseconds, 0 meaning "none".
    let millis = metric.timestamp_ms();
    if millis != 0 {
        let _ = write!(
            out,
            " {}.{:03}",
            millis.div_euclid(1000),
            millis.rem_euclid(1000)
        );
    }
}

/// Escapes a HELP text or a label value: backslash, double quote and line feed, as the ABNF's
/// `escaped-string` requires for both.
fn escape(text: &str) -> String {
    text.replace('\\', r"\\")
        .replace('"', r#"\""#)
        .replace('\n', r"\n")
}

/// A float as OpenMetrics spells it canonically: the spelling the text format uses too
/// ([`super::float`]: Go's shortest `%g`, `NaN`, `+Inf`, `-Inf`), with `.0` added to a whole
/// number. The canonical form is required for `le` and `quantile`, where one bound must always be
/// one label value; using it for every float value too keeps floats distinguishable from the
/// integer counts.
fn float(value: f64) -> String {
    let spelled = super::float(value);
    if spelled.contains(['.', 'e', 'N', 'I']) {
        spelled
    } else {
        spelled + ".0"
    }
}

#[cfg(test)]
mod tests {
    use super::float;

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
