//! `ALTER TABLE ... ADD CONSTRAINT` (and constraints added with a column): the lock each
//! kind takes, the scan a validation makes, `NOT VALID`, the referenced table of a foreign
//! key, and the indexes UNIQUE and PRIMARY KEY build.

use super::*;

impl Builder<'_> {
    /// The lock `ADD CONSTRAINT` takes on the table; locks the referenced table, marks
    /// scans and index builds.
    pub(super) fn add_constraint(
        &mut self,
        table: &ObjectName,
        c: &crate::ops::Constraint,
    ) -> LockMode {
        use LockMode::*;
        match &c.kind {
            ConstraintKind::ForeignKey { ref_table, .. } => {
                if self.cat.resolve_relation(ref_table) != *table {
                    // a partitioned referenced table: its partitions too (12+; before,
                    // it cannot be referenced)
                    self.lock_tree(ref_table, ShareRowExclusive, false);
                    // a partition's own equal key becomes this one's clone and loses its
                    // action triggers (observed on 15)
                    let new_key = crate::catalog::Constraint::of_kind(c.kind.clone());
                    let adopted = self.descendants(table).iter().any(|d| {
                        self.cat.table(d).is_some_and(|t| {
                            t.constraints
                                .iter()
                                .any(|k| self.cat.same_foreign_key(k, &new_key))
                        })
                    });
                    if adopted {
                        self.lock_tree(ref_table, AccessExclusive, false);
                    }
                    if self.is_partitioned(ref_table) && self.v.0 < 12 {
                        self.fails(
                            "a foreign key referencing a partitioned table needs PostgreSQL 12",
                        );
                    }
                }
                if !c.not_valid {
                    self.scan(table, ScanReason::Validate);
                }
                ShareRowExclusive
            }
            ConstraintKind::Check { .. } => {
                if !c.not_valid {
                    self.scan(table, ScanReason::Validate);
                }
                AccessExclusive
            }
            ConstraintKind::PrimaryKey {
                using_index,
                columns,
            } => {
                match using_index {
                    Some(index) => {
                        // only nullable columns need a NOT NULL scan
                        let unproven =
                            primary_key_not_null_scan(self.cat, table, index, columns, self.v);
                        if unproven.is_empty() {
                            self.note(format!(
                                "no NOT NULL scan: the columns of {index} are NOT NULL or proven by a valid CHECK"
                            ));
                        } else {
                            self.scan(table, ScanReason::NotNull);
                        }
                    }
                    None => {
                        self.scan(table, ScanReason::IndexBuild);
                        self.index_build(table);
                    }
                }
                AccessExclusive
            }
            ConstraintKind::Unique {
                using_index,
                nulls_not_distinct,
                ..
            } => {
                if using_index.is_none() {
                    self.scan(table, ScanReason::IndexBuild);
                    self.index_build(table);
                }
                if *nulls_not_distinct && self.v.0 < 15 {
                    self.fails("NULLS NOT DISTINCT needs PostgreSQL 15");
                }
                AccessExclusive
            }
            ConstraintKind::Exclude { .. } => {
                // verified on 11, 13, 15; 17 accepts one that includes the partition key
                if self.is_partitioned(table) && self.v.0 < 17 {
                    self.fails("exclusion constraints on a partitioned table need PostgreSQL 17");
                }
                self.scan(table, ScanReason::IndexBuild);
                self.index_build(table);
                AccessExclusive
            }
            ConstraintKind::NotNull { .. } => {
                if self.v.0 < 18 {
                    self.fails("named NOT NULL table constraints need PostgreSQL 18");
                }
                if !c.not_valid {
                    self.scan(table, ScanReason::NotNull);
                }
                AccessExclusive
            }
        }
    }
}
