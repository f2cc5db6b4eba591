//! A route's parameters, from the query string (`curl -X POST '/counter?by=2'`) or from a browser
//! form's body (`by=2`): both read the same way, so the two ways of poking a metric agree.

use poem::{http::header, Body, Request};

use crate::http::bad_input::BadInput;

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
            pairs.extend(
                form_urlencoded::parse(&form)
                    .map(|(key, value)| (key.into_owned(), value.into_owned())),
            );
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

/// The decoded `key=value` pairs of a query string or form body, in order (`+` is a space,
/// `%XX` a byte; bytes that are not UTF-8 become U+FFFD).
pub fn query_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    form_urlencoded::parse(query.as_bytes())
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
}
