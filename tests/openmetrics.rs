//! OpenMetrics as a scraper meets it: the encoder against the specification's rules, then the
//! negotiation, gzip and `name[]` filtering of `GET /metrics`.

mod common;

use std::io::Read;

use metrics_tour::exposition::extras::Extras;
use metrics_tour::exposition::openmetrics::{encode, CONTENT_TYPE};
use poem::http::header;
use prometheus::proto::{
    Bucket, Counter, Gauge, Histogram, LabelPair, Metric, MetricFamily, MetricType, Quantile,
    Summary, Untyped,
};

/// What Prometheus 2.42 (Debian's) sends when it scrapes.
const PROMETHEUS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
/// What Prometheus 3 sends when it scrapes.
const PROMETHEUS_3_ACCEPT: &str = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1";

fn family(name: &str, help: &str, kind: MetricType, metrics: Vec<Metric>) -> MetricFamily {
    let mut family = MetricFamily::default();
    family.set_name(name.to_owned());
    family.set_help(help.to_owned());
    family.set_field_type(kind);
    family.set_metric(metrics);
    family
}

fn labelled(labels: &[(&str, &str)]) -> Metric {
    Metric::from_label(
        labels
            .iter()
            .map(|(name, value)| {
                let mut pair = LabelPair::default();
                pair.set_name((*name).to_owned());
                pair.set_value((*value).to_owned());
                pair
            })
            .collect(),
    )
}

#[test]
fn a_counter_family_drops_total_and_its_sample_keeps_it() {
    let mut metric = labelled(&[("route", "/counter")]);
    let mut counter = Counter::default();
    counter.set_value(3.0);
    metric.set_counter(counter);
    let text = encode(
        &[family(
            "clicks_total",
            "Clicks.",
            MetricType::COUNTER,
            vec![metric],
        )],
        &Extras::default(),
    );
    assert_eq!(
        text,
        "# TYPE clicks counter\n# HELP clicks Clicks.\nclicks_total{route=\"/counter\"} 3.0\n# EOF\n"
    );
}

#[test]
fn help_and_label_values_are_escaped() {
    let mut metric = labelled(&[("path", "C:\\tmp \"quoted\"\nnext")]);
    metric.set_gauge(Gauge::default());
    let text = encode(
        &[family(
            "g",
            "a \\ backslash, a \"quote\"\nand a new line",
            MetricType::GAUGE,
            vec![metric],
        )],
        &Extras::default(),
    );
    assert_eq!(
        text,
        concat!(
            "# TYPE g gauge\n",
            "# HELP g a \\\\ backslash, a \\\"quote\\\"\\nand a new line\n",
            "g{path=\"C:\\\\tmp \\\"quoted\\\"\\nnext\"} 0.0\n",
            "# EOF\n"
        )
    );
}

#[test]
fn a_histogram_has_canonical_le_an_inf_bucket_count_and_sum() {
    let mut histogram = Histogram::default();
    let buckets = [(0.005, 1), (1.0, 2), (1e6, 4)];
    histogram.set_bucket(
        buckets
            .iter()
            .map(|&(bound, count)| {
                let mut bucket = Bucket::default();
                bucket.set_upper_bound(bound);
                bucket.set_cumulative_count(count);
                bucket
            })
            .collect(),
    );
    histogram.set_sample_count(5);
    histogram.set_sample_sum(1234.5);
    let mut metric = Metric::default();
    metric.set_histogram(histogram);
    let text = encode(
        &[family("h_seconds", "", MetricType::HISTOGRAM, vec![metric])],
        &Extras::default(),
    );
    assert_eq!(
        text,
        concat!(
            "# TYPE h_seconds histogram\n",
            "h_seconds_bucket{le=\"0.005\"} 1\n",
            "h_seconds_bucket{le=\"1.0\"} 2\n",
            "h_seconds_bucket{le=\"1e+06\"} 4\n",
            "h_seconds_bucket{le=\"+Inf\"} 5\n",
            "h_seconds_count 5\n",
            "h_seconds_sum 1234.5\n",
            "# EOF\n"
        )
    );
}

#[test]
fn a_summary_has_quantile_samples_sum_and_count_and_nan_when_empty() {
    let quantiles = [(0.5, 0.25), (0.9, f64::NAN), (0.99, f64::INFINITY)];
    let mut summary = Summary::default();
    summary.set_quantile(
        quantiles
            .iter()
            .map(|&(q, value)| {
                let mut quantile = Quantile::default();
                quantile.set_quantile(q);
                quantile.set_value(value);
                quantile
            })
            .collect(),
    );
    summary.set_sample_sum(12.5);
    summary.set_sample_count(7);
    let mut metric = labelled(&[("method", "POST")]);
    metric.set_summary(summary);
    let text = encode(
        &[family(
            "rpc_seconds",
            "RPC latency.",
            MetricType::SUMMARY,
            vec![metric],
        )],
        &Extras::default(),
    );
    assert_eq!(
        text,
        concat!(
            "# TYPE rpc_seconds summary\n",
            "# HELP rpc_seconds RPC latency.\n",
            "rpc_seconds{method=\"POST\",quantile=\"0.5\"} 0.25\n",
            "rpc_seconds{method=\"POST\",quantile=\"0.9\"} NaN\n",
            "rpc_seconds{method=\"POST\",quantile=\"0.99\"} +Inf\n",
            "rpc_seconds_sum{method=\"POST\"} 12.5\n",
            "rpc_seconds_count{method=\"POST\"} 7\n",
            "# EOF\n"
        )
    );
}

#[test]
fn an_untyped_family_is_unknown_and_negative_infinity_is_spelled_out() {
    let mut untyped = Untyped::default();
    untyped.set_value(f64::NEG_INFINITY);
    let metric = Metric {
        untyped: Some(untyped).into(),
        ..Metric::default()
    };
    let text = encode(
        &[family("u", "", MetricType::UNTYPED, vec![metric])],
        &Extras::default(),
    );
    assert_eq!(text, "# TYPE u unknown\nu -Inf\n# EOF\n");
}

#[test]
fn an_empty_registry_is_just_eof() {
    assert_eq!(encode(&[], &Extras::default()), "# EOF\n");
}

#[tokio::test]
async fn prometheus_scrape_headers_get_openmetrics_with_every_family_once() {
    let (client, _) = common::client();
    client.post("/counter").send().await.assert_status_is_ok();
    for accept in [PROMETHEUS_ACCEPT, PROMETHEUS_3_ACCEPT] {
        let response = client
            .get("/metrics")
            .header(header::ACCEPT, accept)
            .send()
            .await;
        response.assert_status_is_ok();
        response.assert_content_type(CONTENT_TYPE);
        let text = common::body(response).await;
        assert!(text.ends_with("\n# EOF\n"), "{text}");
        assert!(
            text.contains("# TYPE tour_clicks counter\n"),
            "a counter's family is named without _total"
        );
        assert_eq!(common::sample(&text, "tour_clicks_total"), Some(1.0));
        assert!(text.contains("file_upload_duration_seconds_bucket{le=\"1.0\"} 0\n"));
        assert!(text.contains("# TYPE process_cpu_seconds counter\n"));
        let mut names: Vec<&str> = text
            .lines()
            .filter_map(|line| line.strip_prefix("# TYPE "))
            .map(|rest| rest.split(' ').next().unwrap())
            .collect();
        let total = names.len();
        names.dedup();
        assert_eq!(names.len(), total, "a family appears twice: {names:?}");
        // Each family's samples sit under its TYPE line: no line belongs to an earlier family.
        let mut current = "";
        for line in text.lines().filter(|line| *line != "# EOF") {
            match line.strip_prefix("# TYPE ") {
                Some(rest) => current = rest.split(' ').next().unwrap(),
                None if line.starts_with("# HELP ") => {}
                None => assert!(line.starts_with(current), "{line} is not in {current}"),
            }
        }
    }
}

#[tokio::test]
async fn a_plain_client_gets_the_text_format() {
    let (client, _) = common::client();
    for accept in [
        None,
        Some("*/*"),
        Some("text/plain"),
        Some("text/plain;q=0.9,application/openmetrics-text;q=0.5"),
    ] {
        let mut request = client.get("/metrics");
        if let Some(accept) = accept {
            request = request.header(header::ACCEPT, accept);
        }
        let response = request.send().await;
        response.assert_content_type(metrics_tour::exposition::text::CONTENT_TYPE);
        let text = common::body(response).await;
        assert!(!text.contains("# EOF"), "{accept:?}");
    }
}

#[tokio::test]
async fn name_filtering_keeps_the_same_families_in_both_formats() {
    let (client, _) = common::client();
    let query = "/metrics?name[]=tour_clicks_total&name[]=file_upload_duration_seconds_bucket";
    let text = common::body(client.get(query).send().await).await;
    let openmetrics = common::body(
        client
            .get(query)
            .header(header::ACCEPT, PROMETHEUS_ACCEPT)
            .send()
            .await,
    )
    .await;
    let types = |exposition: &str| -> Vec<String> {
        exposition
            .lines()
            .filter_map(|line| line.strip_prefix("# TYPE "))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(
        types(&text),
        [
            "file_upload_duration_seconds histogram",
            "tour_clicks_total counter"
        ]
    );
    assert_eq!(
        types(&openmetrics),
        [
            "file_upload_duration_seconds histogram",
            "tour_clicks counter"
        ]
    );
    // The OpenMetrics family name selects the same family.
    let by_family = common::body(
        client
            .get("/metrics?name[]=tour_clicks")
            .header(header::ACCEPT, PROMETHEUS_ACCEPT)
            .send()
            .await,
    )
    .await;
    assert_eq!(types(&by_family), ["tour_clicks counter"]);
}

#[tokio::test]
async fn gzip_is_used_when_allowed_and_decompresses_to_the_same_exposition() {
    let server = common::TestServer::start(common::fast_config()).await;
    let target = "/metrics?name[]=tour_clicks_total";
    for accept in ["text/plain", PROMETHEUS_ACCEPT] {
        let plain = server
            .request("GET", target, &[("Accept", accept)], b"")
            .await;
        assert_eq!(plain.header("content-encoding"), None);
        let zipped = server
            .request(
                "GET",
                target,
                &[("Accept", accept), ("Accept-Encoding", "gzip")],
                b"",
            )
            .await;
        assert_eq!(zipped.status, 200);
        assert_eq!(zipped.header("content-encoding"), Some("gzip"));
        assert_eq!(zipped.header("content-type"), plain.header("content-type"));
        let mut unzipped = String::new();
        flate2::read::GzDecoder::new(&zipped.body[..])
            .read_to_string(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, plain.text());
    }
    for refused in ["gzip;q=0", "identity", "br"] {
        let answer = server
            .request("GET", target, &[("Accept-Encoding", refused)], b"")
            .await;
        assert_eq!(answer.header("content-encoding"), None, "{refused}");
    }
    // The request metrics still see the route pattern through the compression.
    let exposition = server.request("GET", "/metrics", &[], b"").await.text();
    assert!(
        exposition
            .contains("http_requests_total{method=\"GET\",route=\"/metrics\",status=\"200\"}"),
        "{exposition}"
    );
}

fn gauge(value: f64) -> Metric {
    let mut gauge = Gauge::default();
    gauge.set_value(value);
    let mut metric = Metric::default();
    metric.set_gauge(gauge);
    metric
}

#[test]
fn the_text_format_spells_infinities_and_nan_as_the_format_does() {
    let mut histogram = Histogram::default();
    histogram.set_sample_count(1);
    histogram.set_sample_sum(f64::INFINITY);
    let mut bucket = Bucket::default();
    bucket.set_upper_bound(1.0);
    bucket.set_cumulative_count(0);
    histogram.set_bucket(vec![bucket]);
    let mut observed = Metric::default();
    observed.set_histogram(histogram);
    let text = metrics_tour::exposition::text::encode(&[
        family(
            "hot",
            "A gauge.",
            MetricType::GAUGE,
            vec![gauge(f64::INFINITY)],
        ),
        family(
            "cold",
            "A gauge.",
            MetricType::GAUGE,
            vec![gauge(f64::NEG_INFINITY)],
        ),
        family("odd", "A gauge.", MetricType::GAUGE, vec![gauge(f64::NAN)]),
        family("d", "A histogram.", MetricType::HISTOGRAM, vec![observed]),
    ]);
    assert_eq!(
        text,
        concat!(
            "# HELP hot A gauge.\n# TYPE hot gauge\nhot +Inf\n",
            "# HELP cold A gauge.\n# TYPE cold gauge\ncold -Inf\n",
            "# HELP odd A gauge.\n# TYPE odd gauge\nodd NaN\n",
            "# HELP d A histogram.\n# TYPE d histogram\n",
            "d_bucket{le=\"1\"} 0\nd_bucket{le=\"+Inf\"} 1\nd_sum +Inf\nd_count 1\n",
        )
    );
}

/// Every sample of an exposition in the text format, as `series -> value`.
fn samples(exposition: &str) -> std::collections::BTreeMap<String, f64> {
    exposition
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').unwrap();
            (series.to_owned(), value.parse().unwrap())
        })
        .collect()
}

#[tokio::test]
async fn the_text_format_says_what_the_crates_encoder_says_about_the_tour() {
    let (client, state) = common::client();
    for target in [
        "/counter?by=2",
        "/gauge/set?value=21.9",
        "/summary?value=0.25",
    ] {
        client.post(target).send().await.assert_status_is_ok();
    }
    state.metrics.file_upload_duration.observe(3.5);
    let families: Vec<MetricFamily> = state
        .metrics
        .registry
        .gather()
        .into_iter()
        .filter(|family| !family.name().starts_with("process_"))
        .collect();
    let mut theirs = Vec::new();
    prometheus::Encoder::encode(&prometheus::TextEncoder::new(), &families, &mut theirs).unwrap();
    let ours = metrics_tour::exposition::text::encode(&families);
    let theirs = String::from_utf8(theirs).unwrap();
    // The same families, help and types, and the same samples; only the spelling of numbers differs.
    let comments = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with('#'))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(comments(&ours), comments(&theirs));
    let ours = samples(&ours);
    let mut theirs = samples(&theirs);
    // The crate writes le="1" as we do, but 0.005 as 0.005 too: compare by series text.
    theirs.retain(|series, _| !series.contains("le=\"+Inf\"") || ours.contains_key(series));
    assert_eq!(ours, theirs);
}

#[tokio::test]
async fn a_sample_name_selects_exactly_those_samples_and_a_family_name_the_family() {
    let (client, state) = common::client();
    state.metrics.file_upload_duration.observe(1.5);
    for accept in ["text/plain", PROMETHEUS_ACCEPT] {
        let get = async |query: &str| {
            common::body(
                client
                    .get(format!("/metrics?{query}"))
                    .header(header::ACCEPT, accept)
                    .send()
                    .await,
            )
            .await
        };
        let samples_of = |body: &str| -> Vec<String> {
            body.lines()
                .filter(|line| !line.starts_with('#'))
                .map(|line| line.split(['{', ' ']).next().unwrap().to_owned())
                .collect()
        };
        // The Python client's rule: a sample name keeps exactly the samples of that name.
        let buckets = get("name[]=file_upload_duration_seconds_bucket").await;
        let names = samples_of(&buckets);
        assert_eq!(names.len(), 11, "{accept}: {buckets}");
        assert!(
            names
                .iter()
                .all(|n| n == "file_upload_duration_seconds_bucket"),
            "{accept}: {buckets}"
        );
        assert!(buckets.contains("# TYPE file_upload_duration_seconds histogram"));
        // client_golang's rule: a family name keeps the family.
        let family = get("name[]=file_upload_duration_seconds").await;
        for sample in ["_bucket", "_sum", "_count"] {
            assert!(
                samples_of(&family).contains(&format!("file_upload_duration_seconds{sample}")),
                "{accept}: {family}"
            );
        }
        // Nothing else: a summary has no buckets, a counter no _sum.
        for nothing in [
            "tour_response_seconds_bucket",
            "tour_clicks_total_sum",
            "tour_click",
        ] {
            let body = get(&format!("name[]={nothing}")).await;
            assert!(
                body.lines().all(|line| line == "# EOF"),
                "{accept}: name[]={nothing} selected {body}"
            );
        }
    }
}
