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
