//! `GET /tour/versus`: the same observations recorded in a summary, a classic histogram and a
//! native histogram, the three quantile answers drawn on one axis beside the exact value and listed
//! with each one's error against it, and the trade-off between them.

use maud::{html, Markup};

use super::chart::{self, DotRow};
use super::{
    action_form, command, layout, native_histogram::percent_wider, rounded, scroll_box, section,
    windows_note, Snapshot,
};
use crate::{
    lessons::histogram::exact_quantile,
    native_histogram::{quantile::histogram_quantile, NativeSnapshot},
    tour::snapshot::HistogramData,
};

/// The histogram-versus-summary lesson.
pub fn page(snapshot: &Snapshot) -> Markup {
    let origin = &snapshot.origin;
    let rows = three_answers(snapshot);
    layout(
        "Histogram versus summary",
        html! {
            p.lead { "Every response time observed by " code { "POST /summary" } " goes into three metrics at once: the summary "
                code { "tour_response_seconds" } ", the histogram " code { "tour_response_bucketed_seconds" }
                " and the native histogram " code { "tour_response_native_seconds" }
                " (a histogram whose buckets follow a rule instead of a list someone chose: "
                a href="/tour/native-histogram" { "its lesson" } " comes next). Same observations, three ways of answering "
                "“how slow is the 90th percentile?”." }
            div.buttons {
                (action_form("/summary", "Observe a random response time", None))
                (action_form("/summary", "Observe", Some(("value", "Response time to observe (s)", "0.25"))))
            }
            (command(&format!("for i in $(seq 50); do curl -s -X POST {origin}/summary; done")))
            (windows_note())
            (section("The three answers", html! {
                @if let Some(rows) = &rows { (chart(rows, snapshot.window_responses.len())) }
                (scroll_box("The three answers", answers(snapshot, rows.as_deref().unwrap_or_default())))
            }))
            (section("The trade-off", scroll_box("Which to choose", trade_off())))
            p { "The histogram's error depends on its edges: the " a href="/tour/buckets?observations=responses" { "bucket designer" } " replays these response times into edges you propose." }
        },
    )
}

fn answers(snapshot: &Snapshot, rows: &[Answers]) -> Markup {
    let window = &snapshot.window_responses;
    let span = snapshot.summary_window_span_seconds;
    html! {
        div #versus-answers data-live {
            @match (&snapshot.responses, &snapshot.response_buckets) {
                (Some(summary), Some(histogram)) if summary.count > 0 && !window.is_empty() => {
                    @let native = snapshot.native.as_ref().and_then(|native| native.snapshot());
                    table {
                        caption { "The same " (window.len()) " observations, those of the summary's window (the last "
                            (rounded(span.round())) " s), asked for the same quantiles; in brackets, each answer's error against the exact value" }
                        thead { tr {
                            th scope="col" { "quantile" }
                            th scope="col" { "summary (computed in the app)" }
                            th scope="col" { "histogram_quantile (from the " (histogram.buckets.len() + 1) " classic buckets' increase over the same window)" }
                            th scope="col" { "histogram_quantile on the native histogram, as Prometheus 3 computes it (its buckets' increase over the same window)" }
                            th scope="col" { "the observations themselves (kept by this app to compare)" }
                        } }
                        tbody {
                            @for row in rows {
                                tr {
                                    th scope="row" { (row.q) }
                                    td { (with_error(row.summary, row.exact)) }
                                    td { (row.classic.map_or("—".to_owned(), |e| with_error(e, row.exact))) }
                                    td { (row.native.map_or("—".to_owned(), |e| with_error(e, row.exact))) }
                                    td { (row.exact.map_or("—".to_owned(), rounded)) }
                                }
                            }
                        }
                    }
                    @if !snapshot.window_responses_complete {
                        p.small { "More responses came in during the window than this app keeps: the two histogram columns and the "
                            "exact one cover the most recent " (window.len()) ", the summary all of them." }
                    }
                    p #versus-how { "The histogram column is about what " code { "histogram_quantile(φ, increase(tour_response_bucketed_seconds_bucket["
                        (whole_seconds(span)) "]))" } " would answer, without Prometheus' extrapolation: the buckets counted over the summary's "
                        "window, not since start, so every column sees the same responses. The native column does the same with the native "
                        "histogram's exponential buckets, and interpolates inside a bucket as Prometheus 3 does, exponentially (2.42 drew "
                        "a straight line there, as for a classic bucket). The summary's answer lies within 0.8% of a "
                        "response in its window and never outside the smallest and largest of them, but it is for this instance and "
                        "this window only. The histogram's is an estimate whose error depends on the bucket edges (a straight line "
                        "across a bucket), but it adds up across instances, and any quantile over any range can be asked later. The native "
                        "histogram's estimate stays inside the bucket holding the true quantile, with no edges to choose: off by less than "
                        "one bucket's width"
                        @if let Some(native) = &native { ", about " (percent_wider(native.schema)) "% at its schema now, " (native.schema) }
                        "." }
                }
                (None, _) => p.empty { "No observations yet: the summary " code { "tour_response_seconds" } " is not in /metrics." },
                (Some(_), None) => p.empty { "The histogram " code { "tour_response_bucketed_seconds" } " is not in /metrics yet, so there is nothing to compare with." },
                _ => p.empty { "No observations in the summary's window: press a button above." },
            }
        }
    }
}

/// One quantile's three answers and the exact value, from the same observations: what the table
/// lists and the chart draws.
struct Answers {
    q: f64,
    summary: f64,
    classic: Option<f64>,
    native: Option<f64>,
    exact: Option<f64>,
}

/// Each of the summary's quantiles answered three ways over the observations of its window, or
/// `None` while there is nothing to compare.
fn three_answers(snapshot: &Snapshot) -> Option<Vec<Answers>> {
    let window = &snapshot.window_responses;
    let (Some(summary), Some(histogram)) = (&snapshot.responses, &snapshot.response_buckets) else {
        return None;
    };
    if summary.count == 0 || window.is_empty() {
        return None;
    }
    let in_buckets = same_buckets(histogram, window);
    let native = snapshot
        .native
        .as_ref()
        .and_then(|native| native.snapshot())
        .map(|native| same_native_buckets(&native, window));
    Some(
        summary
            .quantiles
            .iter()
            .map(|&(q, value)| Answers {
                q,
                summary: value,
                classic: in_buckets.estimate(q).map(|e| e.value),
                native: native.as_ref().map(|native| histogram_quantile(q, native)),
                exact: exact_quantile(window, q),
            })
            .collect(),
    )
}

/// Each quantile a row on one axis: the three answers in lanes of their own, each joined to the
/// exact value's line, so the gap is what shows.
fn chart(rows: &[Answers], observations: usize) -> Markup {
    let drawable = |value: Option<f64>| value.filter(|value| value.is_finite());
    let rows: Vec<DotRow> = rows
        .iter()
        .map(|row| DotRow {
            name: format!("p{}", rounded(row.q * 100.0)),
            reference: drawable(row.exact),
            marks: vec![
                drawable(Some(row.summary)),
                drawable(row.classic),
                drawable(row.native),
            ],
        })
        .collect();
    let label = format!(
        "Each quantile of the same {observations} observations answered three ways: the summary (dot), histogram_quantile on the classic buckets (square) and on the native histogram (diamond), each joined to the exact value (the upright line)"
    );
    chart::dot_rows(
        "versus-chart",
        &label,
        &[
            "summary",
            "histogram_quantile, classic buckets",
            "histogram_quantile, native histogram",
        ],
        "exact (the observations themselves)",
        &rows,
    )
}

/// A range selector's duration in whole seconds, `[577s]`: Prometheus accepts no fraction there.
fn whole_seconds(span: f64) -> String {
    format!("{:.0}s", span.round().max(1.0))
}

/// `values` counted into `histogram`'s bucket edges: what the histogram's buckets gained over the
/// window those values came from.
fn same_buckets(histogram: &HistogramData, values: &[f64]) -> HistogramData {
    let edges: Vec<f64> = histogram.buckets.iter().map(|&(le, _)| le).collect();
    HistogramData::replay(&edges, values)
}

/// `values` counted into `native`'s exponential buckets (its schema and zero threshold): what the
/// native histogram's buckets gained over the window those values came from.
fn same_native_buckets(native: &NativeSnapshot, values: &[f64]) -> NativeSnapshot {
    NativeSnapshot::replay(native.schema, native.zero_threshold, values)
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
                tr { th scope="row" { "Error" } td { "set by the bucket edges: up to a bucket's width" } td { "here, within 0.8% of a value in the window, fixed by its bins (client_golang's lets you choose an error in rank per quantile)" } }
                tr { th scope="row" { "Time range" } td { "any, chosen with rate()[range]" } td { "the app's sliding window" } }
                tr { th scope="row" { "Cost in the app" } td { "one counter per bucket: cheap" } td { "a streaming estimate: more work per observation" } }
            }
        }
        p { "In short: a histogram when you run more than one instance or want to ask new questions later; a summary "
            "when one instance's percentiles, close to the values themselves, matter and you cannot know good bucket edges. A "
            a href="/tour/native-histogram" { "native histogram" } " takes that last reason away: its buckets need no "
            "choosing, each estimate is within one of its buckets (about 9% wide at schema 3), and it still adds up across instances." }
    }
}
