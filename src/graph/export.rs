//! What `schemaguard graph` prints: the picture a renderer draws (all of it, or what
//! touches one object), Graphviz DOT, Mermaid and JSON.

use super::*;

impl Graph {
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

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn mermaid_escape(s: &str) -> String {
    s.replace('"', "#quot;")
}
