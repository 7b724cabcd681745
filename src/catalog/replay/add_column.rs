//! A column added by `CREATE TABLE` or `ALTER TABLE ... ADD COLUMN`: its serial or
//! identity sequence, its inline constraints.

use super::*;

/// Adds a column to `table`: a serial or identity column gets its sequence (named as
/// PostgreSQL names it), its default and `NOT NULL`; inline constraints are added.
pub(super) fn add_column(
    cat: &mut Catalog,
    table: &ObjectName,
    def: &ColumnDef,
    o: Option<Origin>,
) {
    let mut column = Column {
        name: def.name.clone(),
        ty: def.ty.without_serial(),
        not_null: def.not_null || def.identity.is_some() || def.ty.is_serial(),
        default: def.default.clone(),
        generated: def.generated.clone(),
        identity: def.identity,
        inherited: false,
    };
    if def.ty.is_serial() || def.identity.is_some() {
        let seq = identity_sequence(cat, table, &def.name, o);
        if def.ty.is_serial() {
            column.default = Some(Box::new(crate::ops::Expr {
                text: format!("nextval('{seq}'::regclass)"),
                functions: vec!["nextval".to_string()],
                ..Default::default()
            }));
        }
    }
    if let Some(t) = cat.tables.get_mut(table) {
        // a column of the name already there (inherited) is merged where it is
        match t.columns.iter_mut().find(|c| c.name == def.name) {
            Some(existing) => {
                // declared again: its own from now on, except in a partition
                column.inherited = existing.inherited && t.partition_of.is_some();
                column.not_null |= existing.not_null;
                // `c WITH OPTIONS ...` (typed tables, partitions) names no type
                if def.ty.name.is_empty() {
                    column.ty = existing.ty.clone();
                }
                if column.default.is_none() {
                    column.default = existing.default.take();
                }
                // a plain redeclaration keeps the inherited generation expression
                // (observed on 15)
                if column.generated.is_none() && column.default.is_none() {
                    column.generated = existing.generated.take();
                }
                *existing = column;
            }
            None => {
                // kept for the whole run: room for one more at a time while a table has
                // few columns (doubling left room for twice as many, 448 bytes each)
                if t.columns.len() < 16 {
                    t.columns.reserve_exact(1);
                }
                t.columns.push(column);
            }
        }
    }
    for c in &def.constraints {
        add_constraint(cat, table, c, o);
    }
}

/// The sequence of a serial or identity column of `table`: `<table>_<column>_seq`
/// (numbered when taken), owned by the column and with the table's owner.
pub(super) fn identity_sequence(
    cat: &mut Catalog,
    table: &ObjectName,
    column: &str,
    o: Option<Origin>,
) -> ObjectName {
    let schema = table.schema.as_deref();
    let seq = ObjectName::new(
        schema,
        &choose_name(&table.name, Some(column), "seq", |n| {
            relation_name_taken(cat, schema, n)
        }),
    );
    cat.sequences.insert(
        seq.clone(),
        Sequence {
            name: seq.clone(),
            owned_by: Some((table.clone(), column.to_string())),
            origin: o,
            // a column's sequence has its table's owner
            owner: cat.tables.get(table).and_then(|t| t.owner.clone()),
        },
    );
    seq
}
