//! A migration that blocks traffic on an existing table, or runs a long operation on
//! one, with no statement_timeout: nothing bounds how long it runs. Reported once per
//! file, on the first such statement.

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
        "a migration blocks traffic or runs a long operation on an existing table without statement_timeout"
    }
    fn category(&self) -> super::Category {
        super::Category::Hint
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        if cx.tx.statement_timeout_set() || file_notes::with(&REPORTED, cx.file, |r| *r) {
            return;
        }
        let Some((what, relation, lock, concurrent)) = long_or_blocking(cx) else {
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
        if concurrent {
            fix.push_str("\n-- a CREATE INDEX CONCURRENTLY that times out leaves an INVALID index: DROP INDEX CONCURRENTLY it before retrying");
        }
        out.push(Violation {
            message: format!("this migration {what} without statement_timeout"),
            relation: Some(relation),
            lock_mode: lock,
            why: Some(
                "if it runs longer than expected (a bigger table, a slower disk, a lock wait), nothing stops it, and it holds its locks the whole time; with statement_timeout it fails instead and can be retried at a quieter time (the role or database may set one: schemaguard sees only the migration)"
                    .to_string(),
            ),
            fix: Some(fix),
            ..Default::default()
        });
    }
    fn check_file(&self, fc: &FileCheck, _out: &mut Vec<Violation>) {
        file_notes::take(&REPORTED, fc.file);
    }
}

/// What makes the statement worth a timeout: (description, relation, lock, builds an
/// index concurrently).
fn long_or_blocking(
    cx: &Context,
) -> Option<(
    String,
    crate::ops::ObjectName,
    Option<crate::lock::LockMode>,
    bool,
)> {
    let e = cx.effects;
    let concurrent =
        matches!(&cx.stmt.op, crate::ops::Operation::CreateIndex(ci) if ci.concurrently);
    if let Some(t) = e.rewrites.iter().find(|t| cx.is_preexisting(t)) {
        return Some((format!("rewrites {t}"), t.clone(), e.lock_on(t), false));
    }
    if let Some(t) = e.index_builds.iter().find(|t| cx.is_preexisting(t)) {
        return Some((
            format!("builds an index on {t}"),
            t.clone(),
            e.lock_on(t),
            concurrent,
        ));
    }
    if let Some(s) = e.scans.iter().find(|s| cx.is_preexisting(&s.relation)) {
        return Some((
            format!("reads all of {}", s.relation),
            s.relation.clone(),
            e.lock_on(&s.relation),
            false,
        ));
    }
    let lock = cx.blocking_locks().into_iter().next()?;
    Some((
        format!(
            "takes {} on {}, which blocks {}",
            lock.mode,
            lock.relation,
            lock.mode.blocked_traffic()
        ),
        lock.relation.clone(),
        Some(lock.mode),
        false,
    ))
}
