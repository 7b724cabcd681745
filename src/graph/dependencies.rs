//! The depends-on edges: what the objects a statement created or changed depend on,
//! read from the schema after it (foreign keys on the tables and columns they reference,
//! views on what they read, indexes on their columns, defaults on their sequences,
//! columns on their types), by the family of the operation.

use super::*;

impl Graph {
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
}
