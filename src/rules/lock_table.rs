//! An explicit `LOCK TABLE` in SHARE mode or stronger blocks writes (ACCESS EXCLUSIVE
//! also reads) on an existing table from that statement until the transaction ends.

use super::{Context, Rule, Severity, Violation};
use crate::ops::Operation;

pub struct LockTable;

impl Rule for LockTable {
    fn id(&self) -> &'static str {
        "lock-table"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "LOCK TABLE in SHARE mode or stronger blocks writes (or reads and writes) on an existing table until the transaction ends"
    }
    fn category(&self) -> super::Category {
        super::Category::Locks
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let Operation::LockTable { mode, .. } = &cx.stmt.op else {
            return;
        };
        if !mode.blocks_traffic() {
            return;
        }
        if !cx.tx.active {
            out.push(Violation {
                message: "LOCK TABLE outside a transaction block fails: \"LOCK TABLE can only be used in transaction blocks\"".to_string(),
                lock_mode: Some(*mode),
                why: Some("this file runs statement by statement (no transaction), and PostgreSQL refuses a top-level LOCK TABLE there (inside a DO block it would hold the lock until the DO ends); a lock that ended with its own statement would protect nothing anyway".into()),
                fix: Some(format!(
                    "run it inside the transaction that needs it:\nBEGIN;\nSET LOCAL lock_timeout = '2s';\n{};\n-- then the statements it protects\nCOMMIT;",
                    super::fixes::without_semicolon(&cx.stmt.text)
                )),
                severity: Some(Severity::Error),
                ..Default::default()
            });
            return;
        }
        let locks = cx.blocking_locks();
        let Some(first) = locks.first() else {
            return;
        };
        let names: Vec<String> = locks.iter().map(|l| l.relation.to_string()).collect();
        let shown = if names.len() > 4 {
            format!("{} and {} more", names[..4].join(", "), names.len() - 4)
        } else {
            names.join(", ")
        };
        let until = if cx.tx.explicit {
            "until COMMIT"
        } else {
            "until the migration's transaction commits at the end of the file"
        };
        let timeout = if cx.tx.lock_timeout_set() {
            String::new()
        } else {
            "SET LOCAL lock_timeout = '2s';   -- fail fast instead of queueing traffic\n"
                .to_string()
        };
        out.push(Violation {
            message: format!(
                "LOCK TABLE ... IN {mode} MODE blocks {} on {shown} {until}",
                mode.blocked_traffic()
            ),
            relation: Some(first.relation.clone()),
            lock_mode: Some(*mode),
            why: Some(format!(
                "{shown} existed before this migration; {mode} conflicts with {}, and the lock is only released when the transaction ends, so everything the migration does after this line runs with that traffic waiting",
                if mode.blocks_reads() {
                    "every query, reads included"
                } else {
                    "INSERT, UPDATE and DELETE"
                }
            ).into()),
            fix: Some(format!(
                "take the weakest mode that protects what follows, right before the statement that needs it, and keep the rest of the transaction short (move backfills and index builds into other migrations):\n{timeout}{}",
                super::fixes::without_semicolon(&cx.stmt.text).to_string() + ";"
            )),
            ..Default::default()
        });
    }
}
