//! ADD CONSTRAINT ... EXCLUDE on an existing table builds its index and checks every row
//! under ACCESS EXCLUSIVE. Unlike CHECK and FOREIGN KEY there is no NOT VALID form, and
//! unlike UNIQUE it cannot adopt an index built concurrently.

use super::{Context, Rule, Severity, Violation};
use crate::lock::LockMode;
use crate::ops::{AlterTableAction, ConstraintKind};

pub struct AddExclusionConstraint;

impl Rule for AddExclusionConstraint {
    fn id(&self) -> &'static str {
        "add-exclusion-constraint"
    }
    fn default_severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "ADD CONSTRAINT ... EXCLUDE builds an index and checks every row of an existing table under ACCESS EXCLUSIVE, with no online alternative"
    }
    fn category(&self) -> super::Category {
        super::Category::Locks
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let Some((at, table)) = cx.alter_of_existing_table() else {
            return;
        };
        let written = &at.name;
        for (i, action) in at.actions.iter().enumerate() {
            let AlterTableAction::AddConstraint(c) = action else {
                continue;
            };
            let ConstraintKind::Exclude { using, .. } = &c.kind else {
                continue;
            };
            let name = c
                .name
                .clone()
                .unwrap_or_else(|| crate::catalog::replay::constraint_name(table, c));
            let method = using.as_deref().unwrap_or("gist");
            let fails = cx
                .effects
                .fails
                .as_ref()
                .map(|f| format!(" (and on PostgreSQL {} it fails: {f})", cx.version))
                .unwrap_or_default();
            out.push(Violation {
                span: super::clause::action(cx.stmt, at, i),
                message: format!(
                    "adding EXCLUDE constraint {name} builds a {method} index over every row of {table} under ACCESS EXCLUSIVE{fails}"
                ),
                relation: Some(table.clone()),
                lock_mode: Some(LockMode::AccessExclusive),
                why: Some(format!(
                    "{table} exists before this migration; reads and writes wait until the index is built and every row checked. Exclusion constraints have no NOT VALID form, and ADD CONSTRAINT ... USING INDEX accepts only unique indexes, so the build cannot be done concurrently beforehand"
                ).into()),
                fix: Some(format!(
                    "there is no online way to add it. Either accept the lock in a maintenance window, bounded by a lock timeout, in a transaction of its own:\n\
                     SET lock_timeout = '2s';\n\
                     {};\n\
                     -- or build a new table with the constraint, copy the rows over in batches (keeping it in sync with a trigger), and swap the names in one short transaction:\n\
                     -- ALTER TABLE {written} RENAME TO {old};\n\
                     -- ALTER TABLE {new} RENAME TO {bare};",
                    super::fixes::without_semicolon(&cx.stmt.text),
                    old = crate::ops::ObjectName::unqualified(&format!("{}_old", written.name)),
                    new = crate::ops::ObjectName::new(
                        written.schema.as_deref(),
                        &format!("{}_new", written.name)
                    ),
                    bare = crate::ops::ObjectName::unqualified(&written.name),
                )),
                ..Default::default()
            });
        }
    }
}
