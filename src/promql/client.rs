//! The client that runs a learner's query in the Prometheus `--prometheus` names, never one a
//! request names, and only a query the gate has [`Checked`].
//!
//! Each query carries Prometheus' own `timeout` parameter and is given up after [`TIMEOUT`]; its
//! answer is read up to [`MAX_ANSWER_BYTES`]. Neither stops Prometheus' work once it has begun
//! (it does not check the timeout inside a selector's step loop), which is why the gate bounds
//! that work before a query is sent. Queries in flight are capped, in all and per client address,
//! so a crowd of learners queues nothing in Prometheus: past the cap a query is refused, not held.

use std::{
    collections::{BTreeMap, HashMap},
    net::IpAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use http_body_util::{BodyExt, Limited};
use hyper_util::{
    client::legacy::{connect::HttpConnector, Client},
    rt::TokioExecutor,
};
use serde_json::Value;

use super::gate::Checked;
use crate::config::PrometheusUrl;

/// How long one query may take, answer included; Prometheus is told the same.
pub const TIMEOUT: Duration = Duration::from_secs(3);
/// The largest answer read from Prometheus: far more than a quiz question's few series.
pub const MAX_ANSWER_BYTES: usize = 256 * 1024;
/// The most queries in Prometheus at once, from every learner together: Prometheus 2.42 and 3
/// run at most 20 (`--query.max-concurrency`), and the instructor needs some.
pub const MAX_IN_FLIGHT: usize = 8;
/// The most queries in Prometheus at once from one client address: one quiz answer (the
/// learner's query and the reference).
pub const MAX_IN_FLIGHT_PER_CLIENT: usize = 2;

/// The most points a range query asks for: a chart's width, at most a few hundred.
pub const MAX_RANGE_POINTS: u64 = 300;

/// One series of a range query: its labels and its `(time, value)` points, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub labels: BTreeMap<String, String>,
    pub points: Vec<(f64, f64)>,
}

/// One series of an instant vector: its labels (with `__name__` when it has one) and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// What an instant query evaluated to.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryResult {
    /// One value per series, sorted by labels.
    Vector(Vec<Sample>),
    /// A single number with no labels, such as `1 + 1`.
    Scalar(f64),
    /// A range vector or a string: not a value per series.
    Other(String),
}

/// Why a query has no result.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryError {
    /// Prometheus answered, and refused the query: its own message (a parse error, say).
    Refused(String),
    /// Prometheus could not be asked, or answered something that is not its API.
    Unavailable(String),
    /// No whole answer within [`TIMEOUT`].
    TimedOut,
    /// The answer was over [`MAX_ANSWER_BYTES`].
    TooLarge,
}

/// Refused before asking: as many queries are in flight as the cap allows.
#[derive(Debug, Clone, PartialEq)]
pub struct Busy {
    /// True when the cap reached is everyone's, false when it is the client's own.
    pub everyone: bool,
}

impl Busy {
    /// How long a learner should wait before asking again: one query's timeout frees a slot.
    pub const RETRY_AFTER: Duration = TIMEOUT;

    /// The one-line message of the 503.
    pub fn message(&self) -> String {
        let whose = if self.everyone {
            format!("the class has {MAX_IN_FLIGHT} queries in Prometheus already, the most the tour sends at once")
        } else {
            format!("your address has {MAX_IN_FLIGHT_PER_CLIENT} queries in Prometheus already, the most the tour sends for one")
        };
        format!(
            "not asked: {whose}; try again in {} s",
            Self::RETRY_AFTER.as_secs()
        )
    }
}

/// How many queries are in flight, in all and per client address.
#[derive(Default)]
struct InFlight {
    total: usize,
    per_client: HashMap<Option<IpAddr>, usize>,
}

/// The HTTP API of the Prometheus that `--prometheus` names; clones share one connection pool
/// and one count of queries in flight.
#[derive(Clone)]
pub struct PrometheusApi {
    base: Arc<str>,
    client: Client<HttpConnector, String>,
    in_flight: Arc<Mutex<InFlight>>,
}

impl PrometheusApi {
    /// A client for the Prometheus at `url`.
    pub fn new(url: &PrometheusUrl) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(TIMEOUT));
        PrometheusApi {
            base: url.0.as_str().into(),
            client: Client::builder(TokioExecutor::new()).build(connector),
            in_flight: Arc::default(),
        }
    }

    /// Where queries go, as the pages and messages name it.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Holds `queries` slots for `client` (its address, when known), or says whose cap is reached;
    /// the slots are free again when the [`Reservation`] is dropped.
    pub fn reserve(&self, client: Option<IpAddr>, queries: usize) -> Result<Reservation, Busy> {
        let mut in_flight = self.lock();
        let mine = in_flight.per_client.get(&client).copied().unwrap_or(0);
        if mine + queries > MAX_IN_FLIGHT_PER_CLIENT {
            return Err(Busy { everyone: false });
        }
        if in_flight.total + queries > MAX_IN_FLIGHT {
            return Err(Busy { everyone: true });
        }
        in_flight.total += queries;
        *in_flight.per_client.entry(client).or_default() += queries;
        Ok(Reservation {
            api: self.clone(),
            client,
            queries,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, InFlight> {
        self.in_flight
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// The body of `POST /api/v1/query` with `form`, whatever its status (the API's errors are
    /// JSON too). A form body, not a URL: the gate's rewriting can make a query longer than a URL
    /// should be.
    async fn post(&self, endpoint: &str, form: String) -> Result<Vec<u8>, QueryError> {
        let request = hyper::Request::post(format!("{}/api/v1/{endpoint}", self.base))
            .header(hyper::header::ACCEPT, "application/json")
            .header(
                hyper::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(form)
            .map_err(|error| QueryError::Unavailable(error.to_string()))?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|error| QueryError::Unavailable(format!("{error:?}")))?;
        match Limited::new(response.into_body(), MAX_ANSWER_BYTES)
            .collect()
            .await
        {
            Ok(body) => Ok(body.to_bytes().to_vec()),
            Err(error) if error.is::<http_body_util::LengthLimitError>() => {
                Err(QueryError::TooLarge)
            }
            Err(error) => Err(QueryError::Unavailable(error.to_string())),
        }
    }
}

/// Slots held for a client's queries: the only way to send one.
pub struct Reservation {
    api: PrometheusApi,
    client: Option<IpAddr>,
    queries: usize,
}

impl Reservation {
    /// Evaluates `query` at `time` (Unix seconds), within [`TIMEOUT`] and [`MAX_ANSWER_BYTES`].
    pub async fn query(&self, query: &Checked, time: f64) -> Result<QueryResult, QueryError> {
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("query", query.as_str())
            .append_pair("time", &format!("{time:.3}"))
            .append_pair("timeout", &format!("{}s", TIMEOUT.as_secs()))
            .finish();
        match tokio::time::timeout(TIMEOUT, self.api.post("query", form)).await {
            Ok(answer) => parse_answer(&answer?),
            Err(_) => Err(QueryError::TimedOut),
        }
    }

    /// Evaluates `query` from `start` to `end` (Unix seconds) every `step` seconds, for a chart:
    /// at most [`MAX_RANGE_POINTS`] points a series, within [`TIMEOUT`] and [`MAX_ANSWER_BYTES`].
    pub async fn query_range(
        &self,
        query: &Checked,
        start: f64,
        end: f64,
        step: f64,
    ) -> Result<Vec<Series>, QueryError> {
        let step = step.max((end - start) / MAX_RANGE_POINTS as f64).max(1.0);
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("query", query.as_str())
            .append_pair("start", &format!("{start:.3}"))
            .append_pair("end", &format!("{end:.3}"))
            .append_pair("step", &format!("{step:.3}"))
            .append_pair("timeout", &format!("{}s", TIMEOUT.as_secs()))
            .finish();
        match tokio::time::timeout(TIMEOUT, self.api.post("query_range", form)).await {
            Ok(answer) => parse_range_answer(&answer?),
            Err(_) => Err(QueryError::TimedOut),
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let mut in_flight = self.api.lock();
        in_flight.total -= self.queries;
        if let Some(mine) = in_flight.per_client.get_mut(&self.client) {
            *mine -= self.queries;
            if *mine == 0 {
                in_flight.per_client.remove(&self.client);
            }
        }
    }
}

/// Reads the API's JSON: `{"status":"success","data":{"resultType":..,"result":..}}`, or
/// `{"status":"error","error":..}`.
fn parse_answer(body: &[u8]) -> Result<QueryResult, QueryError> {
    let garbled = || QueryError::Unavailable("its answer is not Prometheus' query API".to_owned());
    let answer: Value = serde_json::from_slice(body).map_err(|_| garbled())?;
    if answer["status"] == "error" {
        let message = answer["error"].as_str().unwrap_or("no reason given");
        return Err(QueryError::Refused(message.to_owned()));
    }
    let data = &answer["data"];
    match (data["resultType"].as_str(), &data["result"]) {
        (Some("vector"), Value::Array(series)) => {
            let mut samples = series
                .iter()
                .map(|series| {
                    Ok(Sample {
                        labels: labels_of(series).ok_or_else(garbled)?,
                        value: number(&series["value"]).ok_or_else(garbled)?,
                    })
                })
                .collect::<Result<Vec<_>, QueryError>>()?;
            samples.sort_by(|a, b| a.labels.cmp(&b.labels));
            Ok(QueryResult::Vector(samples))
        }
        (Some("scalar"), value) => Ok(QueryResult::Scalar(number(value).ok_or_else(garbled)?)),
        (Some(other), _) => Ok(QueryResult::Other(other.to_owned())),
        (None, _) => Err(garbled()),
    }
}

/// Reads a range query's matrix: each series' labels and points, sorted by labels.
fn parse_range_answer(body: &[u8]) -> Result<Vec<Series>, QueryError> {
    let garbled = || QueryError::Unavailable("its answer is not Prometheus' query API".to_owned());
    let answer: Value = serde_json::from_slice(body).map_err(|_| garbled())?;
    if answer["status"] == "error" {
        let message = answer["error"].as_str().unwrap_or("no reason given");
        return Err(QueryError::Refused(message.to_owned()));
    }
    let Value::Array(result) = &answer["data"]["result"] else {
        return Err(garbled());
    };
    let mut all = result
        .iter()
        .map(|series| {
            let labels = labels_of(series).ok_or_else(garbled)?;
            let points = series["values"]
                .as_array()
                .ok_or_else(garbled)?
                .iter()
                .filter_map(|pair| Some((pair.get(0)?.as_f64()?, number(pair)?)))
                .collect();
            Ok(Series { labels, points })
        })
        .collect::<Result<Vec<_>, QueryError>>()?;
    all.sort_by(|a, b| a.labels.cmp(&b.labels));
    Ok(all)
}

/// A result series' labels, from its `metric` object.
fn labels_of(series: &Value) -> Option<BTreeMap<String, String>> {
    Some(
        series["metric"]
            .as_object()?
            .iter()
            .map(|(name, value)| (name.clone(), value.as_str().unwrap_or("").to_owned()))
            .collect(),
    )
}

/// A `[time, "value"]` pair's value; Prometheus writes numbers as strings, `NaN` and `+Inf` too.
fn number(pair: &Value) -> Option<f64> {
    pair.get(1)?.as_str()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_answer_is_prometheus_refusing_the_query() {
        let answer = br#"{"status":"error","errorType":"bad_data","error":"parse error: unexpected end of input"}"#;
        assert_eq!(
            parse_answer(answer),
            Err(QueryError::Refused(
                "parse error: unexpected end of input".to_owned()
            ))
        );
        assert!(matches!(
            parse_answer(b"<html>"),
            Err(QueryError::Unavailable(_))
        ));
    }

    #[test]
    fn queries_past_either_cap_are_refused_until_slots_free() {
        let api = PrometheusApi::new(&PrometheusUrl("http://127.0.0.1:9".to_owned()));
        let learner = |n: u8| Some(IpAddr::from([127, 0, 0, n]));
        let first = api.reserve(learner(1), 2).unwrap();
        assert_eq!(
            api.reserve(learner(1), 1).err(),
            Some(Busy { everyone: false })
        );
        let others: Vec<Reservation> = (2..=4)
            .map(|n| api.reserve(learner(n), 2).unwrap())
            .collect();
        assert_eq!(
            api.reserve(learner(5), 1).err(),
            Some(Busy { everyone: true })
        );
        drop(first);
        assert!(api.reserve(learner(1), 2).is_ok());
        drop(others);
        assert_eq!(api.lock().total, 0);
        assert!(api.lock().per_client.is_empty());
    }
}
