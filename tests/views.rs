//! The views alone: a snapshot in, markup out. No registry, no server.

use metrics_tour::{
    lessons::histogram::exact_quantile,
    templates,
    tour::snapshot::{HistogramData, Point, Snapshot, SummaryData},
};

/// Seven uploads: two up to 1 s, four between 1 and 2 s, one between 2 and 3 s.
fn uploads() -> HistogramData {
    HistogramData {
        buckets: vec![(1.0, 2), (2.0, 6), (3.0, 7)],
        sum: 10.5,
        count: 7,
    }
}

fn snapshot() -> Snapshot {
    Snapshot {
        origin: "http://localhost:5000".to_owned(),
        clicks: Some(17.0),
        temperature: Some(-3.5),
        uploads_in_progress: Some(2.0),
        uploads: Some(uploads()),
        clicks_history: vec![
            Point { seconds_ago: 3.0, value: 15.0 },
            Point { seconds_ago: 0.0, value: 17.0 },
        ],
        temperature_history: vec![Point { seconds_ago: 1.0, value: -3.5 }],
        history_seconds: 120.0,
        kept_uploads: vec![0.5, 0.9, 1.2, 1.4, 1.6, 1.8, 2.5],
        kept_uploads_capacity: 1000,
        summary_window_seconds: 600.0,
        exposition: "# HELP tour_clicks_total Clicks on the counter demo.\n# TYPE tour_clicks_total counter\ntour_clicks_total 17\n".to_owned(),
        ..Snapshot::default()
    }
}

#[test]
fn the_front_page_shows_each_types_value_from_the_snapshot() {
    let page = templates::index::page(&snapshot()).into_string();
    assert!(
        page.contains(r#"<output id="home-clicks" data-live>17</output>"#),
        "{page}"
    );
    assert!(page.contains(r#"<output id="home-temperature" data-live>-3.5</output>"#));
    assert!(page.contains(r#"<output id="home-uploads" data-live>7</output>"#));
    assert!(page.contains(r#"<output id="home-in-progress" data-live>2</output>"#));
    assert!(page.contains("curl -X POST http://localhost:5000/counter"));
    assert!(page.contains(r#"href="/metrics?name[]=tour_clicks_total""#));
    for page_link in [
        "/tour/counter",
        "/tour/gauge",
        "/tour/histogram",
        "/tour/summary",
    ] {
        assert!(
            page.contains(&format!(r#"href="{page_link}""#)),
            "{page_link}"
        );
    }
}

#[test]
fn a_value_with_markup_in_it_is_escaped_not_run() {
    let hostile = "<script>alert(1)</script>";
    let snapshot = Snapshot {
        origin: format!("http://{hostile}"),
        exposition: format!("# HELP tour_clicks_total {hostile}\ntour_clicks_total 1\n"),
        ..snapshot()
    };
    for page in [
        templates::index::page(&snapshot),
        templates::counter::page(&snapshot),
        templates::anatomy::page(&snapshot),
    ] {
        let page = page.into_string();
        assert!(!page.contains(hostile), "unescaped markup in {page}");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }
}

#[test]
fn the_counter_page_shows_its_exposition_lines_and_history() {
    let page = templates::counter::page(&snapshot()).into_string();
    assert!(page.contains(r#"<output id="counter-value" data-live>17</output>"#));
    assert!(page.contains("tour_clicks_total 17\n"));
    assert!(page.contains("rate(tour_clicks_total[1m])"));
    assert!(page.contains("<polyline"), "the history chart has no line");
    assert!(page.contains(r#"<form class="action" method="post" action="/counter">"#));
    assert!(page.contains(r#"<label for="counter-by">"#));
}

#[test]
fn the_histogram_page_shows_cumulative_and_per_bucket_counts_with_inf() {
    let page = templates::histogram::page(&snapshot()).into_string();
    // le=2 counts six at most 2 s; four of them lie between 1 and 2 s.
    assert!(
        page.contains(r#"<th scope="row">2</th><td>6</td><td>4 "#),
        "{page}"
    );
    assert!(page.contains(r#"<th scope="row">+Inf</th><td>7</td><td>0 "#));
    assert!(page.contains("<code>_sum</code> = 10.5"));
    assert!(page.contains("<code>_count</code> = 7"));
}

#[test]
fn the_histogram_page_puts_the_estimate_beside_the_exact_quantile() {
    let page = templates::histogram::page(&snapshot()).into_string();
    // rank 3.5 falls in (1, 2], holding 4 with 2 below: 1 + 1 × 1.5 / 4 = 1.375; exactly, 1.4.
    assert!(
        page.contains(r#"<th scope="row">0.5</th><td>1.375</td><td>1.400</td>"#),
        "{page}"
    );
}

#[test]
fn histogram_quantile_is_linear_inside_the_bucket_the_rank_falls_in() {
    let estimate = uploads().estimate(0.5).unwrap();
    assert_eq!((estimate.start, estimate.end), (1.0, 2.0));
    assert_eq!((estimate.below, estimate.inside), (2, 4));
    assert_eq!(estimate.value, 1.375);
    assert!(HistogramData::default().estimate(0.5).is_none());
}

#[test]
fn a_rank_past_the_last_edge_answers_that_edge_as_prometheus_does() {
    let histogram = HistogramData {
        buckets: vec![(1.0, 1), (2.0, 1)],
        sum: 30.0,
        count: 3,
    };
    let estimate = histogram.estimate(0.9).unwrap();
    assert!(estimate.overflow);
    assert_eq!(estimate.value, 2.0);
}

#[test]
fn the_exact_quantile_is_the_nearest_rank() {
    let values = [3.0, 1.0, 2.0, 4.0];
    assert_eq!(exact_quantile(&values, 0.5), Some(2.0));
    assert_eq!(exact_quantile(&values, 0.99), Some(4.0));
    assert_eq!(exact_quantile(&[], 0.5), None);
}

#[test]
fn the_summary_page_says_no_observations_yet_without_a_summary() {
    let page = templates::summary::page(&snapshot()).into_string();
    assert!(page.contains("No observations yet"));
    let versus = templates::versus::page(&snapshot()).into_string();
    assert!(versus.contains("No observations yet"));
}

#[test]
fn the_summary_page_shows_its_quantiles_over_the_window() {
    let snapshot = Snapshot {
        responses: Some(SummaryData {
            quantiles: vec![(0.5, 0.25), (0.9, 0.75), (0.99, f64::NAN)],
            sum: 4.0,
            count: 8,
        }),
        ..snapshot()
    };
    let page = templates::summary::page(&snapshot).into_string();
    assert!(
        page.contains(r#"<th scope="row">0.9</th><td>0.750</td>"#),
        "{page}"
    );
    assert!(page.contains(r#"<th scope="row">0.99</th><td>NaN</td>"#));
    assert!(page.contains("over the last 600 s"));
}

#[test]
fn the_summary_page_charts_each_quantile_over_time_with_a_legend() {
    let series = |values: [f64; 2]| {
        vec![
            Point {
                seconds_ago: 30.0,
                value: values[0],
            },
            Point {
                seconds_ago: 0.0,
                value: values[1],
            },
        ]
    };
    let snapshot = Snapshot {
        quantile_history: vec![
            (0.5, series([0.1, 0.2])),
            (0.9, series([0.4, 0.5])),
            (0.99, Vec::new()),
        ],
        ..snapshot()
    };
    let page = templates::summary::page(&snapshot).into_string();
    let chart = &page[page
        .find(r#"id="summary-chart""#)
        .expect("a quantile chart")..];
    assert_eq!(
        chart.matches("<polyline").count(),
        2,
        "one line per quantile with points"
    );
    for legend in ["quantile 0.5", "quantile 0.9", "quantile 0.99"] {
        assert!(chart.contains(legend), "{legend} missing from the legend");
    }
    assert!(
        chart.contains(">0.50<") && chart.contains(">0.10<"),
        "the scale spans every quantile"
    );
}

#[test]
fn the_versus_page_puts_the_two_answers_side_by_side() {
    let snapshot = Snapshot {
        responses: Some(SummaryData {
            quantiles: vec![(0.5, 1.4)],
            sum: 10.5,
            count: 7,
        }),
        response_buckets: Some(uploads()),
        ..snapshot()
    };
    let page = templates::versus::page(&snapshot).into_string();
    assert!(
        page.contains(r#"<th scope="row">0.5</th><td>1.400</td><td>1.375</td>"#),
        "{page}"
    );
}

#[test]
fn every_line_of_the_exposition_gets_a_note() {
    let exposition = "# HELP d Time.\n# TYPE d histogram\nd_bucket{le=\"1\"} 2\nd_bucket{le=\"+Inf\"} 3\nd_sum 4.5\nd_count 3\n# TYPE s summary\ns{quantile=\"0.9\"} 0.7\n# TYPE r counter\nr{method=\"GET\"} 5\n";
    let notes = templates::anatomy::annotate(exposition);
    assert_eq!(notes.len(), exposition.lines().count());
    let note = |line: &str| notes.iter().find(|(l, _)| *l == line).unwrap().1.clone();
    assert!(note("# HELP d Time.").starts_with("HELP"));
    assert!(note("# TYPE d histogram").contains("buckets"));
    assert!(note("d_bucket{le=\"1\"} 2").contains("2 observations were at most 1"));
    assert!(note("d_bucket{le=\"+Inf\"} 3").contains("equals _count"));
    assert!(note("d_sum 4.5").starts_with("_sum"));
    assert!(note("d_count 3").starts_with("_count"));
    assert!(note("s{quantile=\"0.9\"} 0.7").starts_with("Quantile 0.9"));
    assert!(note("r{method=\"GET\"} 5").contains("rate(r[1m])"));
    assert!(note("r{method=\"GET\"} 5").contains("method"));
}

#[test]
fn the_anatomy_page_shows_the_tours_families_first_and_folds_http_and_process() {
    let exposition = "# HELP file_upload_duration_seconds Time spent uploading a file.\n\
        # TYPE file_upload_duration_seconds histogram\n\
        file_upload_duration_seconds_count 1\n\
        # HELP http_requests_total Requests answered.\n\
        # TYPE http_requests_total counter\n\
        http_requests_total{method=\"GET\",route=\"/\",status=\"200\"} 3\n\
        # HELP process_open_fds Number of open file descriptors.\n\
        # TYPE process_open_fds gauge\n\
        process_open_fds 9\n\
        # HELP tour_clicks_total Clicks on the counter demo.\n\
        # TYPE tour_clicks_total counter\n\
        tour_clicks_total 17\n";
    let snapshot = Snapshot {
        exposition: exposition.to_owned(),
        ..snapshot()
    };
    let page = templates::anatomy::page(&snapshot).into_string();
    let shown = |line: &str| {
        let escaped = line.replace('"', "&quot;");
        page.find(&format!("<dt><code>{escaped}</code></dt><dd>"))
            .unwrap_or_else(|| panic!("{line} is not annotated"))
    };
    let first_fold = page.find("<details>").expect("nothing is folded");
    for line in exposition.lines() {
        let at = shown(line);
        let opened = page[..at].rfind("<details>");
        let closed = page[..at].rfind("</details>");
        let folded = opened.is_some() && opened > closed;
        let tours_own = line.contains("file_upload") || line.contains("tour_clicks");
        assert_eq!(folded, !tours_own, "{line} folded: {folded}");
        if tours_own {
            assert!(at < first_fold, "{line} comes after a fold");
        }
    }
    // A fold opens in the browser without any script, and says what it holds.
    assert!(page.contains("<details><summary><code>http_*</code>"));
    assert!(page.contains("<details><summary><code>process_*</code>"));
}
