//! Serving the app on a listener: bounded connections, timeouts, hang-ups, and a graceful shutdown.
//!
//! We drive hyper's connections ourselves rather than through `poem::Server`, because a metrics
//! lesson needs what it lacks: when a client hangs up mid-request the request is dropped at once,
//! so `file_uploads_in_progress` goes back down (`poem::Server` keeps driving an abandoned request).
//!
//! What a slow, stalled or hostile client can hold is bounded, so a classroom stays served:
//! - connections: `--max-connections-per-client` from one address and `--max-connections` in all;
//!   one over either gets a `429` or `503` and is closed at once, before it costs a task
//!   ([`admission`]). An HTTP/2 stream takes a place too, until its answer is sent, and a
//!   connection carries at most 16 at once.
//! - time: a connection with no request in flight is closed `--idle-timeout` after its last answer
//!   (or its opening), or `--header-timeout` after the first byte of a head that never completes;
//!   a body that sends no byte for `--body-timeout`, or averages less than `--min-body-rate` after
//!   it, is cut off with `408` ([`body`]). hyper's own
//!   header timeout starts as soon as a connection goes idle, so it cannot tell a kept-alive
//!   connection from a slow head: [`connection`] keeps the clock instead.
//! - memory: a request head is at most `--max-header-bytes` (hyper's read buffer, which also bounds
//!   how much of a body is buffered), and bytes sent ahead of an answer at most 16 KiB; a stalled
//!   connection costs about 24 KiB, so the caps bound the total (docs/performance.md measures it).
//!   What closed connections freed goes back to the system within seconds ([`memory`]).
//! - hang-ups: noticed while a handler runs, whatever the client sent after its request, and the
//!   request is dropped ([`connection`]).
//!
//! On shutdown, connections with no request in flight (idle, or still sending a head) close at
//! once; requests in flight get a grace period, which a second signal cuts short.

pub(crate) mod admission;
mod body;
mod connection;
mod memory;
mod refusal;

use std::{
    future::Future,
    net::SocketAddr,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use http_body_util::combinators::BoxBody;
use hyper::{
    body::{Bytes, Incoming},
    Version,
};
use hyper_util::{
    rt::{TokioExecutor, TokioIo},
    server::conn::auto,
};
use poem::{
    http::{uri::Scheme, StatusCode},
    web::{LocalAddr, RemoteAddr},
    Body, Endpoint, Request,
};
use tokio::{
    net::{TcpListener, TcpSocket},
    sync::{oneshot, watch},
    time::Instant,
};

use crate::{
    app, config::Config, http::bad_input::plain_text, state::AppState, tour::history::Sampler,
    traffic::Traffic,
};
use admission::{Admission, Holding};
use connection::{Timeouts, Watched};

/// Binds `address` with a deep accept queue: a classroom of clients connecting at once (or the load
/// script's 2,000 uploads) would otherwise overflow the default 1,024 and wait a second to retry.
pub fn bind(address: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if address.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(4096)
}

/// The most requests one HTTP/2 connection carries at once (hyper's default is 200); each also
/// takes a place of its client's budget, as an HTTP/1.1 connection does.
const STREAMS_PER_CONNECTION: u32 = 16;

/// How serving ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// Every request in flight finished.
    Drained,
    /// This many requests were still running when the grace period ended or a second signal came.
    CutOff(usize),
}

/// Serves [`app`] on `listener` until `shutdown` completes, with the tour's history sampler beside
/// it and the traffic generator when `--traffic` asks for it. Then it stops accepting (new connections are refused), stops the
/// generator, closes the connections with no request in flight, and lets requests in flight finish
/// for up to the longest upload plus five seconds, or until `stop_now` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()>,
    stop_now: impl Future<Output = ()>,
) -> std::io::Result<Stopped> {
    let config = &state.config;
    let grace = Duration::from_secs_f64(config.upload_seconds.0.end() + 5.0);
    let timeouts = Timeouts {
        idle: config.idle_timeout,
        header: config.header_timeout,
    };
    let pace = body::Pace {
        timeout: config.body_timeout,
        min_rate: config.min_body_rate,
    };
    let max_header_bytes = config.max_header_bytes as usize;
    let admission = Admission::new(
        config.max_connections_per_client as usize,
        config.max_connections as usize,
    );
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .max_buf_size(config.max_header_bytes as usize);
    builder
        .http2()
        .max_header_list_size(config.max_header_bytes)
        .max_concurrent_streams(STREAMS_PER_CONNECTION);
    let traffic_wanted = config.traffic;
    // Dropped when serving ends, which stops the task.
    let _sampler = Sampler::start(state.history.clone(), state.metrics.registry.clone());
    let _trimmer = memory::Trimmer::start(admission.released());
    let app = Arc::new(app(state));
    let traffic = traffic_wanted.then(|| Traffic::start(app.clone()));
    let local = LocalAddr(listener.local_addr()?.into());
    let requests = Arc::new(AtomicUsize::new(0));
    // Every connection holds a receiver: `closed()` completes when the last one has ended.
    let (stopping, stop_seen) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Running out of file descriptors must not stop the server: wait, then go on.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(admitted) = admission.admit(&stream, peer) else {
            continue; // refused and closed
        };
        let watched = Watched::new(stream, max_header_bytes);
        let remote = RemoteAddr(peer.into());
        let admitted = Arc::new(admitted);
        let (app, local, requests, on_request, connection_place) = (
            app.clone(),
            local.clone(),
            requests.clone(),
            watched.clone(),
            admitted.clone(),
        );
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let in_flight = on_request.begin_request(&requests);
            let http1 = request.version() < Version::HTTP_2;
            // Each HTTP/2 stream takes a place of the client's budget until its answer is sent.
            let place = (!http1).then(|| connection_place.another());
            let request = Request::from((request, local.clone(), remote.clone(), Scheme::HTTP));
            let (request, body_read) = with_body_pace(request, pace);
            let (app, connection) = (app.clone(), on_request.clone());
            async move {
                let _in_flight = in_flight;
                let place = match place {
                    Some(Err(full)) => return Ok(stream_refused(full)),
                    Some(Ok(place)) => Some(place),
                    None => None,
                };
                let answer = app.get_response(request);
                // HTTP/2 reads its connection all along and resets the streams of one that closes.
                let response = if http1 {
                    tokio::select! {
                        biased;
                        response = answer => response,
                        () = async {
                            let _ = body_read.await;
                            connection.hung_up().await
                        } => return Err(HungUp),
                    }
                } else {
                    answer.await
                };
                let response = hyper::Response::from(response);
                Ok(match place {
                    Some(place) => response.map(|body| BoxBody::new(Holding::new(body, place))),
                    None => response,
                })
            }
        });
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(watched.clone()), service)
            .into_owned();
        let mut stop_seen = stop_seen.clone();
        tokio::spawn(async move {
            let _admitted = admitted;
            tokio::pin!(connection);
            let mut draining = false;
            let look = tokio::time::sleep_until(Instant::now());
            tokio::pin!(look);
            loop {
                tokio::select! {
                    biased;
                    ended = connection.as_mut() => {
                        if let Err(error) = ended {
                            tracing::debug!(%error, "connection ended");
                        }
                        break;
                    }
                    _ = stop_seen.wait_for(|stop| *stop), if !draining => {
                        if watched.is_idle() {
                            break;
                        }
                        connection.as_mut().graceful_shutdown();
                        draining = true;
                    }
                    () = look.as_mut() => match watched.next_look(timeouts, Instant::now()) {
                        Some(next) => look.as_mut().reset(next),
                        None => {
                            tracing::debug!(%peer, "closing a connection that timed out");
                            break;
                        }
                    },
                }
            }
        });
    }
    drop(listener);
    if let Some(traffic) = traffic {
        traffic.stop().await;
    }
    tracing::info!(
        requests = requests.load(Ordering::Relaxed),
        "shutting down: letting requests in flight finish; a second Ctrl-C or SIGTERM stops at once"
    );
    stopping.send_replace(true);
    drop(stop_seen);
    let cut_off = tokio::select! {
        () = stopping.closed() => return Ok(Stopped::Drained),
        () = tokio::time::sleep(grace) => "the grace period ended",
        () = stop_now => "a second signal came",
    };
    let requests = requests.load(Ordering::Relaxed);
    tracing::warn!(
        requests,
        ?grace,
        "{cut_off}: cutting off the requests still running"
    );
    Ok(if requests == 0 {
        Stopped::Drained
    } else {
        Stopped::CutOff(requests)
    })
}

/// The error that ends a request whose client hung up: hyper closes the connection and drops the
/// handler, so its guards (the in-progress gauge) run.
#[derive(Debug)]
struct HungUp;

impl std::fmt::Display for HungUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the client hung up")
    }
}

impl std::error::Error for HungUp {}

/// The answer to an HTTP/2 stream over the client's budget or the server's: `429` or `503`.
fn stream_refused(full: admission::Full) -> hyper::Response<BoxBody<Bytes, std::io::Error>> {
    let status = StatusCode::from_bytes(&full.status.as_bytes()[..3])
        .unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let why = full.why.replace("connections", "requests in progress");
    hyper::Response::from(plain_text(status, why))
}

/// Gives `request`'s body its [`body::Pace`] (`--body-timeout`, `--min-body-rate`); the receiver
/// completes once hyper reads no more of it (at once for a request without a body).
fn with_body_pace(mut request: Request, pace: body::Pace) -> (Request, oneshot::Receiver<()>) {
    let (finished, body_read) = oneshot::channel();
    let body = request.take_body();
    if !body.is_empty() {
        let body: http_body_util::combinators::BoxBody<_, _> = body.into();
        let body = body::Progressing::new(body, pace, finished);
        request.set_body(Body::from(http_body_util::combinators::BoxBody::new(body)));
    }
    (request, body_read)
}

/// Raises this process's open-file limit to the most the system allows (as Go's runtime does), and
/// lowers `--max-connections` to what fits under it, so that the ceiling turns connections away
/// before `accept` runs out of descriptors and locks everyone out.
pub fn fit_to_open_files(config: &mut Config) {
    // Descriptors kept for the listener, logs, `/proc` reads and the traffic generator.
    const RESERVED: u64 = 64;
    let Some(limit) = raise_open_files_limit() else {
        return;
    };
    let fits = limit.saturating_sub(RESERVED).max(1);
    if u64::from(config.max_connections) > fits {
        tracing::warn!(
            open_files = limit,
            "lowering --max-connections from {} to {fits}, what the open-file limit allows",
            config.max_connections
        );
        config.max_connections = fits as u32;
    }
}

#[cfg(target_os = "linux")]
fn raise_open_files_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    Some(limit.rlim_cur)
}

#[cfg(not(target_os = "linux"))]
fn raise_open_files_limit() -> Option<u64> {
    None
}
