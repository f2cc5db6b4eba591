//! `histogram_quantile` on a native histogram, as Prometheus 3 computes it (v3.5.0's
//! `promql/quantile.go`), so a page can show the answer Prometheus would give beside the exact one.
//!
//! The buckets are walked in increasing value, the zero bucket between the negative and the
//! positive ones, until their counts reach the rank `q · count` (from the top for `q` of 0.5 or
//! more, as Prometheus does; the bucket found is the same). Inside that bucket the answer is
//! interpolated exponentially: a rank halfway through (1, 2] answers `√2 ≈ 1.414`, the edge where
//! the bucket would split one schema finer. In the zero bucket the line is straight. Prometheus 2.42
//! drew a straight line in every bucket (1.5 there). Either way the answer lies in the bucket
//! holding the true quantile, so it is off by less than one bucket's width: a factor of
//! `2^(2^-schema)`, about 9% at schema 3.

use super::index::upper_edge;
use super::NativeSnapshot;

/// One bucket as `histogram_quantile` sees it: its bounds as values (negative below zero).
#[derive(Debug, Clone, Copy)]
struct Bucket {
    lower: f64,
    upper: f64,
    count: f64,
}

/// The estimate of the `q` quantile: NaN when the histogram is empty, or when the rank lies among
/// NaN observations, which no bucket holds.
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
    let total = histogram.count as f64;
    let buckets = buckets(histogram);
    // NaN observations are in the count but in no bucket: only counting up finds their rank.
    let upward = histogram.sum.is_nan() || q < 0.5;
    let rank = if upward { q * total } else { (1.0 - q) * total };
    let walk: Box<dyn Iterator<Item = &Bucket>> = if upward {
        Box::new(buckets.iter())
    } else {
        Box::new(buckets.iter().rev())
    };
    let (mut counted, mut found) = (0.0, None);
    for bucket in walk {
        counted += bucket.count;
        found = Some(*bucket);
        if counted >= rank {
            break;
        }
    }
    let Some(mut bucket) = found else {
        return f64::NAN;
    };
    if bucket.lower < 0.0 && bucket.upper > 0.0 {
        // The zero bucket: with values on one side only, zero is its other bound.
        if histogram.negative.is_empty() && !histogram.positive.is_empty() {
            bucket.lower = 0.0;
        } else if histogram.positive.is_empty() && !histogram.negative.is_empty() {
            bucket.upper = 0.0;
        }
    }
    let counted = counted.min(total);
    if counted < rank {
        return if histogram.sum.is_nan() {
            f64::NAN
        } else {
            bucket.upper
        };
    }
    let inside = if upward {
        rank - (counted - bucket.count)
    } else {
        counted - rank
    };
    let fraction = inside / bucket.count;
    if bucket.lower <= 0.0 && bucket.upper >= 0.0 {
        return bucket.lower + (bucket.upper - bucket.lower) * fraction;
    }
    let (log_lower, log_upper) = (bucket.lower.abs().log2(), bucket.upper.abs().log2());
    if bucket.lower > 0.0 {
        (log_lower + (log_upper - log_lower) * fraction).exp2()
    } else {
        -(log_upper + (log_lower - log_upper) * (1.0 - fraction)).exp2()
    }
}

/// Every populated bucket in increasing value, the zero bucket between the negative and positive
/// ones, a bound inside the zero bucket moved to its threshold, as Prometheus' iterator does.
fn buckets(histogram: &NativeSnapshot) -> Vec<Bucket> {
    let (schema, threshold) = (histogram.schema, histogram.zero_threshold);
    let magnitudes = |&(index, count): &(i32, u64)| {
        let lower = upper_edge(index - 1, schema).max(threshold);
        (lower, upper_edge(index, schema), count as f64)
    };
    let negative = histogram
        .negative
        .iter()
        .rev()
        .map(magnitudes)
        .map(|(lower, upper, count)| Bucket {
            lower: -upper,
            upper: -lower,
            count,
        });
    let zero = (histogram.zero_count > 0).then_some(Bucket {
        lower: -threshold,
        upper: threshold,
        count: histogram.zero_count as f64,
    });
    let positive = histogram
        .positive
        .iter()
        .map(magnitudes)
        .map(|(lower, upper, count)| Bucket {
            lower,
            upper,
            count,
        });
    negative
        .chain(zero)
        .chain(positive)
        .filter(|bucket| bucket.count > 0.0)
        .collect()
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

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12 * b.abs().max(1.0)
    }

    // The positive answers below are what promtool 3.5.3 (`promtool test rules`) evaluates for
    // the same histograms, written `{{schema:0 sum:5 count:4 offset:1 buckets:[2 2]}}`.

    #[test]
    fn halfway_through_a_bucket_answers_the_edge_one_schema_finer_as_prometheus_3_does() {
        // Schema 0: bucket 1 is (1, 2]. Halfway through it is √2, where schema 1 splits it.
        let h = snapshot(vec![(1, 2)], 0);
        assert!(close(histogram_quantile(0.5, &h), 2f64.sqrt()));
        assert!(close(histogram_quantile(0.25, &h), 2f64.powf(0.25)));
    }

    #[test]
    fn the_rank_is_found_in_its_bucket_and_the_edges_answer_exactly() {
        // Schema 0: bucket 1 is (1, 2], bucket 2 is (2, 4].
        let h = snapshot(vec![(1, 2), (2, 2)], 0);
        assert_eq!(histogram_quantile(0.5, &h), 2.0);
        assert!(close(histogram_quantile(0.75, &h), 2f64.powf(1.5)));
        assert_eq!(histogram_quantile(1.0, &h), 4.0);
        assert_eq!(histogram_quantile(0.0, &h), 1.0);
        assert!(histogram_quantile(0.5, &snapshot(vec![], 0)).is_nan());
        assert_eq!(histogram_quantile(-0.1, &h), f64::NEG_INFINITY);
        assert_eq!(histogram_quantile(1.1, &h), f64::INFINITY);
    }

    #[test]
    fn with_only_positive_buckets_the_zero_bucket_starts_at_zero_and_is_linear() {
        let h = snapshot(vec![(1, 2)], 2);
        assert_eq!(histogram_quantile(0.25, &h), 0.0005);
        assert!(close(histogram_quantile(0.75, &h), 2f64.sqrt()));
    }

    #[test]
    fn negative_buckets_mirror_the_positive_ones() {
        let h = NativeSnapshot {
            negative: vec![(1, 2)],
            positive: vec![(1, 2)],
            count: 4,
            ..snapshot(vec![], 0)
        };
        assert!(close(histogram_quantile(0.25, &h), -(2f64.sqrt())));
        assert!(close(histogram_quantile(0.75, &h), 2f64.sqrt()));
    }

    #[test]
    fn a_rank_among_nan_observations_answers_nan() {
        let h = NativeSnapshot {
            count: 3,
            sum: f64::NAN,
            ..snapshot(vec![(1, 2)], 0)
        };
        assert!(close(histogram_quantile(0.5, &h), 2f64.powf(0.75)));
        assert!(histogram_quantile(0.9, &h).is_nan());
    }
}
