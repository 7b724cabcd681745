//! VALIDATE CONSTRAINT in the same transaction as the NOT VALID add keeps the add's
//! strong lock for the whole validation: the two-step pattern gains nothing.

use super::{Context, Rule, Severity, Violation};
use crate::ops::AlterTableAction;

pub struct ValidateInSameTransaction;

impl Rule for ValidateInSameTransaction {
    fn id(&self) -> &'static str {
        "validate-in-same-transaction"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "VALIDATE CONSTRAINT in the same transaction as the NOT VALID add holds the add's lock during the scan"
    }
    fn category(&self) -> super::Category {
        super::Category::Locks
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        if !cx.tx.active {
            return;
        }
        let Some((at, table)) = cx.alter_table_target() else {
            return;
        };
        // fixes use the name as the user wrote it
        let written = &at.name;
        for (i, action) in at.actions.iter().enumerate() {
            let AlterTableAction::ValidateConstraint { name } = action else {
                continue;
            };
            let added_here = cx
                .tx
                .not_valid_added
                .contains(&(table.clone(), name.clone()));
            if !added_here || !cx.is_preexisting(table) {
                continue;
            }
            let held = cx.tx.held_on(table).map(|h| h.mode);
            out.push(Violation {
                span: super::clause::action(cx.stmt, at, i),
                message: format!(
                    "{name} is validated in the same transaction that added it NOT VALID"
                ),
                relation: Some(table.clone()),
                lock_mode: held,
                why: Some(format!(
                    "the transaction still holds {} on {table} from the ADD CONSTRAINT, so the validation scan runs under it and blocks {}",
                    held.map_or("a strong lock".to_string(), |m| m.to_string()),
                    held.map_or("traffic", |m| m.blocked_traffic())
                ).into()),
                fix: Some(format!(
                    "commit between the two steps: move this statement to the next migration:\nALTER TABLE {written} VALIDATE CONSTRAINT {};",
                    crate::ops::names::quote_ident(name)
                )),
                ..Default::default()
            });
        }
    }
}
