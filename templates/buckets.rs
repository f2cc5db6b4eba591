//! `GET /tour/buckets` and `GET /buckets`: the bucket designer, the tour's kept observations
//! replayed into the edges a learner proposes, each quantile's estimate against the exact value,
//! and what the buckets cost in series.

use maud::{html, Markup};

use super::chart::{f1, Scale, AXIS_END, LEFT, WIDTH};
use super::{command, layout, rounded, scroll_box, section, windows_note};
use crate::lessons::buckets::{
    Answer, Bucket, Buckets, Design, Observed, MAX_EDGES, MAX_INSTANCES,
};

/// The designer's page.
pub fn page(design: &Design, origin: &str) -> Markup {
    let query = query(design, design.proposal.param, &design.proposal.text);
    layout(
        "Bucket designer",
        html! {
            p.lead { "A classic histogram's precision is set by where its bucket edges lie, chosen before any data arrives. "
                "Propose edges here: the tour replays the observations it keeps into them and shows what "
                code { "histogram_quantile" } " would answer, how far that is from the exact quantile, and what the buckets cost. "
                "Nothing you send is kept or recorded." }
            (section("Your buckets", proposals(design)))
            (section("What histogram_quantile would answer", html! {
                div #buckets-answers data-live { (answers(design)) }
                p { "Classic buckets: the rank " code { "φ × count" } " is found in a bucket and a straight line drawn across it, "
                    "from 0 in the lowest bucket; a rank past the last edge answers that edge, however far above it the values lie. "
                    "Native buckets: the line is drawn on a log scale inside the bucket, as Prometheus 3 does; 2.42 drew it straight. "
                    "Classic estimates are the same in Prometheus 3 and 2.42. The exact value is the observation at that rank." }
            }))
            (section("The observations against your buckets", html! { div #buckets-chart-box data-live { (chart(design)) } }))
            (section("What they cost", cost(design)))
            (section("Custom buckets in one series", nhcb(design)))
            (section("From a terminal", html! {
                (command(&format!("curl '{origin}/buckets?{query}'")))
                (windows_note())
                p.small { "One quantile a line, then the cost. Propose with " code { "edges=1,2,5,10" } ", "
                    code { "linear=start,width,count" } ", " code { "exponential=start,factor,count" } " or "
                    code { "schema=N" } "; add " code { "observations=responses" } " or " code { "instances=N" } "." }
            }))
            (section("Where to start", html! {
                p { "The " a href="/tour/histogram" { "histogram lesson" } " shows the seed's own buckets live; the "
                    a href="/tour/native-histogram" { "native histogram" } " the schema's; "
                    a href="/tour/versus" { "histogram versus summary" } " all three answers on the response times." }
            }))
        },
    )
}

/// The query string that asks for this design again with `param=text` as its proposal.
fn query(design: &Design, param: &str, text: &str) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair(param, text);
    if design.observed != Observed::Uploads {
        query.append_pair("observations", design.observed.param());
    }
    if design.instances != 1 {
        query.append_pair("instances", &design.instances.to_string());
    }
    // Commas are safe in a query and easier to read.
    query.finish().replace("%2C", ",")
}

/// The forms: one per way of proposing, each a GET that works with JavaScript off, and one for what
/// to replay; then a few proposals to try.
fn proposals(design: &Design) -> Markup {
    let current = |param: &str| {
        if design.proposal.param == param {
            design.proposal.text.clone()
        } else {
            String::new()
        }
    };
    let kept = |button: &str| {
        html! {
            input type="hidden" name="observations" value=(design.observed.param());
            input type="hidden" name="instances" value=(design.instances);
            button type="submit" { (button) }
        }
    };
    let tries = [
        (
            "the seed's 1 to 10",
            "edges",
            "1,2,3,4,5,6,7,8,9,10",
            Observed::Uploads,
        ),
        (
            "fewer, where it matters",
            "edges",
            "2,5,8,9,10",
            Observed::Uploads,
        ),
        (
            "half-second steps",
            "linear",
            "0.5,0.5,20",
            Observed::Uploads,
        ),
        (
            "the crate's default buckets",
            "edges",
            "0.005,0.01,0.025,0.05,0.1,0.25,0.5,1,2.5,5,10",
            Observed::Responses,
        ),
        (
            "doubling from 10 ms",
            "exponential",
            "0.01,2,10",
            Observed::Responses,
        ),
        ("native, schema 3", "schema", "3", Observed::Responses),
        ("native, schema 0", "schema", "0", Observed::Uploads),
    ];
    html! {
        div.designer {
            form.designer method="get" action="/tour/buckets" {
                label for="buckets-edges" { "Upper edges, increasing (up to " (MAX_EDGES) ")" }
                input #buckets-edges type="text" name="edges" value=(current("edges")) placeholder="1,2,5,10" inputmode="decimal" spellcheck="false";
                (kept("Try these edges"))
            }
            form.designer method="get" action="/tour/buckets" {
                label for="buckets-linear" { "Linear: start, width, count" }
                input #buckets-linear type="text" name="linear" value=(current("linear")) placeholder="1,1,10" inputmode="decimal" spellcheck="false";
                (kept("Try linear edges"))
            }
            form.designer method="get" action="/tour/buckets" {
                label for="buckets-exponential" { "Exponential: start, factor, count" }
                input #buckets-exponential type="text" name="exponential" value=(current("exponential")) placeholder="0.25,2,8" inputmode="decimal" spellcheck="false";
                (kept("Try exponential edges"))
            }
            form.designer method="get" action="/tour/buckets" {
                label for="buckets-schema" { "Native schema, -4 to 8" }
                input #buckets-schema type="number" name="schema" min="-4" max="8" step="1" value=(current("schema")) placeholder="3";
                (kept("Try the schema"))
            }
            form.designer method="get" action="/tour/buckets" {
                fieldset {
                    legend { "Replay" }
                    label { input type="radio" name="observations" value="uploads" checked[design.observed == Observed::Uploads]; " the uploads" }
                    label { input type="radio" name="observations" value="responses" checked[design.observed == Observed::Responses]; " the response times" }
                }
                label for="buckets-instances" { "Instances in the fleet (1 to " (MAX_INSTANCES) ")" }
                input #buckets-instances type="number" name="instances" min="1" max=(MAX_INSTANCES) step="1" value=(design.instances);
                input type="hidden" name=(design.proposal.param) value=(design.proposal.text);
                button type="submit" { "Replay" }
            }
        }
        p { "Now: " strong #buckets-proposal { (describe(&design.proposal.buckets)) } ", on the "
            (kept_words(design)) "." }
        p.small { "Or try: "
            @for (i, (name, param, text, observed)) in tries.iter().enumerate() {
                @if i > 0 { " · " }
                @let href = {
                    let mut query = form_urlencoded::Serializer::new(String::new());
                    query.append_pair(param, text).append_pair("observations", observed.param());
                    query.finish().replace("%2C", ",")
                };
                a href={ "/tour/buckets?" (href) } { (name) }
            }
        }
    }
}

/// The proposal in words: `10 edges: 1, 2, … 10` or `native schema 3`.
fn describe(buckets: &Buckets) -> String {
    match buckets {
        Buckets::Classic(edges) => {
            let listed: Vec<String> = edges.iter().map(|&edge| rounded(edge)).collect();
            let plural = if edges.len() == 1 { "" } else { "s" };
            format!("{} edge{plural}: {}", edges.len(), listed.join(", "))
        }
        Buckets::Native { schema } => format!(
            "native schema {schema}, each bucket {} times as wide as the one below",
            rounded(crate::native_histogram::index::upper_edge(1, *schema))
        ),
    }
}

/// `1000 uploads kept (the last 1000)`, for a sentence.
fn kept_words(design: &Design) -> String {
    let what = match design.observed {
        Observed::Uploads => "uploads' durations",
        Observed::Responses => "response times",
    };
    format!(
        "{} {what} the tour keeps (the most recent, at most {})",
        design.values.len(),
        design.capacity
    )
}

/// An estimate's error in percent, signed, one decimal: `+4.2%`.
fn error(answer: &Answer) -> String {
    answer
        .error_percent()
        .map_or("—".to_owned(), |error| format!("{error:+.1}%"))
}

fn answers(design: &Design) -> Markup {
    html! {
        @if design.answers.is_empty() {
            p.empty { (nothing_kept(design.observed)) }
        } @else {
            (scroll_box("Estimates against the exact values", html! {
                table #buckets-table {
                    caption { "histogram_quantile's estimate from " (design.values.len()) " observations in " (describe(&design.proposal.buckets)) }
                    thead { tr {
                        th scope="col" { "quantile" }
                        th scope="col" { "estimate" }
                        th scope="col" { "exact" }
                        th scope="col" { "error" }
                    } }
                    tbody {
                        @for answer in &design.answers {
                            tr {
                                th scope="row" { (answer.q) }
                                td { (rounded(answer.estimate)) }
                                td { (rounded(answer.exact)) }
                                td { (error(answer)) }
                            }
                        }
                    }
                }
            }))
        }
    }
}

/// What to do when nothing is kept yet.
fn nothing_kept(observed: Observed) -> &'static str {
    match observed {
        Observed::Uploads => "No uploads kept yet: upload a file on the histogram page (or curl -X POST /file-upload), then replay.",
        Observed::Responses => "No response times kept yet: observe some on the summary page (or curl -X POST /summary), then replay.",
    }
}

fn cost(design: &Design) -> Markup {
    let per_instance = design.series_per_instance();
    html! {
        p.value { span.metric-name { "series per instance" } " " output #buckets-series { (per_instance) } }
        p.value { span.metric-name { "across " (design.instances) " instance" @if design.instances != 1 { "s" } } " "
            output #buckets-fleet { (design.series_in_fleet()) } }
        @match &design.proposal.buckets {
            Buckets::Classic(edges) => {
                p { "Each edge is a " code { "_bucket" } " series: " (edges.len()) " edges, the " code { "+Inf" } " bucket, "
                    code { "_sum" } " and " code { "_count" } ", and " code { "_created" } ", which Prometheus 3 and 2.42 store as a "
                    "series of its own when they scrape OpenMetrics, as they do here. Every label combination (a route, a status) "
                    "multiplies them again: one more edge costs one series per combination per instance." }
            }
            Buckets::Native { .. } => {
                p { "A native histogram is one series, whatever its buckets: here " (design.buckets.len())
                    " are populated, and each sample carries them all, so a finer schema costs bytes per sample, not series. "
                    "That is on a Prometheus that scrapes native histograms, over protobuf, which has no " code { "_created" } " line." }
            }
        }
    }
}

fn nhcb(design: &Design) -> Markup {
    html! {
        p { "Prometheus 3 can keep a classic histogram's edges and still store it as one series: a native histogram with "
            "custom buckets. Each scrape's " code { "_bucket" } ", " code { "_sum" } " and " code { "_count" }
            " lines become one sample"
            @if matches!(design.proposal.buckets, Buckets::Classic(_)) {
                ", so these edges would cost " strong #buckets-nhcb { (Design::SERIES_AS_NHCB * design.instances) }
                " series across " (design.instances) " instance" @if design.instances != 1 { "s" }
            }
            ". It arrived in Prometheus 3.0 as a scrape config option (3.4 added it to "
            code { "global" } "), and in 3.5 it needs native histograms switched on ("
            code { "--enable-feature=native-histograms" } "); 2.42 has no such option." }
        pre.command { code { "scrape_configs:\n  - job_name: tour\n    convert_classic_histograms_to_nhcb: true\n    static_configs:\n      - targets: ['localhost:5000']" } }
        p { code { "histogram_quantile" } " then interpolates linearly inside the custom buckets, as it does for classic ones." }
    }
}

/// The plain-text answer: one quantile a line, `0.9 estimate 9.29 exact 9.3 error -0.1%`, then
/// the cost.
pub fn text(design: &Design) -> String {
    let mut lines: Vec<String> = design
        .answers
        .iter()
        .map(|answer| {
            format!(
                "{} estimate {} exact {} error {}",
                answer.q,
                rounded(answer.estimate),
                rounded(answer.exact),
                error(answer)
            )
        })
        .collect();
    if design.answers.is_empty() {
        lines.push(nothing_kept(design.observed).to_owned());
    }
    let parts = match &design.proposal.buckets {
        Buckets::Classic(edges) => format!("{} buckets, +Inf, _sum, _count, _created", edges.len()),
        Buckets::Native { .. } => format!(
            "one native histogram, {} populated buckets in each sample",
            design.buckets.len()
        ),
    };
    lines.push(format!(
        "cost {} series per instance ({parts}), {} across {} instance{}",
        design.series_per_instance(),
        design.series_in_fleet(),
        design.instances,
        if design.instances == 1 { "" } else { "s" }
    ));
    if let Buckets::Classic(_) = design.proposal.buckets {
        lines.push(format!(
            "with convert_classic_histograms_to_nhcb {} series per instance, {} across {} instance{}",
            Design::SERIES_AS_NHCB,
            Design::SERIES_AS_NHCB * design.instances,
            design.instances,
            if design.instances == 1 { "" } else { "s" }
        ));
    }
    lines.push(format!(
        "from {}; {}",
        kept_words(design),
        describe(&design.proposal.buckets)
    ));
    lines.join("\n")
}

/// The chart's rows of quantile markers, then the bars, the axis, the observations' strip and the
/// labels, in the units of its `viewBox` (its width and margins are every chart's, from `chart`).
const ROW: f64 = 42.0;
const BARS_TOP: f64 = 160.0;
const AXIS: f64 = 330.0;
const STRIP: f64 = 360.0;
const LABELS: f64 = 402.0;
const HEIGHT: f64 = 420.0;

/// A scale covering the observations and the edges next to them (an edge far from every
/// observation would squeeze them into a corner): logarithmic for exponential edges and native
/// schemas, and for a list of positive edges spanning more than a factor of 100.
fn scale_of(design: &Design) -> Scale {
    let values = &design.values;
    let bounds: Vec<f64> = design
        .buckets
        .iter()
        .flat_map(|b| [b.lower, b.upper])
        .filter(|b| b.is_finite())
        .collect();
    let (first, last) = (values.first().copied(), values.last().copied());
    let near: Vec<f64> = match (first, last) {
        (Some(first), Some(last)) => {
            let below = bounds
                .iter()
                .copied()
                .filter(|&b| b <= first)
                .fold(f64::NEG_INFINITY, f64::max);
            let above = bounds
                .iter()
                .copied()
                .filter(|&b| b >= last)
                .fold(f64::INFINITY, f64::min);
            bounds
                .iter()
                .copied()
                .filter(|&b| b >= below && b <= above)
                .chain([first, last])
                .collect()
        }
        _ => bounds,
    };
    let low = near.iter().copied().fold(f64::INFINITY, f64::min);
    let high = near.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !low.is_finite() || !high.is_finite() {
        return Scale {
            low: 0.0,
            high: 1.0,
            log: false,
        };
    }
    let log = low > 0.0
        && match design.proposal.param {
            "exponential" | "schema" => true,
            "edges" => high / low > 100.0,
            _ => false,
        };
    let (low, high) = if log {
        (low / 1.1, high * 1.1)
    } else {
        let low = if low > 0.0 && low < high - low {
            0.0
        } else {
            low
        };
        let pad = ((high - low) * 0.04).max(f64::MIN_POSITIVE);
        (low - if low == 0.0 { 0.0 } else { pad }, high + pad)
    };
    Scale { low, high, log }
}

/// The observations against the buckets: a bar per bucket as tall as its count, the edges as
/// dashed lines, every observation as a tick in the strip under the axis, and for each quantile
/// the exact value (a dot) and the estimate (a ring) joined by the error between them.
fn chart(design: &Design) -> Markup {
    let scale = scale_of(design);
    let label = format!(
        "The {} observations (ticks under the axis) counted into the buckets (bars){}; above, each quantile's exact value (dot) and histogram_quantile's estimate (ring)",
        design.values.len(),
        if scale.log { ", on a logarithmic scale" } else { "" }
    );
    let most = design
        .buckets
        .iter()
        .map(|b| b.count)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let drawn: Vec<(f64, f64, &Bucket)> = design
        .buckets
        .iter()
        .map(|b| {
            let lower = if b.lower.is_finite() {
                scale.x(b.lower)
            } else {
                LEFT
            };
            let upper = if b.upper.is_finite() {
                scale.x(b.upper)
            } else {
                AXIS_END
            };
            (lower, upper, b)
        })
        .filter(|(lower, upper, _)| upper > lower)
        .collect();
    let edges: Vec<f64> = match &design.proposal.buckets {
        Buckets::Classic(edges) => edges.clone(),
        Buckets::Native { .. } => design
            .buckets
            .iter()
            .flat_map(|b| [b.lower, b.upper])
            .filter(|b| *b > 0.0)
            .collect(),
    };
    let shown_edges: Vec<f64> = edges
        .iter()
        .copied()
        .filter(|&e| e >= scale.low && e <= scale.high)
        .collect();
    let labelled = scale.labelled(&shown_edges);
    let mut ticks: Vec<f64> = design
        .values
        .iter()
        .map(|&v| (scale.x(v) * 2.0).round() / 2.0)
        .collect();
    ticks.dedup();
    let counts = drawn.len() <= 12;
    html! {
        figure.chart.buckets-chart #buckets-chart {
            svg viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img" aria-label=(label) {
                title { (label) }
                @for (row, answer) in design.answers.iter().enumerate() {
                    @let y = ROW * (row as f64 + 1.0);
                    @let (exact, estimate) = (scale.x(answer.exact), scale.x(answer.estimate));
                    text.tick x=(LEFT - 12.0) y=(y + 8.0) text-anchor="end" { "p" (rounded(answer.q * 100.0)) }
                    line.gap x1=(f1(exact)) y1=(y) x2=(f1(estimate)) y2=(y) {}
                    circle.exact cx=(f1(exact)) cy=(y) r="9" {}
                    circle.estimate cx=(f1(estimate)) cy=(y) r="11" {}
                }
                @for (lower, upper, bucket) in &drawn {
                    @let height = (AXIS - BARS_TOP - 28.0) * bucket.count as f64 / most;
                    @let class = if bucket.upper == f64::INFINITY { "bar overflow" } else { "bar" };
                    rect class=(class) x=(f1(lower + 1.0)) y=(f1(AXIS - height)) width=(f1((upper - lower - 2.0).max(1.0))) height=(f1(height)) {}
                    @if counts && bucket.count > 0 && upper - lower >= 28.0 {
                        text.count x=(f1((lower + upper) / 2.0)) y=(f1(AXIS - height - 6.0)) text-anchor="middle" { (bucket.count) }
                    }
                }
                @for edge in &shown_edges {
                    line.edge x1=(f1(scale.x(*edge))) y1=(BARS_TOP - 14.0) x2=(f1(scale.x(*edge))) y2=(AXIS) {}
                }
                line.axis x1=(LEFT) y1=(AXIS) x2=(AXIS_END) y2=(AXIS) {}
                @for x in &ticks {
                    line.rug x1=(f1(*x)) y1=(AXIS + 8.0) x2=(f1(*x)) y2=(STRIP) {}
                }
                @for edge in &labelled {
                    text.tick x=(f1(scale.x(*edge))) y=(LABELS) text-anchor="middle" { (rounded(*edge)) }
                }
                @if design.values.is_empty() {
                    text.tick x=((LEFT + AXIS_END) / 2.0) y=((BARS_TOP + AXIS) / 2.0) text-anchor="middle" { "no observations kept yet" }
                }
            }
            ul.legend {
                li { svg viewBox="0 0 40 20" aria-hidden="true" { circle.exact cx="20" cy="10" r="7" {} } "exact" }
                li { svg viewBox="0 0 40 20" aria-hidden="true" { circle.estimate cx="20" cy="10" r="7" {} } "histogram_quantile" }
                li { svg viewBox="0 0 40 20" aria-hidden="true" { line.edge x1="20" y1="0" x2="20" y2="20" {} } "an edge" }
                @if matches!(design.proposal.buckets, Buckets::Classic(_)) {
                    li { svg viewBox="0 0 40 20" aria-hidden="true" { rect.bar.overflow x="8" y="2" width="24" height="16" {} } "+Inf" }
                }
            }
            figcaption { (label) }
        }
    }
}
