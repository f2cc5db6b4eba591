//! The summary's bins: each observation rounded into one of 64 log-linear bins per power of two.
//!
//! A bin is taken straight from a value's `f64` bits: the exponent and the top 6 bits of the
//! mantissa, so each bin is 1/64 wide relative to its lower edge. A bin reports the harmonic mean
//! of its edges, which is within 1/129 (0.78%) of every value in the bin. Ranks are counted exactly,
//! so the quantile `q` reported is within 0.78% of the observation at rank `ceil(q * n)` in the
//! window (the nearest-rank definition); client_golang instead allows an error in the rank (1% of
//! the ranks for p90).
//!
//! The bins cover `2^-24 ..= 2^24` (60 ns to 194 days, in seconds): smaller positive values report
//! about `2^-24`, larger ones about `2^24`. Zero, negative values and NaN land in a zero bin and
//! report 0. (`_sum` always adds the real value.)

/// 64 bins per power of two: the top 6 mantissa bits.
const SUB_BIN_BITS: u32 = 6;
/// Shifting the bits of a positive `f64` this far leaves exponent and top mantissa bits, a key
/// that grows with the value.
const KEY_SHIFT: u32 = 52 - SUB_BIN_BITS;
const LOWEST_KEY: u64 = (1.0f64 / (1u64 << 24) as f64).to_bits() >> KEY_SHIFT;
const HIGHEST_KEY: u64 = ((1u64 << 24) as f64).to_bits() >> KEY_SHIFT;
/// The zero bin, then one bin per key in `LOWEST_KEY..=HIGHEST_KEY`.
pub const BINS: usize = (HIGHEST_KEY - LOWEST_KEY) as usize + 2;

/// The bin of `v`: 0 for zero, negatives and NaN, else one per 1/64 of an octave.
pub fn bin_of(v: f64) -> usize {
    if v.is_nan() || v <= 0.0 {
        return 0;
    }
    let key = (v.to_bits() >> KEY_SHIFT).clamp(LOWEST_KEY, HIGHEST_KEY);
    (key - LOWEST_KEY) as usize + 1
}

/// The value a bin reports: the harmonic mean of its edges, whose relative error is the same, and
/// smallest, at both edges.
pub fn value_of(bin: usize) -> f64 {
    if bin == 0 {
        return 0.0;
    }
    let key = LOWEST_KEY + bin as u64 - 1;
    let low = f64::from_bits(key << KEY_SHIFT);
    let high = f64::from_bits((key + 1) << KEY_SHIFT);
    2.0 * low * high / (low + high)
}

/// The `q`-quantile of the observations counted in `counts` (one count per bin), by nearest rank:
/// the value of the bin holding the observation at rank `ceil(q * n)`; NaN when `counts` is empty.
pub fn quantile(counts: &[u64], q: f64) -> f64 {
    let n: u64 = counts.iter().sum();
    if n == 0 {
        return f64::NAN;
    }
    let rank = ((q * n as f64).ceil() as u64).max(1);
    let mut seen = 0;
    let bin = counts.iter().position(|&c| {
        seen += c;
        seen >= rank
    });
    value_of(bin.expect("rank is at most the window's count"))
}
