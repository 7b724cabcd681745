//! A statement that takes a lock blocking reads or writes on an existing table, with no
//! lock_timeout: if it waits behind a long query, every query behind it waits too.

use super::{Context, Rule, Severity, Violation};

pub struct MissingLockTimeout;

impl Rule for MissingLockTimeout {
    fn id(&self) -> &'static str {
        "missing-lock-timeout"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "a lock that blocks reads or writes is requested without lock_timeout, so it can queue and stall all traffic"
    }
    fn category(&self) -> super::Category {
        super::Category::Locks
    }
    fn once_per_migration(&self) -> bool {
        true
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        if cx.tx.lock_timeout_set() {
            return;
        }
        let Some(lock) = cx.blocking_locks().into_iter().next() else {
            return;
        };
        let set = if cx.tx.active { "SET LOCAL" } else { "SET" };
        out.push(Violation {
            message: format!(
                "{} on {} is requested without lock_timeout",
                lock.mode, lock.relation
            ),
            relation: Some(lock.relation.clone()),
            lock_mode: Some(lock.mode),
            why: Some(format!(
                "while it waits for running queries on {} to finish, every new query that conflicts with {} ({}) queues behind it",
                lock.relation,
                lock.mode,
                lock.mode.blocked_traffic()
            ).into()),
            fix: Some(format!(
                "give up quickly and retry instead of stalling traffic: at the top of the migration\n{set} lock_timeout = '2s';"
            )),
            ..Default::default()
        });
    }
}
