//! `GET /tour/gauge`: a number that goes up and down, read as it is.

use maud::{html, Markup};

use super::{
    action_form, chart, command, family_lines, layout, live_value, promql, section, windows_note,
    Snapshot,
};

/// The gauge's lesson.
pub fn page(snapshot: &Snapshot) -> Markup {
    let origin = &snapshot.origin;
    layout(
        "Gauge: a number that goes up and down",
        html! {
            p.lead { "A gauge is a level you can read at any moment: a temperature, memory in use, "
                "items in a queue, uploads in progress. It goes up, it goes down, it may be negative." }
            (section("Try it", html! {
                div.try {
                    div {
                        (live_value("gauge-value", "tour_temperature_celsius", snapshot.temperature))
                        div.buttons {
                            (action_form("/gauge/inc", "Warmer", Some(("by", "Raise by", "1"))))
                            (action_form("/gauge/dec", "Colder", Some(("by", "Lower by", "1"))))
                            (action_form("/gauge/set", "Set", Some(("value", "Set to", "21.5"))))
                        }
                    }
                    (chart::history("gauge-chart", "tour_temperature_celsius over the last two minutes: up and down",
                        &snapshot.temperature_history, snapshot.history_seconds))
                }
                p.small { "The same from a terminal:" }
                (command(&format!("curl -X POST {origin}/gauge/inc")))
                (command(&format!("curl -X POST '{origin}/gauge/set?value=-5'")))
                (windows_note())
                p { "A gauge the app sets itself: " code { "file_uploads_in_progress" } " is "
                    output #gauge-in-progress data-live { (super::number(snapshot.uploads_in_progress)) }
                    " right now. Start an upload on the " a href="/tour/histogram" { "histogram page" } " and watch it rise, then fall." }
            }))
            (section("When to choose it", html! {
                p { "When the value itself is the answer: “how hot is it now?”, “how full is the queue?”. "
                    "If you find yourself adding to it forever, you want a counter." }
            }))
            (section("The mistake it prevents", html! {
                p { "A gauge's value is meaningful on its own, so you graph it directly or summarise it over "
                    "time. " code { "rate()" } " of a gauge is meaningless: it would read every fall as a "
                    "counter restart. For the change of a gauge, use " code { "delta()" } " or " code { "deriv()" } "." }
            }))
            (section("Its lines in /metrics", family_lines("gauge-lines", &snapshot.exposition, "tour_temperature_celsius")))
            (section("The PromQL you would write", html! {
                (promql("tour_temperature_celsius", "The value now: graph it as it is."))
                (promql("max_over_time(tour_temperature_celsius[10m])", "The hottest it got in the last ten minutes."))
                (promql("delta(tour_temperature_celsius[10m])", "How much it changed over ten minutes (not rate())."))
                (promql("rate(tour_temperature_celsius[5m])", "The mistake, which Prometheus answers all the same: it keeps each metric's TYPE \
                    as metadata, but PromQL never consults it. Prometheus 3 adds an info annotation, \"metric might not be a counter, name does \
                    not end in _total/_sum/_count/_bucket\", judged from the name alone; 2.42 answered without a word. The number means nothing."))
            }))
        },
    )
}
