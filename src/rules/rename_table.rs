//! RENAME TO breaks running application versions that use the old table name.

use super::{Context, Rule, Severity, Violation};
use crate::lock::LockMode;
use crate::ops::AlterTableAction;

pub struct RenameTable;

impl Rule for RenameTable {
    fn id(&self) -> &'static str {
        "rename-table"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "ALTER TABLE ... RENAME TO breaks application versions that use the old name"
    }
    fn category(&self) -> super::Category {
        super::Category::Breaking
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let Some((at, table)) = cx.alter_of_existing_table() else {
            return;
        };
        // fixes use the name as the user wrote it
        let written = &at.name;
        for action in &at.actions {
            let AlterTableAction::RenameTable { to } = action else {
                continue;
            };
            out.push(Violation {
                message: format!("renaming {table} to {to} breaks application versions that use {}", table.name),
                relation: Some(table.clone()),
                lock_mode: Some(LockMode::AccessExclusive),
                why: Some(format!(
                    "the application version running during the deploy still queries {}; it fails once this commits",
                    table.name
                ).into()),
                fix: Some(format!(
                    "rename, and leave a view with the old name until no running version uses it:\n\
                     ALTER TABLE {written} RENAME TO {};\n\
                     CREATE VIEW {written} AS SELECT * FROM {};   -- simple views are updatable\n\
                     -- later migration: DROP VIEW {written};",
                    crate::ops::names::quote_ident(to),
                    crate::ops::ObjectName::new(written.schema.as_deref(), to)
                )),
                ..Default::default()
            });
        }
    }
}
