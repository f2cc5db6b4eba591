//! `GET /tour/native-histogram`: the schema, the populated buckets drawn on a logarithmic axis, how
//! an observation finds its bucket, the zero bucket, and the spans and deltas of
//! `tour_response_native_seconds`, decoded from the tour's own protobuf.

use maud::{html, Markup};

use super::chart::{self, Scale};
use super::{
    action_form, command, layout, promql, rounded, scroll_box, section, windows_note, Snapshot,
};
use crate::exposition::protobuf::WireNative;
use crate::native_histogram::index::{upper_edge, BucketIndex};
use crate::native_histogram::spans;

/// The value the "how an observation finds its bucket" section follows.
const EXAMPLE_SECONDS: f64 = 0.1;

/// The native histogram lesson.
pub fn page(snapshot: &Snapshot) -> Markup {
    let origin = &snapshot.origin;
    layout(
        "Native histogram",
        html! {
            p.lead { "Every response time observed by " code { "POST /summary" } " also goes into "
                code { "tour_response_native_seconds" } ", a native histogram: its buckets follow one rule "
                "instead of a list someone chose, only the buckets that received an observation are sent, "
                "and the whole histogram travels as one sample." }
            div.buttons {
                (action_form("/summary", "Observe a random response time", None))
                (action_form("/summary", "Observe", Some(("value", "Response time to observe (s)", "0.1"))))
            }
            (command(&format!("for i in $(seq 50); do curl -s -X POST {origin}/summary; done")))
            (windows_note())
            @match &snapshot.native {
                Some(native) => {
                    (section("The schema: where the bucket edges lie", schema(native)))
                    (section("The buckets so far", populated(native)))
                    (section("How an observation finds its bucket", finding(native.schema)))
                    (section("The zero bucket", zero_bucket(native)))
                    (section("Spans and deltas: the sparse buckets on the wire", wire(native)))
                }
                None => p.empty { "The native histogram " code { "tour_response_native_seconds" } " is not in /metrics." },
            }
            p { "The " a href="/tour/buckets?schema=3&observations=responses" { "bucket designer" } " replays the response times into any schema, or into classic edges you propose, and compares the estimates and the series each costs." }
            (section("Asking Prometheus", queries()))
            (section("Why nobody has to choose buckets", why(snapshot.native.as_ref().map(|native| native.schema))))
        },
    )
}

fn schema(native: &WireNative) -> Markup {
    let schema = native.schema;
    let factor = upper_edge(1, schema);
    let per_octave = if schema >= 0 { 1u32 << schema } else { 1 };
    html! {
        p { "Schema " strong #native-schema { (schema) } ": each bucket is " strong { (percent_wider(schema)) "%" }
            " wider than the one below, and " (per_octave) " buckets share each power of two"
            @if schema > 0 { ": the first above 1 s ends at " (format!("{factor:.4}")) " s, the next at "
                (format!("{:.4}", upper_edge(2, schema))) " s" }
            ". In symbols, bucket " var { "i" } " ends at " code { "2^(i·2^-" (schema) ")" } ". Bucket "
            var { "i" } " holds the values above its lower edge and up to its upper edge, as a classic bucket's "
            code { "le" } " does." }
        @if schema > 0 {
            (scroll_box("The edges between 1 and 2", html! {
                table {
                    caption { "The edges between 1 and 2 at schema " (schema) }
                    thead { tr { th scope="col" { "bucket i" } th scope="col" { "covers" } } }
                    tbody {
                        @for i in 1..=(1i32 << schema) {
                            tr { td { (i) } td { "(" (format!("{:.4}", upper_edge(i - 1, schema))) ", " (format!("{:.4}", upper_edge(i, schema))) "]" } }
                        }
                    }
                }
            }))
        }
        p #native-lowering { "The tour counts at schema 3 and sends at most 100 buckets: when more are populated, it "
            "lowers the schema by one, merging each pair of neighbouring buckets into one bucket twice as wide, until they fit. "
            "Counts only grow, so a lowered schema stays lowered until the tour restarts"
            @if schema < 3 { ": here it already is, at schema " (schema) } "." }
    }
}

/// How much wider each bucket is than the one below at `schema`, in percent, rounded: the most by
/// which a native `histogram_quantile` can miss. Bucket 0 ends at 1, so bucket 1's edge is the factor.
pub fn percent_wider(schema: i32) -> String {
    format!("{:.0}", (upper_edge(1, schema) - 1.0) * 100.0)
}

fn finding(schema: i32) -> Markup {
    let index = BucketIndex::new(schema).index(EXAMPLE_SECONDS);
    html! {
        p { "A response of " (EXAMPLE_SECONDS) " s lands in bucket " strong #native-example-index { (index) } ", which covers "
            "(" (format!("{:.5}", upper_edge(index - 1, schema))) ", " (format!("{:.5}", upper_edge(index, schema))) "]. "
            "In symbols, a value " var { "v" } " lands in bucket " code { "ceil(log2(v) · 2^" (schema) ")" } ". "
            "The tour takes no logarithm: the float's exponent gives the power of two, and its mantissa, "
            "compared with the edges inside one power of two, the bucket within it." }
    }
}

fn zero_bucket(native: &WireNative) -> Markup {
    html! {
        p { "Values whose magnitude is at most the zero threshold, " code { (format!("{:.3e}", native.zero_threshold)) }
            " here, are counted together in the zero bucket rather than in ever smaller buckets: "
            strong #native-zero-count { (native.zero_count) } " so far. Negative values get buckets of their own, "
            "mirrored; response times never need them." }
    }
}

fn wire(native: &WireNative) -> Markup {
    html! {
        p { "Decoded from the tour's own protobuf exposition, as Prometheus receives it: "
            (native.count) " observations, sum " (rounded(native.sum)) "." }
        (scroll_box("positive_span", html! {
            table #native-spans {
                caption { "positive_span: skip " var { "offset" } " buckets, then " var { "length" } " buckets follow" }
                thead { tr { th scope="col" { "offset" } th scope="col" { "length" } } }
                tbody { @for span in &native.positive_spans { tr { td { (span.offset) } td { (span.length) } } } }
            }
        }))
        p { "positive_delta, each count minus the one before: " code #native-deltas {
            (native.positive_deltas.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")) }
            ". Counted up, they are the buckets drawn above." }
        p { "The first span's offset is the index of its first bucket; every later offset is the gap since the "
            "previous span ended. Deltas rather than counts, because neighbouring buckets hold similar counts and "
            "small numbers take fewer bytes." }
    }
}

/// The populated buckets drawn on a logarithmic axis, where each is as wide as the next: the
/// schema's edges marked, the powers of two labelled, and the same buckets as a table folded below.
fn populated(native: &WireNative) -> Markup {
    let schema = native.schema;
    let buckets =
        spans::decode(&native.positive_spans, &native.positive_deltas).unwrap_or_default();
    let drawn: Vec<(f64, f64, u64)> = buckets
        .iter()
        .filter(|(_, count)| *count > 0)
        .map(|&(index, count)| {
            (
                upper_edge(index - 1, schema),
                upper_edge(index, schema),
                count,
            )
        })
        .collect();
    let (Some(first), Some(last)) = (drawn.first(), drawn.last()) else {
        return html! { p.empty { "No response time has landed in a bucket yet: press a button above." } };
    };
    // From the power of two below the lowest bucket to the one above the highest.
    let (low, high) = (first.0.log2().floor() as i32, last.1.log2().ceil() as i32);
    let scale = Scale {
        low: 2f64.powi(low),
        high: 2f64.powi(high),
        log: true,
    };
    let powers: Vec<f64> = (low..=high).map(|k| 2f64.powi(k)).collect();
    let index = BucketIndex::new(schema);
    let mut edges: Vec<f64> = (index.index(scale.low)..=index.index(scale.high))
        .map(|i| upper_edge(i, schema))
        .collect();
    // Too many to tell apart: the powers of two alone, which are edges at every schema from 0 up.
    if edges.len() > 200 {
        edges.clone_from(&powers);
    }
    let zero = if native.zero_count > 0 {
        format!(
            ", and {} in the zero bucket, which a logarithmic axis cannot show",
            native.zero_count
        )
    } else {
        String::new()
    };
    let label = format!(
        "The {} populated buckets of tour_response_native_seconds at schema {schema}, each bar as tall as its count{zero}; on a logarithmic axis every bucket is as wide as the next, the short marks are the schema's bucket edges and the long ones the powers of two",
        drawn.len()
    );
    html! {
        (chart::ranges("native-chart", &label, &scale, &drawn, &edges, &powers, "seconds, on a logarithmic scale"))
        details {
            summary { "The same buckets as a table" }
            (scroll_box("The buckets the spans and deltas describe", html! {
                table #native-buckets {
                    caption { "The buckets the spans and deltas describe" }
                    thead { tr { th scope="col" { "bucket i" } th scope="col" { "covers (s)" } th scope="col" { "count" } } }
                    tbody {
                        @for (index, count) in &buckets {
                            tr {
                                td { (index) }
                                td { "(" (format!("{:.5}", upper_edge(index - 1, schema))) ", " (format!("{:.5}", upper_edge(*index, schema))) "]" }
                                td { (count) }
                            }
                        }
                    }
                }
            }))
        }
    }
}

fn queries() -> Markup {
    html! {
        p { "Prometheus must be told to scrape native histograms: from 3.8 on, with " code { "scrape_native_histograms: true" }
            " in the scrape config; before that (3.0 to 3.7, and 2.42), by starting it with "
            code { "--enable-feature=native-histograms" } ", which 3.9 and later ignore. docs/classroom.md gives the configuration for each version. "
            "It then asks for protobuf, the only format carrying the buckets: one series, no " code { "le" } " label, no "
            code { "sum by (le)" } "." }
        (promql("histogram_quantile(0.9, rate(tour_response_native_seconds[5m]))", "The 90th percentile of the last five minutes."))
        (promql("histogram_fraction(0, 0.25, rate(tour_response_native_seconds[5m]))", "The share of responses that took at most 250 ms."))
        (promql("histogram_count(rate(tour_response_native_seconds[5m]))", "Responses per second."))
        (promql("histogram_sum(rate(tour_response_native_seconds[5m]))", "Seconds of response time per second; divided by the count, the mean."))
        p #native-interpolation { "Inside the bucket the rank falls in, Prometheus 3 interpolates exponentially: a rank halfway "
            "through a bucket answers the edge where that bucket would split one schema finer. For the bucket (1, 2] of schema 0 "
            "it answers 1.414, where Prometheus 2.42, drawing a straight line as for a classic bucket, answered 1.5. Either answer "
            "stays inside the bucket." }
    }
}

fn why(schema: Option<i32>) -> Markup {
    html! {
        p #native-why { "A classic histogram is as precise as the edges someone picked: the seed's one-second buckets "
            "cannot tell 1.1 s from 1.9 s, and a quantile that falls above the last edge is reported as that edge. "
            "Here every bucket is the same factor wider than the one below, from microseconds to days, so "
            "a quantile's estimate lies in the bucket holding the true quantile, wherever the values fall: off by less than "
            "one bucket's width, "
            @match schema {
                Some(schema) => { "about " (percent_wider(schema)) "% at schema " (schema) ", the schema sent now" }
                None => { "about 9% at schema 3" }
            }
            " (each lowering of the schema makes it larger: 9% at schema 3, 19% at 2, 41% at 1). "
            "Unlike a summary, native histograms from many instances add up, and any quantile can be asked "
            "later over any range." }
    }
}
