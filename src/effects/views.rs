//! Reads and writes through views: the relations a view reads, locked as PostgreSQL
//! locks them when a statement reads or writes through it.

use super::*;

impl Builder<'_> {
    /// What the (not materialized) view `name` reads, when it is one and views on views
    /// are not nested too deep (`depth` of 16: a cycle the catalog could hold).
    pub(super) fn view_reads(&self, name: &ObjectName, depth: usize) -> Option<Vec<ObjectName>> {
        if depth >= 16 {
            return None;
        }
        let rel = self.cat.resolve_relation(name);
        self.cat
            .view(&rel)
            .filter(|v| !v.materialized)
            .map(|v| v.reads.clone())
    }

    /// A query on a (not materialized) view runs on what the view reads: the rewriter
    /// locks each relation of its definition in the query's mode, and the planner their
    /// partitions and children (observed on 15).
    pub(super) fn read_through_view(&mut self, name: &ObjectName, mode: LockMode, depth: usize) {
        let Some(reads) = self.view_reads(name, depth) else {
            return;
        };
        for r in reads {
            self.lock(&r, mode);
            self.lock_descendants_possibly(&r, mode);
            self.read_through_view(&r, mode, depth + 1);
        }
    }

    /// DML on a (not materialized) view (observed on 15): a view over one relation is
    /// auto-updatable, and the rewriter makes that relation the one written (ROW
    /// EXCLUSIVE, through views on views); UPDATE and DELETE on any other view (INSTEAD
    /// OF triggers) read what the view reads for the old rows (ACCESS SHARE).
    pub(super) fn write_through_view(
        &mut self,
        name: &ObjectName,
        reads_old_rows: bool,
        depth: usize,
    ) {
        let Some(reads) = self.view_reads(name, depth) else {
            return;
        };
        match reads.as_slice() {
            [only] => {
                self.lock(only, LockMode::RowExclusive);
                self.lock_descendants_possibly(only, LockMode::RowExclusive);
                self.write_through_view(only, reads_old_rows, depth + 1);
            }
            _ if reads_old_rows => self.read_through_view(name, LockMode::AccessShare, depth),
            _ => {}
        }
    }

    pub(super) fn lock_view_sources(&mut self, name: &ObjectName, mode: LockMode, depth: usize) {
        let Some(reads) = self.cat.view(name).map(|v| v.reads.clone()) else {
            return;
        };
        for r in reads {
            if depth < 16 {
                self.lock_tree(&r, mode, false);
                self.lock_view_sources(&r, mode, depth + 1);
            }
        }
    }
}
