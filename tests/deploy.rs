//! The deployment files say what the binary does: no Docker engine or cluster runs in the tests, so
//! each file's promises are checked against the real binary instead.

mod common;

use std::process::Command;

use common::{docs, process::Tour};

/// The instructions of the Dockerfile, `(INSTRUCTION, arguments)`, continuation lines joined.
fn dockerfile() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(docs::root().join("Dockerfile")).unwrap();
    let joined = text.replace("\\\n", " ");
    joined
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (instruction, rest) = line.split_once(' ').unwrap_or((line, ""));
            (instruction.to_uppercase(), rest.trim().to_owned())
        })
        .collect()
}

fn all<'a>(instructions: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    instructions
        .iter()
        .filter(|(i, _)| i == name)
        .map(|(_, rest)| rest.as_str())
        .collect()
}

#[test]
fn the_image_builds_in_one_stage_and_runs_non_root_from_another() {
    let instructions = dockerfile();
    let stages = all(&instructions, "FROM");
    assert_eq!(
        stages.len(),
        2,
        "a build stage and a small runtime stage: {stages:?}"
    );
    assert!(stages[0].ends_with(" AS build"), "{}", stages[0]);
    let user = all(&instructions, "USER");
    assert!(
        !user.is_empty()
            && user
                .iter()
                .all(|u| !u.starts_with("root") && !u.starts_with('0')),
        "the runtime must not run as root: {user:?}"
    );
    assert!(all(&instructions, "RUN")
        .iter()
        .any(|run| run.contains("cargo build --release --locked")));
    let copy = all(&instructions, "COPY")
        .into_iter()
        .find(|c| c.starts_with("--from=build"))
        .unwrap();
    let installed = copy.split_whitespace().last().unwrap();
    assert_eq!(
        all(&instructions, "ENTRYPOINT"),
        [format!("[\"{installed}\"]")]
    );
    assert_eq!(all(&instructions, "ENV"), ["TOUR_LISTEN=0.0.0.0:5000"]);
    assert_eq!(all(&instructions, "EXPOSE"), ["5000"]);
}

#[test]
fn the_lockfile_lets_the_images_locked_build_resolve() {
    let metadata = Command::new(env!("CARGO"))
        .args(["metadata", "--locked", "--format-version", "1", "--no-deps"])
        .current_dir(docs::root())
        .output()
        .unwrap();
    assert!(
        metadata.status.success(),
        "{}",
        String::from_utf8_lossy(&metadata.stderr)
    );
}

#[tokio::test]
async fn the_binary_serves_on_every_interface_as_the_image_and_the_manifest_start_it() {
    // The image's TOUR_LISTEN, with port 0 so the test can run anywhere; the manifest's args.
    let tour = Tour::spawn_with_env(&["--traffic".to_owned()], &[("TOUR_LISTEN", "0.0.0.0:0")]);
    assert!(
        tour.address.ip().is_unspecified(),
        "listening on {}",
        tour.address
    );
    let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], tour.address.port()));
    assert_eq!(
        common::http(loopback, "GET", "/healthz", &[], b"")
            .await
            .status,
        200
    );
    assert_eq!(
        common::http(loopback, "GET", "/metrics", &[], b"")
            .await
            .status,
        200
    );
}

/// Every value of `key:` in the manifest, in order.
fn values<'a>(manifest: &'a str, key: &str) -> Vec<&'a str> {
    manifest
        .lines()
        .filter_map(|line| {
            line.trim()
                .trim_start_matches("- ")
                .strip_prefix(key)?
                .strip_prefix(':')
        })
        .map(|value| value.trim().trim_matches('"'))
        .collect()
}

#[test]
fn the_kubernetes_manifest_probes_and_scrapes_what_the_app_serves() {
    let manifest =
        std::fs::read_to_string(docs::root().join("deploy/kubernetes/metrics-tour.yaml")).unwrap();
    assert_eq!(
        values(&manifest, "path"),
        ["/healthz", "/healthz"],
        "readiness and liveness probes"
    );
    assert_eq!(values(&manifest, "containerPort"), ["5000"]);
    assert_eq!(values(&manifest, "value"), ["0.0.0.0:5000"], "TOUR_LISTEN");
    assert_eq!(values(&manifest, "prometheus.io/scrape"), ["true"]);
    assert_eq!(values(&manifest, "prometheus.io/port"), ["5000"]);
    assert_eq!(values(&manifest, "prometheus.io/path"), ["/metrics"]);
    assert_eq!(values(&manifest, "runAsNonRoot"), ["true"]);
    // distroless' `nonroot` user, which the image's USER names.
    assert_eq!(values(&manifest, "runAsUser"), ["65532"]);
    // Kubernetes must wait longer than the server's own grace: the slowest upload (10 s) plus 5 s.
    let grace: u64 = values(&manifest, "terminationGracePeriodSeconds")[0]
        .parse()
        .unwrap();
    assert!(
        grace > 15,
        "terminationGracePeriodSeconds {grace} cuts uploads off"
    );
}

/// The scrape job docs/deploy.md gives the cluster's Prometheus is named for a job the tour's
/// PromQL gate passes, so the quiz's PromQL answers find the pods' series there; it keeps only the
/// pods the manifest labels as the tour's, so that job holds nothing else; and Prometheus 3's
/// promtool accepts it.
#[test]
fn the_clusters_scrape_job_is_one_the_gate_passes_and_keeps_only_the_tours_pods() {
    let blocks: Vec<_> = docs::blocks("yaml")
        .into_iter()
        .filter(|block| block.place.starts_with("docs/deploy.md"))
        .collect();
    assert_eq!(blocks.len(), 1, "one scrape job in docs/deploy.md");
    let job = &blocks[0].text;
    let names = values(job, "job_name");
    assert_eq!(names.len(), 1, "{job}");
    assert!(
        metrics_tour::promql::gate::JOBS.contains(&names[0]),
        "job {} is not one the gate passes: {:?}",
        names[0],
        metrics_tour::promql::gate::JOBS
    );
    let manifest =
        std::fs::read_to_string(docs::root().join("deploy/kubernetes/metrics-tour.yaml")).unwrap();
    let app = values(&manifest, "app.kubernetes.io/name");
    assert!(!app.is_empty() && app.iter().all(|name| *name == app[0]));
    let keep = job
        .split("- source_labels: ")
        .find(|rule| rule.starts_with("[__meta_kubernetes_pod_label_app_kubernetes_io_name]"))
        .unwrap_or_else(|| panic!("no rule reads the pods' app.kubernetes.io/name: {job}"));
    assert_eq!(values(keep, "action"), ["keep"], "{keep}");
    assert_eq!(values(keep, "regex"), [app[0]], "{keep}");

    // Prometheus 3's promtool: Debian 12's 2.42 is built without Kubernetes discovery.
    let Some(promtool) = common::prometheus::Version::Three.promtool() else {
        return;
    };
    let file = std::env::temp_dir().join(format!("tour-deploy-{}.yml", std::process::id()));
    std::fs::write(&file, job).unwrap();
    let checked = Command::new(promtool)
        .args(["check", "config"])
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    assert!(
        checked.status.success(),
        "{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
}
