//! The dependency graph of a history (petgraph): migrations contain statements;
//! statements create, alter, drop, read and write schema objects (schemas, tables,
//! columns, indexes, constraints, types, sequences, views, functions); objects depend on
//! objects (a foreign key on the table and columns it references, a view on what it
//! reads, an index on its columns, a default on its sequence, a column on its type).
//!
//! Filled by the same walk that replays the catalog (`analysis`), so the two agree. It
//! answers which statements touch an object, what depends on it, and what would break
//! if it were dropped; `schemaguard graph` exports it as DOT, Mermaid or JSON.
//!
//! This file holds the model (objects, nodes, edges) and records statements; the rest is
//! split by job: `objects` (what each operation creates, drops and alters), `dependencies`
//! (the depends-on edges, per operation), `queries` (what the graph answers), `export`
//! (the picture, DOT, Mermaid, JSON) and `drop_watch` (`check`'s graph without nodes).

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

mod dependencies;
mod drop_watch;
mod export;
mod objects;
mod queries;

use drop_watch::{DropWatch, watch_statement};
use objects::{named_objects, operation_objects};

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

#[cfg(test)]
mod tests;
