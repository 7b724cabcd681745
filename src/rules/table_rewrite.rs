//! Statements that rewrite a whole table under ACCESS EXCLUSIVE: SET LOGGED/UNLOGGED,
//! SET ACCESS METHOD, SET TABLESPACE, VACUUM FULL, CLUSTER, REFRESH MATERIALIZED VIEW.

use super::{Context, Rule, Severity, Violation};
use crate::lock::LockMode;
use crate::ops::{AlterTableAction, Operation};

pub struct TableRewrite;

impl Rule for TableRewrite {
    fn id(&self) -> &'static str {
        "table-rewrite"
    }
    fn default_severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "SET LOGGED/UNLOGGED, SET ACCESS METHOD, SET TABLESPACE, VACUUM FULL, CLUSTER and REFRESH MATERIALIZED VIEW rewrite a table under ACCESS EXCLUSIVE"
    }
    fn category(&self) -> super::Category {
        super::Category::Locks
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        // the SET LOGGED / UNLOGGED / ACCESS METHOD / TABLESPACE action of an ALTER TABLE
        let mut span = None;
        let (what, fix): (&str, String) = match &cx.stmt.op {
            Operation::AlterTable(at) => {
                let rewrites = |a: &AlterTableAction| {
                    matches!(
                        a,
                        AlterTableAction::SetLogged
                            | AlterTableAction::SetUnlogged
                            | AlterTableAction::SetAccessMethod { .. }
                            | AlterTableAction::SetTablespace { .. }
                    )
                };
                let Some(a) = at.actions.iter().find(|a| rewrites(a)) else {
                    return;
                };
                span = super::clause::first_action(cx.stmt, at, rewrites);
                let what = match a {
                    AlterTableAction::SetLogged => "SET LOGGED",
                    AlterTableAction::SetUnlogged => "SET UNLOGGED",
                    AlterTableAction::SetAccessMethod { .. } => "SET ACCESS METHOD",
                    _ => "SET TABLESPACE",
                };
                (what, "create a new table with the wanted storage, copy the rows in batches, and swap it in; or run this in a maintenance window".to_string())
            }
            Operation::Vacuum { full: true, .. } => (
                "VACUUM FULL",
                "use pg_repack (or pg_squeeze), which rebuilds the table with only brief locks; plain VACUUM does not block traffic".to_string(),
            ),
            Operation::Cluster { table: None, .. } => (
                "CLUSTER without a table (it reclusters every table clustered before)",
                "name the table (CLUSTER t USING idx) only when it must be reordered, or use pg_repack --order-by, which reorders the table with only brief locks".to_string(),
            ),
            Operation::Cluster { .. } => (
                "CLUSTER",
                "use pg_repack --order-by, which reorders the table with only brief locks".to_string(),
            ),
            Operation::RefreshMaterializedView {
                name,
                concurrently: false,
                ..
            } => {
                // CONCURRENTLY needs a unique index on the view (plain columns, no WHERE)
                let view = cx.catalog.resolve_relation(name);
                let keyed = cx
                    .catalog
                    .indexes_on(&view)
                    .any(|i| i.unique && i.valid && !i.partial);
                let index = if keyed {
                    String::new()
                } else {
                    format!("CREATE UNIQUE INDEX ON {name} (<key columns>);\n")
                };
                (
                    "REFRESH MATERIALIZED VIEW",
                    format!(
                        "refresh it concurrently (needs a unique index on the view; readers keep reading):\n{index}REFRESH MATERIALIZED VIEW CONCURRENTLY {name};"
                    ),
                )
            }
            _ => return,
        };
        for rel in &cx.effects.rewrites {
            if !cx.is_preexisting(rel) {
                continue;
            }
            out.push(Violation {
                span,
                message: format!("{what} rewrites {rel} under ACCESS EXCLUSIVE"),
                relation: Some(rel.clone()),
                lock_mode: Some(LockMode::AccessExclusive),
                why: Some(
                    format!(
                        "reads and writes on {rel} wait until the whole relation has been rewritten"
                    )
                    .into(),
                ),
                fix: Some(fix.clone()),
                ..Default::default()
            });
        }
    }
}
