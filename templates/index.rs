//! `GET /`: the four metric types side by side, each with what it is, its live value, a button that
//! exercises it, the curl command that does the same, and where to read more.

use maud::{html, Markup};

use super::{
    action_form, command, layout, live_value, metrics_link, number, rounded, windows_note, Snapshot,
};

/// The tour's front page.
pub fn page(snapshot: &Snapshot) -> Markup {
    let origin = &snapshot.origin;
    let responses = snapshot.responses.as_ref();
    let median = responses
        .and_then(|summary| summary.quantiles.iter().find(|(q, _)| *q == 0.5))
        .map(|(_, value)| *value)
        .filter(|value| value.is_finite());
    layout(
        "Four kinds of number: a tour of Prometheus metrics",
        html! {
            p.lead {
                "Prometheus stores numbers over time. The client libraries offer four core types of number, "
                "and the type says how to read it: which questions make sense. (The formats know a few more: "
                "untyped, or unknown, for a number of no declared type, and in OpenMetrics gaugehistogram, info and stateset.) "
                "Prometheus itself does not enforce the type: it keeps each metric's TYPE as metadata, stores every series as "
                "plain numbers, and answers " code { "rate(tour_temperature_celsius[5m])" } ", the rate of a gauge, "
                "though the answer means nothing. Prometheus 3 adds a note that the metric might not be a counter, judged "
                "from its name alone; 2.42 said nothing. The type is a promise the app makes and you keep when you query. "
                "Press a button, watch the value change, then follow a type's link for the full lesson."
            }
            div.cards {
                (card(Card {
                    name: "Counter",
                    page: "/tour/counter",
                    family: "tour_clicks_total",
                    sentence: "A number that only goes up: how many times something happened.",
                    value: live_value("home-clicks", "tour_clicks_total", snapshot.clicks),
                    form: action_form("/counter", "Click: add 1", None),
                    curl: format!("curl -X POST {origin}/counter"),
                }))
                (card(Card {
                    name: "Gauge",
                    page: "/tour/gauge",
                    family: "tour_temperature_celsius",
                    sentence: "A number that goes up and down: a level you can read at any moment.",
                    value: live_value("home-temperature", "tour_temperature_celsius", snapshot.temperature),
                    form: html! {
                        div.buttons {
                            (action_form("/gauge/inc", "Warmer: +1", None))
                            (action_form("/gauge/dec", "Colder: −1", None))
                        }
                    },
                    curl: format!("curl -X POST {origin}/gauge/dec"),
                }))
                (card(Card {
                    name: "Histogram",
                    page: "/tour/histogram",
                    family: "file_upload_duration_seconds",
                    sentence: "Observations counted into buckets fixed in advance: how long things took, and how often.",
                    value: html! {
                        p.value { span.metric-name { "uploads observed (_count)" } " " output #home-uploads data-live { (number(snapshot.uploads.as_ref().map(|histogram| histogram.count as f64))) } }
                        p.value { span.metric-name { "in progress" } " " output #home-in-progress data-live { (number(snapshot.uploads_in_progress)) } }
                    },
                    form: action_form("/file-upload", "Upload a file (takes a few seconds)", None),
                    curl: format!("curl -X POST {origin}/file-upload"),
                }))
                (card(Card {
                    name: "Summary",
                    page: "/tour/summary",
                    family: "tour_response_seconds",
                    sentence: "Observations turned into quantiles inside the app, over a sliding window.",
                    value: html! {
                        p.value { span.metric-name { "observations (_count)" } " " output #home-responses data-live { (number(responses.map(|summary| summary.count as f64))) } }
                        p.value { span.metric-name { "median (quantile=\"0.5\")" } " " output #home-median data-live { (median.map_or("—".to_owned(), rounded)) } }
                    },
                    form: action_form("/summary", "Observe a response time", None),
                    curl: format!("curl -X POST {origin}/summary"),
                }))
            }
            (windows_note())
            section {
                h2 { "Then" }
                ul.onward {
                    li { a href="/tour/versus" { "Histogram versus summary" } ": the same observations, two answers." }
                    li { a href="/tour/native-histogram" { "Native histogram" } ": buckets nobody has to choose, the type prometheus.io now recommends." }
                    li { a href="/tour/exemplars" { "Exemplars" } ": from a slow bucket to the very request that landed there." }
                    li { a href="/tour/anatomy" { "Anatomy of /metrics" } ": every line a scraper reads, explained." }
                    li { a href="/tour/buckets" { "Bucket designer" } ": propose bucket edges, see each quantile's error and the series they cost." }
                    li { a href="/tour/labels" { "Labels and cardinality" } ": one series per label combination, and why a label never comes from the request." }
                    li { a href="/tour/staleness" { "Staleness" } ": a series that stops, a target that dies, and the first increment increase() cannot see." }
                    li { a href="/tour/quiz" { "The quiz" } ": check yourself, in the browser or with curl." }
                }
            }
        },
    )
}

/// One type's card on the front page.
struct Card<'a> {
    name: &'a str,
    page: &'a str,
    family: &'a str,
    sentence: &'a str,
    value: Markup,
    form: Markup,
    curl: String,
}

fn card(card: Card<'_>) -> Markup {
    html! {
        section.card aria-labelledby={ "card-" (card.family) } {
            h2 #{ "card-" (card.family) } { a href=(card.page) { (card.name) } }
            p { (card.sentence) }
            (card.value)
            (card.form)
            p.small { "The same from a terminal:" }
            (command(&card.curl))
            p.links { a href=(card.page) { "The " (card.name.to_lowercase()) " lesson" } " · " (metrics_link(card.family)) }
        }
    }
}
