//! The names an expression's text refers to, found and changed by tokens.
//!
//! Replay keeps an expression (a CHECK, an index key or predicate, a default, a generated
//! column) as the text a migration wrote; PostgreSQL keeps it as a tree of object ids, so
//! a rename reaches every expression that uses the object. These functions do the same
//! to the text: they read sqlparser's tokens, never look inside a string literal or a
//! comment (except a `'name'::regclass` literal, which *is* a name to PostgreSQL), and
//! change only the byte ranges of the tokens that name the object. A text the tokenizer
//! rejects is left as it is.

use super::ObjectName;
use super::names::quote_ident;
use super::recognize::cursor::{Tok, ident_of, string_of, tokenize};
use sqlparser::tokenizer::Token;

/// The tokens of `text`, or `None` when it does not tokenize.
fn tokens(text: &str) -> Option<Vec<Tok>> {
    tokenize(text).map(|(t, _)| t)
}

fn is_word(t: &Tok) -> bool {
    matches!(t.token, Token::Word(_))
}

fn is_keyword(t: &Tok, kw: &str) -> bool {
    matches!(&t.token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
}

/// Marks the words that spell a type: those after `::`, and after `AS` in `CAST(x AS t)`
/// (a run of words: `::timestamp with time zone`, `::public.status`).
fn type_words(toks: &[Tok]) -> Vec<bool> {
    let mut out = vec![false; toks.len()];
    let mut in_type = false;
    for (i, t) in toks.iter().enumerate() {
        if in_type && (is_word(t) || t.token == Token::Period) {
            out[i] = true;
            continue;
        }
        in_type = t.token == Token::DoubleColon || is_keyword(t, "as");
    }
    out
}

/// The indexes of the tokens naming column `column` of the table called `table` (as an
/// unqualified name or qualified by the table's name): not a function's name, a type, a
/// qualifier, or the type word of a typed literal (`date '2024-01-01'`).
fn column_tokens(toks: &[Tok], table: &str, column: &str) -> Vec<usize> {
    let types = type_words(toks);
    let mut out = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        if types[i] || ident_of(&t.token).as_deref() != Some(column) {
            continue;
        }
        let next = toks.get(i + 1).map(|n| &n.token);
        if matches!(next, Some(Token::LParen | Token::Period))
            || next.is_some_and(|n| string_of(n).is_some())
        {
            continue;
        }
        if i >= 1 && toks[i - 1].token == Token::Period {
            let qualifier = i.checked_sub(2).and_then(|q| ident_of(&toks[q].token));
            if qualifier.as_deref() != Some(table) {
                continue;
            }
        }
        out.push(i);
    }
    out
}

/// Replaces the given byte ranges of `text` (in order, not overlapping).
fn splice(text: &str, edits: &[(usize, usize, String)]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    for (start, end, with) in edits {
        out.push_str(&text[at..*start]);
        out.push_str(with);
        at = *end;
    }
    out.push_str(&text[at..]);
    out
}

/// The expression uses column `column` of table `table`.
pub fn uses_column(text: &str, table: &str, column: &str) -> bool {
    tokens(text).is_some_and(|toks| !column_tokens(&toks, table, column).is_empty())
}

/// The columns of table `table` among `candidates` that the expression uses.
pub fn columns_used<'a>(text: &str, table: &str, candidates: &'a [String]) -> Vec<&'a String> {
    let Some(toks) = tokens(text) else {
        return Vec::new();
    };
    candidates
        .iter()
        .filter(|c| !column_tokens(&toks, table, c).is_empty())
        .collect()
}

/// `text` with column `from` of table `table` renamed to `to`; `None` when the expression
/// does not use it.
pub fn rename_column(text: &str, table: &str, from: &str, to: &str) -> Option<String> {
    let toks = tokens(text)?;
    let found = column_tokens(&toks, table, from);
    if found.is_empty() {
        return None;
    }
    let with = quote_ident(to);
    let edits: Vec<(usize, usize, String)> = found
        .into_iter()
        .map(|i| (toks[i].start, toks[i].end, with.clone()))
        .collect();
    Some(splice(text, &edits))
}

/// The expression calls function `name` (unqualified, or qualified by `schema`).
pub fn calls_function(text: &str, schema: Option<&str>, name: &str) -> bool {
    let Some(toks) = tokens(text) else {
        return false;
    };
    toks.iter().enumerate().any(|(i, t)| {
        ident_of(&t.token).as_deref() == Some(name)
            && toks.get(i + 1).is_some_and(|n| n.token == Token::LParen)
            && (i == 0
                || toks[i - 1].token != Token::Period
                || i.checked_sub(2)
                    .and_then(|q| ident_of(&toks[q].token))
                    .is_some_and(|q| Some(q.as_str()) == schema))
    })
}

/// The expression names a relation `names` accepts in a `regclass` literal (see
/// [`rename_regclass`]).
pub fn uses_regclass(text: &str, names: impl Fn(&ObjectName) -> bool) -> bool {
    rename_regclass(text, |n| names(n).then(|| n.clone())).is_some()
}

/// A string literal, written as PostgreSQL reads it back.
fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// `text` with every relation named by a literal PostgreSQL reads as a `regclass`
/// (`'seq'::regclass`, the first argument of `nextval`, `currval`, `setval`) passed
/// through `rename`; `None` when nothing changed.
pub fn rename_regclass(
    text: &str,
    rename: impl Fn(&ObjectName) -> Option<ObjectName>,
) -> Option<String> {
    let toks = tokens(text)?;
    let mut edits = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        let Some(value) = string_of(&t.token) else {
            continue;
        };
        let cast = toks
            .get(i + 1)
            .is_some_and(|n| n.token == Token::DoubleColon)
            && toks.get(i + 2).is_some_and(|n| is_keyword(n, "regclass"));
        let argument = i >= 2
            && toks[i - 1].token == Token::LParen
            && ["nextval", "currval", "setval"]
                .iter()
                .any(|f| is_keyword(&toks[i - 2], f));
        if !(cast || argument) {
            continue;
        }
        if let Some(new) = rename(&ObjectName::parse(&value)) {
            edits.push((t.start, t.end, literal(&new.to_string())));
        }
    }
    (!edits.is_empty()).then(|| splice(text, &edits))
}

/// The type a `::` at token `i` casts to (`name` or `schema.name`), and the index of its
/// name token.
fn cast_target(toks: &[Tok], i: usize) -> Option<(ObjectName, usize)> {
    if toks.get(i)?.token != Token::DoubleColon {
        return None;
    }
    let first = ident_of(&toks.get(i + 1)?.token)?;
    if toks.get(i + 2).is_some_and(|t| t.token == Token::Period) {
        let second = ident_of(&toks.get(i + 3)?.token)?;
        return Some((ObjectName::new(Some(&first), &second), i + 3));
    }
    Some((ObjectName::unqualified(&first), i + 1))
}

/// `text` with the string literal `from` of an enum type renamed to `to`, where the
/// literal is of that type: cast to it (`'a'::status`, `is_type` tells), compared with a
/// column of it (`kind = 'a'`, `kind <> 'a'`, `kind IN ('a', 'b')`: `is_column` tells),
/// or, with `whole`, the whole expression (a column's default is of the column's type).
pub fn rename_enum_value(
    text: &str,
    from: &str,
    to: &str,
    whole: bool,
    is_type: impl Fn(&ObjectName) -> bool,
    is_column: impl Fn(&str) -> bool,
) -> Option<String> {
    let toks = tokens(text)?;
    let literals: Vec<usize> = toks
        .iter()
        .enumerate()
        .filter(|(_, t)| string_of(&t.token).is_some())
        .map(|(i, _)| i)
        .collect();
    let compared_column = |i: usize| -> bool {
        let column_at = |j: usize| {
            toks.get(j)
                .and_then(|t| ident_of(&t.token))
                .is_some_and(|c| is_column(&c))
        };
        match i.checked_sub(1).map(|p| &toks[p].token) {
            Some(Token::Eq | Token::Neq) => i >= 2 && column_at(i - 2),
            Some(Token::LParen | Token::Comma) => {
                // `col IN ('a', 'b')`: back to the `(` of the list
                let mut j = i;
                while j > 0 && toks[j - 1].token != Token::LParen {
                    j -= 1;
                }
                j >= 3 && is_keyword(&toks[j - 2], "in") && column_at(j - 3)
            }
            _ => false,
        }
    };
    let mut edits = Vec::new();
    for &i in &literals {
        if string_of(&toks[i].token).as_deref() != Some(from) {
            continue;
        }
        let cast = cast_target(&toks, i + 1).is_some_and(|(ty, _)| is_type(&ty));
        // the literal alone, maybe cast
        let alone = whole && i == 0 && (toks.len() == 1 || cast_target(&toks, 1).is_some());
        if cast || alone || compared_column(i) {
            edits.push((toks[i].start, toks[i].end, literal(to)));
        }
    }
    (!edits.is_empty()).then(|| splice(text, &edits))
}

/// `text` with the type casts (`::t`, `::schema.t`) to a type `is_type` accepts naming
/// `to` instead; `None` when nothing changed.
pub fn rename_cast_type(
    text: &str,
    is_type: impl Fn(&ObjectName) -> bool,
    to: &str,
) -> Option<String> {
    let toks = tokens(text)?;
    let mut edits = Vec::new();
    for i in 0..toks.len() {
        if let Some((ty, at)) = cast_target(&toks, i)
            && is_type(&ty)
        {
            edits.push((toks[at].start, toks[at].end, quote_ident(to)));
        }
    }
    (!edits.is_empty()).then(|| splice(text, &edits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_rename_changes_references_not_literals_functions_or_other_tables() {
        assert_eq!(
            rename_column("lower(actor_id)", "person", "actor_id", "ap_id").as_deref(),
            Some("lower(ap_id)")
        );
        assert_eq!(
            rename_column(
                "coalesce(newest_comment_time, published) > '2020-01-01'::date",
                "post",
                "published",
                "published_at"
            )
            .as_deref(),
            Some("coalesce(newest_comment_time, published_at) > '2020-01-01'::date")
        );
        // a literal spelling the name, a function of that name, another table's column
        assert_eq!(
            rename_column("actor_id = 'actor_id'", "t", "actor_id", "x").as_deref(),
            Some("x = 'actor_id'")
        );
        assert_eq!(rename_column("actor_id(1)", "t", "actor_id", "x"), None);
        assert_eq!(
            rename_column("t.a + other.a + public.t.a", "t", "a", "b").as_deref(),
            Some("t.b + other.a + public.t.b")
        );
        // a type or a typed literal of the same word
        assert_eq!(
            rename_column("x::date + date '2020-01-01'", "t", "date", "d"),
            None
        );
        assert_eq!(
            rename_column("\"Mixed\" IS NOT NULL", "t", "Mixed", "new name").as_deref(),
            Some("\"new name\" IS NOT NULL")
        );
        assert!(uses_column("blocked IS NOT NULL", "t", "blocked"));
        assert!(!uses_column("'blocked' IS NOT NULL", "t", "blocked"));
    }

    #[test]
    fn a_sequence_rename_reaches_regclass_literals() {
        let rename = |n: &ObjectName| {
            (n.name == "user__id_seq").then(|| ObjectName::new(Some("public"), "person_id_seq"))
        };
        assert_eq!(
            rename_regclass("nextval('user__id_seq'::regclass)", rename).as_deref(),
            Some("nextval('public.person_id_seq'::regclass)")
        );
        assert_eq!(
            rename_regclass("nextval('public.user__id_seq')", rename).as_deref(),
            Some("nextval('public.person_id_seq')")
        );
        assert_eq!(rename_regclass("'user__id_seq'", rename), None);
    }

    #[test]
    fn an_enum_value_rename_reaches_literals_of_the_type() {
        let is_type = |t: &ObjectName| t.name == "mode";
        let is_column = |c: &str| c == "kind";
        let r = |text: &str, whole| rename_enum_value(text, "a", "A", whole, is_type, is_column);
        assert_eq!(r("'a'", true).as_deref(), Some("'A'"));
        assert_eq!(r("'a'::mode", false).as_deref(), Some("'A'::mode"));
        assert_eq!(
            r("'a'::public.mode", false).as_deref(),
            Some("'A'::public.mode")
        );
        assert_eq!(r("'a'", false), None);
        assert_eq!(r("'a'::text", false), None);
        assert_eq!(
            r("kind = 'a' OR kind IN ('b', 'a') OR other = 'a'", false).as_deref(),
            Some("kind = 'A' OR kind IN ('b', 'A') OR other = 'a'")
        );
    }

    #[test]
    fn function_calls_and_regclass_literals_are_found() {
        assert!(calls_function("f(x) > 0", Some("public"), "f"));
        assert!(calls_function("public.f(x)", Some("public"), "f"));
        assert!(!calls_function("other.f(x)", Some("public"), "f"));
        assert!(!calls_function(
            "f > 0 AND 'f(x)' <> ''",
            Some("public"),
            "f"
        ));
        assert!(uses_regclass("nextval('s'::regclass)", |n| n.name == "s"));
        assert!(!uses_regclass("'s'", |n| n.name == "s"));
    }

    #[test]
    fn a_type_rename_reaches_casts() {
        assert_eq!(
            rename_cast_type(
                "'x'::old_t OR y::public.old_t OR z::other",
                |t| t.name == "old_t",
                "new_t"
            )
            .as_deref(),
            Some("'x'::new_t OR y::public.new_t OR z::other")
        );
    }
}
