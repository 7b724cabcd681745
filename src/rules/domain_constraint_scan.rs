//! `ALTER DOMAIN ... ADD CONSTRAINT ... CHECK` (without `NOT VALID`), `SET NOT NULL` and
//! `ADD NOT NULL` read every column of the domain, holding SHARE (writes wait) on every
//! table that has one. `effects` knows the tables and the lock.

use super::fixes::without_semicolon;
use super::{Context, Rule, Severity, Violation};
use crate::lock::LockMode;
use crate::ops::{AlterDomainAction, Operation};

pub struct DomainConstraintScan;

impl Rule for DomainConstraintScan {
    fn id(&self) -> &'static str {
        "domain-constraint-scan"
    }
    fn default_severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "ALTER DOMAIN ... ADD CHECK without NOT VALID, or SET NOT NULL, scans every table using the domain under SHARE (writes wait)"
    }
    fn category(&self) -> super::Category {
        super::Category::Locks
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let Operation::AlterDomain { name, description } = &cx.stmt.op else {
            return;
        };
        let action = AlterDomainAction::of(description);
        if !matches!(
            action,
            AlterDomainAction::AddCheck { not_valid: false }
                | AlterDomainAction::SetNotNull
                | AlterDomainAction::AddNotNull
        ) {
            return;
        }
        let tables: Vec<String> = cx
            .effects
            .scans
            .iter()
            .filter(|s| cx.is_preexisting(&s.relation))
            .map(|s| s.relation.to_string())
            .collect();
        let Some(first) = cx
            .effects
            .scans
            .iter()
            .find(|s| cx.is_preexisting(&s.relation))
        else {
            return;
        };
        let list = tables.join(", ");
        let check = format!("{}_check", name.name);
        let (what, add, constraint) = match action {
            AlterDomainAction::AddCheck { .. } => {
                let (add, constraint) = match named_constraint(description) {
                    Some(c) => (
                        format!("{} NOT VALID;", without_semicolon(&cx.stmt.text)),
                        c,
                    ),
                    None => {
                        let rest = description.trim_start().get(3..).unwrap_or("").trim_start();
                        (
                            format!(
                                "ALTER DOMAIN {name} ADD CONSTRAINT {check} {} NOT VALID;",
                                without_semicolon(rest)
                            ),
                            check.clone(),
                        )
                    }
                };
                ("ADD CHECK", add, constraint)
            }
            _ => {
                let nn = format!("{}_not_null", name.name);
                (
                    if action == AlterDomainAction::SetNotNull {
                        "SET NOT NULL"
                    } else {
                        "ADD NOT NULL"
                    },
                    format!(
                        "ALTER DOMAIN {name} ADD CONSTRAINT {nn} CHECK (VALUE IS NOT NULL) NOT VALID;"
                    ),
                    nn,
                )
            }
        };
        out.push(Violation {
            message: format!(
                "ALTER DOMAIN {name} {what} checks every row of {list} under SHARE: writes wait"
            ),
            relation: Some(first.relation.clone()),
            lock_mode: Some(LockMode::Share),
            why: Some(format!(
                "a new domain constraint is checked against every stored value of the domain: PostgreSQL holds SHARE on {list} (INSERT, UPDATE and DELETE wait) while it reads them all{}",
                if cx.tx.active { ", and keeps it until the transaction commits" } else { "" }
            ).into()),
            fix: Some(format!(
                "add it NOT VALID (instant; new values are checked at once), then validate it in its own migration, with a lock_timeout, at a quiet time (VALIDATE on a domain still holds SHARE for the scan):\n{add}\n-- next migration:\nSET lock_timeout = '2s';\nALTER DOMAIN {name} VALIDATE CONSTRAINT {constraint};"
            )),
            ..Default::default()
        });
    }
}

/// `ADD CONSTRAINT name ...`: the name as written.
fn named_constraint(description: &str) -> Option<String> {
    let mut words = description.split_whitespace();
    let add = words.next()?;
    let kw = words.next()?;
    (add.eq_ignore_ascii_case("add") && kw.eq_ignore_ascii_case("constraint"))
        .then(|| words.next().map(str::to_string))
        .flatten()
}
