//! The self-check quiz: a question per idea of the tour, answered in a browser or with curl.
//!
//! Questions are plain data ([`QUESTIONS`]), a file per lesson in `bank/`; each kind of [`Answer`]
//! is judged by a small function in `judging.rs` (live values in `live.rs`), and `score.rs` keeps
//! the score. The bank never judges and the judging names no question, so either grows alone.
//! Live questions are judged against the value the tour holds when the answer arrives (or held in
//! the last few seconds, so a learner who read it a moment ago is not failed by someone else's
//! click; for a number worked out by hand from the upload histogram, the last minute). Query
//! questions run the learner's PromQL and a reference in the Prometheus that `--prometheus` names,
//! and compare the two results; each reference names job `tour`, as the exercises do, so a fleet
//! scraped by the same Prometheus does not change the answer.
//!
//! The score lives in a cookie in the learner's browser, never on the server: however many people
//! take the quiz, the tour remembers nothing about them. Nothing from an answer becomes a label.

mod bank;
mod judging;
mod live;
mod score;

use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path},
    Request, Response,
};

use crate::{
    http::{bad_input::plain_text, reply},
    state::AppState,
    templates,
    tour::snapshot::Snapshot,
};
pub use bank::QUESTIONS;
pub use judging::judge;

/// One question: which lesson it checks, what it asks, and how its answer is judged.
pub struct Question {
    /// Its address: `GET /quiz/ID`, `POST /quiz/ID`, and `#ID` on the quiz page.
    pub id: &'static str,
    /// The lesson's page and title, to go back to.
    pub lesson: (&'static str, &'static str),
    pub ask: &'static str,
    pub answer: Answer,
}

/// How a question is answered, and so how it is judged.
pub enum Answer {
    /// One letter among the choices; `why` explains the right one.
    Choice {
        choices: &'static [(&'static str, &'static str)],
        right: &'static str,
        why: &'static str,
    },
    /// A number read or predicted from the tour's live values: `shows` says what the tour holds now,
    /// `judge` compares the answer with it when the answer arrives.
    Live {
        shows: fn(&Snapshot) -> String,
        judge: fn(&Snapshot, f64) -> Verdict,
    },
    /// A PromQL query, right when it gives the same series and values as `reference` in Prometheus.
    Query { reference: &'static str },
}

/// The verdict on an answer: its first word, then one line of explanation.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Correct(String),
    NotYet(String),
}

impl Verdict {
    /// The verdict as the learner reads it: `correct: ...` or `not yet: ...`.
    pub fn line(&self) -> String {
        match self {
            Verdict::Correct(why) => format!("correct: {why}"),
            Verdict::NotYet(why) => format!("not yet: {why}"),
        }
    }
}

/// How long ago the buckets a hand computation starts from may have been read and still count:
/// working out an estimate from a dozen buckets takes a minute, while the traffic keeps observing.
pub const WORKED_SECONDS: f64 = 60.0;

/// The longest answer judged, in bytes: a PromQL query fits easily.
pub const MAX_ANSWER_BYTES: usize = 1000;

/// The question with this id.
pub fn question(id: &str) -> Option<&'static Question> {
    QUESTIONS.iter().find(|question| question.id == id)
}
/// `GET /tour/quiz`: every question with its form, the verdict just given, and the score.
#[handler]
pub fn page(req: &Request, Data(state): Data<&AppState>) -> Response {
    let snapshot = super::take_snapshot(state, req);
    let view = templates::quiz::QuizView {
        questions: QUESTIONS
            .iter()
            .map(|question| shown(question, &snapshot))
            .collect(),
        right: score::score(req).len(),
        verdict: score::last_verdict(req),
        prometheus: state.config.prometheus.as_ref().map(|url| url.0.clone()),
        origin: snapshot.origin.clone(),
    };
    super::html(templates::quiz::page(&view))
}

/// A question as the pages and the plain text show it.
fn shown(question: &'static Question, snapshot: &Snapshot) -> templates::quiz::Shown {
    let (now, choices, reference) = match &question.answer {
        Answer::Choice { choices, .. } => (None, choices.to_vec(), None),
        Answer::Live { shows, .. } => (Some(shows(snapshot)), Vec::new(), None),
        Answer::Query { reference } => (None, Vec::new(), Some(*reference)),
    };
    templates::quiz::Shown {
        id: question.id,
        lesson: question.lesson,
        ask: question.ask,
        now,
        choices,
        is_query: reference.is_some(),
    }
}

/// `GET /quiz/ID`: one question as plain text, with the curl command that answers it.
#[handler]
pub fn ask(req: &Request, Path(id): Path<String>, Data(state): Data<&AppState>) -> Response {
    let Some(question) = question(&id) else {
        return no_such_question();
    };
    let snapshot = super::take_snapshot(state, req);
    let prometheus = state.config.prometheus.as_ref().map(|url| url.0.as_str());
    reply::lines(templates::quiz::plain(
        &shown(question, &snapshot),
        &snapshot.origin,
        prometheus,
    ))
}

fn no_such_question() -> Response {
    plain_text(
        StatusCode::NOT_FOUND,
        "no such question; the quiz's questions are listed at /tour/quiz",
    )
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_question_has_a_unique_id_and_choice_answers_name_a_choice() {
        assert!(QUESTIONS.len() >= 12);
        for (i, question) in QUESTIONS.iter().enumerate() {
            assert!(
                QUESTIONS[..i]
                    .iter()
                    .all(|earlier| earlier.id != question.id),
                "{}",
                question.id
            );
            // An id goes in URLs and in the score cookie, where `.` separates ids.
            let plain = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
            assert!(question.id.chars().all(plain), "{}", question.id);
            if let Answer::Choice { choices, right, .. } = &question.answer {
                assert!(
                    choices.iter().any(|(key, _)| key == right),
                    "{}",
                    question.id
                );
            }
        }
    }
}
