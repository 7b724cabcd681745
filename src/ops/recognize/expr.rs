//! Summaries of expressions and types from tokens alone: the recognizer has no AST for the
//! statements it handles, so an [`Expr`] is its text plus what can be read off the tokens
//! reliably (function names, column names, literals, `IS NOT NULL` conjunctions).

use super::cursor::{Tok, ident_of, is_string, is_word, text_of};
use crate::ops::{Expr, TypeName};
use sqlparser::tokenizer::Token;
use std::collections::HashSet;

/// Words that are syntax, not names, inside an expression: PostgreSQL's reserved words
/// that can appear there, and the few non-reserved ones that are nearly always syntax
/// (`BETWEEN`, `EXISTS`, `INTERVAL '1 day'`, `ROW(...)`). Words that are often column
/// names (`value`, `first`, `range`, ...) are not listed.
const SYNTAX_WORDS: &[&str] = &[
    "all",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "between",
    "both",
    "by",
    "case",
    "cast",
    "collate",
    "default",
    "desc",
    "distinct",
    "else",
    "end",
    "escape",
    "except",
    "exists",
    "false",
    "for",
    "from",
    "group",
    "having",
    "ilike",
    "in",
    "intersect",
    "interval",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "like",
    "limit",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "row",
    "select",
    "similar",
    "some",
    "symmetric",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "using",
    "values",
    "when",
    "where",
    "with",
];

/// Keywords PostgreSQL evaluates as functions without parentheses.
const NILADIC: &[&str] = &[
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "localtime",
    "localtimestamp",
    "session_user",
    "system_user",
    "user",
];

/// Words that may continue a type name after `::` (`::character varying`,
/// `::timestamp with time zone`, `::double precision`).
const TYPE_CONTINUATION: &[&str] = &["varying", "precision", "with", "without", "time", "zone"];

fn is_syntax_word(token: &Token) -> bool {
    SYNTAX_WORDS.iter().any(|w| is_word(token, w))
}

fn is_niladic(token: &Token) -> bool {
    NILADIC.iter().any(|w| is_word(token, w))
}

/// An [`Expr`] for the tokens of one expression.
pub(super) fn expr(sql: &str, toks: &[Tok]) -> Expr {
    let inner = strip_parens(toks);
    let text = text_of(sql, toks);
    // a column, maybe cast, is a few tokens: sqlparser reads them again for the shape
    let column_cast = if toks.len() <= 32 {
        crate::ops::canonical::parse_expr(&text).and_then(|e| crate::ops::lower::column_cast(&e))
    } else {
        None
    };
    Expr {
        text,
        functions: functions(toks),
        columns: columns(toks),
        has_subquery: toks.iter().any(|t| is_word(&t.token, "select")),
        is_constant: is_literal(inner, false, 0),
        is_null: is_literal(inner, true, 0),
        proves_not_null: proves_not_null(toks),
        column_cast,
    }
}

/// A [`TypeName`] for the tokens of a type as written.
pub(super) fn type_name(sql: &str, toks: &[Tok]) -> TypeName {
    TypeName::parse(&text_of(sql, toks))
}

/// `((x))` -> `x`: removes parentheses that enclose the whole run. Linear in the length,
/// however deep the nesting.
pub(super) fn strip_parens(toks: &[Tok]) -> &[Tok] {
    // the partner of each `(` that opens a prefix run `((( ...`
    let opening = toks.iter().take_while(|t| t.token == Token::LParen).count();
    if opening == 0 {
        return toks;
    }
    let mut partner = vec![None; opening];
    let mut stack: Vec<usize> = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        match t.token {
            Token::LParen => stack.push(i),
            Token::RParen => {
                if let Some(open) = stack.pop() {
                    if let Some(slot) = partner.get_mut(open) {
                        *slot = Some(i);
                    }
                }
            }
            _ => {}
        }
    }
    let mut layers = 0;
    while layers < opening && partner[layers] == Some(toks.len() - 1 - layers) {
        layers += 1;
    }
    toks.get(layers..toks.len() - layers).unwrap_or(&[])
}

/// Names in first-seen order, without repeats.
#[derive(Default)]
struct Unique {
    seen: HashSet<String>,
    out: Vec<String>,
}

impl Unique {
    fn push(&mut self, name: String) {
        if self.seen.insert(name.clone()) {
            self.out.push(name);
        }
    }
}

fn prev_is_type_position(toks: &[Tok], i: usize) -> bool {
    i > 0 && {
        let prev = &toks[i - 1].token;
        *prev == Token::DoubleColon || is_word(prev, "as")
    }
}

/// Lowercased names of the functions called (unqualified), in order, without repeats.
fn functions(toks: &[Tok]) -> Vec<String> {
    let mut out = Unique::default();
    for (i, t) in toks.iter().enumerate() {
        let Token::Word(w) = &t.token else { continue };
        let called = toks.get(i + 1).is_some_and(|n| n.token == Token::LParen);
        let name = if called {
            if is_syntax_word(&t.token) || prev_is_type_position(toks, i) {
                continue;
            }
            w.value.to_lowercase()
        } else if is_niladic(&t.token) && toks.get(i + 1).is_none_or(|n| n.token != Token::Period) {
            w.value.to_lowercase()
        } else {
            continue;
        };
        out.push(name);
    }
    out.out
}

/// Column names referenced (folded, unqualified), in order, without repeats.
fn columns(toks: &[Tok]) -> Vec<String> {
    let mut out = Unique::default();
    let mut i = 0;
    while let Some(tok) = toks.get(i) {
        let t = &tok.token;
        let next = toks.get(i + 1).map(|n| &n.token);
        // `AT TIME ZONE`
        if is_word(t, "at")
            && next.is_some_and(|n| is_word(n, "time"))
            && toks.get(i + 2).is_some_and(|n| is_word(&n.token, "zone"))
        {
            i += 3;
            continue;
        }
        // a type after `::` (or `AS` in a cast): skip its words
        if *t == Token::DoubleColon {
            i += 2;
            while toks
                .get(i)
                .is_some_and(|n| TYPE_CONTINUATION.iter().any(|w| is_word(&n.token, w)))
            {
                i += 1;
            }
            continue;
        }
        let Some(name) = ident_of(t) else {
            i += 1;
            continue;
        };
        let quoted = matches!(t, Token::Word(w) if w.quote_style.is_some());
        let after_from = i > 0
            && ["from", "join", "into", "update"]
                .iter()
                .any(|w| is_word(&toks[i - 1].token, w));
        let skip = (!quoted && (is_syntax_word(t) || is_niladic(t)))
            || next.is_some_and(|n| *n == Token::LParen || *n == Token::Period || is_string(n))
            || prev_is_type_position(toks, i)
            || after_from;
        if !skip {
            out.push(name);
        }
        i += 1;
    }
    out.out
}

/// How many nested casts a literal may carry before we stop looking (`((1)::a)::b`...).
const MAX_CAST_DEPTH: usize = 16;

/// A single literal (number, string, boolean, NULL; `NULL` only when `null_only`), maybe
/// signed, maybe cast (`'x'::text`, `CAST(1 AS int8)`), maybe a typed literal
/// (`interval '1 day'`), maybe in parentheses.
fn is_literal(toks: &[Tok], null_only: bool, casts: usize) -> bool {
    if casts > MAX_CAST_DEPTH {
        return false;
    }
    let toks = strip_parens(toks);
    // a trailing `::type` at the top level
    let mut depth = 0i32;
    for (i, t) in toks.iter().enumerate() {
        match t.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth -= 1,
            Token::DoubleColon if depth == 0 => {
                let ty = &toks[i + 1..];
                return !ty.is_empty()
                    && is_type_tokens(ty)
                    && is_literal(&toks[..i], null_only, casts + 1);
            }
            _ => {}
        }
    }
    match toks {
        [lit] => {
            if null_only {
                is_word(&lit.token, "null")
            } else {
                matches!(lit.token, Token::Number(..))
                    || is_string(&lit.token)
                    || ["null", "true", "false"]
                        .iter()
                        .any(|w| is_word(&lit.token, w))
            }
        }
        [sign, lit] if !null_only && matches!(sign.token, Token::Minus | Token::Plus) => {
            matches!(lit.token, Token::Number(..))
        }
        [ty, lit] if !null_only => matches!(ty.token, Token::Word(_)) && is_string(&lit.token),
        [cast, rest @ ..] if is_word(&cast.token, "cast") => {
            let inner = strip_parens(rest);
            inner.len() + 2 == rest.len()
                && inner
                    .iter()
                    .position(|t| is_word(&t.token, "as"))
                    .is_some_and(|p| is_literal(&inner[..p], null_only, casts + 1))
        }
        _ => false,
    }
}

/// Tokens that can only be a type name (words, dots, modifiers, array brackets).
fn is_type_tokens(toks: &[Tok]) -> bool {
    toks.iter().all(|t| {
        matches!(
            t.token,
            Token::Word(_)
                | Token::Period
                | Token::LParen
                | Token::RParen
                | Token::Comma
                | Token::Number(..)
                | Token::LBracket
                | Token::RBracket
        )
    })
}

/// The columns a boolean expression proves NOT NULL: the `col IS NOT NULL` terms of its
/// top-level conjunction (nothing when the top level has an `OR`).
fn proves_not_null(toks: &[Tok]) -> Vec<String> {
    let toks = strip_parens(toks);
    let mut terms = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        match t.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth -= 1,
            _ if depth == 0 && is_word(&t.token, "or") => return Vec::new(),
            _ if depth == 0 && is_word(&t.token, "and") => {
                terms.push(&toks[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    terms.push(&toks[start..]);
    let mut out = Unique::default();
    for term in terms {
        let term = strip_parens(term);
        let n = term.len();
        if n < 4
            || !is_word(&term[n - 3].token, "is")
            || !is_word(&term[n - 2].token, "not")
            || !is_word(&term[n - 1].token, "null")
        {
            continue;
        }
        // the subject: `col`, `t.col` or `"Col"`
        let subject = &term[..n - 3];
        let well_formed = subject.iter().enumerate().all(|(i, t)| {
            if i % 2 == 0 {
                ident_of(&t.token).is_some()
            } else {
                t.token == Token::Period
            }
        }) && subject.len() % 2 == 1;
        if let Some(col) = subject.last().and_then(|t| ident_of(&t.token)) {
            if well_formed {
                out.push(col);
            }
        }
    }
    out.out
}
