//! `CREATE INDEX`, `ALTER INDEX` (rename, `SET SCHEMA`, `ATTACH PARTITION`) and `DROP
//! INDEX`.

use super::*;

/// `CREATE INDEX`, named by `ChooseRelationName` when it has no name; `ON ONLY` a
/// partitioned table makes an invalid index until its partitions' are attached.
/// `CREATE INDEX`; returns the name of the index made (`None` when `IF NOT EXISTS`
/// found one).
pub(super) fn create_index(
    cat: &mut Catalog,
    ci: &crate::ops::CreateIndex,
    o: Option<Origin>,
) -> Option<ObjectName> {
    let table = cat.resolve_relation(&ci.table);
    let schema = table
        .schema
        .clone()
        .unwrap_or_else(|| cat.creation_schema());
    let keys: Vec<IndexKey> = ci
        .keys
        .iter()
        .map(|k| plain_column_key(cat, &table, k))
        .collect();
    let columns: Vec<String> = keys.iter().map(index_key_text).collect();
    let name = match &ci.name {
        Some(n) => n.clone(),
        // the INCLUDE columns are part of the name (observed on 15: `ON t (a, b)
        // INCLUDE (c)` is `t_a_b_c_idx`)
        None => {
            let names: Vec<String> = keys
                .iter()
                .map(|k| match k {
                    IndexKey::Column(c) => c.clone(),
                    IndexKey::Expression(e) => super::names::expression_column_name(&e.text),
                })
                .chain(ci.include.iter().cloned())
                .collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let addition = unique_column_names(&names);
            choose_name(&table.name, Some(&addition), "idx", |n| {
                relation_name_taken(cat, Some(&schema), n)
            })
        }
    };
    let qname = ObjectName::new(Some(&schema), &name);
    if ci.if_not_exists && cat.indexes.contains_key(&qname) {
        return None;
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
    cat.indexes.insert(qname.clone(), index.clone());
    if partitioned && !ci.only {
        crate::catalog::partition_indexes::clone_to_partitions(cat, &index, o);
    }
    Some(qname)
}

/// An index expression that is a column once PostgreSQL has looked at it: `((a))`, and a
/// cast of a column to the type it already has (`("Mixed"::text)` of a text column),
/// are plain column keys (observed on 15: the index is `USING btree (a)`).
fn plain_column_key(cat: &Catalog, table: &ObjectName, key: &IndexKey) -> IndexKey {
    let IndexKey::Expression(e) = key else {
        return key.clone();
    };
    let mut t = e.text.trim();
    while let Some(inner) = t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        t = inner.trim();
    }
    let (name, cast) = match t.split_once("::") {
        Some((n, ty)) => (n.trim(), Some(ty.trim())),
        None => (t, None),
    };
    let plain = !name.is_empty()
        && !name.contains(['(', ')', ' ', '.'])
        && (name.starts_with('"') || !name.contains('"'));
    if !plain {
        return key.clone();
    }
    let column = crate::ops::names::fold_ident(name);
    let Some(col) = cat
        .table(table)
        .and_then(|t| t.columns.iter().find(|c| c.name == column))
    else {
        return key.clone();
    };
    match cast {
        None => IndexKey::Column(column),
        Some(ty) if crate::ops::TypeName::parse(ty).same_as(&col.ty) => IndexKey::Column(column),
        Some(_) => key.clone(),
    }
}

/// A `CREATE INDEX CONCURRENTLY` that failed while building: its index stays, invalid.
pub(super) fn left_invalid(cat: &mut Catalog, ci: &crate::ops::CreateIndex, o: Option<Origin>) {
    if let Some(index) = create_index(cat, ci, o).and_then(|name| cat.indexes.get_mut(&name)) {
        index.valid = false;
    }
}

/// A `REINDEX INDEX CONCURRENTLY` that failed while building: the copy it made,
/// `<index>_ccnew` (numbered when taken), stays, invalid.
pub(super) fn left_by_reindex(cat: &mut Catalog, name: &ObjectName, o: Option<Origin>) {
    let Some(index) = cat.resolve_in(&cat.indexes, name).map(|(_, i)| i.clone()) else {
        return;
    };
    let schema = index.name.schema.clone();
    let new = choose_name(&index.name.name, None, "ccnew", |n| {
        relation_name_taken(cat, schema.as_deref(), n)
    });
    let qname = ObjectName::new(schema.as_deref(), &new);
    cat.indexes.insert(
        qname.clone(),
        Index {
            name: qname,
            primary: false,
            valid: false,
            origin: o,
            ..index
        },
    );
}

/// `DROP INDEX`.
pub(super) fn drop_indexes(cat: &mut Catalog, d: &crate::ops::DropIndex) {
    for n in &d.names {
        if let Some(key) = cat.resolve_in(&cat.indexes, n).map(|(k, _)| k.clone()) {
            if let Some(index) = cat.indexes.get(&key).cloned() {
                crate::catalog::partition_indexes::drop_from_partitions(cat, &index);
            }
            cat.indexes.remove(&key);
        }
    }
}

/// `ALTER INDEX`: rename (a constraint's index renames the constraint), `SET SCHEMA`,
/// `ATTACH PARTITION` (the parent index becomes valid).
pub(super) fn alter_index(cat: &mut Catalog, ai: &crate::ops::AlterIndex) {
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

/// `ALTER INDEX key RENAME TO to` (or `ALTER TABLE`): an index backing a constraint
/// renames the constraint too.
pub(super) fn rename_index(cat: &mut Catalog, key: &ObjectName, to: &str) {
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

/// `ChooseIndexColumnNames`: a column name already used in the index gets a number,
/// the first free of `name1`, `name2`, ... (observed on 15: `(c1, c2) INCLUDE (c1, c3)`
/// is `t_c1_c2_c11_c3_idx`, two expressions `expr` and `expr1`).
fn unique_column_names(names: &[&str]) -> String {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        let mut candidate = name.to_string();
        let mut n = 0;
        while out.contains(&candidate) {
            n += 1;
            candidate = format!("{name}{n}");
        }
        out.push(candidate);
    }
    out.join("_")
}
