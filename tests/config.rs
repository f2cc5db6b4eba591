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
    ])
    .unwrap();
    assert_eq!(config.listen.to_string(), "0.0.0.0:0");
    assert_eq!(config.upload_seconds.0, 0.5..=2.0);
    assert_eq!(config.summary_max_age.as_secs(), 60);
    assert_eq!(config.summary_age_buckets, 3);
    assert_eq!(config.max_upload_bytes, 100);
    assert!(config.traffic);
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
        ("--prometheus", "TOUR_PROMETHEUS"),
    ] {
        assert!(
            help.contains(flag) && help.contains(env),
            "--help lacks {flag} / {env}"
        );
    }
}
