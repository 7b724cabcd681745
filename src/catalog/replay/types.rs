//! `CREATE TYPE` (enums, composites, ranges, domains), `ALTER TYPE` (enum values,
//! renames, `SET SCHEMA`), `ALTER DOMAIN` and `DROP TYPE`.

use super::*;

/// `CREATE TYPE` and `CREATE DOMAIN`.
pub(super) fn create_type(cat: &mut Catalog, ct: &crate::ops::CreateType, o: Option<Origin>) {
    if crate::catalog::rejects::create_type(ct).is_some() {
        // PostgreSQL refuses it: nothing is made
        return;
    }
    let name = cat.qualify_created(&ct.name);
    let kind = match &ct.kind {
        CreateTypeKind::Enum { values } => TypeKind::Enum {
            values: values.clone(),
        },
        CreateTypeKind::Composite { attributes } => TypeKind::Composite {
            attributes: Some(attributes.clone()),
        },
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
            owner: cat.current_role(),
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
            if crate::catalog::rejects::enum_label(value).is_some() {
                return;
            }
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
            if crate::catalog::rejects::enum_label(to).is_some() {
                return;
            }
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

/// `DROP TYPE`/`DROP DOMAIN`; with `CASCADE`, what depends on the type goes too: the
/// domains over it (and what depends on those), the tables typed `OF` it and the
/// columns of it (or of its arrays). Without `CASCADE`, a type something depends on
/// makes the whole statement fail and nothing is dropped (observed on 15: "cannot drop
/// type comptype because other objects depend on it").
pub(super) fn drop_types(cat: &mut Catalog, d: &crate::ops::Drop) {
    let keys: Vec<ObjectName> = d
        .names
        .iter()
        .filter_map(|n| cat.resolve_in(&cat.types, n).map(|(k, _)| k.clone()))
        .collect();
    if !d.cascade
        && keys.iter().any(|k| {
            let deps = type_dependents(cat, k);
            deps.domains.iter().any(|x| !keys.contains(x))
                || !deps.typed_tables.is_empty()
                || !deps.columns.is_empty()
        })
    {
        return;
    }
    for key in keys {
        drop_type(cat, &key, d.cascade, 0);
    }
}

pub(super) fn drop_type(cat: &mut Catalog, key: &ObjectName, cascade: bool, depth: usize) {
    if cascade && depth < 16 {
        let deps = type_dependents(cat, key);
        for domain in &deps.domains {
            drop_type(cat, domain, true, depth + 1);
        }
        for t in &deps.typed_tables {
            super::drop_table::drop_table_cascade(cat, t, &mut Vec::new());
        }
        dependents::drop_type_cascade(cat, key);
    }
    cat.types.remove(key);
}

/// What depends on a type: the domains over it (or its array), the typed tables of it,
/// the columns of it.
struct TypeDependents {
    domains: Vec<ObjectName>,
    typed_tables: Vec<ObjectName>,
    columns: Vec<(ObjectName, String)>,
}

fn type_dependents(cat: &Catalog, ty: &ObjectName) -> TypeDependents {
    let unqualified = dependents::found_unqualified(cat, ty);
    let names = |t: &TypeName| dependents::is_type(t, ty, unqualified);
    let names_object = |o: &ObjectName| dependents::names_type(o, ty, unqualified);
    TypeDependents {
        domains: cat
            .types
            .iter()
            .filter(|(k, d)| {
                *k != ty && matches!(&d.kind, TypeKind::Domain { base, .. } if names(base))
            })
            .map(|(k, _)| k.clone())
            .collect(),
        typed_tables: cat
            .tables
            .values()
            .filter(|t| t.of_type.as_ref().is_some_and(names_object))
            .map(|t| t.name.clone())
            .collect(),
        columns: cat
            .tables
            .values()
            .flat_map(|t| {
                t.columns
                    .iter()
                    .filter(|c| names(&c.ty))
                    .map(|c| (t.name.clone(), c.name.clone()))
            })
            .collect(),
    }
}
