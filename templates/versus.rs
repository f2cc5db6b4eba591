//! `GET /tour/versus`: the same observations recorded in a summary and in a histogram, the two
//! quantile answers side by side, and the trade-off between them.

use maud::{html, Markup};

use super::{action_form, command, layout, rounded, section, Snapshot};

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
            (section("The two answers", answers(snapshot)))
            (section("The trade-off", trade_off()))
        },
    )
}

fn answers(snapshot: &Snapshot) -> Markup {
    html! {
        div #versus-answers data-live {
            @match (&snapshot.responses, &snapshot.response_buckets) {
                (Some(summary), Some(histogram)) if summary.count > 0 => {
                    table {
                        caption { "The same " (summary.count) " observations, asked for the same quantiles" }
                        thead { tr {
                            th scope="col" { "quantile" }
                            th scope="col" { "summary (computed in the app, last " (snapshot.summary_window_seconds) " s)" }
                            th scope="col" { "histogram_quantile (from " (histogram.buckets.len() + 1) " buckets, since start)" }
                        } }
                        tbody {
                            @for (q, value) in &summary.quantiles {
                                tr {
                                    th scope="row" { (q) }
                                    td { (rounded(*value)) }
                                    td { (histogram.estimate(*q).map_or("—".to_owned(), |e| rounded(e.value))) }
                                }
                            }
                        }
                    }
                    p { "The summary's answer is accurate (within its small error), but only for this instance and this window. "
                        "The histogram's is an estimate whose error depends on the bucket edges, but it adds up across instances "
                        "and any quantile can be asked later." }
                }
                (None, _) => p.empty { "No observations yet: the summary " code { "tour_response_seconds" } " is not in /metrics." },
                (Some(_), None) => p.empty { "The histogram " code { "tour_response_bucketed_seconds" } " is not in /metrics yet, so there is nothing to compare with." },
                _ => p.empty { "No observations yet: press a button above." },
            }
        }
    }
}

fn trade_off() -> Markup {
    html! {
        table.compare {
            caption { "Which to choose" }
            thead { tr { th scope="col" { "" } th scope="col" { "histogram" } th scope="col" { "summary" } } }
            tbody {
                tr { th scope="row" { "Quantiles computed" } td { "by Prometheus, at query time" } td { "by the app, as it observes" } }
                tr { th scope="row" { "Which quantiles" } td { "any, chosen when you query" } td { "fixed in the code" } }
                tr { th scope="row" { "Across instances" } td { "sum the buckets, then estimate: correct" } td { "cannot be combined" } }
                tr { th scope="row" { "Precision" } td { "set by the bucket edges" } td { "accurate, within a configured error" } }
                tr { th scope="row" { "Time range" } td { "any, chosen with rate()[range]" } td { "the app's sliding window" } }
                tr { th scope="row" { "Cost in the app" } td { "one counter per bucket: cheap" } td { "a streaming estimate: more work per observation" } }
            }
        }
        p { "In short: a histogram when you run more than one instance or want to ask new questions later; a summary "
            "when one instance's exact percentiles matter and you cannot know good bucket edges." }
    }
}
