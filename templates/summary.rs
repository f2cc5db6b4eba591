//! `GET /tour/summary`: quantiles computed inside the app over a sliding window, and why they
//! cannot be averaged across instances.

use maud::{html, Markup};

use super::{
    action_form, chart, command, family_lines, layout, promql, rounded, scroll_box, section,
    windows_note, Snapshot,
};
use crate::tour::snapshot::SummaryData;

/// The summary's lesson, on `tour_response_seconds`.
pub fn page(snapshot: &Snapshot) -> Markup {
    let origin = &snapshot.origin;
    layout(
        "Summary: quantiles computed in the app",
        html! {
            p.lead { "A summary records observations, like a histogram, but computes the quantiles itself, inside "
                "the app: “90% of responses took at most this long”. It exposes one line per quantile, "
                "plus " code { "_sum" } " and " code { "_count" } ". The quantiles cover a sliding window, here the last "
                (snapshot.summary_window_seconds) " seconds, so old observations age out." }
            (section("Try it", html! {
                div.buttons {
                    (action_form("/summary", "Observe a random response time", None))
                    (action_form("/summary", "Observe", Some(("value", "Response time to observe (s)", "0.25"))))
                }
                (command(&format!("curl -X POST {origin}/summary")))
                (command(&format!("curl -X POST '{origin}/summary?value=0.25'")))
                (windows_note())
                (scroll_box("The quantiles", quantiles(snapshot.responses.as_ref(), snapshot.summary_window_seconds)))
                (quantiles_over_time(snapshot))
            }))
            (section("How close its answer is", html! {
                p { "This summary counts each response into one of 64 bins per doubling of time and reports, for each quantile, "
                    "the middle of the bin that holds the response of that rank, kept between the smallest and largest response "
                    "in the window: within 0.8% of a response the window really holds, and never a value it could not hold "
                    "(one response of 0.25 s reads 0.25 on every line). That is its whole error, fixed by the bins: no option changes it." }
                p #summary-age-buckets { "What that error is not: the window. The summary keeps it in " (snapshot.summary_age_buckets)
                    " pieces, its age buckets, each " (rounded(snapshot.summary_window_seconds / f64::from(snapshot.summary_age_buckets.max(1))))
                    " seconds long; when the oldest piece has aged out, it is dropped whole. So the window slides in steps: it covers the last "
                    (rounded(snapshot.summary_window_seconds)) " seconds less up to one age bucket, not exactly the last "
                    (rounded(snapshot.summary_window_seconds)) " seconds; and it says nothing about any other instance." }
            }))
            (section("Why you cannot average them", html! {
                p { "A quantile is a fact about one set of observations. Suppose one instance served many fast "
                    "requests and another a few slow ones: the average of their two 90th percentiles describes "
                    "neither, and lies far from the 90th percentile of all requests together. There is no "
                    "arithmetic that combines quantiles, so " code { "avg(tour_response_seconds{quantile=\"0.9\"})" }
                    " answers no question at all. Only " code { "_sum" } " and " code { "_count" } " add up across instances." }
            }))
            (section("When to choose it", html! {
                p { "When you have one instance (or care about each one on its own), want its quantiles close to the values themselves "
                    "without choosing bucket edges, and know in advance which quantiles you need. For a fleet, "
                    "or quantiles chosen later, use a " a href="/tour/histogram" { "histogram" } ". The "
                    a href="/tour/versus" { "histogram versus summary" } " lesson puts the two side by side." }
            }))
            (section("The mistake it prevents", html! {
                p { "Guessing bucket edges badly: a summary's quantiles stay close to the values wherever they fall. "
                    "Its own trap is the one above: never aggregate its quantiles." }
            }))
            (section("Its lines in /metrics", family_lines("summary-lines", &snapshot.exposition, "tour_response_seconds")))
            (section("The PromQL you would write", html! {
                (promql("tour_response_seconds{quantile=\"0.9\"}", "The 90th percentile over the window, per instance: read it, graph it, never average it."))
                (promql("rate(tour_response_seconds_sum[5m]) / rate(tour_response_seconds_count[5m])", "The mean response time: this one does aggregate (sum both before dividing)."))
            }))
        },
    )
}

/// The summary's quantiles as a table, or why there are none.
pub fn quantiles(summary: Option<&SummaryData>, window_seconds: f64) -> Markup {
    html! {
        div #summary-quantiles data-live {
            @match summary {
                None => p.empty { "No observations yet: " code { "tour_response_seconds" } " is not in /metrics." },
                Some(summary) if summary.count == 0 => p.empty { "No observations yet: press a button above." },
                Some(summary) => {
                    table {
                        caption { "tour_response_seconds over the last " (window_seconds) " s" }
                        thead { tr { th scope="col" { "quantile" } th scope="col" { "value (s)" } th scope="col" { "reads as" } } }
                        tbody {
                            @for (q, value) in &summary.quantiles {
                                tr {
                                    th scope="row" { (q) }
                                    td { (rounded(*value)) }
                                    td.small {
                                        @if value.is_nan() { "no observation in the window" }
                                        @else { (rounded(q * 100.0)) "% of responses in the window took at most this" }
                                    }
                                }
                            }
                        }
                    }
                    dl.facts {
                        dt { code { "_count" } " = " (summary.count) }
                        dd { "Observations since the app started (not just the window): a counter." }
                        dt { code { "_sum" } " = " (rounded(summary.sum)) }
                        dd { "Their total in seconds: also a counter." }
                    }
                }
            }
        }
    }
}

/// The quantiles as they moved over the last two minutes: each step is a new observation, or an
/// old piece of the window sliding out.
fn quantiles_over_time(snapshot: &Snapshot) -> Markup {
    let series: Vec<(String, &[crate::tour::snapshot::Point])> = snapshot
        .quantile_history
        .iter()
        .map(|(q, points)| (format!("quantile {q}"), points.as_slice()))
        .collect();
    chart::over_time(
        "summary-chart",
        "tour_response_seconds quantiles over the last two minutes (seconds)",
        &series,
        snapshot.history_seconds,
    )
}
