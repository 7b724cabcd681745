//! The column types a statement declares (CREATE TABLE, ADD COLUMN, ALTER COLUMN TYPE),
//! for the type-preference hints.

use crate::ops::{AlterTableAction, ConstraintKind, IdentityKind, ObjectName, Operation, TypeName};

pub struct DeclaredColumn<'a> {
    pub table: &'a ObjectName,
    pub column: &'a str,
    pub ty: &'a TypeName,
    /// Part of the primary key.
    pub primary_key: bool,
    pub identity: Option<IdentityKind>,
}

pub fn declared_columns(op: &Operation) -> Vec<DeclaredColumn<'_>> {
    let mut out = Vec::new();
    match op {
        Operation::CreateTable(ct) => {
            let pk: Vec<&String> = ct
                .constraints
                .iter()
                .filter_map(|c| match &c.kind {
                    ConstraintKind::PrimaryKey { columns, .. } => Some(columns),
                    _ => None,
                })
                .flatten()
                .collect();
            for c in &ct.columns {
                let inline_pk = c
                    .constraints
                    .iter()
                    .any(|k| matches!(k.kind, ConstraintKind::PrimaryKey { .. }));
                out.push(DeclaredColumn {
                    table: &ct.name,
                    column: &c.name,
                    ty: &c.ty,
                    primary_key: inline_pk || pk.contains(&&c.name),
                    identity: c.identity,
                });
            }
        }
        Operation::AlterTable(at) => {
            for a in &at.actions {
                match a {
                    AlterTableAction::AddColumn { column, .. } => out.push(DeclaredColumn {
                        table: &at.name,
                        column: &column.name,
                        ty: &column.ty,
                        primary_key: column
                            .constraints
                            .iter()
                            .any(|k| matches!(k.kind, ConstraintKind::PrimaryKey { .. })),
                        identity: column.identity,
                    }),
                    AlterTableAction::AlterColumnType { column, ty, .. } => {
                        out.push(DeclaredColumn {
                            table: &at.name,
                            column,
                            ty,
                            primary_key: false,
                            identity: None,
                        })
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    out
}

/// Where `column` is declared in the statement: from its name to the end of its
/// definition (the next `,` or closing parenthesis at its depth), so that a hint about
/// one column frames that column, not the whole `CREATE TABLE`. `None` when it cannot
/// be found (the finding then frames the statement).
pub fn column_span(stmt: &crate::parse::Statement, column: &str) -> Option<crate::span::Span> {
    use crate::parse::split::{Tok, sql_tokens};
    let text = stmt.text.as_str();
    if stmt.span.end.checked_sub(stmt.span.start) != Some(text.len()) {
        return None; // the text is not the span's (an embedded statement's copy)
    }
    let tokens: Vec<_> = sql_tokens(text)
        .filter(|t| !matches!(t.kind, Tok::LineComment | Tok::BlockComment))
        .collect();
    let word = |i: usize| &text[tokens[i].start..tokens[i].end];
    let names_column = |i: usize| match tokens[i].kind {
        Tok::Word => word(i).eq_ignore_ascii_case(column) && column == column.to_lowercase(),
        Tok::QuotedIdent => {
            let w = word(i);
            w.len() >= 2 && w[1..w.len() - 1].replace("\"\"", "\"") == column
        }
        _ => false,
    };
    let mut depth = 0usize;
    let mut start = None;
    for i in 0..tokens.len() {
        let starts_element = i > 0 && {
            let prev = word(i - 1);
            match prev {
                "(" => depth == 1,
                "," => depth == 1 || depth == 0,
                _ => {
                    depth == 0
                        && ["add", "column", "exists", "alter"]
                            .iter()
                            .any(|k| prev.eq_ignore_ascii_case(k))
                }
            }
        };
        if starts_element && names_column(i) {
            start = Some(i);
            break;
        }
        match word(i) {
            "(" => depth += 1,
            ")" => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    let first = start?;
    let mut inner = 0usize;
    let mut last = first;
    for (i, t) in tokens.iter().enumerate().skip(first) {
        match (word(i), t.kind) {
            (_, Tok::Semicolon) => break,
            ("(", _) => inner += 1,
            (")", _) if inner == 0 => break,
            (")", _) => inner -= 1,
            (",", _) if inner == 0 => break,
            _ => {}
        }
        last = i;
    }
    Some(stmt.sub_span(tokens[first].start, tokens[last].end))
}

#[cfg(test)]
mod tests {
    use super::column_span;

    /// (line, column, framed text) of each column's span in the file.
    fn framed(text: &str, stmt: usize, column: &str) -> Option<(u32, u32, String)> {
        let parsed = crate::parse::parse_file(text);
        let s = column_span(&parsed.statements[stmt], column)?;
        Some((
            s.start_pos.line,
            s.start_pos.column,
            text[s.start..s.end].to_string(),
        ))
    }

    #[test]
    fn a_column_hint_frames_the_column_definition() {
        let text = "-- header\nCREATE TABLE a (\n  id int PRIMARY KEY,\n  \"Name\" varchar(20) CHECK (length(\"Name\") > 0), -- c\n  name numeric(10, 2)\n);\nALTER TABLE a ADD COLUMN IF NOT EXISTS j json, ALTER COLUMN id TYPE bigint;\n";
        assert_eq!(
            framed(text, 0, "id"),
            Some((3, 3, "id int PRIMARY KEY".to_string()))
        );
        assert_eq!(
            framed(text, 0, "Name"),
            Some((
                4,
                3,
                "\"Name\" varchar(20) CHECK (length(\"Name\") > 0)".to_string()
            ))
        );
        // the unquoted name is another column than "Name"
        assert_eq!(
            framed(text, 0, "name"),
            Some((5, 3, "name numeric(10, 2)".to_string()))
        );
        assert_eq!(framed(text, 1, "j"), Some((7, 40, "j json".to_string())));
        assert_eq!(
            framed(text, 1, "id"),
            Some((7, 61, "id TYPE bigint".to_string()))
        );
        assert_eq!(framed(text, 0, "missing"), None);
    }
}
