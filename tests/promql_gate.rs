//! The gate in front of the class's Prometheus: the lessons' own queries pass it; the attacks an
//! outside probe ran against Prometheus 2.42 are refused, against a real Prometheus 3 and 2.42,
//! while its memory stays put; and however many learners ask at once, no more queries than the
//! cap reach Prometheus, and the tour's other pages keep answering.

mod common;

use std::{
    net::{IpAddr, SocketAddr},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant, SystemTime},
};

use bytes::Bytes;
use common::{
    fast_config,
    prometheus::{tour_judged_by, until, until_value, Prometheus, Version},
    say, TestServer,
};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use metrics_tour::{
    config::{Config, PrometheusUrl},
    promql::client::{MAX_IN_FLIGHT, MAX_IN_FLIGHT_PER_CLIENT},
    state::AppState,
    tour::quiz::{Answer, QUESTIONS},
};
use tokio::net::{TcpListener, TcpSocket};

/// The question every test answers: its reference is `rate(tour_clicks_total[5m])`.
const QUESTION: &str = "/quiz/query-clicks-rate";

/// The probe's attacks, each with the rule that refuses it.
const ATTACKS: &[(&str, &str, &str)] = &[
    (
        "the 2 TB subquery",
        "count_over_time(up[100y:1ms])",
        "range",
    ),
    (
        "twenty of these killed Prometheus",
        "count_over_time(up[1000d:1ms])",
        "range",
    ),
    (
        "the regex over everything",
        r#"sum(count_over_time({__name__=~".+"}[30d:1s]))"#,
        "range",
    ),
    (
        "the step under a second",
        "count_over_time(up[1h:1ms])",
        "subquery-step",
    ),
    (
        "the label_replace bomb",
        r#"label_replace(label_replace(label_replace(up, "a", "$1$1$1$1$1$1$1$1$1$1", "job", "(.*)"), "a", "$1$1$1$1$1$1$1$1$1$1", "a", "(.*)"), "a", "$1$1$1$1$1$1$1$1$1$1", "a", "(.*)")"#,
        "label-functions",
    ),
    (
        "a long replacement",
        r#"label_replace(up, "a", "$1$1$1$1$1$1$1$1$1$1$1$1$1$1$1$1$1$1$1$1$1$1$1$1$1$1$1$1$1$1", "job", "(.*)")"#,
        "label-functions",
    ),
    (
        "reading Prometheus' own build",
        "prometheus_build_info",
        "metrics",
    ),
    (
        "the scalar() read",
        r#"scalar(prometheus_build_info{version=~"3.*"}) + 1"#,
        "metrics",
    ),
    ("another job's series", r#"up{job="prometheus"}"#, "jobs"),
];

/// The longest label a query may still build: two label_replace calls, each repeating the value
/// 16 times (`tour` becomes 1,024 characters), in a verdict that must stay a short line.
const LONGEST_LABEL: &str = r#"label_replace(label_replace(tour_clicks_total, "x", "$1$1$1$1$1$1$1$1$1$1$1$1$1$1$1$1", "job", "(.*)"), "y", "$1$1$1$1$1$1$1$1$1$1$1$1$1$1$1$1", "x", "(.*)")"#;

/// The most a verdict line may be: what fits a terminal's few lines and a cookie many times over.
const MAX_VERDICT: usize = 300;

#[test]
fn the_lessons_queries_and_the_quizs_references_pass_the_gate() {
    let state = AppState::new(fast_config());
    let references = QUESTIONS
        .iter()
        .filter_map(|question| match question.answer {
            Answer::Query { reference } => Some((question.id.to_owned(), reference.to_owned())),
            _ => None,
        });
    let blocks = common::docs::blocks("promql")
        .into_iter()
        .map(|block| (block.place, block.text));
    let mut checked = 0;
    let mut deepest = 0;
    for (place, query) in references.chain(blocks) {
        if let Err(refusal) = state.gate.check(&query, SystemTime::now()) {
            panic!("{place}: {query} is refused: {refusal}");
        }
        let tree = metrics_tour::promql::gate::parse(&query).unwrap();
        let depth = metrics_tour::promql::explain::explain(&tree)
            .iter()
            .map(|node| node.depth + 1)
            .max()
            .unwrap();
        deepest = deepest.max(depth);
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} queries found");
    // Every series docs/rules.yml records is one of the tour's.
    let rules = std::fs::read_to_string(common::docs::doc("rules.yml")).unwrap();
    for record in rules
        .lines()
        .filter_map(|line| line.trim().strip_prefix("- record: "))
    {
        let query = format!("{record}{{job=\"tour\"}}");
        assert!(
            state.gate.check(&query, SystemTime::now()).is_ok(),
            "{record}"
        );
    }
    assert_eq!(
        deepest, 5,
        "the gate's MAX_DEPTH says how deep the lessons' deepest query is"
    );
}

#[tokio::test]
async fn a_refused_query_is_a_400_even_without_prometheus_and_changes_no_score() {
    let tour = TestServer::start(fast_config()).await;
    for html in [false, true] {
        let reply = answer_from(learner(1), tour.address, "prometheus_build_info", html).await;
        assert_eq!(reply.status, 400, "{}", reply.text);
        assert!(
            reply
                .text
                .starts_with("refused by the gate's metrics rule: "),
            "{}",
            reply.text
        );
        assert!(reply.cookies.is_empty());
    }
    // A query the gate passes still needs a Prometheus to be judged.
    let reply = answer_from(
        learner(1),
        tour.address,
        "rate(tour_clicks_total[5m])",
        false,
    )
    .await;
    assert_eq!(reply.status, 503);
    assert!(reply.text.contains("--prometheus"), "{}", reply.text);
}

#[tokio::test]
async fn get_promql_shows_the_tree_one_node_a_line_and_what_the_gate_says() {
    let tour = TestServer::start(fast_config()).await;
    let get = async |query: &str| {
        let encoded: String = form_urlencoded::byte_serialize(query.as_bytes()).collect();
        tour.request("GET", &format!("/promql?query={encoded}"), &[], b"")
            .await
    };
    let reply = get("sum by (route) (rate(http_requests_total[5m]))").await;
    assert_eq!(reply.status, 200);
    let text = reply.text();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("sum by (route) (rate(http_requests_total[5m]))  [instant vector]")
            && lines[1].starts_with("  rate(http_requests_total[5m])  [instant vector]")
            && lines[2].starts_with("    http_requests_total[5m]  [range vector]"),
        "{text}"
    );
    assert!(lines[3].starts_with("the gate passes it"), "{text}");

    let reply = get("scalar(prometheus_build_info)").await;
    assert_eq!(reply.status, 200);
    assert!(
        reply
            .text()
            .lines()
            .last()
            .unwrap()
            .starts_with("refused by the gate's metrics rule: "),
        "{}",
        reply.text()
    );

    for (target, status) in [
        ("/promql?query=rate(up%5B5m%5D", 400),
        ("/promql", 400),
        ("/promql?query=up&query=up", 400),
    ] {
        let reply = tour.request("GET", target, &[], b"").await;
        assert_eq!(reply.status, status, "{target}: {}", reply.text());
        assert_eq!(reply.text().lines().count(), 1, "{}", reply.text());
    }
    let parse = tour
        .request("GET", "/promql?query=rate(up%5B5m%5D", &[], b"")
        .await;
    assert!(
        parse.text().starts_with("the query does not parse: "),
        "{}",
        parse.text()
    );
    assert_eq!(
        tour.request("POST", "/promql?query=up", &[], b"")
            .await
            .status,
        405
    );
}

/// One answer as a learner at `source` sends it: the status, `Retry-After`, `Set-Cookie` and text.
struct Reply {
    status: u16,
    retry_after: Option<String>,
    cookies: Vec<String>,
    text: String,
}

/// `POST QUESTION` with `answer`, from the loopback address `source` (every address in
/// 127.0.0.0/8 is this machine), so that a test can be a crowd of learners.
async fn answer_from(source: IpAddr, tour: SocketAddr, answer: &str, html: bool) -> Reply {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(source, 0)).unwrap();
    let stream = socket.connect(tour).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let form = form_urlencoded::Serializer::new(String::new())
        .append_pair("answer", answer)
        .finish();
    let accept = if html { "text/html" } else { "*/*" };
    let request = hyper::Request::post(QUESTION)
        .header(hyper::header::HOST, tour.to_string())
        .header(hyper::header::ACCEPT, accept)
        .header(
            hyper::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(Full::new(Bytes::from(form)))
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    let header = |name| {
        response
            .headers()
            .get_all(name)
            .iter()
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
            .collect::<Vec<_>>()
    };
    let status = response.status().as_u16();
    let retry_after = header(hyper::header::RETRY_AFTER).pop();
    let cookies = header(hyper::header::SET_COOKIE);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        retry_after,
        cookies,
        text: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// The `n`th learner's address: 127.0.1.n.
fn learner(n: usize) -> IpAddr {
    IpAddr::from([127, 0, 1, u8::try_from(n).unwrap()])
}

/// Prometheus' resident memory, from `/proc/PID/status`, in MiB.
fn rss_mib(prometheus: &Prometheus) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", prometheus.pid())).unwrap();
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .expect("VmRSS in /proc/PID/status");
    kib / 1024.0
}

/// Sends `answers` at once, one learner each, and the most RSS Prometheus showed meanwhile and
/// for two seconds after.
async fn at_once(tour: SocketAddr, prometheus: &Prometheus, answers: &[&str]) -> (Vec<Reply>, f64) {
    let sent: Vec<_> = answers
        .iter()
        .enumerate()
        .map(|(n, answer)| {
            let answer = answer.to_string();
            tokio::spawn(async move { answer_from(learner(n + 1), tour, &answer, false).await })
        })
        .collect();
    let mut most = rss_mib(prometheus);
    let until = Instant::now() + Duration::from_secs(2);
    while !sent.iter().all(|reply| reply.is_finished()) || Instant::now() < until {
        most = most.max(rss_mib(prometheus));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut replies = Vec::new();
    for reply in sent {
        replies.push(reply.await.unwrap());
    }
    (replies, most)
}

/// How far Prometheus' RSS may rise while twenty attacks or twenty of the heaviest queries the
/// gate passes arrive at once: a fraction of what one of the probe's attacks asked for.
const RSS_RISE_MIB: f64 = 64.0;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_probes_attacks_are_refused_and_prometheus_memory_stays_put() {
    for version in Version::ALL {
        let Some((tour, prometheus)) = tour_judged_by(version).await else {
            continue;
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        until_value(&prometheus, deadline, "tour_clicks_total", 0.0).await;
        rewritten_queries_mean_what_they_meant(version, &tour, &prometheus).await;
        attacks_are_refused(version, &tour, &prometheus).await;
    }
}

/// The gate sends its own spelling of a query (promql-parser's, with the matchers it puts in):
/// Prometheus must read every lesson's query so spelled as it reads the original, and find the
/// same series, since in this test every series is the tour's. And each node of its tree returns
/// what `/promql` says it does.
async fn rewritten_queries_mean_what_they_meant(
    version: Version,
    tour: &TestServer,
    prometheus: &Prometheus,
) {
    let time = SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let ask = async |query: &str| {
        let encoded: String = form_urlencoded::byte_serialize(query.as_bytes()).collect();
        let answer = prometheus
            .get(&format!("/api/v1/query?query={encoded}&time={time}"))
            .await;
        (answer["status"].clone(), answer["data"]["result"].clone())
    };
    for block in common::docs::blocks("promql") {
        // What /promql says each node returns is what Prometheus says it returns.
        let tree = metrics_tour::promql::gate::parse(&block.text).unwrap();
        for node in metrics_tour::promql::explain::explain(&tree) {
            let checked = tour
                .state
                .gate
                .check(&node.promql, SystemTime::now())
                .unwrap();
            let encoded: String =
                form_urlencoded::byte_serialize(checked.as_str().as_bytes()).collect();
            let answer = prometheus
                .get(&format!("/api/v1/query?query={encoded}&time={time}"))
                .await;
            assert_eq!(
                answer["data"]["resultType"].as_str(),
                Some(node.returns.result_type()),
                "{}, {}: {} in {}: {answer}",
                version.name(),
                block.place,
                node.promql,
                block.text
            );
        }
        let checked = tour
            .state
            .gate
            .check(&block.text, SystemTime::now())
            .unwrap();
        let original = ask(&block.text).await;
        let rewritten = ask(checked.as_str()).await;
        assert_eq!(
            rewritten,
            original,
            "{}, {}: {} was sent as {}",
            version.name(),
            block.place,
            block.text,
            checked.as_str()
        );
    }
}

async fn attacks_are_refused(version: Version, tour: &TestServer, prometheus: &Prometheus) {
    let name = version.name();
    for (what, attack, rule) in ATTACKS {
        let reply = answer_from(learner(1), tour.address, attack, false).await;
        assert_eq!(reply.status, 400, "{name}, {what}: {}", reply.text);
        assert!(
            reply
                .text
                .starts_with(&format!("refused by the gate's {rule} rule: ")),
            "{name}, {what}: {}",
            reply.text
        );
        assert_eq!(reply.text.lines().count(), 1, "{}", reply.text);
        assert!(reply.cookies.is_empty(), "a refusal changes no score");
    }

    // The verdict on the longest label the gate lets a query build is still one short line, and
    // its cookie small, whether for curl or for a browser's 303. (The reference has a rate once
    // Prometheus holds two scrapes; until then the tour says it cannot judge yet.)
    until(Instant::now() + Duration::from_secs(30), async || {
        let reply = answer_from(learner(1), tour.address, LONGEST_LABEL, false).await;
        if reply.status == 503 {
            Err(reply.text)
        } else {
            Ok(())
        }
    })
    .await
    .unwrap();
    for html in [false, true] {
        let reply = answer_from(learner(1), tour.address, LONGEST_LABEL, html).await;
        let cookies = reply.cookies.join("; ");
        if html {
            assert_eq!(reply.status, 303, "{name}: {}", reply.text);
        } else {
            assert_eq!(reply.status, 200, "{name}: {}", reply.text);
            assert!(reply.text.starts_with("not yet: "), "{}", reply.text);
            assert!(reply.text.len() <= MAX_VERDICT, "{}", reply.text);
            assert!(!reply.text.contains("tourtour"), "{}", reply.text);
        }
        assert!(cookies.len() <= 3 * MAX_VERDICT, "{name}: {cookies}");
    }

    let before = rss_mib(prometheus);
    let attacks: Vec<&str> = ATTACKS
        .iter()
        .map(|(_, attack, _)| *attack)
        .cycle()
        .take(20)
        .collect();
    let (replies, most) = at_once(tour.address, prometheus, &attacks).await;
    assert!(replies.iter().all(|reply| reply.status == 400));
    say(&format!(
        "{name}: RSS {before:.0} MiB before 20 attacks at once, at most {most:.0} MiB while they were refused"
    ));
    assert!(
        most <= before + RSS_RISE_MIB,
        "{name}: RSS rose from {before:.0} to {most:.0} MiB"
    );

    // The heaviest queries the gate passes, twenty at once: at most the cap reach Prometheus.
    let heaviest = [
        r#"count_over_time({__name__=~".+"}[1h])"#,
        r#"max_over_time(rate({__name__=~".+"}[5m])[1h:5s])"#,
        r#"count_over_time({__name__=~".+"}[1h:1s])"#,
        LONGEST_LABEL,
    ];
    let before = rss_mib(prometheus);
    let answers: Vec<&str> = heaviest.iter().copied().cycle().take(20).collect();
    let (replies, most) = at_once(tour.address, prometheus, &answers).await;
    for reply in &replies {
        assert!(
            (reply.status == 200 && reply.text.starts_with("not yet: "))
                || (reply.status == 503 && reply.retry_after.is_some()),
            "{name}: {} {}",
            reply.status,
            reply.text
        );
        assert!(reply.text.len() <= MAX_VERDICT, "{}", reply.text);
    }
    say(&format!(
        "{name}: RSS {before:.0} MiB before the 20 heaviest queries the gate passes, at most {most:.0} MiB while they ran"
    ));
    assert!(
        most <= before + RSS_RISE_MIB,
        "{name}: RSS rose from {before:.0} to {most:.0} MiB"
    );
    let started = Instant::now();
    assert!(!prometheus.query("up").await.is_empty());
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{name}: the instructor's own query waited {:?}",
        started.elapsed()
    );
}

/// A stand-in Prometheus on loopback that holds every query for `hold`, counting how many it
/// holds at once and how many it was asked; it answers each instant query with the same
/// one-series vector, and each range query with that series' one point.
struct Stub {
    address: SocketAddr,
    now: Arc<AtomicUsize>,
    most: Arc<AtomicUsize>,
    asked: Arc<AtomicUsize>,
}

async fn stub(hold: Duration) -> Stub {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let asked = Arc::new(AtomicUsize::new(0));
    let (counting, peak, total) = (now.clone(), most.clone(), asked.clone());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (counting, peak, total) = (counting.clone(), peak.clone(), total.clone());
            let service = hyper::service::service_fn(move |request: hyper::Request<_>| {
                let (counting, peak, total) = (counting.clone(), peak.clone(), total.clone());
                let range = request.uri().path().ends_with("query_range");
                async move {
                    total.fetch_add(1, Ordering::SeqCst);
                    let holding = counting.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(holding, Ordering::SeqCst);
                    tokio::time::sleep(hold).await;
                    counting.fetch_sub(1, Ordering::SeqCst);
                    let answer = if range {
                        r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":"tour"},"values":[[1,"1"]]}]}}"#
                    } else {
                        r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"tour"},"value":[1,"1"]}]}}"#
                    };
                    Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(
                        Bytes::from_static(answer.as_bytes()),
                    )))
                }
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service),
            );
        }
    });
    Stub {
        address,
        now,
        most,
        asked,
    }
}

/// `GET path` from the loopback address `source`: its status and body.
async fn get_from(source: IpAddr, tour: SocketAddr, path: &str) -> Reply {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(source, 0)).unwrap();
    let stream = socket.connect(tour).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let request = hyper::Request::get(path)
        .header(hyper::header::HOST, tour.to_string())
        .body(Full::new(Bytes::new()))
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(hyper::header::RETRY_AFTER)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        retry_after,
        cookies: Vec::new(),
        text: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// The tour with `--prometheus` naming `stub`.
async fn tour_asking(stub: &Stub) -> TestServer {
    TestServer::start(Config {
        prometheus: Some(PrometheusUrl(format!("http://{}", stub.address))),
        ..fast_config()
    })
    .await
}

/// While `learners` wait for Prometheus, the tour's other pages answer promptly.
async fn other_pages_answer(tour: &TestServer) {
    for page in ["/healthz", "/tour/counter", "/metrics", "/tour/quiz"] {
        let started = Instant::now();
        let reply = tour.request("GET", page, &[], b"").await;
        assert_eq!(reply.status, 200, "{page}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{page} took {:?}",
            started.elapsed()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_learners_at_once_never_put_more_than_the_cap_in_prometheus() {
    let prometheus = stub(Duration::from_millis(400)).await;
    let tour = tour_asking(&prometheus).await;
    let address = tour.address;
    let learners: Vec<_> = (1..=50)
        .map(|n| {
            tokio::spawn(async move {
                answer_from(learner(n), address, "rate(tour_clicks_total[5m])", false).await
            })
        })
        .collect();
    other_pages_answer(&tour).await;
    let (judged, busy) = answered_or_told_to_retry(learners, |text| {
        assert!(text.starts_with("correct: "), "{text}");
    })
    .await;
    let most = prometheus.most.load(Ordering::SeqCst);
    say(&format!(
        "50 learners at once: {judged} judged, {busy} told to retry, at most {most} queries in Prometheus"
    ));
    assert!(most <= MAX_IN_FLIGHT, "{most} queries were in flight");
    assert_eq!(most, MAX_IN_FLIGHT, "the crowd reached the cap");
    assert!(
        judged >= MAX_IN_FLIGHT / 2 && busy > 0,
        "{judged} judged, {busy} busy"
    );
    assert_eq!(prometheus.now.load(Ordering::SeqCst), 0);

    // One address asking six times at once has one answer judged at a time.
    prometheus.most.store(0, Ordering::SeqCst);
    let same: Vec<_> = (0..6)
        .map(|_| {
            tokio::spawn(async move {
                answer_from(learner(200), address, "rate(tour_clicks_total[5m])", false).await
            })
        })
        .collect();
    let mut told = 0;
    for reply in same {
        let reply = reply.await.unwrap();
        if reply.status == 503 {
            assert!(reply.text.contains("your address"), "{}", reply.text);
            told += 1;
        }
    }
    assert!(told >= 3, "only {told} of 6 were told to wait");
    assert!(prometheus.most.load(Ordering::SeqCst) <= MAX_IN_FLIGHT_PER_CLIENT);
}

/// A crowd's replies, counted: `(answered, told to retry)`. Each `200` is checked by `answered`,
/// each `503` must be one line saying when to try again, with `Retry-After: 3`; anything else fails.
async fn answered_or_told_to_retry(
    learners: Vec<tokio::task::JoinHandle<Reply>>,
    answered: impl Fn(&str),
) -> (usize, usize) {
    let (mut ok, mut busy) = (0, 0);
    for learner in learners {
        let reply = learner.await.unwrap();
        match reply.status {
            200 => {
                answered(&reply.text);
                ok += 1;
            }
            503 => {
                assert_eq!(reply.retry_after.as_deref(), Some("3"), "{}", reply.text);
                assert!(reply.text.contains("try again in 3 s"), "{}", reply.text);
                assert_eq!(reply.text.lines().count(), 1, "{}", reply.text);
                busy += 1;
            }
            other => panic!("{other}: {}", reply.text),
        }
    }
    (ok, busy)
}

/// The chart route as a crowd uses it: fifty learners open `/tour/promql` with a query at once.
/// Each page view asks every node's value and the chart's range in one place of the cap, so no
/// more than the cap reach Prometheus, the rest are told to retry, and the other pages answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_learners_charting_at_once_never_put_more_than_the_cap_in_prometheus() {
    let prometheus = stub(Duration::from_millis(400)).await;
    let tour = tour_asking(&prometheus).await;
    let address = tour.address;
    let chart = "/tour/promql?query=rate%28tour_clicks_total%5B5m%5D%29";
    let learners: Vec<_> = (1..=50)
        .map(|n| tokio::spawn(async move { get_from(learner(n), address, chart).await }))
        .collect();
    other_pages_answer(&tour).await;
    let (charted, busy) = answered_or_told_to_retry(learners, |page| {
        assert!(page.contains("class=\"small chart-note\""), "{page}");
    })
    .await;
    let most = prometheus.most.load(Ordering::SeqCst);
    say(&format!(
        "50 learners charting at once: {charted} charted, {busy} told to retry, at most {most} queries in Prometheus"
    ));
    assert!(most <= MAX_IN_FLIGHT, "{most} queries were in flight");
    assert_eq!(most, MAX_IN_FLIGHT, "the crowd reached the cap");
    assert!(
        charted >= MAX_IN_FLIGHT && busy > 0,
        "{charted} charted, {busy} busy"
    );
    assert_eq!(prometheus.now.load(Ordering::SeqCst), 0);
}

/// With `--prometheus`, every PromQL block on every page shows its value now beside it, asked
/// through the gate in one place of the cap; and tabs refreshing the same page at once share one
/// answer a second instead of each asking Prometheus again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_block_shows_its_value_now_and_open_tabs_share_one_ask() {
    let prometheus = stub(Duration::from_millis(20)).await;
    let tour = tour_asking(&prometheus).await;
    let mut queries = std::collections::BTreeSet::new();
    let mut shown = 0;
    for page in common::PAGES {
        let html = tour.request("GET", page, &[], b"").await.text();
        for block in html.split("<div class=\"promql\"><pre><code>").skip(1) {
            let query = common::unescape(block.split("</code>").next().unwrap());
            if block.contains("<p class=\"answered-below\">") {
                continue; // the page draws the whole answer below it instead
            }
            let now = block
                .split("data-live>")
                .nth(1)
                .and_then(|rest| rest.split("</output>").next())
                .filter(|_| block.contains("<p class=\"promql-now\">Now: <output id=\"promql-now-"))
                .unwrap_or_else(|| panic!("{page}: {query} shows no value: {block}"));
            assert_eq!(now, "1 series: 1", "{page}: {query}");
            queries.insert(query);
            shown += 1;
        }
    }
    assert!(shown > 20, "only {shown} blocks");
    assert!(
        queries.len() <= metrics_tour::tour::blocks::MAX_KEPT,
        "{} queries, more than the {} answers kept",
        queries.len(),
        metrics_tour::tour::blocks::MAX_KEPT
    );
    assert_eq!(
        prometheus.most.load(Ordering::SeqCst),
        1,
        "the blocks hold one place of the cap"
    );

    // Twenty tabs on the counter page refresh at once, once the answers are a second old.
    let counter = tour.request("GET", "/tour/counter", &[], b"").await.text();
    let blocks: std::collections::BTreeSet<&str> = counter
        .split("<div class=\"promql\"><pre><code>")
        .skip(1)
        .map(|block| block.split("</code>").next().unwrap())
        .collect();
    tokio::time::sleep(metrics_tour::tour::blocks::FRESH_FOR).await;
    prometheus.asked.store(0, Ordering::SeqCst);
    let address = tour.address;
    let tabs: Vec<_> = (1..=20)
        .map(|n| tokio::spawn(async move { get_from(learner(n), address, "/tour/counter").await }))
        .collect();
    for tab in tabs {
        assert_eq!(tab.await.unwrap().status, 200);
    }
    let asked = prometheus.asked.load(Ordering::SeqCst);
    say(&format!(
        "20 tabs of a page with {} blocks asked Prometheus {asked} times",
        blocks.len()
    ));
    // One ask per query, or two when the twenty took longer than the second an answer is kept.
    assert!(
        asked >= blocks.len() && asked <= 2 * blocks.len(),
        "{asked} asks for {} blocks",
        blocks.len()
    );
}
