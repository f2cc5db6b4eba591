//! The native histogram, exemplar and versus pages show what `/metrics` carries: the spans and
//! deltas Prometheus would receive, each bucket's latest trace id, and three quantile answers
//! beside the exact one.

mod common;

use metrics_tour::exposition::protobuf::{self, WireNative};
use metrics_tour::native_histogram::index::upper_edge;
use poem::http::header;

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

async fn page(client: &poem::test::TestClient<impl poem::Endpoint>, path: &str) -> String {
    let response = client.get(path).send().await;
    response.assert_status_is_ok();
    common::body(response).await
}

#[tokio::test]
async fn the_native_page_shows_the_spans_and_deltas_that_protobuf_carries() {
    let (client, _) = common::client();
    for value in [0.001, 0.1, 0.1, 0.105, 0.2, 3.0, 0.0] {
        client
            .post(format!("/summary?value={value}"))
            .send()
            .await
            .assert_status_is_ok();
    }
    let scrape = client
        .get("/metrics")
        .header(header::ACCEPT, protobuf::CONTENT_TYPE)
        .send()
        .await;
    let body = scrape.0.into_body().into_bytes().await.unwrap();
    let families = protobuf::decode_delimited(&body).unwrap();
    let family = families
        .iter()
        .find(|family| family.string(1) == Some("tour_response_native_seconds"))
        .unwrap();
    let native = WireNative::of_family(family).unwrap();
    assert_eq!(native.schema, 3);
    assert_eq!(native.zero_count, 1);

    let html = page(&client, "/tour/native-histogram").await;
    assert!(html.contains(r#"id="native-schema">3<"#), "{html}");
    assert!(html.contains(r#"id="native-zero-count">1<"#));
    // ceil(log2(0.1) * 8) = ceil(-26.58) = -26, covering (2^(-27/8), 2^(-26/8)].
    assert!(html.contains(r#"id="native-example-index">-26<"#));
    assert!(html.contains("(0.09639, 0.10511]"), "{html}");
    let deltas: Vec<String> = native.positive_deltas.iter().map(i64::to_string).collect();
    assert!(
        html.contains(&format!(r#"id="native-deltas">{}<"#, deltas.join(", "))),
        "{html}"
    );
    for span in &native.positive_spans {
        assert!(html.contains(&format!("<td>{}</td><td>{}</td>", span.offset, span.length)));
    }
    for (index, count) in native.positive_buckets().unwrap() {
        let row = format!(
            "<td>{index}</td><td>({:.5}, {:.5}]</td><td>{count}</td>",
            upper_edge(index - 1, 3),
            upper_edge(index, 3)
        );
        assert!(html.contains(&row), "{row} missing");
    }
    assert!(html.contains("histogram_quantile(0.9, rate(tour_response_native_seconds[5m]))"));
}

#[tokio::test]
async fn the_exemplars_page_marks_the_bucket_of_a_traced_request() {
    let (client, _) = common::client();
    client
        .post("/summary?value=0.042")
        .header("traceparent", TRACEPARENT)
        .send()
        .await
        .assert_status_is_ok();
    client
        .post("/counter")
        .header("traceparent", TRACEPARENT)
        .send()
        .await
        .assert_status_is_ok();
    let html = page(&client, "/tour/exemplars").await;
    let table = html.split(r#"id="exemplar-responses""#).nth(1).unwrap();
    assert!(
        table.contains(&format!(
            "<td>0.05</td><td><code>{TRACE}</code></td><td>0.042</td>"
        )),
        "{table}"
    );
    assert!(html.contains(">0.05◆<"), "the chart marks the bucket");
    let clicks = html.split(r#"id="exemplar-clicks""#).nth(1).unwrap();
    assert!(clicks.contains(TRACE));
}

#[tokio::test]
async fn the_exemplars_page_shows_values_for_people_without_float_noise() {
    let (client, _) = common::client();
    client
        .post("/summary?value=0.30000000000000004")
        .send()
        .await
        .assert_status_is_ok();
    let html = page(&client, "/tour/exemplars").await;
    assert!(!html.contains("0000000"), "float noise in {html}");
    assert!(html.contains("<td>0.3</td>"), "{html}");
}

#[tokio::test]
async fn the_versus_page_gives_three_answers_beside_the_exact_value() {
    let (client, _) = common::client();
    for i in 1..=100 {
        client
            .post(format!("/summary?value={}", f64::from(i) / 100.0))
            .send()
            .await
            .assert_status_is_ok();
    }
    let html = page(&client, "/tour/versus").await;
    assert!(html.contains("histogram_quantile on the native histogram"));
    assert!(html.contains("The same 100 observations, those of the summary's window"));
    // The exact median of 0.01 ..= 1.00 is 0.50 by nearest rank; the row ends with it.
    let row = html
        .split("<th scope=\"row\">0.5</th>")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    assert!(row.ends_with("<td>0.5</td>"), "{row}");
    // The native answer is within one bucket of schema 3 (a factor of 2^(1/8)) of it.
    let cells: Vec<&str> = row.split("<td>").skip(1).collect();
    let native: f64 = cells[2].split(' ').next().unwrap().parse().unwrap();
    assert!(
        native > 0.5 / 2f64.powf(0.125) && native < 0.5 * 2f64.powf(0.125),
        "{row}"
    );
}

#[tokio::test]
async fn the_front_page_and_every_pages_navigation_lead_to_both_lessons() {
    let (client, _) = common::client();
    for path in ["/", "/tour/counter"] {
        let html = page(&client, path).await;
        assert!(html.contains(r#"href="/tour/native-histogram""#), "{path}");
        assert!(html.contains(r#"href="/tour/exemplars""#), "{path}");
    }
}
