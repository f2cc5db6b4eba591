//! `GET /tour/histogram`: observations counted into buckets, and how `histogram_quantile` estimates
//! a quantile from them.

use maud::{html, Markup};

use super::{
    action_form, chart, command, family_lines, layout, promql, rounded, scroll_box, section,
    windows_note, Snapshot,
};
use crate::{lessons::histogram::exact_quantile, tour::snapshot::HistogramData};

/// The quantiles the page estimates.
const QUANTILES: [f64; 3] = [0.5, 0.9, 0.99];

/// The histogram's lesson, on the seed's `file_upload_duration_seconds`.
pub fn page(snapshot: &Snapshot) -> Markup {
    let origin = &snapshot.origin;
    let uploads = snapshot.uploads.clone().unwrap_or_default();
    layout(
        "Histogram: observations in buckets",
        html! {
            p.lead { "A histogram records observations, such as how long each upload took, by counting each one "
                "into buckets whose edges are fixed in advance. It exposes, for every edge " code { "le" }
                " (“less or equal”), how many observations were at most that big, plus their "
                code { "_sum" } " and " code { "_count" } ". The observations themselves are not kept." }
            (section("Try it", html! {
                div.try {
                    div {
                        p { "Each upload is simulated: it takes a random time, observed into "
                            code { "file_upload_duration_seconds" } ", whose buckets are 1, 2, … 10 seconds." }
                        p.value { span.metric-name { "uploads observed (_count)" } " " output #histogram-count data-live { (uploads.count) } }
                        (action_form("/file-upload", "Upload a file (takes a few seconds)", None))
                    }
                    (chart::bars("histogram-chart", "The _bucket lines as bars: uploads that took at most le seconds, cumulative, so each bar holds every bar to its left and +Inf holds them all",
                        &bar_data(&uploads)))
                }
                p.small { "The same from a terminal, once or twenty times at once:" }
                (command(&format!("curl -X POST {origin}/file-upload")))
                (command(&format!("for i in $(seq 20); do echo \"$(curl -s -X POST {origin}/file-upload)\" & done; wait")))
                (windows_note())
            }))
            (section("The buckets, as /metrics says them", scroll_box("The buckets", buckets_table(&uploads))))
            (section("Estimating a quantile", scroll_box("Estimates against the truth", estimates(&uploads, &snapshot.kept_uploads, snapshot.kept_uploads_capacity))))
            p { "Other edges would answer differently: the " a href="/tour/buckets" { "bucket designer" } " replays these uploads into edges you propose and shows each estimate's error and the series they cost." }
            (section("When to choose it", html! {
                p { "For anything you would ask “how long?” or “how big?” about, when you want percentiles or an SLO "
                    "across many instances. Buckets from every instance add up, so a fleet-wide quantile is one "
                    "query. The price: precision is set by where the bucket edges lie, chosen before any data arrives." }
            }))
            (section("The mistake it prevents", html! {
                p { "Averaging percentiles. Each instance exports counts, not percentiles, so you sum the buckets "
                    "first and estimate the quantile once, from everything. The " code { "_bucket" } ", "
                    code { "_sum" } " and " code { "_count" } " lines are counters: wrap them in " code { "rate()" } "." }
            }))
            (section("Its lines in /metrics", html! {
                (family_lines("histogram-lines", &snapshot.exposition, "file_upload_duration_seconds"))
                p #histogram-le-spelling { "These are the older text format's lines, which write " code { "le=\"5\"" }
                    ". Prometheus 3 stores every bound as a float, " code { "le=\"5.0\"" } ", whatever format it scraped, so a query must say "
                    code { "le=\"5.0\"" } ": " code { "le=\"5\"" } " matches no stored series. (Prometheus 2.42 stored the label as it "
                    "read it, normalising it only from protobuf; from this tour it reads OpenMetrics, which spells it " code { "5.0" } " too.)" }
            }))
            (section("The PromQL you would write", html! {
                (promql("histogram_quantile(0.9, sum by (le) (rate(file_upload_duration_seconds_bucket[5m])))", html! {
                    "The 90th percentile of upload time over the last five minutes, across every instance: "
                    code { "sum by (le)" } " adds up the buckets of every instance that share a bound, " code { "le" }
                    " being the bucket's label (the " a href="/tour/labels" { "labels lesson" } " explains labels)." }))
                (promql("rate(file_upload_duration_seconds_sum[5m]) / rate(file_upload_duration_seconds_count[5m])",
                    "The mean upload time over five minutes."))
                (promql("sum(rate(file_upload_duration_seconds_bucket{le=\"5.0\"}[5m])) / sum(rate(file_upload_duration_seconds_count[5m]))",
                    "The share of uploads that took 5 seconds or less: an SLO. The label is le=\"5.0\", as Prometheus 3 stores it: le=\"5\" matches no stored series."))
            }))
        },
    )
}

/// One bar per `_bucket` line, as `/metrics` counts it: cumulative, labelled `≤le`, `+Inf` last.
fn bar_data(histogram: &HistogramData) -> Vec<(String, u64)> {
    histogram
        .buckets
        .iter()
        .map(|&(le, cumulative)| (format!("≤{le}"), cumulative))
        .chain([("+Inf".to_owned(), histogram.count)])
        .collect()
}

fn edge(le: f64) -> String {
    if le == f64::INFINITY {
        "+Inf".to_owned()
    } else {
        le.to_string()
    }
}

fn buckets_table(histogram: &HistogramData) -> Markup {
    let cumulative = histogram
        .buckets
        .iter()
        .map(|(_, cumulative)| *cumulative)
        .chain([histogram.count]);
    html! {
        p { "Each " code { "_bucket{le=\"X\"}" } " line is " strong { "cumulative" } ": it counts every observation "
            "at most X seconds, including those in smaller buckets. The bars above are these lines. "
            "Subtract the bucket before it to get the observations between the two edges, the last column." }
        div #histogram-table data-live {
            table {
                caption { "file_upload_duration_seconds, bucket by bucket" }
                thead { tr { th scope="col" { "le (upper edge)" } th scope="col" { "_bucket: at most le" } th scope="col" { "in this bucket alone" } } }
                tbody {
                    @for ((start, end, alone), total) in histogram.per_bucket().into_iter().zip(cumulative) {
                        tr {
                            th scope="row" { (edge(end)) }
                            td { (total) }
                            td {
                                (alone) " "
                                span.small {
                                    @if end == f64::INFINITY { "(d > " (start) ")" } @else { "(" (start) " < d ≤ " (end) ")" }
                                }
                            }
                        }
                    }
                }
            }
            dl.facts {
                dt { code { "le=\"+Inf\"" } }
                dd { "Every observation, however large: always equal to " code { "_count" } ". It is what makes the buckets add up to the whole. "
                    "An upload above the last edge counts only here: with uploads of 1 to 10 s that happens too, because an upload "
                    "is timed around its wait, and one drawn just under 10 s can end a few milliseconds over it." }
                dt { code { "_count" } " = " (histogram.count) }
                dd { "How many observations there have been. A counter: " code { "rate(..._count[5m])" } " is uploads per second." }
                dt { code { "_sum" } " = " (rounded(histogram.sum)) }
                dd { "All observed seconds added up. " code { "_sum / _count" } " is the mean: "
                    (if histogram.count > 0 { rounded(histogram.sum / histogram.count as f64) + " s" } else { "no observations yet".to_owned() }) "." }
            }
        }
    }
}

fn estimates(histogram: &HistogramData, kept: &[f64], capacity: usize) -> Markup {
    html! {
        p { "Say 10 uploads were made, 4 of them took up to 2 s, and 5 between 2 and 3 s. Their median is the 5th upload, "
            "which lies in the bucket (2, 3], the first of the 5 in it; assuming those 5 are spread evenly across the bucket, "
            "the estimate is a fifth of the way through it, 2.2 s. That is what " code { "histogram_quantile(φ, …)" }
            " does: it finds the bucket where the φ·count-th observation falls, assumes the observations inside that bucket "
            "are spread evenly, and draws a straight line through it. "
            "Beside each estimate is the truth: the exact quantile of the upload times themselves, which this app "
            "keeps (the last " (capacity) ") only to show you the difference. Prometheus never sees them." }
        div #histogram-estimates data-live {
            @if histogram.count == 0 {
                p.empty { "No observations yet: upload a file, then come back to this table." }
            } @else {
                table {
                    caption { "Estimated from buckets, against the truth" }
                    thead { tr {
                        th scope="col" { "φ" }
                        th scope="col" { "histogram_quantile (s)" }
                        th scope="col" { "exact (s), of " (kept.len()) " kept" }
                        th scope="col" { "how the estimate was made" }
                    } }
                    tbody {
                        @for q in QUANTILES {
                            @if let Some(estimate) = histogram.estimate(q) {
                                tr {
                                    th scope="row" { (q) }
                                    td { (rounded(estimate.value)) }
                                    td { (exact_quantile(kept, q).map_or("—".to_owned(), rounded)) }
                                    td.small {
                                        "rank " (rounded(estimate.rank)) " = " (q) " × " (histogram.count) " falls in ("
                                        (estimate.start) ", " (edge(estimate.end)) "], which holds " (estimate.inside) " with "
                                        (estimate.below) " below it"
                                        @if estimate.overflow {
                                            "; past the last edge, so the answer is that edge"
                                        } @else {
                                            ": " (estimate.start) " + " (rounded(estimate.end - estimate.start)) " × ("
                                            (rounded(estimate.rank)) " − " (estimate.below) ") / " (estimate.inside)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
