//! A route's parameters, from the query string (`curl -X POST '/counter?by=2'`) or from a browser
//! form's body (`by=2`): both read the same way, so the two ways of poking a metric agree.

use poem::{http::header, Body, Request};

use crate::error::BadInput;

/// Largest form body read; the tour's forms send a few bytes.
const MAX_FORM_BYTES: usize = 4096;

/// The decoded `key=value` pairs a request carries.
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Reads the query string and, for a form post, the urlencoded body.
    pub async fn read(req: &Request, body: Body) -> Result<Params, BadInput> {
        let mut pairs: Vec<_> = query_pairs(req.uri().query().unwrap_or("")).collect();
        let is_form = req
            .header(header::CONTENT_TYPE)
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
        if is_form {
            let form = body.into_bytes_limit(MAX_FORM_BYTES).await.map_err(|_| {
                BadInput::Parameter(format!("a form body is at most {MAX_FORM_BYTES} bytes"))
            })?;
            pairs.extend(query_pairs(&String::from_utf8_lossy(&form)));
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
                "{name}={raw} is not a finite number: NaN and infinities cannot be recorded; send a plain number like {name}=2.5"
            ))),
            Err(_) => Err(BadInput::Parameter(format!(
                "{name}={raw} is not a number; send a plain number like {name}=2.5"
            ))),
        }
    }

    /// The optional `by` of an increment: 1 when absent, otherwise a finite number, 0 or more.
    /// `negative_hint` says where to go instead of a negative step.
    pub fn increment(&self, negative_hint: &str) -> Result<f64, BadInput> {
        match self.number("by")? {
            None => Ok(1.0),
            Some(by) if by < 0.0 => Err(BadInput::Parameter(format!(
                "by={by} is negative; {negative_hint}"
            ))),
            Some(by) => Ok(by),
        }
    }
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
