//! A real Prometheus (Debian's `prometheus`) scraping the classroom of `docs/classroom.md`, the tour and
//! the three instances started exactly as documented, with `--traffic`: it scrapes OpenMetrics, every
//! ```` ```promql ```` query in `docs/` and on the tour's pages answers, and what each "look for" in
//! `docs/exercises.md` promises holds, within honest bounds.

mod common;

use std::{
    collections::BTreeSet,
    net::SocketAddr,
    time::{Duration, Instant},
};

use common::{
    docs::{self, IN_ITS_OWN_TERMINAL},
    process::{cargo_run_args, rewrite_ports, Tour},
    prometheus::{first_value, tour_judged_by, until, until_value, Prometheus, Version},
};
use serde_json::Value;

/// `docs/prometheus.yml` as the test runs it: scraping and evaluating every second, the tours at
/// the ports they got, the rules file by its full path. Each rewrite must apply, so the docs file
/// stays the one under test.
fn derived_config(ports: &[(u16, u16)]) -> String {
    let original = std::fs::read_to_string(docs::doc("prometheus.yml")).unwrap();
    let rules = docs::doc("rules.yml");
    let mut config = original.clone();
    for (from, to) in [
        ("scrape_interval: 5s", "scrape_interval: 1s".to_owned()),
        (
            "evaluation_interval: 5s",
            "evaluation_interval: 1s".to_owned(),
        ),
        ("- rules.yml", format!("- {}", rules.display())),
    ] {
        assert!(
            config.contains(from),
            "docs/prometheus.yml no longer has `{from}`"
        );
        config = config.replace(from, &to);
    }
    for (from, _) in ports {
        assert!(
            config.contains(&format!("localhost:{from}")),
            "docs/prometheus.yml has no localhost:{from}"
        );
    }
    rewrite_ports(&config, ports)
}

/// The seed the tests give the traffic, so its crowd makes the same choices every run.
const SEED: &str = "7";

/// The tours `docs/classroom.md` starts in their own terminals, by docs port, with exactly the docs'
/// flags (and a seeded crowd).
fn tours_from_docs() -> Vec<(u16, Tour)> {
    docs::blocks("sh")
        .iter()
        .filter(|block| block.place.starts_with("docs/classroom.md"))
        .filter(|block| block.marker() == Some(IN_ITS_OWN_TERMINAL))
        .flat_map(|block| {
            block
                .text
                .lines()
                .filter_map(cargo_run_args)
                .collect::<Vec<_>>()
        })
        .map(|(port, args)| {
            (
                port,
                Tour::spawn_with_env(&args, &[(metrics_tour::traffic::SEED_VARIABLE, SEED)]),
            )
        })
        .collect()
}

/// A query on the native histogram answers only on the Prometheus with native histograms on.
fn needs_native_histograms(query: &str) -> bool {
    query.contains("tour_response_native_seconds")
}

/// The one ```` ```promql ```` block in `docs/` that starts with `parts[0]` and contains the others.
fn docs_query(parts: &[&str]) -> String {
    let found: Vec<String> = docs::blocks("promql")
        .into_iter()
        .map(|block| block.text.trim().to_owned())
        .filter(|query| query.starts_with(parts[0]))
        .filter(|query| parts.iter().all(|part| query.contains(part)))
        .collect();
    assert_eq!(found.len(), 1, "one docs query with {parts:?}: {found:?}");
    found[0].clone()
}

/// Sleeps until `elapsed` has passed since `start`.
async fn wait_until(start: Instant, elapsed: Duration) {
    tokio::time::sleep_until((start + elapsed).into()).await;
}

/// Collects what does not hold instead of stopping at the first, so one run shows every broken lesson.
#[derive(Default)]
struct Lessons(Vec<String>);

impl Lessons {
    fn check(&mut self, holds: bool, what: String) {
        if !holds {
            self.0.push(what);
        }
    }
}

/// The PromQL shown on the tour's pages: every `div.promql` code block of every page its navigation
/// links to.
async fn page_queries(tour: &Tour) -> Vec<(String, String)> {
    let front = common::http(tour.address, "GET", "/", &[], b"")
        .await
        .text();
    let mut pages = vec!["/".to_owned()];
    for link in front.split("href=\"/tour/").skip(1) {
        let page = format!("/tour/{}", link.split('"').next().unwrap());
        if !pages.contains(&page) {
            pages.push(page);
        }
    }
    let mut queries = Vec::new();
    for page in pages {
        let html = common::http(tour.address, "GET", &page, &[], b"")
            .await
            .text();
        for block in html.split("<div class=\"promql\"><pre><code>").skip(1) {
            let query = block.split("</code>").next().unwrap();
            queries.push((page.clone(), unescape(query)));
        }
    }
    queries
}

fn unescape(html: &str) -> String {
    html.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_classroom_setup_answers_every_query_and_keeps_every_lesson() {
    let started = Instant::now();
    let tours = tours_from_docs();
    let docs_ports: BTreeSet<u16> = tours.iter().map(|(port, _)| *port).collect();
    assert_eq!(
        docs_ports,
        BTreeSet::from([5000, 5001, 5002, 5003]),
        "the tours docs/classroom.md starts"
    );
    let ports: Vec<(u16, u16)> = tours
        .iter()
        .map(|(from, tour)| (*from, tour.address.port()))
        .collect();
    let tour = &tours.iter().find(|(port, _)| *port == 5000).unwrap().1;
    let Some(prometheus) =
        Prometheus::start(Version::TwoFortyTwo, &derived_config(&ports), &[]).await
    else {
        return;
    };
    let deadline = Instant::now() + Duration::from_secs(60);

    // Every target is up, scraped at the address it was given.
    let expected: BTreeSet<String> = tours
        .iter()
        .map(|(_, tour)| format!("http://{}/metrics", tour.address))
        .collect();
    until(deadline, async || {
        let targets = prometheus.get("/api/v1/targets").await;
        let active = targets["data"]["activeTargets"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let up: BTreeSet<String> = active
            .iter()
            .filter(|target| target["health"] == "up")
            .filter_map(|target| target["scrapeUrl"].as_str().map(str::to_owned))
            .collect();
        if up == expected {
            Ok(())
        } else {
            Err(format!(
                "targets up {up:?}, expected {expected:?}: {targets}"
            ))
        }
    })
    .await
    .unwrap();

    // Scraped as OpenMetrics: the tours sent it, and Prometheus keeps the counter's metadata under
    // the OpenMetrics family name, without `_total`.
    for (port, tour) in &tours {
        assert!(
            tour.log().contains(
                "content_type=\"application/openmetrics-text; version=1.0.0; charset=utf-8\""
            ),
            "the tour docs put on port {port} never sent OpenMetrics:\n{}",
            tour.log()
        );
    }
    let metadata = until(deadline, async || {
        let metadata = prometheus
            .get("/api/v1/targets/metadata?metric=tour_clicks")
            .await;
        match metadata["data"].as_array() {
            Some(entries) if !entries.is_empty() => Ok(entries.clone()),
            _ => Err(format!(
                "no metadata for the family tour_clicks: {metadata}"
            )),
        }
    })
    .await
    .unwrap();
    assert!(
        metadata.iter().all(|entry| entry["type"] == "counter"),
        "{metadata:?}"
    );

    // The plain Prometheus keeps every classic histogram as `_bucket` series, the native one's
    // `+Inf` bucket included, and OpenMetrics' `_created` samples as series of their own.
    for series in [
        "file_upload_duration_seconds_bucket",
        "tour_response_bucketed_seconds_bucket",
        "http_request_duration_seconds_bucket",
        "tour_response_native_seconds_bucket",
        "tour_clicks_created",
        "tour_response_seconds_created",
    ] {
        until(deadline, async || {
            let results = prometheus.query(series).await;
            if results.len() >= 4 {
                Ok(())
            } else {
                Err(format!("{series}: {results:?}"))
            }
        })
        .await
        .unwrap();
    }

    // Every query in the docs and on the pages answers, once enough has been scraped.
    let mut failures = Vec::new();
    let docs_queries = docs::blocks("promql")
        .into_iter()
        .map(|block| (block.place, block.text.trim().to_owned()));
    // The native histogram's queries need the other Prometheus, with its feature flag.
    for (place, query) in docs_queries
        .chain(page_queries(tour).await)
        .filter(|(_, query)| !needs_native_histograms(query))
    {
        let answered = until(deadline, async || {
            let results = prometheus.query(&query).await;
            if results.is_empty() {
                Err(format!("{place}: `{query}` returned nothing"))
            } else {
                Ok(results)
            }
        })
        .await;
        match answered {
            Err(failure) => failures.push(failure),
            // A query for the single tour reads the single tour only, with the fleet running.
            Ok(results)
                if place.starts_with("docs/exercises.md") && !query.contains("tour-fleet") =>
            {
                let jobs: Vec<&Value> = results.iter().map(|r| &r["metric"]["job"]).collect();
                if !query.contains("job=\"tour\"")
                    || jobs.iter().any(|job| !job.is_null() && *job != "tour")
                {
                    failures.push(format!(
                        "{place}: `{query}` reads more than job tour: {jobs:?}"
                    ));
                }
            }
            Ok(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    let mut lessons = Lessons::default();

    // The summaries of the fleet: after a minute of traffic, 20 slow responses to 5003, exactly as
    // the docs send them, then the queries within the minute.
    wait_until(started, Duration::from_secs(62)).await;
    let slow = docs::blocks("sh")
        .into_iter()
        .find(|block| block.text.contains("5003/summary?value=2"))
        .expect("the docs' slow responses for 5003");
    let sent = std::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", &rewrite_ports(&slow.text, &ports)])
        .output()
        .unwrap();
    assert!(sent.status.success(), "{}: {sent:?}", slow.place);
    let per_instance = docs_query(&["tour_response_seconds{job=\"tour-fleet\", quantile=\"0.9\"}"]);
    let slow_address = format!(
        "127.0.0.1:{}",
        ports.iter().find(|(from, _)| *from == 5003).unwrap().1
    );
    until(Instant::now() + Duration::from_secs(10), async || {
        let results = prometheus.query(&per_instance).await;
        let slow_p90 = results
            .iter()
            .find(|r| r["metric"]["instance"] == slow_address.as_str())
            .and_then(|r| r["value"][1].as_str()?.parse::<f64>().ok());
        match slow_p90 {
            Some(p90) if p90 >= 1.95 => Ok(()),
            other => Err(format!("5003's p90 {other:?}")),
        }
    })
    .await
    .unwrap();
    // One more scrape of every instance, so the [1m] rates hold the slow responses too.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for result in prometheus.query(&per_instance).await {
        let p90: f64 = result["value"][1].as_str().unwrap().parse().unwrap();
        let instance = result["metric"]["instance"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        if instance == slow_address {
            lessons.check(
                (1.95..=2.05).contains(&p90),
                format!("5003's p90 at 2 s: {p90}"),
            );
        } else {
            lessons.check(
                (0.25..=0.4).contains(&p90),
                format!("{instance}'s p90 near 0.3 s: {p90}"),
            );
        }
    }
    let averaged = prometheus
        .value(&docs_query(&[
            "avg(tour_response_seconds{job=\"tour-fleet\"",
        ]))
        .await;
    lessons.check(
        (0.75..=1.05).contains(&averaged),
        format!("the average of the fleet's p90s about 0.9 s: {averaged}"),
    );
    let fleet = prometheus
        .value(&docs_query(&[
            "histogram_quantile(0.9",
            "tour_response_bucketed_seconds_bucket{job=\"tour-fleet\"}",
        ]))
        .await;
    lessons.check(
        (0.3..=0.7).contains(&fleet) && fleet < averaged * 0.75,
        format!("the fleet's p90 from summed buckets about 0.45 s, half the average {averaged}: {fleet}"),
    );
    let mean = prometheus
        .value(&docs_query(&[
            "sum(rate(tour_response_seconds_sum{job=\"tour-fleet\"}",
        ]))
        .await;
    lessons.check(
        (0.15..=0.35).contains(&mean),
        format!("the fleet's mean response time about 0.25 s: {mean}"),
    );

    // Clicks: each range's rate near what the crowd's cycle gives over that range. Where the range
    // reaches back past the first scrape, rate() still divides by the whole range, so it reads low in
    // proportion, as the docs warn.
    let elapsed = started.elapsed();
    for (range, query) in [
        (
            60,
            docs_query(&["rate(tour_clicks_total{job=\"tour\"}[1m])"]),
        ),
        (
            300,
            docs_query(&["rate(tour_clicks_total{job=\"tour\"}[5m])"]),
        ),
    ] {
        let rate = prometheus.value(&query).await;
        let samples = prometheus
            .value(&format!(
                "count_over_time(tour_clicks_total{{job=\"tour\"}}[{range}s])"
            ))
            .await;
        // One scrape a second: the samples span that many seconds, and rate() extrapolates about
        // half a scrape past each end.
        let covered = Duration::from_secs_f64(samples.min(range as f64));
        let model = metrics_tour::traffic::expected_clicks_per_second(elapsed - covered, elapsed)
            * covered.as_secs_f64()
            / range as f64;
        lessons.check(
            (rate / model - 1.0).abs() < 0.4,
            format!("`{query}` near the cycle's {model:.2} clicks/s: {rate}"),
        );
    }

    // Routes and errors.
    for result in prometheus
        .query(&docs_query(&["sum by (route) (rate(http_requests_total"]))
        .await
    {
        let route = result["metric"]["route"].as_str().unwrap_or("?");
        lessons.check(
            route.starts_with('/') && !route.contains('?') && !route.contains('='),
            format!("a route pattern, never a raw path: {route}"),
        );
    }
    let errors = prometheus
        .value(&docs_query(&[
            "sum(rate(http_requests_total{job=\"tour\", status=~\"4..\"}",
        ]))
        .await;
    lessons.check(
        errors > 0.0 && errors < 0.1,
        format!("a small error ratio: {errors}"),
    );

    // Uploads: in flight, how long, as clients see it.
    let in_flight = prometheus
        .value(&docs_query(&["max_over_time(file_uploads_in_progress"]))
        .await;
    lessons.check(
        in_flight >= 20.0,
        format!("20 or more uploads in flight after the burst: {in_flight}"),
    );
    let p90 = prometheus
        .value(&docs_query(&[
            "histogram_quantile(0.9",
            "file_upload_duration_seconds_bucket{job=\"tour\"}",
        ]))
        .await;
    lessons.check(
        (8.3..=9.9).contains(&p90),
        format!("uploads' p90 near 9.1 s: {p90}"),
    );
    let mean = prometheus
        .value(&docs_query(&[
            "rate(file_upload_duration_seconds_sum{job=\"tour\"}",
        ]))
        .await;
    lessons.check(
        (4.5..=6.5).contains(&mean),
        format!("uploads' mean near 5.5 s: {mean}"),
    );

    // The summary beside the histogram.
    let summary_p99 = prometheus
        .value(&docs_query(&[
            "tour_response_seconds{job=\"tour\", quantile=\"0.99\"}",
        ]))
        .await;
    lessons.check(
        (0.55..=1.0).contains(&summary_p99),
        format!("the summary's p99 between about 0.6 and 1 s in the first minutes: {summary_p99}"),
    );
    let histogram_p99 = prometheus
        .value(&docs_query(&[
            "histogram_quantile(0.99",
            "tour_response_bucketed_seconds_bucket{job=\"tour\"}",
        ]))
        .await;
    lessons.check(
        histogram_p99 > 0.5 && histogram_p99 <= 1.0,
        format!("the histogram's p99 inside the bucket from 0.5 s to 1 s: {histogram_p99}"),
    );
    let mean = prometheus
        .value(&docs_query(&[
            "rate(tour_response_seconds_sum{job=\"tour\"}",
        ]))
        .await;
    lessons.check(
        (0.1..=0.2).contains(&mean) && mean < summary_p99 / 3.0,
        format!("the mean response time near 0.15 s, far below both p99s: {mean}"),
    );

    // The fleet's uploads: similar rates, the summed buckets' p90 against the average of p90s.
    let rates: Vec<f64> = prometheus
        .query(&docs_query(&[
            "sum by (instance) (rate(file_upload_duration_seconds_count",
        ]))
        .await
        .iter()
        .filter_map(|r| r["value"][1].as_str()?.parse().ok())
        .collect();
    let (low, high) = rates
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), &r| (l.min(r), h.max(r)));
    lessons.check(
        rates.len() == 3 && high / low < 1.5,
        format!("three similar upload rates: {rates:?}"),
    );
    let fleet = prometheus
        .value(&docs_query(&[
            "histogram_quantile(0.9, sum by (le)",
            "file_upload_duration_seconds_bucket{job=\"tour-fleet\"}",
        ]))
        .await;
    lessons.check(
        (7.5..=9.3).contains(&fleet),
        format!("the fleet's upload p90 about 8.5 s: {fleet}"),
    );
    let averaged = prometheus
        .value(&docs_query(&["avg(histogram_quantile(0.9", "tour-fleet"]))
        .await;
    lessons.check(
        (4.0..=4.9).contains(&averaged),
        format!("the average of the instances' p90s about 4.4 s: {averaged}"),
    );

    // The heat spike, 15 s after the start: 40 or more, and it lasted (at one scrape a second, 25
    // scrapes above 30 make five at the docs' five-second interval).
    let hottest = prometheus
        .value(&docs_query(&["max_over_time(tour_temperature_celsius"]))
        .await;
    lessons.check(
        hottest >= 40.0,
        format!("the heat spike caught at 40 or more: {hottest}"),
    );
    let hot_scrapes = prometheus
        .range(
            &docs_query(&["tour_temperature_celsius{job=\"tour\"}"]),
            120,
        )
        .await
        .iter()
        .filter(|&&t| t > 30.0)
        .count();
    lessons.check(
        hot_scrapes >= 25,
        format!("the spike outlasted many scrapes: {hot_scrapes} above 30"),
    );

    // The burst of slow uploads, 30 s after the start, fires SlowUploads for the tour.
    let fired = until(started + Duration::from_secs(140), async || {
        let alerts = prometheus.get("/api/v1/alerts").await;
        let firing = alerts["data"]["alerts"].as_array().is_some_and(|alerts| {
            alerts.iter().any(|alert| {
                alert["labels"]["alertname"] == "SlowUploads"
                    && alert["labels"]["job"] == "tour"
                    && alert["state"] == "firing"
            })
        });
        if firing {
            Ok(())
        } else {
            Err(format!("SlowUploads never fired for job tour: {alerts}"))
        }
    })
    .await;
    lessons.check(fired.is_ok(), format!("{fired:?}"));
    // The classic first query: the process's CPU time is float seconds, so its rate is not 0.
    let cpu = prometheus
        .value("rate(process_cpu_seconds_total{job=\"tour\"}[1m])")
        .await;
    lessons.check(
        cpu > 0.0,
        format!("rate(process_cpu_seconds_total[1m]) above 0: {cpu}"),
    );
    let rule = prometheus
        .value(&docs_query(&["job:upload_request_duration_seconds:p90_1m"]))
        .await;
    lessons.check(
        rule.is_finite(),
        format!("the recording rule answers: {rule}"),
    );

    // Once the spike has cooled, the gauge wanders around 21 again.
    wait_until(
        started,
        metrics_tour::traffic::FIRST_HEAT_SPIKE
            + metrics_tour::traffic::SPIKE_COOLS_OVER
            + Duration::from_secs(3),
    )
    .await;
    let now = prometheus
        .value(&docs_query(&["tour_temperature_celsius{job=\"tour\"}"]))
        .await;
    lessons.check(
        (15.0..=27.0).contains(&now),
        format!("the gauge back around 21: {now}"),
    );

    assert!(
        lessons.0.is_empty(),
        "lessons that did not hold:\n{}",
        lessons.0.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_restart_the_raw_counter_falls_and_rate_never_goes_negative() {
    let Some((tour, prometheus)) = tour_judged_by(Version::TwoFortyTwo).await else {
        return;
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    until_value(&prometheus, deadline, "tour_clicks_total", 0.0).await;
    tour.request("POST", "/counter?by=4", &[], b"").await;
    until_value(&prometheus, deadline, "tour_clicks_total", 4.0).await;

    let restart = tour.request("POST", "/counter/restart", &[], b"").await;
    assert_eq!(restart.status, 200, "{}", restart.text());
    let metrics = tour.request("GET", "/metrics", &[], b"").await.text();
    assert_eq!(common::sample(&metrics, "tour_clicks_total"), Some(0.0));
    until_value(&prometheus, deadline, "tour_clicks_total", 0.0).await;
    tour.request("POST", "/counter?by=3", &[], b"").await;
    until_value(&prometheus, deadline, "tour_clicks_total", 3.0).await;

    // Prometheus saw the fall, and counted through it: 4 before, 3 after.
    until_value(&prometheus, deadline, "resets(tour_clicks_total[5m])", 1.0).await;
    let increase = first_value(&prometheus.query("increase(tour_clicks_total[5m])").await).unwrap();
    assert!(increase >= 7.0, "increase() across the restart: {increase}");
    // A naive difference over the same short windows does go negative, once they hold the fall;
    // rate() over them never does.
    until(deadline, async || {
        let naive = prometheus
            .query("min_over_time(delta(tour_clicks_total[2s])[1m:1s])")
            .await;
        match first_value(&naive) {
            Some(lowest) if lowest < 0.0 => Ok(()),
            _ => Err(format!("delta() never fell: {naive:?}")),
        }
    })
    .await
    .unwrap();
    for range in ["2s", "3s"] {
        let query = format!("min_over_time(rate(tour_clicks_total[{range}])[1m:1s])");
        let lowest = first_value(&prometheus.query(&query).await).unwrap();
        assert!(lowest >= 0.0, "{query}: {lowest}");
    }
}

/// The exact `q` quantile of `values` by nearest rank, and the fraction at most `bound`.
fn exact_quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank - 1]
}

/// `POST path` on `tour` with `headers`, returning the `traceparent` the tour answered with.
async fn post_traced(tour: &Tour, path: &str, headers: &[(&str, &str)]) -> String {
    let answer = common::http(tour.address, "POST", path, headers, b"").await;
    assert_eq!(answer.status, 200, "{path}: {}", answer.text());
    answer
        .header("traceparent")
        .unwrap_or_else(|| panic!("{path} answered without traceparent"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_with_native_histograms_stores_the_native_histogram_and_exemplars() {
    // The tour the docs scrape, with its traffic; and a quiet one that sees only the values we
    // send, so the exact quantile is known.
    let busy = Tour::spawn(
        &[
            "--listen",
            "127.0.0.1:0",
            "--traffic",
            "--upload-seconds",
            "0..1",
        ]
        .map(String::from),
    );
    let quiet = Tour::spawn(&["--listen", "127.0.0.1:0"].map(String::from));
    let values: Vec<f64> = (1..=200)
        .map(|i| 0.002 * f64::from(i) * f64::from(i) / 40.0)
        .collect();
    for value in &values {
        post_traced(&quiet, &format!("/summary?value={value}"), &[]).await;
    }
    let sent = "4bf92f3577b34da6a3ce929d0e0e4736";
    let ours = post_traced(
        &quiet,
        "/counter",
        &[("traceparent", &format!("00-{sent}-00f067aa0ba902b7-01"))],
    )
    .await;
    assert!(ours.starts_with(&format!("00-{sent}-")), "{ours}");
    let handed_out = post_traced(&quiet, "/summary?value=30", &[]).await;
    let handed_out = handed_out.split('-').nth(1).unwrap().to_owned();

    let docs_config = std::fs::read_to_string(docs::doc("prometheus-native.yml")).unwrap();
    let config = rewrite_ports(
        &docs_config.replace("scrape_interval: 5s", "scrape_interval: 1s"),
        &[(5000, busy.address.port())],
    ) + &format!(
        "  - job_name: quiet\n    static_configs:\n      - targets: [\"{}\"]\n",
        quiet.address
    );
    let flags = docs::blocks("sh")
        .iter()
        .flat_map(|block| block.text.lines().map(str::to_owned).collect::<Vec<_>>())
        .find(|line| line.contains("--config.file=docs/prometheus-native.yml"))
        .and_then(|line| {
            line.split_whitespace()
                .find(|flag| flag.starts_with("--enable-feature="))
                .map(str::to_owned)
        })
        .expect("docs start the native Prometheus with --enable-feature=");
    let Some(prometheus) = Prometheus::start(Version::TwoFortyTwo, &config, &[&flags]).await else {
        return;
    };
    let deadline = Instant::now() + Duration::from_secs(60);

    // Stored as a native histogram: the query API answers with a `histogram`, not a `value`.
    for job in ["tour", "quiet"] {
        let query = format!("tour_response_native_seconds{{job=\"{job}\"}}");
        until(deadline, async || {
            let results = prometheus.query(&query).await;
            match results.first() {
                Some(result) if result["histogram"][1]["count"].is_string() => Ok(()),
                _ => Err(format!("{query}: {results:?}")),
            }
        })
        .await
        .unwrap();
    }
    // Protobuf was what it asked for, and what the tours sent.
    assert!(
        busy.log()
            .contains("content_type=\"application/vnd.google.protobuf"),
        "{}",
        busy.log()
    );

    // histogram_quantile on the native histogram agrees with the exact quantile of what we sent
    // within schema 3's bucket: a factor of 2^(1/8), 9.05%.
    let (count, sum) = (values.len() + 1, values.iter().sum::<f64>() + 30.0);
    let mut all = values.clone();
    all.push(30.0);
    let answer = |query: String| {
        let prometheus = &prometheus;
        async move {
            until(deadline, async || {
                first_value(&prometheus.query(&query).await)
                    .ok_or_else(|| format!("{query} answered nothing"))
            })
            .await
            .unwrap()
        }
    };
    let quiet_native = "tour_response_native_seconds{job=\"quiet\"}";
    assert_eq!(
        answer(format!("histogram_count({quiet_native})")).await,
        count as f64
    );
    let stored_sum = answer(format!("histogram_sum({quiet_native})")).await;
    assert!(
        (stored_sum - sum).abs() < 1e-9 * sum,
        "{stored_sum} vs {sum}"
    );
    let factor = 2f64.powf(1.0 / 8.0);
    for q in [0.5, 0.9, 0.99] {
        let exact = exact_quantile(&all, q);
        let estimate = answer(format!("histogram_quantile({q}, {quiet_native})")).await;
        assert!(
            estimate <= exact * factor && estimate >= exact / factor,
            "p{q}: estimate {estimate}, exact {exact}"
        );
    }
    let bound = 0.25;
    let fraction = answer(format!("histogram_fraction(0, {bound}, {quiet_native})")).await;
    let below = |limit: f64| all.iter().filter(|v| **v <= limit).count() as f64 / count as f64;
    assert!(
        fraction >= below(bound / factor) && fraction <= below(bound * factor),
        "histogram_fraction {fraction}, exact {}",
        below(bound)
    );

    // The exemplars: the trace id we sent on the counter, and the one the tour handed out on the
    // bucket of 30 seconds, and the busy tour's traffic ones.
    let exemplars = |query: &'static str| {
        let prometheus = &prometheus;
        async move {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            let answer = prometheus
                .get(&format!(
                    "/api/v1/query_exemplars?query={}&start={}&end={}",
                    form_urlencoded::byte_serialize(query.as_bytes()).collect::<String>(),
                    now - 600,
                    now + 60
                ))
                .await;
            answer["data"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .flat_map(|series| series["exemplars"].as_array().cloned().unwrap_or_default())
                .filter_map(|exemplar| exemplar["labels"]["trace_id"].as_str().map(str::to_owned))
                .collect::<Vec<String>>()
        }
    };
    until(deadline, async || {
        let traces = exemplars("tour_clicks_total{job=\"quiet\"}").await;
        if traces.iter().any(|trace| trace == sent) {
            Ok(())
        } else {
            Err(format!("exemplars of tour_clicks_total: {traces:?}"))
        }
    })
    .await
    .unwrap();
    until(deadline, async || {
        let traces = exemplars("tour_response_bucketed_seconds_bucket{job=\"quiet\"}").await;
        if traces.contains(&handed_out) {
            Ok(())
        } else {
            Err(format!("exemplars of the bucketed histogram: {traces:?}"))
        }
    })
    .await
    .unwrap();
    until(deadline, async || {
        let traces = exemplars("file_upload_duration_seconds_bucket{job=\"tour\"}").await;
        if traces.iter().all(|trace| trace.len() == 32) && !traces.is_empty() {
            Ok(())
        } else {
            Err(format!("the traffic's upload exemplars: {traces:?}"))
        }
    })
    .await
    .unwrap();

    // Every classic histogram is still stored as classic `_bucket` series under the flag.
    for series in [
        "file_upload_duration_seconds_bucket",
        "tour_response_bucketed_seconds_bucket",
        "http_request_duration_seconds_bucket",
    ] {
        assert!(!prometheus.query(series).await.is_empty(), "{series}");
    }

    // Every docs query on the native histogram answers here.
    for block in docs::blocks("promql")
        .into_iter()
        .filter(|block| needs_native_histograms(&block.text))
    {
        let query = block.text.trim().to_owned();
        until(deadline, async || {
            if prometheus.query(&query).await.is_empty() {
                Err(format!("{}: `{query}` returned nothing", block.place))
            } else {
                Ok(())
            }
        })
        .await
        .unwrap();
    }
}

/// Serves `body` as a protobuf exposition on a free loopback port, to every scrape, until dropped.
async fn serve_protobuf(body: Vec<u8>) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut request = vec![0; 4096];
            let _ = socket.read(&mut request).await;
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                metrics_tour::exposition::protobuf::CONTENT_TYPE,
                body.len()
            );
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(&body).await;
        }
    });
    (address, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_the_flag_a_histogram_with_classic_and_native_buckets_is_stored_native_only() {
    use metrics_tour::exposition::{extras::Extras, protobuf};
    use metrics_tour::native_histogram::{NativeHistogram, NativeOpts};
    // One family with both: the classic buckets of a prometheus::Histogram and, under the same
    // name, a native histogram's buckets, fed the same values.
    let classic = prometheus::Histogram::with_opts(prometheus::HistogramOpts::new(
        "mixed_seconds",
        "Both kinds of buckets.",
    ))
    .unwrap();
    let native = NativeHistogram::new(NativeOpts::new("mixed_seconds", "Native.")).unwrap();
    for value in [0.01, 0.2, 0.3, 4.0] {
        classic.observe(value);
        native.observe(value);
    }
    let mut extras = Extras::default();
    extras
        .native
        .insert("mixed_seconds".into(), native.snapshot());
    let families = prometheus::core::Collector::collect(&classic);
    let (address, server) = serve_protobuf(protobuf::encode(&families, &extras)).await;
    let config = format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: mixed\n    static_configs:\n      - targets: ['{address}']\n"
    );
    let Some(prometheus) = Prometheus::start(
        Version::TwoFortyTwo,
        &config,
        &["--enable-feature=native-histograms"],
    )
    .await
    else {
        return;
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    until(deadline, async || {
        let results = prometheus.query("mixed_seconds").await;
        match results.first() {
            Some(result) if result["histogram"][1]["count"] == "4" => Ok(()),
            _ => Err(format!("mixed_seconds: {results:?}")),
        }
    })
    .await
    .unwrap();
    assert!(
        prometheus.query("mixed_seconds_bucket").await.is_empty(),
        "the classic buckets were stored too"
    );
    server.abort();
}
