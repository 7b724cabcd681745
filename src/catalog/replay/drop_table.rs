//! `DROP TABLE`: the table with its indexes, owned sequences and partitions; with
//! `CASCADE` the views reading it and the foreign keys referencing it.

use super::*;

/// `DROP TABLE`: each table, and with `CASCADE` the views reading it, the foreign keys
/// referencing it and the tables inheriting from it (down the tree). Without
/// `CASCADE`, a table that others inherit from makes the whole statement fail, and
/// nothing is dropped (observed on 15: "cannot drop table q because other objects
/// depend on it").
pub(super) fn drop_tables(cat: &mut Catalog, d: &crate::ops::Drop) {
    let names: Vec<ObjectName> = d.names.iter().map(|n| cat.resolve_relation(n)).collect();
    if !d.cascade
        && names
            .iter()
            .any(|n| cat.inheritors(n).iter().any(|c| !names.contains(c)))
    {
        return;
    }
    for name in names {
        if d.cascade {
            drop_table_cascade(cat, &name, &mut Vec::new());
        } else {
            drop_table(cat, &name);
        }
    }
}

/// `DROP TABLE ... CASCADE` of one table: its inheritance children first, then the views
/// reading it and the foreign keys referencing it, then the table.
pub(super) fn drop_table_cascade(cat: &mut Catalog, name: &ObjectName, seen: &mut Vec<ObjectName>) {
    if seen.contains(name) {
        return;
    }
    seen.push(name.clone());
    for child in cat.inheritors(name) {
        drop_table_cascade(cat, &child, seen);
    }
    for v in cat.dependent_views(name) {
        cat.remove_view(&v);
    }
    let resolved: Vec<(ObjectName, String)> = cat
        .referencing(name)
        .map(|(t, c)| (t.name.clone(), c.name.clone()))
        .collect();
    for (t, c) in resolved {
        if let Some(t) = cat.tables.get_mut(&t) {
            t.constraints.retain(|x| x.name != c);
        }
    }
    drop_table(cat, name);
}

/// Drops one table with its indexes, the sequences it owns and its partitions.
pub(super) fn drop_table(cat: &mut Catalog, name: &ObjectName) {
    if cat.tables.remove(name).is_none() {
        return;
    }
    for k in cat.indexes.keys_on(name) {
        cat.indexes.remove(&k);
    }
    cat.sequences
        .retain(|_, s| s.owned_by.as_ref().is_none_or(|(t, _)| t != name));
    // partitions go with their parent
    let parts: Vec<ObjectName> = cat
        .tables
        .values()
        .filter(|t| t.partition_of.as_ref() == Some(name))
        .map(|t| t.name.clone())
        .collect();
    for p in parts {
        drop_table(cat, &p);
    }
}
