//! What a statement does to the database: which relations it locks and how strongly,
//! whether it rewrites or fully scans a table, and whether it may run inside a
//! transaction block. Pure knowledge: no I/O. The source of truth is
//! `postgres-locks.md`, checked against real servers (`tests/corpus.rs`, conformance).

mod add_column;
mod add_constraint;
mod alter_table;
mod builtin_volatility;
pub mod coercion;
mod drop_table;
mod kept_in_place;
pub mod partition;
mod reindex;
mod triggers;
mod views;
pub mod volatility;

#[cfg(test)]
mod tests;

use crate::catalog::{Catalog, RelKind, TableKind, TypeKind};
use crate::lock::LockMode;
use crate::ops::{
    AlterIndexAction, AlterSequenceAction, AlterTableAction, AlterTypeAction, ColumnDef,
    ConstraintKind, ObjectName, Operation, ReindexTarget,
};
use coercion::TypeChange;
use serde::Serialize;
use std::fmt;
use volatility::Volatility;

#[cfg(test)]
use kept_in_place::mentions;
pub use kept_in_place::{KeptInPlace, kept_in_place};

/// A PostgreSQL major version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PgVersion(pub u32);

impl PgVersion {
    pub const DEFAULT: PgVersion = PgVersion(16);
    /// Versions we know; 10 is accepted for the facts that differ before 11.
    pub const SUPPORTED: std::ops::RangeInclusive<u32> = 10..=18;
}

impl Default for PgVersion {
    fn default() -> Self {
        PgVersion::DEFAULT
    }
}

impl fmt::Display for PgVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RelationLock {
    /// Schema-qualified; for a table renamed by the statement, its new name.
    pub relation: ObjectName,
    pub kind: RelKind,
    pub mode: LockMode,
    /// The name before the statement, when the statement renames the relation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<ObjectName>,
}

impl RelationLock {
    /// The name the catalog knows the relation by before the statement.
    pub fn catalog_name(&self) -> &ObjectName {
        self.renamed_from.as_ref().unwrap_or(&self.relation)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanReason {
    /// Checking existing rows against a new constraint.
    Validate,
    /// Building an index.
    IndexBuild,
    /// Proving a column has no NULLs.
    NotNull,
    /// Checking rows against a partition bound.
    PartitionBound,
    /// Reading or writing every row (UPDATE/DELETE without WHERE, CREATE TABLE AS, ...).
    AllRows,
}

/// The columns `ADD PRIMARY KEY USING INDEX index` must prove NOT NULL by reading
/// every row: those of the index (else the constraint's) that are nullable, unless a
/// valid `CHECK (col IS NOT NULL)` proves them (PostgreSQL 12+; observed on 15: "existing
/// constraints on column ... are sufficient to prove that it does not contain nulls").
/// A table or column the catalog does not know counts as nullable.
pub fn primary_key_not_null_scan(
    cat: &Catalog,
    table: &ObjectName,
    index: &str,
    columns: &[String],
    v: PgVersion,
) -> Vec<String> {
    let idx_cols: &[String] = cat
        .index(&ObjectName::new(table.schema.as_deref(), index))
        .map_or(columns, |i| &i.columns);
    let t = cat.table(table);
    idx_cols
        .iter()
        .filter(|c| {
            t.is_none_or(|t| {
                let not_null = t.column(c).is_some_and(|col| col.not_null);
                let proven = v.0 >= 12 && t.check_proves_not_null(c);
                !(not_null || proven)
            })
        })
        .cloned()
        .collect()
}

impl ScanReason {
    /// The name it serializes as.
    pub fn as_str(self) -> &'static str {
        match self {
            ScanReason::Validate => "validate",
            ScanReason::IndexBuild => "index_build",
            ScanReason::NotNull => "not_null",
            ScanReason::PartitionBound => "partition_bound",
            ScanReason::AllRows => "all_rows",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Scan {
    pub relation: ObjectName,
    pub reason: ScanReason,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Effects {
    /// The strongest lock per relation.
    pub locks: Vec<RelationLock>,
    /// Tables (or materialized views) whose storage is rewritten.
    pub rewrites: Vec<ObjectName>,
    /// Tables read in full while the statement runs.
    pub scans: Vec<Scan>,
    /// Tables on which an index is built or rebuilt.
    pub index_builds: Vec<ObjectName>,
    /// `Some(why)` when the statement cannot run inside a transaction block.
    pub outside_transaction: Option<String>,
    /// `Some(why)` when the statement is an error on the target version.
    pub fails: Option<String>,
    /// Short explanations for the plan (why a rewrite happens or does not).
    pub notes: Vec<String>,
    /// What happens whatever the data: these effects without those that depend on
    /// rows being touched (row triggers, foreign-key checks and actions, which run once
    /// per row: on an empty table they take no locks). `None` when everything is
    /// certain. `trace` accepts anything between the two.
    #[serde(skip)]
    pub certain: Option<Box<Effects>>,
}

impl Effects {
    pub fn lock_on(&self, relation: &ObjectName) -> Option<LockMode> {
        self.locks
            .iter()
            .find(|l| &l.relation == relation)
            .map(|l| l.mode)
    }

    pub fn rewrites_table(&self, relation: &ObjectName) -> bool {
        self.rewrites.contains(relation)
    }

    pub fn scans_table(&self, relation: &ObjectName) -> bool {
        self.scans.iter().any(|s| &s.relation == relation)
    }

    /// Merges the effects of a statement that may or may not run (an embedded
    /// statement in a branch or loop of a DO block): they join the prediction, not its
    /// certain part.
    pub fn merge_data_dependent(&mut self, other: &Effects) {
        let certain = self.certain.take().map_or_else(|| self.clone(), |b| *b);
        self.merge(other);
        self.certain = Some(Box::new(certain));
    }

    /// Merges another statement's effects (a DO block's embedded statements).
    pub fn merge(&mut self, other: &Effects) {
        if self.certain.is_some() || other.certain.is_some() {
            let mut certain = self.certain.take().map_or_else(|| self.clone(), |b| *b);
            certain.merge(other.certain.as_deref().unwrap_or(other));
            self.certain = Some(Box::new(certain));
        }
        for l in &other.locks {
            match self.locks.iter_mut().find(|x| x.relation == l.relation) {
                Some(x) => x.mode = x.mode.max(l.mode),
                None => self.locks.push(l.clone()),
            }
        }
        for r in &other.rewrites {
            if !self.rewrites.contains(r) {
                self.rewrites.push(r.clone());
            }
        }
        for s in &other.scans {
            if !self.scans.contains(s) {
                self.scans.push(s.clone());
            }
        }
        for i in &other.index_builds {
            if !self.index_builds.contains(i) {
                self.index_builds.push(i.clone());
            }
        }
        if self.outside_transaction.is_none() {
            self.outside_transaction
                .clone_from(&other.outside_transaction);
        }
        if self.fails.is_none() {
            self.fails.clone_from(&other.fails);
        }
        self.notes.extend(other.notes.iter().cloned());
    }
}

fn add_lock(locks: &mut Vec<RelationLock>, relation: ObjectName, kind: RelKind, mode: LockMode) {
    match locks.iter_mut().find(|l| l.relation == relation) {
        Some(l) => l.mode = l.mode.max(mode),
        None => locks.push(RelationLock {
            relation,
            kind,
            mode,
            renamed_from: None,
        }),
    }
}

/// Computes the effects of `op`, run against `catalog` (the schema just before it) on
/// PostgreSQL `version`.
pub fn of(op: &Operation, catalog: &Catalog, version: PgVersion) -> Effects {
    let mut b = Builder {
        cat: catalog,
        v: version,
        e: Effects::default(),
        trigger_depth: 0,
    };
    b.operation(op);
    b.e
}

struct Builder<'a> {
    cat: &'a Catalog,
    v: PgVersion,
    e: Effects,
    /// How deep in trigger bodies we are (triggers can fire triggers).
    trigger_depth: u8,
}

/// Trigger bodies are followed this deep (a trigger's DML can fire further triggers).
const MAX_TRIGGER_DEPTH: u8 = 2;

/// PostgreSQL's error for `GENERATED BY DEFAULT AS (expr)` (every version).
use crate::catalog::rejects::GENERATED_BY_DEFAULT;

impl Builder<'_> {
    fn kind_of(&self, name: &ObjectName) -> RelKind {
        self.cat.relation_kind(name).unwrap_or(RelKind::Table)
    }

    fn lock(&mut self, name: &ObjectName, mode: LockMode) {
        let rel = self.cat.resolve_relation(name);
        let kind = self.kind_of(&rel);
        add_lock(&mut self.e.locks, rel, kind, mode);
    }

    /// Locks a table and, unless `only`, its partitions (recursively), as PostgreSQL
    /// recurses most ALTER TABLE actions.
    fn lock_tree(&mut self, name: &ObjectName, mode: LockMode, only: bool) {
        self.lock(name, mode);
        if only {
            return;
        }
        let rel = self.cat.resolve_relation(name);
        for d in self.descendants(&rel) {
            self.lock(&d, mode);
        }
    }

    /// A table's partitions and inheritance children, one level down. Only a
    /// partitioned table has partitions, and only a history that used `INHERITS` has
    /// children: other tables need no look through every table of the catalog (done for
    /// every ALTER TABLE of a long history).
    fn children(&self, rel: &ObjectName) -> Vec<ObjectName> {
        let mut out = self.cat.inheritors(rel);
        if self
            .cat
            .table(rel)
            .is_some_and(|t| t.kind == TableKind::Partitioned)
        {
            out.extend(self.cat.partitions(rel).map(|t| t.name.clone()));
        }
        out.retain(|c| c != rel);
        out
    }

    /// A new partition of `parent` gets clones of the foreign keys on both sides of it
    /// (observed on 15 by `trace`): those of `parent`, whose triggers go on each
    /// referenced table and its partitions, and those referencing `parent`, whose
    /// action triggers go on the partition with the referencing tables locked. All in
    /// SHARE ROW EXCLUSIVE. An attached table that already has a foreign key equal to
    /// one of `parent`'s keeps its own, and its action triggers on the referenced
    /// table are dropped: ACCESS EXCLUSIVE there (observed on 15).
    fn clone_foreign_keys(&mut self, parent: &ObjectName, attached: Option<&ObjectName>) {
        use LockMode::{AccessExclusive, ShareRowExclusive};
        if self.cat.table(parent).is_none() {
            return;
        }
        // a partition has the foreign keys of every table above it
        let tree = self.cat.partition_ancestry(parent);
        let keys: Vec<&crate::catalog::Constraint> = tree
            .iter()
            .filter_map(|t| self.cat.table(t))
            .flat_map(|t| t.foreign_keys().map(|(c, _)| c))
            .collect();
        let own = attached.and_then(|a| self.cat.table(a));
        let mut referenced: Vec<ObjectName> = Vec::new();
        for fk in keys {
            let ConstraintKind::ForeignKey { ref_table, .. } = &fk.kind else {
                continue;
            };
            if own.is_some_and(|p| {
                p.constraints
                    .iter()
                    .any(|c| self.cat.same_foreign_key(c, fk))
            }) {
                // on each partition of a partitioned referenced table, where they are
                self.lock_tree(ref_table, AccessExclusive, false);
            }
            referenced.push(self.cat.resolve_relation(ref_table));
        }
        let referencing: Vec<ObjectName> = tree
            .iter()
            .flat_map(|t| self.cat.referencing(t).map(|(r, _)| r.name.clone()))
            .filter(|t| t != parent)
            .collect();
        for r in referenced {
            // a self-referencing key's new triggers go on `parent` too (observed on 15)
            self.lock(&r, ShareRowExclusive);
            for d in self.descendants(&r) {
                self.lock(&d, ShareRowExclusive);
            }
        }
        for r in referencing {
            self.lock(&r, ShareRowExclusive);
        }
    }

    /// The tables a TRUNCATE empties: those named with their partitions and children
    /// (not for `ONLY`), and with CASCADE, every table that references one of them
    /// (a key to a partitioned table references each of its partitions), with its own
    /// partitions, until none is left (PostgreSQL's `heap_truncate_find_FKs` loop;
    /// observed on 15).
    fn truncated(
        &self,
        tables: &[ObjectName],
        only: &[ObjectName],
        cascade: bool,
    ) -> Vec<ObjectName> {
        let mut out: Vec<ObjectName> = Vec::new();
        let add = |t: ObjectName, out: &mut Vec<ObjectName>| {
            if !out.contains(&t) {
                out.push(t);
            }
        };
        for t in tables {
            let rel = self.cat.resolve_relation(t);
            if !only.contains(t) {
                for d in self.descendants(&rel) {
                    add(d, &mut out);
                }
            }
            add(rel, &mut out);
        }
        if !cascade {
            return out;
        }
        let mut next = 0;
        while next < out.len() {
            let t = out[next].clone();
            next += 1;
            for r in self.referencing_tree(&t) {
                if out.contains(&r) {
                    continue;
                }
                for d in self.descendants(&r) {
                    add(d, &mut out);
                }
                add(r, &mut out);
            }
        }
        out
    }

    /// The typed tables of a composite type (`CREATE TABLE t OF type`), matched by the
    /// type's name as columns' types are.
    /// Tables with a CHECK constraint or an index that reads attribute `attr` of one of
    /// their columns of the composite type `ty` (written `(col).attr`).
    fn reading_attribute(&self, ty: &ObjectName, attr: &str) -> Vec<ObjectName> {
        let field = format!(").{attr}");
        self.cat
            .tables
            .values()
            .filter(|t| {
                let columns: Vec<&str> = t
                    .columns
                    .iter()
                    .filter(|c| c.ty.name == ty.name)
                    .map(|c| c.name.as_str())
                    .collect();
                let reads = |columns_read: &[String], text: &str| {
                    columns_read.iter().any(|c| columns.contains(&c.as_str()))
                        && text.to_ascii_lowercase().contains(&field)
                };
                !columns.is_empty()
                    && (t.constraints.iter().any(|c| {
                        matches!(&c.kind, crate::ops::ConstraintKind::Check { expr, .. }
                            if reads(&expr.columns, &expr.text))
                    }) || self.cat.indexes_on(&t.name).any(|i| {
                        i.columns
                            .iter()
                            .any(|k| columns.iter().any(|c| k.contains(c)) && k.contains(&field))
                    }))
            })
            .map(|t| t.name.clone())
            .collect()
    }

    /// The tables with a foreign key to `table` or to a table above it in its partition
    /// tree (whose keys reach its partitions).
    fn referencing_tree(&self, table: &ObjectName) -> Vec<ObjectName> {
        self.cat
            .partition_ancestry(table)
            .iter()
            .flat_map(|a| self.cat.referencing(a).map(|(r, _)| r.name.clone()))
            .collect()
    }

    fn typed_tables(&self, ty: &ObjectName) -> Vec<ObjectName> {
        self.cat
            .tables
            .values()
            .filter(|t| t.of_type.as_ref().is_some_and(|o| o.name == ty.name))
            .map(|t| t.name.clone())
            .collect()
    }

    /// A new partition's bound is checked against the rows of the default partition:
    /// ACCESS EXCLUSIVE on it and, when it is partitioned itself, on its whole tree
    /// (observed on 15), whose leaves are scanned.
    fn default_partition_checked(&mut self, default: &ObjectName) {
        self.lock_tree(default, LockMode::AccessExclusive, false);
        for leaf in self.leaves(default) {
            self.scan(&leaf, ScanReason::PartitionBound);
        }
    }

    /// ADD COLUMN reaching inheritance children: each is locked ACCESS EXCLUSIVE, and
    /// the children of one that has the column already are not reached.
    fn lock_children_up_to_column(&mut self, table: &ObjectName, column: &str, depth: usize) {
        if depth >= 32 {
            return;
        }
        for c in self.children(table) {
            self.lock(&c, LockMode::AccessExclusive);
            let merged = self
                .cat
                .table(&c)
                .is_some_and(|t| t.column(column).is_some());
            if !merged {
                self.lock_children_up_to_column(&c, column, depth + 1);
            }
        }
    }

    /// `ALTER TABLE t DROP COLUMN c` down the tree: the children of each table the
    /// column goes from are locked in ACCESS EXCLUSIVE, and it goes on into a child
    /// whose copy it had only from that parent (`attinhcount` 1, not `attislocal`); a
    /// child that keeps the column (declared it too, or has it from another parent)
    /// stops it, and its children are not locked (observed on 15).
    fn lock_children_dropping_column(&mut self, table: &ObjectName, column: &str, depth: usize) {
        if depth >= 32 {
            return;
        }
        for c in self.children(table) {
            self.lock(&c, LockMode::AccessExclusive);
            if self.cat.column_drop_reaches(&c, column, table) {
                self.lock_children_dropping_column(&c, column, depth + 1);
            }
        }
    }

    /// `ALTER TABLE ONLY` dropping a column or CHECK constraint the children inherited:
    /// their copies become their own (`attislocal`, `conislocal`), one level down, in
    /// ACCESS EXCLUSIVE (observed on 15).
    fn children_keep_their_own(&mut self, table: &ObjectName) {
        for c in self.children(table) {
            self.lock(&c, LockMode::AccessExclusive);
        }
    }

    /// Locks the sequences `table`'s columns own (serial, identity), or `column`'s.
    fn lock_owned_sequences(&mut self, table: &ObjectName, column: Option<&str>, mode: LockMode) {
        for s in self.owned_sequences(table, column) {
            self.lock(&s, mode);
        }
    }

    /// `name` is a row trigger of the partitioned table `table` (so each partition has a
    /// clone of it).
    fn row_trigger_of_partitioned(&self, table: &ObjectName, name: &str) -> bool {
        self.is_partitioned(table)
            && self
                .cat
                .table(table)
                .and_then(|t| t.triggers.get(name))
                .is_some_and(|t| t.for_each_row)
    }

    /// Every table below `rel` (partitions and inheritance children, at any depth).
    fn descendants(&self, rel: &ObjectName) -> Vec<ObjectName> {
        let mut out: Vec<ObjectName> = Vec::new();
        let mut queue = self.children(rel);
        while let Some(c) = queue.pop() {
            if out.contains(&c) || &c == rel {
                continue;
            }
            queue.extend(self.children(&c));
            out.push(c);
        }
        out
    }

    /// A query on a parent reaches its descendants: PostgreSQL locks each in `mode`
    /// when it plans the query, except partitions it prunes (or, for INSERT, every
    /// partition a row is routed to). Which depends on the query and the rows, so these
    /// locks are possible, not certain (observed on 15 by `trace`).
    fn lock_descendants_possibly(&mut self, name: &ObjectName, mode: LockMode) {
        let rel = self.cat.resolve_relation(name);
        let below = self.descendants(&rel);
        if below.is_empty() {
            return;
        }
        self.data_dependent_from_here();
        for d in below {
            self.lock(&d, mode);
        }
    }

    /// A rewrite of a partitioned table rewrites its partitions (it has no storage of
    /// its own).
    fn rewrite(&mut self, name: &ObjectName) {
        let rel = self.cat.resolve_relation(name);
        if self.is_foreign(&rel) {
            // its rows are a foreign server's: nothing here to rewrite
            return;
        }
        let partitioned = self.is_partitioned(&rel);
        if !self.e.rewrites.contains(&rel) {
            self.e.rewrites.push(rel.clone());
        }
        if partitioned {
            for leaf in self.leaves(&rel) {
                if !self.is_foreign(&leaf) && !self.e.rewrites.contains(&leaf) {
                    self.e.rewrites.push(leaf);
                }
            }
        }
    }

    /// Whether the current role may CLUSTER (or VACUUM, REINDEX) `table` without naming
    /// it: the role the migrations run as is taken to own (or be superuser over)
    /// everything; a role set by `SET ROLE` / `SET SESSION AUTHORIZATION` only what it
    /// owns (PostgreSQL 11-16 ask for ownership; 17 also for a MAINTAIN grant, which is
    /// not followed).
    fn may_maintain(&self, table: &ObjectName) -> bool {
        match self.cat.current_role() {
            None => true,
            Some(role) => self
                .cat
                .table(table)
                .is_some_and(|t| t.owner.as_deref() == Some(role.as_str())),
        }
    }

    fn is_foreign(&self, rel: &ObjectName) -> bool {
        self.cat
            .table(rel)
            .is_some_and(|t| t.kind == crate::catalog::TableKind::Foreign)
    }

    /// The tables holding a table's rows: itself, or the partitions (at any depth) of a
    /// partitioned table.
    fn leaves(&self, name: &ObjectName) -> Vec<ObjectName> {
        let rel = self.cat.resolve_relation(name);
        if !self.is_partitioned(&rel) {
            return vec![rel];
        }
        let mut out = Vec::new();
        let parts: Vec<ObjectName> = self.cat.partitions(&rel).map(|t| t.name.clone()).collect();
        for p in parts {
            if p != rel {
                out.extend(self.leaves(&p));
            }
        }
        out
    }

    /// Sequences owned by `table`'s columns (serial and identity), or by one column.
    fn owned_sequences(&self, table: &ObjectName, column: Option<&str>) -> Vec<ObjectName> {
        self.cat
            .sequences
            .values()
            .filter(|s| {
                s.owned_by
                    .as_ref()
                    .is_some_and(|(t, c)| t == table && column.is_none_or(|col| c == col))
            })
            .map(|s| s.name.clone())
            .collect()
    }

    fn scan(&mut self, name: &ObjectName, reason: ScanReason) {
        let relation = self.cat.resolve_relation(name);
        if self.is_foreign(&relation) {
            // nothing checks or reads a foreign table's rows here (its server holds them)
            return;
        }
        let s = Scan { relation, reason };
        if !self.e.scans.contains(&s) {
            self.e.scans.push(s);
        }
    }

    /// Tables a query reads in full (no `WHERE`, no `LIMIT`): every row is read while
    /// the transaction holds its locks. Data-dependent: the plan decides how (on a
    /// small table an index may serve), so `trace` accepts it unobserved.
    fn full_reads(&mut self, tables: &[ObjectName]) {
        let tables: Vec<ObjectName> = tables
            .iter()
            .filter(|t| {
                // the system catalogs are small, and not the application's
                let system = match &t.schema {
                    Some(s) => s == "pg_catalog" || s == "information_schema",
                    None => t.name.starts_with("pg_"),
                };
                if system {
                    return false;
                }
                // a view's rows come from its sources, as the plan reads them; an unknown
                // name is a table that existed before the history
                matches!(
                    self.cat.relation_kind(t),
                    None | Some(
                        RelKind::Table
                            | RelKind::PartitionedTable
                            | RelKind::MaterializedView
                            | RelKind::ForeignTable
                    )
                )
            })
            .cloned()
            .collect();
        if tables.is_empty() {
            return;
        }
        self.data_dependent_from_here();
        for t in &tables {
            self.scan(t, ScanReason::AllRows);
        }
    }

    /// `ALTER DOMAIN`: a new constraint (unless `NOT VALID`), `SET NOT NULL` and
    /// `VALIDATE CONSTRAINT` read every column of the domain, holding SHARE on each
    /// table that has one (observed on 15: SHARE on every such table, `seq_scan` + 1;
    /// `NOT VALID` took no table lock and read nothing). A column of an array of the
    /// domain makes them fail ("cannot alter type "d" because column "t.c" uses it").
    fn alter_domain(&mut self, name: &ObjectName, description: &str) {
        use crate::ops::AlterDomainAction;
        let reason = match AlterDomainAction::of(description) {
            AlterDomainAction::AddCheck { not_valid: false }
            | AlterDomainAction::ValidateConstraint => ScanReason::Validate,
            AlterDomainAction::SetNotNull => ScanReason::NotNull,
            AlterDomainAction::AddNotNull => {
                // observed: a syntax error on 15, accepted on 17 and 18
                if self.v.0 < 17 {
                    self.fails("ALTER DOMAIN ... ADD NOT NULL needs PostgreSQL 17");
                    return;
                }
                ScanReason::NotNull
            }
            AlterDomainAction::AddCheck { not_valid: true } => {
                self.note(format!(
                    "no scan: NOT VALID leaves the rows of columns of {name} unchecked until VALIDATE CONSTRAINT"
                ));
                return;
            }
            AlterDomainAction::Other => return,
        };
        let columns = self.cat.columns_of_domain(name);
        if let Some((table, column, _)) = columns.iter().find(|c| c.2) {
            self.fails(format!(
                "cannot alter type \"{}\" because column \"{}.{column}\" uses it (an array of the domain)",
                name.name, table.name
            ));
            return;
        }
        for (table, _, _) in columns {
            self.lock(&table, LockMode::Share);
            self.scan(&table, reason);
        }
    }

    /// A column named twice: rejected before anything runs (observed on 15: "column "a"
    /// specified more than once" for INSERT, "multiple assignments to same column "a""
    /// for UPDATE and MERGE ... UPDATE SET).
    fn repeated_column(&mut self, op: &Operation, d: &crate::ops::Dml) {
        let Some(column) = &d.repeated_column else {
            return;
        };
        let message = match op {
            Operation::Insert(_) => format!("column \"{column}\" specified more than once"),
            _ => format!("multiple assignments to same column \"{column}\""),
        };
        self.fails(message);
    }

    fn index_build(&mut self, name: &ObjectName) {
        let rel = self.cat.resolve_relation(name);
        if !self.e.index_builds.contains(&rel) {
            self.e.index_builds.push(rel);
        }
    }

    fn outside(&mut self, why: impl Into<String>) {
        if self.e.outside_transaction.is_none() {
            self.e.outside_transaction = Some(why.into());
        }
    }

    fn fails(&mut self, why: impl Into<String>) {
        if self.e.fails.is_none() {
            self.e.fails = Some(why.into());
        }
    }

    /// `ALTER COLUMN ... TYPE` without a rewrite: the scans and index builds of
    /// [`kept_in_place`].
    fn column_kept_in_place(
        &mut self,
        t: &crate::catalog::Table,
        column: &str,
        change: &TypeChange,
        collation: Option<&str>,
    ) {
        let table = t.name.clone();
        let k = kept_in_place(self.cat, t, column, change, collation);
        if !k.checks.is_empty() {
            self.scan(&table, ScanReason::Validate);
            self.note(format!(
                "scans {table} under ACCESS EXCLUSIVE: {}",
                k.checks_text(column)
            ));
        }
        if !k.indexes.is_empty() {
            self.index_build(&table);
            self.scan(&table, ScanReason::IndexBuild);
            self.note(format!(
                "rebuilds under ACCESS EXCLUSIVE {}",
                k.indexes_text()
            ));
        }
    }

    fn note(&mut self, note: impl Into<String>) {
        self.e.notes.push(note.into());
    }

    /// `DROP/ALTER ... IF EXISTS` of an object the replayed history never created: most
    /// likely absent, so the statement is a no-op that takes no lock. (With a partial
    /// history it may exist; the note says so.)
    fn absent_if_exists(&mut self, name: &ObjectName, if_exists: bool, known: bool) -> bool {
        if if_exists && !known {
            self.note(format!(
                "{name} is not created by the migrations schemaguard read: with IF EXISTS this is a no-op (if it exists anyway, the statement takes the locks it names)"
            ));
            return true;
        }
        false
    }

    fn is_partitioned(&self, name: &ObjectName) -> bool {
        self.cat
            .table(name)
            .is_some_and(|t| t.kind == TableKind::Partitioned)
    }

    fn operation(&mut self, op: &Operation) {
        use LockMode::*;
        match op {
            Operation::CreateTable(ct) => {
                // a definition PostgreSQL rejects (ON COMMIT on a permanent table,
                // generated and identity columns it refuses, keys naming no column)
                if let Some(why) = crate::catalog::rejects::create_table(self.cat, ct) {
                    self.fails(why);
                }
                for c in ct
                    .constraints
                    .iter()
                    .chain(ct.columns.iter().flat_map(|c| &c.constraints))
                {
                    if let ConstraintKind::ForeignKey { ref_table, .. } = &c.kind {
                        if ref_table != &ct.name {
                            // the action triggers go on each partition of a partitioned
                            // referenced table (observed on 15)
                            self.lock_tree(ref_table, ShareRowExclusive, false);
                        }
                    }
                }
                if let Some(parent) = &ct.partition_of {
                    // ACCESS EXCLUSIVE on every version 11-18 (observed by
                    // tests/versions.rs; only ATTACH PARTITION got the weaker lock in 12)
                    self.lock(parent, AccessExclusive);
                    // a default partition must be checked against the new bound
                    let parent_rel = self.cat.resolve_relation(parent);
                    let default: Option<ObjectName> = self
                        .cat
                        .partitions(&parent_rel)
                        .find(|t| t.default_partition)
                        .map(|t| t.name.clone());
                    if let Some(d) = default {
                        self.default_partition_checked(&d);
                    }
                    self.clone_foreign_keys(&parent_rel, None);
                }
                for p in &ct.inherits {
                    self.lock(p, ShareUpdateExclusive);
                }
                for l in &ct.like {
                    self.lock(&l.source, AccessShare);
                }
                if let Some(reads) = &ct.as_query {
                    for r in reads {
                        self.lock(r, AccessShare);
                        self.scan(r, ScanReason::AllRows);
                    }
                }
                if ct.partitioned && self.v.0 < 10 {
                    self.fails("declarative partitioning needs PostgreSQL 10");
                }
            }
            Operation::AlterTable(at) => self.alter_table(at),
            Operation::DropTable(d) => {
                for n in &d.names {
                    if !self.absent_if_exists(n, d.if_exists, self.cat.table(n).is_some()) {
                        self.drop_table(n, d.cascade);
                    }
                }
            }
            Operation::Truncate {
                tables,
                only,
                cascade,
                restart_identity,
            } => {
                let truncated = self.truncated(tables, only, *cascade);
                for t in &truncated {
                    self.lock(t, AccessExclusive);
                    if *restart_identity {
                        // the sequences its columns own are reset (observed on 11-18)
                        for s in self.owned_sequences(t, None) {
                            self.lock(&s, AccessExclusive);
                        }
                    }
                }
            }
            Operation::CreateIndex(ci) => {
                if let Some(why) = crate::catalog::rejects::create_index(self.cat, ci) {
                    self.fails(why);
                }
                let partitioned = self.is_partitioned(&ci.table);
                let exists = ci.if_not_exists
                    && ci.name.as_deref().is_some_and(|n| {
                        self.cat
                            .index(&ObjectName::new(ci.table.schema.as_deref(), n))
                            .is_some()
                    });
                if ci.concurrently {
                    self.lock(&ci.table, ShareUpdateExclusive);
                    self.outside("CREATE INDEX CONCURRENTLY cannot run inside a transaction block");
                    if partitioned {
                        self.fails("CREATE INDEX CONCURRENTLY is not supported on a partitioned table; use ON ONLY, build each partition's index concurrently, then ALTER INDEX ... ATTACH PARTITION");
                    }
                } else {
                    // partitions get the index; inheritance children do not (observed
                    // on 15: SHARE on the parent alone)
                    self.lock_tree(&ci.table, Share, ci.only || !partitioned);
                }
                if exists {
                    // the table is locked first, then the name is found taken: nothing
                    // is built (observed on 11-18)
                    self.note("the index exists: IF NOT EXISTS builds nothing");
                } else if !(ci.only && partitioned) {
                    // a partitioned table has no rows of its own: each partition's
                    // index is built from its rows
                    for t in self.leaves(&ci.table) {
                        self.scan(&t, ScanReason::IndexBuild);
                        self.index_build(&t);
                    }
                    if partitioned {
                        self.index_build(&ci.table);
                    }
                }
                if ci.nulls_not_distinct && self.v.0 < 15 {
                    self.fails("NULLS NOT DISTINCT needs PostgreSQL 15");
                }
            }
            Operation::DropIndex(di) => {
                let mode = if di.concurrently {
                    ShareUpdateExclusive
                } else {
                    AccessExclusive
                };
                if di.concurrently {
                    self.outside("DROP INDEX CONCURRENTLY cannot run inside a transaction block");
                    if di.names.len() > 1 {
                        self.fails("DROP INDEX CONCURRENTLY drops one index at a time");
                    }
                    if di.cascade {
                        self.fails("DROP INDEX CONCURRENTLY does not support CASCADE");
                    }
                }
                for n in &di.names {
                    if self.absent_if_exists(n, di.if_exists, self.cat.index(n).is_some()) {
                        continue;
                    }
                    self.lock(n, mode);
                    if let Some(idx) = self.cat.index(n) {
                        let table = idx.table.clone();
                        // a partitioned index takes its partitions' indexes with it,
                        // locking their tables (observed on 11-18)
                        self.lock_tree(&table, mode, false);
                    }
                }
            }
            Operation::AlterIndex(ai) => {
                let known = self.cat.index(&ai.name).is_some();
                if self.absent_if_exists(&ai.name, ai.if_exists, known) {
                    return;
                }
                let table = self.cat.index(&ai.name).map(|i| i.table.clone());
                match &ai.action {
                    AlterIndexAction::Rename { .. } => {
                        // ALTER INDEX may rename a table (or any relation): PostgreSQL
                        // then locks it again ACCESS EXCLUSIVE (observed on 15)
                        let not_an_index = self
                            .cat
                            .relation_kind(&ai.name)
                            .is_some_and(|k| k != RelKind::Index);
                        let mode = if self.v.0 >= 12 && !not_an_index {
                            ShareUpdateExclusive
                        } else {
                            AccessExclusive
                        };
                        self.lock(&ai.name, mode);
                    }
                    AlterIndexAction::SetStatistics | AlterIndexAction::SetStorageParams => {
                        self.lock(&ai.name, ShareUpdateExclusive);
                    }
                    AlterIndexAction::SetTablespace => {
                        self.lock(&ai.name, AccessExclusive);
                        if let Some(t) = table {
                            self.lock(&t, AccessShare);
                        }
                    }
                    AlterIndexAction::AttachPartition { index } => {
                        // the parent index: SHARE UPDATE EXCLUSIVE from 12, ACCESS
                        // EXCLUSIVE on 11; both tables ACCESS SHARE (observed on 11-18)
                        let mode = if self.v.0 >= 12 {
                            ShareUpdateExclusive
                        } else {
                            AccessExclusive
                        };
                        self.lock(&ai.name, mode);
                        self.lock(index, AccessExclusive);
                        if let Some(t) = table {
                            self.lock(&t, AccessShare);
                        }
                        if let Some(i) = self.cat.index(index) {
                            let t = i.table.clone();
                            self.lock(&t, AccessShare);
                        }
                    }
                    _ => self.lock(&ai.name, AccessExclusive),
                }
            }
            Operation::Reindex(r) => self.reindex(r),
            Operation::CreateView(cv) => {
                for r in &cv.reads {
                    self.lock(r, AccessShare);
                }
                if cv.materialized && !cv.with_no_data {
                    for r in &cv.reads {
                        self.scan(r, ScanReason::AllRows);
                    }
                }
                if cv.or_replace && self.cat.view(&cv.name).is_some() {
                    self.lock(&cv.name, AccessExclusive);
                }
            }
            Operation::AlterView(av) => {
                // SET/RESET of options takes the lock those options need, as on a table
                // (observed on 15: RESET (autovacuum_enabled) on a view, SHARE UPDATE
                // EXCLUSIVE)
                let cheap = match &av.action {
                    crate::ops::AlterViewAction::Other { description } => option_names(description)
                        .is_some_and(|ps| ps.iter().all(|p| cheap_storage_param(p))),
                    _ => false,
                };
                self.lock(
                    &av.name,
                    if cheap {
                        ShareUpdateExclusive
                    } else {
                        AccessExclusive
                    },
                );
            }
            Operation::DropView { drop, .. } => {
                for n in &drop.names {
                    if self.absent_if_exists(n, drop.if_exists, self.cat.view(n).is_some()) {
                        continue;
                    }
                    self.lock(n, AccessExclusive);
                    if drop.cascade {
                        let rel = self.cat.resolve_relation(n);
                        for v in self.cat.dependent_views(&rel) {
                            self.lock(&v, AccessExclusive);
                        }
                    }
                }
            }
            Operation::RefreshMaterializedView {
                name, concurrently, ..
            } => {
                if *concurrently {
                    self.lock(name, Exclusive);
                    // the new contents are compared with the old, read in full
                    self.scan(name, ScanReason::AllRows);
                } else {
                    self.lock(name, AccessExclusive);
                    self.rewrite(name);
                }
                let reads = self
                    .cat
                    .view(name)
                    .map(|v| v.reads.clone())
                    .unwrap_or_default();
                for r in reads {
                    self.lock(&r, AccessShare);
                    self.scan(&r, ScanReason::AllRows);
                }
            }
            Operation::AlterType(at) => {
                if let AlterTypeAction::AddValue { value: label, .. }
                | AlterTypeAction::RenameValue { to: label, .. } = &at.action
                    && let Some(why) = crate::catalog::rejects::enum_label(label)
                {
                    self.fails(why);
                }
                if let AlterTypeAction::AddValue { .. } = &at.action {
                    if self.v.0 < 12 {
                        self.outside("ALTER TYPE ... ADD VALUE cannot run inside a transaction block before PostgreSQL 12");
                    }
                }
                // ADD/DROP/ALTER/RENAME ATTRIBUTE ... CASCADE changes the typed tables
                // of the type and their children (observed on 15)
                if let AlterTypeAction::Other { description } = &at.action {
                    let d = description.to_ascii_lowercase();
                    let d = d.trim_end_matches(';').trim_end();
                    if d.contains("attribute") && d.ends_with("cascade") {
                        for t in self.typed_tables(&at.name) {
                            self.lock_tree(&t, AccessExclusive, false);
                        }
                        // a CHECK or an index reading the dropped attribute of a column
                        // of the type (`(col).attr`) goes with it (observed on 15)
                        if let Some(attr) = dropped_attribute(d) {
                            for t in self.reading_attribute(&at.name, &attr) {
                                self.lock(&t, AccessExclusive);
                            }
                        }
                    }
                }
            }
            // dropping a type with CASCADE drops the columns that use it
            Operation::DropType(d) if d.cascade => {
                for n in &d.names {
                    let tables: Vec<ObjectName> = self
                        .cat
                        .tables
                        .values()
                        .filter(|t| t.columns.iter().any(|c| c.ty.name == n.name))
                        .map(|t| t.name.clone())
                        .collect();
                    for t in tables {
                        self.lock(&t, AccessExclusive);
                    }
                    // its typed tables are dropped, with their children (observed on 15)
                    for t in self.typed_tables(n) {
                        self.lock_tree(&t, AccessExclusive, false);
                    }
                }
            }
            Operation::AlterSequence { name, action, .. } => {
                // OWNED BY reads the table it names (observed on 15 by `trace`)
                if let AlterSequenceAction::OwnedBy {
                    table: Some(table), ..
                } = action
                {
                    self.lock(table, AccessShare);
                }
                let mode = match action {
                    AlterSequenceAction::Options | AlterSequenceAction::OwnedBy { .. } => {
                        ShareRowExclusive
                    }
                    _ => AccessExclusive,
                };
                self.lock(name, mode);
            }
            Operation::DropSequence(d) => {
                for n in &d.names {
                    if self.absent_if_exists(n, d.if_exists, self.cat.sequence(n).is_some()) {
                        continue;
                    }
                    self.lock(n, AccessExclusive);
                }
            }
            // every relation of the schema is dropped, with what depends on it (views
            // elsewhere, referencing foreign keys): observed on 15 by `trace`
            Operation::DropSchema(d) if d.cascade => {
                for n in &d.names {
                    let in_schema = |k: &ObjectName| k.schema.as_deref() == Some(n.name.as_str());
                    // a temporary relation is in pg_temp on the server wherever the
                    // catalog keeps it (the schema a permanent one would go to), and so
                    // is a view that reads one
                    let temporary = |k: &ObjectName| {
                        self.cat
                            .table(k)
                            .is_some_and(|t| t.persistence == crate::ops::Persistence::Temporary)
                    };
                    let tables: Vec<ObjectName> = self
                        .cat
                        .tables
                        .keys()
                        .filter(|k| in_schema(k) && !temporary(k))
                        .cloned()
                        .collect();
                    let views: Vec<ObjectName> = self
                        .cat
                        .views
                        .values()
                        .filter(|v| in_schema(&v.name) && !v.reads.iter().any(temporary))
                        .map(|v| v.name.clone())
                        .collect();
                    let sequences: Vec<ObjectName> = self
                        .cat
                        .sequences
                        .keys()
                        .filter(|k| in_schema(k))
                        .cloned()
                        .collect();
                    for t in tables {
                        self.drop_table(&t, true);
                    }
                    for v in views {
                        self.lock(&v, AccessExclusive);
                        for dependent in self.cat.dependent_views(&v) {
                            self.lock(&dependent, AccessExclusive);
                        }
                    }
                    for s in sequences {
                        self.lock(&s, AccessExclusive);
                    }
                }
            }
            // what the roles own is dropped as by DROP TABLE / VIEW / SEQUENCE (observed
            // on 15 by `trace`: the tables, their sequences, the views, in ACCESS
            // EXCLUSIVE); what they were granted is revoked without a lock
            Operation::DropOwned { roles, cascade } => {
                let (tables, views, sequences) =
                    crate::catalog::replay::owned_relations(self.cat, roles);
                for v in views {
                    self.lock(&v, AccessExclusive);
                    if *cascade {
                        for dependent in self.cat.dependent_views(&v) {
                            self.lock(&dependent, AccessExclusive);
                        }
                    }
                }
                for t in tables {
                    self.drop_table(&t, *cascade);
                }
                for s in sequences {
                    self.lock(&s, AccessExclusive);
                }
            }
            // each relation the roles own gets the new owner as by ALTER ... OWNER TO:
            // ACCESS EXCLUSIVE on it and the sequences a table owns (observed on 15)
            Operation::ReassignOwned { roles, .. } => {
                let (tables, views, sequences) =
                    crate::catalog::replay::owned_relations(self.cat, roles);
                for t in tables {
                    self.lock(&t, AccessExclusive);
                    self.lock_owned_sequences(&t, None, AccessExclusive);
                }
                for r in views.iter().chain(&sequences) {
                    self.lock(r, AccessExclusive);
                }
            }
            // CASCADE drops the triggers that run the function: their tables are locked
            Operation::DropFunction { drop, .. } if drop.cascade => {
                for f in &drop.names {
                    for t in self.cat.tables_with_trigger_function(f) {
                        self.lock(&t, AccessExclusive);
                    }
                }
            }
            Operation::DropFunction { drop, .. } => {
                if let Some((f, t)) = drop.names.iter().find_map(|n| self.cat.function_in_use(n)) {
                    self.fails(format!(
                        "cannot drop function {f} because {t} uses it (add CASCADE to drop what uses it too)"
                    ));
                }
            }
            // a SQL-language body is analysed when the function is created: what it
            // reads gets ACCESS SHARE, what it writes ROW EXCLUSIVE, until commit
            // (observed on 15 by `trace`); PL/pgSQL bodies are only parsed
            Operation::CreateFunction(cf)
                if self.cat.check_function_bodies
                    && cf
                        .language
                        .as_deref()
                        .is_some_and(|l| l.eq_ignore_ascii_case("sql")) =>
            {
                for op in &cf.body {
                    match op {
                        Operation::Select { reads, .. } => {
                            for r in reads {
                                self.lock(r, AccessShare);
                            }
                        }
                        Operation::Insert(d)
                        | Operation::Update(d)
                        | Operation::Delete(d)
                        | Operation::Merge(d) => {
                            self.lock(&d.table, RowExclusive);
                            for r in &d.reads {
                                self.lock(r, AccessShare);
                            }
                        }
                        _ => {}
                    }
                }
            }
            Operation::AlterDomain { name, description } => self.alter_domain(name, description),
            // observed on 15: "DROP DATABASE cannot run inside a transaction block" (with
            // IF EXISTS too, when there is no such database), and so CREATE DATABASE,
            // CREATE TABLESPACE and DROP TABLESPACE (IF EXISTS too)
            Operation::Other { kind }
                if matches!(
                    kind.as_str(),
                    "DROP DATABASE" | "CREATE DATABASE" | "CREATE TABLESPACE" | "DROP TABLESPACE"
                ) =>
            {
                self.outside(format!("{kind} cannot run inside a transaction block"));
            }
            Operation::CreateSequence {
                invalid: Some(why), ..
            } => {
                self.fails(why.clone());
            }
            Operation::CreateType(ct) => {
                if let Some(why) = crate::catalog::rejects::create_type(ct) {
                    self.fails(why);
                }
            }
            Operation::CreateTrigger(ct) => {
                if let Some(why) = crate::catalog::rejects::create_trigger(self.cat, ct) {
                    self.fails(why);
                }
                // a row trigger on a partitioned table is cloned to every partition
                // (observed on 15 by `trace`); a statement trigger stays on the parent
                let partitioned = self.is_partitioned(&ct.table);
                self.lock_tree(
                    &ct.table,
                    ShareRowExclusive,
                    !(ct.for_each_row && partitioned),
                );
                if ct.or_replace && self.v.0 < 14 {
                    self.fails("CREATE OR REPLACE TRIGGER needs PostgreSQL 14");
                }
            }
            // a partitioned table's row trigger has a clone on every partition, renamed
            // and dropped with it (observed on 15 by `trace`)
            Operation::AlterTrigger {
                table,
                name,
                rename_to,
            } => {
                // from 15, RENAME looks for clones in every partition, so it locks them
                // all, for a statement trigger too (observed on 15)
                let cloned = self.row_trigger_of_partitioned(table, name)
                    || (rename_to.is_some() && self.v.0 >= 15 && self.is_partitioned(table));
                self.lock_tree(table, AccessExclusive, !cloned);
            }
            Operation::DropTrigger {
                table,
                name,
                if_exists,
                ..
            } => {
                let known = self
                    .cat
                    .table(table)
                    .is_some_and(|t| t.triggers.contains_key(name));
                let label = ObjectName::new(None, &format!("{name} ON {table}"));
                if !self.absent_if_exists(&label, *if_exists, known) {
                    let cloned = self.row_trigger_of_partitioned(table, name);
                    self.lock_tree(table, AccessExclusive, !cloned);
                }
            }
            Operation::Policy { table } => self.lock(table, AccessExclusive),
            Operation::RewriteRule { table, change } => {
                // DROP RULE IF EXISTS of a rule a table does not have locks nothing
                // (observed on 15)
                let absent = match change {
                    crate::ops::RuleChange::Drop {
                        name,
                        if_exists: true,
                    } => self
                        .cat
                        .table(table)
                        .is_some_and(|t| !t.rules.contains(name)),
                    _ => false,
                };
                if !absent {
                    self.lock(table, AccessExclusive);
                }
            }
            Operation::CreateStatistics { tables, .. } => {
                for t in tables {
                    self.lock(t, ShareUpdateExclusive);
                }
            }
            Operation::Comment(c) => {
                if matches!(
                    c.kind.as_str(),
                    "table"
                        | "column"
                        | "view"
                        | "materialized view"
                        | "index"
                        | "sequence"
                        | "foreign table"
                ) {
                    self.lock(&c.name, ShareUpdateExclusive);
                }
                // an object that lives on a table: the table is opened ACCESS SHARE
                // (observed on 15)
                if matches!(
                    c.kind.as_str(),
                    "constraint" | "trigger" | "rule" | "policy"
                ) {
                    self.lock(&c.name, AccessShare);
                }
            }
            Operation::Insert(d) | Operation::Merge(d) => {
                if matches!(op, Operation::Merge(_)) && self.v.0 < 15 {
                    self.fails("MERGE needs PostgreSQL 15");
                }
                self.repeated_column(op, d);
                self.lock(&d.table, RowExclusive);
                for w in &d.cte_writes {
                    self.lock(w, RowExclusive);
                }
                for r in &d.reads {
                    self.lock(r, AccessShare);
                }
                let event = if matches!(op, Operation::Insert(_)) {
                    "insert"
                } else {
                    "update"
                };
                self.fire_triggers(&d.table, event);
                self.foreign_key_rows(&d.table, event, &d.set_columns);
                self.lock_descendants_possibly(&d.table, RowExclusive);
                self.write_through_view(&d.table, false, 0);
                if matches!(op, Operation::Merge(_)) {
                    self.foreign_key_rows(&d.table, "insert", &[]);
                    self.foreign_key_rows(&d.table, "delete", &[]);
                }
                self.call_functions(&d.functions);
                self.full_reads(&d.full_reads);
            }
            Operation::Update(d) | Operation::Delete(d) => {
                self.repeated_column(op, d);
                self.lock(&d.table, RowExclusive);
                for w in &d.cte_writes {
                    self.lock(w, RowExclusive);
                }
                for r in &d.reads {
                    self.lock(r, AccessShare);
                }
                if !d.filtered || d.null_test_filter {
                    // no WHERE, or only `IS NULL` tests (a backfill): most rows are read
                    // and written
                    self.scan(&d.table, ScanReason::AllRows);
                }
                let event = if matches!(op, Operation::Update(_)) {
                    "update"
                } else {
                    "delete"
                };
                self.fire_triggers(&d.table, event);
                self.foreign_key_rows(&d.table, event, &d.set_columns);
                self.lock_descendants_possibly(&d.table, RowExclusive);
                self.write_through_view(&d.table, true, 0);
                self.call_functions(&d.functions);
            }
            Operation::Select {
                reads,
                row_locks,
                functions,
                full_reads,
                calls,
            } => {
                let mode = if *row_locks { RowShare } else { AccessShare };
                for r in reads {
                    self.lock(r, mode);
                }
                for r in reads {
                    self.lock_descendants_possibly(r, mode);
                    self.read_through_view(r, mode, 0);
                }
                self.call_functions(functions);
                self.full_reads(full_reads);
                // `SELECT f('ALTER TABLE ...')` of a function that EXECUTEs its
                // argument: the statement runs it, once (observed on 15 by `trace`)
                if self.trigger_depth < MAX_TRIGGER_DEPTH {
                    for inner in self.cat.executed_by_calls(calls) {
                        self.trigger_depth += 1;
                        self.operation(&inner);
                        self.trigger_depth -= 1;
                    }
                }
            }
            Operation::Copy {
                table: Some(t),
                from,
            } => {
                self.lock(t, if *from { RowExclusive } else { AccessShare });
            }
            Operation::Vacuum { full, tables, .. } => {
                self.outside("VACUUM cannot run inside a transaction block");
                let all: Vec<ObjectName> = if tables.is_empty() {
                    self.cat.tables.keys().cloned().collect()
                } else {
                    tables.clone()
                };
                for t in &all {
                    if *full {
                        self.lock(t, AccessExclusive);
                        self.rewrite(t);
                    } else {
                        self.lock(t, ShareUpdateExclusive);
                    }
                }
            }
            // observed on 15: each partition of a partitioned table is analyzed too
            // (SHARE UPDATE EXCLUSIVE); inheritance children are only sampled (ACCESS
            // SHARE)
            Operation::Analyze { tables } => {
                for t in tables {
                    self.lock(t, ShareUpdateExclusive);
                    let rel = self.cat.resolve_relation(t);
                    let mode = if self.is_partitioned(&rel) {
                        ShareUpdateExclusive
                    } else {
                        AccessShare
                    };
                    for d in self.descendants(&rel) {
                        self.lock(&d, mode);
                    }
                }
            }
            Operation::Cluster { table, index } => match table {
                Some(t) => {
                    self.lock(t, AccessExclusive);
                    if self.is_partitioned(t) && self.cat.current_role().is_some() {
                        // a partition the role may not maintain is skipped with a
                        // warning (observed on 15: CLUSTER of a partitioned table as
                        // its owner leaves another role's partition as it was)
                        for leaf in self.leaves(t) {
                            if self.may_maintain(&leaf) {
                                self.rewrite(&leaf);
                            }
                        }
                    } else {
                        self.rewrite(t);
                    }
                    if self.is_partitioned(t) {
                        if self.v.0 < 15 {
                            self.fails("CLUSTER on a partitioned table needs PostgreSQL 15");
                        }
                        // observed on 15: "CLUSTER cannot run inside a transaction block"
                        self.outside(
                            "CLUSTER on a partitioned table cannot run inside a transaction block",
                        );
                    }
                    // `CLUSTER t` reuses the index marked before; a table created in the
                    // history was seen whole (observed on 15: "there is no previously
                    // clustered index for table "t"")
                    // a partitioned table is never marked itself
                    let unmarked = self.is_partitioned(t)
                        || self
                            .cat
                            .table(t)
                            .is_some_and(|tb| tb.origin.is_some() && tb.cluster_index.is_none());
                    if index.is_none() && unmarked {
                        self.fails(format!(
                            "there is no previously clustered index for table \"{}\"",
                            t.name
                        ));
                    }
                }
                None => {
                    self.outside("CLUSTER without a table cannot run inside a transaction block");
                    // every table clustered before is rewritten again, each in its own
                    // transaction (observed on 15: new relfilenodes for the tables marked
                    // by CLUSTER ... USING and ALTER TABLE ... CLUSTER ON, partitions
                    // included)
                    let clustered: Vec<ObjectName> = self
                        .cat
                        .tables
                        .values()
                        .filter(|tb| {
                            tb.cluster_index.is_some()
                                && tb.kind != TableKind::Partitioned
                                && self.may_maintain(&tb.name)
                        })
                        .map(|tb| tb.name.clone())
                        .collect();
                    self.note(
                        "rewrites every table clustered before (those schemaguard saw, and any clustered outside the migrations)"
                            .to_string(),
                    );
                    for t in clustered {
                        self.lock(&t, AccessExclusive);
                        self.rewrite(&t);
                    }
                }
            },
            Operation::LockTable { tables, mode, only } => {
                for t in tables {
                    self.lock_tree(t, *mode, *only);
                    // 11+: locking a view locks every relation its query reads, in the
                    // same mode (verified on 11, 13, 15)
                    if self.v.0 >= 11 {
                        self.lock_view_sources(t, *mode, 0);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Storage parameters PostgreSQL changes under SHARE UPDATE EXCLUSIVE.
/// The option names of a `SET (a = 1, b)` / `RESET (a, b)` clause, lowercased.
fn option_names(clause: &str) -> Option<Vec<String>> {
    let lower = clause
        .trim()
        .trim_end_matches(';')
        .trim()
        .to_ascii_lowercase();
    let rest = lower
        .strip_prefix("set")
        .or_else(|| lower.strip_prefix("reset"))?
        .trim_start();
    let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
    Some(
        inner
            .split(',')
            .map(|p| p.split('=').next().unwrap_or_default().trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
    )
}

fn cheap_storage_param(p: &str) -> bool {
    let p = p.strip_prefix("toast.").unwrap_or(p);
    p.starts_with("autovacuum_")
        || matches!(
            p,
            "fillfactor"
                | "parallel_workers"
                | "toast_tuple_target"
                | "vacuum_index_cleanup"
                | "vacuum_truncate"
                | "log_autovacuum_min_duration"
        )
}

/// The attribute `ALTER TYPE ... DROP ATTRIBUTE [IF EXISTS] name` drops (`description`
/// lower-cased).
fn dropped_attribute(description: &str) -> Option<String> {
    let at = description.find("drop attribute")?;
    let mut words = description[at + "drop attribute".len()..].split_whitespace();
    let mut name = words.next()?;
    if name == "if" {
        words.next();
        name = words.next()?;
    }
    Some(crate::ops::names::fold_ident(name.trim_end_matches(',')))
}
