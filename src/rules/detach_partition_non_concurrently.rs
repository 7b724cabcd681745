//! DETACH PARTITION without CONCURRENTLY takes ACCESS EXCLUSIVE on the partitioned
//! table: every query on every partition waits. PostgreSQL 14 added a concurrent form.

use super::{Context, Rule, Severity, Violation};
use crate::lock::LockMode;
use crate::ops::AlterTableAction;

pub struct DetachPartitionNonConcurrently;

impl Rule for DetachPartitionNonConcurrently {
    fn id(&self) -> &'static str {
        "detach-partition-non-concurrently"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "DETACH PARTITION without CONCURRENTLY takes ACCESS EXCLUSIVE on an existing partitioned table: reads and writes wait"
    }
    fn category(&self) -> super::Category {
        super::Category::Locks
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let Some((at, table)) = cx.alter_of_existing_table() else {
            return;
        };
        // fixes use the names as the user wrote them
        let written = &at.name;
        for action in &at.actions {
            let AlterTableAction::DetachPartition {
                partition,
                concurrently: false,
                finalize: false,
            } = action
            else {
                continue;
            };
            let detached = cx.catalog.resolve_relation(partition);
            let default = cx
                .catalog
                .partitions(table)
                .find(|t| t.default_partition && t.name != detached)
                .map(|t| t.name.clone());
            let also = default
                .as_ref()
                .map(|d| format!(" (and on its default partition {d})"))
                .unwrap_or_default();
            let held = if cx.tx.active {
                "until the transaction commits"
            } else {
                "while the statement runs"
            };
            let alone = format!(
                "SET lock_timeout = '2s';   -- fail fast instead of queueing traffic; retry later\nALTER TABLE {written} DETACH PARTITION {partition};"
            );
            let fix = match (&default, cx.version.0 >= 14) {
                (None, true) => format!(
                    "detach it concurrently (PostgreSQL 14+: SHARE UPDATE EXCLUSIVE, reads and writes go on), outside a transaction, in a migration of its own:\n{}\nALTER TABLE {written} DETACH PARTITION {partition} CONCURRENTLY;\n-- if it is interrupted: ALTER TABLE {written} DETACH PARTITION {partition} FINALIZE;",
                    cx.no_transaction_directive()
                ),
                (Some(d), true) => format!(
                    "DETACH PARTITION CONCURRENTLY is not allowed while {table} has a default partition ({d}), so there is no non-blocking way here; keep the lock brief, in a transaction of its own:\n{alone}"
                ),
                (_, false) => format!(
                    "PostgreSQL {} has no DETACH PARTITION CONCURRENTLY (it arrives in 14), so there is no non-blocking way; keep the lock brief, in a transaction of its own, at a quiet moment:\n{alone}",
                    cx.version
                ),
            };
            out.push(Violation {
                message: format!(
                    "DETACH PARTITION {detached} takes ACCESS EXCLUSIVE on {table}{also}: reads and writes on every partition wait"
                ),
                relation: Some(table.clone()),
                lock_mode: Some(LockMode::AccessExclusive),
                why: Some(format!(
                    "{table} exists before this migration; the detach itself is quick, but it waits for every running query on {table}, every query queued behind it waits too, and the lock is held {held}"
                ).into()),
                fix: Some(fix),
                ..Default::default()
            });
        }
    }
}
