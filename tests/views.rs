//! The views alone: a snapshot in, markup out. No registry, no server.

use metrics_tour::{
    exposition::protobuf::WireNative,
    lessons::histogram::exact_quantile,
    native_histogram::spans,
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
        openmetrics: "# TYPE tour_clicks counter\n# HELP tour_clicks Clicks on the counter demo.\ntour_clicks_total 17.0\n# EOF\n".to_owned(),
        traffic_cycle_seconds: 600.0,
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
        openmetrics: format!("# HELP tour_clicks {hostile}\ntour_clicks_total 1.0\n# EOF\n"),
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
        page.contains(r#"<th scope="row">0.5</th><td>1.375</td><td>1.4</td>"#),
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
        page.contains(r#"<th scope="row">0.9</th><td>0.75</td>"#),
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
        window_responses: vec![0.5, 0.9, 1.2, 1.4, 1.6, 1.8, 2.5],
        window_responses_complete: true,
        summary_window_span_seconds: 540.0,
        ..snapshot()
    };
    let page = templates::versus::page(&snapshot).into_string();
    assert!(
        page.contains(
            r#"<th scope="row">0.5</th><td>1.4 (+0.0%)</td><td>1.375 (-1.8%)</td><td>—</td><td>1.4</td>"#
        ),
        "{page}"
    );
}

#[test]
fn the_versus_page_compares_the_histogram_over_the_summarys_window_not_since_start() {
    // Since start the histogram saw 100 slow responses (all above 2 s); the window holds only the
    // last four, all at most 1 s.
    let since_start = HistogramData {
        buckets: vec![(1.0, 4), (2.0, 4), (5.0, 104)],
        sum: 304.0,
        count: 104,
    };
    let snapshot = Snapshot {
        responses: Some(SummaryData {
            quantiles: vec![(0.5, 0.6)],
            sum: 304.0,
            count: 104,
        }),
        response_buckets: Some(since_start),
        window_responses: vec![0.2, 0.4, 0.6, 0.8],
        window_responses_complete: true,
        summary_window_span_seconds: 540.0,
        ..snapshot()
    };
    let page = templates::versus::page(&snapshot).into_string();
    // Rank 2 of 4 in (0, 1], holding 4: 0 + 1 × 2 / 4 = 0.5; since start it would be 3.3.
    assert!(
        page.contains(
            r#"<th scope="row">0.5</th><td>0.6 (+50.0%)</td><td>0.5 (+25.0%)</td><td>—</td><td>0.4</td>"#
        ),
        "{page}"
    );
    assert!(
        page.contains("The same 4 observations, those of the summary's window (the last 540 s)"),
        "{page}"
    );
}

#[test]
fn no_page_calls_the_summary_precise_exact_or_configured() {
    let snapshot = Snapshot {
        responses: Some(SummaryData {
            quantiles: vec![(0.5, 0.6)],
            sum: 1.0,
            count: 2,
        }),
        response_buckets: Some(uploads()),
        window_responses: vec![0.5, 0.7],
        ..snapshot()
    };
    for page in [
        templates::summary::page(&snapshot),
        templates::versus::page(&snapshot),
        templates::index::page(&snapshot),
    ] {
        let page = page.into_string().to_lowercase();
        for word in [
            "precise",
            "exact percentile",
            "configured error",
            "accurate",
        ] {
            assert!(!page.contains(word), "{word} in {page}");
        }
    }
    let summary = templates::summary::page(&snapshot).into_string();
    assert!(summary.contains("within 0.8%") && summary.contains("no option changes it"));
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
        openmetrics: exposition.to_owned(),
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

#[test]
fn pages_show_numbers_for_people_without_float_noise() {
    assert_eq!(templates::rounded(21.900000000000002), "21.9");
    assert_eq!(templates::rounded(0.9 * 100.0), "90");
    assert_eq!(templates::rounded(0.00123456), "0.00123");
    assert_eq!(templates::rounded(-5.0), "-5");
    assert_eq!(templates::rounded(f64::INFINITY), "+Inf");
    let snapshot = Snapshot {
        temperature: Some(21.900000000000002),
        responses: Some(SummaryData {
            quantiles: vec![(0.9, 0.30000000000000004)],
            sum: 0.30000000000000004,
            count: 3,
        }),
        ..snapshot()
    };
    for page in [
        templates::index::page(&snapshot),
        templates::gauge::page(&snapshot),
        templates::summary::page(&snapshot),
    ] {
        let page = page.into_string();
        assert!(!page.contains("0000000"), "float noise in {page}");
    }
    let index = templates::index::page(&snapshot).into_string();
    assert!(index.contains(r#"<output id="home-temperature" data-live>21.9</output>"#));
}

#[test]
fn the_histogram_chart_draws_the_cumulative_buckets_and_explains_the_inf_bar() {
    let page = templates::histogram::page(&snapshot()).into_string();
    let chart = page
        .split("id=\"histogram-chart\"")
        .nth(1)
        .unwrap()
        .split("</figure>")
        .next()
        .unwrap();
    // Two uploads up to 1 s, six up to 2 s, seven up to 3 s and in all: the _bucket lines.
    let bars: Vec<(&str, &str)> = chart
        .split("<text class=\"count\"")
        .skip(1)
        .map(|bar| {
            let count = bar.split('>').nth(1).unwrap().split('<').next().unwrap();
            let label = bar
                .split("text-anchor=\"middle\">")
                .nth(2)
                .unwrap()
                .split('<')
                .next()
                .unwrap();
            (label, count)
        })
        .collect();
    assert_eq!(bars, [("≤1", "2"), ("≤2", "6"), ("≤3", "7"), ("+Inf", "7")]);
    assert!(page.contains("cumulative"));
    assert!(
        page.contains("a few milliseconds over it"),
        "why an upload of 1 to 10 s can land in +Inf alone"
    );
}

#[test]
fn the_counter_page_charts_the_rate_it_tells_you_to_graph_and_says_increase_extrapolates() {
    let rate: Vec<Point> = (0..=20)
        .map(|i| Point {
            seconds_ago: 20.0 - i as f64,
            value: 2.0,
        })
        .collect();
    let page = templates::counter::page(&Snapshot {
        clicks_rate_1m: rate,
        ..snapshot()
    })
    .into_string();
    // The query the page says to graph, and a chart of it.
    assert!(page.contains("<code>rate(tour_clicks_total[1m])</code></pre><p>Clicks per second, averaged over the last minute: the line to graph"));
    let chart = page
        .split("id=\"counter-rates-chart\"")
        .nth(1)
        .expect("a chart of the rate");
    assert!(chart
        .split("</figure>")
        .next()
        .unwrap()
        .contains("polyline"));
    assert!(page.contains("extrapolates") && page.contains("need not be a whole number"));
    assert!(!page.contains("How many clicks in the last hour"));
    assert!(
        page.contains("10-minute cycle"),
        "the traffic's cycle, from the snapshot"
    );
}

#[test]
fn the_front_page_says_prometheus_does_not_enforce_the_type() {
    let page = templates::index::page(&snapshot()).into_string();
    assert!(!page.contains("decides which questions"), "{page}");
    assert!(page.contains("rate(tour_temperature_celsius[5m])"));
    assert!(page.contains("does not enforce the type"));
}

#[test]
fn the_anatomy_page_explains_what_openmetrics_changes() {
    let page = templates::anatomy::page(&snapshot()).into_string();
    for shown in [
        "<dt><code># TYPE tour_clicks counter</code></dt>",
        "<dt><code># EOF</code></dt>",
        "le=&quot;5.0&quot;",
        "_created",
    ] {
        assert!(page.contains(shown), "{shown}");
    }
    assert!(
        !page.contains("<dt><code># TYPE tour_clicks_total counter</code>"),
        "the older text format"
    );
}

#[test]
fn the_anatomy_page_reads_a_bucket_with_an_exemplar_by_its_own_value() {
    let line = "file_upload_duration_seconds_bucket{le=\"2.0\"} 2 # {trace_id=\"7d61a29cfed2f92c6879e7a3e4c073c9\"} 1.213153267 1795647767.229";
    let note = templates::anatomy::explain(line, "histogram");
    assert!(
        note.starts_with("Bucket: 2 observations were at most 2.0"),
        "{note}"
    );
    assert!(
        note.contains("1.213153267")
            && note.contains("7d61a29cfed2f92c6879e7a3e4c073c9")
            && note.contains("1795647767.229"),
        "{note}"
    );
}

/// A native histogram as the protobuf carries it: `positive` buckets at `schema`.
fn native(schema: i32, positive: &[(i32, u64)]) -> WireNative {
    let (positive_spans, positive_deltas) = spans::encode(positive);
    let count = positive.iter().map(|(_, count)| count).sum();
    WireNative {
        schema,
        zero_threshold: 2f64.powi(-24),
        zero_count: 0,
        count,
        sum: 3.0,
        positive_spans,
        positive_deltas,
        negative_spans: vec![],
        negative_deltas: vec![],
    }
}

/// The versus page over `window`, the summary's median being `median`, with a native histogram.
fn versus(window: Vec<f64>, median: f64, span: f64) -> String {
    let count = window.len() as u64;
    templates::versus::page(&Snapshot {
        responses: Some(SummaryData {
            quantiles: vec![(0.5, median)],
            sum: window.iter().sum(),
            count,
        }),
        response_buckets: Some(uploads()),
        window_responses: window,
        window_responses_complete: true,
        summary_window_span_seconds: span,
        native: Some(native(0, &[(1, 2)])),
        ..snapshot()
    })
    .into_string()
}

#[test]
fn the_versus_pages_native_column_interpolates_exponentially_as_prometheus_3_does() {
    // Two responses of 1.5 s in the schema-0 bucket (1, 2]: Prometheus 3 answers √2 for the
    // median, halfway through the bucket on a log scale; 2.42's straight line answered 1.5.
    let page = versus(vec![1.5, 1.5], 1.5, 540.0);
    let row = page
        .split("<th scope=\"row\">0.5</th>")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    let cells: Vec<&str> = row.split("<td>").skip(1).collect();
    assert_eq!(cells[2], "1.414 (-5.7%)</td>", "{row}");
    assert!(page.contains("as Prometheus 3 computes it"));
    assert!(page.contains("2.42 drew a straight line"));
    // The bound is the schema's: one bucket of schema 0 is twice the one below.
    assert!(page.contains("about 100% at its schema now, 0"), "{page}");
}

#[test]
fn the_versus_pages_range_is_whole_seconds_as_prometheus_parses_it() {
    let page = versus(vec![0.5, 0.7], 0.6, 576.664);
    assert!(
        page.contains("increase(tour_response_bucketed_seconds_bucket[577s])"),
        "{page}"
    );
    assert!(!page.contains(".664s]"), "{page}");
    // The window is said in whole seconds too: people need no milliseconds of it.
    assert!(page.contains("(the last 577 s)"), "{page}");
}

#[test]
fn the_native_page_gives_the_error_bound_of_the_schema_it_sends_and_says_it_lowers() {
    let page = |schema| {
        templates::native_histogram::page(&Snapshot {
            native: Some(native(schema, &[(1, 2)])),
            ..snapshot()
        })
        .into_string()
    };
    let lowered = page(2);
    assert!(!lowered.contains("widens"), "{lowered}");
    assert!(lowered.contains("lowers the schema by one"), "{lowered}");
    assert!(lowered.contains("here it already is, at schema 2"));
    assert!(
        lowered.contains("about 19% at schema 2, the schema sent now"),
        "{lowered}"
    );
    assert!(!lowered.contains("half a bucket"));
    let finest = page(3);
    assert!(finest.contains("about 9% at schema 3, the schema sent now"));
    assert!(!finest.contains("here it already is"));
    assert!(finest.contains("Why nobody has to choose buckets"));
    assert!(!finest.contains("Why it ends choosing buckets"));
    // Both versions' ways to turn native histograms on, and how 2.42 interpolated.
    assert!(finest.contains("scrape_native_histograms: true"));
    assert!(finest.contains("--enable-feature=native-histograms"));
    assert!(finest.contains("it answers 1.414") && finest.contains("answered 1.5"));
    // A plain example before each formula.
    let example = finest.find("A response of 0.1 s lands in bucket").unwrap();
    assert!(example < finest.find("ceil(log2(v)").unwrap());
    let wider = finest.find("wider than the one below").unwrap();
    assert!(wider < finest.find("2^(i·2^-3)").unwrap());
}

#[test]
fn the_anatomy_page_says_prometheus_3_stores_every_bound_as_a_float() {
    let page = templates::anatomy::page(&snapshot()).into_string();
    let le = page
        .split("id=\"anatomy-le\">")
        .nth(1)
        .unwrap()
        .split("</dd>")
        .next()
        .unwrap();
    assert!(le.contains("decimal point or an exponent"), "{le}");
    assert!(le.contains("<code>1e-05</code>"), "{le}");
    assert!(le.contains("Prometheus 3 stores every"), "{le}");
    assert!(
        le.contains("<code>le=&quot;5&quot;</code> matches no stored series"),
        "{le}"
    );
    assert!(le.contains("2.42 did so only for protobuf"), "{le}");
    assert!(!page.contains("always with a decimal point"));
    assert!(page.contains("<code>_bucket{le=&quot;5.0&quot;}</code>"));
}

#[test]
fn the_histogram_page_says_its_live_lines_spell_le_as_prometheus_3_does_not() {
    let page = templates::histogram::page(&snapshot()).into_string();
    let note = page
        .split("id=\"histogram-le-spelling\">")
        .nth(1)
        .unwrap()
        .split("</p>")
        .next()
        .unwrap();
    assert!(
        note.contains("<code>le=&quot;5&quot;</code> matches no stored series"),
        "{note}"
    );
    assert!(note.contains("Prometheus 3 stores every bound as a float"));
    assert!(note.contains("Prometheus 2.42"));
}

#[test]
fn the_gauge_and_front_pages_say_prometheus_3_notes_a_rate_of_a_non_counter() {
    for page in [
        templates::gauge::page(&snapshot()).into_string(),
        templates::index::page(&snapshot()).into_string(),
    ] {
        assert!(page.contains("might not be a counter"), "{page}");
        assert!(page.contains("TYPE as metadata"), "{page}");
        assert!(!page.contains("stores no types"));
        assert!(!page.contains("without a word, though"));
    }
}

#[test]
fn the_pages_say_the_client_libraries_offer_four_core_types_among_others() {
    let index = templates::index::page(&snapshot()).into_string();
    assert!(index.contains("four core types"), "{index}");
    assert!(!index.contains("Every number an app exposes is one of four types"));
    assert!(index.contains("unknown") && index.contains("gaugehistogram, info and stateset"));
    let anatomy = templates::anatomy::page(&snapshot()).into_string();
    assert!(anatomy.contains("four core types the client libraries offer"));
    assert!(anatomy.contains("gaugehistogram, info and stateset"));
}

#[test]
fn created_is_explained_as_when_the_count_began() {
    let note = templates::anatomy::explain("tour_clicks_created 1795647767.229", "counter");
    assert!(note.contains("when this series began counting"), "{note}");
    assert!(
        !note.contains("tells a restart from a new series"),
        "{note}"
    );
    let page = templates::anatomy::page(&snapshot()).into_string();
    let created = page
        .split("id=\"anatomy-created\">")
        .nth(1)
        .unwrap()
        .split("</dd>")
        .next()
        .unwrap();
    assert!(
        created.contains("500 just now from 500 over days"),
        "{created}"
    );
    assert!(
        created.contains("per series where they have labels"),
        "{created}"
    );
}

#[test]
fn a_native_histograms_lone_inf_bucket_is_explained() {
    let exposition = "# HELP n Native.\n# TYPE n histogram\nn_bucket{le=\"+Inf\"} 3\nn_sum 1.5\nn_count 3\n\
        # HELP d Classic.\n# TYPE d histogram\nd_bucket{le=\"1\"} 2\nd_bucket{le=\"+Inf\"} 3\nd_sum 4.5\nd_count 3\n";
    let notes = templates::anatomy::annotate(exposition);
    let note = |line: &str| notes.iter().find(|(l, _)| *l == line).unwrap().1.clone();
    let native = note("n_bucket{le=\"+Inf\"} 3");
    assert!(
        native.contains("only one") && native.contains("native histogram"),
        "{native}"
    );
    assert!(native.contains("protobuf"), "{native}");
    assert!(note("d_bucket{le=\"+Inf\"} 3").contains("equals _count"));
}

#[test]
fn an_exemplar_on_a_bucket_is_the_latest_of_that_bucket_alone() {
    let bucket = templates::anatomy::explain(
        "d_bucket{le=\"2.0\"} 5 # {trace_id=\"7d61a29cfed2f92c6879e7a3e4c073c9\"} 1.5 1795647767.229",
        "histogram",
    );
    assert!(
        bucket.contains(
            "the latest observation of this bucket alone (above the bound before, up to this one)"
        ),
        "{bucket}"
    );
    let counter = templates::anatomy::explain(
        "tour_clicks_total 5.0 # {trace_id=\"7d61a29cfed2f92c6879e7a3e4c073c9\"} 1.0 1795647767.229",
        "counter",
    );
    assert!(counter.contains("the latest increment"), "{counter}");
    let page = templates::exemplars::page(&snapshot()).into_string();
    assert!(page.contains("the latest of its own observations only"));
}

#[test]
fn the_exemplars_page_says_where_openmetrics_allows_exemplars() {
    let page = templates::exemplars::page(&snapshot()).into_string();
    let where_ = page
        .split("id=\"exemplar-where\">")
        .nth(1)
        .unwrap()
        .split("</p>")
        .next()
        .unwrap();
    assert!(
        where_.contains("a histogram or a gauge histogram"),
        "{where_}"
    );
    assert!(where_.contains("never on a gauge"));
    // The Windows note follows the last command, not between a sentence and its command.
    let note = page.rfind("curl.exe").unwrap();
    assert!(page.rfind("query_exemplars").unwrap() < note, "{page}");
    assert!(page.contains(r#"href="/tour/anatomy""#));
}

#[test]
fn ideas_used_before_their_lesson_say_what_they_are_and_link_to_it() {
    let counter = templates::counter::page(&snapshot()).into_string();
    let by_route = counter.split("by (route)</code></pre>").nth(1).unwrap();
    let by_route = by_route.split("</div>").next().unwrap();
    assert!(by_route.contains(r#"href="/tour/labels""#), "{by_route}");
    assert!(counter.contains("tour_clicks_created") && counter.contains(r#"href="/tour/anatomy""#));
    let histogram = templates::histogram::page(&snapshot()).into_string();
    let sum_by_le = histogram.split("sum by (le) (rate(").nth(1).unwrap();
    let sum_by_le = sum_by_le.split("</div>").next().unwrap();
    assert!(sum_by_le.contains(r#"href="/tour/labels""#), "{sum_by_le}");
    let versus = versus(vec![0.5], 0.5, 540.0);
    let lead = versus.split("</p>").next().unwrap();
    assert!(lead.contains(r#"href="/tour/native-histogram""#), "{lead}");
}

#[test]
fn the_summary_page_explains_its_age_buckets() {
    let page = templates::summary::page(&Snapshot {
        summary_age_buckets: 5,
        ..snapshot()
    })
    .into_string();
    assert!(
        page.contains("keeps it in 5 pieces, its age buckets, each 120 seconds long"),
        "{page}"
    );
}

#[test]
fn the_histogram_page_works_an_example_before_the_formula() {
    let page = templates::histogram::page(&snapshot()).into_string();
    let example = page
        .find("the estimate is a fifth of the way through it, 2.2 s")
        .unwrap();
    assert!(example < page.find("draws a straight line through it").unwrap());
}

#[test]
fn the_counter_page_says_its_rate_is_prometheus_3s_over_the_whole_range() {
    let page = templates::counter::page(&snapshot()).into_string();
    assert!(
        !page.contains("without Prometheus' extrapolation"),
        "{page}"
    );
    assert!(page.contains("as Prometheus 3 computes"));
    assert!(page.contains("rate of 0.4"));
    assert!(page.contains("left-open") && page.contains("2.42 kept it"));
}

#[test]
fn the_anatomy_page_says_prometheus_3_takes_utf8_names_quoted() {
    let page = templates::anatomy::page(&snapshot()).into_string();
    let name = page
        .split("id=\"anatomy-name\">")
        .nth(1)
        .unwrap()
        .split("</dd>")
        .next()
        .unwrap();
    assert!(
        name.contains("Since 3.0") && name.contains("UTF-8"),
        "{name}"
    );
    assert!(
        name.contains("<code>{&quot;my.metric&quot;}</code>"),
        "{name}"
    );
}
