//! The quiz's PromQL questions judged by a real Prometheus, 3 and 2.42: the `--prometheus` a tour is
//! given answers the learner's query and the reference, and the tour compares them. The setup is
//! the one classroom.md names for the quiz: a quiet tour started with `--prometheus`, scraped as job
//! `tour`, with a fleet instance scraped by the same Prometheus as job `tour-fleet`.

mod common;

use std::time::{Duration, Instant};

use common::{
    docs,
    prometheus::{first_value, until, until_value, Prometheus, Version},
    TestServer,
};
use metrics_tour::tour::quiz::{Answer, QUESTIONS};

/// A learner answering from a terminal, keeping the score cookie as a browser would.
struct Learner<'a> {
    tour: &'a TestServer,
    cookie: String,
}

impl Learner<'_> {
    /// `POST /quiz/ID` with `answer`, as curl sends it: the status and the verdict.
    async fn answer(&mut self, id: &str, answer: &str) -> (u16, String) {
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("answer", answer)
            .finish();
        let reply = self
            .tour
            .request(
                "POST",
                &format!("/quiz/{id}"),
                &[
                    ("Content-Type", "application/x-www-form-urlencoded"),
                    ("Cookie", &self.cookie),
                ],
                form.as_bytes(),
            )
            .await;
        if let Some(cookie) = reply.header("set-cookie") {
            self.cookie = cookie.split(';').next().unwrap_or("").to_owned();
        }
        (reply.status, reply.text())
    }
}

/// The tour the quiz is taken on (quiet, `--prometheus`, job `tour`), one more tour scraped as job
/// `tour-fleet`, and the Prometheus of `version` scraping both every second; `None` when that
/// version is not installed (the test has said so).
async fn classroom_judged_by(version: Version) -> Option<(TestServer, TestServer, Prometheus)> {
    let prometheus_address: std::net::SocketAddr =
        format!("127.0.0.1:{}", common::process::free_port())
            .parse()
            .unwrap();
    let tour = TestServer::start(metrics_tour::config::Config {
        prometheus: Some(metrics_tour::config::PrometheusUrl(format!(
            "http://{prometheus_address}"
        ))),
        ..common::fast_config()
    })
    .await;
    let fleet = TestServer::start(common::fast_config()).await;
    let scrape = format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: tour\n    static_configs:\n      - targets: ['{}']\n  - job_name: tour-fleet\n    static_configs:\n      - targets: ['{}']\n",
        tour.address, fleet.address
    );
    let prometheus = Prometheus::start_at(version, prometheus_address, &scrape, &[]).await?;
    Some((tour, fleet, prometheus))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_quiz_is_judged_on_a_quiet_tour_with_prometheus_the_fleet_scraped_beside_it() {
    for version in Version::ALL {
        let Some((tour, fleet, prometheus)) = classroom_judged_by(version).await else {
            continue;
        };
        queries_are_judged_with_the_fleet_running(&tour, &fleet, &prometheus).await;
        every_question_can_be_answered_right(&tour, &prometheus).await;
    }
}

/// The exercises' own queries (`{job="tour"}`, as exercises.md says to write) and equivalent forms
/// are correct while the fleet is scraped too; a wrong answer, and one that forgets the job and so
/// mixes in the fleet, are "not yet".
async fn queries_are_judged_with_the_fleet_running(
    tour: &TestServer,
    fleet: &TestServer,
    prometheus: &Prometheus,
) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut learner = Learner {
        tour,
        cookie: String::new(),
    };
    // Scraped once before anything happens, so that rate() sees every change below.
    for job in ["tour", "tour-fleet"] {
        for name in ["tour_clicks_total", "file_upload_duration_seconds_count"] {
            until_value(
                prometheus,
                deadline,
                &format!("{name}{{job=\"{job}\"}}"),
                0.0,
            )
            .await;
        }
    }
    tour.request("POST", "/counter?by=4", &[], b"").await;
    fleet.request("POST", "/counter?by=7", &[], b"").await;
    // Six uploads on the tour, as POST /file-upload would observe them, over four buckets; two
    // slow ones on the fleet, so that summing both jobs gives other buckets.
    for seconds in [0.5, 1.5, 1.6, 1.7, 4.5, 7.2] {
        tour.state.metrics.file_upload_duration.observe(seconds);
    }
    for seconds in [8.5, 9.5] {
        fleet.state.metrics.file_upload_duration.observe(seconds);
    }
    for (query, value) in [
        ("tour_clicks_total{job=\"tour\"}", 4.0),
        ("tour_clicks_total{job=\"tour-fleet\"}", 7.0),
        ("file_upload_duration_seconds_count{job=\"tour\"}", 6.0),
        (
            "file_upload_duration_seconds_count{job=\"tour-fleet\"}",
            2.0,
        ),
    ] {
        until_value(prometheus, deadline, query, value).await;
    }
    // Each job's rates exist (two scrapes of each series), so forgetting the job shows.
    for job in ["tour", "tour-fleet"] {
        for rate in [
            "rate(file_upload_duration_seconds_count{job=\"JOB\"}[5m]) > 0",
            "rate(http_requests_total{job=\"JOB\", route=\"/metrics\"}[5m]) > 0",
        ] {
            let query = rate.replace("JOB", job);
            until(deadline, async || {
                let results = prometheus.query(&query).await;
                if results.is_empty() {
                    Err(format!("{query}: nothing yet"))
                } else {
                    Ok(())
                }
            })
            .await
            .unwrap();
        }
    }
    let exercises: Vec<String> = docs::blocks("promql")
        .into_iter()
        .filter(|block| block.place.starts_with("docs/exercises.md"))
        .map(|block| block.text)
        .collect();

    // (question, the exercises' own query, the same in another form, a wrong answer, the right
    // one without the job)
    let cases = [
        (
            "query-clicks-rate",
            "rate(tour_clicks_total{job=\"tour\"}[5m])",
            "rate(tour_clicks_total{job=\"tour\"}[300s])",
            "tour_clicks_total{job=\"tour\"}",
            "rate(tour_clicks_total[5m])",
        ),
        (
            "query-upload-buckets",
            "sum by (le) (rate(file_upload_duration_seconds_bucket{job=\"tour\"}[5m]))",
            "sum(rate(file_upload_duration_seconds_bucket{job=\"tour\"}[5m])) by (le)",
            "sum(rate(file_upload_duration_seconds_bucket{job=\"tour\"}[5m]))",
            "sum by (le) (rate(file_upload_duration_seconds_bucket[5m]))",
        ),
        (
            "query-upload-p90",
            "histogram_quantile(0.9, sum by (le) (rate(file_upload_duration_seconds_bucket{job=\"tour\"}[5m])))",
            "histogram_quantile(0.9, sum(rate(file_upload_duration_seconds_bucket{job=\"tour\"}[5m])) by (le))",
            "histogram_quantile(0.5, sum by (le) (rate(file_upload_duration_seconds_bucket{job=\"tour\"}[5m])))",
            "histogram_quantile(0.9, sum by (le) (rate(file_upload_duration_seconds_bucket[5m])))",
        ),
        (
            "query-requests-by-route",
            "sum by (route) (rate(http_requests_total{job=\"tour\"}[5m]))",
            "sum(rate(http_requests_total{job=\"tour\"}[5m])) by (route)",
            "sum by (method) (rate(http_requests_total{job=\"tour\"}[5m]))",
            "sum by (route) (rate(http_requests_total[5m]))",
        ),
    ];
    for (id, exercise, equivalent, wrong, without_job) in cases {
        // The bucket rates have no exercise of their own: the p90's inner part.
        assert!(
            id == "query-upload-buckets" || exercises.iter().any(|query| query == exercise),
            "{id}: docs/exercises.md has no block {exercise}"
        );
        // Until two scrapes are in, the reference has no rate and the tour says it cannot judge yet.
        let (status, verdict) = until(deadline, async || {
            let (status, verdict) = learner.answer(id, exercise).await;
            if status == 503 {
                Err(verdict)
            } else {
                Ok((status, verdict))
            }
        })
        .await
        .unwrap();
        assert!(
            status == 200 && verdict.starts_with("correct: "),
            "{}, {id}, {exercise}: {verdict}",
            prometheus.version.name()
        );
        for (given, first_word) in [
            (equivalent, "correct: "),
            (wrong, "not yet: "),
            (without_job, "not yet: "),
        ] {
            let (status, verdict) = learner.answer(id, given).await;
            assert!(
                status == 200 && verdict.starts_with(first_word),
                "{}, {id}, {given}: {verdict}",
                prometheus.version.name()
            );
            assert_eq!(verdict.lines().count(), 1, "{verdict}");
        }
    }
    // A "not yet" adds the first warning /promql gives the learner's query: here, rate() of a gauge.
    let (status, verdict) = learner
        .answer(
            "query-clicks-rate",
            "rate(tour_temperature_celsius{job=\"tour\"}[5m])",
        )
        .await;
    assert!(
        status == 200
            && verdict.starts_with("not yet: ")
            && verdict.contains(
                "; warning: rate() of tour_temperature_celsius, a gauge (see /tour/gauge)"
            ),
        "{verdict}"
    );
    // A query that does not parse never reaches Prometheus: the gate refuses it with the parser's
    // message.
    let (status, verdict) = learner
        .answer("query-clicks-rate", "rate(tour_clicks_total[5m]")
        .await;
    assert_eq!(status, 400);
    assert!(
        verdict.starts_with("the query does not parse: "),
        "{verdict}"
    );
}

/// Every question of the quiz answered right on this tour, as a learner following the questions
/// would, and the score cookie then counts them all.
async fn every_question_can_be_answered_right(tour: &TestServer, prometheus: &Prometheus) {
    let mut learner = Learner {
        tour,
        cookie: String::new(),
    };
    for (method, path) in [
        ("POST", "/counter"),
        ("POST", "/gauge/inc"),
        ("POST", "/gauge/dec?by=0.5"),
        ("GET", "/no-such-page-1"),
        ("GET", "/no-such-page-2"),
        ("GET", "/no-such-page-3"),
    ] {
        tour.request(method, path, &[], b"").await;
    }
    let metrics = tour.request("GET", "/metrics", &[], b"").await.text();
    let read = |series: &str| common::sample(&metrics, series).unwrap();
    let unmatched = metrics
        .lines()
        .filter(|line| {
            line.starts_with("http_requests_total{")
                && line.contains("method=\"GET\"")
                && line.contains("route=\"unmatched\"")
        })
        .count();
    // The histogram question's estimate is the one Prometheus computes from the same buckets.
    let median = first_value(
        &prometheus
            .query("histogram_quantile(0.5, file_upload_duration_seconds_bucket{job=\"tour\"})")
            .await,
    )
    .expect("Prometheus' estimate");
    for question in QUESTIONS {
        let given = match (&question.answer, question.id) {
            (Answer::Choice { right, .. }, _) => right.to_string(),
            (Answer::Query { reference }, _) => reference.to_string(),
            (Answer::Live { .. }, "clicks-predict") => read("tour_clicks_total").to_string(),
            (Answer::Live { .. }, "gauge-predict") => read("tour_temperature_celsius").to_string(),
            (Answer::Live { .. }, "histogram-median") => format!("{median:.4}"),
            (Answer::Live { .. }, "histogram-mean") => format!(
                "{:.2}",
                read("file_upload_duration_seconds_sum")
                    / read("file_upload_duration_seconds_count")
            ),
            (Answer::Live { .. }, "unmatched-series") => unmatched.to_string(),
            (Answer::Live { .. }, id) => panic!("{id}: a live question this test cannot answer"),
        };
        let (status, verdict) = learner.answer(question.id, &given).await;
        assert!(
            status == 200 && verdict.starts_with("correct: "),
            "{}, {} answered {given}: {verdict}",
            prometheus.version.name(),
            question.id
        );
    }
    let page = tour
        .request("GET", "/tour/quiz", &[("Cookie", &learner.cookie)], b"")
        .await
        .text();
    let total = QUESTIONS.len();
    assert!(
        page.contains(&format!("<strong>{total} of {total}</strong>")),
        "{}: the score after every question answered right",
        prometheus.version.name()
    );
}
