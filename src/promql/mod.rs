//! A learner's PromQL, from what they type to the line they read.
//!
//! A query a learner sends (a quiz answer, or one typed on `/tour/promql`) goes through, in order:
//! 1. [`gate`]: `promql-parser` parses it (never a parser of ours), and the gate's rules bound what
//!    it may ask of Prometheus (size, depth, ranges, subquery steps and points, samples, label
//!    functions, `offset` and `@`) and rewrite every selector to read only the tour's series. A
//!    query that does not parse, or breaks a rule, is refused with a one-line 400 naming the rule.
//! 2. [`client`]: the checked query goes to the Prometheus `--prometheus` names, with its own
//!    `timeout`, within a cap on queries in flight (a 503 with `Retry-After` past it), its answer
//!    read up to a size limit.
//! 3. [`compare`]: the quiz compares the result with its reference's, and says what differs in a
//!    line short enough for a cookie and a screen, quoting nothing the learner's query selected.
//!
//! Beside that path, for the learner: [`explain`] takes the query apart as a tree of sentences,
//! [`lint`] warns of the classic mistakes its shape shows, and [`position`] says where a query that
//! does not parse stopped.
//!
//! The tour never evaluates PromQL itself: a real Prometheus computes every value.

pub mod client;
pub mod compare;
pub mod explain;
pub mod gate;
pub mod lint;
pub mod position;

use promql_parser::parser::Expr;

/// Parses `query` for the explanation, or says in one line why it is not PromQL: the gate's own
/// reading, so the page and the gate never disagree on what a query is.
pub fn parse(query: &str) -> Result<Expr, String> {
    if query.len() > gate::MAX_QUERY_BYTES {
        return Err(format!(
            "the query is {} bytes; the tour reads at most {}",
            query.len(),
            gate::MAX_QUERY_BYTES
        ));
    }
    if query.trim().is_empty() {
        return Err("the query is empty: type a PromQL expression, such as up".into());
    }
    gate::parse(query).map_err(|refusal| refusal.to_string())
}
