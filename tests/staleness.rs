//! The staleness lesson without Prometheus: the shifts, `POST /shift/end`, and what the page says.
//! What it says about Prometheus is held by `tests/staleness_prometheus.rs`.

mod common;

use common::{body, client};
use poem::http::{header, StatusCode};

#[tokio::test]
async fn ending_a_shift_stops_its_series_in_metrics_and_the_page_shows_its_last_value() {
    let (cli, _) = client();
    let before = body(cli.get("/metrics").send().await).await;
    assert!(
        before.contains("tour_shift_workers{shift=\"early\"} 4\n"),
        "{before}"
    );
    let page = body(cli.get("/tour/staleness").send().await).await;
    assert!(page.contains("no shift has ended yet"));

    let answer = cli.post("/shift/end").send().await;
    answer.assert_status_is_ok();
    let text = body(answer).await;
    assert!(text.starts_with("the early shift ended"), "{text}");
    let after = body(cli.get("/metrics").send().await).await;
    assert!(!after.contains("shift=\"early\"} 4"), "{after}");
    assert!(
        after.contains("tour_shift_workers{shift=\"late\"} 3\n"),
        "{after}"
    );

    let page = body(cli.get("/tour/staleness").send().await).await;
    let ended = page
        .split("id=\"shift-last-ended\"")
        .nth(1)
        .and_then(|rest| rest.split("</dd>").next())
        .unwrap();
    assert!(ended.contains("<code>early</code>"), "{ended}");
    assert!(ended.contains("<strong>4</strong>"), "{ended}");
    assert!(ended.contains(" UTC ("), "{ended}");
}

#[tokio::test]
async fn a_shifts_first_start_is_born_at_1_with_its_created_in_openmetrics() {
    let (cli, _) = client();
    cli.post("/shift/end").send().await.assert_status_is_ok();
    let openmetrics = body(
        cli.get("/metrics")
            .header(header::ACCEPT, "application/openmetrics-text")
            .send()
            .await,
    )
    .await;
    assert!(openmetrics.contains("tour_shift_starts_total{shift=\"late\"} 1.0\n"));
    assert!(openmetrics.contains("tour_shift_starts_created{shift=\"late\"} "));
    assert!(openmetrics.contains("tour_shift_starts_created{shift=\"early\"} "));
}

#[tokio::test]
async fn a_browser_ends_a_shift_through_a_303_and_a_get_changes_nothing() {
    let (cli, state) = client();
    let by_get = cli.get("/shift/end").send().await;
    by_get.assert_status(StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(state.roster().on_duty, 0);
    let form = cli
        .post("/shift/end")
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, "http://localhost:5000/tour/staleness")
        .content_type("application/x-www-form-urlencoded")
        .body("")
        .send()
        .await;
    form.assert_status(StatusCode::SEE_OTHER);
    form.assert_header(header::LOCATION, "/tour/staleness");
    assert_eq!(state.roster().on_duty, 1);
}

#[tokio::test]
async fn without_prometheus_the_page_gives_the_queries_to_ask_and_the_lessons_link_to_it() {
    let (cli, _) = client();
    let page = body(cli.get("/tour/staleness").send().await).await;
    assert!(page.contains("--prometheus http://localhost:9090"));
    assert!(page.contains("last_over_time(tour_shift_workers[5m])"));
    assert!(page.contains("id=\"first-increment\""));
    assert!(page.contains("created-timestamp-zero-ingestion"));
    // The first increment's lines are OpenMetrics', with each series' _created.
    assert!(page.contains("tour_shift_starts_created{shift=&quot;early&quot;} "));
    let counter = body(cli.get("/tour/counter").send().await).await;
    assert!(counter.contains("href=\"/tour/staleness#first-increment\""));
    let front = body(cli.get("/").send().await).await;
    assert!(front.contains("href=\"/tour/staleness\""));
}

#[tokio::test]
async fn with_a_prometheus_that_does_not_answer_the_page_says_so_for_each_query() {
    let config = metrics_tour::config::Config {
        // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
        prometheus: Some(metrics_tour::config::PrometheusUrl(
            "http://127.0.0.1:9".to_owned(),
        )),
        ..common::fast_config()
    };
    let (app, _) = common::app(config);
    let cli = poem::test::TestClient::new(app);
    let page = body(cli.get("/tour/staleness").send().await).await;
    assert!(
        page.contains("Asked of <code>http://127.0.0.1:9</code>"),
        "{page}"
    );
    // The three queries of the answers section, and the value now beside the `up` block.
    assert_eq!(
        page.matches("Prometheus could not be asked").count(),
        4,
        "{page}"
    );
}

#[tokio::test(start_paused = true)]
async fn under_traffic_the_shift_on_duty_ends_every_two_minutes() {
    use metrics_tour::traffic::{Traffic, SHIFT_LENGTH};
    use std::{sync::Arc, time::Duration};
    let (app, state) = common::app(common::fast_config());
    let traffic = Traffic::start(Arc::new(app));
    tokio::time::sleep(SHIFT_LENGTH - Duration::from_secs(1)).await;
    assert_eq!(
        state.roster().on_duty,
        0,
        "the early shift is still on duty"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(state.roster().on_duty, 1, "the late shift took over");
    tokio::time::sleep(SHIFT_LENGTH).await;
    assert_eq!(state.roster().on_duty, 0, "and handed back");
    traffic.stop().await;
}
