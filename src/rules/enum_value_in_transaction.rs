//! ALTER TYPE ... ADD VALUE cannot run in a transaction block before PostgreSQL 12; from
//! 12 on it can, but the new value cannot be used until the transaction commits. An enum
//! type created in the same transaction is exempt: before 12 from the restriction on
//! ADD VALUE and from using the value; 12 to 16 reject the use all the same; 17 accepts it.

use super::{Context, Rule, Severity, Violation};
use crate::ops::{AlterTypeAction, ObjectName, Operation};

pub struct EnumValueInTransaction;

impl Rule for EnumValueInTransaction {
    fn id(&self) -> &'static str {
        "enum-value-in-transaction"
    }
    fn default_severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "ALTER TYPE ... ADD VALUE inside a transaction fails before PostgreSQL 12, and its value cannot be used in the same transaction on 12+"
    }
    fn category(&self) -> super::Category {
        super::Category::Correctness
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        if !cx.tx.active {
            return;
        }
        if let Operation::AlterType(at) = &cx.stmt.op {
            if let AlterTypeAction::AddValue { value, .. } = &at.action {
                if cx.version.0 < 12 && !created_in_this_transaction(cx, &at.name) {
                    out.push(Violation {
                        message: format!(
                            "ALTER TYPE {} ADD VALUE '{value}' cannot run inside a transaction block on PostgreSQL {}",
                            at.name, cx.version
                        ),
                        why: Some("PostgreSQL before 12 rejects it inside a transaction; this file runs in one".into()),
                        fix: Some(format!(
                            "run it in a migration of its own, outside a transaction:\n{}\n{}",
                            cx.no_transaction_directive(),
                            cx.stmt.text.trim()
                        )),
                        ..Default::default()
                    });
                }
                return;
            }
        }
        // 12+: using a value added earlier in this same transaction fails
        for (ty, value) in &cx.tx.enum_values_added {
            // only 12 to 16 reject values of a type created in this same transaction
            if !(12..=16).contains(&cx.version.0) && created_in_this_transaction(cx, ty) {
                continue;
            }
            let literal = format!("'{}'", value.replace('\'', "''"));
            if cx.stmt.text.contains(&literal) {
                out.push(Violation {
                    message: format!(
                        "'{value}' was added to {ty} in this transaction and cannot be used before it commits"
                    ),
                    why: Some("PostgreSQL raises \"unsafe use of new value\" for an enum value added in the same transaction".into()),
                    fix: Some(format!(
                        "commit after ALTER TYPE {ty} ADD VALUE '{value}' (a migration of its own), then use the value in the next one"
                    )),
                    ..Default::default()
                });
            }
        }
    }
}

/// The enum type was created earlier in the transaction the statement runs in.
fn created_in_this_transaction(cx: &Context, ty: &ObjectName) -> bool {
    cx.catalog
        .type_def(ty)
        .and_then(|t| t.origin)
        .is_some_and(|o| o.file == cx.file.index && o.transaction == cx.tx.id)
}
