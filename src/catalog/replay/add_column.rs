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
        let schema = table.schema.as_deref();
        let seq = ObjectName::new(
            schema,
            &choose_name(&table.name, Some(&def.name), "seq", |n| {
                relation_name_taken(cat, schema, n)
            }),
        );
        if def.ty.is_serial() {
            column.default = Some(crate::ops::Expr {
                text: format!("nextval('{seq}'::regclass)"),
                functions: vec!["nextval".to_string()],
                ..Default::default()
            });
        }
        cat.sequences.insert(
            seq.clone(),
            Sequence {
                name: seq,
                owned_by: Some((table.clone(), def.name.clone())),
                origin: o,
                // a column's sequence has its table's owner
                owner: cat.tables.get(table).and_then(|t| t.owner.clone()),
            },
        );
    }
    if let Some(t) = cat.tables.get_mut(table) {
        // a column of the name already there (inherited) is merged where it is
        match t.columns.iter_mut().find(|c| c.name == def.name) {
            Some(existing) => {
                // declared again: its own from now on, except in a partition
                column.inherited = existing.inherited && t.partition_of.is_some();
                column.not_null |= existing.not_null;
                if column.default.is_none() {
                    column.default = existing.default.take();
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
