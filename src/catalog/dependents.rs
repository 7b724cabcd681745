//! What PostgreSQL changes or drops along with an object it renames or drops.
//!
//! PostgreSQL stores an expression as a tree of object ids, and records what depends on
//! what: renaming a column, a sequence, a type or an enum value reaches every expression
//! that uses it, and dropping a column drops the indexes and constraints that use it.
//! Replay keeps expressions as text, so it changes the text (by tokens, through
//! `ops::references`) and drops what uses the dropped object. Observed on PostgreSQL 15:
//! `DROP COLUMN` drops every index with the column as a key, in an expression or in the
//! predicate, and every constraint on it (a CHECK on several columns, a multi-column
//! UNIQUE or FOREIGN KEY) with no CASCADE; a generated column using it, a view reading it
//! and another table's foreign key to it need CASCADE (without, the statement fails).

use super::{Catalog, ConstraintKind, ObjectName};
use crate::ops::references;
use crate::ops::{Expr, TypeName};

/// The tables a change of `table`'s columns reaches: its partitions and inheritance
/// children, all the way down (PostgreSQL recurses unless `ONLY`).
pub(super) fn descendants(cat: &Catalog, table: &ObjectName) -> Vec<ObjectName> {
    let mut out: Vec<ObjectName> = Vec::new();
    // (looking for partitions reads every table: only a partitioned table has them)
    let partitioned = cat
        .tables
        .get(table)
        .is_some_and(|t| t.kind == super::TableKind::Partitioned);
    if !partitioned && !cat.any_inheritance {
        return out;
    }
    let mut queue = vec![table.clone()];
    while let Some(t) = queue.pop() {
        let children = cat
            .partitions(&t)
            .map(|p| p.name.clone())
            .chain(cat.inheritors(&t));
        for c in children.collect::<Vec<_>>() {
            if !out.contains(&c) && &c != table {
                out.push(c.clone());
                queue.push(c);
            }
        }
    }
    out
}

/// Renames column `from` of `table` to `to` in an expression (its text and what it says
/// about its columns).
fn rename_in_expr(e: &mut Expr, table: &str, from: &str, to: &str) {
    if let Some(text) = references::rename_column(&e.text, table, from, to) {
        e.text = text;
    }
    for c in e.columns.iter_mut().chain(e.proves_not_null.iter_mut()) {
        if c == from {
            *c = to.to_string();
        }
    }
    if let Some(cast) = &mut e.column_cast
        && cast.column == from
    {
        cast.column = to.to_string();
    }
}

/// An index key or partition key: a column name, or an expression in parentheses.
fn rename_in_key(key: &mut String, table: &str, from: &str, to: &str) {
    if key == from {
        *key = to.to_string();
    } else if key.starts_with('(')
        && let Some(text) = references::rename_column(key, table, from, to)
    {
        *key = text;
    }
}

fn key_uses(key: &str, table: &str, column: &str) -> bool {
    key == column || (key.starts_with('(') && references::uses_column(key, table, column))
}

/// `ALTER TABLE table RENAME COLUMN from TO to`: every expression of the table using the
/// column follows (CHECK constraints, index keys and predicates, generated columns, the
/// partition key), and so do its partitions and children. Constraint column lists and
/// other tables' foreign keys are the caller's.
pub fn rename_column(cat: &mut Catalog, table: &ObjectName, from: &str, to: &str) {
    for name in std::iter::once(table.clone()).chain(descendants(cat, table)) {
        let short = name.name.clone();
        if let Some(t) = cat.tables.get_mut(&name) {
            if &name != table
                && let Some(c) = t.column_mut(from)
            {
                c.name = to.to_string();
            }
            for c in &mut t.constraints {
                if let ConstraintKind::Check { expr, .. } = &mut c.kind {
                    rename_in_expr(expr, &short, from, to);
                }
                if &name != table {
                    rename_in_constraint_columns(&mut c.kind, from, to);
                }
            }
            for c in &mut t.columns {
                if let Some(g) = &mut c.generated {
                    rename_in_expr(&mut g.expr, &short, from, to);
                }
            }
            for k in &mut t.partition_key {
                rename_in_key(k, &short, from, to);
            }
        }
        cat.indexes.update_on(&name, |i| {
            for k in &mut i.columns {
                rename_in_key(k, &short, from, to);
            }
            if let Some(p) = &mut i.predicate {
                rename_in_expr(p, &short, from, to);
            }
        });
    }
}

/// A constraint's own column list, with `from` renamed.
pub fn rename_in_constraint_columns(kind: &mut ConstraintKind, from: &str, to: &str) {
    let cols: &mut Vec<String> = match kind {
        ConstraintKind::PrimaryKey { columns, .. }
        | ConstraintKind::Unique { columns, .. }
        | ConstraintKind::ForeignKey { columns, .. }
        | ConstraintKind::Exclude { columns, .. } => columns,
        ConstraintKind::Check { expr, .. } => {
            for c in expr
                .proves_not_null
                .iter_mut()
                .chain(expr.columns.iter_mut())
            {
                if c == from {
                    *c = to.to_string();
                }
            }
            return;
        }
        ConstraintKind::NotNull { column } => {
            if column == from {
                *column = to.to_string();
            }
            return;
        }
    };
    for c in cols.iter_mut() {
        if c == from {
            *c = to.to_string();
        }
    }
}

fn constraint_uses(kind: &ConstraintKind, table: &str, column: &str) -> bool {
    if kind.columns().iter().any(|c| c == column) {
        return true;
    }
    matches!(kind, ConstraintKind::Check { expr, .. }
        if references::uses_column(&expr.text, table, column))
}

/// `ALTER TABLE [ONLY] table DROP COLUMN column [CASCADE]`: the column goes from the
/// table with the indexes and constraints that use it and the sequence it owns; with
/// `cascade`, also the generated columns computed from it (and what uses those) and
/// other tables' foreign keys to it. Down the partitions and children it goes where
/// it was only inherited and no other parent still has it; a child that declared it
/// too keeps it, and with `only` every child keeps it as its own (observed on 15:
/// `attislocal` decides, and `ONLY` makes the children's copies local).
pub fn drop_column(cat: &mut Catalog, table: &ObjectName, column: &str, cascade: bool, only: bool) {
    if cat.column_has_parent(table, column) {
        // "cannot drop inherited column": a parent still has it
        return;
    }
    drop_column_down(cat, table, column, cascade, only, &mut Vec::new());
}

fn drop_column_down(
    cat: &mut Catalog,
    table: &ObjectName,
    column: &str,
    cascade: bool,
    only: bool,
    seen: &mut Vec<ObjectName>,
) {
    if seen.contains(table) {
        return;
    }
    seen.push(table.clone());
    drop_one_column(cat, table, column, cascade);
    for child in children(cat, table) {
        if only {
            // the children keep their copies, as their own
            if let Some(col) = cat
                .tables
                .get_mut(&child)
                .and_then(|t| t.column_mut(column))
            {
                col.inherited = false;
            }
        } else if cat.column_drop_reaches(&child, column, table) {
            drop_column_down(cat, &child, column, cascade, false, seen);
        }
    }
}

/// The direct partitions and inheritance children of `table`.
fn children(cat: &Catalog, table: &ObjectName) -> Vec<ObjectName> {
    let mut out: Vec<ObjectName> = cat.partitions(table).map(|p| p.name.clone()).collect();
    out.extend(cat.inheritors(table));
    out
}

fn drop_one_column(cat: &mut Catalog, table: &ObjectName, column: &str, cascade: bool) {
    let short = table.name.clone();
    let mut generated: Vec<String> = Vec::new();
    if let Some(t) = cat.tables.get_mut(table) {
        if cascade {
            generated = t
                .columns
                .iter()
                .filter(|c| {
                    c.name != column
                        && c.generated
                            .as_ref()
                            .is_some_and(|g| references::uses_column(&g.expr.text, &short, column))
                })
                .map(|c| c.name.clone())
                .collect();
        }
        t.columns.retain(|c| c.name != column);
        t.constraints
            .retain(|c| !constraint_uses(&c.kind, &short, column));
    }
    let dropped: Vec<ObjectName> = cat
        .indexes
        .on(table)
        .filter(|i| {
            i.columns.iter().any(|k| key_uses(k, &short, column))
                || i.predicate
                    .as_ref()
                    .is_some_and(|p| references::uses_column(&p.text, &short, column))
        })
        .map(|i| i.name.clone())
        .collect();
    for i in dropped {
        cat.indexes.remove(&i);
    }
    cat.sequences.retain(|_, s| {
        s.owned_by
            .as_ref()
            .is_none_or(|(t, c)| t != table || c != column)
    });
    if cascade {
        for k in cat.tables.referencing_keys(table) {
            let Some(t) = cat.tables.get_mut(&k) else {
                continue;
            };
            t.constraints.retain(|c| {
                !matches!(&c.kind, ConstraintKind::ForeignKey { ref_table, ref_columns, .. }
                    if ref_table == table && ref_columns.iter().any(|r| r == column))
            });
        }
        for g in generated {
            drop_one_column(cat, table, &g, cascade);
        }
    }
}

/// A sequence was renamed or moved: defaults naming it in a `regclass` literal
/// (`nextval('old'::regclass)`) name it anew, as PostgreSQL's stored oid does.
pub fn sequence_moved(cat: &mut Catalog, old: &ObjectName, new: &ObjectName) {
    let resolves = |n: &ObjectName| match &n.schema {
        Some(_) => n == old,
        None => {
            n.name == old.name
                && cat
                    .search_path
                    .iter()
                    .any(|s| old.schema.as_deref() == Some(s.as_str()))
        }
    };
    let mut changes: Vec<(ObjectName, String, String)> = Vec::new();
    for (k, t) in cat.tables.iter() {
        for c in &t.columns {
            if let Some(d) = &c.default
                && let Some(text) =
                    references::rename_regclass(&d.text, |n| resolves(n).then(|| new.clone()))
            {
                changes.push((k.clone(), c.name.clone(), text));
            }
        }
    }
    for (k, column, text) in changes {
        if let Some(d) = cat
            .tables
            .get_mut(&k)
            .and_then(|t| t.column_mut(&column))
            .and_then(|c| c.default.as_mut())
        {
            d.text = text;
        }
    }
}

/// Whether an unqualified name `ty.name` finds type `ty` through the search path.
pub(super) fn found_unqualified(cat: &Catalog, ty: &ObjectName) -> bool {
    cat.type_def(&ObjectName::unqualified(&ty.name))
        .is_some_and(|d| &d.name == ty)
}

/// The column type names type `ty` (`unqualified`: what [`found_unqualified`] says).
pub(super) fn is_type(column: &TypeName, ty: &ObjectName, unqualified: bool) -> bool {
    column.name == ty.name
        && match &column.schema {
            Some(s) => ty.schema.as_deref() == Some(s.as_str()),
            None => unqualified,
        }
}

/// The name (of a cast's type) names type `ty`.
pub(super) fn names_type(name: &ObjectName, ty: &ObjectName, unqualified: bool) -> bool {
    match &name.schema {
        Some(_) => name == ty,
        None => name.name == ty.name && unqualified,
    }
}

/// `ALTER TYPE ty RENAME VALUE from TO to`: the literals of that type in defaults,
/// CHECK constraints and index predicates follow (PostgreSQL stores the value's oid).
/// Call before the type's own list changes (names are resolved through the catalog).
pub fn rename_enum_value(cat: &mut Catalog, ty: &ObjectName, from: &str, to: &str) {
    let keys: Vec<ObjectName> = cat.tables.keys().cloned().collect();
    let unqualified = found_unqualified(cat, ty);
    for k in keys {
        let Some(t) = cat.tables.get(&k) else {
            continue;
        };
        let enum_columns: Vec<String> = t
            .columns
            .iter()
            .filter(|c| is_type(&c.ty, ty, unqualified))
            .map(|c| c.name.clone())
            .collect();
        let is_ty = |n: &ObjectName| names_type(n, ty, unqualified);
        let is_col = |c: &str| enum_columns.iter().any(|e| e == c);
        let mut defaults: Vec<(String, String)> = Vec::new();
        for c in &t.columns {
            if let Some(d) = &c.default
                && let Some(text) = references::rename_enum_value(
                    &d.text,
                    from,
                    to,
                    enum_columns.contains(&c.name),
                    is_ty,
                    is_col,
                )
            {
                defaults.push((c.name.clone(), text));
            }
        }
        let mut checks: Vec<(String, String)> = Vec::new();
        for c in &t.constraints {
            if let ConstraintKind::Check { expr, .. } = &c.kind
                && let Some(text) =
                    references::rename_enum_value(&expr.text, from, to, false, is_ty, is_col)
            {
                checks.push((c.name.clone(), text));
            }
        }
        let predicates: Vec<(ObjectName, String)> = cat
            .indexes
            .on(&k)
            .filter_map(|i| {
                let p = i.predicate.as_ref()?;
                references::rename_enum_value(&p.text, from, to, false, is_ty, is_col)
                    .map(|text| (i.name.clone(), text))
            })
            .collect();
        if defaults.is_empty() && checks.is_empty() && predicates.is_empty() {
            continue;
        }
        if let Some(t) = cat.tables.get_mut(&k) {
            for (column, text) in defaults {
                if let Some(d) = t.column_mut(&column).and_then(|c| c.default.as_mut()) {
                    d.text = text;
                }
            }
            for (name, text) in checks {
                if let Some(ConstraintKind::Check { expr, .. }) = t
                    .constraints
                    .iter_mut()
                    .find(|c| c.name == name)
                    .map(|c| &mut c.kind)
                {
                    expr.text = text;
                }
            }
        }
        for (name, text) in predicates {
            cat.indexes.update(&name, |i| {
                if let Some(p) = &mut i.predicate {
                    p.text = text;
                }
            });
        }
    }
}

/// Rewrites every expression of table `key` through `rewrite` (a `None` leaves one as
/// it is): column defaults and generation expressions, CHECK constraints, index
/// expressions and predicates.
fn rewrite_expressions(
    cat: &mut Catalog,
    key: &ObjectName,
    rewrite: &dyn Fn(&str) -> Option<String>,
) {
    if let Some(t) = cat.tables.get(key) {
        let touched = t.columns.iter().any(|c| {
            c.default.as_ref().is_some_and(|d| rewrite(&d.text).is_some())
                || c.generated
                    .as_ref()
                    .is_some_and(|g| rewrite(&g.expr.text).is_some())
        }) || t.constraints.iter().any(|c| {
            matches!(&c.kind, ConstraintKind::Check { expr, .. } if rewrite(&expr.text).is_some())
        });
        if touched && let Some(t) = cat.tables.get_mut(key) {
            for c in &mut t.columns {
                for e in c
                    .default
                    .as_deref_mut()
                    .into_iter()
                    .chain(c.generated.as_deref_mut().map(|g| &mut g.expr))
                {
                    if let Some(text) = rewrite(&e.text) {
                        e.text = text;
                    }
                }
            }
            for c in &mut t.constraints {
                if let ConstraintKind::Check { expr, .. } = &mut c.kind
                    && let Some(text) = rewrite(&expr.text)
                {
                    expr.text = text;
                }
            }
        }
    }
    let indexes: Vec<ObjectName> = cat
        .indexes
        .on(key)
        .filter(|i| {
            i.columns
                .iter()
                .any(|k| k.starts_with('(') && rewrite(k).is_some())
                || i.predicate
                    .as_ref()
                    .is_some_and(|p| rewrite(&p.text).is_some())
        })
        .map(|i| i.name.clone())
        .collect();
    for name in indexes {
        cat.indexes.update(&name, |i| {
            for k in &mut i.columns {
                if k.starts_with('(')
                    && let Some(text) = rewrite(k)
                {
                    *k = text;
                }
            }
            if let Some(p) = &mut i.predicate
                && let Some(text) = rewrite(&p.text)
            {
                p.text = text;
            }
        });
    }
}

/// `ALTER TYPE old RENAME TO` / `SET SCHEMA`: the columns of that type (and arrays of
/// it) and domains over it name it anew, and so do casts to it in every expression
/// (observed on 15: a default `'a'` of the type prints `'a'::new`, a CHECK
/// `c::old = 'a'::old` prints `c::new = 'a'::new`). Call before the type itself is
/// re-keyed (names are resolved through the catalog).
pub fn type_moved(cat: &mut Catalog, old: &ObjectName, new: &ObjectName) {
    let keys: Vec<ObjectName> = cat.tables.keys().cloned().collect();
    let unqualified = found_unqualified(cat, old);
    let rewrite = |text: &str| {
        references::rename_cast_type(text, |n| names_type(n, old, unqualified), &new.name)
    };
    for k in keys {
        let typed: Vec<String> = cat
            .tables
            .get(&k)
            .map(|t| {
                t.columns
                    .iter()
                    .filter(|c| is_type(&c.ty, old, unqualified))
                    .map(|c| c.name.clone())
                    .collect()
            })
            .unwrap_or_default();
        if !typed.is_empty()
            && let Some(t) = cat.tables.get_mut(&k)
        {
            for c in &mut t.columns {
                if typed.contains(&c.name) {
                    rename_type(&mut c.ty, old, new);
                }
            }
        }
        rewrite_expressions(cat, &k, &rewrite);
    }
    let domains: Vec<ObjectName> = cat
        .types
        .iter()
        .filter(|(_, d)| matches!(&d.kind, super::TypeKind::Domain { base, .. } if is_type(base, old, unqualified)))
        .map(|(k, _)| k.clone())
        .collect();
    for k in domains {
        if let Some(super::TypeDef {
            kind: super::TypeKind::Domain { base, .. },
            ..
        }) = cat.types.get_mut(&k)
        {
            rename_type(base, old, new);
        }
    }
}

fn rename_type(ty: &mut TypeName, old: &ObjectName, new: &ObjectName) {
    ty.name = new.name.clone();
    if ty.schema.is_some() || old.schema != new.schema {
        ty.schema = new.schema.clone();
    }
    let mut text = new.to_string();
    for _ in 0..ty.array_dims {
        text.push_str("[]");
    }
    ty.text = text;
}

/// `DROP TYPE ty CASCADE`: the columns of that type go (with what uses them).
pub fn drop_type_cascade(cat: &mut Catalog, ty: &ObjectName) {
    let unqualified = found_unqualified(cat, ty);
    let typed: Vec<(ObjectName, String)> = cat
        .tables
        .iter()
        .flat_map(|(k, t)| {
            t.columns
                .iter()
                .filter(|c| is_type(&c.ty, ty, unqualified))
                .map(|c| (k.clone(), c.name.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    for (table, column) in typed {
        drop_one_column(cat, &table, &column, true);
    }
}

/// `DROP FUNCTION f CASCADE`: what uses it goes too (observed on 15): the column
/// defaults calling it (the default only), the generated columns computed with it (the
/// column), the CHECK constraints and the indexes (expressions, predicates) calling it,
/// and the triggers running it. Overloads are not told apart: the name decides.
pub fn drop_function_cascade(cat: &mut Catalog, function: &ObjectName) {
    let schema = function.schema.as_deref();
    let calls = |text: &str| references::calls_function(text, schema, &function.name);
    let keys: Vec<ObjectName> = cat.tables.keys().cloned().collect();
    for k in keys {
        let Some(t) = cat.tables.get(&k) else {
            continue;
        };
        let generated: Vec<String> = t
            .columns
            .iter()
            .filter(|c| c.generated.as_ref().is_some_and(|g| calls(&g.expr.text)))
            .map(|c| c.name.clone())
            .collect();
        let touched = t
            .columns
            .iter()
            .any(|c| c.default.as_ref().is_some_and(|d| calls(&d.text)))
            || t.constraints.iter().any(
                |c| matches!(&c.kind, ConstraintKind::Check { expr, .. } if calls(&expr.text)),
            )
            || t.triggers.values().any(|tr| runs(tr, function));
        if touched && let Some(t) = cat.tables.get_mut(&k) {
            for c in &mut t.columns {
                if c.default.as_ref().is_some_and(|d| calls(&d.text)) {
                    c.default = None;
                }
            }
            t.constraints.retain(
                |c| !matches!(&c.kind, ConstraintKind::Check { expr, .. } if calls(&expr.text)),
            );
            t.triggers.retain(|_, tr| !runs(tr, function));
        }
        for g in generated {
            drop_one_column(cat, &k, &g, true);
        }
        let indexes: Vec<ObjectName> = cat
            .indexes
            .on(&k)
            .filter(|i| {
                i.columns.iter().any(|c| c.starts_with('(') && calls(c))
                    || i.predicate.as_ref().is_some_and(|p| calls(&p.text))
            })
            .map(|i| i.name.clone())
            .collect();
        for i in indexes {
            cat.indexes.remove(&i);
        }
    }
}

/// What of a table uses `function` (its only overload): a default, a generated column,
/// a CHECK, a trigger, an index's expression or predicate, the partition key. PostgreSQL
/// refuses to drop it without `CASCADE` then ("other objects depend on it"). The name of
/// a table that does, if any.
pub fn function_used_by(cat: &Catalog, function: &ObjectName) -> Option<ObjectName> {
    let schema = function.schema.as_deref();
    let calls = |text: &str| references::calls_function(text, schema, &function.name);
    let expression = |c: &String| c.starts_with('(') && calls(c);
    cat.tables
        .values()
        .find(|t| {
            t.columns.iter().any(|c| {
                c.default.as_ref().is_some_and(|d| calls(&d.text))
                    || c.generated.as_ref().is_some_and(|g| calls(&g.expr.text))
            }) || t
                .constraints
                .iter()
                .any(|c| matches!(&c.kind, ConstraintKind::Check { expr, .. } if calls(&expr.text)))
                || t.triggers.values().any(|tr| {
                    // a trigger naming another schema's function of the name does not
                    tr.function.as_ref().is_some_and(|f| {
                        f.name == function.name
                            && f.schema
                                .as_ref()
                                .is_none_or(|s| Some(s) == function.schema.as_ref())
                    })
                })
                || t.partition_key.iter().any(expression)
                || cat.indexes.on(&t.name).any(|i| {
                    i.columns.iter().any(expression)
                        || i.predicate.as_ref().is_some_and(|p| calls(&p.text))
                })
        })
        .map(|t| t.name.clone())
}

/// The trigger runs `function` (matched by name, as `tables_with_trigger_function` does).
fn runs(trigger: &super::Trigger, function: &ObjectName) -> bool {
    trigger
        .function
        .as_ref()
        .is_some_and(|f| f.name == function.name)
}

/// `DROP SEQUENCE s CASCADE`: the column defaults using it go (observed on 15).
pub fn drop_sequence_cascade(cat: &mut Catalog, sequence: &ObjectName) {
    let unqualified = cat
        .sequence(&ObjectName::unqualified(&sequence.name))
        .is_some_and(|s| &s.name == sequence);
    let names = |n: &ObjectName| match &n.schema {
        Some(_) => n == sequence,
        None => n.name == sequence.name && unqualified,
    };
    let keys: Vec<ObjectName> = cat.tables.keys().cloned().collect();
    for k in keys {
        let uses = cat.tables.get(&k).is_some_and(|t| {
            t.columns.iter().any(|c| {
                c.default
                    .as_ref()
                    .is_some_and(|d| references::uses_regclass(&d.text, names))
            })
        });
        if uses && let Some(t) = cat.tables.get_mut(&k) {
            for c in &mut t.columns {
                if c.default
                    .as_ref()
                    .is_some_and(|d| references::uses_regclass(&d.text, names))
                {
                    c.default = None;
                }
            }
        }
    }
}

/// `ALTER TABLE table DROP CONSTRAINT <primary key or unique> CASCADE`: the foreign keys
/// resting on its index go too (observed on 15: a foreign key to the primary key goes, one
/// to another unique constraint stays).
pub fn drop_key_cascade(cat: &mut Catalog, table: &ObjectName, key: &ConstraintKind) {
    let (columns, primary) = match key {
        ConstraintKind::PrimaryKey { columns, .. } => (columns, true),
        ConstraintKind::Unique { columns, .. } => (columns, false),
        _ => return,
    };
    let same = |r: &[String]| {
        (r.is_empty() && primary)
            || (r.len() == columns.len() && r.iter().all(|c| columns.contains(c)))
    };
    for k in cat.tables.referencing_keys(table) {
        if let Some(t) = cat.tables.get_mut(&k) {
            t.constraints.retain(|c| {
                !matches!(&c.kind, ConstraintKind::ForeignKey { ref_table, ref_columns, .. }
                    if ref_table == table && same(ref_columns))
            });
        }
    }
}

/// `ALTER TABLE table ADD COLUMN column` (without `ONLY`): the column, and the CHECK
/// constraints on it, reach the partitions and inheritance children (observed on 15:
/// a child gets the column and `CHECK (d > 1)` under the parent's constraint name).
pub fn column_added(cat: &mut Catalog, table: &ObjectName, column: &str) {
    let Some(t) = cat.tables.get(table) else {
        return;
    };
    let Some(col) = t.column(column).cloned() else {
        return;
    };
    let checks: Vec<super::Constraint> = t
        .constraints
        .iter()
        .filter(|c| {
            matches!(
                &c.kind,
                ConstraintKind::Check {
                    no_inherit: false,
                    ..
                }
            ) && constraint_uses(&c.kind, &table.name, column)
        })
        .cloned()
        .collect();
    for d in descendants(cat, table) {
        if let Some(child) = cat.tables.get_mut(&d) {
            if child.column(column).is_none() {
                child.columns.push(super::Column {
                    inherited: true,
                    ..col.clone()
                });
            }
            for c in &checks {
                if child.constraint(&c.name).is_none() {
                    child.constraints.push(c.clone());
                }
            }
        }
    }
}
