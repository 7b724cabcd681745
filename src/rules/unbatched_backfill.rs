//! UPDATE or DELETE of every row of an existing table in one statement: row locks on
//! the whole table until commit, a burst of WAL and bloat.

use super::{Context, Rule, Severity, Violation};
use crate::lock::LockMode;
use crate::ops::Operation;

pub struct UnbatchedBackfill;

impl Rule for UnbatchedBackfill {
    fn id(&self) -> &'static str {
        "unbatched-backfill"
    }
    /// The table's size decides how much this matters, and migration files do not say
    /// it: a hint by default (a warning when the transaction also holds a blocking lock
    /// comes from lock-held-across-statements).
    fn default_severity(&self) -> Severity {
        Severity::Hint
    }
    fn summary(&self) -> &'static str {
        "UPDATE or DELETE over a whole existing table in one statement holds row locks on every row until commit"
    }
    fn category(&self) -> super::Category {
        super::Category::Locks
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let (verb, d) = match &cx.stmt.op {
            Operation::Update(d) => ("UPDATE", d),
            Operation::Delete(d) => ("DELETE", d),
            _ => return,
        };
        if d.filtered {
            return;
        }
        let table = cx.catalog.resolve_relation(&d.table);
        // fixes use the name as the user wrote it
        let written = &d.table;
        if !cx.is_preexisting(&table) {
            return;
        }
        out.push(Violation {
            message: format!("{verb} touches every row of {table} in one statement"),
            relation: Some(table.clone()),
            lock_mode: Some(LockMode::RowExclusive),
            why: Some(
                "each changed row stays locked until the migration commits, so application writes to those rows wait; the whole table is rewritten as new row versions (WAL, bloat, replication lag)".into(),
            ),
            fix: Some(format!(
                "backfill in batches, outside the schema-change transaction, committing between batches:\n\
                 {verb} {written} ... WHERE id >= $1 AND id < $1 + 10000;   -- repeat until done"
            )),
            ..Default::default()
        });
    }
}
