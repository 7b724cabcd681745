//! Object names as PostgreSQL resolves them.

use serde::{Serialize, Serializer};
use std::fmt;

/// A possibly schema-qualified object name, already case-folded (unquoted identifiers
/// lowercased, quoted ones verbatim).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectName {
    pub schema: Option<String>,
    pub name: String,
}

impl ObjectName {
    pub fn new(schema: Option<&str>, name: &str) -> ObjectName {
        ObjectName {
            schema: schema.map(str::to_string),
            name: name.to_string(),
        }
    }

    pub fn unqualified(name: &str) -> ObjectName {
        ObjectName::new(None, name)
    }

    /// Parses `a`, `s.a`, `"Quoted"."Name"` (extra leading parts, e.g. a database, dropped).
    pub fn parse(text: &str) -> ObjectName {
        let parts = split_qualified(text);
        match parts.len() {
            0 => ObjectName::unqualified(""),
            1 => ObjectName::unqualified(&parts[0]),
            n => ObjectName::new(Some(&parts[n - 2]), &parts[n - 1]),
        }
    }

    /// The same name in `schema` when it has none.
    pub fn with_default_schema(&self, schema: &str) -> ObjectName {
        ObjectName {
            schema: Some(self.schema.clone().unwrap_or_else(|| schema.to_string())),
            name: self.name.clone(),
        }
    }
}

impl fmt::Display for ObjectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // written piece by piece: names are displayed for every statement of a history
        if let Some(schema) = &self.schema {
            write_ident(f, schema)?;
            f.write_str(".")?;
        }
        write_ident(f, &self.name)
    }
}

impl Serialize for ObjectName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Folds one identifier the way PostgreSQL does: `"Quoted"` kept (with `""` unescaped),
/// anything else lowercased.
pub fn fold_ident(raw: &str) -> String {
    let raw = raw.trim();
    if raw.len() >= 2 && raw.starts_with('"') && raw.ends_with('"') {
        fold(&raw[1..raw.len() - 1].replace("\"\"", "\""), true)
    } else {
        fold(raw, false)
    }
}

/// PostgreSQL's identifier length limit (NAMEDATALEN - 1), in bytes.
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// Folds an identifier's value as PostgreSQL's lexer does: unquoted ones have ASCII
/// letters lowercased (in a UTF-8 database nothing else changes), and every identifier
/// is truncated to 63 bytes (at a character boundary) -- so a 70-byte index name and its
/// truncated form name the same index.
pub fn fold(value: &str, quoted: bool) -> String {
    let mut s = if quoted {
        value.to_string()
    } else {
        value.to_ascii_lowercase()
    };
    if s.len() > MAX_IDENTIFIER_BYTES {
        let mut n = MAX_IDENTIFIER_BYTES;
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        s.truncate(n);
    }
    s
}

/// Splits `a."B".c` into folded parts, respecting quotes.
pub fn split_qualified(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut in_quote = false;
    let mut chars = text.trim().chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '"' if in_quote && chars.peek() == Some(&'"') => {
                cur.push_str("\"\"");
                chars.next();
            }
            '"' => {
                in_quote = !in_quote;
                cur.push('"');
            }
            '.' if !in_quote => parts.push(fold_ident(&std::mem::take(&mut cur))),
            c => cur.push(c),
        }
    }
    if !cur.trim().is_empty() {
        parts.push(fold_ident(&cur));
    }
    parts
}

/// Quotes an identifier when PostgreSQL would need it to keep its spelling.
pub fn quote_ident(name: &str) -> String {
    if is_plain(name) {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// Appends `name` to `out` as [`quote_ident`] would return it.
pub fn push_ident(out: &mut String, name: &str) {
    if is_plain(name) {
        out.push_str(name);
    } else {
        out.push('"');
        out.push_str(&name.replace('"', "\"\""));
        out.push('"');
    }
}

/// Writes `name` as [`quote_ident`] would return it.
fn write_ident(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    if is_plain(name) {
        f.write_str(name)
    } else {
        write!(f, "\"{}\"", name.replace('"', "\"\""))
    }
}

/// Needs no quotes to keep its spelling.
fn is_plain(name: &str) -> bool {
    name.bytes()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == b'_')
        && name
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'$')
        && !is_reserved(name)
}

/// PostgreSQL's reserved key words (those that cannot be a bare column or table name).
fn is_reserved(word: &str) -> bool {
    // a `match` compiles to a switch on the length and fixed-size compares: names are
    // displayed for every statement of a history
    matches!(
        word,
        "all"
            | "analyse"
            | "analyze"
            | "and"
            | "any"
            | "array"
            | "as"
            | "asc"
            | "asymmetric"
            | "both"
            | "case"
            | "cast"
            | "check"
            | "collate"
            | "column"
            | "constraint"
            | "create"
            | "current_catalog"
            | "current_date"
            | "current_role"
            | "current_time"
            | "current_timestamp"
            | "current_user"
            | "default"
            | "deferrable"
            | "desc"
            | "distinct"
            | "do"
            | "else"
            | "end"
            | "except"
            | "false"
            | "fetch"
            | "for"
            | "foreign"
            | "from"
            | "grant"
            | "group"
            | "having"
            | "in"
            | "initially"
            | "intersect"
            | "into"
            | "lateral"
            | "leading"
            | "limit"
            | "localtime"
            | "localtimestamp"
            | "not"
            | "null"
            | "offset"
            | "on"
            | "only"
            | "or"
            | "order"
            | "placing"
            | "primary"
            | "references"
            | "returning"
            | "select"
            | "session_user"
            | "some"
            | "symmetric"
            | "system_user"
            | "table"
            | "then"
            | "to"
            | "trailing"
            | "true"
            | "union"
            | "unique"
            | "user"
            | "using"
            | "variadic"
            | "when"
            | "where"
            | "window"
            | "with"
    )
}

/// The name PostgreSQL's `FigureIndexColname` gives an index element written as an
/// expression (`text`, as written): a column's name, a function's name, the operand's
/// name through a cast (`c::circle` and `(c::circle)` are `c`); `None` ("expr") for
/// anything else (an operator, a literal). It names automatic index and constraint
/// names (`t_c1_c2_excl`, `t_lower_idx`).
pub fn figure_colname(text: &str) -> Option<String> {
    let mut t = text.trim();
    // balanced outer parentheses add nothing
    while let Some(inner) = t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        if !balanced(inner) {
            break;
        }
        t = inner.trim();
    }
    // CAST(x AS t) is named as x is
    if t.len() > 5 && t[..5].eq_ignore_ascii_case("cast(") && t.ends_with(')') {
        let inner = &t[5..t.len() - 1];
        let lower = inner.to_ascii_lowercase();
        return lower
            .rfind(" as ")
            .and_then(|at| figure_colname(&inner[..at]));
    }
    // a literal cast is named by its type (`'x'::text` is `text`)
    if t.starts_with('\'') {
        let (_, ty) = t.rsplit_once("::")?;
        return figure_colname(ty.split('(').next().unwrap_or(ty));
    }
    let end = t
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '"' || c == '$'))
        .unwrap_or(t.len());
    let (head, rest) = t.split_at(end);
    let rest = rest.trim_start();
    // what follows the name: nothing, a call's arguments, casts (`f(x)::text`), and no
    // operator after them (`f(x) + 1` and `b::text || 'x'` are `expr`)
    let after_call = match rest.strip_prefix('(') {
        Some(args) => closing(args).map(|at| args[at + 1..].trim_start()),
        None => Some(rest),
    };
    let named = after_call.is_some_and(|tail| {
        tail.is_empty()
            || (tail.starts_with("::")
                && tail
                    .chars()
                    .all(|c| c.is_alphanumeric() || " _\".:()[],".contains(c)))
    });
    if head.is_empty() || !named || head.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    // a column or function name, as PostgreSQL folds it
    let last = split_qualified(head).pop()?;
    (!last.is_empty()).then_some(last)
}

/// Where the parenthesis `text` is inside of closes (`text` follows the `(`).
fn closing(text: &str) -> Option<usize> {
    let mut depth = 0i32;
    for (at, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => return Some(at),
            ')' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Parentheses in `text` never close more than they opened.
fn balanced(text: &str) -> bool {
    let mut depth = 0i32;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_and_quotes_like_postgres() {
        assert_eq!(
            ObjectName::parse("Public.Accounts"),
            ObjectName::new(Some("public"), "accounts")
        );
        assert_eq!(
            ObjectName::parse("\"MySchema\".\"a.b\""),
            ObjectName::new(Some("MySchema"), "a.b")
        );
        assert_eq!(ObjectName::parse("db.s.t"), ObjectName::new(Some("s"), "t"));
        assert_eq!(
            ObjectName::new(Some("MySchema"), "user").to_string(),
            "\"MySchema\".\"user\""
        );
        assert_eq!(
            ObjectName::unqualified("accounts_2").to_string(),
            "accounts_2"
        );
        assert_eq!(fold_ident("\"a\"\"b\""), "a\"b");
        let long = "x".repeat(70);
        assert_eq!(fold(&long, false).len(), 63);
        assert_eq!(fold("ÄBC", false), "Äbc");
    }

    #[test]
    fn reserved_words_are_sorted_for_binary_search() {
        assert!(is_reserved("user"));
        assert!(is_reserved("order"));
        assert!(!is_reserved("accounts"));
    }
}
