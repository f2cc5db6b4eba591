//! `GET /tour/exemplars`: the latest request behind each bucket, named by its trace id, and how
//! to follow your own request from curl to `/metrics` to Prometheus.

use maud::{html, Markup};

use super::{chart, command, layout, rounded, scroll_box, section, windows_note, Snapshot};
use crate::exposition::extras::Exemplar;

/// The trace id the lesson's curl command sends; any valid one would do.
const EXAMPLE_TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// The exemplars lesson.
pub fn page(snapshot: &Snapshot) -> Markup {
    let origin = &snapshot.origin;
    layout(
        "Exemplars",
        html! {
            p.lead { "A bucket says how many requests were slow; an exemplar says which one. Each upload, click and "
                "response the tour observes carries a trace id: the one in the request's W3C " code { "traceparent" }
                " header, or a new one. The latest observation of each bucket is written after the bucket's line in the "
                "OpenMetrics exposition (the format Prometheus asks for; " a href="/tour/anatomy" { "Anatomy of /metrics" }
                " reads it line by line), " code { "# {trace_id=\"...\"} value timestamp" } ", and in the protobuf one. "
                "Though the bucket's count is cumulative, its exemplar is the latest of its own observations only: those above "
                "the bound below it and up to its own." }
            (section("The uploads, bucket by bucket", buckets("exemplar-uploads", "file_upload_duration_seconds", &snapshot.upload_exemplars, snapshot.uploads.as_ref().map(|h| (&h.buckets, h.count)))))
            (section("The responses, bucket by bucket", buckets("exemplar-responses", "tour_response_bucketed_seconds", &snapshot.response_exemplars, snapshot.response_buckets.as_ref().map(|h| (&h.buckets, h.count)))))
            (section("The counter", html! {
                @match &snapshot.click_exemplar {
                    Some(exemplar) => p #exemplar-clicks { "The latest click on " code { "tour_clicks_total" } " came with trace "
                        code { (exemplar.trace_id) } " and added " (rounded(exemplar.value)) "." },
                    None => p.empty { "No click yet." },
                }
                p #exemplar-where { "OpenMetrics 1.0 allows exemplars on a counter and on the buckets of a histogram or a gauge histogram, "
                    "never on a gauge. The tour has no gauge histogram: its exemplars sit on its counter and its histograms' buckets." }
            }))
            (section("Follow your own request", html! {
                p { "Send a response time with a trace id of your own; the answer's " code { "traceparent" }
                    " header keeps the trace id and names the tour's part of it:" }
                (command(&format!("curl -i -X POST -H 'traceparent: {EXAMPLE_TRACEPARENT}' '{origin}/summary?value=7.5'")))
                p { "Find it on the line of the bucket " code { "le=\"10.0\"" } ", which the traffic's responses never reach, "
                    "so no one else's request replaces it:" }
                (command(&format!("curl -s -H 'Accept: application/openmetrics-text' {origin}/metrics | grep 4bf92f3577b34da6a3ce929d0e0e4736")))
                p { "A Prometheus started with " code { "--enable-feature=exemplar-storage" } " (see docs/classroom.md) keeps it; "
                    "its API finds it by the series (on Prometheus 2.42's two-server setup, ask the second one, on port 9091):" }
                (command("curl -s \"http://localhost:9090/api/v1/query_exemplars?query=tour_response_bucketed_seconds_bucket&start=$(( $(date +%s) - 600 ))&end=$(date +%s)\""))
                (windows_note())
            }))
        },
    )
}

/// A histogram's buckets as a chart whose bars carry a marker where the bucket has an exemplar,
/// with the exemplars listed below.
fn buckets(
    id: &str,
    family: &str,
    exemplars: &[(f64, Option<Exemplar>)],
    histogram: Option<(&Vec<(f64, u64)>, u64)>,
) -> Markup {
    let Some((cumulative, count)) = histogram else {
        return html! { p.empty { code { (family) } " is not in /metrics." } };
    };
    // Cumulative, as each `_bucket{le}` line counts and as its exemplar is attached to it.
    let bars: Vec<(String, u64)> = cumulative
        .iter()
        .copied()
        .chain([(f64::INFINITY, count)])
        .zip(exemplars)
        .map(|((le, total), (_, exemplar))| {
            // Short labels, so a dozen buckets fit side by side; the caption says they are `le`.
            let mark = if exemplar.is_some() { "◆" } else { "" };
            (format!("{}{mark}", rounded(le)), total)
        })
        .collect();
    html! {
        (chart::bars(&format!("{id}-chart"), &format!("{family}: observations at most each le, the bound under each bar (cumulative, as its _bucket lines count), ◆ where the bucket has an exemplar"), &bars))
        (scroll_box(&format!("The exemplars of {family}"), html! {
            table #(id) {
                caption { "The latest exemplar of each bucket of " code { (family) } }
                thead { tr { th scope="col" { "le" } th scope="col" { "trace_id" } th scope="col" { "value" } th scope="col" { "at (Unix seconds)" } } }
                tbody {
                    @for (le, exemplar) in exemplars {
                        @if let Some(exemplar) = exemplar {
                            tr { td { (rounded(*le)) } td { code { (exemplar.trace_id) } } td { (rounded(exemplar.value)) } td { (format!("{:.3}", exemplar.timestamp)) } }
                        }
                    }
                }
            }
        }))
    }
}
