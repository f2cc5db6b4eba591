//! A hostile crowd against a running tour, for the load script: connections that stall, bounded in
//! number and time, on loopback only.
//! Run with `cargo run --release --example hostile_clients -- 127.0.0.1:5000 heads 3000 127.0.0.2 40`.
//!
//! Modes, each opening COUNT connections from the loopback address FROM and holding them for at
//! most SECONDS:
//! - `heads`: sends half a request head, then nothing;
//! - `uploads`: starts a 10 MB upload, sends 60 KB of it, then nothing;
//! - `pipelined`: sends three uploads in one write and hangs up at once;
//! - `drip`: starts a 1 MB upload and sends one byte of it a second.
//!
//! It prints one line: how many connected, how many the server refused at once (429 or 503), how
//! many it held and then closed (by a timeout), when the last of those closed after connecting, and
//! how many were still open when SECONDS ran out.

use std::{
    net::{IpAddr, SocketAddr},
    time::Duration,
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpSocket,
    time::{timeout, Instant},
};

/// What became of one connection.
enum Fate {
    NotConnected,
    /// Refused by the server at once: answered 429 or 503, or closed within a second.
    Refused,
    /// Closed by the server after this long.
    ClosedAfter(Duration),
    StillOpen,
    /// Hung up by us, as the `pipelined` mode does.
    HungUp,
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [server, mode, count, from, seconds] = args.as_slice() else {
        eprintln!("usage: hostile_clients ADDR heads|uploads|pipelined|drip COUNT FROM SECONDS");
        std::process::exit(2);
    };
    let server: SocketAddr = server.parse().expect("ADDR");
    let from: IpAddr = from.parse().expect("FROM");
    assert!(
        server.ip().is_loopback() && from.is_loopback(),
        "loopback only"
    );
    let count: usize = count.parse().expect("COUNT");
    assert!(count <= 30_000, "at most 30,000 connections");
    let hold = Duration::from_secs_f64(seconds.parse().expect("SECONDS"));
    assert!(hold <= Duration::from_secs(300), "at most 300 seconds");
    let payload = match mode.as_str() {
        "heads" => b"GET /healthz HTTP/1.1\r\nHost: tour\r\nX-Slow: ".to_vec(),
        "uploads" => {
            let mut upload =
                b"POST /file-upload HTTP/1.1\r\nHost: tour\r\nContent-Length: 10485760\r\n\r\n"
                    .to_vec();
            upload.resize(upload.len() + 60 * 1024, b'x');
            upload
        }
        "pipelined" => {
            b"POST /file-upload HTTP/1.1\r\nHost: tour\r\nContent-Length: 0\r\n\r\n".repeat(3)
        }
        "drip" => {
            b"POST /file-upload HTTP/1.1\r\nHost: tour\r\nContent-Length: 1000000\r\n\r\n".to_vec()
        }
        other => panic!("unknown mode {other}"),
    };
    let hang_up = mode == "pipelined";
    let drip = mode == "drip";

    let started = Instant::now();
    let connections: Vec<_> = (0..count)
        .map(|_| {
            let payload = payload.clone();
            tokio::spawn(connection(
                server,
                from,
                payload,
                hang_up,
                drip,
                started + hold,
            ))
        })
        .collect();
    let (mut connected, mut refused, mut later, mut open, mut hung_up) = (0, 0, 0, 0, 0);
    let mut last = Duration::ZERO;
    for connection in connections {
        match connection.await.expect("a connection task") {
            Fate::NotConnected => continue,
            Fate::Refused => refused += 1,
            Fate::ClosedAfter(after) => {
                later += 1;
                last = last.max(after);
            }
            Fate::StillOpen => open += 1,
            Fate::HungUp => hung_up += 1,
        }
        connected += 1;
    }
    println!(
        "{mode} from {from}: {connected} of {count} connected, {refused} refused at once, \
         {later} held then closed (the last after {:.1} s), {open} still open after {:.0} s, \
         {hung_up} hung up",
        last.as_secs_f64(),
        hold.as_secs_f64()
    );
}

/// One connection from `from`: sends `payload`, then hangs up or waits for the server to close it,
/// with `drip` sending a byte a second meanwhile.
async fn connection(
    server: SocketAddr,
    from: IpAddr,
    payload: Vec<u8>,
    hang_up: bool,
    drip: bool,
    until: Instant,
) -> Fate {
    let Ok(socket) = TcpSocket::new_v4() else {
        return Fate::NotConnected;
    };
    if socket.bind(SocketAddr::new(from, 0)).is_err() {
        return Fate::NotConnected;
    }
    let Ok(Ok(mut stream)) = timeout(Duration::from_secs(10), socket.connect(server)).await else {
        return Fate::NotConnected;
    };
    let connected_at = Instant::now();
    let _ = stream.write_all(&payload).await;
    if hang_up {
        return Fate::HungUp;
    }
    let mut answer = Vec::new();
    let mut sink = [0; 1024];
    let mut next_drip = Instant::now() + Duration::from_secs(1);
    loop {
        let wake = if drip { until.min(next_drip) } else { until };
        match tokio::time::timeout_at(wake, stream.read(&mut sink)).await {
            Err(_) if wake < until => {
                let _ = stream.write_all(b"x").await;
                next_drip += Duration::from_secs(1);
            }
            Err(_) => return Fate::StillOpen,
            Ok(Ok(read)) if read > 0 => answer.extend_from_slice(&sink[..read]),
            Ok(_) => {
                // A refusal's answer may be lost to a reset; any close within a second is one too.
                let after = connected_at.elapsed();
                let refusal =
                    answer.starts_with(b"HTTP/1.1 429") || answer.starts_with(b"HTTP/1.1 503");
                return if refusal || after < Duration::from_secs(1) {
                    Fate::Refused
                } else {
                    Fate::ClosedAfter(after)
                };
            }
        }
    }
}
