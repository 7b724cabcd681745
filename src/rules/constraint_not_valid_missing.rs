//! Adding a FOREIGN KEY or CHECK to an existing table without NOT VALID checks every
//! row while holding a lock that blocks writes (FK) or all traffic (CHECK). A CHECK
//! written on `ADD COLUMN` is checked the same way (under the column's ACCESS EXCLUSIVE),
//! and so is an inline REFERENCES when the new column has a default; without a default
//! PostgreSQL knows the new column is all NULL and skips the foreign key check.

use super::fixes::{column_sql, constraint_sql, without_semicolon};
use super::{Context, Rule, Severity, Violation};
use crate::catalog::replay::make_object_name;
use crate::lock::LockMode;
use crate::ops::names::quote_ident;
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
        if cx.is_foreign(table) {
            // a foreign table's rows are not checked: there is nothing to defer
            return;
        }
        // fixes use the name as the user wrote it
        let written = &at.name;
        let single = at.actions.len() == 1;
        // the whole statement with its checked constraints NOT VALID (and named): its
        // other actions (adding the column, dropping the old constraint) are kept
        let whole = not_valid_statement(cx, at, table);
        for (i, action) in at.actions.iter().enumerate() {
            match action {
                AlterTableAction::AddConstraint(c) if !c.not_valid => {
                    let Some((what, mode)) = kind_and_lock(c, cx) else {
                        continue;
                    };
                    let name = c.name.clone().unwrap_or_else(|| default_name(table, c));
                    let add = match constraint_sql(c) {
                        _ if whole.is_some() => whole.clone().unwrap_or_default(),
                        _ if single && c.name.is_some() => {
                            format!("{} NOT VALID;", without_semicolon(&cx.stmt.text))
                        }
                        Some(sql) => format!(
                            "ALTER TABLE {written} ADD CONSTRAINT {} {sql} NOT VALID;",
                            quote_ident(&name)
                        ),
                        None => format!(
                            "ALTER TABLE {written} ADD CONSTRAINT {} ... NOT VALID;",
                            quote_ident(&name)
                        ),
                    };
                    let mut v = violation(table, written, &what, mode, &add, &name);
                    v.span = super::clause::action(cx.stmt, at, i);
                    out.push(v);
                }
                AlterTableAction::AddColumn { .. } if cx.skips_add_column(table, action) => {}
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
                        let add = whole.clone().unwrap_or_else(|| {
                            format!(
                                "ALTER TABLE {written} ADD COLUMN {};\nALTER TABLE {written} ADD CONSTRAINT {} {} NOT VALID;",
                                column_sql(column),
                                quote_ident(&name),
                                constraint_sql(c).unwrap_or_else(|| "...".to_string())
                            )
                        });
                        let mut v = violation(
                            table,
                            written,
                            &what,
                            LockMode::AccessExclusive,
                            &add,
                            &name,
                        );
                        // the inline CHECK / REFERENCES of the new column
                        v.span = super::clause::ColumnPart::of(c).and_then(|part| {
                            super::clause::column_part(
                                cx.stmt,
                                &column.name,
                                part,
                                c.name.as_deref(),
                            )
                        });
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

/// The statement as written, with each constraint it adds that PostgreSQL would check
/// against every row made `NOT VALID` and named (so `VALIDATE` can name it); an inline
/// one becomes a table constraint of the same statement, after its column. `None` when
/// the statement's text does not split into its actions.
fn not_valid_statement(
    cx: &Context,
    at: &crate::ops::AlterTable,
    table: &ObjectName,
) -> Option<String> {
    let sql = without_semicolon(&cx.stmt.text);
    let ranges = super::fixes::alter_table_actions(sql);
    if ranges.len() != at.actions.len() {
        return None;
    }
    let named = |c: &Constraint| quote_ident(&crate::catalog::replay::constraint_name(table, c));
    let mut out = String::new();
    let mut last = 0;
    for (action, (start, end)) in at.actions.iter().zip(&ranges) {
        let text = &sql[*start..*end];
        let replaced = match action {
            AlterTableAction::AddConstraint(c)
                if !c.not_valid && kind_and_lock(c, cx).is_some() =>
            {
                if c.name.is_some() {
                    format!("{text} NOT VALID")
                } else {
                    // `ADD FOREIGN KEY ...` -> `ADD CONSTRAINT name FOREIGN KEY ...`
                    if !text.get(..3)?.eq_ignore_ascii_case("add") {
                        return None;
                    }
                    let rest = text.get(3..)?;
                    format!("ADD CONSTRAINT {}{rest} NOT VALID", named(c))
                }
            }
            AlterTableAction::AddColumn {
                column,
                if_not_exists,
            } if column.constraints.iter().any(|c| inline_checked(column, c)) => {
                let ine = if *if_not_exists { "IF NOT EXISTS " } else { "" };
                let mut t = format!("ADD COLUMN {ine}{}", column_sql(column));
                for c in &column.constraints {
                    let valid = if inline_checked(column, c) {
                        " NOT VALID"
                    } else {
                        ""
                    };
                    t.push_str(&format!(
                        ", ADD CONSTRAINT {} {}{valid}",
                        named(c),
                        constraint_sql(c)?
                    ));
                }
                t
            }
            _ => continue,
        };
        out.push_str(&sql[last..*start]);
        out.push_str(&replaced);
        last = *end;
    }
    out.push_str(&sql[last..]);
    out.push(';');
    Some(out)
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
        why: Some(
            format!(
                "{mode} on {table} blocks {} until every existing row has been checked",
                mode.blocked_traffic()
            )
            .into(),
        ),
        fix: Some(format!(
            "add it NOT VALID (instant), then validate in a later transaction (SHARE UPDATE EXCLUSIVE: reads and writes go on):\n{add}\n-- next migration:\nALTER TABLE {written} VALIDATE CONSTRAINT {};",
            quote_ident(name)
        )),
        ..Default::default()
    }
}
