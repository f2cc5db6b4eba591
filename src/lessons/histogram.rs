//! Histogram: observations counted into buckets fixed in advance, here the seed's file uploads.
//!
//! **What it is.** Each `_bucket{le="X"}` counts the observations at most `X` (cumulative), with
//! `_sum` and `_count` beside them.
//!
//! **How it differs from a summary.** Buckets from many instances add up, so
//! `histogram_quantile(0.9, sum by (le) (rate(file_upload_duration_seconds_bucket[5m])))` is a true
//! fleet-wide estimate; its price is precision, set by where the buckets lie.
//!
//! **Typical use.** Latencies and sizes you will want to combine across instances, or compare with
//! an objective ("95% of uploads under 5 s" is exactly the `le="5.0"` bucket over the count, the
//! bound spelled as Prometheus 3 stores it whatever the format it scraped).
//!
//! **How to make one.** `Histogram::with_opts(HistogramOpts::new(name, help).buckets(edges))`, in
//! [`crate::state`]. Choose the buckets for the question you will ask: the seed's one-second
//! buckets cannot tell 1.1 s from 1.9 s.
//!
//! Below the route: how `histogram_quantile` turns buckets into an estimate ([`Estimate`]), and the
//! exact upload times this app keeps only to show that estimate's error ([`KeptObservations`]).

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::Duration,
};

use http_body_util::{combinators::BoxBody, BodyExt};
use hyper::body::Bytes;
use poem::{handler, http::header, web::Data, Body, IntoResponse, Request};
use rand::Rng;
use tokio::time::Instant;

use crate::{
    http::{bad_input::BadInput, reply, traceparent::TraceId},
    lessons::gauge::InProgress,
    state::AppState,
    tour::snapshot::HistogramData,
};

/// `POST /file-upload`: the seed's demo. Counts the body (never storing it), waits a uniform random
/// time in `--upload-seconds` without blocking other requests, and observes how long that took. A
/// browser's form gets a 303 back to its page. The request's trace becomes its bucket's exemplar
/// and comes back in the `traceparent` response header.
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
    let trace = TraceId::of(req);
    metrics.file_upload_duration.observe(took);
    metrics
        .exemplars
        .file_upload_duration
        .record(took, trace.as_str());
    state.kept_uploads.keep(took);
    let message = format!("File upload took {took:.2} seconds!");
    if reply::prefers_html(req) {
        return Ok(trace.answer(reply::updated(req, message)));
    }
    // The seed's answer, byte for byte, for curl.
    Ok(trace.answer(message.into_response()))
}

/// Reads the body to its end, refusing it as soon as it passes `limit` bytes; returns its length.
/// It counts the chunks hyper already holds rather than copying them into a buffer of its own, so
/// thousands of slow uploads cost no more than hyper's read buffers.
async fn read_and_count(body: Body, limit: u64) -> Result<u64, BadInput> {
    let mut body: BoxBody<Bytes, std::io::Error> = body.into();
    let mut length = 0u64;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| match error.kind() {
            std::io::ErrorKind::TimedOut => BadInput::TimedOut(error.to_string()),
            std::io::ErrorKind::InvalidData => BadInput::Parameter(error.to_string()),
            _ => BadInput::Parameter(format!("the upload's body could not be read: {error}")),
        })?;
        length += frame.data_ref().map_or(0, |data| data.len() as u64);
        if length > limit {
            return Err(BadInput::TooLarge { limit });
        }
    }
    Ok(length)
}

/// How `histogram_quantile` arrived at its answer: the bucket the rank fell in, and the line drawn
/// through it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub q: f64,
    /// `q × count`: how many observations lie below the answer.
    pub rank: f64,
    /// The bucket `(start, end]` holding that rank; `start` is `-Inf` for a lowest bucket whose
    /// edge is not positive.
    pub start: f64,
    pub end: f64,
    /// Observations below `start`, and inside the bucket.
    pub below: u64,
    pub inside: u64,
    /// The estimate: `start + (end − start) × (rank − below) / inside`.
    pub value: f64,
    /// True when the rank fell in `+Inf`: the answer is then the largest finite bound.
    pub overflow: bool,
}

impl HistogramData {
    /// `values` counted into buckets with these finite upper `edges` (increasing), as a histogram
    /// observing them would count them: what the versus lesson and the bucket designer replay.
    pub fn replay(edges: &[f64], values: &[f64]) -> HistogramData {
        HistogramData {
            buckets: edges
                .iter()
                .map(|&le| (le, values.iter().filter(|&&v| v <= le).count() as u64))
                .collect(),
            sum: values.iter().sum(),
            count: values.len() as u64,
        }
    }

    /// Estimates the `q`-quantile as Prometheus' `histogram_quantile` does on classic buckets
    /// (`bucketQuantile` in v3.5.0's `promql/quantile.go`, the same in 2.42): find the bucket where
    /// the rank falls, and assume its observations are spread evenly inside it. The lowest bucket
    /// starts at 0 when its edge is positive, and answers its edge when it is not; a rank past the
    /// last edge answers that edge. `None` with no observations.
    pub fn estimate(&self, q: f64) -> Option<Estimate> {
        if self.count == 0 || self.buckets.is_empty() {
            return None;
        }
        let rank = q * self.count as f64;
        let mut below = 0;
        let mut start = 0.0;
        for (slot, &(end, cumulative)) in self.buckets.iter().enumerate() {
            if cumulative as f64 >= rank {
                let inside = cumulative - below;
                let value = if slot == 0 && end <= 0.0 {
                    start = f64::NEG_INFINITY;
                    end
                } else {
                    start + (end - start) * ((rank - below as f64) / inside as f64)
                };
                return Some(Estimate {
                    q,
                    rank,
                    start,
                    end,
                    below,
                    inside,
                    value,
                    overflow: false,
                });
            }
            below = cumulative;
            start = end;
        }
        // The rank lies past the last finite bound: histogram_quantile answers that bound.
        Some(Estimate {
            q,
            rank,
            start,
            end: f64::INFINITY,
            below,
            inside: self.count - below,
            value: start,
            overflow: true,
        })
    }

    /// The observations that fell in each bucket alone: `(start, end, count)`, `+Inf` last.
    pub fn per_bucket(&self) -> Vec<(f64, f64, u64)> {
        let mut previous = (0.0, 0);
        let mut rows = Vec::with_capacity(self.buckets.len() + 1);
        for &(le, cumulative) in &self.buckets {
            rows.push((previous.0, le, cumulative.saturating_sub(previous.1)));
            previous = (le, cumulative);
        }
        rows.push((
            previous.0,
            f64::INFINITY,
            self.count.saturating_sub(previous.1),
        ));
        rows
    }
}

/// The exact `q`-quantile of `values` by nearest rank (the smallest value with at least `q` of
/// them at or below it); `None` when there are none.
pub fn exact_quantile(values: &[f64], q: f64) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let rank = (q * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// The exact durations of the most recent uploads, kept only to show what a histogram's buckets
/// blur. A histogram forgets each observation once it is counted into a bucket; that is its
/// strength (fixed cost, mergeable) and the reason `histogram_quantile` can only estimate. These
/// values are not in `/metrics`: a real service would not keep them. Each is kept with the moment
/// it was observed, so a page can take those of a given window (the versus lesson takes the
/// summary's). Cloning shares them.
#[derive(Debug, Clone)]
pub struct KeptObservations {
    capacity: usize,
    values: Arc<Mutex<VecDeque<(Instant, f64)>>>,
}

impl Default for KeptObservations {
    fn default() -> Self {
        Self::with_capacity(Self::CAPACITY)
    }
}

impl KeptObservations {
    /// How many values are kept by default; older ones are forgotten, so memory stays bounded.
    pub const CAPACITY: usize = 1000;

    /// Keeps at most `capacity` values (24 bytes each).
    pub fn with_capacity(capacity: usize) -> Self {
        KeptObservations {
            capacity: capacity.max(1),
            values: Arc::default(),
        }
    }

    /// How many values are kept at most.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Keeps `value`, observed now, forgetting the oldest when full.
    pub fn keep(&self, value: f64) {
        let mut values = self
            .values
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if values.len() == self.capacity {
            values.pop_front();
        }
        values.push_back((Instant::now(), value));
    }

    /// The kept values, oldest first.
    pub fn values(&self) -> Vec<f64> {
        self.within(Duration::MAX).0
    }

    /// The kept values observed in the last `age`, oldest first, and whether they are all of that
    /// span's (false when older ones of it have already been forgotten).
    pub fn within(&self, age: Duration) -> (Vec<f64>, bool) {
        let values = self
            .values
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let now = Instant::now();
        let inside = |at: &Instant| now.duration_since(*at) <= age;
        let complete =
            values.len() < self.capacity || values.front().is_some_and(|(at, _)| !inside(at));
        let kept = values
            .iter()
            .filter(|(at, _)| inside(at))
            .map(|(_, value)| *value)
            .collect();
        (kept, complete)
    }
}
