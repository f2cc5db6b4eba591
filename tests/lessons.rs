//! The lessons of labels and cardinality and of counter restarts, as a learner meets them: a restart
//! drops the raw counter while the increase carries on, and random paths add no series. (The same in
//! a real Prometheus: `tests/prometheus.rs`.)

mod common;

use std::time::Duration;

use common::{body, client, sample, tour_exposition};

use poem::http::{header, StatusCode};

/// The text of the element with `id` on a page, tags removed.
fn element_text(page: &str, id: &str) -> String {
    let start = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} on the page"));
    let rest = &page[start..];
    let end = rest.find("</dl>").or_else(|| rest.find("</div>")).unwrap();
    let mut text = String::new();
    let mut in_tag = true;
    for c in rest[..end].chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test]
async fn a_restart_sets_the_counter_to_zero_and_moves_its_created_time() {
    let (cli, state) = client();
    cli.post("/counter")
        .query("by", &"5")
        .send()
        .await
        .assert_status_is_ok();
    let created = state.metrics.clicks_created.seconds();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let restarted = cli.post("/counter/restart").send().await;
    restarted.assert_status_is_ok();
    assert!(body(restarted)
        .await
        .starts_with("tour_clicks_total restarted at 0"));
    assert_eq!(
        sample(&tour_exposition(&state), "tour_clicks_total"),
        Some(0.0)
    );
    assert!(state.metrics.clicks_created.seconds() > created);

    let by_get = cli.get("/counter/restart").send().await;
    by_get.assert_status(StatusCode::METHOD_NOT_ALLOWED);
    by_get.assert_header(header::ALLOW, "POST");
    let form = cli
        .post("/counter/restart")
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, "http://localhost:5000/tour/counter")
        .send()
        .await;
    form.assert_status(StatusCode::SEE_OTHER);
    form.assert_header(header::LOCATION, "/tour/counter");
}

#[tokio::test]
async fn the_counter_page_shows_the_raw_fall_and_the_increase_carrying_on() {
    let (cli, state) = client();
    // What the sampler beside the server does once a second.
    let sample = async || {
        state.history.sample(&state.metrics.registry);
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    cli.post("/counter")
        .query("by", &"3")
        .send()
        .await
        .assert_status_is_ok();
    sample().await;
    cli.post("/counter/restart")
        .send()
        .await
        .assert_status_is_ok();
    sample().await;
    cli.post("/counter")
        .query("by", &"2")
        .send()
        .await
        .assert_status_is_ok();
    sample().await;
    let shown = body(cli.get("/tour/counter").send().await).await;
    // 3, then 0, then 2: last − first is −1, the increase counts the 2 after the restart.
    let facts = element_text(&shown, "counter-restart-facts");
    assert!(facts.contains("two minutes -1 "), "{facts}");
    assert!(facts.contains("as a restart 2 "), "{facts}");
    let rates = element_text(&shown, "counter-rates");
    assert!(
        !rates.contains('—') && !rates.contains('-'),
        "two rates, neither negative: {rates}"
    );
}

#[tokio::test]
async fn ten_thousand_random_paths_add_one_series_where_a_raw_path_label_adds_ten_thousand() {
    let measured = metrics_tour::lessons::labels::measure(10_000).await;
    assert_eq!(measured.series_after_one, 1);
    assert_eq!(measured.series_after_all, 1);
    assert_eq!(measured.raw_path_series, 10_000);
    assert!(
        measured.raw_path_bytes > 1000 * measured.bytes,
        "{measured:?}"
    );
}

#[tokio::test]
async fn no_request_creates_series_by_choosing_its_path() {
    let (cli, state) = client();
    let series = || {
        let families = state.metrics.registry.gather();
        families
            .iter()
            .filter(|f| f.name().starts_with("http_"))
            .map(|f| f.get_metric().len())
            .sum::<usize>()
    };
    cli.get("/no-such-page")
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let before = series();
    for i in 0..300 {
        cli.get(format!("/users/{i}/orders?id={i}"))
            .send()
            .await
            .assert_status(StatusCode::NOT_FOUND);
        cli.post(format!("/quiz/no-such-question-{i}"))
            .send()
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }
    cli.post("/quiz/no-such-question").send().await;
    let after_first_of_each = series();
    for i in 300..600 {
        cli.get(format!("/users/{i}"))
            .send()
            .await
            .assert_status(StatusCode::NOT_FOUND);
        cli.post(format!("/quiz/no-such-question-{i}"))
            .send()
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }
    assert_eq!(
        series(),
        after_first_of_each,
        "six hundred more paths, no new series"
    );
    assert!(
        after_first_of_each <= before + 2,
        "{before} -> {after_first_of_each}"
    );
}

#[tokio::test]
async fn every_quiz_question_shares_one_route_label() {
    let (cli, _) = client();
    for id in ["clicks-predict", "gauge-predict"] {
        cli.post(format!("/quiz/{id}"))
            .content_type("application/x-www-form-urlencoded")
            .body("answer=0")
            .send()
            .await
            .assert_status_is_ok();
    }
    let metrics = body(cli.get("/metrics").send().await).await;
    assert!(
        metrics.contains(r#"http_requests_total{method="POST",route="/quiz/:id",status="200"} 2"#),
        "{metrics}"
    );
    assert!(!metrics.contains("/quiz/clicks-predict"));
}

#[tokio::test]
async fn the_labels_page_lists_every_series_of_http_requests_total() {
    let (cli, _) = client();
    cli.get("/metrics").send().await.assert_status_is_ok();
    cli.get("/tour/labels").send().await.assert_status_is_ok();
    let page = body(cli.get("/tour/labels").send().await).await;
    let metrics = body(cli.get("/metrics").send().await).await;
    let lines: Vec<&str> = metrics
        .lines()
        .filter(|line| line.starts_with("http_requests_total{"))
        .collect();
    let shown = element_text(&page, "requests-series");
    assert!(
        shown.contains(&format!("This tour has {} series", lines.len())),
        "{shown}"
    );
    for line in lines {
        let route = line
            .split("route=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert!(shown.contains(route), "{route} is not in {shown}");
    }
    assert!(
        page.contains("after all 10000, <strong>1</strong>"),
        "the measurement is on the page"
    );
}

#[tokio::test]
async fn an_upload_is_in_progress_and_timed_only_once_its_body_has_arrived() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = common::TestServer::start(common::fast_config()).await;
    let mut upload = tokio::net::TcpStream::connect(server.address)
        .await
        .unwrap();
    upload
        .write_all(b"POST /file-upload HTTP/1.1\r\nHost: tour\r\nConnection: close\r\nContent-Length: 10\r\n\r\nhalf.")
        .await
        .unwrap();
    // Longer than the slowest upload of 1 to 2 s: if the body's wait were timed, it would show.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        common::uploads_in_progress(server.address).await,
        Some(0.0),
        "in progress before its body has arrived"
    );
    upload.write_all(b"done.").await.unwrap();
    common::eventually(
        "the upload in progress once its body has arrived",
        Duration::from_secs(1),
        async || common::uploads_in_progress(server.address).await == Some(1.0),
    )
    .await;
    let mut answer = String::new();
    upload.read_to_string(&mut answer).await.unwrap();
    let took: f64 = answer
        .split("File upload took ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|seconds| seconds.parse().ok())
        .unwrap_or_else(|| panic!("no duration in {answer:?}"));
    assert!((1.0..2.3).contains(&took), "took {took} s: {answer}");
    let help = server.request("GET", "/metrics", &[], b"").await.text();
    assert!(help.contains(
        "# HELP file_upload_duration_seconds Time the simulated upload took, timed once its body had arrived.\n"
    ));
    assert!(help.contains(
        "# HELP file_uploads_in_progress Uploads being simulated right now, counted once their body has arrived.\n"
    ));
}

#[tokio::test]
async fn a_refused_update_changes_no_demo_metric_and_is_counted_with_its_400() {
    let (cli, state) = client();
    let before = tour_exposition(&state);
    cli.post("/counter?by=-1")
        .send()
        .await
        .assert_status(StatusCode::BAD_REQUEST);
    assert_eq!(tour_exposition(&state), before, "a demo metric changed");
    let metrics = body(cli.get("/metrics").send().await).await;
    assert_eq!(
        sample(
            &metrics,
            r#"http_requests_total{method="POST",route="/counter",status="400"}"#
        ),
        Some(1.0),
        "{metrics}"
    );
}
