//! ALTER TABLE / VIEW / SEQUENCE / TYPE / DOMAIN / FUNCTION ... SET SCHEMA of an object
//! that existed before this migration: queries that name it in its old schema break.
//! Leaving an object with the old name behind in the same migration (a view over the
//! moved table) stays silent.

use super::file_notes::{self, Slot};
use super::objects::{self, ObjectKind};
use super::{Context, FileCheck, Rule, Severity, Violation};
use crate::catalog::{RelKind, TypeKind};
use crate::ops::{
    AlterSequenceAction, AlterTableAction, AlterTypeAction, AlterViewAction, ObjectName, Operation,
    RoutineKind,
};
use std::cell::RefCell;

pub struct SetSchema;

/// A finding, with the kind and the old name of what moved.
type Pending = (Option<ObjectKind>, ObjectName, Violation);

thread_local! {
    static NOTES: Slot<Vec<Pending>> = const { RefCell::new(None) };
}

impl Rule for SetSchema {
    fn id(&self) -> &'static str {
        "set-schema"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "SET SCHEMA moves a table, view, sequence, type or function away from the name application versions use"
    }
    fn category(&self) -> super::Category {
        super::Category::Breaking
    }
    fn check(&self, cx: &Context, _out: &mut Vec<Violation>) {
        let Some((written, old, kind, schema)) = moved(cx) else {
            return;
        };
        if old.schema.as_deref() == Some(schema.as_str()) {
            return;
        }
        let what = kind.map_or("table", ObjectKind::as_str);
        let is_relation = kind.is_none_or(ObjectKind::is_relation);
        let new = ObjectName::new(Some(&schema), &old.name);
        let leave_behind = match kind {
            None | Some(ObjectKind::View) => format!(
                "\nor leave a view behind until then:\nCREATE VIEW {written} AS SELECT * FROM {new};"
            ),
            _ => String::new(),
        };
        let old_schema = old.schema.clone().unwrap_or_else(|| "public".to_string());
        let v = Violation {
            span: Some(cx.stmt.span),
            message: format!(
                "moving {what} {old} to schema {schema} breaks queries that find it in {old_schema}"
            ),
            relation: is_relation.then(|| old.clone()),
            lock_mode: if is_relation {
                cx.effects
                    .lock_on(&old)
                    .or_else(|| cx.effects.lock_on(&new))
            } else {
                None
            },
            why: Some(format!(
                "once this commits, queries that name {old} fail, and so do unqualified ones unless the application's search_path lists {schema} (schemaguard cannot see the application's search_path)"
            ).into()),
            fix: Some(format!(
                "first ship an application version that finds it in {schema} (qualified as {new}, or with {schema} on its search_path), then move it, marked with\n-- schemaguard:ignore set-schema -- nothing running names {old} since <release>{leave_behind}"
            )),
            ..Default::default()
        };
        file_notes::with(&NOTES, cx.file, |n| n.push((kind, old, v)));
    }
    fn check_file(&self, fc: &FileCheck, out: &mut Vec<Violation>) {
        for (kind, old, v) in file_notes::take(&NOTES, fc.file) {
            let here =
                |o: Option<crate::catalog::Origin>| o.is_some_and(|o| o.file == fc.file.index);
            // something with the old name is created again in this migration
            let back = match kind {
                None => here(fc.catalog_after.relation_origin(&old)),
                Some(k) if k.is_relation() => here(fc.catalog_after.relation_origin(&old)),
                Some(k) => objects::lookup(fc.catalog_after, k, &old)
                    .is_some_and(|k| k.created_in(fc.file.index)),
            };
            if !back {
                out.push(v);
            }
        }
    }
}

/// What the statement moves, if it existed before this file: (the name as written, the
/// resolved old name, its kind (`None`: a table), the new schema).
fn moved(cx: &Context) -> Option<(ObjectName, ObjectName, Option<ObjectKind>, String)> {
    let cat = cx.catalog;
    match &cx.stmt.op {
        Operation::AlterTable(at) => {
            let schema = at.actions.iter().find_map(|a| match a {
                AlterTableAction::SetSchema { schema } => Some(schema.clone()),
                _ => None,
            })?;
            let (_, old) = cx.alter_of_existing_table()?;
            let kind = match cat.relation_kind(old) {
                Some(RelKind::View) => Some(ObjectKind::View),
                Some(RelKind::MaterializedView) => Some(ObjectKind::MaterializedView),
                Some(RelKind::Sequence) => Some(ObjectKind::Sequence),
                _ => None,
            };
            Some((at.name.clone(), old.clone(), kind, schema))
        }
        Operation::AlterView(av) => {
            let AlterViewAction::SetSchema { schema } = &av.action else {
                return None;
            };
            let old = cat.resolve_relation(&av.name);
            let kind = if av.materialized {
                ObjectKind::MaterializedView
            } else {
                ObjectKind::View
            };
            cx.is_preexisting(&old)
                .then(|| (av.name.clone(), old, Some(kind), schema.clone()))
        }
        Operation::AlterSequence {
            name,
            action: AlterSequenceAction::SetSchema { schema },
            ..
        } => {
            let old = cat.resolve_relation(name);
            cx.is_preexisting(&old).then(|| {
                (
                    name.clone(),
                    old,
                    Some(ObjectKind::Sequence),
                    schema.clone(),
                )
            })
        }
        Operation::AlterType(at) => {
            let AlterTypeAction::SetSchema { schema } = &at.action else {
                return None;
            };
            type_moved(cx, &at.name, schema)
        }
        Operation::AlterDomain { name, description } => {
            let (_, schema) = objects::domain_rename_or_move(description);
            type_moved(cx, name, &schema?)
        }
        Operation::AlterFunction {
            name,
            kind,
            set_schema: Some(schema),
            ..
        } => {
            let known = cat.function(name);
            if known
                .is_some_and(|(_, fs)| !fs.iter().any(|f| objects::existed_before(cx, f.origin)))
            {
                return None;
            }
            let old = known
                .map(|(k, _)| k.clone())
                .unwrap_or_else(|| cat.qualify_new(name));
            let kind = match kind {
                RoutineKind::Function => ObjectKind::Function,
                RoutineKind::Procedure => ObjectKind::Procedure,
                RoutineKind::Aggregate => ObjectKind::Aggregate,
            };
            Some((name.clone(), old, Some(kind), schema.clone()))
        }
        _ => None,
    }
}

fn type_moved(
    cx: &Context,
    written: &ObjectName,
    schema: &str,
) -> Option<(ObjectName, ObjectName, Option<ObjectKind>, String)> {
    let known = cx.catalog.type_def(written);
    if known.is_some_and(|t| !objects::existed_before(cx, t.origin)) {
        return None;
    }
    let old = known
        .map(|t| t.name.clone())
        .unwrap_or_else(|| cx.catalog.qualify_new(written));
    let kind = match known.map(|t| &t.kind) {
        Some(TypeKind::Domain { .. }) => ObjectKind::Domain,
        _ => ObjectKind::Type,
    };
    Some((written.clone(), old, Some(kind), schema.to_string()))
}
