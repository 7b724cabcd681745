//! Catalog probes in `DO` blocks: `IF EXISTS (SELECT 1 FROM pg_indexes WHERE indexname =
//! 'x') THEN ... END IF`, the guard a migration writes around a statement that only some
//! databases need. Replay can answer such a question from its own catalog, and so apply
//! only the branches the server ran. Only simple bodies are followed (a sequence of
//! one-level `IF <probe> THEN ... END IF`); any other body leaves every statement applied,
//! as before.

use super::recognize::cursor::{Tok, ident_of, string_of, tokenize};
use sqlparser::tokenizer::Token;

/// How a probe's rows are judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Test {
    /// `EXISTS (SELECT ...)`
    Exists,
    /// `(SELECT count(*) = n ...)`, `(SELECT count(*) ...) = n`
    CountIs(u64),
}

/// `[NOT] EXISTS (SELECT ... FROM relation WHERE column = 'v' AND column IN ('a', 'b'))`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    pub negated: bool,
    pub test: Test,
    /// The catalog relation read, folded, without `pg_catalog.` (`pg_indexes`,
    /// `information_schema.columns`).
    pub relation: String,
    /// Column (folded, unqualified) -> the values it must be one of.
    pub filters: Vec<Filter>,
}

/// `column = 'v'` or `column IN ('a', 'b')`: the column and the values.
pub type Filter = (String, Vec<String>);

fn kw(t: Option<&Tok>, word: &str) -> bool {
    matches!(t.map(|t| &t.token), Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word))
}

fn is(t: Option<&Tok>, token: &Token) -> bool {
    t.is_some_and(|t| &t.token == token)
}

/// Strips parentheses around the whole token list.
fn unwrap(mut toks: &[Tok]) -> &[Tok] {
    while toks.len() >= 2
        && toks[0].token == Token::LParen
        && toks[toks.len() - 1].token == Token::RParen
    {
        // the first `(` must close at the end
        let mut depth = 0i32;
        let mut closes_at_end = true;
        for (i, t) in toks.iter().enumerate() {
            match t.token {
                Token::LParen => depth += 1,
                Token::RParen => depth -= 1,
                _ => {}
            }
            if depth == 0 && i + 1 < toks.len() {
                closes_at_end = false;
                break;
            }
        }
        if !closes_at_end {
            break;
        }
        toks = &toks[1..toks.len() - 1];
    }
    toks
}

/// The probe in an `IF` condition given as `SELECT <condition>` (how `parse::plpgsql`
/// hands conditions over), or `None` when it is not one this module reads.
pub fn parse(condition_query: &str) -> Option<Probe> {
    let (toks, _) = tokenize(condition_query)?;
    let toks = if kw(toks.first(), "select") {
        &toks[1..]
    } else {
        &toks[..]
    };
    let mut toks = unwrap(toks);
    let mut negated = false;
    if kw(toks.first(), "not") {
        negated = true;
        toks = unwrap(&toks[1..]);
    }
    if kw(toks.first(), "exists") {
        let inner = unwrap(&toks[1..]);
        let (relation, filters) = select_from_where(inner, 0)?;
        return Some(Probe {
            negated,
            test: Test::Exists,
            relation,
            filters,
        });
    }
    // `(SELECT count(*) = n FROM ...)`
    if kw(toks.first(), "select")
        && kw(toks.get(1), "count")
        && is(toks.get(2), &Token::LParen)
        && is(toks.get(3), &Token::Mul)
        && is(toks.get(4), &Token::RParen)
        && is(toks.get(5), &Token::Eq)
    {
        let Token::Number(n, _) = &toks.get(6)?.token else {
            return None;
        };
        let n: u64 = n.parse().ok()?;
        let (relation, filters) = select_from_where(toks, 7)?;
        return Some(Probe {
            negated,
            test: Test::CountIs(n),
            relation,
            filters,
        });
    }
    None
}

/// `SELECT ... FROM relation [alias] WHERE filters` from token `from` on: the
/// relation and the filters, if every filter is `column = 'v'` or `column IN (...)`.
fn select_from_where(toks: &[Tok], from: usize) -> Option<(String, Vec<Filter>)> {
    let start = (from..toks.len()).find(|&i| kw(toks.get(i), "from"))?;
    let mut i = start + 1;
    let mut relation = ident_of(&toks.get(i)?.token)?;
    i += 1;
    if is(toks.get(i), &Token::Period) {
        let name = ident_of(&toks.get(i + 1)?.token)?;
        relation = if relation == "pg_catalog" {
            name
        } else {
            format!("{relation}.{name}")
        };
        i += 2;
    }
    // an alias
    if kw(toks.get(i), "as") {
        i += 1;
    }
    if !kw(toks.get(i), "where") && toks.get(i).is_some() {
        i += 1;
    }
    if toks.get(i).is_none() {
        return Some((relation, Vec::new()));
    }
    if !kw(toks.get(i), "where") {
        return None;
    }
    i += 1;
    let mut filters = Vec::new();
    loop {
        // column, maybe qualified by the alias
        let mut column = ident_of(&toks.get(i)?.token)?;
        i += 1;
        if is(toks.get(i), &Token::Period) {
            column = ident_of(&toks.get(i + 1)?.token)?;
            i += 2;
        }
        if is(toks.get(i), &Token::Eq) {
            let value = string_of(&toks.get(i + 1)?.token)?;
            filters.push((column, vec![value]));
            i += 2;
        } else if kw(toks.get(i), "in") && is(toks.get(i + 1), &Token::LParen) {
            i += 2;
            let mut values = Vec::new();
            loop {
                values.push(string_of(&toks.get(i)?.token)?);
                i += 1;
                match toks.get(i).map(|t| &t.token) {
                    Some(Token::Comma) => i += 1,
                    Some(Token::RParen) => {
                        i += 1;
                        break;
                    }
                    _ => return None,
                }
            }
            filters.push((column, values));
        } else {
            return None;
        }
        match toks.get(i) {
            None => return Some((relation, filters)),
            Some(_) if kw(toks.get(i), "and") => i += 1,
            Some(_) => return None,
        }
    }
}

/// The body is a sequence of statements and one-level `IF ... THEN ... END IF` blocks
/// whose conditions each hold a subquery (so `parse::plpgsql` hands each condition over
/// just before the statements it guards): no `ELSE`, `ELSIF`, `CASE`, loop or exception
/// handler.
pub fn simple_guarded_body(body: &str) -> bool {
    let Some((toks, _)) = tokenize(body) else {
        return false;
    };
    const NOT_SIMPLE: &[&str] = &[
        "else",
        "elsif",
        "elseif",
        "case",
        "loop",
        "while",
        "for",
        "foreach",
        "exception",
        "return",
        "goto",
        "exit",
        "continue",
    ];
    let mut in_if = false;
    let mut in_condition = false;
    let mut condition_has_select = false;
    for (i, t) in toks.iter().enumerate() {
        let Token::Word(w) = &t.token else {
            continue;
        };
        if w.quote_style.is_some() {
            continue;
        }
        let word = w.value.to_ascii_lowercase();
        if NOT_SIMPLE.contains(&word.as_str()) {
            return false;
        }
        // PL/pgSQL's IF starts a statement; DDL's `IF [NOT] EXISTS` does not
        let starts_statement = i == 0
            || toks[i - 1].token == Token::SemiColon
            || kw(toks.get(i - 1), "begin")
            || kw(toks.get(i - 1), "then");
        match word.as_str() {
            "if" if i > 0 && kw(toks.get(i - 1), "end") => {
                if !in_if {
                    return false;
                }
                in_if = false;
            }
            "if" if starts_statement => {
                if in_if {
                    return false;
                }
                in_if = true;
                in_condition = true;
                condition_has_select = false;
            }
            "select" if in_condition => condition_has_select = true,
            "then" if in_condition => {
                if !condition_has_select {
                    return false;
                }
                in_condition = false;
            }
            _ => {}
        }
    }
    !in_if
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn existence_and_count_probes_are_read() {
        let p = parse(
            "SELECT exists (\n select 1 from pg_indexes where indexname = 'unique_verified_phone_factor'\n and schemaname = 'auth')",
        );
        assert_eq!(
            p,
            Some(Probe {
                negated: false,
                test: Test::Exists,
                relation: "pg_indexes".to_string(),
                filters: vec![
                    (
                        "indexname".to_string(),
                        vec!["unique_verified_phone_factor".to_string()]
                    ),
                    ("schemaname".to_string(), vec!["auth".to_string()]),
                ],
            })
        );
        let p = parse(
            "SELECT (select count(*) = 2 from pg_indexes where indexname in ('a', 'b') and schemaname = 'auth')",
        );
        assert_eq!(
            p.map(|p| (p.test, p.filters.len())),
            Some((Test::CountIs(2), 2))
        );
        let p = parse(
            "SELECT NOT EXISTS (SELECT 1 FROM information_schema.columns c WHERE c.table_name = 't' AND c.column_name = 'x')",
        );
        assert_eq!(
            p.map(|p| (p.negated, p.relation)),
            Some((true, "information_schema.columns".to_string()))
        );
        // a filter we cannot read
        assert_eq!(
            parse("SELECT exists (select 1 from pg_class where relkind <> 'r')"),
            None
        );
    }

    #[test]
    fn only_one_level_ifs_without_other_branches_are_simple() {
        let simple = "begin\n if (select count(*) = 2 from pg_indexes where indexname in ('a')) then\n execute 'drop index a';\n end if;\n if exists (select 1 from pg_indexes where indexname = 'a') then\n execute 'alter index a rename to b';\n end if;\nend";
        assert!(simple_guarded_body(simple));
        assert!(!simple_guarded_body(
            "begin if exists (select 1 from pg_class) then drop table a; else drop table b; end if; end"
        ));
        assert!(!simple_guarded_body(
            "begin if x > 1 then drop table a; end if; end"
        ));
        assert!(simple_guarded_body(
            "begin create table if not exists a (id int); drop index if exists b; end"
        ));
    }
}
