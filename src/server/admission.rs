//! Who may connect: a cap on the connections open from one client address, and a ceiling on all of
//! them, so that one or two abusive addresses cannot take every connection from the rest.
//!
//! A connection over either bound is refused the moment it is accepted: one short answer written
//! without waiting, then closed, before any task or buffer exists for it.

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use tokio::net::TcpStream;

/// The open connections, counted by client.
pub(super) struct Admission {
    per_client: usize,
    ceiling: usize,
    open: Mutex<Open>,
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
        })
    }

    /// Lets `stream` in and holds its place, or refuses it: a `429` (too many from this client) or
    /// `503` (too many in all) written if the socket takes it at once, then the socket is closed.
    pub(super) fn admit(
        self: &Arc<Self>,
        stream: &TcpStream,
        peer: SocketAddr,
    ) -> Option<Admitted> {
        let client = client_of(peer.ip());
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let from_client = open.by_client.get(&client).copied().unwrap_or(0);
        let refusal = if from_client >= self.per_client {
            Some((
                "429 Too Many Requests",
                "too many connections from your address (--max-connections-per-client)",
            ))
        } else if open.total >= self.ceiling {
            Some((
                "503 Service Unavailable",
                "too many connections (--max-connections)",
            ))
        } else {
            None
        };
        if let Some((status, why)) = refusal {
            // An attack refuses thousands a second: say so in the log at most every ten seconds.
            let now = Instant::now();
            if open
                .last_warned
                .is_none_or(|last| now - last >= Duration::from_secs(10))
            {
                open.last_warned = Some(now);
                tracing::warn!(%client, from_client, open = open.total, "refusing connections: {why}");
            }
            drop(open);
            let answer = format!("HTTP/1.1 {status}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\r\n{why}\n", why.len() + 1);
            // Never waits (the socket is non-blocking): one that cannot take the answer at once is
            // just closed. Written past tokio, whose readiness of a new socket is not known yet.
            let _ = socket2::SockRef::from(stream).send(answer.as_bytes());
            return None;
        }
        open.total += 1;
        *open.by_client.entry(client).or_insert(0) += 1;
        Some(Admitted {
            admission: self.clone(),
            client,
        })
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
