//! The graph `check` keeps: no nodes, only the objects dropped and not yet re-created
//! and the later uses of them ([`Graph::uses_after_drop_only`]), fed the same touches
//! in the same order as the full graph.

use super::*;

impl Graph {
    /// Every later statement that uses a table, column, view, type or sequence an
    /// earlier statement dropped or renamed away (nothing re-creating it in between):
    /// by object, then in history order.
    pub fn uses_after_drop(&self) -> Vec<UseAfterDrop> {
        // the full graph walks each object's touches in history order through the same
        // watch that `check` keeps as statements come
        let walked;
        let watch = match &self.watch {
            Some(watch) => watch,
            None => {
                let mut watch = DropWatch::default();
                for id in self.object_ids() {
                    if used_by_name(id.kind) {
                        for t in self.touches_of(id) {
                            watch.touch(id, t.edge, t.file, t.line);
                        }
                    }
                }
                walked = watch;
                &walked
            }
        };
        let mut found: Vec<&(ObjectId, u64, UseAfterDrop)> = watch.found.iter().collect();
        found.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        found.into_iter().map(|(_, _, u)| u.clone()).collect()
    }
}

/// What [`Graph::uses_after_drop`] needs, kept as the statements come instead of as a
/// graph: the objects dropped and not yet re-created or used, and the uses found.
/// A whole history's graph is most of `check`'s memory and a sixth of its time.
#[derive(Clone, Debug, Default)]
pub(super) struct DropWatch {
    /// Object -> the statement that dropped it (file, line).
    dropped: HashMap<ObjectId, (String, u32), foldhash::fast::RandomState>,
    /// Uses found, with their position in history order (the full graph lists them by
    /// object, then in history order: [`Graph::uses_after_drop`] sorts them so).
    found: Vec<(ObjectId, u64, UseAfterDrop)>,
    /// Touches seen so far.
    seq: u64,
    /// A hash of every object ever dropped, by [`DropWatch::hash_of`] (filled only as
    /// `check` keeps the watch): an object whose hash is not here was never dropped, so
    /// its touches change nothing.
    ever_dropped: HashSet<u64, foldhash::fast::RandomState>,
}

impl DropWatch {
    /// The hash [`DropWatch::ever_dropped`] keeps for the object: of its kind and the
    /// parts of its name, which is what its [`ObjectId`] spells out (one spelling per
    /// parts: plain identifiers hold no `.` or `"`, the others are quoted). So two names
    /// with one `ObjectId` hash alike, without the name being spelled out.
    fn hash_of(&self, named: Named<'_>) -> u64 {
        use std::hash::BuildHasher;
        let (schema, name, part) = match named {
            Named::Relation(_, n) => (n.schema.as_deref(), n.name.as_str(), None),
            Named::Column(t, part) | Named::Constraint(t, part) => {
                (t.schema.as_deref(), t.name.as_str(), Some(part))
            }
            Named::Schema(s) => (None, s, None),
        };
        self.ever_dropped
            .hasher()
            .hash_one((named.kind(), schema, name, part))
    }

    /// Whether the object may have been dropped (it certainly was not when this says no).
    fn may_be_dropped(&self, named: Named<'_>) -> bool {
        !self.ever_dropped.is_empty() && self.ever_dropped.contains(&self.hash_of(named))
    }

    /// One touch of `id` by the statement at `file`:`line`, in the order the full graph
    /// walks an object's touches.
    fn touch(&mut self, id: &ObjectId, edge: Edge, file: &str, line: u32) {
        self.seq += 1;
        match edge {
            Edge::Drops => {
                self.dropped.insert(id.clone(), (file.to_string(), line));
            }
            Edge::Creates => {
                self.dropped.remove(id);
            }
            Edge::Reads | Edge::Writes | Edge::Alters => {
                if let Some(dropped_in) = self.dropped.remove(id) {
                    self.found.push((
                        id.clone(),
                        self.seq,
                        UseAfterDrop {
                            object: id.clone(),
                            dropped_in,
                            used_in: (file.to_string(), line),
                        },
                    ));
                }
            }
            Edge::Contains | Edge::DependsOn => {}
        }
    }
}

/// The objects a later statement uses by name, whose drop [`Graph::uses_after_drop`]
/// follows.
fn used_by_name(kind: ObjectKind) -> bool {
    matches!(
        kind,
        ObjectKind::Table
            | ObjectKind::Column
            | ObjectKind::View
            | ObjectKind::Type
            | ObjectKind::Sequence
    )
}

/// [`Graph::add_statement`] for a graph that only watches drops: the same touches,
/// walked in the order the full graph lists them (per object: a drop first, then the
/// other touches newest first, as petgraph iterates incoming edges). Only drops and
/// touches of objects that may be dropped matter; the others are not spelled out.
pub(super) fn watch_statement(
    watch: &mut DropWatch,
    file: &str,
    line: u32,
    op: &Operation,
    effects: &Effects,
    before: &Catalog,
) {
    // a renamed relation's new name: rare, and the exact sets decide whether it counts,
    // so such a statement spells out every object
    let mut every = effects.locks.iter().any(|l| l.renamed_from.is_some());
    let mut created: BTreeSet<ObjectId> = BTreeSet::new();
    let mut dropped: BTreeSet<ObjectId> = BTreeSet::new();
    let mut altered: BTreeSet<ObjectId> = BTreeSet::new();
    // the hashes of what this statement drops, for `ever_dropped` once it is walked
    let mut drops: Vec<u64>;
    loop {
        // objects left out, and this statement's drops: a statement that drops an
        // object never dropped before and also creates or alters it (`DROP COLUMN a,
        // ADD COLUMN a int`) needs that touch too, so it is walked again in full
        let mut left_out: Vec<u64> = Vec::new();
        drops = Vec::new();
        named_objects(op, before, &mut |edge, named| {
            if edge == Edge::Drops {
                drops.push(watch.hash_of(named));
            } else if !every {
                let hash = watch.hash_of(named);
                if !watch.ever_dropped.contains(&hash) {
                    left_out.push(hash);
                    return;
                }
            }
            let id = named.id();
            match edge {
                Edge::Creates => created.insert(id),
                Edge::Drops => dropped.insert(id),
                _ => altered.insert(id),
            };
        });
        if every || !left_out.iter().any(|h| drops.contains(h)) {
            break;
        }
        every = true;
        created.clear();
        dropped.clear();
        altered.clear();
    }
    // (object, edge) in the order the full graph adds them, without repeats
    let mut touches: Vec<(ObjectId, Edge)> = Vec::new();
    let add = |id: ObjectId, edge: Edge, touches: &mut Vec<(ObjectId, Edge)>| {
        if used_by_name(id.kind) && !touches.iter().any(|(i, e)| *e == edge && *i == id) {
            touches.push((id, edge));
        }
    };
    for id in &created {
        add(id.clone(), Edge::Creates, &mut touches);
    }
    for id in &dropped {
        add(id.clone(), Edge::Drops, &mut touches);
    }
    for id in &altered {
        add(id.clone(), Edge::Alters, &mut touches);
    }
    for lock in &effects.locks {
        let kind = relkind_object(lock.kind);
        let named = Named::Relation(kind, lock.catalog_name());
        // a relation this statement drops, or that may be dropped, is in the sets
        // above if the statement names it
        if !every && !watch.may_be_dropped(named) {
            continue;
        }
        let id = named.id();
        if created.contains(&id) || dropped.contains(&id) || altered.contains(&id) {
            continue;
        }
        let edge = lock_edge(lock.mode);
        add(id, edge, &mut touches);
        if lock.renamed_from.is_some() {
            add(
                ObjectId::relation(kind, &lock.relation),
                Edge::Creates,
                &mut touches,
            );
        }
    }
    watch.ever_dropped.extend(drops);
    let mut done: Vec<bool> = vec![false; touches.len()];
    for first in 0..touches.len() {
        if done[first] {
            continue;
        }
        let id = &touches[first].0;
        let mine: Vec<usize> = (first..touches.len())
            .filter(|&j| touches[j].0 == *id)
            .collect();
        for &j in &mine {
            done[j] = true;
        }
        if let Some(&d) = mine.iter().find(|&&j| touches[j].1 == Edge::Drops) {
            watch.touch(id, Edge::Drops, file, line);
            for &j in mine.iter().rev().filter(|&&j| j != d) {
                watch.touch(id, touches[j].1, file, line);
            }
        } else {
            for &j in mine.iter().rev() {
                watch.touch(id, touches[j].1, file, line);
            }
        }
    }
}
