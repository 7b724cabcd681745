//! `CREATE SCHEMA`, `ALTER SCHEMA ... RENAME TO` (every object in it re-keyed), `DROP
//! SCHEMA`, and `CREATE`/`DROP EXTENSION`.

use super::*;

/// `CREATE SCHEMA`: owned by its `AUTHORIZATION` role, else the current role.
pub(super) fn create_schema(
    cat: &mut Catalog,
    name: &str,
    authorization: Option<&str>,
    unnamed: bool,
    origin: Origin,
) {
    let name = cat.schema_created_by(name, authorization, unnamed);
    // a schema that already exists keeps its origin (IF NOT EXISTS)
    let created = cat.schemas.insert(name.clone());
    if created {
        cat.schema_origins.insert(name.clone(), origin);
        let owner = match authorization {
            Some(role) => cat.role_named(role),
            None => cat.current_role(),
        };
        if let Some(owner) = owner {
            cat.schema_owners.insert(name, owner);
        }
    }
}

/// `DROP SCHEMA`; with `CASCADE`, every object in it goes.
pub(super) fn drop_schemas(cat: &mut Catalog, d: &crate::ops::Drop) {
    for n in &d.names {
        let schema = n.name.clone();
        cat.schemas.remove(&schema);
        cat.schema_origins.remove(&schema);
        cat.schema_owners.remove(&schema);
        if d.cascade {
            let in_schema = |k: &ObjectName| k.schema.as_deref() == Some(schema.as_str());
            cat.tables.retain(|k, _| !in_schema(k));
            cat.indexes.retain(|k, _| !in_schema(k));
            cat.views.retain(|k, _| !in_schema(k));
            cat.types.retain(|k, _| !in_schema(k));
            cat.sequences.retain(|k, _| !in_schema(k));
            cat.functions.retain(|k, _| !in_schema(k));
        }
    }
}

/// `CREATE EXTENSION`.
pub(super) fn create_extension(cat: &mut Catalog, name: &str, origin: Origin) {
    // an extension that already exists keeps its origin (IF NOT EXISTS)
    let created = cat.extensions.insert(name.to_string());
    if created {
        cat.extension_origins.insert(name.to_string(), origin);
    }
}

/// `DROP EXTENSION`.
pub(super) fn drop_extensions(cat: &mut Catalog, d: &crate::ops::Drop) {
    for n in &d.names {
        cat.extensions.remove(&n.name);
        cat.extension_origins.remove(&n.name);
    }
}

/// `ALTER SCHEMA ... RENAME TO`: every object in it is re-keyed, and the names that
/// point at them follow.
pub(super) fn rename_schema(cat: &mut Catalog, from: &str, to: &str) {
    cat.schemas.remove(from);
    cat.schemas.insert(to.to_string());
    if let Some(o) = cat.schema_origins.remove(from) {
        cat.schema_origins.insert(to.to_string(), o);
    }
    if let Some(o) = cat.schema_owners.remove(from) {
        cat.schema_owners.insert(to.to_string(), o);
    }
    fn rekey<T>(map: &mut BTreeMap<ObjectName, T>, from: &str, to: &str) {
        let keys: Vec<ObjectName> = map
            .keys()
            .filter(|k| k.schema.as_deref() == Some(from))
            .cloned()
            .collect();
        for k in keys {
            if let Some(v) = map.remove(&k) {
                map.insert(ObjectName::new(Some(to), &k.name), v);
            }
        }
    }
    let table_keys: Vec<ObjectName> = cat
        .tables
        .keys()
        .filter(|k| k.schema.as_deref() == Some(from))
        .cloned()
        .collect();
    for k in table_keys {
        if let Some(t) = cat.tables.remove(&k) {
            cat.tables.insert(ObjectName::new(Some(to), &k.name), t);
        }
    }
    let index_keys: Vec<ObjectName> = cat
        .indexes
        .keys()
        .filter(|k| k.schema.as_deref() == Some(from))
        .cloned()
        .collect();
    for k in index_keys {
        cat.indexes.rekey(&k, ObjectName::new(Some(to), &k.name));
    }
    rekey(&mut cat.views, from, to);
    rekey(&mut cat.types, from, to);
    rekey(&mut cat.sequences, from, to);
    rekey(&mut cat.functions, from, to);
    let fix = |n: &mut ObjectName| {
        if n.schema.as_deref() == Some(from) {
            n.schema = Some(to.to_string());
        }
    };
    for t in cat.tables.values_mut() {
        fix(&mut t.name);
    }
    for i in cat.indexes.values_mut() {
        fix(&mut i.name);
        fix(&mut i.table);
    }
    for v in cat.views.values_mut() {
        fix(&mut v.name);
    }
}
