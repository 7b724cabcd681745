//! DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the index's table.

use super::{Context, Rule, Severity, Violation};
use crate::lock::LockMode;
use crate::ops::Operation;

pub struct DropIndexNonConcurrently;

impl Rule for DropIndexNonConcurrently {
    fn id(&self) -> &'static str {
        "drop-index-non-concurrently"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the table: reads and writes wait"
    }
    fn category(&self) -> super::Category {
        super::Category::Locks
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let Operation::DropIndex(di) = &cx.stmt.op else {
            return;
        };
        if di.concurrently {
            return;
        }
        for name in &di.names {
            let (table, known) = match cx.catalog.index(name) {
                Some(i) => (i.table.clone(), true),
                None => (cx.catalog.resolve_relation(name), false),
            };
            if known && !cx.is_preexisting(&table) {
                continue;
            }
            // effects knows when `IF EXISTS` makes this a no-op
            if cx
                .effects
                .lock_on(&cx.catalog.resolve_relation(name))
                .is_none()
            {
                continue;
            }
            let target = if known {
                format!("table {table}")
            } else {
                "the index's table".to_string()
            };
            out.push(Violation {
                message: format!("DROP INDEX {name} takes ACCESS EXCLUSIVE on {target}"),
                relation: known.then_some(table.clone()),
                lock_mode: Some(LockMode::AccessExclusive),
                why: Some(
                    "the drop is quick, but it waits for every running query on the table, and every query queued behind it waits too".into(),
                ),
                fix: Some(format!(
                    "drop it concurrently, outside a transaction:\n{}\nDROP INDEX CONCURRENTLY IF EXISTS {name};",
                    cx.no_transaction_directive()
                )),
                ..Default::default()
            });
        }
    }
}
