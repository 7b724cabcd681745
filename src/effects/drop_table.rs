//! `DROP TABLE`: the table and its partitions, the tables its foreign keys reference, its
//! parent and default partition, and the sequences it owns.

use super::*;

impl Builder<'_> {
    pub(super) fn drop_table(&mut self, name: &ObjectName, cascade: bool) {
        use LockMode::AccessExclusive;
        let rel = self.cat.resolve_relation(name);
        self.lock_tree(&rel, AccessExclusive, false);
        let Some(table) = self.cat.table(&rel) else {
            return;
        };
        // its foreign keys' triggers live on the referenced tables (and on each of
        // their partitions: observed on 15 by `trace`)
        let refs: Vec<ObjectName> = table
            .foreign_keys()
            .map(|(_, r)| self.cat.resolve_relation(r))
            .filter(|r| r != &rel)
            .collect();
        for r in refs {
            self.lock_tree(&r, AccessExclusive, false);
        }
        if let Some(parent) = table.partition_of.clone() {
            self.lock(&parent, AccessExclusive);
            // the default partition's implicit constraint changes (observed on 15)
            let default: Vec<ObjectName> = self
                .cat
                .partitions(&parent)
                .filter(|t| t.default_partition && t.name != rel)
                .map(|t| t.name.clone())
                .collect();
            for d in default {
                self.lock(&d, AccessExclusive);
            }
        }
        let seqs: Vec<ObjectName> = self
            .cat
            .sequences
            .values()
            .filter(|s| s.owned_by.as_ref().is_some_and(|(t, _)| t == &rel))
            .map(|s| s.name.clone())
            .collect();
        for s in seqs {
            self.lock(&s, AccessExclusive);
        }
        if cascade {
            for v in self.cat.dependent_views(&rel) {
                self.lock(&v, AccessExclusive);
            }
            let referencing: Vec<ObjectName> = self
                .cat
                .referencing(&rel)
                .map(|(t, _)| t.name.clone())
                .filter(|t| t != &rel)
                .collect();
            for r in referencing {
                self.lock(&r, AccessExclusive);
            }
        }
    }
}
