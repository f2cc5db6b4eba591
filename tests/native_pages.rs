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

/// The drawing of the chart `id`: its `<svg>`, without the legend beneath.
fn svg_of<'a>(html: &'a str, id: &str) -> &'a str {
    html.split(&format!(r#"<figure class="chart" id="{id}""#))
        .nth(1)
        .unwrap_or_else(|| panic!("no chart {id}"))
        .split("</svg>")
        .next()
        .unwrap()
}

/// Every element of `part` that starts with `start`, e.g. `<rect class="bar"`, up to its `>`.
fn elements<'a>(part: &'a str, start: &str) -> Vec<&'a str> {
    part.split(start)
        .skip(1)
        .map(|rest| rest.split('>').next().unwrap())
        .collect()
}

/// The number in attribute `name` of `element`.
fn attr(element: &str, name: &str) -> f64 {
    element
        .split(&format!(r#" {name}=""#))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("no number {name} in {element}"))
}

/// The differences between neighbours of `xs`, sorted first.
fn steps(xs: &[f64]) -> Vec<f64> {
    let mut xs = xs.to_vec();
    xs.sort_by(f64::total_cmp);
    xs.windows(2).map(|pair| pair[1] - pair[0]).collect()
}

#[tokio::test]
async fn the_native_chart_draws_each_listed_bucket_on_a_log_axis_with_the_schemas_edges_marked() {
    let (client, _) = common::client();
    for value in [0.003, 0.05, 0.1, 0.1, 0.105, 0.2, 0.7, 3.0, 40.0] {
        client
            .post(format!("/summary?value={value}"))
            .send()
            .await
            .assert_status_is_ok();
    }
    let html = page(&client, "/tour/native-histogram").await;
    // The table is folded under the chart, and opens without a script.
    let chart_at = html.find(r#"id="native-chart""#).expect("a chart");
    let fold_at = html
        .find("<details><summary>The same buckets as a table</summary>")
        .expect("the table folded");
    let table_at = html.find(r#"id="native-buckets""#).unwrap();
    assert!(chart_at < fold_at && fold_at < table_at);
    let listed: Vec<(f64, f64)> = html[table_at..]
        .split("</table>")
        .next()
        .unwrap()
        .split("<tr><td>")
        .skip(1)
        .filter(|row| !row.contains("<td>0</td>"))
        .map(|row| {
            let covers = row
                .split("<td>(")
                .nth(1)
                .unwrap()
                .split(']')
                .next()
                .unwrap();
            let (lower, upper) = covers.split_once(", ").unwrap();
            (lower.parse().unwrap(), upper.parse().unwrap())
        })
        .collect();
    assert_eq!(
        listed.len(),
        7,
        "0.1, 0.1 and 0.105 share a bucket: {listed:?}"
    );

    let svg = svg_of(&html, "native-chart");
    assert!(svg.contains(r#"role="img" aria-label="The 7 populated buckets"#));
    let bars = elements(svg, r#"<rect class="bar""#);
    assert_eq!(bars.len(), listed.len(), "a bar per bucket the table lists");
    // The powers of two are marked long, evenly: the axis is logarithmic.
    let powers: Vec<f64> = elements(svg, r#"<line class="tick-mark""#)
        .iter()
        .map(|mark| attr(mark, "x1"))
        .collect();
    let octave = steps(&powers);
    assert!(octave.len() >= 10, "2^-9 to 2^6: {powers:?}");
    assert!(
        octave.iter().all(|step| (step - octave[0]).abs() < 0.15),
        "{octave:?}"
    );
    // Each labelled value is a power of two, labelled where it is marked.
    let labels: Vec<(f64, f64)> = svg
        .split(r#"<text class="tick" x=""#)
        .skip(1)
        .filter_map(|text| {
            let x: f64 = text.split('"').next()?.parse().ok()?;
            let value: f64 = text.split('>').nth(1)?.split('<').next()?.parse().ok()?;
            text.contains(r#"text-anchor="middle""#)
                .then_some((x, value))
        })
        .collect();
    assert!(labels.len() >= 4, "{labels:?}");
    for (x, value) in &labels {
        let power = value.log2();
        assert!(
            (power - power.round()).abs() < 0.01,
            "{value} is not a power of two"
        );
        assert!(
            powers.iter().any(|mark| (mark - x).abs() < 0.05),
            "{value} at {x}"
        );
    }
    // The schema's edges: eight to each power of two at schema 3, evenly spaced on this axis, and
    // every bar starts and ends at one of them, all bars as wide.
    let edges: Vec<f64> = elements(svg, r#"<line class="edge-mark""#)
        .iter()
        .map(|mark| attr(mark, "x1"))
        .collect();
    assert_eq!(edges.len(), 8 * (powers.len() - 1) + 1, "{edges:?}");
    assert!(steps(&edges)
        .iter()
        .all(|step| (step - octave[0] / 8.0).abs() < 0.15));
    for bar in &bars {
        let (left, right) = (
            attr(bar, "x") - 0.5,
            attr(bar, "x") + attr(bar, "width") + 0.5,
        );
        for end in [left, right] {
            assert!(edges.iter().any(|edge| (edge - end).abs() < 0.15), "{bar}");
        }
        assert!((right - left - octave[0] / 8.0).abs() < 0.2, "{bar}");
    }
}

/// The x of a mark's centre, from just after its title: a dot's centre, a square's middle, or a
/// diamond's top point.
fn mark_x(after_title: &str) -> f64 {
    let shape = after_title.split('>').next().unwrap();
    if shape.starts_with("<circle") {
        attr(shape, "cx")
    } else if shape.starts_with("<rect") {
        attr(shape, "x") + attr(shape, "width") / 2.0
    } else {
        let points = shape.split(r#"points=""#).nth(1).unwrap();
        points.split(',').next().unwrap().parse().unwrap()
    }
}

/// The numbers of a row of the versus table: summary, classic, native, exact.
fn table_row(html: &str, q: &str) -> Vec<String> {
    html.split(&format!(r#"<th scope="row">{q}</th>"#))
        .nth(1)
        .unwrap_or_else(|| panic!("no row {q}"))
        .split("</tr>")
        .next()
        .unwrap()
        .split("<td>")
        .skip(1)
        .map(|cell| cell.split([' ', '<']).next().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_versus_chart_draws_each_quantiles_three_answers_beside_the_exact_value_in_the_table() {
    let (client, _) = common::client();
    for i in 1..=60 {
        let value = 0.01 * 1.1f64.powi(i);
        client
            .post(format!("/summary?value={value}"))
            .send()
            .await
            .assert_status_is_ok();
    }
    let html = page(&client, "/tour/versus").await;
    let chart_at = html.find(r#"id="versus-chart""#).expect("a chart");
    assert!(chart_at < html.find(r#"id="versus-answers""#).unwrap());
    let svg = svg_of(&html, "versus-chart");
    assert!(!svg.contains("0000000"), "float noise in {svg}");
    let lanes = [
        "summary",
        "histogram_quantile, classic buckets",
        "histogram_quantile, native histogram",
    ];
    let mut rows = 0;
    for (q, name) in [("0.5", "p50"), ("0.9", "p90"), ("0.99", "p99")] {
        let numbers = table_row(&html, q);
        let exact = format!(
            "<title>{name} exact (the observations themselves): {}</title>",
            numbers[3]
        );
        let reference = svg
            .split(&exact)
            .nth(1)
            .unwrap_or_else(|| panic!("{exact} not in {svg}"));
        let exact_x = attr(elements(reference, "<line class=\"reference\"")[0], "x1");
        for (lane, (answer, table)) in lanes.iter().zip(&numbers).enumerate() {
            let title = format!("<title>{name} {answer}: {table}</title>");
            let mark = svg
                .split(&format!("<g class=\"mark mark-{lane}\">{title}"))
                .nth(1)
                .unwrap_or_else(|| panic!("{title} not in {svg}"));
            // Drawn on the side of the exact line its error says, and on it when there is none.
            let (value, exact): (f64, f64) = (table.parse().unwrap(), numbers[3].parse().unwrap());
            let gap = mark_x(mark) - exact_x;
            if (value - exact).abs() / exact < 0.001 {
                assert!(gap.abs() < 1.0, "{title}: {gap}");
            } else {
                assert_eq!(gap > 0.0, value > exact, "{title}: {gap}");
            }
        }
        rows += 1;
    }
    assert_eq!(svg.matches("<g class=\"mark mark-").count(), 3 * rows);
}
