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
            || cx.is_foreign(table)
            || !cx
                .effects
                .scans
                .iter()
                .any(|s| s.relation == *table && s.reason == ScanReason::NotNull)
        {
            return;
        }
        for (i, action) in at.actions.iter().enumerate() {
            let column = match action {
                AlterTableAction::SetNotNull { column } => column,
                AlterTableAction::AddConstraint(c) => {
                    let before = out.len();
                    primary_key_using_index(cx, table, written, c, out);
                    for v in &mut out[before..] {
                        v.span = super::clause::action(cx.stmt, at, i);
                    }
                    continue;
                }
                _ => continue,
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
                span: super::clause::action(cx.stmt, at, i),
                message: format!(
                    "SET NOT NULL on {table}.{column} scans the whole table under ACCESS EXCLUSIVE"
                ),
                relation: Some(table.clone()),
                lock_mode: Some(LockMode::AccessExclusive),
                why: Some(format!(
                    "no valid CHECK constraint proves {column} IS NOT NULL, so PostgreSQL reads every row while reads and writes on {table} wait"
                ).into()),
                fix: Some(fix),
                ..Default::default()
            });
        }
    }
}

/// `ADD PRIMARY KEY USING INDEX` on nullable columns sets them NOT NULL first: the same
/// full scan as `SET NOT NULL`, under the statement's ACCESS EXCLUSIVE.
fn primary_key_using_index(
    cx: &Context,
    table: &crate::ops::ObjectName,
    written: &crate::ops::ObjectName,
    c: &crate::ops::Constraint,
    out: &mut Vec<Violation>,
) {
    let crate::ops::ConstraintKind::PrimaryKey {
        columns,
        using_index: Some(index),
    } = &c.kind
    else {
        return;
    };
    let unproven =
        crate::effects::primary_key_not_null_scan(cx.catalog, table, index, columns, cx.version);
    if unproven.is_empty() {
        return;
    }
    let cols = unproven.join(", ");
    let fix = if cx.version.0 >= 12 {
        let mut steps = String::from(
            "prove the columns NOT NULL with a CHECK first, so the primary key skips the scan (PostgreSQL 12+):\n",
        );
        let checks: Vec<String> = unproven
            .iter()
            .map(|col| crate::catalog::replay::make_object_name(&table.name, Some(col), "not_null"))
            .collect();
        for (col, check) in unproven.iter().zip(&checks) {
            steps.push_str(&format!(
                "ALTER TABLE {written} ADD CONSTRAINT {check} CHECK ({col} IS NOT NULL) NOT VALID;\n"
            ));
        }
        steps.push_str("-- next migration (SHARE UPDATE EXCLUSIVE, traffic goes on):\n");
        for check in &checks {
            steps.push_str(&format!(
                "ALTER TABLE {written} VALIDATE CONSTRAINT {check};\n"
            ));
        }
        steps.push_str("-- next migration (brief):\n");
        let name = c.name.as_deref().unwrap_or(index);
        steps.push_str(&format!(
            "ALTER TABLE {written} ADD CONSTRAINT {name} PRIMARY KEY USING INDEX {index};"
        ));
        for check in &checks {
            steps.push_str(&format!("\nALTER TABLE {written} DROP CONSTRAINT {check};"));
        }
        steps
    } else {
        format!(
            "before PostgreSQL 12 making ({cols}) NOT NULL always scans the table; run it when a full read of {table} under ACCESS EXCLUSIVE is acceptable"
        )
    };
    out.push(Violation {
        message: format!(
            "ADD PRIMARY KEY USING INDEX {index} on {table} sets ({cols}) NOT NULL, scanning the whole table under ACCESS EXCLUSIVE"
        ),
        relation: Some(table.clone()),
        lock_mode: Some(LockMode::AccessExclusive),
        why: Some(format!(
            "a primary key's columns must be NOT NULL: no NOT NULL or valid CHECK ({} IS NOT NULL) proves it, so PostgreSQL reads every row while reads and writes on {table} wait",
            unproven.join(" IS NOT NULL AND ")
        ).into()),
        fix: Some(fix),
        ..Default::default()
    });
}
