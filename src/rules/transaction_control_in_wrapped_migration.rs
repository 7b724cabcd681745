//! `BEGIN`, `COMMIT` or `ROLLBACK` in a migration its framework already runs in a
//! transaction: the framework's transaction is ended early (or the `BEGIN` does
//! nothing), so the migration is no longer all or nothing.

use super::{Context, Rule, Severity, Violation};
use crate::ops::Operation;

pub struct TransactionControlInWrappedMigration;

impl Rule for TransactionControlInWrappedMigration {
    fn id(&self) -> &'static str {
        "transaction-control-in-wrapped-migration"
    }
    fn default_severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "BEGIN, COMMIT or ROLLBACK inside a migration the framework wraps in a transaction: half-applied or silently undone migrations"
    }
    fn category(&self) -> super::Category {
        super::Category::Correctness
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let line = cx.stmt.span.start_pos.line;
        if !cx.file.framework_wraps_line(line) {
            return;
        }
        let hint = cx.no_transaction_directive();
        let (message, why) = match &cx.stmt.op {
            Operation::Begin => (
                "BEGIN inside a migration its framework already runs in a transaction",
                "PostgreSQL only warns (\"there is already a transaction in progress\") and goes on in the framework's transaction; the COMMIT that matches this BEGIN then commits the framework's transaction early, and the rest of the migration runs outside any transaction",
            ),
            Operation::Commit => (
                "COMMIT inside a migration its framework runs in a transaction ends the framework's transaction early",
                "everything before it is committed at once; the statements after it run in autocommit, so a failure there leaves the migration half applied (and not recorded as applied), and the framework's own COMMIT only warns \"there is no transaction in progress\"",
            ),
            Operation::Rollback => (
                "ROLLBACK inside a migration its framework runs in a transaction silently undoes everything before it",
                "the statements before it are rolled back without an error, the rest run in autocommit, and the framework's COMMIT only warns \"there is no transaction in progress\": the migration is recorded as applied while part of it never happened",
            ),
            _ => return,
        };
        out.push(Violation {
            message: message.to_string(),
            why: Some(why.to_string().into()),
            fix: Some(format!(
                "leave transaction control to the framework: remove the BEGIN/COMMIT/ROLLBACK; or, when the file must control its own transactions, mark it as run without the framework's transaction:\n{hint}"
            )),
            ..Default::default()
        });
    }
}
