//! Adding a FOREIGN KEY or CHECK to an existing table without NOT VALID checks every
//! row while holding a lock that blocks writes (FK) or all traffic (CHECK).

use super::fixes::without_semicolon;
use super::{Context, Rule, Severity, Violation};
use crate::lock::LockMode;
use crate::ops::{AlterTableAction, ConstraintKind, Operation};

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
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let Operation::AlterTable(at) = &cx.stmt.op else {
            return;
        };
        let table = cx.catalog.resolve_relation(&at.name);
        if !cx.is_preexisting(&table) {
            return;
        }
        let single = at.actions.len() == 1;
        for action in &at.actions {
            let AlterTableAction::AddConstraint(c) = action else {
                continue;
            };
            if c.not_valid {
                continue;
            }
            let (what, mode) = match &c.kind {
                ConstraintKind::ForeignKey { ref_table, .. } => (
                    format!("FOREIGN KEY to {ref_table}"),
                    LockMode::ShareRowExclusive,
                ),
                ConstraintKind::Check { .. } => {
                    ("CHECK constraint".to_string(), LockMode::AccessExclusive)
                }
                ConstraintKind::NotNull { column } if cx.version.0 >= 18 => (
                    format!("NOT NULL constraint on {column}"),
                    LockMode::AccessExclusive,
                ),
                _ => continue,
            };
            let name = c
                .name
                .clone()
                .unwrap_or_else(|| "<constraint_name>".to_string());
            let add = if single && c.name.is_some() {
                format!("{} NOT VALID;", without_semicolon(&cx.stmt.text))
            } else {
                format!("ALTER TABLE {table} ADD CONSTRAINT {name} ... NOT VALID;")
            };
            out.push(Violation {
                message: format!(
                    "adding a {what} checks every row of {table} while holding {mode}"
                ),
                relation: Some(table.clone()),
                lock_mode: Some(mode),
                why: Some(format!(
                    "{mode} on {table} blocks {} until every existing row has been checked",
                    mode.blocked_traffic()
                )),
                fix: Some(format!(
                    "add it NOT VALID (instant), then validate in a later transaction (SHARE UPDATE EXCLUSIVE: reads and writes go on):\n{add}\n-- next migration:\nALTER TABLE {table} VALIDATE CONSTRAINT {name};"
                )),
                ..Default::default()
            });
        }
    }
}
