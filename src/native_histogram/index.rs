//! Which bucket an observation falls in: the index of Prometheus' exponential buckets.
//!
//! At schema `s` neighbouring bucket edges differ by the factor `base = 2^(2^-s)`, and bucket `i`
//! covers `(base^(i-1), base^i]`: the upper edge is inclusive, as a classic histogram's `le` is, and
//! `1.0` is the upper edge of bucket 0 at every schema. Schema 3 (the finest we observe at) puts
//! 8 buckets in each power of two, each about 9% wider than the one below.
//!
//! The index comes straight from the `f64`'s bits: the exponent says which power of two, and the
//! mantissa, compared with the mantissas of the `2^s` edges inside a power of two (Prometheus' own
//! table, in `edges.rs`), says which bucket within it. No logarithm is taken, so an
//! exact power of two always lands in the bucket whose upper edge it is.

use super::edges::SCHEMA_8;

/// The coarsest schema Prometheus accepts: a factor of `2^16` between edges.
pub const MIN_SCHEMA: i32 = -4;
/// The finest schema Prometheus accepts: 256 buckets per power of two.
pub const MAX_SCHEMA: i32 = 8;

/// Finds bucket indexes at one schema; build it once, as the edges inside a power of two are
/// computed here, not on every observation.
#[derive(Debug, Clone)]
pub struct BucketIndex {
    schema: i32,
    /// Mantissa bits of the edges `2^(j * 2^-schema)`, `j` in `0..2^schema` (empty when `schema <= 0`).
    edges: Vec<u64>,
}

const MANTISSA_BITS: u32 = 52;
const MANTISSA_MASK: u64 = (1 << MANTISSA_BITS) - 1;

impl BucketIndex {
    /// The index for `schema`, which must lie in `MIN_SCHEMA..=MAX_SCHEMA`.
    pub fn new(schema: i32) -> Self {
        assert!(
            (MIN_SCHEMA..=MAX_SCHEMA).contains(&schema),
            "schema {schema} outside {MIN_SCHEMA}..={MAX_SCHEMA}"
        );
        let edges = if schema > 0 {
            SCHEMA_8
                .iter()
                .step_by(1 << (MAX_SCHEMA - schema))
                .map(|half| (half * 2.0).to_bits() & MANTISSA_MASK)
                .collect()
        } else {
            Vec::new()
        };
        BucketIndex { schema, edges }
    }

    /// The schema these indexes belong to.
    pub fn schema(&self) -> i32 {
        self.schema
    }

    /// The index of the bucket holding `magnitude`, a positive, finite value (the sign chooses
    /// between positive and negative buckets, the magnitude the index).
    pub fn index(&self, magnitude: f64) -> i32 {
        let (exponent, mantissa) = split(magnitude);
        if self.schema <= 0 {
            // At schema 0 the edges are the powers of two; a coarser schema merges 2^-schema of them.
            let at_schema_0 = exponent + i32::from(mantissa != 0);
            return widen(at_schema_0, -self.schema);
        }
        // How many edges inside this power of two lie strictly below the value.
        let within = self.edges.partition_point(|&edge| edge < mantissa) as i32;
        (exponent << self.schema) + within
    }
}

/// `value = 2^exponent * 1.mantissa`, for a positive finite value (subnormals normalised first).
fn split(value: f64) -> (i32, u64) {
    let bits = value.to_bits();
    let biased = ((bits >> MANTISSA_BITS) & 0x7ff) as i32;
    if biased == 0 {
        let (exponent, mantissa) = split(value * 2f64.powi(64));
        return (exponent - 64, mantissa);
    }
    (biased - 1023, bits & MANTISSA_MASK)
}

/// The upper edge of bucket `index` at `schema`: `2^(index * 2^-schema)`, the very float
/// Prometheus computes for it.
pub fn upper_edge(index: i32, schema: i32) -> f64 {
    if schema <= 0 {
        return power_of_two(index << -schema);
    }
    let within = index.rem_euclid(1 << schema) as usize;
    let half = SCHEMA_8[within << (MAX_SCHEMA - schema)];
    half * power_of_two(index.div_euclid(1 << schema) + 1)
}

/// `2^exponent`, exactly, down to the smallest subnormal (and 0 or infinity beyond the range).
fn power_of_two(exponent: i32) -> f64 {
    match exponent {
        1024.. => f64::INFINITY,
        -1022..=1023 => f64::from_bits(((exponent + 1023) as u64) << MANTISSA_BITS),
        -1074..=-1023 => f64::from_bits(1 << (exponent + 1074)),
        _ => 0.0,
    }
}

/// The index bucket `index` merges into when the schema drops by `by`: each step merges a pair,
/// bucket `i` going to `ceil(i / 2)`, so the edges that remain are edges of the finer schema.
pub fn widen(index: i32, by: i32) -> i32 {
    (index + (1 << by) - 1) >> by
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Prometheus' literal edges for schema 3 (`exponentialBounds[3]` in `model/histogram/generic.go`,
    /// the same floats as client_golang's `nativeHistogramBounds[3]`): ours must be these floats, or a
    /// value on an edge would land one bucket off.
    const PROMETHEUS_SCHEMA_3: [f64; 8] = [
        0.5,
        0.5452538663326288,
        0.5946035575013605,
        0.6484197773255048,
        0.7071067811865475,
        0.7711054127039704,
        0.8408964152537144,
        0.9170040432046711,
    ];

    #[test]
    fn edges_inside_a_power_of_two_are_prometheus_own() {
        for (j, go) in PROMETHEUS_SCHEMA_3.iter().enumerate() {
            assert_eq!(upper_edge(j as i32, 3), go * 2.0, "edge {j}");
            assert_eq!(upper_edge(j as i32 - 8, 3), *go, "edge {j} one octave down");
        }
    }

    #[test]
    fn an_exact_power_of_two_is_the_upper_edge_of_its_bucket() {
        for schema in MIN_SCHEMA..=MAX_SCHEMA {
            let index = BucketIndex::new(schema);
            let exponents: &[i32] = if schema >= 0 {
                &[-30, -1, 0, 1, 3, 20]
            } else {
                &[-32, -16, 0, 16]
            };
            for &exponent in exponents {
                let value = power_of_two(exponent);
                let i = index.index(value);
                assert_eq!(
                    upper_edge(i, schema),
                    value,
                    "2^{exponent} at schema {schema}"
                );
            }
        }
        assert_eq!(BucketIndex::new(3).index(1.0), 0);
        assert_eq!(BucketIndex::new(3).index(2.0), 8);
        assert_eq!(BucketIndex::new(3).index(0.5), -8);
        assert_eq!(BucketIndex::new(0).index(4.0), 2);
        assert_eq!(BucketIndex::new(-2).index(16.0), 1);
    }

    #[test]
    fn a_value_just_above_an_edge_goes_to_the_next_bucket_and_just_below_stays() {
        for schema in [-4, -1, 0, 1, 3, 8] {
            let index = BucketIndex::new(schema);
            for i in [-20, -9, -1, 0, 1, 7, 8, 9, 30] {
                let edge = upper_edge(i, schema);
                assert_eq!(index.index(edge), i, "edge of {i} at schema {schema}");
                assert_eq!(index.index(edge.next_up()), i + 1, "above {i} at {schema}");
                assert_eq!(index.index(edge.next_down()), i, "below {i} at {schema}");
            }
        }
    }

    #[test]
    fn every_value_lies_within_its_buckets_edges() {
        let index = BucketIndex::new(3);
        for value in [
            1e-9, 0.0123, 0.3, 0.999, 1.5, 2.75, 9.99, 1234.5, 1e300, 5e-320,
        ] {
            let i = index.index(value);
            assert!(
                upper_edge(i - 1, 3) < value && value <= upper_edge(i, 3),
                "{value} in {i}"
            );
        }
    }

    #[test]
    fn widening_merges_pairs_whose_edges_survive() {
        assert_eq!(widen(1, 1), 1);
        assert_eq!(widen(2, 1), 1);
        assert_eq!(widen(3, 1), 2);
        assert_eq!(widen(0, 1), 0);
        assert_eq!(widen(-1, 1), 0);
        assert_eq!(widen(-2, 1), -1);
        assert_eq!(widen(-3, 1), -1);
        assert_eq!(widen(9, 3), 2);
        // Widening a value's index is indexing it at the coarser schema.
        let (fine, coarse) = (BucketIndex::new(3), BucketIndex::new(1));
        for value in [0.01, 0.3, 0.5, 0.77, 1.0, 1.01, 3.3, 4.0, 700.0] {
            assert_eq!(widen(fine.index(value), 2), coarse.index(value), "{value}");
        }
    }
}
