//! `--traffic`: the generator goes through the real routes, and leaves nothing behind when the server stops.

mod common;

use std::time::Duration;

use common::{eventually, TestServer};
use metrics_tour::config::Config;

/// Requests to `route` that were answered 200 (the generator also sends a few that are refused).
fn requests_to(server: &TestServer, route: &str) -> f64 {
    server
        .state
        .metrics
        .http_requests
        .with_label_values(&["POST", route, "200"])
        .get()
}

#[tokio::test]
async fn traffic_visits_every_demo_route_through_the_http_middleware_and_stops_with_the_server() {
    let config = Config {
        traffic: true,
        upload_seconds: "0..0.5".parse().unwrap(),
        ..Config::default()
    };
    let server = TestServer::start(config).await;
    let routes = [
        "/counter",
        "/gauge/inc",
        "/gauge/dec",
        "/summary",
        "/file-upload",
    ];
    eventually(
        "a visit to every demo route",
        Duration::from_secs(30),
        async || routes.iter().all(|route| requests_to(&server, route) > 0.0),
    )
    .await;
    let metrics = server.state.metrics.clone();
    assert!(metrics.clicks.get() > 0.0);
    eventually("an upload observed", Duration::from_secs(10), async || {
        metrics.file_upload_duration.get_sample_count() > 0
    })
    .await;

    server.stop().await.unwrap();
    assert_eq!(metrics.file_uploads_in_progress.get(), 0);
    let total = |metrics: &metrics_tour::state::Metrics| -> f64 {
        metrics
            .registry
            .gather()
            .iter()
            .filter(|family| family.name() == "http_requests_total")
            .flat_map(|family| family.get_metric())
            .map(|metric| metric.get_counter().value())
            .sum()
    };
    let at_stop = total(&metrics);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        total(&metrics),
        at_stop,
        "traffic kept running after the server stopped"
    );
}

/// The distinct moments a history chart draws: the x of each pair in its polyline (a step adds a
/// second pair at the same x, and the line is carried on to "now").
fn chart_points(page: &str, chart_id: &str) -> usize {
    let chart = page
        .split(&format!(r#"id="{chart_id}""#))
        .nth(1)
        .expect("the chart is on the page");
    let Some(points) = chart.split(r#"points=""#).nth(1) else {
        return 0;
    };
    let mut xs: Vec<&str> = points
        .split('"')
        .next()
        .unwrap()
        .split(' ')
        .filter_map(|pair| pair.split(',').next())
        .collect();
    xs.dedup();
    // The last x is "now", where the line is carried on to, not a sample.
    xs.len().saturating_sub(1)
}

#[tokio::test]
async fn with_no_page_open_the_history_fills_so_the_first_visit_draws_a_full_chart() {
    let config = Config {
        traffic: true,
        upload_seconds: "0..0.5".parse().unwrap(),
        ..Config::default()
    };
    let server = TestServer::start(config).await;
    // Nobody looks for seven seconds; the sampler reads the registry once a second regardless.
    tokio::time::sleep(Duration::from_secs(7)).await;
    let first_visit = server.request("GET", "/tour/counter", &[], b"").await;
    assert_eq!(first_visit.status, 200);
    let points = chart_points(&first_visit.text(), "counter-chart");
    assert!(
        points >= 5,
        "the first visit drew {points} points of history, not at least 5"
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_page_view_writes_no_history() {
    let (client, state) = common::client();
    for _ in 0..5 {
        client
            .get("/tour/counter")
            .send()
            .await
            .assert_status_is_ok();
    }
    assert!(
        state.history.points().clicks.is_empty(),
        "a GET recorded history; only the sampler started by serve() may"
    );
}
