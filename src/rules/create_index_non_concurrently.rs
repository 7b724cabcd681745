//! CREATE INDEX without CONCURRENTLY on an existing table holds a SHARE lock for the
//! whole build: every INSERT, UPDATE and DELETE on the table waits.

use super::fixes::insert_after_keywords;
use super::{Context, Rule, Severity, Violation};
use crate::lock::LockMode;
use crate::ops::Operation;

pub struct CreateIndexNonConcurrently;

impl Rule for CreateIndexNonConcurrently {
    fn id(&self) -> &'static str {
        "create-index-non-concurrently"
    }
    fn default_severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "CREATE INDEX without CONCURRENTLY blocks writes to an existing table for the whole build"
    }
    fn category(&self) -> super::Category {
        super::Category::Locks
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let Operation::CreateIndex(ci) = &cx.stmt.op else {
            return;
        };
        if ci.concurrently || !cx.effects.index_builds.iter().any(|t| cx.is_preexisting(t)) {
            return;
        }
        let table = cx.catalog.resolve_relation(&ci.table);
        let partitioned = cx
            .catalog
            .table(&table)
            .is_some_and(|t| t.kind == crate::catalog::TableKind::Partitioned);
        let fix = if partitioned {
            format!(
                "a partitioned table cannot be indexed concurrently in one step:\n\
                 CREATE INDEX {name} ON ONLY {table} (...);   -- invalid, brief\n\
                 {dir}\n\
                 CREATE INDEX CONCURRENTLY {name}_<partition> ON <partition> (...);   -- for each partition\n\
                 ALTER INDEX {name} ATTACH PARTITION {name}_<partition>;",
                name = ci
                    .name
                    .as_deref()
                    .map_or_else(|| "<index>".to_string(), crate::ops::names::quote_ident),
                dir = cx.no_transaction_directive(),
            )
        } else {
            let sql = insert_after_keywords(
                &cx.stmt.text,
                &["create", "unique", "index"],
                "CONCURRENTLY",
            )
            .unwrap_or_else(|| "CREATE INDEX CONCURRENTLY ...;".to_string());
            format!(
                "build it concurrently, outside a transaction (in a migration of its own):\n{}\n{}",
                cx.no_transaction_directive(),
                sql
            )
        };
        out.push(Violation {
            message: format!("CREATE INDEX blocks writes to {table} for the whole build"),
            relation: Some(table.clone()),
            lock_mode: Some(LockMode::Share),
            why: Some(format!(
                "{table} exists before this migration; SHARE lock on it: INSERT, UPDATE and DELETE wait until the index is built"
            ).into()),
            fix: Some(fix),
            ..Default::default()
        });
    }
}
