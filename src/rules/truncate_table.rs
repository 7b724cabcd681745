//! TRUNCATE deletes every row of an existing table under ACCESS EXCLUSIVE.

use super::{Context, Rule, Severity, Violation};
use crate::lock::LockMode;
use crate::ops::Operation;

pub struct TruncateTable;

impl Rule for TruncateTable {
    fn id(&self) -> &'static str {
        "truncate-table"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "TRUNCATE deletes all rows of an existing table under ACCESS EXCLUSIVE"
    }
    fn category(&self) -> super::Category {
        super::Category::Breaking
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let Operation::Truncate {
            tables, cascade, ..
        } = &cx.stmt.op
        else {
            return;
        };
        for t in tables {
            let table = cx.catalog.resolve_relation(t);
            // fixes use the name as the user wrote it
            let written = t;
            if !cx.is_preexisting(&table) {
                continue;
            }
            let cascade_note = if *cascade {
                " (and, with CASCADE, of every table referencing it)"
            } else {
                ""
            };
            out.push(Violation {
                message: format!("TRUNCATE deletes every row of {table}{cascade_note}"),
                relation: Some(table.clone()),
                lock_mode: Some(LockMode::AccessExclusive),
                why: Some(format!(
                    "the data is gone once this commits, and ACCESS EXCLUSIVE on {table} blocks reads and writes meanwhile"
                ).into()),
                fix: Some(format!(
                    "if the data really must go, delete it in batches (DELETE FROM {written} WHERE id < ... ) or mark this statement:\n-- schemaguard:ignore truncate-table -- <why the data can go>"
                )),
                ..Default::default()
            });
        }
    }
}
