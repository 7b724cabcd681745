//! Finding the SQL statements embedded in a PL/pgSQL `DO` body.
//!
//! No PL/pgSQL parser: the body is split at `;` by the statement splitter (so strings,
//! dollar quotes and comments are respected), and each piece has its leading PL/pgSQL
//! structure stripped: `<<label>>`, `DECLARE` sections, `BEGIN`, `IF|ELSIF ... THEN`,
//! `ELSE`, `CASE ...`, `WHEN ... THEN` (CASE and EXCEPTION arms), `EXCEPTION`, `LOOP`,
//! `FOR|FOREACH|WHILE ... LOOP`. What remains is a statement if it starts with one of
//! `SQL_STARTS` (and is not an assignment to a variable of that name); `PERFORM x` is
//! returned as `SELECT x`, and `EXECUTE` of literal-only text as that text. Everything
//! else (`END ...`, `RAISE`, `RETURN`, `NULL`, assignments, `EXECUTE` of computed text,
//! cursor commands, ...) is PL/pgSQL and not returned. Conditions and `FOR ... IN query`
//! queries are expressions, not statements, and are not returned either.

use super::split::{self, Lexer, Tok, Token};

/// First words of the SQL statements we return.
const SQL_STARTS: &[&str] = &[
    "alter", "create", "drop", "update", "insert", "delete", "truncate", "comment", "grant",
    "revoke", "lock", "reindex", "vacuum", "analyze", "cluster", "refresh", "select", "with",
    "merge",
];

/// `(byte offset in body, statement text)` for each embedded SQL statement.
pub fn embedded_statements(body: &str) -> Vec<(usize, String)> {
    embedded(body)
        .into_iter()
        .filter(|e| !e.condition)
        .map(|e| (e.offset, e.sql))
        .collect()
}

/// SQL found in a PL/pgSQL body: a statement, or a query the body evaluates in a
/// condition (`IF`/`ELSIF`/`WHILE`/`WHEN` conditions holding a subquery, as `SELECT
/// <condition>`; the query of `FOR ... IN <query> LOOP` and `RETURN QUERY <query>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Embedded {
    /// Byte offset in the body of the SQL's first character (of the condition, for a
    /// condition given a `SELECT`).
    pub offset: usize,
    /// Bytes of the body it covers.
    pub len: usize,
    pub sql: String,
    /// A query of a condition or loop rather than a statement.
    pub condition: bool,
    /// Runs only on some paths: inside `IF`/`CASE` branches, loops or exception
    /// handlers (how often, if at all, depends on the data).
    pub conditional: bool,
}

/// Statements and condition queries of a body, in order. See [`Embedded`].
pub fn embedded(body: &str) -> Vec<Embedded> {
    embedded_and_executed(body).0
}

/// [`embedded`], and the variables the body runs as SQL on every path (`EXECUTE
/// p_ddl;`, `EXECUTE $1 INTO n;`), folded, in order.
pub fn embedded_and_executed(body: &str) -> (Vec<Embedded>, Vec<String>) {
    let mut executed = Vec::new();
    let mut out = Vec::new();
    let mut in_declare = false;
    let mut nest = Nesting::default();
    for piece in split::split_sql(body) {
        if piece.unterminated.is_some() {
            continue;
        }
        let Some(text) = body.get(piece.start..piece.end) else {
            continue;
        };
        // Tokens with offsets in `body`; comments are not structure.
        let toks: Vec<Token> = Lexer::new(text, false)
            .filter(|t| !matches!(t.kind, Tok::LineComment | Tok::BlockComment))
            .map(|t| Token {
                start: t.start + piece.start,
                end: t.end + piece.start,
                ..t
            })
            .collect();
        let mut conditions = Vec::new();
        let found = skip_structure(body, &toks, &mut in_declare, &mut nest, &mut conditions);
        out.extend(conditions);
        let Some(i) = found else {
            continue;
        };
        let Some(first) = toks.get(i) else { continue };
        let rest = body.get(first.start..piece.end).unwrap_or("");
        let conditional = nest.depth > 0;
        let statement = |offset: usize, sql: String| Embedded {
            offset,
            len: sql.len(),
            sql,
            condition: false,
            conditional,
        };
        if is_kw(body, first, "perform") {
            // PERFORM x runs SELECT x; same length, so positions stay exact
            out.push(statement(
                first.start,
                format!("SELECT {}", rest.get(7..).unwrap_or("")),
            ));
        } else if is_kw(body, first, "execute") {
            if let Some(v) = executed_variable(body, toks.get(i + 1..).unwrap_or(&[]))
                && !conditional
            {
                executed.push(v);
            }
            out.extend(
                execute_literal(body, toks.get(i + 1..).unwrap_or(&[]))
                    .into_iter()
                    .map(|(off, sql)| statement(off, sql)),
            );
        } else if is_kw(body, first, "return")
            && toks.get(i + 1).is_some_and(|t| is_kw(body, t, "query"))
        {
            if let Some(q) = toks.get(i + 2) {
                let sql = body.get(q.start..piece.end).unwrap_or("").to_string();
                out.push(Embedded {
                    offset: q.start,
                    len: sql.len(),
                    sql,
                    condition: true,
                    conditional,
                });
            }
        } else if SQL_STARTS.iter().any(|k| is_kw(body, first, k))
            && !is_assignment(body, toks.get(i + 1..).unwrap_or(&[]))
        {
            out.push(statement(first.start, blank_plpgsql_into(rest)));
        } else {
            // `RETURN <expr>` and `var := <expr>`: an expression with a subquery runs it
            let end =
                toks.len() - usize::from(toks.last().is_some_and(|t| t.kind == Tok::Semicolon));
            let from = if is_kw(body, first, "return") {
                Some(i + 1)
            } else {
                (i + 1..end)
                    .find(|&j| {
                        is_punct(body, toks.get(j), b'=')
                            && (j == i + 1 || is_punct(body, toks.get(j - 1), b':'))
                    })
                    .map(|j| j + 1)
            };
            if let Some(from) = from.filter(|&f| f < end) {
                out.extend(condition_query(body, &toks, from, end, conditional));
            }
        }
    }
    (out, executed)
}

/// Where a body is in its control structure: how many branches, loops and exception
/// handlers enclose the current point, and which blocks have handlers.
#[derive(Default)]
struct Nesting {
    depth: usize,
    /// One entry per open BEGIN block: whether it has an EXCEPTION section.
    blocks: Vec<bool>,
}

/// The condition between token `from` and the keyword at `to` (exclusive), as a query
/// when it holds a subquery.
fn condition_query(
    body: &str,
    toks: &[Token],
    from: usize,
    to: usize,
    conditional: bool,
) -> Option<Embedded> {
    let inner = toks.get(from..to)?;
    if !inner.iter().any(|t| is_kw(body, t, "select")) {
        return None;
    }
    let (first, last) = (inner.first()?, inner.last()?);
    let text = body.get(first.start..last.end)?;
    Some(Embedded {
        offset: first.start,
        len: text.len(),
        sql: format!("SELECT {text}"),
        condition: true,
        conditional,
    })
}

/// PL/pgSQL's `SELECT ... INTO [STRICT] var`, `SELECT INTO var ...` and
/// `... RETURNING ... INTO var` store into variables: not SQL. The `INTO` clause is
/// blanked out (replaced by spaces, so positions stay exact) so the SQL parser sees the
/// plain statement. `INSERT INTO`/`MERGE INTO` table targets are left alone.
fn blank_plpgsql_into(stmt: &str) -> String {
    let toks: Vec<Token> = Lexer::new(stmt, false)
        .filter(|t| !matches!(t.kind, Tok::LineComment | Tok::BlockComment))
        .collect();
    let Some(first) = toks.first() else {
        return stmt.to_string();
    };
    let query = is_kw(stmt, first, "select") || is_kw(stmt, first, "with");
    let mut depth = 0i32;
    let mut returning = false;
    for (i, t) in toks.iter().enumerate() {
        if is_punct(stmt, Some(t), b'(') {
            depth += 1;
        } else if is_punct(stmt, Some(t), b')') {
            depth -= 1;
        }
        if depth != 0 {
            continue;
        }
        if is_kw(stmt, t, "returning") {
            returning = true;
        }
        if !is_kw(stmt, t, "into") || !(query || returning) {
            continue;
        }
        // INTO [STRICT] target[, target]...   (targets: names, maybe dotted)
        let mut j = i + 1;
        if toks.get(j).is_some_and(|t| is_kw(stmt, t, "strict")) {
            j += 1;
        }
        let mut end = t.end;
        while let Some(name) = toks.get(j) {
            if !matches!(name.kind, Tok::Word | Tok::QuotedIdent) {
                break;
            }
            end = name.end;
            j += 1;
            while is_punct(stmt, toks.get(j), b'.')
                && toks
                    .get(j + 1)
                    .is_some_and(|n| matches!(n.kind, Tok::Word | Tok::QuotedIdent))
            {
                end = toks.get(j + 1).map_or(end, |n| n.end);
                j += 2;
            }
            if is_punct(stmt, toks.get(j), b',') {
                j += 1;
            } else {
                break;
            }
        }
        let mut out = String::with_capacity(stmt.len());
        out.push_str(&stmt[..t.start]);
        // one blank per byte, so byte offsets into the body stay exact
        out.extend(std::iter::repeat_n(' ', end - t.start));
        out.push_str(&stmt[end..]);
        return out;
    }
    stmt.to_string()
}

/// The body of `CREATE FUNCTION/PROCEDURE ... AS $$ body $$` (or `AS 'body'`, with `''`
/// unescaped): the string literal after the first `AS` keyword at parenthesis depth 0.
pub fn function_body(stmt: &str) -> Option<String> {
    let toks: Vec<Token> = Lexer::new(stmt, false)
        .filter(|t| !matches!(t.kind, Tok::LineComment | Tok::BlockComment))
        .collect();
    let mut depth = 0i32;
    for (i, t) in toks.iter().enumerate() {
        if is_punct(stmt, Some(t), b'(') {
            depth += 1;
        } else if is_punct(stmt, Some(t), b')') {
            depth -= 1;
        } else if depth == 0 && is_kw(stmt, t, "as") {
            let lit = toks.get(i + 1)?;
            let text = stmt.get(lit.start..lit.end)?;
            return match lit.kind {
                Tok::DollarStr => {
                    let tag_end = text.get(1..)?.find('$')? + 2;
                    let inner = text.get(tag_end..text.len().checked_sub(tag_end)?)?;
                    Some(inner.to_string())
                }
                Tok::Str if text.starts_with('\'') && text.len() >= 2 => {
                    Some(text[1..text.len() - 1].replace("''", "'"))
                }
                _ => None,
            };
        }
    }
    None
}

fn is_kw(body: &str, t: &Token, kw: &str) -> bool {
    t.kind == Tok::Word
        && body
            .get(t.start..t.end)
            .is_some_and(|w| w.eq_ignore_ascii_case(kw))
}

fn is_punct(body: &str, t: Option<&Token>, c: u8) -> bool {
    t.is_some_and(|t| t.kind == Tok::Punct && body.as_bytes().get(t.start) == Some(&c))
}

/// `name :=`, `name =`, `name[...] :=`, `name.field :=`: what follows a word that
/// makes it a PL/pgSQL assignment target rather than a statement keyword.
fn is_assignment(body: &str, after: &[Token]) -> bool {
    let next = after.first();
    [b':', b'=', b'[', b'.']
        .iter()
        .any(|&c| is_punct(body, next, c))
}

/// Skips the PL/pgSQL structure at the start of a piece; the index of the first token of
/// what follows, or `None` when the piece holds no statement. Follows the nesting, and
/// collects the queries of the conditions it passes.
fn skip_structure(
    body: &str,
    toks: &[Token],
    in_declare: &mut bool,
    nest: &mut Nesting,
    conditions: &mut Vec<Embedded>,
) -> Option<usize> {
    let mut i = 0;
    loop {
        let t = toks.get(i)?;
        let kw = |k: &str| is_kw(body, t, k);
        if *in_declare {
            // declarations run up to the block's BEGIN
            if !kw("begin") {
                return None;
            }
            *in_declare = false;
            nest.blocks.push(false);
            i += 1;
        } else if is_punct(body, Some(t), b'<') && is_punct(body, toks.get(i + 1), b'<') {
            // <<label>>
            i = (i + 2..toks.len()).find(|&j| {
                is_punct(body, toks.get(j), b'>') && is_punct(body, toks.get(j + 1), b'>')
            })? + 2;
        } else if kw("declare") {
            *in_declare = true;
            i += 1;
        } else if kw("begin") {
            nest.blocks.push(false);
            i += 1;
        } else if kw("exception") {
            if let Some(handled) = nest.blocks.last_mut() {
                if !*handled {
                    *handled = true;
                    nest.depth += 1;
                }
            }
            i += 1;
        } else if kw("else") {
            i += 1;
        } else if kw("loop") {
            nest.depth += 1;
            i += 1;
        } else if kw("if") || kw("elsif") || kw("elseif") || kw("when") {
            let opens = kw("if");
            let next = past(body, toks, i + 1, "then")?;
            conditions.extend(condition_query(body, toks, i + 1, next - 1, nest.depth > 0));
            if opens {
                nest.depth += 1;
            }
            i = next;
        } else if kw("for") || kw("foreach") || kw("while") {
            let next = past(body, toks, i + 1, "loop")?;
            if kw("while") {
                conditions.extend(condition_query(body, toks, i + 1, next - 1, nest.depth > 0));
            } else if let Some(q) = (i + 1..next - 1).find(|&j| {
                toks.get(j).is_some_and(|t| is_kw(body, t, "in"))
                    && toks
                        .get(j + 1)
                        .is_some_and(|t| is_kw(body, t, "select") || is_kw(body, t, "with"))
            }) {
                // FOR x IN <query> LOOP: the query runs when the loop is reached
                if let (Some(first), Some(last)) = (toks.get(q + 1), toks.get(next - 2)) {
                    if let Some(text) = body.get(first.start..last.end) {
                        conditions.push(Embedded {
                            offset: first.start,
                            len: text.len(),
                            sql: text.to_string(),
                            condition: true,
                            conditional: nest.depth > 0,
                        });
                    }
                }
            }
            nest.depth += 1;
            i = next;
        } else if kw("case") {
            // CASE [expr] WHEN ...: move to the first WHEN
            nest.depth += 1;
            i = past(body, toks, i + 1, "when")? - 1;
        } else if kw("end") {
            // END [IF | LOOP | CASE] [label], or a block's END
            let closes_structure = toks.get(i + 1).is_some_and(|n| {
                is_kw(body, n, "if") || is_kw(body, n, "loop") || is_kw(body, n, "case")
            });
            // a block's END closes its exception handlers, if it had any
            if closes_structure || nest.blocks.pop() == Some(true) {
                nest.depth = nest.depth.saturating_sub(1);
            }
            return None;
        } else {
            return Some(i);
        }
    }
}

/// The index after the first `kw` at parenthesis depth 0 outside CASE expressions.
fn past(body: &str, toks: &[Token], from: usize, kw: &str) -> Option<usize> {
    let (mut paren, mut case) = (0i64, 0i64);
    for (j, t) in toks.iter().enumerate().skip(from) {
        if is_punct(body, Some(t), b'(') || is_punct(body, Some(t), b'[') {
            paren += 1;
        } else if is_punct(body, Some(t), b')') || is_punct(body, Some(t), b']') {
            paren -= 1;
        } else if paren == 0 && case == 0 && is_kw(body, t, kw) {
            return Some(j + 1);
        } else if paren == 0 && is_kw(body, t, "case") {
            case += 1;
        } else if paren == 0 && is_kw(body, t, "end") {
            case -= 1;
        }
    }
    None
}

/// `EXECUTE <variable> [INTO ... | USING ...]`: the variable (folded; `$1` as is).
fn executed_variable(body: &str, toks: &[Token]) -> Option<String> {
    let v = toks.first()?;
    let word = body.get(v.start..v.end)?;
    let positional = v.kind == Tok::Param;
    if !matches!(v.kind, Tok::Word | Tok::QuotedIdent | Tok::Param) {
        return None;
    }
    let ends = match toks.get(1) {
        None => true,
        Some(t) => t.kind == Tok::Semicolon || is_kw(body, t, "into") || is_kw(body, t, "using"),
    };
    if !ends || is_kw(body, v, "format") {
        return None;
    }
    Some(if positional {
        word.to_string()
    } else {
        crate::ops::names::fold_ident(word)
    })
}

/// The statements of `EXECUTE <literal> [|| <literal> ...] [INTO ... | USING ...]`, where
/// each literal is a string, an `E''` string, a dollar-quoted string or `format()` of one
/// with no arguments. Anything computed gives nothing. Offsets map back into the body.
fn execute_literal(body: &str, toks: &[Token]) -> Vec<(usize, String)> {
    let mut sql = String::new();
    // body offset of each byte of `sql`
    let mut map: Vec<usize> = Vec::new();
    let mut i = 0;
    loop {
        let Some(t) = toks.get(i) else {
            return Vec::new();
        };
        let ok = if is_kw(body, t, "format")
            && is_punct(body, toks.get(i + 1), b'(')
            && is_punct(body, toks.get(i + 3), b')')
        {
            i += 4;
            toks.get(i - 2)
                .is_some_and(|lit| format_literal(body, lit, &mut sql, &mut map))
        } else {
            i += 1;
            literal(body, t, &mut sql, &mut map)
        };
        if !ok {
            return Vec::new();
        }
        if is_punct(body, toks.get(i), b'|') && is_punct(body, toks.get(i + 1), b'|') {
            i += 2;
            continue;
        }
        match toks.get(i) {
            None => break,
            Some(t)
                if t.kind == Tok::Semicolon
                    || is_kw(body, t, "into")
                    || is_kw(body, t, "using") =>
            {
                break;
            }
            Some(_) => return Vec::new(),
        }
    }
    split::split_sql(&sql)
        .into_iter()
        .filter(|p| p.unterminated.is_none())
        .filter_map(|p| Some((*map.get(p.start)?, sql.get(p.start..p.end)?.to_string())))
        .collect()
}

/// Appends the value of a string-literal token, recording each byte's body offset.
fn literal(body: &str, t: &Token, sql: &mut String, map: &mut Vec<usize>) -> bool {
    let Some(raw) = body.get(t.start..t.end) else {
        return false;
    };
    let mut push = |c: char, at: usize| {
        sql.push(c);
        map.extend(std::iter::repeat_n(at, c.len_utf8()));
    };
    match t.kind {
        Tok::DollarStr => {
            let tag_len = raw.get(1..).and_then(|r| r.find('$')).map_or(0, |p| p + 2);
            let Some(inner) = raw.get(tag_len..raw.len().saturating_sub(tag_len)) else {
                return false;
            };
            for (k, c) in inner.char_indices() {
                push(c, t.start + tag_len + k);
            }
            true
        }
        Tok::Str if raw.starts_with('\'') => {
            let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
            let mut chars = inner.char_indices().peekable();
            while let Some((k, c)) = chars.next() {
                if c == '\'' {
                    chars.next(); // the second quote of ''
                }
                push(c, t.start + 1 + k);
            }
            true
        }
        Tok::Str => unescape(
            raw.get(2..raw.len().saturating_sub(1)).unwrap_or(""),
            t.start + 2,
            &mut push,
        ),
        _ => false,
    }
}

/// The content of an `E'...'` string (PostgreSQL's escapes); false for escapes that
/// give bytes rather than characters.
fn unescape(inner: &str, base: usize, push: &mut impl FnMut(char, usize)) -> bool {
    let mut chars = inner.char_indices().peekable();
    while let Some((k, c)) = chars.next() {
        let at = base + k;
        match c {
            '\'' => {
                chars.next();
                push('\'', at);
            }
            '\\' => {
                let Some((_, e)) = chars.next() else {
                    return false;
                };
                let mut digits = |radix: u32, max: usize, first: Option<char>| {
                    let mut v: u32 = first.and_then(|d| d.to_digit(radix)).unwrap_or(0);
                    let mut n = usize::from(first.is_some());
                    while n < max {
                        match chars.peek().and_then(|(_, d)| d.to_digit(radix)) {
                            Some(d) => {
                                v = v.saturating_mul(radix).saturating_add(d);
                                chars.next();
                                n += 1;
                            }
                            None => break,
                        }
                    }
                    (v, n)
                };
                let v = match e {
                    'b' => 8,
                    'f' => 12,
                    'n' => 10,
                    'r' => 13,
                    't' => 9,
                    '0'..='7' => digits(8, 3, Some(e)).0,
                    'x' => match digits(16, 2, None) {
                        (_, 0) => u32::from('x'),
                        (v, _) => v,
                    },
                    'u' | 'U' => match digits(16, if e == 'u' { 4 } else { 8 }, None) {
                        (v, n) if n == if e == 'u' { 4 } else { 8 } => v,
                        _ => return false,
                    },
                    other => u32::from(other),
                };
                // octal and hex escapes give bytes; above ASCII they need not be a char
                if v >= 0x80 && matches!(e, '0'..='7' | 'x') {
                    return false;
                }
                let Some(ch) = char::from_u32(v) else {
                    return false;
                };
                push(ch, at);
            }
            c => push(c, at),
        }
    }
    true
}

/// `format('...')` with no arguments: the literal with `%%` as `%`; any other `%`
/// needs an argument, so the text is not literal-only.
fn format_literal(body: &str, t: &Token, sql: &mut String, map: &mut Vec<usize>) -> bool {
    let (mut s, mut m) = (String::new(), Vec::new());
    if !literal(body, t, &mut s, &mut m) {
        return false;
    }
    let mut k = 0;
    let bytes = s.as_bytes();
    while let Some(&b) = bytes.get(k) {
        if b == b'%' {
            if bytes.get(k + 1) != Some(&b'%') {
                return false;
            }
            k += 1;
        }
        let len = s
            .get(k..)
            .and_then(|r| r.chars().next())
            .map_or(1, char::len_utf8);
        sql.push_str(s.get(k..k + len).unwrap_or(""));
        map.extend(m.get(k..k + len).unwrap_or(&[]));
        k += len;
    }
    true
}

#[cfg(test)]
mod tests {

    #[test]
    fn statements_in_branches_loops_and_handlers_are_conditional() {
        let b = "BEGIN
            UPDATE a SET x = 1;
            IF EXISTS (SELECT 1 FROM flags WHERE on) THEN
                DELETE FROM b;
            END IF;
            FOR r IN SELECT id FROM c LOOP
                INSERT INTO d VALUES (r.id);
            END LOOP;
            WHILE (SELECT count(*) FROM e) > 0 LOOP
                DELETE FROM e WHERE ctid IN (SELECT ctid FROM e LIMIT 10);
            END LOOP;
            RETURN QUERY SELECT * FROM f;
            n := (SELECT count(*) FROM k);
            INSERT INTO g VALUES (1);
        EXCEPTION WHEN others THEN
            INSERT INTO h VALUES (1);
        END";
        let got: Vec<(String, bool, bool)> = embedded(b)
            .into_iter()
            .map(|e| {
                (
                    e.sql
                        .split_whitespace()
                        .take(4)
                        .collect::<Vec<_>>()
                        .join(" "),
                    e.condition,
                    e.conditional,
                )
            })
            .collect();
        let want: Vec<(String, bool, bool)> = [
            ("UPDATE a SET x", false, false),
            ("SELECT EXISTS (SELECT 1", true, false),
            ("DELETE FROM b;", false, true),
            ("SELECT id FROM c", true, false),
            ("INSERT INTO d VALUES", false, true),
            ("SELECT (SELECT count(*) FROM", true, false),
            ("DELETE FROM e WHERE", false, true),
            ("SELECT * FROM f;", true, false),
            ("SELECT (SELECT count(*) FROM", true, false),
            ("INSERT INTO g VALUES", false, false),
            ("INSERT INTO h VALUES", false, true),
        ]
        .into_iter()
        .map(|(s, c, d)| (s.to_string(), c, d))
        .collect();
        assert_eq!(got, want);
        // the statements alone, as before
        assert_eq!(embedded_statements(b).len(), 6);
    }

    #[test]
    fn function_bodies_are_read_from_dollar_or_single_quotes() {
        use super::function_body as f;
        assert_eq!(
            f("CREATE FUNCTION t() RETURNS trigger AS $fn$ BEGIN REFRESH MATERIALIZED VIEW m; END $fn$ LANGUAGE plpgsql;").as_deref(),
            Some(" BEGIN REFRESH MATERIALIZED VIEW m; END ")
        );
        assert_eq!(
            f("CREATE FUNCTION t(a int) RETURNS int LANGUAGE sql AS 'SELECT ''x''';").as_deref(),
            Some("SELECT 'x'")
        );
        assert_eq!(f("CREATE FUNCTION t() RETURNS int RETURN 1;"), None);
    }

    #[test]
    fn plpgsql_into_targets_are_blanked_keeping_offsets() {
        use super::blank_plpgsql_into as b;
        let blank = |n: usize| " ".repeat(n);
        assert_eq!(
            b("SELECT id INTO STRICT v_id FROM t WHERE x;"),
            format!(
                "SELECT id {} FROM t WHERE x;",
                blank("INTO STRICT v_id".len())
            )
        );
        assert_eq!(
            b("SELECT INTO rec * FROM t;"),
            format!("SELECT {} * FROM t;", blank(8))
        );
        assert_eq!(
            b("INSERT INTO t (a) VALUES (1) RETURNING id INTO new_id;"),
            format!(
                "INSERT INTO t (a) VALUES (1) RETURNING id {};",
                blank("INTO new_id".len())
            )
        );
        assert_eq!(b("INSERT INTO t SELECT 1;"), "INSERT INTO t SELECT 1;");
        assert_eq!(
            b("UPDATE t SET a = (SELECT 1) WHERE b;"),
            "UPDATE t SET a = (SELECT 1) WHERE b;"
        );
    }

    use super::*;

    /// The body of the first `DO $$...$$` / `DO $tag$...$tag$` in `sql`, as the parse glue
    /// passes it.
    fn body(sql: &str) -> &str {
        let open = sql.find('$').unwrap();
        let tag_end = open + 1 + sql[open + 1..].find('$').unwrap();
        let tag = &sql[open..=tag_end];
        let close = tag_end + 1 + sql[tag_end + 1..].find(tag).unwrap();
        &sql[tag_end + 1..close]
    }

    /// Statements with offsets checked against the body text (for verbatim ones).
    fn stmts(b: &str) -> Vec<String> {
        embedded_statements(b)
            .into_iter()
            .map(|(off, s)| {
                assert!(off < b.len(), "offset {off} out of the body");
                s
            })
            .collect()
    }

    #[test]
    fn brief_example_if_execute_and_exception() {
        let sql = "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'fk_x') THEN\n    \
                   ALTER TABLE accounts ADD CONSTRAINT fk_x FOREIGN KEY (org_id) REFERENCES orgs(id);\n  END IF;\n  \
                   EXECUTE 'CREATE INDEX idx_a ON accounts (a)';\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $$;";
        let b = body(sql);
        let got = embedded_statements(b);
        assert_eq!(got.len(), 2);
        let alter =
            "ALTER TABLE accounts ADD CONSTRAINT fk_x FOREIGN KEY (org_id) REFERENCES orgs(id);";
        assert_eq!(got[0], (b.find("ALTER").unwrap(), alter.to_string()));
        assert_eq!(
            got[1],
            (
                b.find("CREATE INDEX").unwrap(),
                "CREATE INDEX idx_a ON accounts (a)".to_string()
            )
        );
    }

    #[test]
    fn declare_section_and_for_loops_are_stripped() {
        let b = "\nDECLARE\n    xid integer;\n    n int := (SELECT count(*) FROM t);\nBEGIN\n    FOR xid IN\n    SELECT id FROM local_user LOOP\n            \
                 INSERT INTO local_user_language (local_user_id, language_id) SELECT xid, 1;\n        END LOOP;\n    \
                 WHILE EXISTS (SELECT 1 FROM q) LOOP\n DELETE FROM q WHERE id = 1;\n END LOOP;\nEND;\n";
        assert_eq!(
            stmts(b),
            [
                "INSERT INTO local_user_language (local_user_id, language_id) SELECT xid, 1;",
                "DELETE FROM q WHERE id = 1;"
            ]
        );
    }

    #[test]
    fn nested_if_elsif_else_bodies_on_same_or_following_lines() {
        let b = " BEGIN IF a THEN UPDATE t SET x = 1; ELSIF b THEN\n UPDATE t SET x = 2;\n ELSE\n \
                 IF c THEN DELETE FROM t; END IF; END IF; END ";
        assert_eq!(
            stmts(b),
            [
                "UPDATE t SET x = 1;",
                "UPDATE t SET x = 2;",
                "DELETE FROM t;"
            ]
        );
    }

    #[test]
    fn conditions_with_case_and_subqueries_are_skipped_to_their_then() {
        let b = "BEGIN\n IF (SELECT CASE WHEN x THEN 1 ELSE 0 END FROM t) = 1\n    THEN\n ALTER TABLE t ADD COLUMN c int;\n END IF;\nEND";
        assert_eq!(stmts(b), ["ALTER TABLE t ADD COLUMN c int;"]);
    }

    #[test]
    fn case_statement_arms_and_labels() {
        let b = "<<outer>> BEGIN CASE kind WHEN 'a', 'b' THEN DROP TABLE a; WHEN 'c' THEN NULL; ELSE DROP TABLE c; END CASE;\n\
                 <<l>> LOOP TRUNCATE t; EXIT l; END LOOP l; END";
        assert_eq!(stmts(b), ["DROP TABLE a;", "DROP TABLE c;", "TRUNCATE t;"]);
    }

    #[test]
    fn plpgsql_statements_and_assignments_are_not_returned() {
        let b = "DECLARE comment text; BEGIN comment := 'x'; lock = 1; status_code = 0; \
                 RAISE NOTICE 'CREATE TABLE x;'; RETURN; GET DIAGNOSTICS n = ROW_COUNT; \
                 EXECUTE format('ALTER TABLE %I ADD c int', tbl); EXECUTE 'DROP TABLE ' || tbl; \
                 COMMENT ON TABLE t IS 'c'; END";
        assert_eq!(stmts(b), ["COMMENT ON TABLE t IS 'c';"]);
    }

    #[test]
    fn perform_is_returned_as_select_with_the_same_length() {
        let b = "BEGIN PERFORM pg_sleep(1); END";
        let got = embedded_statements(b);
        assert_eq!(got, [(6, "SELECT  pg_sleep(1);".to_string())]);
        assert_eq!(got[0].1.len(), "PERFORM pg_sleep(1);".len());
    }

    #[test]
    fn variables_run_as_sql_on_every_path_are_found() {
        let b = "DECLARE n int; BEGIN EXECUTE p_DDL; EXECUTE $2 INTO n; \
                 EXECUTE format('x %s', p_other); \
                 IF n > 0 THEN EXECUTE p_maybe; END IF; EXECUTE \"Quoted\" USING n; END";
        let (_, executed) = embedded_and_executed(b);
        assert_eq!(executed, ["p_ddl", "$2", "Quoted"]);
    }

    #[test]
    fn execute_literal_forms_are_unescaped_with_offsets() {
        let b = "BEGIN EXECUTE 'ALTER TABLE t ADD c text DEFAULT ''x'''; \
                 EXECUTE E'CREATE INDEX i ON t (\\'a\\')' ; \
                 EXECUTE $q$DROP INDEX i$q$ || ' CASCADE'; \
                 EXECUTE format('UPDATE t SET p = 100%%') INTO n; \
                 EXECUTE 'VACUUM t; ANALYZE t'; END";
        let got = embedded_statements(b);
        let texts: Vec<&str> = got.iter().map(|g| g.1.as_str()).collect();
        assert_eq!(
            texts,
            [
                "ALTER TABLE t ADD c text DEFAULT 'x'",
                "CREATE INDEX i ON t ('a')",
                "DROP INDEX i CASCADE",
                "UPDATE t SET p = 100%",
                "VACUUM t;",
                "ANALYZE t"
            ]
        );
        assert_eq!(got[0].0, b.find("ALTER").unwrap());
        assert_eq!(got[1].0, b.find("CREATE").unwrap());
        assert_eq!(got[2].0, b.find("DROP").unwrap());
        assert_eq!(got[4].0, b.find("VACUUM").unwrap());
        assert_eq!(got[5].0, b.find("ANALYZE").unwrap());
    }

    #[test]
    fn select_into_and_returning_into_have_their_variable_targets_blanked() {
        let b = "DECLARE art RECORD; BEGIN\n  SELECT * INTO art FROM artifact WHERE id = 1;\n  \
                 INSERT INTO e (a) VALUES (1) RETURNING id INTO exec_id;\nEND";
        assert_eq!(
            stmts(b),
            [
                "SELECT *          FROM artifact WHERE id = 1;",
                "INSERT INTO e (a) VALUES (1) RETURNING id             ;"
            ]
        );
    }

    #[test]
    fn comments_inside_the_body_are_not_structure() {
        let b = "BEGIN\n  /* iterate */\n  IF x THEN -- yes\n    /* c */ UPDATE t SET a = 1; -- done\n  END IF;\nEND";
        assert_eq!(stmts(b), ["UPDATE t SET a = 1;"]);
    }

    #[test]
    fn nested_blocks_with_declare_and_exception_handlers() {
        let b = "BEGIN\n  BEGIN\n    CREATE TYPE mood AS ENUM ('a');\n  EXCEPTION\n    WHEN duplicate_object THEN\n      \
                 ALTER TYPE mood ADD VALUE 'b';\n  END;\n  DECLARE n int; BEGIN SELECT 1; END;\nEND";
        assert_eq!(
            stmts(b),
            [
                "CREATE TYPE mood AS ENUM ('a');",
                "ALTER TYPE mood ADD VALUE 'b';",
                "SELECT 1;"
            ]
        );
    }

    #[test]
    fn malformed_bodies_never_panic() {
        for b in [
            "",
            "BEGIN",
            "IF",
            "IF x",
            "FOR x IN",
            "<<",
            "<<a",
            "EXECUTE",
            "EXECUTE '",
            "EXECUTE E'\\",
            "EXECUTE E'\\u12'",
            "EXECUTE E'\\xff'",
            "EXECUTE format(",
            "EXECUTE format('%s')",
            "EXECUTE $a$x",
            "EXECUTE 'a' ||",
            "DECLARE",
            "PERFORM",
            "CASE",
            "END IF",
            "é ü; ALTER é",
        ] {
            let _ = embedded_statements(b);
        }
    }
}
