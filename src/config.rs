//! The command line: every flag of the contract, each with an environment variable.
//!
//! Values are checked here, at start, so a typo is refused with exit code 2 and a message naming the
//! flag, instead of surfacing later as a strange number on the page.

use std::{net::SocketAddr, ops::RangeInclusive, str::FromStr, time::Duration};

use clap::Parser;

/// How the tour is served; `--help` prints this.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "metrics-tour",
    version,
    about = "A tour of the four Prometheus metric types"
)]
pub struct Config {
    /// Address to bind; port 0 picks a free port and the log says which.
    #[arg(
        long,
        env = "TOUR_LISTEN",
        value_name = "ADDR",
        default_value = "127.0.0.1:5000"
    )]
    pub listen: SocketAddr,

    /// Range of the simulated upload's duration in seconds, drawn uniformly; 0 to 3600.
    #[arg(
        long,
        env = "TOUR_UPLOAD_SECONDS",
        value_name = "MIN..MAX",
        default_value = "1..10",
        allow_hyphen_values = true
    )]
    pub upload_seconds: UploadSeconds,

    /// Sliding window of the summary's quantiles, in seconds: 1 to 604800 (a week).
    #[arg(long, env = "TOUR_SUMMARY_MAX_AGE", value_name = "SECONDS", default_value = "600", value_parser = summary_window, allow_hyphen_values = true)]
    pub summary_max_age: Duration,

    /// How many pieces the summary's window rotates in (each costs 12 KiB).
    #[arg(long, env = "TOUR_SUMMARY_AGE_BUCKETS", value_name = "N", default_value = "5", value_parser = clap::value_parser!(u32).range(1..=100), allow_hyphen_values = true)]
    pub summary_age_buckets: u32,

    /// Largest body `POST /file-upload` accepts, in bytes (read and counted, never stored).
    #[arg(
        long,
        env = "TOUR_MAX_UPLOAD_BYTES",
        value_name = "N",
        default_value = "10485760",
        allow_hyphen_values = true
    )]
    pub max_upload_bytes: u64,

    /// Run the built-in traffic generator, so graphs move with nobody clicking.
    #[arg(long, env = "TOUR_TRAFFIC", value_parser = clap::builder::BoolishValueParser::new(), default_value = "false", num_args = 0, default_missing_value = "true")]
    pub traffic: bool,

    /// Seconds a request's head (request line and headers) may take from its first byte; 0.1 to 3600.
    #[arg(long, env = "TOUR_HEADER_TIMEOUT", value_name = "SECONDS", default_value = "30", value_parser = timeout, allow_hyphen_values = true)]
    pub header_timeout: Duration,

    /// Seconds a connection may wait with no request in flight before the next one starts
    /// (keep-alive); 0.1 to 3600.
    #[arg(long, env = "TOUR_IDLE_TIMEOUT", value_name = "SECONDS", default_value = "60", value_parser = timeout, allow_hyphen_values = true)]
    pub idle_timeout: Duration,

    /// Seconds a request body may go without a byte arriving before it is cut off (408); 0.1 to 3600.
    #[arg(long, env = "TOUR_BODY_TIMEOUT", value_name = "SECONDS", default_value = "30", value_parser = timeout, allow_hyphen_values = true)]
    pub body_timeout: Duration,

    /// Bytes a second a request body must average once `--body-timeout` has passed, or be cut off
    /// (408): a body dripping just inside the timeout cannot hold its connection for ever. 1 to 1e9.
    #[arg(long, env = "TOUR_MIN_BODY_RATE", value_name = "BYTES", default_value = "8192", value_parser = clap::value_parser!(u32).range(1..=1_000_000_000), allow_hyphen_values = true)]
    pub min_body_rate: u32,

    /// Largest request head in bytes (request line and headers): 8192 to 1048576.
    #[arg(long, env = "TOUR_MAX_HEADER_BYTES", value_name = "N", default_value = "16384", value_parser = clap::value_parser!(u32).range(8192..=1_048_576), allow_hyphen_values = true)]
    pub max_header_bytes: u32,

    /// Connections open at once, from everyone (at most the open-file limit allows): 1 to 1000000.
    #[arg(long, env = "TOUR_MAX_CONNECTIONS", value_name = "N", default_value = "10000", value_parser = clap::value_parser!(u32).range(1..=1_000_000), allow_hyphen_values = true)]
    pub max_connections: u32,

    /// Connections open at once from one client address (an IPv6 client's /64): 1 to 1000000. The
    /// default is a tenth of --max-connections' default, so that a few abusive addresses cannot fill it.
    #[arg(long, env = "TOUR_MAX_CONNECTIONS_PER_CLIENT", value_name = "N", default_value = "1000", value_parser = clap::value_parser!(u32).range(1..=1_000_000), allow_hyphen_values = true)]
    pub max_connections_per_client: u32,

    /// A Prometheus (`http://HOST:PORT`) whose HTTP API checks the quiz's PromQL answers.
    #[arg(long, env = "TOUR_PROMETHEUS", value_name = "URL")]
    pub prometheus: Option<PrometheusUrl>,
}

impl Default for Config {
    /// The contract's defaults, as `metrics-tour` with no flags would run.
    fn default() -> Self {
        Config::parse_from(["metrics-tour"])
    }
}

/// The simulated upload's duration range, `MIN..MAX` seconds with `0 <= MIN <= MAX <= 3600`.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadSeconds(pub RangeInclusive<f64>);

impl UploadSeconds {
    /// The longest simulated upload: an hour, so the shutdown's grace period stays representable.
    pub const LONGEST: f64 = 3600.0;
}

impl FromStr for UploadSeconds {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let expected = "expected MIN..MAX in seconds, like 1..10";
        let (min, max) = text.split_once("..").ok_or(expected)?;
        let parse = |part: &str| -> Result<f64, String> {
            let seconds: f64 = part
                .trim()
                .parse()
                .map_err(|_| format!("'{part}' is not a number; {expected}"))?;
            if (0.0..=UploadSeconds::LONGEST).contains(&seconds) {
                Ok(seconds)
            } else {
                Err(format!(
                    "'{part}' must be a number of seconds from 0 to {}",
                    UploadSeconds::LONGEST
                ))
            }
        };
        let (min, max) = (parse(min)?, parse(max)?);
        if min > max {
            return Err(format!(
                "MIN ({min}) is larger than MAX ({max}); {expected}"
            ));
        }
        Ok(UploadSeconds(min..=max))
    }
}

/// The base address of a Prometheus server, `http://HOST:PORT` with an optional path prefix; its
/// HTTP API lives under `/api/v1/`. Only plain `http` (the quiz's client speaks no TLS), and only
/// from the command line: a request never chooses where the tour sends a query.
#[derive(Debug, Clone, PartialEq)]
pub struct PrometheusUrl(pub String);

impl FromStr for PrometheusUrl {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let expected = "expected the address of a Prometheus server, like http://localhost:9090";
        let uri: poem::http::Uri = text
            .trim()
            .parse()
            .map_err(|_| format!("'{text}' is not a URL; {expected}"))?;
        match (uri.scheme_str(), uri.authority()) {
            (Some("http"), Some(authority)) if uri.query().is_none() => {
                let prefix = uri.path().trim_end_matches('/');
                Ok(PrometheusUrl(format!("http://{authority}{prefix}")))
            }
            (Some("https"), _) => Err(format!(
                "'{text}': the quiz speaks plain http only; {expected}"
            )),
            _ => Err(format!(
                "'{text}' is not an http:// URL without a query; {expected}"
            )),
        }
    }
}

/// `--summary-max-age`: from a second (each of up to 100 age buckets keeps 10 ms or more) to a week.
fn summary_window(text: &str) -> Result<Duration, String> {
    seconds_within(text, 1.0, 604_800.0)
}

/// A connection's timeout: from a tenth of a second to an hour.
fn timeout(text: &str) -> Result<Duration, String> {
    seconds_within(text, 0.1, 3600.0)
}

/// A number of seconds from `min` to `max`; bounds checked before any `Duration` is built, so
/// nothing can overflow or round to zero later.
fn seconds_within(text: &str, min: f64, max: f64) -> Result<Duration, String> {
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("'{text}' is not a number of seconds"))?;
    if (min..=max).contains(&seconds) {
        Ok(Duration::from_secs_f64(seconds))
    } else {
        Err(format!("'{text}' must be from {min} to {max} seconds"))
    }
}
