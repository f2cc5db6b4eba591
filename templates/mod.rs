//! The browser tour's views: functions from a plain [`Snapshot`] to markup.
//!
//! A view never sees the registry or the request, only the snapshot its handler built, so it can be
//! tested with any numbers (and any hostile text). Each page's explanations live in that page's file.
//!
//! # Layout
//! - this file: [`layout`] (the page around every body) and the small parts every page shares.
//! - [`chart`]: inline SVG charts, drawn on the server so they work with JavaScript off.
//! - [`index`]: `GET /`, the four types side by side.
//! - [`counter`], [`gauge`], [`histogram`], [`summary`]: one page per type.
//! - [`versus`]: the same observations in a histogram and a summary.
//! - [`anatomy`]: every line of `/metrics`, annotated.
//! - [`labels`]: labels and cardinality, with `http_requests_total`'s live series.
//! - [`staleness`]: a series that stops, a target that dies, and the lost first increment.
//! - [`quiz`]: the self-check quiz, as a page and as plain text.
//! - [`native_histogram`]: exponential buckets nobody chose, decoded from our own protobuf.
//! - [`exemplars`]: the request behind each bucket, by trace id.
//! - [`buckets`]: the bucket designer, as a page and as plain text.
//! - [`promql`]: one query taken apart, node by node, with its warnings.

pub mod anatomy;
pub mod buckets;
pub mod chart;
pub mod counter;
pub mod exemplars;
pub mod gauge;
pub mod histogram;
pub mod index;
pub mod labels;
pub mod native_histogram;
pub mod promql;
pub mod quiz;
pub mod staleness;
pub mod summary;
pub mod versus;

use std::{cell::RefCell, collections::HashMap};

use maud::{html, Markup, DOCTYPE};

pub use crate::tour::snapshot::Snapshot;

/// The stylesheet, served at `/static/tour.css`.
pub const CSS: &str = include_str!("static/tour.css");
/// The script that refreshes live values and sends forms in the background, served at `/static/tour.js`.
pub const JS: &str = include_str!("static/tour.js");

/// The page around every lesson's body: [`frame`], and at the end the way on to the quiz.
pub fn layout(title: &str, body: Markup) -> Markup {
    frame(
        title,
        html! {
            (body)
            p.onward { a href="/tour/quiz" { "Check yourself: the quiz" } }
        },
    )
}

/// The page around every body: the head, the tour's navigation, and a note on how values refresh.
pub fn frame(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · metrics-tour" }
                // No favicon to fetch: an empty one, so the browser logs no 404.
                link rel="icon" href="data:,";
                link rel="stylesheet" href="/static/tour.css";
                script src="/static/tour.js" defer {}
            }
            body {
                a.skip href="#main" { "Skip to the lesson" }
                header {
                    nav aria-label="Tour" {
                        a href="/" { "Tour" }
                        a href="/tour/counter" { "Counter" }
                        a href="/tour/gauge" { "Gauge" }
                        a href="/tour/histogram" { "Histogram" }
                        a href="/tour/summary" { "Summary" }
                        a href="/tour/versus" { "Histogram vs summary" }
                        a href="/tour/native-histogram" { "Native histogram" }
                        a href="/tour/buckets" { "Buckets" }
                        a href="/tour/exemplars" { "Exemplars" }
                        a href="/tour/anatomy" { "Anatomy of /metrics" }
                        a href="/tour/labels" { "Labels" }
                        a href="/tour/promql" { "PromQL" }
                        a href="/tour/staleness" { "Staleness" }
                        a href="/tour/quiz" { "Quiz" }
                        a href="/metrics" { "/metrics" }
                    }
                }
                main #main {
                    h1 { (title) }
                    p #live-status .status role="status" {
                        "These values are as of page load: reload to see new ones."
                    }
                    (body)
                }
            }
        }
    }
}

/// A `<section>` with its heading.
pub fn section(heading: &str, body: Markup) -> Markup {
    html! {
        section {
            h2 { (heading) }
            (body)
        }
    }
}

/// A value for people, or a dash when the metric is absent: see [`rounded`].
pub fn number(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), rounded)
}

/// Every number a page shows, formatted for people: at most three decimals (more below 0.1, so
/// 0.00123 keeps three digits), trailing zeros dropped, so `21.900000000000002`, float noise from
/// adding 0.1s, reads `21.9`; infinities and NaN as Prometheus spells them. `/metrics` keeps the
/// exact value; the pages' exposition lines show it.
pub fn rounded(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    let magnitude = value.abs();
    let decimals = if magnitude > 0.0 && magnitude < 0.1 {
        (2 - magnitude.log10().floor() as i32).clamp(3, 12) as usize
    } else {
        3
    };
    let text = format!("{value:.decimals$}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    match text {
        "-0" => "0".to_owned(),
        text => text.to_owned(),
    }
}

/// A big live value with its metric name; `id` lets the script refresh it.
pub fn live_value(id: &str, metric: &str, value: Option<f64>) -> Markup {
    html! {
        p.value {
            span.metric-name { (metric) }
            " "
            output #(id) data-live { (number(value)) }
        }
    }
}

/// A box around a table that scrolls sideways on its own when the table is wider than the screen,
/// so the page never does. Put it outside any `data-live` part: a refresh then keeps where the
/// learner scrolled to. It takes keyboard focus, so a keyboard can scroll it too.
pub fn scroll_box(label: &str, content: Markup) -> Markup {
    html! {
        div.scroll role="region" aria-label=(label) tabindex="0" { (content) }
    }
}

/// A shell command, as a learner would type it.
pub fn command(text: &str) -> Markup {
    html! { pre.command { code { "$ " (text) } } }
}

/// The line under a page's shell commands for the Windows laptops in the room: in Windows
/// PowerShell `curl` names Invoke-WebRequest, which refuses `-X POST`, so a copied command fails.
pub fn windows_note() -> Markup {
    html! {
        p.small.windows {
            "On Windows, in PowerShell, type " code { "curl.exe" } " where a command says " code { "curl" }
            ": there " code { "curl" } " is another command (Invoke-WebRequest), which refuses " code { "-X POST" }
            ". " code { "curl.exe" } " comes with Windows 10 and later."
        }
    }
}

/// A PromQL query and what it answers (plain text, or markup with a link), with a link to the
/// query taken apart on `/tour/promql`; drawn inside [`with_values`], also its value now.
pub fn promql(query: &str, meaning: impl maud::Render) -> Markup {
    let explain = explain_href(query);
    let now = VALUES.with_borrow_mut(|values| values.as_mut().map(|values| values.line(query)));
    html! {
        div.promql {
            pre { code { (query) } }
            @if let Some((at, line)) = now {
                p.promql-now { "Now: " output #(format!("promql-now-{at}")) data-live { (line) } }
            }
            p { (meaning) " " a.explain href=(explain) { "Explain it" } }
        }
    }
}

/// A PromQL block whose page draws Prometheus' whole answer right below it (the staleness page's
/// series tables): no value line, which would say the same twice.
pub fn promql_answered_below(query: &str, meaning: impl maud::Render) -> Markup {
    let explain = explain_href(query);
    html! {
        div.promql {
            pre { code { (query) } }
            p.answered-below { (meaning) " " a.explain href=(explain) { "Explain it" } }
        }
    }
}

/// Where a query is taken apart: `/tour/promql` with the query in its address.
fn explain_href(query: &str) -> String {
    format!(
        "/tour/promql?query={}",
        form_urlencoded::byte_serialize(query.as_bytes()).collect::<String>()
    )
}

/// The values now of the PromQL blocks on the page being drawn, by query, and the queries met
/// without one.
struct Values {
    known: HashMap<String, String>,
    unknown: Vec<String>,
    drawn: usize,
}

impl Values {
    /// The next block's number on the page, and its query's value (a dash when not known).
    fn line(&mut self, query: &str) -> (usize, String) {
        self.drawn += 1;
        let line = match self.known.get(query) {
            Some(line) => line.clone(),
            None => {
                if !self.unknown.iter().any(|unknown| unknown == query) {
                    self.unknown.push(query.to_owned());
                }
                "—".to_owned()
            }
        };
        (self.drawn, line)
    }
}

thread_local! {
    static VALUES: RefCell<Option<Values>> = const { RefCell::new(None) };
}

/// Draws a page with each PromQL block showing its query's value from `known`; returns the page
/// and the queries it showed that `known` lacks. The values reach [`promql`] through this scope,
/// not a parameter, so the lessons' views, which only place their blocks, need not carry them.
pub fn with_values(
    known: HashMap<String, String>,
    draw: impl FnOnce() -> Markup,
) -> (Markup, Vec<String>) {
    /// Clears the scope however the drawing ends.
    struct Scope;
    impl Drop for Scope {
        fn drop(&mut self) {
            VALUES.set(None);
        }
    }
    VALUES.set(Some(Values {
        known,
        unknown: Vec::new(),
        drawn: 0,
    }));
    let scope = Scope;
    let page = draw();
    let unknown = VALUES.take().map_or_else(Vec::new, |values| values.unknown);
    drop(scope);
    (page, unknown)
}

/// A form that posts to `action`, with one optional labelled number field `(name, label, value)`.
/// With JavaScript off it round-trips through a 303; with it, the script sends it in the background.
pub fn action_form(action: &str, button: &str, field: Option<(&str, &str, &str)>) -> Markup {
    html! {
        form.action method="post" action=(action) {
            @if let Some((name, label, value)) = field {
                @let id = format!("{}-{}", action.trim_start_matches('/').replace('/', "-"), name);
                label for=(id) { (label) }
                // Required: the browser asks for a number rather than send an empty field the route refuses.
                input #(id) type="number" name=(name) value=(value) step="any" inputmode="decimal" required;
            }
            button type="submit" { (button) }
        }
    }
}

/// The lines of one family in the exposition, exactly as `/metrics` writes them.
pub fn family_lines(id: &str, exposition: &str, family: &str) -> Markup {
    let lines = lines_of(exposition, family);
    html! {
        // Focusable, as it scrolls when the family is long.
        pre.exposition #(id) data-live tabindex="0" role="region" aria-label={ (family) " in /metrics" } {
            @if lines.is_empty() {
                "(" (family) " is not in /metrics yet)"
            }
            @for line in lines { (line) "\n" }
        }
    }
}

/// The exposition's lines that belong to `family`: its `# HELP`, `# TYPE` and samples.
pub fn lines_of<'a>(exposition: &'a str, family: &str) -> Vec<&'a str> {
    exposition
        .lines()
        .filter(|line| {
            let name = line
                .strip_prefix("# HELP ")
                .or_else(|| line.strip_prefix("# TYPE "))
                .unwrap_or(line);
            let name = name.split([' ', '{']).next().unwrap_or("");
            crate::exposition::names_family(name, family)
        })
        .collect()
}

/// The link to a family's live lines in `/metrics`.
pub fn metrics_link(family: &str) -> Markup {
    html! { a href={ "/metrics?name[]=" (family) } { "its lines in /metrics" } }
}
