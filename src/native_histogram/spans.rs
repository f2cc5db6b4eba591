//! How the sparse buckets travel: spans of consecutive indexes, and each count as a delta.
//!
//! Only populated buckets are sent. A span says "skip `offset` indexes, then `length` buckets
//! follow"; the first span's offset is the absolute index where it starts. The counts of all
//! spans' buckets follow in one list, each written as the difference from the bucket before it
//! (the first from zero), because neighbouring buckets hold similar counts and small numbers
//! take fewer bytes.

/// `length` consecutive buckets, starting `offset` indexes after the previous span ended (or at
/// index `offset`, for the first span).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub offset: i32,
    pub length: u32,
}

/// Spans and deltas for `buckets`, pairs of (index, count) in increasing index order, zero counts left out.
pub fn encode(buckets: &[(i32, u64)]) -> (Vec<Span>, Vec<i64>) {
    let mut spans: Vec<Span> = Vec::new();
    let mut deltas = Vec::with_capacity(buckets.len());
    let (mut next_index, mut previous_count) = (None, 0i64);
    for &(index, count) in buckets {
        match (spans.last_mut(), next_index) {
            (Some(span), Some(next)) if index == next => span.length += 1,
            (_, next) => spans.push(Span {
                offset: next.map_or(index, |next| index - next),
                length: 1,
            }),
        }
        let count = count as i64;
        deltas.push(count - previous_count);
        previous_count = count;
        next_index = Some(index + 1);
    }
    (spans, deltas)
}

/// The (index, count) pairs that `spans` and `deltas` describe; `None` when they disagree in length.
pub fn decode(spans: &[Span], deltas: &[i64]) -> Option<Vec<(i32, u64)>> {
    let mut buckets = Vec::with_capacity(deltas.len());
    let (mut deltas, mut index, mut count) = (deltas.iter(), 0i32, 0i64);
    for (n, span) in spans.iter().enumerate() {
        index = if n == 0 {
            span.offset
        } else {
            index + span.offset
        };
        for _ in 0..span.length {
            count += deltas.next()?;
            buckets.push((index, u64::try_from(count).ok()?));
            index += 1;
        }
    }
    deltas.next().is_none().then_some(buckets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_buckets_share_a_span_and_a_gap_starts_the_next() {
        let buckets = [(-2, 3), (-1, 5), (0, 5), (4, 1), (5, 2)];
        let (spans, deltas) = encode(&buckets);
        assert_eq!(
            spans,
            [
                Span {
                    offset: -2,
                    length: 3
                },
                Span {
                    offset: 3,
                    length: 2
                }
            ]
        );
        assert_eq!(deltas, [3, 2, 0, -4, 1]);
        assert_eq!(decode(&spans, &deltas).unwrap(), buckets);
    }

    #[test]
    fn no_buckets_no_spans_and_a_mismatch_is_refused() {
        assert_eq!(encode(&[]), (vec![], vec![]));
        let span = [Span {
            offset: 0,
            length: 2,
        }];
        assert_eq!(decode(&span, &[1]), None);
        assert_eq!(decode(&span, &[1, 1, 1]), None);
        assert_eq!(decode(&span, &[1, -2]), None);
    }
}
