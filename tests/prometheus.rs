//! A real Prometheus (Debian's `prometheus`) scraping real tours: it scrapes OpenMetrics, every
//! ```` ```promql ```` query in `docs/` answers, the rules in `docs/rules.yml` evaluate, and the
//! three-instance lesson holds. Also `promtool check metrics` on a real scrape.

mod common;

use std::{
    collections::BTreeSet,
    net::SocketAddr,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use common::{
    docs::{self, IN_ITS_OWN_TERMINAL},
    process::{cargo_run_args, free_port, rewrite_ports, Tour},
    require_program,
};
use serde_json::Value;

/// A Prometheus server on a free port with its own scratch storage, both gone when dropped.
struct Prometheus {
    address: SocketAddr,
    child: Child,
    dir: PathBuf,
}

impl Prometheus {
    /// Starts Prometheus with `config` and the extra `flags` on a free port, and waits until it
    /// says it is ready.
    async fn start(config: &str, flags: &[&str]) -> Prometheus {
        let address = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        Prometheus::start_at(address, config, flags).await
    }

    /// Starts Prometheus with `config` and `flags` on `address` (for a tour told where it will be).
    async fn start_at(address: SocketAddr, config: &str, flags: &[&str]) -> Prometheus {
        let dir = std::env::temp_dir().join(format!(
            "tour-prometheus-{}-{}",
            std::process::id(),
            address.port()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("prometheus.yml"), config).unwrap();
        let child = Command::new("prometheus")
            .arg(format!(
                "--config.file={}",
                dir.join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address={address}"))
            .arg("--log.level=warn")
            .args(flags)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let prometheus = Prometheus {
            address,
            child,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if tokio::net::TcpStream::connect(address).await.is_ok()
                && common::http(address, "GET", "/-/ready", &[], b"")
                    .await
                    .status
                    == 200
            {
                return prometheus;
            }
            assert!(
                Instant::now() < deadline,
                "prometheus never became ready on {address}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `GET path`, as JSON.
    async fn get(&self, path: &str) -> Value {
        let answer = common::http(self.address, "GET", path, &[], b"").await;
        serde_json::from_slice(&answer.body).unwrap_or(Value::Null)
    }

    /// An instant query's result list (a scalar counts as one result).
    async fn query(&self, promql: &str) -> Vec<Value> {
        let answer = self
            .get(&format!(
                "/api/v1/query?query={}",
                form_urlencoded::byte_serialize(promql.as_bytes()).collect::<String>()
            ))
            .await;
        match &answer["data"]["result"] {
            Value::Array(results) => results.clone(),
            Value::Null => Vec::new(),
            scalar => vec![scalar.clone()],
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

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

/// The tours the docs start in their own terminals, by docs port: the single tour (given quick
/// uploads unless the docs set a range) and the three instances with exactly the docs' flags.
fn tours_from_docs() -> Vec<(u16, Tour)> {
    docs::blocks("sh")
        .iter()
        .filter(|block| block.marker() == Some(IN_ITS_OWN_TERMINAL))
        .flat_map(|block| {
            block
                .text
                .lines()
                .filter_map(cargo_run_args)
                .collect::<Vec<_>>()
        })
        .map(|(port, mut args)| {
            if !args.iter().any(|arg| arg == "--upload-seconds") {
                args.extend(["--upload-seconds".to_owned(), "0..1".to_owned()]);
            }
            (port, Tour::spawn(&args))
        })
        .collect()
}

/// Polls `check` every 250 ms until it returns `Ok`, or returns its last `Err` at `deadline`.
async fn until<T>(
    deadline: Instant,
    mut check: impl AsyncFnMut() -> Result<T, String>,
) -> Result<T, String> {
    loop {
        match check().await {
            Ok(value) => return Ok(value),
            Err(error) if Instant::now() >= deadline => return Err(error),
            Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
}

/// A query on the native histogram answers only on the Prometheus with native histograms on.
fn needs_native_histograms(query: &str) -> bool {
    query.contains("tour_response_native_seconds")
}

fn first_value(results: &[Value]) -> Option<f64> {
    results.first()?["value"][1].as_str()?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_scrapes_openmetrics_and_every_docs_query_answers() {
    if require_program("prometheus", "prometheus").is_none() {
        return;
    }
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
    let prometheus = Prometheus::start(&derived_config(&ports), &[]).await;
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
    until(deadline, async || {
        let clicks = prometheus.query("tour_clicks_total").await;
        if clicks.len() == 4 {
            Ok(())
        } else {
            Err(format!("tour_clicks_total: {clicks:?}"))
        }
    })
    .await
    .unwrap();

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

    // Every query in the docs answers, once enough has been scraped.
    let mut failures = Vec::new();
    for block in docs::blocks("promql")
        .into_iter()
        .filter(|block| !needs_native_histograms(&block.text))
    {
        let query = block.text.trim();
        let answered = until(deadline, async || {
            let results = prometheus.query(query).await;
            if results.is_empty() {
                Err(format!("{}: `{query}` returned nothing", block.place))
            } else {
                Ok(())
            }
        })
        .await;
        if let Err(failure) = answered {
            failures.push(failure);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The lesson: the fleet's p90 from summed buckets is far above the average of the three p90s.
    let queries: Vec<String> = docs::blocks("promql")
        .into_iter()
        .map(|block| block.text)
        .collect();
    let fleet = queries
        .iter()
        .find(|query| {
            query.starts_with("histogram_quantile(0.9, sum by (le)") && query.contains("tour-fleet")
        })
        .expect("the fleet's p90 query in docs/exercises.md");
    let averaged = queries
        .iter()
        .find(|query| {
            query.starts_with("avg(histogram_quantile(0.9") && query.contains("tour-fleet")
        })
        .expect("the averaged p90s query in docs/exercises.md");
    until(deadline, async || {
        let fleet_p90 = first_value(&prometheus.query(fleet).await).unwrap_or(f64::NAN);
        let averaged_p90 = first_value(&prometheus.query(averaged).await).unwrap_or(f64::NAN);
        if fleet_p90 > 7.0 && averaged_p90 < fleet_p90 - 2.0 {
            Ok(())
        } else {
            Err(format!(
                "fleet p90 {fleet_p90}, average of the instances' p90s {averaged_p90}"
            ))
        }
    })
    .await
    .unwrap();

    // The alert in docs/rules.yml is loaded and evaluated.
    let rules = prometheus.get("/api/v1/rules").await;
    let rules = rules["data"]["groups"][0]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        rules
            .iter()
            .any(|rule| rule["name"] == "SlowUploads" && rule["health"] == "ok"),
        "{rules:?}"
    );
}

/// A tour served in this process whose `--prometheus` is a real Prometheus scraping it every second.
async fn tour_judged_by_prometheus() -> (common::TestServer, Prometheus) {
    let prometheus_address: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let config = metrics_tour::config::Config {
        prometheus: Some(metrics_tour::config::PrometheusUrl(format!(
            "http://{prometheus_address}"
        ))),
        ..common::fast_config()
    };
    let tour = common::TestServer::start(config).await;
    let scrape = format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: tour\n    static_configs:\n      - targets: ['{}']\n",
        tour.address
    );
    let prometheus = Prometheus::start_at(prometheus_address, &scrape, &[]).await;
    (tour, prometheus)
}

/// `POST /quiz/ID` with `answer`, as curl sends it: the status and the verdict.
async fn answer(tour: &common::TestServer, id: &str, answer: &str) -> (u16, String) {
    let form = form_urlencoded::Serializer::new(String::new())
        .append_pair("answer", answer)
        .finish();
    let reply = tour
        .request(
            "POST",
            &format!("/quiz/{id}"),
            &[("Content-Type", "application/x-www-form-urlencoded")],
            form.as_bytes(),
        )
        .await;
    (reply.status, reply.text())
}

/// Waits until Prometheus holds `value` as the only result of `query`.
async fn until_value(prometheus: &Prometheus, deadline: Instant, query: &str, value: f64) {
    until(deadline, async || {
        let results = prometheus.query(query).await;
        match first_value(&results) {
            Some(found) if found == value && results.len() == 1 => Ok(()),
            _ => Err(format!("{query}: {results:?}, waiting for {value}")),
        }
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quiz_judges_queries_in_a_real_prometheus_equivalent_forms_included() {
    if require_program("prometheus", "prometheus").is_none() {
        return;
    }
    let (tour, prometheus) = tour_judged_by_prometheus().await;
    let deadline = Instant::now() + Duration::from_secs(60);
    until_value(&prometheus, deadline, "tour_clicks_total", 0.0).await;
    tour.request("POST", "/counter?by=4", &[], b"").await;
    // Six uploads, as POST /file-upload would observe them, spread over four buckets.
    for seconds in [0.5, 1.5, 1.6, 1.7, 4.5, 7.2] {
        tour.state.metrics.file_upload_duration.observe(seconds);
    }
    until_value(
        &prometheus,
        deadline,
        "file_upload_duration_seconds_count",
        6.0,
    )
    .await;
    until_value(&prometheus, deadline, "tour_clicks_total", 4.0).await;

    // (question, the reference's own words, the same in another form, a wrong answer)
    let cases = [
        (
            "query-clicks-rate",
            "rate(tour_clicks_total[5m])",
            "rate(tour_clicks_total{job=\"tour\"}[300s])",
            "tour_clicks_total",
        ),
        (
            "query-upload-buckets",
            "sum by (le) (rate(file_upload_duration_seconds_bucket[5m]))",
            "sum(rate(file_upload_duration_seconds_bucket[5m])) by (le)",
            "sum(rate(file_upload_duration_seconds_bucket[5m]))",
        ),
        (
            "query-upload-p90",
            "histogram_quantile(0.9, sum by (le) (rate(file_upload_duration_seconds_bucket[5m])))",
            "histogram_quantile(0.9, sum(rate(file_upload_duration_seconds_bucket[5m])) by (le))",
            "histogram_quantile(0.5, sum by (le) (rate(file_upload_duration_seconds_bucket[5m])))",
        ),
        (
            "query-requests-by-route",
            "sum by (route) (rate(http_requests_total[5m]))",
            "sum(rate(http_requests_total[5m])) by (route)",
            "sum by (method) (rate(http_requests_total[5m]))",
        ),
    ];
    for (id, reference, equivalent, wrong) in cases {
        // Until two scrapes are in, the reference has no rate and the tour says it cannot judge yet.
        let (status, verdict) = until(deadline, async || {
            let (status, verdict) = answer(&tour, id, reference).await;
            if status == 503 {
                Err(verdict)
            } else {
                Ok((status, verdict))
            }
        })
        .await
        .unwrap();
        assert_eq!(status, 200, "{id}: {verdict}");
        assert!(
            verdict.starts_with("correct: "),
            "{id}, {reference}: {verdict}"
        );
        let (status, verdict) = answer(&tour, id, equivalent).await;
        assert!(
            status == 200 && verdict.starts_with("correct: "),
            "{id}, {equivalent}: {verdict}"
        );
        let (status, verdict) = answer(&tour, id, wrong).await;
        assert!(
            status == 200 && verdict.starts_with("not yet: "),
            "{id}, {wrong}: {verdict}"
        );
        assert_eq!(verdict.lines().count(), 1, "{verdict}");
    }
    let (status, verdict) = answer(&tour, "query-clicks-rate", "rate(tour_clicks_total[5m]").await;
    assert_eq!(status, 200);
    assert!(
        verdict.starts_with("not yet: Prometheus refused the query: "),
        "{verdict}"
    );

    // The histogram question's estimate is the one Prometheus computes from the same buckets.
    let estimate = first_value(
        &prometheus
            .query("histogram_quantile(0.5, file_upload_duration_seconds_bucket)")
            .await,
    )
    .expect("Prometheus' estimate");
    let (_, verdict) = answer(&tour, "histogram-median", &format!("{estimate:.4}")).await;
    assert!(
        verdict.starts_with("correct: "),
        "Prometheus says {estimate}: {verdict}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_restart_the_raw_counter_falls_and_rate_never_goes_negative() {
    if require_program("prometheus", "prometheus").is_none() {
        return;
    }
    let (tour, prometheus) = tour_judged_by_prometheus().await;
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
    if require_program("prometheus", "prometheus").is_none() {
        return;
    }
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
    let prometheus = Prometheus::start(&config, &[&flags]).await;
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
    if require_program("prometheus", "prometheus").is_none() {
        return;
    }
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
    let prometheus = Prometheus::start(&config, &["--enable-feature=native-histograms"]).await;
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
