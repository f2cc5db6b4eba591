//! The quiz's PromQL questions judged by a real Prometheus, 3 and 2.42: the `--prometheus` a tour is
//! given answers the learner's query and the reference, and the tour compares them.

mod common;

use std::time::{Duration, Instant};

use common::prometheus::{first_value, tour_judged_by, until, until_value, Prometheus, Version};

/// `POST /quiz/ID` with `answer`, as curl sends it: the status and the verdict.
async fn answer(tour: &common::TestServer, id: &str, answer: &str) -> (u16, String) {
    let form = form_urlencoded::Serializer::new(String::new())
        .append_pair("answer", answer)
        .finish();
    let reply = tour
        .request(
            "POST",
            &format!("/quiz/{id}"),
            &[("Content-Type", "application/x-www-form-urlencoded")],
            form.as_bytes(),
        )
        .await;
    (reply.status, reply.text())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quiz_judges_queries_in_a_real_prometheus_equivalent_forms_included() {
    for version in Version::ALL {
        let Some((tour, prometheus)) = tour_judged_by(version).await else {
            continue;
        };
        quiz_is_judged_in(&tour, &prometheus).await;
    }
}

/// The quiz's PromQL questions, judged by `prometheus`: the reference and an equivalent form are
/// correct, a wrong answer is "not yet", and the histogram question agrees with Prometheus' estimate.
async fn quiz_is_judged_in(tour: &common::TestServer, prometheus: &Prometheus) {
    let deadline = Instant::now() + Duration::from_secs(60);
    until_value(prometheus, deadline, "tour_clicks_total", 0.0).await;
    tour.request("POST", "/counter?by=4", &[], b"").await;
    // Six uploads, as POST /file-upload would observe them, spread over four buckets.
    for seconds in [0.5, 1.5, 1.6, 1.7, 4.5, 7.2] {
        tour.state.metrics.file_upload_duration.observe(seconds);
    }
    until_value(
        prometheus,
        deadline,
        "file_upload_duration_seconds_count",
        6.0,
    )
    .await;
    until_value(prometheus, deadline, "tour_clicks_total", 4.0).await;

    // (question, the reference's own words, the same in another form, a wrong answer)
    let cases = [
        (
            "query-clicks-rate",
            "rate(tour_clicks_total[5m])",
            "rate(tour_clicks_total{job=\"tour\"}[300s])",
            "tour_clicks_total",
        ),
        (
            "query-upload-buckets",
            "sum by (le) (rate(file_upload_duration_seconds_bucket[5m]))",
            "sum(rate(file_upload_duration_seconds_bucket[5m])) by (le)",
            "sum(rate(file_upload_duration_seconds_bucket[5m]))",
        ),
        (
            "query-upload-p90",
            "histogram_quantile(0.9, sum by (le) (rate(file_upload_duration_seconds_bucket[5m])))",
            "histogram_quantile(0.9, sum(rate(file_upload_duration_seconds_bucket[5m])) by (le))",
            "histogram_quantile(0.5, sum by (le) (rate(file_upload_duration_seconds_bucket[5m])))",
        ),
        (
            "query-requests-by-route",
            "sum by (route) (rate(http_requests_total[5m]))",
            "sum(rate(http_requests_total[5m])) by (route)",
            "sum by (method) (rate(http_requests_total[5m]))",
        ),
    ];
    for (id, reference, equivalent, wrong) in cases {
        // Until two scrapes are in, the reference has no rate and the tour says it cannot judge yet.
        let (status, verdict) = until(deadline, async || {
            let (status, verdict) = answer(tour, id, reference).await;
            if status == 503 {
                Err(verdict)
            } else {
                Ok((status, verdict))
            }
        })
        .await
        .unwrap();
        assert_eq!(status, 200, "{id}: {verdict}");
        assert!(
            verdict.starts_with("correct: "),
            "{id}, {reference}: {verdict}"
        );
        let (status, verdict) = answer(tour, id, equivalent).await;
        assert!(
            status == 200 && verdict.starts_with("correct: "),
            "{id}, {equivalent}: {verdict}"
        );
        let (status, verdict) = answer(tour, id, wrong).await;
        assert!(
            status == 200 && verdict.starts_with("not yet: "),
            "{id}, {wrong}: {verdict}"
        );
        assert_eq!(verdict.lines().count(), 1, "{verdict}");
    }
    // A query that does not parse never reaches Prometheus: the gate refuses it with the parser's
    // message.
    let (status, verdict) = answer(tour, "query-clicks-rate", "rate(tour_clicks_total[5m]").await;
    assert_eq!(status, 400);
    assert!(
        verdict.starts_with("the query does not parse: "),
        "{verdict}"
    );

    // The histogram question's estimate is the one Prometheus computes from the same buckets.
    let estimate = first_value(
        &prometheus
            .query("histogram_quantile(0.5, file_upload_duration_seconds_bucket)")
            .await,
    )
    .expect("Prometheus' estimate");
    let (_, verdict) = answer(tour, "histogram-median", &format!("{estimate:.4}")).await;
    assert!(
        verdict.starts_with("correct: "),
        "Prometheus says {estimate}: {verdict}"
    );
}
