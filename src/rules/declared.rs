//! The column types a statement declares (CREATE TABLE, ADD COLUMN, ALTER COLUMN TYPE),
//! for the type-preference hints.

use crate::ops::{AlterTableAction, ConstraintKind, IdentityKind, ObjectName, Operation, TypeName};

pub struct DeclaredColumn<'a> {
    pub table: &'a ObjectName,
    pub column: &'a str,
    pub ty: &'a TypeName,
    /// Part of the primary key.
    pub primary_key: bool,
    pub identity: Option<IdentityKind>,
}

pub fn declared_columns(op: &Operation) -> Vec<DeclaredColumn<'_>> {
    let mut out = Vec::new();
    match op {
        Operation::CreateTable(ct) => {
            let pk: Vec<&String> = ct
                .constraints
                .iter()
                .filter_map(|c| match &c.kind {
                    ConstraintKind::PrimaryKey { columns, .. } => Some(columns),
                    _ => None,
                })
                .flatten()
                .collect();
            for c in &ct.columns {
                let inline_pk = c
                    .constraints
                    .iter()
                    .any(|k| matches!(k.kind, ConstraintKind::PrimaryKey { .. }));
                out.push(DeclaredColumn {
                    table: &ct.name,
                    column: &c.name,
                    ty: &c.ty,
                    primary_key: inline_pk || pk.contains(&&c.name),
                    identity: c.identity,
                });
            }
        }
        Operation::AlterTable(at) => {
            for a in &at.actions {
                match a {
                    AlterTableAction::AddColumn { column, .. } => out.push(DeclaredColumn {
                        table: &at.name,
                        column: &column.name,
                        ty: &column.ty,
                        primary_key: column
                            .constraints
                            .iter()
                            .any(|k| matches!(k.kind, ConstraintKind::PrimaryKey { .. })),
                        identity: column.identity,
                    }),
                    AlterTableAction::AlterColumnType { column, ty, .. } => {
                        out.push(DeclaredColumn {
                            table: &at.name,
                            column,
                            ty,
                            primary_key: false,
                            identity: None,
                        })
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    out
}
