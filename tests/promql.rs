//! A query explained (`GET /tour/promql`, `GET /promql`): every query the docs and the pages show
//! parses with promql-parser and lints clean, or shows the lint of the mistake it teaches; the
//! plain-text tree has the contract's shape; and each node's stated kind of value is the
//! `resultType` a real Prometheus, 3 and 2.42, answers for it.

mod common;

use std::time::{Duration, Instant};

use common::prometheus::{tour_judged_by, until, Version};
use poem::test::TestClient;

/// The queries the docs and pages show on purpose as mistakes, and the rule each must show.
const MISTAKES: &[(&str, &str)] = &[
    ("rate(tour_temperature_celsius[5m])", "rate() of tour_temperature_celsius, a gauge"),
    (
        "avg(histogram_quantile(0.9, sum by (instance, le) (rate(file_upload_duration_seconds_bucket{job=\"tour-fleet\"}[5m]))))",
        "avg() over quantiles",
    ),
    (
        "avg(tour_response_seconds{job=\"tour-fleet\", quantile=\"0.9\"})",
        "avg() over quantiles",
    ),
];

/// Every ```` ```promql ```` block in `docs/` and every query on the tour's pages, with where it is.
async fn shown_queries() -> Vec<(String, String)> {
    let mut queries: Vec<(String, String)> = common::docs::blocks("promql")
        .into_iter()
        .map(|block| (block.place, block.text.trim().to_owned()))
        .collect();
    let (client, _state) = common::client();
    for page in common::PAGES {
        let html = common::body(client.get(*page).send().await).await;
        for block in html.split("<div class=\"promql\"><pre><code>").skip(1) {
            let query = block.split("</code>").next().unwrap();
            queries.push((page.to_string(), common::unescape(query)));
        }
    }
    queries
}

/// The value a page shows beside the first PromQL block of `query`.
fn block_value(html: &str, query: &str) -> String {
    let block = html
        .split("<div class=\"promql\"><pre><code>")
        .find(|block| common::unescape(block.split("</code>").next().unwrap()) == query)
        .unwrap_or_else(|| panic!("no block of {query}: {html}"));
    let now = block
        .split("<p class=\"promql-now\">Now: <output ")
        .nth(1)
        .unwrap_or_else(|| panic!("{query} shows no value: {block}"));
    common::unescape(
        now.split_once('>')
            .unwrap()
            .1
            .split("</output>")
            .next()
            .unwrap(),
    )
}

/// `GET /promql?query=Q` in plain text: the status and the body.
async fn explain<E: poem::Endpoint>(client: &TestClient<E>, query: &str) -> (u16, String) {
    let reply = client.get("/promql").query("query", &query).send().await;
    let status = reply.0.status().as_u16();
    (status, common::body(reply).await)
}

#[tokio::test]
async fn every_query_the_docs_and_pages_show_lints_clean_or_shows_the_mistake_it_teaches() {
    let (client, _state) = common::client();
    let queries = shown_queries().await;
    assert!(queries.len() > 30, "found {} queries", queries.len());
    let mut wrong = Vec::new();
    for (place, query) in &queries {
        let (status, text) = explain(&client, query).await;
        if status != 200 {
            wrong.push(format!("{place}: {query}: {status} {text}"));
            continue;
        }
        let warnings: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("warning: "))
            .collect();
        let intended = MISTAKES.iter().find(|(mistake, _)| mistake == query);
        match intended {
            Some((_, lint)) if warnings.len() == 1 && warnings[0].contains(lint) => {}
            Some(_) => wrong.push(format!("{place}: {query}: the mistake shows {warnings:?}")),
            None if warnings.is_empty() => {}
            None => wrong.push(format!("{place}: {query}: {warnings:?}")),
        }
    }
    assert!(
        wrong.is_empty(),
        "queries that do not read as meant:\n{}",
        wrong.join("\n")
    );
}

#[tokio::test]
async fn the_plain_text_tree_is_one_node_a_line_indented_two_spaces_a_depth_then_warnings() {
    let (client, _state) = common::client();
    let (status, text) = explain(
        &client,
        "histogram_quantile(0.9, sum(rate(file_upload_duration_seconds_bucket[5m])))",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let lines: Vec<&str> = text.lines().collect();
    let indents: Vec<usize> = lines
        .iter()
        .take_while(|line| !line.starts_with("warning: "))
        .map(|line| line.len() - line.trim_start().len())
        .collect();
    assert_eq!(indents, [0, 2, 2, 4, 6], "{text}");
    assert!(lines[0].starts_with("histogram_quantile(0.9, "), "{text}");
    assert!(lines[4].contains("[range vector]"), "{text}");
    let warning = lines[lines.len() - 2];
    assert!(
        warning
            .starts_with("warning: histogram_quantile() over buckets whose aggregation drops le"),
        "{text}"
    );
}

#[tokio::test]
async fn a_query_that_is_not_promql_gets_a_one_line_400_with_the_parsers_words() {
    let (client, _state) = common::client();
    let (status, text) = explain(&client, "rate(tour_clicks_total[5m]").await;
    assert_eq!(status, 400);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("unclosed left parenthesis"), "{text}");
    // A grammar error says at which token the grammar stopped.
    let (status, text) = explain(&client, "sum by (le)\nrate(x[5m])").await;
    assert_eq!(status, 400);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.contains("invalid promql query, at character 13 (\"rate\""),
        "{text}"
    );
    let (status, text) = explain(&client, &"up + ".repeat(1000)).await;
    assert_eq!(status, 400);
    assert!(text.contains("at most 4096"), "{text}");
    let reply = client.get("/promql").send().await;
    reply.assert_status(poem::http::StatusCode::BAD_REQUEST);
}

/// `src/promql/promql.y`, which says where a grammar error is, is promql-parser's own grammar as
/// the version the tour builds with ships it, byte for byte.
#[test]
fn the_grammar_that_locates_errors_is_promql_parsers_own() {
    let copy = std::fs::read_to_string(common::docs::root().join("src/promql/promql.y")).unwrap();
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cargo")
        });
    let registry = cargo_home.join("registry/src");
    let original = std::fs::read_dir(&registry)
        .into_iter()
        .flatten()
        .filter_map(|index| {
            std::fs::read_to_string(
                index
                    .ok()?
                    .path()
                    .join("promql-parser-0.11.1/src/parser/promql.y"),
            )
            .ok()
        })
        .next();
    match original {
        Some(original) => assert!(
            copy == original,
            "src/promql/promql.y differs from promql-parser 0.11.1's"
        ),
        None => common::missing(&format!(
            "promql-parser 0.11.1's source under {}",
            registry.display()
        )),
    }
}

#[tokio::test]
async fn the_page_explains_with_javascript_off_and_marks_each_warning_as_a_lint() {
    let (client, _state) = common::client();
    let reply = client
        .get("/tour/promql")
        .query("query", &"avg(tour_response_seconds{quantile=\"0.9\"})")
        .send()
        .await;
    reply.assert_status_is_ok();
    let html = common::body(reply).await;
    assert!(
        html.contains("<form class=\"query\" method=\"get\" action=\"/tour/promql\">"),
        "{html}"
    );
    assert_eq!(html.matches("class=\"lint\"").count(), 1, "{html}");
    assert!(html.contains("<ol class=\"tree\">"), "{html}");
    // Every query block on a lesson links to its explanation; without --prometheus, no value.
    let counter = common::body(client.get("/tour/counter").send().await).await;
    assert!(!counter.contains("promql-now"), "{counter}");
    assert!(
        counter.contains("href=\"/tour/promql?query=rate%28tour_clicks_total%5B1m%5D%29\""),
        "{counter}"
    );
}

/// The kind of value each node says it returns is the `resultType` Prometheus answers for that
/// node's own PromQL, for every query the docs and pages show.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_nodes_kind_of_value_is_the_result_type_prometheus_answers() {
    let queries = shown_queries().await;
    let (client, _state) = common::client();
    let mut nodes = Vec::new();
    for (_, query) in &queries {
        let expr = metrics_tour::promql::parse(query).unwrap();
        for node in metrics_tour::promql::explain::explain(&expr) {
            nodes.push((node.promql, node.returns.result_type()));
        }
    }
    nodes.sort();
    nodes.dedup();
    drop(client);
    let checks = Version::ALL.map(|version| {
        let nodes = nodes.clone();
        async move {
            let Some((tour, prometheus)) = tour_judged_by(version).await else {
                return;
            };
            tour.request("POST", "/counter", &[], b"").await;
            let deadline = Instant::now() + Duration::from_secs(30);
            until(deadline, async || {
                match prometheus.query("up").await.len() {
                    1 => Ok(()),
                    n => Err(format!("{n} targets up")),
                }
            })
            .await
            .unwrap();
            let mut wrong = Vec::new();
            for (promql, stated) in &nodes {
                let answer = prometheus
                    .get(&format!(
                        "/api/v1/query?query={}",
                        form_urlencoded::byte_serialize(promql.as_bytes()).collect::<String>()
                    ))
                    .await;
                let found = answer["data"]["resultType"].as_str().unwrap_or("error");
                if found != *stated {
                    let answer: String = answer.to_string().chars().take(200).collect();
                    wrong.push(format!(
                        "{promql}: says {stated}, {} answers {answer}",
                        version.name()
                    ));
                }
            }
            assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        }
    });
    let [three, two] = checks;
    tokio::join!(three, two);
}

/// With `--prometheus`, the page with JavaScript off charts the query from a range query and
/// shows each node's value now: the classroom's graph where Prometheus has no UI of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_prometheus_the_page_charts_the_query_and_shows_each_nodes_value() {
    let checks = Version::ALL.map(|version| async move {
        let Some((tour, prometheus)) = tour_judged_by(version).await else {
            return;
        };
        let started = Instant::now();
        let deadline = started + Duration::from_secs(140);
        let set = tour
            .request("POST", "/gauge/set?value=23.5", &[], b"")
            .await;
        assert_eq!(set.status, 200, "{}", set.text());
        // A click a second for a minute and a quarter, as a crowd would make them.
        while started.elapsed() < Duration::from_secs(75) {
            tour.request("POST", "/counter", &[], b"").await;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let query = "rate(tour_clicks_total[1m])";
        until(deadline, async || {
            match prometheus.query(query).await.len() {
                1 => Ok(()),
                n => Err(format!("{n} series")),
            }
        })
        .await
        .unwrap();
        let encoded: String = form_urlencoded::byte_serialize(query.as_bytes()).collect();
        let page = tour
            .request("GET", &format!("/tour/promql?query={encoded}"), &[], b"")
            .await;
        assert_eq!(page.status, 200);
        let html = page.text();
        let note = html
            .split("<p class=\"small chart-note\">")
            .nth(1)
            .unwrap_or_else(|| panic!("{}: no chart: {html}", version.name()));
        let points: usize = note.split(' ').next().unwrap().parse().unwrap();
        assert!(points >= 30, "{}: {note}", version.name());
        assert!(
            html.contains("<polyline class=\"series series-0\""),
            "{html}"
        );
        // Drawn once, as README says: nothing on the page asks for the once-a-second refresh, which
        // would ask Prometheus the range query again for every open tab.
        assert!(!html.contains("data-live"), "{}: {html}", version.name());
        // Each node Prometheus can answer shows its value now: the rate, one series.
        assert!(
            html.contains("<p class=\"value-now\">Now: 1 series: "),
            "{}: {html}",
            version.name()
        );
        // And curl gets the same values, after each node's sentence.
        let text = tour
            .request("GET", &format!("/promql?query={encoded}"), &[], b"")
            .await
            .text();
        assert!(
            text.lines().next().unwrap().contains("; now: 1 series: "),
            "{text}"
        );

        // Each PromQL block on a lesson shows its value now beside it, as Prometheus answers it:
        // the gauge's exactly (nothing moves it), the rate between Prometheus' answers just
        // before and just after the page, give or take the page's rounding to three decimals.
        let gauge = tour.request("GET", "/tour/gauge", &[], b"").await.text();
        assert_eq!(
            prometheus.value("tour_temperature_celsius").await,
            23.5,
            "{}",
            version.name()
        );
        assert_eq!(
            block_value(&gauge, "tour_temperature_celsius"),
            "1 series: 23.5",
            "{}",
            version.name()
        );
        let before = prometheus.value(query).await;
        let counter = tour.request("GET", "/tour/counter", &[], b"").await.text();
        let after = prometheus.value(query).await;
        let shown: f64 = block_value(&counter, query)
            .strip_prefix("1 series: ")
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("{}: {counter}", version.name()));
        assert!(
            before.min(after) - 0.0005 <= shown && shown <= before.max(after) + 0.0005,
            "{}: the page shows {shown}, Prometheus answered {before} then {after}",
            version.name()
        );
    });
    let [three, two] = checks;
    tokio::join!(three, two);
}
