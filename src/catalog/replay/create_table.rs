//! `CREATE TABLE`: columns, constraints and the indexes they make (a UNIQUE repeating
//! the primary key is not made), `LIKE`, `INHERITS`, `PARTITION OF`.

use super::*;

/// `CREATE TABLE` (a table the catalog already has is replaced, unless `IF NOT EXISTS`).
pub(super) fn create_table(cat: &mut Catalog, ct: &crate::ops::CreateTable, o: Option<Origin>) {
    let name = cat.qualify_new_table(&ct.name, ct.persistence);
    let temporary =
        ct.persistence == Persistence::Temporary || name.schema.as_deref() == Some("pg_temp");
    if cat.tables.contains_key(&name) && ct.if_not_exists {
        return;
    }
    if crate::catalog::rejects::create_table(cat, ct).is_some() {
        // PostgreSQL rejects the definition: nothing is made
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
        && ct.like.iter().all(|l| cat.table(&l.source).is_some())
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
    table.of_type = ct.of_type.as_deref().cloned();
    table.default_partition = table.partition_of.is_some()
        && ct.partition_bound.as_deref() == Some(&crate::ops::PartitionBound::Default);
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
                    // identity is not inherited (observed on 15: NOT NULL only)
                    table.columns.push(Column {
                        inherited: true,
                        identity: None,
                        ..c.clone()
                    });
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
    // LIKE copies names, types and NOT NULL; defaults, generation expressions and
    // identity only when included (observed on 15: an included identity gets a
    // sequence of the new table, `<table>_<column>_seq`)
    let mut like_identities = Vec::new();
    for like in &ct.like {
        if let Some(src) = cat.table(&like.source) {
            // INCLUDING CONSTRAINTS copies the CHECK constraints, names and all
            if like.constraints {
                for c in &src.constraints {
                    if matches!(c.kind, ConstraintKind::Check { .. })
                        && table.constraint(&c.name).is_none()
                    {
                        table.constraints.push(Constraint {
                            origin: o,
                            ..c.clone()
                        });
                    }
                }
            }
            table.columns.extend(src.columns.iter().map(|c| {
                let identity = c.identity.filter(|_| like.identity);
                if identity.is_some() {
                    like_identities.push(c.name.clone());
                }
                Column {
                    inherited: false,
                    default: c.default.clone().filter(|_| like.defaults),
                    generated: c.generated.clone().filter(|_| like.generated),
                    identity,
                    ..c.clone()
                }
            }));
        }
    }
    if let Some(parent) = table.partition_of.as_ref().and_then(|p| cat.table(p)) {
        table.columns = parent
            .columns
            .iter()
            .map(|c| Column {
                inherited: true,
                ..c.clone()
            })
            .collect();
    }
    // a typed table has its type's attributes as columns; the list only adds options
    if let Some(ty) = &ct.of_type {
        match cat.type_def(ty).map(|t| &t.kind) {
            Some(TypeKind::Composite {
                attributes: Some(attributes),
            }) => {
                table.columns = attributes
                    .iter()
                    .map(|(name, ty)| Column {
                        name: name.clone(),
                        ty: ty.clone(),
                        not_null: false,
                        default: None,
                        generated: None,
                        identity: None,
                        inherited: false,
                    })
                    .collect();
            }
            _ => table.columns_complete = false,
        }
    }
    let (columns, constraints) = without_redundant_indexes(&ct.columns, &ct.constraints);
    // a table is kept for the whole run: room for exactly its columns (pushing one at
    // a time leaves room for four, 448 bytes each, in a table of one column)
    table.columns.reserve_exact(columns.len());
    cat.tables.insert(name.clone(), table);
    for column in &like_identities {
        add_column::identity_sequence(cat, &name, column, o);
    }
    for col in &columns {
        add_column(cat, &name, col, o);
    }
    for c in &constraints {
        add_constraint(cat, &name, c, o);
    }
    if let Some(parent) = cat.table(&name).and_then(|t| t.partition_of.clone()) {
        crate::catalog::partition_indexes::clone_parent_indexes(cat, &parent, &name, o);
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
pub(super) fn without_redundant_indexes(
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
