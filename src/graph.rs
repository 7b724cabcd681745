//! The dependency graph of a history (petgraph): migrations contain statements;
//! statements create, alter, drop, read and write schema objects (schemas, tables,
//! columns, indexes, constraints, types, sequences, views, functions); objects depend on
//! objects (a foreign key on the table and columns it references, a view on what it
//! reads, an index on its columns, a default on its sequence, a column on its type).
//!
//! Filled by the same walk that replays the catalog (`analysis`), so the two agree. It
//! answers which statements touch an object, what depends on it, and what would break
//! if it were dropped; `schemaguard graph` exports it as DOT, Mermaid or JSON.

use crate::catalog::Catalog;
use crate::effects::Effects;
use crate::lock::LockMode;
use crate::ops::{AlterTableAction, ConstraintKind, IndexKey, ObjectName, Operation};
use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    Schema,
    Table,
    Column,
    Index,
    Constraint,
    Type,
    Sequence,
    View,
    Function,
}

impl ObjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Schema => "schema",
            ObjectKind::Table => "table",
            ObjectKind::Column => "column",
            ObjectKind::Index => "index",
            ObjectKind::Constraint => "constraint",
            ObjectKind::Type => "type",
            ObjectKind::Sequence => "sequence",
            ObjectKind::View => "view",
            ObjectKind::Function => "function",
        }
    }
}

/// An object's identity: its kind and qualified name (`public.accounts`,
/// `public.accounts.email` for a column, `public.accounts.accounts_pkey` for a constraint).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ObjectId {
    pub kind: ObjectKind,
    pub name: String,
}

impl ObjectId {
    fn new(kind: ObjectKind, name: impl Into<String>) -> ObjectId {
        ObjectId {
            kind,
            name: name.into(),
        }
    }

    fn relation(kind: ObjectKind, name: &ObjectName) -> ObjectId {
        Named::Relation(kind, name).id()
    }

    fn column(table: &ObjectName, column: &str) -> ObjectId {
        Named::Column(table, column).id()
    }
}

/// An object as a statement names it, before its [`ObjectId`] is spelled out (the drop
/// watch hashes most names by their parts, and never spells them out).
#[derive(Clone, Copy, Debug)]
enum Named<'a> {
    Relation(ObjectKind, &'a ObjectName),
    Column(&'a ObjectName, &'a str),
    Constraint(&'a ObjectName, &'a str),
    Schema(&'a str),
}

impl Named<'_> {
    fn kind(self) -> ObjectKind {
        match self {
            Named::Relation(kind, _) => kind,
            Named::Column(..) => ObjectKind::Column,
            Named::Constraint(..) => ObjectKind::Constraint,
            Named::Schema(_) => ObjectKind::Schema,
        }
    }

    /// Appends the [`ObjectId`]'s name (`public.accounts`, `public.accounts.email`).
    fn push_name(self, out: &mut String) {
        use crate::ops::names::push_ident;
        let push_relation = |out: &mut String, n: &ObjectName| {
            // as `ObjectName`'s Display writes it
            if let Some(schema) = &n.schema {
                push_ident(out, schema);
                out.push('.');
            }
            push_ident(out, &n.name);
        };
        match self {
            Named::Relation(_, n) => push_relation(out, n),
            Named::Column(t, part) | Named::Constraint(t, part) => {
                push_relation(out, t);
                out.push('.');
                push_ident(out, part);
            }
            Named::Schema(s) => push_ident(out, s),
        }
    }

    fn id(self) -> ObjectId {
        let mut name = String::new();
        self.push_name(&mut name);
        ObjectId::new(self.kind(), name)
    }
}

/// What a renderer draws of the graph (see [`Graph::picture`]).
pub struct Picture<'a> {
    pub nodes: Vec<(usize, &'a Node, String)>,
    pub edges: Vec<(usize, usize, Edge)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "node", rename_all = "snake_case")]
pub enum Node {
    Migration {
        file: String,
    },
    Statement {
        file: String,
        index: usize,
        line: u32,
        kind: String,
    },
    Object {
        kind: ObjectKind,
        name: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Edge {
    /// migration -> statement
    Contains,
    /// statement -> object
    Creates,
    Alters,
    Drops,
    Reads,
    /// Changes rows (INSERT/UPDATE/DELETE) without changing the schema.
    Writes,
    /// object -> object it needs
    DependsOn,
}

impl Edge {
    pub fn as_str(self) -> &'static str {
        match self {
            Edge::Contains => "contains",
            Edge::Creates => "creates",
            Edge::Alters => "alters",
            Edge::Drops => "drops",
            Edge::Reads => "reads",
            Edge::Writes => "writes",
            Edge::DependsOn => "depends_on",
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Graph {
    pub graph: DiGraph<Node, Edge>,
    /// foldhash: every statement looks up the objects it touches (the order of this map
    /// is never shown: listings sort it)
    objects: HashMap<ObjectId, NodeIndex, foldhash::fast::RandomState>,
    current_migration: Option<NodeIndex>,
    /// `Some` for a graph that keeps no nodes and answers only
    /// [`Graph::uses_after_drop`] ([`Graph::uses_after_drop_only`]).
    watch: Option<Box<DropWatch>>,
}

/// A later statement that uses an object an earlier statement dropped (or renamed
/// away), with nothing re-creating it in between.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UseAfterDrop {
    pub object: ObjectId,
    /// The statement that dropped it: file and line.
    pub dropped_in: (String, u32),
    /// The first statement after the drop that uses it.
    pub used_in: (String, u32),
}

/// What [`Graph::uses_after_drop`] needs, kept as the statements come instead of as a
/// graph: the objects dropped and not yet re-created or used, and the uses found.
/// A whole history's graph is most of `check`'s memory and a sixth of its time.
#[derive(Clone, Debug, Default)]
struct DropWatch {
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

/// One statement's touch on an object, in history order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Touch {
    pub file: String,
    pub line: u32,
    pub kind: String,
    pub edge: Edge,
    /// The object touched (the one asked about, or one of its columns, indexes, ...).
    pub object: ObjectId,
}

/// A [`Touch`] borrowed from the graph, without the object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TouchRef<'a> {
    pub file: &'a str,
    pub line: u32,
    pub kind: &'a str,
    pub edge: Edge,
}

impl Graph {
    /// A graph that keeps no nodes or edges and answers only [`Graph::uses_after_drop`]
    /// (what `check` needs: its history-level rule).
    pub fn uses_after_drop_only() -> Graph {
        Graph {
            watch: Some(Box::default()),
            ..Graph::default()
        }
    }

    pub fn add_migration(&mut self, file: &str) {
        if self.watch.is_some() {
            return;
        }
        let n = self.graph.add_node(Node::Migration {
            file: file.to_string(),
        });
        self.current_migration = Some(n);
    }

    fn object(&mut self, id: &ObjectId) -> NodeIndex {
        if let Some(n) = self.objects.get(id) {
            return *n;
        }
        let n = self.graph.add_node(Node::Object {
            kind: id.kind,
            name: id.name.clone(),
        });
        self.objects.insert(id.clone(), n);
        n
    }

    fn edge(&mut self, from: NodeIndex, to: &ObjectId, edge: Edge) {
        let to = self.object(to);
        if !self
            .graph
            .edges_connecting(from, to)
            .any(|e| *e.weight() == edge)
        {
            self.graph.add_edge(from, to, edge);
        }
    }

    fn depends(&mut self, from: &ObjectId, to: &ObjectId) {
        if from == to {
            return;
        }
        let f = self.object(from);
        self.edge(f, to, Edge::DependsOn);
    }

    /// Records one statement: its edges to the objects it touches (from the operation
    /// and the locks `effects` computed, against `before`, the schema just before it),
    /// and the dependencies of what it creates (from `after`, the schema after it).
    #[allow(clippy::too_many_arguments)]
    pub fn add_statement(
        &mut self,
        file: &str,
        index: usize,
        line: u32,
        kind: &str,
        op: &Operation,
        effects: &Effects,
        before: &Catalog,
    ) -> Option<NodeIndex> {
        if let Some(watch) = &mut self.watch {
            watch_statement(watch, file, line, op, effects, before);
            return None;
        }
        let s = self.graph.add_node(Node::Statement {
            file: file.to_string(),
            index,
            line,
            kind: kind.to_string(),
        });
        if let Some(m) = self.current_migration {
            self.graph.add_edge(m, s, Edge::Contains);
        }
        let mut created: BTreeSet<ObjectId> = BTreeSet::new();
        let mut dropped: BTreeSet<ObjectId> = BTreeSet::new();
        let mut altered: BTreeSet<ObjectId> = BTreeSet::new();
        operation_objects(op, before, &mut created, &mut dropped, &mut altered);
        for id in &created {
            self.edge(s, id, Edge::Creates);
        }
        for id in &dropped {
            self.edge(s, id, Edge::Drops);
        }
        for id in &altered {
            self.edge(s, id, Edge::Alters);
        }
        // relations locked but not named above: read, written or altered
        for lock in &effects.locks {
            let kind = relkind_object(lock.kind);
            let id = ObjectId::relation(kind, lock.catalog_name());
            if created.contains(&id) || dropped.contains(&id) || altered.contains(&id) {
                continue;
            }
            let edge = lock_edge(lock.mode);
            self.edge(s, &id, edge);
            if lock.renamed_from.is_some() {
                // the relation lives on under its new name
                self.edge(s, &ObjectId::relation(kind, &lock.relation), Edge::Creates);
            }
        }
        Some(s)
    }

    /// Records what the objects a statement created depend on, from the schema after it.
    pub fn add_dependencies(&mut self, op: &Operation, after: &Catalog) {
        let mut tables: Vec<ObjectName> = Vec::new();
        match op {
            Operation::CreateTable(ct) => tables.push(after.resolve_relation(&ct.name)),
            Operation::AlterTable(at) => tables.push(after.resolve_relation(&at.name)),
            Operation::CreateView(cv) => {
                let name = after.resolve_relation(&cv.name);
                if let Some(v) = after.view(&name) {
                    // materialized or not, a view is a view in the graph
                    let id = ObjectId::relation(ObjectKind::View, &name);
                    for r in v.reads.clone() {
                        let rk = after
                            .relation_kind(&r)
                            .map(relkind_object)
                            .unwrap_or(ObjectKind::Table);
                        self.depends(&id, &ObjectId::relation(rk, &r));
                    }
                }
            }
            Operation::CreateIndex(ci) => {
                let table = after.resolve_relation(&ci.table);
                if let Some(name) = &ci.name {
                    let idx = ObjectId::relation(
                        ObjectKind::Index,
                        &ObjectName::new(table.schema.as_deref(), name),
                    );
                    self.depends(&idx, &ObjectId::relation(ObjectKind::Table, &table));
                    for k in &ci.keys {
                        if let IndexKey::Column(c) = k {
                            self.depends(&idx, &ObjectId::column(&table, c));
                        }
                    }
                }
            }
            _ => {}
        }
        for table in tables {
            let Some(t) = after.table(&table) else {
                continue;
            };
            let tid = ObjectId::relation(ObjectKind::Table, &table);
            // `table.` written once for all its columns, constraints and indexes
            let prefix = format!("{}.", tid.name);
            let part = |kind: ObjectKind, name: &str| {
                let mut id = String::with_capacity(prefix.len() + name.len() + 2);
                id.push_str(&prefix);
                crate::ops::names::push_ident(&mut id, name);
                ObjectId::new(kind, id)
            };
            for c in &t.columns {
                let cid = part(ObjectKind::Column, &c.name);
                self.depends(&cid, &tid);
                if let Some(ty) =
                    after.type_def(&ObjectName::new(c.ty.schema.as_deref(), &c.ty.name))
                {
                    self.depends(&cid, &ObjectId::relation(ObjectKind::Type, &ty.name));
                }
                if let Some(d) = &c.default {
                    if d.functions.iter().any(|f| f == "nextval") {
                        for s in after.sequences.values() {
                            if d.text.contains(&s.name.name) {
                                self.depends(
                                    &cid,
                                    &ObjectId::relation(ObjectKind::Sequence, &s.name),
                                );
                            }
                        }
                    }
                }
            }
            for con in &t.constraints {
                let id = part(ObjectKind::Constraint, &con.name);
                self.depends(&id, &tid);
                for c in con.kind.columns() {
                    self.depends(&id, &part(ObjectKind::Column, c));
                }
                if let ConstraintKind::ForeignKey {
                    ref_table,
                    ref_columns,
                    ..
                } = &con.kind
                {
                    self.depends(&id, &ObjectId::relation(ObjectKind::Table, ref_table));
                    let cols: Vec<String> = if ref_columns.is_empty() {
                        after
                            .table(ref_table)
                            .and_then(|rt| rt.primary_key())
                            .map(|pk| pk.kind.columns().to_vec())
                            .unwrap_or_default()
                    } else {
                        ref_columns.clone()
                    };
                    for c in cols {
                        self.depends(&id, &ObjectId::column(ref_table, &c));
                    }
                }
            }
            for idx in after.indexes_on(&table) {
                let iid = ObjectId::relation(ObjectKind::Index, &idx.name);
                self.depends(&iid, &tid);
                for c in &idx.columns {
                    if !c.starts_with('(') {
                        self.depends(&iid, &part(ObjectKind::Column, c));
                    }
                }
            }
        }
    }

    fn node_of(&self, id: &ObjectId) -> Option<NodeIndex> {
        self.objects.get(id).copied()
    }

    /// The object a user names (`public.accounts`, `accounts`, `accounts.email`): every
    /// object whose name matches, preferring exact matches.
    pub fn find(&self, name: &str) -> Vec<ObjectId> {
        let name = name.trim();
        let exact: Vec<ObjectId> = self
            .objects
            .keys()
            .filter(|id| id.name == name)
            .cloned()
            .collect();
        if !exact.is_empty() {
            return sorted(exact);
        }
        let suffix = format!(".{name}");
        sorted(
            self.objects
                .keys()
                .filter(|id| id.name.ends_with(&suffix))
                .cloned()
                .collect(),
        )
    }

    /// Every object in the graph, sorted.
    pub fn objects(&self) -> Vec<ObjectId> {
        sorted(self.objects.keys().cloned().collect())
    }

    /// The statements that touch exactly `object` (not its parts), in history order.
    pub fn touching_exactly(&self, object: &ObjectId) -> Vec<Touch> {
        self.touches_of(object)
            .into_iter()
            .map(|t| Touch {
                file: t.file.to_string(),
                line: t.line,
                kind: t.kind.to_string(),
                edge: t.edge,
                object: object.clone(),
            })
            .collect()
    }

    /// [`Graph::touching_exactly`], borrowed from the graph (nothing copied).
    pub fn touches_of(&self, object: &ObjectId) -> Vec<TouchRef<'_>> {
        let Some(n) = self.node_of(object) else {
            return Vec::new();
        };
        let mut out: Vec<(NodeIndex, TouchRef)> = self
            .graph
            .edges_directed(n, Direction::Incoming)
            .filter_map(|e| match &self.graph[e.source()] {
                Node::Statement {
                    file, line, kind, ..
                } => Some((
                    e.source(),
                    TouchRef {
                        file,
                        line: *line,
                        kind,
                        edge: *e.weight(),
                    },
                )),
                _ => None,
            })
            .collect();
        // history order; within one statement, a drop before a re-create
        out.sort_by_key(|(n, t)| (*n, t.edge != Edge::Drops));
        out.into_iter().map(|(_, t)| t).collect()
    }

    /// Every object in the graph, sorted, borrowed (nothing copied).
    pub fn object_ids(&self) -> Vec<&ObjectId> {
        let mut ids: Vec<&ObjectId> = self.objects.keys().collect();
        ids.sort();
        ids
    }

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

    /// Every statement that touches `object` or one of its parts (a table's columns,
    /// constraints and indexes), in history order.
    pub fn touching(&self, object: &ObjectId) -> Vec<Touch> {
        let mut ids = vec![object.clone()];
        if matches!(object.kind, ObjectKind::Table | ObjectKind::View) {
            let prefix = format!("{}.", object.name);
            ids.extend(
                self.objects
                    .keys()
                    .filter(|id| {
                        matches!(id.kind, ObjectKind::Column | ObjectKind::Constraint)
                            && id.name.starts_with(&prefix)
                    })
                    .cloned(),
            );
            ids.extend(self.dependents_of_kind(object, &[ObjectKind::Index]));
        }
        let mut out: Vec<(NodeIndex, Touch)> = Vec::new();
        for id in ids {
            let Some(n) = self.node_of(&id) else {
                continue;
            };
            for e in self.graph.edges_directed(n, Direction::Incoming) {
                if let Node::Statement {
                    file, line, kind, ..
                } = &self.graph[e.source()]
                {
                    out.push((
                        e.source(),
                        Touch {
                            file: file.clone(),
                            line: *line,
                            kind: kind.clone(),
                            edge: *e.weight(),
                            object: id.clone(),
                        },
                    ));
                }
            }
        }
        // statements are added in history order, so node indexes are history order
        out.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.object.cmp(&b.1.object)));
        out.into_iter().map(|(_, t)| t).collect()
    }

    fn dependents_of_kind(&self, object: &ObjectId, kinds: &[ObjectKind]) -> Vec<ObjectId> {
        self.dependents(object)
            .into_iter()
            .filter(|d| kinds.contains(&d.kind))
            .collect()
    }

    /// Objects that depend on `object`, directly or through others (what a `DROP ...
    /// CASCADE` would take along, or what breaks without it).
    pub fn dependents(&self, object: &ObjectId) -> Vec<ObjectId> {
        let Some(start) = self.node_of(object) else {
            return Vec::new();
        };
        let mut seen: BTreeSet<NodeIndex> = BTreeSet::new();
        let mut queue = vec![start];
        while let Some(n) = queue.pop() {
            for e in self.graph.edges_directed(n, Direction::Incoming) {
                if *e.weight() == Edge::DependsOn && e.source() != start && seen.insert(e.source())
                {
                    queue.push(e.source());
                }
            }
        }
        sorted(
            seen.into_iter()
                .filter_map(|n| match &self.graph[n] {
                    Node::Object { kind, name } => Some(ObjectId::new(*kind, name.clone())),
                    _ => None,
                })
                .collect(),
        )
    }

    /// The subgraph around one object: its parts, the statements that touch them, their
    /// migrations, and the objects depending on it. `None` keeps everything.
    fn selection(&self, focus: Option<&ObjectId>) -> Option<BTreeSet<NodeIndex>> {
        let focus = focus?;
        let mut keep: BTreeSet<NodeIndex> = BTreeSet::new();
        let mut objects: Vec<ObjectId> = vec![focus.clone()];
        objects.extend(self.dependents(focus));
        if matches!(focus.kind, ObjectKind::Table | ObjectKind::View) {
            let prefix = format!("{}.", focus.name);
            objects.extend(
                self.objects
                    .keys()
                    .filter(|id| id.name.starts_with(&prefix))
                    .cloned(),
            );
        }
        for id in &objects {
            let Some(n) = self.node_of(id) else {
                continue;
            };
            keep.insert(n);
            for e in self.graph.edges_directed(n, Direction::Incoming) {
                if matches!(self.graph[e.source()], Node::Statement { .. }) {
                    keep.insert(e.source());
                    for m in self.graph.edges_directed(e.source(), Direction::Incoming) {
                        keep.insert(m.source());
                    }
                }
            }
            // what it depends on, one step out
            for e in self.graph.edges_directed(n, Direction::Outgoing) {
                keep.insert(e.target());
            }
        }
        Some(keep)
    }

    fn kept(&self, keep: &Option<BTreeSet<NodeIndex>>, n: NodeIndex) -> bool {
        keep.as_ref().is_none_or(|k| k.contains(&n))
    }

    fn label(&self, n: NodeIndex) -> String {
        match &self.graph[n] {
            Node::Migration { file } => file.clone(),
            Node::Statement { kind, line, .. } => format!("{kind} (line {line})"),
            Node::Object { kind, name } => format!("{} {name}", kind.as_str()),
        }
    }

    /// The nodes and edges to draw (all, or what touches `focus`), for a renderer:
    /// `(node index, node, label)` and `(from, to, edge)` by node index.
    pub fn picture(&self, focus: Option<&ObjectId>) -> Picture<'_> {
        let keep = self.selection(focus);
        Picture {
            nodes: self
                .graph
                .node_indices()
                .filter(|n| self.kept(&keep, *n))
                .map(|n| (n.index(), &self.graph[n], self.label(n)))
                .collect(),
            edges: self
                .graph
                .edge_references()
                .filter(|e| self.kept(&keep, e.source()) && self.kept(&keep, e.target()))
                .map(|e| (e.source().index(), e.target().index(), *e.weight()))
                .collect(),
        }
    }

    /// Graphviz DOT.
    pub fn to_dot(&self, focus: Option<&ObjectId>) -> String {
        let keep = self.selection(focus);
        let mut out = String::from(
            "digraph schemaguard {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n",
        );
        for n in self.graph.node_indices().filter(|n| self.kept(&keep, *n)) {
            let shape = match self.graph[n] {
                Node::Migration { .. } => "folder",
                Node::Statement { .. } => "box",
                Node::Object { .. } => "ellipse",
            };
            let _ = writeln!(
                out,
                "  n{} [label=\"{}\", shape={shape}];",
                n.index(),
                dot_escape(&self.label(n))
            );
        }
        for e in self.graph.edge_references() {
            if self.kept(&keep, e.source()) && self.kept(&keep, e.target()) {
                let style = if *e.weight() == Edge::DependsOn {
                    ", style=dashed"
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "  n{} -> n{} [label=\"{}\"{style}];",
                    e.source().index(),
                    e.target().index(),
                    e.weight().as_str()
                );
            }
        }
        out.push_str("}\n");
        out
    }

    /// A Mermaid flowchart (renders in GitHub Markdown).
    pub fn to_mermaid(&self, focus: Option<&ObjectId>) -> String {
        let keep = self.selection(focus);
        let mut out = String::from("flowchart LR\n");
        for n in self.graph.node_indices().filter(|n| self.kept(&keep, *n)) {
            let label = mermaid_escape(&self.label(n));
            let _ = match self.graph[n] {
                Node::Migration { .. } => writeln!(out, "  n{}[/\"{label}\"/]", n.index()),
                Node::Statement { .. } => writeln!(out, "  n{}[\"{label}\"]", n.index()),
                Node::Object { .. } => writeln!(out, "  n{}([\"{label}\"])", n.index()),
            };
        }
        for e in self.graph.edge_references() {
            if self.kept(&keep, e.source()) && self.kept(&keep, e.target()) {
                let arrow = if *e.weight() == Edge::DependsOn {
                    "-.->"
                } else {
                    "-->"
                };
                let _ = writeln!(
                    out,
                    "  n{} {arrow}|{}| n{}",
                    e.source().index(),
                    e.weight().as_str(),
                    e.target().index()
                );
            }
        }
        out
    }

    /// JSON: `{"schema_version": 1, "nodes": [{"id", "node", ...}], "edges": [{"from", "to", "edge"}]}`.
    pub fn to_json(&self, focus: Option<&ObjectId>) -> String {
        #[derive(Serialize)]
        struct NodeJson<'a> {
            id: usize,
            #[serde(flatten)]
            node: &'a Node,
        }
        #[derive(Serialize)]
        struct EdgeJson {
            from: usize,
            to: usize,
            edge: Edge,
        }
        #[derive(Serialize)]
        struct GraphJson<'a> {
            schema_version: u32,
            nodes: Vec<NodeJson<'a>>,
            edges: Vec<EdgeJson>,
        }
        let keep = self.selection(focus);
        let doc = GraphJson {
            schema_version: 1,
            nodes: self
                .graph
                .node_indices()
                .filter(|n| self.kept(&keep, *n))
                .map(|n| NodeJson {
                    id: n.index(),
                    node: &self.graph[n],
                })
                .collect(),
            edges: self
                .graph
                .edge_references()
                .filter(|e| self.kept(&keep, e.source()) && self.kept(&keep, e.target()))
                .map(|e| EdgeJson {
                    from: e.source().index(),
                    to: e.target().index(),
                    edge: *e.weight(),
                })
                .collect(),
        };
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

fn sorted(mut v: Vec<ObjectId>) -> Vec<ObjectId> {
    v.sort();
    v
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn mermaid_escape(s: &str) -> String {
    s.replace('"', "#quot;")
}

/// How a statement touches a relation it locks but does not name as created, dropped or
/// altered: reads it, writes its rows, or changes it.
fn lock_edge(mode: LockMode) -> Edge {
    match mode {
        LockMode::AccessShare | LockMode::RowShare => Edge::Reads,
        LockMode::RowExclusive => Edge::Writes,
        _ => Edge::Alters,
    }
}

fn relkind_object(kind: crate::catalog::RelKind) -> ObjectKind {
    use crate::catalog::RelKind;
    match kind {
        RelKind::Table | RelKind::PartitionedTable | RelKind::ForeignTable => ObjectKind::Table,
        RelKind::View | RelKind::MaterializedView => ObjectKind::View,
        RelKind::Index => ObjectKind::Index,
        RelKind::Sequence => ObjectKind::Sequence,
    }
}

/// [`Graph::add_statement`] for a graph that only watches drops: the same touches,
/// walked in the order the full graph lists them (per object: a drop first, then the
/// other touches newest first, as petgraph iterates incoming edges). Only drops and
/// touches of objects that may be dropped matter; the others are not spelled out.
fn watch_statement(
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

/// The objects an operation creates, drops and alters, by name (resolved against the
/// schema before it).
fn operation_objects(
    op: &Operation,
    cat: &Catalog,
    created: &mut BTreeSet<ObjectId>,
    dropped: &mut BTreeSet<ObjectId>,
    altered: &mut BTreeSet<ObjectId>,
) {
    named_objects(op, cat, &mut |edge, named| {
        let id = named.id();
        match edge {
            Edge::Creates => created.insert(id),
            Edge::Drops => dropped.insert(id),
            _ => altered.insert(id),
        };
    });
}

/// [`operation_objects`], each object handed to `sink` with its edge (`Creates`,
/// `Drops` or `Alters`) as a [`Named`], not yet spelled out.
fn named_objects(op: &Operation, cat: &Catalog, sink: &mut dyn FnMut(Edge, Named<'_>)) {
    use ObjectKind as K;
    match op {
        Operation::CreateTable(ct) => {
            let t = cat.qualify_new_table(&ct.name, ct.persistence);
            sink(Edge::Creates, Named::Relation(K::Table, &t));
            for c in &ct.columns {
                sink(Edge::Creates, Named::Column(&t, &c.name));
            }
        }
        Operation::AlterTable(at) => {
            let t = cat.resolve_relation(&at.name);
            // a renamed table is dropped under its old name, not altered
            if !at
                .actions
                .iter()
                .any(|a| matches!(a, AlterTableAction::RenameTable { .. }))
            {
                sink(Edge::Alters, Named::Relation(K::Table, &t));
            }
            for a in &at.actions {
                match a {
                    AlterTableAction::AddColumn { column, .. } => {
                        sink(Edge::Creates, Named::Column(&t, &column.name));
                    }
                    AlterTableAction::DropColumn { name, .. } => {
                        sink(Edge::Drops, Named::Column(&t, name));
                    }
                    AlterTableAction::AlterColumnType { column, .. }
                    | AlterTableAction::SetNotNull { column }
                    | AlterTableAction::DropNotNull { column }
                    | AlterTableAction::SetDefault { column, .. }
                    | AlterTableAction::DropDefault { column } => {
                        sink(Edge::Alters, Named::Column(&t, column));
                    }
                    AlterTableAction::RenameColumn { from, to } => {
                        sink(Edge::Drops, Named::Column(&t, from));
                        sink(Edge::Creates, Named::Column(&t, to));
                    }
                    AlterTableAction::AddConstraint(c) => {
                        sink(
                            Edge::Creates,
                            Named::Constraint(&t, &crate::catalog::replay::constraint_name(&t, c)),
                        );
                    }
                    AlterTableAction::DropConstraint { name, .. } => {
                        sink(Edge::Drops, Named::Constraint(&t, name));
                    }
                    AlterTableAction::ValidateConstraint { name } => {
                        sink(Edge::Alters, Named::Constraint(&t, name));
                    }
                    AlterTableAction::RenameTable { to } => {
                        sink(Edge::Drops, Named::Relation(K::Table, &t));
                        sink(
                            Edge::Creates,
                            Named::Relation(K::Table, &ObjectName::new(t.schema.as_deref(), to)),
                        );
                    }
                    _ => {}
                }
            }
        }
        Operation::DropTable(d) => {
            for n in &d.names {
                if cat.table(n).is_some() || !d.if_exists {
                    sink(
                        Edge::Drops,
                        Named::Relation(K::Table, &cat.resolve_relation(n)),
                    );
                }
            }
        }
        Operation::CreateIndex(ci) => {
            if let Some(name) = &ci.name {
                let schema = cat.resolve_relation(&ci.table).schema;
                sink(
                    Edge::Creates,
                    Named::Relation(K::Index, &ObjectName::new(schema.as_deref(), name)),
                );
            }
        }
        Operation::DropIndex(d) => {
            for n in &d.names {
                if cat.index(n).is_some() || !d.if_exists {
                    sink(
                        Edge::Drops,
                        Named::Relation(K::Index, &cat.resolve_relation(n)),
                    );
                }
            }
        }
        Operation::CreateView(cv) => {
            sink(
                Edge::Creates,
                Named::Relation(K::View, &cat.qualify_new(&cv.name)),
            );
        }
        Operation::DropView { drop, .. } => {
            for n in &drop.names {
                if cat.view(n).is_some() || !drop.if_exists {
                    sink(
                        Edge::Drops,
                        Named::Relation(K::View, &cat.resolve_relation(n)),
                    );
                }
            }
        }
        Operation::CreateType(ct) => {
            sink(
                Edge::Creates,
                Named::Relation(K::Type, &cat.qualify_new(&ct.name)),
            );
        }
        Operation::AlterType(at) => {
            let name = cat
                .type_def(&at.name)
                .map(|t| t.name.clone())
                .unwrap_or_else(|| cat.qualify_new(&at.name));
            sink(Edge::Alters, Named::Relation(K::Type, &name));
        }
        Operation::DropType(d) => {
            for n in &d.names {
                let name = cat
                    .type_def(n)
                    .map(|t| t.name.clone())
                    .unwrap_or_else(|| cat.qualify_new(n));
                sink(Edge::Drops, Named::Relation(K::Type, &name));
            }
        }
        Operation::CreateSequence { name, .. } => {
            sink(
                Edge::Creates,
                Named::Relation(K::Sequence, &cat.qualify_new(name)),
            );
        }
        Operation::DropSequence(d) => {
            for n in &d.names {
                sink(
                    Edge::Drops,
                    Named::Relation(K::Sequence, &cat.resolve_relation(n)),
                );
            }
        }
        Operation::CreateFunction(cf) => {
            sink(
                Edge::Creates,
                Named::Relation(K::Function, &cat.qualify_new(&cf.name)),
            );
        }
        Operation::DropFunction { drop, .. } => {
            for n in &drop.names {
                sink(
                    Edge::Drops,
                    Named::Relation(K::Function, &cat.qualify_new(n)),
                );
            }
        }
        Operation::CreateSchema { name, .. } => {
            sink(Edge::Creates, Named::Schema(name));
        }
        Operation::DropSchema(d) => {
            for n in &d.names {
                sink(Edge::Drops, Named::Schema(&n.name));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{self, FileInput, Settings, TransactionMode, TxSegment};
    use crate::parse::parse_file;

    fn history(files: &[&str]) -> Graph {
        history_with(files, analysis::GraphDetail::Full)
    }

    fn history_with(files: &[&str], detail: analysis::GraphDetail) -> Graph {
        let parsed: Vec<_> = files.iter().map(|t| parse_file(t)).collect();
        let inputs: Vec<FileInput> = parsed
            .iter()
            .enumerate()
            .map(|(i, p)| FileInput {
                display: format!("{i:03}.sql"),
                version: None,
                edited_since: None,
                new_since_ref: false,
                parsed: p,
                segments: TxSegment::whole(TransactionMode::Wrapped),
                no_transaction_hint: String::new(),
                framework_wraps: false,
            })
            .collect();
        let settings = Settings {
            graph: detail,
            ..Settings::default()
        };
        analysis::analyze(&inputs, &settings).graph
    }

    /// The graph that only watches drops answers exactly as the full graph does.
    fn uses_after_drop_both_ways(files: &[&str]) -> Vec<UseAfterDrop> {
        let full = history_with(files, analysis::GraphDetail::Full).uses_after_drop();
        let watched = history_with(files, analysis::GraphDetail::UsesAfterDrop);
        assert_eq!(
            watched.graph.node_count(),
            0,
            "the watching graph keeps no nodes"
        );
        assert_eq!(watched.uses_after_drop(), full, "{files:#?}");
        full
    }

    #[test]
    fn watching_drops_finds_what_the_full_graph_finds() {
        let uses = uses_after_drop_both_ways(&[
            "CREATE TABLE a (id bigint PRIMARY KEY, x int, y int);\nCREATE TABLE b (id bigint);\nCREATE VIEW v AS SELECT id FROM b;",
            // dropped, then re-created before use: fine
            "DROP TABLE b CASCADE;\nCREATE TABLE b (id bigint);\nINSERT INTO b VALUES (1);",
            // renamed away, then used under the old name (twice: only the first counts)
            "ALTER TABLE a RENAME COLUMN x TO x2;\nALTER TABLE a RENAME TO a2;",
            "SELECT x FROM a;\nUPDATE a SET y = 1;\nUPDATE a SET y = 2;",
            // a column dropped and read back, a view dropped and read
            "ALTER TABLE a2 DROP COLUMN y;\nDROP VIEW v;",
            "CREATE INDEX ON a2 (y);\nSELECT * FROM v;\nDROP TABLE b;",
            "INSERT INTO b VALUES (2);\nINSERT INTO b VALUES (3);",
            // renamed back: re-created, so a later use is fine
            "ALTER TABLE a2 RENAME TO a;\nSELECT 1 FROM a;",
        ]);
        let named: Vec<String> = uses
            .iter()
            .map(|u| {
                format!(
                    "{} {} {}:{} -> {}:{}",
                    u.object.kind.as_str(),
                    u.object.name,
                    u.dropped_in.0,
                    u.dropped_in.1,
                    u.used_in.0,
                    u.used_in.1
                )
            })
            .collect();
        assert_eq!(
            named,
            [
                "table public.a 002.sql:2 -> 003.sql:1",
                "table public.b 005.sql:3 -> 006.sql:1",
            ],
        );
    }

    #[test]
    fn watching_drops_sees_a_drop_and_re_create_in_one_statement() {
        let uses = uses_after_drop_both_ways(&[
            "CREATE TABLE a (id bigint PRIMARY KEY, y int, z int);",
            // dropped and re-added in one statement: the later use is fine
            "ALTER TABLE a DROP COLUMN y, ADD COLUMN y text;\nALTER TABLE a ALTER COLUMN y SET NOT NULL;",
            // dropped, then used: found (a column drop, then its use)
            "ALTER TABLE a DROP COLUMN z;\nALTER TABLE a ALTER COLUMN z SET NOT NULL;",
            // a table renamed away and back in later statements
            "ALTER TABLE a RENAME TO b;\nALTER TABLE b RENAME TO a;\nALTER TABLE a ADD COLUMN w int;",
        ]);
        let named: Vec<String> = uses
            .iter()
            .map(|u| {
                format!(
                    "{} {} -> {}:{}",
                    u.object.kind.as_str(),
                    u.object.name,
                    u.used_in.0,
                    u.used_in.1
                )
            })
            .collect();
        assert_eq!(named, ["column public.a.z -> 002.sql:2"]);
    }

    #[test]
    fn watching_drops_agrees_on_the_bundled_samples() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_migrations");
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .expect("sample_migrations")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .collect();
        paths.sort();
        let texts: Vec<String> = paths
            .iter()
            .map(|p| std::fs::read_to_string(p).expect("readable sample"))
            .collect();
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        assert!(texts.len() > 10);
        uses_after_drop_both_ways(&texts);
    }

    fn table(name: &str) -> ObjectId {
        ObjectId::new(ObjectKind::Table, name)
    }

    #[test]
    fn answers_which_migrations_touch_a_table_in_history_order() {
        let g = history(&[
            "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\nCREATE TABLE orgs (id bigint PRIMARY KEY);",
            "CREATE INDEX accounts_email_idx ON accounts (email);\nINSERT INTO orgs VALUES (1);",
            "ALTER TABLE accounts ADD COLUMN org_id bigint REFERENCES orgs (id);",
            "ALTER TABLE accounts RENAME TO users;\nSELECT * FROM users;",
        ]);
        let touches = g.touching(&table("public.accounts"));
        let files: Vec<&str> = touches.iter().map(|t| t.file.as_str()).collect();
        assert_eq!(files.first(), Some(&"000.sql"));
        assert!(
            files.contains(&"001.sql") && files.contains(&"002.sql") && files.contains(&"003.sql")
        );
        assert!(
            files.windows(2).all(|w| w[0] <= w[1]),
            "history order: {files:?}"
        );
        let users: Vec<Edge> = g
            .touching(&table("public.users"))
            .iter()
            .map(|t| t.edge)
            .collect();
        assert_eq!(users, vec![Edge::Creates, Edge::Reads]);
        let orgs: Vec<Edge> = g
            .touching(&table("public.orgs"))
            .iter()
            .filter(|t| t.object == table("public.orgs"))
            .map(|t| t.edge)
            .collect();
        assert_eq!(orgs, vec![Edge::Creates, Edge::Writes, Edge::Alters]);
    }

    #[test]
    fn answers_what_depends_on_a_column_and_what_a_drop_would_break() {
        let g = history(&["CREATE TABLE orgs (id bigint PRIMARY KEY, name text);\n\
             CREATE TABLE accounts (id bigint PRIMARY KEY, org_id bigint REFERENCES orgs (id), email text);\n\
             CREATE INDEX accounts_email_idx ON accounts (email);\n\
             CREATE VIEW org_accounts AS SELECT o.name, a.email FROM orgs o JOIN accounts a ON a.org_id = o.id;"]);
        let on_org_id: Vec<String> = g
            .dependents(&ObjectId::new(ObjectKind::Column, "public.orgs.id"))
            .into_iter()
            .map(|d| d.name)
            .collect();
        assert!(
            on_org_id.contains(&"public.accounts.accounts_org_id_fkey".to_string()),
            "{on_org_id:?}"
        );
        let on_email: Vec<String> = g
            .dependents(&ObjectId::new(ObjectKind::Column, "public.accounts.email"))
            .into_iter()
            .map(|d| d.name)
            .collect();
        assert!(
            on_email.contains(&"public.accounts_email_idx".to_string()),
            "{on_email:?}"
        );
        let on_orgs: Vec<ObjectId> = g.dependents(&table("public.orgs"));
        assert!(
            on_orgs.contains(&ObjectId::new(ObjectKind::View, "public.org_accounts")),
            "{on_orgs:?}"
        );
        assert!(
            on_orgs.contains(&ObjectId::new(
                ObjectKind::Constraint,
                "public.accounts.accounts_org_id_fkey"
            )),
            "{on_orgs:?}"
        );
    }

    #[test]
    fn exports_dot_mermaid_and_json() {
        let g = history(&[
            "CREATE TABLE a (id bigint PRIMARY KEY);\nCREATE TABLE \"b\" (a_id bigint REFERENCES a (id));",
        ]);
        let dot = g.to_dot(None);
        assert!(
            dot.starts_with("digraph schemaguard {")
                && dot.contains("depends_on")
                && dot.trim_end().ends_with('}')
        );
        let mermaid = g.to_mermaid(Some(&table("public.a")));
        assert!(mermaid.starts_with("flowchart LR") && mermaid.contains("table public.a"));
        let json: serde_json::Value = serde_json::from_str(&g.to_json(None)).expect("JSON");
        assert_eq!(json["schema_version"], 1);
        assert!(
            json["nodes"]
                .as_array()
                .is_some_and(|n| n.iter().any(|n| n["node"] == "migration"))
        );
        assert!(
            json["edges"]
                .as_array()
                .is_some_and(|e| e.iter().any(|e| e["edge"] == "depends_on"))
        );
        assert_eq!(g.find("a"), vec![table("public.a")]);
    }
}
