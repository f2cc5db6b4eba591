//! Who may connect: a cap on the connections open from one client address, and a ceiling on all of
//! them, so that one or two abusive addresses cannot take every connection from the rest.
//!
//! A connection over either bound is refused the moment it is accepted: one short answer written
//! without waiting, then closed, before any task or buffer exists for it.
//!
//! An HTTP/2 connection carries many requests at once, so each of its streams takes a place too,
//! held until its answer has been sent ([`Holding`]): HTTP/2 gets the budget HTTP/1.1 has, not that
//! budget times the streams of a connection. A stream over the budget is answered `429` or `503`.

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    pin::Pin,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    task::{Context, Poll},
    time::{Duration, Instant},
};

use http_body::{Body, Frame, SizeHint};

use tokio::net::TcpStream;

/// The open connections, counted by client.
pub(super) struct Admission {
    per_client: usize,
    ceiling: usize,
    open: Mutex<Open>,
    /// Set when a place is given back, for [`super::memory`] to trim what its holder freed.
    released: Arc<AtomicBool>,
}

struct Open {
    total: usize,
    by_client: HashMap<IpAddr, usize>,
    last_warned: Option<Instant>,
}

/// A connection let in; dropping it frees its place.
pub(super) struct Admitted {
    admission: Arc<Admission>,
    client: IpAddr,
}

impl Admission {
    /// At most `per_client` connections from one client, and `ceiling` from everyone.
    pub(super) fn new(per_client: usize, ceiling: usize) -> Arc<Admission> {
        Arc::new(Admission {
            per_client,
            ceiling,
            open: Mutex::new(Open {
                total: 0,
                by_client: HashMap::new(),
                last_warned: None,
            }),
            released: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The flag set whenever a place is given back.
    pub(super) fn released(&self) -> Arc<AtomicBool> {
        self.released.clone()
    }

    /// Lets `stream` in and holds its place, or refuses it: a `429` (too many from this client) or
    /// `503` (too many in all) written if the socket takes it at once, then the socket is closed.
    pub(super) fn admit(
        self: &Arc<Self>,
        stream: &TcpStream,
        peer: SocketAddr,
    ) -> Option<Admitted> {
        match self.take(client_of(peer.ip())) {
            Ok(admitted) => Some(admitted),
            Err(Full { status, why }) => {
                let answer = format!("HTTP/1.1 {status}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\r\n{why}\n", why.len() + 1);
                // Never waits (the socket is non-blocking): one that cannot take the answer at once
                // is just closed. Written past tokio, whose readiness of a new socket is not known yet.
                let _ = socket2::SockRef::from(stream).send(answer.as_bytes());
                None
            }
        }
    }

    /// Takes a place for `client`, or says which bound is full.
    fn take(self: &Arc<Self>, client: IpAddr) -> Result<Admitted, Full> {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let from_client = open.by_client.get(&client).copied().unwrap_or(0);
        let full = if from_client >= self.per_client {
            Full {
                status: "429 Too Many Requests",
                why: "too many connections from your address (--max-connections-per-client)",
            }
        } else if open.total >= self.ceiling {
            Full {
                status: "503 Service Unavailable",
                why: "too many connections (--max-connections)",
            }
        } else {
            open.total += 1;
            *open.by_client.entry(client).or_insert(0) += 1;
            return Ok(Admitted {
                admission: self.clone(),
                client,
            });
        };
        // An attack refuses thousands a second: say so in the log at most every ten seconds.
        let now = Instant::now();
        if open
            .last_warned
            .is_none_or(|last| now - last >= Duration::from_secs(10))
        {
            open.last_warned = Some(now);
            tracing::warn!(%client, from_client, open = open.total, "refusing: {}", full.why);
        }
        Err(full)
    }
}

/// A bound that is full: the status and the line a refusal answers with.
pub(super) struct Full {
    pub status: &'static str,
    pub why: &'static str,
}

impl Admitted {
    /// Another place for the same client, for one more HTTP/2 stream of its connection.
    pub(super) fn another(&self) -> Result<Admitted, Full> {
        self.admission.take(self.client)
    }
}

/// An answer's body holding its stream's place until hyper has sent it (or the stream is reset).
pub(super) struct Holding<B> {
    body: B,
    _place: Admitted,
}

impl<B> Holding<B> {
    /// `body`, holding `place` while it lives.
    pub(super) fn new(body: B, place: Admitted) -> Self {
        Holding {
            body,
            _place: place,
        }
    }
}

impl<B: Body + Unpin> Body for Holding<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut open = self
            .admission
            .open
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        open.total -= 1;
        if let Some(count) = open.by_client.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                open.by_client.remove(&self.client);
            }
        }
        self.admission.released.store(true, Ordering::Relaxed);
    }
}

/// The client an address belongs to: itself for IPv4, its /64 network for IPv6 (one machine's
/// share, since a single host may hold a whole /64). The PromQL client caps queries per client
/// the same way.
pub(crate) fn client_of(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        },
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_client_is_its_64_and_a_mapped_ipv4_one_is_itself() {
        let one: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let other: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(client_of(one), client_of(other));
        assert_eq!(client_of(one), "2001:db8:1:2::".parse::<IpAddr>().unwrap());
        let mapped: IpAddr = "::ffff:10.0.0.7".parse().unwrap();
        assert_eq!(client_of(mapped), "10.0.0.7".parse::<IpAddr>().unwrap());
    }
}
