//! One client connection as the server watches it: its clock (idle and header timeouts), its
//! hang-up, noticed whatever the client sent after its request, and hyper's own refusals of a head,
//! answered with a line saying why ([`super::refusal`]).
//!
//! hyper reads a connection only when it wants the next request. While a handler runs it looks for
//! a hang-up only if its read buffer is empty, so a client that sent more bytes behind its request
//! (a second request, pipelined) and then closed would go unnoticed until the handler finished.
//! [`Watched::hung_up`] reads on meanwhile, keeping what it reads for hyper, and so sees the close.

use std::{
    future::poll_fn,
    io,
    pin::Pin,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex, MutexGuard,
    },
    task::{ready, Context, Poll},
    time::Duration,
};

use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::TcpStream,
    time::Instant,
};

use super::refusal::{self, HeadScan};

/// The most a client may send ahead of its answer; more, and it is cut off as if it had hung up,
/// so that what a connection holds stays bounded.
pub(super) const READ_AHEAD: usize = 16 * 1024;

/// How long a connection may go with no request in flight.
#[derive(Debug, Clone, Copy)]
pub(super) struct Timeouts {
    /// Before the first byte of its next request (a kept-alive connection, or a new one).
    pub idle: Duration,
    /// From the first byte of a request until its head has all arrived.
    pub header: Duration,
}

/// A client's connection, shared by hyper's reads and writes, its requests and its clock.
#[derive(Clone)]
pub(super) struct Watched(Arc<Inner>);

struct Inner {
    state: Mutex<State>,
    /// `--max-header-bytes`, for the message of a refused head.
    max_header_bytes: usize,
}

struct State {
    stream: TcpStream,
    /// Bytes read while watching for a hang-up, not yet handed to hyper.
    ahead: Vec<u8>,
    /// The client closed or reset the connection, or sent more than [`READ_AHEAD`] ahead.
    gone: bool,
    /// Requests whose handler is running.
    requests: usize,
    /// When the connection last had no request in flight: accepted, or its last request ended.
    idle_since: Instant,
    /// When the first byte of the next request arrived, if it has.
    head_since: Option<Instant>,
    /// What the next request's head showed so far, to say why hyper refused it.
    scan: HeadScan,
    /// Our answer in place of hyper's refusal, not yet written.
    replacing: Vec<u8>,
}

impl Watched {
    /// Watches a newly accepted connection.
    pub(super) fn new(stream: TcpStream, max_header_bytes: usize) -> Watched {
        Watched(Arc::new(Inner {
            max_header_bytes,
            state: Mutex::new(State {
                stream,
                ahead: Vec::new(),
                gone: false,
                requests: 0,
                idle_since: Instant::now(),
                head_since: None,
                scan: HeadScan::default(),
                replacing: Vec::new(),
            }),
        }))
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.0
            .state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// The connection's clock at `now`: `None` when it is due to be closed, else when to look again.
    ///
    /// Nobody tells the clock that a request began or ended, or that a head began: that woke the
    /// connection's task twice a request, which cost more than any other bound under load
    /// (docs/performance.md). It need not be told, since a head or an idle spell that starts after
    /// `now` cannot be due before `now` plus the shorter timeout, so looking again by then, or at
    /// the deadline already running if sooner, still closes every connection on time.
    pub(super) fn next_look(&self, timeouts: Timeouts, now: Instant) -> Option<Instant> {
        let state = self.state();
        let soonest_new = now + timeouts.header.min(timeouts.idle);
        if state.requests > 0 {
            return Some(soonest_new);
        }
        let due = match state.head_since {
            Some(since) => since + timeouts.header,
            None => state.idle_since + timeouts.idle,
        };
        (due > now).then(|| due.min(soonest_new))
    }

    /// True when no request is in flight, so closing the connection cuts nothing off.
    pub(super) fn is_idle(&self) -> bool {
        self.state().requests == 0
    }

    /// Counts a request in flight, here and in `server_total`, until the returned guard is dropped.
    pub(super) fn begin_request(&self, server_total: &Arc<AtomicUsize>) -> InFlight {
        let mut state = self.state();
        state.requests += 1;
        state.head_since = None;
        state.scan = HeadScan::default();
        server_total.fetch_add(1, Ordering::Relaxed);
        InFlight {
            connection: self.clone(),
            server_total: server_total.clone(),
        }
    }

    /// Completes when the client has hung up (closed or reset the connection), reading ahead, for
    /// hyper, whatever it sent meanwhile; call it once hyper has read the request's body.
    pub(super) async fn hung_up(&self) {
        poll_fn(|cx| self.poll_hung_up(cx)).await
    }

    fn poll_hung_up(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut guard = self.state();
        let state = &mut *guard;
        let mut chunk = [0; 4096];
        while !state.gone {
            let room = READ_AHEAD
                .saturating_sub(state.ahead.len())
                .min(chunk.len());
            if room == 0 {
                state.gone = true;
                break;
            }
            let mut read = ReadBuf::new(&mut chunk[..room]);
            match Pin::new(&mut state.stream).poll_read(cx, &mut read) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(())) if read.filled().is_empty() => state.gone = true,
                Poll::Ready(Err(_)) => state.gone = true,
                Poll::Ready(Ok(())) => {
                    state.ahead.extend_from_slice(read.filled());
                    // hyper polls an HTTP/1 request in its connection's task: waking this task
                    // wakes hyper too, which takes these bytes when it next reads.
                    cx.waker().wake_by_ref();
                }
            }
        }
        Poll::Ready(())
    }
}

/// A request in flight on a connection; dropping it (the handler finished, or was cancelled)
/// starts the connection's idle clock.
pub(super) struct InFlight {
    connection: Watched,
    server_total: Arc<AtomicUsize>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut state = self.connection.state();
        state.requests -= 1;
        if state.requests == 0 {
            state.idle_since = Instant::now();
            state.head_since = None;
        }
        drop(state);
        self.server_total.fetch_sub(1, Ordering::Relaxed);
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let mut guard = self.state();
        let state = &mut *guard;
        if !state.ahead.is_empty() {
            let n = state.ahead.len().min(buf.remaining());
            buf.put_slice(&state.ahead[..n]);
            if state.requests == 0 {
                state.scan.feed(&state.ahead[..n]);
            }
            state.ahead.drain(..n);
            if state.ahead.is_empty() {
                state.ahead = Vec::new(); // give the memory back
            }
            return Poll::Ready(Ok(()));
        }
        if state.gone {
            return Poll::Ready(Ok(())); // the end of the stream, as the watch saw it
        }
        let before = buf.filled().len();
        let read = Pin::new(&mut state.stream).poll_read(cx, buf);
        if buf.filled().len() > before && state.requests == 0 {
            state.scan.feed(&buf.filled()[before..]);
            if state.head_since.is_none() {
                state.head_since = Some(Instant::now());
            }
        }
        read
    }
}

impl State {
    /// Takes hyper's refusal of a head in `written`, if it is one, and queues ours in its place;
    /// true when it did.
    fn replace_refusal(&mut self, written: &[u8], max_header_bytes: usize) -> bool {
        let Some(status) = refusal::hypers_refusal(written) else {
            return false;
        };
        self.replacing = refusal::answer(status, &self.scan, max_header_bytes);
        true
    }

    /// Writes what is left of our answer in place of hyper's, before anything else.
    fn poll_replacing(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.replacing.is_empty() {
            let written = ready!(Pin::new(&mut self.stream).poll_write(cx, &self.replacing))?;
            if written == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.replacing.drain(..written);
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut state = self.state();
        if state.replace_refusal(buf, self.0.max_header_bytes) {
            return Poll::Ready(Ok(buf.len()));
        }
        ready!(state.poll_replacing(cx))?;
        Pin::new(&mut state.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let mut state = self.state();
        let first = bufs
            .iter()
            .find(|buf| !buf.is_empty())
            .map_or(&[][..], |buf| &buf[..]);
        if state.replace_refusal(first, self.0.max_header_bytes) {
            return Poll::Ready(Ok(bufs.iter().map(|buf| buf.len()).sum()));
        }
        ready!(state.poll_replacing(cx))?;
        Pin::new(&mut state.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut state = self.state();
        ready!(state.poll_replacing(cx))?;
        Pin::new(&mut state.stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut state = self.state();
        ready!(state.poll_replacing(cx))?;
        Pin::new(&mut state.stream).poll_shutdown(cx)
    }
}
