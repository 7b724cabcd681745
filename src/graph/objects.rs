//! The objects each operation creates, drops and alters, by name, resolved against the
//! schema before it: one arm per family of operations (tables and their columns and
//! constraints, indexes, views, types, sequences, schemas, functions, triggers).

use super::*;

/// The objects an operation creates, drops and alters, by name (resolved against the
/// schema before it).
pub(super) fn operation_objects(
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
pub(super) fn named_objects(op: &Operation, cat: &Catalog, sink: &mut dyn FnMut(Edge, Named<'_>)) {
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
