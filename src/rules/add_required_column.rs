//! ADD COLUMN ... NOT NULL without a default fails on a table with rows, and breaks
//! application versions that insert without the column.

use super::{Context, Rule, Severity, Violation};
use crate::ops::AlterTableAction;

pub struct AddRequiredColumn;

impl Rule for AddRequiredColumn {
    fn id(&self) -> &'static str {
        "add-required-column"
    }
    fn default_severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "ADD COLUMN ... NOT NULL without a default fails on a non-empty table and breaks running inserts"
    }
    fn category(&self) -> super::Category {
        super::Category::Breaking
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let Some((at, table)) = cx.alter_of_existing_table() else {
            return;
        };
        // fixes use the name as the user wrote it
        let written = &at.name;
        for (i, action) in at.actions.iter().enumerate() {
            if cx.skips_add_column(table, action) {
                continue;
            }
            let AlterTableAction::AddColumn { column, .. } = action else {
                continue;
            };
            let has_value = column.default.as_ref().is_some_and(|d| !d.is_null)
                || column.identity.is_some()
                || column.generated.is_some()
                || column.ty.is_serial();
            if !column.not_null || has_value {
                continue;
            }
            out.push(Violation {
                span: super::clause::action(cx.stmt, at, i),
                message: format!(
                    "{table}.{} is added NOT NULL without a default: this fails if {table} has rows",
                    column.name
                ),
                relation: Some(table.clone()),
                why: Some(format!(
                    "existing rows would hold NULL, so PostgreSQL rejects the change on a non-empty table; once added, application versions that insert into {table} without {} fail",
                    column.name
                ).into()),
                fix: Some(format!(
                    "add it with a default (no rewrite on PostgreSQL 11+ for a constant), or nullable and backfilled, then enforce NOT NULL:\n\
                     ALTER TABLE {written} ADD COLUMN {} {} NOT NULL DEFAULT <value>;",
                    crate::ops::names::quote_ident(&column.name),
                    column.ty.text
                )),
                ..Default::default()
            });
        }
    }
}
