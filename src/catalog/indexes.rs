//! The catalog's indexes, by name, with a lookup by table beside them.
//!
//! Many statements ask "which indexes does this table have" (the graph after every
//! `ALTER TABLE`, foreign-key checks, `DROP COLUMN`); scanning every index of a long
//! history each time made a 10,000-file history quadratic. [`Indexes`] reads like the
//! `BTreeMap` it wraps (it dereferences to it) and has the map's mutating methods under
//! the same names, keeping the by-table lookup up to date: `insert`, `remove` and
//! `retain` update it in place; `get_mut`, `values_mut` and `iter_mut` may change an
//! index's table, so they drop it and the next lookup rebuilds it once.

use super::Index;
use crate::ops::ObjectName;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::ops::Deref;
use std::sync::OnceLock;

/// Table -> the keys of its indexes, sorted (foldhash: every index created and every
/// lookup by table hashes a name; SipHash, std's default, costs several times more). A
/// sorted `Vec` rather than a `BTreeSet`: most tables have one or two indexes, and a
/// set's first node took about 540 bytes for each table of a history.
type ByTable = HashMap<ObjectName, Vec<ObjectName>, foldhash::fast::RandomState>;

/// Files `key` among `keys` (sorted, each once).
fn file_key(keys: &mut Vec<ObjectName>, key: ObjectName) {
    if let Err(at) = keys.binary_search(&key) {
        keys.insert(at, key);
    }
}

/// Index name -> index, and table -> names of its indexes.
#[derive(Clone, Default)]
pub struct Indexes {
    map: BTreeMap<ObjectName, Index>,
    /// Table -> the keys of its indexes; built on first use after an arbitrary change.
    by_table: OnceLock<ByTable>,
}

impl Indexes {
    fn lookup(&self) -> &ByTable {
        self.by_table.get_or_init(|| {
            let mut by_table = ByTable::default();
            for (k, i) in &self.map {
                file_key(by_table.entry(i.table.clone()).or_default(), k.clone());
            }
            by_table
        })
    }

    /// Indexes on `table`, in name order.
    pub fn on<'a>(&'a self, table: &ObjectName) -> impl Iterator<Item = &'a Index> + 'a {
        self.lookup()
            .get(table)
            .into_iter()
            .flatten()
            .filter_map(|k| self.map.get(k))
    }

    /// The keys of the indexes on `table` (to change or remove them).
    pub fn keys_on(&self, table: &ObjectName) -> Vec<ObjectName> {
        self.lookup()
            .get(table)
            .into_iter()
            .flatten()
            .cloned()
            .collect()
    }

    fn forget(&mut self, key: &ObjectName, table: &ObjectName) {
        if let Some(by_table) = self.by_table.get_mut() {
            if let Some(keys) = by_table.get_mut(table) {
                if let Ok(at) = keys.binary_search(key) {
                    keys.remove(at);
                }
                if keys.is_empty() {
                    by_table.remove(table);
                }
            }
        }
    }

    pub fn insert(&mut self, key: ObjectName, index: Index) -> Option<Index> {
        let table = index.table.clone();
        let old = self.map.insert(key.clone(), index);
        if let Some(o) = &old {
            self.forget(&key, &o.table);
        }
        if let Some(by_table) = self.by_table.get_mut() {
            file_key(
                by_table
                    .entry(table)
                    .or_insert_with(|| Vec::with_capacity(1)),
                key,
            );
        }
        old
    }

    pub fn remove(&mut self, key: &ObjectName) -> Option<Index> {
        let old = self.map.remove(key)?;
        self.forget(key, &old.table);
        Some(old)
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&ObjectName, &mut Index) -> bool) {
        let mut dropped = Vec::new();
        self.map.retain(|k, i| {
            let kept = keep(k, i);
            if !kept {
                dropped.push((k.clone(), i.table.clone()));
            }
            kept
        });
        for (k, table) in dropped {
            self.forget(&k, &table);
        }
    }

    /// The index under `key`, to change (its table too: the lookup is rebuilt).
    pub fn get_mut(&mut self, key: &ObjectName) -> Option<&mut Index> {
        self.by_table.take();
        self.map.get_mut(key)
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Index> {
        self.by_table.take();
        self.map.values_mut()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&ObjectName, &mut Index)> {
        self.by_table.take();
        self.map.iter_mut()
    }

    /// Changes the index under `key` (re-filed if its table changed).
    pub fn update(&mut self, key: &ObjectName, change: impl FnOnce(&mut Index)) {
        let Some(i) = self.map.get_mut(key) else {
            return;
        };
        let before = i.table.clone();
        change(i);
        if i.table != before {
            let after = i.table.clone();
            self.forget(key, &before);
            if let Some(by_table) = self.by_table.get_mut() {
                file_key(by_table.entry(after).or_default(), key.clone());
            }
        }
    }

    /// Changes each index on `table` without changing its table (cheaper than
    /// `values_mut`, which forgets the lookup).
    pub fn update_on(&mut self, table: &ObjectName, mut change: impl FnMut(&mut Index)) {
        for k in self.keys_on(table) {
            if let Some(i) = self.map.get_mut(&k) {
                change(i);
                debug_assert!(&i.table == table, "update_on changed an index's table");
            }
        }
    }

    /// Moves the index under `old` to `new` (renaming it); `None` if there is none.
    pub fn rekey(&mut self, old: &ObjectName, new: ObjectName) -> Option<&mut Index> {
        let mut index = self.remove(old)?;
        index.name = new.clone();
        self.insert(new.clone(), index);
        self.map.get_mut(&new)
    }
}

impl Deref for Indexes {
    type Target = BTreeMap<ObjectName, Index>;

    fn deref(&self) -> &BTreeMap<ObjectName, Index> {
        &self.map
    }
}

impl FromIterator<(ObjectName, Index)> for Indexes {
    fn from_iter<I: IntoIterator<Item = (ObjectName, Index)>>(iter: I) -> Indexes {
        Indexes {
            map: iter.into_iter().collect(),
            by_table: OnceLock::new(),
        }
    }
}

impl PartialEq for Indexes {
    fn eq(&self, other: &Indexes) -> bool {
        self.map == other.map
    }
}

impl Eq for Indexes {}

impl std::fmt::Debug for Indexes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.map.fmt(f)
    }
}

impl Serialize for Indexes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.map.serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(name: &str, table: &str) -> Index {
        Index {
            name: ObjectName::new(Some("public"), name),
            table: ObjectName::new(Some("public"), table),
            columns: vec!["id".to_string()],
            unique: false,
            primary: false,
            valid: true,
            partial: false,
            predicate: None,
            method: None,
            origin: None,
        }
    }

    fn on(ix: &Indexes, table: &str) -> Vec<String> {
        ix.on(&ObjectName::new(Some("public"), table))
            .map(|i| i.name.name.clone())
            .collect()
    }

    fn key(name: &str) -> ObjectName {
        ObjectName::new(Some("public"), name)
    }

    #[test]
    fn lookup_by_table_follows_every_change() {
        let mut ix = Indexes::default();
        ix.insert(key("a_1"), index("a_1", "a"));
        assert_eq!(on(&ix, "a"), ["a_1"]); // built here
        ix.insert(key("a_2"), index("a_2", "a"));
        ix.insert(key("b_1"), index("b_1", "b"));
        assert_eq!(on(&ix, "a"), ["a_1", "a_2"]);
        // the same name again, on another table
        ix.insert(key("a_2"), index("a_2", "b"));
        assert_eq!(on(&ix, "a"), ["a_1"]);
        assert_eq!(on(&ix, "b"), ["a_2", "b_1"]);
        ix.remove(&key("a_1"));
        assert!(on(&ix, "a").is_empty());
        ix.retain(|k, _| k.name != "b_1");
        assert_eq!(on(&ix, "b"), ["a_2"]);
        // an arbitrary change of the table
        for i in ix.values_mut() {
            i.table = key("c");
        }
        assert!(on(&ix, "b").is_empty());
        assert_eq!(on(&ix, "c"), ["a_2"]);
        ix.rekey(&key("a_2"), key("c_1"));
        assert_eq!(on(&ix, "c"), ["c_1"]);
        ix.update_on(&key("c"), |i| i.columns = vec!["x".to_string()]);
        assert_eq!(ix[&key("c_1")].columns, ["x"]);
        ix.update(&key("c_1"), |i| i.table = key("d"));
        assert!(on(&ix, "c").is_empty());
        assert_eq!(on(&ix, "d"), ["c_1"]);
        // equality ignores the lookup
        let fresh: Indexes = ix.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        assert_eq!(fresh, ix);
    }
}
