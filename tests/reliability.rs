//! Under load and abuse: no lost increment, no series from request data, a clean shutdown.

mod common;

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    sync::Arc,
    time::Duration,
};

use poem::{http::Method, Endpoint, Request};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_increments_from_64_tasks_give_exactly_a_hundred_thousand() {
    let (app, state) = common::app(common::fast_config());
    let app = Arc::new(app);
    let tasks: Vec<_> = (0..64)
        .map(|task| {
            let app = app.clone();
            tokio::spawn(async move {
                let share = 100_000 / 64 + usize::from(task < 100_000 % 64);
                for _ in 0..share {
                    let click = Request::builder()
                        .method(Method::POST)
                        .uri_str("/counter")
                        .finish();
                    assert!(app.get_response(click).await.status().is_success());
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(state.metrics.clicks.get(), 100_000.0);
    let exposition = common::tour_exposition(&state);
    assert_eq!(
        common::sample(&exposition, "tour_clicks_total"),
        Some(100_000.0)
    );
}

#[tokio::test]
async fn ten_thousand_unknown_paths_and_query_strings_add_no_series() {
    let (app, state) = common::app(common::fast_config());
    let series = || -> usize {
        state
            .metrics
            .registry
            .gather()
            .iter()
            .map(|f| f.get_metric().len())
            .sum()
    };
    let request = |i: usize| {
        let (method, target) = match i % 4 {
            0 => (Method::GET, format!("/random/{i}?q={i}")),
            1 => (Method::POST, format!("/counter/{i}")),
            2 => (
                Method::from_bytes(format!("VERB{i}").as_bytes()).unwrap(),
                format!("/x{i}"),
            ),
            _ => (Method::GET, format!("/no-such-page?name[]=x{i}&by={i}")),
        };
        Request::builder().method(method).uri_str(&target).finish()
    };
    for i in 0..4 {
        app.get_response(request(i)).await; // one of each shape, to create its fixed series
    }
    let before = series();
    for i in 4..10_004 {
        assert_eq!(app.get_response(request(i)).await.status(), 404);
    }
    assert_eq!(series(), before);
}

/// Sends SIGTERM to a child process.
#[tokio::test]
async fn sigterm_lets_uploads_in_flight_finish_refuses_new_connections_and_exits_0() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_metrics-tour"))
        .args(["--listen", "127.0.0.1:0", "--upload-seconds", "2..2"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = BufReader::new(child.stderr.take().unwrap());
    let address = loop {
        let mut line = String::new();
        assert!(
            log.read_line(&mut line).unwrap() > 0,
            "the server exited before listening"
        );
        if let Some(at) = line.find("listening on http://") {
            let address: std::net::SocketAddr = line[at + 20..].trim().parse().unwrap();
            break address;
        }
    };
    std::thread::spawn(move || std::io::copy(&mut log, &mut std::io::sink()));

    let uploads: Vec<_> = (0..3)
        .map(|_| tokio::spawn(common::http(address, "POST", "/file-upload", &[], b"")))
        .collect();
    common::eventually(
        "three uploads in progress",
        Duration::from_secs(5),
        async || common::uploads_in_progress(address).await == Some(3.0),
    )
    .await;

    common::process::send_sigterm(child.id());
    common::eventually(
        "new connections refused",
        Duration::from_secs(5),
        async || tokio::net::TcpStream::connect(address).await.is_err(),
    )
    .await;
    for upload in uploads {
        let answer = upload.await.unwrap();
        assert_eq!(answer.status, 200);
        assert!(
            answer.text().starts_with("File upload took 2."),
            "{}",
            answer.text()
        );
    }
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(0));
}
