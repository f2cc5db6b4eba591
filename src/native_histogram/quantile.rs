//! `histogram_quantile` on a native histogram, as Prometheus 2.42 computes it, so a page can show
//! the answer Prometheus would give beside the exact one.
//!
//! The buckets are walked from the most negative up, the zero bucket between, until their counts
//! reach `q * count`; the answer is interpolated linearly inside that bucket (2.42's
//! `promql/quantile.go`). It therefore lies in the bucket holding the true quantile: off by at most
//! one bucket's width, a factor of `2^(2^-schema)`.

use super::index::upper_edge;
use super::NativeSnapshot;

/// The estimate of the `q` quantile, NaN when the histogram is empty.
pub fn histogram_quantile(q: f64, histogram: &NativeSnapshot) -> f64 {
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    if histogram.count == 0 || q.is_nan() {
        return f64::NAN;
    }
    let schema = histogram.schema;
    let edges = |index: i32| (upper_edge(index - 1, schema), upper_edge(index, schema));
    let threshold = histogram.zero_threshold;
    // (lower, upper, count) of every bucket, in increasing value.
    let negative = histogram.negative.iter().rev().map(|&(index, count)| {
        let (lower, upper) = edges(index);
        (-upper, -lower, count)
    });
    let zero = {
        let lower = if histogram.negative.is_empty() && !histogram.positive.is_empty() {
            0.0
        } else {
            -threshold
        };
        let upper = if histogram.positive.is_empty() && !histogram.negative.is_empty() {
            0.0
        } else {
            threshold
        };
        (lower, upper, histogram.zero_count)
    };
    let positive = histogram.positive.iter().map(|&(index, count)| {
        let (lower, upper) = edges(index);
        (lower, upper, count)
    });
    let buckets = negative
        .chain((histogram.zero_count > 0).then_some(zero))
        .chain(positive);
    let rank = q * histogram.count as f64;
    let (mut below, mut last) = (0.0, (0.0, 0.0, 0));
    for bucket in buckets {
        last = bucket;
        if below + bucket.2 as f64 >= rank {
            let (lower, upper, count) = bucket;
            return lower + (upper - lower) * ((rank - below) / count as f64);
        }
        below += bucket.2 as f64;
    }
    last.1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(positive: Vec<(i32, u64)>, zero_count: u64) -> NativeSnapshot {
        let count = zero_count + positive.iter().map(|(_, c)| c).sum::<u64>();
        NativeSnapshot {
            schema: 0,
            zero_threshold: 0.001,
            zero_count,
            count,
            sum: 0.0,
            positive,
            negative: vec![],
        }
    }

    #[test]
    fn the_rank_is_found_and_interpolated_inside_its_bucket() {
        // Schema 0: bucket 1 is (1, 2], bucket 2 is (2, 4].
        let h = snapshot(vec![(1, 2), (2, 2)], 0);
        assert_eq!(histogram_quantile(0.5, &h), 2.0);
        assert_eq!(histogram_quantile(0.75, &h), 3.0);
        assert_eq!(histogram_quantile(1.0, &h), 4.0);
        assert!(histogram_quantile(0.5, &snapshot(vec![], 0)).is_nan());
    }

    #[test]
    fn with_only_positive_buckets_the_zero_bucket_starts_at_zero() {
        let h = snapshot(vec![(1, 2)], 2);
        assert_eq!(histogram_quantile(0.25, &h), 0.0005);
        assert_eq!(histogram_quantile(0.75, &h), 1.5);
    }
}
