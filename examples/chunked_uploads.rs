//! Uploads sent in chunks of a chosen size, for the load script to weigh what the server's CPU
//! spends per byte of small chunks against large ones. Loopback only, one connection at a time.
//! Run with `cargo run --release --example chunked_uploads -- 127.0.0.1:5000 1 1024 4`.
//!
//! It sends `POST /file-upload` bodies of BODY bytes in chunks of CHUNK bytes, one after another on
//! a kept-alive connection (a new one after the server closes it), until MIB mebibytes of body have
//! been offered, and prints one line: the bodies accepted (200) and refused (400, or cut off by the
//! server's close), the body bytes the accepted ones carried, and the bytes the client wrote to its
//! sockets for all of them (chunk framing included; a refused body's rest is never written).

use std::net::SocketAddr;

use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [server, chunk, body, mib] = args.as_slice() else {
        eprintln!("usage: chunked_uploads ADDR CHUNK BODY MIB");
        std::process::exit(2);
    };
    let server: SocketAddr = server.parse().expect("ADDR");
    assert!(server.ip().is_loopback(), "loopback only");
    let chunk: usize = chunk.parse().expect("CHUNK");
    let body: usize = body.parse().expect("BODY");
    let total: f64 = mib.parse().expect("MIB");
    assert!(chunk >= 1 && body >= chunk, "1 <= CHUNK <= BODY");
    assert!(total <= 4096.0, "at most 4 GiB");
    let total = (total * 1024.0 * 1024.0) as usize;

    let request = chunked_request(chunk, body);
    let (mut accepted, mut refused, mut accepted_bytes, mut wire, mut sent) = (0, 0, 0, 0, 0);
    let mut connection = None;
    while sent < total {
        let stream = match connection.take() {
            Some(stream) => stream,
            None => BufReader::new(TcpStream::connect(server).await.expect("connect")),
        };
        let (written, status, stream) = exchange(stream, &request).await;
        sent += body;
        wire += written;
        match status {
            Some(200) => {
                accepted += 1;
                accepted_bytes += body;
            }
            Some(400) | None => refused += 1,
            Some(other) => panic!("answered {other}"),
        }
        connection = stream;
    }
    println!(
        "chunks of {chunk} B in bodies of {body} B: {accepted} accepted, {refused} refused; \
         {accepted_bytes} body bytes accepted, {wire} bytes sent"
    );
}

/// `POST /file-upload` with a body of `body` bytes in chunks of `chunk` bytes.
fn chunked_request(chunk: usize, body: usize) -> Vec<u8> {
    let mut request =
        b"POST /file-upload HTTP/1.1\r\nHost: tour\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    let mut left = body;
    while left > 0 {
        let size = chunk.min(left);
        request.extend_from_slice(format!("{size:x}\r\n").as_bytes());
        request.resize(request.len() + size, b'x');
        request.extend_from_slice(b"\r\n");
        left -= size;
    }
    request.extend_from_slice(b"0\r\n\r\n");
    request
}

/// Sends `request` and reads its answer: the bytes written, the status (none when the server
/// reset the connection before its answer could be read), and the connection if it can carry
/// another.
async fn exchange(
    mut stream: BufReader<TcpStream>,
    request: &[u8],
) -> (usize, Option<u16>, Option<BufReader<TcpStream>>) {
    // A refused body is answered before all of it is sent, and the server closes the connection
    // without reading the rest: writing stops at the first error.
    let mut written = 0;
    while written < request.len() {
        match stream.get_mut().write(&request[written..]).await {
            Ok(0) | Err(_) => break,
            Ok(more) => written += more,
        }
    }
    let mut line = String::new();
    if stream.read_line(&mut line).await.is_err() {
        return (written, None, None);
    }
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|status| status.parse().ok())
        .unwrap_or_else(|| panic!("no status in {line:?}"));
    let (mut length, mut close) = (0, false);
    loop {
        line.clear();
        stream.read_line(&mut line).await.expect("a header");
        let header = line.trim_end().to_ascii_lowercase();
        if header.is_empty() {
            break;
        }
        if let Some(value) = header.strip_prefix("content-length:") {
            length = value.trim().parse().expect("a length");
        }
        close |= header == "connection: close";
    }
    let mut answer = vec![0; length];
    stream.read_exact(&mut answer).await.expect("the answer");
    // hyper closes a connection whose request body was refused before its end.
    let kept = status == 200 && !close;
    (written, Some(status), kept.then_some(stream))
}
