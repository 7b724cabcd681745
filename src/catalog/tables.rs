//! The catalog's tables, by name, with a reverse foreign-key lookup beside them.
//!
//! Every row written to or deleted from a table asks "which tables have foreign keys to
//! this one" (their checks and actions run on each row); scanning every table's
//! constraints each time made a 10,000-file history quadratic. [`Tables`] reads like
//! the `BTreeMap` it wraps (it dereferences to it) and has the map's mutating methods
//! under the same names. A table handed out to change (`get_mut`, `insert`, `remove`)
//! is noted as changed, and re-filed in the lookup by the next [`Tables::settle`] (the
//! end of every replayed operation, or the next change once a few are pending);
//! `values_mut` and `retain` may change any table, so the lookup is rebuilt
//! once. Until then lookups also look at the tables changed since, so they are always
//! exact.
//!
//! Tables are looked up by name far more often than anything else (every statement
//! resolves the relations it names, their origin and kind, several times), so they are
//! stored in a hash map, with their names in a sorted set beside it for the name-order
//! iteration the rest of the code expects (`iter`, `keys`, `values`, serialization).

use super::{Constraint, Table};
use crate::ops::{ConstraintKind, ObjectName};
use serde::Serialize;
use std::collections::BTreeSet;

/// foldhash: names are hashed on every lookup, and SipHash (std's default, resistant to
/// collision attacks a local CLI does not face) cost several times more.
type HashMap<K, V> = hashbrown::HashMap<K, V, foldhash::fast::RandomState>;

/// A name by its parts, to look a table up without building an [`ObjectName`]. It hashes
/// as the `ObjectName` with the same parts does (its derived `Hash`: the schema as an
/// `Option`, then the name), which `name_ref_hashes_as_the_object_name` checks.
#[derive(Hash)]
pub struct NameRef<'a> {
    pub schema: Option<&'a str>,
    pub name: &'a str,
}

impl hashbrown::Equivalent<ObjectName> for NameRef<'_> {
    fn equivalent(&self, key: &ObjectName) -> bool {
        key.schema.as_deref() == self.schema && key.name == self.name
    }
}

/// Changed tables kept pending before a change re-files them.
const PENDING: usize = 16;

/// Table name -> table, and referenced table -> tables with a foreign key to it.
#[derive(Clone, Default)]
pub struct Tables {
    /// Boxed: a hash map keeps a slot for every entry and about as many empty ones (and
    /// both the old and the new array while it grows), and a `Table` is 392 bytes.
    map: HashMap<ObjectName, Box<Table>>,
    /// The names of `map`, in order.
    order: BTreeSet<ObjectName>,
    /// Referenced table -> the tables whose foreign keys reference it (as stored: replay
    /// stores them resolved), as of the last `settle`.
    referenced_by: HashMap<ObjectName, BTreeSet<ObjectName>>,
    /// Referencing table -> the referenced tables it is filed under.
    filed_under: HashMap<ObjectName, Vec<ObjectName>>,
    /// Constraint names by schema (`ObjectName` of the table's schema and the
    /// constraint's name) -> how many tables have one so named, as of the last `settle`:
    /// an automatic name must avoid the names of the whole schema.
    constraint_names: HashMap<ObjectName, usize>,
    /// Table -> the constraint names it is counted under in `constraint_names`.
    named: HashMap<ObjectName, Vec<String>>,
    /// Tables changed since the last `settle` (they may have gained or lost foreign keys).
    changed: BTreeSet<ObjectName>,
    /// Any table may have changed: the lookup is rebuilt by the next `settle`.
    stale: bool,
}

impl Tables {
    /// Re-files the tables changed since the last call in the foreign-key lookup.
    pub fn settle(&mut self) {
        if self.stale {
            self.referenced_by.clear();
            self.filed_under.clear();
            self.constraint_names.clear();
            self.named.clear();
            self.changed.clear();
            self.stale = false;
            let keys: Vec<ObjectName> = self.map.keys().cloned().collect();
            for k in keys {
                self.file_names(&k);
                self.file(k);
            }
            return;
        }
        for k in std::mem::take(&mut self.changed) {
            self.unfile_names(&k);
            self.file_names(&k);
            // most changes (a column, a default, a check) leave the foreign keys as they
            // were: the table stays filed where it is
            if self.filed_as_is(&k) {
                continue;
            }
            if let Some(refs) = self.filed_under.remove(&k) {
                for r in refs {
                    if let Some(set) = self.referenced_by.get_mut(&r) {
                        set.remove(&k);
                        if set.is_empty() {
                            self.referenced_by.remove(&r);
                        }
                    }
                }
            }
            self.file(k);
        }
    }

    /// The tables `t`'s foreign keys reference, once each, in constraint order: what
    /// [`Tables::file`] files it under.
    fn referenced(t: &Table) -> Vec<&ObjectName> {
        let mut refs: Vec<&ObjectName> = Vec::new();
        for (_, r) in t.foreign_keys() {
            if !refs.contains(&r) {
                refs.push(r);
            }
        }
        refs
    }

    /// `key` is filed exactly as [`Tables::file`] would file it now (under nothing, if it
    /// is gone or has no foreign key).
    fn filed_as_is(&self, key: &ObjectName) -> bool {
        let filed = self.filed_under.get(key).map_or(&[][..], Vec::as_slice);
        match self.map.get(key) {
            None => filed.is_empty(),
            Some(t) => Self::referenced(t).into_iter().eq(filed.iter()),
        }
    }

    /// Counts `key`'s constraint names (it is not counted yet).
    fn file_names(&mut self, key: &ObjectName) {
        let Some(t) = self.map.get(key) else {
            return;
        };
        let names: Vec<String> = t.constraints.iter().map(|c| c.name.clone()).collect();
        for n in &names {
            *self
                .constraint_names
                .entry(ObjectName::new(key.schema.as_deref(), n))
                .or_default() += 1;
        }
        if !names.is_empty() {
            self.named.insert(key.clone(), names);
        }
    }

    fn unfile_names(&mut self, key: &ObjectName) {
        for n in self.named.remove(key).unwrap_or_default() {
            let k = ObjectName::new(key.schema.as_deref(), &n);
            if let Some(count) = self.constraint_names.get_mut(&k) {
                *count -= 1;
                if *count == 0 {
                    self.constraint_names.remove(&k);
                }
            }
        }
    }

    /// Some table of `schema` has a constraint named `name`.
    pub fn constraint_named(&self, schema: Option<&str>, name: &str) -> bool {
        let in_schema = |k: &ObjectName| k.schema.as_deref() == schema;
        let has = |t: &Table| t.constraints.iter().any(|c| c.name == name);
        if self.stale {
            return self.map.iter().any(|(k, t)| in_schema(k) && has(t));
        }
        // counted at the last settle, less what the tables changed since were counted
        // under, plus what they have now
        let key = ObjectName::new(schema, name);
        let mut count = self.constraint_names.get(&key).copied().unwrap_or(0);
        for k in self.changed.iter().filter(|k| in_schema(k)) {
            let counted = self
                .named
                .get(k)
                .map_or(0, |names| names.iter().filter(|n| *n == name).count());
            count -= counted.min(count);
            if self.get(k).is_some_and(has) {
                return true;
            }
        }
        count > 0
    }

    /// Files `key`'s foreign keys (it is not filed anywhere yet).
    fn file(&mut self, key: ObjectName) {
        let Some(t) = self.map.get(&key) else {
            return;
        };
        let refs: Vec<ObjectName> = Self::referenced(t).into_iter().cloned().collect();
        if refs.is_empty() {
            return;
        }
        for r in &refs {
            self.referenced_by
                .entry(r.clone())
                .or_default()
                .insert(key.clone());
        }
        self.filed_under.insert(key, refs);
    }

    fn change(&mut self, key: &ObjectName) {
        if self.stale {
            return;
        }
        if self.changed.len() >= PENDING {
            self.settle();
        }
        if !self.changed.contains(key) {
            self.changed.insert(key.clone());
        }
    }

    /// The tables that may have a foreign key to `table`, with their keys, in name
    /// order (a superset: callers compare each constraint's referenced table).
    fn candidates<'a>(
        &'a self,
        table: &ObjectName,
    ) -> Box<dyn Iterator<Item = (&'a ObjectName, &'a Table)> + 'a> {
        if self.stale {
            return Box::new(self.iter());
        }
        let filed = self.referenced_by.get(table);
        if self.changed.is_empty() {
            Box::new(
                filed
                    .into_iter()
                    .flatten()
                    .filter_map(|k| self.map.get_key_value(k).map(|(k, t)| (k, &**t))),
            )
        } else {
            // those filed and those changed since, once each, in name order
            let mut keys: BTreeSet<&'a ObjectName> = self.changed.iter().collect();
            keys.extend(filed.into_iter().flatten());
            Box::new(
                keys.into_iter()
                    .filter_map(|k| self.map.get_key_value(k).map(|(k, t)| (k, &**t))),
            )
        }
    }

    /// Tables whose foreign keys reference `table` (as stored, compared by name), with
    /// each such constraint, in table-name and then constraint order.
    pub fn referencing<'a>(
        &'a self,
        table: &'a ObjectName,
    ) -> impl Iterator<Item = (&'a Table, &'a Constraint)> + 'a {
        self.candidates(table).flat_map(move |(_, t)| {
            t.constraints
                .iter()
                .filter(move |c| references(c, table))
                .map(move |c| (t, c))
        })
    }

    /// The keys of the tables with a foreign key to `table`, in name order (to change
    /// them).
    pub fn referencing_keys(&self, table: &ObjectName) -> Vec<ObjectName> {
        self.candidates(table)
            .filter(|(_, t)| t.constraints.iter().any(|c| references(c, table)))
            .map(|(k, _)| k.clone())
            .collect()
    }

    pub fn insert(&mut self, key: ObjectName, table: Table) -> Option<Table> {
        self.change(&key);
        if !self.order.contains(&key) {
            self.order.insert(key.clone());
        }
        self.map.insert(key, Box::new(table)).map(|t| *t)
    }

    pub fn remove(&mut self, key: &ObjectName) -> Option<Table> {
        let old = self.map.remove(key)?;
        self.order.remove(key);
        self.change(key);
        Some(*old)
    }

    /// The table under `key`, to change.
    pub fn get_mut(&mut self, key: &ObjectName) -> Option<&mut Table> {
        if self.map.contains_key(key) {
            self.change(key);
        }
        self.map.get_mut(key).map(|t| &mut **t)
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&ObjectName, &mut Table) -> bool) {
        self.stale = true;
        let mut dropped = Vec::new();
        // in name order, as on the map this replaces
        for k in &self.order {
            if let Some(t) = self.map.get_mut(k) {
                if !keep(k, t) {
                    dropped.push(k.clone());
                }
            }
        }
        for k in dropped {
            self.map.remove(&k);
            self.order.remove(&k);
        }
    }

    /// Every table, to change (in no particular order).
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Table> {
        self.stale = true;
        self.map.values_mut().map(|t| &mut **t)
    }

    pub fn get(&self, key: &ObjectName) -> Option<&Table> {
        self.map.get(key).map(|t| &**t)
    }

    pub fn get_key_value(&self, key: &ObjectName) -> Option<(&ObjectName, &Table)> {
        self.map.get_key_value(key).map(|(k, t)| (k, &**t))
    }

    /// [`Tables::get_key_value`] by the name's parts.
    pub fn get_key_value_by_parts(&self, key: &NameRef) -> Option<(&ObjectName, &Table)> {
        self.map.get_key_value(key).map(|(k, t)| (k, &**t))
    }

    pub fn contains_key(&self, key: &ObjectName) -> bool {
        self.map.contains_key(key)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Names and tables, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&ObjectName, &Table)> {
        self.order
            .iter()
            .filter_map(|k| self.map.get_key_value(k).map(|(k, t)| (k, &**t)))
    }

    /// Names, in order.
    pub fn keys(&self) -> impl Iterator<Item = &ObjectName> {
        self.order.iter()
    }

    /// Tables, in name order.
    pub fn values(&self) -> impl Iterator<Item = &Table> {
        self.order.iter().filter_map(|k| self.get(k))
    }
}

fn references(c: &Constraint, table: &ObjectName) -> bool {
    matches!(&c.kind, ConstraintKind::ForeignKey { ref_table, .. } if ref_table == table)
}

impl std::ops::Index<&ObjectName> for Tables {
    type Output = Table;

    fn index(&self, key: &ObjectName) -> &Table {
        &self.map[key]
    }
}

impl<'a> IntoIterator for &'a Tables {
    type Item = (&'a ObjectName, &'a Table);
    type IntoIter = Box<dyn Iterator<Item = (&'a ObjectName, &'a Table)> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl FromIterator<(ObjectName, Table)> for Tables {
    fn from_iter<I: IntoIterator<Item = (ObjectName, Table)>>(iter: I) -> Tables {
        let map: HashMap<ObjectName, Box<Table>> =
            iter.into_iter().map(|(k, t)| (k, Box::new(t))).collect();
        Tables {
            order: map.keys().cloned().collect(),
            map,
            stale: true,
            ..Tables::default()
        }
    }
}

impl PartialEq for Tables {
    fn eq(&self, other: &Tables) -> bool {
        self.map == other.map
    }
}

impl std::fmt::Debug for Tables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for Tables {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Origin;

    fn key(name: &str) -> ObjectName {
        ObjectName::new(Some("public"), name)
    }

    fn fk(name: &str, to: &str) -> Constraint {
        Constraint {
            name: name.to_string(),
            kind: ConstraintKind::ForeignKey {
                columns: vec!["x".to_string()],
                ref_table: key(to),
                ref_columns: vec![],
                on_delete: None,
                on_update: None,
                match_full: false,
                deferrable: false,
            },
            validated: true,
            index: None,
            origin: None::<Origin>,
        }
    }

    fn table(name: &str, fks: &[(&str, &str)]) -> Table {
        let mut t = Table::new(key(name), None);
        t.constraints = fks.iter().map(|(n, to)| fk(n, to)).collect();
        t
    }

    fn referencing(t: &Tables, to: &str) -> Vec<String> {
        let to = key(to);
        t.referencing(&to)
            .map(|(t, c)| format!("{}.{}", t.name.name, c.name))
            .collect()
    }

    /// What a scan of every table finds.
    fn scanned(t: &Tables, to: &str) -> Vec<String> {
        let to = key(to);
        t.values()
            .flat_map(|t| {
                t.foreign_keys()
                    .filter(|(_, r)| **r == to)
                    .map(|(c, _)| format!("{}.{}", t.name.name, c.name))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn lookup_follows_every_change() {
        let mut t = Tables::default();
        t.insert(key("b"), table("b", &[("b_a", "a"), ("b_a2", "a")]));
        t.insert(key("c"), table("c", &[("c_a", "a"), ("c_b", "b")]));
        // pending, then settled: the same answers
        assert_eq!(referencing(&t, "a"), ["b.b_a", "b.b_a2", "c.c_a"]);
        t.settle();
        assert_eq!(referencing(&t, "a"), ["b.b_a", "b.b_a2", "c.c_a"]);
        assert_eq!(referencing(&t, "b"), ["c.c_b"]);
        // a foreign key dropped and one added through get_mut
        if let Some(c) = t.get_mut(&key("c")) {
            c.constraints.retain(|x| x.name != "c_a");
            c.constraints.push(fk("c_d", "d"));
        }
        assert_eq!(referencing(&t, "a"), ["b.b_a", "b.b_a2"]);
        assert_eq!(referencing(&t, "d"), ["c.c_d"]);
        t.settle();
        assert_eq!(referencing(&t, "a"), ["b.b_a", "b.b_a2"]);
        assert_eq!(referencing(&t, "d"), ["c.c_d"]);
        // changes that keep the referenced tables (stays filed as it was), then one that
        // keeps the constraints but points one elsewhere (filed anew)
        if let Some(b) = t.get_mut(&key("b")) {
            b.constraints.retain(|x| x.name != "b_a2");
            b.constraints.push(fk("b_a3", "a"));
        }
        t.settle();
        assert_eq!(referencing(&t, "a"), ["b.b_a", "b.b_a3"]);
        if let Some(b) = t.get_mut(&key("b")) {
            b.constraints = vec![fk("b_a", "a"), fk("b_a3", "d")];
        }
        t.settle();
        assert_eq!(referencing(&t, "a"), ["b.b_a"]);
        assert_eq!(referencing(&t, "d"), ["b.b_a3", "c.c_d"]);
        if let Some(b) = t.get_mut(&key("b")) {
            b.constraints = vec![fk("b_a", "a"), fk("b_a2", "a"), fk("b_a3", "d")];
        }
        t.settle();
        assert_eq!(referencing(&t, "a"), ["b.b_a", "b.b_a2"]);
        if let Some(b) = t.get_mut(&key("b")) {
            b.constraints = vec![fk("b_a", "a"), fk("b_a2", "a")];
        }
        t.settle();
        assert_eq!(referencing(&t, "a"), ["b.b_a", "b.b_a2"]);
        assert_eq!(referencing(&t, "d"), ["c.c_d"]);
        // many changes: settled along the way
        for i in 0..40 {
            let n = format!("t{i:02}");
            t.insert(key(&n), table(&n, &[("to_a", "a")]));
        }
        assert_eq!(referencing(&t, "a"), scanned(&t, "a"));
        t.remove(&key("b"));
        assert_eq!(referencing(&t, "a"), scanned(&t, "a"));
        // arbitrary changes
        for x in t.values_mut() {
            for c in &mut x.constraints {
                if let ConstraintKind::ForeignKey { ref_table, .. } = &mut c.kind {
                    *ref_table = key("e");
                }
            }
        }
        assert!(referencing(&t, "a").is_empty());
        assert_eq!(referencing(&t, "e"), scanned(&t, "e"));
        t.settle();
        assert_eq!(referencing(&t, "e"), scanned(&t, "e"));
        t.retain(|k, _| k.name != "c");
        assert_eq!(referencing(&t, "e"), scanned(&t, "e"));
        t.settle();
        assert_eq!(referencing(&t, "e"), scanned(&t, "e"));
        let fresh: Tables = t.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        assert_eq!(fresh, t);
        assert_eq!(referencing(&fresh, "e"), scanned(&t, "e"));
    }
}

#[cfg(test)]
mod constraint_name_tests {
    use super::*;

    fn key(schema: &str, name: &str) -> ObjectName {
        ObjectName::new(Some(schema), name)
    }

    fn with(t: &Table, names: &[&str]) -> Table {
        let mut t = t.clone();
        t.constraints = names
            .iter()
            .map(|n| Constraint {
                name: n.to_string(),
                kind: ConstraintKind::Check {
                    expr: crate::ops::Expr::default(),
                    no_inherit: false,
                },
                validated: true,
                index: None,
                origin: None,
            })
            .collect();
        t
    }

    /// What a scan of every table of the schema says.
    fn scanned(t: &Tables, schema: &str, name: &str) -> bool {
        t.iter().any(|(k, x)| {
            k.schema.as_deref() == Some(schema) && x.constraints.iter().any(|c| c.name == name)
        })
    }

    #[test]
    fn constraint_names_of_a_schema_follow_every_change() {
        let mut t = Tables::default();
        let a = Table::new(key("public", "a"), None);
        t.insert(key("public", "a"), with(&a, &["a_check", "shared"]));
        t.insert(key("other", "b"), with(&a, &["b_check"]));
        let probes = [
            ("public", "a_check"),
            ("public", "shared"),
            ("public", "b_check"),
            ("other", "b_check"),
            ("other", "a_check"),
            ("public", "new"),
        ];
        let agree = |t: &Tables| {
            for (s, n) in probes {
                assert_eq!(t.constraint_named(Some(s), n), scanned(t, s, n), "{s}.{n}");
            }
        };
        agree(&t);
        t.settle();
        agree(&t);
        // changed and pending, then settled
        if let Some(x) = t.get_mut(&key("public", "a")) {
            x.constraints.retain(|c| c.name != "a_check");
        }
        agree(&t);
        t.settle();
        agree(&t);
        t.insert(key("public", "c"), with(&a, &["shared", "new"]));
        agree(&t);
        t.settle();
        t.remove(&key("public", "a"));
        agree(&t);
        t.settle();
        agree(&t);
        for x in t.values_mut() {
            x.constraints.clear();
        }
        agree(&t);
        t.settle();
        agree(&t);
    }
}

#[cfg(test)]
mod name_ref_tests {
    use super::*;
    use std::hash::BuildHasher;

    /// A lookup by parts finds what a lookup by `ObjectName` finds: same hash, same key.
    #[test]
    fn name_ref_hashes_as_the_object_name() {
        let hasher = foldhash::fast::RandomState::default();
        for (schema, name) in [
            (Some("public"), "accounts"),
            (None, "accounts"),
            (Some(""), ""),
            (Some("a.b"), "c"),
            (Some("a"), "b.c"),
            (Some("Weird \"Schema\""), "é"),
        ] {
            let owned = ObjectName {
                schema: schema.map(str::to_string),
                name: name.to_string(),
            };
            assert_eq!(
                hasher.hash_one(&owned),
                hasher.hash_one(NameRef { schema, name }),
                "{owned:?}"
            );
        }
        let mut tables = Tables::default();
        let key = ObjectName::new(Some("public"), "accounts");
        tables.insert(key.clone(), Table::new(key.clone(), None));
        let found = tables.get_key_value_by_parts(&NameRef {
            schema: Some("public"),
            name: "accounts",
        });
        assert_eq!(found.map(|(k, _)| k), Some(&key));
        assert!(
            tables
                .get_key_value_by_parts(&NameRef {
                    schema: None,
                    name: "accounts"
                })
                .is_none()
        );
    }
}
