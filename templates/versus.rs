//! `GET /tour/versus`: the same observations recorded in a summary and in a histogram, the two
//! quantile answers side by side, and the trade-off between them.

use maud::{html, Markup};

use super::{action_form, command, layout, rounded, scroll_box, section, windows_note, Snapshot};
use crate::{lessons::histogram::exact_quantile, tour::snapshot::HistogramData};

/// The histogram-versus-summary lesson.
pub fn page(snapshot: &Snapshot) -> Markup {
    let origin = &snapshot.origin;
    layout(
        "Histogram versus summary",
        html! {
            p.lead { "Every response time observed by " code { "POST /summary" } " goes into two metrics at once: the summary "
                code { "tour_response_seconds" } " and the histogram " code { "tour_response_bucketed_seconds" }
                ". Same observations, two ways of answering “how slow is the 90th percentile?”." }
            div.buttons {
                (action_form("/summary", "Observe a random response time", None))
                (action_form("/summary", "Observe", Some(("value", "Response time to observe (s)", "0.25"))))
            }
            (command(&format!("for i in $(seq 50); do curl -s -X POST {origin}/summary; done")))
            (windows_note())
            (section("The two answers", scroll_box("The two answers", answers(snapshot))))
            (section("The trade-off", scroll_box("Which to choose", trade_off())))
        },
    )
}

fn answers(snapshot: &Snapshot) -> Markup {
    let window = &snapshot.window_responses;
    let span = snapshot.summary_window_span_seconds;
    html! {
        div #versus-answers data-live {
            @match (&snapshot.responses, &snapshot.response_buckets) {
                (Some(summary), Some(histogram)) if summary.count > 0 && !window.is_empty() => {
                    @let in_buckets = same_buckets(histogram, window);
                    table {
                        caption { "The same " (window.len()) " observations, those of the summary's window (the last "
                            (rounded(span)) " s), asked for the same quantiles" }
                        thead { tr {
                            th scope="col" { "quantile" }
                            th scope="col" { "summary (computed in the app)" }
                            th scope="col" { "histogram_quantile (from the " (histogram.buckets.len() + 1) " buckets' increase over the same window)" }
                            th scope="col" { "the observations themselves (kept by this app to compare)" }
                        } }
                        tbody {
                            @for (q, value) in &summary.quantiles {
                                tr {
                                    th scope="row" { (q) }
                                    td { (rounded(*value)) }
                                    td { (in_buckets.estimate(*q).map_or("—".to_owned(), |e| rounded(e.value))) }
                                    td { (exact_quantile(window, *q).map_or("—".to_owned(), rounded)) }
                                }
                            }
                        }
                    }
                    @if !snapshot.window_responses_complete {
                        p.small { "More responses came in during the window than this app keeps: the last two columns "
                            "cover the most recent " (window.len()) ", the summary all of them." }
                    }
                    p { "The histogram column is what " code { "histogram_quantile(φ, increase(tour_response_bucketed_seconds_bucket["
                        (rounded(span)) "s]))" } " would answer, without Prometheus' extrapolation: the buckets counted over the summary's "
                        "window, not since start, so both sides see the same responses. The summary's answer lies within 0.8% of a "
                        "response in its window and never outside the smallest and largest of them, but it is for this instance and "
                        "this window only. The histogram's is an estimate whose error depends on the bucket edges (a straight line "
                        "across a bucket), but it adds up across instances, and any quantile over any range can be asked later." }
                }
                (None, _) => p.empty { "No observations yet: the summary " code { "tour_response_seconds" } " is not in /metrics." },
                (Some(_), None) => p.empty { "The histogram " code { "tour_response_bucketed_seconds" } " is not in /metrics yet, so there is nothing to compare with." },
                _ => p.empty { "No observations in the summary's window: press a button above." },
            }
        }
    }
}

/// `values` counted into `histogram`'s bucket edges: what the histogram's buckets gained over the
/// window those values came from.
fn same_buckets(histogram: &HistogramData, values: &[f64]) -> HistogramData {
    HistogramData {
        buckets: histogram
            .buckets
            .iter()
            .map(|&(le, _)| (le, values.iter().filter(|&&v| v <= le).count() as u64))
            .collect(),
        sum: values.iter().sum(),
        count: values.len() as u64,
    }
}

fn trade_off() -> Markup {
    html! {
        table.compare {
            caption { "Which to choose" }
            thead { tr { th scope="col" { span.visually-hidden { "what differs" } } th scope="col" { "histogram" } th scope="col" { "summary" } } }
            tbody {
                tr { th scope="row" { "Quantiles computed" } td { "by Prometheus, at query time" } td { "by the app, as it observes" } }
                tr { th scope="row" { "Which quantiles" } td { "any, chosen when you query" } td { "fixed in the code" } }
                tr { th scope="row" { "Across instances" } td { "sum the buckets, then estimate: correct" } td { "cannot be combined" } }
                tr { th scope="row" { "Error" } td { "set by the bucket edges: up to a bucket's width" } td { "here, within 0.8% of a value in the window, fixed by its bins (client_golang's lets you choose an error in rank per quantile)" } }
                tr { th scope="row" { "Time range" } td { "any, chosen with rate()[range]" } td { "the app's sliding window" } }
                tr { th scope="row" { "Cost in the app" } td { "one counter per bucket: cheap" } td { "a streaming estimate: more work per observation" } }
            }
        }
        p { "In short: a histogram when you run more than one instance or want to ask new questions later; a summary "
            "when one instance's percentiles, close to the values themselves, matter and you cannot know good bucket edges." }
    }
}
