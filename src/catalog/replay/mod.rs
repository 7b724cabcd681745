//! Applying operations to a [`Catalog`], the way PostgreSQL would change its own.
//!
//! Replay is forgiving: a history may be partial (a table created outside the
//! migrations), so altering an unknown table creates a placeholder with no origin (it
//! counts as pre-existing), and dropping an unknown object is a no-op.
//!
//! This file keeps the dispatch over every operation and the helpers the families
//! share; each family of operations is replayed in a file named for it: `create_table`,
//! `alter_table` (with `add_column`, `add_constraint`), `drop_table`, `indexes`,
//! `views`, `types`, `sequences`, `schemas` (and extensions), `functions`, `triggers`,
//! `owners` (roles and ownership), `session` (settings, the end of a session); `names`
//! holds the automatic names PostgreSQL chooses.

use super::dependents;
use super::*;
use crate::ops::{
    AlterIndexAction, AlterSequenceAction, AlterTableAction, AlterTypeAction, AlterViewAction,
    ColumnDef, Constraint as OpConstraint, CreateTypeKind, IdentityChange, IndexKey, Operation,
};

use crate::ops::names::MAX_IDENTIFIER_BYTES;

mod add_column;
mod add_constraint;
mod alter_table;
mod create_table;
mod drop_table;
mod functions;
mod indexes;
pub(in crate::catalog) mod names;
mod owners;
mod schemas;
mod sequences;
mod session;
mod triggers;
mod types;
mod views;

use add_column::*;
use add_constraint::*;
use alter_table::*;
use create_table::*;
use drop_table::*;
use indexes::*;
use names::*;
use owners::*;
use sequences::*;
use views::*;

pub use names::{constraint_name, make_object_name};
pub use owners::owned_relations;
pub use session::{end_session, parse_search_path};

/// Applies one operation. `origin` says which file and transaction this happens in.
pub fn apply(cat: &mut Catalog, op: &Operation, origin: Origin) {
    apply_operation(cat, op, origin);
    // the tables it changed are re-filed in the foreign-key lookup
    cat.tables.settle();
}

/// What a statement the server refused with `sqlstate` still left in the catalog: a
/// concurrent index build commits its (invalid) index before it reads the rows, so a
/// failure while building (a duplicate key, an expression's data error: SQLSTATE
/// classes 23 and 22) keeps that index; everything else changes nothing. Observed on
/// 15: `CREATE UNIQUE INDEX CONCURRENTLY` over duplicates keeps the index, invalid;
/// `REINDEX INDEX CONCURRENTLY` of it keeps `<index>_ccnew` (then `_ccnew1`, ...).
pub fn left_by_failure(cat: &mut Catalog, op: &Operation, sqlstate: &str, origin: Origin) {
    if !(sqlstate.starts_with("23") || sqlstate.starts_with("22")) {
        return;
    }
    match op {
        Operation::CreateIndex(ci) if ci.concurrently => {
            indexes::left_invalid(cat, ci, Some(origin));
            cat.tables.settle();
        }
        Operation::Reindex(r) if r.concurrently && r.target == crate::ops::ReindexTarget::Index => {
            indexes::left_by_reindex(cat, &r.name, Some(origin));
        }
        _ => {}
    }
}

fn apply_operation(cat: &mut Catalog, op: &Operation, origin: Origin) {
    apply_at_depth(cat, op, origin, 0);
}

/// How deep `SELECT f('...')` may run SQL that runs `SELECT g('...')` again.
const MAX_EXECUTE_DEPTH: u8 = 2;

fn apply_at_depth(cat: &mut Catalog, op: &Operation, origin: Origin, depth: u8) {
    let o = Some(origin);
    // the SQL a called function runs with `EXECUTE` of a literal argument
    if let Operation::Select { calls, .. } = op
        && !calls.is_empty()
        && depth < MAX_EXECUTE_DEPTH
    {
        for inner in cat.executed_by_calls(calls) {
            apply_at_depth(cat, &inner, origin, depth + 1);
            cat.tables.settle();
        }
        return;
    }
    match op {
        Operation::CreateTable(ct) => create_table::create_table(cat, ct, o),
        Operation::AlterTable(at) => alter_table::alter_table_statement(cat, at, o),
        Operation::DropTable(d) => drop_table::drop_tables(cat, d),
        Operation::CreateIndex(ci) => {
            indexes::create_index(cat, ci, o);
        }
        Operation::DropIndex(d) => indexes::drop_indexes(cat, d),
        Operation::AlterIndex(ai) => indexes::alter_index(cat, ai),
        Operation::Reindex(_) => {}
        Operation::RewriteRule { table, change } => {
            if let Some(t) = cat.table_mut(table) {
                match change {
                    crate::ops::RuleChange::Create(name) => {
                        t.rules.insert(name.clone());
                    }
                    crate::ops::RuleChange::Drop { name, .. } => {
                        t.rules.remove(name);
                    }
                    crate::ops::RuleChange::Rename { from, to } => {
                        if t.rules.remove(from) {
                            t.rules.insert(to.clone());
                        }
                    }
                }
            }
        }
        Operation::Cluster {
            table: Some(table),
            index: Some(index),
        } => {
            let table = cat.resolve_relation(table);
            alter_table::mark_clustered(cat, &table, Some(index));
        }
        Operation::CreateView(cv) => views::create_view(cat, cv, o),
        Operation::AlterView(av) => views::alter_view(cat, av),
        Operation::DropView { drop, .. } => views::drop_views(cat, drop),
        Operation::CreateType(ct) => types::create_type(cat, ct, o),
        Operation::AlterType(at) => types::alter_type(cat, at),
        Operation::AlterDomain { name, description } => {
            types::alter_domain(cat, name, description);
        }
        Operation::DropType(d) => types::drop_types(cat, d),
        Operation::CreateSequence {
            invalid: Some(_), ..
        } => {}
        Operation::CreateSequence {
            name,
            temporary,
            if_not_exists,
            owned_by,
            invalid: None,
        } => {
            let persistence = if *temporary {
                Persistence::Temporary
            } else {
                Persistence::Permanent
            };
            let name = cat.qualify_new_table(name, persistence);
            if name.schema.as_deref() == Some("pg_temp") {
                cat.temp_relations = true;
            }
            sequences::create_sequence(cat, &name, *if_not_exists, owned_by.as_ref(), o)
        }
        Operation::AlterSequence { name, action, .. } => {
            sequences::alter_sequence(cat, name, action);
        }
        Operation::DropSequence(d) => sequences::drop_sequences(cat, d),
        Operation::CreateSchema {
            name,
            authorization,
            unnamed,
            ..
        } => schemas::create_schema(cat, name, authorization.as_deref(), *unnamed, origin),
        Operation::AlterSchema {
            name,
            rename_to: Some(to),
        } => schemas::rename_schema(cat, name, to),
        Operation::DropSchema(d) => schemas::drop_schemas(cat, d),
        Operation::CreateExtension { name, .. } => schemas::create_extension(cat, name, origin),
        Operation::DropExtension(d) => schemas::drop_extensions(cat, d),
        Operation::CreateFunction(cf) => functions::create_function(cat, cf, o),
        Operation::DropFunction { drop, .. } => functions::drop_functions(cat, drop),
        Operation::AlterFunction {
            name,
            rename_to,
            set_schema,
            ..
        } => functions::alter_function(cat, name, rename_to.as_deref(), set_schema.as_deref()),
        Operation::CreateTrigger(ct) => triggers::create_trigger(cat, ct),
        Operation::AlterTrigger {
            name,
            table,
            rename_to: Some(to),
        } => triggers::rename_trigger(cat, name, table, to),
        Operation::DropTrigger { name, table, .. } => triggers::drop_trigger(cat, name, table),
        Operation::Set(set) => session::set(cat, set),
        Operation::DropOwned { roles, cascade } => owners::drop_owned(cat, roles, *cascade),
        Operation::ReassignOwned { roles, to } => owners::reassign_owned(cat, roles, to),
        _ => {}
    }
}

/// Catalog objects that carry their own (qualified) name.
trait Named {
    fn name_mut(&mut self) -> &mut ObjectName;
}

macro_rules! named {
    ($($t:ty),*) => {$(
        impl Named for $t {
            fn name_mut(&mut self) -> &mut ObjectName {
                &mut self.name
            }
        }
    )*};
}
named!(Index, View, TypeDef, Sequence);

/// Re-keys one object (rename or SET SCHEMA); returns it for further changes.
fn move_object<'a, T: Named>(
    map: &'a mut BTreeMap<ObjectName, T>,
    old: &ObjectName,
    new: ObjectName,
) -> Option<&'a mut T> {
    let mut obj = map.remove(old)?;
    *obj.name_mut() = new.clone();
    map.insert(new.clone(), obj);
    map.get_mut(&new)
}

#[cfg(test)]
mod tests;
