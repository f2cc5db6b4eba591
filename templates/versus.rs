//! `GET /tour/versus`: the same observations recorded in a summary, a classic histogram and a
//! native histogram, the three quantile answers side by side with each one's error against the
//! exact value, and the trade-off between them.

use maud::{html, Markup};

use super::{action_form, command, layout, rounded, scroll_box, section, windows_note, Snapshot};
use crate::native_histogram::quantile::histogram_quantile;

/// The histogram-versus-summary lesson.
pub fn page(snapshot: &Snapshot) -> Markup {
    let origin = &snapshot.origin;
    layout(
        "Histogram versus summary",
        html! {
            p.lead { "Every response time observed by " code { "POST /summary" } " goes into three metrics at once: the summary "
                code { "tour_response_seconds" } ", the histogram " code { "tour_response_bucketed_seconds" }
                " and the native histogram " code { "tour_response_native_seconds" }
                ". Same observations, three ways of answering “how slow is the 90th percentile?”." }
            div.buttons {
                (action_form("/summary", "Observe a random response time", None))
                (action_form("/summary", "Observe", Some(("value", "Response time to observe (s)", "0.25"))))
            }
            (command(&format!("for i in $(seq 50); do curl -s -X POST {origin}/summary; done")))
            (windows_note())
            (section("The three answers", scroll_box("The three answers", answers(snapshot))))
            (section("The trade-off", scroll_box("Which to choose", trade_off())))
        },
    )
}

fn answers(snapshot: &Snapshot) -> Markup {
    html! {
        div #versus-answers data-live {
            @match (&snapshot.responses, &snapshot.response_buckets) {
                (Some(summary), Some(histogram)) if summary.count > 0 => {
                    @let native = snapshot.native.as_ref().and_then(|native| native.snapshot());
                    @let kept = &snapshot.kept_responses;
                    table {
                        caption { "The same " (summary.count) " observations, asked for the same quantiles; in brackets, each answer's error against the exact value" }
                        thead { tr {
                            th scope="col" { "quantile" }
                            th scope="col" { "summary (computed in the app, last " (snapshot.summary_window_seconds) " s)" }
                            th scope="col" { "histogram_quantile (from " (histogram.buckets.len() + 1) " classic buckets, since start)" }
                            th scope="col" { "histogram_quantile on the native histogram (since start)" }
                            th scope="col" { "exact (nearest rank of the last " (kept.len()) " observations kept)" }
                        } }
                        tbody {
                            @for (q, value) in &summary.quantiles {
                                @let exact = exact_quantile(kept, *q);
                                tr {
                                    th scope="row" { (q) }
                                    td { (with_error(*value, exact)) }
                                    td { (histogram.estimate(*q).map_or("—".to_owned(), |e| with_error(e.value, exact))) }
                                    td { (native.as_ref().map_or("—".to_owned(), |native| with_error(histogram_quantile(*q, native), exact))) }
                                    td { (exact.map_or("—".to_owned(), rounded)) }
                                }
                            }
                        }
                    }
                    p { "The four columns cover the same observations while there are at most "
                        (snapshot.kept_responses_capacity) " of them and the app is younger than the summary's window." }
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

/// The `q` quantile of `values` by nearest rank, the definition the summary's guarantee uses.
fn exact_quantile(values: &[f64], q: f64) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted.get(rank - 1).copied()
}

/// An answer and its relative error against `exact`, e.g. `0.123 (+4.2%)`.
fn with_error(value: f64, exact: Option<f64>) -> String {
    match exact {
        _ if value.is_nan() => "NaN".to_owned(),
        Some(exact) if exact > 0.0 && value.is_finite() => {
            format!(
                "{} ({:+.1}%)",
                rounded(value),
                (value - exact) / exact * 100.0
            )
        }
        _ => rounded(value),
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
                tr { th scope="row" { "Precision" } td { "set by the bucket edges" } td { "accurate, within a configured error" } }
                tr { th scope="row" { "Time range" } td { "any, chosen with rate()[range]" } td { "the app's sliding window" } }
                tr { th scope="row" { "Cost in the app" } td { "one counter per bucket: cheap" } td { "a streaming estimate: more work per observation" } }
            }
        }
        p { "In short: a histogram when you run more than one instance or want to ask new questions later; a summary "
            "when one instance's precise percentiles matter and you cannot know good bucket edges. A "
            a href="/tour/native-histogram" { "native histogram" } " takes that last reason away: its buckets need no "
            "choosing, each estimate is within one bucket of about 9%, and it still adds up across instances." }
    }
}
