//! Building fix texts from the user's own statement text.
//!
//! A fix text is a line saying what to do, then SQL that runs on PostgreSQL as printed
//! (`tests/fixes_run.rs` runs every one the histories produce): names are printed with
//! [`quote_ident`] (they are stored folded: `"userId"` stays `userId`, which must be
//! quoted again), explanations after the first line are `--` comments, and a fix that
//! needs what only the user knows holds a placeholder (`...` or `<value>`) and is
//! display-only.

use crate::catalog::Catalog;
use crate::catalog::replay::make_object_name;
use crate::ops::names::{push_ident, quote_ident};
use crate::ops::{ColumnDef, Constraint, ConstraintKind, ObjectName};

/// The statement without its trailing `;` and surrounding blanks.
pub fn without_semicolon(sql: &str) -> &str {
    sql.trim().trim_end_matches(';').trim_end()
}

/// Inserts `word` after the first run of `after` keywords (case-insensitive, skipping
/// blanks and comments), e.g. `CONCURRENTLY` after `CREATE UNIQUE INDEX`.
pub fn insert_after_keywords(sql: &str, after: &[&str], word: &str) -> Option<String> {
    let sql = without_semicolon(sql);
    let mut pos = 0;
    let bytes = sql.as_bytes();
    for kw in after {
        // skip blanks and comments
        loop {
            while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
                pos += 1;
            }
            if sql[pos..].starts_with("--") {
                pos += sql[pos..].find('\n').map_or(sql.len() - pos, |i| i + 1);
            } else if sql[pos..].starts_with("/*") {
                pos += sql[pos..].find("*/").map_or(sql.len() - pos, |i| i + 2);
            } else {
                break;
            }
        }
        let rest = &sql[pos..];
        let end = rest
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .unwrap_or(rest.len());
        if rest[..end].eq_ignore_ascii_case(kw) {
            pos += end;
        } else if kw.eq_ignore_ascii_case("unique") {
            continue; // optional
        } else {
            return None;
        }
    }
    Some(format!("{} {}{};", &sql[..pos], word, &sql[pos..]))
}

/// Inserts `word` before the first token that is not one of the leading `keywords`
/// (case-insensitive; comments skipped): `IF NOT EXISTS` after `CREATE UNIQUE INDEX
/// CONCURRENTLY`. `None` when the statement starts otherwise, or already has `word`'s
/// first word there.
pub fn insert_after_leading_words(sql: &str, keywords: &[&str], word: &str) -> Option<String> {
    use crate::parse::split::{Tok, sql_tokens};
    let sql = without_semicolon(sql);
    let mut tokens = sql_tokens(sql);
    let mut first = true;
    for t in tokens.by_ref() {
        let text = &sql[t.start..t.end];
        let keyword = t.kind == Tok::Word && keywords.iter().any(|k| k.eq_ignore_ascii_case(text));
        if keyword {
            first = false;
            continue;
        }
        let already = word
            .split_whitespace()
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case(text));
        if first || already {
            return None;
        }
        return Some(format!("{}{word} {};", &sql[..t.start], &sql[t.start..]));
    }
    None
}

/// The byte ranges of an `ALTER TABLE`'s actions in its text (`ALTER TABLE t ADD a,
/// DROP b`: `ADD a` and `DROP b`), split at the commas outside parentheses; empty when
/// the text does not read as `ALTER TABLE [IF EXISTS] [ONLY] name [*] actions`.
pub fn alter_table_actions(sql: &str) -> Vec<(usize, usize)> {
    use crate::parse::split::{Tok, sql_tokens};
    let sql = without_semicolon(sql);
    let tokens: Vec<_> = sql_tokens(sql).collect();
    let word = |i: usize, w: &str| {
        tokens
            .get(i)
            .is_some_and(|t| t.kind == Tok::Word && sql[t.start..t.end].eq_ignore_ascii_case(w))
    };
    if !word(0, "alter") || !word(1, "table") {
        return Vec::new();
    }
    let mut i = 2;
    if word(i, "if") && word(i + 1, "exists") {
        i += 2;
    }
    if word(i, "only") {
        i += 1;
    }
    // the (possibly qualified) name
    loop {
        match tokens.get(i) {
            Some(t) if matches!(t.kind, Tok::Word | Tok::QuotedIdent) => i += 1,
            _ => return Vec::new(),
        }
        if tokens.get(i).is_some_and(|t| &sql[t.start..t.end] == ".") {
            i += 1;
        } else {
            break;
        }
    }
    if tokens.get(i).is_some_and(|t| &sql[t.start..t.end] == "*") {
        i += 1;
    }
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start: Option<usize> = None;
    let mut end = 0;
    for t in &tokens[i..] {
        let text = &sql[t.start..t.end];
        if t.kind == Tok::Punct && depth == 0 && text == "," {
            if let Some(s) = start.take() {
                out.push((s, end));
            }
            continue;
        }
        if t.kind == Tok::Punct {
            match text {
                "(" | "[" => depth += 1,
                ")" | "]" => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        start.get_or_insert(t.start);
        end = t.end;
    }
    if let Some(s) = start {
        out.push((s, end));
    }
    out
}

/// Names as a list for SQL: `a, "userId"`.
pub fn idents(names: &[String]) -> String {
    let mut out = String::new();
    for (i, n) in names.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        push_ident(&mut out, n);
    }
    out
}

/// A column definition without its inline constraints: `name type [COLLATE c]
/// [DEFAULT d] [NOT NULL]`, as `ADD COLUMN` takes it.
pub fn column_sql(c: &ColumnDef) -> String {
    let mut out = quote_ident(&c.name);
    out.push(' ');
    out.push_str(&c.ty.text);
    if let Some(collation) = &c.collation {
        out.push_str(" COLLATE ");
        out.push_str(collation);
    }
    if let Some(d) = &c.default {
        out.push_str(" DEFAULT ");
        out.push_str(&d.text);
    }
    if c.not_null {
        out.push_str(" NOT NULL");
    }
    out
}

/// A constraint as a table constraint (`FOREIGN KEY (a) REFERENCES t (b) ON DELETE
/// CASCADE`), without its name and `NOT VALID`; `None` for kinds a fix does not
/// re-add this way (exclusion constraints, whose elements are not kept).
pub fn constraint_sql(c: &Constraint) -> Option<String> {
    let sql = match &c.kind {
        ConstraintKind::ForeignKey {
            columns,
            ref_table,
            ref_columns,
            on_delete,
            on_update,
            match_full,
            ..
        } => {
            let mut sql = format!("FOREIGN KEY ({}) REFERENCES {ref_table}", idents(columns));
            if !ref_columns.is_empty() {
                sql.push_str(&format!(" ({})", idents(ref_columns)));
            }
            if *match_full {
                sql.push_str(" MATCH FULL");
            }
            for (on, action) in [("DELETE", on_delete), ("UPDATE", on_update)] {
                if let Some(a) = action {
                    sql.push_str(&format!(" ON {on} {}", a.to_ascii_uppercase()));
                }
            }
            sql
        }
        ConstraintKind::Check { expr, no_inherit } => {
            let inherit = if *no_inherit { " NO INHERIT" } else { "" };
            format!("CHECK ({}){inherit}", expr.text)
        }
        ConstraintKind::Unique {
            columns,
            using_index: None,
            nulls_not_distinct,
        } => {
            let nnd = if *nulls_not_distinct {
                " NULLS NOT DISTINCT"
            } else {
                ""
            };
            format!("UNIQUE{nnd} ({})", idents(columns))
        }
        ConstraintKind::PrimaryKey {
            columns,
            using_index: None,
        } => format!("PRIMARY KEY ({})", idents(columns)),
        ConstraintKind::NotNull { column } => format!("NOT NULL {}", quote_ident(column)),
        _ => return None,
    };
    Some(if c.deferrable {
        format!("{sql} DEFERRABLE")
    } else {
        sql
    })
}

/// A name for a new index on `table` over `columns` as PostgreSQL would choose it
/// (`table_col_idx`, within 63 bytes, then `idx1`, `idx2`, ... while a relation of the
/// table's schema already has it).
pub fn new_index_name(cat: &Catalog, table: &ObjectName, columns: &[String]) -> String {
    let cols = columns.join("_");
    let cols = (!cols.is_empty()).then_some(cols.as_str());
    let mut label = "idx".to_string();
    for n in 1..100 {
        let name = make_object_name(&table.name, cols, &label);
        if cat
            .relation_kind(&ObjectName::new(table.schema.as_deref(), &name))
            .is_none()
        {
            return name;
        }
        label = format!("idx{n}");
    }
    make_object_name(&table.name, cols, &label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_an_alter_tables_actions_at_the_commas_outside_parentheses() {
        let sql = "ALTER TABLE ONLY s.\"T\"\n  ADD COLUMN a int,\n  ADD CONSTRAINT c CHECK (f(a, 1) > 0), DROP x;";
        let parts: Vec<&str> = alter_table_actions(sql)
            .into_iter()
            .map(|(s, e)| &sql[s..e])
            .collect();
        assert_eq!(
            parts,
            [
                "ADD COLUMN a int",
                "ADD CONSTRAINT c CHECK (f(a, 1) > 0)",
                "DROP x"
            ]
        );
        assert!(alter_table_actions("CREATE TABLE t (a int)").is_empty());
    }

    #[test]
    fn inserts_if_not_exists_after_the_leading_keywords() {
        let kws = ["create", "unique", "index", "concurrently"];
        assert_eq!(
            insert_after_leading_words(
                "create unique index concurrently /* c */ a_idx on a (x);",
                &kws,
                "IF NOT EXISTS"
            )
            .as_deref(),
            Some("create unique index concurrently /* c */ IF NOT EXISTS a_idx on a (x);")
        );
        assert_eq!(
            insert_after_leading_words(
                "CREATE INDEX IF NOT EXISTS a ON t (x)",
                &kws,
                "IF NOT EXISTS"
            ),
            None
        );
        assert_eq!(
            insert_after_leading_words("DROP TABLE a", &kws, "IF EXISTS"),
            None
        );
    }

    #[test]
    fn inserts_concurrently_keeping_the_users_text() {
        assert_eq!(
            insert_after_keywords(
                "CREATE UNIQUE INDEX a ON t (x);",
                &["create", "unique", "index"],
                "CONCURRENTLY"
            )
            .as_deref(),
            Some("CREATE UNIQUE INDEX CONCURRENTLY a ON t (x);")
        );
        assert_eq!(
            insert_after_keywords(
                "create index a on t(x)",
                &["create", "unique", "index"],
                "CONCURRENTLY"
            )
            .as_deref(),
            Some("create index CONCURRENTLY a on t(x);")
        );
        assert_eq!(
            insert_after_keywords("DROP TABLE a", &["drop", "index"], "X"),
            None
        );
    }
}
