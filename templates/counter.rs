//! `GET /tour/counter`: a number that only goes up, and why you graph its rate.

use maud::{html, Markup};

use super::{
    action_form, chart, command, family_lines, layout, live_value, number, promql, rounded,
    section, windows_note, Snapshot,
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
                    (chart::history("counter-chart", "tour_clicks_total over the last two minutes: it only climbs, until a restart",
                        &snapshot.clicks_history, snapshot.history_seconds))
                }
                p.small { "The same from a terminal:" }
                (command(&format!("curl -X POST {origin}/counter")))
                (command(&format!("curl -X POST '{origin}/counter?by=5'")))
                (windows_note())
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
            (section("When the process restarts", restart(snapshot)))
            (section("The range of rate()", rate_range(snapshot)))
            (section("Its lines in /metrics", family_lines("counter-lines", &snapshot.exposition, "tour_clicks_total")))
            (section("The PromQL you would write", html! {
                (promql("rate(tour_clicks_total[1m])", format!("Clicks per second, averaged over the last minute: the line to graph, \
                    charted above. Under --traffic the crowd swells and ebbs on a {}-minute cycle, which this line follows.",
                    rounded(snapshot.traffic_cycle_seconds / 60.0))))
                (promql("increase(tour_clicks_total[1h])", "About how many clicks in the last hour, restarts included: the rate times the hour. \
                    Prometheus extrapolates from the first and last samples in the range to its edges, so this is an estimate, \
                    and need not be a whole number: 140 clicks can read 141.82."))
                (promql("sum(rate(http_requests_total[5m])) by (route)", html! {
                    "A labelled counter: requests per second, per route, across every instance. A label, here "
                    code { "route" } ", splits one metric into a series per value, and " code { "by (route)" }
                    " adds up the series that share one: the " a href="/tour/labels" { "labels lesson" } " explains them." }))
                p #first-increment-link { "A labelled counter's series is often born at 1 with its first increment, which "
                    code { "increase()" } " then misses: " a href="/tour/staleness#first-increment" { "the lost first increment" } "." }
            }))
        },
    )
}

/// A restart: the raw counter falls, while `increase()` and `rate()` carry on.
fn restart(snapshot: &Snapshot) -> Markup {
    let origin = &snapshot.origin;
    html! {
        p { "A process that restarts starts its counters again at 0. Press the button and watch the chart above: "
            "the raw value falls. Prometheus sees the fall too, and " code { "rate()" } " and " code { "increase()" }
            " read it as a restart: they count the value before the fall, then carry on from 0, so they never go negative. "
            "The restart also moves the counter's created time, " code { "tour_clicks_created" } ": OpenMetrics, the format Prometheus "
            "asks for, carries beside the count when it began, so a scraper can tell 500 counted just now from 500 counted over days ("
            a href="/tour/anatomy" { "Anatomy of /metrics" } " shows every such line)." }
        (action_form("/counter/restart", "Restart the counter, as a new process would", None))
        (command(&format!("curl -X POST {origin}/counter/restart")))
        dl.facts #counter-restart-facts data-live {
            dt { "last − first, over the chart's two minutes" }
            dd { (number(snapshot.clicks_delta)) " (negative after a restart: what a naive difference sees)" }
            dt { "the increase, a fall read as a restart" }
            dd { (number(snapshot.clicks_increase)) " (what " code { "increase()" } " counts before it stretches to the range's edges: never negative)" }
        }
        (promql("resets(tour_clicks_total[10m])", "How many times the counter fell in ten minutes: each is a restart."))
        (promql("increase(tour_clicks_total[10m])", "About how many clicks in ten minutes, restarts included: never negative, \
            and, as Prometheus extrapolates to the range's edges, not always a whole number."))
    }
}

/// The same counter under `rate()`'s `[1m]` and `[5m]`, and the rule of thumb for the range.
fn rate_range(snapshot: &Snapshot) -> Markup {
    let now = |points: &[crate::tour::snapshot::Point]| {
        points.last().map_or("—".to_owned(), |p| rounded(p.value))
    };
    html! {
        p { "The range in brackets is how far back " code { "rate()" } " looks. A short range follows every change "
            "and jumps; a long one smooths and lags. Here is the same counter under both, computed by the tour from its own "
            "samples, one a second, as Prometheus 3 computes " code { "rate()" } " from its scrapes: the increase over the range "
            "(a fall read as a restart), stretched to the range's edges, per second of the whole range:" }
        dl.facts #counter-rates data-live {
            dt { code { "rate(tour_clicks_total[1m])" } } dd { (now(&snapshot.clicks_rate_1m)) " clicks a second" }
            dt { code { "rate(tour_clicks_total[5m])" } } dd { (now(&snapshot.clicks_rate_5m)) " clicks a second" }
        }
        (chart::over_time("counter-rates-chart", "rate() of tour_clicks_total under [1m] and [5m], over the last two minutes",
            &[("[1m]".to_owned(), &snapshot.clicks_rate_1m), ("[5m]".to_owned(), &snapshot.clicks_rate_5m)],
            snapshot.history_seconds))
        p #counter-rate-range { "In the tour's first minutes the " code { "[5m]" } " line sits low: the rate divides by the whole "
            "five minutes, and stretches the samples it has no further back than where the counter was 0. A counter a minute old, "
            "clicked twice a second, has a " code { "[1m]" } " rate of 2 and a " code { "[5m]" } " rate of 0.4. Since Prometheus 3.0 "
            "a range is left-open: a sample exactly on its start is left out, where 2.42 kept it." }
        p { "The rule of thumb: a range of at least four times the scrape interval. " code { "rate()" }
            " needs two samples inside the range, and four leave room for a scrape that failed. "
            "Prometheus' default scrape interval is one minute, so "
            code { "[4m]" } " or more; " code { "docs/prometheus.yml" } " scrapes every 5 seconds, so " code { "[20s]" } " is the shortest there." }
        (promql("rate(tour_clicks_total[1m])", "Clicks a second over the last minute: follows each swell of the traffic."))
        (promql("rate(tour_clicks_total[5m])", "The same over five minutes: smoother, and later to notice a change."))
    }
}
