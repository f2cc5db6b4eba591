//! The self-check quiz: a question per idea of the tour, answered in a browser or with curl.
//!
//! Questions are plain data ([`QUESTIONS`]); each kind of [`Answer`] is judged by a small function.
//! Live questions are judged against the value the tour holds when the answer arrives (or held in
//! the last few seconds, so a learner who read it a moment ago is not failed by someone else's
//! click); query questions run the learner's PromQL and a reference in the Prometheus that
//! `--prometheus` names, and compare the two results.
//!
//! The score lives in a cookie in the learner's browser, never on the server: however many people
//! take the quiz, the tour remembers nothing about them. Nothing from an answer becomes a label.

use std::time::{SystemTime, UNIX_EPOCH};

use poem::{
    handler,
    http::{header, StatusCode},
    web::{Data, Path},
    Body, Request, Response,
};

use super::query::{compare, PrometheusApi, QueryError};
use crate::{
    exposition,
    http::{
        bad_input::{plain_text, BadInput},
        params::Params,
        reply::{self, prefers_html},
    },
    state::AppState,
    templates,
    tour::snapshot::{Point, Snapshot},
};

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

const COUNTER: (&str, &str) = ("/tour/counter", "Counter");
const GAUGE: (&str, &str) = ("/tour/gauge", "Gauge");
const HISTOGRAM: (&str, &str) = ("/tour/histogram", "Histogram");
const SUMMARY: (&str, &str) = ("/tour/summary", "Summary");
const VERSUS: (&str, &str) = ("/tour/versus", "Histogram vs summary");
const LABELS: (&str, &str) = ("/tour/labels", "Labels and cardinality");

/// Every question, in the order of the tour.
pub const QUESTIONS: &[Question] = &[
    Question {
        id: "clicks-predict",
        lesson: COUNTER,
        ask: "Click the counter three times (the button on the counter page, or POST /counter three times), then: what does tour_clicks_total read?",
        answer: Answer::Live { shows: |s| reads("tour_clicks_total", s.clicks), judge: clicks_now },
    },
    Question {
        id: "counter-negative",
        lesson: COUNTER,
        ask: "What does POST /counter?by=-1 do?",
        answer: Answer::Choice {
            choices: &[
                ("a", "It takes 1 off tour_clicks_total."),
                ("b", "It is refused with a 400, and nothing changes."),
                ("c", "It sets tour_clicks_total back to 0."),
            ],
            right: "b",
            why: "a counter only goes up; a fall would look like a restart to rate(), so the tour refuses it and changes nothing",
        },
    },
    Question {
        id: "counter-restart",
        lesson: COUNTER,
        ask: "Within five minutes, tour_clicks_total climbs from 100 to 120, the process restarts, and it climbs from 0 to 3. Roughly what does increase(tour_clicks_total[5m]) say?",
        answer: Answer::Choice {
            choices: &[
                ("a", "About -97: it ended 97 below where it started."),
                ("b", "About 23: the 20 before the restart and the 3 after."),
                ("c", "About 3: only what the new process counted."),
            ],
            right: "b",
            why: "increase() and rate() read any fall as a restart to 0 and carry on from there, so 20 + 3; about, because increase() extrapolates to the edges of the range",
        },
    },
    Question {
        id: "rate-range",
        lesson: COUNTER,
        ask: "Prometheus scrapes the tour every 15 seconds. Which is the shortest range the rule of thumb allows in rate(tour_clicks_total[...])?",
        answer: Answer::Choice {
            choices: &[("a", "15s"), ("b", "30s"), ("c", "1m"), ("d", "5m")],
            right: "c",
            why: "at least four times the scrape interval, 4 × 15 s = 1m: rate() needs two samples in the range, and four intervals still hold two when a scrape or two fails",
        },
    },
    Question {
        id: "query-clicks-rate",
        lesson: COUNTER,
        ask: "Write the PromQL for how many clicks a second tour_clicks_total counts, averaged over the last five minutes.",
        answer: Answer::Query { reference: "rate(tour_clicks_total[5m])" },
    },
    Question {
        id: "gauge-predict",
        lesson: GAUGE,
        ask: "Press Warmer twice and Colder once (POST /gauge/inc twice, POST /gauge/dec once), then: what does tour_temperature_celsius read?",
        answer: Answer::Live { shows: |s| reads("tour_temperature_celsius", s.temperature), judge: temperature_now },
    },
    Question {
        id: "rate-of-gauge",
        lesson: GAUGE,
        ask: "Spot the mistake: which of these queries is wrong?",
        answer: Answer::Choice {
            choices: &[
                ("a", "rate(tour_clicks_total[5m])"),
                ("b", "rate(tour_temperature_celsius[5m])"),
                ("c", "max_over_time(tour_temperature_celsius[10m])"),
            ],
            right: "b",
            why: "rate() is for counters: it reads each fall of a gauge as a restart, so a cooling room looks like a warming one; for a gauge use deriv() or delta()",
        },
    },
    Question {
        id: "histogram-median",
        lesson: HISTOGRAM,
        ask: "From the buckets of file_upload_duration_seconds below, what will histogram_quantile(0.5, ...) estimate, to two decimals? (Upload a few files first; with none, the answer is NaN.)",
        answer: Answer::Live { shows: upload_buckets, judge: median_estimate },
    },
    Question {
        id: "histogram-mean",
        lesson: HISTOGRAM,
        ask: "What is the mean upload duration that file_upload_duration_seconds gives, in seconds, to two decimals?",
        answer: Answer::Live { shows: upload_sum_count, judge: upload_mean },
    },
    Question {
        id: "histogram-inf",
        lesson: HISTOGRAM,
        ask: "Which sample of file_upload_duration_seconds always equals its _count?",
        answer: Answer::Choice {
            choices: &[
                ("a", "The bucket le=\"10\"."),
                ("b", "The bucket le=\"+Inf\"."),
                ("c", "Its _sum."),
            ],
            right: "b",
            why: "buckets are cumulative, each counting every observation up to its bound, so le=\"+Inf\" counts them all; le=\"10\" leaves out any over 10 s",
        },
    },
    Question {
        id: "query-upload-buckets",
        lesson: HISTOGRAM,
        ask: "Write the PromQL for the per-second rate of each bucket of file_upload_duration_seconds over the last five minutes, summed across instances: one series per le.",
        answer: Answer::Query { reference: "sum by (le) (rate(file_upload_duration_seconds_bucket[5m]))" },
    },
    Question {
        id: "query-upload-p90",
        lesson: HISTOGRAM,
        ask: "Write the PromQL for the 90th percentile of upload durations over the last five minutes, across every instance.",
        answer: Answer::Query {
            reference: "histogram_quantile(0.9, sum by (le) (rate(file_upload_duration_seconds_bucket[5m])))",
        },
    },
    Question {
        id: "summary-aggregate",
        lesson: SUMMARY,
        ask: "Three instances each expose the summary tour_response_seconds. Which of its samples can you add up across them?",
        answer: Answer::Choice {
            choices: &[
                ("a", "The quantile=\"0.9\" lines."),
                ("b", "_sum and _count: their ratio is then the fleet's mean."),
                ("c", "None of them."),
            ],
            right: "b",
            why: "sums and counts add up across instances; quantiles computed in each app do not, and no arithmetic combines them",
        },
    },
    Question {
        id: "average-quantiles",
        lesson: VERSUS,
        ask: "Spot the mistake: three instances report their 90th percentile upload time as 1.9 s, 1.9 s and 9.5 s. What is the fleet's 90th percentile?",
        answer: Answer::Choice {
            choices: &[
                ("a", "4.43 s, the average of the three."),
                ("b", "9.5 s, the largest."),
                ("c", "These three numbers cannot tell: sum the instances' buckets, then take histogram_quantile(0.9, ...)."),
            ],
            right: "c",
            why: "a percentile of percentiles is not a percentile: buckets add up across instances, so the fleet's answer comes from the summed buckets",
        },
    },
    Question {
        id: "label-user-id",
        lesson: LABELS,
        ask: "Spot the mistake: which label would you never put on http_requests_total?",
        answer: Answer::Choice {
            choices: &[
                ("a", "route=\"/tour/counter\""),
                ("b", "status=\"404\""),
                ("c", "user_id=\"48213\""),
            ],
            right: "c",
            why: "each label combination is a series of its own, so every new user would add series that Prometheus keeps in memory and in its index; a label takes a few, fixed values",
        },
    },
    Question {
        id: "route-pattern",
        lesson: LABELS,
        ask: "You answer POST /quiz/clicks-predict, then POST /quiz/gauge-predict. Which route label do those two requests get in http_requests_total?",
        answer: Answer::Choice {
            choices: &[
                ("a", "route=\"/quiz/clicks-predict\" and route=\"/quiz/gauge-predict\": one series each."),
                ("b", "route=\"/quiz/:id\" for both: one series."),
                ("c", "No route label at all."),
            ],
            right: "b",
            why: "the label is the route's pattern, never the path as sent, so no request can add a series by choosing its path",
        },
    },
    Question {
        id: "unmatched-series",
        lesson: LABELS,
        ask: "Ask for three paths the tour does not have (curl -s http://localhost:5000/no-such-page-1, then -2, then -3). How many series of http_requests_total have method=\"GET\" and route=\"unmatched\" now?",
        answer: Answer::Live { shows: unmatched_series_now, judge: unmatched_series },
    },
    Question {
        id: "query-requests-by-route",
        lesson: LABELS,
        ask: "Write the PromQL for requests a second over the last five minutes, one series per route, every method, status and instance summed.",
        answer: Answer::Query { reference: "sum by (route) (rate(http_requests_total[5m]))" },
    },
];

/// How long ago a value may have been read and still count: answering takes a few seconds, and
/// others in the room may click meanwhile.
const RECENT_SECONDS: f64 = 15.0;
/// How far a hand-computed estimate or mean may be off: it was asked to two decimals.
const TWO_DECIMALS: f64 = 0.0051;
/// The longest answer judged, in bytes: a PromQL query fits easily.
pub const MAX_ANSWER_BYTES: usize = 1000;

/// The question with this id.
pub fn question(id: &str) -> Option<&'static Question> {
    QUESTIONS.iter().find(|question| question.id == id)
}

fn reads(name: &str, value: Option<f64>) -> String {
    match value {
        Some(value) => format!("{name} reads {} now.", exposition::float(value)),
        None => format!("{name} is not in the registry."),
    }
}

/// Right when `answer` is the value now, or one it held in the last [`RECENT_SECONDS`].
fn recent_value(
    name: &str,
    now: Option<f64>,
    history: &[Point],
    answer: f64,
    origin: &str,
) -> Verdict {
    let Some(now) = now else {
        return Verdict::NotYet(format!("{name} is not in the registry"));
    };
    let held = history
        .iter()
        .filter(|point| point.seconds_ago <= RECENT_SECONDS)
        .any(|point| (point.value - answer).abs() < 1e-9);
    if (now - answer).abs() < 1e-9 || held {
        Verdict::Correct(format!(
            "{name} reads {}: it holds exactly what was done to it, nothing more",
            exposition::float(now)
        ))
    } else {
        Verdict::NotYet(format!(
            "{name} reads {}, not {}; read it with curl -s -g '{origin}/metrics?name[]={name}' (others may be changing it too)",
            exposition::float(now),
            exposition::float(answer)
        ))
    }
}

fn clicks_now(s: &Snapshot, answer: f64) -> Verdict {
    recent_value(
        "tour_clicks_total",
        s.clicks,
        &s.clicks_history,
        answer,
        &s.origin,
    )
}

fn temperature_now(s: &Snapshot, answer: f64) -> Verdict {
    recent_value(
        "tour_temperature_celsius",
        s.temperature,
        &s.temperature_history,
        answer,
        &s.origin,
    )
}

fn upload_buckets(s: &Snapshot) -> String {
    let Some(uploads) = &s.uploads else {
        return "file_upload_duration_seconds is not in the registry.".to_owned();
    };
    let buckets: Vec<String> = uploads
        .buckets
        .iter()
        .map(|(le, count)| format!("le=\"{le}\" {count}"))
        .collect();
    format!(
        "The buckets now (cumulative): {}, le=\"+Inf\" {}.",
        buckets.join(", "),
        uploads.count
    )
}

fn median_estimate(s: &Snapshot, answer: f64) -> Verdict {
    let Some((count, e)) = s
        .uploads
        .as_ref()
        .and_then(|uploads| Some((uploads.count, uploads.estimate(0.5)?)))
    else {
        return if answer.is_nan() {
            Verdict::Correct("with no observation in any bucket, histogram_quantile has nothing to rank and answers NaN".to_owned())
        } else {
            Verdict::NotYet("no upload is observed yet, so histogram_quantile answers NaN; upload a few files (POST /file-upload) and ask again".to_owned())
        };
    };
    let working = if e.overflow {
        format!(
            "the rank 0.5 × {count} = {} falls past the last finite bucket, so histogram_quantile answers that bound, {}",
            e.rank, e.start
        )
    } else {
        format!(
            "the rank 0.5 × {count} = {} falls in the bucket ({}, {}], with {} below it and {} inside: {} + {} × ({} − {}) / {} = {:.2}",
            e.rank, e.start, e.end, e.below, e.inside, e.start, e.end - e.start, e.rank, e.below, e.inside, e.value
        )
    };
    if (e.value - answer).abs() <= TWO_DECIMALS {
        Verdict::Correct(working)
    } else {
        Verdict::NotYet(format!("{answer} is not it: {working}"))
    }
}

fn upload_sum_count(s: &Snapshot) -> String {
    match &s.uploads {
        Some(uploads) => format!(
            "Now: file_upload_duration_seconds_sum {} and file_upload_duration_seconds_count {}.",
            uploads.sum, uploads.count
        ),
        None => "file_upload_duration_seconds is not in the registry.".to_owned(),
    }
}

fn upload_mean(s: &Snapshot, answer: f64) -> Verdict {
    let Some(uploads) = s.uploads.as_ref().filter(|uploads| uploads.count > 0) else {
        return if answer.is_nan() {
            Verdict::Correct("with no upload, _sum / _count is 0 / 0, which is NaN".to_owned())
        } else {
            Verdict::NotYet("no upload is observed yet, so _sum / _count is 0 / 0, NaN; upload a few files and ask again".to_owned())
        };
    };
    let mean = uploads.sum / uploads.count as f64;
    let working = format!(
        "_sum / _count = {} / {} = {mean:.2} s",
        uploads.sum, uploads.count
    );
    if (mean - answer).abs() <= TWO_DECIMALS {
        Verdict::Correct(working)
    } else {
        Verdict::NotYet(format!("{answer} is not it: {working}"))
    }
}

/// The series of `http_requests_total` with `method="GET"` and `route="unmatched"`.
fn unmatched(s: &Snapshot) -> usize {
    s.http_requests
        .iter()
        .filter(|series| {
            series.label("method") == Some("GET") && series.label("route") == Some("unmatched")
        })
        .count()
}

fn unmatched_series_now(s: &Snapshot) -> String {
    format!(
        "http_requests_total has {} series now.",
        s.http_requests.len()
    )
}

fn unmatched_series(s: &Snapshot, answer: f64) -> Verdict {
    let count = unmatched(s) as f64;
    if count == answer {
        Verdict::Correct(format!(
            "{count} series: every unknown path gets route=\"unmatched\", so a thousand different paths add one series per status, not a thousand"
        ))
    } else {
        Verdict::NotYet(format!(
            "there are {count} such series, not {answer}: every unknown path gets the same route=\"unmatched\", whatever path was sent"
        ))
    }
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
        right: score(req).len(),
        verdict: last_verdict(req),
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
    let answer = read_answer(params.text("answer"))?;
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
            judge(&super::take_snapshot(state, req), number)
        }
        Answer::Query { reference } => match judge_query(state, answer, reference).await {
            Ok(verdict) => verdict,
            Err(unjudged) => return Ok(unjudged),
        },
    };
    Ok(answered(req, question.id, &verdict))
}

/// The answer text, or why it cannot be judged: absent, empty, too long or not UTF-8.
fn read_answer(answer: Option<&str>) -> Result<&str, BadInput> {
    let answer = answer.map(str::trim).unwrap_or("");
    if answer.is_empty() {
        return Err(BadInput::Parameter(
            "answer is empty; send it as answer=..., for example curl -X POST http://localhost:5000/quiz/rate-range -d answer=c".to_owned(),
        ));
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

/// Runs the learner's query and the reference at the same instant and compares them; `Err` is the
/// answer when there is no verdict to give (no Prometheus, or it failed).
async fn judge_query(state: &AppState, answer: &str, reference: &str) -> Result<Verdict, Response> {
    let Some(url) = &state.config.prometheus else {
        return Err(plain_text(
            StatusCode::SERVICE_UNAVAILABLE,
            "this question is judged by a Prometheus: start the tour with --prometheus http://localhost:9090 (or TOUR_PROMETHEUS) naming one that scrapes it",
        ));
    };
    let api = PrometheusApi::new(url);
    let time = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |since| since.as_secs_f64());
    let (mine, theirs) = tokio::join!(api.query(answer, time), api.query(reference, time));
    let unjudged = |error: QueryError| {
        let (status, why) = match error {
            QueryError::TimedOut => (
                StatusCode::GATEWAY_TIMEOUT,
                format!(
                    "did not answer within {} s",
                    super::query::TIMEOUT.as_secs()
                ),
            ),
            QueryError::TooLarge => (
                StatusCode::BAD_GATEWAY,
                format!(
                    "answered more than {} KiB, more than the tour reads; select fewer series",
                    super::query::MAX_ANSWER_BYTES / 1024
                ),
            ),
            QueryError::Unavailable(why) | QueryError::Refused(why) => (
                StatusCode::BAD_GATEWAY,
                format!("could not be asked: {}", one_line(&why)),
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
                one_line(&why)
            )))
        }
        Err(error) => return Err(unjudged(error)),
    };
    if matches!(&theirs, super::query::QueryResult::Vector(series) if series.is_empty()) {
        return Err(plain_text(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the answer was not judged: the Prometheus at {} has no data for this question yet; is it scraping the tour? try again after a few scrapes", api.base()),
        ));
    }
    Ok(match compare(&mine, &theirs) {
        Ok(()) => Verdict::Correct(format!("your query gives the same result as {reference}")),
        Err(difference) => Verdict::NotYet(format!("{difference}; one answer is {reference}")),
    })
}

/// `text` on one line, at most 200 characters.
fn one_line(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(200) {
        Some((cut, _)) => format!("{}...", &line[..cut]),
        None => line,
    }
}

fn no_such_question() -> Response {
    plain_text(
        StatusCode::NOT_FOUND,
        "no such question; the quiz's questions are listed at /tour/quiz",
    )
}

/// The cookie holding the ids of the questions answered right.
const SCORE_COOKIE: &str = "quiz_score";
/// The cookie carrying the last verdict to the quiz page after a browser's 303.
const VERDICT_COOKIE: &str = "quiz_verdict";

/// The verdict, as text or a 303, with the score cookie updated.
fn answered(req: &Request, id: &'static str, verdict: &Verdict) -> Response {
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
fn score(req: &Request) -> Vec<&'static str> {
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
fn last_verdict(req: &Request) -> Option<(&'static str, String)> {
    let carried = cookie(req, VERDICT_COOKIE)?;
    let decoded: String = form_urlencoded::parse(format!("v={carried}").as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())?;
    let (id, line) = decoded.split_once('\n')?;
    let question = question(id)?;
    let reads_as_verdict = line.starts_with("correct: ") || line.starts_with("not yet: ");
    (reads_as_verdict && line.len() <= 2 * MAX_ANSWER_BYTES).then(|| (question.id, line.to_owned()))
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
