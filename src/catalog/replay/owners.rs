//! Roles and ownership: `OWNER TO`'s bookkeeping, `DROP OWNED BY` and `REASSIGN OWNED
//! BY` (relations, types, functions and schemas).

use super::*;

/// `REASSIGN OWNED BY roles TO role`: their tables (with the sequences they own), views,
/// sequences, types, functions and schemas change owner.
pub(super) fn reassign_owned(cat: &mut Catalog, roles: &[String], to: &str) {
    let to = cat.role_named(to);
    let (types, functions, schemas) = owned_others(cat, roles);
    for t in types {
        if let Some(t) = cat.types.get_mut(&t) {
            t.owner.clone_from(&to);
        }
    }
    for (name, at) in functions {
        if let Some(f) = cat.functions.get_mut(&name).and_then(|o| o.get_mut(at)) {
            f.owner.clone_from(&to);
        }
    }
    for s in schemas {
        match &to {
            Some(role) => cat.schema_owners.insert(s, role.clone()),
            None => cat.schema_owners.remove(&s),
        };
    }
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

/// The types, function overloads (name, position) and schemas that any of `roles` owns,
/// sorted.
fn owned_others(
    cat: &Catalog,
    roles: &[String],
) -> (Vec<ObjectName>, Vec<(ObjectName, usize)>, Vec<String>) {
    let types = cat
        .types
        .values()
        .filter(|t| cat.owned_by_any(&t.owner, roles))
        .map(|t| t.name.clone())
        .collect();
    let functions = cat
        .functions
        .iter()
        .flat_map(|(name, overloads)| {
            overloads
                .iter()
                .enumerate()
                .filter(|(_, f)| cat.owned_by_any(&f.owner, roles))
                .map(move |(at, _)| (name.clone(), at))
        })
        .collect();
    let schemas = cat
        .schema_owners
        .iter()
        .filter(|(_, owner)| cat.owned_by_any(&Some((*owner).clone()), roles))
        .map(|(s, _)| s.clone())
        .collect();
    (types, functions, schemas)
}

/// `DROP OWNED BY roles`: their views, tables (with what they own), sequences,
/// functions, types and then schemas go (a schema that still holds another role's
/// objects only with `CASCADE`, which takes them too).
pub(super) fn drop_owned(cat: &mut Catalog, roles: &[String], cascade: bool) {
    let (types, functions, schemas) = owned_others(cat, roles);
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
    // overloads by position: the later ones first, so the earlier positions hold
    for (name, at) in functions.into_iter().rev() {
        let Some(overloads) = cat.functions.get_mut(&name) else {
            continue;
        };
        if at < overloads.len() {
            overloads.remove(at);
        }
        if overloads.is_empty() {
            cat.functions.remove(&name);
            if cascade {
                dependents::drop_function_cascade(cat, &name);
            }
        }
    }
    if !types.is_empty() {
        let drop = crate::ops::Drop {
            names: types,
            if_exists: true,
            cascade,
        };
        types::drop_types(cat, &drop);
    }
    for schema in schemas {
        let in_schema = |k: &ObjectName| k.schema.as_deref() == Some(schema.as_str());
        let empty = !cat.tables.keys().any(in_schema)
            && !cat.views.keys().any(in_schema)
            && !cat.types.keys().any(in_schema)
            && !cat.sequences.keys().any(in_schema)
            && !cat.functions.keys().any(in_schema);
        if empty || cascade {
            let drop = crate::ops::Drop {
                names: vec![ObjectName::new(None, &schema)],
                if_exists: true,
                cascade,
            };
            schemas::drop_schemas(cat, &drop);
        }
    }
}
