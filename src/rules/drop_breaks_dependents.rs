//! Dropping (or renaming away) an object that others still depend on: views, foreign
//! keys, column defaults, triggers in the schema (PostgreSQL refuses, or with CASCADE
//! silently drops them too), or statements of later migrations that still use the name.

use super::{Category, Context, HistoryCheck, Rule, Severity, Violation};
use crate::catalog::Catalog;
use crate::ops::{AlterTableAction, ConstraintKind, ObjectName, Operation};

pub struct DropBreaksDependents;

impl Rule for DropBreaksDependents {
    fn id(&self) -> &'static str {
        "drop-breaks-dependents"
    }
    fn default_severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "dropping an object that views, foreign keys, defaults, triggers or later migrations still depend on"
    }
    fn category(&self) -> Category {
        Category::Correctness
    }

    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let cat = cx.catalog;
        // the one DROP COLUMN of an ALTER TABLE that others depend on
        let mut span = None;
        let (dependents, cascade, what): (Vec<String>, bool, String) = match &cx.stmt.op {
            Operation::DropTable(d) => {
                let mut deps = Vec::new();
                for n in &d.names {
                    let rel = cat.resolve_relation(n);
                    if cat.table(&rel).is_none() {
                        continue;
                    }
                    deps.extend(view_dependents(cat, &rel));
                    deps.extend(
                        cat.referencing(&rel)
                            .filter(|(t, _)| {
                                t.name != rel
                                    && !d.names.iter().any(|x| cat.resolve_relation(x) == t.name)
                            })
                            .map(|(t, c)| format!("foreign key {} on {}", c.name, t.name)),
                    );
                }
                (deps, d.cascade, "table".to_string())
            }
            Operation::DropView { drop, .. } => {
                let deps = drop
                    .names
                    .iter()
                    .flat_map(|n| view_dependents(cat, &cat.resolve_relation(n)))
                    .collect();
                (deps, drop.cascade, "view".to_string())
            }
            Operation::AlterTable(at) => {
                let table = cat.resolve_relation(&at.name);
                let pk: Vec<String> = cat
                    .table(&table)
                    .and_then(|t| t.primary_key())
                    .map(|c| c.kind.columns().to_vec())
                    .unwrap_or_default();
                let mut deps = Vec::new();
                let mut cascade = false;
                let mut dropping: Vec<usize> = Vec::new();
                for (i, a) in at.actions.iter().enumerate() {
                    if let AlterTableAction::DropColumn {
                        name, cascade: c, ..
                    } = a
                    {
                        cascade |= *c;
                        let before = deps.len();
                        deps.extend(
                            cat.referencing(&table)
                                .filter(|(t, _)| t.name != table)
                                .filter(|(_, c)| matches!(&c.kind, ConstraintKind::ForeignKey { ref_columns, .. }
                                    if ref_columns.contains(name) || (ref_columns.is_empty() && pk.contains(name))))
                                .map(|(t, c)| format!("foreign key {} on {}", c.name, t.name)),
                        );
                        if deps.len() > before {
                            dropping.push(i);
                        }
                    }
                }
                if let [i] = dropping[..] {
                    span = super::clause::action(cx.stmt, at, i);
                }
                (deps, cascade, "column".to_string())
            }
            Operation::DropType(d) => {
                let mut deps = Vec::new();
                for n in &d.names {
                    let Some(ty) = cat.type_def(n) else { continue };
                    for t in cat.tables.values() {
                        for c in &t.columns {
                            if c.ty.name == ty.name.name
                                && c.ty
                                    .schema
                                    .as_ref()
                                    .is_none_or(|s| Some(s) == ty.name.schema.as_ref())
                            {
                                deps.push(format!("column {}.{}", t.name, c.name));
                            }
                        }
                    }
                }
                (deps, d.cascade, "type".to_string())
            }
            Operation::DropSequence(d) => {
                let mut deps = Vec::new();
                for n in &d.names {
                    let Some(seq) = cat.sequence(n) else { continue };
                    for t in cat.tables.values() {
                        for c in &t.columns {
                            if c.default.as_ref().is_some_and(|e| {
                                e.functions.iter().any(|f| f == "nextval")
                                    && e.text.contains(&seq.name.name)
                            }) {
                                deps.push(format!("the default of {}.{}", t.name, c.name));
                            }
                        }
                    }
                }
                (deps, d.cascade, "sequence".to_string())
            }
            Operation::DropFunction { drop, .. } if !drop.cascade => {
                let deps = drop
                    .names
                    .iter()
                    .flat_map(|f| cat.tables_with_trigger_function(f))
                    .map(|t| format!("a trigger on {t}"))
                    .collect();
                (deps, false, "function".to_string())
            }
            _ => return,
        };
        if dependents.is_empty() {
            return;
        }
        let list = shorten(&dependents);
        let (message, why, fix) = if cascade {
            (
                format!("CASCADE also drops {list}"),
                "objects other migrations and the application rely on disappear without being named in the migration".to_string(),
                format!("drop (or redefine) the dependent objects explicitly first, so the migration says what goes: {list}"),
            )
        } else {
            (
                format!("this {what} cannot be dropped: {list} still depend on it"),
                "PostgreSQL refuses the DROP (\"cannot drop ... because other objects depend on it\"), and the whole migration fails".to_string(),
                format!("drop or change the dependent objects first ({list}), or, if they really should go, name them in the migration"),
            )
        };
        out.push(Violation {
            span,
            message,
            why: Some(why.into()),
            fix: Some(fix),
            ..Default::default()
        });
    }

    /// Later migrations that still use what an earlier statement dropped or renamed.
    fn check_history(&self, cx: &HistoryCheck, out: &mut Vec<(String, Violation)>) {
        for u in cx.graph.uses_after_drop() {
            let (file, line) = &u.dropped_in;
            let Some(span) = cx.span_at(file, *line) else {
                continue;
            };
            let (used_file, used_line) = &u.used_in;
            out.push((
                file.clone(),
                Violation {
                    message: format!(
                        "{} {} is dropped or renamed here, but {used_file}:{used_line} still uses it",
                        u.object.kind.as_str(),
                        u.object.name,
                    ),
                    span: Some(span),
                    why: Some(
                        "the later migration fails on every database this history runs on".into(),
                    ),
                    fix: Some(format!(
                        "update {used_file} to use the new name (or drop it after its last use)"
                    )),
                    ..Default::default()
                },
            ));
        }
    }
}

fn view_dependents(cat: &Catalog, rel: &ObjectName) -> Vec<String> {
    cat.dependent_views(rel)
        .into_iter()
        .map(|v| {
            let kind = if cat.view(&v).is_some_and(|x| x.materialized) {
                "materialized view"
            } else {
                "view"
            };
            format!("{kind} {v}")
        })
        .collect()
}

fn shorten(items: &[String]) -> String {
    let shown: Vec<&str> = items.iter().take(5).map(String::as_str).collect();
    match items.len().saturating_sub(shown.len()) {
        0 => shown.join(", "),
        more => format!("{}, and {more} more", shown.join(", ")),
    }
}
