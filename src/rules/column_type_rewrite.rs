//! ALTER COLUMN ... TYPE that is not binary-coercible rewrites the table and its
//! indexes under ACCESS EXCLUSIVE.

use super::{Context, Rule, Severity, Violation};
use crate::effects::coercion::{self, TypeChange};
use crate::lock::LockMode;
use crate::ops::AlterTableAction;

pub struct ColumnTypeRewrite;

impl Rule for ColumnTypeRewrite {
    fn id(&self) -> &'static str {
        "column-type-rewrite"
    }
    fn default_severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "ALTER COLUMN ... TYPE rewrites the table and its indexes under ACCESS EXCLUSIVE unless the change is binary-coercible"
    }
    fn category(&self) -> super::Category {
        super::Category::Locks
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let Some((at, table)) = cx.alter_table_target() else {
            return;
        };
        // fixes use the name as the user wrote it
        let written = &at.name;
        if !cx.is_preexisting(table) || !cx.effects.rewrites_table(table) {
            return;
        }
        for action in &at.actions {
            let AlterTableAction::AlterColumnType {
                column, ty, using, ..
            } = action
            else {
                continue;
            };
            let from = cx
                .catalog
                .table(table)
                .and_then(|t| t.column(column))
                .map(|c| &c.ty);
            let TypeChange::Rewrite(why) = coercion::type_change(
                from,
                ty,
                using.as_ref(),
                column,
                cx.version,
                cx.catalog.timezone_is_utc(),
            ) else {
                continue;
            };
            let unsure = from.is_none();
            out.push(Violation {
                message: format!(
                    "changing {table}.{column} to {} rewrites {table} and its indexes under ACCESS EXCLUSIVE",
                    ty.text
                ),
                relation: Some(table.clone()),
                lock_mode: Some(LockMode::AccessExclusive),
                why: Some(format!("{why}; reads and writes on {table} wait for the whole rewrite")),
                fix: Some(format!(
                    "add a new column, backfill it in batches, then switch the application over:\n\
                     ALTER TABLE {written} ADD COLUMN {} {};\n\
                     -- backfill in batches (UPDATE ... WHERE id BETWEEN ...), keep it in sync with a trigger,\n\
                     -- then rename or drop the old column in a later release",
                    crate::ops::names::quote_ident(&crate::catalog::replay::make_object_name(column, None, "new")),
                    ty.text
                )),
                severity: unsure.then_some(Severity::Warning),
                ..Default::default()
            });
        }
    }
}
