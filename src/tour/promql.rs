//! `GET /tour/promql` and `GET /promql`: one query explained as a tree, with its warnings and what
//! the gate says of it, as a page (a form that works with JavaScript off) and as plain text for
//! curl. With `--prometheus`, each node's value now and the whole query's last five minutes, as a
//! chart: the classroom's graph where Prometheus has no UI of its own (Debian's Prometheus 3).
//!
//! The handlers only parse and read: the tree and the lints come from [`crate::promql`], the
//! metric kinds from the tour's own registry; every query sent passes the gate and the cap on
//! queries in flight, as a quiz answer does.

use std::{
    net::IpAddr,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use poem::{
    handler,
    http::{header, HeaderValue, StatusCode},
    web::Data,
    Body, Request, Response,
};

use crate::{
    http::{
        bad_input::{plain_text, shown, BadInput},
        params::Params,
        reply,
    },
    promql::{
        self,
        client::{Busy, QueryError, QueryResult, Sample, Series},
        compare::cut,
        explain::{explain, Node, Returns},
        lint::{lint, Kinds, Lint, ScrapeInterval},
    },
    server::admission::client_of,
    state::AppState,
    templates,
};

/// How far back the chart looks.
pub const CHART_WINDOW: Duration = Duration::from_secs(300);
/// The chart's step: 150 points over the window.
pub const CHART_STEP: Duration = Duration::from_secs(2);
/// The longest line a node's value is shown in.
const VALUE_CHARS: usize = 100;

/// The query the page explains before a learner types one: a mistake, so its warning shows too.
pub const EXAMPLE: &str =
    "histogram_quantile(0.9, sum(rate(file_upload_duration_seconds_bucket{job=\"tour\"}[5m])))";

/// What a page or a reply shows of one query: its tree, warnings and the gate's verdict, or why
/// it was not read; and with `--prometheus`, what Prometheus answers.
pub struct Explained {
    pub query: String,
    pub reading: Result<Reading, String>,
}

/// A query that parsed.
pub struct Reading {
    pub nodes: Vec<Node>,
    pub lints: Vec<Lint>,
    /// `Ok` when the gate would send it; else its refusal, naming the rule.
    pub gate: Result<(), String>,
    /// `None` without `--prometheus`.
    pub live: Option<Live>,
}

/// What Prometheus answered, now and over the chart's window.
pub struct Live {
    /// Where the answers came from.
    pub base: String,
    /// Each node's value now, in one line, in the order of [`Reading::nodes`]; `None` for a node
    /// not asked (a number, a string, a range vector).
    pub values: Vec<Option<String>>,
    /// The whole query over the last [`CHART_WINDOW`], or why not.
    pub chart: Result<Vec<Series>, String>,
    /// The chart's end, Unix seconds.
    pub now: f64,
}

/// Reads `query`, explains it against the tour's own metric kinds, and says what the gate says.
pub fn explained(state: &AppState, query: &str) -> Explained {
    let kinds = Kinds::of(&state.metrics.registry.gather());
    let reading = promql::parse(query).map(|expr| Reading {
        nodes: explain(&expr),
        lints: lint(&expr, &kinds, ScrapeInterval::default()),
        gate: state
            .gate
            .check(query, SystemTime::now())
            .map(drop)
            .map_err(|refusal| refusal.to_string()),
        live: None,
    });
    Explained {
        query: query.to_owned(),
        reading,
    }
}

/// [`explained`], then, with `--prometheus` and a query the gate passes, each node's value and
/// the chart, asked one at a time within one of `client`'s places in the cap; a 503 with
/// `Retry-After` when the cap is full.
async fn explained_live(
    state: &AppState,
    query: &str,
    client: Option<IpAddr>,
) -> Result<Explained, Response> {
    let mut explained = explained(state, query);
    let (Some(api), Ok(reading)) = (&state.prometheus, &mut explained.reading) else {
        return Ok(explained);
    };
    if reading.gate.is_err() {
        return Ok(explained);
    }
    let reservation = api.reserve(client, 1).map_err(busy)?;
    let now = SystemTime::now();
    let now_seconds = now
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let mut values = Vec::with_capacity(reading.nodes.len());
    for node in &reading.nodes {
        let asked = matches!(node.returns, Returns::InstantVector | Returns::Scalar)
            && node.promql.parse::<f64>().is_err();
        values.push(if asked {
            Some(match state.gate.check(&node.promql, now) {
                Ok(checked) => value_line(reservation.query(&checked, now_seconds).await),
                Err(refusal) => refusal.to_string(),
            })
        } else {
            None
        });
    }
    let chart = match (reading.nodes.first(), state.gate.check(query, now)) {
        (Some(top), Ok(checked))
            if matches!(top.returns, Returns::InstantVector | Returns::Scalar) =>
        {
            reservation
                .query_range(
                    &checked,
                    now_seconds - CHART_WINDOW.as_secs_f64(),
                    now_seconds,
                    CHART_STEP.as_secs_f64(),
                )
                .await
                .map_err(|error| error_line(&error))
        }
        (Some(top), _) => Err(format!(
            "a {} cannot be drawn over time; its function's value can",
            top.returns.words()
        )),
        (None, _) => Err("nothing to draw".into()),
    };
    reading.live = Some(Live {
        base: api.base().to_owned(),
        values,
        chart,
        now: now_seconds,
    });
    Ok(explained)
}

/// How many series a value line shows at most before it counts the rest.
const SHOWN_SERIES: usize = 3;

/// An instant query's answer in one short line, rounded for people: a scalar's value; a vector's
/// count of series and the first few values, each after the labels that tell the series apart,
/// then how many more.
pub(crate) fn value_line(answer: Result<QueryResult, QueryError>) -> String {
    let line = match answer {
        Ok(QueryResult::Scalar(value)) => templates::rounded(value),
        Ok(QueryResult::Vector(samples)) if samples.is_empty() => "no series".to_owned(),
        Ok(QueryResult::Vector(samples)) if samples.len() == 1 => {
            format!("1 series: {}", templates::rounded(samples[0].value))
        }
        Ok(QueryResult::Vector(samples)) => several(&samples),
        Ok(QueryResult::Other(kind)) => format!("a {kind}"),
        Err(error) => error_line(&error),
    };
    cut(&line, VALUE_CHARS)
}

/// `3 series: {route="/"} 0.2, {route="/metrics"} 0.1 and 1 more`, within [`VALUE_CHARS`].
fn several(samples: &[Sample]) -> String {
    let first = &samples[0].labels;
    let telling: std::collections::BTreeSet<&String> = samples
        .iter()
        .flat_map(|sample| sample.labels.keys())
        .filter(|name| {
            samples
                .iter()
                .any(|s| s.labels.get(*name) != first.get(*name))
        })
        .collect();
    let mut line = format!("{} series: ", samples.len());
    let mut shown = 0;
    for sample in samples.iter().take(SHOWN_SERIES) {
        let pairs: Vec<String> = telling
            .iter()
            .map(|name| {
                format!(
                    "{name}={:?}",
                    sample.labels.get(*name).map_or("", String::as_str)
                )
            })
            .collect();
        let labels = cut(&format!("{{{}}}", pairs.join(", ")), 24);
        let item = format!(
            "{}{labels} {}",
            if shown > 0 { ", " } else { "" },
            templates::rounded(sample.value)
        );
        // Room is left for " and 999 more".
        if line.chars().count() + item.chars().count() > VALUE_CHARS - 13 {
            break;
        }
        line.push_str(&item);
        shown += 1;
    }
    if shown < samples.len() {
        line.push_str(&format!(" and {} more", samples.len() - shown));
    }
    line
}

fn error_line(error: &QueryError) -> String {
    match error {
        QueryError::Refused(message) => {
            cut(&format!("Prometheus refused it: {message}"), VALUE_CHARS)
        }
        QueryError::Unavailable(why) => cut(
            &format!("Prometheus could not be asked: {why}"),
            VALUE_CHARS,
        ),
        QueryError::TimedOut => "Prometheus did not answer in time".to_owned(),
        QueryError::TooLarge => "Prometheus' answer was too large to show".to_owned(),
    }
}

fn busy(busy: Busy) -> Response {
    let mut response = plain_text(StatusCode::SERVICE_UNAVAILABLE, busy.message());
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(Busy::RETRY_AFTER.as_secs()),
    );
    response
}

async fn query_of(req: &Request, body: Body) -> Result<Option<String>, BadInput> {
    let params = Params::read(req, body).await?;
    Ok(params.text("query").map(str::to_owned))
}

fn client(req: &Request) -> Option<IpAddr> {
    req.remote_addr()
        .as_socket_addr()
        .map(|address| client_of(address.ip()))
}

/// `GET /tour/promql?query=Q`: the page, with a form to type a query ([`EXAMPLE`] without one).
#[handler]
pub async fn page(req: &Request, body: Body, Data(state): Data<&AppState>) -> Response {
    let query = match query_of(req, body).await {
        Ok(query) => query.unwrap_or_else(|| EXAMPLE.to_owned()),
        Err(bad) => return poem::IntoResponse::into_response(bad),
    };
    match explained_live(state, &query, client(req)).await {
        Ok(explained) => super::html(templates::promql::page(&explained)),
        Err(busy) => busy,
    }
}

/// `GET /promql?query=Q`: the tree in plain text, one node a line indented two spaces per depth
/// (with its value, with `--prometheus`), then each warning on a line starting `warning: `, then
/// what the gate says.
#[handler]
pub async fn plain(req: &Request, body: Body, Data(state): Data<&AppState>) -> Response {
    let query = match query_of(req, body).await {
        Ok(Some(query)) => query,
        Ok(None) => {
            return plain_text(
                StatusCode::BAD_REQUEST,
                "query is missing; send one, for example curl -G http://localhost:5000/promql --data-urlencode 'query=rate(tour_clicks_total[5m])'",
            )
        }
        Err(bad) => return poem::IntoResponse::into_response(bad),
    };
    let explained = match explained_live(state, &query, client(req)).await {
        Ok(explained) => explained,
        Err(busy) => return busy,
    };
    match &explained.reading {
        Ok(reading) => reply::lines(text(reading)),
        Err(why) => plain_text(StatusCode::BAD_REQUEST, format!("{why}: {}", shown(&query))),
    }
}

/// The plain-text form of a reading.
pub fn text(reading: &Reading) -> String {
    let mut out = String::new();
    for (at, node) in reading.nodes.iter().enumerate() {
        out.push_str(&format!(
            "{}{}  [{}] {}; labels: {}",
            "  ".repeat(node.depth),
            node.promql,
            node.returns.words(),
            node.does,
            node.labels
        ));
        if let Some(Some(value)) = reading.live.as_ref().map(|live| &live.values[at]) {
            out.push_str(&format!("; now: {value}"));
        }
        out.push('\n');
    }
    for lint in &reading.lints {
        out.push_str(&format!(
            "warning: {} (see {})\n",
            lint.message, lint.lesson
        ));
    }
    match &reading.gate {
        Ok(()) => out.push_str(
            "the gate passes it: it reads only the tour's series, at a cost Prometheus bears\n",
        ),
        Err(refusal) => out.push_str(&format!("{refusal}\n")),
    }
    out
}
