//! A query explained as a tree, the way PromLens and Prometheus 3's UI draw it, but in sentences a
//! learner reads: each node says what it selects or computes, which labels its results keep, what
//! kind of value it returns, and which page of the tour teaches it.
//!
//! The mistake it prevents: reading `sum(rate(x[5m]))` as one opaque formula. Taken apart, each
//! step has its own result, and most wrong queries are a right step in the wrong place.

use promql_parser::{
    label::{MatchOp, Matcher},
    parser::{
        value::ValueType, AggregateExpr, BinaryExpr, Call, Expr, LabelModifier, VectorSelector,
    },
};

/// One node of a query's tree, in the order a reader meets them: a parent before its children.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// How deep in the tree: 0 for the whole query.
    pub depth: usize,
    /// This node's own PromQL, as Prometheus would print it.
    pub promql: String,
    /// What it selects or computes, in a sentence.
    pub does: String,
    /// Which labels its results carry.
    pub labels: String,
    /// The kind of value it returns.
    pub returns: Returns,
    /// The tour's page that teaches this step, when one does.
    pub lesson: Option<&'static str>,
}

/// The four kinds of value PromQL knows, named as Prometheus' HTTP API names them in `resultType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returns {
    /// One value per series, at one instant (`resultType` `vector`).
    InstantVector,
    /// Several samples per series over a range (`matrix`).
    RangeVector,
    /// A single number with no labels (`scalar`).
    Scalar,
    /// A string (`string`), only ever an argument.
    String,
}

impl Returns {
    /// The name Prometheus' `/api/v1/query` gives it in `resultType`.
    pub fn result_type(self) -> &'static str {
        match self {
            Returns::InstantVector => "vector",
            Returns::RangeVector => "matrix",
            Returns::Scalar => "scalar",
            Returns::String => "string",
        }
    }

    /// How a learner reads it.
    pub fn words(self) -> &'static str {
        match self {
            Returns::InstantVector => "instant vector",
            Returns::RangeVector => "range vector",
            Returns::Scalar => "scalar",
            Returns::String => "string",
        }
    }

    fn of(expr: &Expr) -> Returns {
        match expr.value_type() {
            ValueType::Vector => Returns::InstantVector,
            ValueType::Matrix => Returns::RangeVector,
            ValueType::Scalar => Returns::Scalar,
            ValueType::String => Returns::String,
        }
    }
}

/// The tree of `expr`, a parent before its children.
pub fn explain(expr: &Expr) -> Vec<Node> {
    let mut nodes = Vec::new();
    walk(expr, 0, &mut nodes);
    nodes
}

fn walk(expr: &Expr, depth: usize, nodes: &mut Vec<Node>) {
    let (does, labels, lesson) = describe(expr);
    nodes.push(Node {
        depth,
        promql: expr.to_string(),
        does,
        labels,
        returns: Returns::of(expr),
        lesson,
    });
    for child in children(expr) {
        walk(child, depth + 1, nodes);
    }
}

/// The nodes directly below `expr`; a parenthesis is shown as its content's parent, so the tree
/// keeps the shape the learner typed.
pub fn children(expr: &Expr) -> Vec<&Expr> {
    match expr {
        Expr::Aggregate(aggregate) => aggregate
            .param
            .iter()
            .map(|param| param.as_ref())
            .chain([aggregate.expr.as_ref()])
            .collect(),
        Expr::Unary(unary) => vec![&unary.expr],
        Expr::Binary(binary) => vec![&binary.lhs, &binary.rhs],
        Expr::Paren(paren) => vec![&paren.expr],
        Expr::Subquery(subquery) => vec![&subquery.expr],
        Expr::Call(call) => call.args.args.iter().map(|arg| arg.as_ref()).collect(),
        Expr::NumberLiteral(_)
        | Expr::StringLiteral(_)
        | Expr::VectorSelector(_)
        | Expr::MatrixSelector(_)
        | Expr::Extension(_) => Vec::new(),
    }
}

const ALL_LABELS: &str = "every label of each series, its name included";
const NO_LABELS: &str = "none: a number has no labels";

fn describe(expr: &Expr) -> (String, String, Option<&'static str>) {
    match expr {
        Expr::VectorSelector(selector) => (
            format!(
                "selects {}, the latest sample of each at the evaluation time, unless it is older than the 5-minute lookback or marked stale",
                selection(selector)
            ),
            ALL_LABELS.into(),
            None,
        ),
        Expr::MatrixSelector(matrix) => (
            format!(
                "selects {}, every sample in the last {} of each",
                selection(&matrix.vs),
                duration(matrix.range)
            ),
            ALL_LABELS.into(),
            Some("/tour/counter"),
        ),
        Expr::NumberLiteral(number) => (
            format!("the number {}", number.val),
            NO_LABELS.into(),
            None,
        ),
        Expr::StringLiteral(string) => (
            format!("the string \"{}\", an argument", string.val),
            NO_LABELS.into(),
            None,
        ),
        Expr::Paren(_) => (
            "parentheses: the same value as what they hold, grouped first".into(),
            "those of what they hold".into(),
            None,
        ),
        Expr::Unary(_) => (
            "the negative of what it holds".into(),
            "those of what it holds, without the metric name".into(),
            None,
        ),
        Expr::Subquery(subquery) => (
            format!(
                "evaluates what it holds at every {} over the last {}, making a range vector of the results",
                subquery
                    .step
                    .map(duration)
                    .unwrap_or_else(|| "global evaluation interval (1m unless configured)".into()),
                duration(subquery.range)
            ),
            "those of what it holds".into(),
            None,
        ),
        Expr::Aggregate(aggregate) => describe_aggregation(aggregate),
        Expr::Binary(binary) => describe_binary(binary),
        Expr::Call(call) => describe_call(call),
        Expr::Extension(_) => ("an extension".into(), String::new(), None),
    }
}

/// `tour_clicks_total with job="tour"`: the metric and its matchers in words.
fn selection(selector: &VectorSelector) -> String {
    let name = selector.name.clone().unwrap_or_else(|| "the series".into());
    let matchers: Vec<String> = selector
        .matchers
        .matchers
        .iter()
        .filter(|matcher| !(matcher.name == "__name__" && selector.name.is_some()))
        .map(matcher_words)
        .collect();
    let mut words = if matchers.is_empty() {
        format!("every series of {name}")
    } else {
        format!("the series of {name} whose {}", matchers.join(" and "))
    };
    if let Some(offset) = &selector.offset {
        words.push_str(&format!(", shifted back by {offset}"));
    }
    words
}

fn matcher_words(matcher: &Matcher) -> String {
    let (op, value) = (&matcher.op, &matcher.value);
    match op {
        MatchOp::Equal if value.is_empty() => format!("{} is absent", matcher.name),
        MatchOp::Equal => format!("{} is \"{value}\"", matcher.name),
        MatchOp::NotEqual => format!("{} is not \"{value}\"", matcher.name),
        MatchOp::Re(_) => format!("{} matches the regex \"{value}\"", matcher.name),
        MatchOp::NotRe(_) => format!("{} does not match the regex \"{value}\"", matcher.name),
    }
}

/// A duration as PromQL spells it (`5m`, `1h30m`).
pub fn duration(duration: std::time::Duration) -> String {
    let mut millis = duration.as_millis();
    if millis == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, size) in [
        ("y", 365 * 24 * 3_600_000u128),
        ("w", 7 * 24 * 3_600_000),
        ("d", 24 * 3_600_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
        ("ms", 1),
    ] {
        if millis >= size {
            out.push_str(&format!("{}{unit}", millis / size));
            millis %= size;
        }
    }
    out
}

fn grouping(modifier: &Option<LabelModifier>) -> String {
    match modifier {
        None => "none: one result for everything".into(),
        Some(LabelModifier::Include(labels)) if labels.labels.is_empty() => {
            "none: one result for everything".into()
        }
        Some(LabelModifier::Include(labels)) => {
            format!("only {}: one result per value", labels.labels.join(", "))
        }
        Some(LabelModifier::Exclude(labels)) => format!(
            "all but {} and the metric name: one result per remaining combination",
            labels.labels.join(", ")
        ),
    }
}

fn describe_aggregation(aggregate: &AggregateExpr) -> (String, String, Option<&'static str>) {
    let op = aggregate.op.to_string().to_lowercase();
    let does = match op.as_str() {
        "sum" => "adds the values of the series in each group",
        "avg" => "averages the values of the series in each group",
        "min" => "keeps the smallest value in each group",
        "max" => "keeps the largest value in each group",
        "count" => "counts the series in each group",
        "group" => "gives 1 for each group that has a series",
        "stddev" => "the population standard deviation of each group's values",
        "stdvar" => "the population variance of each group's values",
        "topk" => "keeps the k largest series of each group, labels and all",
        "bottomk" => "keeps the k smallest series of each group, labels and all",
        "limitk" => "keeps k series of each group, chosen deterministically (experimental: Prometheus 3.5 needs --enable-feature=promql-experimental-functions)",
        "limit_ratio" => "keeps a fixed share of each group's series (experimental: Prometheus 3.5 needs --enable-feature=promql-experimental-functions)",
        "quantile" => "the φ-quantile of each group's values (across series, not over time)",
        "count_values" => "counts the series in each group that share a value",
        _ => "aggregates the series in each group",
    };
    let labels = match op.as_str() {
        "topk" | "bottomk" | "limitk" | "limit_ratio" => {
            "every label of the series kept, its name included".into()
        }
        "count_values" => format!(
            "{}, plus a label named by its first argument holding each distinct value",
            grouping(&aggregate.modifier)
                .split(':')
                .next()
                .unwrap_or_default()
        ),
        _ => grouping(&aggregate.modifier),
    };
    let lesson = match op.as_str() {
        "sum" | "avg" | "count" | "min" | "max" | "quantile" => Some("/tour/labels"),
        _ => None,
    };
    (does.to_owned(), labels, lesson)
}

fn describe_binary(binary: &BinaryExpr) -> (String, String, Option<&'static str>) {
    let op = binary.op.to_string();
    let lhs = Returns::of(&binary.lhs);
    let rhs = Returns::of(&binary.rhs);
    let comparison = binary.op.is_comparison_operator();
    let returns_bool = binary
        .modifier
        .as_ref()
        .is_some_and(|modifier| modifier.return_bool);
    let does = if binary.op.is_set_operator() {
        match op.as_str() {
            "and" => "keeps the left side's series that have a match on the right".into(),
            "or" => "the left side's series, plus the right side's that have no match on the left"
                .into(),
            _ => "keeps the left side's series that have no match on the right".into(),
        }
    } else if comparison && returns_bool {
        format!("compares with {op}, giving 1 where it holds and 0 where it does not")
    } else if comparison && (lhs == Returns::Scalar && rhs == Returns::Scalar) {
        format!("compares two numbers with {op} (needs bool)")
    } else if comparison {
        format!("keeps the series for which {op} holds, with their values unchanged")
    } else {
        format!("applies {op} to the values")
    };
    let matched = if lhs == Returns::InstantVector && rhs == Returns::InstantVector {
        match binary
            .modifier
            .as_ref()
            .and_then(|modifier| modifier.matching.as_ref())
        {
            Some(LabelModifier::Include(labels)) => {
                format!(", pairing series by {} only", labels.labels.join(", "))
            }
            Some(LabelModifier::Exclude(labels)) => format!(
                ", pairing series on all labels but {}",
                labels.labels.join(", ")
            ),
            None => ", pairing series whose labels are all equal".into(),
        }
    } else {
        String::new()
    };
    let labels = if lhs == Returns::Scalar && rhs == Returns::Scalar {
        NO_LABELS.into()
    } else if binary.op.is_set_operator() || (comparison && !returns_bool) {
        "those of the series kept, their name included when they had one".into()
    } else if lhs == Returns::InstantVector && rhs == Returns::InstantVector {
        match binary
            .modifier
            .as_ref()
            .and_then(|modifier| modifier.matching.as_ref())
        {
            Some(LabelModifier::Include(labels)) => format!(
                "the left side's {} only (plus any group_left or group_right labels), without the metric name",
                labels.labels.join(", ")
            ),
            Some(LabelModifier::Exclude(labels)) => format!(
                "the left side's, without {} and the metric name (plus any group_left or group_right labels)",
                labels.labels.join(", ")
            ),
            None => "the left side's, without the metric name".into(),
        }
    } else {
        "those of the vector side, without the metric name".into()
    };
    (format!("{does}{matched}"), labels, None)
}

fn describe_call(call: &Call) -> (String, String, Option<&'static str>) {
    let name = call.func.name;
    let (does, lesson): (&str, Option<&'static str>) = match name {
        "rate" => (
            "the per-second rate at which each counter grew over the range, counter resets included, extrapolated to the range's ends",
            Some("/tour/counter"),
        ),
        "irate" => (
            "the per-second rate between the last two samples of each counter in the range",
            Some("/tour/counter"),
        ),
        "increase" => (
            "how much each counter grew over the range, counter resets included, extrapolated to the range's ends (so rarely a whole number)",
            Some("/tour/counter"),
        ),
        "resets" => ("how many times each counter fell (restarted) within the range", Some("/tour/counter")),
        "delta" => ("the difference between the first and last value of each gauge in the range, extrapolated", Some("/tour/gauge")),
        "idelta" => ("the difference between the last two samples of each gauge in the range", Some("/tour/gauge")),
        "deriv" => ("the per-second slope of each gauge over the range, by linear regression", Some("/tour/gauge")),
        "predict_linear" => ("where each gauge will be after the given seconds, by linear regression over the range", Some("/tour/gauge")),
        "changes" => ("how many times each series' value changed within the range", None),
        "histogram_quantile" => (
            "estimates the φ-quantile from buckets: for classic buckets it needs the le label, and interpolates within the bucket the quantile falls in",
            Some("/tour/histogram"),
        ),
        "histogram_fraction" => ("estimates the fraction of observations between two bounds, from native buckets", Some("/tour/native-histogram")),
        "histogram_count" => ("the count of observations in each native histogram", Some("/tour/native-histogram")),
        "histogram_sum" => ("the sum of observations in each native histogram", Some("/tour/native-histogram")),
        "histogram_avg" => ("the average observation of each native histogram (sum divided by count)", Some("/tour/native-histogram")),
        "avg_over_time" => ("the average of each series' samples in the range", Some("/tour/gauge")),
        "min_over_time" => ("the smallest of each series' samples in the range", Some("/tour/gauge")),
        "max_over_time" => ("the largest of each series' samples in the range", Some("/tour/gauge")),
        "sum_over_time" => ("the sum of each series' samples in the range", None),
        "count_over_time" => ("how many samples each series has in the range", None),
        "last_over_time" => ("the latest sample of each series in the range", None),
        "quantile_over_time" => ("the φ-quantile of each series' samples in the range", None),
        "present_over_time" => ("1 for each series with any sample in the range", None),
        "absent_over_time" => ("1 when no series matches within the range, else nothing", None),
        "stddev_over_time" => ("the standard deviation of each series' samples in the range", None),
        "absent" => ("1 when no series matches, else nothing: for alerting on a missing metric", None),
        "abs" | "ceil" | "floor" | "round" | "sqrt" | "exp" | "ln" | "log2" | "log10" | "sgn" => {
            ("applies the math function to each value", None)
        }
        "clamp" | "clamp_min" | "clamp_max" => ("limits each value to the given bounds", None),
        "scalar" => ("the value of a one-series vector as a number (NaN when it has not exactly one series)", None),
        "vector" => ("a number as a one-series vector with no labels", None),
        "time" => ("the evaluation time, in seconds since 1970", None),
        "timestamp" => ("the timestamp of each series' sample, in seconds since 1970", None),
        "label_replace" => ("copies a label's value, rewritten by a regex, into another label", Some("/tour/labels")),
        "label_join" => ("joins several labels' values into another label", Some("/tour/labels")),
        "sort" => ("the same series, in ascending order of value", None),
        "sort_desc" => ("the same series, in descending order of value", None),
        _ => ("a PromQL function; see Prometheus' documentation of functions", None),
    };
    let labels = match name {
        "last_over_time" | "label_replace" | "label_join" | "sort" | "sort_desc" => {
            "those of each series, its name included".into()
        }
        "vector" | "absent" | "absent_over_time" => {
            "only the equality matchers of the selector, or none".into()
        }
        "scalar" | "time" => NO_LABELS.into(),
        "histogram_quantile" => {
            "those of each bucket group without le and the metric name: one result per group".into()
        }
        _ => "those of each series, without the metric name".into(),
    };
    (does.to_owned(), labels, lesson)
}

/// The metric names a query selects, for lints and the gate.
pub fn selectors(expr: &Expr) -> Vec<&VectorSelector> {
    let mut found = Vec::new();
    collect_selectors(expr, &mut found);
    found
}

fn collect_selectors<'a>(expr: &'a Expr, found: &mut Vec<&'a VectorSelector>) {
    match expr {
        Expr::VectorSelector(selector) => found.push(selector),
        Expr::MatrixSelector(matrix) => found.push(&matrix.vs),
        _ => {
            for child in children(expr) {
                collect_selectors(child, found);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(query: &str) -> Vec<Node> {
        explain(&promql_parser::parser::parse(query).unwrap())
    }

    #[test]
    fn a_rate_is_a_function_over_a_range_of_one_counter() {
        let nodes = tree(r#"rate(tour_clicks_total{job="tour"}[1m])"#);
        assert_eq!(nodes.len(), 2);
        assert_eq!(nodes[0].returns, Returns::InstantVector);
        assert_eq!(nodes[0].lesson, Some("/tour/counter"));
        assert!(nodes[0].does.contains("per-second"), "{}", nodes[0].does);
        assert_eq!(nodes[1].depth, 1);
        assert_eq!(nodes[1].returns, Returns::RangeVector);
        assert!(
            nodes[1].does.contains(r#"job is "tour""#) && nodes[1].does.contains("last 1m"),
            "{}",
            nodes[1].does
        );
    }

    #[test]
    fn an_aggregation_says_which_labels_survive() {
        let nodes = tree("sum by (le) (rate(file_upload_duration_seconds_bucket[5m]))");
        assert!(
            nodes[0].labels.starts_with("only le"),
            "{}",
            nodes[0].labels
        );
        let nodes = tree("sum without (instance) (rate(tour_clicks_total[5m]))");
        assert!(
            nodes[0].labels.contains("all but instance"),
            "{}",
            nodes[0].labels
        );
        let nodes = tree("sum(rate(tour_clicks_total[5m]))");
        assert!(nodes[0].labels.starts_with("none"), "{}", nodes[0].labels);
    }

    #[test]
    fn count_values_adds_a_label_and_matching_narrows_the_labels_of_arithmetic() {
        let nodes = tree("count_values(\"value\", tour_temperature_celsius)");
        assert!(
            nodes[0]
                .labels
                .contains("a label named by its first argument"),
            "{}",
            nodes[0].labels
        );
        let nodes = tree("tour_response_seconds_sum / on (instance) tour_response_seconds_count");
        assert!(
            nodes[0].labels.starts_with("the left side's instance only"),
            "{}",
            nodes[0].labels
        );
        let nodes = tree("tour_response_seconds_sum / ignoring (job) tour_response_seconds_count");
        assert!(
            nodes[0].labels.contains("without job"),
            "{}",
            nodes[0].labels
        );
    }

    #[test]
    fn durations_are_spelled_as_promql_spells_them() {
        assert_eq!(duration(std::time::Duration::from_secs(90)), "1m30s");
        assert_eq!(duration(std::time::Duration::from_secs(3600)), "1h");
        assert_eq!(duration(std::time::Duration::from_millis(1)), "1ms");
    }

    #[test]
    fn an_aggregation_with_a_parameter_shows_it_first() {
        let nodes = tree(
            "histogram_quantile(0.9, sum by (le) (rate(file_upload_duration_seconds_bucket[5m])))",
        );
        let depths: Vec<usize> = nodes.iter().map(|node| node.depth).collect();
        assert_eq!(depths, [0, 1, 1, 2, 3]);
        assert_eq!(nodes[1].returns, Returns::Scalar);
    }
}
