//! `GET /tour/labels`: what a label is, one series per label combination, and why a label never
//! takes its value from the request.

use maud::{html, Markup};

use super::{command, layout, promql, scroll_box, section, windows_note, Snapshot};
use crate::lessons::labels::Cardinality;

/// The labels lesson, on `http_requests_total`'s live series and the random-path measurement.
pub fn page(snapshot: &Snapshot, cardinality: &Cardinality) -> Markup {
    let origin = &snapshot.origin;
    layout(
        "Labels: one series per combination",
        html! {
            p.lead { "A label is a " code { "name=\"value\"" } " pair that splits one metric into several series. "
                code { "http_requests_total{method=\"GET\",route=\"/tour/counter\",status=\"200\"}" } " is one series; "
                "change any value and it is another, with a history of its own. Prometheus stores, indexes and "
                "queries each series separately, so the number of series, the " strong { "cardinality" } ", is what a metric costs." }
            (section("The series of http_requests_total, now", scroll_box("The series of http_requests_total", series_table(snapshot))))
            (section("Why route is a pattern, never the path", html! {
                p { "The tour counts every request by the " strong { "pattern" } " its router matched: all the quiz's "
                    "questions share " code { "route=\"/quiz/:id\"" } ", and every path the tour does not have is "
                    code { "route=\"unmatched\"" } ". The path as sent is never a label, so no request can add a series by choosing its path." }
                p #random-paths { "The proof, measured by this tour when this page was first built: it sent "
                    (cardinality.paths) " random paths (" code { "/users/3f9c…" } ") through its own router and middleware, "
                    "counting into a scratch registry. After the first, " code { "http_requests_total" } " had "
                    strong { (cardinality.series_after_one) } " series; after all " (cardinality.paths) ", "
                    strong { (cardinality.series_after_all) } ", taking " (cardinality.bytes) " bytes of /metrics. "
                    "Counted with the raw path as a label instead, the same requests make "
                    strong { (cardinality.raw_path_series) } " series and " (cardinality.raw_path_bytes) " bytes, in every scrape." }
                p.small { "Try it from a terminal, then look for the one unmatched series:" }
                (command(&format!("for i in 1 2 3; do curl -s -o /dev/null {origin}/no-such-page-$RANDOM; done")))
                (command(&format!("curl -s -g '{origin}/metrics?name[]=http_requests_total' | grep unmatched")))
                (windows_note())
            }))
            (section("The cost of a label taken from the request", html! {
                p { "Every new value makes a new series, and each series costs, for as long as it lives:" }
                ul {
                    li { "memory in the app, which keeps every series it has seen until the code removes it (this tour never does for http_requests_total);" }
                    li { "bytes in every scrape, as the measurement above shows;" }
                    li { "memory, index entries and disk in Prometheus, for as long as it keeps the data." }
                }
                p { "A label whose value a visitor chooses (a user id, a raw path, a query string, an email) lets anyone "
                    "add as many series as they like. Labels take a few, fixed values: methods, route patterns, status "
                    "codes. A user id belongs in a log line or a trace, not in a label." }
            }))
            (section("The PromQL you would write", html! {
                (promql("count(http_requests_total)", "How many series http_requests_total has, across every instance scraped."))
                (promql("count by (route) (http_requests_total)", "How many series each route makes: one per method and status it has seen."))
                (promql("topk(5, count by (__name__) ({__name__=~\".+\"}))", "The five metric names with the most series: where cardinality hides."))
            }))
        },
    )
}

/// Every series of `http_requests_total` as a table, with its count.
fn series_table(snapshot: &Snapshot) -> Markup {
    let label =
        |series: &crate::tour::snapshot::Series, name| series.label(name).unwrap_or("").to_owned();
    html! {
        div #requests-series data-live {
            p { "This tour has " strong { (snapshot.http_requests.len()) } " series of " code { "http_requests_total" } " now: "
                "one for each combination of method, route and status it has answered." }
            table {
                caption { "http_requests_total, one row per series" }
                thead { tr { th scope="col" { "method" } th scope="col" { "route" } th scope="col" { "status" } th scope="col" { "value" } } }
                tbody {
                    @for series in &snapshot.http_requests {
                        tr {
                            td { (label(series, "method")) }
                            td { code { (label(series, "route")) } }
                            td { (label(series, "status")) }
                            td { (series.value) }
                        }
                    }
                }
            }
        }
    }
}
