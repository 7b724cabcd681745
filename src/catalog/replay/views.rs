//! `CREATE [MATERIALIZED] VIEW`, `ALTER VIEW` and `DROP VIEW`; views that read a renamed
//! or moved view follow it.

use super::*;

/// `CREATE [OR REPLACE] [MATERIALIZED] VIEW` (a replaced view keeps its origin).
pub(super) fn create_view(cat: &mut Catalog, cv: &crate::ops::CreateView, o: Option<Origin>) {
    let reads: Vec<ObjectName> = cv.reads.iter().map(|r| cat.resolve_relation(r)).collect();
    // a view reading a temporary relation is temporary itself (PostgreSQL's NOTICE
    // "view ... will be a temporary view"), made in pg_temp unless its name says where
    let temporary = cv.temporary
        || (!cv.materialized && reads.iter().any(|r| r.schema.as_deref() == Some("pg_temp")));
    let name = if temporary {
        cat.qualify_new_table(&cv.name, Persistence::Temporary)
    } else {
        cat.qualify_created(&cv.name)
    };
    if name.schema.as_deref() == Some("pg_temp") {
        cat.temp_relations = true;
    }
    if cv.if_not_exists && cat.views.contains_key(&name) {
        return;
    }
    let origin = match cat.views.get(&name) {
        Some(existing) if cv.or_replace => existing.origin,
        _ => o,
    };
    cat.views.insert(
        name.clone(),
        View {
            name,
            materialized: cv.materialized,
            reads,
            columns: cv.columns.clone(),
            origin,
            owner: cat.current_role(),
        },
    );
}

/// `ALTER VIEW`: rename, `SET SCHEMA`, `RENAME COLUMN`.
pub(super) fn alter_view(cat: &mut Catalog, av: &crate::ops::AlterView) {
    let name = cat.resolve_relation(&av.name);
    match &av.action {
        AlterViewAction::Rename { to } => rename_view(cat, &name, to),
        AlterViewAction::SetSchema { schema } => {
            move_view(cat, &name, ObjectName::new(Some(schema), &name.name));
        }
        AlterViewAction::RenameColumn { from, to } => {
            if let Some(v) = cat.views.get_mut(&name) {
                for c in &mut v.columns {
                    if c == from {
                        *c = to.clone();
                    }
                }
            }
        }
        AlterViewAction::Other { .. } => {}
    }
}

/// `DROP [MATERIALIZED] VIEW` with its indexes; with `CASCADE`, the views reading it.
pub(super) fn drop_views(cat: &mut Catalog, drop: &crate::ops::Drop) {
    for n in &drop.names {
        let name = cat.resolve_relation(n);
        if drop.cascade {
            for v in cat.dependent_views(&name) {
                cat.remove_view(&v);
            }
        }
        cat.remove_view(&name);
        for k in cat.indexes.keys_on(&name) {
            cat.indexes.remove(&k);
        }
    }
}

/// Renames a view in its schema.
pub(super) fn rename_view(cat: &mut Catalog, name: &ObjectName, to: &str) {
    move_view(cat, name, ObjectName::new(name.schema.as_deref(), to));
}

/// Re-keys a view, and the views reading it follow (they read it by OID).
pub(super) fn move_view(cat: &mut Catalog, old: &ObjectName, new: ObjectName) {
    if !cat.views.contains_key(old) {
        return;
    }
    for v in cat.views.values_mut() {
        for r in &mut v.reads {
            if r == old {
                *r = new.clone();
            }
        }
    }
    move_object(&mut cat.views, old, new);
}
