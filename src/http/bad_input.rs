//! Bad input: one small error type that becomes a 4xx with a message a learner understands.
//!
//! A refused request changes no metric: handlers parse everything first, then update. A message is
//! one line, and quotes what the client sent only through [`shown`]: escaped and cut short, so a
//! value cannot break the line, reach a terminal as raw control bytes, or come back 30 KB long.

use poem::{http::StatusCode, IntoResponse, Response};

use crate::exposition;

/// What was wrong with a request, and therefore which 4xx it gets.
#[derive(Debug)]
pub enum BadInput {
    /// 400: a parameter that cannot be used, with the sentence that explains why.
    Parameter(String),
    /// 408: a body that stopped arriving (`--body-timeout`).
    TimedOut(String),
    /// 413: a body larger than `--max-upload-bytes`.
    TooLarge { limit: u64 },
    /// 415: a body of a type the route does not read, with what it accepts.
    MediaType(String),
}

impl IntoResponse for BadInput {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            BadInput::Parameter(message) => (StatusCode::BAD_REQUEST, message),
            BadInput::TimedOut(message) => (StatusCode::REQUEST_TIMEOUT, message),
            BadInput::TooLarge { limit } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "the upload is larger than {limit} bytes, the limit set by --max-upload-bytes"
                ),
            ),
            BadInput::MediaType(message) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, message),
        };
        plain_text(status, message)
    }
}

impl From<BadInput> for poem::Error {
    fn from(bad: BadInput) -> Self {
        poem::Error::from_response(bad.into_response())
    }
}

/// Refuses an update that `name` could not show, and returns the value it would take: one that
/// would carry it past the largest float (an infinity cannot be recorded as a number that still
/// moves, nor drawn), or a non-zero `delta` lost against a far larger `before` (1e17 + 1 is 1e17 in
/// a float), which would be answered as applied while moving nothing. `update` is the step as the
/// client sent it, for the message.
pub fn shows(name: &str, before: f64, delta: f64, update: &str) -> Result<f64, BadInput> {
    let after = before + delta;
    if !after.is_finite() {
        return Err(BadInput::Parameter(format!(
            "{update} would take {name} past the largest number a float holds (about 1.8e308), \
             and infinities cannot be recorded; it was not applied"
        )));
    }
    if delta != 0.0 && after == before {
        return Err(BadInput::Parameter(format!(
            "{update} is too small to move {name} from {} (a float keeps about 16 significant \
             digits), so it would be lost; it was not applied",
            exposition::float(before)
        )));
    }
    Ok(after)
}

/// How a message quotes a value the client sent: control characters, quotes and backslashes
/// escaped, and anything past [`SHOWN_CHARS`] characters cut off with `...`.
pub fn shown(value: &str) -> String {
    let mut escaped = String::new();
    for (count, c) in value.chars().enumerate() {
        if count == SHOWN_CHARS {
            escaped.push_str("...");
            break;
        }
        escaped.extend(c.escape_debug());
    }
    escaped
}

/// The most characters of a client's value a message repeats.
pub const SHOWN_CHARS: usize = 40;

/// A one-line plain-text answer; every message of the tour ends with a newline, as curl users
/// expect. Any line break or control character inside `message` is escaped, so it stays one line.
pub fn plain_text(status: StatusCode, message: impl Into<String>) -> Response {
    let message = message.into();
    let mut line = String::with_capacity(message.len() + 1);
    for c in message.chars() {
        if c.is_control() {
            line.extend(c.escape_default());
        } else {
            line.push(c);
        }
    }
    line.push('\n');
    Response::builder()
        .status(status)
        .content_type("text/plain; charset=utf-8")
        .body(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shown_value_is_escaped_and_cut_short() {
        assert_eq!(shown("1\n2"), "1\\n2");
        assert_eq!(shown("\u{1b}[31mred"), "\\u{1b}[31mred");
        let long = "9".repeat(30_000);
        assert_eq!(shown(&long), format!("{}...", "9".repeat(SHOWN_CHARS)));
    }
}
