//! Bad input that looks almost right: an update that would reach infinity, a body that is not a
//! form, a parameter given twice, a value that would break the message, a redirect off-site, a
//! method not allowed. Each is refused with a one-line 4xx and changes nothing.

mod common;

use common::{client, tour_exposition};
use poem::http::{header, Method, StatusCode};

/// Sends `request` and checks its status, and that its message is one line saying `says`.
async fn refused<E: poem::Endpoint>(
    request: poem::test::TestRequestBuilder<'_, E>,
    status: StatusCode,
    says: &str,
) -> String {
    let answer = request.send().await;
    answer.assert_status(status);
    answer.assert_content_type("text/plain; charset=utf-8");
    let text = common::body(answer).await;
    assert!(text.contains(says), "{text:?} does not say {says:?}");
    assert_eq!(text.lines().count(), 1, "not one line: {text:?}");
    text
}

#[tokio::test]
async fn a_gauge_step_that_would_reach_infinity_is_refused_and_changes_nothing() {
    let (cli, state) = client();
    cli.post("/gauge/dec?by=1e308")
        .send()
        .await
        .assert_status_is_ok();
    let before = tour_exposition(&state);
    let text = refused(
        cli.post("/gauge/dec?by=1e308"),
        StatusCode::BAD_REQUEST,
        "would take tour_temperature_celsius past the largest number",
    )
    .await;
    assert!(text.contains("infinities cannot be recorded"), "{text}");
    assert_eq!(tour_exposition(&state), before);
    assert!(state.metrics.temperature.get().is_finite());
    // A step that stays finite is still taken.
    cli.post("/gauge/inc?by=1e308")
        .send()
        .await
        .assert_status_is_ok();
    assert_eq!(state.metrics.temperature.get(), 0.0);
}

#[tokio::test]
async fn a_step_or_response_time_beyond_what_a_lesson_uses_is_refused_and_changes_nothing() {
    let (cli, state) = client();
    let before = tour_exposition(&state);
    for (target, says) in [
        ("/counter?by=1e17", "send a by from 0 to 1e9"),
        ("/counter?by=1000000001", "send a by from 0 to 1e9"),
        ("/summary?value=1e17", "to 86400 seconds (a day)"),
        ("/summary?value=1.7e308", "to 86400 seconds (a day)"),
        ("/summary?value=86401", "to 86400 seconds (a day)"),
        ("/summary?value=1e-9", "send 0, or from 6e-08"),
    ] {
        let text = refused(cli.post(target), StatusCode::BAD_REQUEST, says).await;
        assert!(text.len() < 200, "{text}");
        assert_eq!(tour_exposition(&state), before, "{target} changed a metric");
    }
    for target in [
        "/counter?by=1e9",
        "/summary?value=86400",
        "/summary?value=0",
    ] {
        cli.post(target).send().await.assert_status_is_ok();
    }
    assert_eq!(state.metrics.clicks.get(), 1e9);
    assert_eq!(state.metrics.response.count(), 2);
}

#[tokio::test]
async fn an_update_absorbed_by_a_far_larger_value_is_refused_not_answered_as_applied() {
    let (cli, state) = client();
    cli.post("/gauge/set?value=1e17")
        .send()
        .await
        .assert_status_is_ok();
    // Larger values than the routes take, reached as a long-running process could reach them.
    state.metrics.clicks.inc_by(1e17);
    state.metrics.response.observe(1e17);
    state.metrics.response_histogram.observe(1e17);
    let before = tour_exposition(&state);
    for (target, name) in [
        ("/gauge/inc", "tour_temperature_celsius"),
        ("/gauge/dec?by=3", "tour_temperature_celsius"),
        ("/counter", "tour_clicks_total"),
        ("/summary?value=0.5", "tour_response_seconds_sum"),
    ] {
        let text = refused(
            cli.post(target),
            StatusCode::BAD_REQUEST,
            &format!("is too small to move {name} from 1e+17"),
        )
        .await;
        assert!(text.contains("it was not applied"), "{text}");
        assert_eq!(tour_exposition(&state), before, "{target} changed a metric");
    }
    // A step the value can show is taken.
    cli.post("/gauge/inc?by=1000")
        .send()
        .await
        .assert_status_is_ok();
    assert_eq!(state.metrics.temperature.get(), 1e17 + 1000.0);
}

#[tokio::test]
async fn a_body_that_is_not_a_form_is_refused_with_415_naming_what_is_accepted() {
    let (cli, state) = client();
    let before = tour_exposition(&state);
    for (content_type, body) in [
        ("application/json", r#"{"by": 5}"#),
        ("text/plain", "by=5"),
        (
            "multipart/form-data; boundary=x",
            "--x\r\nContent-Disposition: form-data; name=\"by\"\r\n\r\n5\r\n--x--\r\n",
        ),
    ] {
        for route in ["/counter", "/gauge/inc", "/gauge/set", "/summary"] {
            let text = refused(
                cli.post(route).content_type(content_type).body(body),
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "application/x-www-form-urlencoded",
            )
            .await;
            let media_type = content_type.split(';').next().unwrap();
            assert!(text.contains(media_type), "{text}");
        }
    }
    refused(
        cli.post("/counter").body("by=5"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "a body without a Content-Type",
    )
    .await;
    assert_eq!(tour_exposition(&state), before);
}

#[tokio::test]
async fn a_form_is_recognised_whatever_the_case_of_its_media_type_and_with_parameters() {
    let (cli, state) = client();
    for content_type in [
        "Application/X-WWW-Form-Urlencoded",
        "application/x-www-form-urlencoded; charset=UTF-8",
    ] {
        cli.post("/gauge/dec")
            .content_type(content_type)
            .body("by=7")
            .send()
            .await
            .assert_status_is_ok();
    }
    assert_eq!(state.metrics.temperature.get(), -14.0);
    // An empty body is no body, whatever its type says.
    cli.post("/counter")
        .content_type("application/json")
        .send()
        .await
        .assert_status_is_ok();
    assert_eq!(state.metrics.clicks.get(), 1.0);
}

#[tokio::test]
async fn the_file_upload_still_takes_a_body_of_any_type() {
    let (cli, state) = client();
    for content_type in [
        "image/jpeg",
        "multipart/form-data; boundary=x",
        "application/json",
    ] {
        cli.post("/file-upload")
            .content_type(content_type)
            .body(vec![7u8; 3000])
            .send()
            .await
            .assert_status_is_ok();
    }
    assert_eq!(state.metrics.file_upload_duration.get_sample_count(), 3);
}

#[tokio::test]
async fn a_parameter_given_twice_is_refused_even_when_the_copies_agree() {
    let (cli, state) = client();
    let before = tour_exposition(&state);
    for request in [
        cli.post("/counter?by=1&by=-1"),
        cli.post("/counter?by=2&by=2"),
        cli.post("/gauge/set?value=1")
            .content_type("application/x-www-form-urlencoded")
            .body("value=2"),
        cli.post("/summary")
            .content_type("application/x-www-form-urlencoded")
            .body("value=0.1&value=0.2"),
    ] {
        refused(request, StatusCode::BAD_REQUEST, "is given twice").await;
    }
    assert_eq!(tour_exposition(&state), before);
}

#[tokio::test]
async fn a_refusal_quotes_the_value_escaped_and_cut_short_on_one_line() {
    let (cli, _) = client();
    let text = refused(
        cli.post("/counter?by=1%0A2"),
        StatusCode::BAD_REQUEST,
        r"by=1\n2 is not a number",
    )
    .await;
    assert!(!text.contains("1\n2"), "{text:?}");
    let text = refused(
        cli.post("/gauge/set?value=%1B%5B31mred%07"),
        StatusCode::BAD_REQUEST,
        r"value=\u{1b}[31mred\u{7} is not a number",
    )
    .await;
    assert!(!text.contains('\u{1b}'), "{text:?}");
    let long = "9x".repeat(15_000);
    let text = refused(
        cli.post(format!("/summary?value={long}")),
        StatusCode::BAD_REQUEST,
        "is not a number",
    )
    .await;
    assert!(text.len() < 200, "{} bytes: {text}", text.len());
    assert!(
        text.contains(&format!("value={}...", &long[..40])),
        "{text}"
    );
    let text = refused(
        cli.post(format!(
            "/counter?{}=1&{}=2",
            "k%0D%0A".repeat(100),
            "k%0D%0A".repeat(100)
        )),
        StatusCode::BAD_REQUEST,
        "is given twice",
    )
    .await;
    assert!(text.len() < 300, "{} bytes: {text}", text.len());
}

#[tokio::test]
async fn a_redirect_goes_only_to_a_path_on_this_server() {
    let (cli, _) = client();
    for (referer, location) in [
        ("http://localhost:5000/tour/gauge?x=1", "/tour/gauge?x=1"),
        ("/tour/counter", "/tour/counter"),
        ("/\\evil.example/x", "/"),
        ("http://localhost:5000/\\evil.example/x", "/"),
        ("//evil.example/x", "/"),
        ("https://evil.example//phish", "/"),
        ("javascript:alert(1)", "/"),
        ("evil.example/x", "/"),
    ] {
        let answer = cli
            .post("/counter")
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, referer)
            .send()
            .await;
        answer.assert_status(StatusCode::SEE_OTHER);
        answer.assert_header(header::LOCATION, location);
    }
}

#[tokio::test]
async fn a_get_route_says_it_also_answers_head() {
    let (cli, _) = client();
    for route in ["/metrics", "/healthz", "/", "/tour/counter"] {
        let answer = cli.request(Method::POST, route).send().await;
        answer.assert_status(StatusCode::METHOD_NOT_ALLOWED);
        answer.assert_header(header::ALLOW, "GET, HEAD");
        cli.request(Method::HEAD, route)
            .send()
            .await
            .assert_status_is_ok();
    }
    let answer = cli.get("/counter").send().await;
    answer.assert_header(header::ALLOW, "POST");
}
