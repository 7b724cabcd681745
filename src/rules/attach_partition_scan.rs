//! ATTACH PARTITION scans the partition under ACCESS EXCLUSIVE to check every row against
//! the bound, unless its validated CHECK constraints already imply the bound; a default
//! partition is scanned too, to check none of its rows belong in the new partition.

use super::fixes::without_semicolon;
use super::{Context, Rule, Severity, Violation};
use crate::effects::ScanReason;
use crate::effects::partition::{BoundProof, check_for, proof};
use crate::lock::LockMode;
use crate::ops::{AlterTableAction, ObjectName, PartitionBound};

pub struct AttachPartitionScan;

impl Rule for AttachPartitionScan {
    fn id(&self) -> &'static str {
        "attach-partition-scan"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "ATTACH PARTITION scans an existing partition under ACCESS EXCLUSIVE unless a valid CHECK implies its bound"
    }
    fn category(&self) -> super::Category {
        super::Category::Locks
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let Some((at, parent)) = cx.alter_table_target() else {
            return;
        };
        let single = at.actions.len() == 1;
        for action in &at.actions {
            let AlterTableAction::AttachPartition {
                partition, bound, ..
            } = action
            else {
                continue;
            };
            let part = cx.catalog.resolve_relation(partition);
            // effects decides what is scanned; only pre-existing tables matter
            let scanned = |rel: &ObjectName| {
                cx.is_preexisting(rel)
                    && cx
                        .effects
                        .scans
                        .iter()
                        .any(|s| &s.relation == rel && s.reason == ScanReason::PartitionBound)
            };
            let defaults: Vec<ObjectName> = cx
                .effects
                .scans
                .iter()
                .filter(|s| s.reason == ScanReason::PartitionBound && s.relation != part)
                .map(|s| s.relation.clone())
                .filter(|d| scanned(d))
                .collect();
            let part_scanned = scanned(&part);
            if !part_scanned && defaults.is_empty() {
                continue;
            }
            let key: Vec<String> = cx
                .catalog
                .table(parent)
                .map(|t| t.partition_key.clone())
                .unwrap_or_default();
            let unsure = match (cx.catalog.table(&part), bound) {
                (Some(p), Some(b)) => match proof(p, &key, b) {
                    BoundProof::Unsure(names) => Some(names),
                    _ => None,
                },
                _ => None,
            };
            let attach = if single {
                format!("{};", without_semicolon(&cx.stmt.text))
            } else {
                format!(
                    "ALTER TABLE {} ATTACH PARTITION {partition} FOR VALUES ...;",
                    at.name
                )
            };
            let mut message = Vec::new();
            let mut why = Vec::new();
            let mut fix = Vec::new();
            if part_scanned {
                match &unsure {
                    Some(names) => {
                        message.push(format!(
                            "ATTACH PARTITION may scan {part} under ACCESS EXCLUSIVE: schemaguard cannot tell whether {} implies the bound",
                            names.join(", ")
                        ));
                        why.push(format!(
                            "PostgreSQL skips the scan only when the partition's NOT NULL columns and validated CHECK constraints imply the bound; if they do not, reads and writes on {part} wait while every row is checked"
                        ));
                    }
                    None => {
                        message.push(format!(
                            "ATTACH PARTITION scans every row of {part} under ACCESS EXCLUSIVE to check the partition bound"
                        ));
                        why.push(if cx.catalog.table(&part).is_some() {
                            format!(
                                "no validated CHECK constraint of {part} implies the bound, so PostgreSQL reads the whole table while reads and writes on it wait"
                            )
                        } else {
                            format!(
                                "unless a validated CHECK constraint of {part} implies the bound (schemaguard does not know its constraints), PostgreSQL reads the whole table while reads and writes on it wait"
                            )
                        });
                    }
                }
                fix.push(check_fix(
                    cx,
                    partition,
                    &part,
                    &key,
                    bound.as_ref(),
                    &attach,
                ));
            }
            if !defaults.is_empty() {
                let d = defaults
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                message.push(format!(
                    "the default partition {d} is scanned too, under ACCESS EXCLUSIVE"
                ));
                why.push(format!(
                    "PostgreSQL checks that no row of the default partition {d} belongs in the new partition; reads and writes on it wait meanwhile"
                ));
                fix.push(format!(
                    "keep the default partition {d} small (move its rows into real partitions in batches first), so its scan is short"
                ));
            }
            if cx.version.0 < 12 {
                why.push(format!(
                    "before PostgreSQL 12 ATTACH also takes ACCESS EXCLUSIVE on {parent}, so every partition waits for the scan"
                ));
            }
            out.push(Violation {
                message: message.join("; "),
                relation: Some(if part_scanned {
                    part.clone()
                } else {
                    defaults[0].clone()
                }),
                lock_mode: Some(LockMode::AccessExclusive),
                why: Some(why.join("; ").into()),
                fix: Some(fix.join("\n")),
                severity: (unsure.is_some() && defaults.is_empty()).then_some(Severity::Hint),
                ..Default::default()
            });
        }
    }
}

/// The `CHECK ... NOT VALID`, `VALIDATE`, `ATTACH`, `DROP CONSTRAINT` sequence.
fn check_fix(
    cx: &Context,
    written: &ObjectName,
    part: &ObjectName,
    key: &[String],
    bound: Option<&PartitionBound>,
    attach: &str,
) -> String {
    if let Some(PartitionBound::Hash { .. }) = bound {
        return format!(
            "no CHECK constraint can prove a hash bound: attach {part} while it is still empty, or create it with CREATE TABLE ... PARTITION OF and copy the rows in afterwards"
        );
    }
    let check = match (key, bound) {
        ([k], Some(b)) => {
            let nullable = cx
                .catalog
                .table(part)
                .and_then(|t| t.column(k))
                .is_none_or(|c| !c.not_null);
            check_for(k, nullable, b)
        }
        _ => None,
    };
    let check = check.unwrap_or_else(|| {
        "<the partition bound, as PostgreSQL states it: pg_get_partition_constraintdef() of an attached sibling>".to_string()
    });
    let name = crate::ops::names::quote_ident(&crate::catalog::replay::make_object_name(
        &part.name, None, "bound",
    ));
    format!(
        "prove the bound with a CHECK first, so ATTACH skips the scan:\n\
         ALTER TABLE {written} ADD CONSTRAINT {name} CHECK ({check}) NOT VALID;\n\
         -- next migration (SHARE UPDATE EXCLUSIVE: reads and writes go on):\n\
         ALTER TABLE {written} VALIDATE CONSTRAINT {name};\n\
         -- next migration:\n\
         {attach}\n\
         ALTER TABLE {written} DROP CONSTRAINT {name};"
    )
}
