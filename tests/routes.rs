//! Every route of the contract: the happy path, and every bad input refused with a clear 4xx that
//! changes nothing.

mod common;

use common::{body, client, sample, tour_exposition};
use poem::http::{header, StatusCode};

#[tokio::test]
async fn counter_adds_one_or_by() {
    let (cli, state) = client();
    let first = cli.post("/counter").send().await;
    first.assert_status_is_ok();
    first.assert_text("tour_clicks_total is now 1\n").await;
    cli.post("/counter")
        .query("by", &"2.5")
        .send()
        .await
        .assert_text("tour_clicks_total is now 3.5\n")
        .await;
    assert_eq!(
        sample(&tour_exposition(&state), "tour_clicks_total"),
        Some(3.5)
    );
}

#[tokio::test]
async fn gauge_goes_up_down_and_may_be_set_negative() {
    let (cli, state) = client();
    cli.post("/gauge/inc")
        .query("by", &"10")
        .send()
        .await
        .assert_text("tour_temperature_celsius is now 10\n")
        .await;
    cli.post("/gauge/dec")
        .send()
        .await
        .assert_text("tour_temperature_celsius is now 9\n")
        .await;
    cli.post("/gauge/set")
        .query("value", &"-5")
        .send()
        .await
        .assert_text("tour_temperature_celsius is now -5\n")
        .await;
    assert_eq!(
        sample(&tour_exposition(&state), "tour_temperature_celsius"),
        Some(-5.0)
    );
}

#[tokio::test]
async fn a_browser_form_gets_a_303_back_to_its_page() {
    let (cli, state) = client();
    let answer = cli
        .post("/counter")
        .header(header::ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
        .header(header::REFERER, "http://localhost:5000/tour/counter")
        .send()
        .await;
    answer.assert_status(StatusCode::SEE_OTHER);
    answer.assert_header(header::LOCATION, "/tour/counter");
    assert_eq!(state.metrics.clicks.get(), 1.0);

    let elsewhere = cli
        .post("/gauge/inc")
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, "https://evil.example//phish")
        .send()
        .await;
    elsewhere.assert_status(StatusCode::SEE_OTHER);
    elsewhere.assert_header(header::LOCATION, "/");
}

#[tokio::test]
async fn summary_observes_a_given_or_simulated_response_time() {
    let (cli, state) = client();
    cli.post("/summary")
        .query("value", &"0.25")
        .send()
        .await
        .assert_text("observed 0.25 seconds in tour_response_seconds\n")
        .await;
    let answer = cli.post("/summary").send().await;
    answer.assert_status_is_ok();
    let text = common::body(answer).await;
    let simulated: f64 = text
        .strip_prefix("observed ")
        .and_then(|t| t.split(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(simulated > 0.0, "{text}");

    let exposition = tour_exposition(&state);
    assert_eq!(
        sample(&exposition, "tour_response_seconds_count"),
        Some(2.0)
    );
    assert_eq!(
        sample(&exposition, "tour_response_seconds_sum"),
        Some(0.25 + simulated)
    );
    assert_eq!(
        sample(&exposition, "tour_response_bucketed_seconds_count"),
        Some(2.0)
    );
    let expected_max = 0.25f64.max(simulated);
    let p99 = sample(&exposition, "tour_response_seconds{quantile=\"0.99\"}").unwrap();
    assert!(
        (p99 - expected_max).abs() <= expected_max / 100.0,
        "p99 {p99} vs largest {expected_max}"
    );
    let quantiles: Vec<&str> = exposition
        .lines()
        .filter(|l| l.starts_with("tour_response_seconds{"))
        .collect();
    assert_eq!(quantiles.len(), 3, "{quantiles:?}");
}

#[tokio::test]
async fn a_form_body_is_read_like_the_query_string() {
    let (cli, state) = client();
    let form = |path: &'static str, body: &'static str| {
        cli.post(path)
            .content_type("application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .body(body)
    };
    form("/counter", "by=3")
        .send()
        .await
        .assert_status(StatusCode::SEE_OTHER);
    form("/gauge/set", "value=-7.5")
        .send()
        .await
        .assert_status(StatusCode::SEE_OTHER);
    form("/summary", "value=0.5")
        .send()
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let before = tour_exposition(&state);
    let refused = form("/counter", "by=-1").send().await;
    refused.assert_status(StatusCode::BAD_REQUEST);
    assert_eq!(tour_exposition(&state), before);
    assert_eq!(sample(&before, "tour_clicks_total"), Some(3.0));
    assert_eq!(sample(&before, "tour_temperature_celsius"), Some(-7.5));
    assert_eq!(sample(&before, "tour_response_seconds_sum"), Some(0.5));
}

#[tokio::test]
async fn healthz_answers_ok() {
    let (cli, _) = client();
    let answer = cli.get("/healthz").send().await;
    answer.assert_status_is_ok();
    answer.assert_text("ok").await;
}

#[tokio::test]
async fn metrics_has_the_text_content_type_and_every_tour_family() {
    let (cli, _) = client();
    let answer = cli.get("/metrics").send().await;
    answer.assert_status_is_ok();
    answer.assert_content_type("text/plain; version=0.0.4; charset=utf-8");
    let text = common::body(answer).await;
    for family in [
        "file_upload_duration_seconds histogram",
        "file_uploads_in_progress gauge",
        "tour_clicks_total counter",
        "tour_temperature_celsius gauge",
        "process_cpu_seconds_total counter",
    ] {
        assert!(
            text.contains(&format!("# TYPE {family}\n")),
            "missing {family}"
        );
    }
}

#[tokio::test]
async fn name_filter_keeps_only_the_families_asked_for() {
    let (cli, _) = client();
    cli.post("/counter").send().await.assert_status_is_ok();
    let answer = cli
        .get("/metrics?name[]=tour_clicks_total&name%5B%5D=file_upload_duration_seconds_bucket")
        .send()
        .await;
    let text = common::body(answer).await;
    let families: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .collect();
    assert_eq!(
        families,
        [
            "file_upload_duration_seconds histogram",
            "tour_clicks_total counter"
        ]
    );
}

#[tokio::test]
async fn http_requests_are_labelled_by_route_pattern_never_by_raw_path() {
    let (cli, state) = client();
    for path in ["/no/such/page", "/no/such/other", "/counter/../x"] {
        cli.get(path)
            .send()
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }
    cli.post("/counter").send().await.assert_status_is_ok();
    let text = common::body(cli.get("/metrics").send().await).await;
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="unmatched",status="404"} 3"#),
        "{text}"
    );
    assert!(text.contains(r#"http_requests_total{method="POST",route="/counter",status="200"} 1"#));
    assert!(
        text.contains(r#"http_request_duration_seconds_count{method="POST",route="/counter"} 1"#)
    );
    assert!(
        !text.contains("/no/such"),
        "a raw path became a label value"
    );
    drop(state);
}

/// One bad request: what is sent, the status and message expected.
struct Refused {
    method: &'static str,
    target: &'static str,
    status: StatusCode,
    message: &'static str,
}

const REFUSED: &[Refused] = &[
    Refused { method: "POST", target: "/counter?by=-1", status: StatusCode::BAD_REQUEST, message: "by=-1 is negative; a counter only goes up: to go down, use a gauge (POST /gauge/dec)" },
    Refused { method: "POST", target: "/counter?by=-0.5", status: StatusCode::BAD_REQUEST, message: "by=-0.5 is negative; a counter only goes up: to go down, use a gauge (POST /gauge/dec)" },
    Refused { method: "POST", target: "/counter?by=NaN", status: StatusCode::BAD_REQUEST, message: "by=NaN is not a finite number: NaN and infinities cannot be recorded; send a plain number like by=2.5" },
    Refused { method: "POST", target: "/counter?by=inf", status: StatusCode::BAD_REQUEST, message: "by=inf is not a finite number: NaN and infinities cannot be recorded; send a plain number like by=2.5" },
    Refused { method: "POST", target: "/counter?by=1e400", status: StatusCode::BAD_REQUEST, message: "by=1e400 is not a finite number: NaN and infinities cannot be recorded; send a plain number like by=2.5" },
    Refused { method: "POST", target: "/counter?by=abc", status: StatusCode::BAD_REQUEST, message: "by=abc is not a number; send a plain number like by=2.5" },
    Refused { method: "POST", target: "/counter?by=", status: StatusCode::BAD_REQUEST, message: "by= is not a number; send a plain number like by=2.5" },
    Refused { method: "POST", target: "/gauge/inc?by=-3", status: StatusCode::BAD_REQUEST, message: "by=-3 is negative; to lower the gauge, use POST /gauge/dec with a positive by" },
    Refused { method: "POST", target: "/gauge/dec?by=-3", status: StatusCode::BAD_REQUEST, message: "by=-3 is negative; to raise the gauge, use POST /gauge/inc with a positive by" },
    Refused { method: "POST", target: "/gauge/inc?by=-Infinity", status: StatusCode::BAD_REQUEST, message: "by=-Infinity is not a finite number: NaN and infinities cannot be recorded; send a plain number like by=2.5" },
    Refused { method: "POST", target: "/gauge/dec?by=%4E%61%4E", status: StatusCode::BAD_REQUEST, message: "by=NaN is not a finite number: NaN and infinities cannot be recorded; send a plain number like by=2.5" },
    Refused { method: "POST", target: "/gauge/set?value=NaN", status: StatusCode::BAD_REQUEST, message: "value=NaN is not a finite number: NaN and infinities cannot be recorded; send a plain number like value=2.5" },
    Refused { method: "POST", target: "/gauge/set?value=warm", status: StatusCode::BAD_REQUEST, message: "value=warm is not a number; send a plain number like value=2.5" },
    Refused { method: "POST", target: "/gauge/set", status: StatusCode::BAD_REQUEST, message: "POST /gauge/set needs a value, like /gauge/set?value=21.5" },
    Refused { method: "GET", target: "/counter", status: StatusCode::METHOD_NOT_ALLOWED, message: "this route answers POST only (see Allow); try curl -X POST" },
    Refused { method: "GET", target: "/gauge/inc", status: StatusCode::METHOD_NOT_ALLOWED, message: "this route answers POST only (see Allow); try curl -X POST" },
    Refused { method: "GET", target: "/gauge/set?value=3", status: StatusCode::METHOD_NOT_ALLOWED, message: "this route answers POST only (see Allow); try curl -X POST" },
    Refused { method: "GET", target: "/file-upload", status: StatusCode::METHOD_NOT_ALLOWED, message: "this route answers POST only (see Allow); try curl -X POST" },
    Refused { method: "POST", target: "/metrics", status: StatusCode::METHOD_NOT_ALLOWED, message: "this route answers GET, HEAD only (see Allow); try curl -X GET" },
    Refused { method: "DELETE", target: "/healthz", status: StatusCode::METHOD_NOT_ALLOWED, message: "this route answers GET, HEAD only (see Allow); try curl -X GET" },
    Refused { method: "POST", target: "/summary?value=NaN", status: StatusCode::BAD_REQUEST, message: "value=NaN is not a finite number: NaN and infinities cannot be recorded; send a plain number like value=2.5" },
    Refused { method: "POST", target: "/summary?value=inf", status: StatusCode::BAD_REQUEST, message: "value=inf is not a finite number: NaN and infinities cannot be recorded; send a plain number like value=2.5" },
    Refused { method: "POST", target: "/summary?value=-0.2", status: StatusCode::BAD_REQUEST, message: "value=-0.2 is negative; a response time is 0 seconds or more" },
    Refused { method: "POST", target: "/summary?value=fast", status: StatusCode::BAD_REQUEST, message: "value=fast is not a number; send a plain number like value=2.5" },
    Refused { method: "POST", target: "/gauge/set?value=", status: StatusCode::BAD_REQUEST, message: "value= is not a number; send a plain number like value=2.5" },
    Refused { method: "POST", target: "/counter?by=1,5", status: StatusCode::BAD_REQUEST, message: "by=1,5 is not a number; send a plain number like by=2.5" },
    Refused { method: "GET", target: "/summary", status: StatusCode::METHOD_NOT_ALLOWED, message: "this route answers POST only (see Allow); try curl -X POST" },
    Refused { method: "PUT", target: "/counter?by=2", status: StatusCode::METHOD_NOT_ALLOWED, message: "this route answers POST only (see Allow); try curl -X POST" },
    Refused { method: "POST", target: "/healthz", status: StatusCode::METHOD_NOT_ALLOWED, message: "this route answers GET, HEAD only (see Allow); try curl -X GET" },
    Refused { method: "GET", target: "/nope", status: StatusCode::NOT_FOUND, message: "no such route: the tour starts at /, the metrics are at /metrics" },
    Refused { method: "POST", target: "/counter/", status: StatusCode::NOT_FOUND, message: "no such route: the tour starts at /, the metrics are at /metrics" },
];

#[test]
fn the_bad_input_matrix_covers_every_route_with_at_least_30_cases() {
    assert!(REFUSED.len() >= 30, "{} cases", REFUSED.len());
    for route in [
        "/counter",
        "/gauge/inc",
        "/gauge/dec",
        "/gauge/set",
        "/summary",
        "/file-upload",
        "/metrics",
        "/healthz",
    ] {
        assert!(
            REFUSED
                .iter()
                .any(|case| case.target.split('?').next() == Some(route)),
            "{route} untested"
        );
    }
}

#[tokio::test]
async fn every_bad_input_is_refused_with_its_message_and_changes_nothing() {
    let (cli, state) = client();
    cli.post("/gauge/set")
        .query("value", &"20")
        .send()
        .await
        .assert_status_is_ok();
    let before = tour_exposition(&state);
    for case in REFUSED {
        let method = case.method.parse().unwrap();
        let answer = cli.request(method, case.target).send().await;
        let (status, allow) = (
            answer.0.status(),
            answer.0.headers().get(header::ALLOW).cloned(),
        );
        assert_eq!(status, case.status, "{} {}", case.method, case.target);
        answer.assert_content_type("text/plain; charset=utf-8");
        answer.assert_text(format!("{}\n", case.message)).await;
        if status == StatusCode::METHOD_NOT_ALLOWED {
            let read_only = ["/metrics", "/healthz"]
                .iter()
                .any(|path| case.target.starts_with(path));
            let expected = if read_only { "GET, HEAD" } else { "POST" };
            assert_eq!(
                allow.as_ref().map(|v| v.to_str().unwrap()),
                Some(expected),
                "{}",
                case.target
            );
        }
        assert_eq!(
            tour_exposition(&state),
            before,
            "{} {} changed a metric",
            case.method,
            case.target
        );
    }
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_with_413_and_observes_nothing() {
    let mut config = common::fast_config();
    config.max_upload_bytes = 1000;
    let (app, state) = common::app(config);
    let cli = poem::test::TestClient::new(app);
    let before = tour_exposition(&state);
    let answer = cli.post("/file-upload").body(vec![b'x'; 1001]).send().await;
    answer.assert_status(StatusCode::PAYLOAD_TOO_LARGE);
    answer
        .assert_text("the upload is larger than 1000 bytes, the limit set by --max-upload-bytes\n")
        .await;
    assert_eq!(tour_exposition(&state), before);
}

#[tokio::test]
async fn a_reply_spells_a_huge_value_as_metrics_does_not_in_three_hundred_digits() {
    let (cli, _) = client();
    let reply = body(cli.post("/gauge/inc?by=1e308").send().await).await;
    assert_eq!(reply, "tour_temperature_celsius is now 1e+308\n");
    let reply = body(cli.post("/gauge/set?value=-2.5e-7").send().await).await;
    assert_eq!(reply, "tour_temperature_celsius is now -2.5e-07\n");
    let reply = body(cli.post("/summary?value=1e-7").send().await).await;
    assert_eq!(reply, "observed 1e-07 seconds in tour_response_seconds\n");
}

#[tokio::test]
async fn every_name_selection_in_openmetrics_passes_pythons_strict_parser() {
    if !common::require_python_module("prometheus_client") {
        return;
    }
    let (cli, _) = client();
    for update in ["/counter", "/summary?value=0.3", "/gauge/inc"] {
        cli.post(update).send().await.assert_status_is_ok();
    }
    let openmetrics = |query: String| {
        cli.get(format!("/metrics{query}"))
            .header(
                header::ACCEPT,
                "application/openmetrics-text; version=1.0.0",
            )
            .send()
    };
    let whole = body(openmetrics(String::new()).await).await;
    let mut names: Vec<&str> = whole
        .lines()
        .filter_map(|line| match line.strip_prefix("# TYPE ") {
            Some(declared) => declared.split(' ').next(),
            None if line.starts_with('#') => None,
            None => line.split(['{', ' ']).next(),
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    assert!(names.contains(&"tour_response_bucketed_seconds_created"));
    let mut documents = Vec::new();
    for name in &names {
        documents.push(body(openmetrics(format!("?name[]={name}")).await).await);
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/parse_each_openmetrics.py"
    );
    let mut parser = std::process::Command::new("python3")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        &mut parser.stdin.take().unwrap(),
        documents.join("\0").as_bytes(),
    )
    .unwrap();
    let output = parser.wait_with_output().unwrap();
    let verdicts = String::from_utf8(output.stdout).unwrap();
    let verdicts: Vec<&str> = verdicts.lines().collect();
    assert_eq!(verdicts.len(), names.len(), "{verdicts:?}");
    let refused: Vec<String> = names
        .iter()
        .zip(&verdicts)
        .filter(|(_, verdict)| **verdict != "ok")
        .map(|(name, verdict)| format!("name[]={name}: {verdict}"))
        .collect();
    assert!(refused.is_empty(), "{refused:#?}");
}
