//! The histogram lesson's questions: estimating a quantile and the mean by hand from the buckets, the `+Inf` bucket, and the queries over buckets.

use super::HISTOGRAM;
use crate::tour::quiz::{Answer, Question, Verdict};
use crate::tour::snapshot::Snapshot;

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
    ask: "Write the PromQL for the per-second rate of each bucket of file_upload_duration_seconds over the last five minutes, summed across instances: one series per le.",
    answer: Answer::Query { reference: "sum by (le) (rate(file_upload_duration_seconds_bucket[5m]))" },
};

pub const QUERY_UPLOAD_P90: Question = Question {
    id: "query-upload-p90",
    lesson: HISTOGRAM,
    ask: "Write the PromQL for the 90th percentile of upload durations over the last five minutes, across every instance.",
    answer: Answer::Query {
        reference: "histogram_quantile(0.9, sum by (le) (rate(file_upload_duration_seconds_bucket[5m])))",
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
        .map(|(le, count)| format!("le=\"{le}\" {count}"))
        .collect();
    format!(
        "The buckets now (cumulative): {}, le=\"+Inf\" {}.",
        buckets.join(", "),
        uploads.count
    )
}

fn median_estimate(s: &Snapshot, answer: f64) -> Verdict {
    let Some((count, e)) = s
        .uploads
        .as_ref()
        .and_then(|uploads| Some((uploads.count, uploads.estimate(0.5)?)))
    else {
        return if answer.is_nan() {
            Verdict::Correct("with no observation in any bucket, histogram_quantile has nothing to rank and answers NaN".to_owned())
        } else {
            Verdict::NotYet("no upload is observed yet, so histogram_quantile answers NaN; upload a few files (POST /file-upload) and ask again".to_owned())
        };
    };
    let working = if e.overflow {
        format!(
            "the rank 0.5 × {count} = {} falls past the last finite bucket, so histogram_quantile answers that bound, {}",
            e.rank, e.start
        )
    } else {
        format!(
            "the rank 0.5 × {count} = {} falls in the bucket ({}, {}], with {} below it and {} inside: {} + {} × ({} − {}) / {} = {:.2}",
            e.rank, e.start, e.end, e.below, e.inside, e.start, e.end - e.start, e.rank, e.below, e.inside, e.value
        )
    };
    if (e.value - answer).abs() <= TWO_DECIMALS {
        Verdict::Correct(working)
    } else {
        Verdict::NotYet(format!("{answer} is not it: {working}"))
    }
}

fn upload_sum_count(s: &Snapshot) -> String {
    match &s.uploads {
        Some(uploads) => format!(
            "Now: file_upload_duration_seconds_sum {} and file_upload_duration_seconds_count {}.",
            uploads.sum, uploads.count
        ),
        None => "file_upload_duration_seconds is not in the registry.".to_owned(),
    }
}

fn upload_mean(s: &Snapshot, answer: f64) -> Verdict {
    let Some(uploads) = s.uploads.as_ref().filter(|uploads| uploads.count > 0) else {
        return if answer.is_nan() {
            Verdict::Correct("with no upload, _sum / _count is 0 / 0, which is NaN".to_owned())
        } else {
            Verdict::NotYet("no upload is observed yet, so _sum / _count is 0 / 0, NaN; upload a few files and ask again".to_owned())
        };
    };
    let mean = uploads.sum / uploads.count as f64;
    let working = format!(
        "_sum / _count = {} / {} = {mean:.2} s",
        uploads.sum, uploads.count
    );
    if (mean - answer).abs() <= TWO_DECIMALS {
        Verdict::Correct(working)
    } else {
        Verdict::NotYet(format!("{answer} is not it: {working}"))
    }
}
