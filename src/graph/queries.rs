//! What the graph answers: the objects a user names, the statements touching an object
//! in history order, what depends on it, the uses of dropped objects.

use super::*;

impl Graph {
    pub(super) fn node_of(&self, id: &ObjectId) -> Option<NodeIndex> {
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
}

fn sorted(mut v: Vec<ObjectId>) -> Vec<ObjectId> {
    v.sort();
    v
}
