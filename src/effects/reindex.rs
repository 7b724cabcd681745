//! `REINDEX` of an index, a table, a schema or a database (`CONCURRENTLY` too), and on
//! partitioned tables and indexes.

use super::*;

impl Builder<'_> {
    pub(super) fn reindex(&mut self, r: &crate::ops::Reindex) {
        use LockMode::*;
        if r.concurrently {
            if self.v.0 < 12 {
                self.fails("REINDEX CONCURRENTLY needs PostgreSQL 12");
            }
            self.outside("REINDEX CONCURRENTLY cannot run inside a transaction block");
        }
        let (table_mode, index_mode) = if r.concurrently {
            (ShareUpdateExclusive, ShareUpdateExclusive)
        } else {
            (Share, AccessExclusive)
        };
        match r.target {
            ReindexTarget::Index => {
                let table = self.cat.index(&r.name).map(|i| i.table.clone());
                if let Some(t) = table.clone().filter(|t| self.is_partitioned(t)) {
                    if self.partitioned_reindex("INDEX") {
                        self.reindex_partitions(&t, table_mode);
                    }
                    return;
                }
                // an index the catalog does not know is still an index
                let rel = self.cat.resolve_relation(&r.name);
                add_lock(&mut self.e.locks, rel, RelKind::Index, index_mode);
                if let Some(t) = table {
                    self.lock(&t, table_mode);
                    self.scan(&t, ScanReason::IndexBuild);
                    self.index_build(&t);
                }
            }
            ReindexTarget::Table => {
                if self.is_partitioned(&r.name) {
                    if self.partitioned_reindex("TABLE") {
                        self.reindex_partitions(&r.name, table_mode);
                    } else {
                        // verified on 11 and 13: a warning, nothing rebuilt, but the
                        // SHARE lock on the parent is taken (and held until commit)
                        self.lock(&r.name, table_mode);
                    }
                    return;
                }
                self.lock(&r.name, table_mode);
                self.scan(&r.name, ScanReason::IndexBuild);
                self.index_build(&r.name);
                let rel = self.cat.resolve_relation(&r.name);
                let idx: Vec<ObjectName> =
                    self.cat.indexes_on(&rel).map(|i| i.name.clone()).collect();
                for i in idx {
                    self.lock(&i, index_mode);
                }
            }
            ReindexTarget::Schema | ReindexTarget::Database | ReindexTarget::System => {
                self.outside(
                    "REINDEX SCHEMA/DATABASE/SYSTEM cannot run inside a transaction block",
                );
                let schema = (r.target == ReindexTarget::Schema).then(|| r.name.name.clone());
                // materialized views' indexes are rebuilt too (observed on 15)
                let tables: Vec<ObjectName> = self
                    .cat
                    .tables
                    .keys()
                    .chain(
                        self.cat
                            .views
                            .iter()
                            .filter(|(_, v)| v.materialized)
                            .map(|(k, _)| k),
                    )
                    .filter(|k| schema.is_none() || k.schema == schema)
                    .cloned()
                    .collect();
                for t in tables {
                    self.lock(&t, table_mode);
                    self.index_build(&t);
                }
            }
        }
    }

    /// `REINDEX TABLE|INDEX` of a partitioned table or index. Verified on 11, 13, 15:
    /// before 14 REINDEX TABLE only warns (nothing is rebuilt) and REINDEX INDEX fails;
    /// from 14 both rebuild every partition, each in a transaction of its own, so they
    /// cannot run inside a transaction block. Returns whether partitions are rebuilt.
    pub(super) fn partitioned_reindex(&mut self, what: &str) -> bool {
        if self.v.0 < 14 {
            if what == "INDEX" {
                self.fails("REINDEX of a partitioned index needs PostgreSQL 14");
            } else {
                self.note("before PostgreSQL 14 REINDEX skips a partitioned table (a warning): nothing is rebuilt");
            }
            return false;
        }
        self.outside(format!(
            "REINDEX {what} of a partitioned table cannot run inside a transaction block"
        ));
        true
    }

    /// Every leaf partition of `parent` is reindexed, one after another.
    pub(super) fn reindex_partitions(&mut self, parent: &ObjectName, mode: LockMode) {
        let rel = self.cat.resolve_relation(parent);
        let parts: Vec<ObjectName> = self.cat.partitions(&rel).map(|t| t.name.clone()).collect();
        for p in parts {
            if p == rel {
                continue;
            }
            if self.is_partitioned(&p) {
                self.reindex_partitions(&p, mode);
            } else {
                self.lock(&p, mode);
                self.scan(&p, ScanReason::IndexBuild);
                self.index_build(&p);
            }
        }
    }
}
