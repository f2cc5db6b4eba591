//! `GET /tour/promql`: one query taken apart. A form to type it (a GET, so it works with
//! JavaScript off and the address can be shared), its tree with a sentence per node, its warnings
//! (each an element of class `lint`), what the gate says, and with `--prometheus` each node's value
//! now and a chart of the whole query's last five minutes.

use maud::{html, Markup};

use super::{chart, layout, section};
use crate::{
    promql::{client::Series, explain::Node},
    tour::{
        promql::{Explained, Live, Reading, CHART_STEP, CHART_WINDOW},
        snapshot::Point,
    },
};

/// How many series the chart draws; the rest are counted.
const CHART_SERIES: usize = 6;

/// The page, with the query in the form and taken apart below it.
pub fn page(explained: &Explained) -> Markup {
    layout(
        "A query, explained",
        html! {
            p {
                "Type a PromQL query: the tour takes it apart as Prometheus does, says in a sentence what each "
                "part selects or computes, which labels its results keep and what kind of value it returns, "
                "and warns about the mistakes learners make most. Each part links to the lesson that teaches it."
            }
            form.query method="get" action="/tour/promql" {
                label for="query" { "PromQL" }
                textarea #query name="query" rows="3" spellcheck="false" autocomplete="off" { (explained.query) }
                button type="submit" { "Explain" }
            }
            @match &explained.reading {
                Ok(reading) => (body(reading)),
                Err(why) => p.refused role="alert" { (why) },
            }
        },
    )
}

fn body(reading: &Reading) -> Markup {
    html! {
        @if !reading.lints.is_empty() {
            (section("Warnings", html! {
                ul.lints {
                    @for lint in &reading.lints {
                        li.lint {
                            (lint.message) " "
                            a href=(lint.lesson) { "The lesson" }
                        }
                    }
                }
            }))
        }
        @match &reading.gate {
            Ok(()) => p.gate { "The gate passes it: it reads only the tour's series, at a cost a shared Prometheus bears." },
            Err(refusal) => p.refused role="alert" {
                "Not sent to Prometheus: " (refusal) ". The gate keeps what a learner types from reading past the tour or "
                "asking a shared Prometheus for more work than it can bear."
            },
        }
        @if let Some(live) = &reading.live {
            (section("Over the last five minutes", chart_of(live)))
        }
        (section("The query as a tree", tree(&reading.nodes, reading.live.as_ref())))
        @if reading.live.is_none() {
            p.small {
                "Start the tour with " code { "--prometheus http://localhost:9090" }
                " naming a Prometheus that scrapes it, and this page shows each part's value now and a chart."
            }
        }
    }
}

fn chart_of(live: &Live) -> Markup {
    let window = CHART_WINDOW.as_secs_f64();
    match &live.chart {
        Err(why) => html! { p { (why) } },
        Ok(all) => {
            let drawn: Vec<(String, Vec<Point>)> = all
                .iter()
                .take(CHART_SERIES)
                .map(|series| (legend(series), points(series, live.now)))
                .collect();
            let points_drawn: usize = drawn.iter().map(|(_, points)| points.len()).sum();
            let series: Vec<(String, &[Point])> = drawn
                .iter()
                .map(|(name, points)| (name.clone(), points.as_slice()))
                .collect();
            html! {
                (chart::over_time_once("promql-chart", "The query over the last five minutes, as Prometheus answers a range query", &series, window))
                p.small.chart-note {
                    (points_drawn) " points in " (drawn.len()) " series from " (live.base) ", one every " (CHART_STEP.as_secs()) " seconds"
                    @if all.len() > CHART_SERIES { "; " (all.len() - CHART_SERIES) " more series not drawn" }
                    "."
                }
            }
        }
    }
}

/// A series' labels, short enough for a legend.
fn legend(series: &Series) -> String {
    let pairs: Vec<String> = series
        .labels
        .iter()
        .filter(|(name, _)| *name != "__name__")
        .map(|(name, value)| format!("{name}=\"{value}\""))
        .collect();
    let text = format!("{{{}}}", pairs.join(", "));
    crate::promql::compare::cut(&text, 60)
}

fn points(series: &Series, now: f64) -> Vec<Point> {
    series
        .points
        .iter()
        .filter(|(_, value)| value.is_finite())
        .map(|(time, value)| Point {
            seconds_ago: now - time,
            value: *value,
        })
        .collect()
}

/// The nodes as a list, each indented by its depth, a parent before its children.
fn tree(nodes: &[Node], live: Option<&Live>) -> Markup {
    html! {
        ol.tree {
            @for (at, node) in nodes.iter().enumerate() {
                li class=(format!("depth-{}", node.depth.min(6))) {
                    pre { code { (node.promql) } }
                    p {
                        strong { (node.returns.words()) } ": " (node.does) ". "
                        "Labels: " (node.labels) "."
                        @if let Some(lesson) = node.lesson {
                            " " a href=(lesson) { "The lesson" }
                        }
                    }
                    @if let Some(Some(value)) = live.map(|live| &live.values[at]) {
                        p.value-now { "Now: " (value) }
                    }
                }
            }
        }
    }
}
