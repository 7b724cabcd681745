//! ALTER COLUMN ... TYPE that is not binary-coercible rewrites the table and its
//! indexes under ACCESS EXCLUSIVE. One that is still checks the column's CHECK
//! constraints against every row and rebuilds indexes on it (all of them when the
//! operator class changes, as for `text` -> `citext`), under the same lock: a warning.

use super::{Context, Rule, Severity, Violation};
use crate::effects::coercion::{self, TypeChange};
use crate::effects::{self, KeptInPlace};
use crate::lock::LockMode;
use crate::ops::{AlterTableAction, ObjectName, TypeName};

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
        if !cx.is_preexisting(table) {
            return;
        }
        let rewrites = cx.effects.rewrites_table(table);
        for (i, action) in at.actions.iter().enumerate() {
            let AlterTableAction::AlterColumnType {
                column,
                ty,
                using,
                collation,
            } = action
            else {
                continue;
            };
            let from = cx
                .catalog
                .table(table)
                .and_then(|t| t.column(column))
                .map(|c| &c.ty);
            let change = coercion::type_change(
                from,
                ty,
                using.as_ref(),
                column,
                cx.version,
                cx.catalog.timezone_is_utc(),
            );
            let why = match change {
                TypeChange::Rewrite(why) if rewrites => why,
                TypeChange::Rewrite(_) => continue,
                kept => {
                    if let Some(t) = cx.catalog.table(table) {
                        let k = effects::kept_in_place(
                            cx.catalog,
                            t,
                            column,
                            &kept,
                            collation.as_deref(),
                        );
                        if !k.is_empty() {
                            let mut v = kept_in_place(table, column, ty, &k);
                            v.span = super::clause::action(cx.stmt, at, i);
                            out.push(v);
                        }
                    }
                    continue;
                }
            };
            let unsure = from.is_none();
            out.push(Violation {
                span: super::clause::action(cx.stmt, at, i),
                message: format!(
                    "changing {table}.{column} to {} rewrites {table} and its indexes under ACCESS EXCLUSIVE",
                    ty.text
                ),
                relation: Some(table.clone()),
                lock_mode: Some(LockMode::AccessExclusive),
                why: Some(format!("{why}; reads and writes on {table} wait for the whole rewrite").into()),
                fix: Some(format!(
                    "add a new column, backfill it in batches, then switch the application over:\n\
                     ALTER TABLE {written} ADD COLUMN {} {};\n\
                     -- backfill in batches (UPDATE ... WHERE id BETWEEN ...), keep it in sync with a trigger,\n\
                     -- then rename or drop the old column in a later release",
                    crate::ops::names::quote_ident(&crate::catalog::replay::make_object_name(column, None, "new")),
                    ty.text
                )),
                severity: unsure.then_some(Severity::Warning),
                at_line: None,
            });
        }
    }
}

/// No rewrite, but a full scan or index builds under ACCESS EXCLUSIVE.
fn kept_in_place(table: &ObjectName, column: &str, ty: &TypeName, k: &KeptInPlace) -> Violation {
    let mut what = Vec::new();
    if !k.indexes.is_empty() {
        what.push(format!("rebuilds {}", k.indexes_text()));
    }
    if !k.checks.is_empty() {
        what.push(format!("reads every row: {}", k.checks_text(column)));
    }
    Violation {
        message: format!(
            "changing {table}.{column} to {} does not rewrite {table}, but {} under ACCESS EXCLUSIVE",
            ty.text,
            if k.indexes.is_empty() {
                "reads every row"
            } else if k.checks.is_empty() {
                "rebuilds indexes"
            } else {
                "rebuilds indexes and reads every row"
            }
        ),
        relation: Some(table.clone()),
        lock_mode: Some(LockMode::AccessExclusive),
        why: Some(format!(
            "it {}; reads and writes on {table} wait until that is done",
            what.join(", and ")
        ).into()),
        fix: Some(
            "on a big table, drop what the change rebuilds first (the CHECK constraints on the column; the indexes with DROP INDEX CONCURRENTLY), then add the constraints back NOT VALID and VALIDATE them, and create the indexes again CONCURRENTLY, in later migrations; or run the change in a maintenance window"
                .to_string(),
        ),
        severity: Some(Severity::Warning),
        ..Default::default()
    }
}
