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
