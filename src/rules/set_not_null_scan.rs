//! SET NOT NULL on an existing column scans the whole table under ACCESS EXCLUSIVE,
//! unless a valid CHECK (col IS NOT NULL) already proves it (PostgreSQL 12+).

use super::{Context, Rule, Severity, Violation};
use crate::effects::ScanReason;
use crate::lock::LockMode;
use crate::ops::AlterTableAction;

pub struct SetNotNullScan;

impl Rule for SetNotNullScan {
    fn id(&self) -> &'static str {
        "set-not-null-scan"
    }
    fn default_severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "SET NOT NULL scans the whole table under ACCESS EXCLUSIVE unless a valid CHECK proves it"
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
        if !cx.is_preexisting(table)
            || !cx
                .effects
                .scans
                .iter()
                .any(|s| s.relation == *table && s.reason == ScanReason::NotNull)
        {
            return;
        }
        for action in &at.actions {
            let AlterTableAction::SetNotNull { column } = action else {
                continue;
            };
            let check = crate::ops::names::quote_ident(&crate::catalog::replay::make_object_name(
                &table.name,
                Some(column),
                "not_null",
            ));
            let col = crate::ops::names::quote_ident(column);
            let fix = if cx.version.0 >= 12 {
                format!(
                    "prove it with a CHECK first, so SET NOT NULL skips the scan (PostgreSQL 12+):\n\
                     ALTER TABLE {written} ADD CONSTRAINT {check} CHECK ({col} IS NOT NULL) NOT VALID;\n\
                     -- next migration (SHARE UPDATE EXCLUSIVE, traffic goes on):\n\
                     ALTER TABLE {written} VALIDATE CONSTRAINT {check};\n\
                     -- next migration (brief):\n\
                     ALTER TABLE {written} ALTER COLUMN {col} SET NOT NULL;\n\
                     ALTER TABLE {written} DROP CONSTRAINT {check};"
                )
            } else {
                format!(
                    "before PostgreSQL 12 SET NOT NULL always scans; keep a validated CHECK ({col} IS NOT NULL) NOT VALID constraint instead of the column property"
                )
            };
            out.push(Violation {
                message: format!(
                    "SET NOT NULL on {table}.{column} scans the whole table under ACCESS EXCLUSIVE"
                ),
                relation: Some(table.clone()),
                lock_mode: Some(LockMode::AccessExclusive),
                why: Some(format!(
                    "no valid CHECK constraint proves {column} IS NOT NULL, so PostgreSQL reads every row while reads and writes on {table} wait"
                )),
                fix: Some(fix),
                ..Default::default()
            });
        }
    }
}
