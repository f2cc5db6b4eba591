//! The command line: defaults from the contract, environment variables, and invalid values refused
//! at start with exit code 2 and a message naming the flag.

use std::process::Command;

use clap::Parser;
use metrics_tour::config::Config;

#[test]
fn defaults_are_the_contracts() {
    let config = Config::try_parse_from(["metrics-tour"]).unwrap();
    assert_eq!(config.listen.to_string(), "127.0.0.1:5000");
    assert_eq!(config.upload_seconds.0, 1.0..=10.0);
    assert_eq!(config.summary_max_age.as_secs(), 600);
    assert_eq!(config.summary_age_buckets, 5);
    assert_eq!(config.max_upload_bytes, 10_485_760);
    assert!(!config.traffic);
    assert_eq!(config.header_timeout.as_secs(), 30);
    assert_eq!(config.idle_timeout.as_secs(), 60);
    assert_eq!(config.body_timeout.as_secs(), 30);
    assert_eq!(config.max_header_bytes, 16_384);
    assert_eq!(config.max_connections, 10_000);
    assert_eq!(config.max_connections_per_client, 1_000);
    assert_eq!(config.min_body_rate, 8_192);
    assert_eq!(config.prometheus, None);
}

#[test]
fn prometheus_is_a_plain_http_address_kept_without_its_last_slash() {
    let config =
        Config::try_parse_from(["metrics-tour", "--prometheus", "http://localhost:9090/"]).unwrap();
    assert_eq!(config.prometheus.unwrap().0, "http://localhost:9090");
    let prefixed =
        Config::try_parse_from(["metrics-tour", "--prometheus", "http://host:80/prometheus/"])
            .unwrap();
    assert_eq!(prefixed.prometheus.unwrap().0, "http://host:80/prometheus");
}

#[test]
fn flags_are_parsed() {
    let config = Config::try_parse_from([
        "metrics-tour",
        "--listen",
        "0.0.0.0:0",
        "--upload-seconds",
        "0.5..2",
        "--summary-max-age",
        "60",
        "--summary-age-buckets",
        "3",
        "--max-upload-bytes",
        "100",
        "--traffic",
        "--header-timeout",
        "2.5",
        "--idle-timeout",
        "90",
        "--body-timeout",
        "0.5",
        "--max-header-bytes",
        "8192",
        "--max-connections",
        "50",
        "--max-connections-per-client",
        "5",
    ])
    .unwrap();
    assert_eq!(config.listen.to_string(), "0.0.0.0:0");
    assert_eq!(config.upload_seconds.0, 0.5..=2.0);
    assert_eq!(config.summary_max_age.as_secs(), 60);
    assert_eq!(config.summary_age_buckets, 3);
    assert_eq!(config.max_upload_bytes, 100);
    assert!(config.traffic);
    assert_eq!(config.header_timeout.as_secs_f64(), 2.5);
    assert_eq!(config.idle_timeout.as_secs(), 90);
    assert_eq!(config.body_timeout.as_secs_f64(), 0.5);
    assert_eq!(config.max_header_bytes, 8192);
    assert_eq!(config.max_connections, 50);
    assert_eq!(config.max_connections_per_client, 5);
}

/// Runs the binary with `args` and `env`, returning its exit code and stderr.
fn run(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_metrics-tour"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn invalid_values_are_refused_with_exit_code_2_naming_the_flag() {
    let cases: &[(&[&str], &str)] = &[
        (&["--upload-seconds", "5..1"], "--upload-seconds"),
        (&["--upload-seconds", "abc"], "--upload-seconds"),
        (&["--upload-seconds", "-1..2"], "--upload-seconds"),
        (&["--upload-seconds", "NaN..2"], "--upload-seconds"),
        (&["--upload-seconds", "1..inf"], "--upload-seconds"),
        (&["--summary-max-age", "-5"], "--summary-max-age"),
        (&["--summary-max-age", "NaN"], "--summary-max-age"),
        (&["--summary-max-age", "0"], "--summary-max-age"),
        (&["--summary-age-buckets", "0"], "--summary-age-buckets"),
        (&["--summary-age-buckets", "abc"], "--summary-age-buckets"),
        (&["--max-upload-bytes", "-1"], "--max-upload-bytes"),
        (&["--listen", "localhost"], "--listen"),
        // Finite, yet too large or too small to become a duration or a window.
        (&["--upload-seconds", "1e20..1e20"], "--upload-seconds"),
        (&["--upload-seconds", "0..1e300"], "--upload-seconds"),
        (&["--summary-max-age", "1e-10"], "--summary-max-age"),
        (&["--summary-max-age", "1e300"], "--summary-max-age"),
        (&["--header-timeout", "0"], "--header-timeout"),
        (&["--header-timeout", "1e300"], "--header-timeout"),
        (&["--idle-timeout", "NaN"], "--idle-timeout"),
        (&["--idle-timeout", "-1"], "--idle-timeout"),
        (&["--body-timeout", "inf"], "--body-timeout"),
        (&["--body-timeout", "0.001"], "--body-timeout"),
        (&["--max-header-bytes", "100"], "--max-header-bytes"),
        (&["--max-header-bytes", "99999999999"], "--max-header-bytes"),
        (&["--max-connections", "0"], "--max-connections"),
        (
            &["--max-connections-per-client", "-3"],
            "--max-connections-per-client",
        ),
        (&["--prometheus", "https://localhost:9090"], "--prometheus"),
        (&["--prometheus", "localhost:9090"], "--prometheus"),
        (
            &["--prometheus", "http://localhost:9090/?x=1"],
            "--prometheus",
        ),
    ];
    for (args, flag) in cases {
        let (code, stderr) = run(args, &[]);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(flag),
            "{args:?} did not name {flag}: {stderr}"
        );
    }
}

#[test]
fn environment_variables_are_read_and_checked_like_flags() {
    let (code, stderr) = run(&[], &[("TOUR_UPLOAD_SECONDS", "9..3")]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--upload-seconds"), "{stderr}");
    let (code, stderr) = run(&["--help"], &[("TOUR_TRAFFIC", "1")]);
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn help_documents_every_flag_and_its_environment_variable() {
    let output = Command::new(env!("CARGO_BIN_EXE_metrics-tour"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for (flag, env) in [
        ("--listen", "TOUR_LISTEN"),
        ("--upload-seconds", "TOUR_UPLOAD_SECONDS"),
        ("--summary-max-age", "TOUR_SUMMARY_MAX_AGE"),
        ("--summary-age-buckets", "TOUR_SUMMARY_AGE_BUCKETS"),
        ("--max-upload-bytes", "TOUR_MAX_UPLOAD_BYTES"),
        ("--traffic", "TOUR_TRAFFIC"),
        ("--header-timeout", "TOUR_HEADER_TIMEOUT"),
        ("--idle-timeout", "TOUR_IDLE_TIMEOUT"),
        ("--body-timeout", "TOUR_BODY_TIMEOUT"),
        ("--max-header-bytes", "TOUR_MAX_HEADER_BYTES"),
        ("--max-connections", "TOUR_MAX_CONNECTIONS"),
        (
            "--max-connections-per-client",
            "TOUR_MAX_CONNECTIONS_PER_CLIENT",
        ),
        ("--prometheus", "TOUR_PROMETHEUS"),
    ] {
        assert!(
            help.contains(flag) && help.contains(env),
            "--help lacks {flag} / {env}"
        );
    }
}

#[test]
fn the_readme_lists_every_flag_of_help() {
    let output = Command::new(env!("CARGO_BIN_EXE_metrics-tour"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let flags = help
        .split_whitespace()
        .filter(|word| word.starts_with("--") && word.len() > 2)
        .map(|word| word.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()))
        .filter(|flag| !["--help", "--version"].contains(flag));
    for flag in flags {
        assert!(
            readme.contains(&format!("| `{flag}")),
            "README's flags table lacks {flag}"
        );
    }
}
