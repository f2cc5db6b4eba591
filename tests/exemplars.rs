//! Exemplars and `_created` as a learner meets them: the trace id sent with `traceparent` comes
//! back in the answer and sits on its bucket in `/metrics`; the strict OpenMetrics parser of
//! Python's prometheus_client accepts the whole exposition; Prometheus' protobuf request gets protobuf.

mod common;

use std::{io::Write, process::Stdio};

use metrics_tour::exposition::{openmetrics, protobuf};
use poem::http::header;

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
/// What Prometheus 2.42 sends with `--enable-feature=native-histograms`.
const PROMETHEUS_NATIVE_ACCEPT: &str = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

async fn openmetrics_text(client: &poem::test::TestClient<impl poem::Endpoint>) -> String {
    let response = client
        .get("/metrics")
        .header(
            header::ACCEPT,
            "application/openmetrics-text; version=1.0.0",
        )
        .send()
        .await;
    response.assert_content_type(openmetrics::CONTENT_TYPE);
    common::body(response).await
}

#[tokio::test]
async fn a_sent_traceparent_comes_back_and_becomes_its_buckets_exemplar() {
    let (client, _) = common::client();
    let response = client
        .post("/summary?value=0.042")
        .header("traceparent", TRACEPARENT)
        .send()
        .await;
    response.assert_status_is_ok();
    let answered = response
        .0
        .headers()
        .get("traceparent")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(answered.starts_with(&format!("00-{TRACE}-")), "{answered}");
    assert_ne!(answered, TRACEPARENT, "our own span id, in the same trace");

    let text = openmetrics_text(&client).await;
    let line = text
        .lines()
        .find(|line| line.contains(TRACE))
        .unwrap_or_else(|| panic!("no exemplar names {TRACE}:\n{text}"));
    assert!(
        line.starts_with(&format!(
            "tour_response_bucketed_seconds_bucket{{le=\"0.05\"}} 1 # {{trace_id=\"{TRACE}\"}} 0.042 "
        )),
        "{line}"
    );
    assert_eq!(
        text.matches(TRACE).count(),
        1,
        "only the bucket it landed in"
    );
}

#[tokio::test]
async fn without_a_valid_traceparent_the_tour_makes_one_up_and_says_which() {
    let (client, _) = common::client();
    for sent in [
        None,
        Some("00-not-a-trace-01"),
        Some("00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
    ] {
        let mut request = client.post("/counter");
        if let Some(sent) = sent {
            request = request.header("traceparent", sent);
        }
        let response = request.send().await;
        response.assert_status_is_ok();
        let answered = response
            .0
            .headers()
            .get("traceparent")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let trace = answered.split('-').nth(1).unwrap().to_owned();
        assert_eq!(trace.len(), 32, "{answered}");
        assert_ne!(trace, "0".repeat(32));
        let text = openmetrics_text(&client).await;
        assert!(
            text.contains(&format!("# {{trace_id=\"{trace}\"}} 1.0 ")),
            "{text}"
        );
    }
}

#[tokio::test]
async fn the_seeds_upload_answer_is_unchanged_beside_its_traceparent() {
    let (client, _) = common::client();
    let response = client
        .post("/file-upload")
        .header("traceparent", TRACEPARENT)
        .send()
        .await;
    response.assert_status_is_ok();
    assert!(response.0.headers().contains_key("traceparent"));
    let body = common::body(response).await;
    let seconds = body
        .strip_prefix("File upload took ")
        .and_then(|rest| rest.strip_suffix(" seconds!"))
        .unwrap_or_else(|| panic!("{body:?}"));
    assert_eq!(
        seconds.len(),
        4,
        "two decimals, as the seed prints: {body:?}"
    );
    let text = openmetrics_text(&client).await;
    assert!(
        text.lines().any(
            |line| line.starts_with("file_upload_duration_seconds_bucket{le=")
                && line.contains(&format!("# {{trace_id=\"{TRACE}\"}}"))
        ),
        "{text}"
    );
}

#[tokio::test]
async fn no_gauge_ever_carries_an_exemplar() {
    let (client, _) = common::client();
    client
        .post("/gauge/inc")
        .header("traceparent", TRACEPARENT)
        .send()
        .await
        .assert_status_is_ok();
    client.post("/counter").send().await.assert_status_is_ok();
    let text = openmetrics_text(&client).await;
    for line in text.lines().filter(|line| line.contains(" # {")) {
        assert!(
            line.starts_with("tour_clicks_total ") || line.contains("_bucket{"),
            "an exemplar outside a counter or a bucket: {line}"
        );
    }
}

#[tokio::test]
async fn prometheus_asking_for_protobuf_first_gets_delimited_protobuf() {
    let (client, _) = common::client();
    let response = client
        .get("/metrics")
        .header(header::ACCEPT, PROMETHEUS_NATIVE_ACCEPT)
        .send()
        .await;
    response.assert_content_type(protobuf::CONTENT_TYPE);
    let body = response.0.into_body().into_bytes().await.unwrap();
    let families = protobuf::decode_delimited(&body).expect("delimited protobuf");
    let names: Vec<&str> = families
        .iter()
        .filter_map(|family| family.string(1))
        .collect();
    for name in [
        "tour_response_native_seconds",
        "tour_response_seconds",
        "tour_clicks_total",
        "process_cpu_seconds_total",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    // Anyone else, curl's */* included, gets text.
    for accept in [
        "*/*",
        "application/openmetrics-text;q=0.9,application/vnd.google.protobuf;q=0.5",
    ] {
        let response = client
            .get("/metrics")
            .header(header::ACCEPT, accept)
            .send()
            .await;
        let content_type = response
            .0
            .headers()
            .get(header::CONTENT_TYPE)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            !content_type.contains("protobuf"),
            "{accept}: {content_type}"
        );
    }
}

#[tokio::test]
async fn pythons_strict_parser_accepts_the_exemplars_and_created_samples() {
    if !common::require_python_module("prometheus_client") {
        return;
    }
    let (client, _) = common::client();
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    client
        .post("/counter")
        .header("traceparent", TRACEPARENT)
        .send()
        .await
        .assert_status_is_ok();
    client
        .post("/summary?value=7")
        .header("traceparent", TRACEPARENT)
        .send()
        .await
        .assert_status_is_ok();
    client.post("/gauge/inc").send().await.assert_status_is_ok();
    let text = openmetrics_text(&client).await;

    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/parse_openmetrics.py"
    );
    let mut parser = std::process::Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    parser
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = parser.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "prometheus_client refused the exposition: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    let understood = String::from_utf8(output.stdout).unwrap();
    assert!(
        understood.contains(&format!("exemplar counter tour_clicks_total {TRACE} 1.0 ")),
        "{understood}"
    );
    assert!(
        understood.contains(&format!(
            "exemplar histogram tour_response_bucketed_seconds_bucket {TRACE} 7.0 "
        )),
        "{understood}"
    );
    for created in [
        "created counter tour_clicks_created ",
        "created histogram file_upload_duration_seconds_created ",
        "created summary tour_response_seconds_created ",
        "created histogram tour_response_bucketed_seconds_created ",
        "created histogram tour_response_native_seconds_created ",
    ] {
        let line = understood
            .lines()
            .find(|line| line.starts_with(created))
            .unwrap_or_else(|| panic!("{created}: {understood}"));
        let seconds: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
        assert!(
            seconds <= before && seconds > before - 60.0,
            "{line}: created before the test began, by the app"
        );
    }
}

#[tokio::test]
async fn a_restarted_counter_has_no_exemplar_until_its_next_click() {
    let (client, _) = common::client();
    let click = |traceparent: &'static str| {
        let client = &client;
        async move {
            let response = client
                .post("/counter")
                .header("traceparent", traceparent)
                .send()
                .await;
            response.assert_status_is_ok();
        }
    };
    let clicks_line = |text: String| {
        text.lines()
            .find(|line| line.starts_with("tour_clicks_total "))
            .unwrap_or_else(|| panic!("no tour_clicks_total:\n{text}"))
            .to_owned()
    };
    click(TRACEPARENT).await;
    assert!(clicks_line(openmetrics_text(&client).await).contains(TRACE));

    client
        .post("/counter/restart")
        .send()
        .await
        .assert_status_is_ok();
    // A new process has counted nothing and seen no request: no exemplar to show.
    assert_eq!(
        clicks_line(openmetrics_text(&client).await),
        "tour_clicks_total 0.0"
    );

    let after = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    click(after).await;
    let line = clicks_line(openmetrics_text(&client).await);
    assert!(
        line.starts_with(
            "tour_clicks_total 1.0 # {trace_id=\"0af7651916cd43dd8448eb211c80319c\"} 1.0 "
        ) && !line.contains(TRACE),
        "{line}"
    );
}

/// The exemplar exercise in docs/exercises.md sends its value to the classroom's `--traffic` tour,
/// whose steady stream of responses replaces a bucket's exemplar each time it lands there: the
/// value must sit in a bucket that stream does not reach in a day's class.
#[test]
fn the_exercises_exemplar_lands_in_a_bucket_the_traffic_leaves_alone_for_a_day() {
    let command = common::docs::blocks("sh")
        .into_iter()
        .filter(|block| block.place.starts_with("docs/exercises.md"))
        .flat_map(|block| block.text.lines().map(str::to_owned).collect::<Vec<_>>())
        .find(|line| line.contains(TRACEPARENT) && line.contains("/summary?value="))
        .expect("docs/exercises.md sends a response time with a traceparent");
    let value: f64 = command
        .split("/summary?value=")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("no value in {command}"));
    let bucket = |v: f64| prometheus::DEFAULT_BUCKETS.partition_point(|&le| le < v);
    let a_day = (86_400.0 * metrics_tour::traffic::RESPONSES_PER_SECOND) as u64;
    let reached = (1..=a_day)
        .map(metrics_tour::traffic::evenly_drawn_response)
        .find(|&response| bucket(response) == bucket(value));
    assert_eq!(
        reached, None,
        "the traffic lands in the bucket of {value} and replaces its exemplar"
    );
}
