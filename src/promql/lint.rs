//! Warnings for the mistakes learners make most, read off a query's shape: each says what is wrong,
//! why, and the fix, and names the lesson that teaches it.
//!
//! The mistake it prevents: a query that runs and answers a number, but the wrong one. Prometheus
//! itself says nothing about most of these (3.x adds an info annotation for `rate()` of a name
//! without a counter's suffix; 2.42 says nothing at all), so a learner trusts the graph.

use std::collections::BTreeMap;

use promql_parser::{
    label::MatchOp,
    parser::{Call, Expr, LabelModifier, VectorSelector},
};

use super::explain::{children, duration, selectors};

/// What kind of series a sample name is, as far as the mistakes below care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleKind {
    /// Only goes up (a counter, a histogram's or summary's `_count` and `_sum`, a bucket).
    Counter,
    /// Goes up and down: a gauge, `up`, a `_created` time.
    Gauge,
    /// A summary's own series, one per `quantile` label: already a quantile, not a count.
    SummaryQuantile,
    /// A classic histogram's `_bucket` series, one per `le`.
    Bucket,
    /// A native histogram: one series carrying every bucket.
    NativeHistogram,
}

/// The kind of each sample name the tour exposes, read from its own metric families, so a lint
/// about a gauge knows `tour_temperature_celsius` is one without being told. Prometheus'
/// `/api/v1/metadata` would add nothing: the gate passes only the tour's names, whose TYPE it
/// copies from this same registry, and `up` and `scrape_*`, for which it has no entry (asked for
/// `metric=up` and `metric=scrape_duration_seconds`, 3.5.3 and 2.42 both answer `"data":{}`).
#[derive(Debug, Clone, Default)]
pub struct Kinds(BTreeMap<String, SampleKind>);

impl Kinds {
    /// The kinds of every sample of `families` (their text-format names), with Prometheus' own
    /// `up` and `scrape_*` gauges. A histogram's bare name is its native series: a classic
    /// histogram has none by that name.
    pub fn of(families: &[prometheus::proto::MetricFamily]) -> Kinds {
        use prometheus::proto::MetricType;
        let mut kinds = BTreeMap::new();
        for name in ["up", "scrape_duration_seconds", "scrape_samples_scraped"] {
            kinds.insert(name.to_owned(), SampleKind::Gauge);
        }
        for family in families {
            let name = family.name();
            let base = name.strip_suffix("_total").unwrap_or(name);
            kinds.insert(format!("{base}_created"), SampleKind::Gauge);
            match family.get_field_type() {
                MetricType::COUNTER => {
                    kinds.insert(name.to_owned(), SampleKind::Counter);
                }
                MetricType::GAUGE | MetricType::UNTYPED => {
                    kinds.insert(name.to_owned(), SampleKind::Gauge);
                }
                MetricType::HISTOGRAM => {
                    kinds.insert(name.to_owned(), SampleKind::NativeHistogram);
                    kinds.insert(format!("{name}_bucket"), SampleKind::Bucket);
                    kinds.insert(format!("{name}_sum"), SampleKind::Counter);
                    kinds.insert(format!("{name}_count"), SampleKind::Counter);
                }
                MetricType::SUMMARY => {
                    kinds.insert(name.to_owned(), SampleKind::SummaryQuantile);
                    kinds.insert(format!("{name}_sum"), SampleKind::Counter);
                    kinds.insert(format!("{name}_count"), SampleKind::Counter);
                }
            }
        }
        Kinds(kinds)
    }

    fn of_name(&self, name: &str) -> Option<SampleKind> {
        self.0.get(name).copied()
    }
}

/// The scrape interval a range is measured against, and whether it was read or assumed.
#[derive(Debug, Clone, Copy)]
pub struct ScrapeInterval {
    pub seconds: u64,
    /// `false` when nobody told the tour: the lint then says which interval it assumed.
    pub known: bool,
}

impl Default for ScrapeInterval {
    /// `docs/prometheus.yml`'s 5 s, assumed.
    fn default() -> Self {
        ScrapeInterval {
            seconds: 5,
            known: false,
        }
    }
}

/// One warning: the rule it breaks, a line saying what, why and the fix, and the lesson.
#[derive(Debug, Clone, PartialEq)]
pub struct Lint {
    pub rule: &'static str,
    pub message: String,
    pub lesson: &'static str,
}

impl Lint {
    /// What is wrong, without the why and the fix: the message up to its first colon.
    pub fn headline(&self) -> &str {
        self.message
            .split_once(": ")
            .map_or(self.message.as_str(), |(what, _)| what)
    }
}

/// Every warning for `expr`, in the order its nodes are met.
pub fn lint(expr: &Expr, kinds: &Kinds, interval: ScrapeInterval) -> Vec<Lint> {
    let mut lints = Vec::new();
    visit(expr, kinds, interval, &mut lints);
    lints
}

fn visit(expr: &Expr, kinds: &Kinds, interval: ScrapeInterval, lints: &mut Vec<Lint>) {
    match expr {
        Expr::Call(call) => check_call(call, kinds, interval, lints),
        Expr::Aggregate(aggregate) => {
            let op = aggregate.op.to_string().to_lowercase();
            let averaging = matches!(
                op.as_str(),
                "avg" | "sum" | "quantile" | "stddev" | "stdvar"
            );
            if averaging && holds_quantiles(&aggregate.expr, kinds) {
                lints.push(Lint {
                    rule: "aggregated-quantiles",
                    message: format!(
                        "{op}() over quantiles: a quantile of a whole is not the {op} of the parts' quantiles, so this is the quantile of nothing; sum the buckets first, then take one histogram_quantile"
                    ),
                    lesson: "/tour/versus",
                });
            }
        }
        Expr::Binary(binary) if matches!(binary.op.to_string().as_str(), "==" | "!=") => {
            let (lhs, rhs) = (unparen(&binary.lhs), unparen(&binary.rhs));
            for (side, other) in [(lhs, rhs), (rhs, lhs)] {
                if let (Expr::Call(call), Expr::NumberLiteral(number)) = (side, other) {
                    if call.func.name == "increase" && number.val.fract() == 0.0 {
                        lints.push(Lint {
                            rule: "increase-compared-with-an-integer",
                            message: format!(
                                "increase() compared with {}: increase() extrapolates to the range's ends, so it rarely answers a whole number; compare with > or <, or round() it",
                                number.val
                            ),
                            lesson: "/tour/counter",
                        });
                    }
                }
            }
        }
        Expr::VectorSelector(_) | Expr::MatrixSelector(_) => {}
        _ => {}
    }
    for selector in match expr {
        Expr::VectorSelector(selector) => vec![selector],
        Expr::MatrixSelector(matrix) => vec![&matrix.vs],
        _ => vec![],
    } {
        for matcher in &selector.matchers.matchers {
            let integer = matcher.value.parse::<i64>().is_ok();
            if (matcher.name == "le" || matcher.name == "quantile")
                && matches!(matcher.op, MatchOp::Equal | MatchOp::NotEqual)
                && integer
            {
                lints.push(Lint {
                    rule: "integer-le",
                    message: format!(
                        "{}=\"{}\" matches nothing on Prometheus 3, which stores every {} as a float (\"{}.0\"); write {}=\"{}.0\" (Prometheus 2.42 kept the text format's spelling)",
                        matcher.name, matcher.value, matcher.name, matcher.value, matcher.name, matcher.value
                    ),
                    lesson: "/tour/histogram",
                });
            }
        }
    }
    for child in children(expr) {
        visit(child, kinds, interval, lints);
    }
}

fn check_call(call: &Call, kinds: &Kinds, interval: ScrapeInterval, lints: &mut Vec<Lint>) {
    let name = call.func.name;
    let counter_function = matches!(name, "rate" | "irate" | "increase");
    if counter_function {
        for selector in matrix_selectors(call) {
            let metric = selector.name.as_deref().unwrap_or_default();
            let kind = kinds.of_name(metric);
            if matches!(kind, Some(SampleKind::Gauge | SampleKind::SummaryQuantile)) {
                let what = if kind == Some(SampleKind::Gauge) {
                    "a gauge"
                } else {
                    "a summary's quantile"
                };
                let prometheus_says = if name == "irate" {
                    "neither Prometheus 3 nor 2.42 says a word"
                } else {
                    "Prometheus 3 adds only an info annotation, 2.42 says nothing"
                };
                lints.push(Lint {
                    rule: "rate-of-a-gauge",
                    message: format!(
                        "{name}() of {metric}, {what}: {name}() reads every fall as a counter restart and adds it back, so the answer is made up; use delta() or deriv() for a gauge ({prometheus_says})"
                    ),
                    lesson: "/tour/gauge",
                });
            }
        }
        if let Some(Expr::Subquery(subquery)) = call.args.args.first().map(|arg| unparen(arg)) {
            if let Expr::Aggregate(aggregate) = unparen(&subquery.expr) {
                if aggregate.op.to_string().to_lowercase() == "sum" {
                    lints.push(Lint {
                        rule: "rate-of-a-sum",
                        message: format!(
                            "{name}() of a sum: when one of the summed counters restarts, the sum falls and {name}() counts the whole of it again; take {name}() of each counter first, then sum: sum({name}(x[5m]))"
                        ),
                        lesson: "/tour/counter",
                    });
                }
            }
        }
    }
    if matches!(name, "delta" | "idelta" | "deriv" | "predict_linear") {
        for selector in matrix_selectors(call) {
            let metric = selector.name.as_deref().unwrap_or_default();
            if matches!(
                kinds.of_name(metric),
                Some(SampleKind::Counter | SampleKind::Bucket)
            ) {
                let instead = match name {
                    "delta" => "use increase(), which reads a fall as a restart",
                    "idelta" => "use irate(), which reads a fall as a restart",
                    "deriv" => "use rate(), a per-second slope that reads a fall as a restart",
                    _ => "forecast from rate(), which reads a fall as a restart: the counter + rate(counter[range]) * seconds ahead",
                };
                lints.push(Lint {
                    rule: "delta-of-a-counter",
                    message: format!(
                        "{name}() of {metric}, a counter: {name}() takes a restart's fall to 0 for a real fall, so its answer drops, even below zero; {instead} (Prometheus' docs: {name}() is for gauges)"
                    ),
                    lesson: "/tour/counter",
                });
            }
        }
    }
    if name == "histogram_quantile" {
        if let Some(buckets) = call.args.args.get(1) {
            let classic = selectors(buckets).iter().any(|selector| {
                selector.name.as_deref().is_some_and(|n| {
                    kinds.of_name(n) == Some(SampleKind::Bucket) || n.ends_with("_bucket")
                })
            });
            if classic && drops_le(buckets) {
                lints.push(Lint {
                    rule: "quantile-without-le",
                    message: "histogram_quantile() over buckets whose aggregation drops le: without le the buckets are added into one number and no quantile can be found; keep it, as in sum by (le) (rate(x_bucket[5m]))".into(),
                    lesson: "/tour/histogram",
                });
            }
        }
    }
    let ranges = call.args.args.iter().filter_map(|arg| match unparen(arg) {
        Expr::MatrixSelector(matrix) => Some(matrix.range),
        Expr::Subquery(subquery) => Some(subquery.range),
        _ => None,
    });
    let needs_samples = matches!(
        name,
        "rate" | "irate" | "increase" | "delta" | "idelta" | "deriv"
    );
    for range in ranges {
        let shortest = std::time::Duration::from_secs(4 * interval.seconds);
        if needs_samples && range < shortest {
            let told = if interval.known {
                format!("the {} s scrape interval", interval.seconds)
            } else {
                format!(
                    "a {} s scrape interval (assumed, as in docs/prometheus.yml)",
                    interval.seconds
                )
            };
            lints.push(Lint {
                rule: "short-range",
                message: format!(
                    "{name}() over [{}], under 4 times {told}: {name}() needs at least two samples in the range, and a scrape or two missed leaves it fewer, so the line has gaps; use [{}] or more",
                    duration(range),
                    duration(shortest)
                ),
                lesson: "/tour/counter",
            });
        }
    }
}

/// The selectors of `call`'s range-vector arguments, such as `x` in `rate(x[5m])`.
fn matrix_selectors(call: &Call) -> impl Iterator<Item = &VectorSelector> {
    call.args.args.iter().filter_map(|arg| match arg.as_ref() {
        Expr::MatrixSelector(matrix) => Some(&matrix.vs),
        _ => None,
    })
}

/// Whether `expr` is (or passes through a function to) a summary's quantiles or a
/// `histogram_quantile` result.
fn holds_quantiles(expr: &Expr, kinds: &Kinds) -> bool {
    match unparen(expr) {
        Expr::VectorSelector(selector) => selector
            .name
            .as_deref()
            .is_some_and(|name| kinds.of_name(name) == Some(SampleKind::SummaryQuantile)),
        Expr::Call(call) if call.func.name == "histogram_quantile" => true,
        Expr::Call(call) => call.args.args.iter().any(|arg| holds_quantiles(arg, kinds)),
        _ => false,
    }
}

/// Whether an aggregation on the way down to the buckets loses the `le` label.
fn drops_le(expr: &Expr) -> bool {
    match unparen(expr) {
        Expr::Aggregate(aggregate) => {
            let keeps_le = match &aggregate.modifier {
                Some(LabelModifier::Include(labels)) => labels.labels.iter().any(|l| l == "le"),
                Some(LabelModifier::Exclude(labels)) => !labels.labels.iter().any(|l| l == "le"),
                None => false,
            };
            !keeps_le || drops_le(&aggregate.expr)
        }
        other => children(other).into_iter().any(drops_le),
    }
}

fn unparen(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(paren) => unparen(&paren.expr),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{config::Config, state::Metrics};

    /// The rules that fire on `query`, against the tour's own metric kinds and a 5 s interval.
    fn rules(query: &str) -> Vec<&'static str> {
        let metrics = Metrics::new(&Config::default()).unwrap();
        let kinds = Kinds::of(&metrics.registry.gather());
        let expr = promql_parser::parser::parse(query).unwrap();
        lint(&expr, &kinds, ScrapeInterval::default())
            .into_iter()
            .map(|lint| lint.rule)
            .collect()
    }

    #[test]
    fn rate_of_a_gauge_or_a_summary_quantile_is_warned_of_and_a_counter_is_not() {
        assert_eq!(
            rules("rate(tour_temperature_celsius[5m])"),
            ["rate-of-a-gauge"]
        );
        assert_eq!(
            rules("increase(tour_response_seconds[5m])"),
            ["rate-of-a-gauge"]
        );
        assert_eq!(
            rules("irate(file_uploads_in_progress[1m])"),
            ["rate-of-a-gauge"]
        );
        // Prometheus 3's annotation is for rate() and increase() alone (engine.go at v3.5.0).
        let metrics = Metrics::new(&Config::default()).unwrap();
        let kinds = Kinds::of(&metrics.registry.gather());
        let said = |query: &str| {
            let expr = promql_parser::parser::parse(query).unwrap();
            lint(&expr, &kinds, ScrapeInterval::default())[0]
                .message
                .clone()
        };
        assert!(
            said("irate(tour_temperature_celsius[1m])").contains("neither Prometheus 3 nor 2.42")
        );
        assert!(said("rate(tour_temperature_celsius[1m])").contains("info annotation"));
        assert!(rules("rate(tour_clicks_total[5m])").is_empty());
        assert!(rules("rate(tour_response_seconds_count[5m])").is_empty());
        assert!(rules("delta(tour_temperature_celsius[5m])").is_empty());
    }

    #[test]
    fn histogram_quantile_over_buckets_without_le_is_warned_of() {
        let rule = ["quantile-without-le"];
        let p90 = |inner: &str| format!("histogram_quantile(0.9, {inner})");
        assert_eq!(
            rules(&p90("sum(rate(file_upload_duration_seconds_bucket[5m]))")),
            rule
        );
        assert_eq!(
            rules(&p90(
                "sum by (route) (rate(http_request_duration_seconds_bucket[5m]))"
            )),
            rule
        );
        assert_eq!(
            rules(&p90(
                "sum without (le) (rate(file_upload_duration_seconds_bucket[5m]))"
            )),
            rule
        );
        assert!(rules(&p90(
            "sum by (le) (rate(file_upload_duration_seconds_bucket[5m]))"
        ))
        .is_empty());
        assert!(rules(&p90(
            "sum by (le, route) (rate(http_request_duration_seconds_bucket[5m]))"
        ))
        .is_empty());
        assert!(rules(&p90("rate(file_upload_duration_seconds_bucket[5m])")).is_empty());
        assert!(rules(&p90("sum(rate(tour_response_native_seconds[5m]))")).is_empty());
    }

    #[test]
    fn an_average_of_quantiles_is_warned_of_and_a_sum_of_sums_is_not() {
        let rule = ["aggregated-quantiles"];
        assert_eq!(rules("avg(tour_response_seconds{quantile=\"0.9\"})"), rule);
        assert_eq!(
            rules("avg(histogram_quantile(0.9, rate(file_upload_duration_seconds_bucket[5m])))"),
            rule
        );
        assert!(rules("sum(rate(tour_response_seconds_sum[5m]))").is_empty());
        assert!(rules("max(tour_response_seconds{quantile=\"0.9\"})").is_empty());
        assert!(rules(
            "histogram_quantile(0.9, sum by (le) (rate(file_upload_duration_seconds_bucket[5m])))"
        )
        .is_empty());
    }

    #[test]
    fn a_rate_over_a_subquery_of_a_sum_is_warned_of() {
        assert_eq!(
            rules("rate(sum(tour_clicks_total)[5m:15s])"),
            ["rate-of-a-sum"]
        );
        assert!(rules("sum(rate(tour_clicks_total[5m]))").is_empty());
        assert!(rules("max_over_time(sum(tour_clicks_total)[5m:15s])").is_empty());
        assert!(rules("rate(tour_clicks_total[5m:15s])").is_empty());
    }

    #[test]
    fn a_range_under_four_scrape_intervals_is_warned_of() {
        assert_eq!(rules("rate(tour_clicks_total[15s])"), ["short-range"]);
        assert_eq!(rules("rate(tour_clicks_total[10s:1s])"), ["short-range"]);
        assert!(rules("rate(tour_clicks_total[20s])").is_empty());
        // resets() and changes() answer from the samples there are, even one.
        assert!(rules("resets(tour_clicks_total[10s])").is_empty());
        assert!(rules("max_over_time(tour_temperature_celsius[10s])").is_empty());
    }

    #[test]
    fn an_le_or_quantile_spelled_as_an_integer_is_warned_of() {
        assert_eq!(
            rules("file_upload_duration_seconds_bucket{le=\"5\"}"),
            ["integer-le"]
        );
        assert_eq!(
            rules("tour_response_seconds{quantile=\"1\"}"),
            ["integer-le"]
        );
        assert!(rules("file_upload_duration_seconds_bucket{le=\"5.0\"}").is_empty());
        assert!(rules("file_upload_duration_seconds_bucket{le=\"+Inf\"}").is_empty());
        assert!(rules("http_requests_total{status=\"404\"}").is_empty());
    }

    #[test]
    fn delta_or_deriv_of_a_counter_is_warned_of_and_of_a_gauge_is_not() {
        let rule = ["delta-of-a-counter"];
        assert_eq!(rules("delta(tour_clicks_total[10m])"), rule);
        assert_eq!(rules("deriv(tour_response_seconds_sum[5m])"), rule);
        assert_eq!(
            rules("idelta(file_upload_duration_seconds_count[1m])"),
            rule
        );
        assert_eq!(
            rules("predict_linear(file_upload_duration_seconds_bucket[10m], 60)"),
            rule
        );
        // The near misses: the gauge page's own delta(), and a counter's increase().
        assert!(rules("delta(tour_temperature_celsius[10m])").is_empty());
        assert!(rules("deriv(file_uploads_in_progress[5m])").is_empty());
        assert!(rules("increase(tour_clicks_total[10m])").is_empty());
        assert!(rules("delta(tour_clicks_created[10m])").is_empty());
    }

    #[test]
    fn increase_compared_with_a_whole_number_is_warned_of() {
        assert_eq!(
            rules("increase(tour_clicks_total[5m]) == 3"),
            ["increase-compared-with-an-integer"]
        );
        assert_eq!(
            rules("2 != (increase(tour_clicks_total[5m]))"),
            ["increase-compared-with-an-integer"]
        );
        assert!(rules("increase(tour_clicks_total[5m]) > 0").is_empty());
        assert!(rules("increase(tour_clicks_total[5m]) == 2.5").is_empty());
        assert!(rules("delta(tour_temperature_celsius[5m]) == 3").is_empty());
    }
}
