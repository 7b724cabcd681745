//! DROP TABLE on an existing table: destructive, and breaks running application versions.

use super::{Context, Rule, Severity, Violation};
use crate::lock::LockMode;
use crate::ops::Operation;

pub struct DropTable;

impl Rule for DropTable {
    fn id(&self) -> &'static str {
        "drop-table"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "DROP TABLE deletes data and breaks application versions that still use the table"
    }
    fn category(&self) -> super::Category {
        super::Category::Breaking
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let Operation::DropTable(d) = &cx.stmt.op else {
            return;
        };
        for name in &d.names {
            let table = cx.catalog.resolve_relation(name);
            // fixes use the name as the user wrote it
            let written = name;
            // effects knows when `IF EXISTS` makes this a no-op
            if !cx.is_preexisting(&table) || cx.effects.lock_on(&table).is_none() {
                continue;
            }
            let (message, why) = if cx.is_foreign(&table) {
                (
                    format!(
                        "dropping foreign table {table} breaks application versions that still use it"
                    ),
                    format!(
                        "queries on {table} fail as soon as this commits (its rows stay on the foreign server)"
                    ),
                )
            } else {
                (
                    format!(
                        "dropping {table} deletes its data and breaks application versions that still use it"
                    ),
                    format!(
                        "queries on {table} fail as soon as this commits; the data cannot be recovered without a backup"
                    ),
                )
            };
            out.push(Violation {
                message,
                relation: Some(table.clone()),
                lock_mode: Some(LockMode::AccessExclusive),
                why: Some(why.into()),
                fix: Some(format!(
                    "stop using {written} in the application first and ship that; then drop it, marked with\n-- schemaguard:ignore drop-table -- {written} unused since <release>"
                )),
                ..Default::default()
            });
        }
    }
}
