//! A migration that runs long work (a rewrite, an index build, a full scan of an
//! existing table) while it blocks traffic, with no statement_timeout: nothing bounds
//! how long the traffic waits. Reported once per file, on the first such statement.

use super::file_notes::{self, Slot};
use super::{Context, FileCheck, Rule, Severity, Violation};
use std::cell::RefCell;

pub struct MissingStatementTimeout;

thread_local! {
    /// The file was already reported.
    static REPORTED: Slot<bool> = const { RefCell::new(None) };
}

impl Rule for MissingStatementTimeout {
    fn id(&self) -> &'static str {
        "missing-statement-timeout"
    }
    fn default_severity(&self) -> Severity {
        Severity::Hint
    }
    fn summary(&self) -> &'static str {
        "a migration rewrites, scans or indexes an existing table while blocking traffic, with no statement_timeout"
    }
    fn category(&self) -> super::Category {
        super::Category::Hint
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        if cx.tx.statement_timeout_set() || file_notes::with(&REPORTED, cx.file, |r| *r) {
            return;
        }
        let Some((what, relation, lock)) = long_or_blocking(cx) else {
            return;
        };
        file_notes::with(&REPORTED, cx.file, |r| *r = true);
        let set = if cx.tx.active { "SET LOCAL" } else { "SET" };
        let mut fix = format!(
            "bound how long each statement may run, at the top of the migration:\n{set} statement_timeout = '5min';   -- more than the migration needs, less than an outage"
        );
        if cx.tx.active && cx.version.0 >= 17 {
            fix.push_str("\n-- PostgreSQL 17+: transaction_timeout bounds the whole transaction");
        }
        out.push(Violation {
            message: format!("this migration {what}, with no statement_timeout"),
            relation: Some(relation),
            lock_mode: lock,
            why: Some(
                "if it runs longer than expected (a bigger table, a slower disk), nothing stops it, and the application waits the whole time; with statement_timeout it fails instead, the lock is released, and the migration can be retried at a quieter time or done without the blocking lock (the role or database may set a timeout: schemaguard sees only the migration)".into(),
            ),
            fix: Some(fix),
            ..Default::default()
        });
    }
    fn check_file(&self, fc: &FileCheck, _out: &mut Vec<Violation>) {
        file_notes::take(&REPORTED, fc.file);
    }
}

/// Work that runs long while traffic waits: a rewrite, index build or full scan of an
/// existing table, under a lock (taken now or held since an earlier statement of the
/// transaction) that blocks reads or writes: (description, relation, lock). A brief lock alone is `lock_timeout`'s business, and long work
/// under a lock that blocks no one (VALIDATE, CREATE INDEX CONCURRENTLY) is meant to
/// take its time: a timeout would only throw the work away.
fn long_or_blocking(
    cx: &Context,
) -> Option<(
    String,
    crate::ops::ObjectName,
    Option<crate::lock::LockMode>,
)> {
    let e = cx.effects;
    let long = if let Some(t) = e.rewrites.iter().find(|t| cx.is_preexisting(t)) {
        format!("rewrites {t}")
    } else if let Some(t) = e.index_builds.iter().find(|t| cx.is_preexisting(t)) {
        format!("builds an index on {t}")
    } else if let Some(s) = e.scans.iter().find(|s| cx.is_preexisting(&s.relation)) {
        format!("reads all of {}", s.relation)
    } else {
        return None;
    };
    if let Some(lock) = cx.blocking_locks().into_iter().next() {
        return Some((
            format!(
                "{long} under {} on {} (blocking {})",
                lock.mode,
                lock.relation,
                lock.mode.blocked_traffic()
            ),
            lock.relation.clone(),
            Some(lock.mode),
        ));
    }
    let held = cx.tx.strongest_blocking_held()?;
    Some((
        format!(
            "{long} while {} stays locked in {} since line {} (blocking {})",
            held.relation,
            held.mode,
            held.since_line,
            held.mode.blocked_traffic()
        ),
        held.relation.clone(),
        Some(held.mode),
    ))
}
