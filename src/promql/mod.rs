//! A learner's PromQL, from what they type to the line they read.
//!
//! A query a learner sends (today a quiz answer) goes through, in order:
//! 1. [`gate`]: `promql-parser` parses it, and the gate's rules bound what it may ask of
//!    Prometheus (size, depth, ranges, subquery steps and points, samples, label functions,
//!    `offset` and `@`) and rewrite every selector to read only the tour's series. A query that
//!    does not parse, or breaks a rule, is refused with a one-line 400 naming the rule.
//! 2. [`client`]: the checked query goes to the Prometheus `--prometheus` names, with its own
//!    `timeout`, within a cap on queries in flight (a 503 with `Retry-After` past it), its answer
//!    read up to a size limit.
//! 3. [`compare`]: the quiz compares the result with its reference's, and says what differs in a
//!    line short enough for a cookie and a screen, quoting nothing the learner's query selected.
//!
//! [`tree`] answers `GET /promql?query=Q`: the query as promql-parser reads it, one node a line,
//! and whether the gate would send it.
//!
//! The tour never evaluates PromQL itself: a real Prometheus computes every value.

pub mod client;
pub mod compare;
pub mod gate;
pub mod tree;
