//! Histogram: observations counted into buckets fixed in advance, here the seed's file uploads.
//!
//! Each `_bucket{le="X"}` counts the observations at most `X` (cumulative), with `_sum` and `_count`
//! beside them. Unlike a summary, buckets from many instances add up, so
//! `histogram_quantile(0.9, sum by (le) (rate(file_upload_duration_seconds_bucket[5m])))` is a true
//! fleet-wide estimate; its price is precision, set by where the buckets lie. Choose the buckets
//! for the question you will ask: the seed's one-second buckets cannot tell 1.1 s from 1.9 s.

use std::time::Duration;

use poem::{handler, http::header, web::Data, Body, IntoResponse, Request};
use rand::Rng;
use tokio::{io::AsyncReadExt, time::Instant};

use crate::{error::BadInput, gauge::InProgress, reply, state::AppState};

/// `POST /file-upload`: the seed's demo. Counts the body (never storing it), waits a uniform random
/// time in `--upload-seconds` without blocking other requests, and observes how long that took. A
/// browser's form gets a 303 back to its page.
#[handler]
pub async fn file_upload(
    req: &Request,
    body: Body,
    Data(state): Data<&AppState>,
) -> Result<poem::Response, BadInput> {
    let limit = state.config.max_upload_bytes;
    let declared = req
        .header(header::CONTENT_LENGTH)
        .and_then(|length| length.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(BadInput::TooLarge { limit });
    }
    read_and_count(body, limit).await?;

    let metrics = &state.metrics;
    let _in_progress = InProgress::enter(&metrics.file_uploads_in_progress);
    let seconds = rand::rng().random_range(state.config.upload_seconds.0.clone());
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    let took = started.elapsed().as_secs_f64();
    metrics.file_upload_duration.observe(took);
    state.recent_uploads.keep(took);
    let message = format!("File upload took {took:.2} seconds!");
    if reply::prefers_html(req) {
        return Ok(reply::updated(req, message));
    }
    // The seed's answer, byte for byte, for curl.
    Ok(message.into_response())
}

/// Reads the body to its end, refusing it as soon as it passes `limit` bytes; returns its length.
async fn read_and_count(body: Body, limit: u64) -> Result<u64, BadInput> {
    let mut reader = body.into_async_read();
    let mut chunk = vec![0; 64 * 1024];
    let mut length = 0u64;
    loop {
        let read = reader.read(&mut chunk).await.map_err(|error| {
            BadInput::Parameter(format!("the upload's body could not be read: {error}"))
        })?;
        if read == 0 {
            return Ok(length);
        }
        length += read as u64;
        if length > limit {
            return Err(BadInput::TooLarge { limit });
        }
    }
}
