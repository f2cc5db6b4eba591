//! The lessons of labels and cardinality and of counter restarts, as a learner meets them: a restart
//! drops the raw counter while the increase carries on, and random paths add no series. (The same in
//! a real Prometheus: `tests/prometheus.rs`.)

mod common;

use std::time::Duration;

use common::{body, client, sample, tour_exposition};

use poem::http::{header, StatusCode};

/// The text of the element with `id` on a page, tags removed.
fn element_text(page: &str, id: &str) -> String {
    let start = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} on the page"));
    let rest = &page[start..];
    let end = rest.find("</dl>").or_else(|| rest.find("</div>")).unwrap();
    let mut text = String::new();
    let mut in_tag = true;
    for c in rest[..end].chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test]
async fn a_restart_sets_the_counter_to_zero_and_moves_its_created_time() {
    let (cli, state) = client();
    cli.post("/counter")
        .query("by", &"5")
        .send()
        .await
        .assert_status_is_ok();
    let created = state.metrics.clicks_created.seconds();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let restarted = cli.post("/counter/restart").send().await;
    restarted.assert_status_is_ok();
    assert!(body(restarted)
        .await
        .starts_with("tour_clicks_total restarted at 0"));
    assert_eq!(
        sample(&tour_exposition(&state), "tour_clicks_total"),
        Some(0.0)
    );
    assert!(state.metrics.clicks_created.seconds() > created);

    let by_get = cli.get("/counter/restart").send().await;
    by_get.assert_status(StatusCode::METHOD_NOT_ALLOWED);
    by_get.assert_header(header::ALLOW, "POST");
    let form = cli
        .post("/counter/restart")
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, "http://localhost:5000/tour/counter")
        .send()
        .await;
    form.assert_status(StatusCode::SEE_OTHER);
    form.assert_header(header::LOCATION, "/tour/counter");
}

#[tokio::test]
async fn the_counter_page_shows_the_raw_fall_and_the_increase_carrying_on() {
    let (cli, state) = client();
    // What the sampler beside the server does once a second.
    let sample = async || {
        state.history.sample(&state.metrics.registry);
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    cli.post("/counter")
        .query("by", &"3")
        .send()
        .await
        .assert_status_is_ok();
    sample().await;
    cli.post("/counter/restart")
        .send()
        .await
        .assert_status_is_ok();
    sample().await;
    cli.post("/counter")
        .query("by", &"2")
        .send()
        .await
        .assert_status_is_ok();
    sample().await;
    let shown = body(cli.get("/tour/counter").send().await).await;
    // 3, then 0, then 2: last − first is −1, the increase counts the 2 after the restart.
    let facts = element_text(&shown, "counter-restart-facts");
    assert!(facts.contains("two minutes -1 "), "{facts}");
    assert!(facts.contains("as a restart 2 "), "{facts}");
    let rates = element_text(&shown, "counter-rates");
    assert!(
        !rates.contains('—') && !rates.contains('-'),
        "two rates, neither negative: {rates}"
    );
}

#[tokio::test]
async fn ten_thousand_random_paths_add_one_series_where_a_raw_path_label_adds_ten_thousand() {
    let measured = metrics_tour::lessons::labels::measure(10_000).await;
    assert_eq!(measured.series_after_one, 1);
    assert_eq!(measured.series_after_all, 1);
    assert_eq!(measured.raw_path_series, 10_000);
    assert!(
        measured.raw_path_bytes > 1000 * measured.bytes,
        "{measured:?}"
    );
}

#[tokio::test]
async fn no_request_creates_series_by_choosing_its_path() {
    let (cli, state) = client();
    let series = || {
        let families = state.metrics.registry.gather();
        families
            .iter()
            .filter(|f| f.name().starts_with("http_"))
            .map(|f| f.get_metric().len())
            .sum::<usize>()
    };
    cli.get("/no-such-page")
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let before = series();
    for i in 0..300 {
        cli.get(format!("/users/{i}/orders?id={i}"))
            .send()
            .await
            .assert_status(StatusCode::NOT_FOUND);
        cli.post(format!("/quiz/no-such-question-{i}"))
            .send()
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }
    cli.post("/quiz/no-such-question").send().await;
    let after_first_of_each = series();
    for i in 300..600 {
        cli.get(format!("/users/{i}"))
            .send()
            .await
            .assert_status(StatusCode::NOT_FOUND);
        cli.post(format!("/quiz/no-such-question-{i}"))
            .send()
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }
    assert_eq!(
        series(),
        after_first_of_each,
        "six hundred more paths, no new series"
    );
    assert!(
        after_first_of_each <= before + 2,
        "{before} -> {after_first_of_each}"
    );
}

#[tokio::test]
async fn every_quiz_question_shares_one_route_label() {
    let (cli, _) = client();
    for id in ["clicks-predict", "gauge-predict"] {
        cli.post(format!("/quiz/{id}"))
            .content_type("application/x-www-form-urlencoded")
            .body("answer=0")
            .send()
            .await
            .assert_status_is_ok();
    }
    let metrics = body(cli.get("/metrics").send().await).await;
    assert!(
        metrics.contains(r#"http_requests_total{method="POST",route="/quiz/:id",status="200"} 2"#),
        "{metrics}"
    );
    assert!(!metrics.contains("/quiz/clicks-predict"));
}

#[tokio::test]
async fn the_labels_page_lists_every_series_of_http_requests_total() {
    let (cli, _) = client();
    cli.get("/metrics").send().await.assert_status_is_ok();
    cli.get("/tour/labels").send().await.assert_status_is_ok();
    let page = body(cli.get("/tour/labels").send().await).await;
    let metrics = body(cli.get("/metrics").send().await).await;
    let lines: Vec<&str> = metrics
        .lines()
        .filter(|line| line.starts_with("http_requests_total{"))
        .collect();
    let shown = element_text(&page, "requests-series");
    assert!(
        shown.contains(&format!("This tour has {} series", lines.len())),
        "{shown}"
    );
    for line in lines {
        let route = line
            .split("route=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert!(shown.contains(route), "{route} is not in {shown}");
    }
    assert!(
        page.contains("after all 10000, <strong>1</strong>"),
        "the measurement is on the page"
    );
}

#[tokio::test]
async fn an_upload_is_in_progress_and_timed_only_once_its_body_has_arrived() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = common::TestServer::start(common::fast_config()).await;
    let mut upload = tokio::net::TcpStream::connect(server.address)
        .await
        .unwrap();
    upload
        .write_all(b"POST /file-upload HTTP/1.1\r\nHost: tour\r\nConnection: close\r\nContent-Length: 10\r\n\r\nhalf.")
        .await
        .unwrap();
    // Longer than the slowest upload of 1 to 2 s: if the body's wait were timed, it would show.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        common::uploads_in_progress(server.address).await,
        Some(0.0),
        "in progress before its body has arrived"
    );
    upload.write_all(b"done.").await.unwrap();
    common::eventually(
        "the upload in progress once its body has arrived",
        Duration::from_secs(1),
        async || common::uploads_in_progress(server.address).await == Some(1.0),
    )
    .await;
    let mut answer = String::new();
    upload.read_to_string(&mut answer).await.unwrap();
    let took: f64 = answer
        .split("File upload took ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|seconds| seconds.parse().ok())
        .unwrap_or_else(|| panic!("no duration in {answer:?}"));
    assert!((1.0..2.3).contains(&took), "took {took} s: {answer}");
    let help = server.request("GET", "/metrics", &[], b"").await.text();
    assert!(help.contains(
        "# HELP file_upload_duration_seconds Time the simulated upload took, timed once its body had arrived.\n"
    ));
    assert!(help.contains(
        "# HELP file_uploads_in_progress Uploads being simulated right now, counted once their body has arrived.\n"
    ));
}

#[tokio::test]
async fn a_refused_update_changes_no_demo_metric_and_is_counted_with_its_400() {
    let (cli, state) = client();
    let before = tour_exposition(&state);
    cli.post("/counter?by=-1")
        .send()
        .await
        .assert_status(StatusCode::BAD_REQUEST);
    assert_eq!(tour_exposition(&state), before, "a demo metric changed");
    let metrics = body(cli.get("/metrics").send().await).await;
    assert_eq!(
        sample(
            &metrics,
            r#"http_requests_total{method="POST",route="/counter",status="400"}"#
        ),
        Some(1.0),
        "{metrics}"
    );
}

/// What Prometheus 3's `promtool test rules` evaluates for each `(expr, eval_time in seconds)` over
/// `series` (`(name, values)` in promtool's notation, one sample a second from 0), in order; `None`
/// after saying so when Prometheus 3 is not installed.
fn promtool_3_answers(series: &[(&str, String)], exprs: &[(String, u32)]) -> Option<Vec<f64>> {
    use std::fmt::Write;
    let promtool = common::prometheus::Version::Three.promtool()?;
    let mut file = String::from(
        "rule_files: []\nevaluation_interval: 1s\ntests:\n  - interval: 1s\n    input_series:\n",
    );
    for (name, values) in series {
        writeln!(file, "      - series: '{name}'\n        values: '{values}'").unwrap();
    }
    file.push_str("    promql_expr_test:\n");
    for (expr, at) in exprs {
        // Expecting nothing, every test fails and promtool prints what it got.
        writeln!(
            file,
            "      - expr: '{expr}'\n        eval_time: {at}s\n        exp_samples: []"
        )
        .unwrap();
    }
    let dir = std::env::temp_dir().join(format!("tour-promtool-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{}.yml", exprs.len()));
    std::fs::write(&path, &file).unwrap();
    let output = std::process::Command::new(promtool)
        .args(["test", "rules"])
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    let got: Vec<f64> = text
        .lines()
        .filter_map(|line| line.trim().strip_prefix("got: {} "))
        .map(|value| value.parse().unwrap())
        .collect();
    assert_eq!(
        got.len(),
        exprs.len(),
        "one answer per query:\n{file}\n{text}"
    );
    Some(got)
}

fn assert_close(ours: f64, theirs: f64, what: &str) {
    assert!(
        (ours - theirs).abs() <= 1e-9 * theirs.abs().max(1e-9),
        "{what}: the tour says {ours}, Prometheus 3 {theirs}"
    );
}

#[test]
fn the_counter_pages_rate_is_what_prometheus_3_answers_for_the_same_samples() {
    use metrics_tour::{lessons::counter::rate, tour::snapshot::Point};
    // Seven minutes of a counter sampled once a second, uneven steps, a restart at 250 s.
    let values: Vec<f64> = (0..420u32)
        .scan(0.0, |total, i| {
            *total = if i == 250 {
                3.0
            } else {
                *total + f64::from((i * 7919) % 13) / 2.0
            };
            Some(*total)
        })
        .collect();
    let last = values.len() as f64 - 1.0;
    let points: Vec<Point> = values
        .iter()
        .enumerate()
        .map(|(i, &value)| Point {
            seconds_ago: last - i as f64,
            value,
        })
        .collect();
    let mut exprs = Vec::new();
    let mut ours = Vec::new();
    for at in [10, 59, 60, 61, 200, 251, 300, 419] {
        for (range, seconds) in [("20s", 20.0), ("1m", 60.0), ("5m", 300.0)] {
            exprs.push((format!("rate(clicks_total[{range}])"), at));
            ours.push(rate(&points, last - f64::from(at), seconds).unwrap());
        }
    }
    let series = values
        .iter()
        .map(f64::to_string)
        .collect::<Vec<_>>()
        .join(" ");
    let Some(theirs) = promtool_3_answers(&[("clicks_total", series)], &exprs) else {
        return;
    };
    for (((expr, at), ours), theirs) in exprs.iter().zip(ours).zip(theirs) {
        assert_close(ours, theirs, &format!("{expr} at {at} s"));
    }
}

#[test]
fn the_native_quantile_is_what_prometheus_3_answers_for_the_same_histogram() {
    use metrics_tour::native_histogram::{
        quantile::histogram_quantile, NativeHistogram, NativeOpts, NativeSnapshot,
    };
    /// The histogram in promtool's notation: absolute counts from the lowest index up.
    fn notation(h: &NativeSnapshot) -> String {
        let buckets = |populated: &[(i32, u64)]| -> String {
            let (Some(first), Some(last)) = (populated.first(), populated.last()) else {
                return String::new();
            };
            let counts: Vec<String> = (first.0..=last.0)
                .map(|i| {
                    let count = populated.iter().find(|(index, _)| *index == i);
                    count.map_or(0, |(_, count)| *count).to_string()
                })
                .collect();
            format!("{} [{}]", first.0, counts.join(" "))
        };
        let mut text = format!(
            "{{{{schema:{} sum:{} count:{} z_bucket:{} z_bucket_w:{}",
            h.schema, h.sum, h.count, h.zero_count, h.zero_threshold
        );
        if let Some((offset, counts)) = buckets(&h.positive).split_once(' ') {
            text += &format!(" offset:{offset} buckets:{counts}");
        }
        if let Some((offset, counts)) = buckets(&h.negative).split_once(' ') {
            text += &format!(" n_offset:{offset} n_buckets:{counts}");
        }
        text + "}}"
    }
    // Response times spread over three decades, a few zeros, and some negatives; then the same
    // kept to 12 buckets, which lowers the schema.
    let fine = NativeHistogram::new(NativeOpts::new("fine", "h")).unwrap();
    let coarse = NativeHistogram::new(NativeOpts::new("coarse", "h").max_buckets(12)).unwrap();
    for i in 0..300u32 {
        let v = 0.002 * 1.023f64.powi(i as i32) * if i % 29 == 0 { -1.0 } else { 1.0 };
        let v = if i % 47 == 0 { 0.0 } else { v };
        fine.observe(v);
        coarse.observe(v);
    }
    let histograms = [fine.snapshot(), coarse.snapshot()];
    assert!(histograms[1].schema < 3, "the coarse one is lowered");
    let quantiles = [0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0];
    let mut exprs = Vec::new();
    let mut ours = Vec::new();
    for (name, h) in ["fine", "coarse"].iter().zip(&histograms) {
        for q in quantiles {
            exprs.push((format!("histogram_quantile({q}, {name})"), 0));
            ours.push(histogram_quantile(q, h));
        }
    }
    let series = [
        ("fine", notation(&histograms[0])),
        ("coarse", notation(&histograms[1])),
    ];
    let Some(theirs) = promtool_3_answers(&series, &exprs) else {
        return;
    };
    for (((expr, _), ours), theirs) in exprs.iter().zip(ours).zip(theirs) {
        assert_close(ours, theirs, expr);
    }
}
