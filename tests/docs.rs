//! The docs can't rot: every ```` ```sh ```` block in `docs/` runs against real tours and succeeds,
//! and the Prometheus configuration and rules pass `promtool`. (The ```` ```promql ```` blocks run
//! against a real Prometheus in `tests/prometheus.rs`.)

mod common;

use std::process::Command;

use common::{
    docs::{self, Block, IN_ITS_OWN_TERMINAL, MEASUREMENT, NOT_RUN, THREE_INSTANCES},
    process::{cargo_run_args, rewrite_ports, Tour},
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
async fn run_with_bash(block: &Block, tours: &[&Tour], docs_ports: &[u16]) -> Result<(), String> {
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
        _ => Ok(()),
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
            let check = Command::new("promtool")
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

#[tokio::test]
async fn every_sh_block_in_docs_runs_against_spawned_tours_and_succeeds() {
    if require_program("curl", "curl").is_none()
        || require_program("promtool", "prometheus").is_none()
    {
        return;
    }
    let tours = Tours {
        single: quick_tour(),
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
                run_with_bash(block, &three, &[5001, 5002, 5003]).await
            }
            _ => run_with_bash(block, &[&tours.single], &[5000]).await,
        };
        if let Err(failure) = outcome {
            failures.push(failure);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_prometheus_config_and_rules_in_docs_pass_promtool() {
    if require_program("promtool", "prometheus").is_none() {
        return;
    }
    for (what, file) in [("config", "prometheus.yml"), ("rules", "rules.yml")] {
        let check = Command::new("promtool")
            .args(["check", what])
            .arg(docs::doc(file))
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "promtool check {what} docs/{file}:\n{}{}",
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

/// Runs one line of a measurement block in its quick mode: a criterion benchmark once (its `--test`
/// mode), the load script with one-second runs and 20,000 requests, the comparison with
/// client_golang with a few hundred iterations a benchmark.
fn run_quickly(line: &str) -> Result<(), String> {
    let mut command = Command::new("bash");
    if line.starts_with("cargo bench ") {
        command.args(["-c", &format!("{line} -- --test")]);
    } else if line.starts_with("bash benches/load/") {
        command
            .args(["-c", line])
            .env("SECONDS_EACH", "1")
            .env("REQUESTS", "20000");
    } else if line.starts_with("bash benches/go/") {
        if require_program("go", "golang-go").is_none() {
            return Ok(());
        }
        command.args(["-c", line]).env("QUICK", "1");
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
