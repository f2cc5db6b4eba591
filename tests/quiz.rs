//! The quiz: every question answered right and wrong, from curl and from a browser form with
//! JavaScript off; the score kept in a cookie; bad answers refused; a Prometheus that hangs or
//! answers too much cut off. (Query questions against a real Prometheus: `tests/prometheus.rs`.)

mod common;

use std::time::{Duration, Instant};

use common::{body, fast_config, sample, tour_exposition};
use metrics_tour::{
    config::{Config, PrometheusUrl},
    tour::quiz::{Answer, QUESTIONS},
};
use poem::{
    endpoint::BoxEndpoint,
    http::{header, StatusCode},
    test::TestClient,
    EndpointExt, Response,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

/// The answer key of the choice questions: `(id, right letter, a wrong letter)`.
const KEY: &[(&str, &str, &str)] = &[
    ("counter-negative", "b", "a"),
    ("counter-restart", "b", "a"),
    ("rate-range", "c", "a"),
    ("rate-of-gauge", "b", "a"),
    ("histogram-inf", "b", "a"),
    ("summary-aggregate", "b", "a"),
    ("average-quantiles", "c", "a"),
    ("native-quantile", "b", "a"),
    ("past-last-edge", "b", "a"),
    ("edge-cost", "c", "a"),
    ("exemplar-line", "b", "a"),
    ("openmetrics-extras", "c", "a"),
    ("created", "b", "a"),
    ("label-user-id", "c", "a"),
    ("route-pattern", "b", "a"),
    ("stale-series", "b", "a"),
    ("up-watches-target", "c", "a"),
    ("first-increment", "b", "a"),
];

type Client = TestClient<BoxEndpoint<'static, Response>>;

fn quiz_client(config: Config) -> (Client, metrics_tour::state::AppState) {
    let (app, state) = common::app(config);
    (TestClient::new(app.boxed()), state)
}

/// What curl sees: status, body, and the `Set-Cookie` headers as `name=value`.
struct Verdict {
    status: StatusCode,
    text: String,
    cookies: Vec<String>,
    location: Option<String>,
}

/// `POST /quiz/ID` with `answer` in a form body; `html` makes it a browser form's request.
async fn answer(cli: &Client, id: &str, answer: &str, html: bool, cookie: &str) -> Verdict {
    let form: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("answer", answer)
        .finish();
    let accept = if html {
        "text/html,application/xhtml+xml,*/*;q=0.8"
    } else {
        "*/*"
    };
    let response = cli
        .post(format!("/quiz/{id}"))
        .header(header::ACCEPT, accept)
        .header(header::COOKIE, cookie)
        .content_type("application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await;
    let cookies = response
        .0
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|value| {
            value
                .to_str()
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    let location = response.0.header(header::LOCATION).map(str::to_owned);
    Verdict {
        status: response.0.status(),
        cookies,
        location,
        text: body(response).await,
    }
}

async fn metrics(cli: &Client) -> String {
    body(cli.get("/metrics").send().await).await
}

/// The quiz page as a browser with `cookie` gets it.
async fn quiz_page(cli: &Client, cookie: &str) -> String {
    body(
        cli.get("/tour/quiz")
            .header(header::COOKIE, cookie)
            .send()
            .await,
    )
    .await
}

/// The part of the quiz page that shows question `id`.
fn question_part<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("question {id} is not on the page"));
    let end = page[start..].find("</li>").unwrap() + start;
    &page[start..end]
}

/// Right and wrong answers to every question but the query ones, found as a learner would: the
/// choice key, and live values read from `/metrics` after doing what the question says.
async fn right_and_wrong(
    cli: &Client,
    state: &metrics_tour::state::AppState,
) -> Vec<(&'static str, String, String)> {
    for _ in 0..3 {
        cli.post("/counter").send().await.assert_status_is_ok();
    }
    for path in ["/gauge/inc", "/gauge/inc", "/gauge/dec"] {
        cli.post(path).send().await.assert_status_is_ok();
    }
    for path in ["/no-such-page-1", "/no-such-page-2", "/no-such-page-3"] {
        cli.get(path)
            .send()
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }
    // Five uploads: one in (0, 1], three in (1, 2], one in (4, 5]. The rank 0.5 × 5 = 2.5 falls in
    // (1, 2], with 1 below it and 3 inside: 1 + 1 × (2.5 - 1) / 3 = 1.5 (the exact median is 1.6).
    for seconds in [0.5, 1.5, 1.6, 1.7, 4.5] {
        state.metrics.file_upload_duration.observe(seconds);
    }
    let exposition = metrics(cli).await;
    let clicks = sample(&exposition, "tour_clicks_total").unwrap();
    let temperature = sample(&exposition, "tour_temperature_celsius").unwrap();
    let mean = sample(&exposition, "file_upload_duration_seconds_sum").unwrap()
        / sample(&exposition, "file_upload_duration_seconds_count").unwrap();
    let unmatched = exposition
        .lines()
        .filter(|line| {
            line.starts_with("http_requests_total{")
                && line.contains("method=\"GET\"")
                && line.contains("route=\"unmatched\"")
        })
        .count() as f64;
    assert_eq!((clicks, temperature, unmatched), (3.0, 1.0, 1.0));
    let mut answers: Vec<(&'static str, String, String)> = KEY
        .iter()
        .map(|(id, right, wrong)| (*id, right.to_string(), wrong.to_string()))
        .collect();
    answers.extend([
        (
            "clicks-predict",
            clicks.to_string(),
            (clicks + 1.0).to_string(),
        ),
        (
            "gauge-predict",
            temperature.to_string(),
            (temperature - 2.0).to_string(),
        ),
        ("histogram-median", "1.5".to_owned(), "1.6".to_owned()),
        (
            "histogram-mean",
            format!("{mean:.2}"),
            format!("{:.2}", mean + 0.1),
        ),
        ("unmatched-series", unmatched.to_string(), "3".to_owned()),
    ]);
    answers
}

#[tokio::test]
async fn every_question_is_judged_right_and_wrong_from_curl() {
    let (cli, state) = quiz_client(fast_config());
    let answers = right_and_wrong(&cli, &state).await;
    let judged_here = QUESTIONS
        .iter()
        .filter(|q| !matches!(q.answer, Answer::Query { .. }))
        .count();
    assert_eq!(
        answers.len(),
        judged_here,
        "every question but the query ones has a key"
    );
    for (id, right, wrong) in &answers {
        let verdict = answer(&cli, id, right, false, "").await;
        assert_eq!(verdict.status, StatusCode::OK, "{id}: {}", verdict.text);
        assert!(
            verdict.text.starts_with("correct: "),
            "{id} answered {right}: {}",
            verdict.text
        );
        assert_eq!(
            verdict.text.lines().count(),
            1,
            "{id}: one line: {}",
            verdict.text
        );
        let verdict = answer(&cli, id, wrong, false, "").await;
        assert_eq!(verdict.status, StatusCode::OK, "{id}: {}", verdict.text);
        assert!(
            verdict.text.starts_with("not yet: "),
            "{id} answered {wrong}: {}",
            verdict.text
        );
        assert_eq!(
            verdict.text.lines().count(),
            1,
            "{id}: one line: {}",
            verdict.text
        );
    }
}

#[tokio::test]
async fn each_question_reads_as_plain_text_with_the_curl_that_answers_it() {
    let (cli, _) = quiz_client(fast_config());
    for question in QUESTIONS {
        let response = cli.get(format!("/quiz/{}", question.id)).send().await;
        response.assert_status_is_ok();
        response.assert_content_type("text/plain; charset=utf-8");
        let text = body(response).await;
        assert!(text.starts_with(question.id), "{text}");
        // Lines a terminal shows as lines, ending in a line break, never a written-out `\n`.
        assert!(text.lines().count() >= 3 && text.ends_with('\n'), "{text}");
        assert!(!text.contains("\\n"), "{text}");
        assert!(text.contains(question.ask), "{text}");
        assert!(
            text.contains(&format!(
                "curl -s -X POST http://localhost:5000/quiz/{}",
                question.id
            )),
            "{text}"
        );
        if let Answer::Query { .. } = question.answer {
            assert!(text.contains("--prometheus"), "how to enable it: {text}");
        }
    }
    let missing = cli.get("/quiz/no-such-question").send().await;
    missing.assert_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_browser_form_with_javascript_off_gets_a_303_and_the_quiz_shows_the_verdict() {
    let (cli, state) = quiz_client(fast_config());
    let answers = right_and_wrong(&cli, &state).await;
    for (id, right, wrong) in &answers {
        for (given, first_word) in [(right, "correct: "), (wrong, "not yet: ")] {
            let verdict = answer(&cli, id, given, true, "").await;
            assert_eq!(
                verdict.status,
                StatusCode::SEE_OTHER,
                "{id}: {}",
                verdict.text
            );
            assert_eq!(
                verdict.location.as_deref(),
                Some(format!("/tour/quiz#{id}").as_str())
            );
            let page = quiz_page(&cli, &verdict.cookies.join("; ")).await;
            let shown = question_part(&page, id);
            assert!(
                shown.contains(&format!("role=\"status\">{first_word}")),
                "{id} answered {given}: the verdict is not shown under it:\n{shown}"
            );
            let others = page.matches("role=\"status\">correct: ").count()
                + page.matches("role=\"status\">not yet: ").count();
            assert_eq!(others, 1, "only the question just answered shows a verdict");
        }
    }
}

#[tokio::test]
async fn the_score_lives_in_a_cookie_and_follows_the_latest_answers() {
    let (cli, state) = quiz_client(fast_config());
    let answers = right_and_wrong(&cli, &state).await;
    let total = QUESTIONS.len();
    assert!(quiz_page(&cli, "")
        .await
        .contains(&format!("<strong>0 of {total}</strong>")));
    let mut cookie = String::new();
    for (id, right, _) in &answers {
        let verdict = answer(&cli, id, right, false, &cookie).await;
        cookie = verdict
            .cookies
            .iter()
            .find(|c| c.starts_with("quiz_score="))
            .unwrap()
            .clone();
    }
    let right = answers.len();
    assert!(quiz_page(&cli, &cookie)
        .await
        .contains(&format!("<strong>{right} of {total}</strong>")));
    // A wrong answer to one of them takes it off; a forged cookie counts only real questions, once.
    let (id, _, wrong) = &answers[0];
    let verdict = answer(&cli, id, wrong, false, &cookie).await;
    let lowered = verdict
        .cookies
        .iter()
        .find(|c| c.starts_with("quiz_score="))
        .unwrap();
    assert!(quiz_page(&cli, lowered)
        .await
        .contains(&format!("<strong>{} of {total}</strong>", right - 1)));
    let forged = "quiz_score=rate-range.rate-range.x.y.z";
    assert!(quiz_page(&cli, forged)
        .await
        .contains(&format!("<strong>1 of {total}</strong>")));
}

#[tokio::test]
async fn bad_answers_get_a_one_line_4xx_and_change_nothing() {
    let (cli, state) = quiz_client(fast_config());
    let before = tour_exposition(&state);
    let long = "a".repeat(1001);
    for (id, body_sent, status) in [
        ("rate-range", "answer=".to_owned(), StatusCode::BAD_REQUEST),
        (
            "rate-range",
            "answer=%20%20".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        ("rate-range", "other=c".to_owned(), StatusCode::BAD_REQUEST),
        (
            "rate-range",
            format!("answer={long}"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "rate-range",
            "answer=%FF%FE".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "rate-range",
            "answer=c%0Ac".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        ("rate-range", "answer=e".to_owned(), StatusCode::BAD_REQUEST),
        (
            "clicks-predict",
            "answer=three".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "clicks-predict",
            "answer=inf".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "query-clicks-rate",
            format!("answer={long}"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "no-such-question",
            "answer=c".to_owned(),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let response = cli
            .post(format!("/quiz/{id}"))
            .content_type("application/x-www-form-urlencoded")
            .body(body_sent.clone())
            .send()
            .await;
        response.assert_status(status);
        assert!(
            response.0.headers().get(header::SET_COOKIE).is_none(),
            "{body_sent}"
        );
        let text = body(response).await;
        assert_eq!(text.lines().count(), 1, "{id} {body_sent}: {text}");
        assert!(
            text.len() < 300,
            "the message quotes at most a short part: {text}"
        );
    }
    assert_eq!(tour_exposition(&state), before);
}

#[tokio::test]
async fn without_prometheus_a_query_question_says_how_to_enable_it() {
    let (cli, _) = quiz_client(fast_config());
    let verdict = answer(
        &cli,
        "query-clicks-rate",
        "rate(tour_clicks_total[5m])",
        false,
        "",
    )
    .await;
    assert_eq!(verdict.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        verdict.text.contains("--prometheus http://localhost:9090"),
        "{}",
        verdict.text
    );
    assert!(quiz_page(&cli, "").await.contains("TOUR_PROMETHEUS"));
}

/// A tour whose `--prometheus` is a fake on loopback, answering each request with `reply`
/// (`None`: it accepts and never answers).
async fn with_fake_prometheus(reply: Option<Vec<u8>>) -> Client {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut request = [0; 4096];
            let _ = stream.read(&mut request).await;
            match &reply {
                Some(reply) => {
                    let _ = stream.write_all(reply).await;
                }
                None => held.push(stream),
            }
        }
    });
    let config = Config {
        prometheus: Some(PrometheusUrl(format!("http://{address}"))),
        ..fast_config()
    };
    quiz_client(config).0
}

#[tokio::test]
async fn a_prometheus_that_never_answers_is_given_up_on_after_the_timeout() {
    let cli = with_fake_prometheus(None).await;
    let started = Instant::now();
    let verdict = answer(
        &cli,
        "query-clicks-rate",
        "rate(tour_clicks_total[5m])",
        false,
        "",
    )
    .await;
    let waited = started.elapsed();
    assert_eq!(
        verdict.status,
        StatusCode::GATEWAY_TIMEOUT,
        "{}",
        verdict.text
    );
    assert!(
        verdict.text.contains("did not answer within 3 s"),
        "{}",
        verdict.text
    );
    assert_eq!(verdict.text.lines().count(), 1);
    assert!(
        waited >= Duration::from_secs(3) && waited < Duration::from_secs(30),
        "{waited:?}"
    );
}

#[tokio::test]
async fn an_oversized_answer_from_prometheus_is_refused() {
    let huge = format!(
        r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#,
        vec![r#"{"metric":{},"value":[1,"1"]}"#; 20_000].join(",")
    );
    let reply = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{huge}",
        huge.len()
    );
    let cli = with_fake_prometheus(Some(reply.into_bytes())).await;
    let verdict = answer(
        &cli,
        "query-clicks-rate",
        "rate(tour_clicks_total[5m])",
        false,
        "",
    )
    .await;
    assert_eq!(verdict.status, StatusCode::BAD_GATEWAY, "{}", verdict.text);
    assert!(
        verdict.text.contains("more than 256 KiB"),
        "{}",
        verdict.text
    );
    assert_eq!(verdict.text.lines().count(), 1);
}

#[test]
fn the_exercises_list_every_question_for_curl() {
    let exercises = std::fs::read_to_string(common::docs::doc("exercises.md")).unwrap();
    let listing = common::docs::blocks("sh")
        .into_iter()
        .find(|block| block.text.starts_with("for id in "))
        .expect("the loop over every question in docs/exercises.md");
    for question in QUESTIONS {
        assert!(
            listing
                .text
                .split([' ', ';'])
                .any(|word| word == question.id),
            "docs/exercises.md's loop misses {}",
            question.id
        );
    }
    assert!(exercises.contains("--prometheus http://localhost:9090"));
}

#[tokio::test(start_paused = true)]
async fn a_live_value_read_in_the_last_seconds_still_counts_when_others_change_it() {
    let (cli, state) = quiz_client(fast_config());
    let sample = || state.history.sample(&state.metrics.registry);
    cli.post("/counter")
        .query("by", &"3")
        .send()
        .await
        .assert_status_is_ok();
    sample();
    // Someone else in the room clicks after the learner read 3.
    tokio::time::advance(Duration::from_secs(1)).await;
    cli.post("/counter").send().await.assert_status_is_ok();
    sample();
    for (given, first_word) in [("3", "correct: "), ("4", "correct: "), ("2", "not yet: ")] {
        let verdict = answer(&cli, "clicks-predict", given, false, "").await;
        assert!(
            verdict.text.starts_with(first_word),
            "{given}: {}",
            verdict.text
        );
    }
    // Right for what it read then, saying so; never "correct" beside another number alone.
    let verdict = answer(&cli, "clicks-predict", "3", false, "").await;
    assert!(
        verdict
            .text
            .starts_with("correct: tour_clicks_total read 3 1 s ago")
            && verdict.text.contains("it reads 4 now"),
        "{}",
        verdict.text
    );
    let verdict = answer(&cli, "clicks-predict", "4", false, "").await;
    assert!(
        verdict
            .text
            .starts_with("correct: tour_clicks_total reads 4:"),
        "{}",
        verdict.text
    );
    // Twenty seconds on, 3 is history: only what the counter reads now is right.
    tokio::time::advance(Duration::from_secs(20)).await;
    sample();
    let verdict = answer(&cli, "clicks-predict", "3", false, "").await;
    assert!(
        verdict
            .text
            .starts_with("not yet: tour_clicks_total reads 4, not 3"),
        "{}",
        verdict.text
    );
}

#[tokio::test]
async fn every_choice_is_judged_right_for_its_key_and_not_yet_for_each_other_letter() {
    let (cli, _) = quiz_client(fast_config());
    let mut judged = 0;
    for question in QUESTIONS {
        let Answer::Choice { choices, right, .. } = &question.answer else {
            continue;
        };
        let key = KEY.iter().find(|(id, _, _)| *id == question.id);
        assert_eq!(
            key.map(|(_, letter, _)| *letter),
            Some(*right),
            "{}: the bank's key and the test's differ",
            question.id
        );
        for (letter, _) in choices.iter() {
            let verdict = answer(&cli, question.id, letter, false, "").await;
            let first_word = if letter == right {
                "correct: "
            } else {
                "not yet: "
            };
            assert!(
                verdict.status == StatusCode::OK && verdict.text.starts_with(first_word),
                "{} answered {letter}: {}",
                question.id,
                verdict.text
            );
        }
        judged += 1;
    }
    assert_eq!(judged, KEY.len(), "every choice question is in KEY");
}

#[test]
fn the_quiz_asks_about_every_lesson_from_native_histograms_to_the_first_increment() {
    for (lesson, about) in [
        ("/tour/native-histogram", "native histogram"),
        ("/tour/exemplars", "trace_id"),
        ("/tour/anatomy", "OpenMetrics"),
        ("/tour/anatomy", "_created"),
        ("/tour/staleness", "/shift/end"),
        ("/tour/staleness", "increase("),
        ("/tour/buckets", "edge"),
    ] {
        assert!(
            QUESTIONS
                .iter()
                .any(|q| q.lesson.0 == lesson && q.ask.contains(about)),
            "no question of {lesson} asks about {about}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_hand_computation_from_buckets_read_within_the_minute_is_right() {
    let (cli, state) = quiz_client(fast_config());
    let sample = || state.history.sample(&state.metrics.registry);
    let observe = |seconds: &[f64]| {
        for &s in seconds {
            state.metrics.file_upload_duration.observe(s);
        }
    };
    // Five uploads: the median estimate 1 + 1 × (2.5 − 1) / 3 = 1.5, the mean 9.8 / 5 = 1.96.
    observe(&[0.5, 1.5, 1.6, 1.7, 4.5]);
    sample();
    // While the learner works it out, the traffic uploads three more: rank 4 in (1, 2] gives
    // 1 + (4 − 1) / 3 = 2, and the mean is 23.9 / 8 = 2.99.
    tokio::time::advance(Duration::from_secs(10)).await;
    observe(&[4.6, 4.7, 4.8]);
    sample();
    for (id, then, now, never) in [
        ("histogram-median", "1.5", "2", "1.6"),
        ("histogram-mean", "1.96", "2.99", "2.5"),
    ] {
        let verdict = answer(&cli, id, then, false, "").await;
        assert!(
            verdict
                .text
                .starts_with("correct: from the buckets of 10 s ago"),
            "{id} {then}: {}",
            verdict.text
        );
        let verdict = answer(&cli, id, now, false, "").await;
        assert!(
            verdict.text.starts_with("correct: ") && !verdict.text.contains("s ago"),
            "{id} {now}: {}",
            verdict.text
        );
        let verdict = answer(&cli, id, never, false, "").await;
        assert!(
            verdict
                .text
                .starts_with(&format!("not yet: {never} is not it")),
            "{id} {never}: {}",
            verdict.text
        );
    }
    // Over a minute later, the old buckets no longer count.
    tokio::time::advance(Duration::from_secs(61)).await;
    sample();
    for (id, then) in [("histogram-median", "1.5"), ("histogram-mean", "1.96")] {
        let verdict = answer(&cli, id, then, false, "").await;
        assert!(
            verdict.text.starts_with("not yet: "),
            "{id} {then}: {}",
            verdict.text
        );
    }
}

#[tokio::test]
async fn the_quiz_prints_numbers_for_people_and_echoes_a_long_number_short() {
    let (cli, state) = quiz_client(fast_config());
    // 0.1 + 0.2 is 0.30000000000000004 in floating point: /metrics shows it, the quiz rounds it.
    cli.post("/gauge/set?value=0.1")
        .send()
        .await
        .assert_status_is_ok();
    cli.post("/gauge/inc?by=0.2")
        .send()
        .await
        .assert_status_is_ok();
    assert_eq!(
        common::sample(&metrics(&cli).await, "tour_temperature_celsius"),
        Some(0.30000000000000004)
    );
    let asked = body(cli.get("/quiz/gauge-predict").send().await).await;
    assert!(
        asked.contains("tour_temperature_celsius reads 0.3 now."),
        "{asked}"
    );
    let page = quiz_page(&cli, "").await;
    assert!(
        question_part(&page, "gauge-predict").contains("reads 0.3 now."),
        "{page}"
    );
    // The number the quiz printed is right, and so is the one /metrics printed.
    for read in ["0.3", "0.30000000000000004"] {
        let verdict = answer(&cli, "gauge-predict", read, false, "").await;
        assert!(
            verdict.text.trim_end()
                == "correct: tour_temperature_celsius reads 0.3: it holds exactly what was done to it, nothing more",
            "{read}: {}",
            verdict.text
        );
    }
    // A 309-digit answer is quoted back as /metrics would spell it.
    let huge = format!("17{}", "0".repeat(307));
    for _ in 0..3 {
        state.metrics.file_upload_duration.observe(1.5);
    }
    for (id, echo) in [
        ("gauge-predict", "not 1.7e+308;"),
        ("histogram-median", "1.7e+308 is not it"),
        ("histogram-mean", "1.7e+308 is not it"),
        ("unmatched-series", "not 1.7e+308:"),
    ] {
        let verdict = answer(&cli, id, &huge, false, "").await;
        assert!(
            verdict.text.starts_with("not yet: ") && verdict.text.contains(echo),
            "{id}: {}",
            verdict.text
        );
        assert!(verdict.text.len() < 300, "{id}: {}", verdict.text);
        assert!(!verdict.text.contains("0000000"), "{id}: {}", verdict.text);
    }
}

#[tokio::test]
async fn no_example_answers_a_question_for_the_learner() {
    let (cli, _) = quiz_client(fast_config());
    let page = quiz_page(&cli, "").await;
    let exercises = std::fs::read_to_string(common::docs::doc("exercises.md")).unwrap();
    for question in QUESTIONS {
        let Answer::Choice { right, .. } = &question.answer else {
            continue;
        };
        let given = format!("quiz/{} -d answer={right}", question.id);
        let asked = body(cli.get(format!("/quiz/{}", question.id)).send().await).await;
        let empty = cli
            .post(format!("/quiz/{}", question.id))
            .content_type("application/x-www-form-urlencoded")
            .body("answer=")
            .send()
            .await;
        empty.assert_status(StatusCode::BAD_REQUEST);
        let empty = body(empty).await;
        assert!(
            empty.contains(&format!("quiz/{} -d answer=LETTER", question.id)),
            "{empty}"
        );
        for (place, text) in [
            ("the quiz page", &page),
            ("GET /quiz/ID", &asked),
            ("the empty-answer message", &empty),
            ("docs/exercises.md", &exercises),
        ] {
            assert!(!text.contains(&given), "{place} gives away {given}");
        }
    }
}

#[tokio::test]
async fn the_unmatched_series_hint_names_this_tour_and_not_the_series_count() {
    let (cli, _) = quiz_client(fast_config());
    for path in ["/no-such-page-1", "/healthz", "/metrics"] {
        cli.get(path).send().await;
    }
    let asked = body(
        cli.get("/quiz/unmatched-series")
            .header(header::HOST, "classroom.example:8080")
            .send()
            .await,
    )
    .await;
    assert!(
        asked.contains("curl -s http://classroom.example:8080/no-such-page-1")
            && asked.contains("'http://classroom.example:8080/metrics?name[]=http_requests_total'"),
        "{asked}"
    );
    assert!(!asked.contains("localhost:5000/no-such"), "{asked}");
    assert!(!asked.contains("series now"), "{asked}");
}
