//! A learner's PromQL query: parsed by the `promql-parser` crate (never by hand), explained as a
//! tree ([`explain`]), and checked for the classic mistakes ([`lint`]). The tour never evaluates
//! PromQL itself: every value shown comes from a real Prometheus.

pub mod explain;
pub mod lint;

use promql_parser::parser::Expr;

/// The longest query the tour reads: far more than any lesson's, far less than a denial of service.
pub const MAX_QUERY_BYTES: usize = 2048;

/// Parses `query`, or says in one line why it is not PromQL, in promql-parser's words.
pub fn parse(query: &str) -> Result<Expr, String> {
    if query.len() > MAX_QUERY_BYTES {
        return Err(format!(
            "the query is {} bytes; the tour reads at most {MAX_QUERY_BYTES}",
            query.len()
        ));
    }
    if query.trim().is_empty() {
        return Err("the query is empty: type a PromQL expression, such as up".into());
    }
    promql_parser::parser::parse(query).map_err(|message| {
        let message = message.replace(['\n', '\r'], " ");
        format!("not PromQL: {message} (promql-parser 0.11 does not say where)")
    })
}
