//! CREATE TABLE without a primary key (judged on the schema after the migration, so a
//! key added later in the same migration counts).

use super::{FileCheck, Rule, Severity, Violation};
use crate::catalog::Table;
use crate::ops::{ConstraintKind, CreateTable, Operation, Persistence};

pub struct RequirePrimaryKey;

impl Rule for RequirePrimaryKey {
    fn id(&self) -> &'static str {
        "require-primary-key"
    }
    fn default_severity(&self) -> Severity {
        Severity::Hint
    }
    fn summary(&self) -> &'static str {
        "a table created without a primary key"
    }
    fn category(&self) -> super::Category {
        super::Category::Hint
    }
    fn check(&self, _cx: &super::Context, _out: &mut Vec<Violation>) {}
    fn check_file(&self, fc: &FileCheck, out: &mut Vec<Violation>) {
        let statements = fc
            .statements
            .iter()
            .flat_map(|s| std::iter::once(s).chain(s.embedded.iter()));
        for stmt in statements {
            let Operation::CreateTable(ct) = &stmt.op else {
                continue;
            };
            // a foreign table cannot have one
            if ct.foreign || exempt(ct, fc) {
                continue;
            }
            // the table as it is after the migration: dropped, renamed or already there
            // (IF NOT EXISTS) is not this rule's business
            let Some(table) = fc.table_after(&ct.name, stmt.index) else {
                continue;
            };
            if table.origin.is_none_or(|o| o.file != fc.file.index) || table.primary_key().is_some()
            {
                continue;
            }
            out.push(Violation {
                span: Some(stmt.span),
                message: format!("table {} has no primary key", table.name),
                relation: Some(table.name.clone()),
                why: Some(
                    "without a primary key a row cannot be addressed reliably: logical replication (and CDC tools built on it) cannot replicate UPDATE and DELETE unless a REPLICA IDENTITY is set, ORMs need a key to update or delete one row, and duplicate rows go unnoticed".into(),
                ),
                fix: Some(fix(ct, table)),
                ..Default::default()
            });
        }
    }
}

/// Tables the rule does not ask a key of.
fn exempt(ct: &CreateTable, fc: &FileCheck) -> bool {
    ct.persistence == Persistence::Temporary
        // a partition gets the parent's key
        || ct.partition_of.is_some()
        // CREATE TABLE AS: usually a copy or a scratch table, and it cannot declare a key
        || ct.as_query.is_some()
        // LIKE ... INCLUDING INDEXES/ALL copies the key; the options are not modelled
        || !ct.like.is_empty()
        // keys on partitioned tables need PostgreSQL 11
        || (ct.partitioned && fc.version.0 < 11)
}

fn fix(ct: &CreateTable, table: &Table) -> String {
    // a UNIQUE key over NOT NULL columns is a primary key in all but name
    let natural = table.constraints.iter().find_map(|c| match &c.kind {
        ConstraintKind::Unique { columns, .. }
            if columns
                .iter()
                .all(|col| table.column(col).is_some_and(|c| c.not_null)) =>
        {
            Some(super::fixes::idents(columns))
        }
        _ => None,
    });
    match natural {
        Some(cols) => format!(
            "declare the natural key as the primary key: PRIMARY KEY ({cols}) instead of UNIQUE ({cols})"
        ),
        None => format!(
            "declare the natural key (PRIMARY KEY (...)) in CREATE TABLE {}, or add a key column to it:\nid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
            ct.name
        ),
    }
}
