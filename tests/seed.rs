//! The seed's own two curl commands, against a real server on a free port.

mod common;

use std::time::Duration;

use common::{fast_config, sample, TestServer};

#[tokio::test]
async fn seed_upload_then_metrics_shows_one_observation_in_eleven_buckets() {
    let server = TestServer::start(fast_config()).await;

    // curl -X POST http://localhost:5000/file-upload
    let upload = server.request("POST", "/file-upload", &[], b"").await;
    assert_eq!(upload.status, 200);
    let text = upload.text();
    let seconds: f64 = text
        .strip_prefix("File upload took ")
        .and_then(|rest| rest.strip_suffix(" seconds!"))
        .unwrap_or_else(|| panic!("not the seed's answer: {text:?}"))
        .parse()
        .unwrap();
    assert!(
        (1.0..=2.1).contains(&seconds),
        "{seconds} is outside --upload-seconds 1..2"
    );

    // curl http://localhost:5000/metrics
    let metrics = server.request("GET", "/metrics", &[], b"").await;
    assert_eq!(metrics.status, 200);
    assert_eq!(
        metrics.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let exposition = metrics.text();
    assert_eq!(
        sample(&exposition, "file_upload_duration_seconds_count"),
        Some(1.0)
    );
    let buckets: Vec<&str> = exposition
        .lines()
        .filter(|line| line.starts_with("file_upload_duration_seconds_bucket{"))
        .collect();
    let bounds = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "+Inf"];
    assert_eq!(buckets.len(), bounds.len(), "{buckets:#?}");
    for (line, bound) in buckets.iter().zip(bounds) {
        assert!(
            line.starts_with(&format!(
                "file_upload_duration_seconds_bucket{{le=\"{bound}\"}} "
            )),
            "{line}"
        );
    }
    assert_eq!(
        sample(
            &exposition,
            "file_upload_duration_seconds_bucket{le=\"+Inf\"}"
        ),
        Some(1.0)
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_client_that_hangs_up_mid_upload_leaves_no_upload_in_progress() {
    // Uploads that would take 30 s: only a cancelled request can end before the checks below give up.
    let config = metrics_tour::config::Config {
        upload_seconds: "30..30".parse().unwrap(),
        ..metrics_tour::config::Config::default()
    };
    let server = TestServer::start(config).await;
    let gauge = server.state.metrics.file_uploads_in_progress.clone();
    let runtime = tokio::runtime::Handle::current().metrics();
    let tasks_before = runtime.num_alive_tasks();

    let mut clients = Vec::new();
    for _ in 0..5 {
        let address = server.address;
        clients.push(tokio::spawn(common::http(
            address,
            "POST",
            "/file-upload",
            &[],
            b"",
        )));
    }
    common::eventually(
        "five uploads in progress",
        Duration::from_secs(5),
        async || gauge.get() == 5,
    )
    .await;
    for client in clients {
        client.abort(); // drops the socket, as a client pressing Ctrl-C would
    }
    common::eventually("the gauge back at 0", Duration::from_secs(5), async || {
        gauge.get() == 0
    })
    .await;
    let exposition = server.request("GET", "/metrics", &[], b"").await.text();
    assert_eq!(sample(&exposition, "file_uploads_in_progress"), Some(0.0));
    assert_eq!(
        sample(&exposition, "file_upload_duration_seconds_count"),
        Some(0.0)
    );
    common::eventually("no task left behind", Duration::from_secs(5), async || {
        runtime.num_alive_tasks() == tasks_before
    })
    .await;
}

#[tokio::test]
async fn shutdown_lets_an_upload_in_flight_finish() {
    let server = TestServer::start(fast_config()).await;
    let gauge = server.state.metrics.file_uploads_in_progress.clone();
    let upload = tokio::spawn(common::http(
        server.address,
        "POST",
        "/file-upload",
        &[],
        b"",
    ));
    common::eventually(
        "the upload in progress",
        Duration::from_secs(5),
        async || gauge.get() == 1,
    )
    .await;

    server.stop().await.unwrap();
    let answer = upload.await.unwrap();
    assert_eq!(answer.status, 200);
    assert!(
        answer.text().starts_with("File upload took "),
        "{}",
        answer.text()
    );
    assert_eq!(gauge.get(), 0);
}
