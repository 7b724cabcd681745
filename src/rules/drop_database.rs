//! `DROP DATABASE` in a migration deletes a whole database, with every object and row
//! in it; it also cannot run inside a transaction block (`effects` says so, and
//! `concurrently-in-transaction` reports a wrapped file).

use super::{Context, Rule, Severity, Violation};
use crate::ops::Operation;

pub struct DropDatabase;

impl Rule for DropDatabase {
    fn id(&self) -> &'static str {
        "drop-database"
    }
    fn default_severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "DROP DATABASE deletes a whole database, every object and row in it"
    }
    fn category(&self) -> super::Category {
        super::Category::Breaking
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let Operation::Other { kind } = &cx.stmt.op else {
            return;
        };
        if kind != "DROP DATABASE" {
            return;
        }
        out.push(Violation {
            message: format!(
                "{} deletes a whole database",
                super::short_sql(super::fixes::without_semicolon(&cx.stmt.text))
            ),
            why: Some(
                "every table, row and object of that database is gone, with no undo (it cannot run inside a transaction block, so no ROLLBACK either); every application that connects to it fails".into(),
            ),
            fix: Some(
                "drop databases by hand, after a backup, not in a migration that runs on every environment; if the migration must do it, silence this finding with the reason"
                    .to_string(),
            ),
            ..Default::default()
        });
    }
}
