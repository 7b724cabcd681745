//! A transaction holds a lock that blocks reads or writes on an existing table while it
//! runs further slow statements: the lock lasts until COMMIT.

use super::{Context, Rule, Severity, Violation};

pub struct LockHeldAcrossStatements;

impl Rule for LockHeldAcrossStatements {
    fn id(&self) -> &'static str {
        "lock-held-across-statements"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "a transaction keeps a blocking lock on an existing table while it runs further slow statements"
    }
    fn category(&self) -> super::Category {
        super::Category::Locks
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        if !cx.tx.active {
            return;
        }
        let Some(held) = cx.tx.strongest_blocking_held() else {
            return;
        };
        let slow = if let Some(t) = cx.effects.rewrites.iter().find(|t| cx.is_preexisting(t)) {
            format!("rewrites {t}")
        } else if let Some(t) = cx
            .effects
            .index_builds
            .iter()
            .find(|t| cx.is_preexisting(t))
        {
            format!("builds an index on {t}")
        } else if let Some(s) = cx
            .effects
            .scans
            .iter()
            .find(|s| cx.is_preexisting(&s.relation))
        {
            format!("reads all of {}", s.relation)
        } else {
            // a filtered UPDATE/DELETE may touch a handful of rows: not judged slow
            return;
        };
        let why = format!(
            "locks are released only at COMMIT, so {} of {} wait for this statement too",
            held.mode.blocked_traffic(),
            held.relation
        );
        let fix = "split the migration: commit the statement that takes the strong lock on its own, and run the slow statements after it in another migration (or transaction)";
        // the danger is the lock, held longer: a warning where it is taken, listing the
        // statements it is held across; here, a hint saying why
        out.push(Violation {
            message: format!(
                "{} stays locked in {} (since line {}) while this statement {slow}",
                held.relation, held.mode, held.since_line
            ),
            relation: Some(held.relation.clone()),
            lock_mode: Some(held.mode),
            why: Some(why.into()),
            fix: Some(fix.to_string()),
            severity: Some(Severity::Hint),
            ..Default::default()
        });
        out.push(Violation {
            message: format!("line {} {slow}", cx.stmt.span.start_pos.line),
            relation: Some(held.relation.clone()),
            lock_mode: Some(held.mode),
            why: Some(format!(
                "locks are released only at COMMIT, so {} of {} wait for every statement listed too",
                held.mode.blocked_traffic(),
                held.relation
            ).into()),
            fix: Some(fix.to_string()),
            at_line: Some(held.since_line),
            ..Default::default()
        });
    }
}
