//! `CREATE SEQUENCE`, `ALTER SEQUENCE` (`OWNED BY`, renames, `SET SCHEMA`: the defaults
//! naming it follow) and `DROP SEQUENCE`.

use super::*;

/// `CREATE SEQUENCE`, owned by a column when `OWNED BY` says so.
pub(super) fn create_sequence(
    cat: &mut Catalog,
    name: &ObjectName,
    if_not_exists: bool,
    owned_by: Option<&(ObjectName, String)>,
    o: Option<Origin>,
) {
    let name = cat.qualify_created(name);
    if if_not_exists && cat.sequences.contains_key(&name) {
        return;
    }
    let owned_by = owned_by.map(|(t, c)| (cat.resolve_relation(t), c.clone()));
    // OWNED BY a column the table does not have, or a system catalog (unqualified
    // `pg_*` names resolve to `pg_catalog` first, another schema than the sequence's):
    // PostgreSQL refuses the statement
    if let Some((t, c)) = &owned_by {
        let missing_column = cat
            .table(t)
            .is_some_and(|t| t.columns_complete && t.column(c).is_none());
        let system = cat.table(t).is_none_or(|t| t.assumed) && t.name.starts_with("pg_");
        if missing_column || system {
            return;
        }
    }
    cat.sequences.insert(
        name.clone(),
        Sequence {
            name,
            owned_by,
            origin: o,
            owner: cat.current_role(),
        },
    );
}

/// `ALTER SEQUENCE`: `OWNED BY`, `RENAME TO`, `SET SCHEMA` (the defaults naming it
/// follow).
pub(super) fn alter_sequence(cat: &mut Catalog, name: &ObjectName, action: &AlterSequenceAction) {
    let Some(key) = cat.resolve_in(&cat.sequences, name).map(|(k, _)| k.clone()) else {
        return;
    };
    match action {
        AlterSequenceAction::OwnedBy { table, column } => {
            // an identity column's sequence stays its own (observed on 15: "cannot
            // change ownership of identity sequence")
            let identity = cat
                .sequences
                .get(&key)
                .and_then(|s| s.owned_by.as_ref())
                .is_some_and(|(t, c)| {
                    cat.table(t)
                        .and_then(|t| t.column(c))
                        .is_some_and(|c| c.identity.is_some())
                });
            if identity {
                return;
            }
            let owned = match (table, column) {
                (Some(t), Some(c)) => Some((cat.resolve_relation(t), c.clone())),
                _ => None,
            };
            if let Some(s) = cat.sequences.get_mut(&key) {
                s.owned_by = owned;
            }
        }
        AlterSequenceAction::Rename { to } => {
            move_sequence(cat, &key, ObjectName::new(key.schema.as_deref(), to));
        }
        AlterSequenceAction::SetSchema { schema } => {
            move_sequence(cat, &key, ObjectName::new(Some(schema), &key.name));
        }
        _ => {}
    }
}

/// `DROP SEQUENCE`; with `CASCADE`, the defaults using it go too.
pub(super) fn drop_sequences(cat: &mut Catalog, d: &crate::ops::Drop) {
    for n in &d.names {
        if let Some(key) = cat.resolve_in(&cat.sequences, n).map(|(k, _)| k.clone()) {
            if d.cascade {
                dependents::drop_sequence_cascade(cat, &key);
            }
            cat.sequences.remove(&key);
        }
    }
}

/// Renames or moves a sequence; the defaults that name it follow.
pub(super) fn move_sequence(cat: &mut Catalog, key: &ObjectName, new: ObjectName) {
    if move_object(&mut cat.sequences, key, new.clone()).is_some() {
        dependents::sequence_moved(cat, key, &new);
    }
}
