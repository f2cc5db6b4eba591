//! HTTP/2 clients that ask for a big page and never read it, for the load script: each connection
//! (h2c, prior knowledge) announces a receive window of 0 (`SETTINGS_INITIAL_WINDOW_SIZE=0`), so no
//! answer's body can be sent, and opens as many streams for `/tour/anatomy` as the server lets it.
//! Loopback only, bounded in number and time.
//! Run with `cargo run --release --example h2_stall -- 127.0.0.1:5000 200 127.0.0.2 40`.
//!
//! It opens COUNT connections from the loopback address FROM, holds them for at most SECONDS (or
//! until the server closes them), then closes them all and prints one line: how many connected,
//! how many streams got the head of an answer (200, or a refusal: 429 or 503), and how many
//! connections the server closed before SECONDS ran out.

use std::{
    future::poll_fn,
    net::{IpAddr, SocketAddr},
    time::Duration,
};

use bytes::Bytes;
use tokio::{
    net::TcpSocket,
    task::JoinHandle,
    time::{sleep_until, timeout, Instant},
};

/// Streams each connection tries to open: what hyper allowed before the server capped them.
const STREAMS_TRIED: usize = 200;

/// What one connection got.
#[derive(Default)]
struct Tally {
    connected: usize,
    ok: usize,
    refused: usize,
    closed_by_server: usize,
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [server, count, from, seconds] = args.as_slice() else {
        eprintln!("usage: h2_stall ADDR COUNT FROM SECONDS");
        std::process::exit(2);
    };
    let server: SocketAddr = server.parse().expect("ADDR");
    let from: IpAddr = from.parse().expect("FROM");
    assert!(
        server.ip().is_loopback() && from.is_loopback(),
        "loopback only"
    );
    let count: usize = count.parse().expect("COUNT");
    assert!(count <= 10_000, "at most 10,000 connections");
    let hold = Duration::from_secs_f64(seconds.parse().expect("SECONDS"));
    assert!(hold <= Duration::from_secs(300), "at most 300 seconds");

    let until = Instant::now() + hold;
    let connections: Vec<_> = (0..count)
        .map(|_| tokio::spawn(stall(server, from, until)))
        .collect();
    let mut total = Tally::default();
    for connection in connections {
        let tally = connection.await.expect("a connection task");
        total.connected += tally.connected;
        total.ok += tally.ok;
        total.refused += tally.refused;
        total.closed_by_server += tally.closed_by_server;
    }
    println!(
        "h2 stall from {from}: {} of {count} connected; {} streams answered 200 and {} refused \
         (429 or 503), their bodies unread; {} connections closed by the server within {:.0} s",
        total.connected,
        total.ok,
        total.refused,
        total.closed_by_server,
        hold.as_secs_f64()
    );
}

/// One connection from `from` that opens streams until the server holds them back, then reads
/// nothing until `until` or until the server closes it.
async fn stall(server: SocketAddr, from: IpAddr, until: Instant) -> Tally {
    let mut tally = Tally::default();
    let Ok(socket) = TcpSocket::new_v4() else {
        return tally;
    };
    if socket.bind(SocketAddr::new(from, 0)).is_err() {
        return tally;
    }
    let Ok(Ok(tcp)) = timeout(Duration::from_secs(10), socket.connect(server)).await else {
        return tally;
    };
    let handshake = h2::client::Builder::new()
        .initial_window_size(0)
        .handshake::<_, Bytes>(tcp);
    let Ok(Ok((mut client, connection))) = timeout(Duration::from_secs(10), handshake).await else {
        return tally;
    };
    tally.connected = 1;
    let mut connection: JoinHandle<_> = tokio::spawn(connection);
    let mut answers = Vec::new();
    for _ in 0..STREAMS_TRIED {
        // h2 holds a new stream back while the server's limit of streams is reached.
        let ready = poll_fn(|cx| client.poll_ready(cx));
        if !matches!(timeout(Duration::from_secs(1), ready).await, Ok(Ok(()))) {
            break;
        }
        let request = hyper::Request::get("http://tour/tour/anatomy")
            .body(())
            .expect("a request");
        let Ok((response, _)) = client.send_request(request, true) else {
            break;
        };
        answers.push(tokio::spawn(response));
    }
    // Every answer is kept unread: dropping one would reset its stream (h2 cancels a stream nobody
    // listens to), which frees its place and lets the next stream in.
    let mut unread = Vec::new();
    for answer in answers {
        let Ok(Ok(Ok(response))) = tokio::time::timeout_at(until, answer).await else {
            continue;
        };
        match response.status().as_u16() {
            200 => tally.ok += 1,
            429 | 503 => tally.refused += 1,
            _ => {}
        }
        unread.push(response);
    }
    tokio::select! {
        _ = &mut connection => tally.closed_by_server = 1,
        () = sleep_until(until) => connection.abort(),
    }
    tally
}
