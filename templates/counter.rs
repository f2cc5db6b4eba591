//! `GET /tour/counter`: a number that only goes up, and why you graph its rate.

use maud::{html, Markup};

use super::{
    action_form, chart, command, family_lines, layout, live_value, promql, section, Snapshot,
};

/// The counter's lesson.
pub fn page(snapshot: &Snapshot) -> Markup {
    let origin = &snapshot.origin;
    layout(
        "Counter: a number that only goes up",
        html! {
            p.lead { "A counter counts things that happen: requests served, bytes sent, errors, clicks. "
                "It starts at 0 when the process starts and only ever goes up. Its name ends in "
                code { "_total" } "." }
            (section("Try it", html! {
                div.try {
                    div {
                        (live_value("counter-value", "tour_clicks_total", snapshot.clicks))
                        div.buttons {
                            (action_form("/counter", "Click: add 1", None))
                            (action_form("/counter", "Add", Some(("by", "Add how many (0 or more)", "5"))))
                        }
                    }
                    (chart::history("counter-chart", "tour_clicks_total over the last two minutes: it only climbs",
                        &snapshot.clicks_history, snapshot.history_seconds))
                }
                p.small { "The same from a terminal:" }
                (command(&format!("curl -X POST {origin}/counter")))
                (command(&format!("curl -X POST '{origin}/counter?by=5'")))
            }))
            (section("When to choose it", html! {
                p { "Whenever the question is “how many, how often?”. If the number can go down "
                    "(a queue's length, a temperature), it is not a counter: use a gauge." }
            }))
            (section("The mistake it prevents", html! {
                p { "The raw value of a counter means little: it depends on when the process last restarted. "
                    "What you graph is its " strong { "rate" } ", the increase per second. "
                    code { "rate()" } " treats any drop as a restart and carries on counting from there, "
                    "so a counter must never go down. That is why this app refuses a negative "
                    code { "by" } ": try it, and read the message." }
                (command(&format!("curl -X POST '{origin}/counter?by=-1'")))
            }))
            (section("Its lines in /metrics", family_lines("counter-lines", &snapshot.exposition, "tour_clicks_total")))
            (section("The PromQL you would write", html! {
                (promql("rate(tour_clicks_total[1m])", "Clicks per second, averaged over the last minute: the line to graph."))
                (promql("increase(tour_clicks_total[1h])", "How many clicks in the last hour (restarts included)."))
                (promql("sum(rate(http_requests_total[5m])) by (route)", "A labelled counter: requests per second, per route, across every instance."))
            }))
        },
    )
}
