//! A foreign key whose referencing columns lead no index: every DELETE on the referenced
//! table (and every UPDATE of its key) looks for referencing rows by reading the whole
//! referencing table. Checked once the file has run, so an index created later in the
//! same migration counts.

use super::{FileCheck, Rule, Severity, Violation};
use crate::catalog::replay::constraint_name;
use crate::catalog::{Catalog, Index};
use crate::lock::LockMode;
use crate::ops::names::quote_ident;
use crate::ops::{
    AlterTableAction, Constraint, ConstraintKind, ObjectName, Operation, Persistence,
};
use crate::parse::Statement;

pub struct FkMissingIndex;

impl Rule for FkMissingIndex {
    fn id(&self) -> &'static str {
        "fk-missing-index"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "a foreign key added without an index on its referencing columns: deletes and key updates on the referenced table scan the referencing table"
    }
    fn category(&self) -> super::Category {
        super::Category::Locks
    }
    fn check(&self, _cx: &super::Context, _out: &mut Vec<Violation>) {}

    fn check_file(&self, cx: &FileCheck, out: &mut Vec<Violation>) {
        let cat = cx.catalog_after;
        let mut seen: std::collections::HashSet<(ObjectName, String)> =
            std::collections::HashSet::new();
        let all = cx
            .statements
            .iter()
            .flat_map(|s| std::iter::once(s).chain(s.embedded.iter()));
        for stmt in all {
            for (written, c, new_table, place) in foreign_keys(stmt) {
                let Some(table) = cx.table_after(written, stmt.index) else {
                    continue; // dropped later in the file
                };
                if table.persistence == Persistence::Temporary {
                    continue;
                }
                let name = constraint_name(&table.name, c);
                // still there at the end of the file?
                let Some(fk) = table.constraint(&name) else {
                    continue;
                };
                let ConstraintKind::ForeignKey {
                    columns,
                    ref_table,
                    on_delete,
                    on_update,
                    ..
                } = &fk.kind
                else {
                    continue;
                };
                // (a set: a file may add thousands of keys)
                if columns.is_empty() || !seen.insert((table.name.clone(), name.clone())) {
                    continue;
                }
                if indexed(cat, &table.name, columns) {
                    continue;
                }
                let mut v = violation(
                    cx,
                    stmt,
                    written,
                    &table.name,
                    &name,
                    columns,
                    ref_table,
                    on_delete,
                    on_update,
                    new_table,
                );
                // A table this migration creates is empty while it runs: the missing
                // index slows no delete yet, so it is design advice, not a danger to
                // running traffic.
                if let Some(span) = place.span(stmt, c) {
                    v.span = Some(span);
                }
                if new_table || created_in(cat, &table.name, cx.file.index) {
                    v.severity = Some(Severity::Hint);
                }
                out.push(v);
            }
        }
    }
}

/// `table` was created by file `file` (this migration).
fn created_in(cat: &Catalog, table: &ObjectName, file: usize) -> bool {
    cat.relation_origin(table).is_some_and(|o| o.file == file)
}

/// Where a foreign key is written in its statement.
enum Place<'a> {
    /// A table constraint of `CREATE TABLE`.
    TableConstraint,
    /// `REFERENCES` written with this column (of `CREATE TABLE` or `ADD COLUMN`).
    Inline(&'a str),
    /// `ADD [CONSTRAINT name] FOREIGN KEY`, action number `.0` of an `ALTER TABLE`.
    Action(usize),
}

impl Place<'_> {
    /// The span of the foreign key's clause, when it can be found.
    fn span(&self, stmt: &Statement, c: &Constraint) -> Option<crate::span::Span> {
        use super::clause::{self, ColumnPart};
        match (self, &stmt.op) {
            (Place::TableConstraint, _) => clause::table_constraint(stmt, c),
            (Place::Inline(column), _) => {
                clause::column_part(stmt, column, ColumnPart::References, c.name.as_deref())
            }
            (Place::Action(i), Operation::AlterTable(at)) => clause::action(stmt, at, *i),
            _ => None,
        }
    }
}

/// The foreign keys a statement adds: (table as written, constraint, table created by
/// this statement, where it is written).
fn foreign_keys(stmt: &Statement) -> Vec<(&ObjectName, &Constraint, bool, Place<'_>)> {
    let is_fk = |c: &Constraint| matches!(c.kind, ConstraintKind::ForeignKey { .. });
    match &stmt.op {
        Operation::CreateTable(ct) => ct
            .constraints
            .iter()
            .filter(|c| is_fk(c))
            .map(|c| (&ct.name, c, true, Place::TableConstraint))
            .chain(ct.columns.iter().flat_map(|col| {
                col.constraints
                    .iter()
                    .filter(|c| is_fk(c))
                    .map(|c| (&ct.name, c, true, Place::Inline(col.name.as_str())))
            }))
            .collect(),
        Operation::AlterTable(at) => at
            .actions
            .iter()
            .enumerate()
            .flat_map(|(i, a)| match a {
                AlterTableAction::AddConstraint(c) if is_fk(c) => {
                    vec![(&at.name, c, false, Place::Action(i))]
                }
                AlterTableAction::AddColumn { column, .. } => column
                    .constraints
                    .iter()
                    .filter(|c| is_fk(c))
                    .map(|c| (&at.name, c, false, Place::Inline(column.name.as_str())))
                    .collect(),
                _ => Vec::new(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A valid index on `table` that PostgreSQL can use to find the rows referencing one key
/// (`col = $1 AND ...`): its first column is one of the foreign key's columns (a prefix
/// of them narrows the lookup enough), and it is not partial, or partial only on
/// `IS NOT NULL` of the foreign key's columns (implied by the lookup's equality).
fn indexed(cat: &Catalog, table: &ObjectName, columns: &[String]) -> bool {
    cat.indexes_on(table).any(|i: &Index| {
        i.valid
            && i.columns.first().is_some_and(|c| columns.contains(c))
            && i.predicate
                .as_ref()
                .is_none_or(|p| only_not_null_of(p, columns))
    })
}

/// The predicate is nothing but `c IS NOT NULL` terms over `columns`, joined by AND.
fn only_not_null_of(p: &crate::ops::Expr, columns: &[String]) -> bool {
    let proven = &p.proves_not_null;
    let text: String = p
        .text
        .to_ascii_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '(' | ')' | '"'))
        .collect();
    let expected = proven
        .iter()
        .map(|c| format!("{}isnotnull", c.to_ascii_lowercase()))
        .collect::<Vec<_>>()
        .join("and");
    !proven.is_empty() && proven.iter().all(|c| columns.contains(c)) && text == expected
}

#[allow(clippy::too_many_arguments)]
fn violation(
    cx: &FileCheck,
    stmt: &Statement,
    written: &ObjectName,
    table: &ObjectName,
    name: &str,
    columns: &[String],
    ref_table: &ObjectName,
    on_delete: &Option<String>,
    on_update: &Option<String>,
    new_table: bool,
) -> Violation {
    let cols = columns.join(", ");
    // the fix prints names quoted where PostgreSQL needs it (they are stored folded)
    let sql_cols = super::fixes::idents(columns);
    let index = quote_ident(&super::fixes::new_index_name(
        cx.catalog_after,
        table,
        columns,
    ));
    // the referential actions that write the referencing rows
    let writes = |a: &Option<String>| {
        a.as_deref()
            .is_some_and(|a| !matches!(a.to_ascii_lowercase().as_str(), "no action" | "restrict"))
    };
    let actions: Vec<String> = [("DELETE", on_delete), ("UPDATE", on_update)]
        .iter()
        .filter(|(_, a)| writes(a))
        .map(|(on, a)| {
            format!(
                "ON {on} {}",
                a.as_deref().unwrap_or_default().to_uppercase()
            )
        })
        .collect();
    let (mode, what) = if actions.is_empty() {
        (
            LockMode::RowShare,
            "and locks the rows it finds (FOR KEY SHARE)".to_string(),
        )
    } else {
        (
            LockMode::RowExclusive,
            format!("and writes the rows it finds ({})", actions.join(", ")),
        )
    };
    let created_here = cx
        .catalog_after
        .relation_origin(table)
        .is_some_and(|o| o.file == cx.file.index);
    let fix = if new_table || created_here {
        format!(
            "index the referencing columns in this migration ({table} is new, a plain index blocks nobody):\nCREATE INDEX {index} ON {written} ({sql_cols});"
        )
    } else {
        format!(
            "index the referencing columns, concurrently, in a migration of its own:\n{}\nSET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY {index} ON {written} ({sql_cols});",
            cx.file.no_transaction_directive()
        )
    };
    Violation {
        message: format!(
            "foreign key {name} on {table} ({cols}) has no index leading with its columns: each DELETE from {ref_table}, or change of its key, scans {table}"
        ),
        span: Some(stmt.span),
        relation: Some(table.clone()),
        lock_mode: Some(mode),
        why: Some(format!(
            "to enforce {name}, PostgreSQL looks up the rows of {table} that reference each deleted or re-keyed row of {ref_table}; without an index on ({cols}) every lookup reads all of {table} {what}, so bulk deletes on {ref_table} get slower as {table} grows and hold their locks longer"
        ).into()),
        fix: Some(fix),
        ..Default::default()
    }
}
