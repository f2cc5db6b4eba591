//! The bucket designer, `GET /tour/buckets` and `GET /buckets`: its estimates are Prometheus' own
//! (3 and 2.42), its cost is the series Prometheus stores, and what a learner sends is bounded,
//! refused in one line when it cannot be used, and never kept.

mod common;

use std::time::{Duration, Instant};

use common::{
    body, client,
    prometheus::{first_value, tour_judged_by, until_value, Version},
    tour_exposition,
};
use poem::http::StatusCode;

/// Twenty upload times, one past the last edge, so p99 lands in `+Inf`.
const UPLOADS: [f64; 20] = [
    0.4, 1.2, 1.5, 1.9, 2.1, 2.4, 2.8, 3.3, 3.6, 4.1, 4.4, 5.0, 5.5, 6.2, 6.9, 7.7, 8.3, 9.1, 9.8,
    12.5,
];

/// The twenty uploads, observed into the histogram and kept for the designer, as the upload route
/// does with each.
fn upload(tour: &common::TestServer) {
    for seconds in UPLOADS {
        tour.state.metrics.file_upload_duration.observe(seconds);
        tour.state.kept_uploads.keep(seconds);
    }
}

/// `(q, estimate, exact, error)` from each quantile line of `GET /buckets`.
fn quantile_lines(text: &str) -> Vec<(f64, f64, f64, String)> {
    text.lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split(' ').collect();
            match words[..] {
                [q, "estimate", estimate, "exact", exact, "error", error] => Some((
                    q.parse().ok()?,
                    estimate.parse().ok()?,
                    exact.parse().ok()?,
                    error.to_owned(),
                )),
                _ => None,
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn for_the_seeds_edges_the_designer_estimates_what_prometheus_answers_and_counts_its_series()
{
    for version in Version::ALL {
        let Some((tour, prometheus)) = tour_judged_by(version).await else {
            continue;
        };
        upload(&tour);
        let deadline = Instant::now() + Duration::from_secs(60);
        until_value(
            &prometheus,
            deadline,
            "file_upload_duration_seconds_count",
            UPLOADS.len() as f64,
        )
        .await;

        let answer = tour.request("GET", "/buckets", &[], b"").await;
        assert_eq!(answer.status, 200, "{}", answer.text());
        let lines = quantile_lines(&answer.text());
        assert_eq!(lines.len(), 3, "{}", answer.text());
        for (q, estimate, _, _) in lines {
            let promql = format!("histogram_quantile({q}, file_upload_duration_seconds_bucket)");
            let expected = first_value(&prometheus.query(&promql).await).expect(&promql);
            // The text rounds to three decimals; the lesson's own value is Prometheus' to the bit.
            assert!(
                (estimate - expected).abs() < 0.0005,
                "{}: {promql} answers {expected}, the designer {estimate}",
                version.name()
            );
        }
        let design = metrics_tour::lessons::buckets::Design::replay(
            metrics_tour::lessons::buckets::Observed::Uploads,
            metrics_tour::lessons::buckets::Proposal {
                param: "edges",
                text: String::new(),
                buckets: metrics_tour::lessons::buckets::Buckets::Classic(
                    metrics_tour::state::UPLOAD_BUCKETS.to_vec(),
                ),
            },
            UPLOADS.to_vec(),
            UPLOADS.len(),
            2f64.powi(-24),
            1,
        );
        for answer in &design.answers {
            let promql = format!(
                "histogram_quantile({}, file_upload_duration_seconds_bucket)",
                answer.q
            );
            let expected = first_value(&prometheus.query(&promql).await).unwrap();
            assert_eq!(answer.estimate, expected, "{}: {promql}", version.name());
        }
        assert_eq!(design.answers[2].estimate, 10.0, "p99 lies in +Inf");

        // The cost: every series of the histogram Prometheus stores for this one instance.
        let stored = prometheus
            .value("count({__name__=~\"file_upload_duration_seconds.*\"})")
            .await;
        assert_eq!(
            stored,
            design.series_per_instance() as f64,
            "{}: series stored",
            version.name()
        );
        assert!(
            answer.text().contains(&format!(
                "cost {} series per instance",
                design.series_per_instance()
            )),
            "{}",
            answer.text()
        );
    }
}

#[tokio::test]
async fn the_plain_text_answers_one_quantile_a_line_then_the_cost() {
    let (cli, state) = client();
    for seconds in UPLOADS {
        state.kept_uploads.keep(seconds);
    }
    let text = body(
        cli.get("/buckets?edges=1,2,5,10&instances=100")
            .send()
            .await,
    )
    .await;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[..3],
        [
            // p50: rank 10 is the 6th of 8 in (2, 5]: 2 + 3 × 6/8, against the 10th value, 4.1.
            "0.5 estimate 4.25 exact 4.1 error +3.7%",
            "0.9 estimate 9.286 exact 9.1 error +2.0%",
            "0.99 estimate 10 exact 12.5 error -20.0%",
        ],
        "{text}"
    );
    assert!(
        lines[3].starts_with("cost 8 series per instance (4 buckets, +Inf, _sum, _count, _created), 800 across 100 instances"),
        "{text}"
    );
    let native = body(cli.get("/buckets?schema=0").send().await).await;
    assert_eq!(quantile_lines(&native).len(), 3, "{native}");
    assert!(native.contains("cost 1 series per instance"), "{native}");
}

#[tokio::test]
async fn the_page_shows_each_quantile_its_error_the_cost_and_a_chart_of_the_proposed_buckets() {
    let (cli, state) = client();
    for seconds in UPLOADS {
        state.kept_uploads.keep(seconds);
    }
    let response = cli
        .get("/tour/buckets?linear=2,3,3&instances=20")
        .send()
        .await;
    response.assert_status_is_ok();
    let html = body(response).await;
    // linear=2,3,3 is 2, 5, 8: p90's rank 18 is the 3rd of 4 in (8, +Inf), so it answers 8.
    assert!(
        html.contains("<th scope=\"row\">0.9</th><td>8</td><td>9.1</td><td>-12.1%</td>"),
        "{html}"
    );
    assert!(html.contains(r#"<output id="buckets-series">7</output>"#));
    assert!(html.contains(r#"<output id="buckets-fleet">140</output>"#));
    assert!(html.contains(r#"<strong id="buckets-nhcb">20</strong>"#));
    assert!(html.contains("3 edges: 2, 5, 8"));
    assert!(html.contains("convert_classic_histograms_to_nhcb: true"));
    let chart = html
        .split(r#"<figure class="chart buckets-chart""#)
        .nth(1)
        .expect("a chart");
    // One bar per bucket (three edges and +Inf), each edge drawn, a tick per observation.
    assert_eq!(
        chart.matches("<rect class=\"bar").count() - 1,
        4,
        "a legend's bar aside"
    );
    assert_eq!(chart.matches("<line class=\"edge\"").count() - 1, 3);
    assert_eq!(chart.matches("<line class=\"rug\"").count(), UPLOADS.len());
    assert_eq!(chart.matches("<circle class=\"estimate\"").count() - 1, 3);
}

#[tokio::test]
async fn with_nothing_kept_the_designer_says_how_to_give_it_observations() {
    let (cli, _) = client();
    let text = body(cli.get("/buckets?observations=responses").send().await).await;
    assert!(text.starts_with("No response times kept yet"), "{text}");
    assert!(text.contains("cost 15 series per instance"), "{text}");
    let html = body(cli.get("/tour/buckets").send().await).await;
    assert!(html.contains("No uploads kept yet"));
}

#[tokio::test]
async fn bad_proposals_get_a_one_line_400_saying_what_is_accepted_and_nothing_is_kept() {
    let (cli, state) = client();
    state.kept_uploads.keep(1.5);
    let before = tour_exposition(&state);
    let many = (1..=41)
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let cases = [
        ("edges=2,1", "strictly increasing"),
        ("edges=1,1", "strictly increasing"),
        ("edges=1,NaN", "finite"),
        ("edges=1,inf", "finite"),
        ("edges=1e999", "finite"),
        (&format!("edges={many}"), "more than 40 edges"),
        ("linear=1,0,10", "width above 0"),
        ("linear=1,1,1000", "count from 1 to 40"),
        ("exponential=0,2,5", "start above 0"),
        ("exponential=1,1,5", "factor above 1"),
        ("exponential=1e300,1e10,5", "past the largest float"),
        ("schema=9", "from -4 to 8"),
        ("schema=2.5", "from -4 to 8"),
        ("edges=1,2&schema=3", "not several"),
        (
            "observations=%3Cscript%3E",
            "uploads or observations=responses",
        ),
        ("instances=1000000", "from 1 to 100000"),
        ("edges=1&edges=2", "given twice"),
    ];
    for (query, says) in cases {
        for route in ["/buckets", "/tour/buckets"] {
            let response = cli.get(format!("{route}?{query}")).send().await;
            response.assert_status(StatusCode::BAD_REQUEST);
            let text = body(response).await;
            assert!(text.contains(says), "{route}?{query}: {text}");
            assert_eq!(text.lines().count(), 1, "{text}");
        }
    }
    // Nothing sent is recorded: the tour's metrics are as they were, and http_requests_total
    // names the route, never the query.
    assert_eq!(tour_exposition(&state), before);
    let metrics = body(cli.get("/metrics").send().await).await;
    assert!(metrics.contains("route=\"/buckets\""));
    assert!(!metrics.contains("1e999") && !metrics.contains("NaN,"));
}

#[tokio::test]
async fn every_proposal_the_page_offers_is_accepted_and_the_page_is_linked_from_the_lessons() {
    let (cli, state) = client();
    state.kept_uploads.keep(2.5);
    state.kept_responses.keep(0.1);
    let html = body(cli.get("/tour/buckets").send().await).await;
    let offered: Vec<&str> = html
        .split("href=\"/tour/buckets?")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(offered.len() >= 5, "{offered:?}");
    for query in offered {
        let query = query.replace("&amp;", "&");
        let response = cli.get(format!("/tour/buckets?{query}")).send().await;
        response.assert_status_is_ok();
    }
    // Each form is a GET to the page, so it works with JavaScript off.
    let forms = html.matches("<form class=\"designer\" method=\"get\" action=\"/tour/buckets\">");
    assert_eq!(forms.count(), 5);
    for page in [
        "/",
        "/tour/histogram",
        "/tour/native-histogram",
        "/tour/versus",
    ] {
        let html = body(cli.get(page).send().await).await;
        assert!(html.contains("href=\"/tour/buckets"), "{page}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_3_keeps_the_seeds_edges_as_one_custom_bucket_histogram_with_the_same_estimates()
{
    let tour = common::TestServer::start(common::fast_config()).await;
    let config = format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: tour\n    convert_classic_histograms_to_nhcb: true\n    static_configs:\n      - targets: ['{}']\n",
        tour.address
    );
    let Some(prometheus) = common::prometheus::Prometheus::start(
        Version::Three,
        &config,
        &["--enable-feature=native-histograms"],
    )
    .await
    else {
        return;
    };
    upload(&tour);
    let deadline = Instant::now() + Duration::from_secs(60);
    until_value(
        &prometheus,
        deadline,
        "histogram_count(file_upload_duration_seconds)",
        UPLOADS.len() as f64,
    )
    .await;
    let text = tour.request("GET", "/buckets", &[], b"").await.text();
    let stored = prometheus
        .value("count({__name__=~\"file_upload_duration_seconds.*\"})")
        .await;
    // One series for the whole histogram: the tour's scrape is protobuf, with no _created line.
    assert_eq!(stored, 1.0);
    assert!(
        text.contains("with convert_classic_histograms_to_nhcb 1 series per instance"),
        "{text}"
    );
    for (q, estimate, _, _) in quantile_lines(&text) {
        let promql = format!("histogram_quantile({q}, file_upload_duration_seconds)");
        let expected = first_value(&prometheus.query(&promql).await).expect(&promql);
        assert!(
            (estimate - expected).abs() < 0.0005,
            "{promql} answers {expected}, the designer {estimate}"
        );
    }
}
