//! `GET /tour/promql`: one query taken apart. A form to type it (a GET, so it works with
//! JavaScript off and the address can be shared), its tree with a sentence per node, and its
//! warnings, each an element of class `lint`.

use maud::{html, Markup};

use super::{layout, section};
use crate::{promql::explain::Node, tour::promql::Explained};

/// The page, with the query in the form and taken apart below it.
pub fn page(explained: &Explained) -> Markup {
    let query = &explained.query;
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
                textarea #query name="query" rows="3" spellcheck="false" autocomplete="off" { (query) }
                button type="submit" { "Explain" }
            }
            @match &explained.reading {
                Ok((nodes, lints)) => {
                    @if !lints.is_empty() {
                        (section("Warnings", html! {
                            ul.lints {
                                @for lint in lints {
                                    li.lint {
                                        (lint.message) " "
                                        a href=(lint.lesson) { "The lesson" }
                                    }
                                }
                            }
                        }))
                    }
                    (section("The query as a tree", tree(nodes)))
                }
                Err(why) => {
                    p.refused role="alert" { (why) }
                }
            }
        },
    )
}

/// The nodes as nested lists, a parent before its children.
fn tree(nodes: &[Node]) -> Markup {
    html! {
        ol.tree {
            @for node in nodes {
                li class=(format!("depth-{}", node.depth.min(6))) {
                    pre { code { (node.promql) } }
                    p {
                        strong { (node.returns.words()) } ": " (node.does) ". "
                        "Labels: " (node.labels) "."
                        @if let Some(lesson) = node.lesson {
                            " " a href=(lesson) { "The lesson" }
                        }
                    }
                }
            }
        }
    }
}
