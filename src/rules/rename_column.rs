//! RENAME COLUMN breaks running application versions that use the old name.

use super::{Context, Rule, Severity, Violation};
use crate::lock::LockMode;
use crate::ops::names::quote_ident;
use crate::ops::{AlterTableAction, ObjectName};

pub struct RenameColumn;

impl Rule for RenameColumn {
    fn id(&self) -> &'static str {
        "rename-column"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "RENAME COLUMN breaks application versions that use the old name"
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
            let AlterTableAction::RenameColumn { from, to } = action else {
                continue;
            };
            out.push(Violation {
                message: format!("renaming {table}.{from} to {to} breaks application versions that use {from}"),
                relation: Some(table.clone()),
                lock_mode: Some(LockMode::AccessExclusive),
                why: Some(format!(
                    "the application version running during the deploy still names {from}; its queries fail once this commits"
                ).into()),
                fix: Some(format!(
                    "expand and contract: add {to}, write both columns, backfill, switch reads to {to}, then drop {from}:\n\
                     ALTER TABLE {written} ADD COLUMN {} {};\n\
                     -- keep {to} in sync (application or trigger), backfill in batches, ship readers of {to}, then, in a later release:\n\
                     -- ALTER TABLE {written} DROP COLUMN {};",
                    quote_ident(to),
                    // the type as the catalog knows it, else a placeholder (display-only)
                    cx.catalog
                        .table(table)
                        .and_then(|t| t.column(from))
                        .map(|c| &c.ty)
                        // a type the catalog no longer knows by that name (renamed since)
                        .filter(|ty| {
                            ty.is_serial()
                                || ty.is_builtin()
                                || cx
                                    .catalog
                                    .type_def(&ObjectName::new(ty.schema.as_deref(), &ty.name))
                                    .is_some()
                        })
                        // a serial's storage type: the copy gets no sequence of its own
                        .map_or_else(
                            || "<type>".to_string(),
                            |ty| {
                                if ty.is_serial() {
                                    ty.without_serial().name
                                } else {
                                    ty.text.clone()
                                }
                            },
                        ),
                    quote_ident(from),
                )),
                ..Default::default()
            });
        }
    }
}
