//! The tour in a real browser: headless Chromium driven through WebDriver (`chromedriver`).
//!
//! Needs Debian's `chromium` and `chromium-driver`; without them the test says SKIPPED on the terminal,
//! and under `TOUR_REQUIRE_E2E=1` (as CI sets) it fails. One browser serves the whole walk, which
//! also writes a 1280x800 screenshot of every page under `target/screenshots/` for review.

mod common;

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use common::{eventually, fast_config, http, require_program, TestServer};
use fantoccini::{wd::WebDriverCompatibleCommand, Client, ClientBuilder, Locator};
use poem::http::Method;
use serde_json::{json, Value};

/// Every page of the tour, with the name its screenshot is saved under.
const PAGES: [(&str, &str); 9] = [
    ("index", "/"),
    ("counter", "/tour/counter"),
    ("gauge", "/tour/gauge"),
    ("histogram", "/tour/histogram"),
    ("summary", "/tour/summary"),
    ("versus", "/tour/versus"),
    ("anatomy", "/tour/anatomy"),
    ("labels", "/tour/labels"),
    ("quiz", "/tour/quiz"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_chromium_every_page_loads_cleanly_clicks_count_and_curl_changes_appear_live() {
    let (Some(chromedriver), Some(chromium)) = (
        require_program("chromedriver", "chromium-driver"),
        require_program("chromium", "chromium"),
    ) else {
        return;
    };
    let server = TestServer::start(fast_config()).await;
    let driver = ChromeDriver::start(&chromedriver).await;
    let browser = driver.session(&chromium, Script::On).await;

    clicking_the_counter_button_raises_the_value_shown(&browser, &server).await;
    a_value_changed_by_curl_appears_without_a_reload(&browser, &server).await;
    // Some uploads, so the histogram's page has bars to show in its screenshot.
    let uploads: Vec<_> = (0..4)
        .map(|_| tokio::spawn(http(server.address, "POST", "/file-upload", &[], b"")))
        .collect();
    for upload in uploads {
        assert_eq!(upload.await.unwrap().status, 200);
    }
    // And response times, so the summary and versus pages have quantiles to compare.
    for _ in 0..40 {
        let observed = server.request("POST", "/summary", &[], b"").await;
        assert_eq!(observed.status, 200, "{}", observed.text());
    }
    every_page_loads_with_no_console_error(&browser, &server).await;
    browser.close().await.unwrap();

    let without_script = driver.session(&chromium, Script::Off).await;
    with_javascript_off_a_form_still_counts_through_a_303(&without_script, &server).await;
    with_javascript_off_the_quiz_shows_its_verdict_after_the_303(&without_script, &server).await;
    without_script.close().await.unwrap();
}

async fn with_javascript_off_a_form_still_counts_through_a_303(
    browser: &Client,
    server: &TestServer,
) {
    let before = server.state.metrics.clicks.get();
    browser
        .goto(&format!("{}/tour/counter", server.url()))
        .await
        .unwrap();
    let field = browser.find(Locator::Id("counter-by")).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys("3").await.unwrap();
    let add = browser
        .find(Locator::Css(
            "form[action='/counter'] input[name='by'] ~ button",
        ))
        .await
        .unwrap();
    add.click().await.unwrap();
    // The form posted, the tour answered 303, and the browser loaded the page again.
    let expected = (before + 3.0).to_string();
    wait_for_text(browser, "counter-value", &expected).await;
    assert_eq!(browser.current_url().await.unwrap().path(), "/tour/counter");
    // No script ran: it would have shown the answer under the button instead of reloading.
    let answers = browser
        .find_all(Locator::Css("output.answer"))
        .await
        .unwrap();
    assert!(answers.is_empty(), "the script handled the form");
    assert_eq!(
        text(browser, "live-status").await,
        "These values are as of page load: reload to see new ones."
    );
}

async fn clicking_the_counter_button_raises_the_value_shown(browser: &Client, server: &TestServer) {
    open(browser, server, "/tour/counter").await;
    assert_eq!(text(browser, "counter-value").await, "0");
    let button = browser
        .find(Locator::Css("form[action='/counter'] button"))
        .await
        .unwrap();
    button.click().await.unwrap();
    wait_for_text(browser, "counter-value", "1").await;
    button.click().await.unwrap();
    wait_for_text(browser, "counter-value", "2").await;
    assert_eq!(server.state.metrics.clicks.get(), 2.0);
    assert_no_console_error(browser, "/tour/counter").await;
}

async fn a_value_changed_by_curl_appears_without_a_reload(browser: &Client, server: &TestServer) {
    open(browser, server, "/tour/gauge").await;
    // A mark on this very document: a reload would lose it.
    browser
        .execute("window.notReloaded = true;", vec![])
        .await
        .unwrap();

    // curl -X POST 'http://localhost:5000/gauge/set?value=42'
    let answer = server
        .request("POST", "/gauge/set?value=42", &[], b"")
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    wait_for_text(browser, "gauge-value", "42").await;

    let same_page = browser
        .execute("return window.notReloaded === true;", vec![])
        .await
        .unwrap();
    assert_eq!(same_page, Value::Bool(true), "the page was reloaded");
    assert_no_console_error(browser, "/tour/gauge").await;
}

async fn every_page_loads_with_no_console_error(browser: &Client, server: &TestServer) {
    let folder = screenshot_folder();
    std::fs::create_dir_all(&folder).unwrap();
    for (name, path) in PAGES {
        open(browser, server, path).await;
        let heading = browser.find(Locator::Css("h1")).await.unwrap();
        assert!(
            !heading.text().await.unwrap().is_empty(),
            "{path} has no h1"
        );
        let png = browser.screenshot().await.unwrap();
        std::fs::write(folder.join(format!("{name}.png")), png).unwrap();
        assert_no_console_error(browser, path).await;
    }
    common::say(&format!("screenshots written to {}", folder.display()));
}

/// Chooses `letter` for question `id` on the quiz page and presses Check, with no script to help.
async fn answer_in_the_quiz(browser: &Client, server: &TestServer, id: &str, letter: &str) {
    browser
        .goto(&format!("{}/tour/quiz", server.url()))
        .await
        .unwrap();
    browser
        .find(Locator::Id(&format!("answer-{id}-{letter}")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .find(Locator::Css(&format!("form[action='/quiz/{id}'] button")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn with_javascript_off_the_quiz_shows_its_verdict_after_the_303(
    browser: &Client,
    server: &TestServer,
) {
    for (letter, verdict, score) in [("c", "correct: ", "1 of "), ("a", "not yet: ", "0 of ")] {
        answer_in_the_quiz(browser, server, "rate-range", letter).await;
        // The form posted, the tour answered 303 with the verdict in a cookie, and the browser
        // loaded the quiz again, showing it under the question.
        let what = format!("the verdict {verdict}under the question after choosing {letter}");
        eventually(&what, Duration::from_secs(3), async || {
            let Ok(shown) = browser.find(Locator::Css("#rate-range .verdict")).await else {
                return false;
            };
            shown
                .text()
                .await
                .is_ok_and(|text| text.starts_with(verdict))
        })
        .await;
        assert_eq!(browser.current_url().await.unwrap().path(), "/tour/quiz");
        let kept = text(browser, "quiz-score").await;
        assert!(kept.starts_with(&format!("Your score: {score}")), "{kept}");
    }
}

/// Opens `path` and waits until its script has refreshed the live values once, which proves the
/// stylesheet, the script and the refresh all loaded under the page's policy.
async fn open(browser: &Client, server: &TestServer, path: &str) {
    browser
        .goto(&format!("{}{path}", server.url()))
        .await
        .unwrap();
    browser
        .wait()
        .at_most(Duration::from_secs(5))
        .for_element(Locator::XPath(
            "//p[@id='live-status' and starts-with(normalize-space(.), 'Live:')]",
        ))
        .await
        .unwrap_or_else(|error| panic!("{path} never went live: {error}"));
}

async fn text(browser: &Client, id: &str) -> String {
    try_text(browser, id)
        .await
        .unwrap_or_else(|| panic!("no #{id} on the page"))
}

/// The text of element `id`, or `None` while the page that has it is still loading (after a form's
/// 303, say) or is being replaced.
async fn try_text(browser: &Client, id: &str) -> Option<String> {
    let element = browser.find(Locator::Id(id)).await.ok()?;
    element.text().await.ok()
}

/// Waits, well within the two seconds a live value may take, until element `id` shows `expected`.
async fn wait_for_text(browser: &Client, id: &str, expected: &str) {
    let what = format!("#{id} to show {expected}");
    eventually(&what, Duration::from_secs(3), async || {
        try_text(browser, id).await.as_deref() == Some(expected)
    })
    .await;
}

/// Fails on any console message of level SEVERE (a script error, a blocked resource, a 4xx or 5xx).
async fn assert_no_console_error(browser: &Client, page: &str) {
    let log = browser.issue_cmd(BrowserLog).await.unwrap();
    let errors: Vec<&Value> = log
        .as_array()
        .into_iter()
        .flatten()
        .filter(|entry| entry["level"] == "SEVERE")
        .collect();
    assert!(errors.is_empty(), "console errors on {page}: {errors:#?}");
}

/// Chromedriver's console log since the last read (`POST /session/{id}/se/log`), which W3C
/// WebDriver has no command for.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (Method, Option<String>) {
        (Method::POST, Some(r#"{"type":"browser"}"#.to_owned()))
    }
}

/// Where screenshots go: `$CARGO_TARGET_DIR/screenshots`, or `target/screenshots`.
fn screenshot_folder() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join("screenshots")
}

/// Whether a browser session runs the tour's script.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Script {
    On,
    Off,
}

/// A `chromedriver` on a free port, with a fresh browser profile; both go away on drop.
struct ChromeDriver {
    address: SocketAddr,
    process: Child,
    profile: PathBuf,
}

impl ChromeDriver {
    async fn start(program: &Path) -> ChromeDriver {
        let address = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let profile =
            std::env::temp_dir().join(format!("metrics-tour-chromium-{}", address.port()));
        // Its own process group, so dropping it also ends the browsers it started.
        let process = std::os::unix::process::CommandExt::process_group(
            Command::new(program).arg(format!("--port={}", address.port())),
            0,
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
        let driver = ChromeDriver {
            address,
            process,
            profile,
        };
        eventually(
            "chromedriver to listen",
            Duration::from_secs(10),
            async || tokio::net::TcpStream::connect(address).await.is_ok(),
        )
        .await;
        driver
    }

    /// A headless Chromium session at 1280x800, logging the console, with or without JavaScript.
    async fn session(&self, chromium: &Path, script: Script) -> Client {
        let profile = self.profile.join(format!("{script:?}"));
        let capabilities = json!({
            "browserName": "chrome",
            "goog:loggingPrefs": { "browser": "ALL" },
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1280,800",
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": {
                    "profile.managed_default_content_settings.javascript":
                        if script == Script::On { 1 } else { 2 },
                },
            },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object")
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://{}", self.address))
            .await
            .unwrap();
        // --window-size counts the window's frame; grow it so the page itself is 1280x800.
        let inner = client
            .execute("return [window.innerWidth, window.innerHeight];", vec![])
            .await
            .unwrap();
        let frame =
            |i: usize, want: u32| want + want.saturating_sub(inner[i].as_u64().unwrap() as u32);
        client
            .set_window_size(frame(0, 1280), frame(1, 800))
            .await
            .unwrap();
        client
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let group = format!("-{}", self.process.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.process.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
