//! DROP VIEW, FUNCTION, TYPE, DOMAIN, SEQUENCE, SCHEMA or EXTENSION of an object that
//! existed before this migration: the application version still running may use it.
//! Dropping and re-creating it in the same migration (the usual way to change a view,
//! or a function's result type) leaves it in place, and stays silent.

use super::file_notes::{self, Slot};
use super::objects::{self, Known, ObjectKind};
use super::{Context, FileCheck, Rule, Severity, Violation};
use crate::catalog::Catalog;
use crate::ops::{
    AlterSequenceAction, AlterTableAction, AlterTypeAction, AlterViewAction, Drop, ObjectName,
    Operation, RoutineKind,
};
use std::cell::RefCell;

pub struct DropObject;

/// What a pending finding is about, to tell whether the file brings it back.
enum Gone {
    Object(ObjectKind, ObjectName),
    /// Triggers dropped along with their function: (table, trigger).
    Triggers(Vec<(ObjectName, String)>),
}

#[derive(Default)]
struct Notes {
    /// Names this file gave by a rename or SET SCHEMA: no running version knows them.
    renamed: Vec<ObjectName>,
    /// Drops that break, unless the file re-creates what they drop.
    pending: Vec<(Gone, Violation)>,
}

thread_local! {
    static NOTES: Slot<Notes> = const { RefCell::new(None) };
}

impl Rule for DropObject {
    fn id(&self) -> &'static str {
        "drop-object"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "DROP VIEW / FUNCTION / TYPE / SEQUENCE / SCHEMA / EXTENSION breaks application versions that still use the object"
    }
    fn category(&self) -> super::Category {
        super::Category::Breaking
    }
    fn check(&self, cx: &Context, _out: &mut Vec<Violation>) {
        let new_names = renamed_to(cx);
        if !new_names.is_empty() {
            file_notes::with(&NOTES, cx.file, |n| n.renamed.extend(new_names));
            return;
        }
        let Some((kind, drop)) = dropped(cx) else {
            return;
        };
        let renamed = file_notes::with(&NOTES, cx.file, |n| n.renamed.clone());
        for written in &drop.names {
            let known = objects::lookup(cx.catalog, kind, written);
            let found = match &known {
                Some(k) if !k.existed_before(cx) || renamed.contains(&k.name) => None,
                Some(k) => judge(cx, kind, written, Some(k), drop),
                // IF EXISTS of an object the history never created: a no-op
                None if drop.if_exists => None,
                None => judge(cx, kind, written, None, drop),
            };
            if let Some(found) = found {
                file_notes::with(&NOTES, cx.file, |n| n.pending.push(found));
            }
        }
    }
    fn check_file(&self, fc: &FileCheck, out: &mut Vec<Violation>) {
        let notes = file_notes::take(&NOTES, fc.file);
        let mut statement: Vec<(Gone, Violation)> = Vec::new();
        for (gone, v) in notes.pending {
            if back_after(fc, &gone) {
                continue;
            }
            // one finding per statement: `DROP VIEW a, b, c` is one change
            if statement
                .first()
                .is_some_and(|(_, first)| first.span != v.span)
            {
                out.extend(merged(std::mem::take(&mut statement)));
            }
            statement.push((gone, v));
        }
        out.extend(merged(statement));
    }
}

/// The findings of one statement as one: the first, naming the others.
fn merged(findings: Vec<(Gone, Violation)>) -> Option<Violation> {
    let mut names: Vec<String> = Vec::new();
    let mut severity = Severity::Hint;
    for (gone, v) in &findings {
        severity = severity.max(v.severity.unwrap_or(Severity::Warning));
        match gone {
            Gone::Object(kind, name) => names.push(format!("{} {name}", kind.as_str())),
            Gone::Triggers(t) => names.extend(
                t.iter()
                    .map(|(table, trigger)| format!("trigger {trigger} on {table}")),
            ),
        }
    }
    let count = findings.len();
    let (_, mut first) = findings.into_iter().next()?;
    if count > 1 {
        let shown: Vec<&str> = names.iter().take(6).map(String::as_str).collect();
        let more = names.len().saturating_sub(shown.len());
        let more = if more > 0 {
            format!(", and {more} more")
        } else {
            String::new()
        };
        first.message = format!(
            "{} (this statement drops {} objects that existed before: {}{more})",
            first.message,
            count,
            shown.join(", ")
        );
        first.severity = Some(severity);
    }
    Some(first)
}

/// The file brings back what the drop removed (a view or function re-created).
fn back_after(fc: &FileCheck, gone: &Gone) -> bool {
    match gone {
        Gone::Object(kind, name) => objects::lookup(fc.catalog_after, *kind, name)
            .is_some_and(|k| k.created_in(fc.file.index)),
        Gone::Triggers(triggers) => triggers.iter().all(|(table, trigger)| {
            fc.catalog_after
                .tables
                .get(table)
                .is_some_and(|t| t.triggers.contains_key(trigger))
        }),
    }
}

/// The kind and names a DROP statement drops.
fn dropped<'a>(cx: &'a Context) -> Option<(ObjectKind, &'a Drop)> {
    Some(match &cx.stmt.op {
        Operation::DropView {
            drop,
            materialized: false,
        } => (ObjectKind::View, drop),
        Operation::DropView {
            drop,
            materialized: true,
        } => (ObjectKind::MaterializedView, drop),
        Operation::DropType(d) => {
            let domain =
                objects::leading_words(&cx.stmt.text, 2).get(1) == Some(&"domain".to_string());
            let kind = if domain {
                ObjectKind::Domain
            } else {
                ObjectKind::Type
            };
            (kind, d)
        }
        Operation::DropFunction { drop, kind } => {
            let kind = match kind {
                RoutineKind::Function => ObjectKind::Function,
                RoutineKind::Procedure => ObjectKind::Procedure,
                RoutineKind::Aggregate => ObjectKind::Aggregate,
            };
            (kind, drop)
        }
        Operation::DropSequence(d) => (ObjectKind::Sequence, d),
        Operation::DropSchema(d) => (ObjectKind::Schema, d),
        Operation::DropExtension(d) => (ObjectKind::Extension, d),
        _ => return None,
    })
}

/// The names a rename or SET SCHEMA gives objects (resolved).
fn renamed_to(cx: &Context) -> Vec<ObjectName> {
    let cat = cx.catalog;
    let moved = |old: ObjectName, to: Option<&String>, schema: Option<&String>| match (to, schema) {
        (Some(to), _) => Some(ObjectName::new(old.schema.as_deref(), to)),
        (None, Some(schema)) => Some(ObjectName::new(Some(schema), &old.name)),
        (None, None) => None,
    };
    let type_name = |n: &ObjectName| {
        cat.type_def(n)
            .map(|t| t.name.clone())
            .unwrap_or_else(|| cat.qualify_new(n))
    };
    let new = match &cx.stmt.op {
        Operation::AlterView(av) => {
            let old = cat.resolve_relation(&av.name);
            match &av.action {
                AlterViewAction::Rename { to } => moved(old, Some(to), None),
                AlterViewAction::SetSchema { schema } => moved(old, None, Some(schema)),
                _ => None,
            }
        }
        Operation::AlterTable(at) => {
            let old = cat.resolve_relation(&at.name);
            return at
                .actions
                .iter()
                .filter_map(|a| match a {
                    AlterTableAction::RenameTable { to } => moved(old.clone(), Some(to), None),
                    AlterTableAction::SetSchema { schema } => {
                        moved(old.clone(), None, Some(schema))
                    }
                    _ => None,
                })
                .collect();
        }
        Operation::AlterSequence { name, action, .. } => {
            let old = cat.resolve_relation(name);
            match action {
                AlterSequenceAction::Rename { to } => moved(old, Some(to), None),
                AlterSequenceAction::SetSchema { schema } => moved(old, None, Some(schema)),
                _ => None,
            }
        }
        Operation::AlterType(at) => match &at.action {
            AlterTypeAction::Rename { to } => moved(type_name(&at.name), Some(to), None),
            AlterTypeAction::SetSchema { schema } => moved(type_name(&at.name), None, Some(schema)),
            _ => None,
        },
        Operation::AlterDomain { name, description } => {
            let (to, schema) = objects::domain_rename_or_move(description);
            moved(type_name(name), to.as_ref(), schema.as_ref())
        }
        Operation::AlterFunction {
            name,
            rename_to,
            set_schema,
            ..
        } => {
            let old = cat
                .function(name)
                .map(|(k, _)| k.clone())
                .unwrap_or_else(|| cat.qualify_new(name));
            moved(old, rename_to.as_ref(), set_schema.as_ref())
        }
        Operation::AlterSchema {
            rename_to: Some(to),
            ..
        } => Some(ObjectName::unqualified(to)),
        _ => None,
    };
    new.into_iter().collect()
}

/// The finding for dropping one object, if dropping it can break the application.
fn judge(
    cx: &Context,
    kind: ObjectKind,
    written: &ObjectName,
    known: Option<&Known>,
    drop: &Drop,
) -> Option<(Gone, Violation)> {
    let cat = cx.catalog;
    let name = known
        .map(|k| k.name.clone())
        .unwrap_or_else(|| objects::display_name(cat, kind, written));
    let assumed = if known.is_none() {
        " (schemaguard did not see it created; without IF EXISTS it must exist)"
    } else {
        ""
    };
    let ignore = format!(
        "-- schemaguard:ignore drop-object -- {written} unused since <release>",
        written = written
    );
    let kw = kind.keyword();
    let mut v = Violation {
        span: Some(cx.stmt.span),
        ..Default::default()
    };
    if kind.is_relation() {
        v.relation = Some(name.clone());
        v.lock_mode = cx.effects.lock_on(&name);
    }
    let gone = Gone::Object(kind, name.clone());
    match kind {
        ObjectKind::View | ObjectKind::MaterializedView => {
            let mut why = format!(
                "queries on {name} fail as soon as this commits, including those of the application version still running during the deploy"
            );
            if kind == ObjectKind::MaterializedView {
                why.push_str("; its data has to be computed again to bring it back");
            }
            if drop.cascade {
                let deps = cat.dependent_views(&name);
                if !deps.is_empty() {
                    why.push_str(&format!(
                        "; CASCADE also drops the views that read it: {}",
                        list(&deps)
                    ));
                }
            }
            let change = if kind == ObjectKind::View {
                format!(
                    "to change its definition, replace it in place (CREATE OR REPLACE VIEW {written} AS ..., keeping its columns and adding new ones at the end), or drop and re-create it in the same migration"
                )
            } else {
                format!(
                    "to change its definition, drop and re-create {written} in the same migration, or build the new one under another name and switch the application over"
                )
            };
            v.message = format!(
                "dropping {} {name} breaks application versions that still query it{assumed}",
                kind.as_str()
            );
            v.why = Some(why.into());
            v.fix = Some(format!(
                "{change}; to retire it, first ship an application version that no longer uses it, then drop it, marked with\n{ignore}"
            ));
        }
        ObjectKind::Function | ObjectKind::Procedure | ObjectKind::Aggregate => {
            let trigger_only = cat
                .function(&name)
                .is_some_and(|(_, fs)| !fs.is_empty() && fs.iter().all(|f| f.returns_trigger));
            if trigger_only {
                // the application never calls a trigger function; CASCADE drops its triggers
                return drop.cascade.then(|| triggers_dropped(cx, &name, written))?;
            }
            let what = kind.as_str();
            v.message = format!(
                "dropping {what} {name} breaks application versions that still call it{assumed}"
            );
            let mut why = format!("calls of {name} fail as soon as this commits");
            if drop.cascade {
                why.push_str(
                    "; CASCADE also drops what uses it (column defaults, views, triggers)",
                );
            }
            v.why = Some(why.into());
            v.fix = Some(format!(
                "to change its body, CREATE OR REPLACE {kw} {written}(...) in place; to change its arguments or result, create the new version beside the old one and drop the old one once no running version calls it, marked with\n{ignore}"
            ));
        }
        ObjectKind::Type | ObjectKind::Domain => {
            let columns = columns_of_type(cat, &name);
            let what = kind.as_str();
            if drop.cascade && !columns.is_empty() {
                v.message = format!(
                    "dropping {what} {name} with CASCADE drops the columns that use it: {}",
                    columns.join(", ")
                );
                v.why = Some(
                    "the columns and their data are gone once this commits, and every query naming them fails".into(),
                );
                v.fix = Some(format!(
                    "convert the columns to another type first (ALTER COLUMN ... TYPE), or drop them deliberately in a migration of their own; then drop {written} without CASCADE"
                ));
            } else if !columns.is_empty() {
                // the drop fails while columns use it: nothing breaks
                return None;
            } else {
                v.message = format!("dropping {what} {name} breaks queries that name it{assumed}");
                v.why = Some(format!(
                    "no column uses it (without CASCADE the drop would fail otherwise), so only SQL that names {name} breaks: casts such as '...'::{}, function signatures, application-side type mappings",
                    name.name
                ).into());
                v.fix = Some(format!(
                    "make sure no running application version names {written}, then mark the drop with\n{ignore}"
                ));
                v.severity = Some(Severity::Hint);
            }
        }
        ObjectKind::Sequence => {
            let users = sequence_users(cat, &name);
            if drop.cascade && !users.is_empty() {
                v.message = format!(
                    "dropping sequence {name} with CASCADE drops the defaults of {}",
                    users.join(", ")
                );
                v.why = Some(
                    "inserts that leave those columns out get NULL (or fail on NOT NULL) once this commits".into(),
                );
                v.fix = Some(format!(
                    "give the columns a new default (or an identity) first, then drop {written} without CASCADE"
                ));
            } else if !users.is_empty() {
                return None;
            } else {
                v.message = format!(
                    "dropping sequence {name} breaks code that calls nextval('{}'){assumed}",
                    name.name
                );
                v.why = Some(
                    "no column default uses it (without CASCADE the drop would fail otherwise), so only SQL that names the sequence breaks".into(),
                );
                v.fix = Some(format!(
                    "make sure no running application version uses {written}, then mark the drop with\n{ignore}"
                ));
                v.severity = Some(Severity::Hint);
            }
        }
        ObjectKind::Schema => {
            // without CASCADE only an empty schema can be dropped: nothing to break
            if !drop.cascade {
                return None;
            }
            let contents = schema_contents(cat, &name.name);
            v.message = format!("dropping schema {name} with CASCADE drops everything in it");
            if contents.is_empty() {
                v.why = Some(format!(
                    "schemaguard knows of nothing in {name}{assumed}; whatever it holds is gone once this commits, and queries on it fail"
                ).into());
                v.severity = Some(Severity::Hint);
            } else {
                v.why = Some(
                    format!(
                        "{} are gone once this commits, with their data, and queries on them fail",
                        contents.join(", ")
                    )
                    .into(),
                );
            }
            v.fix = Some(format!(
                "drop the objects you mean to drop one by one, so each is reviewed; if nothing running uses {written}, mark the drop with\n{ignore}"
            ));
        }
        ObjectKind::Extension => {
            v.message = format!(
                "dropping extension {name} removes its functions, types and operators{assumed}"
            );
            let mut why =
                format!("queries that use anything {name} provides fail as soon as this commits");
            if drop.cascade {
                why.push_str(
                    "; CASCADE also drops the columns, defaults, indexes and views that depend on it",
                );
            }
            v.why = Some(why.into());
            v.fix = Some(format!(
                "make sure no running application version uses {written}, then mark the drop with\n{ignore}"
            ));
        }
        ObjectKind::Index => return None,
    }
    Some((gone, v))
}

/// `DROP FUNCTION ... CASCADE` of a trigger function drops the triggers that run it.
fn triggers_dropped(
    cx: &Context,
    function: &ObjectName,
    written: &ObjectName,
) -> Option<(Gone, Violation)> {
    let triggers: Vec<(ObjectName, String)> = cx
        .catalog
        .tables
        .values()
        .filter(|t| cx.is_preexisting(&t.name))
        .flat_map(|t| {
            t.triggers
                .iter()
                .filter(|(_, tr)| {
                    tr.function
                        .as_ref()
                        .is_some_and(|f| f.name == function.name)
                })
                .map(|(trigger, _)| (t.name.clone(), trigger.clone()))
        })
        .collect();
    if triggers.is_empty() {
        return None;
    }
    let shown: Vec<String> = triggers
        .iter()
        .map(|(t, trigger)| format!("{trigger} on {t}"))
        .collect();
    let v = Violation {
        span: Some(cx.stmt.span),
        message: format!(
            "dropping trigger function {function} with CASCADE also drops its triggers: {}",
            shown.join(", ")
        ),
        relation: triggers.first().map(|(t, _)| t.clone()),
        why: Some(
            "the triggers stop firing once this commits, so whatever they maintain (audit rows, counters, derived columns) silently goes stale".into(),
        ),
        fix: Some(format!(
            "drop the triggers explicitly (DROP TRIGGER ... ON ...) before dropping {written}, or re-create them in this migration"
        )),
        ..Default::default()
    };
    Some((Gone::Triggers(triggers), v))
}

/// Columns (`table.column`) whose type is `ty` (or an array of it).
fn columns_of_type(cat: &Catalog, ty: &ObjectName) -> Vec<String> {
    let mut out = Vec::new();
    for t in cat.tables.values() {
        for c in &t.columns {
            let schema_matches = c.ty.schema.is_none() || c.ty.schema == ty.schema;
            if c.ty.name == ty.name && schema_matches {
                out.push(format!("{}.{}", t.name, c.name));
            }
        }
    }
    out
}

/// Columns (`table.column`) whose default takes values from the sequence.
fn sequence_users(cat: &Catalog, seq: &ObjectName) -> Vec<String> {
    let mut out = Vec::new();
    for t in cat.tables.values() {
        for c in &t.columns {
            let uses = c.default.as_ref().is_some_and(|d| {
                d.functions.iter().any(|f| f == "nextval") && d.text.contains(&seq.name)
            });
            if uses {
                out.push(format!("{}.{}", t.name, c.name));
            }
        }
    }
    out
}

/// What the catalog knows in a schema: "3 tables (a, b, c)", "1 view (v)", ...
fn schema_contents(cat: &Catalog, schema: &str) -> Vec<String> {
    fn names<'a, T: 'a>(
        map: impl Iterator<Item = (&'a ObjectName, T)>,
        schema: &str,
    ) -> Vec<ObjectName> {
        map.filter(|(k, _)| k.schema.as_deref() == Some(schema))
            .map(|(k, _)| k.clone())
            .collect()
    }
    let groups = [
        ("table", names(cat.tables.iter(), schema)),
        ("view", names(cat.views.iter(), schema)),
        ("type", names(cat.types.iter(), schema)),
        ("sequence", names(cat.sequences.iter(), schema)),
        ("function", names(cat.functions.iter(), schema)),
    ];
    groups
        .into_iter()
        .filter(|(_, n)| !n.is_empty())
        .map(|(what, n)| {
            let plural = if n.len() == 1 { "" } else { "s" };
            format!("{} {what}{plural} ({})", n.len(), list(&n))
        })
        .collect()
}

/// A short list of names: the first five, then "and N more".
fn list(names: &[ObjectName]) -> String {
    let shown: Vec<String> = names.iter().take(5).map(ToString::to_string).collect();
    match names.len() {
        n if n > 5 => format!("{}, and {} more", shown.join(", "), n - 5),
        _ => shown.join(", "),
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::{self, FileInput, Settings, TransactionMode};
    use crate::parse::parse_file;

    /// (file, line) of each drop-object finding.
    fn findings(files: &[&str]) -> Vec<(String, u32)> {
        let parsed: Vec<_> = files.iter().map(|t| parse_file(t)).collect();
        let inputs: Vec<FileInput> = parsed
            .iter()
            .enumerate()
            .map(|(i, p)| FileInput {
                display: format!("{i:03}.sql"),
                version: None,
                edited_since: None,
                new_since_ref: false,
                parsed: p,
                segments: crate::analysis::TxSegment::whole(TransactionMode::Wrapped),
                no_transaction_hint: String::new(),
                framework_wraps: false,
            })
            .collect();
        analysis::analyze(&inputs, &Settings::default())
            .findings
            .into_iter()
            .filter(|f| f.rule == "drop-object")
            .map(|f| (f.file, f.span.start_pos.line))
            .collect()
    }

    #[test]
    fn a_drop_is_judged_by_what_its_own_file_does_afterwards() {
        let got = findings(&[
            "CREATE TABLE t (id bigint);\nCREATE VIEW v AS SELECT id FROM t;\nCREATE VIEW w AS SELECT id FROM t;",
            // v is dropped for good here; w is dropped and re-created
            "DROP VIEW v;\nDROP VIEW w;\nCREATE VIEW w AS SELECT id, 1 AS one FROM t;",
            // re-creating v in a later file does not undo the earlier finding
            "CREATE VIEW v AS SELECT id FROM t;",
        ]);
        assert_eq!(got, vec![("001.sql".to_string(), 1)]);
    }

    #[test]
    fn drops_in_do_blocks_are_judged_too() {
        let got = findings(&[
            "CREATE TABLE t (id bigint);\nCREATE VIEW v AS SELECT id FROM t;",
            "DO $$\nBEGIN\n  DROP VIEW v;\nEND $$;",
        ]);
        assert_eq!(got, vec![("001.sql".to_string(), 3)]);
    }
}
