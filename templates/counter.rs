//! `GET /tour/counter`: a number that only goes up, and why you graph its rate.

use maud::{html, Markup};

use super::{
    action_form, chart, command, family_lines, layout, live_value, promql, rounded, section,
    Snapshot,
};
use crate::tour::snapshot::Point;

/// The range of the rate the chart draws from the page's own samples.
const RATE_RANGE_SECONDS: f64 = 15.0;

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
                    (chart::history("counter-rate-chart", "Clicks per second over the last two minutes: the rate, what you graph (each point is the increase over the 15 s before it, as rate(tour_clicks_total[15s]) would draw it)",
                        &rate_points(&snapshot.clicks_history), snapshot.history_seconds))
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
                (chart::history("counter-chart", "tour_clicks_total itself over the last two minutes: it only climbs",
                    &snapshot.clicks_history, snapshot.history_seconds))
            }))
            (section("Its lines in /metrics", family_lines("counter-lines", &snapshot.exposition, "tour_clicks_total")))
            (section("The PromQL you would write", html! {
                (promql("rate(tour_clicks_total[1m])", &format!("Clicks per second, averaged over the last minute: the line to graph. \
                    Under --traffic the crowd swells and ebbs on a {}-minute cycle, which this line follows; over [5m] it swings less.",
                    rounded(snapshot.traffic_cycle_seconds / 60.0))))
                (promql("increase(tour_clicks_total[1h])", "About how many clicks in the last hour, restarts included: the rate times the hour. \
                    Prometheus extrapolates from the first and last samples in the range to its edges, so this is an estimate, \
                    and need not be a whole number: 140 clicks can read 141.82."))
                (promql("sum(rate(http_requests_total[5m])) by (route)", "A labelled counter: requests per second, per route, across every instance."))
            }))
        },
    )
}

/// The counter's rate at each sample of its history: the increase over the [`RATE_RANGE_SECONDS`]
/// before it, per second. As `rate()` does, a drop is read as a restart from 0.
pub fn rate_points(history: &[Point]) -> Vec<Point> {
    let mut rates = Vec::new();
    for (end, point) in history.iter().enumerate() {
        let Some(start) = history[..end]
            .iter()
            .position(|p| p.seconds_ago - point.seconds_ago <= RATE_RANGE_SECONDS)
        else {
            continue;
        };
        let span = history[start].seconds_ago - point.seconds_ago;
        if span <= 0.0 {
            continue;
        }
        let increase: f64 = history[start..=end]
            .windows(2)
            .map(|pair| match pair[1].value >= pair[0].value {
                true => pair[1].value - pair[0].value,
                false => pair[1].value,
            })
            .sum();
        rates.push(Point {
            seconds_ago: point.seconds_ago,
            value: increase / span,
        });
    }
    rates
}
