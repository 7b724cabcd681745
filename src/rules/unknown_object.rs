//! A statement alters or references a table or column that no earlier migration creates:
//! either the history is incomplete, or the migration fails on a fresh database.

use super::{Category, Context, Rule, Severity, Violation};
use crate::ops::{AlterTableAction, ConstraintKind, ObjectName, Operation};

pub struct UnknownObject;

impl Rule for UnknownObject {
    fn id(&self) -> &'static str {
        "unknown-object"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "a statement alters or references a table or column that no earlier migration creates"
    }
    fn category(&self) -> Category {
        Category::Correctness
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let mut missing: Vec<String> = Vec::new();
        // where the one missing object is named, when it is one action or constraint
        let mut place: Option<crate::span::Span> = None;
        let table_known =
            |name: &ObjectName| cx.catalog.relation_kind(name).is_some() || is_system(name);
        match &cx.stmt.op {
            Operation::AlterTable(at) if !at.if_exists && !at.name.name.is_empty() => {
                if !table_known(&at.name) {
                    missing.push(format!("table {}", at.name));
                } else if let Some(t) = cx.catalog.table(&at.name).filter(|t| t.columns_complete) {
                    // columns of a known table; ADD COLUMN and renames change the set as
                    // the actions go
                    let mut columns: Vec<&str> =
                        t.columns.iter().map(|c| c.name.as_str()).collect();
                    for (i, a) in at.actions.iter().enumerate() {
                        let used = match a {
                            AlterTableAction::AddColumn { column, .. } => {
                                columns.push(&column.name);
                                None
                            }
                            AlterTableAction::RenameColumn { from, to } => {
                                let hit = (!columns.contains(&from.as_str())).then(|| from.clone());
                                columns.push(to);
                                hit
                            }
                            AlterTableAction::DropColumn {
                                name,
                                if_exists: false,
                                ..
                            }
                            | AlterTableAction::AlterColumnType { column: name, .. }
                            | AlterTableAction::SetNotNull { column: name }
                            | AlterTableAction::DropNotNull { column: name }
                            | AlterTableAction::SetDefault { column: name, .. }
                            | AlterTableAction::DropDefault { column: name } => {
                                (!columns.contains(&name.as_str())).then(|| name.clone())
                            }
                            AlterTableAction::AddConstraint(c) => {
                                if let Some(n) = fk_target(c, &table_known) {
                                    if missing.is_empty() {
                                        place = super::clause::action(cx.stmt, at, i);
                                    }
                                    missing.push(format!("table {n}"));
                                }
                                None
                            }
                            _ => None,
                        };
                        if let Some(col) = used {
                            if missing.is_empty() {
                                place = super::clause::action(cx.stmt, at, i);
                            }
                            missing.push(format!("column {}.{col}", at.name));
                        }
                    }
                }
            }
            Operation::CreateTable(ct) => {
                let own = |n: &ObjectName| n == &ct.name || table_known(n);
                let constraints = ct.constraints.iter().map(|c| (None, c)).chain(
                    ct.columns
                        .iter()
                        .flat_map(|col| col.constraints.iter().map(|c| (Some(&col.name), c))),
                );
                for (column, c) in constraints {
                    if let Some(n) = fk_target(c, &own) {
                        if missing.is_empty() {
                            place = match column {
                                None => super::clause::table_constraint(cx.stmt, c),
                                Some(col) => super::clause::column_part(
                                    cx.stmt,
                                    col,
                                    super::clause::ColumnPart::References,
                                    c.name.as_deref(),
                                ),
                            };
                        }
                        missing.push(format!("table {n}"));
                    }
                }
                if let Some(parent) = &ct.partition_of {
                    if !table_known(parent) {
                        missing.push(format!("table {parent}"));
                    }
                }
            }
            Operation::CreateIndex(ci) if !table_known(&ci.table) => {
                missing.push(format!("table {}", ci.table));
            }
            Operation::Insert(d) | Operation::Update(d) | Operation::Delete(d)
                if !d.table.name.is_empty() && !table_known(&d.table) =>
            {
                missing.push(format!("table {}", d.table));
            }
            Operation::DropTable(d) if !d.if_exists => {
                missing.extend(
                    d.names
                        .iter()
                        .filter(|n| !table_known(n))
                        .map(|n| format!("table {n}")),
                );
            }
            _ => {}
        }
        if missing.is_empty() {
            return;
        }
        // one object named once: its clause; else the statement
        let span = if missing.len() == 1 { place } else { None };
        missing.dedup();
        out.push(Violation {
            span,
            message: format!("no earlier migration creates {}", missing.join(", ")),
            why: Some(
                "either the history schemaguard read is incomplete (objects made outside these migrations: then its checks cannot see their locks and sizes), or this migration fails on a fresh database".into(),
            ),
            fix: Some(
                "if the objects come from elsewhere (another tool, a schema dump), say so in schemaguard.toml with `partial_history = true` (or check against the live database); otherwise fix the name"
                    .to_string(),
            ),
            ..Default::default()
        });
    }
}

/// The referenced table of a foreign key, when it is not known.
fn fk_target(
    c: &crate::ops::Constraint,
    known: &dyn Fn(&ObjectName) -> bool,
) -> Option<ObjectName> {
    match &c.kind {
        ConstraintKind::ForeignKey { ref_table, .. } if !known(ref_table) => {
            Some(ref_table.clone())
        }
        _ => None,
    }
}

/// PostgreSQL's own catalogs and views, and the migration frameworks' history tables,
/// which no migration creates.
fn is_system(name: &ObjectName) -> bool {
    matches!(
        name.schema.as_deref(),
        Some("pg_catalog" | "information_schema")
    ) || (name.schema.is_none() && name.name.starts_with("pg_"))
        || crate::source::framework::HISTORY_TABLES.contains(&name.name.as_str())
}
