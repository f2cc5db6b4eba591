//! The score and the last verdict, kept in the learner's browser as cookies, never on the server.

use poem::{
    http::{header, StatusCode},
    Request, Response,
};

use super::{question, Verdict, MAX_ANSWER_BYTES};
use crate::http::{bad_input::plain_text, reply::prefers_html};

/// The cookie holding the ids of the questions answered right.
const SCORE_COOKIE: &str = "quiz_score";
/// The cookie carrying the last verdict to the quiz page after a browser's 303.
const VERDICT_COOKIE: &str = "quiz_verdict";

/// The verdict, as text or a 303, with the score cookie updated.
pub(super) fn answered(req: &Request, id: &'static str, verdict: &Verdict) -> Response {
    let mut right = score(req);
    right.retain(|answered| *answered != id);
    if matches!(verdict, Verdict::Correct(_)) {
        right.push(id);
    }
    let score_cookie = format!(
        "{SCORE_COOKIE}={}; Path=/; SameSite=Strict; HttpOnly",
        right.join(".")
    );
    let line = verdict.line();
    if prefers_html(req) {
        let carried: String =
            form_urlencoded::byte_serialize(format!("{id}\n{line}").as_bytes()).collect();
        Response::builder()
            .status(StatusCode::SEE_OTHER)
            .header(header::LOCATION, format!("/tour/quiz#{id}"))
            .header(header::SET_COOKIE, score_cookie)
            .header(
                header::SET_COOKIE,
                format!("{VERDICT_COOKIE}={carried}; Path=/tour/quiz; Max-Age=60; SameSite=Strict; HttpOnly"),
            )
            .finish()
    } else {
        let mut response = plain_text(StatusCode::OK, line);
        if let Ok(cookie) = score_cookie.parse() {
            response.headers_mut().insert(header::SET_COOKIE, cookie);
        }
        response
    }
}

/// The value of the cookie `name`, if the request carries it.
fn cookie<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then_some(value)
        })
}

/// The questions the score cookie says were answered right; unknown ids are dropped, so the
/// cookie can never make the score more than the number of questions.
pub(super) fn score(req: &Request) -> Vec<&'static str> {
    let mut right: Vec<&'static str> = Vec::new();
    for id in cookie(req, SCORE_COOKIE).unwrap_or("").split('.') {
        if let Some(question) = question(id) {
            if !right.contains(&question.id) {
                right.push(question.id);
            }
        }
    }
    right
}

/// The verdict the last 303 carried: `(question id, line)`, when it names a question and reads as a
/// verdict.
pub(super) fn last_verdict(req: &Request) -> Option<(&'static str, String)> {
    let carried = cookie(req, VERDICT_COOKIE)?;
    let decoded: String = form_urlencoded::parse(format!("v={carried}").as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())?;
    let (id, line) = decoded.split_once('\n')?;
    let question = question(id)?;
    let reads_as_verdict = line.starts_with("correct: ") || line.starts_with("not yet: ");
    (reads_as_verdict && line.len() <= 2 * MAX_ANSWER_BYTES).then(|| (question.id, line.to_owned()))
}
