//! The tour in a real browser: headless Chromium driven through WebDriver (`chromedriver`).
//!
//! Needs Debian's `chromium` and `chromium-driver`, and for the accessibility check axe-core from npm
//! (`npm ci --prefix tests/axe`); without them a test says SKIPPED on the terminal, and under
//! `TOUR_REQUIRE_E2E=1` (as CI sets) it fails. Every page is walked on a phone, a laptop and a
//! projector, and a full-page screenshot of each is written under `target/screenshots/` for people
//! to look at.

mod common;

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use common::{eventually, fast_config, http, require_file, require_program, TestServer, PAGES};
use fantoccini::{wd::WebDriverCompatibleCommand, Client, ClientBuilder, Locator};
use poem::http::Method;
use serde_json::{json, Value};

/// A screen the tour is used on, as the page sees it (the viewport, not the window around it).
#[derive(Debug, Clone, Copy)]
struct Screen {
    name: &'static str,
    width: u32,
    height: u32,
}

/// A phone in a learner's hand, a laptop, and the classroom's projector.
const SCREENS: [Screen; 3] = [
    Screen {
        name: "phone",
        width: 390,
        height: 844,
    },
    Screen {
        name: "laptop",
        width: 1280,
        height: 800,
    },
    Screen {
        name: "projector",
        width: 1920,
        height: 1080,
    },
];

/// The smallest text a projected page may use, in CSS pixels, to be read from the back of a room.
const PROJECTOR_TEXT_PX: f64 = 20.0;

/// The content's width on the projector must pass the 1440 px the tour once stopped at.
const PROJECTOR_CONTENT_PX: f64 = 1440.0;

/// Two cores are shared: one browser at a time keeps each test's waits for live values honest.
static ONE_BROWSER_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_chromium_clicks_count_curl_changes_appear_live_and_forms_work_without_javascript() {
    let (Some(chromedriver), Some(chromium)) = (
        require_program("chromedriver", "chromium-driver"),
        require_program("chromium", "chromium"),
    ) else {
        return;
    };
    let _turn = ONE_BROWSER_AT_A_TIME.lock().await;
    let server = TestServer::start(fast_config()).await;
    let driver = ChromeDriver::start(&chromedriver).await;
    let browser = driver.session(&chromium, Script::On).await;
    clicking_the_counter_button_raises_the_value_shown(&browser, &server).await;
    a_value_changed_by_curl_appears_without_a_reload(&browser, &server).await;
    browser.close().await.unwrap();

    let without_script = driver.session(&chromium, Script::Off).await;
    with_javascript_off_a_form_still_counts_through_a_303(&without_script, &server).await;
    with_javascript_off_the_quiz_shows_its_verdict_after_the_303(&without_script, &server).await;
    with_javascript_off_the_anatomys_http_lines_unfold_on_a_click(&without_script, &server).await;
    without_script.close().await.unwrap();
}

async fn with_javascript_off_the_anatomys_http_lines_unfold_on_a_click(
    browser: &Client,
    server: &TestServer,
) {
    browser
        .goto(&format!("{}/tour/anatomy", server.url()))
        .await
        .unwrap();
    let own = browser
        .find(Locator::Css("#anatomy-lines dt"))
        .await
        .unwrap();
    assert!(
        own.is_displayed().await.unwrap(),
        "the tour's lines are hidden"
    );
    let http = browser
        .find(Locator::Css("#anatomy-http-lines dt"))
        .await
        .unwrap();
    assert!(!http.is_displayed().await.unwrap(), "http_* is not folded");
    let fold = browser
        .find(Locator::XPath("//summary[code='http_*']"))
        .await
        .unwrap();
    fold.click().await.unwrap();
    assert!(http.is_displayed().await.unwrap(), "http_* did not unfold");
}

/// One walk over every page at every size: the page fits, reads large on a projector, leaves a
/// screenshot, and axe-core finds nothing on it (one load a page and size serves all four).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_a_phone_reads_large_on_a_projector_and_passes_axe_core_at_every_size() {
    let axe =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/axe/node_modules/axe-core/axe.min.js");
    let (Some(chromedriver), Some(chromium), Some(axe)) = (
        require_program("chromedriver", "chromium-driver"),
        require_program("chromium", "chromium"),
        require_file(&axe, "axe-core from npm: npm ci --prefix tests/axe"),
    ) else {
        return;
    };
    let axe = std::fs::read_to_string(axe).unwrap();
    let _turn = ONE_BROWSER_AT_A_TIME.lock().await;
    let server = TestServer::start(fast_config()).await;
    give_every_page_something_to_show(&server).await;
    let driver = ChromeDriver::start(&chromedriver).await;
    let browser = driver.session(&chromium, Script::On).await;
    let folder = screenshot_folder();
    std::fs::create_dir_all(&folder).unwrap();

    let mut problems = Vec::new();
    let mut heights = String::from("page heights (px):");
    for screen in SCREENS {
        set_viewport(&browser, screen.width, screen.height).await;
        for &path in PAGES {
            open(&browser, &server, path).await;
            let heading = browser.find(Locator::Css("h1")).await.unwrap();
            assert!(
                !heading.text().await.unwrap().is_empty(),
                "{path} has no h1"
            );
            let page = measure(&browser).await;
            let at = format!("{path} at {}x{}", screen.width, screen.height);
            heights.push_str(&format!("\n  {at}: {}", page.height));
            if page.scroll_width > page.client_width {
                problems.push(format!(
                    "{at} scrolls sideways: {} px of content in {} px; sticking out: {:?}",
                    page.scroll_width, page.client_width, page.sticking_out
                ));
            }
            if screen.width >= 1920 {
                if page.body_text_px < PROJECTOR_TEXT_PX {
                    problems.push(format!("{at}: body text is {} px", page.body_text_px));
                }
                if page.smallest_text.0 < PROJECTOR_TEXT_PX {
                    problems.push(format!(
                        "{at}: text of {} px in {}",
                        page.smallest_text.0, page.smallest_text.1
                    ));
                }
                if page.content_width <= PROJECTOR_CONTENT_PX {
                    problems.push(format!(
                        "{at}: the content is only {} px wide",
                        page.content_width
                    ));
                }
            }
            let name = screenshot_name(path, screen);
            let png = full_page_screenshot(&browser, screen, page.height).await;
            std::fs::write(folder.join(name), png).unwrap();
            assert_no_console_error(&browser, path).await;
            // Last, as axe-core is injected into the page it reads.
            for found in run_axe(&browser, &axe).await {
                problems.push(format!("{at}: axe-core found {found}"));
            }
        }
    }
    common::say(&heights);
    common::say(&format!("screenshots written to {}", folder.display()));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Injects axe-core into the page as a WebDriver script (which the page's Content-Security-Policy
/// does not govern) and runs it on the whole document; one line per violation found.
async fn run_axe(browser: &Client, axe: &str) -> Vec<String> {
    browser.execute(axe, vec![]).await.unwrap();
    let found = browser
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ["violations"] }).then(
                (results) => done(results.violations.map((v) =>
                    `${v.id} (${v.impact}): ${v.help}, at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)),
                (error) => done([`axe-core failed: ${error}`]));"#,
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(found).unwrap()
}

/// Uploads, response times and an ended shift, so the histogram, summary, versus, anatomy and
/// staleness pages show full tables and charts, their widest.
async fn give_every_page_something_to_show(server: &TestServer) {
    let uploads: Vec<_> = (0..4)
        .map(|_| tokio::spawn(http(server.address, "POST", "/file-upload", &[], b"")))
        .collect();
    for upload in uploads {
        assert_eq!(upload.await.unwrap().status, 200);
    }
    for _ in 0..40 {
        let observed = server.request("POST", "/summary", &[], b"").await;
        assert_eq!(observed.status, 200, "{}", observed.text());
    }
    // A shift that ended, so the staleness page shows its last value and when it stopped.
    let handover = server.request("POST", "/shift/end", &[], b"").await;
    assert_eq!(handover.status, 200, "{}", handover.text());
}

/// What the screens test reads from a page, all in CSS pixels.
#[derive(Debug)]
struct Measure {
    /// The document's width, and the width of the viewport that shows it.
    scroll_width: f64,
    client_width: f64,
    height: f64,
    content_width: f64,
    body_text_px: f64,
    /// The smallest font any visible text is set in, and where.
    smallest_text: (f64, String),
    /// The outermost elements that reach past the viewport's right edge.
    sticking_out: Vec<String>,
}

async fn measure(browser: &Client) -> Measure {
    let page = browser
        .execute(
            r##"const root = document.documentElement;
            const edge = root.clientWidth;
            const describe = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
                + (e.classList.length ? "." + [...e.classList].join(".") : "");
            const all = [...document.body.querySelectorAll("*")];
            const right = (e) => e.getBoundingClientRect().right;
            const sticking_out = all
                .filter((e) => right(e) > edge + 0.5 && right(e.parentElement) <= edge + 0.5)
                .map(describe);
            const holds_text = (e) => !e.closest("svg") && e.getClientRects().length > 0
                && [...e.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
            const px = (e) => parseFloat(getComputedStyle(e).fontSize);
            const smallest = all.filter(holds_text)
                .reduce((least, e) => px(e) < least[0] ? [px(e), describe(e)] : least, [Infinity, "nothing"]);
            return {
                scroll_width: root.scrollWidth,
                client_width: edge,
                height: root.scrollHeight,
                content_width: document.querySelector("main").getBoundingClientRect().width,
                body_text_px: px(document.body),
                smallest_text: smallest,
                sticking_out: sticking_out.slice(0, 8),
            };"##,
            vec![],
        )
        .await
        .unwrap();
    let px = |key: &str| page[key].as_f64().unwrap();
    Measure {
        scroll_width: px("scroll_width"),
        client_width: px("client_width"),
        height: px("height"),
        content_width: px("content_width"),
        body_text_px: px("body_text_px"),
        smallest_text: (
            page["smallest_text"][0].as_f64().unwrap_or(f64::INFINITY),
            page["smallest_text"][1]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        ),
        sticking_out: page["sticking_out"]
            .as_array()
            .unwrap()
            .iter()
            .map(|element| element.as_str().unwrap_or_default().to_owned())
            .collect(),
    }
}

/// Sizes the window so that the page's own viewport (`innerWidth` x `innerHeight`) is exactly
/// `width` x `height`: `--window-size` and WebDriver's window size both count the window's frame.
async fn set_viewport(browser: &Client, width: u32, height: u32) {
    for _ in 0..3 {
        let inner = browser
            .execute("return [window.innerWidth, window.innerHeight];", vec![])
            .await
            .unwrap();
        let (inner_width, inner_height) = (inner[0].as_i64().unwrap(), inner[1].as_i64().unwrap());
        if (inner_width, inner_height) == (width.into(), height.into()) {
            return;
        }
        let (outer_width, outer_height) = browser.get_window_size().await.unwrap();
        let frame = |outer: u64, inner: i64, want: u32| {
            u32::try_from(outer as i64 - inner + i64::from(want)).unwrap()
        };
        browser
            .set_window_size(
                frame(outer_width, inner_width, width),
                frame(outer_height, inner_height, height),
            )
            .await
            .unwrap();
    }
    panic!("the browser would not show a {width}x{height} viewport");
}

/// The whole page, top to bottom, as it is laid out at `screen`'s width: the window is made as tall
/// as the page for the picture, then set back.
async fn full_page_screenshot(browser: &Client, screen: Screen, height: f64) -> Vec<u8> {
    // Chromium draws at most 16384 pixels in one picture.
    let tall = (height.ceil() as u32).clamp(screen.height, 16384);
    set_viewport(browser, screen.width, tall).await;
    let png = browser.screenshot().await.unwrap();
    set_viewport(browser, screen.width, screen.height).await;
    png
}

/// `index-phone-390x844.png`, `anatomy-projector-1920x1080.png`, ...
fn screenshot_name(path: &str, screen: Screen) -> String {
    let page = match path.rsplit('/').next() {
        Some("") | None => "index",
        Some(last) => last,
    };
    format!(
        "{page}-{}-{}x{}.png",
        screen.name, screen.width, screen.height
    )
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
/// stylesheet, the script and the refresh all loaded under the page's policy. A page with nothing
/// live (the PromQL page) must keep saying its values are as of page load.
async fn open(browser: &Client, server: &TestServer, path: &str) {
    browser
        .goto(&format!("{}{path}", server.url()))
        .await
        .unwrap();
    if browser.find(Locator::Css("[data-live]")).await.is_err() {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let status = text(browser, "live-status").await;
        assert!(
            status.starts_with("These values are as of page load"),
            "{path}: {status}"
        );
        return;
    }
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

    /// A headless Chromium session with a 1280x800 viewport, logging the console, with or without JavaScript.
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
        set_viewport(&client, 1280, 800).await;
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
