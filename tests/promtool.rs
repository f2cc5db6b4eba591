//! `promtool check metrics`, Prometheus' own linter, finds nothing in a real scrape.

mod common;

use std::{io::Write, process::Stdio};

use common::{require_program, TestServer};

#[tokio::test]
async fn promtool_finds_nothing_to_complain_about_in_a_real_scrape() {
    let Some(promtool) = require_program("promtool", "prometheus") else {
        return;
    };
    let server = TestServer::start(common::fast_config()).await;
    // Touch every metric so each family has samples.
    for (method, target) in [
        ("POST", "/counter"),
        ("POST", "/gauge/set?value=-3"),
        ("POST", "/file-upload"),
        ("POST", "/summary"),
        ("GET", "/nope"),
    ] {
        server.request(method, target, &[], b"").await;
    }
    let scrape = server.request("GET", "/metrics", &[], b"").await;
    assert_eq!(scrape.status, 200);

    let mut check = std::process::Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    check.stdin.take().unwrap().write_all(&scrape.body).unwrap();
    let output = check.wait_with_output().unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "promtool failed:\n{report}");
    assert_eq!(report.trim(), "", "promtool reported problems");
}
