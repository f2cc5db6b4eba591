//! The gate every query a learner sends passes before it reaches Prometheus. It reads the tree
//! `promql-parser` builds, never the text, and either refuses the query naming the rule it broke,
//! or gives back a [`Checked`] query: the only kind [`super::client`] will send.
//!
//! What each rule prevents was seen on a real Prometheus 2.42: `count_over_time(up[100y:1ms])`
//! made it allocate about 2 TB and die; a regex over every series pinned both cores past the
//! query timeout; nested `label_replace` took it to 2.9 GB; `prometheus_build_info` and a
//! `scalar()` read showed what the class's Prometheus holds beyond the tour.
//!
//! Like prom-label-proxy, the gate rewrites every selector to carry the tour's job matcher (and,
//! when it names no metric, the tour's metric names), so whatever a query does, it reads only the
//! tour's own series. Prometheus computes every value; the gate only bounds what it is asked.

use std::{
    collections::BTreeSet,
    fmt,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use crate::http::bad_input::shown;
use promql_parser::{
    label::{MatchOp, Matcher, METRIC_NAME},
    parser::{self, AtModifier, Expr, Offset, VectorSelector},
    util::display_duration,
};

/// The longest query passed: the lessons' longest is under 200 bytes.
pub const MAX_QUERY_BYTES: usize = 4096;
/// The deepest nesting passed, counting every node of the tree (the lessons' deepest is 5).
pub const MAX_DEPTH: usize = 12;
/// The longest range or subquery range: Prometheus loads every sample of a range for every series.
pub const MAX_RANGE: Duration = Duration::from_secs(3600);
/// The finest subquery step.
pub const MIN_STEP: Duration = Duration::from_secs(1);
/// How many times subqueries may evaluate their inner query, nested subqueries multiplied: an
/// hour at one a second.
pub const MAX_POINTS: u64 = 3600;
/// How many samples a query may read per series it selects, summed over its selectors and
/// multiplied by the subqueries around them, counting one sample a second (the finest scrape).
pub const MAX_SAMPLES: u64 = 1_000_000;
/// How many `label_replace` and `label_join` calls a query may make: each can multiply a label's
/// length, and nested they multiply the memory Prometheus needs.
pub const MAX_LABEL_FUNCTIONS: usize = 2;
/// The longest `label_replace` replacement or `label_join` separator, in bytes.
pub const MAX_LABEL_TEXT: usize = 32;
/// The most labels one `label_join` joins.
pub const MAX_JOINED: usize = 4;
/// How far `offset` and `@` may move a selector from the evaluation time, either way.
pub const MAX_SHIFT: Duration = Duration::from_secs(24 * 3600);
/// The jobs that scrape the tour (`docs/prometheus.yml`): one tour, the fleet of three, and on
/// Prometheus 3 the same tour asked in protobuf for its native histogram.
pub const JOBS: [&str; 3] = ["tour", "tour-fleet", "tour-native"];
/// The series the recording rules in `docs/rules.yml` write from the tour's metrics.
pub const RULES: [&str; 1] = ["job:upload_request_duration_seconds:p90_1m"];
/// Series Prometheus writes itself for every target it scrapes: `up`, and those starting `scrape_`.
const TARGET_SERIES: &str = "up";
const SCRAPE_PREFIX: &str = "scrape_";

/// Why a query was not sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// It does not parse: promql-parser's message, with where when it can be told.
    Parse(String),
    /// It parses, and breaks one of the gate's rules.
    Rule { rule: &'static str, why: String },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Parse(why) => write!(f, "the query does not parse: {why}"),
            Refusal::Rule { rule, why } => write!(f, "refused by the gate's {rule} rule: {why}"),
        }
    }
}

fn refuse<T>(rule: &'static str, why: String) -> Result<T, Refusal> {
    Err(Refusal::Rule { rule, why })
}

/// A query that passed the gate, rewritten to read only the tour's series: the only thing the
/// client sends to Prometheus.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    query: String,
}

impl Checked {
    /// The query as Prometheus receives it.
    pub fn as_str(&self) -> &str {
        &self.query
    }
}

/// The gate, knowing the tour's metric names.
pub struct Gate {
    names: BTreeSet<String>,
    /// `__name__=~"..."`, every name above: put into a selector that names no metric.
    name_matcher: Matcher,
    /// `job=~"tour|tour-fleet|tour-native"`: put into a selector that names no job of the tour's.
    job_matcher: Matcher,
}

impl Gate {
    /// A gate passing `names` (the sample names the tour's registry exposes), the recording rules'
    /// [`RULES`], and the series Prometheus writes per target.
    pub fn new(names: impl IntoIterator<Item = String>) -> Gate {
        let mut names: BTreeSet<String> = names.into_iter().collect();
        names.extend(RULES.iter().map(|rule| rule.to_string()));
        names.insert(TARGET_SERIES.to_owned());
        let alternatives: Vec<String> = names
            .iter()
            .cloned()
            .chain([format!("{SCRAPE_PREFIX}.+")])
            .collect();
        Gate {
            name_matcher: regex_matcher(METRIC_NAME, &alternatives.join("|")),
            job_matcher: regex_matcher("job", &JOBS.join("|")),
            names,
        }
    }

    /// True when `name` is one of the tour's series names.
    pub fn knows(&self, name: &str) -> bool {
        self.names.contains(name) || name.starts_with(SCRAPE_PREFIX)
    }

    /// Parses `query` and applies every rule, for an evaluation at `at`; the query as it will be
    /// sent, or the first rule it breaks.
    pub fn check(&self, query: &str, at: SystemTime) -> Result<Checked, Refusal> {
        if query.len() > MAX_QUERY_BYTES {
            return refuse(
                "size",
                format!(
                    "the query is {} bytes, and the gate passes at most {MAX_QUERY_BYTES} (the lessons' longest is under 200)",
                    query.len()
                ),
            );
        }
        let mut tree = parse(query)?;
        let mut walk = Walk {
            gate: self,
            at,
            label_functions: 0,
            samples: 0,
        };
        walk.visit(&mut tree, 1, 1)?;
        if walk.samples > MAX_SAMPLES {
            return refuse(
                "samples",
                format!(
                    "the query would read about {} samples per series (each range at one sample a second, times the steps of the subqueries around it), and the gate passes at most {}; shorten a range or coarsen a subquery's step",
                    thousands(walk.samples),
                    thousands(MAX_SAMPLES)
                ),
            );
        }
        Ok(Checked {
            query: tree.to_string(),
        })
    }
}

/// The tree promql-parser reads in `query`, or its message, with where when it can be told.
pub fn parse(query: &str) -> Result<Expr, Refusal> {
    parser::parse(query).map_err(|why| Refusal::Parse(locate(query, &why)))
}

/// `name=~"pattern"`, built by the parser itself so that it is exactly what the query syntax makes.
fn regex_matcher(name: &str, pattern: &str) -> Matcher {
    let selector = format!("{{{name}=~\"{pattern}\"}}");
    match parser::parse(&selector) {
        Ok(Expr::VectorSelector(VectorSelector { mut matchers, .. })) => {
            matchers.matchers.remove(0)
        }
        other => unreachable!("{selector} is a selector: {other:?}"),
    }
}

/// One pass over the tree: the rules on each node, and what they add up.
struct Walk<'g> {
    gate: &'g Gate,
    at: SystemTime,
    label_functions: usize,
    samples: u64,
}

impl Walk<'_> {
    /// Checks `expr` at `depth`, inside subqueries that evaluate it `points` times.
    fn visit(&mut self, expr: &mut Expr, depth: usize, points: u64) -> Result<(), Refusal> {
        if depth > MAX_DEPTH {
            return refuse(
                "depth",
                format!("the query nests deeper than {MAX_DEPTH} levels, the most the gate passes (the lessons' deepest is 5)"),
            );
        }
        let inner = depth + 1;
        match expr {
            Expr::NumberLiteral(_) | Expr::StringLiteral(_) => Ok(()),
            Expr::Paren(paren) => self.visit(&mut paren.expr, inner, points),
            Expr::Unary(unary) => self.visit(&mut unary.expr, inner, points),
            Expr::Binary(binary) => {
                self.visit(&mut binary.lhs, inner, points)?;
                self.visit(&mut binary.rhs, inner, points)
            }
            Expr::Aggregate(aggregate) => {
                if let Some(param) = &mut aggregate.param {
                    self.visit(param, inner, points)?;
                }
                self.visit(&mut aggregate.expr, inner, points)
            }
            Expr::Call(call) => {
                self.call(call)?;
                for arg in &mut call.args.args {
                    self.visit(arg, inner, points)?;
                }
                Ok(())
            }
            Expr::Subquery(subquery) => {
                range("subquery range", subquery.range)?;
                let step = subquery.step.unwrap_or(MIN_STEP);
                if step < MIN_STEP {
                    return refuse(
                        "subquery-step",
                        format!(
                            "a subquery step under 1 s would ask Prometheus for {} evaluations of the inner query over {}; give a step of 1s or more, such as [{}:1m]",
                            thousands(evaluations(subquery.range, step)),
                            display_duration(&subquery.range),
                            display_duration(&subquery.range)
                        ),
                    );
                }
                let all = points.saturating_mul(evaluations(subquery.range, step));
                if all > MAX_POINTS {
                    return refuse(
                        "subquery-points",
                        format!(
                            "the subqueries would evaluate their inner query {} times, and the gate passes at most {} (an hour at one a second); a subquery without a step runs at Prometheus' evaluation interval, which the gate takes as 1 s, so give one, such as [{}:1m]",
                            thousands(all),
                            thousands(MAX_POINTS),
                            display_duration(&subquery.range)
                        ),
                    );
                }
                self.shift(subquery.offset.as_ref(), subquery.at.as_ref())?;
                self.visit(&mut subquery.expr, inner, all)
            }
            Expr::MatrixSelector(matrix) => {
                range("range", matrix.range)?;
                let seconds = matrix.range.as_secs().max(1);
                self.samples = self.samples.saturating_add(points.saturating_mul(seconds));
                self.shift(matrix.vs.offset.as_ref(), matrix.vs.at.as_ref())?;
                self.selector(&mut matrix.vs)
            }
            Expr::VectorSelector(selector) => {
                self.samples = self.samples.saturating_add(points);
                self.shift(selector.offset.as_ref(), selector.at.as_ref())?;
                self.selector(selector)
            }
            Expr::Extension(_) => refuse(
                "syntax",
                "the query holds a node promql-parser adds for other programs, not PromQL"
                    .to_owned(),
            ),
        }
    }

    /// The rules on a function call: no experimental function, and few, small label functions.
    fn call(&mut self, call: &parser::Call) -> Result<(), Refusal> {
        let name = call.func.name;
        if call.func.experimental {
            return refuse(
                "experimental",
                format!("{name}() is experimental in promql-parser 0.11.1, which reads the tour's queries: Prometheus 3.5 either refuses it unless started with --enable-feature=promql-experimental-functions or does not have it, and 2.42 does not have it"),
            );
        }
        if name != "label_replace" && name != "label_join" {
            return Ok(());
        }
        self.label_functions += 1;
        if self.label_functions > MAX_LABEL_FUNCTIONS {
            return refuse(
                "label-functions",
                format!("the query calls label_replace or label_join more than {MAX_LABEL_FUNCTIONS} times: each can multiply a label's length, and nested they multiply the memory Prometheus needs"),
            );
        }
        let strings: Vec<&str> = call
            .args
            .args
            .iter()
            .filter_map(|arg| match arg.as_ref() {
                Expr::StringLiteral(literal) => Some(literal.val.as_str()),
                _ => None,
            })
            .collect();
        // label_replace(v, dst, replacement, src, regex); label_join(v, dst, separator, src...).
        let text = strings.get(1).copied().unwrap_or("");
        if text.len() > MAX_LABEL_TEXT {
            let what = if name == "label_replace" {
                "replacement"
            } else {
                "separator"
            };
            return refuse(
                "label-functions",
                format!(
                    "{name}'s {what} is {} bytes, and the gate passes at most {MAX_LABEL_TEXT}: a long one multiplies a label's length",
                    text.len()
                ),
            );
        }
        let joined = strings.len().saturating_sub(2);
        if name == "label_join" && joined > MAX_JOINED {
            return refuse(
                "label-functions",
                format!(
                    "label_join joins {joined} labels, and the gate passes at most {MAX_JOINED}"
                ),
            );
        }
        Ok(())
    }

    /// `offset` and `@` within [`MAX_SHIFT`] of the evaluation time.
    fn shift(&self, offset: Option<&Offset>, at: Option<&AtModifier>) -> Result<(), Refusal> {
        let limit = display_duration(&MAX_SHIFT);
        if let Some(Offset::Pos(by) | Offset::Neg(by)) = offset {
            if *by > MAX_SHIFT {
                return refuse(
                    "time-shift",
                    format!(
                        "offset {} reaches further than {limit}, the furthest the gate passes: the class's Prometheus holds the last hours",
                        display_duration(by)
                    ),
                );
            }
        }
        if let Some(AtModifier::At(time)) = at {
            let distance = time
                .duration_since(self.at)
                .or_else(|_| self.at.duration_since(*time))
                .unwrap_or(Duration::MAX);
            if distance > MAX_SHIFT {
                let seconds = time
                    .duration_since(UNIX_EPOCH)
                    .map_or(0.0, |since| since.as_secs_f64());
                return refuse(
                    "time-shift",
                    format!("@ {seconds:.0} is further than {limit} from now, the furthest the gate passes: the class's Prometheus holds the last hours"),
                );
            }
        }
        Ok(())
    }

    /// Only the tour's series: a metric name of the tour's, in a job of the tour's. A selector
    /// that names none gets the matcher that restricts it, as prom-label-proxy injects a tenant's.
    fn selector(&self, selector: &mut VectorSelector) -> Result<(), Refusal> {
        let matchers = &mut selector.matchers;
        if !matchers.or_matchers.is_empty() {
            return refuse(
                "syntax",
                "`or` inside braces is promql-parser's own extension, which Prometheus does not parse; write two selectors joined by `or`".to_owned(),
            );
        }
        let mut names = matchers
            .matchers
            .iter()
            .filter(|m| m.name == METRIC_NAME && m.op == MatchOp::Equal)
            .map(|m| m.value.as_str())
            .chain(selector.name.as_deref())
            .peekable();
        let named = names.peek().is_some();
        if let Some(stranger) = names.find(|name| !self.gate.knows(name)) {
            return refuse(
                "metrics",
                format!(
                    "{} is not one of the tour's metrics; the gate passes the names the tour's /metrics shows, its recording rules, up and scrape_*",
                    shown(stranger)
                ),
            );
        }
        if !named {
            matchers.matchers.push(self.gate.name_matcher.clone());
        }
        let mut jobs = matchers
            .matchers
            .iter()
            .filter(|m| m.name == "job" && m.op == MatchOp::Equal)
            .peekable();
        let job_named = jobs.peek().is_some();
        if let Some(stranger) = jobs.find(|m| !JOBS.contains(&m.value.as_str())) {
            return refuse(
                "jobs",
                format!(
                    "job=\"{}\" is not one of the tour's jobs; the gate passes {}",
                    shown(&stranger.value),
                    JOBS.join(" and ")
                ),
            );
        }
        if !job_named {
            matchers.matchers.push(self.gate.job_matcher.clone());
        }
        Ok(())
    }
}

/// A range within [`MAX_RANGE`].
fn range(what: &str, range: Duration) -> Result<(), Refusal> {
    if range <= MAX_RANGE {
        return Ok(());
    }
    refuse(
        "range",
        format!(
            "a {what} of {} is longer than {}, the longest the gate passes: Prometheus loads every sample in a range for every series it selects",
            display_duration(&range),
            display_duration(&MAX_RANGE)
        ),
    )
}

/// How many times a subquery of `range` evaluates its inner query at `step`.
fn evaluations(range: Duration, step: Duration) -> u64 {
    let step = step.as_millis().max(1);
    u64::try_from(range.as_millis().div_ceil(step)).unwrap_or(u64::MAX)
}

/// `n` with thousands separated by commas, as people read it.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The parser's message, on one line, with where in the query it failed when that can be told.
/// promql-parser 0.11.1 gives no position. For a lexing error it is found by lexing ever longer
/// beginnings of the query until one fails with the same message; for a grammar error ("invalid
/// promql query") it is the token its grammar stops at ([`super::position`]). An error of the
/// crate's own checks on a query its grammar reads whole (an unknown function, say) names its
/// culprit in the message and gets no position.
fn locate(query: &str, why: &str) -> String {
    let why = why.split_whitespace().collect::<Vec<_>>().join(" ");
    if parser::lex::lexer(query).is_ok() {
        return match super::position::failing_token(query) {
            Some(span) if span.start() >= query.len() => {
                format!(
                    "{why}: the query ends too early (after \"{}\")",
                    tail(query)
                )
            }
            Some(span) => format!(
                "{why}, at character {} (\"{}\", after \"{}\")",
                query[..span.start()].chars().count() + 1,
                crate::promql::compare::cut(&query[span.start()..span.end()], 20),
                tail(&query[..span.start()])
            ),
            None => why,
        };
    }
    let failing_beginning = query
        .char_indices()
        .map(|(at, c)| at + c.len_utf8())
        .find(|&end| {
            parser::lex::lexer(&query[..end])
                .err()
                .is_some_and(|early| early.split_whitespace().collect::<Vec<_>>().join(" ") == why)
        });
    match failing_beginning {
        // Only the end shows these, so the first beginning that fails ends where it was opened.
        Some(end) if NEVER_CLOSED.iter().any(|message| why.starts_with(message)) => {
            let column = query[..end].chars().count();
            let opened = query[..end].chars().last().unwrap_or_default();
            format!("{why}: the {opened} at character {column} is never closed")
        }
        Some(end) => {
            let column = query[..end].chars().count();
            format!(
                "{why}, at character {column} (after \"{}\")",
                tail(&query[..end])
            )
        }
        None => why,
    }
}

/// The lexer's words for a bracket or quote left open: it says so at the end of the query, where
/// Prometheus puts them too, but the place to mend is where it was opened.
const NEVER_CLOSED: [&str; 4] = [
    "unclosed left parenthesis",
    "unexpected end of input inside braces",
    "unexpected end of input inside brackets",
    "unterminated quoted string",
];

/// The last 20 characters of `text`, on one line: where a reader finds the place in the query.
fn tail(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let skip = line.chars().count().saturating_sub(20);
    line.chars().skip(skip).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{config::Config, state::Metrics};

    fn gate() -> Gate {
        let metrics = Metrics::new(&Config::default()).unwrap();
        Gate::new(metrics.sample_names())
    }

    /// What the gate sends for `query`, or panics naming the refusal.
    fn passes(query: &str) -> String {
        match gate().check(query, SystemTime::now()) {
            Ok(checked) => checked.query,
            Err(refusal) => panic!("{query} was refused: {refusal}"),
        }
    }

    /// The rule that refuses `query`, and its message; panics when it passes.
    fn refused(query: &str) -> (&'static str, String) {
        match gate().check(query, SystemTime::now()) {
            Err(Refusal::Rule { rule, why }) => (rule, why),
            Err(Refusal::Parse(why)) => ("parse", why),
            Ok(checked) => panic!("{query} passed as {}", checked.query),
        }
    }

    #[test]
    fn a_query_of_at_most_4_kib_passes_and_a_longer_one_is_refused() {
        let at_limit = format!("{:<1$}", "tour_clicks_total", MAX_QUERY_BYTES);
        passes(&at_limit);
        let (rule, why) = refused(&format!("{at_limit} "));
        assert_eq!(rule, "size");
        assert!(why.contains("4097 bytes"), "{why}");
    }

    #[test]
    fn nesting_is_bounded_even_two_thousand_deep() {
        let nested = |depth: usize| {
            format!(
                "{}tour_clicks_total{}",
                "(".repeat(depth),
                ")".repeat(depth)
            )
        };
        passes(&nested(MAX_DEPTH - 1));
        assert_eq!(refused(&nested(MAX_DEPTH)).0, "depth");
        assert_eq!(refused(&nested(2000)).0, "depth");
    }

    #[test]
    fn a_range_or_subquery_range_over_an_hour_is_refused() {
        passes("rate(tour_clicks_total[1h])");
        passes("max_over_time(tour_clicks_total[1h:1m])");
        assert_eq!(refused("rate(tour_clicks_total[1h1s])").0, "range");
        let (rule, why) = refused("count_over_time(up[100y:1ms])");
        assert_eq!(rule, "range");
        assert!(why.contains("100y") && why.contains("1h"), "{why}");
    }

    #[test]
    fn a_subquery_step_under_a_second_is_refused() {
        passes("max_over_time(tour_clicks_total[5m:1s])");
        let (rule, why) = refused("max_over_time(tour_clicks_total[5m:999ms])");
        assert_eq!(rule, "subquery-step");
        assert!(
            why.starts_with("a subquery step under 1 s would ask Prometheus for 301 evaluations"),
            "{why}"
        );
    }

    #[test]
    fn subqueries_evaluate_at_most_3600_times_nested_ones_multiplied() {
        passes("max_over_time(tour_clicks_total[1h:1s])");
        passes("max_over_time(tour_clicks_total[1h:])");
        passes("max_over_time(max_over_time(tour_clicks_total[10m:1m])[1h:1m])");
        let (rule, why) = refused("max_over_time(max_over_time(tour_clicks_total[2m:])[1h:1m])");
        assert_eq!(rule, "subquery-points");
        assert!(why.contains("7,200 times"), "{why}");
    }

    #[test]
    fn a_query_reads_at_most_a_million_samples_per_series() {
        passes("max_over_time(rate(tour_clicks_total[5m])[1h:5s])");
        let (rule, why) = refused("max_over_time(rate(tour_clicks_total[5m])[1h:1s])");
        assert_eq!(rule, "samples");
        assert!(why.contains("1,080,000"), "{why}");
    }

    #[test]
    fn label_functions_are_few_and_small() {
        let replace = |inner: &str, replacement: &str| {
            format!(r#"label_replace({inner}, "x", "{replacement}", "job", "(.*)")"#)
        };
        let twice = replace(&replace("tour_clicks_total", "$1"), "$1");
        passes(&twice);
        assert_eq!(refused(&replace(&twice, "$1")).0, "label-functions");
        passes(&replace("tour_clicks_total", &"$1".repeat(16)));
        assert_eq!(
            refused(&replace("tour_clicks_total", &"$1".repeat(17))).0,
            "label-functions"
        );
        passes(r#"label_join(up, "x", "-", "job", "instance", "job", "instance")"#);
        assert_eq!(
            refused(r#"label_join(up, "x", "-", "job", "instance", "job", "instance", "job")"#).0,
            "label-functions"
        );
    }

    #[test]
    fn offset_and_at_stay_within_a_day_of_now() {
        passes("tour_clicks_total offset 1d");
        passes("tour_clicks_total offset -1d");
        passes("tour_clicks_total @ start()");
        assert_eq!(refused("tour_clicks_total offset 1d1s").0, "time-shift");
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        passes(&format!("tour_clicks_total @ {}", now - 3600));
        assert_eq!(
            refused(&format!(
                "rate(tour_clicks_total[5m] @ {})",
                now + 2 * 86_400
            ))
            .0,
            "time-shift"
        );
        assert_eq!(refused("tour_clicks_total @ 0").0, "time-shift");
    }

    #[test]
    fn only_the_tours_metric_names_pass() {
        for ours in [
            "tour_clicks_total",
            "tour_clicks_created",
            "file_upload_duration_seconds_bucket",
            "tour_response_seconds",
            "tour_response_native_seconds",
            "http_requests_total",
            "http_request_duration_seconds_count",
            "process_cpu_seconds_total",
            "up",
            "scrape_duration_seconds",
            "job:upload_request_duration_seconds:p90_1m",
        ] {
            passes(ours);
        }
        for theirs in [
            "prometheus_build_info",
            "scalar(prometheus_build_info)",
            r#"{__name__="prometheus_build_info"}"#,
            r#"{__name__="tour_clicks_total", __name__="node_load1"}"#,
            r#"absent(kube_pod_info{job="tour"})"#,
        ] {
            let (rule, why) = refused(theirs);
            assert_eq!(rule, "metrics", "{theirs}");
            assert!(why.contains("is not one of the tour's metrics"), "{why}");
        }
    }

    #[test]
    fn a_selector_without_a_name_gets_the_tours_names_put_in() {
        let sent = passes(r#"count by (__name__) ({__name__=~".+"})"#);
        assert!(sent.contains(r#"__name__=~".+""#), "{sent}");
        assert!(
            sent.contains(r#"__name__=~"file_upload_duration_seconds"#),
            "{sent}"
        );
        assert!(sent.contains("|up|"), "{sent}");
        assert!(!sent.contains("prometheus_"), "{sent}");
    }

    #[test]
    fn only_the_tours_jobs_pass_and_a_selector_without_one_gets_them_put_in() {
        assert_eq!(passes(r#"up{job="tour-fleet"}"#), r#"up{job="tour-fleet"}"#);
        assert_eq!(
            passes("rate(tour_clicks_total[5m])"),
            r#"rate(tour_clicks_total{job=~"tour|tour-fleet|tour-native"}[5m])"#
        );
        assert_eq!(
            passes(r#"up{job=~"prom.*"}"#),
            r#"up{job=~"prom.*",job=~"tour|tour-fleet|tour-native"}"#
        );
        for theirs in [r#"up{job="prometheus"}"#, r#"up{job=""}"#] {
            let (rule, why) = refused(theirs);
            assert_eq!(rule, "jobs");
            assert!(why.contains("tour and tour-fleet"), "{why}");
        }
    }

    #[test]
    fn or_inside_braces_is_refused_and_or_between_selectors_passes() {
        passes(r#"up{job="tour"} or up{job="tour-fleet"}"#);
        let (rule, why) = refused(r#"up{job="tour" or job="tour-fleet"}"#);
        assert_eq!(rule, "syntax");
        assert!(why.contains("Prometheus does not parse"), "{why}");
    }

    #[test]
    fn experimental_functions_are_refused() {
        passes("sort(up)");
        for experimental in [
            "info(up)",
            r#"sort_by_label(up, "instance")"#,
            "mad_over_time(up[5m])",
        ] {
            assert_eq!(refused(experimental).0, "experimental", "{experimental}");
        }
    }

    #[test]
    fn a_query_that_does_not_parse_says_why_and_where_on_one_line() {
        let (rule, why) = refused("rate(tour_clicks_total[5m]) $ 2");
        assert_eq!(rule, "parse");
        assert!(why.contains("unexpected character"), "{why}");
        assert!(why.contains("at character 29"), "{why}");
        let (rule, why) = refused("rate(tour_clicks_total[5m]");
        assert_eq!(rule, "parse");
        assert!(
            why.contains("unclosed left parenthesis: the ( at character 5 is never closed"),
            "{why}"
        );
        let (_, why) = refused("tour_clicks_total{job=\"tour\"");
        assert!(
            why.ends_with("inside braces: the { at character 18 is never closed"),
            "{why}"
        );
        let (_, why) = refused("tour_clicks_total[5m");
        assert!(
            why.ends_with("the [ at character 18 is never closed"),
            "{why}"
        );
        let (_, why) = refused("rate(tour_clicks_total[5m]))");
        assert!(
            why.contains("unexpected right parenthesis ')', at character 28"),
            "{why}"
        );
        let refusal = gate()
            .check("sum by (le)\n rate(x[5m])", SystemTime::now())
            .unwrap_err();
        assert_eq!(refusal.to_string().lines().count(), 1, "{refusal}");
    }

    #[test]
    fn a_grammar_error_says_at_which_token_the_grammar_stopped() {
        // Two selectors side by side: the grammar stops at the second.
        let (_, why) = refused("tour_clicks_total up");
        assert_eq!(
            why,
            "invalid promql query, at character 19 (\"up\", after \"tour_clicks_total\")"
        );
        // sum by (le) wants parentheses around what it sums.
        let (_, why) = refused("sum by (le) rate(x[5m])");
        assert!(why.contains("at character 13 (\"rate\""), "{why}");
        // An operator with nothing after it: the query ends too early.
        let (_, why) = refused("rate(tour_clicks_total[5m]) /");
        assert!(
            why.ends_with("the query ends too early (after \"_clicks_total[5m]) /\")"),
            "{why}"
        );
        let (_, why) = refused("up + \n ");
        assert!(
            why.ends_with("the query ends too early (after \"up +\")"),
            "{why}"
        );
        // The crate's own check on a query the grammar reads whole names its culprit instead.
        let (_, why) = refused("no_such_function(up)");
        assert_eq!(why, "unknown function with name 'no_such_function'");
    }

    #[test]
    fn the_grammar_copy_reads_every_query_promql_parser_reads_and_stops_where_it_stops() {
        for query in [
            "rate(tour_clicks_total[5m])",
            r#"histogram_quantile(0.9, sum by (le) (rate(file_upload_duration_seconds_bucket{job="tour"}[5m])))"#,
            "sum(rate(x[5m])) by (route) / on (route) group_left sum(y)",
            "max_over_time(up[1h:1m] offset 5m @ 100)",
            r#"{"tour.dotted"}"#,
        ] {
            assert!(parser::parse(query).is_ok(), "{query}");
            assert_eq!(
                super::super::position::failing_token(query),
                None,
                "{query}"
            );
        }
        for query in [
            "up up",
            "sum by (le) up",
            "rate(up[5m]) +",
            "(up",
            "sum(up) by",
        ] {
            if parser::lex::lexer(query).is_ok() {
                assert!(parser::parse(query).is_err(), "{query}");
                assert!(
                    super::super::position::failing_token(query).is_some(),
                    "{query}"
                );
            }
        }
    }

    #[test]
    fn every_refusal_names_its_rule_on_one_line() {
        let refusal = gate()
            .check("prometheus_build_info", SystemTime::now())
            .unwrap_err();
        let line = refusal.to_string();
        assert!(
            line.starts_with("refused by the gate's metrics rule: "),
            "{line}"
        );
        assert_eq!(line.lines().count(), 1);
    }
}
