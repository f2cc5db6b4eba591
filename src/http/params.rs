//! A route's parameters, from the query string (`curl -X POST '/counter?by=2'`) or from a browser
//! form's body (`by=2`): both read the same way, so the two ways of poking a metric agree.
//!
//! Nothing is guessed: a body is read as a form only when it says it is one
//! (`application/x-www-form-urlencoded`; media types are case-insensitive), any other body is
//! refused with 415 rather than ignored, and a parameter given twice (in the query, or in the query
//! and the form) is refused rather than one copy silently winning.

use poem::{error::ReadBodyError, http::header, Body, Request};

use crate::http::bad_input::{shown, BadInput};

/// Largest form body read; the tour's forms send a few bytes.
const MAX_FORM_BYTES: usize = 4096;

/// The one body type a route with parameters reads.
const FORM: &str = "application/x-www-form-urlencoded";

/// The decoded `key=value` pairs a request carries, each key once.
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Reads the query string and, for a form post, the urlencoded body; refuses any other body
    /// (415) and any parameter given twice (400).
    pub async fn read(req: &Request, body: Body) -> Result<Params, BadInput> {
        let mut pairs: Vec<_> = query_pairs(req.uri().query().unwrap_or("")).collect();
        let media_type = req
            .header(header::CONTENT_TYPE)
            .map(|value| value.split(';').next().unwrap_or("").trim());
        let is_form = media_type.is_some_and(|media_type| media_type.eq_ignore_ascii_case(FORM));
        let form = match body.into_bytes_limit(MAX_FORM_BYTES).await {
            Ok(bytes) => bytes,
            Err(ReadBodyError::Io(error)) if error.kind() == std::io::ErrorKind::TimedOut => {
                return Err(BadInput::TimedOut(error.to_string()))
            }
            Err(ReadBodyError::Io(error)) if error.kind() == std::io::ErrorKind::InvalidData => {
                return Err(BadInput::Parameter(error.to_string()))
            }
            Err(_) if is_form => {
                return Err(BadInput::Parameter(format!(
                    "a form body is at most {MAX_FORM_BYTES} bytes"
                )))
            }
            Err(_) => return Err(not_a_form(media_type)),
        };
        if !form.is_empty() {
            if !is_form {
                return Err(not_a_form(media_type));
            }
            pairs.extend(
                form_urlencoded::parse(&form)
                    .map(|(key, value)| (key.into_owned(), value.into_owned())),
            );
        }
        for (at, (key, _)) in pairs.iter().enumerate() {
            if pairs[..at].iter().any(|(earlier, _)| earlier == key) {
                return Err(BadInput::Parameter(format!(
                    "{} is given twice; give each parameter once, in the query string or the form, not both",
                    shown(key)
                )));
            }
        }
        Ok(Params(pairs))
    }

    /// `name` as it was sent, decoded; `None` when absent.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// `name` as a finite number, `None` when absent, or a refusal saying what is accepted.
    pub fn number(&self, name: &str) -> Result<Option<f64>, BadInput> {
        let Some((_, raw)) = self.0.iter().find(|(key, _)| key == name) else {
            return Ok(None);
        };
        match raw.trim().parse::<f64>() {
            Ok(number) if number.is_finite() => Ok(Some(number)),
            Ok(_) => Err(BadInput::Parameter(format!(
                "{name}={} is not a finite number: NaN and infinities cannot be recorded; send a plain number like {name}=2.5",
                shown(raw)
            ))),
            Err(_) => Err(BadInput::Parameter(format!(
                "{name}={} is not a number; send a plain number like {name}=2.5",
                shown(raw)
            ))),
        }
    }

    /// The optional `by` of an increment: 1 when absent, otherwise a finite number, 0 or more.
    /// `negative_hint` says where to go instead of a negative step.
    pub fn increment(&self, negative_hint: &str) -> Result<f64, BadInput> {
        match self.number("by")? {
            None => Ok(1.0),
            Some(by) if by < 0.0 => Err(BadInput::Parameter(format!(
                "by={} is negative; {negative_hint}",
                shown(&by.to_string())
            ))),
            Some(by) => Ok(by),
        }
    }
}

/// The 415 for a body that is not a form, naming what is accepted.
fn not_a_form(media_type: Option<&str>) -> BadInput {
    let sent = match media_type {
        Some(media_type) => format!("a {} body", shown(media_type)),
        None => "a body without a Content-Type".to_owned(),
    };
    BadInput::MediaType(format!(
        "{sent} is not read here: send parameters in the query string, or as a form body with Content-Type: {FORM}"
    ))
}

/// The decoded `key=value` pairs of a query string or form body, in order (`+` is a space,
/// `%XX` a byte; bytes that are not UTF-8 become U+FFFD).
pub fn query_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    form_urlencoded::parse(query.as_bytes())
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
}
