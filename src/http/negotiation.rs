//! Content negotiation: how much a client wants a media type (`Accept`) or a coding (`Accept-Encoding`).
//!
//! One small reader serves both headers, so the browser forms, the OpenMetrics choice and gzip all
//! agree on what `q=` means. A name the header spells out wins over a wildcard that would match it.

/// The quality (`q`, 0 to 1) the header `value` gives `name`, by its most specific match: `name`
/// itself, else one of `wildcards` (like `text/*` or `*`); `None` when nothing matches.
pub fn quality(value: &str, name: &str, wildcards: &[&str]) -> Option<f32> {
    explicit_quality(value, name).or_else(|| {
        wildcards
            .iter()
            .filter_map(|wildcard| explicit_quality(value, wildcard))
            .reduce(f32::max)
    })
}

/// The highest `q` among the ranges of `value` named exactly `name` (case-insensitive), ignoring
/// other parameters such as `version`.
fn explicit_quality(value: &str, name: &str) -> Option<f32> {
    value
        .split(',')
        .filter_map(|range| {
            let mut parts = range.split(';').map(str::trim);
            if !parts.next()?.eq_ignore_ascii_case(name) {
                return None;
            }
            let q = parts
                .find_map(|param| param.strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            Some(q.clamp(0.0, 1.0))
        })
        .reduce(f32::max)
}

#[cfg(test)]
mod tests {
    use super::quality;

    #[test]
    fn a_named_type_wins_over_a_wildcard() {
        assert_eq!(quality("gzip;q=0, *", "gzip", &["*"]), Some(0.0));
        assert_eq!(quality("br, *;q=0.5", "gzip", &["*"]), Some(0.5));
        assert_eq!(quality("br", "gzip", &["*"]), None);
    }

    #[test]
    fn parameters_other_than_q_are_ignored() {
        let prometheus = "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
        assert_eq!(
            quality(prometheus, "application/openmetrics-text", &[]),
            Some(0.5)
        );
        assert_eq!(quality(prometheus, "text/plain", &["*/*"]), Some(0.3));
    }
}
