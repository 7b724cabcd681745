//! `ALTER TABLE`: the statement (on a table, or the sequence, index or view it names)
//! and each action on the table, its columns and constraints; `CLUSTER ON`, renames and
//! moves of the table.

use super::*;

/// One `ALTER TABLE` statement: its actions in order (on a table; a sequence, index or
/// view it names is renamed or moved; an unknown table becomes a placeholder).
pub(super) fn alter_table_statement(
    cat: &mut Catalog,
    at: &crate::ops::AlterTable,
    o: Option<Origin>,
) {
    let mut name = cat.resolve_relation(&at.name);
    if crate::catalog::rejects::alter_table(cat, at).is_some() {
        // PostgreSQL rejects it: nothing changes
        return;
    }
    if cat.table(&name).is_none() {
        // ALTER TABLE renames and moves sequences and indexes too
        if cat.sequences.contains_key(&name) || cat.indexes.contains_key(&name) {
            for action in &at.actions {
                let new = match action {
                    AlterTableAction::RenameTable { to } => {
                        ObjectName::new(name.schema.as_deref(), to)
                    }
                    AlterTableAction::SetSchema { schema } if cat.sequences.contains_key(&name) => {
                        ObjectName::new(Some(schema), &name.name)
                    }
                    _ => continue,
                };
                if cat.sequences.contains_key(&name) {
                    move_sequence(cat, &name, new.clone());
                } else {
                    rename_index(cat, &name, &new.name);
                }
                name = new;
            }
            return;
        }
        if cat.view(&name).is_some() {
            // ALTER TABLE works on views too (renames mostly)
            for action in &at.actions {
                match action {
                    AlterTableAction::RenameTable { to } => {
                        rename_view(cat, &name, to);
                        name = ObjectName::new(name.schema.as_deref(), to);
                    }
                    AlterTableAction::SetSchema { schema } => {
                        let new = ObjectName::new(Some(schema), &name.name);
                        move_view(cat, &name, new.clone());
                        name = new;
                    }
                    AlterTableAction::RenameColumn { from, to } => {
                        if let Some(v) = cat.views.get_mut(&name) {
                            for c in &mut v.columns {
                                if c == from {
                                    c.clone_from(to);
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            return;
        }
        if let Some(key) = cat
            .resolve_in(&cat.sequences, &at.name)
            .map(|(k, _)| k.clone())
        {
            // ALTER TABLE works on sequences too (pg_dump writes `ALTER TABLE seq
            // OWNER TO role`): not a table only altered here
            for action in &at.actions {
                if let AlterTableAction::RenameTable { to } = action {
                    let to = ObjectName::new(key.schema.as_deref(), to);
                    move_object(&mut cat.sequences, &key, to);
                }
            }
            return;
        }
        if at.if_exists {
            // PostgreSQL skips it, with a notice
            return;
        }
        if at.name.schema.is_none() && at.name.name.starts_with("pg_") {
            // a system catalog (`pg_catalog` is searched first), which PostgreSQL does
            // not let a migration alter: no table of ours
            return;
        }
        let mut placeholder = Table::new(name.clone(), None);
        // only ever altered here: its columns are whatever existed outside
        placeholder.columns_complete = false;
        placeholder.assumed = true;
        cat.tables.insert(name.clone(), placeholder);
    }
    for action in &at.actions {
        name = alter_table(cat, &name, action, at.only, o);
        if let AlterTableAction::AddColumn { column, .. } = action
            && !at.only
        {
            dependents::column_added(cat, &name, &column.name);
        }
    }
}

/// `CLUSTER t USING i` / `ALTER TABLE t CLUSTER ON i` mark the index (`None`: `SET
/// WITHOUT CLUSTER`). On a partitioned table each partition's index is marked, not the
/// parent's (observed on 15: a later bare `CLUSTER` rewrote the partition, and `CLUSTER
/// parent` failed with "there is no previously clustered index").
pub(super) fn mark_clustered(cat: &mut Catalog, table: &ObjectName, index: Option<&String>) {
    let partitions: Vec<ObjectName> = cat.partitions(table).map(|p| p.name.clone()).collect();
    let partitioned = !partitions.is_empty()
        || cat
            .tables
            .get(table)
            .is_some_and(|t| t.kind == TableKind::Partitioned);
    if let Some(t) = cat.tables.get_mut(table)
        && !partitioned
    {
        t.cluster_index = index.cloned();
    }
    for p in &partitions {
        if let Some(t) = cat.tables.get_mut(p) {
            t.cluster_index = index.cloned();
        }
    }
}

/// `SET NOT NULL` (or a primary key) on `columns` of `table`.
pub(super) fn mark_not_null(cat: &mut Catalog, table: &ObjectName, columns: &[String]) {
    if let Some(t) = cat.tables.get_mut(table) {
        for c in &mut t.columns {
            if columns.contains(&c.name) {
                c.not_null = true;
            }
        }
    }
}

/// Applies one ALTER TABLE action; returns the table's name afterwards (renames).
pub(super) fn alter_table(
    cat: &mut Catalog,
    name: &ObjectName,
    action: &AlterTableAction,
    only: bool,
    o: Option<Origin>,
) -> ObjectName {
    match action {
        AlterTableAction::AddColumn {
            column,
            if_not_exists,
        } => {
            let exists = cat
                .tables
                .get(name)
                .is_some_and(|t| t.column(&column.name).is_some());
            if !(exists && *if_not_exists) {
                let (columns, _) = without_redundant_indexes(std::slice::from_ref(column), &[]);
                for c in &columns {
                    add_column(cat, name, c, o);
                }
            }
        }
        AlterTableAction::DropColumn {
            name: col, cascade, ..
        } => dependents::drop_column(cat, name, col, *cascade, only),
        AlterTableAction::AlterColumnType { column, ty, .. } => {
            // the partitions and children change with it (observed on 15; with ONLY
            // it fails while a child has the column)
            let mut tables = vec![name.clone()];
            let below = dependents::descendants(cat, name);
            if only
                && below.iter().any(|d| {
                    cat.tables
                        .get(d)
                        .is_some_and(|t| t.column(column).is_some())
                })
            {
                // "type of inherited column must be changed in child tables too"
                return name.clone();
            }
            tables.extend(below);
            for t in tables {
                if let Some(c) = cat.tables.get_mut(&t).and_then(|t| t.column_mut(column)) {
                    change_column_type(c, ty);
                }
            }
        }
        AlterTableAction::SetNotNull { column } => {
            if let Some(c) = cat.tables.get_mut(name).and_then(|t| t.column_mut(column)) {
                c.not_null = true;
            }
        }
        AlterTableAction::DropNotNull { column } => {
            if let Some(c) = cat.tables.get_mut(name).and_then(|t| t.column_mut(column)) {
                c.not_null = false;
            }
        }
        AlterTableAction::SetDefault { column, expr } => {
            if let Some(c) = cat.tables.get_mut(name).and_then(|t| t.column_mut(column)) {
                c.default = Some(Box::new(expr.clone()));
            }
        }
        AlterTableAction::DropDefault { column } => {
            if let Some(c) = cat.tables.get_mut(name).and_then(|t| t.column_mut(column)) {
                c.default = None;
            }
        }
        AlterTableAction::Identity { column, change } => {
            let known = cat
                .tables
                .get(name)
                .and_then(|t| t.column(column))
                .is_some();
            if let Some(c) = cat.tables.get_mut(name).and_then(|t| t.column_mut(column)) {
                match change {
                    IdentityChange::Add(kind) => c.identity = Some(*kind),
                    IdentityChange::Drop { .. } => c.identity = None,
                    IdentityChange::Set { kind } => {
                        if c.identity.is_some()
                            && let Some(kind) = kind
                        {
                            c.identity = Some(*kind);
                        }
                    }
                }
            }
            // an identity column owns a sequence, made and dropped with the identity
            match change {
                IdentityChange::Add(_) if known => {
                    super::add_column::identity_sequence(cat, name, column, o);
                }
                IdentityChange::Drop { .. } => cat.sequences.retain(|_, s| {
                    s.owned_by
                        .as_ref()
                        .is_none_or(|(t, c)| t != name || c != column)
                }),
                _ => {}
            }
        }
        AlterTableAction::GeneratedExpression { column, expr } => {
            // the children's copies change with it (observed on 15 for DROP
            // EXPRESSION)
            let mut tables = vec![name.clone()];
            if !only {
                tables.extend(dependents::descendants(cat, name));
            }
            for t in tables {
                if let Some(c) = cat.tables.get_mut(&t).and_then(|t| t.column_mut(column)) {
                    match expr {
                        Some(e) => {
                            if let Some(g) = &mut c.generated {
                                g.expr = e.clone();
                            }
                        }
                        None => c.generated = None,
                    }
                }
            }
        }
        AlterTableAction::AddConstraint(c) => add_constraint(cat, name, c, o),
        AlterTableAction::ValidateConstraint { name: cname } => {
            if let Some(t) = cat.tables.get_mut(name) {
                if let Some(c) = t.constraints.iter_mut().find(|c| &c.name == cname) {
                    c.validated = true;
                }
                if let Some(ConstraintKind::NotNull { column }) =
                    t.constraint(cname).map(|c| c.kind.clone())
                {
                    if let Some(col) = t.column_mut(&column) {
                        col.not_null = true;
                    }
                }
            }
        }
        AlterTableAction::DropConstraint {
            name: cname,
            cascade,
            ..
        } => {
            let mut dropped_index = None;
            let mut dropped_kind = None;
            if let Some(t) = cat.tables.get_mut(name) {
                if let Some(pos) = t.constraints.iter().position(|c| &c.name == cname) {
                    // (NOT NULL stays after dropping a primary key)
                    let c = t.constraints.remove(pos);
                    dropped_index = c.index;
                    dropped_kind = Some(c.kind);
                }
            }
            if *cascade && let Some(kind) = &dropped_kind {
                dependents::drop_key_cascade(cat, name, kind);
            }
            if let Some(idx) = dropped_index {
                cat.indexes
                    .remove(&ObjectName::new(name.schema.as_deref(), &idx));
            }
        }
        AlterTableAction::RenameConstraint { from, to } => {
            let mut renamed_index = None;
            if let Some(t) = cat.tables.get_mut(name) {
                if let Some(c) = t.constraints.iter_mut().find(|c| &c.name == from) {
                    c.name = to.clone();
                    if c.index.is_some() {
                        renamed_index = c.index.replace(to.clone());
                    }
                }
            }
            if let Some(old) = renamed_index {
                let key = ObjectName::new(name.schema.as_deref(), &old);
                cat.indexes
                    .rekey(&key, ObjectName::new(name.schema.as_deref(), to));
            }
        }
        AlterTableAction::RenameColumn { from, to } => {
            if cat.column_has_parent(name, from) {
                // "cannot rename inherited column"
                return name.clone();
            }
            if let Some(t) = cat.tables.get_mut(name) {
                if let Some(c) = t.column_mut(from) {
                    c.name = to.clone();
                }
                for c in &mut t.constraints {
                    dependents::rename_in_constraint_columns(&mut c.kind, from, to);
                }
            }
            // expressions using it, here and in partitions and children
            dependents::rename_column(cat, name, from, to);
            cat.indexes.update_on(name, |i| {
                for c in &mut i.columns {
                    if c == from {
                        *c = to.clone();
                    }
                }
            });
            // foreign keys elsewhere that name this column as referenced
            for k in cat.tables.referencing_keys(name) {
                let Some(t) = cat.tables.get_mut(&k) else {
                    continue;
                };
                for c in &mut t.constraints {
                    if let ConstraintKind::ForeignKey {
                        ref_table,
                        ref_columns,
                        ..
                    } = &mut c.kind
                    {
                        if ref_table == name {
                            for rc in ref_columns.iter_mut() {
                                if rc == from {
                                    *rc = to.clone();
                                }
                            }
                        }
                    }
                }
            }
        }
        AlterTableAction::RenameTable { to } => {
            let new = ObjectName::new(name.schema.as_deref(), to);
            move_table(cat, name, &new);
            return new;
        }
        AlterTableAction::SetSchema { schema } => {
            let new = ObjectName::new(Some(schema), &name.name);
            move_table(cat, name, &new);
            // the sequences its columns own move with it
            let owned: Vec<ObjectName> = cat
                .sequences
                .values()
                .filter(|s| s.owned_by.as_ref().is_some_and(|(t, _)| t == &new))
                .map(|s| s.name.clone())
                .collect();
            for k in owned {
                move_sequence(cat, &k, ObjectName::new(Some(schema), &k.name));
            }
            cat.indexes
                .update_on(&new, |i| i.name.schema = Some(schema.clone()));
            let moved: Vec<ObjectName> = cat
                .indexes
                .iter()
                .filter(|(k, i)| i.table == new && k.schema != i.name.schema)
                .map(|(k, _)| k.clone())
                .collect();
            for k in moved {
                if let Some(i) = cat.indexes.remove(&k) {
                    cat.indexes.insert(i.name.clone(), i);
                }
            }
            return new;
        }
        AlterTableAction::ClusterOn { index } => mark_clustered(cat, name, Some(index)),
        AlterTableAction::SetWithoutCluster => mark_clustered(cat, name, None),
        AlterTableAction::OwnerTo(role) => {
            // the sequences the table owns change owner with it
            let owner = cat.role_named(role);
            set_owner(cat, name, owner);
        }
        AlterTableAction::SetLogged => {
            if let Some(t) = cat.tables.get_mut(name) {
                t.persistence = Persistence::Permanent;
            }
        }
        AlterTableAction::SetUnlogged => {
            if let Some(t) = cat.tables.get_mut(name) {
                t.persistence = Persistence::Unlogged;
            }
        }
        AlterTableAction::AttachPartition {
            partition, default, ..
        } => {
            let p = cat.resolve_relation(partition);
            // its own foreign keys equal to one the tree has become that key's clones
            // (PostgreSQL drops their action triggers); the catalog keeps a clone on the
            // table that declared the key only
            let inherited = inherited_foreign_keys(cat, name);
            let own: Vec<String> = cat
                .tables
                .get(&p)
                .map(|t| {
                    t.foreign_keys()
                        .filter(|(c, _)| inherited.iter().any(|i| cat.same_foreign_key(c, i)))
                        .map(|(c, _)| c.name.clone())
                        .collect()
                })
                .unwrap_or_default();
            if let Some(t) = cat.tables.get_mut(&p) {
                t.partition_of = Some(name.clone());
                t.default_partition = *default;
                t.constraints.retain(|c| !own.contains(&c.name));
                // a partition's columns are all the parent's (observed on 15:
                // attislocal false after ATTACH, true again after DETACH)
                for c in &mut t.columns {
                    c.inherited = true;
                }
            }
            crate::catalog::partition_indexes::clone_parent_indexes(cat, name, &p, o);
        }
        AlterTableAction::DetachPartition { partition, .. } => {
            let p = cat.resolve_relation(partition);
            // the foreign keys it had from the tree become its own
            let inherited = inherited_foreign_keys(cat, name);
            if let Some(t) = cat.tables.get_mut(&p) {
                t.partition_of = None;
                t.default_partition = false;
                for c in &mut t.columns {
                    c.inherited = false;
                }
                for fk in inherited {
                    if !t.constraints.iter().any(|c| c.name == fk.name) {
                        t.constraints.push(fk);
                    }
                }
            }
        }
        AlterTableAction::Inherit { parent, no } => {
            let parent = cat.resolve_relation(parent);
            // after NO INHERIT, a column no other parent has is the table's own
            // (observed on 15: attislocal true, attinhcount 0)
            let kept: Vec<String> = cat
                .tables
                .get(name)
                .map(|t| {
                    t.inherits
                        .iter()
                        .filter(|p| **p != parent)
                        .filter_map(|p| cat.tables.get(p))
                        .flat_map(|p| p.columns.iter().map(|c| c.name.clone()))
                        .collect()
                })
                .unwrap_or_default();
            // a table cannot inherit from itself or its own descendant (observed on
            // 15: "circular inheritance not allowed")
            // nor a typed table, a partition or a partitioned table inherit at all
            // ("cannot change inheritance of typed table", "... of a partition")
            let fixed = cat.tables.get(name).is_some_and(|t| {
                t.of_type.is_some() || t.partition_of.is_some() || t.kind == TableKind::Partitioned
            });
            if !*no
                && (fixed
                    || &parent == name
                    || dependents::descendants(cat, name).contains(&parent))
            {
                return name.clone();
            }
            if let Some(t) = cat.tables.get_mut(name) {
                t.inherits.retain(|p| p != &parent);
                if *no {
                    for c in &mut t.columns {
                        if !kept.contains(&c.name) {
                            c.inherited = false;
                        }
                    }
                } else {
                    t.inherits.push(parent);
                    cat.any_inheritance = true;
                }
            }
        }
        _ => {}
    }
    name.clone()
}

/// `ALTER COLUMN ... TYPE` of one column.
fn change_column_type(c: &mut Column, ty: &TypeName) {
    let new = ty.without_serial();
    // a literal default was folded to a constant of the old type; PostgreSQL keeps it
    // so, under an implicit cast to the new type it does not print
    if (c.ty.name != new.name || c.ty.schema != new.schema)
        && let Some(d) = c.default.as_mut()
        && crate::ops::canonical::is_string_literal(&d.text)
    {
        let mut old = c.ty.clone();
        old.modifiers.clear();
        d.text = format!("{}::{}", d.text.trim(), old.canonical());
    }
    c.ty = new;
}

/// The foreign keys a partition of `table` has from it: `table`'s own and those it has
/// from its own ancestors.
pub(super) fn inherited_foreign_keys(cat: &Catalog, table: &ObjectName) -> Vec<Constraint> {
    cat.partition_ancestry(table)
        .iter()
        .filter_map(|t| cat.tables.get(t))
        .flat_map(|t| t.foreign_keys().map(|(c, _)| c.clone()))
        .collect()
}

/// Re-keys a table and everything that points at it.
pub(super) fn move_table(cat: &mut Catalog, old: &ObjectName, new: &ObjectName) {
    let Some(mut t) = cat.tables.remove(old) else {
        return;
    };
    t.name = new.clone();
    cat.tables.insert(new.clone(), t);
    for k in cat.indexes.keys_on(old) {
        cat.indexes.update(&k, |i| i.table = new.clone());
    }
    for s in cat.sequences.values_mut() {
        if let Some((t, _)) = &mut s.owned_by {
            if t == old {
                *t = new.clone();
            }
        }
    }
    for v in cat.views.values_mut() {
        for r in &mut v.reads {
            if r == old {
                *r = new.clone();
            }
        }
    }
    for t in cat.tables.values_mut() {
        if t.partition_of.as_ref() == Some(old) {
            t.partition_of = Some(new.clone());
        }
        for c in &mut t.constraints {
            if let ConstraintKind::ForeignKey { ref_table, .. } = &mut c.kind {
                let same =
                    ref_table == old || (ref_table.schema.is_none() && ref_table.name == old.name);
                if same {
                    *ref_table = new.clone();
                }
            }
        }
    }
}
