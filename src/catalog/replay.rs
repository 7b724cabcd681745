//! Applying operations to a [`Catalog`], the way PostgreSQL would change its own.
//!
//! Replay is forgiving: a history may be partial (a table created outside the
//! migrations), so altering an unknown table creates a placeholder with no origin (it
//! counts as pre-existing), and dropping an unknown object is a no-op.

use super::dependents;
use super::*;
use crate::ops::{
    AlterIndexAction, AlterSequenceAction, AlterTableAction, AlterTypeAction, AlterViewAction,
    ColumnDef, Constraint as OpConstraint, CreateTypeKind, IdentityChange, IndexKey, Operation,
};

use crate::ops::names::MAX_IDENTIFIER_BYTES;

/// Applies one operation. `origin` says which file and transaction this happens in.
pub fn apply(cat: &mut Catalog, op: &Operation, origin: Origin) {
    apply_operation(cat, op, origin);
    // the tables it changed are re-filed in the foreign-key lookup
    cat.tables.settle();
}

fn apply_operation(cat: &mut Catalog, op: &Operation, origin: Origin) {
    let o = Some(origin);
    match op {
        Operation::CreateTable(ct) => create_table(cat, ct, o),
        Operation::AlterTable(at) => {
            let mut name = cat.resolve_relation(&at.name);
            if cat.table(&name).is_none() {
                // ALTER TABLE renames and moves sequences and indexes too
                if cat.sequences.contains_key(&name) || cat.indexes.contains_key(&name) {
                    for action in &at.actions {
                        let new = match action {
                            AlterTableAction::RenameTable { to } => {
                                ObjectName::new(name.schema.as_deref(), to)
                            }
                            AlterTableAction::SetSchema { schema }
                                if cat.sequences.contains_key(&name) =>
                            {
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
                let mut placeholder = Table::new(name.clone(), None);
                // only ever altered here: its columns are whatever existed outside
                placeholder.columns_complete = false;
                cat.tables.insert(name.clone(), placeholder);
            }
            for action in &at.actions {
                name = alter_table(cat, &name, action, o);
                if let AlterTableAction::AddColumn { column, .. } = action
                    && !at.only
                {
                    dependents::column_added(cat, &name, &column.name);
                }
            }
        }
        Operation::DropTable(d) => {
            for n in &d.names {
                let name = cat.resolve_relation(n);
                if d.cascade {
                    for v in cat.dependent_views(&name) {
                        cat.views.remove(&v);
                    }
                    let resolved: Vec<(ObjectName, String)> = cat
                        .referencing(&name)
                        .map(|(t, c)| (t.name.clone(), c.name.clone()))
                        .collect();
                    for (t, c) in resolved {
                        if let Some(t) = cat.tables.get_mut(&t) {
                            t.constraints.retain(|x| x.name != c);
                        }
                    }
                }
                drop_table(cat, &name);
            }
        }
        Operation::CreateIndex(ci) => {
            let table = cat.resolve_relation(&ci.table);
            let schema = table
                .schema
                .clone()
                .unwrap_or_else(|| cat.creation_schema());
            let columns: Vec<String> = ci.keys.iter().map(index_key_text).collect();
            let name = match &ci.name {
                Some(n) => n.clone(),
                None => choose_name(&table.name, Some(&auto_columns(&ci.keys)), "idx", |n| {
                    relation_name_taken(cat, Some(&schema), n)
                }),
            };
            let qname = ObjectName::new(Some(&schema), &name);
            if ci.if_not_exists && cat.indexes.contains_key(&qname) {
                return;
            }
            let partitioned = cat
                .table(&table)
                .is_some_and(|t| t.kind == TableKind::Partitioned);
            let index = Index {
                name: qname.clone(),
                table,
                columns,
                unique: ci.unique,
                primary: false,
                valid: !(ci.only && partitioned),
                partial: ci.predicate.is_some(),
                predicate: ci.predicate.clone(),
                method: ci.method.clone(),
                origin: o,
            };
            cat.indexes.insert(qname, index.clone());
            if partitioned && !ci.only {
                super::partition_indexes::clone_to_partitions(cat, &index, o);
            }
        }
        Operation::DropIndex(d) => {
            for n in &d.names {
                if let Some(key) = cat.resolve_in(&cat.indexes, n).map(|(k, _)| k.clone()) {
                    if let Some(index) = cat.indexes.get(&key).cloned() {
                        super::partition_indexes::drop_from_partitions(cat, &index);
                    }
                    cat.indexes.remove(&key);
                }
            }
        }
        Operation::AlterIndex(ai) => {
            let Some(key) = cat
                .resolve_in(&cat.indexes, &ai.name)
                .map(|(k, _)| k.clone())
            else {
                return;
            };
            match &ai.action {
                AlterIndexAction::Rename { to } => rename_index(cat, &key, to),
                AlterIndexAction::SetSchema { schema } => {
                    cat.indexes
                        .rekey(&key, ObjectName::new(Some(schema), &key.name));
                }
                AlterIndexAction::AttachPartition { .. } => {
                    cat.indexes.update(&key, |idx| idx.valid = true);
                }
                _ => {}
            }
        }
        Operation::Reindex(_) => {}
        Operation::CreateView(cv) => {
            let name = cat.qualify_created(&cv.name);
            if cv.if_not_exists && cat.views.contains_key(&name) {
                return;
            }
            let reads = cv.reads.iter().map(|r| cat.resolve_relation(r)).collect();
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
        Operation::AlterView(av) => {
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
        Operation::DropView { drop, .. } => {
            for n in &drop.names {
                let name = cat.resolve_relation(n);
                if drop.cascade {
                    for v in cat.dependent_views(&name) {
                        cat.views.remove(&v);
                    }
                }
                cat.views.remove(&name);
                for k in cat.indexes.keys_on(&name) {
                    cat.indexes.remove(&k);
                }
            }
        }
        Operation::CreateType(ct) => {
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
        Operation::AlterType(at) => {
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
        Operation::AlterDomain { name, description } => {
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
        Operation::DropType(d) => {
            for n in &d.names {
                if let Some(key) = cat.resolve_in(&cat.types, n).map(|(k, _)| k.clone()) {
                    if d.cascade {
                        dependents::drop_type_cascade(cat, &key);
                    }
                    cat.types.remove(&key);
                }
            }
        }
        Operation::CreateSequence {
            name,
            if_not_exists,
            owned_by,
        } => {
            let name = cat.qualify_created(name);
            if *if_not_exists && cat.sequences.contains_key(&name) {
                return;
            }
            let owned_by = owned_by
                .as_ref()
                .map(|(t, c)| (cat.resolve_relation(t), c.clone()));
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
        Operation::AlterSequence { name, action, .. } => {
            let Some(key) = cat.resolve_in(&cat.sequences, name).map(|(k, _)| k.clone()) else {
                return;
            };
            match action {
                AlterSequenceAction::OwnedBy { table, column } => {
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
        Operation::DropSequence(d) => {
            for n in &d.names {
                if let Some(key) = cat.resolve_in(&cat.sequences, n).map(|(k, _)| k.clone()) {
                    if d.cascade {
                        dependents::drop_sequence_cascade(cat, &key);
                    }
                    cat.sequences.remove(&key);
                }
            }
        }
        Operation::CreateSchema { name, .. } => {
            // a schema that already exists keeps its origin (IF NOT EXISTS)
            let created = cat.schemas.insert(name.clone());
            if created {
                cat.schema_origins.insert(name.clone(), origin);
            }
        }
        Operation::AlterSchema {
            name,
            rename_to: Some(to),
        } => rename_schema(cat, name, to),
        Operation::DropSchema(d) => {
            for n in &d.names {
                let schema = n.name.clone();
                cat.schemas.remove(&schema);
                cat.schema_origins.remove(&schema);
                if d.cascade {
                    let in_schema = |k: &ObjectName| k.schema.as_deref() == Some(schema.as_str());
                    cat.tables.retain(|k, _| !in_schema(k));
                    cat.indexes.retain(|k, _| !in_schema(k));
                    cat.views.retain(|k, _| !in_schema(k));
                    cat.types.retain(|k, _| !in_schema(k));
                    cat.sequences.retain(|k, _| !in_schema(k));
                    cat.functions.retain(|k, _| !in_schema(k));
                }
            }
        }
        Operation::CreateExtension { name, .. } => {
            // an extension that already exists keeps its origin (IF NOT EXISTS)
            let created = cat.extensions.insert(name.clone());
            if created {
                cat.extension_origins.insert(name.clone(), origin);
            }
        }
        Operation::DropExtension(d) => {
            for n in &d.names {
                cat.extensions.remove(&n.name);
                cat.extension_origins.remove(&n.name);
            }
        }
        Operation::CreateFunction(cf) => {
            let name = cat.qualify_created(&cf.name);
            let f = Function {
                name: name.clone(),
                args: cf.args.clone(),
                volatility: cf.volatility.clone(),
                body: cf.body.clone(),
                returns_trigger: cf.returns_trigger,
                inline: cf.inline.clone(),
                origin: o,
            };
            let overloads = cat.functions.entry(name).or_default();
            match overloads.iter_mut().find(|g| g.args == cf.args) {
                Some(existing) => {
                    existing.volatility = f.volatility;
                    existing.body = f.body;
                    existing.returns_trigger = f.returns_trigger;
                    existing.inline = f.inline;
                }
                None => overloads.push(f),
            }
        }
        Operation::DropFunction { drop, .. } => {
            for n in &drop.names {
                if let Some(key) = cat.resolve_in(&cat.functions, n).map(|(k, _)| k.clone()) {
                    cat.functions.remove(&key);
                    if drop.cascade {
                        dependents::drop_function_cascade(cat, &key);
                    }
                }
            }
        }
        Operation::AlterFunction {
            name,
            rename_to,
            set_schema,
            ..
        } => {
            let Some(key) = cat.resolve_in(&cat.functions, name).map(|(k, _)| k.clone()) else {
                return;
            };
            let new = match (rename_to, set_schema) {
                (Some(to), _) => ObjectName::new(key.schema.as_deref(), to),
                (None, Some(schema)) => ObjectName::new(Some(schema), &key.name),
                _ => return,
            };
            // triggers run the function by oid: they follow it
            for t in cat.tables.values_mut() {
                for tr in t.triggers.values_mut() {
                    if let Some(f) = &mut tr.function
                        && f.name == key.name
                        && f.schema
                            .as_ref()
                            .is_none_or(|s| Some(s) == key.schema.as_ref())
                    {
                        *f = ObjectName::new(
                            f.schema.as_ref().and(new.schema.as_deref()),
                            &new.name,
                        );
                    }
                }
            }
            if let Some(mut f) = cat.functions.remove(&key) {
                for o in &mut f {
                    o.name = new.clone();
                }
                cat.functions.insert(new, f);
            }
        }
        Operation::CreateTrigger(ct) => {
            if let Some(t) = cat.table_mut(&ct.table) {
                t.triggers.insert(
                    ct.name.clone(),
                    Trigger {
                        function: ct.function.clone(),
                        events: ct.events.clone(),
                        for_each_row: ct.for_each_row,
                    },
                );
            }
        }
        Operation::AlterTrigger {
            name,
            table,
            rename_to: Some(to),
        } => {
            if let Some(t) = cat.table_mut(table) {
                if let Some(f) = t.triggers.remove(name) {
                    t.triggers.insert(to.clone(), f);
                }
            }
        }
        Operation::DropTrigger { name, table, .. } => {
            if let Some(t) = cat.table_mut(table) {
                t.triggers.remove(name);
            }
        }
        Operation::Set(set) if set.name == "timezone" => match &set.value {
            Some(v) => {
                cat.timezone = v.clone();
                cat.timezone_set = true;
            }
            None => {
                cat.timezone = Catalog::default().timezone;
                cat.timezone_set = false;
            }
        },
        Operation::Set(set) if set.name == "check_function_bodies" => {
            let value = set
                .value
                .as_deref()
                .map(|v| v.trim_matches('\'').to_ascii_lowercase());
            cat.check_function_bodies =
                !matches!(value.as_deref(), Some("off" | "false" | "0" | "no"));
        }
        Operation::Cluster {
            table: Some(table),
            index: Some(index),
        } => {
            let table = cat.resolve_relation(table);
            mark_clustered(cat, &table, Some(index));
        }
        Operation::Set(set) if set.name == "session_authorization" => {
            cat.session_user = set.value.clone();
            cat.role = None;
        }
        Operation::Set(set) if set.name == "role" => cat.role = set.value.clone(),
        Operation::DropOwned { roles, cascade } => drop_owned(cat, roles, *cascade),
        Operation::ReassignOwned { roles, to } => {
            let to = cat.role_named(to);
            let (tables, views, sequences) = owned_relations(cat, roles);
            for t in tables {
                set_owner(cat, &t, to.clone());
            }
            for v in views {
                if let Some(v) = cat.views.get_mut(&v) {
                    v.owner.clone_from(&to);
                }
            }
            for s in sequences {
                if let Some(s) = cat.sequences.get_mut(&s) {
                    s.owner.clone_from(&to);
                }
            }
        }
        Operation::Set(set) if set.name == "search_path" => {
            cat.search_path = match &set.value {
                Some(v) => parse_search_path(v),
                None => vec!["public".to_string()],
            };
        }
        _ => {}
    }
}

/// `ALTER INDEX key RENAME TO to` (or `ALTER TABLE`): an index backing a constraint
/// renames the constraint too.
fn rename_index(cat: &mut Catalog, key: &ObjectName, to: &str) {
    let new = ObjectName::new(key.schema.as_deref(), to);
    let Some(idx) = cat.indexes.rekey(key, new) else {
        return;
    };
    let table = idx.table.clone();
    if let Some(t) = cat.tables.get_mut(&table) {
        for c in &mut t.constraints {
            if c.index.as_deref() == Some(key.name.as_str()) {
                c.index = Some(to.to_string());
                c.name = to.to_string();
            }
        }
    }
}

/// Renames or moves a sequence; the defaults that name it follow.
fn move_sequence(cat: &mut Catalog, key: &ObjectName, new: ObjectName) {
    if move_object(&mut cat.sequences, key, new.clone()).is_some() {
        dependents::sequence_moved(cat, key, &new);
    }
}

/// Catalog objects that carry their own (qualified) name.
trait Named {
    fn name_mut(&mut self) -> &mut ObjectName;
}

macro_rules! named {
    ($($t:ty),*) => {$(
        impl Named for $t {
            fn name_mut(&mut self) -> &mut ObjectName {
                &mut self.name
            }
        }
    )*};
}
named!(Index, View, TypeDef, Sequence);

/// Re-keys one object (rename or SET SCHEMA); returns it for further changes.
fn move_object<'a, T: Named>(
    map: &'a mut BTreeMap<ObjectName, T>,
    old: &ObjectName,
    new: ObjectName,
) -> Option<&'a mut T> {
    let mut obj = map.remove(old)?;
    *obj.name_mut() = new.clone();
    map.insert(new.clone(), obj);
    map.get_mut(&new)
}

/// `"$user", public, "My Schema"` -> `[public, My Schema]`.
pub fn parse_search_path(value: &str) -> Vec<String> {
    let path: Vec<String> = value
        .split(',')
        .map(crate::ops::names::fold_ident)
        .map(|s| s.trim_matches('\'').to_string())
        .filter(|s| !s.is_empty() && s != "$user")
        .collect();
    if path.is_empty() {
        vec!["public".to_string()]
    } else {
        path
    }
}

fn create_table(cat: &mut Catalog, ct: &crate::ops::CreateTable, o: Option<Origin>) {
    let name = cat.qualify_new_table(&ct.name, ct.persistence);
    let temporary =
        ct.persistence == Persistence::Temporary || name.schema.as_deref() == Some("pg_temp");
    if cat.tables.contains_key(&name) && ct.if_not_exists {
        return;
    }
    // re-creating a table we think exists: the history is partial or we missed a drop
    drop_table(cat, &name);
    let mut table = Table::new(name.clone(), o);
    table.owner = cat.current_role();
    table.persistence = if temporary {
        cat.temp_relations = true;
        Persistence::Temporary
    } else {
        ct.persistence
    };
    table.columns_complete = ct.as_query.is_none()
        && ct.like.iter().all(|l| cat.table(l).is_some())
        && ct
            .inherits
            .iter()
            .all(|p| cat.table(p).is_some_and(|p| p.columns_complete))
        && ct
            .partition_of
            .as_ref()
            .is_none_or(|p| cat.table(p).is_some_and(|p| p.columns_complete));
    if ct.partitioned {
        table.kind = TableKind::Partitioned;
    }
    if ct.foreign {
        table.kind = TableKind::Foreign;
    }
    table.partition_key.clone_from(&ct.partition_key);
    table.partition_of = ct.partition_of.as_ref().map(|p| cat.resolve_relation(p));
    table.of_type.clone_from(&ct.of_type);
    table.default_partition = table.partition_of.is_some()
        && ct.partition_bound == Some(crate::ops::PartitionBound::Default);
    table.inherits = ct
        .inherits
        .iter()
        .map(|p| cat.resolve_relation(p))
        .collect();
    cat.any_inheritance |= !table.inherits.is_empty();
    // a child has its parents' columns first, and their CHECK constraints (not NO
    // INHERIT); a column it declares again is merged into the inherited one, in place
    // (observed on 15)
    for parent in &table.inherits.clone() {
        if let Some(p) = cat.tables.get(parent) {
            for c in &p.columns {
                if table.column(&c.name).is_none() {
                    table.columns.push(c.clone());
                }
            }
            for c in &p.constraints {
                if matches!(
                    c.kind,
                    ConstraintKind::Check {
                        no_inherit: false,
                        ..
                    }
                ) && table.constraint(&c.name).is_none()
                {
                    table.constraints.push(Constraint {
                        origin: o,
                        ..c.clone()
                    });
                }
            }
        }
    }
    for source in &ct.like {
        if let Some(src) = cat.table(source) {
            table.columns.extend(src.columns.iter().cloned());
        }
    }
    if let Some(parent) = table.partition_of.as_ref().and_then(|p| cat.table(p)) {
        table.columns = parent.columns.clone();
    }
    cat.tables.insert(name.clone(), table);
    let (columns, constraints) = without_redundant_indexes(&ct.columns, &ct.constraints);
    for col in &columns {
        add_column(cat, &name, col, o);
    }
    for c in &constraints {
        add_constraint(cat, &name, c, o);
    }
    if let Some(parent) = cat.table(&name).and_then(|t| t.partition_of.clone()) {
        super::partition_indexes::clone_parent_indexes(cat, &parent, &name, o);
    }
}

/// The columns and table constraints of one `CREATE TABLE` (or one `ADD COLUMN`) without
/// the unique constraints PostgreSQL does not create (`transformIndexConstraints`): one
/// with the same columns, in the same order, as the primary key or an earlier unique
/// constraint of the statement, and the same deferrability and `NULLS NOT DISTINCT`.
/// The primary key is kept first; a kept unnamed constraint takes the name of a named
/// one it absorbs. Observed on 15: `id int PRIMARY KEY UNIQUE` and `PRIMARY KEY (id),
/// UNIQUE (id)` make only the primary key (`id int CONSTRAINT u UNIQUE, PRIMARY KEY
/// (id)`: a primary key named `u`); `UNIQUE (x, id)` beside `PRIMARY KEY (id, x)`, and
/// a `DEFERRABLE` duplicate, are kept; `ALTER TABLE ... ADD PRIMARY KEY (id), ADD
/// UNIQUE (id)` keeps both.
fn without_redundant_indexes(
    columns: &[ColumnDef],
    constraints: &[OpConstraint],
) -> (Vec<ColumnDef>, Vec<OpConstraint>) {
    let mut columns = columns.to_vec();
    let mut constraints = constraints.to_vec();
    // where each index constraint is: (column index or None for the table's, position)
    let mut at: Vec<(Option<usize>, usize)> = Vec::new();
    for (ci, col) in columns.iter().enumerate() {
        for k in 0..col.constraints.len() {
            at.push((Some(ci), k));
        }
    }
    at.extend((0..constraints.len()).map(|k| (None, k)));
    let get =
        |columns: &[ColumnDef], constraints: &[OpConstraint], (ci, k): (Option<usize>, usize)| {
            match ci {
                Some(ci) => columns[ci].constraints[k].clone(),
                None => constraints[k].clone(),
            }
        };
    // (columns, nulls not distinct, deferrable) of an index constraint built here
    let shape = |c: &OpConstraint| match &c.kind {
        ConstraintKind::PrimaryKey {
            columns,
            using_index: None,
        } => Some((columns.clone(), false, c.deferrable)),
        ConstraintKind::Unique {
            columns,
            using_index: None,
            nulls_not_distinct,
        } => Some((columns.clone(), *nulls_not_distinct, c.deferrable)),
        _ => None,
    };
    let is_pk = |c: &OpConstraint| matches!(c.kind, ConstraintKind::PrimaryKey { .. });
    let index_constraints: Vec<(Option<usize>, usize)> = at
        .into_iter()
        .filter(|&p| shape(&get(&columns, &constraints, p)).is_some())
        .collect();
    let mut kept: Vec<(Option<usize>, usize)> = index_constraints
        .iter()
        .copied()
        .filter(|&p| is_pk(&get(&columns, &constraints, p)))
        .take(1)
        .collect();
    let mut dropped: Vec<(Option<usize>, usize)> = Vec::new();
    for &p in &index_constraints {
        if kept.first() == Some(&p) && is_pk(&get(&columns, &constraints, p)) {
            continue;
        }
        let c = get(&columns, &constraints, p);
        let prior = kept
            .iter()
            .copied()
            .find(|&q| shape(&get(&columns, &constraints, q)) == shape(&c));
        match prior {
            Some(q) => {
                if c.name.is_some() {
                    let slot = match q.0 {
                        Some(ci) => &mut columns[ci].constraints[q.1],
                        None => &mut constraints[q.1],
                    };
                    if slot.name.is_none() {
                        slot.name = c.name.clone();
                    }
                }
                dropped.push(p);
            }
            None => kept.push(p),
        }
    }
    // remove from the back so that positions stay right
    dropped.sort_unstable_by_key(|p| std::cmp::Reverse(p.1));
    for (ci, k) in dropped {
        match ci {
            Some(ci) => {
                columns[ci].constraints.remove(k);
            }
            None => {
                constraints.remove(k);
            }
        }
    }
    (columns, constraints)
}

fn add_column(cat: &mut Catalog, table: &ObjectName, def: &ColumnDef, o: Option<Origin>) {
    let mut column = Column {
        name: def.name.clone(),
        ty: def.ty.without_serial(),
        not_null: def.not_null || def.identity.is_some() || def.ty.is_serial(),
        default: def.default.clone(),
        generated: def.generated.clone(),
        identity: def.identity,
    };
    if def.ty.is_serial() || def.identity.is_some() {
        let schema = table.schema.as_deref();
        let seq = ObjectName::new(
            schema,
            &choose_name(&table.name, Some(&def.name), "seq", |n| {
                relation_name_taken(cat, schema, n)
            }),
        );
        if def.ty.is_serial() {
            column.default = Some(crate::ops::Expr {
                text: format!("nextval('{seq}'::regclass)"),
                functions: vec!["nextval".to_string()],
                ..Default::default()
            });
        }
        cat.sequences.insert(
            seq.clone(),
            Sequence {
                name: seq,
                owned_by: Some((table.clone(), def.name.clone())),
                origin: o,
                // a column's sequence has its table's owner
                owner: cat.tables.get(table).and_then(|t| t.owner.clone()),
            },
        );
    }
    if let Some(t) = cat.tables.get_mut(table) {
        // a column of the name already there (inherited) is merged where it is
        match t.columns.iter_mut().find(|c| c.name == def.name) {
            Some(existing) => {
                column.not_null |= existing.not_null;
                if column.default.is_none() {
                    column.default = existing.default.take();
                }
                *existing = column;
            }
            None => t.columns.push(column),
        }
    }
    for c in &def.constraints {
        add_constraint(cat, table, c, o);
    }
}

/// The name PostgreSQL gives a constraint added to `table`: its own, or the automatic
/// `<table>_<columns>_<pkey|key|check|fkey|excl>`.
pub fn constraint_name(table: &ObjectName, c: &OpConstraint) -> String {
    let (label, cols): (&str, Vec<String>) = match &c.kind {
        ConstraintKind::PrimaryKey { columns, .. } => ("pkey", columns.clone()),
        ConstraintKind::Unique { columns, .. } => ("key", columns.clone()),
        ConstraintKind::Check { expr, .. } => ("check", {
            let mut cols = expr.columns.clone();
            cols.dedup();
            if cols.len() == 1 { cols } else { Vec::new() }
        }),
        ConstraintKind::ForeignKey { columns, .. } => ("fkey", columns.clone()),
        ConstraintKind::Exclude { columns, .. } => ("excl", columns.clone()),
        ConstraintKind::NotNull { column } => ("not_null", vec![column.clone()]),
    };
    match &c.name {
        Some(n) => n.clone(),
        None if label == "pkey" => make_object_name(&table.name, None, label),
        None => {
            let addition = cols.join("_");
            let addition = (!addition.is_empty()).then_some(addition);
            make_object_name(&table.name, addition.as_deref(), label)
        }
    }
}

/// PostgreSQL's `ChooseRelationName` / `ChooseConstraintName`: `name1_name2_label`, and
/// while that is taken, `label1`, `label2`, ... in its place (the whole shortened to 63
/// bytes each time).
pub(super) fn choose_name(
    name1: &str,
    name2: Option<&str>,
    label: &str,
    taken: impl Fn(&str) -> bool,
) -> String {
    let mut pass = 0u32;
    loop {
        let modified = if pass == 0 {
            label.to_string()
        } else {
            format!("{label}{pass}")
        };
        let name = make_object_name(name1, name2, &modified);
        if !taken(&name) {
            return name;
        }
        pass += 1;
    }
}

/// A relation (`pg_class`: table, index, sequence, view, composite type) named `name`
/// exists in `schema`.
pub(super) fn relation_name_taken(cat: &Catalog, schema: Option<&str>, name: &str) -> bool {
    let n = ObjectName::new(schema, name);
    cat.tables.contains_key(&n)
        || cat.indexes.contains_key(&n)
        || cat.sequences.contains_key(&n)
        || cat.views.contains_key(&n)
        || cat
            .types
            .get(&n)
            .is_some_and(|t| matches!(t.kind, TypeKind::Composite))
}

/// A constraint named `name` exists on some table of `schema` (constraint names an
/// automatic name must avoid are the schema's, not only the table's).
fn constraint_name_taken(cat: &Catalog, schema: Option<&str>, name: &str) -> bool {
    cat.tables.constraint_named(schema, name)
}

/// The name PostgreSQL gives a constraint added to `table` now: its own; the index's
/// for `USING INDEX`; else the automatic one, made unique as PostgreSQL does. An index
/// backing it (primary key, unique, exclusion) is named by `ChooseRelationName`, which
/// avoids the schema's relation and constraint names; a CHECK or foreign key by
/// `ChooseConstraintName`, which avoids the schema's constraint names.
fn choose_constraint_name(cat: &Catalog, table: &ObjectName, c: &OpConstraint) -> String {
    if let Some(n) = &c.name {
        return n.clone();
    }
    if let ConstraintKind::PrimaryKey {
        using_index: Some(i),
        ..
    }
    | ConstraintKind::Unique {
        using_index: Some(i),
        ..
    } = &c.kind
    {
        return i.clone();
    }
    let first = constraint_name(table, c);
    let schema = table.schema.as_deref();
    let backed = matches!(
        c.kind,
        ConstraintKind::PrimaryKey { .. }
            | ConstraintKind::Unique { .. }
            | ConstraintKind::Exclude { .. }
    );
    let taken = |n: &str| {
        (backed && relation_name_taken(cat, schema, n)) || constraint_name_taken(cat, schema, n)
    };
    if !taken(&first) {
        return first;
    }
    let (label, cols): (&str, Vec<String>) = match &c.kind {
        ConstraintKind::PrimaryKey { .. } => ("pkey", Vec::new()),
        ConstraintKind::Unique { columns, .. } => ("key", columns.clone()),
        ConstraintKind::Exclude { columns, .. } => ("excl", columns.clone()),
        ConstraintKind::ForeignKey { columns, .. } => ("fkey", columns.clone()),
        ConstraintKind::NotNull { column } => ("not_null", vec![column.clone()]),
        ConstraintKind::Check { expr, .. } => ("check", {
            let mut cols = expr.columns.clone();
            cols.dedup();
            if cols.len() == 1 { cols } else { Vec::new() }
        }),
    };
    let addition = cols.join("_");
    let addition = (!addition.is_empty()).then_some(addition);
    choose_name(&table.name, addition.as_deref(), label, taken)
}

fn add_constraint(cat: &mut Catalog, table: &ObjectName, c: &OpConstraint, o: Option<Origin>) {
    if !cat.tables.contains_key(table) {
        return;
    }
    let name = choose_constraint_name(cat, table, c);
    // store the referenced table resolved, so lookups compare names
    let mut kind = c.kind.clone();
    if let ConstraintKind::ForeignKey { ref_table, .. } = &mut kind {
        *ref_table = if ref_table.schema.is_none() && ref_table.name == table.name {
            table.clone()
        } else {
            cat.resolve_relation(ref_table)
        };
    }
    let cols: Vec<String> = match &c.kind {
        ConstraintKind::Check { .. } => Vec::new(),
        k => k.columns().to_vec(),
    };
    let schema = table.schema.clone();
    let index = match &c.kind {
        ConstraintKind::PrimaryKey { using_index, .. }
        | ConstraintKind::Unique { using_index, .. } => {
            let primary = matches!(c.kind, ConstraintKind::PrimaryKey { .. });
            match using_index {
                Some(idx) => {
                    // the index is renamed to the constraint's name and now backs it
                    let old = ObjectName::new(schema.as_deref(), idx);
                    if let Some(mut i) = cat.indexes.remove(&old) {
                        // the constraint's columns are the index's (the statement names
                        // none)
                        if let ConstraintKind::PrimaryKey { columns, .. }
                        | ConstraintKind::Unique { columns, .. } = &mut kind
                            && columns.is_empty()
                        {
                            columns.clone_from(&i.columns);
                        }
                        let new = ObjectName::new(schema.as_deref(), &name);
                        i.name = new.clone();
                        i.primary = primary;
                        i.unique = true;
                        if primary {
                            mark_not_null(cat, table, &i.columns.clone());
                        }
                        // the constraint is on the index's columns
                        if let ConstraintKind::PrimaryKey { columns, .. }
                        | ConstraintKind::Unique { columns, .. } = &mut kind
                            && columns.is_empty()
                        {
                            columns.clone_from(&i.columns);
                        }
                        cat.indexes.insert(new, i);
                    }
                }
                None => {
                    let new = ObjectName::new(schema.as_deref(), &name);
                    cat.indexes.insert(
                        new.clone(),
                        Index {
                            name: new,
                            table: table.clone(),
                            columns: cols.clone(),
                            unique: true,
                            primary,
                            valid: true,
                            partial: false,
                            predicate: None,
                            method: None,
                            origin: o,
                        },
                    );
                    if primary {
                        mark_not_null(cat, table, &cols);
                    }
                }
            }
            Some(name.clone())
        }
        ConstraintKind::Exclude { .. } => {
            let new = ObjectName::new(schema.as_deref(), &name);
            cat.indexes.insert(
                new.clone(),
                Index {
                    name: new,
                    table: table.clone(),
                    columns: cols.clone(),
                    unique: false,
                    primary: false,
                    valid: true,
                    partial: false,
                    predicate: None,
                    method: None,
                    origin: o,
                },
            );
            Some(name.clone())
        }
        ConstraintKind::NotNull { column } => {
            if !c.not_valid {
                mark_not_null(cat, table, std::slice::from_ref(column));
            }
            None
        }
        _ => None,
    };
    if let Some(t) = cat.tables.get_mut(table) {
        t.constraints.retain(|x| x.name != name);
        t.constraints.push(Constraint {
            name,
            kind,
            validated: !c.not_valid,
            index,
            origin: o,
        });
    }
}

/// `CLUSTER t USING i` / `ALTER TABLE t CLUSTER ON i` mark the index (`None`: `SET
/// WITHOUT CLUSTER`). On a partitioned table each partition's index is marked, not the
/// parent's (observed on 15: a later bare `CLUSTER` rewrote the partition, and `CLUSTER
/// parent` failed with "there is no previously clustered index").
fn mark_clustered(cat: &mut Catalog, table: &ObjectName, index: Option<&String>) {
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

fn mark_not_null(cat: &mut Catalog, table: &ObjectName, columns: &[String]) {
    if let Some(t) = cat.tables.get_mut(table) {
        for c in &mut t.columns {
            if columns.contains(&c.name) {
                c.not_null = true;
            }
        }
    }
}

/// Applies one ALTER TABLE action; returns the table's name afterwards (renames).
fn alter_table(
    cat: &mut Catalog,
    name: &ObjectName,
    action: &AlterTableAction,
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
        } => dependents::drop_column(cat, name, col, *cascade),
        AlterTableAction::AlterColumnType { column, ty, .. } => {
            if let Some(c) = cat.tables.get_mut(name).and_then(|t| t.column_mut(column)) {
                let new = ty.without_serial();
                // a literal default was folded to a constant of the old type; PostgreSQL
                // keeps it so, under an implicit cast to the new type it does not print
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
                c.default = Some(expr.clone());
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
                    IdentityChange::Set => {}
                }
            }
            // an identity column owns a sequence, made and dropped with the identity
            match change {
                IdentityChange::Add(_) if known => {
                    let schema = name.schema.as_deref();
                    let seq = ObjectName::new(
                        schema,
                        &choose_name(&name.name, Some(column), "seq", |n| {
                            relation_name_taken(cat, schema, n)
                        }),
                    );
                    cat.sequences.insert(
                        seq.clone(),
                        Sequence {
                            name: seq,
                            owned_by: Some((name.clone(), column.clone())),
                            origin: o,
                            owner: cat.tables.get(name).and_then(|t| t.owner.clone()),
                        },
                    );
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
            if let Some(c) = cat.tables.get_mut(name).and_then(|t| t.column_mut(column)) {
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
            }
            super::partition_indexes::clone_parent_indexes(cat, name, &p, o);
        }
        AlterTableAction::DetachPartition { partition, .. } => {
            let p = cat.resolve_relation(partition);
            // the foreign keys it had from the tree become its own
            let inherited = inherited_foreign_keys(cat, name);
            if let Some(t) = cat.tables.get_mut(&p) {
                t.partition_of = None;
                t.default_partition = false;
                for fk in inherited {
                    if !t.constraints.iter().any(|c| c.name == fk.name) {
                        t.constraints.push(fk);
                    }
                }
            }
        }
        AlterTableAction::Inherit { parent, no } => {
            let parent = cat.resolve_relation(parent);
            if let Some(t) = cat.tables.get_mut(name) {
                t.inherits.retain(|p| p != &parent);
                if !no {
                    t.inherits.push(parent);
                    cat.any_inheritance = true;
                }
            }
        }
        _ => {}
    }
    name.clone()
}

/// The foreign keys a partition of `table` has from it: `table`'s own and those it has
/// from its own ancestors.
fn inherited_foreign_keys(cat: &Catalog, table: &ObjectName) -> Vec<Constraint> {
    cat.partition_ancestry(table)
        .iter()
        .filter_map(|t| cat.tables.get(t))
        .flat_map(|t| t.foreign_keys().map(|(c, _)| c.clone()))
        .collect()
}

/// Re-keys a table and everything that points at it.
fn move_table(cat: &mut Catalog, old: &ObjectName, new: &ObjectName) {
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

/// The session ends (schemaguard's unit of a session is one migration file, as for the
/// session settings): its temporary tables go, with their indexes, sequences and
/// partitions, and so do the objects in `pg_temp` and the views that read a temporary
/// relation (PostgreSQL makes such a view temporary itself).
pub fn end_session(cat: &mut Catalog) {
    // a session's roles end with it
    cat.session_user = None;
    cat.role = None;
    // nothing temporary was made: nothing to look for (this runs after every file)
    if !cat.temp_relations && !cat.temp_objects {
        return;
    }
    let is_temp_schema = |n: &ObjectName| n.schema.as_deref() == Some("pg_temp");
    let temp: Vec<ObjectName> = cat
        .tables
        .iter()
        .filter(|(k, t)| t.persistence == Persistence::Temporary || is_temp_schema(k))
        .map(|(k, _)| k.clone())
        .collect();
    let mut gone: std::collections::HashSet<ObjectName> = temp.iter().cloned().collect();
    for t in &temp {
        drop_table(cat, t);
    }
    // views on temporary relations, until none is left
    loop {
        let views: Vec<ObjectName> = cat
            .views
            .iter()
            .filter(|(k, v)| is_temp_schema(k) || v.reads.iter().any(|r| gone.contains(r)))
            .map(|(k, _)| k.clone())
            .collect();
        if views.is_empty() {
            break;
        }
        for v in views {
            cat.views.remove(&v);
            gone.insert(v);
        }
    }
    cat.sequences.retain(|k, _| !is_temp_schema(k));
    cat.types.retain(|k, _| !is_temp_schema(k));
    cat.indexes.retain(|k, _| !is_temp_schema(k));
    cat.temp_relations = false;
    cat.temp_objects = false;
}

/// A table's new owner, and the sequences it owns with it.
fn set_owner(cat: &mut Catalog, table: &ObjectName, owner: Option<String>) {
    if let Some(t) = cat.tables.get_mut(table) {
        t.owner.clone_from(&owner);
    }
    for s in cat.sequences.values_mut() {
        if s.owned_by.as_ref().is_some_and(|(t, _)| t == table) {
            s.owner.clone_from(&owner);
        }
    }
}

/// The tables, views and sequences (those no table owns) that any of `roles` owns, by
/// name, sorted.
pub fn owned_relations(
    cat: &Catalog,
    roles: &[String],
) -> (Vec<ObjectName>, Vec<ObjectName>, Vec<ObjectName>) {
    let mut tables: Vec<ObjectName> = cat
        .tables
        .values()
        .filter(|t| cat.owned_by_any(&t.owner, roles))
        .map(|t| t.name.clone())
        .collect();
    let mut views: Vec<ObjectName> = cat
        .views
        .values()
        .filter(|v| cat.owned_by_any(&v.owner, roles))
        .map(|v| v.name.clone())
        .collect();
    let mut sequences: Vec<ObjectName> = cat
        .sequences
        .values()
        .filter(|s| s.owned_by.is_none() && cat.owned_by_any(&s.owner, roles))
        .map(|s| s.name.clone())
        .collect();
    tables.sort();
    views.sort();
    sequences.sort();
    (tables, views, sequences)
}

/// `DROP OWNED BY roles`: their views, tables (with what they own) and sequences go.
fn drop_owned(cat: &mut Catalog, roles: &[String], cascade: bool) {
    let (tables, views, sequences) = owned_relations(cat, roles);
    for v in views {
        cat.views.remove(&v);
    }
    for t in tables {
        if cascade {
            for v in cat.dependent_views(&t) {
                cat.views.remove(&v);
            }
        }
        drop_table(cat, &t);
    }
    for s in sequences {
        cat.sequences.remove(&s);
    }
}

fn drop_table(cat: &mut Catalog, name: &ObjectName) {
    if cat.tables.remove(name).is_none() {
        return;
    }
    for k in cat.indexes.keys_on(name) {
        cat.indexes.remove(&k);
    }
    cat.sequences
        .retain(|_, s| s.owned_by.as_ref().is_none_or(|(t, _)| t != name));
    // partitions go with their parent
    let parts: Vec<ObjectName> = cat
        .tables
        .values()
        .filter(|t| t.partition_of.as_ref() == Some(name))
        .map(|t| t.name.clone())
        .collect();
    for p in parts {
        drop_table(cat, &p);
    }
}

fn rename_view(cat: &mut Catalog, name: &ObjectName, to: &str) {
    move_view(cat, name, ObjectName::new(name.schema.as_deref(), to));
}

/// Re-keys a view, and the views reading it follow (they read it by OID).
fn move_view(cat: &mut Catalog, old: &ObjectName, new: ObjectName) {
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

fn rename_schema(cat: &mut Catalog, from: &str, to: &str) {
    cat.schemas.remove(from);
    cat.schemas.insert(to.to_string());
    if let Some(o) = cat.schema_origins.remove(from) {
        cat.schema_origins.insert(to.to_string(), o);
    }
    fn rekey<T>(map: &mut BTreeMap<ObjectName, T>, from: &str, to: &str) {
        let keys: Vec<ObjectName> = map
            .keys()
            .filter(|k| k.schema.as_deref() == Some(from))
            .cloned()
            .collect();
        for k in keys {
            if let Some(v) = map.remove(&k) {
                map.insert(ObjectName::new(Some(to), &k.name), v);
            }
        }
    }
    let table_keys: Vec<ObjectName> = cat
        .tables
        .keys()
        .filter(|k| k.schema.as_deref() == Some(from))
        .cloned()
        .collect();
    for k in table_keys {
        if let Some(t) = cat.tables.remove(&k) {
            cat.tables.insert(ObjectName::new(Some(to), &k.name), t);
        }
    }
    let index_keys: Vec<ObjectName> = cat
        .indexes
        .keys()
        .filter(|k| k.schema.as_deref() == Some(from))
        .cloned()
        .collect();
    for k in index_keys {
        cat.indexes.rekey(&k, ObjectName::new(Some(to), &k.name));
    }
    rekey(&mut cat.views, from, to);
    rekey(&mut cat.types, from, to);
    rekey(&mut cat.sequences, from, to);
    rekey(&mut cat.functions, from, to);
    let fix = |n: &mut ObjectName| {
        if n.schema.as_deref() == Some(from) {
            n.schema = Some(to.to_string());
        }
    };
    for t in cat.tables.values_mut() {
        fix(&mut t.name);
    }
    for i in cat.indexes.values_mut() {
        fix(&mut i.name);
        fix(&mut i.table);
    }
    for v in cat.views.values_mut() {
        fix(&mut v.name);
    }
}

fn index_key_text(key: &IndexKey) -> String {
    match key {
        IndexKey::Column(c) => c.clone(),
        IndexKey::Expression(e) => format!("({})", e.text),
    }
}

/// The column part of an automatic index name: columns joined by `_`, `expr` for expressions.
fn auto_columns(keys: &[IndexKey]) -> String {
    let parts: Vec<&str> = keys
        .iter()
        .map(|k| match k {
            IndexKey::Column(c) => c.as_str(),
            IndexKey::Expression(e) => expression_column_name(&e.text),
        })
        .collect();
    parts.join("_")
}

/// The name PostgreSQL gives an index expression's column (`FigureColname`): the
/// function's name for a function call (`lower(email)` -> `lower`), else `expr`.
pub(super) fn expression_column_name(text: &str) -> &str {
    let t = text.trim().trim_start_matches('(').trim_start();
    let end = t
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '"'))
        .unwrap_or(t.len());
    let (head, rest) = t.split_at(end);
    if head.is_empty() || !rest.trim_start().starts_with('(') {
        return "expr";
    }
    head.rsplit('.')
        .next()
        .map(|n| n.trim_matches('"'))
        .filter(|n| !n.is_empty())
        .unwrap_or("expr")
}

/// PostgreSQL's `makeObjectName`: `name1_name2_label`, shortening the longer of the two
/// names first so that the whole fits in 63 bytes.
pub fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let overhead = label.len() + 1 + usize::from(name2.is_some());
    let avail = MAX_IDENTIFIER_BYTES.saturating_sub(overhead);
    let mut n1 = name1.len();
    let mut n2 = name2.map_or(0, str::len);
    while n1 + n2 > avail {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let clip = |s: &str, mut n: usize| {
        while n > 0 && !s.is_char_boundary(n) {
            n -= 1;
        }
        s[..n].to_string()
    };
    let mut out = clip(name1, n1);
    if let Some(n) = name2 {
        out.push('_');
        out.push_str(&clip(n, n2));
    }
    out.push('_');
    out.push_str(label);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn automatic_names_fit_in_63_bytes_like_postgres() {
        assert_eq!(
            make_object_name("accounts", Some("email"), "key"),
            "accounts_email_key"
        );
        assert_eq!(make_object_name("accounts", None, "pkey"), "accounts_pkey");
        let long = "a".repeat(60);
        let name = make_object_name(&long, Some("col"), "fkey");
        assert_eq!(name.len(), 63);
        assert!(name.ends_with("_col_fkey"));
    }

    #[test]
    fn expression_index_columns_are_named_like_postgres() {
        assert_eq!(expression_column_name("lower(email)"), "lower");
        assert_eq!(
            expression_column_name("public.canon_crate_name(name)"),
            "canon_crate_name"
        );
        assert_eq!(expression_column_name("(a + b)"), "expr");
        assert_eq!(expression_column_name("a"), "expr");
    }

    fn replay(cat: &mut Catalog, file: usize, sql: &str) {
        for stmt in crate::parse::parse_file(sql).statements {
            apply(
                cat,
                &stmt.op,
                Origin {
                    file,
                    transaction: file as u64,
                },
            );
        }
    }

    #[test]
    fn schemas_and_extensions_remember_where_they_were_created() {
        let mut cat = Catalog::default();
        replay(
            &mut cat,
            1,
            "CREATE SCHEMA app; CREATE SCHEMA IF NOT EXISTS public; CREATE EXTENSION pgcrypto;",
        );
        assert_eq!(cat.schema_origin("app").flatten().map(|o| o.file), Some(1));
        // `public` was there before the history: IF NOT EXISTS does not claim it
        assert_eq!(cat.schema_origin("public"), Some(None));
        assert_eq!(cat.schema_origin("nowhere"), None);
        assert_eq!(
            cat.extension_origin("pgcrypto").flatten().map(|o| o.file),
            Some(1)
        );
        replay(
            &mut cat,
            2,
            "ALTER SCHEMA app RENAME TO core; DROP EXTENSION pgcrypto;",
        );
        assert_eq!(cat.schema_origin("core").flatten().map(|o| o.file), Some(1));
        assert_eq!(cat.schema_origin("app"), None);
        assert_eq!(cat.extension_origin("pgcrypto"), None);
    }

    #[test]
    fn constraints_and_trigger_functions_keep_their_origin() {
        let mut cat = Catalog::default();
        replay(
            &mut cat,
            1,
            "CREATE TABLE t (id bigint PRIMARY KEY, n int CONSTRAINT n_positive CHECK (n > 0));\n\
             CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;",
        );
        replay(
            &mut cat,
            2,
            "ALTER TABLE t RENAME CONSTRAINT n_positive TO n_gt_zero;",
        );
        let t = cat.table(&ObjectName::unqualified("t")).unwrap();
        assert_eq!(
            t.constraint("n_gt_zero")
                .and_then(|c| c.origin)
                .map(|o| o.file),
            Some(1)
        );
        assert_eq!(
            t.constraint("t_pkey")
                .and_then(|c| c.origin)
                .map(|o| o.file),
            Some(1)
        );
        let (_, f) = cat.function(&ObjectName::unqualified("touch")).unwrap();
        assert!(f[0].returns_trigger);
    }

    #[test]
    fn dropping_a_trigger_function_with_cascade_drops_its_triggers() {
        let mut cat = Catalog::default();
        replay(
            &mut cat,
            1,
            "CREATE TABLE t (id bigint);\n\
             CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n\
             CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();",
        );
        let triggers = |cat: &Catalog| {
            let t = cat.table(&ObjectName::unqualified("t")).unwrap();
            t.triggers.keys().cloned().collect::<Vec<_>>()
        };
        assert_eq!(triggers(&cat), vec!["t_touch"]);
        replay(&mut cat, 2, "DROP FUNCTION touch() CASCADE;");
        assert!(triggers(&cat).is_empty());
    }

    fn table<'a>(cat: &'a Catalog, name: &str) -> &'a Table {
        cat.table(&ObjectName::unqualified(name))
            .unwrap_or_else(|| panic!("no table {name}"))
    }

    fn index<'a>(cat: &'a Catalog, name: &str) -> Option<&'a Index> {
        cat.index(&ObjectName::unqualified(name))
    }

    fn check_text(t: &Table, name: &str) -> String {
        match t.constraint(name).map(|c| &c.kind) {
            Some(ConstraintKind::Check { expr, .. }) => expr.text.clone(),
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn a_column_rename_reaches_every_expression_using_it() {
        let mut cat = Catalog::default();
        replay(
            &mut cat,
            1,
            "CREATE TABLE person (id int PRIMARY KEY, actor_id text, blocked timestamptz,\n\
               total int, half int GENERATED ALWAYS AS (total / 2) STORED,\n\
               CONSTRAINT total_set CHECK (total IS NOT NULL OR actor_id <> 'actor_id'));\n\
             CREATE UNIQUE INDEX person_lower_actor ON person (lower(actor_id));\n\
             CREATE INDEX person_blocked ON person (id) WHERE blocked IS NOT NULL;",
        );
        replay(
            &mut cat,
            2,
            "ALTER TABLE person RENAME COLUMN actor_id TO ap_id;\n\
             ALTER TABLE person RENAME COLUMN blocked TO blocked_at;\n\
             ALTER TABLE person RENAME total TO sum;",
        );
        let t = table(&cat, "person");
        assert_eq!(
            check_text(t, "total_set"),
            "sum IS NOT NULL OR ap_id <> 'actor_id'"
        );
        let half = t.column("half").and_then(|c| c.generated.as_ref());
        assert_eq!(half.map(|g| g.expr.text.as_str()), Some("sum / 2"));
        let lower = index(&cat, "person_lower_actor").map(|i| i.columns.clone());
        assert_eq!(lower, Some(vec!["(lower(ap_id))".to_string()]));
        let blocked = index(&cat, "person_blocked").and_then(|i| i.predicate.clone());
        assert_eq!(
            blocked.map(|p| (p.text, p.columns)),
            Some((
                "blocked_at IS NOT NULL".to_string(),
                vec!["blocked_at".to_string()]
            ))
        );
    }

    #[test]
    fn a_foreign_key_follows_its_renamed_column_and_a_new_one_gets_the_next_name() {
        let mut cat = Catalog::default();
        replay(
            &mut cat,
            1,
            "CREATE TABLE builds (id bigserial PRIMARY KEY, rerun_of int REFERENCES builds (id));",
        );
        replay(
            &mut cat,
            2,
            "ALTER TABLE builds RENAME COLUMN rerun_of TO rerun_of_old;\n\
             ALTER TABLE builds ADD COLUMN rerun_of bigint REFERENCES builds (id);",
        );
        let t = table(&cat, "builds");
        let fks: Vec<(String, Vec<String>)> = t
            .foreign_keys()
            .map(|(c, _)| (c.name.clone(), c.kind.columns().to_vec()))
            .collect();
        assert_eq!(
            fks,
            vec![
                (
                    "builds_rerun_of_fkey".to_string(),
                    vec!["rerun_of_old".to_string()]
                ),
                (
                    "builds_rerun_of_fkey1".to_string(),
                    vec!["rerun_of".to_string()]
                ),
            ]
        );
    }

    #[test]
    fn dropping_a_column_drops_the_indexes_and_constraints_using_it() {
        let mut cat = Catalog::default();
        replay(
            &mut cat,
            1,
            "CREATE TABLE r (x int, y int, PRIMARY KEY (x, y));\n\
             CREATE TABLE t (id int PRIMARY KEY, a int, b int, email text, d int,\n\
               g int GENERATED ALWAYS AS (a * 2) STORED,\n\
               CONSTRAINT ab_check CHECK (a > b), UNIQUE (a, b), UNIQUE (b),\n\
               CONSTRAINT fk_ad FOREIGN KEY (a, d) REFERENCES r (x, y));\n\
             CREATE UNIQUE INDEX t_email_lower ON t (lower(email));\n\
             CREATE INDEX t_pred ON t (id) WHERE email IS NOT NULL;\n\
             CREATE INDEX t_ba ON t (b, a);\n\
             CREATE SEQUENCE t_seq OWNED BY t.a;",
        );
        replay(
            &mut cat,
            2,
            "ALTER TABLE t DROP COLUMN email; ALTER TABLE t DROP COLUMN a CASCADE;",
        );
        let t = table(&cat, "t");
        let mut constraints: Vec<&str> = t.constraints.iter().map(|c| c.name.as_str()).collect();
        constraints.sort_unstable();
        assert_eq!(constraints, ["t_b_key", "t_pkey"]);
        let columns: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(columns, ["id", "b", "d"]);
        let indexes: Vec<&str> = cat
            .indexes_on(&t.name)
            .map(|i| i.name.name.as_str())
            .collect();
        assert_eq!(indexes, ["t_b_key", "t_pkey"]);
        assert!(cat.sequence(&ObjectName::unqualified("t_seq")).is_none());
    }

    #[test]
    fn renamed_sequences_enum_values_and_types_are_followed_by_their_users() {
        let mut cat = Catalog::default();
        replay(
            &mut cat,
            1,
            "CREATE TYPE mode AS ENUM ('open', 'require_application');\n\
             CREATE TABLE user_ (id serial PRIMARY KEY,\n\
               registration mode DEFAULT 'require_application' NOT NULL,\n\
               modes mode[], CHECK (registration <> 'open'));",
        );
        replay(
            &mut cat,
            2,
            "ALTER TABLE user_ RENAME TO person;\n\
             ALTER SEQUENCE user__id_seq RENAME TO person_id_seq;\n\
             ALTER TYPE mode RENAME VALUE 'require_application' TO 'RequireApplication';\n\
             ALTER TYPE mode RENAME VALUE 'open' TO 'Open';\n\
             ALTER TYPE mode RENAME TO registration_mode;",
        );
        let t = table(&cat, "person");
        let default = |c: &str| {
            t.column(c)
                .and_then(|c| c.default.as_ref())
                .map(|d| d.text.clone())
        };
        assert_eq!(
            default("id").as_deref(),
            Some("nextval('public.person_id_seq'::regclass)")
        );
        assert_eq!(
            default("registration").as_deref(),
            Some("'RequireApplication'")
        );
        assert_eq!(
            check_text(t, "user__registration_check"),
            "registration <> 'Open'"
        );
        let ty = |c: &str| t.column(c).map(|c| (c.ty.name.clone(), c.ty.array_dims));
        assert_eq!(
            ty("registration"),
            Some(("registration_mode".to_string(), 0))
        );
        assert_eq!(ty("modes"), Some(("registration_mode".to_string(), 1)));
        // ALTER TABLE renames a sequence too
        replay(
            &mut cat,
            3,
            "ALTER TABLE person_id_seq RENAME TO people_id_seq;",
        );
        let t = table(&cat, "person");
        assert!(
            t.column("id")
                .and_then(|c| c.default.as_ref())
                .is_some_and(|d| d.text.contains("people_id_seq"))
        );
        assert!(
            cat.table(&ObjectName::unqualified("person_id_seq"))
                .is_none()
        );
    }

    #[test]
    fn triggers_follow_a_renamed_function_and_go_with_it() {
        let mut cat = Catalog::default();
        replay(
            &mut cat,
            1,
            "CREATE TABLE t (id bigint);\n\
             CREATE FUNCTION user_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n\
             CREATE TRIGGER t_insert AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION user_insert();",
        );
        replay(
            &mut cat,
            2,
            "ALTER FUNCTION user_insert() RENAME TO person_insert;\n\
             DROP FUNCTION person_insert CASCADE;",
        );
        assert!(table(&cat, "t").triggers.is_empty());
    }

    #[test]
    fn dropping_a_type_with_cascade_drops_its_columns() {
        let mut cat = Catalog::default();
        replay(
            &mut cat,
            1,
            "CREATE TYPE mood AS ENUM ('a', 'b');\n\
             CREATE TABLE t (id int, m mood, n int);\n\
             CREATE INDEX t_m ON t (m);",
        );
        replay(&mut cat, 2, "DROP TYPE mood CASCADE;");
        let columns: Vec<&str> = table(&cat, "t")
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(columns, ["id", "n"]);
        assert!(index(&cat, "t_m").is_none());
    }

    #[test]
    fn automatic_names_avoid_the_schemas_taken_names_like_postgres() {
        let mut cat = Catalog::default();
        replay(
            &mut cat,
            1,
            "CREATE TABLE x (a int CONSTRAINT t_a_check CHECK (a > 0));\n\
             CREATE TABLE t (a int CHECK (a > 1), b int CHECK (b > 0), CHECK (b < 10));\n\
             CREATE TABLE t_a_idx (z int);\n\
             CREATE INDEX ON t (a);\n\
             CREATE TABLE y (q int CONSTRAINT u_pkey CHECK (q > 0));\n\
             CREATE TABLE u (id int PRIMARY KEY);\n\
             CREATE SEQUENCE v_id_seq;\n\
             CREATE TABLE v (id serial);",
        );
        let mut checks: Vec<&str> = table(&cat, "t")
            .constraints
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        checks.sort_unstable();
        assert_eq!(checks, ["t_a_check1", "t_b_check", "t_b_check1"]);
        assert!(index(&cat, "t_a_idx1").is_some());
        assert_eq!(
            table(&cat, "u").primary_key().map(|c| c.name.as_str()),
            Some("u_pkey1")
        );
        assert!(index(&cat, "u_pkey1").is_some());
        assert!(
            cat.sequence(&ObjectName::unqualified("v_id_seq1"))
                .is_some()
        );
    }

    #[test]
    fn a_unique_repeating_the_primary_key_in_create_table_is_not_made() {
        let mut cat = Catalog::default();
        replay(
            &mut cat,
            1,
            "CREATE TABLE a1 (id int PRIMARY KEY UNIQUE);\n\
             CREATE TABLE a2 (id int, PRIMARY KEY (id), UNIQUE (id));\n\
             CREATE TABLE a4 (id int, x int, UNIQUE (id, x), UNIQUE (id, x));\n\
             CREATE TABLE a5 (id int, x int, UNIQUE (x, id), PRIMARY KEY (id, x));\n\
             CREATE TABLE a6 (id int PRIMARY KEY); ALTER TABLE a6 ADD UNIQUE (id);\n\
             CREATE TABLE a8 (x int, UNIQUE (x), UNIQUE (x), CONSTRAINT foo UNIQUE (x));\n\
             CREATE TABLE a9 (x int, UNIQUE (x) DEFERRABLE, PRIMARY KEY (x));\n\
             CREATE TABLE b1 (id int CONSTRAINT u1 UNIQUE, PRIMARY KEY (id));\n\
             CREATE TABLE b4 (id int); ALTER TABLE b4 ADD COLUMN y int PRIMARY KEY UNIQUE;",
        );
        let names = |t: &str| {
            let mut n: Vec<String> = table(&cat, t)
                .constraints
                .iter()
                .map(|c| c.name.clone())
                .collect();
            n.sort_unstable();
            n
        };
        assert_eq!(names("a1"), ["a1_pkey"]);
        assert_eq!(names("a2"), ["a2_pkey"]);
        assert_eq!(names("a4"), ["a4_id_x_key"]);
        assert_eq!(names("a5"), ["a5_pkey", "a5_x_id_key"]);
        assert_eq!(names("a6"), ["a6_id_key", "a6_pkey"]);
        assert_eq!(names("a8"), ["foo"]);
        assert_eq!(names("a9"), ["a9_pkey", "a9_x_key"]);
        assert_eq!(names("b1"), ["u1"]);
        assert_eq!(names("b4"), ["b4_pkey"]);
        assert!(index(&cat, "a1_id_key").is_none());
        assert!(index(&cat, "u1").is_some_and(|i| i.primary));
    }

    #[test]
    fn a_child_inherits_its_parents_columns_and_checks_and_later_columns() {
        let mut cat = Catalog::default();
        replay(
            &mut cat,
            1,
            "CREATE TABLE par (id serial PRIMARY KEY, a int NOT NULL DEFAULT 5, b text,\n\
               CONSTRAINT par_a_check CHECK (a > 0), CONSTRAINT ni CHECK (a < 100) NO INHERIT);\n\
             CREATE TABLE ch (c int, a int DEFAULT 7) INHERITS (par);\n\
             ALTER TABLE par ADD COLUMN d int CHECK (d > 1);",
        );
        let ch = table(&cat, "ch");
        let columns: Vec<(&str, bool, Option<&str>)> = ch
            .columns
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    c.not_null,
                    c.default.as_ref().map(|d| d.text.as_str()),
                )
            })
            .collect();
        assert_eq!(
            columns,
            [
                ("id", true, Some("nextval('public.par_id_seq'::regclass)")),
                ("a", true, Some("7")),
                ("b", false, None),
                ("c", false, None),
                ("d", false, None),
            ]
        );
        let mut checks: Vec<&str> = ch.constraints.iter().map(|c| c.name.as_str()).collect();
        checks.sort_unstable();
        assert_eq!(checks, ["par_a_check", "par_d_check"]);
        assert!(cat.indexes_on(&ch.name).next().is_none());
    }

    #[test]
    fn alter_table_if_exists_on_an_unknown_table_changes_nothing() {
        let mut cat = Catalog::default();
        replay(
            &mut cat,
            1,
            "ALTER TABLE IF EXISTS nope ADD COLUMN x int;\nALTER TABLE elsewhere ADD COLUMN y int;",
        );
        assert!(cat.table(&ObjectName::unqualified("nope")).is_none());
        // without IF EXISTS the table is taken to exist outside the history
        let t = cat.table(&ObjectName::unqualified("elsewhere")).unwrap();
        assert!(!t.columns_complete);
    }

    #[test]
    fn search_path_skips_user_and_folds() {
        assert_eq!(
            parse_search_path("\"$user\", public, \"My\""),
            vec!["public", "My"]
        );
        assert_eq!(parse_search_path(""), vec!["public"]);
    }
}
