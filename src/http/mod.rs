//! What every route shares: reading parameters, refusing bad input, answering, content
//! negotiation, and the middleware that counts every request.
//!
//! - [`params`]: a route's parameters, from the query string or a urlencoded form body.
//! - [`bad_input`]: the one error type, turned into a one-line 4xx a learner understands.
//! - [`reply`]: plain text for curl, a `303` back to the page for a browser form.
//! - [`negotiation`]: the `q` a client gives a media type or a coding.
//! - [`request_metrics`]: `http_requests_total` and `http_request_duration_seconds`.
//! - [`traceparent`]: the W3C trace a request belongs to, which its exemplars name.

pub mod bad_input;
pub mod negotiation;
pub mod params;
pub mod reply;
pub mod request_metrics;
pub mod traceparent;
