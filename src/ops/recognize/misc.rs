//! Session and maintenance statements, comments and privileges.

use super::cursor::{Cursor, split_commas, string_of};
use crate::lock::LockMode;
use crate::ops::{CommentOn, ObjectName, Operation, SetVar};
use sqlparser::tokenizer::Token;

/// Object kinds of `COMMENT ON`, longest first where one is a prefix of another.
const COMMENT_KINDS: &[&str] = &[
    "access method",
    "aggregate",
    "cast",
    "collation",
    "column",
    "constraint",
    "conversion",
    "database",
    "domain",
    "event trigger",
    "extension",
    "foreign data wrapper",
    "foreign table",
    "function",
    "index",
    "language",
    "large object",
    "materialized view",
    "operator class",
    "operator family",
    "operator",
    "policy",
    "procedural language",
    "procedure",
    "publication",
    "role",
    "routine",
    "rule",
    "schema",
    "sequence",
    "server",
    "statistics",
    "subscription",
    "table",
    "tablespace",
    "text search configuration",
    "text search dictionary",
    "text search parser",
    "text search template",
    "transform for",
    "trigger",
    "type",
    "view",
];

/// Consumes the longest of `kinds` (space-separated words) found here.
pub(super) fn eat_kind(c: &mut Cursor, kinds: &[&'static str]) -> Option<&'static str> {
    let mut best: Option<(&'static str, usize)> = None;
    for kind in kinds {
        let words: Vec<&str> = kind.split(' ').collect();
        if c.is_seq(&words) && best.is_none_or(|(_, n)| words.len() > n) {
            best = Some((kind, words.len()));
        }
    }
    let (kind, n) = best?;
    c.pos += n;
    Some(kind)
}

/// `COMMENT ON kind object IS 'text' | NULL`, after COMMENT.
pub(super) fn comment(c: &mut Cursor) -> Option<Operation> {
    c.expect_kw("on")?;
    let kind = eat_kind(c, COMMENT_KINDS)?;
    let (name, column) = match kind {
        "column" => {
            let mut parts = c.name_parts()?;
            let column = parts.pop();
            if parts.is_empty() {
                return None;
            }
            (super::cursor::object_name_from(parts), column)
        }
        // objects that live on a table (or a domain): the table, and the object's name
        "constraint" | "trigger" | "policy" | "rule" => {
            let object = c.ident()?;
            c.expect_kw("on")?;
            c.eat_kw("domain");
            (c.object_name()?, Some(object))
        }
        "function" | "procedure" | "aggregate" | "routine" => {
            let name = c.object_name()?;
            c.parens();
            (name, None)
        }
        "cast" | "transform for" | "operator" | "operator class" | "operator family"
        | "large object" => {
            let object = c.until_kw(&["is"]);
            (ObjectName::unqualified(&c.text(object)), None)
        }
        _ => (c.object_name()?, None),
    };
    c.expect_kw("is")?;
    if !(c.eat_kw("null") || c.string().is_some()) || !c.at_end() {
        return None;
    }
    Some(Operation::Comment(CommentOn {
        kind: kind.to_string(),
        name,
        column,
    }))
}

/// Object kinds of `GRANT ... ON` that are not tables.
const NON_TABLE_PRIVILEGE_KINDS: &[&str] = &[
    "sequence",
    "function",
    "procedure",
    "routine",
    "schema",
    "type",
    "domain",
    "database",
    "language",
    "large object",
    "tablespace",
    "foreign data wrapper",
    "foreign server",
    "foreign table",
    "parameter",
    "all sequences",
    "all functions",
    "all procedures",
    "all routines",
    "all tables",
];

/// `GRANT`/`REVOKE`, after the verb: the tables when the target is tables.
pub(super) fn privileges(c: &mut Cursor, grant: bool) -> Option<Operation> {
    let target = if grant { "to" } else { "from" };
    c.until_kw(&["on", target]);
    let mut tables = Vec::new();
    if c.eat_kw("on") {
        let is_table = eat_kind(c, NON_TABLE_PRIVILEGE_KINDS).is_none();
        c.eat_kw("table");
        let list = c.until_kw(&[target]);
        if list.is_empty() {
            return None;
        }
        if is_table {
            for el in split_commas(list) {
                let mut e = c.over(el);
                e.eat_kw("only");
                tables.push(e.object_name()?);
                if !e.at_end() {
                    return None;
                }
            }
        }
    }
    c.expect_kw(target)?;
    c.take_rest();
    Some(Operation::Privileges { tables })
}

/// Is an option in a parenthesised list on (`FULL`, `FULL true`; not `FULL false`)?
fn option_on(c: &Cursor, opts: &[super::cursor::Tok], name: &str) -> bool {
    split_commas(opts).into_iter().any(|o| {
        let mut o = c.over(o);
        o.eat_kw(name)
            && !(o.eat_kw("false")
                || o.eat_kw("off")
                || o.is_tok(&Token::Number("0".into(), false)))
    })
}

/// `name [(columns)], ...` of VACUUM and ANALYZE.
fn table_list(c: &mut Cursor) -> Option<Vec<ObjectName>> {
    if c.at_end() {
        return Some(Vec::new());
    }
    split_commas(c.take_rest())
        .into_iter()
        .map(|el| {
            let mut e = c.over(el);
            e.eat_kw("only");
            let name = e.object_name()?;
            e.parens();
            e.at_end().then_some(name)
        })
        .collect()
}

/// `VACUUM [(options)] [FULL] [FREEZE] [VERBOSE] [ANALYZE] [tables]`, after VACUUM.
pub(super) fn vacuum(c: &mut Cursor) -> Option<Operation> {
    let (mut full, mut analyze) = (false, false);
    if let Some(opts) = c.parens() {
        full = option_on(c, opts, "full");
        analyze = option_on(c, opts, "analyze") || option_on(c, opts, "analyse");
    } else {
        while let Some(w) = c.eat_one_of(&["full", "freeze", "verbose", "analyze", "analyse"]) {
            full |= w == "full";
            analyze |= w.starts_with("analy");
        }
    }
    let tables = table_list(c)?;
    Some(Operation::Vacuum {
        full,
        analyze,
        tables,
    })
}

/// `ANALYZE [(options)] [VERBOSE] [tables]`, after ANALYZE.
pub(super) fn analyze(c: &mut Cursor) -> Option<Operation> {
    c.parens();
    c.eat_kw("verbose");
    let tables = table_list(c)?;
    Some(Operation::Analyze { tables })
}

/// `LOCK [TABLE] [ONLY] names [IN mode MODE] [NOWAIT]`, after LOCK.
pub(super) fn lock(c: &mut Cursor) -> Option<Operation> {
    c.eat_kw("table");
    let only = c.eat_kw("only");
    let list = c.until_kw(&["in", "nowait"]);
    let mut tables = Vec::new();
    for el in split_commas(list) {
        let mut e = c.over(el);
        e.eat_kw("only");
        tables.push(e.object_name()?);
        e.eat_tok(&Token::Mul);
        if !e.at_end() {
            return None;
        }
    }
    if tables.is_empty() {
        return None;
    }
    let mode = if c.eat_kw("in") {
        let words = c.until_kw(&["mode"]);
        c.expect_kw("mode")?;
        LockMode::parse(&c.text(words))?
    } else {
        LockMode::AccessExclusive
    };
    c.eat_kw("nowait");
    c.at_end()
        .then_some(Operation::LockTable { tables, mode, only })
}

/// `SET [SESSION | LOCAL] ...`, after SET.
pub(super) fn set(c: &mut Cursor) -> Option<Operation> {
    let local = c.eat_kw("local");
    if !local {
        if c.is_seq(&["session", "characteristics"]) {
            return Some(Operation::Other {
                kind: "SET SESSION".to_string(),
            });
        }
        if !c.is_seq(&["session", "authorization"]) {
            c.eat_kw("session");
        }
    }
    // the role objects are created as (and owned by)
    let role_setting = if c.eat_kw("role") {
        Some("role")
    } else if c.eat_seq(&["session", "authorization"]) {
        Some("session_authorization")
    } else {
        None
    };
    if let Some(name) = role_setting {
        let value = if c.eat_kw("default") || (name == "role" && c.eat_kw("none")) {
            None
        } else {
            Some(role(c)?)
        };
        return c.at_end().then(|| {
            Operation::Set(SetVar {
                name: name.to_string(),
                value,
                local,
            })
        });
    }
    for (words, kind) in [
        (&["transaction"][..], "SET TRANSACTION"),
        (&["constraints"][..], "SET CONSTRAINTS"),
    ] {
        if c.is_seq(words) {
            return Some(Operation::Other {
                kind: kind.to_string(),
            });
        }
    }
    let name = if c.eat_seq(&["time", "zone"]) {
        "timezone".to_string()
    } else if c.eat_kw("schema") {
        "search_path".to_string()
    } else if c.eat_kw("names") {
        "client_encoding".to_string()
    } else {
        let name = c.name_parts()?.join(".");
        if !(c.eat_kw("to") || c.eat_tok(&Token::Eq)) {
            return None;
        }
        name
    };
    let value = set_value(c)?;
    Some(Operation::Set(SetVar { name, value, local }))
}

/// The value of `SET`: strings without quotes, lists joined with `, `; `None` for DEFAULT.
fn set_value(c: &mut Cursor) -> Option<Option<String>> {
    if c.at_end() {
        return None;
    }
    if c.is_kw("default") || c.is_kw("local") {
        c.advance();
        return c.at_end().then_some(None);
    }
    let values: Vec<String> = split_commas(c.take_rest())
        .into_iter()
        .map(|el| match el {
            [one] => string_of(&one.token).unwrap_or_else(|| c.text(el)),
            _ => c.text(el),
        })
        .collect();
    Some(Some(values.join(", ")))
}

/// A role name (folded; a string as written), or `current_user`, `current_role`,
/// `session_user`, `public`.
pub(super) fn role(c: &mut Cursor) -> Option<String> {
    if let Some(s) = c.peek().and_then(string_of) {
        c.advance();
        return Some(s);
    }
    c.ident()
}

/// A comma-separated list of roles.
pub(super) fn roles(c: &mut Cursor) -> Option<Vec<String>> {
    let mut roles = vec![role(c)?];
    while c.eat_tok(&Token::Comma) {
        roles.push(role(c)?);
    }
    Some(roles)
}

/// `RESET name | ALL`, after RESET.
pub(super) fn reset(c: &mut Cursor) -> Option<Operation> {
    let name = if c.eat_seq(&["time", "zone"]) {
        "timezone".to_string()
    } else if c.eat_seq(&["session", "authorization"]) {
        "session_authorization".to_string()
    } else if c.eat_kw("role") {
        "role".to_string()
    } else {
        c.name_parts()?.join(".")
    };
    c.at_end().then_some(Operation::Set(SetVar {
        name,
        value: None,
        local: false,
    }))
}

/// `TRUNCATE [TABLE] [ONLY] names [*] [RESTART|CONTINUE IDENTITY] [CASCADE|RESTRICT]`.
pub(super) fn truncate(c: &mut Cursor) -> Option<Operation> {
    c.eat_kw("table");
    let list = c.until_kw(&["restart", "continue", "cascade", "restrict"]);
    let mut tables = Vec::new();
    let mut only = Vec::new();
    for el in split_commas(list) {
        let mut e = c.over(el);
        let is_only = e.eat_kw("only");
        let name = e.object_name()?;
        if is_only {
            only.push(name.clone());
        }
        tables.push(name);
        e.eat_tok(&Token::Mul);
        if !e.at_end() {
            return None;
        }
    }
    if tables.is_empty() {
        return None;
    }
    let restart_identity = c.eat_kw("restart");
    if restart_identity || c.eat_kw("continue") {
        c.expect_kw("identity")?;
    }
    c.eat_kw("restrict");
    let cascade = c.eat_kw("cascade");
    c.at_end().then_some(Operation::Truncate {
        tables,
        only,
        cascade,
        restart_identity,
    })
}
