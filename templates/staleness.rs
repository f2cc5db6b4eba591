//! `GET /tour/staleness`: a series that stops, a target that dies, where the five-minute lookback
//! still applies, and the first increment `increase()` cannot see.
//!
//! Every sentence about Prometheus here is held by `tests/staleness_prometheus.rs` against
//! Prometheus 3.5 and 2.42 (or names the one version it is for).

use maud::{html, Markup};

use super::{
    action_form, command, family_lines, layout, promql, rounded, scroll_box, section, windows_note,
    Snapshot,
};
use crate::{
    lessons::staleness::{Asked, Lesson, QUERIES},
    promql::{client::Sample, compare::labels},
    state::SHIFTS,
};

/// The staleness lesson, on the tour's shifts and, with `--prometheus`, what it answers now.
pub fn page(snapshot: &Snapshot, lesson: &Lesson) -> Markup {
    layout(
        "Staleness: when a series stops",
        html! {
            p.lead { "A series can stop: a shift ends, a disk is unmounted, a process dies. Prometheus does not "
                "wait five minutes to notice. At the first scrape that no longer finds a series it writes a "
                strong { "staleness marker" } " (a NaN with a bit pattern of its own), and from then on an instant "
                "query no longer returns the series. This page lets you stop one and watch." }
            (section("The shifts, now", shifts(snapshot, lesson)))
            (section("What Prometheus answers now", answers(lesson)))
            (section("What marks a series stale", html! {
                ul {
                    li { strong { "A scrape without it." } " The target answered, but the series was not in the answer: "
                        "Prometheus marks it stale at that scrape. With the tour scraped every second, "
                        code { "tour_shift_workers{shift=\"early\"}" } " vanished from an instant query about a second after "
                        code { "POST /shift/end" } " in the tests, on Prometheus 3.5 and 2.42 alike: not five minutes." }
                    li { strong { "A failed scrape of its target." } " Prometheus treats it as an empty answer: every series "
                        "the target had is marked stale at once, and " code { "up" } " for the target is 0. Stop one "
                        "instance of the classroom's fleet (docs/classroom.md) and its series vanish at the next scrape: "
                        "about a second after a tour stopped, in the tests, on both versions." }
                }
                p { "Range functions skip the markers: " code { "last_over_time(tour_shift_workers[5m])" }
                    " still returns the ended shift's last value for five minutes after it stopped, on both versions, "
                    "though " code { "tour_shift_workers" } " no longer does." }
            }))
            (section("Where the five minutes still apply", html! {
                p { "An instant query looks back up to five minutes (the " strong { "lookback" } ", "
                    code { "--query.lookback-delta" } ") for a series' latest sample. Without a marker, a series that "
                    "stopped is returned for up to five minutes after its last sample." }
                p { "Samples exposed with their own timestamp (" code { "my_series 7 1767225600000" } ") get no marker: "
                    "Prometheus does not track them for staleness, so when they stop, an instant query goes on returning "
                    "the last one until it is five minutes old. Prometheus 3.5 and 2.42 both do this by default; since 2.48 "
                    "a scrape config can mark them too with " code { "track_timestamps_staleness: true" } ", an option 2.42 lacks." }
            }))
            (section("Watch a target with up", html! {
                p { "Every scrape writes " code { "up" } " for its target: 1 when the scrape succeeded, 0 when it failed. "
                    "An alert on a series' absence cannot tell a stopped shift from a dead target; " code { "up" } " is there "
                    "for every target Prometheus is told to scrape, and says which." }
                (promql("up{job=\"tour\"}", "1 for each instance of the tour whose last scrape succeeded, 0 for one whose scrape failed: alert on up == 0."))
                p { code { "absent(tour_shift_workers)" } " answers only when no series of the name is left anywhere: "
                    "it suits one series that should always exist, not a target among many." }
            }))
            (section("The first increment", first_increment(snapshot)))
        },
    )
}

/// The roster: who is on duty, the last shift to end and when, the button, and the lines in /metrics.
fn shifts(snapshot: &Snapshot, lesson: &Lesson) -> Markup {
    let origin = &snapshot.origin;
    let roster = &lesson.roster;
    let on_duty = SHIFTS[roster.on_duty];
    html! {
        p { "The tour has two shifts, " code { "early" } " and " code { "late" } ", taking turns. "
            code { "tour_shift_workers{shift=\"...\"}" } " shows the workers of the shift on duty, and only that one: "
            "when a shift ends its series is removed, and " code { "/metrics" } " stops showing it. "
            "Under " code { "--traffic" } " a shift ends every two minutes; here you can end it yourself." }
        div #shift-roster data-live {
            dl.roster {
                dt { "On duty" }
                dd #shift-on-duty { code { (on_duty.name) } ", " (rounded(on_duty.workers)) " workers, since " (clock(roster.since, lesson.now)) }
                dt { "Last to end" }
                dd #shift-last-ended {
                    @if let Some(ended) = &roster.last_ended {
                        code { (ended.shift.name) } ": its last value was " strong { (rounded(ended.workers)) } "; it stopped being exposed at "
                        strong { (clock(ended.ended, lesson.now)) }
                    } @else {
                        "no shift has ended yet"
                    }
                }
            }
        }
        (action_form("/shift/end", "End the shift on duty", None))
        p.small { "The same from a terminal:" }
        (command(&format!("curl -X POST {origin}/shift/end")))
        (windows_note())
        (family_lines("shift-lines", &snapshot.exposition, "tour_shift_workers"))
    }
}

/// `--prometheus`' answers to the lesson's queries, or how to see them.
fn answers(lesson: &Lesson) -> Markup {
    html! {
        @match &lesson.prometheus {
            None => {
                p { "Start the tour with " code { "--prometheus http://localhost:9090" } " (a Prometheus that scrapes it) "
                    "and this section shows what Prometheus answers to these queries now. Until then, ask it yourself:" }
                @for (query, meaning) in QUERIES { (promql(query, meaning)) }
            }
            Some(asked) => { (asked_answers(asked)) }
        }
    }
}

fn asked_answers(asked: &Asked) -> Markup {
    html! {
        p { "Asked of " code { (asked.base) } " when this page was built:" }
        div #prometheus-answers data-live {
            @for ((query, meaning), answer) in QUERIES.iter().zip(&asked.answers) {
                (super::promql_answered_below(query, meaning))
                @match answer {
                    Ok(samples) if samples.is_empty() => { p { "No series." } }
                    Ok(samples) => { (scroll_box(query, sample_table(query, samples))) }
                    Err(why) => { p { (why) } }
                }
            }
        }
    }
}

fn sample_table(query: &str, samples: &[Sample]) -> Markup {
    html! {
        table {
            caption { (query) }
            thead { tr { th scope="col" { "series" } th scope="col" { "value" } } }
            tbody {
                @for sample in samples {
                    tr { td { code { (labels(&sample.labels)) } } td { (rounded(sample.value)) } }
                }
            }
        }
    }
}

/// The lost first increment, and what created timestamps change.
fn first_increment(snapshot: &Snapshot) -> Markup {
    html! {
        p #first-increment { "A labelled counter often has no series for a label value until the first time it counts: "
            "the first request of a new kind, the first start of a shift. " code { "tour_shift_starts_total{shift=\"late\"}" }
            " is born at 1 when the late shift first starts. " code { "increase()" } " and " code { "rate()" }
            " need two samples and only see what changed between them: the series' first sample is already 1, so "
            "the step from nothing to 1 is lost. Tested against Prometheus 3.5 and 2.42: a few scrapes after the late shift's "
            "first start, " code { "increase(tour_shift_starts_total{shift=\"late\"}[1m])" } " is 0." }
        p { "A counter that exposes when it was created fixes this. OpenMetrics writes it as a "
            code { "_created" } " sample beside the counter (below), and the protobuf format has a created-timestamp field. "
            "Prometheus 3's experimental " code { "--enable-feature=created-timestamp-zero-ingestion" }
            " reads either and stores a 0 at the created time before the first sample, so "
            code { "increase()" } " sees the step from 0 to 1: about 1 in the same test on Prometheus 3.5. "
            "The flag also makes Prometheus ask for protobuf first; the tour's protobuf carries no created timestamp, "
            "so scrape it as OpenMetrics (" code { "scrape_protocols: [OpenMetricsText1.0.0]" } ") or the increase is 0 again. "
            "Prometheus 2.42 has no such flag." }
        (family_lines("shift-starts-lines", &snapshot.openmetrics, "tour_shift_starts_total"))
        p.small { "Those are OpenMetrics lines (" code { "curl -H 'Accept: application/openmetrics-text'" } "): the text format has no " code { "_created" } "." }
        p { "Without the flag, the usual cure is to create the series at 0 when the process starts, for every label "
            "value known in advance, so the first increment is a change between two samples." }
    }
}

/// A Unix time as `HH:MM:SS UTC (N s ago)`, for people.
fn clock(at: f64, now: f64) -> String {
    let seconds = at.max(0.0) as u64;
    let (h, m, s) = (seconds / 3600 % 24, seconds / 60 % 60, seconds % 60);
    let ago = (now - at).max(0.0).round();
    format!("{h:02}:{m:02}:{s:02} UTC ({ago} s ago)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_reads_as_a_utc_clock_and_an_age() {
        // 2026-01-01T12:34:56Z
        assert_eq!(
            clock(1_767_270_896.0, 1_767_270_933.4),
            "12:34:56 UTC (37 s ago)"
        );
    }
}
