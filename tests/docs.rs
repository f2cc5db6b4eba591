//! The docs can't rot: every ```` ```sh ```` block in `docs/` runs against real tours and succeeds,
//! each curl exercise prints what its "look for" says, and the Prometheus configuration and rules
//! pass `promtool`. (The ```` ```promql ```` blocks run
//! against a real Prometheus in `tests/prometheus.rs`.)

mod common;

use std::process::Command;

use common::{
    docs::{self, Block, IN_ITS_OWN_TERMINAL, MEASUREMENT, NOT_RUN, THREE_INSTANCES},
    process::{cargo_run_args, rewrite_ports, Tour},
    prometheus::Version,
    require_program,
};

/// The tours a block's commands talk to, by the port the docs give them.
struct Tours {
    single: Tour,
    three: [Tour; 3],
}

fn quick_tour() -> Tour {
    Tour::spawn(&["--listen", "127.0.0.1:0", "--upload-seconds", "0..1"].map(String::from))
}

/// The quiet tour the curl exercises start, exactly as `docs/exercises.md` starts it.
fn exercises_tour() -> Tour {
    let block = docs::blocks("sh")
        .into_iter()
        .find(|block| {
            block.place.starts_with("docs/exercises.md")
                && block.marker() == Some(IN_ITS_OWN_TERMINAL)
        })
        .expect("docs/exercises.md starts a tour for the curl exercises");
    let (port, args) = block
        .text
        .lines()
        .find_map(cargo_run_args)
        .expect("a cargo run line");
    assert_eq!(port, 5000, "{}", block.place);
    assert!(
        !args.iter().any(|arg| arg == "--traffic"),
        "{}: the curl exercises need a quiet tour",
        block.place
    );
    Tour::spawn(&args)
}

/// What the "look for" after each curl exercise in `docs/exercises.md` promises, checked on what the
/// block printed. The blocks run in file order on one fresh quiet tour.
fn look_for(block: &Block, out: &str) -> Result<(), String> {
    let text = &block.text;
    let sample = |series: &str| -> Option<f64> {
        out.lines().find_map(|line| {
            let (name, value) = line.rsplit_once(' ')?;
            (name == series).then(|| value.parse().ok()).flatten()
        })
    };
    let expect = |holds: bool, what: &str| {
        if holds {
            Ok(())
        } else {
            Err(format!(
                "{}: look for {what}, but it printed:\n{out}",
                block.place
            ))
        }
    };
    if text.contains("/healthz") {
        expect(
            out.lines().all(|line| line == "ok") && !out.is_empty(),
            "`ok`",
        )
    } else if text.contains("counter?by=2") {
        expect(
            sample("tour_clicks_total") == Some(3.0),
            "`tour_clicks_total 3`",
        )
    } else if text.contains("/counter/restart") {
        expect(
            sample("tour_clicks_total") == Some(0.0),
            "`tour_clicks_total 0`",
        )
    } else if text.contains("no-such-page") {
        expect(
            out.lines().filter(|line| *line == "404").count() == 3
                && out
                    .lines()
                    .filter(|l| l.contains("route=\"unmatched\""))
                    .count()
                    == 1,
            "three 404s and one line with route=\"unmatched\"",
        )
    } else if text.contains("quiz/$id") {
        expect(
            !out.trim().is_empty() && !out.contains("no such"),
            "every question, as plain text",
        )
    } else if text.ends_with("quiz/rate-range") {
        expect(
            out.starts_with("rate-range ") && out.contains("answer=LETTER"),
            "the question, its choices, and how to send a letter",
        )
    } else if text.contains("quiz/clicks-predict -d") {
        expect(
            out.contains("correct:") || out.contains("not yet:"),
            "`correct:` on a fresh tour, else `not yet:` and what it reads",
        )
    } else if text.contains("counter?by=-1") {
        expect(
            out.contains("only goes up") && out.trim_end().ends_with("400"),
            "400 and why",
        )
    } else if text.contains("gauge/set?value=-5") {
        expect(
            out.contains("is now 24.5\n")
                && out.contains("is now 23.5\n")
                && sample("tour_temperature_celsius") == Some(-5.0),
            "24.5 after the inc, 23.5 after the dec, -5 at the end",
        )
    } else if text.contains("for i in 1 2 3 4 5") {
        let took = out
            .lines()
            .filter(|line| line.starts_with("File upload took ") && line.ends_with(" seconds!"))
            .count();
        let buckets: Vec<f64> = out
            .lines()
            .filter(|line| line.starts_with("file_upload_duration_seconds_bucket"))
            .filter_map(|line| line.rsplit_once(' ')?.1.parse().ok())
            .collect();
        let infinite = sample("file_upload_duration_seconds_bucket{le=\"+Inf\"}");
        expect(
            took == 5
                && buckets.windows(2).all(|pair| pair[0] <= pair[1])
                && infinite.is_some()
                && infinite == sample("file_upload_duration_seconds_count")
                && infinite == Some(5.0),
            "five answers, each on its line, buckets that only grow, le=\"+Inf\" equal to _count",
        )
    } else if text.contains("file_uploads_in_progress") {
        expect(
            sample("file_uploads_in_progress") == Some(1.0),
            "`file_uploads_in_progress 1`",
        )
    } else if text.contains("name[]=tour_response_seconds") {
        let observed: Vec<f64> = out
            .lines()
            .filter_map(|line| {
                line.strip_prefix("observed ")?
                    .split(' ')
                    .next()?
                    .parse()
                    .ok()
            })
            .collect();
        let (low, high) = observed
            .iter()
            .fold((f64::MAX, f64::MIN), |(l, h), &v| (l.min(v), h.max(v)));
        let quantiles: Vec<f64> = ["0.5", "0.9", "0.99"]
            .iter()
            .filter_map(|q| sample(&format!("tour_response_seconds{{quantile=\"{q}\"}}")))
            .collect();
        expect(
            observed.len() == 2
                && quantiles.len() == 3
                && quantiles.iter().all(|q| (low..=high).contains(q))
                && sample("tour_response_seconds_count") == Some(2.0),
            "three quantiles, each between the smallest and largest observed, and `_count 2`",
        )
    } else if text.contains("vnd.google.protobuf") {
        let native: Vec<&str> = out
            .lines()
            .filter(|line| line.starts_with("tour_response_native_seconds"))
            .collect();
        expect(
            out.starts_with(
                "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
            ) && native.len() == 3
                && native.iter().any(|line| line.starts_with("tour_response_native_seconds_bucket{le=\"+Inf\"} "))
                && native.iter().any(|line| line.starts_with("tour_response_native_seconds_sum "))
                && native.iter().any(|line| line.starts_with("tour_response_native_seconds_count ")),
            "the protobuf content type, then only `_bucket{le=\"+Inf\"}`, `_sum` and `_count` in the text format",
        )
    } else if text.contains("traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736") {
        let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        expect(
            out.to_ascii_lowercase()
                .contains(&format!("traceparent: 00-{trace}-"))
                && out.lines().any(|line| {
                    line.starts_with("tour_response_bucketed_seconds_bucket{le=\"10.0\"} ")
                        && line.contains(&format!("# {{trace_id=\"{trace}\"}} 7.5 "))
                }),
            "your trace id in the answer's `traceparent`, then as the exemplar of `le=\"10.0\"`",
        )
    } else if text.contains("openmetrics-text") {
        expect(
            out.contains("# TYPE tour_clicks counter\n")
                && out.contains("\ntour_clicks_total ")
                && out.contains("# EOF\n")
                && out.to_ascii_lowercase().contains("content-encoding: gzip"),
            "`# TYPE tour_clicks counter`, `# EOF` and `Content-Encoding: gzip`",
        )
    } else if text.contains("/buckets?edges=2,4,6,8,10") {
        let quantiles = out
            .lines()
            .filter(|line| line.split(' ').nth(1) == Some("estimate") && line.contains(" error "))
            .count();
        expect(
            quantiles == 6
                && out.contains("cost 14 series per instance")
                && out.contains("cost 9 series per instance")
                && out.contains("450 across 50 instances"),
            "three quantile lines for each, `cost 14 series per instance`, then `cost 9 series per instance` and `450 across 50 instances`",
        )
    } else if text.contains("promtool check metrics") {
        expect(out.is_empty(), "nothing at all")
    } else if text.contains("5003/summary?value=2") {
        expect(out.is_empty(), "nothing printed (-o /dev/null)")
    } else {
        Err(format!(
            "{}: no test knows what this block should print",
            block.place
        ))
    }
}

/// Requests the tours refused with a 4xx or 5xx so far, from their own `http_requests_total`.
async fn refusals(tours: &[&Tour]) -> f64 {
    let mut refused = 0.0;
    for tour in tours {
        let exposition = common::http(tour.address, "GET", "/metrics", &[], b"")
            .await
            .text();
        refused += exposition
            .lines()
            .filter(|line| line.starts_with("http_requests_total{"))
            .filter(|line| line.contains("status=\"4") || line.contains("status=\"5"))
            .filter_map(|line| line.rsplit_once(' ')?.1.parse::<f64>().ok())
            .sum::<f64>();
    }
    refused
}

/// Runs one block with bash against `tours`; a block that shows a refusal (it prints
/// `%{http_code}`) must cause one, and any other must cause none, so a mistyped route can't pass.
async fn run_with_bash(
    block: &Block,
    tours: &[&Tour],
    docs_ports: &[u16],
) -> Result<String, String> {
    let ports: Vec<(u16, u16)> = docs_ports
        .iter()
        .zip(tours)
        .map(|(from, tour)| (*from, tour.address.port()))
        .collect();
    let script = rewrite_ports(&block.text, &ports);
    let before = refusals(tours).await;
    let output = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(docs::root())
        .output()
        .unwrap();
    let refused = refusals(tours).await - before;
    let shows_refusal = block.text.contains("%{http_code}");
    let report = || {
        format!(
            "{}:\n{script}\n--- stdout\n{}--- stderr\n{}",
            block.place,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    };
    if !output.status.success() {
        return Err(format!("failed with {}: {}", output.status, report()));
    }
    match (shows_refusal, refused > 0.0) {
        (true, false) => Err(format!(
            "should show a refused request, none was: {}",
            report()
        )),
        (false, true) => Err(format!("{refused} request(s) refused: {}", report())),
        _ => Ok(String::from_utf8_lossy(&output.stdout).into_owned()),
    }
}

/// Checks a long-running block without leaving it running: each `cargo run --release -- ARGS`
/// starts the built binary with those ARGS and must answer `/healthz`; each `prometheus` command's
/// `--config.file` must pass `promtool check config`.
async fn check_long_running(block: &Block) -> Result<(), String> {
    for line in block.text.lines().skip(1).map(str::trim) {
        if line.is_empty() || line == "wait" {
            continue;
        }
        if let Some((_, args)) = cargo_run_args(line) {
            let tour = Tour::spawn(&args);
            let health = common::http(tour.address, "GET", "/healthz", &[], b"").await;
            if health.status != 200 {
                return Err(format!(
                    "{}: `{line}` started, but /healthz said {}",
                    block.place, health.status
                ));
            }
        } else if let Some(flags) = line.strip_prefix("prometheus ") {
            let config = flags
                .split_whitespace()
                .find_map(|flag| flag.strip_prefix("--config.file="))
                .ok_or_else(|| format!("{}: `{line}` names no --config.file=", block.place))?;
            let Some(promtool) = promtool_for(config) else {
                continue;
            };
            let check = Command::new(promtool)
                .args(["check", "config", config])
                .current_dir(docs::root())
                .output()
                .unwrap();
            if !check.status.success() {
                return Err(format!(
                    "{}: promtool check config {config}: {}",
                    block.place,
                    String::from_utf8_lossy(&check.stdout)
                ));
            }
        } else {
            return Err(format!(
                "{}: no test knows how to check `{line}`",
                block.place
            ));
        }
    }
    Ok(())
}

/// The `promtool` of the Prometheus version a docs configuration is for: 2.42's for
/// `prometheus-2.42*.yml`, Prometheus 3's for the others; `None` when it is not installed (the
/// test has said so).
fn promtool_for(config: &str) -> Option<std::path::PathBuf> {
    if config.contains("prometheus-2.42") {
        Version::TwoFortyTwo.promtool()
    } else {
        Version::Three.promtool()
    }
}

#[tokio::test]
async fn every_sh_block_in_docs_runs_against_spawned_tours_and_succeeds() {
    if require_program("curl", "curl").is_none()
        || require_program("promtool", "prometheus").is_none()
    {
        return;
    }
    let tours = Tours {
        single: exercises_tour(),
        three: [quick_tour(), quick_tour(), quick_tour()],
    };
    let blocks = docs::blocks("sh");
    assert!(
        blocks.len() >= 10,
        "only {} sh blocks found in docs/",
        blocks.len()
    );
    let mut failures = Vec::new();
    for block in &blocks {
        let outcome = match block.marker() {
            Some(NOT_RUN) => {
                common::say(&format!(
                    "not run: {} ({})",
                    block.place,
                    block.text.lines().next().unwrap()
                ));
                Ok(())
            }
            Some(IN_ITS_OWN_TERMINAL) => check_long_running(block).await,
            Some(MEASUREMENT) => Ok(()), // run by `every_measurement_in_docs_runs_in_quick_mode`
            Some(THREE_INSTANCES) => {
                let three: Vec<&Tour> = tours.three.iter().collect();
                run_with_bash(block, &three, &[5001, 5002, 5003])
                    .await
                    .and_then(|out| look_for(block, &out))
            }
            _ => run_with_bash(block, &[&tours.single], &[5000])
                .await
                .and_then(|out| match block.place.starts_with("docs/exercises.md") {
                    true => look_for(block, &out),
                    false => Ok(()),
                }),
        };
        if let Err(failure) = outcome {
            failures.push(failure);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_prometheus_config_and_rules_in_docs_pass_promtool() {
    // Each configuration with its version's promtool (docs/prometheus-3.8.yml, which 3.5 refuses,
    // is held to 3.5's in tests/prometheus.rs); the rules with both.
    for (what, file, version) in [
        ("config", "prometheus.yml", Version::Three),
        ("config", "prometheus-2.42.yml", Version::TwoFortyTwo),
        ("config", "prometheus-2.42-native.yml", Version::TwoFortyTwo),
        ("rules", "rules.yml", Version::Three),
        ("rules", "rules.yml", Version::TwoFortyTwo),
    ] {
        let Some(promtool) = version.promtool() else {
            continue;
        };
        let check = Command::new(promtool)
            .args(["check", what])
            .arg(docs::doc(file))
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "{}'s promtool check {what} docs/{file}:\n{}{}",
            version.name(),
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        );
    }
}

#[test]
fn every_promql_block_holds_one_query() {
    let blocks = docs::blocks("promql");
    assert!(
        blocks.len() >= 8,
        "only {} promql blocks found in docs/",
        blocks.len()
    );
    for block in blocks {
        let lines: Vec<&str> = block
            .text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .collect();
        assert_eq!(
            lines.len(),
            1,
            "{}: one query, on one line: {:?}",
            block.place,
            block.text
        );
    }
}

/// Runs one line of a measurement block in its quick mode, on the test build rather than a release
/// build of its own (two cores build one in minutes): a criterion benchmark once (`cargo test
/// --bench`, criterion's test mode), the load script with one-second runs and 20,000 requests, the
/// comparison with client_golang with a few hundred iterations a benchmark (both on the test build,
/// `PROFILE=dev`: an optimised build of every dependency took eight of CI's minutes).
fn run_quickly(line: &str) -> Result<(), String> {
    let mut command = Command::new("bash");
    if let Some(bench) = line.strip_prefix("cargo bench ") {
        command.args(["-c", &format!("cargo test --quiet {bench}")]);
    } else if line.starts_with("bash benches/load/") {
        command
            .args(["-c", line])
            .env("PROFILE", "dev")
            .env("SECONDS_EACH", "1")
            .env("REQUESTS", "20000");
    } else if line.starts_with("bash benches/go/") {
        if require_program("go", "golang-go").is_none() {
            return Ok(());
        }
        command
            .args(["-c", line])
            .env("QUICK", "1")
            .env("PROFILE", "dev");
    } else {
        return Err(format!("no quick mode is known for `{line}`"));
    }
    let output = command.current_dir(docs::root()).output().unwrap();
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{line}` failed with {}:\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

#[test]
fn every_measurement_in_docs_runs_in_quick_mode() {
    if require_program("wrk", "wrk").is_none() {
        return;
    }
    let blocks: Vec<Block> = docs::blocks("sh")
        .into_iter()
        .filter(|block| block.marker() == Some(MEASUREMENT))
        .collect();
    assert!(
        blocks.len() >= 2,
        "docs/performance.md's measurements are gone"
    );
    let failures: Vec<String> = blocks
        .iter()
        .flat_map(|block| block.text.lines().skip(1).map(str::trim))
        .filter(|line| !line.is_empty())
        .filter_map(|line| run_quickly(line).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn no_doc_calls_the_summarys_estimate_precise_exact_or_configured() {
    let mut files = vec![docs::root().join("README.md")];
    files.extend(
        std::fs::read_dir(docs::root().join("docs"))
            .unwrap()
            .map(|entry| entry.unwrap().path()),
    );
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap().to_lowercase();
        for word in [
            "precise",
            "exact percentile",
            "configured error",
            "accurate",
        ] {
            assert!(!text.contains(word), "{}: {word}", file.display());
        }
    }
}
