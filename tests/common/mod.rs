//! The one helper every test file shares: build the app, start a real server, speak HTTP (with
//! hyper's client), skip loudly.
#![allow(dead_code)] // each test file uses its own part of this helper

pub mod docs;
pub mod process;
pub mod prometheus;

use std::{io::Write, net::SocketAddr, time::Duration};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use metrics_tour::{config::Config, state::AppState};
use poem::{test::TestClient, Endpoint, Response};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

/// Every page of the browser tour: the pages tests, the screens and the accessibility check all
/// walk this list, so a new page is added here once.
pub const PAGES: &[&str] = &[
    "/",
    "/tour/counter",
    "/tour/gauge",
    "/tour/histogram",
    "/tour/summary",
    "/tour/versus",
    "/tour/native-histogram",
    "/tour/exemplars",
    "/tour/anatomy",
    "/tour/labels",
    "/tour/buckets",
    "/tour/promql",
    "/tour/staleness",
    "/tour/quiz",
];

/// A configuration whose uploads take 1 to 2 seconds, so paused-clock tests stay short.
pub fn fast_config() -> Config {
    Config {
        upload_seconds: "1..2".parse().unwrap(),
        ..Config::default()
    }
}

/// The app and its state, for tests that call it without a socket.
pub fn app(config: Config) -> (impl Endpoint<Output = Response>, AppState) {
    let state = AppState::new(config);
    (metrics_tour::app(state.clone()), state)
}

/// A `TestClient` over a fresh app with [`fast_config`].
pub fn client() -> (TestClient<impl Endpoint<Output = Response>>, AppState) {
    let (app, state) = app(fast_config());
    (TestClient::new(app), state)
}

/// The whole body of a `TestClient` answer, as text.
pub async fn body(response: poem::test::TestResponse) -> String {
    response.0.into_body().into_string().await.unwrap()
}

/// The exposition, without the lines that change on every request (`http_*`, `process_*`).
pub fn tour_exposition(state: &AppState) -> String {
    let families = state.metrics.registry.gather();
    let mut text = String::new();
    for family in families {
        let name = family.name();
        if name.starts_with("http_") || name.starts_with("process_") {
            continue;
        }
        text.push_str(&metrics_tour::exposition::text::encode(&[family]));
    }
    text
}

/// A tour served on a free loopback port, stopped when dropped or by [`TestServer::stop`].
pub struct TestServer {
    pub address: SocketAddr,
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    pub task: JoinHandle<std::io::Result<metrics_tour::server::Stopped>>,
}

impl TestServer {
    /// Binds `127.0.0.1:0`, serves the tour there on the current runtime, and returns once it answers.
    pub async fn start(config: Config) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let state = AppState::new(config);
        let (shutdown, stopped) = oneshot::channel();
        let shutdown_begins = async {
            let _ = stopped.await;
        };
        let task = tokio::spawn(metrics_tour::serve(
            listener,
            state.clone(),
            shutdown_begins,
            std::future::pending(),
        ));
        let server = TestServer {
            address,
            state,
            shutdown: Some(shutdown),
            task,
        };
        // Once it answers, `serve` has started the tasks it runs beside the server (the history
        // sampler, the traffic), so a test that counts tasks counts from there.
        let ready = server.request("GET", "/healthz", &[], b"").await;
        assert_eq!(ready.status, 200, "the test server answers /healthz");
        server
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Sends one request and reads the whole answer.
    pub async fn request(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> HttpAnswer {
        http(self.address, method, target, headers, body).await
    }

    /// Begins a graceful shutdown and waits for the server to return.
    pub async fn stop(mut self) -> std::io::Result<metrics_tour::server::Stopped> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        (&mut self.task).await.unwrap()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// An HTTP/1.1 answer as a client sees it.
#[derive(Debug)]
pub struct HttpAnswer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpAnswer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends one request with hyper's client over a fresh connection (closed after the answer, so no
/// connection task outlives the call), and reads the whole answer.
pub async fn http(
    address: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> HttpAnswer {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut request = hyper::Request::builder()
        .method(method)
        .uri(format!("http://{address}{target}"))
        .header(hyper::header::CONNECTION, "close");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(Full::new(Bytes::copy_from_slice(body)))
        .expect("a valid request");
    let response = client.request(request).await.expect("an HTTP answer");
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_owned(), value)
        })
        .collect();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("the whole body")
        .to_bytes()
        .to_vec();
    HttpAnswer {
        status,
        headers,
        body,
    }
}

/// Finds an outside program a test needs. When it is absent the test says so on the terminal and
/// returns `None`; with `TOUR_REQUIRE_E2E=1` (as CI sets) it fails instead.
pub fn require_program(program: &str, package: &str) -> Option<std::path::PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|path| path.is_file())
    });
    if found.is_none() {
        missing(&format!("{program} not found (Debian package {package})"));
    }
    found
}

/// Finds a file a test needs that is installed rather than committed (axe-core from npm, say),
/// skipping loudly or failing as [`require_program`] does; `install` says how to get it.
pub fn require_file(path: &std::path::Path, install: &str) -> Option<std::path::PathBuf> {
    if path.is_file() {
        return Some(path.to_owned());
    }
    missing(&format!("{} not found ({install})", path.display()));
    None
}

/// Says on the terminal that a test is skipped for want of `what`, or fails under
/// `TOUR_REQUIRE_E2E=1`: no test passes by skipping silently.
pub fn missing(what: &str) {
    if std::env::var("TOUR_REQUIRE_E2E").as_deref() == Ok("1") {
        panic!("{what}, and TOUR_REQUIRE_E2E=1 requires it");
    }
    let test = std::thread::current().name().unwrap_or("test").to_owned();
    say(&format!("SKIPPED {test}: {what}"));
}

/// True when python3 can import `module`; says so and returns false when not (fails with
/// `TOUR_REQUIRE_E2E=1`), as `require_program` does for programs.
pub fn require_python_module(module: &str) -> bool {
    if require_program("python3", "python3").is_none() {
        return false;
    }
    let found = std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .status()
        .is_ok_and(|status| status.success());
    if !found {
        let message = format!("python3 module {module} not found (pip install {module})");
        if std::env::var("TOUR_REQUIRE_E2E").as_deref() == Ok("1") {
            panic!("{message}, and TOUR_REQUIRE_E2E=1 requires it");
        }
        say(&format!("SKIPPED: {message}"));
    }
    found
}

/// Writes a line straight to stderr, past the test harness's capture, so that a skip or a
/// screenshot's folder is seen even when the test passes.
pub fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Reads one sample's value from an exposition, `None` when the line is absent; an OpenMetrics
/// exemplar after the value (` # {trace_id="..."} ...`) is not part of it.
pub fn sample(exposition: &str, series: &str) -> Option<f64> {
    exposition.lines().find_map(|line| {
        let line = line
            .split_once(" # ")
            .map_or(line, |(sample, _exemplar)| sample);
        let (name, value) = line.rsplit_once(' ')?;
        (name == series).then(|| value.parse().ok()).flatten()
    })
}

/// Waits until `condition` holds, polling; panics with `what` after `limit`.
pub async fn eventually(what: &str, limit: Duration, mut condition: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + limit;
    while !condition().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `file_uploads_in_progress` as a served tour's `/metrics` reads now.
pub async fn uploads_in_progress(address: SocketAddr) -> Option<f64> {
    let text = http(
        address,
        "GET",
        "/metrics?name[]=file_uploads_in_progress",
        &[],
        b"",
    )
    .await
    .text();
    sample(&text, "file_uploads_in_progress")
}

/// HTML text as a reader sees it: the few entities the views escape, turned back.
pub fn unescape(html: &str) -> String {
    html.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}
