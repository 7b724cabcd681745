//! Roles and ownership: `OWNER TO`'s bookkeeping, `DROP OWNED BY` and `REASSIGN OWNED
//! BY`.

use super::*;

/// `REASSIGN OWNED BY roles TO role`: their tables (with the sequences they own), views
/// and sequences change owner.
pub(super) fn reassign_owned(cat: &mut Catalog, roles: &[String], to: &str) {
    let to = cat.role_named(to);
    let (tables, views, sequences) = owned_relations(cat, roles);
    for t in tables {
        set_owner(cat, &t, to.clone());
    }
    for v in views {
        if let Some(v) = cat.views.get_mut(&v) {
            v.owner.clone_from(&to);
        }
    }
    for s in sequences {
        if let Some(s) = cat.sequences.get_mut(&s) {
            s.owner.clone_from(&to);
        }
    }
}

/// A table's new owner, and the sequences it owns with it.
pub(super) fn set_owner(cat: &mut Catalog, table: &ObjectName, owner: Option<String>) {
    if let Some(t) = cat.tables.get_mut(table) {
        t.owner.clone_from(&owner);
    }
    for s in cat.sequences.values_mut() {
        if s.owned_by.as_ref().is_some_and(|(t, _)| t == table) {
            s.owner.clone_from(&owner);
        }
    }
}

/// The tables, views and sequences (those no table owns) that any of `roles` owns, by
/// name, sorted.
pub fn owned_relations(
    cat: &Catalog,
    roles: &[String],
) -> (Vec<ObjectName>, Vec<ObjectName>, Vec<ObjectName>) {
    let mut tables: Vec<ObjectName> = cat
        .tables
        .values()
        .filter(|t| cat.owned_by_any(&t.owner, roles))
        .map(|t| t.name.clone())
        .collect();
    let mut views: Vec<ObjectName> = cat
        .views
        .values()
        .filter(|v| cat.owned_by_any(&v.owner, roles))
        .map(|v| v.name.clone())
        .collect();
    let mut sequences: Vec<ObjectName> = cat
        .sequences
        .values()
        .filter(|s| s.owned_by.is_none() && cat.owned_by_any(&s.owner, roles))
        .map(|s| s.name.clone())
        .collect();
    tables.sort();
    views.sort();
    sequences.sort();
    (tables, views, sequences)
}

/// `DROP OWNED BY roles`: their views, tables (with what they own) and sequences go.
pub(super) fn drop_owned(cat: &mut Catalog, roles: &[String], cascade: bool) {
    let (tables, views, sequences) = owned_relations(cat, roles);
    for v in views {
        cat.remove_view(&v);
    }
    for t in tables {
        if cascade {
            for v in cat.dependent_views(&t) {
                cat.remove_view(&v);
            }
        }
        drop_table(cat, &t);
    }
    for s in sequences {
        cat.sequences.remove(&s);
    }
}
