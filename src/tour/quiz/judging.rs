//! `POST /quiz/ID`: reading the answer, judging it by its kind, and saying why when it cannot be
//! judged. A PromQL answer passes the gate in `crate::promql`, then runs, with the reference, in
//! the Prometheus `--prometheus` names.

use std::time::{SystemTime, UNIX_EPOCH};

use poem::{
    handler,
    http::{header, HeaderValue, StatusCode},
    web::{Data, Path},
    Body, Request, Response,
};

use super::{
    no_such_question, question, score::answered, Answer, Question, Verdict, MAX_ANSWER_BYTES,
};
use crate::{
    http::{
        bad_input::{plain_text, BadInput},
        params::Params,
    },
    promql::lint::{lint, Kinds, ScrapeInterval},
    promql::{
        client::{self, Busy, QueryError, QueryResult},
        compare::{compare, cut},
    },
    server::admission::client_of,
    state::AppState,
};

/// `POST /quiz/ID` with `answer`: the verdict as plain text, or for a browser form a 303 back to
/// the quiz, which shows it. Either way the score cookie is updated.
#[handler]
pub async fn judge(
    req: &Request,
    Path(id): Path<String>,
    body: Body,
    Data(state): Data<&AppState>,
) -> Result<Response, BadInput> {
    let Some(question) = question(&id) else {
        return Ok(no_such_question());
    };
    let params = Params::read(req, body).await?;
    let answer = read_answer(params.text("answer"), question, &crate::tour::origin(req))?;
    let verdict = match &question.answer {
        Answer::Choice {
            choices,
            right,
            why,
        } => {
            let letter = answer.trim_end_matches([')', '.']).to_ascii_lowercase();
            if !choices.iter().any(|(key, _)| *key == letter) {
                let keys: Vec<&str> = choices.iter().map(|(key, _)| *key).collect();
                return Err(BadInput::Parameter(format!(
                    "answer={} is not one of the choices; send one letter: {}",
                    shorten(answer),
                    keys.join(", ")
                )));
            }
            if letter == *right {
                Verdict::Correct((*why).to_owned())
            } else {
                Verdict::NotYet(format!("{right} is right: {why}"))
            }
        }
        Answer::Live { judge, .. } => {
            let number = parse_number(answer)?;
            judge(&crate::tour::take_snapshot(state, req), number)
        }
        Answer::Query { reference } => match judge_query(state, req, answer, reference).await {
            Ok(verdict) => verdict,
            Err(unjudged) => return Ok(unjudged),
        },
    };
    Ok(answered(req, question.id, &verdict))
}

/// The answer text, or why it cannot be judged: absent, empty, too long or not UTF-8. The message
/// for an empty one shows how to answer `question` with a placeholder, never a real answer.
fn read_answer<'a>(
    answer: Option<&'a str>,
    question: &Question,
    origin: &str,
) -> Result<&'a str, BadInput> {
    let answer = answer.map(str::trim).unwrap_or("");
    if answer.is_empty() {
        let form = match question.answer {
            Answer::Choice { .. } => "-d answer=LETTER",
            Answer::Live { .. } => "-d answer=NUMBER",
            Answer::Query { .. } => "--data-urlencode 'answer=YOUR QUERY'",
        };
        return Err(BadInput::Parameter(format!(
            "answer is empty; send it as answer=..., for example curl -s -X POST {origin}/quiz/{} {form}",
            question.id
        )));
    }
    if answer.len() > MAX_ANSWER_BYTES {
        return Err(BadInput::Parameter(format!(
            "answer is {} bytes; the quiz judges answers of at most {MAX_ANSWER_BYTES}",
            answer.len()
        )));
    }
    if answer.contains(char::REPLACEMENT_CHARACTER) || answer.chars().any(char::is_control) {
        return Err(BadInput::Parameter(
            "answer is not one line of UTF-8 text; send plain text".to_owned(),
        ));
    }
    Ok(answer)
}

fn parse_number(answer: &str) -> Result<f64, BadInput> {
    match answer.parse::<f64>() {
        Ok(number) if !number.is_infinite() => Ok(number),
        _ => Err(BadInput::Parameter(format!(
            "answer={} is not a number; send a plain number like answer=4.25 (or NaN)",
            shorten(answer)
        ))),
    }
}

/// At most 40 characters of what was sent, with `...` when cut, for quoting in a message.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Passes the learner's query and the reference through the gate, runs both at the same instant
/// and compares them; `Err` is the answer when there is no verdict to give: the gate refused the
/// query (400), no Prometheus or too many queries in flight (503), or it failed.
async fn judge_query(
    state: &AppState,
    req: &Request,
    answer: &str,
    reference: &str,
) -> Result<Verdict, Response> {
    let now = SystemTime::now();
    let mine = state
        .gate
        .check(answer, now)
        .map_err(|refusal| plain_text(StatusCode::BAD_REQUEST, cut(&refusal.to_string(), 240)))?;
    let theirs = state.gate.check(reference, now).map_err(|refusal| {
        plain_text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!(
                "the quiz's own answer {reference} was refused, a fault of the tour: {refusal}"
            ),
        )
    })?;
    let Some(api) = &state.prometheus else {
        return Err(plain_text(
            StatusCode::SERVICE_UNAVAILABLE,
            "this question is judged by a Prometheus: start the tour with --prometheus http://localhost:9090 (or TOUR_PROMETHEUS) naming one that scrapes it",
        ));
    };
    let client = req
        .remote_addr()
        .as_socket_addr()
        .map(|address| client_of(address.ip()));
    let reservation = api.reserve(client, 2).map_err(|busy| {
        let mut response = plain_text(StatusCode::SERVICE_UNAVAILABLE, busy.message());
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(Busy::RETRY_AFTER.as_secs()),
        );
        response
    })?;
    let time = now
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |since| since.as_secs_f64());
    let (mine, theirs) = tokio::join!(
        reservation.query(&mine, time),
        reservation.query(&theirs, time)
    );
    let unjudged = |error: QueryError| {
        let (status, why) = match error {
            QueryError::TimedOut => (
                StatusCode::GATEWAY_TIMEOUT,
                format!("did not answer within {} s", client::TIMEOUT.as_secs()),
            ),
            QueryError::TooLarge => (
                StatusCode::BAD_GATEWAY,
                format!(
                    "answered more than {} KiB, more than the tour reads; select fewer series",
                    client::MAX_ANSWER_BYTES / 1024
                ),
            ),
            QueryError::Unavailable(why) | QueryError::Refused(why) => (
                StatusCode::BAD_GATEWAY,
                format!("could not be asked: {}", cut(&why, 120)),
            ),
        };
        plain_text(
            status,
            format!(
                "the answer was not judged: the Prometheus at {} {why}",
                api.base()
            ),
        )
    };
    let theirs = theirs.map_err(unjudged)?;
    let mine = match mine {
        Ok(mine) => mine,
        Err(QueryError::Refused(why)) => {
            return Ok(Verdict::NotYet(format!(
                "Prometheus refused the query: {}",
                cut(&why, 160)
            )))
        }
        Err(error) => return Err(unjudged(error)),
    };
    if matches!(&theirs, QueryResult::Vector(series) if series.is_empty()) {
        return Err(plain_text(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the answer was not judged: the Prometheus at {} has no data for this question yet; is it scraping the tour as job \"tour\"? try again after a few scrapes", api.base()),
        ));
    }
    Ok(match compare(&mine, &theirs) {
        Ok(()) => Verdict::Correct(format!("your query gives the same result as {reference}")),
        Err(difference) => Verdict::NotYet(format!(
            "{difference}; one answer is {reference}{}",
            first_warning(state, answer)
        )),
    })
}

/// The first warning `/promql` gives the learner's query, as a short clause for a "not yet":
/// the mistake its shape shows, and the lesson that teaches it; empty when it shows none.
fn first_warning(state: &AppState, answer: &str) -> String {
    let Ok(expr) = crate::promql::parse(answer) else {
        return String::new();
    };
    let kinds = Kinds::of(&state.metrics.registry.gather());
    match lint(&expr, &kinds, ScrapeInterval::default()).first() {
        Some(warning) => format!(
            "; warning: {} (see {})",
            cut(warning.headline(), 80),
            warning.lesson
        ),
        None => String::new(),
    }
}
