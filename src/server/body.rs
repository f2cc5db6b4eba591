//! A request body that must keep arriving: a client that stops sending its upload halfway is cut
//! off after `--body-timeout` without a byte, instead of holding its connection and buffers forever.

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

/// The body of a request, failing with `TimedOut` when no byte has come for `timeout`; it tells
/// `finished` when it ends or is dropped, the moment hyper stops reading this request.
pub(super) struct Progressing<B> {
    body: B,
    timeout: Duration,
    waiting: Option<Pin<Box<Sleep>>>,
    progressed: bool,
    finished: Option<oneshot::Sender<()>>,
}

impl<B> Progressing<B> {
    /// Watches `body`; `finished` is told (or dropped) when it ends.
    pub(super) fn new(body: B, timeout: Duration, finished: oneshot::Sender<()>) -> Self {
        Progressing {
            body,
            timeout,
            waiting: None,
            progressed: false,
            finished: Some(finished),
        }
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
                this.progressed = true;
                if !matches!(frame, Some(Ok(_))) {
                    this.finished.take();
                }
                Poll::Ready(frame)
            }
            Poll::Pending => {
                let deadline = Instant::now() + this.timeout;
                let waiting = this
                    .waiting
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if std::mem::take(&mut this.progressed) {
                    waiting.as_mut().reset(deadline);
                }
                if waiting.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.finished.take();
                Poll::Ready(Some(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "no byte of the body arrived for {} s (--body-timeout)",
                        this.timeout.as_secs_f64()
                    ),
                ))))
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
