//! The indexes PostgreSQL gives partitions. An index on a partitioned table exists on
//! every partition: made when the index is created (`CREATE INDEX` without `ONLY`), when
//! a table is attached (`ATTACH PARTITION`) and when a partition is created (`CREATE
//! TABLE ... PARTITION OF`); a partition that has an equal index already has it attached
//! instead. Each new one is named as PostgreSQL names it (`ChooseIndexName` on the
//! partition: `<partition>_<columns>_idx`, made unique in its schema), so a later `DROP
//! INDEX idxpart2_a_idx` finds it (observed on 15 by `trace` over PostgreSQL's own
//! regression DDL).

use super::replay::names::{choose_name, expression_column_name, relation_name_taken};
use super::{Catalog, Index, Origin, TableKind};
use crate::ops::ObjectName;

/// Gives `partition` (and its partitions, when it is partitioned itself) each plain index
/// of `parent` it lacks.
pub(super) fn clone_parent_indexes(
    cat: &mut Catalog,
    parent: &ObjectName,
    partition: &ObjectName,
    o: Option<Origin>,
) {
    let indexes: Vec<Index> = cat
        .indexes
        .on(parent)
        .filter(|i| is_plain(cat, i))
        .cloned()
        .collect();
    for index in &indexes {
        clone_index(cat, index, partition, o);
    }
}

/// Creates `index`, just made on a partitioned table, on each partition that lacks an
/// equal one (down the tree).
pub(super) fn clone_to_partitions(cat: &mut Catalog, index: &Index, o: Option<Origin>) {
    if !is_plain(cat, index) {
        return;
    }
    let partitions: Vec<ObjectName> = cat
        .partitions(&index.table)
        .map(|t| t.name.clone())
        .collect();
    for p in &partitions {
        clone_index(cat, index, p, o);
    }
}

/// Drops, with `index` on a partitioned table, the partitions' indexes attached to it
/// (an equal one on each partition, down the tree), as `DROP INDEX` does.
pub(super) fn drop_from_partitions(cat: &mut Catalog, index: &Index) {
    let partitions: Vec<ObjectName> = cat
        .partitions(&index.table)
        .map(|t| t.name.clone())
        .collect();
    for p in &partitions {
        let attached = cat.indexes.on(p).find(|i| equal(i, index)).cloned();
        if let Some(child) = attached {
            drop_from_partitions(cat, &child);
            cat.indexes.remove(&child.name);
        }
    }
}

fn clone_index(cat: &mut Catalog, index: &Index, partition: &ObjectName, o: Option<Origin>) {
    if cat.indexes.on(partition).any(|i| equal(i, index)) {
        // attached to the parent's: nothing new
        return;
    }
    let schema = partition
        .schema
        .clone()
        .unwrap_or_else(|| cat.creation_schema());
    let name = choose_name(
        &partition.name,
        Some(&auto_columns(&index.columns)),
        "idx",
        |n| relation_name_taken(cat, Some(&schema), n),
    );
    let child = Index {
        name: ObjectName::new(Some(&schema), &name),
        table: partition.clone(),
        valid: true,
        origin: o,
        ..index.clone()
    };
    let partitioned = cat
        .table(partition)
        .is_some_and(|t| t.kind == TableKind::Partitioned);
    cat.indexes.insert(child.name.clone(), child.clone());
    if partitioned {
        clone_to_partitions(cat, &child, o);
    }
}

/// An index of its own, not the one behind a primary key, unique or exclusion
/// constraint (a partition gets those with the constraint, under the constraint's name).
fn is_plain(cat: &Catalog, index: &Index) -> bool {
    !index.primary
        && !cat.table(&index.table).is_some_and(|t| {
            t.constraints.iter().any(|c| {
                c.index.as_deref() == Some(index.name.name.as_str()) || c.name == index.name.name
            })
        })
}

/// Equal as PostgreSQL matches a partition's index to its parent's
/// (`CompareIndexInfo`): the same keys, method, uniqueness and predicate.
fn equal(a: &Index, b: &Index) -> bool {
    let method = |i: &Index| i.method.clone().unwrap_or_else(|| "btree".to_string());
    a.columns == b.columns
        && a.unique == b.unique
        && method(a).eq_ignore_ascii_case(&method(b))
        && a.predicate.as_ref().map(|p| &p.text) == b.predicate.as_ref().map(|p| &p.text)
}

/// The column part of the name: the columns joined by `_`, an expression (kept as
/// `(text)`) named as PostgreSQL names its column.
fn auto_columns(columns: &[String]) -> String {
    columns
        .iter()
        .map(
            |c| match c.strip_prefix('(').and_then(|c| c.strip_suffix(')')) {
                Some(expr) => expression_column_name(expr),
                None => c.clone(),
            },
        )
        .collect::<Vec<_>>()
        .join("_")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(history: &str) -> Catalog {
        let mut cat = Catalog::default();
        for stmt in crate::parse::parse_file(history).statements {
            crate::catalog::replay::apply(&mut cat, &stmt.op, Origin::default());
        }
        cat
    }

    fn index_names(cat: &Catalog) -> Vec<String> {
        let mut names: Vec<String> = cat.indexes.keys().map(|k| k.to_string()).collect();
        names.sort();
        names
    }

    /// PostgreSQL 15's own regression DDL (indexing.sql): idxpart1 had an equal index
    /// (attached, not copied), idxpart2 is attached without one, idxpart3 is created as
    /// a partition; the copies are named for their partitions.
    #[test]
    fn partitions_get_their_parents_indexes_named_for_them() {
        let cat = catalog(
            "create table idxpart (a int) partition by range (a);
             create table idxpart1 (like idxpart);
             create index on idxpart1 (a);
             create index on idxpart (a);
             create table idxpart2 (like idxpart);
             alter table idxpart attach partition idxpart1 for values from (0) to (1000);
             alter table idxpart attach partition idxpart2 for values from (1000) to (2000);
             create table idxpart3 partition of idxpart for values from (2000) to (3000);
             create table idxpart4 partition of idxpart for values from (3000) to (4000) partition by range (a);
             create table idxpart41 partition of idxpart4 for values from (3000) to (3500);
             create index on idxpart (lower(a::text)) where a > 0;",
        );
        assert_eq!(
            index_names(&cat),
            [
                "public.idxpart1_a_idx",
                "public.idxpart1_lower_idx",
                "public.idxpart2_a_idx",
                "public.idxpart2_lower_idx",
                "public.idxpart3_a_idx",
                "public.idxpart3_lower_idx",
                "public.idxpart41_a_idx",
                "public.idxpart41_lower_idx",
                "public.idxpart4_a_idx",
                "public.idxpart4_lower_idx",
                "public.idxpart_a_idx",
                "public.idxpart_lower_idx",
            ]
        );
        // ON ONLY: the parent's alone; DROP INDEX takes the partitions' with it
        let cat = catalog(
            "create table p (a int, b int) partition by list (a);
             create table p1 partition of p for values in (1);
             create index p_b on only p (b);
             create index p_a on p (a);
             drop index p_a;",
        );
        assert_eq!(index_names(&cat), ["public.p_b"]);
    }
}
