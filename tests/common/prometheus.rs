//! A real Prometheus for the end-to-end tests, of either version the tour supports: Prometheus 3
//! from Debian's unstable suite (unpacked by `.ci/prometheus3` into a cache folder) and Debian 12's
//! 2.42 (`prometheus` on the PATH). Each runs on a free port with its own scratch storage.

use std::{
    net::SocketAddr,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::Value;

use super::{missing, require_program};

/// The Prometheus versions the lessons are tested against, the one they are written for first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// Prometheus 3 (3.5, the long-term-support line, as Debian's unstable suite has it).
    Three,
    /// Debian 12's Prometheus 2.42.
    TwoFortyTwo,
}

impl Version {
    /// Both, Prometheus 3 first.
    pub const ALL: [Version; 2] = [Version::Three, Version::TwoFortyTwo];

    /// How a test's output names it.
    pub fn name(self) -> &'static str {
        match self {
            Version::Three => "Prometheus 3",
            Version::TwoFortyTwo => "Prometheus 2.42",
        }
    }

    /// The binary, or `None` after saying which version the test skipped (failing instead under
    /// `TOUR_REQUIRE_E2E=1`).
    pub fn binary(self) -> Option<PathBuf> {
        match self {
            Version::TwoFortyTwo => require_program("prometheus", "prometheus"),
            Version::Three => {
                let binary = prometheus3_dir().join("usr/bin/prometheus");
                if binary.is_file() {
                    Some(binary)
                } else {
                    missing(&format!(
                        "Prometheus 3 not found at {} (run `bash .ci/prometheus3`)",
                        binary.display()
                    ));
                    None
                }
            }
        }
    }

    /// Its `promtool`, beside the binary.
    pub fn promtool(self) -> Option<PathBuf> {
        match self {
            Version::TwoFortyTwo => require_program("promtool", "prometheus"),
            Version::Three => Some(self.binary()?.with_file_name("promtool")),
        }
    }
}

/// Where `.ci/prometheus3` leaves Prometheus 3: `$TOUR_PROMETHEUS3_DIR`, or the user's cache.
pub fn prometheus3_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("TOUR_PROMETHEUS3_DIR") {
        return dir.into();
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache")
        });
    cache.join("metrics-tour/prometheus-3")
}

/// A Prometheus server on a free port with its own scratch storage, both gone when dropped.
pub struct Prometheus {
    pub version: Version,
    pub address: SocketAddr,
    child: Child,
    dir: PathBuf,
}

impl Prometheus {
    /// Starts `version` with `config` and the extra `flags` on a free port, and waits until it
    /// says it is ready; `None` when that version is not installed (the test has said so).
    pub async fn start(version: Version, config: &str, flags: &[&str]) -> Option<Prometheus> {
        let address = format!("127.0.0.1:{}", super::process::free_port())
            .parse()
            .unwrap();
        Prometheus::start_at(version, address, config, flags).await
    }

    /// Starts `version` with `config` and `flags` on `address` (for a tour told where it will be).
    pub async fn start_at(
        version: Version,
        address: SocketAddr,
        config: &str,
        flags: &[&str],
    ) -> Option<Prometheus> {
        let binary = version.binary()?;
        let dir = std::env::temp_dir().join(format!(
            "tour-prometheus-{}-{}",
            std::process::id(),
            address.port()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("prometheus.yml"), config).unwrap();
        let child = Command::new(binary)
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
            .stderr(Stdio::from(
                std::fs::File::create(dir.join("prometheus.log")).unwrap(),
            ))
            .spawn()
            .unwrap();
        let mut prometheus = Prometheus {
            version,
            address,
            child,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if tokio::net::TcpStream::connect(address).await.is_ok()
                && super::http(address, "GET", "/-/ready", &[], b"")
                    .await
                    .status
                    == 200
            {
                return Some(prometheus);
            }
            if let Ok(Some(status)) = prometheus.child.try_wait() {
                panic!(
                    "{} exited with {status} before it was ready: {}",
                    version.name(),
                    prometheus.log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "{} never became ready on {address}: {}",
                version.name(),
                prometheus.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// What it has written to stderr so far (its warnings and errors).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("prometheus.log")).unwrap_or_default()
    }

    /// Its process id, for reading its memory in `/proc`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `GET path`, as JSON.
    pub async fn get(&self, path: &str) -> Value {
        let answer = super::http(self.address, "GET", path, &[], b"").await;
        serde_json::from_slice(&answer.body).unwrap_or(Value::Null)
    }

    /// The values of `promql` over the last `seconds`, one a second.
    pub async fn range(&self, promql: &str, seconds: u64) -> Vec<f64> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let answer = self
            .get(&format!(
                "/api/v1/query_range?query={}&start={}&end={now}&step=1",
                encode(promql),
                now - seconds
            ))
            .await;
        answer["data"]["result"][0]["values"]
            .as_array()
            .map(|values| {
                values
                    .iter()
                    .filter_map(|pair| pair[1].as_str()?.parse().ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The first value of an instant query, NaN when it returned nothing.
    pub async fn value(&self, promql: &str) -> f64 {
        first_value(&self.query(promql).await).unwrap_or(f64::NAN)
    }

    /// An instant query's result list (a scalar counts as one result).
    pub async fn query(&self, promql: &str) -> Vec<Value> {
        let answer = self
            .get(&format!("/api/v1/query?query={}", encode(promql)))
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

/// The value of an instant query's first result.
pub fn first_value(results: &[Value]) -> Option<f64> {
    results.first()?["value"][1].as_str()?.parse().ok()
}

/// Polls `check` every 250 ms until it returns `Ok`, or returns its last `Err` at `deadline`.
pub async fn until<T>(
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

/// A tour served in this process whose `--prometheus` is a real Prometheus of `version` scraping it
/// every second; `None` when that version is not installed (the test has said so).
pub async fn tour_judged_by(version: Version) -> Option<(super::TestServer, Prometheus)> {
    let prometheus_address: SocketAddr = format!("127.0.0.1:{}", super::process::free_port())
        .parse()
        .unwrap();
    let config = metrics_tour::config::Config {
        prometheus: Some(metrics_tour::config::PrometheusUrl(format!(
            "http://{prometheus_address}"
        ))),
        ..super::fast_config()
    };
    let tour = super::TestServer::start(config).await;
    let scrape = format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: tour\n    static_configs:\n      - targets: ['{}']\n",
        tour.address
    );
    let prometheus = Prometheus::start_at(version, prometheus_address, &scrape, &[]).await?;
    Some((tour, prometheus))
}

/// Waits until Prometheus holds `value` as the only result of `query`.
pub async fn until_value(prometheus: &Prometheus, deadline: Instant, query: &str, value: f64) {
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

fn encode(promql: &str) -> String {
    form_urlencoded::byte_serialize(promql.as_bytes()).collect()
}
