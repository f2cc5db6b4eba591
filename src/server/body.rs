//! A request body that must keep arriving, and arrive at a pace: a client that stops sending its
//! upload halfway is cut off after `--body-timeout` without a byte, and one that drips just inside
//! that timeout is cut off once it falls below `--min-body-rate` on average, instead of holding its
//! connection and buffers for ever. Both are answered `408`.
//!
//! Each piece of a body costs a fixed amount of work on top of its bytes, so a body sent in 1-byte
//! chunks costs hundreds of times the CPU per byte of one sent in large pieces. Past [`PIECES_FREE`]
//! pieces, a body whose pieces average under [`SMALLEST_AVERAGE`] bytes is refused (`400`), and over
//! HTTP/1.1 hyper closes the connection without reading the rest: the work one body may cost stays
//! bounded, however long it is.

use std::{
    future::Future,
    io,
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use http_body::{Body, Frame, SizeHint};
use hyper::body::Bytes;
use tokio::{
    sync::oneshot,
    time::{Instant, Sleep},
};

/// Pieces (chunks, HTTP/2 data frames, reads) any body may arrive in, whatever their size.
pub(super) const PIECES_FREE: u64 = 1024;
/// The smallest average size of a body's pieces past [`PIECES_FREE`], in bytes.
pub(super) const SMALLEST_AVERAGE: u64 = 16;

/// How a body must arrive: no silence longer than `timeout`, and after the first `timeout`, on
/// average at least `min_rate` bytes a second.
#[derive(Debug, Clone, Copy)]
pub(super) struct Pace {
    pub timeout: Duration,
    pub min_rate: u32,
}

/// The body of a request, failing with `TimedOut` when it breaks its [`Pace`]; it tells
/// `finished` when it ends or is dropped, the moment hyper stops reading this request.
pub(super) struct Progressing<B> {
    body: B,
    pace: Pace,
    started: Instant,
    received: u64,
    pieces: u64,
    last_byte: Instant,
    waiting: Option<Pin<Box<Sleep>>>,
    finished: Option<oneshot::Sender<()>>,
}

impl<B> Progressing<B> {
    /// Watches `body`; `finished` is told (or dropped) when it ends.
    pub(super) fn new(body: B, pace: Pace, finished: oneshot::Sender<()>) -> Self {
        let now = Instant::now();
        Progressing {
            body,
            pace,
            started: now,
            received: 0,
            pieces: 0,
            last_byte: now,
            waiting: None,
            finished: Some(finished),
        }
    }

    /// When the body breaks its pace unless more arrives first, and whether by silence (or else
    /// by falling below the rate).
    fn deadline(&self) -> (Instant, bool) {
        let Pace { timeout, min_rate } = self.pace;
        let silent = self.last_byte + timeout;
        let owed = Duration::from_secs_f64(self.received as f64 / f64::from(min_rate));
        let slow = self.started + timeout + owed;
        (silent.min(slow), silent <= slow)
    }

    /// The refusal of a body sent in pieces too small to be worth their cost.
    fn crumbs(&self) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "the body came in {} pieces averaging {} bytes; send it in pieces (chunks) of \
                 {SMALLEST_AVERAGE} bytes or more",
                self.pieces,
                self.received / self.pieces
            ),
        )
    }

    /// The refusal of a body that broke its pace.
    fn refusal(&self, silent: bool) -> io::Error {
        let Pace { timeout, min_rate } = self.pace;
        let timeout = timeout.as_secs_f64();
        let why = if silent {
            format!("no byte of the body arrived for {timeout} s (--body-timeout)")
        } else {
            format!(
                "the body arrived slower than {min_rate} bytes a second on average after its \
                 first {timeout} s (--min-body-rate); send it at a steady pace"
            )
        };
        io::Error::new(io::ErrorKind::TimedOut, why)
    }
}

impl<B> Body for Progressing<B>
where
    B: Body<Data = Bytes, Error = io::Error> + Unpin,
{
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.body).poll_frame(cx) {
            Poll::Ready(frame) => {
                if let Some(Ok(data)) = frame.as_ref().map(|f| f.as_ref().map(Frame::data_ref)) {
                    this.received += data.map_or(0, |data| data.len() as u64);
                    this.pieces += 1;
                    this.last_byte = Instant::now();
                    if this.pieces > PIECES_FREE && this.received < this.pieces * SMALLEST_AVERAGE {
                        this.finished.take();
                        return Poll::Ready(Some(Err(this.crumbs())));
                    }
                }
                if !matches!(frame, Some(Ok(_))) {
                    this.finished.take();
                }
                Poll::Ready(frame)
            }
            Poll::Pending => {
                let (deadline, silent) = this.deadline();
                let waiting = this
                    .waiting
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if waiting.deadline() != deadline {
                    waiting.as_mut().reset(deadline);
                }
                if waiting.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.finished.take();
                Poll::Ready(Some(Err(this.refusal(silent))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
