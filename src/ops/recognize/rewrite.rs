//! Forms sqlparser rejects but parses after a small rewrite of the text that changes
//! nothing the operation model records: `TABLE t` (`SELECT * FROM t`), `EXPLAIN` with
//! options sqlparser does not take before the statement it explains, subscripted and
//! field assignment targets (`SET a[1].f = ...`: the column is `a`), `OVERRIDING ...
//! VALUE` in `MERGE`, `CREATE UNLOGGED SEQUENCE`, and a query's `(x).*` and `VARIADIC`
//! arguments. The rewritten text goes through the whole statement parser again; each
//! rewrite removes tokens, so this ends.

use super::cursor::{Cursor, Tok, is_word, text_of};
use crate::ops::Operation;
use sqlparser::tokenizer::Token;

/// How many rewrites may nest (`EXPLAIN EXPLAIN ...` would otherwise recurse once per
/// word, and overflow the stack rather than fail).
const MOST_NESTED: u32 = 4;

thread_local! {
    static NESTED: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// The statement `text` parses to, or `None` when it does not (or when rewrites nest
/// too deep).
fn reparse(text: &str) -> Option<Operation> {
    let depth = NESTED.with(|n| n.get());
    if depth >= MOST_NESTED {
        return None;
    }
    NESTED.with(|n| n.set(depth + 1));
    let op = crate::parse::parse_statement(text);
    NESTED.with(|n| n.set(depth));
    match op {
        Operation::Unparsed { .. } => None,
        op => Some(op),
    }
}

/// `sql` with each byte range of `cuts` replaced by its text (ranges in order, apart).
fn edited(sql: &str, cuts: &[(usize, usize, &str)]) -> Option<String> {
    let mut out = String::with_capacity(sql.len());
    let mut at = 0;
    for &(start, end, with) in cuts {
        out.push_str(sql.get(at..start)?);
        out.push(' ');
        out.push_str(with);
        out.push(' ');
        at = end;
    }
    out.push_str(sql.get(at..)?);
    Some(out)
}

/// `TABLE [ONLY] name [*]`, at TABLE: the same as `SELECT * FROM [ONLY] name [*]`.
pub(super) fn table(c: &mut Cursor) -> Option<Operation> {
    let rest = c.take_rest();
    rest.first()?;
    reparse(&format!("SELECT * FROM {}", text_of(c.sql, rest)))
}

/// `EXPLAIN [(options)] | [ANALYZE] [VERBOSE] statement`, after EXPLAIN.
pub(super) fn explain(c: &mut Cursor) -> Option<Operation> {
    let mut analyze = false;
    if let Some(options) = c.parens() {
        for option in super::cursor::split_commas(options) {
            let mut o = c.over(option);
            if o.eat_kw("analyze") || o.eat_kw("analyse") {
                // `ANALYZE false | off | 0` turns it off
                analyze = !(o.is_kw("false")
                    || o.is_kw("off")
                    || o.is_tok(&Token::Number("0".to_string(), false)));
            }
        }
    } else {
        analyze = c.eat_kw("analyze") || c.eat_kw("analyse");
        c.eat_kw("verbose");
    }
    let inner = text_of(c.sql, c.take_rest());
    let op = reparse(&inner)?;
    Some(crate::ops::explained(analyze, op))
}

/// `UPDATE ... SET a[1] = ..., b.f = ...` or `INSERT INTO t (a[1], b.f) ...`: the
/// subscripts and fields of each target are cut, leaving the column assigned.
pub(super) fn assignment_targets(c: &Cursor) -> Option<Operation> {
    let toks = c.toks;
    let mut cuts = Vec::new();
    // each target's column, and whether it had a subscript or field
    let mut targets: Vec<(String, bool)> = Vec::new();
    let update = c.is_kw("update");
    let mut i = 0;
    let mut depth = 0i32;
    // the nesting depth of the target list's items, once the list has started
    let mut list_depth = None;
    while i < toks.len() {
        let t = &toks[i].token;
        match list_depth {
            None if update && depth == 0 && is_word(t, "set") => {
                list_depth = Some(0);
                i += 1;
                take_target(toks, &mut i, &mut cuts, &mut targets);
                continue;
            }
            None if !update && depth == 0 && is_word(t, "into") => {
                // INSERT INTO name [AS alias] (
                let mut j = i + 1;
                while j < toks.len() && toks[j].token != Token::LParen {
                    if is_word(&toks[j].token, "values")
                        || is_word(&toks[j].token, "select")
                        || is_word(&toks[j].token, "default")
                    {
                        return None;
                    }
                    j += 1;
                }
                list_depth = Some(1);
                depth = 1;
                i = j + 1;
                take_target(toks, &mut i, &mut cuts, &mut targets);
                continue;
            }
            Some(d) if depth == d && *t == Token::Comma => {
                i += 1;
                take_target(toks, &mut i, &mut cuts, &mut targets);
                continue;
            }
            Some(d)
                if depth == d
                    && update
                    && (is_word(t, "from") || is_word(t, "where") || is_word(t, "returning")) =>
            {
                break;
            }
            Some(1) if !update && depth == 1 && *t == Token::RParen => break,
            _ => {}
        }
        match t {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    if cuts.is_empty() {
        return None;
    }
    let cuts: Vec<(usize, usize, &str)> = cuts.into_iter().map(|(s, e)| (s, e, "")).collect();
    let mut op = reparse(&edited(c.sql, &cuts)?)?;
    if let Operation::Insert(d) | Operation::Update(d) = &mut op {
        d.repeated_column = repeated_whole(&targets);
    }
    Some(op)
}

/// A column assigned more than once where one of the assignments is to the whole
/// column: PostgreSQL merges assignments to distinct (or even the same) subscripts and
/// fields of one column (`SET a[1] = 1, a[3] = 2`, `(d[1].r, d[1].i)`), and rejects a
/// whole column assigned beside anything else to it.
fn repeated_whole(targets: &[(String, bool)]) -> Option<String> {
    targets.iter().enumerate().find_map(|(k, (name, partial))| {
        let again = targets[..k]
            .iter()
            .any(|(n, p)| n == name && (!p || !partial));
        again.then(|| name.clone())
    })
}

/// At a target: records its column and whether it had a subscript or field, and the
/// byte range to cut.
fn take_target(
    toks: &[Tok],
    i: &mut usize,
    cuts: &mut Vec<(usize, usize)>,
    targets: &mut Vec<(String, bool)>,
) {
    let name = toks.get(*i).and_then(|t| super::cursor::ident_of(&t.token));
    let cut = target_cut(toks, i);
    if let Some(name) = name {
        targets.push((name, cut.is_some()));
    }
    cuts.extend(cut);
}

/// At a target `col[...]...[.field]...`: moves past it and returns the byte range of what
/// follows the column name, if anything does.
fn target_cut(toks: &[Tok], i: &mut usize) -> Option<(usize, usize)> {
    super::cursor::ident_of(&toks.get(*i)?.token)?;
    *i += 1;
    let from = *i;
    loop {
        match toks.get(*i).map(|t| &t.token) {
            Some(Token::LBracket) => {
                let mut depth = 0i32;
                while let Some(t) = toks.get(*i) {
                    match t.token {
                        Token::LBracket => depth += 1,
                        Token::RBracket => depth -= 1,
                        _ => {}
                    }
                    *i += 1;
                    if depth == 0 {
                        break;
                    }
                }
            }
            Some(Token::Period) => {
                // `.field` (in PostgreSQL a target's `a.b` is field b of column a)
                *i += 1;
                super::cursor::ident_of(&toks.get(*i)?.token)?;
                *i += 1;
            }
            _ => break,
        }
    }
    if *i == from {
        return None;
    }
    Some((toks.get(from)?.start, toks.get(*i - 1)?.end))
}

/// `MERGE ... INSERT [(cols)] OVERRIDING {SYSTEM | USER} VALUE VALUES ...`: the clause
/// only decides which identity values win, so it is cut.
pub(super) fn merge_overriding(c: &Cursor) -> Option<Operation> {
    let toks = c.toks;
    let mut cuts = Vec::new();
    for (i, w) in toks.windows(3).enumerate() {
        if is_word(&w[0].token, "overriding")
            && (is_word(&w[1].token, "system") || is_word(&w[1].token, "user"))
            && is_word(&w[2].token, "value")
        {
            cuts.push((toks[i].start, toks[i + 2].end, ""));
        }
    }
    if cuts.is_empty() {
        return None;
    }
    reparse(&edited(c.sql, &cuts)?)
}

/// `CREATE UNLOGGED SEQUENCE`, at UNLOGGED: a sequence like any other to the model.
pub(super) fn unlogged_sequence(c: &Cursor) -> Option<Operation> {
    let unlogged = c.toks.get(c.pos)?;
    reparse(&edited(c.sql, &[(unlogged.start, unlogged.end, "")])?)
}

/// A `SELECT` with what sqlparser cannot read in its expressions: `(x).*` and `x.*::t`
/// (a whole row, written `x.__row__` instead), and `VARIADIC` before a function's last
/// argument (cut). Neither changes the relations read or the functions called.
pub(super) fn query(c: &Cursor) -> Option<Operation> {
    let toks = c.toks;
    let mut cuts = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|p| toks.get(p)).map(|p| &p.token);
        match &t.token {
            Token::Mul if prev == Some(&Token::Period) => {
                cuts.push((t.start, t.end, "__row__"));
            }
            tok if is_word(tok, "variadic")
                && matches!(prev, Some(Token::Comma) | Some(Token::LParen)) =>
            {
                cuts.push((t.start, t.end, ""));
            }
            _ => {}
        }
    }
    if cuts.is_empty() {
        return None;
    }
    match reparse(&edited(c.sql, &cuts)?)? {
        op @ Operation::Select { .. } => Some(op),
        _ => None,
    }
}
