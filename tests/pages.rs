//! The tour's pages over HTTP, without a browser: what they are, what they show, where they post.

mod common;

use common::{body, client, PAGES};
use poem::http::{header, StatusCode};

#[tokio::test]
async fn every_page_is_html_under_a_policy_that_forbids_outside_sources() {
    let (cli, _) = client();
    for &page in PAGES {
        let response = cli
            .get(page)
            .header(header::ACCEPT, "text/html")
            .send()
            .await;
        response.assert_status_is_ok();
        response.assert_content_type("text/html; charset=utf-8");
        response.assert_header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'",
        );
        let html = body(response).await;
        assert!(
            html.starts_with("<!DOCTYPE html><html lang=\"en\">"),
            "{page}"
        );
        // Nothing the policy would block: no outside source, no inline style or script.
        for forbidden in ["src=\"http", "href=\"http", "style=", "<style", "<script>"] {
            assert!(!html.contains(forbidden), "{page} contains {forbidden}");
        }
    }
}

#[tokio::test]
async fn the_stylesheet_and_the_script_are_served_by_the_app() {
    let (cli, _) = client();
    let css = cli.get("/static/tour.css").send().await;
    css.assert_status_is_ok();
    css.assert_content_type("text/css; charset=utf-8");
    let js = cli.get("/static/tour.js").send().await;
    js.assert_status_is_ok();
    js.assert_content_type("text/javascript; charset=utf-8");
    let script = body(js).await;
    assert!(!script.contains("http://") && !script.contains("https://"));
}

#[tokio::test]
async fn a_page_shows_the_same_numbers_as_metrics() {
    let (cli, state) = client();
    state.metrics.clicks.inc_by(3.0);
    state.metrics.temperature.set(-4.25);
    let counter = body(cli.get("/tour/counter").send().await).await;
    assert!(counter.contains(r#"<output id="counter-value" data-live>3</output>"#));
    assert!(counter.contains("tour_clicks_total 3\n"));
    let gauge = body(cli.get("/tour/gauge").send().await).await;
    assert!(gauge.contains(r#"<output id="gauge-value" data-live>-4.25</output>"#));
    let metrics = body(cli.get("/metrics").send().await).await;
    assert!(metrics.contains("tour_clicks_total 3\n"));
    assert!(metrics.contains("tour_temperature_celsius -4.25\n"));
}

#[tokio::test]
async fn every_form_posts_to_a_route_of_the_contract() {
    let (cli, _) = client();
    let routes = [
        "/counter",
        "/counter/restart",
        "/gauge/inc",
        "/gauge/dec",
        "/gauge/set",
        "/file-upload",
        "/summary",
        "/shift/end",
    ];
    for &page in PAGES {
        let html = body(cli.get(page).send().await).await;
        for form in html.split("<form").skip(1) {
            let action = form
                .split("action=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            if form.starts_with(r#" class="query" method="get" action="/tour/promql""#) {
                // The query page's form only reads: a GET, so a query's address can be shared.
                continue;
            }
            if form.starts_with(r#" class="designer" method="get" action=""#) {
                // The bucket designer's forms ask for its page again, changing nothing.
                assert_eq!(action, "/tour/buckets", "{page}");
            } else if form.starts_with(r#" class="answer" method="post" action=""#) {
                // A quiz question's form posts to that question.
                let question = cli.get(action).send().await;
                question.assert_status_is_ok();
            } else {
                assert!(
                    form.starts_with(r#" class="action" method="post" action=""#),
                    "{page}: {form}"
                );
                assert!(routes.contains(&action), "{page} posts to {action}");
            }
        }
    }
}

#[tokio::test]
async fn a_browser_form_with_its_field_in_the_body_comes_back_with_a_303() {
    let (cli, state) = client();
    let response = cli
        .post("/counter")
        .header(header::ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
        .header(header::REFERER, "http://localhost:5000/tour/counter")
        .content_type("application/x-www-form-urlencoded")
        .body("by=5")
        .send()
        .await;
    response.assert_status(StatusCode::SEE_OTHER);
    response.assert_header(header::LOCATION, "/tour/counter");
    assert_eq!(state.metrics.clicks.get(), 5.0);

    let set = cli
        .post("/gauge/set")
        .header(header::ACCEPT, "text/html")
        .content_type("application/x-www-form-urlencoded")
        .body("value=-2.5")
        .send()
        .await;
    set.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(state.metrics.temperature.get(), -2.5);
}

#[tokio::test]
async fn a_negative_step_from_a_form_is_refused_and_changes_nothing() {
    let (cli, state) = client();
    let response = cli
        .post("/counter")
        .content_type("application/x-www-form-urlencoded")
        .body("by=-1")
        .send()
        .await;
    response.assert_status(StatusCode::BAD_REQUEST);
    assert_eq!(state.metrics.clicks.get(), 0.0);
}

#[tokio::test]
async fn the_anatomy_page_annotates_what_prometheus_reads_the_openmetrics_exposition() {
    let (cli, state) = client();
    state.metrics.file_upload_duration.observe(1.5);
    let html = body(cli.get("/tour/anatomy").send().await).await;
    for line in [
        "# TYPE file_upload_duration_seconds histogram",
        "file_upload_duration_seconds_bucket{le=&quot;2.0&quot;} 1",
        "file_upload_duration_seconds_sum 1.5",
        "file_upload_duration_seconds_count 1",
        "# TYPE tour_clicks counter",
        "# EOF",
    ] {
        assert!(
            html.contains(&format!("<dt><code>{line}</code></dt><dd>")),
            "{line}"
        );
    }
}

#[tokio::test]
async fn a_tour_page_answers_get_and_head_only() {
    let (cli, _) = client();
    let response = cli.post("/tour/counter").send().await;
    response.assert_status(StatusCode::METHOD_NOT_ALLOWED);
    response.assert_header(header::ALLOW, "GET, HEAD");
}

#[tokio::test]
async fn the_summary_and_versus_pages_show_the_quantiles_in_metrics() {
    let (cli, _) = client();
    for value in ["0.1", "0.2", "0.4"] {
        cli.post(format!("/summary?value={value}"))
            .send()
            .await
            .assert_status_is_ok();
    }
    let metrics = body(cli.get("/metrics").send().await).await;
    let median = common::sample(&metrics, "tour_response_seconds{quantile=\"0.5\"}").unwrap();
    let shown = format!(
        r#"<th scope="row">0.5</th><td>{}</td>"#,
        metrics_tour::templates::rounded(median)
    );
    let summary = body(cli.get("/tour/summary").send().await).await;
    assert!(summary.contains(&shown), "{shown} not in {summary}");
    let versus = body(cli.get("/tour/versus").send().await).await;
    // The versus page adds each answer's error against the exact value after it.
    let shown_with_error = format!(
        r#"<th scope="row">0.5</th><td>{} ("#,
        metrics_tour::templates::rounded(median)
    );
    assert!(
        versus.contains(&shown_with_error),
        "{shown_with_error} not in {versus}"
    );
    assert!(versus.contains("The same 3 observations"));
}

#[tokio::test]
async fn every_page_that_shows_curl_tells_windows_users_to_type_curl_exe() {
    let (cli, _) = client();
    let mut with_curl = 0;
    for &page in PAGES {
        let html = body(cli.get(page).send().await).await;
        let commands = html.split(r#"<pre class="command">"#).skip(1);
        if commands.clone().any(|command| command.contains("curl ")) {
            with_curl += 1;
            // In Windows PowerShell `curl` is Invoke-WebRequest, which refuses -X POST.
            assert!(
                html.contains("type <code>curl.exe</code>"),
                "{page} shows curl but not curl.exe"
            );
        }
    }
    assert!(with_curl > 0, "no page shows a curl command");
}

#[tokio::test]
async fn every_page_the_navigation_links_to_is_in_the_list_the_page_tests_walk() {
    let (cli, _) = client();
    let html = body(cli.get("/").send().await).await;
    let nav = html
        .split("<nav")
        .nth(1)
        .and_then(|rest| rest.split("</nav>").next())
        .expect("a nav");
    let links: Vec<&str> = nav
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(links.len() > 5, "{links:?}");
    // /metrics is the exposition, not a page of the tour.
    for link in links.into_iter().filter(|link| *link != "/metrics") {
        assert!(
            PAGES.contains(&link),
            "{link} is in the navigation but not in tests/common's PAGES"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_histogram_pages_upload_loop_prints_one_answer_a_line() {
    if common::require_program("curl", "curl").is_none() {
        return;
    }
    let server = common::TestServer::start(common::fast_config()).await;
    let html = server
        .request("GET", "/tour/histogram", &[], b"")
        .await
        .text();
    let shown = html
        .split("<code>$ ")
        .find(|command| command.starts_with("for i in"))
        .and_then(|command| command.split("</code>").next())
        .expect("the page's upload loop")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let loop_run = tokio::task::spawn_blocking(move || {
        std::process::Command::new("bash")
            .args(["-c", &shown])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let out = String::from_utf8_lossy(&loop_run.stdout).into_owned();
    let answers = out
        .lines()
        .filter(|line| line.starts_with("File upload took ") && line.ends_with(" seconds!"))
        .count();
    assert_eq!(answers, 20, "one answer a line:\n{out}");
}
