//! Adding a FOREIGN KEY or CHECK to an existing table without NOT VALID checks every
//! row while holding a lock that blocks writes (FK) or all traffic (CHECK). A CHECK
//! written on `ADD COLUMN` is checked the same way (under the column's ACCESS EXCLUSIVE),
//! and so is an inline REFERENCES when the new column has a default; without a default
//! PostgreSQL knows the new column is all NULL and skips the foreign key check.

use super::fixes::without_semicolon;
use super::{Context, Rule, Severity, Violation};
use crate::catalog::replay::make_object_name;
use crate::lock::LockMode;
use crate::ops::{AlterTableAction, ColumnDef, Constraint, ConstraintKind, ObjectName};

pub struct ConstraintNotValidMissing;

impl Rule for ConstraintNotValidMissing {
    fn id(&self) -> &'static str {
        "constraint-not-valid-missing"
    }
    fn default_severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "ADD FOREIGN KEY / CHECK without NOT VALID scans an existing table under a lock that blocks writes"
    }
    fn category(&self) -> super::Category {
        super::Category::Locks
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let Some((at, table)) = cx.alter_of_existing_table() else {
            return;
        };
        // fixes use the name as the user wrote it
        let written = &at.name;
        let single = at.actions.len() == 1;
        for action in &at.actions {
            match action {
                AlterTableAction::AddConstraint(c) if !c.not_valid => {
                    let Some((what, mode)) = kind_and_lock(c, cx) else {
                        continue;
                    };
                    let name = c.name.clone().unwrap_or_else(|| default_name(table, c));
                    let add = if single && c.name.is_some() {
                        format!("{} NOT VALID;", without_semicolon(&cx.stmt.text))
                    } else {
                        format!("ALTER TABLE {written} ADD CONSTRAINT {name} ... NOT VALID;")
                    };
                    out.push(violation(table, written, &what, mode, &add, &name));
                }
                AlterTableAction::AddColumn { column, .. } => {
                    for c in column
                        .constraints
                        .iter()
                        .filter(|c| inline_checked(column, c))
                    {
                        let Some((what, _)) = kind_and_lock(c, cx) else {
                            continue;
                        };
                        let name = c.name.clone().unwrap_or_else(|| default_name(table, c));
                        let add = format!(
                            "ALTER TABLE {written} ADD COLUMN {} {};\nALTER TABLE {written} ADD CONSTRAINT {name} {} NOT VALID;",
                            column.name,
                            column.ty.text,
                            constraint_sql(c)
                        );
                        let mut v = violation(
                            table,
                            written,
                            &what,
                            LockMode::AccessExclusive,
                            &add,
                            &name,
                        );
                        v.fix = v.fix.map(|f| {
                            f.replacen(
                                "add it NOT VALID",
                                "add the column, then the constraint NOT VALID",
                                1,
                            )
                        });
                        out.push(v);
                    }
                }
                _ => {}
            }
        }
    }
}

/// What the constraint is, and the lock adding it takes on the table.
fn kind_and_lock(c: &Constraint, cx: &Context) -> Option<(String, LockMode)> {
    match &c.kind {
        ConstraintKind::ForeignKey { ref_table, .. } => Some((
            format!("FOREIGN KEY to {ref_table}"),
            LockMode::ShareRowExclusive,
        )),
        ConstraintKind::Check { .. } => {
            Some(("CHECK constraint".to_string(), LockMode::AccessExclusive))
        }
        ConstraintKind::NotNull { column } if cx.version.0 >= 18 => Some((
            format!("NOT NULL constraint on {column}"),
            LockMode::AccessExclusive,
        )),
        _ => None,
    }
}

/// An inline constraint of `ADD COLUMN` that PostgreSQL checks against every row: a CHECK
/// always; a REFERENCES only when the column gets a non-null default.
fn inline_checked(column: &ColumnDef, c: &Constraint) -> bool {
    match c.kind {
        ConstraintKind::Check { .. } => true,
        ConstraintKind::ForeignKey { .. } => column.default.as_ref().is_some_and(|d| !d.is_null),
        _ => false,
    }
}

/// The name PostgreSQL gives an unnamed constraint (`orders_customer_id_fkey`).
fn default_name(table: &ObjectName, c: &Constraint) -> String {
    let (label, cols) = match &c.kind {
        ConstraintKind::ForeignKey { columns, .. } => ("fkey", columns.join("_")),
        ConstraintKind::Check { expr, .. } => {
            let mut cols = expr.columns.clone();
            cols.dedup();
            (
                "check",
                if cols.len() == 1 {
                    cols.join("")
                } else {
                    String::new()
                },
            )
        }
        ConstraintKind::NotNull { column } => ("not_null", column.clone()),
        _ => return "<constraint_name>".to_string(),
    };
    make_object_name(
        &table.name,
        (!cols.is_empty()).then_some(cols.as_str()),
        label,
    )
}

/// The constraint as a table constraint, for fixes of inline ones.
fn constraint_sql(c: &Constraint) -> String {
    match &c.kind {
        ConstraintKind::ForeignKey {
            columns,
            ref_table,
            ref_columns,
            ..
        } => {
            let refs = if ref_columns.is_empty() {
                String::new()
            } else {
                format!(" ({})", ref_columns.join(", "))
            };
            format!(
                "FOREIGN KEY ({}) REFERENCES {ref_table}{refs}",
                columns.join(", ")
            )
        }
        ConstraintKind::Check { expr, .. } => format!("CHECK ({})", expr.text),
        _ => "...".to_string(),
    }
}

/// `table` is the resolved name (messages), `written` the name as in the statement (fixes).
fn violation(
    table: &ObjectName,
    written: &ObjectName,
    what: &str,
    mode: LockMode,
    add: &str,
    name: &str,
) -> Violation {
    Violation {
        message: format!("adding a {what} checks every row of {table} while holding {mode}"),
        relation: Some(table.clone()),
        lock_mode: Some(mode),
        why: Some(format!(
            "{mode} on {table} blocks {} until every existing row has been checked",
            mode.blocked_traffic()
        )),
        fix: Some(format!(
            "add it NOT VALID (instant), then validate in a later transaction (SHARE UPDATE EXCLUSIVE: reads and writes go on):\n{add}\n-- next migration:\nALTER TABLE {written} VALIDATE CONSTRAINT {name};"
        )),
        ..Default::default()
    }
}
