//! `ALTER TABLE`: the lock of each action (the strongest wins), what it rewrites or
//! scans, and what it reaches below the table; `ADD COLUMN` and `ADD CONSTRAINT` have
//! their own files.

use super::*;

impl Builder<'_> {
    pub(super) fn alter_table(&mut self, at: &crate::ops::AlterTable) {
        use LockMode::*;
        let known = self.cat.relation_kind(&at.name).is_some();
        if self.absent_if_exists(&at.name, at.if_exists, known) {
            return;
        }
        let table = self.cat.resolve_relation(&at.name);
        // ALTER TABLE on a view or materialized view (renames, mostly)
        if matches!(
            self.kind_of(&table),
            RelKind::View | RelKind::MaterializedView
        ) {
            // options take the lock they need, as on a table (observed on 15)
            let cheap = !at.actions.is_empty()
                && at.actions.iter().all(|a| {
                    matches!(a, AlterTableAction::SetStorageParams { params, .. }
                        if params.iter().all(|p| cheap_storage_param(p)))
                });
            self.lock(
                &table,
                if cheap {
                    ShareUpdateExclusive
                } else {
                    AccessExclusive
                },
            );
            return;
        }
        if let Some(why) = crate::catalog::rejects::alter_table(self.cat, at) {
            self.fails(why);
        }
        let existing = self.cat.table(&table);
        let mut mode = AccessShare;
        let mut recurse = !at.only;
        // inheritance children get only CHECK constraints (and what is not a
        // constraint); partitions get every constraint
        let mut to_inheritors = true;
        for action in &at.actions {
            let m = match action {
                AlterTableAction::AddColumn { column, .. } => {
                    // IF NOT EXISTS on a column the table has: skipped with a notice,
                    // nothing rewritten or checked, the lock still taken
                    if self.cat.skips_add_column(&table, action) {
                        self.note(format!(
                            "no change: {table} has a column {} already (IF NOT EXISTS)",
                            column.name
                        ));
                    } else {
                        self.add_column(&table, column);
                    }
                    // a child that has the column already merges it and the recursion
                    // stops there (observed on 15)
                    if !at.only && at.actions.len() == 1 && !self.is_partitioned(&table) {
                        to_inheritors = false;
                        self.lock_children_up_to_column(&table, &column.name, 0);
                    }
                    AccessExclusive
                }
                AlterTableAction::DropColumn { name, .. } => {
                    if self.cat.column_has_parent(&table, name) {
                        // observed on 15, for a column the child declared too
                        self.fails(format!("cannot drop inherited column \"{name}\""));
                    }
                    // dropping a column drops its foreign keys, whose triggers live on the
                    // referenced tables
                    if let Some(t) = existing {
                        let refs: Vec<ObjectName> = t
                            .foreign_keys()
                            .filter(|(c, _)| c.kind.columns().contains(name))
                            .map(|(_, r)| r.clone())
                            .collect();
                        for r in refs {
                            self.lock(&r, AccessExclusive);
                        }
                    }
                    // CASCADE: the foreign keys that reference the column are dropped,
                    // and their tables locked (observed on 11-18)
                    if existing.is_some() {
                        let referencing = self.cat.tables_referencing_column(&table, name);
                        for r in referencing {
                            self.lock(&r, AccessExclusive);
                        }
                    }
                    // a sequence the column owns (serial) is dropped with it (observed
                    // on 15 by `trace`)
                    let owned: Vec<ObjectName> = self
                        .cat
                        .sequences
                        .values()
                        .filter(|s| {
                            s.owned_by
                                .as_ref()
                                .is_some_and(|(t, c)| t == &table && c == name)
                        })
                        .map(|s| s.name.clone())
                        .collect();
                    for s in owned {
                        self.lock(&s, AccessExclusive);
                    }
                    if at.only {
                        self.children_keep_their_own(&table);
                    } else if at.actions.len() == 1 && !self.is_partitioned(&table) {
                        to_inheritors = false;
                        self.lock_children_dropping_column(&table, name, 0);
                    }
                    AccessExclusive
                }
                AlterTableAction::AlterColumnType {
                    column,
                    ty,
                    using,
                    collation,
                } => {
                    // an identity column's sequence takes the new type too (observed
                    // on 15 by `trace`: SHARE ROW EXCLUSIVE on it)
                    if existing
                        .and_then(|t| t.column(column))
                        .is_some_and(|c| c.identity.is_some())
                    {
                        self.lock_owned_sequences(&table, Some(column), ShareRowExclusive);
                    }
                    let from = existing.and_then(|t| t.column(column)).map(|c| &c.ty);
                    let change = coercion::type_change(
                        from,
                        ty,
                        using.as_ref(),
                        column,
                        self.v,
                        self.cat.timezone_is_utc(),
                    );
                    let rewritten = matches!(change, TypeChange::Rewrite(_));
                    match &change {
                        TypeChange::Rewrite(why) => {
                            self.rewrite(&table);
                            self.index_build(&table);
                            // the column of every child changes with it (inheritance
                            // children too; observed on 15)
                            if !at.only {
                                for d in self.descendants(&table) {
                                    self.rewrite(&d);
                                }
                            }
                            self.note(format!("rewrites {table}: {why}"));
                        }
                        TypeChange::NoRewrite { why, .. } => {
                            self.note(format!("no rewrite: {why}"))
                        }
                        TypeChange::Same => {}
                    }
                    if !rewritten {
                        if let Some(t) = existing {
                            self.column_kept_in_place(t, column, &change, collation.as_deref());
                        }
                    }
                    // PostgreSQL drops and re-creates every foreign key on or to the
                    // column (even without a rewrite): their triggers live on the other
                    // table, which is locked ACCESS EXCLUSIVE
                    if let Some(t) = existing {
                        let refs: Vec<ObjectName> = t
                            .foreign_keys()
                            .filter(|(c, _)| c.kind.columns().contains(column))
                            .map(|(_, r)| self.cat.resolve_relation(r))
                            .filter(|r| r != &table)
                            .collect();
                        // with their partitions, whose clones are re-created too
                        // (observed on 15 by `trace`)
                        for r in refs {
                            self.lock_tree(&r, AccessExclusive, false);
                        }
                        let referencing = self.cat.tables_referencing_column(&table, column);
                        for r in referencing {
                            self.lock_tree(&r, AccessExclusive, false);
                            // the re-created foreign key checks every referencing row
                            // again when the key's type really changed (observed on 11-18)
                            if rewritten {
                                self.scan(&r, ScanReason::Validate);
                            }
                        }
                    }
                    AccessExclusive
                }
                AlterTableAction::SetNotNull { column } => {
                    let proven = existing.is_some_and(|t| {
                        t.column(column).is_some_and(|c| c.not_null)
                            || (self.v.0 >= 12 && t.check_proves_not_null(column))
                    });
                    if proven {
                        self.note(format!(
                            "no scan: a valid CHECK constraint already proves {column} IS NOT NULL"
                        ));
                    } else {
                        self.scan(&table, ScanReason::NotNull);
                    }
                    AccessExclusive
                }
                AlterTableAction::DropNotNull { .. }
                | AlterTableAction::SetDefault { .. }
                | AlterTableAction::DropDefault { .. } => AccessExclusive,
                // adding identity needs a NOT NULL column already: nothing is rewritten.
                // Changing one alters its sequence (SHARE ROW EXCLUSIVE), dropping one
                // drops it (observed on 11-18)
                AlterTableAction::Identity { column, change } => {
                    // an identity is not inherited (observed on 15 by `trace`)
                    to_inheritors = false;
                    let seq_mode = match change {
                        crate::ops::IdentityChange::Add(_) => None,
                        crate::ops::IdentityChange::Set { .. } => Some(ShareRowExclusive),
                        crate::ops::IdentityChange::Drop { .. } => Some(AccessExclusive),
                    };
                    if let Some(m) = seq_mode {
                        self.lock_owned_sequences(&table, Some(column), m);
                    }
                    AccessExclusive
                }
                AlterTableAction::GeneratedExpression { expr, .. } => {
                    if expr.is_none() && self.v.0 < 13 {
                        self.fails("ALTER COLUMN ... DROP EXPRESSION needs PostgreSQL 13");
                    }
                    if expr.is_some() {
                        if self.v.0 < 17 {
                            self.fails("ALTER COLUMN ... SET EXPRESSION needs PostgreSQL 17");
                        }
                        self.rewrite(&table);
                    }
                    AccessExclusive
                }
                AlterTableAction::SetStatistics { .. }
                | AlterTableAction::SetColumnOptions { .. } => ShareUpdateExclusive,
                AlterTableAction::SetStorage { .. } => AccessExclusive,
                AlterTableAction::SetCompression { .. } => {
                    if self.v.0 < 14 {
                        self.fails("SET COMPRESSION needs PostgreSQL 14");
                    }
                    AccessExclusive
                }
                AlterTableAction::AddConstraint(c) => {
                    to_inheritors &= matches!(
                        c.kind,
                        ConstraintKind::Check {
                            no_inherit: false,
                            ..
                        }
                    );
                    // a primary key's columns become NOT NULL in the inheritance
                    // children too (observed on 15: ACCESS EXCLUSIVE on each)
                    if matches!(c.kind, ConstraintKind::PrimaryKey { .. })
                        && !at.only
                        && !self.is_partitioned(&table)
                    {
                        for d in self.descendants(&table) {
                            self.lock(&d, AccessExclusive);
                        }
                    }
                    // ONLY on a partitioned table: a nullable key column becomes NOT NULL,
                    // which every partition must already be (checked under ACCESS
                    // EXCLUSIVE; observed on 15)
                    if let ConstraintKind::PrimaryKey { columns, .. } = &c.kind {
                        let nullable = existing.is_some_and(|t| {
                            columns
                                .iter()
                                .any(|k| t.column(k).is_some_and(|col| !col.not_null))
                        });
                        if at.only && nullable && self.is_partitioned(&table) {
                            for d in self.descendants(&table) {
                                self.lock(&d, AccessExclusive);
                            }
                        }
                    }
                    self.add_constraint(&table, c)
                }
                AlterTableAction::ValidateConstraint { name } => {
                    let c = existing.and_then(|t| t.constraint(name));
                    if let Some(ConstraintKind::ForeignKey { ref_table, .. }) = c.map(|c| &c.kind) {
                        let r = ref_table.clone();
                        self.lock(&r, RowShare);
                    }
                    if !c.is_some_and(|c| c.validated) {
                        self.scan(&table, ScanReason::Validate);
                    }
                    ShareUpdateExclusive
                }
                AlterTableAction::DropConstraint { name, .. } => {
                    if let Some(c) = existing.and_then(|t| t.constraint(name)) {
                        to_inheritors &= matches!(c.kind, ConstraintKind::Check { .. });
                        if at.only
                            && matches!(
                                c.kind,
                                ConstraintKind::Check {
                                    no_inherit: false,
                                    ..
                                }
                            )
                        {
                            self.children_keep_their_own(&table);
                        }
                        if let ConstraintKind::ForeignKey { ref_table, .. } = &c.kind {
                            let r = ref_table.clone();
                            if self.cat.resolve_relation(&r) != table {
                                // its action triggers are on each partition of a
                                // partitioned referenced table (observed on 15)
                                self.lock_tree(&r, AccessExclusive, false);
                            }
                        }
                        if c.index.is_some() {
                            let idx = ObjectName::new(
                                table.schema.as_deref(),
                                c.index.as_deref().unwrap_or_default(),
                            );
                            self.lock(&idx, AccessExclusive);
                        }
                    }
                    AccessExclusive
                }
                // a column, or an inherited (CHECK) constraint, is renamed in the children
                // too (observed on 15)
                AlterTableAction::RenameConstraint { from, .. } => {
                    to_inheritors &= existing.and_then(|t| t.constraint(from)).is_none_or(|c| {
                        matches!(
                            c.kind,
                            ConstraintKind::Check {
                                no_inherit: false,
                                ..
                            }
                        )
                    });
                    AccessExclusive
                }
                AlterTableAction::RenameColumn { from, .. } => {
                    if self.cat.column_has_parent(&table, from) {
                        // observed on 15
                        self.fails(format!("cannot rename inherited column \"{from}\""));
                    }
                    AccessExclusive
                }
                AlterTableAction::RenameTable { .. } => {
                    recurse = false;
                    AccessExclusive
                }
                // the sequences it owns move with it (observed on 15)
                AlterTableAction::SetSchema { .. } => {
                    recurse = false;
                    self.lock_owned_sequences(&table, None, AccessExclusive);
                    AccessExclusive
                }
                AlterTableAction::SetTablespace { tablespace } => {
                    // the tablespace it is in already: nothing moves (observed on
                    // 11-18). Tables are taken to be in the default one.
                    if tablespace.eq_ignore_ascii_case("pg_default") {
                        self.note(format!(
                            "no rewrite: {table} is in pg_default already (unless it was created elsewhere)"
                        ));
                    } else {
                        self.rewrite(&table);
                        self.note(format!("SET TABLESPACE copies {table}'s files"));
                    }
                    AccessExclusive
                }
                AlterTableAction::SetAccessMethod { method } => {
                    if self.v.0 < 15 {
                        self.fails("SET ACCESS METHOD needs PostgreSQL 15");
                    }
                    // to the access method it has (heap, the default): nothing is
                    // rewritten (observed on 15-18)
                    if method.eq_ignore_ascii_case("heap") {
                        self.note(format!("no rewrite: {table} uses heap already"));
                    } else {
                        self.rewrite(&table);
                    }
                    AccessExclusive
                }
                AlterTableAction::SetLogged | AlterTableAction::SetUnlogged => {
                    // already so: nothing is rewritten, and the sequences it owns are
                    // left alone (observed on 15 by `trace`); else, from 15 (unlogged
                    // sequences), they change with it (observed on 11-18)
                    let target = if matches!(action, AlterTableAction::SetLogged) {
                        crate::ops::Persistence::Permanent
                    } else {
                        crate::ops::Persistence::Unlogged
                    };
                    if existing.is_none_or(|t| t.persistence != target) {
                        self.rewrite(&table);
                        if self.v.0 >= 15 {
                            self.lock_owned_sequences(&table, None, AccessExclusive);
                        }
                    }
                    AccessExclusive
                }
                AlterTableAction::SetStorageParams { params, .. } => {
                    if params.iter().all(|p| cheap_storage_param(p)) {
                        ShareUpdateExclusive
                    } else {
                        AccessExclusive
                    }
                }
                AlterTableAction::AttachPartition {
                    partition,
                    default,
                    bound,
                } => {
                    recurse = false;
                    // a partitioned partition comes with its whole tree (indexes and
                    // triggers are cloned to it; observed on 15 by `trace`)
                    self.lock_tree(partition, AccessExclusive, false);
                    // the parent's foreign keys are cloned to it
                    self.clone_foreign_keys(&table, Some(partition));
                    let proof = match (self.cat.table(partition), bound) {
                        (Some(p), Some(b)) => {
                            let key = existing
                                .map(|t| t.partition_key.clone())
                                .unwrap_or_default();
                            partition::proof(p, &key, b)
                        }
                        _ => partition::BoundProof::NotImplied,
                    };
                    match proof {
                        partition::BoundProof::Implied(by) => self.note(format!(
                            "no scan of {partition}: {} implies the partition bound",
                            by.join(", ")
                        )),
                        partition::BoundProof::Unsure(by) => {
                            self.scan(partition, ScanReason::PartitionBound);
                            self.note(format!(
                                "{partition} is scanned to check the partition bound unless {} implies it (schemaguard cannot tell)",
                                by.join(", ")
                            ));
                        }
                        partition::BoundProof::NotImplied => {
                            self.scan(partition, ScanReason::PartitionBound);
                            self.note(format!(
                                "{partition} is scanned to check the partition bound: no valid CHECK constraint implies it"
                            ));
                        }
                    }
                    if !default {
                        let defaults: Vec<ObjectName> = self
                            .cat
                            .partitions(&table)
                            .filter(|t| t.default_partition)
                            .map(|t| t.name.clone())
                            .collect();
                        for d in defaults {
                            self.default_partition_checked(&d);
                        }
                    }
                    if self.v.0 >= 12 {
                        ShareUpdateExclusive
                    } else {
                        AccessExclusive
                    }
                }
                AlterTableAction::DetachPartition {
                    partition,
                    concurrently,
                    finalize,
                } => {
                    recurse = false;
                    let detached = self.cat.resolve_relation(partition);
                    let default: Option<ObjectName> = self
                        .cat
                        .partitions(&table)
                        .find(|t| t.default_partition && t.name != detached)
                        .map(|t| t.name.clone());
                    if *concurrently || *finalize {
                        if self.v.0 < 14 {
                            self.fails(
                                "DETACH PARTITION CONCURRENTLY / FINALIZE needs PostgreSQL 14",
                            );
                        }
                        if *concurrently {
                            self.outside(
                                "DETACH PARTITION CONCURRENTLY cannot run inside a transaction block",
                            );
                            if default.is_some() {
                                self.fails("DETACH PARTITION CONCURRENTLY is not allowed while the table has a default partition");
                            }
                        }
                        // observed on 15: FINALIZE takes ACCESS EXCLUSIVE on the partition
                        // (nobody uses it any more) and may run in a transaction block
                        let mode = if *finalize {
                            AccessExclusive
                        } else {
                            ShareUpdateExclusive
                        };
                        self.lock(partition, mode);
                        ShareUpdateExclusive
                    } else {
                        // observed (pg_locks): the partition gets SHARE UPDATE EXCLUSIVE on
                        // 11-13 and ACCESS EXCLUSIVE from 14; a default partition ACCESS
                        // EXCLUSIVE on every version (its implicit constraint changes)
                        let mode = if self.v.0 >= 14 {
                            AccessExclusive
                        } else {
                            ShareUpdateExclusive
                        };
                        // with its own partitions, if it has any (observed on 15)
                        self.lock_tree(partition, mode, false);
                        // the foreign keys it had from the parent become its own: their
                        // triggers on the referenced tables change (observed on 15)
                        // (those of every table above it; a self-referencing key's
                        // partitions too)
                        let referenced: Vec<ObjectName> = self
                            .cat
                            .partition_ancestry(&table)
                            .iter()
                            .filter_map(|t| self.cat.table(t))
                            .flat_map(|t| {
                                t.foreign_keys().map(|(_, r)| self.cat.resolve_relation(r))
                            })
                            .collect();
                        for r in referenced {
                            self.lock_tree(&r, ShareRowExclusive, false);
                        }
                        // a foreign key referencing the tree loses its part for the
                        // partition that leaves: ACCESS EXCLUSIVE on the referencing
                        // table (observed on 15)
                        for r in self.referencing_tree(&table) {
                            self.lock(&r, AccessExclusive);
                        }
                        if let Some(d) = default {
                            self.lock(&d, AccessExclusive);
                        }
                        AccessExclusive
                    }
                }
                // ENABLE/DISABLE TRIGGER reaches partitions (their clones of a row
                // trigger), not inheritance children; CLUSTER ON neither (observed on 15)
                AlterTableAction::Trigger { name, .. } => {
                    to_inheritors = false;
                    // a statement trigger has no clones (observed on 15); ALL/USER and
                    // unknown names may reach row triggers
                    let statement_trigger = self
                        .cat
                        .table(&table)
                        .and_then(|t| t.triggers.get(name))
                        .is_some_and(|t| !t.for_each_row);
                    if statement_trigger {
                        recurse = false;
                    }
                    ShareRowExclusive
                }
                AlterTableAction::ClusterOn { .. } | AlterTableAction::SetWithoutCluster => {
                    to_inheritors = false;
                    ShareUpdateExclusive
                }
                AlterTableAction::Inherit { parent, no } => {
                    // INHERIT: SHARE UPDATE EXCLUSIVE on the parent; NO INHERIT: ACCESS
                    // SHARE (observed on 11-18)
                    self.lock(
                        parent,
                        if *no {
                            AccessShare
                        } else {
                            ShareUpdateExclusive
                        },
                    );
                    AccessExclusive
                }
                // a new owner is not given to partitions, but to the sequences the table
                // owns (observed on 15 by `trace`)
                AlterTableAction::OwnerTo(_) => {
                    recurse = false;
                    self.lock_owned_sequences(&table, None, AccessExclusive);
                    AccessExclusive
                }
                // OF type / NOT OF: the table alone, not its children (observed on 15)
                AlterTableAction::Other { description }
                    if {
                        let d = description.trim_start().to_ascii_uppercase();
                        d.starts_with("OF ") || d.starts_with("NOT OF")
                    } =>
                {
                    to_inheritors = false;
                    AccessExclusive
                }
                AlterTableAction::RowSecurity
                | AlterTableAction::ReplicaIdentity
                | AlterTableAction::Other { .. } => AccessExclusive,
            };
            mode = mode.max(m);
        }
        // a renamed (or moved) table holds its lock under its new name until commit,
        // and that is the name pg_locks shows
        let mut after = table.clone();
        for action in &at.actions {
            match action {
                AlterTableAction::RenameTable { to } => after.name = to.clone(),
                AlterTableAction::SetSchema { schema } => after.schema = Some(schema.clone()),
                _ => {}
            }
        }
        if after == table {
            if to_inheritors {
                self.lock_tree(&table, mode, !recurse);
            } else {
                self.lock(&table, mode);
                if recurse && self.is_partitioned(&table) {
                    // a UNIQUE constraint alone only builds each partition's index
                    // (SHARE), with its constraint triggers when deferrable (SHARE ROW
                    // EXCLUSIVE): observed on 15
                    let partition_mode = match at.actions.as_slice() {
                        [AlterTableAction::AddConstraint(c)]
                            if matches!(
                                c.kind,
                                ConstraintKind::Unique {
                                    using_index: None,
                                    ..
                                }
                            ) =>
                        {
                            if c.deferrable {
                                ShareRowExclusive
                            } else {
                                Share
                            }
                        }
                        _ => mode,
                    };
                    let partitions = match at.actions.as_slice() {
                        [AlterTableAction::AddConstraint(c)]
                            if matches!(c.kind, ConstraintKind::ForeignKey { .. }) =>
                        {
                            self.partitions_cloning_key(&table, c)
                        }
                        _ => self.descendants(&table),
                    };
                    for d in partitions {
                        self.lock(&d, partition_mode);
                    }
                }
            }
        } else {
            let kind = self.kind_of(&table);
            self.e.locks.push(RelationLock {
                relation: after.clone(),
                kind,
                mode,
                renamed_from: Some(table.clone()),
            });
            self.note(format!(
                "{after} is {table} renamed: the lock is held under the new name"
            ));
        }
    }

    /// The partitions a new foreign key of `table` reaches: a partition with an equal
    /// key of its own adopts the new one and is locked, but its partitions, which have
    /// that key already, are not (observed on 15).
    fn partitions_cloning_key(
        &self,
        table: &ObjectName,
        c: &crate::ops::Constraint,
    ) -> Vec<ObjectName> {
        let new_key = crate::catalog::Constraint::of_kind(c.kind.clone());
        let mut out = Vec::new();
        let mut todo = self.children(table);
        while let Some(p) = todo.pop() {
            if out.contains(&p) {
                continue;
            }
            let adopts = self.cat.table(&p).is_some_and(|t| {
                t.constraints
                    .iter()
                    .any(|k| self.cat.same_foreign_key(k, &new_key))
            });
            if !adopts {
                todo.extend(self.children(&p));
            }
            out.push(p);
        }
        out
    }
}
