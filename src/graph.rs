//! The dependency graph of a history: migrations contain statements; statements create,
//! alter, drop and read schema objects. Filled by the same walk that replays the catalog
//! (`analysis`), so the two always agree. Starts small: relations and what touches them;
//! column-level and view/FK dependency edges come with the graph issue.

use crate::effects::Effects;
use crate::lock::LockMode;
use crate::ops::{ObjectName, Operation};
use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;
use std::collections::HashMap;

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
    Relation {
        name: ObjectName,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Edge {
    Contains,
    Creates,
    Alters,
    Drops,
    Reads,
    /// Changes rows (INSERT/UPDATE/DELETE) without changing the schema.
    Writes,
}

#[derive(Clone, Debug, Default)]
pub struct Graph {
    pub graph: DiGraph<Node, Edge>,
    relations: HashMap<ObjectName, NodeIndex>,
    current_migration: Option<NodeIndex>,
}

/// One statement's touch on a relation, in history order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Touch {
    pub file: String,
    pub line: u32,
    pub kind: String,
    pub edge: Edge,
}

impl Graph {
    pub fn add_migration(&mut self, file: &str) {
        let n = self.graph.add_node(Node::Migration {
            file: file.to_string(),
        });
        self.current_migration = Some(n);
    }

    fn relation(&mut self, name: &ObjectName) -> NodeIndex {
        if let Some(n) = self.relations.get(name) {
            return *n;
        }
        let n = self.graph.add_node(Node::Relation { name: name.clone() });
        self.relations.insert(name.clone(), n);
        n
    }

    /// Records a statement and its edges: what it creates or drops (from the operation),
    /// and what it alters, writes or reads (from the locks `effects` computed).
    #[allow(clippy::too_many_arguments)]
    pub fn add_statement(
        &mut self,
        file: &str,
        index: usize,
        line: u32,
        kind: &str,
        op: &Operation,
        effects: &Effects,
        created: &[ObjectName],
    ) {
        let s = self.graph.add_node(Node::Statement {
            file: file.to_string(),
            index,
            line,
            kind: kind.to_string(),
        });
        if let Some(m) = self.current_migration {
            self.graph.add_edge(m, s, Edge::Contains);
        }
        let dropping = matches!(
            op,
            Operation::DropTable(_)
                | Operation::DropIndex(_)
                | Operation::DropView { .. }
                | Operation::DropSequence(_)
        );
        for name in created {
            let r = self.relation(name);
            self.graph.add_edge(s, r, Edge::Creates);
        }
        for lock in &effects.locks {
            if created.contains(&lock.relation) {
                continue;
            }
            let edge = match lock.mode {
                _ if dropping && lock.mode == LockMode::AccessExclusive => Edge::Drops,
                LockMode::AccessShare | LockMode::RowShare => Edge::Reads,
                LockMode::RowExclusive => Edge::Writes,
                _ => Edge::Alters,
            };
            let r = self.relation(lock.catalog_name());
            self.graph.add_edge(s, r, edge);
            if lock.renamed_from.is_some() {
                // the relation lives on under its new name
                let new = self.relation(&lock.relation);
                self.graph.add_edge(s, new, Edge::Creates);
            }
        }
    }

    /// Every statement that touches `relation`, in history order.
    pub fn touching(&self, relation: &ObjectName) -> Vec<Touch> {
        let Some(r) = self.relations.get(relation) else {
            return Vec::new();
        };
        let mut out: Vec<(NodeIndex, Touch)> = self
            .graph
            .edges_directed(*r, Direction::Incoming)
            .filter_map(|e| {
                use petgraph::visit::EdgeRef;
                match &self.graph[e.source()] {
                    Node::Statement {
                        file, line, kind, ..
                    } => Some((
                        e.source(),
                        Touch {
                            file: file.clone(),
                            line: *line,
                            kind: kind.clone(),
                            edge: *e.weight(),
                        },
                    )),
                    _ => None,
                }
            })
            .collect();
        // statements are added in history order, so node indexes are history order
        out.sort_by_key(|(n, _)| *n);
        out.into_iter().map(|(_, t)| t).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{self, FileInput, Settings, TransactionMode};
    use crate::parse::parse_file;

    #[test]
    fn answers_which_statements_touch_a_table_in_history_order() {
        let files = [
            "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\nCREATE TABLE orgs (id bigint PRIMARY KEY);",
            "CREATE INDEX accounts_email_idx ON accounts (email);\nINSERT INTO orgs VALUES (1);",
            "ALTER TABLE accounts RENAME TO users;\nSELECT * FROM users;",
        ];
        let parsed: Vec<_> = files.iter().map(|t| parse_file(t)).collect();
        let inputs: Vec<FileInput> = parsed
            .iter()
            .enumerate()
            .map(|(i, p)| FileInput {
                display: format!("{i:03}.sql"),
                version: None,
                edited_since: None,
                parsed: p,
                segments: crate::analysis::TxSegment::whole(TransactionMode::Wrapped),
                no_transaction_hint: String::new(),
            })
            .collect();
        let a = analysis::analyze(&inputs, &Settings::default());
        let touches = a
            .graph
            .touching(&ObjectName::new(Some("public"), "accounts"));
        let got: Vec<(&str, u32, Edge)> = touches
            .iter()
            .map(|t| (t.file.as_str(), t.line, t.edge))
            .collect();
        assert_eq!(
            got,
            vec![
                ("000.sql", 1, Edge::Creates),
                ("001.sql", 1, Edge::Alters),
                ("002.sql", 1, Edge::Alters)
            ]
        );
        let users = a.graph.touching(&ObjectName::new(Some("public"), "users"));
        assert_eq!(
            users.iter().map(|t| t.edge).collect::<Vec<_>>(),
            vec![Edge::Creates, Edge::Reads]
        );
        let orgs = a.graph.touching(&ObjectName::new(Some("public"), "orgs"));
        assert_eq!(
            orgs.iter().map(|t| t.edge).collect::<Vec<_>>(),
            vec![Edge::Creates, Edge::Writes]
        );
    }
}
