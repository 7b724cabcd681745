//! Statements that cannot run inside a transaction block (CONCURRENTLY forms, VACUUM,
//! ...) fail when the migration framework wraps the file in a transaction.

use super::{Context, Rule, Severity, Violation};
use crate::ops::{AlterTypeAction, Operation};

pub struct ConcurrentlyInTransaction;

impl Rule for ConcurrentlyInTransaction {
    fn id(&self) -> &'static str {
        "concurrently-in-transaction"
    }
    fn default_severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "a statement that cannot run inside a transaction block (CONCURRENTLY, VACUUM, ...) runs inside one and fails"
    }
    fn category(&self) -> super::Category {
        super::Category::Correctness
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        if !cx.tx.active {
            return;
        }
        let Some(why) = &cx.effects.outside_transaction else {
            return;
        };
        // ALTER TYPE ... ADD VALUE has its own rule with version-specific advice
        if let Operation::AlterType(at) = &cx.stmt.op {
            if matches!(at.action, AlterTypeAction::AddValue { .. }) {
                return;
            }
        }
        let context = if cx.tx.explicit {
            format!(
                "it is inside the transaction block opened at line {}",
                cx.tx.start_line
            )
        } else {
            "this file runs inside a transaction".to_string()
        };
        out.push(Violation {
            message: format!("{why}: {context}, so the migration fails"),
            why: Some("PostgreSQL rejects it with \"cannot run inside a transaction block\"; nothing after it in the transaction is applied".into()),
            fix: Some(format!(
                "put it in a migration of its own that runs outside a transaction:\n{}\n{}",
                cx.no_transaction_directive(),
                cx.stmt.text.trim()
            )),
            ..Default::default()
        });
    }
}
