//! The histogram lesson's questions: estimating a quantile and the mean by hand from the buckets, the `+Inf` bucket, and the queries over buckets.

use super::HISTOGRAM;
use crate::tour::quiz::live::{echoed, for_people};
use crate::tour::quiz::{Answer, Question, Verdict, WORKED_SECONDS};
use crate::tour::snapshot::{HistogramData, Snapshot};

pub const HISTOGRAM_MEDIAN: Question = Question {
    id: "histogram-median",
    lesson: HISTOGRAM,
    ask: "From the buckets of file_upload_duration_seconds below, what will histogram_quantile(0.5, ...) estimate, to two decimals? (Upload a few files first; with none, the answer is NaN.)",
    answer: Answer::Live { shows: upload_buckets, judge: median_estimate },
};

pub const HISTOGRAM_MEAN: Question = Question {
    id: "histogram-mean",
    lesson: HISTOGRAM,
    ask: "What is the mean upload duration that file_upload_duration_seconds gives, in seconds, to two decimals?",
    answer: Answer::Live { shows: upload_sum_count, judge: upload_mean },
};

pub const HISTOGRAM_INF: Question = Question {
    id: "histogram-inf",
    lesson: HISTOGRAM,
    ask: "Which sample of file_upload_duration_seconds always equals its _count?",
    answer: Answer::Choice {
        choices: &[
            ("a", "The bucket le=\"10\"."),
            ("b", "The bucket le=\"+Inf\"."),
            ("c", "Its _sum."),
        ],
        right: "b",
        why: "buckets are cumulative, each counting every observation up to its bound, so le=\"+Inf\" counts them all; le=\"10\" leaves out any over 10 s",
    },
};

pub const QUERY_UPLOAD_BUCKETS: Question = Question {
    id: "query-upload-buckets",
    lesson: HISTOGRAM,
    ask: "Write the PromQL for the per-second rate of each bucket of file_upload_duration_seconds over the last five minutes, for job \"tour\", summed across its instances: one series per le.",
    answer: Answer::Query { reference: "sum by (le) (rate(file_upload_duration_seconds_bucket{job=\"tour\"}[5m]))" },
};

pub const QUERY_UPLOAD_P90: Question = Question {
    id: "query-upload-p90",
    lesson: HISTOGRAM,
    ask: "Write the PromQL for the 90th percentile of upload durations over the last five minutes, for job \"tour\", across all its instances.",
    answer: Answer::Query {
        reference: "histogram_quantile(0.9, sum by (le) (rate(file_upload_duration_seconds_bucket{job=\"tour\"}[5m])))",
    },
};

/// How far a hand-computed estimate or mean may be off: it was asked to two decimals.
const TWO_DECIMALS: f64 = 0.0051;

fn upload_buckets(s: &Snapshot) -> String {
    let Some(uploads) = &s.uploads else {
        return "file_upload_duration_seconds is not in the registry.".to_owned();
    };
    let buckets: Vec<String> = uploads
        .buckets
        .iter()
        .map(|(le, count)| format!("le=\"{}\" {count}", for_people(*le)))
        .collect();
    format!(
        "The buckets now (cumulative): {}, le=\"+Inf\" {}.",
        buckets.join(", "),
        uploads.count
    )
}

/// Judges a number worked out by hand from the upload histogram: right when it is `worked`'s result
/// (to two decimals) for the histogram now or as it was in the last [`WORKED_SECONDS`], since the
/// traffic keeps observing while a learner computes. The verdict shows the working it matched, or
/// the working for now.
fn worked_out(
    s: &Snapshot,
    answer: f64,
    worked: fn(&HistogramData) -> Option<(f64, String)>,
) -> Option<Verdict> {
    let (now, working) = worked(s.uploads.as_ref()?)?;
    if (now - answer).abs() <= TWO_DECIMALS {
        return Some(Verdict::Correct(working));
    }
    let earlier = s
        .uploads_history
        .iter()
        .rev()
        .filter(|(seconds_ago, _)| *seconds_ago <= WORKED_SECONDS)
        .find_map(|(seconds_ago, uploads)| {
            let (value, working) = worked(uploads)?;
            ((value - answer).abs() <= TWO_DECIMALS).then_some((seconds_ago, working))
        });
    Some(match earlier {
        Some((seconds_ago, then)) => Verdict::Correct(format!(
            "from the buckets of {} s ago, {then} (new uploads have moved it since)",
            seconds_ago.round()
        )),
        None => Verdict::NotYet(format!(
            "{} is not it, nor was it in the last minute: now {working}",
            echoed(answer)
        )),
    })
}

/// `histogram_quantile(0.5, ...)` of `uploads` worked out by hand, with the working.
fn median_working(uploads: &HistogramData) -> Option<(f64, String)> {
    let e = uploads.estimate(0.5)?;
    let p = |value: f64| for_people(value);
    let working = if e.overflow {
        format!(
            "the rank 0.5 × {} = {} falls past the last finite bucket, so histogram_quantile answers that bound, {}",
            uploads.count, p(e.rank), p(e.start)
        )
    } else {
        format!(
            "the rank 0.5 × {} = {} falls in the bucket ({}, {}], with {} below it and {} inside: {} + {} × ({} − {}) / {} = {:.2}",
            uploads.count, p(e.rank), p(e.start), p(e.end), e.below, e.inside, p(e.start), p(e.end - e.start), p(e.rank), e.below, e.inside, e.value
        )
    };
    Some((e.value, working))
}

fn median_estimate(s: &Snapshot, answer: f64) -> Verdict {
    worked_out(s, answer, median_working).unwrap_or_else(|| {
        if answer.is_nan() {
            Verdict::Correct("with no observation in any bucket, histogram_quantile has nothing to rank and answers NaN".to_owned())
        } else {
            Verdict::NotYet("no upload is observed yet, so histogram_quantile answers NaN; upload a few files (POST /file-upload) and ask again".to_owned())
        }
    })
}

fn upload_sum_count(s: &Snapshot) -> String {
    match &s.uploads {
        Some(uploads) => format!(
            "Now: file_upload_duration_seconds_sum {} and file_upload_duration_seconds_count {}.",
            for_people(uploads.sum),
            uploads.count
        ),
        None => "file_upload_duration_seconds is not in the registry.".to_owned(),
    }
}

/// `_sum / _count` of `uploads`, with the working; `None` before the first upload.
fn mean_working(uploads: &HistogramData) -> Option<(f64, String)> {
    let mean = uploads.sum / (uploads.count > 0).then_some(uploads.count)? as f64;
    let working = format!(
        "_sum / _count = {} / {} = {mean:.2} s",
        for_people(uploads.sum),
        uploads.count
    );
    Some((mean, working))
}

fn upload_mean(s: &Snapshot, answer: f64) -> Verdict {
    worked_out(s, answer, mean_working).unwrap_or_else(|| {
        if answer.is_nan() {
            Verdict::Correct("with no upload, _sum / _count is 0 / 0, which is NaN".to_owned())
        } else {
            Verdict::NotYet("no upload is observed yet, so _sum / _count is 0 / 0, NaN; upload a few files and ask again".to_owned())
        }
    })
}
