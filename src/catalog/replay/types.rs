//! `CREATE TYPE` (enums, composites, ranges, domains), `ALTER TYPE` (enum values,
//! renames, `SET SCHEMA`), `ALTER DOMAIN` and `DROP TYPE`.

use super::*;

/// `CREATE TYPE` and `CREATE DOMAIN`.
pub(super) fn create_type(cat: &mut Catalog, ct: &crate::ops::CreateType, o: Option<Origin>) {
    let name = cat.qualify_created(&ct.name);
    let kind = match &ct.kind {
        CreateTypeKind::Enum { values } => TypeKind::Enum {
            values: values.clone(),
        },
        CreateTypeKind::Composite { .. } => TypeKind::Composite,
        CreateTypeKind::Range => TypeKind::Range,
        CreateTypeKind::Domain {
            base,
            has_constraints,
        } => TypeKind::Domain {
            base: base.clone(),
            has_constraints: *has_constraints,
        },
        CreateTypeKind::Other => TypeKind::Other,
    };
    cat.types.insert(
        name.clone(),
        TypeDef {
            name,
            kind,
            origin: o,
        },
    );
}

/// `ALTER TYPE`: an enum value added (in its place) or renamed (reaching what uses
/// it), the type renamed or moved (its users follow).
pub(super) fn alter_type(cat: &mut Catalog, at: &crate::ops::AlterType) {
    let Some(key) = cat.resolve_in(&cat.types, &at.name).map(|(k, _)| k.clone()) else {
        return;
    };
    match &at.action {
        AlterTypeAction::AddValue {
            value, position, ..
        } => {
            if let Some(TypeDef {
                kind: TypeKind::Enum { values },
                ..
            }) = cat.types.get_mut(&key)
            {
                if values.contains(value) {
                    return;
                }
                let at = position
                    .as_ref()
                    .and_then(|(before, other)| {
                        values
                            .iter()
                            .position(|v| v == other)
                            .map(|i| if *before { i } else { i + 1 })
                    })
                    .unwrap_or(values.len());
                values.insert(at, value.clone());
            }
        }
        AlterTypeAction::RenameValue { from, to } => {
            dependents::rename_enum_value(cat, &key, from, to);
            if let Some(TypeDef {
                kind: TypeKind::Enum { values },
                ..
            }) = cat.types.get_mut(&key)
            {
                for v in values.iter_mut() {
                    if v == from {
                        *v = to.clone();
                    }
                }
            }
        }
        AlterTypeAction::Rename { to } => {
            let new = ObjectName::new(key.schema.as_deref(), to);
            dependents::type_moved(cat, &key, &new);
            move_object(&mut cat.types, &key, new);
        }
        AlterTypeAction::SetSchema { schema } => {
            let new = ObjectName::new(Some(schema), &key.name);
            dependents::type_moved(cat, &key, &new);
            move_object(&mut cat.types, &key, new);
        }
        AlterTypeAction::Other { .. } => {}
    }
}

/// `ALTER DOMAIN`: a domain that gains a constraint is checked where it is used.
pub(super) fn alter_domain(cat: &mut Catalog, name: &ObjectName, description: &str) {
    use crate::ops::AlterDomainAction;
    let adds = matches!(
        AlterDomainAction::of(description),
        AlterDomainAction::AddCheck { .. }
            | AlterDomainAction::SetNotNull
            | AlterDomainAction::AddNotNull
    );
    let Some(key) = cat.resolve_in(&cat.types, name).map(|(k, _)| k.clone()) else {
        return;
    };
    if let Some(TypeDef {
        kind: TypeKind::Domain {
            has_constraints, ..
        },
        ..
    }) = cat.types.get_mut(&key)
        && adds
    {
        *has_constraints = true;
    }
}

/// `DROP TYPE`/`DROP DOMAIN`; with `CASCADE`, the columns of that type go too.
pub(super) fn drop_types(cat: &mut Catalog, d: &crate::ops::Drop) {
    for n in &d.names {
        if let Some(key) = cat.resolve_in(&cat.types, n).map(|(k, _)| k.clone()) {
            if d.cascade {
                dependents::drop_type_cascade(cat, &key);
            }
            cat.types.remove(&key);
        }
    }
}
