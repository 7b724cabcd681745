//! A statement PostgreSQL rejects whatever the rows hold: a definition the schema it
//! meets makes invalid (a generated column reading another, a key naming no column, an
//! identity column of type text, ON COMMIT on a permanent table, ...), a form the
//! target version does not have (MERGE before 15, NULLS NOT DISTINCT before 15, ...),
//! or a column named twice. The migration stops there on deploy.

use super::{Context, Rule, Severity, Violation};

pub struct StatementFails;

impl Rule for StatementFails {
    fn id(&self) -> &'static str {
        "statement-fails"
    }
    fn default_severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "PostgreSQL rejects the statement on the target version whatever the data: the migration fails there"
    }
    fn category(&self) -> super::Category {
        super::Category::Correctness
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let Some(why) = &cx.effects.fails else {
            return;
        };
        // concurrently-on-partitioned says so, with the way to do it instead
        if let crate::ops::Operation::CreateIndex(ci) = &cx.stmt.op
            && ci.concurrently
            && cx
                .catalog
                .table(&ci.table)
                .is_some_and(|t| t.kind == crate::catalog::TableKind::Partitioned)
        {
            return;
        }
        out.push(Violation {
            message: format!("PostgreSQL {} rejects this statement: {why}", cx.version),
            why: Some(
                "the error stops the migration here on deploy: in a transaction everything before it in the migration is rolled back, outside one the statements before it stay applied and the rest does not run".into(),
            ),
            fix: Some(
                "correct the statement (the reason above is PostgreSQL's own message), or set the version you deploy to with --pg-version if it is not the one checked"
                    .to_string(),
            ),
            ..Default::default()
        });
    }
}
