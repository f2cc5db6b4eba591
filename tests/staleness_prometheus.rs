//! The staleness lesson held against a real Prometheus, 3.5 and 2.42, scraping every second: what
//! `/tour/staleness` says about markers, the lookback, `up` and the lost first increment is what
//! these tests measure. The versions run side by side, each test well under a minute.

mod common;

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use common::prometheus::{tour_judged_by, until, until_value, Prometheus, Version};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

/// How long any one wait may take: a scrape a second makes each a few seconds.
const WAIT: Duration = Duration::from_secs(40);

/// Waits until `query` returns no series.
async fn until_empty(prometheus: &Prometheus, deadline: Instant, query: &str) {
    until(deadline, async || match prometheus.query(query).await {
        results if results.is_empty() => Ok(()),
        results => Err(format!("{query} still returns {results:?}")),
    })
    .await
    .unwrap();
}

/// Waits until Prometheus holds at least `samples` samples of `series` in the last minute.
async fn until_samples(prometheus: &Prometheus, deadline: Instant, series: &str, samples: f64) {
    let query = format!("count_over_time({series}[1m])");
    until(deadline, async || match prometheus.value(&query).await {
        found if found >= samples => Ok(()),
        found => Err(format!("{query} is {found}, waiting for {samples}")),
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ended_shift_vanishes_at_the_next_scrape_a_stopped_target_too_and_the_first_start_is_not_counted(
) {
    let (three, two) = tokio::join!(
        series_and_target_stop_in(Version::Three),
        series_and_target_stop_in(Version::TwoFortyTwo)
    );
    for (version, measured) in [(Version::Three, three), (Version::TwoFortyTwo, two)] {
        if let Some((series_gone, target_gone)) = measured {
            common::say(&format!(
                "{}: the ended shift's series vanished {:.1} s after POST /shift/end, the stopped tour's {:.1} s after it stopped",
                version.name(),
                series_gone.as_secs_f64(),
                target_gone.as_secs_f64()
            ));
        }
    }
}

/// Ends a shift, then stops the tour, in a Prometheus of `version`: how long each took to vanish
/// from an instant query.
async fn series_and_target_stop_in(version: Version) -> Option<(Duration, Duration)> {
    let (tour, prometheus) = tour_judged_by(version).await?;
    let deadline = Instant::now() + WAIT;
    let name = version.name();
    let early = r#"tour_shift_workers{shift="early"}"#;
    until_value(&prometheus, deadline, early, 4.0).await;

    let ended = Instant::now();
    let answer = tour.request("POST", "/shift/end", &[], b"").await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    until_empty(&prometheus, deadline, early).await;
    let series_gone = ended.elapsed();
    assert!(
        series_gone < Duration::from_secs(5),
        "{name}: {series_gone:?}, as if it waited for the lookback"
    );
    until_value(&prometheus, deadline, "tour_shift_workers", 3.0).await;
    // A range function skips the marker: the ended shift's last value is still there.
    assert_eq!(
        prometheus
            .value(r#"last_over_time(tour_shift_workers{shift="early"}[5m])"#)
            .await,
        4.0,
        "{name}"
    );

    // The late shift's first start: its counter was born at 1, and increase() does not count it.
    let late_starts = r#"tour_shift_starts_total{shift="late"}"#;
    until_value(&prometheus, deadline, late_starts, 1.0).await;
    until_samples(&prometheus, deadline, late_starts, 3.0).await;
    assert_eq!(
        prometheus
            .value(&format!("increase({late_starts}[1m])"))
            .await,
        0.0,
        "{name}: the step from nothing to 1"
    );

    // The page asks the same Prometheus and shows its answers: the late shift only, now.
    let page = tour
        .request("GET", "/tour/staleness", &[], b"")
        .await
        .text();
    let now_table = page
        .split("<caption>tour_shift_workers</caption>")
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .unwrap_or_else(|| panic!("{name}: no answer to tour_shift_workers on the page"));
    assert!(now_table.contains("shift=&quot;late&quot;"), "{now_table}");
    assert!(
        !now_table.contains("shift=&quot;early&quot;"),
        "{now_table}"
    );

    // The target stops: its scrapes fail, up goes 0 and every series it had vanishes.
    tour.stop().await.unwrap();
    let stopped = Instant::now();
    until_value(&prometheus, deadline, r#"up{job="tour"}"#, 0.0).await;
    until_empty(&prometheus, deadline, "tour_shift_workers").await;
    let target_gone = stopped.elapsed();
    assert!(
        target_gone < Duration::from_secs(5),
        "{name}: {target_gone:?}"
    );
    assert_eq!(
        prometheus
            .value(r#"last_over_time(tour_shift_workers{shift="late"}[5m])"#)
            .await,
        3.0,
        "{name}"
    );
    Some((series_gone, target_gone))
}

/// A target that serves `body` (the text format) to every scrape, until the test changes it.
async fn serve_exposition(body: Arc<Mutex<String>>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let body = body.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buffer = [0; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buffer[..n]),
                    }
                }
                let body = body.lock().unwrap().clone();
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
            });
        }
    });
    address
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sample_with_its_own_timestamp_gets_no_marker_and_stays_for_the_lookback() {
    tokio::join!(
        timestamped_sample_stays_in(Version::Three),
        timestamped_sample_stays_in(Version::TwoFortyTwo)
    );
}

/// Two series stop together, one exposed with its own timestamp: the other vanishes, it stays.
/// Prometheus 3 also scrapes as a second job with `track_timestamps_staleness: true`, where it goes.
async fn timestamped_sample_stays_in(version: Version) {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let body = Arc::new(Mutex::new(format!(
        "# TYPE stamped_demo gauge\nstamped_demo 7 {millis}\n# TYPE unstamped_demo gauge\nunstamped_demo 7\n"
    )));
    let target = serve_exposition(body.clone()).await;
    let job = |name: &str, extra: &str| {
        format!("  - job_name: {name}\n{extra}    static_configs:\n      - targets: ['{target}']\n")
    };
    let mut config = format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n{}",
        job("stamped", "")
    );
    if version == Version::Three {
        config.push_str(&job("tracked", "    track_timestamps_staleness: true\n"));
    }
    let Some(prometheus) = Prometheus::start(version, &config, &[]).await else {
        return;
    };
    let name = version.name();
    let deadline = Instant::now() + WAIT;
    until_value(&prometheus, deadline, r#"stamped_demo{job="stamped"}"#, 7.0).await;
    until_value(
        &prometheus,
        deadline,
        r#"unstamped_demo{job="stamped"}"#,
        7.0,
    )
    .await;
    if version == Version::Three {
        until_value(&prometheus, deadline, r#"stamped_demo{job="tracked"}"#, 7.0).await;
    }

    *body.lock().unwrap() = "# TYPE other_demo gauge\nother_demo 1\n".to_owned();
    until_empty(&prometheus, deadline, r#"unstamped_demo{job="stamped"}"#).await;
    if version == Version::Three {
        until_empty(&prometheus, deadline, r#"stamped_demo{job="tracked"}"#).await;
    }
    // Three more scrapes without it, and the timestamped sample is still the answer.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        prometheus.value(r#"stamped_demo{job="stamped"}"#).await,
        7.0,
        "{name}: no marker for a sample with its own timestamp"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_3_counts_the_first_increment_from_created_with_created_timestamp_zero_ingestion(
) {
    let tour = common::TestServer::start(common::fast_config()).await;
    let config = |protocols: &str| {
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: tour\n{protocols}    static_configs:\n      - targets: ['{}']\n",
            tour.address
        )
    };
    let flag = ["--enable-feature=created-timestamp-zero-ingestion"];
    let openmetrics = config("    scrape_protocols: [OpenMetricsText1.0.0]\n");
    let default_protocols = config("");
    let (read_created, proto_first) = tokio::join!(
        Prometheus::start(Version::Three, &openmetrics, &flag),
        Prometheus::start(Version::Three, &default_protocols, &flag),
    );
    let (Some(read_created), Some(proto_first)) = (read_created, proto_first) else {
        return;
    };
    let deadline = Instant::now() + WAIT;
    let early = r#"tour_shift_workers{shift="early"}"#;
    tokio::join!(
        until_value(&read_created, deadline, early, 4.0),
        until_value(&proto_first, deadline, early, 4.0),
    );
    tour.request("POST", "/shift/end", &[], b"").await;
    let late_starts = r#"tour_shift_starts_total{shift="late"}"#;
    tokio::join!(
        until_samples(&read_created, deadline, late_starts, 3.0),
        until_samples(&proto_first, deadline, late_starts, 3.0),
    );
    let increase = format!("increase({late_starts}[1m])");
    let counted = read_created.value(&increase).await;
    let missed = proto_first.value(&increase).await;
    common::say(&format!(
        "Prometheus 3 with created-timestamp-zero-ingestion: {increase} is {counted} over OpenMetrics, {missed} over protobuf"
    ));
    assert!(
        (0.9..1.5).contains(&counted),
        "with _created read, the step from 0 to 1 is counted: {counted}"
    );
    assert_eq!(
        missed, 0.0,
        "the tour's protobuf carries no created timestamp"
    );
}
