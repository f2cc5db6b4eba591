//! Bad input: one small error type that becomes a 4xx with a message a learner understands.
//!
//! A refused request changes no metric: handlers parse everything first, then update.

use poem::{http::StatusCode, IntoResponse, Response};

/// What was wrong with a request, and therefore which 4xx it gets.
#[derive(Debug)]
pub enum BadInput {
    /// 400: a parameter that cannot be used, with the sentence that explains why.
    Parameter(String),
    /// 413: a body larger than `--max-upload-bytes`.
    TooLarge { limit: u64 },
}

impl IntoResponse for BadInput {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            BadInput::Parameter(message) => (StatusCode::BAD_REQUEST, message),
            BadInput::TooLarge { limit } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "the upload is larger than {limit} bytes, the limit set by --max-upload-bytes"
                ),
            ),
        };
        plain_text(status, message)
    }
}

impl From<BadInput> for poem::Error {
    fn from(bad: BadInput) -> Self {
        poem::Error::from_response(bad.into_response())
    }
}

/// A one-line plain-text answer; every message of the tour ends with a newline, as curl users expect.
pub fn plain_text(status: StatusCode, message: impl Into<String>) -> Response {
    let mut message = message.into();
    message.push('\n');
    Response::builder()
        .status(status)
        .content_type("text/plain; charset=utf-8")
        .body(message)
}

/// Reads `name` from a query string as a finite number, or says what is accepted.
pub fn number_param(query: &str, name: &str) -> Result<Option<f64>, BadInput> {
    let Some(raw) = query_value(query, name) else {
        return Ok(None);
    };
    match raw.trim().parse::<f64>() {
        Ok(number) if number.is_finite() => Ok(Some(number)),
        Ok(_) => Err(BadInput::Parameter(format!(
            "{name}={raw} is not a finite number: NaN and infinities cannot be recorded; send a plain number like {name}=2.5"
        ))),
        Err(_) => Err(BadInput::Parameter(format!(
            "{name}={raw} is not a number; send a plain number like {name}=2.5"
        ))),
    }
}

/// The first value of `name` in a query string, percent-decoded.
pub fn query_value(query: &str, name: &str) -> Option<String> {
    query_pairs(query)
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}

/// The decoded `key=value` pairs of a query string, in order.
pub fn query_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = bytes
            .get(i + 1..i + 3)
            .filter(|_| bytes[i] == b'%')
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match (escaped, bytes[i]) {
            (Some(byte), _) => {
                decoded.push(byte);
                i += 3;
            }
            (None, b'+') => {
                decoded.push(b' ');
                i += 1;
            }
            (None, byte) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// Reads the optional `by` of an increment: 1 when absent, otherwise a finite number, 0 or more.
/// `negative_hint` says where to go instead of a negative step.
pub fn increment_param(req: &poem::Request, negative_hint: &str) -> Result<f64, BadInput> {
    match number_param(req.uri().query().unwrap_or(""), "by")? {
        None => Ok(1.0),
        Some(by) if by < 0.0 => Err(BadInput::Parameter(format!(
            "by={by} is negative; {negative_hint}"
        ))),
        Some(by) => Ok(by),
    }
}
