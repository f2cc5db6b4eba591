//! Running a PromQL query in a real Prometheus, for the quiz's query questions: the learner's query
//! and the reference both go to its HTTP API (`/api/v1/query`) at the same instant, and the two
//! result vectors are compared series by series.
//!
//! The Prometheus is the one `--prometheus` names, never one a request names. Each query runs under
//! a timeout (also given to Prometheus, so it stops evaluating) and its answer is read up to a size
//! limit, so a slow or huge answer costs the tour a bounded wait and bounded memory.

use std::{collections::BTreeMap, time::Duration};

use http_body_util::{BodyExt, Limited};
use hyper_util::{
    client::legacy::{connect::HttpConnector, Client},
    rt::TokioExecutor,
};
use serde_json::Value;

use crate::config::PrometheusUrl;

/// How long one query may take, answer included.
pub const TIMEOUT: Duration = Duration::from_secs(3);
/// The largest answer read from Prometheus: far more than a quiz question's few series.
pub const MAX_ANSWER_BYTES: usize = 256 * 1024;
/// How close two values must be to count as the same: equivalent queries may sum in another order.
pub const TOLERANCE: f64 = 1e-6;

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

/// The HTTP API of the Prometheus that `--prometheus` names.
pub struct PrometheusApi {
    base: String,
    client: Client<HttpConnector, String>,
}

impl PrometheusApi {
    /// A client for the Prometheus at `url`.
    pub fn new(url: &PrometheusUrl) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(TIMEOUT));
        PrometheusApi {
            base: url.0.clone(),
            client: Client::builder(TokioExecutor::new()).build(connector),
        }
    }

    /// Where queries go, as the pages and messages name it.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Evaluates `query` at `time` (Unix seconds), within [`TIMEOUT`] and [`MAX_ANSWER_BYTES`].
    pub async fn query(&self, query: &str, time: f64) -> Result<QueryResult, QueryError> {
        let timeout = format!("{}s", TIMEOUT.as_secs());
        let parameters = form_urlencoded::Serializer::new(String::new())
            .append_pair("query", query)
            .append_pair("time", &format!("{time:.3}"))
            .append_pair("timeout", &timeout)
            .finish();
        let uri = format!("{}/api/v1/query?{parameters}", self.base);
        match tokio::time::timeout(TIMEOUT, self.get(&uri)).await {
            Ok(answer) => parse_answer(&answer?),
            Err(_) => Err(QueryError::TimedOut),
        }
    }

    /// The body of `GET uri`, whatever its status (the API's errors are JSON too).
    async fn get(&self, uri: &str) -> Result<Vec<u8>, QueryError> {
        let request = hyper::Request::get(uri)
            .header(hyper::header::ACCEPT, "application/json")
            .body(String::new())
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
                    let labels = series["metric"]
                        .as_object()
                        .ok_or_else(garbled)?
                        .iter()
                        .map(|(name, value)| {
                            (name.clone(), value.as_str().unwrap_or("").to_owned())
                        })
                        .collect();
                    Ok(Sample {
                        labels,
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

/// A `[time, "value"]` pair's value; Prometheus writes numbers as strings, `NaN` and `+Inf` too.
fn number(pair: &Value) -> Option<f64> {
    pair.get(1)?.as_str()?.parse().ok()
}

/// Compares a learner's result with the reference's: `Ok` when they hold the same series with
/// values within [`TOLERANCE`], else the first difference, in one sentence.
pub fn compare(learner: &QueryResult, reference: &QueryResult) -> Result<(), String> {
    match (learner, reference) {
        (QueryResult::Vector(mine), QueryResult::Vector(theirs)) => compare_vectors(mine, theirs),
        (QueryResult::Scalar(mine), QueryResult::Scalar(theirs)) => {
            if close(*mine, *theirs) {
                Ok(())
            } else {
                Err(format!("yours gives {mine}, the expected answer {theirs}"))
            }
        }
        (QueryResult::Other(kind), _) if kind == "matrix" => Err(
            "yours gives a range vector (every sample in the range): wrap it in a function such as rate() for one value per series"
                .to_owned(),
        ),
        (mine, theirs) => Err(format!(
            "yours gives {}, the expected answer {}",
            kind(mine),
            kind(theirs)
        )),
    }
}

fn compare_vectors(mine: &[Sample], theirs: &[Sample]) -> Result<(), String> {
    if let Some(extra) = mine
        .iter()
        .find(|s| !theirs.iter().any(|t| t.labels == s.labels))
    {
        return Err(format!(
            "yours has the series {} that the expected answer has not ({} series against {})",
            labels(&extra.labels),
            mine.len(),
            theirs.len()
        ));
    }
    if let Some(missing) = theirs
        .iter()
        .find(|t| !mine.iter().any(|s| s.labels == t.labels))
    {
        return Err(format!(
            "the expected answer has the series {} that yours has not ({} series against {})",
            labels(&missing.labels),
            mine.len(),
            theirs.len()
        ));
    }
    for (s, t) in mine.iter().zip(theirs) {
        if !close(s.value, t.value) {
            return Err(format!(
                "the same series, but {} is {} in yours and {} in the expected answer",
                labels(&s.labels),
                s.value,
                t.value
            ));
        }
    }
    Ok(())
}

/// Equal within [`TOLERANCE`], relative to the larger; `NaN` matches `NaN`, as a missing estimate does.
fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= TOLERANCE * a.abs().max(b.abs())
}

fn kind(result: &QueryResult) -> String {
    match result {
        QueryResult::Vector(samples) => format!("an instant vector of {} series", samples.len()),
        QueryResult::Scalar(_) => "a scalar".to_owned(),
        QueryResult::Other(kind) => format!("a {kind}"),
    }
}

/// Labels as PromQL writes a selector: `name{a="1", b="2"}`.
pub fn labels(labels: &BTreeMap<String, String>) -> String {
    let name = labels.get("__name__").map_or("", String::as_str);
    let pairs: Vec<String> = labels
        .iter()
        .filter(|(key, _)| *key != "__name__")
        .map(|(key, value)| format!("{key}={value:?}"))
        .collect();
    format!("{name}{{{}}}", pairs.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(json: &str) -> QueryResult {
        parse_answer(
            format!(r#"{{"status":"success","data":{{"resultType":"vector","result":{json}}}}}"#)
                .as_bytes(),
        )
        .unwrap()
    }

    #[test]
    fn the_same_series_in_another_order_and_rounding_compare_equal() {
        let mine = vector(
            r#"[{"metric":{"le":"2"},"value":[1,"0.30000000000000004"]},{"metric":{"le":"1"},"value":[1,"NaN"]}]"#,
        );
        let theirs = vector(
            r#"[{"metric":{"le":"1"},"value":[1,"NaN"]},{"metric":{"le":"2"},"value":[1,"0.3"]}]"#,
        );
        assert_eq!(compare(&mine, &theirs), Ok(()));
    }

    #[test]
    fn another_label_set_or_value_is_a_difference() {
        let theirs = vector(r#"[{"metric":{"le":"1"},"value":[1,"2"]}]"#);
        let summed = vector(r#"[{"metric":{},"value":[1,"2"]}]"#);
        let off = vector(r#"[{"metric":{"le":"1"},"value":[1,"2.1"]}]"#);
        assert!(compare(&summed, &theirs).unwrap_err().contains("{}"));
        assert!(compare(&off, &theirs).unwrap_err().contains("2.1"));
        let another_bucket = vector(r#"[{"metric":{"le":"2"},"value":[1,"2"]}]"#);
        assert!(compare(&another_bucket, &theirs)
            .unwrap_err()
            .contains(r#"{le="2"}"#));
    }

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
}
