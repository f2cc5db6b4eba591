//! A real Prometheus of each version the tour supports scraping the classroom of `docs/classroom.md`:
//! Prometheus 3 (3.5) with the one configuration classroom.md starts first, and Debian 12's 2.42 with
//! its two-server path, each started with exactly the flags the docs give it, beside the same tours
//! (the tour and the three instances, started as documented, with `--traffic`). On each, every
//! ```` ```promql ```` query in `docs/` and on the tour's pages answers, and what each "look for"
//! promises holds, within honest bounds. The versions run side by side, not one after the other.

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

/// The docs configuration each version's classroom Prometheus loads: on Prometheus 3 one server
/// holds every lesson; on 2.42 this is the first of two.
fn classroom_config(version: Version) -> &'static str {
    match version {
        Version::Three => "prometheus.yml",
        Version::TwoFortyTwo => "prometheus-2.42.yml",
    }
}

/// The docs configuration for the native histogram and the exemplars: the same server on
/// Prometheus 3, the second one on 2.42.
fn native_config(version: Version) -> &'static str {
    match version {
        Version::Three => "prometheus.yml",
        Version::TwoFortyTwo => "prometheus-2.42-native.yml",
    }
}

/// Whether the classroom's first Prometheus of `version` stores the native histogram too.
fn classroom_stores_native(version: Version) -> bool {
    version == Version::Three
}

/// How a `prometheus` command in `docs/classroom.md` says which version it is for, after ` # `.
fn version_comment(version: Version) -> &'static str {
    match version {
        Version::Three => "Prometheus 3.5 to 3.7",
        Version::TwoFortyTwo => "Prometheus 2.42",
    }
}

/// The flags `docs/classroom.md` starts `docs/FILE` with: its one `prometheus --config.file=...`
/// line, which must say it is for `version`, less the configuration, storage path and listen
/// address, which each test chooses.
fn docs_flags(version: Version, file: &str) -> Vec<String> {
    let config = format!("--config.file=docs/{file}");
    let lines: Vec<String> = docs::blocks("sh")
        .into_iter()
        .filter(|block| block.place.starts_with("docs/classroom.md"))
        .filter(|block| block.marker() == Some(IN_ITS_OWN_TERMINAL))
        .flat_map(|block| block.text.lines().map(str::to_owned).collect::<Vec<_>>())
        .filter(|line| {
            line.starts_with("prometheus ") && line.split_whitespace().any(|f| f == config)
        })
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "docs/classroom.md starts docs/{file} once: {lines:?}"
    );
    let (command, comment) = lines[0]
        .split_once(" # ")
        .unwrap_or_else(|| panic!("`{}` says no version after ` # `", lines[0]));
    assert_eq!(comment.trim(), version_comment(version), "{}", lines[0]);
    command
        .split_whitespace()
        .skip(1)
        .filter(|flag| {
            ![
                "--config.file=",
                "--storage.tsdb.path=",
                "--web.listen-address=",
            ]
            .iter()
            .any(|chosen| flag.starts_with(chosen))
        })
        .map(str::to_owned)
        .collect()
}

/// Starts `version` with `config` and the docs' flags for `docs/FILE`; `None` when that version is
/// not installed (the launcher has said so).
async fn start_as_documented(version: Version, file: &str, config: &str) -> Option<Prometheus> {
    let flags = docs_flags(version, file);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    Prometheus::start(version, config, &flags).await
}

/// `docs/FILE` as the tests run it: scraping and evaluating every second, the tours at the ports
/// they got, the rules file by its full path. Each rewrite must apply, so the docs file stays the
/// one under test.
fn derived_config(file: &str, ports: &[(u16, u16)]) -> String {
    let original = std::fs::read_to_string(docs::doc(file)).unwrap();
    let rules = docs::doc("rules.yml");
    let mut rewrites = vec![("scrape_interval: 5s", "scrape_interval: 1s".to_owned())];
    if original.contains("rule_files:") {
        rewrites.push((
            "evaluation_interval: 5s",
            "evaluation_interval: 1s".to_owned(),
        ));
        rewrites.push(("- rules.yml", format!("- {}", rules.display())));
    }
    let mut config = original.clone();
    for (from, to) in rewrites {
        assert!(config.contains(from), "docs/{file} no longer has `{from}`");
        config = config.replace(from, &to);
    }
    for (from, _) in ports {
        assert!(
            config.contains(&format!("localhost:{from}")),
            "docs/{file} has no localhost:{from}"
        );
    }
    rewrite_ports(&config, ports)
}

/// Runs `check` on each Prometheus that started, at the same time, and gathers what each returns.
async fn on_each<T>(servers: &[Prometheus], check: impl AsyncFn(&Prometheus) -> T) -> Vec<T> {
    let first = async {
        match servers.first() {
            Some(prometheus) => Some(check(prometheus).await),
            None => None,
        }
    };
    let second = async {
        match servers.get(1) {
            Some(prometheus) => Some(check(prometheus).await),
            None => None,
        }
    };
    let (first, second) = tokio::join!(first, second);
    first.into_iter().chain(second).collect()
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

/// A query on the native histogram: answered only where native histograms are scraped.
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

/// What one version showed: every figure measured (printed, so a run's log shows them) and those
/// that did not hold, collected rather than stopping at the first, so one run shows every broken
/// lesson.
struct Lessons {
    version: Version,
    measured: Vec<String>,
    failed: Vec<String>,
}

impl Lessons {
    fn new(version: Version) -> Lessons {
        Lessons {
            version,
            measured: Vec::new(),
            failed: Vec::new(),
        }
    }

    fn check(&mut self, holds: bool, what: String) {
        let line = format!("{}: {what}", self.version.name());
        self.measured.push(line.clone());
        if !holds {
            self.failed.push(line);
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
            queries.push((page.clone(), common::unescape(query)));
        }
    }
    queries
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
    // Each version's classroom Prometheus, as the docs start it, scraping the same tours.
    let start = async |version: Version| {
        let file = classroom_config(version);
        start_as_documented(version, file, &derived_config(file, &ports)).await
    };
    let (three, two) = tokio::join!(start(Version::Three), start(Version::TwoFortyTwo));
    let servers: Vec<Prometheus> = [three, two].into_iter().flatten().collect();
    if servers.is_empty() {
        return;
    }

    on_each(&servers, async |prometheus| {
        everything_is_scraped(prometheus, &tours).await
    })
    .await;
    // Scraped as OpenMetrics: every tour was sent it. Protobuf went only to Prometheus 3's job
    // tour-native, which scrapes the one tour for its native histogram.
    for (port, tour) in &tours {
        let log = tour.log();
        assert!(
            log.contains(
                "content_type=\"application/openmetrics-text; version=1.0.0; charset=utf-8\""
            ),
            "the tour docs put on port {port} never sent OpenMetrics:\n{log}"
        );
        let protobuf = log.contains("content_type=\"application/vnd.google.protobuf");
        let expected = *port == 5000 && servers.iter().any(|p| p.version == Version::Three);
        assert_eq!(
            protobuf, expected,
            "protobuf sent by the tour on {port}:\n{log}"
        );
    }

    // Every query in the docs and on the pages answers, once enough has been scraped.
    let queries: Vec<(String, String)> = docs::blocks("promql")
        .into_iter()
        .map(|block| (block.place, block.text.trim().to_owned()))
        .chain(page_queries(tour).await)
        .collect();
    let failures = on_each(&servers, async |prometheus| {
        every_query_answers(prometheus, &queries).await
    })
    .await
    .concat();
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The summaries of the fleet: after a minute of traffic, the fleet's p90 from summed buckets,
    // then 20 slow responses to 5003, exactly as the docs send them, and the queries within the
    // minute.
    wait_until(started, Duration::from_secs(62)).await;
    let fleet_query = docs_query(&[
        "histogram_quantile(0.9",
        "tour_response_bucketed_seconds_bucket{job=\"tour-fleet\"}",
    ]);
    let before = on_each(&servers, async |prometheus| {
        (prometheus.version, prometheus.value(&fleet_query).await)
    })
    .await;
    let slow = docs::blocks("sh")
        .into_iter()
        .find(|block| block.text.contains("5003/summary?value=2"))
        .expect("the docs' slow responses for 5003");
    let sent = std::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", &rewrite_ports(&slow.text, &ports)])
        .output()
        .unwrap();
    assert!(sent.status.success(), "{}: {sent:?}", slow.place);

    let lessons = on_each(&servers, async |prometheus| {
        let (_, fleet_before) = before
            .iter()
            .find(|(version, _)| *version == prometheus.version)
            .unwrap();
        lessons_hold(prometheus, started, &ports, *fleet_before).await
    })
    .await;
    for lessons in &lessons {
        common::say(&lessons.measured.join("\n"));
    }
    let failed: Vec<&String> = lessons.iter().flat_map(|l| &l.failed).collect();
    assert!(
        failed.is_empty(),
        "lessons that did not hold:\n{}",
        failed
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Before any lesson, on `prometheus`: every target of its docs configuration is up, the
/// counter's OpenMetrics metadata is kept, every classic histogram and `_created` series is stored,
/// and on Prometheus 3 the native histogram too, as a native one, from job tour-native alone.
async fn everything_is_scraped(prometheus: &Prometheus, tours: &[(u16, Tour)]) {
    let version = prometheus.version;
    let fail = |error: String| -> ! { panic!("{}: {error}", version.name()) };
    let deadline = Instant::now() + Duration::from_secs(60);
    let docs_config = std::fs::read_to_string(docs::doc(classroom_config(version))).unwrap();
    let jobs: BTreeSet<String> = docs_config
        .lines()
        .filter_map(|line| line.trim().strip_prefix("- job_name: "))
        .map(str::to_owned)
        .collect();
    let addresses: BTreeSet<String> = tours
        .iter()
        .map(|(_, tour)| tour.address.to_string())
        .collect();
    until(deadline, async || {
        let targets = prometheus.get("/api/v1/targets").await;
        let active = targets["data"]["activeTargets"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let label = |name: &str| -> BTreeSet<String> {
            active
                .iter()
                .filter_map(|target| target["labels"][name].as_str().map(str::to_owned))
                .collect()
        };
        let all_up = active.iter().all(|target| target["health"] == "up");
        if all_up && label("job") == jobs && label("instance") == addresses {
            Ok(())
        } else {
            Err(format!(
                "targets not all up, or not jobs {jobs:?} on {addresses:?}: {targets}"
            ))
        }
    })
    .await
    .unwrap_or_else(|e| fail(e));

    // Prometheus keeps the counter's metadata under the OpenMetrics family name, without `_total`.
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
    .unwrap_or_else(|e| fail(e));
    assert!(
        metadata.iter().all(|entry| entry["type"] == "counter"),
        "{}: {metadata:?}",
        version.name()
    );

    // Every classic histogram as `_bucket` series, the native one's `+Inf` bucket included (from
    // OpenMetrics), and OpenMetrics' `_created` samples as series of their own, on every tour.
    for series in [
        "file_upload_duration_seconds_bucket",
        "tour_response_bucketed_seconds_bucket",
        "http_request_duration_seconds_bucket",
        "tour_response_native_seconds_bucket",
        "tour_clicks_created",
        "tour_response_seconds_created",
    ] {
        let query = format!("count by (instance) ({series})");
        until(deadline, async || {
            let results = prometheus.query(&query).await;
            if results.len() == tours.len() {
                Ok(())
            } else {
                Err(format!("{query}: {results:?}"))
            }
        })
        .await
        .unwrap_or_else(|e| fail(e));
    }
    if !classroom_stores_native(version) {
        return;
    }
    // The native histogram, stored as one: the query API answers with a `histogram`. Job
    // tour-native stores nothing else of the tour's (`?name[]=` asked for that family alone).
    until(deadline, async || {
        let results = prometheus.query("tour_response_native_seconds").await;
        match results.as_slice() {
            [result]
                if result["histogram"][1]["count"].is_string()
                    && result["metric"]["job"] == "tour-native" =>
            {
                Ok(())
            }
            _ => Err(format!("tour_response_native_seconds: {results:?}")),
        }
    })
    .await
    .unwrap_or_else(|e| fail(e));
    let names: BTreeSet<String> = prometheus
        .query("count by (__name__) ({job=\"tour-native\"})")
        .await
        .iter()
        .filter_map(|r| r["metric"]["__name__"].as_str().map(str::to_owned))
        .filter(|name| name != "up" && !name.starts_with("scrape_"))
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["tour_response_native_seconds".to_owned()]),
        "{}: what job tour-native stores",
        version.name()
    );
}

/// What of `queries` (place, query) `prometheus` does not answer, or answers from the wrong job:
/// a query for the single tour reads job tour only, with the fleet running, and one on the
/// native histogram reads the one job that scrapes it. On 2.42 the native queries belong to its
/// second server, and are asked there by the native histogram's test.
async fn every_query_answers(prometheus: &Prometheus, queries: &[(String, String)]) -> Vec<String> {
    let version = prometheus.version;
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut failures = Vec::new();
    for (place, query) in queries {
        let native = needs_native_histograms(query);
        if native && !classroom_stores_native(version) {
            continue;
        }
        let answered = until(deadline, async || {
            let results = prometheus.query(query).await;
            if results.is_empty() {
                Err(format!("{place}: `{query}` returned nothing"))
            } else {
                Ok(results)
            }
        })
        .await;
        let jobs = |results: &[Value]| -> Vec<Value> {
            results.iter().map(|r| r["metric"]["job"].clone()).collect()
        };
        match answered {
            Err(failure) => failures.push(format!("{}: {failure}", version.name())),
            Ok(results) if native => {
                if jobs(&results).iter().any(|job| *job != "tour-native") {
                    failures.push(format!(
                        "{}: {place}: `{query}` reads more than job tour-native: {:?}",
                        version.name(),
                        jobs(&results)
                    ));
                }
            }
            Ok(results)
                if place.starts_with("docs/exercises.md") && !query.contains("tour-fleet") =>
            {
                let jobs = jobs(&results);
                if !query.contains("job=\"tour\"")
                    || jobs.iter().any(|job| !job.is_null() && *job != "tour")
                {
                    failures.push(format!(
                        "{}: {place}: `{query}` reads more than job tour: {jobs:?}",
                        version.name()
                    ));
                }
            }
            Ok(_) => {}
        }
    }
    failures
}

/// Runs each `promtool query instant http://localhost:9090 ...` line of `docs/classroom.md` with
/// the promtool of `prometheus`'s version, against it: each must print a sample (`{...} => value`).
fn docs_promtool_queries_answer(prometheus: &Prometheus, lessons: &mut Lessons) {
    let Some(promtool) = prometheus.version.promtool() else {
        return;
    };
    let lines: Vec<String> = docs::blocks("sh")
        .into_iter()
        .filter(|block| block.place.starts_with("docs/classroom.md"))
        .flat_map(|block| block.text.lines().map(str::to_owned).collect::<Vec<_>>())
        .filter(|line| line.starts_with("promtool query instant http://localhost:9090 "))
        .collect();
    lessons.check(
        lines.len() >= 2,
        format!("docs/classroom.md's promtool queries: {}", lines.len()),
    );
    for line in lines {
        let command = line
            .replacen("promtool", &promtool.display().to_string(), 1)
            .replace(
                "http://localhost:9090",
                &format!("http://{}", prometheus.address),
            );
        let out = std::process::Command::new("bash")
            .args(["-c", &command])
            .output()
            .unwrap();
        let printed = String::from_utf8_lossy(&out.stdout).into_owned();
        lessons.check(
            out.status.success() && printed.contains(" => "),
            format!(
                "`{line}` printed a sample: {printed}{}",
                String::from_utf8_lossy(&out.stderr)
            ),
        );
    }
}

/// The lessons of docs/classroom.md and docs/exercises.md on `prometheus`, from the summaries of
/// the fleet just after the docs' slow responses (sent at 62 s) to the heat spike's cooling; the
/// fleet's p90 from summed buckets was `fleet_before` just before the slow responses.
async fn lessons_hold(
    prometheus: &Prometheus,
    started: Instant,
    ports: &[(u16, u16)],
    fleet_before: f64,
) -> Lessons {
    let mut lessons = Lessons::new(prometheus.version);
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
    .unwrap_or_else(|e| panic!("{}: {e}", prometheus.version.name()));
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
        (0.3..=0.42).contains(&fleet_before),
        format!("the fleet's p90 from summed buckets before the slow responses, about 0.35 s: {fleet_before}"),
    );
    lessons.check(
        (0.4..=0.55).contains(&fleet) && fleet < averaged * 0.75,
        format!("the fleet's p90 from summed buckets after them, about 0.5 s, under three quarters of the average {averaged}: {fleet}"),
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
        // The one-minute rate inside the range the docs give for a whole cycle (the five-minute
        // one reads low until five minutes have passed, as they say).
        if range == 60 {
            lessons.check(
                (0.2..=3.5).contains(&rate),
                format!("`{query}` between about 0.2 and 3.5 clicks/s: {rate}"),
            );
        }
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
        (14.0..=35.0).contains(&in_flight),
        format!("about 15 to 30 uploads in flight after the first burst, scraped every second: {in_flight}"),
    );
    // What the docs' five-second scrapes would have caught of the same gauge.
    let every_five = prometheus
        .value("max_over_time(file_uploads_in_progress{job=\"tour\"}[5m:5s])")
        .await;
    lessons.check(
        (14.0..=35.0).contains(&every_five),
        format!("about 15 to 30 uploads in flight after the first burst, one sample in five seconds: {every_five}"),
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

    // The burst of slow uploads, 30 s after the start, fires SlowUploads for the tour, and its
    // description says what the buckets know: at 10, the largest bucket, a tenth or more of the
    // uploads took longer than 10 s.
    let fired = until(started + Duration::from_secs(140), async || {
        let alerts = prometheus.get("/api/v1/alerts").await;
        let firing = alerts["data"]["alerts"].as_array().and_then(|alerts| {
            alerts
                .iter()
                .find(|alert| {
                    alert["labels"]["alertname"] == "SlowUploads"
                        && alert["labels"]["job"] == "tour"
                        && alert["state"] == "firing"
                })
                .cloned()
        });
        firing.ok_or_else(|| format!("SlowUploads never fired for job tour: {alerts}"))
    })
    .await;
    let within_ten = prometheus
        .value(
            "sum(rate(http_request_duration_seconds_bucket{job=\"tour\", route=\"/file-upload\", le=~\"10|10.0\"}[1m])) / sum(rate(http_request_duration_seconds_count{job=\"tour\", route=\"/file-upload\"}[1m]))",
        )
        .await;
    match &fired {
        Ok(alert) => {
            let value: f64 = alert["value"]
                .as_str()
                .unwrap_or("NaN")
                .parse()
                .unwrap_or(f64::NAN);
            let description = alert["annotations"]["description"].as_str().unwrap_or("");
            let capped = description.starts_with("A tenth or more");
            lessons.check(
                capped == (value >= 10.0) && (!capped || within_ten <= 0.9),
                format!("SlowUploads fired at {value}, {within_ten} of uploads within 10 s: {description}"),
            );
        }
        Err(error) => lessons.check(false, error.clone()),
    }
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

    docs_promtool_queries_answer(prometheus, &mut lessons);
    lessons
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_restart_the_raw_counter_falls_and_rate_never_goes_negative() {
    tokio::join!(
        restart_is_counted_through(Version::Three),
        restart_is_counted_through(Version::TwoFortyTwo)
    );
}

/// A tour restarts its counter while `version` scrapes it: the raw value falls, `resets()` sees
/// it, `increase()` counts through it, and `rate()` never goes negative.
async fn restart_is_counted_through(version: Version) {
    let Some((tour, prometheus)) = tour_judged_by(version).await else {
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
async fn the_native_histogram_and_exemplars_are_stored_as_the_docs_set_up_each_version() {
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
    let mut sent_values: Vec<f64> = (1..=200)
        .map(|i| 0.002 * f64::from(i) * f64::from(i) / 40.0)
        .collect();
    for value in &sent_values {
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
    sent_values.push(30.0);
    let traces = Traces {
        sent: sent.to_owned(),
        handed_out,
    };

    tokio::join!(
        native_and_exemplars_are_stored(Version::Three, &busy, &quiet, &sent_values, &traces),
        native_and_exemplars_are_stored(Version::TwoFortyTwo, &busy, &quiet, &sent_values, &traces)
    );
    // Protobuf was what the native histogram's scrapes asked for, and what the tours sent.
    assert!(
        busy.log()
            .contains("content_type=\"application/vnd.google.protobuf"),
        "{}",
        busy.log()
    );
}

/// The trace ids of the quiet tour: the one we sent on the counter, the one it handed out on the
/// bucket of 30 seconds.
struct Traces {
    sent: String,
    handed_out: String,
}

/// The Prometheus `version`'s docs start for the native histogram and the exemplars (the one
/// server on 3, the second on 2.42), scraping `busy` and `quiet` wherever the docs scrape port
/// 5000: the native histogram stored as one, its quantiles within a bucket of the exact ones over
/// `all` the quiet tour observed, the exemplars, the classic histograms, and every docs query on
/// the native histogram answered. Only Prometheus 3 keeps `_created` in the same server.
async fn native_and_exemplars_are_stored(
    version: Version,
    busy: &Tour,
    quiet: &Tour,
    all: &[f64],
    traces: &Traces,
) {
    let file = native_config(version);
    let docs_config = derived_config(file, &[]);
    assert!(
        docs_config.contains("\"localhost:5000\""),
        "docs/{file} scrapes no \"localhost:5000\""
    );
    let config = docs_config.replace(
        "\"localhost:5000\"",
        &format!("\"{}\", \"{}\"", busy.address, quiet.address),
    );
    let Some(prometheus) = start_as_documented(version, file, &config).await else {
        return;
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let (busy, quiet) = (
        format!("instance=\"{}\"", busy.address),
        format!("instance=\"{}\"", quiet.address),
    );
    let (sent, handed_out) = (&traces.sent, &traces.handed_out);

    // Stored as a native histogram: the query API answers with a `histogram`, not a `value`.
    for instance in [&busy, &quiet] {
        let query = format!("tour_response_native_seconds{{{instance}}}");
        until(deadline, async || {
            let results = prometheus.query(&query).await;
            match results.first() {
                Some(result) if result["histogram"][1]["count"].is_string() => Ok(()),
                _ => Err(format!("{query}: {results:?}")),
            }
        })
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", version.name()));
    }
    // `_created`: beside the native histogram on Prometheus 3, which asks for OpenMetrics in every
    // job but tour-native; never on 2.42's second server, whose protobuf scrapes carry none.
    let created = format!("tour_clicks_created{{{quiet}}}");
    if version == Version::Three {
        until(deadline, async || match prometheus.query(&created).await {
            results if results.is_empty() => Err(format!("{created} is not stored")),
            _ => Ok(()),
        })
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", version.name()));
    } else {
        assert!(
            prometheus.query(&created).await.is_empty(),
            "{}: {created} is stored after all",
            version.name()
        );
    }

    // histogram_quantile on the native histogram agrees with the exact quantile of what we sent
    // within schema 3's bucket: a factor of 2^(1/8), 9.05%.
    let (count, sum) = (all.len(), all.iter().sum::<f64>());
    let answer = |query: String| {
        let prometheus = &prometheus;
        async move {
            until(deadline, async || {
                first_value(&prometheus.query(&query).await)
                    .ok_or_else(|| format!("{query} answered nothing"))
            })
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", version.name()))
        }
    };
    let quiet_native = format!("tour_response_native_seconds{{{quiet}}}");
    assert_eq!(
        answer(format!("histogram_count({quiet_native})")).await,
        count as f64
    );
    let stored_sum = answer(format!("histogram_sum({quiet_native})")).await;
    assert!(
        (stored_sum - sum).abs() < 1e-9 * sum,
        "{}: {stored_sum} vs {sum}",
        version.name()
    );
    let factor = 2f64.powf(1.0 / 8.0);
    for q in [0.5, 0.9, 0.99] {
        let exact = exact_quantile(all, q);
        let estimate = answer(format!("histogram_quantile({q}, {quiet_native})")).await;
        assert!(
            estimate <= exact * factor && estimate >= exact / factor,
            "{}: p{q}: estimate {estimate}, exact {exact}",
            version.name()
        );
    }
    let bound = 0.25;
    let fraction = answer(format!("histogram_fraction(0, {bound}, {quiet_native})")).await;
    let below = |limit: f64| all.iter().filter(|v| **v <= limit).count() as f64 / count as f64;
    assert!(
        fraction >= below(bound / factor) && fraction <= below(bound * factor),
        "{}: histogram_fraction {fraction}, exact {}",
        version.name(),
        below(bound)
    );

    // The exemplars: the trace id we sent on the counter, and the one the tour handed out on the
    // bucket of 30 seconds, and the busy tour's traffic ones.
    let exemplars = |query: String| {
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
        let traces = exemplars(format!("tour_clicks_total{{{quiet}}}")).await;
        if traces.iter().any(|trace| trace == sent) {
            Ok(())
        } else {
            Err(format!("exemplars of tour_clicks_total: {traces:?}"))
        }
    })
    .await
    .unwrap_or_else(|e| panic!("{}: {e}", version.name()));
    until(deadline, async || {
        let traces = exemplars(format!("tour_response_bucketed_seconds_bucket{{{quiet}}}")).await;
        if traces.iter().any(|trace| trace == handed_out) {
            Ok(())
        } else {
            Err(format!("exemplars of the bucketed histogram: {traces:?}"))
        }
    })
    .await
    .unwrap_or_else(|e| panic!("{}: {e}", version.name()));
    until(deadline, async || {
        let traces = exemplars(format!("file_upload_duration_seconds_bucket{{{busy}}}")).await;
        if traces.iter().all(|trace| trace.len() == 32) && !traces.is_empty() {
            Ok(())
        } else {
            Err(format!("the traffic's upload exemplars: {traces:?}"))
        }
    })
    .await
    .unwrap_or_else(|e| panic!("{}: {e}", version.name()));

    // Every classic histogram is still stored as classic `_bucket` series under the flag.
    for series in [
        "file_upload_duration_seconds_bucket",
        "tour_response_bucketed_seconds_bucket",
        "http_request_duration_seconds_bucket",
    ] {
        assert!(
            !prometheus.query(series).await.is_empty(),
            "{}: {series}",
            version.name()
        );
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
        .unwrap_or_else(|e| panic!("{}: {e}", version.name()));
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
async fn a_histogram_with_classic_and_native_buckets_is_stored_native_only_unless_asked_for_both() {
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
    tokio::join!(
        mixed_is_stored(Version::Three, address),
        mixed_is_stored(Version::TwoFortyTwo, address)
    );
    server.abort();
}

/// `version`, with native histograms on as the docs turn them on, scraping the histogram with both
/// kinds of buckets at `address`: job `mixed` stores it native only; on Prometheus 3, job `both`,
/// with `always_scrape_classic_histograms: true` (which 2.42 has not), stores its classic buckets
/// too. The tour's own histograms are one kind or the other, so the docs need neither.
async fn mixed_is_stored(version: Version, address: SocketAddr) {
    let mut config = format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: mixed\n    scrape_protocols: [PrometheusProto]\n    static_configs:\n      - targets: ['{address}']\n"
    );
    if version == Version::Three {
        config += &format!(
            "  - job_name: both\n    scrape_protocols: [PrometheusProto]\n    always_scrape_classic_histograms: true\n    static_configs:\n      - targets: ['{address}']\n"
        );
    } else {
        // 2.42 has no scrape_protocols either: under the flag it asks for protobuf first anyway.
        config = config.replace("    scrape_protocols: [PrometheusProto]\n", "");
    }
    let Some(prometheus) = start_as_documented(version, native_config(version), &config).await
    else {
        return;
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    until(deadline, async || {
        let results = prometheus.query("mixed_seconds").await;
        let native = |job: &str| {
            results.iter().any(|result| {
                result["metric"]["job"] == job && result["histogram"][1]["count"] == "4"
            })
        };
        if native("mixed") && (version != Version::Three || native("both")) {
            Ok(())
        } else {
            Err(format!("mixed_seconds: {results:?}"))
        }
    })
    .await
    .unwrap_or_else(|e| panic!("{}: {e}", version.name()));
    assert!(
        prometheus
            .query("mixed_seconds_bucket{job=\"mixed\"}")
            .await
            .is_empty(),
        "{}: the classic buckets were stored too",
        version.name()
    );
    if version == Version::Three {
        let both = prometheus
            .query("mixed_seconds_bucket{job=\"both\", le=\"+Inf\"}")
            .await;
        assert_eq!(
            first_value(&both),
            Some(4.0),
            "always_scrape_classic_histograms kept no classic buckets: {both:?}"
        );
    }
}

#[test]
fn the_config_for_prometheus_3_8_is_the_one_for_3_5_with_scrape_native_histograms_instead_of_the_flag(
) {
    // Prometheus 3.8 is not run here: its file is held to 3.5's, which is.
    let Some(promtool) = Version::Three.promtool() else {
        return;
    };
    let jobs = |file: &str| -> String {
        let text = std::fs::read_to_string(docs::doc(file)).unwrap();
        text[text.find("scrape_configs:").unwrap()..].to_owned()
    };
    let setting = "    scrape_native_histograms: true\n";
    let newer = jobs("prometheus-3.8.yml");
    assert_eq!(newer.matches(setting).count(), 1, "{newer}");
    let (before, after) = newer.split_once(setting).unwrap();
    assert!(
        before.ends_with("  - job_name: tour-native\n"),
        "the setting is job tour-native's first line: {newer}"
    );
    assert_eq!(
        format!("{before}{after}"),
        jobs("prometheus.yml"),
        "the scrape jobs of 3.8's file and 3.5's differ by more than the setting"
    );
    let whole = std::fs::read_to_string(docs::doc("prometheus-3.8.yml")).unwrap();
    assert!(
        !whole.contains("scrape_protocols: [OpenMetrics"),
        "3.8 asks for OpenMetrics first where scrape_native_histograms is off: no global order needed"
    );
    // Its command takes no native-histograms flag, and 3.5 refuses the setting (3.8 reads it).
    let command = whole
        .lines()
        .find(|line| line.starts_with("#   prometheus "))
        .expect("docs/prometheus-3.8.yml's command");
    assert!(
        command.contains("--config.file=docs/prometheus-3.8.yml")
            && !command.contains("native-histograms"),
        "{command}"
    );
    let check = std::process::Command::new(&promtool)
        .args(["check", "config"])
        .arg(docs::doc("prometheus-3.8.yml"))
        .output()
        .unwrap();
    assert!(
        !check.status.success()
            && String::from_utf8_lossy(&check.stderr).contains("scrape_native_histograms"),
        "Prometheus 3.5's promtool accepted scrape_native_histograms: {check:?}"
    );
    let without = std::env::temp_dir().join(format!("tour-3.8-without-{}", std::process::id()));
    std::fs::create_dir_all(&without).unwrap();
    std::fs::write(
        without.join("prometheus.yml"),
        whole.replace(setting, "").replace(
            "- rules.yml",
            &format!("- {}", docs::doc("rules.yml").display()),
        ),
    )
    .unwrap();
    let check = std::process::Command::new(&promtool)
        .args(["check", "config"])
        .arg(without.join("prometheus.yml"))
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&without);
    assert!(check.status.success(), "{check:?}");
}

/// `promtool test rules` input: the upload requests of job tour over five minutes, `within_five`
/// and `within_ten` of every 100 at most 5 s and 10 s. (One sample every 15 s: on Prometheus 3 a
/// `[1m]` range is left-open, and needs more than one sample a minute.)
fn uploads_test(within_five: u32, within_ten: u32, rules: &std::path::Path) -> String {
    let series = |le: &str, per_step: u32| {
        format!(
            "      - series: 'http_request_duration_seconds_bucket{{job=\"tour\", route=\"/file-upload\", method=\"POST\", le=\"{le}\"}}'\n        values: '0+{per_step}x40'\n"
        )
    };
    format!(
        "rule_files:\n  - {}\nevaluation_interval: 15s\ntests:\n  - interval: 15s\n    input_series:\n{}{}{}",
        rules.display(),
        series("5.0", within_five),
        series("10.0", within_ten),
        series("+Inf", 100),
    )
}

#[test]
fn the_slow_uploads_alert_says_what_the_buckets_know_on_both_versions() {
    let rules = docs::doc("rules.yml");
    // (of 100 uploads, how many within 5 s and within 10 s; what the description must say: at a
    // p90 of 10, the largest bucket, then at about 9.8)
    let cases = [
        (0, 80, "A tenth or more of the uploads took longer than 10 s over the last minute: the 90th percentile lies beyond the largest bucket, 10 s, so its estimate stops at 10 and cannot say how much longer they took.\n"),
        (0, 93, "90% of uploads finished within about 9.8 s over the last minute (an estimate: the bucket from 5 s to 10 s is five seconds wide).\n"),
    ];
    for version in Version::ALL {
        let Some(promtool) = version.promtool() else {
            continue;
        };
        for (five, ten, description) in cases {
            let test = uploads_test(five, ten, &rules)
                + &format!(
                    "    alert_rule_test:\n      - eval_time: 5m\n        alertname: SlowUploads\n        exp_alerts:\n          - exp_labels: {{job: tour, severity: ticket}}\n            exp_annotations:\n              summary: Uploads to tour are slow\n              description: {description:?}\n"
                );
            let dir = std::env::temp_dir().join(format!(
                "tour-rules-{}-{five}-{ten}-{}",
                std::process::id(),
                version.name().replace(' ', "")
            ));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("test.yml"), &test).unwrap();
            let run = std::process::Command::new(&promtool)
                .args(["test", "rules"])
                .arg(dir.join("test.yml"))
                .output()
                .unwrap();
            let _ = std::fs::remove_dir_all(&dir);
            assert!(
                run.status.success(),
                "{}: {five} and {ten} of 100 within 5 s and 10 s:\n{}{}\n{test}",
                version.name(),
                String::from_utf8_lossy(&run.stdout),
                String::from_utf8_lossy(&run.stderr)
            );
        }
    }
}

#[test]
fn every_prometheus_config_in_docs_says_its_version_and_is_started_as_classroom_md_says() {
    let classroom = std::fs::read_to_string(docs::doc("classroom.md")).unwrap();
    let mut configs: Vec<String> = std::fs::read_dir(docs::root().join("docs"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("prometheus") && name.ends_with(".yml"))
        .collect();
    configs.sort();
    assert_eq!(
        configs,
        [
            "prometheus-2.42-native.yml",
            "prometheus-2.42.yml",
            "prometheus-3.8.yml",
            "prometheus.yml"
        ]
    );
    for file in configs {
        let text = std::fs::read_to_string(docs::doc(&file)).unwrap();
        let version = text.lines().next().unwrap_or("");
        assert!(
            version.starts_with("# For Prometheus "),
            "docs/{file} opens without its version: {version}"
        );
        // The command in its header is the one classroom.md gives, which names the version too.
        let command = text
            .lines()
            .find_map(|line| line.strip_prefix("#   prometheus "))
            .unwrap_or_else(|| panic!("docs/{file} gives no command"));
        let documented = classroom
            .lines()
            .map(str::trim)
            .find(|line| line.starts_with(&format!("prometheus {command} # Prometheus ")));
        assert!(
            documented.is_some(),
            "docs/classroom.md does not start docs/{file} as its header does: prometheus {command}"
        );
    }
}
