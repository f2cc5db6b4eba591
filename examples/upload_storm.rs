//! Many uploads at once against a running tour: are they all answered, and how long does it take?
//! Run with `cargo run --release --example upload_storm -- 127.0.0.1:5000 2000`.

use std::{net::SocketAddr, time::Instant};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let address: SocketAddr = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:5000".into())
        .parse()
        .expect("ADDR");
    let uploads: usize = args
        .next()
        .unwrap_or_else(|| "2000".into())
        .parse()
        .expect("COUNT");

    let started = Instant::now();
    let tasks: Vec<_> = (0..uploads)
        .map(|_| tokio::spawn(upload(address)))
        .collect();
    let mut answered = 0;
    for task in tasks {
        if task.await.expect("an upload task") {
            answered += 1;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!("{answered} of {uploads} uploads answered 200 in {elapsed:.2} s");
    if answered < uploads {
        std::process::exit(1);
    }
}

/// One `POST /file-upload`; true when it is answered `200` with the seed's text.
async fn upload(address: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect(address).await else {
        return false;
    };
    let request = format!("POST /file-upload HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).await.is_err() {
        return false;
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    answer.starts_with("HTTP/1.1 200") && answer.contains("File upload took")
}
