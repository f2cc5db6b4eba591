//! `GET /tour/quiz` and `GET /quiz/ID`: the self-check quiz, every question with its form, and the
//! same question as plain text for a terminal.

use maud::{html, Markup};

use super::{command, frame, section, windows_note};

/// A question as shown: its text, what the tour holds now (for a live question), its choices.
#[derive(Debug, Clone)]
pub struct Shown {
    pub id: &'static str,
    /// The lesson's page and title.
    pub lesson: (&'static str, &'static str),
    pub ask: &'static str,
    /// For a live question: the values it is about, as they are now.
    pub now: Option<String>,
    /// For a choice: `(letter, text)`.
    pub choices: Vec<(&'static str, &'static str)>,
    /// Answered with a PromQL query.
    pub is_query: bool,
}

/// Everything the quiz page shows.
#[derive(Debug, Clone)]
pub struct QuizView {
    pub questions: Vec<Shown>,
    /// How many the score cookie says were answered right.
    pub right: usize,
    /// The verdict a browser form's 303 carried back: `(question id, line)`.
    pub verdict: Option<(&'static str, String)>,
    /// The Prometheus that judges queries (`--prometheus`), if any.
    pub prometheus: Option<String>,
    pub origin: String,
}

/// The quiz page.
pub fn page(view: &QuizView) -> Markup {
    let origin = &view.origin;
    frame(
        "Quiz: check yourself",
        html! {
            p.lead { "One question per idea of the tour. Some ask you to do something and predict what the tour "
                "will then show, and are checked against its live values; some ask you to spot a mistake; "
                "some want a PromQL query, which a real Prometheus runs." }
            p #quiz-score data-live { "Your score: " strong { (view.right) " of " (view.questions.len()) } " answered right. "
                "It is kept in a cookie in your browser: the tour itself remembers nothing about you." }
            @if view.prometheus.is_none() {
                p.note { "The PromQL questions need a Prometheus that scrapes this tour as job " code { "tour" } ": start the tour with "
                    code { "--prometheus http://localhost:9090" } " (or " code { "TOUR_PROMETHEUS" } ") to have them judged." }
            }
            (section("From a terminal", html! {
                p { "Each question is also at " code { "/quiz/ID" } " as plain text, with the command that answers it; "
                    "for a question with choices, your letter goes in place of " code { "LETTER" } ":" }
                (command(&format!("curl -s {origin}/quiz/rate-range")))
                (command(&format!("curl -s -X POST {origin}/quiz/rate-range -d answer=LETTER")))
                (windows_note())
            }))
            ol.quiz {
                @for (number, question) in view.questions.iter().enumerate() {
                    (question_item(number + 1, question, view))
                }
            }
        },
    )
}

fn question_item(number: usize, question: &Shown, view: &QuizView) -> Markup {
    let input = format!("answer-{}", question.id);
    let verdict = view
        .verdict
        .as_ref()
        .filter(|(id, _)| *id == question.id)
        .map(|(_, line)| line);
    html! {
        li.question #(question.id) {
            h2 { "Question " (number) " " span.small { "(" a href=(question.lesson.0) { (question.lesson.1) } ")" } }
            p { (question.ask) }
            @if let Some(now) = &question.now {
                p.now #{ "now-" (question.id) } data-live { (now) }
            }
            form.answer method="post" action={ "/quiz/" (question.id) } {
                @if question.choices.is_empty() {
                    label for=(input) { @if question.is_query { "Your query" } @else { "Your answer (a number)" } }
                    @if question.is_query {
                        input #(input) .query type="text" name="answer" required spellcheck="false" autocomplete="off";
                    } @else {
                        input #(input) type="text" name="answer" required inputmode="decimal" autocomplete="off";
                    }
                } @else {
                    fieldset {
                        legend { "Choose one" }
                        @for (letter, text) in &question.choices {
                            @let id = format!("{input}-{letter}");
                            div.choice {
                                input #(id) type="radio" name="answer" value=(letter) required;
                                label for=(id) { (letter) ") " (text) }
                            }
                        }
                    }
                }
                button type="submit" { "Check" }
            }
            @if question.is_query && view.prometheus.is_none() {
                p.small { "Not judged here: this tour was started without " code { "--prometheus" } "." }
            }
            @if let Some(line) = verdict {
                p.verdict.correct[line.starts_with("correct")] role="status" { (line) }
            }
        }
    }
}

/// One question as plain text, for `curl /quiz/ID`: the question, the values it is about, how to answer.
pub fn plain(question: &Shown, origin: &str, prometheus: Option<&str>) -> String {
    let mut text = format!(
        "{} ({} lesson, {}{})\n{}\n",
        question.id, question.lesson.1, origin, question.lesson.0, question.ask
    );
    if let Some(now) = &question.now {
        text.push_str(&format!("{now}\n"));
    }
    for (letter, choice) in &question.choices {
        text.push_str(&format!("  {letter}) {choice}\n"));
    }
    let post = format!("curl -s -X POST {origin}/quiz/{}", question.id);
    let how = if question.is_query {
        let judged = match prometheus {
            Some(url) => format!("the Prometheus at {url} runs it and the reference query"),
            None => "not judged here: start the tour with --prometheus http://localhost:9090 (or TOUR_PROMETHEUS) to have a Prometheus run it".to_owned(),
        };
        format!("answer with a query ({judged}):\n  {post} --data-urlencode 'answer=YOUR QUERY'")
    } else if question.choices.is_empty() {
        format!("answer with a number:\n  {post} -d answer=NUMBER")
    } else {
        format!("answer with a letter:\n  {post} -d answer=LETTER")
    };
    text.push_str(&how);
    text
}
