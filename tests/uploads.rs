//! The simulated upload never blocks: many at once take one upload's time, and every exit lowers
//! `file_uploads_in_progress`. Tokio's paused clock makes these deterministic and instant.

mod common;

use std::{sync::Arc, time::Duration};

use poem::{http::Method, Endpoint, Request};
use tokio::time::Instant;

fn upload(body: &'static [u8]) -> Request {
    Request::builder()
        .method(Method::POST)
        .uri_str("/file-upload")
        .body(body)
}

#[tokio::test(start_paused = true)]
async fn a_thousand_concurrent_uploads_take_one_uploads_time_not_their_sum() {
    let (app, state) = common::app(common::fast_config()); // uploads take 1 to 2 s
    let app = Arc::new(app);
    let started = Instant::now();
    let uploads: Vec<_> = (0..1000)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move { app.get_response(upload(b"")).await })
        })
        .collect();
    for upload in uploads {
        assert!(upload.await.unwrap().status().is_success());
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed <= Duration::from_secs_f64(2.01),
        "took {elapsed:?}: uploads waited for each other"
    );
    let histogram = &state.metrics.file_upload_duration;
    assert_eq!(histogram.get_sample_count(), 1000);
    assert_eq!(state.metrics.file_uploads_in_progress.get(), 0);
}

#[tokio::test(start_paused = true)]
async fn aborted_uploads_lower_the_in_progress_gauge_and_observe_nothing() {
    let (app, state) = common::app(common::fast_config());
    let app = Arc::new(app);
    let uploads: Vec<_> = (0..50)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move { app.get_response(upload(b"some bytes")).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(state.metrics.file_uploads_in_progress.get(), 50);
    for upload in &uploads {
        upload.abort();
    }
    for upload in uploads {
        assert!(upload.await.unwrap_err().is_cancelled());
    }
    assert_eq!(state.metrics.file_uploads_in_progress.get(), 0);
    assert_eq!(state.metrics.file_upload_duration.get_sample_count(), 0);
}

#[tokio::test(start_paused = true)]
async fn the_observed_duration_is_within_the_upload_range_and_in_the_right_bucket() {
    let (app, state) = common::app(common::fast_config());
    let answer = app.get_response(upload(b"")).await;
    let text = answer.into_body().into_string().await.unwrap();
    let histogram = &state.metrics.file_upload_duration;
    let observed = histogram.get_sample_sum();
    assert_eq!(text, format!("File upload took {observed:.2} seconds!"));
    assert!((1.0..=2.0).contains(&observed), "{observed}");
    let exposition = common::tour_exposition(&state);
    assert_eq!(
        common::sample(&exposition, "file_upload_duration_seconds_bucket{le=\"1\"}"),
        Some(if observed <= 1.0 { 1.0 } else { 0.0 })
    );
    assert_eq!(
        common::sample(&exposition, "file_upload_duration_seconds_bucket{le=\"2\"}"),
        Some(1.0)
    );
}
