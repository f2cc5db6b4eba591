//! Where in a query promql-parser's grammar fails, for the one-line 400.
//!
//! promql-parser 0.11.1 (the newest) finds the failing token and drops it: its `parse` keeps only
//! the result of the parser it generates from `promql.y` (`let (res, _errs) = ...` in
//! `parser/parse.rs`), so a grammar error reads "invalid promql query" and nothing more, and the
//! generated parser is a private module. So the tour runs the same grammar, a copy of the crate's
//! own `promql.y` beside this file, through the same parser generator's runtime (lrpar 0.14.2,
//! the version the crate builds with, with no error recovery, as the crate builds it), on the
//! crate's own tokens. Same grammar, same tables, same tokens: the token it stops at is the one
//! promql-parser stopped at. No grammar of ours, and nothing here decides whether a query parses:
//! promql-parser does; this only says where, after it said no.

use std::sync::OnceLock;

use cfgrammar::{
    yacc::{YaccGrammar, YaccKind},
    Span,
};
use lrpar::{LexParseError, Lexeme, RTParserBuilder, RecoveryKind};
use lrtable::{Minimiser, StateTable};

/// promql-parser 0.11.1's grammar, as its `src/parser/promql.y` has it.
const GRAMMAR: &str = include_str!("promql.y");

/// The grammar and its parse table, built once, on the first query that does not parse.
fn tables() -> Option<&'static (YaccGrammar<u16>, StateTable<u16>)> {
    static TABLES: OnceLock<Option<(YaccGrammar<u16>, StateTable<u16>)>> = OnceLock::new();
    TABLES
        .get_or_init(|| {
            let grammar =
                YaccGrammar::<u16>::new_with_storaget(YaccKind::Grmtools, GRAMMAR).ok()?;
            let (_, table) = lrtable::from_yacc(&grammar, Minimiser::Pager).ok()?;
            Some((grammar, table))
        })
        .as_ref()
}

/// The span of the token at which the grammar stops reading `query`, or `None` when the
/// grammar reads it whole (its error is then one of the crate's own checks, such as an
/// unknown function) or the lexer refuses it first.
pub fn failing_token(query: &str) -> Option<Span> {
    let lexer = promql_parser::parser::lex::lexer(query).ok()?;
    let (grammar, table) = tables()?;
    let parser = RTParserBuilder::new(grammar, table).recoverer(RecoveryKind::None);
    let (_, errors) = parser.parse_map(&lexer, &|_| (), &|_, _| ());
    errors.into_iter().find_map(|error| match error {
        LexParseError::ParseError(error) => Some(error.lexeme().span()),
        LexParseError::LexError(_) => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use promql_parser::parser::token::*;

    /// The copy numbers every token as promql-parser's lexer does: the lexer's tokens are read
    /// by the copy's table as the crate's own table reads them.
    #[test]
    fn the_copy_numbers_every_token_as_promql_parsers_lexer_does() {
        let (grammar, _) = tables().expect("the copied grammar builds");
        for (name, id) in [
            ("ADD", T_ADD),
            ("AGGREGATORS_END", T_AGGREGATORS_END),
            ("AGGREGATORS_START", T_AGGREGATORS_START),
            ("ANCHORED", T_ANCHORED),
            ("AT", T_AT),
            ("ATAN2", T_ATAN2),
            ("AVG", T_AVG),
            ("BLANK", T_BLANK),
            ("BOOL", T_BOOL),
            ("BOTTOMK", T_BOTTOMK),
            ("BY", T_BY),
            ("CLOSE_HIST", T_CLOSE_HIST),
            ("COLON", T_COLON),
            ("COMMA", T_COMMA),
            ("COMMENT", T_COMMENT),
            ("COUNT", T_COUNT),
            ("COUNT_VALUES", T_COUNT_VALUES),
            ("DIV", T_DIV),
            ("DURATION", T_DURATION),
            ("END", T_END),
            ("EOF", T_EOF),
            ("EQL", T_EQL),
            ("EQLC", T_EQLC),
            ("EQL_REGEX", T_EQL_REGEX),
            ("ERROR", T_ERROR),
            ("FILL", T_FILL),
            ("FILL_LEFT", T_FILL_LEFT),
            ("FILL_RIGHT", T_FILL_RIGHT),
            ("GROUP", T_GROUP),
            ("GROUP_LEFT", T_GROUP_LEFT),
            ("GROUP_RIGHT", T_GROUP_RIGHT),
            ("GTE", T_GTE),
            ("GTR", T_GTR),
            ("IDENTIFIER", T_IDENTIFIER),
            ("IGNORING", T_IGNORING),
            ("KEYWORDS_END", T_KEYWORDS_END),
            ("KEYWORDS_START", T_KEYWORDS_START),
            ("LAND", T_LAND),
            ("LEFT_BRACE", T_LEFT_BRACE),
            ("LEFT_BRACKET", T_LEFT_BRACKET),
            ("LEFT_PAREN", T_LEFT_PAREN),
            ("LIMITK", T_LIMITK),
            ("LIMIT_RATIO", T_LIMIT_RATIO),
            ("LOR", T_LOR),
            ("LSS", T_LSS),
            ("LTE", T_LTE),
            ("LUNLESS", T_LUNLESS),
            ("MAX", T_MAX),
            ("METRIC_IDENTIFIER", T_METRIC_IDENTIFIER),
            ("MIN", T_MIN),
            ("MOD", T_MOD),
            ("MUL", T_MUL),
            ("NEQ", T_NEQ),
            ("NEQ_REGEX", T_NEQ_REGEX),
            ("NUMBER", T_NUMBER),
            ("OFFSET", T_OFFSET),
            ("ON", T_ON),
            ("OPEN_HIST", T_OPEN_HIST),
            ("OPERATORS_END", T_OPERATORS_END),
            ("OPERATORS_START", T_OPERATORS_START),
            ("POW", T_POW),
            ("PREPROCESSOR_END", T_PREPROCESSOR_END),
            ("PREPROCESSOR_START", T_PREPROCESSOR_START),
            ("QUANTILE", T_QUANTILE),
            ("RIGHT_BRACE", T_RIGHT_BRACE),
            ("RIGHT_BRACKET", T_RIGHT_BRACKET),
            ("RIGHT_PAREN", T_RIGHT_PAREN),
            ("SEMICOLON", T_SEMICOLON),
            ("SMOOTHED", T_SMOOTHED),
            ("SPACE", T_SPACE),
            ("START", T_START),
            ("STARTSYMBOLS_END", T_STARTSYMBOLS_END),
            ("STARTSYMBOLS_START", T_STARTSYMBOLS_START),
            ("START_EXPRESSION", T_START_EXPRESSION),
            ("START_METRIC", T_START_METRIC),
            ("START_METRIC_SELECTOR", T_START_METRIC_SELECTOR),
            ("START_SERIES_DESCRIPTION", T_START_SERIES_DESCRIPTION),
            ("STDDEV", T_STDDEV),
            ("STDVAR", T_STDVAR),
            ("STEP", T_STEP),
            ("STRING", T_STRING),
            ("SUB", T_SUB),
            ("SUM", T_SUM),
            ("TIMES", T_TIMES),
            ("TOPK", T_TOPK),
            ("WITHOUT", T_WITHOUT),
        ] {
            let found = grammar.token_idx(name).map(|index| index.as_storaget());
            assert_eq!(found, Some(id), "{name}");
        }
    }
}
