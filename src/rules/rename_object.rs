//! RENAME of a constraint, index, type, domain, enum value, schema, function or view that
//! existed before this migration: the application version still running uses the old
//! name. Renaming an object away and creating a new one under its old name in the same
//! migration (the enum-change dance) leaves the old name in place, and stays silent.

use super::file_notes::{self, Slot};
use super::objects::{self, ObjectKind};
use super::{Context, FileCheck, Rule, Severity, Violation};
use crate::catalog::TypeKind;
use crate::lock::LockMode;
use crate::ops::names::quote_ident;
use crate::ops::{
    AlterIndexAction, AlterTableAction, AlterTypeAction, AlterViewAction, ConstraintKind,
    ObjectName, Operation,
};
use std::cell::RefCell;

pub struct RenameObject;

/// The old name, to tell whether the file brings it back.
enum OldName {
    Object(ObjectKind, ObjectName),
    Constraint { table: ObjectName, name: String },
    EnumValue { ty: ObjectName, value: String },
}

/// `(table, column)` pairs.
type Columns = Vec<(ObjectName, String)>;

#[derive(Default)]
struct Notes {
    /// Tables renamed or moved in this file (old and new names): `rename-table` reports
    /// the breaking change, and renaming their constraints and indexes to match adds
    /// nothing.
    moved_tables: Vec<ObjectName>,
    /// Columns renamed in this file, `(table, column)` under old and new names: the same
    /// holds for constraints and indexes on them (`rename-column` reports).
    renamed_columns: Columns,
    /// Findings, with the `(table, column)`s of the renamed constraint or index.
    pending: Vec<(OldName, Columns, Violation)>,
}

thread_local! {
    static NOTES: Slot<Notes> = const { RefCell::new(None) };
}

impl Rule for RenameObject {
    fn id(&self) -> &'static str {
        "rename-object"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "renaming a constraint, index, type, enum value, schema, function or view breaks application versions that use the old name"
    }
    fn category(&self) -> super::Category {
        super::Category::Breaking
    }
    fn check(&self, cx: &Context, _out: &mut Vec<Violation>) {
        let found = match &cx.stmt.op {
            Operation::AlterTable(_) => {
                let Some((at, table)) = cx.alter_table_target() else {
                    return;
                };
                // the table under its old and its new name
                let moved: Vec<ObjectName> = at
                    .actions
                    .iter()
                    .filter_map(|a| match a {
                        AlterTableAction::RenameTable { to } => {
                            Some(ObjectName::new(table.schema.as_deref(), to))
                        }
                        AlterTableAction::SetSchema { schema } => {
                            Some(ObjectName::new(Some(schema), &table.name))
                        }
                        _ => None,
                    })
                    .collect();
                let renamed_columns: Columns = at
                    .actions
                    .iter()
                    .filter_map(|a| match a {
                        AlterTableAction::RenameColumn { from, to } => Some([from, to]),
                        _ => None,
                    })
                    .flatten()
                    .map(|c| (table.clone(), c.clone()))
                    .collect();
                if cx.is_preexisting(table) {
                    file_notes::with(&NOTES, cx.file, |n| {
                        if !moved.is_empty() {
                            n.moved_tables.push(table.clone());
                            n.moved_tables.extend(moved);
                        }
                        n.renamed_columns.extend(renamed_columns);
                    });
                }
                at.actions
                    .iter()
                    .find_map(|a| match a {
                        AlterTableAction::RenameConstraint { from, to } => Some((from, to)),
                        _ => None,
                    })
                    .and_then(|(from, to)| constraint(cx, &at.name, table, from, to))
            }
            Operation::AlterIndex(ai) => match &ai.action {
                AlterIndexAction::Rename { to } => index(cx, &ai.name, ai.if_exists, to),
                _ => None,
            },
            Operation::AlterType(at) => match &at.action {
                AlterTypeAction::Rename { to } => type_rename(cx, &at.name, to),
                AlterTypeAction::RenameValue { from, to } => enum_value(cx, &at.name, from, to),
                _ => None,
            },
            Operation::AlterDomain { name, description } => {
                match objects::domain_rename_or_move(description) {
                    (Some(to), _) => type_rename(cx, name, &to),
                    _ => None,
                }
            }
            Operation::AlterSchema {
                name,
                rename_to: Some(to),
            } => schema(cx, name, to),
            Operation::AlterFunction {
                name,
                rename_to: Some(to),
                kind,
                ..
            } => function(cx, name, *kind, to),
            Operation::AlterView(av) => match &av.action {
                AlterViewAction::Rename { to } => view(cx, &av.name, av.materialized, to),
                _ => None,
            },
            _ => None,
        };
        if let Some((old, v)) = found {
            let columns = columns_of(cx, &old, v.relation.as_ref());
            file_notes::with(&NOTES, cx.file, |n| n.pending.push((old, columns, v)));
        }
    }
    fn check_file(&self, fc: &FileCheck, out: &mut Vec<Violation>) {
        let notes = file_notes::take(&NOTES, fc.file);
        let cat = fc.catalog_after;
        for (old, columns, v) in notes.pending {
            let back = match &old {
                OldName::Object(kind, name) => {
                    objects::lookup(cat, *kind, name).is_some_and(|k| k.created_in(fc.file.index))
                }
                OldName::Constraint { table, name } => cat
                    .tables
                    .get(table)
                    .and_then(|t| t.constraint(name))
                    .is_some_and(|c| c.origin.is_some_and(|o| o.file == fc.file.index)),
                OldName::EnumValue { ty, value } => cat.types.get(ty).is_some_and(
                    |t| matches!(&t.kind, TypeKind::Enum { values } if values.contains(value)),
                ),
            };
            let on_moved_table = v
                .relation
                .as_ref()
                .is_some_and(|t| notes.moved_tables.contains(t));
            let on_renamed_column = columns.iter().any(|c| notes.renamed_columns.contains(c));
            if !back && !on_moved_table && !on_renamed_column {
                out.push(v);
            }
        }
    }
}

/// The `(table, column)`s a renamed constraint or index is about.
fn columns_of(cx: &Context, old: &OldName, table: Option<&ObjectName>) -> Columns {
    let Some(table) = table else {
        return Vec::new();
    };
    let columns: Vec<String> = match old {
        OldName::Constraint { name, .. } => cx
            .catalog
            .table(table)
            .and_then(|t| t.constraint(name))
            .map(|c| c.kind.columns().to_vec())
            .unwrap_or_default(),
        OldName::Object(ObjectKind::Index, name) => cx
            .catalog
            .index(name)
            .map(|i| i.columns.clone())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    columns.into_iter().map(|c| (table.clone(), c)).collect()
}

fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn ignore_line(old: &str) -> String {
    format!("-- schemaguard:ignore rename-object -- nothing running uses {old} since <release>")
}

fn constraint(
    cx: &Context,
    written: &ObjectName,
    table: &ObjectName,
    from: &str,
    to: &str,
) -> Option<(OldName, Violation)> {
    if !cx.is_preexisting(table) {
        return None;
    }
    let known = cx.catalog.table(table).and_then(|t| t.constraint(from));
    if known.is_some_and(|c| !objects::existed_before(cx, c.origin)) {
        return None;
    }
    let unique = known.is_some_and(|c| {
        matches!(
            c.kind,
            ConstraintKind::PrimaryKey { .. }
                | ConstraintKind::Unique { .. }
                | ConstraintKind::Exclude { .. }
        )
    });
    let mut why = format!(
        "code that names {from} fails or misbehaves once this commits: error handling that matches constraint names (Ecto's unique_constraint/foreign_key_constraint, custom mappings of violations to messages)"
    );
    if unique {
        why.push_str(&format!(
            ", ON CONFLICT ON CONSTRAINT {from}; its index is renamed too"
        ));
    }
    let v = Violation {
        span: Some(cx.stmt.span),
        message: format!(
            "renaming constraint {from} on {table} to {to} breaks code that names {from}"
        ),
        relation: Some(table.clone()),
        lock_mode: cx
            .effects
            .lock_on(table)
            .or(Some(LockMode::AccessExclusive)),
        why: Some(why.into()),
        fix: Some(format!(
            "keep the old name until no running version names it; then rename it:\nALTER TABLE {written} RENAME CONSTRAINT {} TO {};\n{}",
            quote_ident(from),
            quote_ident(to),
            ignore_line(from)
        )),
        ..Default::default()
    };
    Some((
        OldName::Constraint {
            table: table.clone(),
            name: from.to_string(),
        },
        v,
    ))
}

fn index(
    cx: &Context,
    written: &ObjectName,
    if_exists: bool,
    to: &str,
) -> Option<(OldName, Violation)> {
    let known = cx.catalog.index(written);
    let name = match known {
        Some(i) => i.name.clone(),
        None if if_exists => return None,
        None => cx.catalog.qualify_new(written),
    };
    if !cx.is_preexisting(&name) {
        return None;
    }
    let table = known.map(|i| i.table.clone());
    // an index that backs a constraint renames the constraint
    let backs = table.as_ref().and_then(|t| {
        cx.catalog.table(t).and_then(|t| {
            t.constraints
                .iter()
                .find(|c| c.index.as_deref() == Some(name.name.as_str()))
        })
    });
    let mut v = Violation {
        span: Some(cx.stmt.span),
        relation: table.clone(),
        lock_mode: table.as_ref().and_then(|t| cx.effects.lock_on(t)),
        fix: Some(format!(
            "rename it once nothing running names {written}:\nALTER INDEX {written} RENAME TO {};\n{}",
            quote_ident(to),
            ignore_line(&written.to_string())
        )),
        ..Default::default()
    };
    match backs {
        Some(c) => {
            v.message = format!(
                "renaming index {name} to {to} renames constraint {} too, breaking code that names it",
                c.name
            );
            v.why = Some(format!(
                "ON CONFLICT ON CONSTRAINT {}, and error handling that matches the constraint name, fail or misbehave once this commits",
                c.name
            ).into());
        }
        None => {
            v.message = format!("renaming index {name} to {to} breaks code that names it");
            v.why = Some(
                "applications rarely name indexes; what breaks is SQL that does: scripts (REINDEX, DROP INDEX), query hints, schema comparisons".into(),
            );
            v.severity = Some(Severity::Hint);
        }
    }
    Some((OldName::Object(ObjectKind::Index, name), v))
}

fn type_rename(cx: &Context, written: &ObjectName, to: &str) -> Option<(OldName, Violation)> {
    let known = cx.catalog.type_def(written);
    if known.is_some_and(|t| !objects::existed_before(cx, t.origin)) {
        return None;
    }
    let name = known
        .map(|t| t.name.clone())
        .unwrap_or_else(|| cx.catalog.qualify_new(written));
    let (kind, keyword) = match known.map(|t| &t.kind) {
        Some(TypeKind::Domain { .. }) => (ObjectKind::Domain, "DOMAIN"),
        _ => (ObjectKind::Type, "TYPE"),
    };
    let v = Violation {
        span: Some(cx.stmt.span),
        message: format!(
            "renaming {} {name} to {to} breaks code that names {}",
            kind.as_str(),
            name.name
        ),
        why: Some(format!(
            "columns follow the rename, but SQL that names {} fails once this commits: casts ('...'::{}), function signatures, and ORMs that map the type by name (Prisma, diesel-derive-enum, ...)",
            name.name, name.name
        ).into()),
        fix: Some(format!(
            "keep the name, or first ship an application version that no longer names it; then rename it:\nALTER {keyword} {written} RENAME TO {};\n{}",
            quote_ident(to),
            ignore_line(&written.to_string())
        )),
        ..Default::default()
    };
    Some((OldName::Object(kind, name), v))
}

fn enum_value(
    cx: &Context,
    written: &ObjectName,
    from: &str,
    to: &str,
) -> Option<(OldName, Violation)> {
    let known = cx.catalog.type_def(written);
    if known.is_some_and(|t| !objects::existed_before(cx, t.origin)) {
        return None;
    }
    let ty = known
        .map(|t| t.name.clone())
        .unwrap_or_else(|| cx.catalog.qualify_new(written));
    // a value added in this transaction is not in use yet
    if cx
        .tx
        .enum_values_added
        .iter()
        .any(|(t, v)| t.name == ty.name && v == from)
    {
        return None;
    }
    let v = Violation {
        span: Some(cx.stmt.span),
        message: format!(
            "renaming value '{from}' of {ty} to '{to}' breaks application versions that read or write '{from}'"
        ),
        why: Some(format!(
            "existing rows hold '{to}' as soon as this commits: the running version's writes of '{from}' fail (invalid input value for enum) and its reads meet a value it does not know"
        ).into()),
        fix: Some(format!(
            "add the new value, ship an application version that writes '{to}' and reads both, then move the rows in batches:\nALTER TYPE {written} ADD VALUE IF NOT EXISTS {};\n-- later: UPDATE ... SET <column> = '{to}' WHERE <column> = '{from}';  (an enum value cannot be dropped: leave '{from}' unused)",
            quote_literal(to)
        )),
        ..Default::default()
    };
    Some((
        OldName::EnumValue {
            ty,
            value: from.to_string(),
        },
        v,
    ))
}

fn schema(cx: &Context, name: &str, to: &str) -> Option<(OldName, Violation)> {
    if cx
        .catalog
        .schema_origin(name)
        .is_some_and(|o| !objects::existed_before(cx, o))
    {
        return None;
    }
    let v = Violation {
        span: Some(cx.stmt.span),
        message: format!("renaming schema {name} to {to} breaks code that names {name}"),
        why: Some(format!(
            "queries that qualify names with {name}, and search_path settings (of roles, databases, connection strings) that list it, stop finding its objects once this commits"
        ).into()),
        fix: Some(format!(
            "first ship an application version whose queries and search_path do not name {name}; then rename it, marked with\n{}",
            ignore_line(name)
        )),
        ..Default::default()
    };
    Some((
        OldName::Object(ObjectKind::Schema, ObjectName::unqualified(name)),
        v,
    ))
}

fn function(
    cx: &Context,
    written: &ObjectName,
    kind: crate::ops::RoutineKind,
    to: &str,
) -> Option<(OldName, Violation)> {
    let known = cx.catalog.function(written);
    if let Some((_, overloads)) = known {
        if !overloads
            .iter()
            .any(|f| objects::existed_before(cx, f.origin))
        {
            return None;
        }
        // triggers call a function by its OID: a rename does not reach them
        if !overloads.is_empty() && overloads.iter().all(|f| f.returns_trigger) {
            return None;
        }
    }
    let name = known
        .map(|(k, _)| k.clone())
        .unwrap_or_else(|| cx.catalog.qualify_new(written));
    let (kind, keyword) = match kind {
        crate::ops::RoutineKind::Function => (ObjectKind::Function, "FUNCTION"),
        crate::ops::RoutineKind::Procedure => (ObjectKind::Procedure, "PROCEDURE"),
        crate::ops::RoutineKind::Aggregate => (ObjectKind::Aggregate, "AGGREGATE"),
    };
    let v = Violation {
        span: Some(cx.stmt.span),
        message: format!(
            "renaming {} {name} to {to} breaks application versions that call {}",
            kind.as_str(),
            name.name
        ),
        why: Some(format!(
            "calls of {} fail once this commits (views, defaults and triggers follow the rename; SQL text in the application and in other functions does not)",
            name.name
        ).into()),
        fix: Some(format!(
            "create {to} beside the old one (CREATE {keyword} {to}(...) with the same body), switch the callers, and drop {written} in a later migration"
        )),
        ..Default::default()
    };
    Some((OldName::Object(kind, name), v))
}

fn view(
    cx: &Context,
    written: &ObjectName,
    materialized: bool,
    to: &str,
) -> Option<(OldName, Violation)> {
    let known = cx.catalog.view(written);
    let name = known
        .map(|v| v.name.clone())
        .unwrap_or_else(|| cx.catalog.qualify_new(written));
    if !cx.is_preexisting(&name) {
        return None;
    }
    let kind = if materialized || known.is_some_and(|v| v.materialized) {
        ObjectKind::MaterializedView
    } else {
        ObjectKind::View
    };
    let keyword = kind.keyword();
    let v = Violation {
        span: Some(cx.stmt.span),
        message: format!(
            "renaming {} {name} to {to} breaks application versions that query {}",
            kind.as_str(),
            name.name
        ),
        relation: Some(name.clone()),
        lock_mode: cx.effects.lock_on(&name),
        why: Some(format!(
            "the application version running during the deploy still queries {}; it fails once this commits",
            name.name
        ).into()),
        fix: Some(format!(
            "rename, and leave a view with the old name until no running version uses it:\nALTER {keyword} {written} RENAME TO {};\nCREATE VIEW {written} AS SELECT * FROM {};\n-- later migration: DROP VIEW {written};",
            quote_ident(to),
            ObjectName::new(written.schema.as_deref(), to)
        )),
        ..Default::default()
    };
    Some((OldName::Object(kind, name), v))
}
