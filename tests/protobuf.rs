//! The protobuf exposition: what we encode decodes back, with our reader and with client_model's
//! (the Go code Prometheus itself parses with), to the same families, exemplars and native buckets.

mod common;

use std::{io::Write, process::Stdio};

use metrics_tour::exposition::extras::{Exemplar, Extras};
use metrics_tour::exposition::protobuf::{decode_delimited, encode, Message, WireNative};
use metrics_tour::native_histogram::{NativeHistogram, NativeOpts, NativeSnapshot};
use metrics_tour::summary::{Summary, SummaryOpts};
use prometheus::{
    proto::MetricFamily, Counter, CounterVec, Gauge, Histogram, HistogramOpts, Opts, Registry,
};
use serde_json::Value;

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

/// One family of every kind, observed, with an exemplar on the counter and on one bucket.
fn everything() -> (Vec<MetricFamily>, Extras, NativeSnapshot) {
    let registry = Registry::new();
    let clicks = Counter::new("clicks_total", "Clicks.").unwrap();
    let temperature = Gauge::new("temperature_celsius", "A gauge.").unwrap();
    let uploads = Histogram::with_opts(
        HistogramOpts::new("upload_seconds", "Uploads.").buckets(vec![1.0, 2.0, 5.0]),
    )
    .unwrap();
    let response = Summary::new(SummaryOpts::new("response_seconds", "A summary.")).unwrap();
    let native =
        NativeHistogram::new(NativeOpts::new("response_native_seconds", "Native.")).unwrap();
    let requests = CounterVec::new(Opts::new("requests_total", "By route."), &["route"]).unwrap();
    registry.register(Box::new(clicks.clone())).unwrap();
    registry.register(Box::new(temperature.clone())).unwrap();
    registry.register(Box::new(uploads.clone())).unwrap();
    registry.register(Box::new(response.clone())).unwrap();
    registry.register(Box::new(native.clone())).unwrap();
    registry.register(Box::new(requests.clone())).unwrap();
    clicks.inc_by(3.0);
    temperature.set(-4.5);
    requests.with_label_values(&["/a \"quoted\" route"]).inc();
    for v in [0.5f64, 1.5, 1.7, 4.0, 30.0, 0.0, -2.0, 0.001] {
        uploads.observe(v.max(0.0));
        response.observe(v.max(0.0));
        native.observe(v);
    }
    let exemplar = |value| Exemplar {
        trace_id: TRACE.to_owned(),
        value,
        timestamp: 1_700_000_000.25,
    };
    let mut extras = Extras::default();
    extras
        .exemplars
        .insert("clicks_total".into(), vec![Some(exemplar(1.0))]);
    extras.exemplars.insert(
        "upload_seconds".into(),
        vec![None, Some(exemplar(1.7)), None, Some(exemplar(30.0))],
    );
    let snapshot = native.snapshot();
    extras
        .native
        .insert("response_native_seconds".into(), snapshot.clone());
    (registry.gather(), extras, snapshot)
}

fn family<'a>(decoded: &'a [Message<'a>], name: &str) -> &'a Message<'a> {
    decoded
        .iter()
        .find(|family| family.string(1) == Some(name))
        .unwrap_or_else(|| panic!("no family {name}"))
}

#[test]
fn our_reader_gets_back_every_family_with_its_exemplars_and_native_buckets() {
    let (families, extras, snapshot) = everything();
    let body = encode(&families, &extras);
    let decoded = decode_delimited(&body).expect("valid delimited protobuf");
    let names: Vec<&str> = decoded.iter().filter_map(|f| f.string(1)).collect();
    let expected: Vec<&str> = families.iter().map(|f| f.name()).collect();
    assert_eq!(names, expected);

    let clicks = family(&decoded, "clicks_total").message(4).unwrap();
    let counter = clicks.message(3).unwrap();
    assert_eq!(counter.double(1), Some(3.0));
    let exemplar = counter.message(2).unwrap();
    let label = exemplar.message(1).unwrap();
    assert_eq!(
        (label.string(1), label.string(2)),
        (Some("trace_id"), Some(TRACE))
    );
    let timestamp = exemplar.message(3).unwrap();
    assert_eq!(
        (timestamp.uint(1), timestamp.uint(2)),
        (Some(1_700_000_000), Some(250_000_000))
    );

    let gauge = family(&decoded, "temperature_celsius");
    assert_eq!(gauge.uint(3), Some(1));
    assert_eq!(
        gauge.message(4).unwrap().message(2).unwrap().double(1),
        Some(-4.5)
    );

    let histogram = family(&decoded, "upload_seconds")
        .message(4)
        .unwrap()
        .message(7)
        .unwrap();
    assert_eq!(histogram.uint(1), Some(8));
    let buckets = histogram.messages(3);
    let counts: Vec<_> = buckets
        .iter()
        .map(|b| (b.double(2).unwrap(), b.uint(1).unwrap()))
        .collect();
    assert_eq!(counts, [(1.0, 4), (2.0, 6), (5.0, 7), (f64::INFINITY, 8)]);
    let with_exemplar: Vec<bool> = buckets.iter().map(|b| b.message(3).is_some()).collect();
    assert_eq!(with_exemplar, [false, true, false, true]);
    assert_eq!(
        WireNative::of_family(family(&decoded, "upload_seconds")),
        None,
        "classic only"
    );

    let summary = family(&decoded, "response_seconds")
        .message(4)
        .unwrap()
        .message(4)
        .unwrap();
    assert_eq!(summary.uint(1), Some(8));
    let quantiles: Vec<f64> = summary
        .messages(3)
        .iter()
        .map(|q| q.double(1).unwrap())
        .collect();
    assert_eq!(quantiles, [0.5, 0.9, 0.99]);

    let labelled = family(&decoded, "requests_total")
        .message(4)
        .unwrap()
        .message(1)
        .unwrap();
    assert_eq!(labelled.string(2), Some("/a \"quoted\" route"));

    let native = WireNative::of_family(family(&decoded, "response_native_seconds")).unwrap();
    assert_eq!(native.schema, snapshot.schema);
    assert_eq!(native.zero_threshold, 2f64.powi(-24));
    assert_eq!(native.zero_count, 1);
    assert_eq!(native.count, 8);
    assert_eq!(native.positive_buckets().unwrap(), snapshot.positive);
    assert_eq!(native.negative_buckets().unwrap(), [(8, 1)]);
}

/// client_model's Go types, read with expfmt's delimited decoder, as a Prometheus scrape reads.
fn decode_with_client_model(body: &[u8]) -> Option<Vec<Value>> {
    let go = common::require_program("go", "golang-go")?;
    let program = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/go/decode_protobuf.go");
    let mut child = std::process::Command::new(go)
        .args(["run", program])
        .env("GOPATH", "/usr/share/gocode")
        .env("GO111MODULE", "off")
        .env(
            "GOCACHE",
            std::env::temp_dir().join("metrics-tour-go-cache"),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(body).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "client_model refused our protobuf: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines = String::from_utf8(output.stdout).unwrap();
    Some(
        lines
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect(),
    )
}

/// A number in proto3 JSON: 64-bit integers come as strings.
fn number(value: &Value) -> f64 {
    match value {
        Value::String(text) => text.parse().unwrap(),
        other => other
            .as_f64()
            .unwrap_or_else(|| panic!("not a number: {other}")),
    }
}

#[test]
fn client_model_reads_the_same_families_exemplars_and_spans() {
    let (families, extras, snapshot) = everything();
    let Some(decoded) = decode_with_client_model(&encode(&families, &extras)) else {
        return;
    };
    let by_name = |name: &str| -> &Value {
        decoded
            .iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("no {name}"))
    };
    assert_eq!(decoded.len(), families.len());

    let counter = &by_name("clicks_total")["metric"][0]["counter"];
    assert_eq!(number(&counter["value"]), 3.0);
    assert_eq!(counter["exemplar"]["label"][0]["value"], TRACE);
    assert_eq!(counter["exemplar"]["timestamp"], "2023-11-14T22:13:20.250Z");

    let buckets = &by_name("upload_seconds")["metric"][0]["histogram"]["bucket"];
    assert_eq!(number(&buckets[1]["upper_bound"]), 2.0);
    assert_eq!(number(&buckets[1]["cumulative_count"]), 6.0);
    assert_eq!(buckets[3]["upper_bound"], "Infinity");
    assert_eq!(number(&buckets[1]["exemplar"]["value"]), 1.7);

    let summary = &by_name("response_seconds")["metric"][0]["summary"];
    assert_eq!(number(&summary["sample_count"]), 8.0);
    assert_eq!(summary["quantile"].as_array().unwrap().len(), 3);

    let native = &by_name("response_native_seconds")["metric"][0]["histogram"];
    assert_eq!(number(&native["schema"]), f64::from(snapshot.schema));
    assert_eq!(number(&native["zero_count"]), 1.0);
    assert_eq!(number(&native["sample_count"]), 8.0);
    assert_eq!(number(&native["negative_span"][0]["offset"]), 8.0);
    let spans: Vec<metrics_tour::native_histogram::spans::Span> = native["positive_span"]
        .as_array()
        .unwrap()
        .iter()
        .map(|span| metrics_tour::native_histogram::spans::Span {
            offset: number(&span["offset"]) as i32,
            length: number(&span["length"]) as u32,
        })
        .collect();
    let deltas: Vec<i64> = native["positive_delta"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| number(d) as i64)
        .collect();
    assert_eq!(
        metrics_tour::native_histogram::spans::decode(&spans, &deltas).unwrap(),
        snapshot.positive
    );
}
