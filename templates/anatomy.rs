//! `GET /tour/anatomy`: the exposition as Prometheus reads it (OpenMetrics, which it asks for first),
//! every line with a note on what it says, and how it differs from the older text format.

use maud::{html, Markup};

use super::{layout, section, Snapshot};

/// The families that are not the lessons', folded below the tour's own: a page of `http_*` and
/// `process_*` lines would bury the four lessons. Each is `(prefix, what it is)`.
pub const FOLDED: [(&str, &str); 2] = [
    (
        "http_",
        "every request the tour answered, by method, route and status",
    ),
    (
        "process_",
        "the process itself: CPU, memory, open files, start time",
    ),
];

/// The anatomy page: the current `/metrics`, annotated line by line, the tour's own families first.
pub fn page(snapshot: &Snapshot) -> Markup {
    let lines = annotate(&snapshot.openmetrics);
    let own: Vec<_> = lines
        .iter()
        .filter(|(line, _)| folded_under(line).is_none())
        .collect();
    layout(
        "Anatomy of /metrics",
        html! {
            p.lead { "This is what Prometheus reads every time it scrapes the app: "
                a href="/metrics" { "/metrics" } " in the OpenMetrics format, which Prometheus asks for first in its "
                code { "Accept" } " header, right now, with a note beside every line. Lines come in families: "
                "a " code { "# TYPE" } " line, a " code { "# HELP" } " line, then one line per sample, "
                code { "name{labels} value" } "; " code { "# EOF" } " ends it." }
            (section("OpenMetrics and the older text format", html! {
                p { "A plain " code { "curl http://…/metrics" } " sends no such header and gets the older Prometheus text "
                    "format. The numbers are the same; what differs matters when you write queries:" }
                dl.facts {
                    dt { code { "le=\"5.0\"" } " and " code { "quantile=\"0.9\"" } }
                    dd #anatomy-le { "OpenMetrics recommends one canonical spelling of each bound, as a float (parsers must accept others), and the tour follows it: with a decimal point or an exponent ("
                        code { "5.0" } ", " code { "1e-05" } "); the text format writes " code { "le=\"5\"" } ". Prometheus 3 stores every "
                        code { "le" } " and " code { "quantile" } " that canonical way, whatever format it scraped, so a query must say "
                        code { "le=\"5.0\"" } ": " code { "le=\"5\"" } " matches no stored series. Prometheus 2.42 did so only for "
                        "protobuf, and otherwise stored the label as it read it." }
                    dt { code { "# TYPE tour_clicks counter" } }
                    dd { "A counter's family is named without " code { "_total" } "; its sample keeps it, "
                        code { "tour_clicks_total" } ", the name you query. The text format names the family "
                        code { "tour_clicks_total" } " too." }
                    dt { code { "_created" } }
                    dd #anatomy-created { "Where a client sends it, a sample saying when a counter, histogram or summary began counting "
                        "(Unix seconds). A scraper that first sees a count of 500 can then tell 500 just now from 500 over days. "
                        "The tour sends it for its own families (per series where they have labels, as the staleness lesson's shifts do), not for http_*; the text format has no such line." }
                    dt { code { "# EOF" } }
                    dd { "The last line: a scraper can tell a whole answer from one cut short. The text format simply ends." }
                }
            }))
            (section("The parts of a line", html! {
                dl.facts {
                    dt { code { "# HELP name text" } } dd { "What the family measures, in words, as written where it was registered." }
                    dt { code { "# TYPE name type" } } dd #anatomy-type { "counter, gauge, histogram or summary, the four core types the client libraries offer: "
                        "how the samples below are to be read. The formats know a few more: unknown (untyped in the text format), and in OpenMetrics "
                        "gaugehistogram, info and stateset." }
                    dt { code { "name" } } dd #anatomy-name { "The sample's name: letters, digits, " code { "_" } " and " code { ":" }
                        ", which every version of Prometheus reads. Since 3.0 a metric or label name may hold any UTF-8 character; "
                        "such a name is quoted, in PromQL inside the braces: " code { "{\"my.metric\"}" } ". The tour's names keep to the old characters." }
                    dt { code { "{method=\"GET\",route=\"/\"}" } } dd { "Labels: each distinct set of label values is its own time series." }
                    dt { code { "_bucket{le=\"5.0\"}" } } dd { "A histogram's bucket: observations less than or equal to 5, cumulative." }
                    dt { code { "_sum" } ", " code { "_count" } } dd { "The total of all observations, and how many there were." }
                    dt { code { "{quantile=\"0.9\"}" } } dd { "A summary's quantile: 90% of observations in its window were at most this value." }
                }
            }))
            (section("The tour's own families, annotated", html! {
                (lines_list("anatomy-lines", own))
            }))
            (section("Folded: requests and the process", html! {
                @for (prefix, what) in FOLDED {
                    // Outside the live part, so a refresh leaves it open or closed as the learner left it.
                    details {
                        summary { code { (prefix) "*" } ": " (what) }
                        (lines_list(&format!("anatomy-{}lines", prefix.replace('_', "-")),
                            lines.iter().filter(|(line, _)| folded_under(line) == Some(prefix)).collect()))
                    }
                }
            }))
        },
    )
}

/// Annotated lines, live: each line of `/metrics`, then what it says. A description list, laid out
/// as two columns on a wide screen and one line above its note on a phone.
fn lines_list(id: &str, lines: Vec<&(&str, String)>) -> Markup {
    html! {
        dl.anatomy #(id) data-live {
            @for (line, note) in lines {
                dt { code { (line) } }
                dd { (note) }
            }
        }
    }
}

/// The folded prefix a line's family starts with, or `None` for the tour's own families.
pub fn folded_under(line: &str) -> Option<&'static str> {
    let name = line
        .strip_prefix("# HELP ")
        .or_else(|| line.strip_prefix("# TYPE "))
        .unwrap_or(line);
    FOLDED
        .iter()
        .map(|(prefix, _)| *prefix)
        .find(|prefix| name.starts_with(prefix))
}

/// Pairs every line of an exposition with a sentence explaining it.
pub fn annotate(exposition: &str) -> Vec<(&str, String)> {
    let mut kind = "";
    // Whether the family so far showed a bucket with a finite bound: a histogram with none is native.
    let mut finite_bucket = false;
    exposition
        .lines()
        .filter(|line| !line.is_empty())
        .map(|line| {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                kind = rest.split(' ').nth(1).unwrap_or("");
                finite_bucket = false;
            }
            let infinite = line.contains("le=\"+Inf\"");
            finite_bucket |= line.contains("le=\"") && !infinite;
            let note = if kind == "histogram" && infinite && !finite_bucket {
                only_infinite_bucket(line)
            } else {
                explain(line, kind)
            };
            (line, note)
        })
        .collect()
}

/// Explains the lone `+Inf` bucket of a histogram that has no other: a native histogram, as the text
/// formats show it.
fn only_infinite_bucket(line: &str) -> String {
    let count = line
        .split(" # ")
        .next()
        .unwrap_or(line)
        .rsplit(' ')
        .next()
        .unwrap_or("");
    format!(
        "Bucket +Inf, this histogram's only one: all {count} observations. It is a native histogram, whose \
         exponential buckets travel only in protobuf, the format Prometheus asks for when it scrapes native \
         histograms; the text formats show its _count, _sum, and the +Inf bucket every histogram must have."
    )
}

/// Explains one line, knowing the type its family declared.
pub fn explain(line: &str, kind: &str) -> String {
    if let Some(rest) = line.strip_prefix("# HELP ") {
        let name = rest.split(' ').next().unwrap_or("");
        return format!("HELP: what {name} measures, in words.");
    }
    if let Some(rest) = line.strip_prefix("# TYPE ") {
        let name = rest.split(' ').next().unwrap_or("");
        let meaning = match kind {
            "counter" if !name.ends_with("_total") => {
                return format!(
                    "TYPE: {name} is a counter: only goes up; read it with rate() or increase(). \
                     OpenMetrics names the family without _total; its sample, {name}_total, keeps it."
                )
            }
            "counter" => "only goes up; read it with rate() or increase()",
            "gauge" => "goes up and down; its value is the answer",
            "histogram" => "observations counted into buckets, with _sum and _count",
            "summary" => "quantiles computed in the app, with _sum and _count",
            _ => "no declared meaning",
        };
        return format!("TYPE: {name} is a {kind}: {meaning}.");
    }
    if line == "# EOF" {
        return "EOF: the end of the exposition, so a scraper knows the answer is whole (OpenMetrics only)."
            .to_owned();
    }
    if line.starts_with('#') {
        return "A comment: scrapers ignore it.".to_owned();
    }
    // An exemplar follows its sample after ` # `: the sample's own value comes before it.
    let (sample, exemplar) = match line.split_once(" # ") {
        Some((sample, exemplar)) => (sample, Some(exemplar)),
        None => (line, None),
    };
    let (series, value) = sample.rsplit_once(' ').unwrap_or((sample, ""));
    let (name, labels) = match series.split_once('{') {
        Some((name, labels)) => (name, labels.trim_end_matches('}')),
        None => (series, ""),
    };
    let label = |key: &str| {
        labels
            .split("\",")
            .filter_map(|pair| pair.split_once("=\""))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.trim_end_matches('"').to_owned())
    };
    let others: Vec<&str> = labels
        .split("\",")
        .filter_map(|pair| pair.split_once('=').map(|(k, _)| k))
        .filter(|k| !k.is_empty() && *k != "le" && *k != "quantile")
        .collect();
    let series_note = if others.is_empty() {
        String::new()
    } else {
        format!(" (for the series with these {} labels)", others.join(", "))
    };
    let what = if let Some(le) = label("le") {
        if le == "+Inf" {
            format!(
                "Bucket +Inf: all {value} observations, whatever their size; always equals _count"
            )
        } else {
            format!("Bucket: {value} observations were at most {le} (this bucket and every smaller one)")
        }
    } else if let Some(q) = label("quantile") {
        format!("Quantile {q}: in the window, a share {q} of observations were at most {value}")
    } else if name.ends_with("_created") {
        format!("_created: when this series began counting, {value} in Unix seconds, so a scraper can tell a large count from a long one (OpenMetrics only)")
    } else if name.ends_with("_sum") && matches!(kind, "histogram" | "summary") {
        format!("_sum: every observation added up, {value}; with _count it gives the mean")
    } else if name.ends_with("_count") && matches!(kind, "histogram" | "summary") {
        format!("_count: {value} observations so far; a counter, so rate() gives observations per second")
    } else if kind == "counter" {
        format!("A counter's total so far, {value}: graph rate({name}[1m]), not the value")
    } else if kind == "gauge" {
        format!("A gauge's value now: {value}")
    } else {
        format!("A sample: {value}")
    };
    match exemplar.and_then(|exemplar| explain_exemplar(exemplar, label("le").is_some())) {
        Some(exemplar) => format!("{what}{series_note}. {exemplar}"),
        None => format!("{what}{series_note}."),
    }
}

/// Explains an exemplar, `{trace_id="..."} value timestamp`: which request was counted here. On a
/// bucket, whose count is cumulative, it is the latest of that bucket's own observations only.
fn explain_exemplar(exemplar: &str, on_bucket: bool) -> Option<String> {
    let (labels, rest) = exemplar.strip_prefix('{')?.split_once("} ")?;
    let trace = labels.strip_prefix("trace_id=\"")?.strip_suffix('"')?;
    let (value, at) = rest.split_once(' ')?;
    let what = if on_bucket {
        "the latest observation of this bucket alone (above the bound before, up to this one)"
    } else {
        "the latest increment"
    };
    Some(format!(
        "After #, its exemplar: {what}, {value}, came from trace {trace} at {at} (Unix seconds)."
    ))
}
