//! CREATE TRIGGER and ALTER TABLE ... ENABLE/DISABLE TRIGGER take SHARE ROW EXCLUSIVE on
//! an existing table: brief, but writes wait for it, and it waits for running writes.

use super::{Context, Rule, Severity, Violation};
use crate::lock::LockMode;
use crate::ops::{AlterTableAction, ObjectName, Operation};

pub struct CreateTriggerLocks;

impl Rule for CreateTriggerLocks {
    fn id(&self) -> &'static str {
        "create-trigger-locks"
    }
    fn default_severity(&self) -> Severity {
        Severity::Hint
    }
    fn summary(&self) -> &'static str {
        "CREATE TRIGGER and ENABLE/DISABLE TRIGGER take SHARE ROW EXCLUSIVE on an existing table: writes wait, briefly"
    }
    fn category(&self) -> super::Category {
        super::Category::Locks
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        // the ENABLE / DISABLE TRIGGER action of an ALTER TABLE
        let mut span = None;
        let (table, what) = match &cx.stmt.op {
            Operation::CreateTrigger(ct) => (
                cx.catalog.resolve_relation(&ct.table),
                format!("CREATE TRIGGER {}", ct.name),
            ),
            Operation::AlterTable(at) => {
                let Some(AlterTableAction::Trigger { name, enable }) = at
                    .actions
                    .iter()
                    .find(|a| matches!(a, AlterTableAction::Trigger { .. }))
                else {
                    return;
                };
                span = super::clause::first_action(cx.stmt, at, |a| {
                    matches!(a, AlterTableAction::Trigger { .. })
                });
                let verb = if *enable { "ENABLE" } else { "DISABLE" };
                (
                    cx.catalog.resolve_relation(&at.name),
                    format!("{verb} TRIGGER {}", trigger_word(name)),
                )
            }
            _ => return,
        };
        // only a lock this statement takes in exactly that mode (not a stronger action's)
        if !cx.is_preexisting(&table)
            || cx.effects.lock_on(&table) != Some(LockMode::ShareRowExclusive)
            || !cx
                .catalog
                .relation_kind(&table)
                .is_none_or(|k| k.holds_data())
        {
            return;
        }
        let held = if cx.tx.active {
            " It is held until the transaction commits."
        } else {
            ""
        };
        let disables_fks = matches!(&cx.stmt.op, Operation::AlterTable(at)
            if at.actions.iter().any(|a| matches!(a, AlterTableAction::Trigger { name, enable: false } if name == "all")));
        let mut why = format!(
            "SHARE ROW EXCLUSIVE on {table} blocks INSERT, UPDATE and DELETE (reads go on). The statement itself is instant, but it first waits for running writes, and every write queued behind it waits too.{held}"
        );
        if disables_fks {
            why.push_str(" DISABLE TRIGGER ALL also disables the foreign-key triggers: rows written meanwhile are not checked.");
        }
        let fix = if cx.tx.lock_timeout_set() {
            "lock_timeout is set, so a long wait fails instead of stalling writes; keep the rest of the transaction short".to_string()
        } else {
            format!(
                "bound the wait, and retry the migration if it times out:\nSET lock_timeout = '2s';\n{}",
                super::fixes::without_semicolon(&cx.stmt.text).to_string() + ";"
            )
        };
        out.push(Violation {
            span,
            message: format!(
                "{what} takes SHARE ROW EXCLUSIVE on {table}: writes wait while it runs"
            ),
            relation: Some(table.clone()),
            lock_mode: Some(LockMode::ShareRowExclusive),
            why: Some(why.into()),
            fix: Some(fix),
            ..Default::default()
        });
    }
}

fn trigger_word(name: &str) -> String {
    match name {
        "all" | "user" => name.to_uppercase(),
        n => ObjectName::unqualified(n).to_string(),
    }
}
