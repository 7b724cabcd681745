//! DROP COLUMN breaks every running application version that still reads or writes it.

use super::{Context, Rule, Severity, Violation};
use crate::lock::LockMode;
use crate::ops::AlterTableAction;

pub struct DropColumn;

impl Rule for DropColumn {
    fn id(&self) -> &'static str {
        "drop-column"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "DROP COLUMN breaks application versions that still use the column"
    }
    fn category(&self) -> super::Category {
        super::Category::Breaking
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let Some((at, table)) = cx.alter_of_existing_table() else {
            return;
        };
        for (i, action) in at.actions.iter().enumerate() {
            let AlterTableAction::DropColumn { name, .. } = action else {
                continue;
            };
            out.push(Violation {
                span: super::clause::action(cx.stmt, at, i),
                message: format!("dropping {table}.{name} breaks application versions that still use it"),
                relation: Some(table.clone()),
                lock_mode: Some(LockMode::AccessExclusive),
                why: Some(format!(
                    "queries naming {name} fail as soon as this commits, including those of the application version still running during the deploy"
                ).into()),
                fix: Some(format!(
                    "first ship an application version that no longer reads or writes {name} (for ORMs: mark it ignored), then drop it in a later migration; mark that migration with\n-- schemaguard:ignore drop-column -- {name} unused since <release>"
                )),
                ..Default::default()
            });
        }
    }
}
