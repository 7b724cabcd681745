//! ADD UNIQUE / PRIMARY KEY builds its index under ACCESS EXCLUSIVE.

use super::{Context, Rule, Severity, Violation};
use crate::lock::LockMode;
use crate::ops::ObjectName;
use crate::ops::{AlterTableAction, ConstraintKind};

pub struct AddUniqueWithoutIndex;

impl Rule for AddUniqueWithoutIndex {
    fn id(&self) -> &'static str {
        "add-unique-without-index"
    }
    fn default_severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "ADD UNIQUE / PRIMARY KEY builds an index under ACCESS EXCLUSIVE; build it concurrently and attach it with USING INDEX"
    }
    fn category(&self) -> super::Category {
        super::Category::Locks
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let Some((at, table)) = cx.alter_of_existing_table() else {
            return;
        };
        // fixes use the name as the user wrote it
        let written = &at.name;
        for action in &at.actions {
            let AlterTableAction::AddConstraint(c) = action else {
                continue;
            };
            let (kind, columns) = match &c.kind {
                ConstraintKind::Unique {
                    columns,
                    using_index: None,
                    ..
                } => ("UNIQUE", columns),
                ConstraintKind::PrimaryKey {
                    columns,
                    using_index: None,
                } => ("PRIMARY KEY", columns),
                _ => continue,
            };
            let label = if kind == "UNIQUE" { "key" } else { "pkey" };
            let name = c.name.clone().unwrap_or_else(|| {
                let cols = (kind == "UNIQUE").then(|| columns.join("_"));
                crate::catalog::replay::make_object_name(&table.name, cols.as_deref(), label)
            });
            let cols = columns.join(", ");
            // the fix prints names quoted where PostgreSQL needs it (they are stored folded)
            let sql_cols = super::fixes::idents(columns);
            let nulls = match &c.kind {
                ConstraintKind::Unique {
                    nulls_not_distinct: true,
                    ..
                } => " NULLS NOT DISTINCT",
                _ => "",
            };
            let deferrable = if c.deferrable { " DEFERRABLE" } else { "" };
            // the index gets the constraint's name when attached: build it under a free
            // one (the name may still be taken, by what the statement drops)
            let taken = |n: &str| {
                cx.catalog
                    .relation_kind(&ObjectName::new(table.schema.as_deref(), n))
                    .is_some()
            };
            let index = if taken(&name) {
                crate::catalog::replay::make_object_name(&name, None, "new")
            } else {
                name.clone()
            };
            let index = crate::ops::names::quote_ident(&index);
            let name = crate::ops::names::quote_ident(&name);
            // the statement's other actions (adding the columns, dropping the old key)
            // still have to run, before the constraint is attached
            let others = if at.actions.len() > 1 {
                format!(
                    "\nALTER TABLE {written} ...;   -- the statement's other actions, without this ADD {kind}"
                )
            } else {
                String::new()
            };
            out.push(Violation {
                message: format!(
                    "ADD {kind} on {table} builds its index while holding ACCESS EXCLUSIVE"
                ),
                relation: Some(table.clone()),
                lock_mode: Some(LockMode::AccessExclusive),
                why: Some(format!(
                    "reads and writes on {table} wait until the index over ({cols}) is built"
                )),
                fix: Some(format!(
                    "build the index concurrently, then attach it (brief lock):{others}\n{}\nCREATE UNIQUE INDEX CONCURRENTLY {index} ON {written} ({sql_cols}){nulls};\n-- next migration:\nALTER TABLE {written} ADD CONSTRAINT {name} {kind} USING INDEX {index}{deferrable};",
                    cx.no_transaction_directive()
                )),
                ..Default::default()
            });
        }
    }
}
