//! ALTER COLUMN ... DROP DEFAULT on a NOT NULL column of a table that existed before
//! this migration: application versions that insert without the column fail. Judged on
//! the schema after the file, so a default set again, or NOT NULL dropped, later in the
//! same migration is taken into account.

use super::{FileCheck, Rule, Severity, Violation};
use crate::lock::LockMode;
use crate::ops::{AlterTableAction, ObjectName, Operation};
use crate::parse::Statement;

pub struct DropDefault;

impl Rule for DropDefault {
    fn id(&self) -> &'static str {
        "drop-default"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "DROP DEFAULT on a NOT NULL column breaks application versions that insert without the column"
    }
    fn category(&self) -> super::Category {
        super::Category::Breaking
    }
    fn check(&self, _cx: &super::Context, _out: &mut Vec<Violation>) {}
    fn check_file(&self, fc: &FileCheck, out: &mut Vec<Violation>) {
        let statements = || {
            fc.statements
                .iter()
                .flat_map(|s| std::iter::once(s).chain(s.embedded.iter()))
        };
        for stmt in statements() {
            let Operation::AlterTable(at) = &stmt.op else {
                continue;
            };
            for (i, action) in at.actions.iter().enumerate() {
                let AlterTableAction::DropDefault { column } = action else {
                    continue;
                };
                let Some(table) = fc.table_after(&at.name, stmt.index) else {
                    continue; // dropped later in the file
                };
                if table.origin.is_some_and(|o| o.file == fc.file.index) {
                    continue; // created in this migration
                }
                let Some(col) = table.column(&fc.column_after(&at.name, column, stmt.index)) else {
                    continue;
                };
                let required = col.not_null
                    && col.default.is_none()
                    && col.identity.is_none()
                    && col.generated.is_none();
                if !required {
                    continue;
                }
                let new_column = statements().any(|s| adds_column(s, &at.name, column));
                // named as at the statement when the file moves or renames it later
                let moved = table.name.name != at.name.name
                    || (at.name.schema.is_some() && at.name.schema != table.name.schema);
                let shown = if moved { &at.name } else { &table.name };
                let mut v = finding(fc, stmt, &at.name, shown, column, new_column);
                // the ALTER COLUMN ... DROP DEFAULT action
                if let Some(span) = super::clause::action(stmt, at, i) {
                    v.span = Some(span);
                }
                out.push(v);
            }
        }
    }
}

fn adds_column(stmt: &Statement, table: &ObjectName, column: &str) -> bool {
    let Operation::AlterTable(at) = &stmt.op else {
        return false;
    };
    at.name.name == table.name
        && at
            .actions
            .iter()
            .any(|a| matches!(a, AlterTableAction::AddColumn { column: c, .. } if c.name == column))
}

fn finding(
    fc: &FileCheck,
    stmt: &Statement,
    written: &ObjectName,
    table: &ObjectName,
    column: &str,
    new_column: bool,
) -> Violation {
    let why = if new_column {
        format!(
            "{column} is added by this migration, so the application version still running does not know it: every INSERT it makes into {table} fails with a not-null violation once this commits"
        )
    } else {
        format!(
            "INSERTs that leave {column} out (the application version still running may rely on the default) fail with a not-null violation once this commits, unless a BEFORE INSERT trigger fills it"
        )
    };
    let cheap = if fc.version.0 >= 11 {
        " (a constant default costs nothing to keep)"
    } else {
        ""
    };
    Violation {
        span: Some(stmt.span),
        message: format!(
            "dropping the default of {table}.{column}, which is NOT NULL, breaks application versions that insert without {column}"
        ),
        relation: Some(table.clone()),
        lock_mode: Some(LockMode::AccessExclusive),
        why: Some(why.into()),
        fix: Some(format!(
            "keep the default{cheap} until every running application version sets {column} on insert; then drop it in a later migration:\nALTER TABLE {written} ALTER COLUMN {} DROP DEFAULT;\n-- schemaguard:ignore drop-default -- every running version sets {column} since <release>",
            crate::ops::names::quote_ident(column)
        )),
        ..Default::default()
    }
}
