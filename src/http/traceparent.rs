//! The W3C `traceparent` header: which trace a request belongs to, so an exemplar can name it.
//!
//! A client that traces its requests sends `traceparent: 00-<trace id>-<parent id>-<flags>`
//! (www.w3.org/TR/trace-context). The tour keeps that trace id, or starts a new trace when the
//! header is absent or malformed, and answers with its own `traceparent` in the same trace: the
//! id a learner then finds in `/metrics` and in Prometheus' exemplar API.

use poem::{Request, Response};
use rand::Rng;

/// The request header, and the response header that echoes the trace.
pub const HEADER: &str = "traceparent";

/// The trace of one request: 32 lowercase hex digits, never all zeros.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceId(String);

impl TraceId {
    /// The trace of `req`: its valid `traceparent`'s trace id, else a fresh one.
    pub fn of(req: &Request) -> TraceId {
        req.header(HEADER)
            .and_then(TraceId::parse)
            .unwrap_or_else(|| TraceId::fresh(&mut rand::rng()))
    }

    /// The trace id of a `traceparent` value, if it follows the W3C format: version `00` exactly
    /// as specified; a later version only by its first four fields; never version `ff`, an
    /// all-zero id, or uppercase hex.
    pub fn parse(traceparent: &str) -> Option<TraceId> {
        let traceparent = traceparent.trim();
        let mut fields = traceparent.split('-');
        let (version, trace, parent, flags) = (
            fields.next()?,
            fields.next()?,
            fields.next()?,
            fields.next()?,
        );
        let hex = |field: &str, len| {
            field.len() == len
                && field
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        };
        let nonzero = |field: &str| field.bytes().any(|b| b != b'0');
        let valid = hex(version, 2)
            && version != "ff"
            && hex(trace, 32)
            && nonzero(trace)
            && hex(parent, 16)
            && nonzero(parent)
            && hex(flags, 2)
            && (version != "00" || fields.next().is_none());
        valid.then(|| TraceId(trace.to_owned()))
    }

    /// A new random trace id.
    pub fn fresh(rng: &mut impl Rng) -> TraceId {
        TraceId(format!("{:032x}", rng.random_range(1..=u128::MAX)))
    }

    /// The 32 hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `response`, with a `traceparent` header in this trace: the body is left as it is.
    pub fn answer(&self, mut response: Response) -> Response {
        if let Ok(value) = self.traceparent().parse() {
            response.headers_mut().insert(HEADER, value);
        }
        response
    }

    /// The `traceparent` to answer with: this trace, a new span id for our part of it, sampled.
    pub fn traceparent(&self) -> String {
        let span: u64 = rand::rng().random_range(1..=u64::MAX);
        format!("00-{}-{span:016x}-01", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::TraceId;

    const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn the_specifications_example_gives_its_trace_id() {
        let id = TraceId::parse(VALID).unwrap();
        assert_eq!(id.as_str(), "4bf92f3577b34da6a3ce929d0e0e4736");
        let answer = id.traceparent();
        assert_eq!(TraceId::parse(&answer), Some(id));
        assert!(answer.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"));
    }

    #[test]
    fn malformed_headers_are_not_trusted() {
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4bf92f3577b34da6a3ce929d0e0e4736\"}-00f067aa0ba902b7-01",
        ] {
            assert_eq!(TraceId::parse(bad), None, "{bad}");
        }
        assert!(
            TraceId::parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-later")
                .is_some()
        );
    }

    #[test]
    fn fresh_ids_are_32_hex_digits_and_differ() {
        let mut rng = rand::rng();
        let (a, b) = (TraceId::fresh(&mut rng), TraceId::fresh(&mut rng));
        assert_ne!(a, b);
        assert!(TraceId::parse(&format!("00-{}-00f067aa0ba902b7-01", a.as_str())).is_some());
    }
}
