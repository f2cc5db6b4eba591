//! Under hostile load: stalled heads, stalled bodies and idle connections are closed by their
//! timeouts, a few addresses cannot take every connection, a client that hangs up is noticed
//! whatever it sent after its request, and shutdown neither waits for heads nor ignores a second
//! signal. Tokio's paused clock runs the timeouts in no real time; every loop is bounded.

mod common;

use std::{
    net::SocketAddr,
    time::{Duration, Instant as WallClock},
};

use common::{fast_config, process::Tour, TestServer};
use metrics_tour::{config::Config, server::Stopped};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpSocket, TcpStream},
    time::Instant,
};

/// A configuration with short, distinct timeouts: a head 5 s, idle 20 s, a body's silence 10 s.
fn timeouts() -> Config {
    Config {
        header_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(20),
        body_timeout: Duration::from_secs(10),
        ..fast_config()
    }
}

/// A connection to `server` from the loopback address `from` (127.0.0.1, 127.0.0.2, ...).
async fn connect_from(from: &str, server: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    socket.connect(server).await.unwrap()
}

/// Reads until the server closes the connection; what it sent, and when it closed.
async fn until_closed(stream: &mut TcpStream) -> (String, Instant) {
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(600), stream.read_to_end(&mut answer))
        .await
        .expect("the server never closed the connection");
    (
        String::from_utf8_lossy(&answer).into_owned(),
        Instant::now(),
    )
}

const HALF_A_HEAD: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: tour\r\nX-Slow: ";

#[tokio::test(start_paused = true)]
async fn three_hundred_stalled_heads_do_not_stop_another_client_and_are_closed_by_the_header_timeout(
) {
    let server = TestServer::start(timeouts()).await;
    let started = Instant::now();
    let mut stalled = Vec::new();
    for _ in 0..300 {
        let mut stream = TcpStream::connect(server.address).await.unwrap();
        stream.write_all(HALF_A_HEAD).await.unwrap();
        stalled.push(stream);
    }
    let answer = server.request("GET", "/healthz", &[], b"").await;
    assert_eq!(answer.status, 200);
    for stream in &mut stalled {
        let (answer, closed) = until_closed(stream).await;
        assert_eq!(answer, "", "a stalled head gets no answer");
        let after = closed - started;
        assert!(
            after >= Duration::from_secs(5) && after < Duration::from_secs(20),
            "closed after {after:?}, not by the 5 s header timeout"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_kept_alive_connection_is_closed_by_the_idle_timeout_not_the_header_timeout() {
    let server = TestServer::start(timeouts()).await;
    let mut stream = TcpStream::connect(server.address).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: tour\r\n\r\n")
        .await
        .unwrap();
    let mut answer = [0; 1024];
    let read = stream.read(&mut answer).await.unwrap();
    assert!(answer[..read].starts_with(b"HTTP/1.1 200"));
    let answered = Instant::now();
    let (_, closed) = until_closed(&mut stream).await;
    let idle = closed - answered;
    assert!(
        idle >= Duration::from_secs(20) && idle < Duration::from_secs(21),
        "closed after {idle:?} idle, not by the 20 s idle timeout"
    );
}

#[tokio::test(start_paused = true)]
async fn a_head_sent_a_byte_every_two_seconds_is_closed_by_the_header_timeout() {
    let server = TestServer::start(timeouts()).await;
    let (mut reader, mut writer) = TcpStream::connect(server.address)
        .await
        .unwrap()
        .into_split();
    let started = Instant::now();
    let trickle = tokio::spawn(async move {
        for byte in HALF_A_HEAD.iter().cycle().take(30) {
            if writer.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    });
    let mut answer = Vec::new();
    let _ = reader.read_to_end(&mut answer).await;
    let closed = started.elapsed();
    assert!(
        closed >= Duration::from_secs(5) && closed < Duration::from_secs(7),
        "closed after {closed:?}, not by the 5 s header timeout"
    );
    trickle.abort();
}

#[tokio::test(start_paused = true)]
async fn a_body_that_stops_arriving_is_cut_off_by_the_body_timeout() {
    let server = TestServer::start(timeouts()).await;
    let mut stream = TcpStream::connect(server.address).await.unwrap();
    stream
        .write_all(b"POST /file-upload HTTP/1.1\r\nHost: tour\r\nContent-Length: 100000\r\n\r\nthe first bytes")
        .await
        .unwrap();
    let started = Instant::now();
    let (answer, closed) = until_closed(&mut stream).await;
    let silent = closed - started;
    assert!(
        silent >= Duration::from_secs(10) && silent < Duration::from_secs(11),
        "cut off after {silent:?}, not by the 10 s body timeout"
    );
    assert!(
        answer.starts_with("HTTP/1.1 408 Request Timeout"),
        "{answer}"
    );
    assert!(answer.contains("--body-timeout"), "{answer}");
    assert_eq!(
        server.state.metrics.file_upload_duration.get_sample_count(),
        0
    );
}

/// Sends `requests` in one write, then hangs up: closes (FIN) or, with `reset`, resets (RST).
async fn pipeline_then_hang_up(server: &TestServer, requests: &[u8], reset: bool) {
    let mut stream = TcpStream::connect(server.address).await.unwrap();
    stream.write_all(requests).await.unwrap();
    let in_progress = &server.state.metrics.file_uploads_in_progress;
    common::eventually(
        "the upload in progress",
        Duration::from_secs(5),
        async || in_progress.get() == 1,
    )
    .await;
    if reset {
        socket2::SockRef::from(&stream)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
    }
    drop(stream);
}

const THREE_UPLOADS: &[u8] =
    b"POST /file-upload HTTP/1.1\r\nHost: tour\r\nContent-Length: 0\r\n\r\n\
POST /file-upload HTTP/1.1\r\nHost: tour\r\nContent-Length: 0\r\n\r\n\
POST /file-upload HTTP/1.1\r\nHost: tour\r\nContent-Length: 0\r\n\r\n";

#[tokio::test(start_paused = true)]
async fn a_client_that_pipelined_uploads_then_hung_up_lowers_the_gauge_and_observes_nothing() {
    let config = Config {
        upload_seconds: "100..100".parse().unwrap(),
        ..timeouts()
    };
    let server = TestServer::start(config).await;
    let metrics = &server.state.metrics;
    for reset in [false, true] {
        pipeline_then_hang_up(&server, THREE_UPLOADS, reset).await;
        let noticed = Instant::now();
        common::eventually(
            "the gauge back at 0",
            Duration::from_secs(500),
            async || metrics.file_uploads_in_progress.get() == 0,
        )
        .await;
        assert!(
            noticed.elapsed() < Duration::from_secs(1),
            "the hang-up was noticed only after {:?}, when the upload ended",
            noticed.elapsed()
        );
    }
    tokio::time::sleep(Duration::from_secs(300)).await;
    assert_eq!(metrics.file_upload_duration.get_sample_count(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_client_sending_a_body_behind_its_request_then_hanging_up_is_noticed_too() {
    let config = Config {
        upload_seconds: "100..100".parse().unwrap(),
        ..timeouts()
    };
    let server = TestServer::start(config).await;
    let mut requests =
        b"POST /file-upload HTTP/1.1\r\nHost: tour\r\nContent-Length: 5\r\n\r\nabcde".to_vec();
    requests.extend_from_slice(
        b"POST /file-upload HTTP/1.1\r\nHost: tour\r\nContent-Length: 10000\r\n\r\n",
    );
    requests.extend(std::iter::repeat_n(b'x', 10_000));
    pipeline_then_hang_up(&server, &requests, false).await;
    let in_progress = &server.state.metrics.file_uploads_in_progress;
    common::eventually(
        "the gauge back at 0",
        Duration::from_millis(500),
        async || in_progress.get() == 0,
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_client_sending_more_than_16_kib_ahead_of_its_answer_is_cut_off() {
    let config = Config {
        upload_seconds: "100..100".parse().unwrap(),
        ..timeouts()
    };
    let server = TestServer::start(config).await;
    let mut stream = TcpStream::connect(server.address).await.unwrap();
    stream.write_all(&THREE_UPLOADS[..62]).await.unwrap();
    let in_progress = &server.state.metrics.file_uploads_in_progress;
    common::eventually(
        "the upload in progress",
        Duration::from_secs(5),
        async || in_progress.get() == 1,
    )
    .await;
    let flood = [b'x'; 4096];
    let mut sent = 0;
    while sent < 64 * 1024 && stream.write_all(&flood).await.is_ok() {
        sent += flood.len();
    }
    common::eventually(
        "the gauge back at 0",
        Duration::from_millis(500),
        async || in_progress.get() == 0,
    )
    .await;
    let (answer, _) = until_closed(&mut stream).await;
    assert_eq!(answer, "");
}

#[tokio::test(start_paused = true)]
async fn a_client_that_stays_gets_every_pipelined_answer_in_order() {
    let server = TestServer::start(timeouts()).await;
    let mut stream = TcpStream::connect(server.address).await.unwrap();
    let mut requests = THREE_UPLOADS.to_vec();
    requests.extend_from_slice(
        b"POST /counter?by=5 HTTP/1.1\r\nHost: tour\r\nConnection: close\r\n\r\n",
    );
    stream.write_all(&requests).await.unwrap();
    let (answers, _) = until_closed(&mut stream).await;
    assert_eq!(answers.matches("HTTP/1.1 200 OK").count(), 4, "{answers}");
    assert_eq!(answers.matches("File upload took").count(), 3, "{answers}");
    assert!(
        answers.ends_with("tour_clicks_total is now 5\n"),
        "{answers}"
    );
}

/// What the server answers a new connection from `from` within a second: a refusal comes at once,
/// an admitted connection is held (its stream returned) and says nothing.
async fn knock(from: &str, server: SocketAddr) -> Result<String, TcpStream> {
    let mut stream = connect_from(from, server).await;
    let mut answer = Vec::new();
    match tokio::time::timeout(Duration::from_secs(1), stream.read_to_end(&mut answer)).await {
        Ok(_) => Ok(String::from_utf8_lossy(&answer).into_owned()),
        Err(_) => Err(stream),
    }
}

#[tokio::test]
async fn a_client_address_over_its_cap_is_refused_at_once_and_others_are_still_served() {
    let config = Config {
        max_connections_per_client: 10,
        max_connections: 15,
        ..fast_config()
    };
    let server = TestServer::start(config).await;
    let mut held = Vec::new();
    for _ in 0..10 {
        let mut stream = connect_from("127.0.0.2", server.address).await;
        stream.write_all(HALF_A_HEAD).await.unwrap();
        held.push(stream);
    }
    // Accepted in order, so the eleventh comes after the ten are counted.
    let answer = knock("127.0.0.2", server.address).await.expect("a refusal");
    assert!(
        answer.starts_with("HTTP/1.1 429 Too Many Requests"),
        "{answer}"
    );
    assert!(answer.contains("--max-connections-per-client"), "{answer}");

    // Another address is served, up to the ceiling of 15 in all.
    let answer = common::http(server.address, "GET", "/healthz", &[], b"").await;
    assert_eq!(answer.status, 200);
    let mut refused = None;
    for _ in 0..10 {
        match knock("127.0.0.3", server.address).await {
            Ok(answer) => {
                refused = Some(answer);
                break;
            }
            Err(admitted) => held.push(admitted),
        }
    }
    let answer = refused.expect("the ceiling was never reached");
    assert!(
        answer.starts_with("HTTP/1.1 503 Service Unavailable"),
        "{answer}"
    );
    assert!(answer.contains("--max-connections"), "{answer}");
    assert_eq!(held.len(), 15);

    // Places are freed when connections close.
    drop(held);
    common::eventually("served again", Duration::from_secs(10), async || {
        let mut probe = connect_from("127.0.0.2", server.address).await;
        probe
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: tour\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let (answer, _) = until_closed(&mut probe).await;
        answer.starts_with("HTTP/1.1 200")
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn shutdown_closes_connections_still_sending_their_head_without_waiting_the_grace_period() {
    let server = TestServer::start(timeouts()).await;
    let mut stalled = TcpStream::connect(server.address).await.unwrap();
    stalled.write_all(HALF_A_HEAD).await.unwrap();
    let mut idle = TcpStream::connect(server.address).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: tour\r\n\r\n")
        .await
        .unwrap();
    let mut answer = [0; 1024];
    assert!(idle.read(&mut answer).await.unwrap() > 0);
    let started = Instant::now();
    assert_eq!(server.stop().await.unwrap(), Stopped::Drained);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "shutdown waited {:?}",
        started.elapsed()
    );
    assert_eq!(until_closed(&mut stalled).await.0, "");
    assert_eq!(until_closed(&mut idle).await.0, "");
}

/// Sends SIGTERM to the tour's process.
#[tokio::test]
async fn a_second_signal_stops_at_once_and_says_what_it_cut_off() {
    let mut tour =
        Tour::spawn(&["--listen", "127.0.0.1:0", "--upload-seconds", "300..300"].map(String::from));
    let address = tour.address;
    let upload = tokio::spawn(async move {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream
            .write_all(b"POST /file-upload HTTP/1.1\r\nHost: tour\r\nContent-Length: 0\r\n\r\n")
            .await
            .unwrap();
        until_closed(&mut stream).await.0
    });
    common::eventually(
        "the upload in progress",
        Duration::from_secs(10),
        async || common::uploads_in_progress(address).await == Some(1.0),
    )
    .await;
    common::process::send_sigterm(tour.pid());
    common::eventually("the shutdown begun", Duration::from_secs(10), async || {
        tour.log().contains("shutting down")
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        tour.exit_status().is_none(),
        "the first signal waits for the upload"
    );

    let second = WallClock::now();
    common::process::send_sigterm(tour.pid());
    let status = loop {
        if let Some(status) = tour.exit_status() {
            break status;
        }
        assert!(
            second.elapsed() < Duration::from_secs(10),
            "still running after a second SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(status.code(), Some(1));
    let log = tour.log();
    assert!(log.contains("a second signal came"), "{log}");
    assert!(log.contains("requests=1"), "{log}");
    assert_eq!(
        upload.await.unwrap(),
        "",
        "the cut-off upload gets no answer"
    );
}

#[tokio::test]
async fn sigterm_with_only_a_stalled_head_open_exits_at_once_and_cuts_nothing_off() {
    let mut tour =
        Tour::spawn(&["--listen", "127.0.0.1:0", "--upload-seconds", "30..30"].map(String::from));
    let mut stalled = TcpStream::connect(tour.address).await.unwrap();
    stalled.write_all(HALF_A_HEAD).await.unwrap();
    let answer = common::http(tour.address, "GET", "/healthz", &[], b"").await;
    assert_eq!(answer.status, 200);
    let signalled = WallClock::now();
    common::process::send_sigterm(tour.pid());
    let status = loop {
        if let Some(status) = tour.exit_status() {
            break status;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(15),
            "a stalled head held the shutdown (its grace period is 35 s)"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(status.code(), Some(0), "{}", tour.log());
    assert!(!tour.log().contains("cutting off"), "{}", tour.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gauge_set_waits_for_an_inc_between_its_check_and_its_add_so_the_race_never_reaches_infinity(
) {
    let (app, state) = common::app(fast_config());
    // The test plays an `inc?by=1.7e308` that has checked 0 + 1.7e308 and holds the update lock.
    let inc_in_progress = state.one_update_at_a_time();
    let set = tokio::spawn(async move {
        let answer = poem::test::TestClient::new(app)
            .post("/gauge/set?value=1.7e308")
            .send()
            .await;
        answer.assert_status_is_ok();
    });
    // Blocking, so the lock is held on this thread while the server's workers run `set`.
    std::thread::sleep(Duration::from_millis(200));
    let temperature = &state.metrics.temperature;
    assert_eq!(temperature.get(), 0.0, "set landed inside inc's step");
    temperature.add(1.7e308);
    drop(inc_in_progress);
    set.await.unwrap();
    assert_eq!(temperature.get(), 1.7e308, "set came after the step");
}

/// Sends `head` on a fresh connection and reads the answer until the server closes it.
async fn answer_to(server: &TestServer, head: &[u8]) -> String {
    let mut stream = TcpStream::connect(server.address).await.unwrap();
    // The server may refuse and close before the whole of a long head is sent.
    let _ = stream.write_all(head).await;
    until_closed(&mut stream).await.0
}

#[tokio::test]
async fn a_head_hyper_refuses_gets_a_one_line_answer_saying_what_was_wrong() {
    let server = TestServer::start(Config {
        max_header_bytes: 80_000,
        ..fast_config()
    })
    .await;
    let mut many_lines = b"GET / HTTP/1.1\r\nHost: tour\r\n".to_vec();
    for line in 0..101 {
        many_lines.extend_from_slice(format!("X-Line-{line}: 1\r\n").as_bytes());
    }
    many_lines.extend_from_slice(b"\r\n");
    let cookie = format!(
        "GET / HTTP/1.1\r\nHost: tour\r\nCookie: c={}\r\n\r\n",
        "x".repeat(170_000)
    );
    let long_url = format!("GET /{} HTTP/1.1\r\nHost: tour\r\n\r\n", "x".repeat(66_000));
    let cases: [(&[u8], &str, &str); 8] = [
        (&many_lines, "431 Request Header Fields Too Large", "100 header lines"),
        (cookie.as_bytes(), "431 Request Header Fields Too Large", "80000 bytes (--max-header-bytes)"),
        (long_url.as_bytes(), "414 URI Too Long", "URL is over 65534 bytes"),
        (
            b"POST /counter HTTP/1.1\r\nHost: tour\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx",
            "400 Bad Request",
            "Content-Length is given twice",
        ),
        (
            b"POST /counter HTTP/1.1\r\nHost: tour\r\nContent-Length: +1\r\n\r\nx",
            "400 Bad Request",
            "not a plain number of bytes",
        ),
        (b"GET / HTTP/1.1\r\nHost: tour\r\nX-A: 1\r\n folded\r\n\r\n", "400 Bad Request", "obs-fold"),
        (b"GET / HTTP/1.1\r\nHost: tour\rX-A: 1\r\n\r\n", "400 Bad Request", "carriage return"),
        (b"GET /\r\n\r\n", "400 Bad Request", "HTTP/0.9 is not served"),
    ];
    for (head, status, says) in cases {
        let answer = answer_to(&server, head).await;
        let shown = &answer[..answer.len().min(300)];
        let sent = String::from_utf8_lossy(&head[..head.len().min(80)]);
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}\r\n")),
            "{sent:?}: {shown}"
        );
        assert!(
            answer.contains("content-type: text/plain; charset=utf-8\r\n"),
            "{shown}"
        );
        let body = answer.split_once("\r\n\r\n").map_or("", |(_, body)| body);
        assert!(body.contains(says), "{body:?} does not say {says:?}");
        assert_eq!(body.lines().count(), 1, "{body:?}");
        assert!(body.ends_with('\n'), "{body:?}");
    }
    assert_eq!(server.state.metrics.clicks.get(), 0.0);
}

#[tokio::test(start_paused = true)]
async fn a_body_dripping_just_inside_the_body_timeout_is_cut_off_by_the_minimum_rate() {
    let server = TestServer::start(timeouts()).await;
    let (mut reader, mut writer) = TcpStream::connect(server.address)
        .await
        .unwrap()
        .into_split();
    writer
        .write_all(b"POST /file-upload HTTP/1.1\r\nHost: tour\r\nContent-Length: 100\r\n\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let drip = tokio::spawn(async move {
        for _ in 0..100 {
            if writer.write_all(b"x").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_secs(9)).await;
        }
    });
    let mut answer = Vec::new();
    let _ = reader.read_to_end(&mut answer).await;
    let cut = started.elapsed();
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        cut >= Duration::from_secs(10) && cut < Duration::from_secs(20),
        "cut off after {cut:?}, not once the 10 s body timeout had passed"
    );
    assert!(
        answer.starts_with("HTTP/1.1 408 Request Timeout"),
        "{answer}"
    );
    assert!(answer.contains("--min-body-rate"), "{answer}");
    drip.abort();
}

#[tokio::test]
async fn four_addresses_dripping_uploads_cannot_fill_the_server_and_a_fifth_is_served() {
    let defaults = Config::default();
    let max_connections = 40;
    // The defaults' proportion of one address's cap to the ceiling, at a scale a test can open.
    let per_client =
        max_connections * defaults.max_connections_per_client / defaults.max_connections;
    let server = TestServer::start(Config {
        max_connections,
        max_connections_per_client: per_client,
        ..fast_config()
    })
    .await;
    let mut dripping = Vec::new();
    for from in ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"] {
        for _ in 0..max_connections / 4 {
            let mut stream = connect_from(from, server.address).await;
            let _ = stream
                .write_all(
                    b"POST /file-upload HTTP/1.1\r\nHost: tour\r\nContent-Length: 100\r\n\r\nx",
                )
                .await;
            dripping.push(stream);
        }
    }
    let answer = server.request("GET", "/healthz", &[], b"").await;
    assert_eq!(answer.status, 200, "{}", answer.text());
}

/// An HTTP/2 connection (h2c, with prior knowledge) to `server` from `from` that never opens its
/// receive window, so no answer's body can be sent to it; the task ends when the server closes it.
async fn h2_that_reads_nothing(
    from: &str,
    server: SocketAddr,
) -> (
    h2::client::SendRequest<bytes::Bytes>,
    tokio::task::JoinHandle<()>,
) {
    let tcp = connect_from(from, server).await;
    let (client, connection) = h2::client::Builder::new()
        .initial_window_size(0)
        .handshake::<_, bytes::Bytes>(tcp)
        .await
        .unwrap();
    let connection = tokio::spawn(async move {
        let _ = connection.await;
    });
    (client, connection)
}

/// Asks for the anatomy page up to `count` times on `client`, as long as the connection lets a
/// new stream start within a second; the answers whose head came within three seconds, their
/// bodies unread. Dropping one resets its stream (h2 cancels a stream nobody listens to).
async fn anatomy_answers(
    client: &mut h2::client::SendRequest<bytes::Bytes>,
    count: usize,
) -> Vec<hyper::Response<h2::RecvStream>> {
    let mut answers = Vec::new();
    for _ in 0..count {
        let ready = std::future::poll_fn(|cx| client.poll_ready(cx));
        if !matches!(
            tokio::time::timeout(Duration::from_secs(1), ready).await,
            Ok(Ok(()))
        ) {
            break; // h2 holds a stream back while the server's limit of streams is reached
        }
        let request = hyper::Request::get("http://tour/tour/anatomy")
            .body(())
            .unwrap();
        let (response, _) = client.send_request(request, true).unwrap();
        answers.push(tokio::spawn(response));
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut heads = Vec::new();
    for answer in answers {
        if answer.is_finished() {
            if let Ok(Ok(response)) = answer.await {
                heads.push(response);
            }
        } else {
            answer.abort();
        }
    }
    heads
}

/// The statuses of [`anatomy_answers`], whose streams are then reset.
async fn anatomy_heads(
    client: &mut h2::client::SendRequest<bytes::Bytes>,
    count: usize,
) -> Vec<u16> {
    statuses(&anatomy_answers(client, count).await)
}

/// The statuses of `answers`.
fn statuses(answers: &[hyper::Response<h2::RecvStream>]) -> Vec<u16> {
    answers
        .iter()
        .map(|answer| answer.status().as_u16())
        .collect()
}

#[tokio::test]
async fn an_http2_connection_carries_at_most_16_requests_at_once() {
    let server = TestServer::start(fast_config()).await;
    let (mut client, _connection) = h2_that_reads_nothing("127.0.0.2", server.address).await;
    let statuses = anatomy_heads(&mut client, 40).await;
    assert!(
        (1..=16).contains(&statuses.len()),
        "{} answers began on one connection",
        statuses.len()
    );
    assert!(statuses.iter().all(|status| *status == 200), "{statuses:?}");
}

#[tokio::test]
async fn http2_streams_count_against_the_client_budget_until_their_answer_is_sent() {
    let server = TestServer::start(Config {
        max_connections_per_client: 10,
        ..fast_config()
    })
    .await;
    let (mut client, connection) = h2_that_reads_nothing("127.0.0.2", server.address).await;
    let statuses = anatomy_heads(&mut client, 16).await;
    let served = statuses.iter().filter(|status| **status == 200).count();
    let refused = statuses.iter().filter(|status| **status == 429).count();
    // The connection holds one place, each unsent answer another.
    assert_eq!(served, 9, "{statuses:?}");
    assert_eq!(served + refused, statuses.len(), "{statuses:?}");
    // The places come back when the connection ends.
    drop(client);
    connection.abort();
    common::eventually("a place free again", Duration::from_secs(10), async || {
        let (mut client, _connection) = h2_that_reads_nothing("127.0.0.2", server.address).await;
        anatomy_heads(&mut client, 1).await == [200]
    })
    .await;
}

/// What the load script's h2 stall counts: a client that resets the streams it stopped waiting for
/// gets their places back, so over time it may be answered far more often than its budget holds
/// at once, never more at once.
#[tokio::test]
async fn an_http2_stream_its_client_resets_gives_its_place_back() {
    let server = TestServer::start(Config {
        max_connections_per_client: 10,
        ..fast_config()
    })
    .await;
    let (mut client, _connection) = h2_that_reads_nothing("127.0.0.2", server.address).await;
    // The connection holds one place, its nine unsent answers the rest.
    let mut held = anatomy_answers(&mut client, 9).await;
    assert_eq!(statuses(&held), [200; 9]);
    assert_eq!(anatomy_heads(&mut client, 1).await, [429]);
    // Three answers dropped unread: h2 resets their streams, and their places come back.
    held.truncate(6);
    let mut more = Vec::new();
    for _ in 0..5 {
        more.extend(
            anatomy_answers(&mut client, 3 - more.len())
                .await
                .into_iter()
                .filter(|answer| answer.status() == 200),
        );
        if more.len() == 3 {
            break;
        }
    }
    assert_eq!(statuses(&more), [200; 3]);
    assert_eq!(anatomy_heads(&mut client, 1).await, [429]);
}

#[tokio::test(start_paused = true)]
async fn an_http2_answer_that_cannot_be_sent_is_dropped_with_its_connection_by_the_idle_timeout() {
    let server = TestServer::start(timeouts()).await;
    let (mut client, connection) = h2_that_reads_nothing("127.0.0.2", server.address).await;
    let started = Instant::now();
    let statuses = anatomy_heads(&mut client, 16).await;
    assert!(!statuses.is_empty());
    tokio::time::timeout(Duration::from_secs(600), connection)
        .await
        .expect("the server never closed the connection")
        .unwrap();
    let held = started.elapsed();
    assert!(
        held < Duration::from_secs(25),
        "unsent answers held for {held:?}, past the 20 s idle timeout"
    );
}

#[tokio::test(start_paused = true)]
async fn a_body_in_1_byte_chunks_is_refused_once_its_pieces_prove_small() {
    let server = TestServer::start(timeouts()).await;
    let mut stream = TcpStream::connect(server.address).await.unwrap();
    let mut request =
        b"POST /file-upload HTTP/1.1\r\nHost: tour\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..3000 {
        request.extend_from_slice(b"1\r\nx\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let _ = stream.write_all(&request).await;
    let (answer, _) = until_closed(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 400 Bad Request"), "{answer}");
    assert!(
        answer.contains("pieces (chunks) of 16 bytes or more"),
        "{answer}"
    );
    assert_eq!(
        server.state.metrics.file_upload_duration.get_sample_count(),
        0
    );
    // A body in pieces of a sane size is taken.
    let mut stream = TcpStream::connect(server.address).await.unwrap();
    let mut request =
        b"POST /file-upload HTTP/1.1\r\nHost: tour\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            .to_vec();
    for _ in 0..3000 {
        request.extend_from_slice(b"40\r\n");
        request.extend_from_slice(&[b'x'; 64]);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    stream.write_all(&request).await.unwrap();
    let (answer, _) = until_closed(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
}

/// A body refused for its crumbs costs its first pieces and no more: the tour closes the connection
/// instead of reading the rest, so an upload of 64 MiB in 1-byte chunks cannot even be sent.
#[tokio::test]
async fn a_body_refused_for_its_crumbs_is_not_read_to_its_end() {
    let server = TestServer::start(timeouts()).await;
    let mut stream = TcpStream::connect(server.address).await.unwrap();
    stream
        .write_all(
            b"POST /file-upload HTTP/1.1\r\nHost: tour\r\nTransfer-Encoding: chunked\r\n\r\n",
        )
        .await
        .unwrap();
    let crumbs = b"1\r\nx\r\n".repeat(10_000);
    let total = 64 << 20;
    let mut written = 0;
    while written < total && stream.write_all(&crumbs).await.is_ok() {
        written += crumbs.len();
    }
    // The kernel's buffers on both sides take some MiB before the refusal closes the connection.
    assert!(
        written < total / 4,
        "{written} bytes of 1-byte chunks written before the tour closed the connection"
    );
}

/// The tour process's resident memory, in KiB.
fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_taken_by_a_wave_of_http2_clients_is_given_back_after_they_close() {
    let tour = Tour::spawn(&["--listen", "127.0.0.1:0"].map(String::from));
    let idle = resident_kib(tour.pid());
    // 50 connections holding 16 unsent anatomy pages each: within one address's budget of 1000.
    let wave: Vec<_> = (0..50)
        .map(|_| {
            let address = tour.address;
            tokio::spawn(async move {
                let (mut client, connection) = h2_that_reads_nothing("127.0.0.2", address).await;
                let statuses = anatomy_heads(&mut client, 16).await;
                (client, connection, statuses)
            })
        })
        .collect();
    let mut held = Vec::new();
    for connection in wave {
        held.push(connection.await.unwrap());
    }
    let pages: usize = held.iter().map(|(_, _, statuses)| statuses.len()).sum();
    let during = resident_kib(tour.pid());
    let taken = during.saturating_sub(idle);
    assert!(
        taken >= 5 * 1024,
        "the wave took only {taken} KiB ({pages} pages held)"
    );
    for (client, connection, _) in held {
        drop(client);
        connection.abort();
    }
    // glibc keeps what a thread freed for later unless it is trimmed.
    let deadline = WallClock::now() + Duration::from_secs(20);
    let mut after = resident_kib(tour.pid());
    while after > idle + taken / 2 && WallClock::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        after = resident_kib(tour.pid());
    }
    assert!(
        after <= idle + taken / 2,
        "resident memory {after} KiB 20 s after the wave closed: {idle} KiB idle, {during} KiB during"
    );
    common::say(&format!(
        "resident memory: {idle} KiB idle, {during} KiB during the wave, {after} KiB after"
    ));
}
