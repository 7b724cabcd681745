//! A constraint added by `CREATE TABLE` or `ALTER TABLE ... ADD CONSTRAINT`: its name,
//! the index backing a primary key, unique or exclusion constraint, foreign keys down a
//! partition tree.

use super::*;

/// Adds a constraint to `table` under the name PostgreSQL gives it, with the index
/// backing a primary key, unique or exclusion constraint.
pub(super) fn add_constraint(
    cat: &mut Catalog,
    table: &ObjectName,
    c: &OpConstraint,
    o: Option<Origin>,
) {
    if !cat.tables.contains_key(table) {
        return;
    }
    let name = choose_constraint_name(cat, table, c);
    // store the referenced table resolved, so lookups compare names
    let mut kind = c.kind.clone();
    if let ConstraintKind::ForeignKey { ref_table, .. } = &mut kind {
        *ref_table = if ref_table.schema.is_none() && ref_table.name == table.name {
            table.clone()
        } else {
            cat.resolve_relation(ref_table)
        };
    }
    let cols: Vec<String> = match &c.kind {
        ConstraintKind::Check { .. } => Vec::new(),
        k => k.columns().to_vec(),
    };
    let schema = table.schema.clone();
    let index = match &c.kind {
        ConstraintKind::PrimaryKey { using_index, .. }
        | ConstraintKind::Unique { using_index, .. } => {
            let primary = matches!(c.kind, ConstraintKind::PrimaryKey { .. });
            match using_index {
                Some(idx) => {
                    // the index is renamed to the constraint's name and now backs it
                    let old = ObjectName::new(schema.as_deref(), idx);
                    if let Some(mut i) = cat.indexes.remove(&old) {
                        // the constraint's columns are the index's (the statement names
                        // none)
                        if let ConstraintKind::PrimaryKey { columns, .. }
                        | ConstraintKind::Unique { columns, .. } = &mut kind
                            && columns.is_empty()
                        {
                            columns.clone_from(&i.columns);
                        }
                        let new = ObjectName::new(schema.as_deref(), &name);
                        i.name = new.clone();
                        i.primary = primary;
                        i.unique = true;
                        if primary {
                            mark_not_null(cat, table, &i.columns.clone());
                        }
                        // the constraint is on the index's columns
                        if let ConstraintKind::PrimaryKey { columns, .. }
                        | ConstraintKind::Unique { columns, .. } = &mut kind
                            && columns.is_empty()
                        {
                            columns.clone_from(&i.columns);
                        }
                        cat.indexes.insert(new, i);
                    }
                }
                None => {
                    let new = ObjectName::new(schema.as_deref(), &name);
                    cat.indexes.insert(
                        new.clone(),
                        Index {
                            name: new,
                            table: table.clone(),
                            columns: cols.clone(),
                            unique: true,
                            primary,
                            valid: true,
                            partial: false,
                            predicate: None,
                            method: None,
                            origin: o,
                        },
                    );
                    if primary {
                        mark_not_null(cat, table, &cols);
                    }
                }
            }
            Some(name.clone())
        }
        ConstraintKind::Exclude { .. } => {
            let new = ObjectName::new(schema.as_deref(), &name);
            cat.indexes.insert(
                new.clone(),
                Index {
                    name: new,
                    table: table.clone(),
                    columns: cols.clone(),
                    unique: false,
                    primary: false,
                    valid: true,
                    partial: false,
                    predicate: None,
                    method: None,
                    origin: o,
                },
            );
            Some(name.clone())
        }
        ConstraintKind::NotNull { column } => {
            if !c.not_valid {
                mark_not_null(cat, table, std::slice::from_ref(column));
            }
            None
        }
        _ => None,
    };
    if let Some(t) = cat.tables.get_mut(table) {
        t.constraints.retain(|x| x.name != name);
        // kept for the whole run: room for one more at a time while few (as columns)
        if t.constraints.len() < 16 {
            t.constraints.reserve_exact(1);
        }
        t.constraints.push(Constraint {
            name,
            kind,
            validated: !c.not_valid,
            index,
            origin: o,
        });
    }
}
