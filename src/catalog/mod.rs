//! The schema model every part of schemaguard works on.
//!
//! A [`Catalog`] is built by `replay` (applying migrations), and later by live
//! introspection or a schema dump; `effects`, the rules and `diff` only ever read it.
//! Names are stored schema-qualified; lookups of unqualified names follow the search path.

mod builtin_kinds;
mod dependents;
mod indexes;
mod partition_indexes;
mod probe;
pub mod rejects;
pub use builtin_kinds::{FunctionKind, builtin_kind};
pub mod replay;
mod tables;

pub use indexes::Indexes;
pub use tables::Tables;

use crate::ops::{ConstraintKind, Expr, IdentityKind, ObjectName, Persistence, TypeName};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Where an object came from: the migration file and transaction that created it.
/// `None` for objects that were there before the first migration we replay (a live
/// database, a schema dump).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Origin {
    pub file: usize,
    pub transaction: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Column {
    pub name: String,
    pub ty: TypeName,
    pub not_null: bool,
    /// Boxed, as `generated`: most columns have neither, and a table's columns are kept
    /// for every table a history creates (each unboxed took 150 bytes of every column).
    pub default: Option<Box<Expr>>,
    pub generated: Option<Box<crate::ops::Generated>>,
    pub identity: Option<IdentityKind>,
    /// It comes from a parent (`INHERITS`, a partition's parent) and the table did not
    /// declare it itself (`attislocal` false): dropping it from the last parent that
    /// has it drops it here too. A partition's columns are always inherited.
    pub inherited: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Constraint {
    pub name: String,
    pub kind: ConstraintKind,
    /// `false` after `ADD ... NOT VALID` until `VALIDATE CONSTRAINT`.
    pub validated: bool,
    /// The index enforcing a primary key, unique or exclusion constraint.
    pub index: Option<String>,
    /// When the constraint was added (`None`: before the replayed history). A constraint
    /// keeps its origin across renames, like every catalog object.
    pub origin: Option<Origin>,
}

impl Constraint {
    /// A valid constraint of `kind` with no name: what a new constraint is compared
    /// with (a partition's equal foreign key adopts its parent's).
    pub fn of_kind(kind: ConstraintKind) -> Constraint {
        Constraint {
            name: String::new(),
            kind,
            validated: true,
            index: None,
            origin: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Trigger {
    pub function: Option<ObjectName>,
    /// `insert`, `update`, `delete`, `truncate`.
    pub events: Vec<String>,
    /// `FOR EACH ROW`: on a partitioned table, cloned to every partition.
    pub for_each_row: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum TableKind {
    Regular,
    Partitioned,
    Foreign,
}

/// Statistics from a live database.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct TableStats {
    pub rows: f64,
    pub total_bytes: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Table {
    pub name: ObjectName,
    pub kind: TableKind,
    pub persistence: Persistence,
    pub columns: Vec<Column>,
    pub constraints: Vec<Constraint>,
    pub partition_of: Option<ObjectName>,
    /// A partitioned table's key columns (an expression as its text in parentheses).
    pub partition_key: Vec<String>,
    /// `FOR VALUES ... DEFAULT`: the default partition of `partition_of`.
    pub default_partition: bool,
    pub inherits: Vec<ObjectName>,
    /// Trigger name -> what it runs and when.
    pub triggers: BTreeMap<String, Trigger>,
    /// The names of its rewrite rules (`CREATE RULE`; a view's `_RETURN` is not one).
    pub rules: std::collections::BTreeSet<String>,
    pub origin: Option<Origin>,
    pub stats: Option<TableStats>,
    /// Every column is known (false for `CREATE TABLE ... AS`, a `LIKE` or parent we did
    /// not see, or a table only ever altered): absent columns are then not "unknown".
    pub columns_complete: bool,
    /// Only ever altered, never created, by what was replayed: assumed to exist (a
    /// partial history). `diff` does not report it missing from a database, where the
    /// statements that assumed it failed.
    pub assumed: bool,
    /// The index `CLUSTER ... USING` or `ALTER TABLE ... CLUSTER ON` marked (what a
    /// bare `CLUSTER` and `CLUSTER table` use again).
    pub cluster_index: Option<String>,
    /// A typed table's composite type (`CREATE TABLE t OF type`), as written.
    pub of_type: Option<ObjectName>,
    /// The role that owns it: the one it was created as (`SET ROLE`, `SET SESSION
    /// AUTHORIZATION`) or given by `OWNER TO`; `None` for the role the migrations run as.
    pub owner: Option<String>,
}

impl Table {
    pub fn new(name: ObjectName, origin: Option<Origin>) -> Table {
        Table {
            name,
            kind: TableKind::Regular,
            persistence: Persistence::Permanent,
            columns: Vec::new(),
            constraints: Vec::new(),
            partition_of: None,
            partition_key: Vec::new(),
            default_partition: false,
            inherits: Vec::new(),
            triggers: BTreeMap::new(),
            rules: std::collections::BTreeSet::new(),
            origin,
            stats: None,
            columns_complete: true,
            assumed: false,
            cluster_index: None,
            of_type: None,
            owner: None,
        }
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.name == name)
    }

    pub fn constraint(&self, name: &str) -> Option<&Constraint> {
        self.constraints.iter().find(|c| c.name == name)
    }

    pub fn primary_key(&self) -> Option<&Constraint> {
        self.constraints
            .iter()
            .find(|c| matches!(c.kind, ConstraintKind::PrimaryKey { .. }))
    }

    /// A validated CHECK constraint proves `column IS NOT NULL`.
    pub fn check_proves_not_null(&self, column: &str) -> bool {
        self.constraints.iter().any(|c| {
            c.validated
                && matches!(&c.kind, ConstraintKind::Check { expr, .. }
                    if expr.proves_not_null.iter().any(|n| n == column))
        })
    }

    /// Foreign keys from this table: (constraint, referenced table).
    pub fn foreign_keys(&self) -> impl Iterator<Item = (&Constraint, &ObjectName)> {
        self.constraints.iter().filter_map(|c| match &c.kind {
            ConstraintKind::ForeignKey { ref_table, .. } => Some((c, ref_table)),
            _ => None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Index {
    pub name: ObjectName,
    pub table: ObjectName,
    /// Key columns; expressions appear as their text in parentheses.
    pub columns: Vec<String>,
    pub unique: bool,
    pub primary: bool,
    /// `false` for an index left invalid (failed CONCURRENTLY, or `ON ONLY` a parent).
    pub valid: bool,
    pub partial: bool,
    /// The `WHERE` of a partial index (boxed: most indexes have none, and the 150 bytes
    /// it took inline were kept for every index a history creates).
    pub predicate: Option<Box<Expr>>,
    pub method: Option<String>,
    pub origin: Option<Origin>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct View {
    pub name: ObjectName,
    pub materialized: bool,
    pub reads: Vec<ObjectName>,
    pub columns: Vec<String>,
    pub origin: Option<Origin>,
    /// As [`Table::owner`].
    pub owner: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum TypeKind {
    Enum {
        values: Vec<String>,
    },
    /// Its attributes, when known (a type from a database is read without them).
    Composite {
        attributes: Option<Vec<(String, TypeName)>>,
    },
    Range,
    Domain {
        base: TypeName,
        has_constraints: bool,
    },
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TypeDef {
    pub name: ObjectName,
    pub kind: TypeKind,
    pub origin: Option<Origin>,
    /// As [`Table::owner`].
    pub owner: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Sequence {
    pub name: ObjectName,
    pub owned_by: Option<(ObjectName, String)>,
    pub origin: Option<Origin>,
    /// As [`Table::owner`].
    pub owner: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Function {
    pub name: ObjectName,
    pub args: Vec<String>,
    pub volatility: Option<String>,
    /// The statements of its body (PL/pgSQL or SQL), lowered.
    pub body: Vec<crate::ops::Operation>,
    /// `RETURNS trigger`: only triggers call it, never the application.
    pub returns_trigger: bool,
    /// `RETURNS SETOF ...` / `RETURNS TABLE`: a set-returning function.
    pub returns_set: bool,
    /// What a call becomes when PostgreSQL inlines it (a simple SQL function).
    pub inline: Option<crate::ops::Expr>,
    pub origin: Option<Origin>,
    /// The positions of the arguments its body runs as SQL on every path (`EXECUTE
    /// p_ddl`).
    pub executes: Vec<usize>,
    /// As [`Table::owner`].
    pub owner: Option<String>,
}

/// What kind of relation a name denotes (PostgreSQL's `relkind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum RelKind {
    Table,
    PartitionedTable,
    View,
    MaterializedView,
    Index,
    Sequence,
    ForeignTable,
}

impl RelKind {
    /// PostgreSQL's one-letter `relkind`.
    pub fn code(self) -> &'static str {
        match self {
            RelKind::Table => "r",
            RelKind::PartitionedTable => "p",
            RelKind::View => "v",
            RelKind::MaterializedView => "m",
            RelKind::Index => "i",
            RelKind::Sequence => "S",
            RelKind::ForeignTable => "f",
        }
    }

    /// Holds rows an application reads and writes (tables and materialized views).
    pub fn holds_data(self) -> bool {
        matches!(
            self,
            RelKind::Table | RelKind::PartitionedTable | RelKind::MaterializedView
        )
    }
}

/// The PostgreSQL major version a catalog follows until told otherwise: the analysis
/// sets it from the run's (`effects::PgVersion::DEFAULT` is the same, a test says).
pub const DEFAULT_VERSION: u32 = 16;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Catalog {
    pub schemas: BTreeSet<String>,
    pub tables: Tables,
    pub indexes: Indexes,
    pub views: BTreeMap<ObjectName, View>,
    pub types: BTreeMap<ObjectName, TypeDef>,
    pub sequences: BTreeMap<ObjectName, Sequence>,
    pub functions: BTreeMap<ObjectName, Vec<Function>>,
    pub extensions: BTreeSet<String>,
    /// Where the schemas and extensions the replayed history created came from. A schema
    /// (extension) in `schemas` (`extensions`) but not here existed before the history.
    /// (Kept beside the sets so that code reading the sets stays as it is.)
    pub schema_origins: BTreeMap<String, Origin>,
    /// The owners of the schemas the history created as another role than the one the
    /// migrations run as (`AUTHORIZATION`, `SET ROLE`), as [`Table::owner`].
    pub schema_owners: BTreeMap<String, String>,
    pub extension_origins: BTreeMap<String, Origin>,
    /// Session settings that change what statements do. Schemas searched for
    /// unqualified names, in order.
    pub search_path: Vec<String>,
    /// The session `TimeZone`: `timestamp` <-> `timestamptz` changes skip the rewrite
    /// when it is UTC (PostgreSQL 12+). Assumed from the configuration until a
    /// migration sets it.
    pub timezone: String,
    /// A migration set `timezone` explicitly (rather than it being assumed).
    pub timezone_set: bool,
    /// `check_function_bodies` (on unless a migration turns it off, as pg_dump output
    /// does): `CREATE FUNCTION ... LANGUAGE sql` then analyses its body, locking what it
    /// reads and writes.
    pub check_function_bodies: bool,
    /// Some table ever inherited from another (`INHERITS`, `ALTER TABLE ... INHERIT`):
    /// only then are a table's inheritance children looked for (a look through every
    /// table).
    pub any_inheritance: bool,
    /// A temporary relation exists (in `pg_temp`, which PostgreSQL then searches first
    /// for an unqualified name); cleared when the session ends.
    pub temp_relations: bool,
    /// Something was created in `pg_temp` by name (a view, type, sequence, function):
    /// the end of the session has it to drop even without a temporary relation.
    pub temp_objects: bool,
    /// `SET SESSION AUTHORIZATION`: the session's user (`None`: the role the migrations
    /// run as); until the session ends.
    pub session_user: Option<String>,
    /// `SET ROLE`: the current role, over the session's user.
    pub role: Option<String>,
    /// The PostgreSQL major version replay follows, where what it refuses differs.
    pub version: u32,
}

impl Default for Catalog {
    fn default() -> Catalog {
        Catalog {
            schemas: ["public".to_string()].into_iter().collect(),
            tables: Tables::default(),
            indexes: Indexes::default(),
            views: BTreeMap::new(),
            types: BTreeMap::new(),
            sequences: BTreeMap::new(),
            functions: BTreeMap::new(),
            extensions: BTreeSet::new(),
            schema_origins: BTreeMap::new(),
            schema_owners: BTreeMap::new(),
            extension_origins: BTreeMap::new(),
            search_path: vec!["public".to_string()],
            temp_relations: false,
            temp_objects: false,
            session_user: None,
            role: None,
            timezone: "UTC".to_string(),
            timezone_set: false,
            check_function_bodies: true,
            any_inheritance: false,
            version: DEFAULT_VERSION,
        }
    }
}

/// A map of catalog objects by qualified name (`BTreeMap`, [`Tables`], [`Indexes`]), for
/// [`Catalog`]'s name resolution.
pub trait ByName<T> {
    fn get_key_value(&self, name: &ObjectName) -> Option<(&ObjectName, &T)>;

    /// The entry named `schema`.`name`. `probe` is scratch space for maps that need an
    /// `ObjectName` to look one up (built once for all the schemas tried).
    fn get_in_schema(
        &self,
        schema: &str,
        name: &str,
        probe: &mut Option<ObjectName>,
    ) -> Option<(&ObjectName, &T)> {
        let probe = probe.get_or_insert_with(|| ObjectName {
            schema: Some(String::new()),
            name: name.to_string(),
        });
        if let Some(s) = probe.schema.as_mut() {
            s.clear();
            s.push_str(schema);
        }
        self.get_key_value(probe)
    }
}

impl<T> ByName<T> for BTreeMap<ObjectName, T> {
    fn get_key_value(&self, name: &ObjectName) -> Option<(&ObjectName, &T)> {
        BTreeMap::get_key_value(self, name)
    }
}

impl ByName<Table> for Tables {
    fn get_key_value(&self, name: &ObjectName) -> Option<(&ObjectName, &Table)> {
        Tables::get_key_value(self, name)
    }

    fn get_in_schema(
        &self,
        schema: &str,
        name: &str,
        _probe: &mut Option<ObjectName>,
    ) -> Option<(&ObjectName, &Table)> {
        self.get_key_value_by_parts(&tables::NameRef {
            schema: Some(schema),
            name,
        })
    }
}

impl ByName<Index> for Indexes {
    fn get_key_value(&self, name: &ObjectName) -> Option<(&ObjectName, &Index)> {
        std::ops::Deref::deref(self).get_key_value(name)
    }
}

impl Catalog {
    /// `ALTER TABLE table ADD COLUMN IF NOT EXISTS ...` of a column `table` has already:
    /// PostgreSQL skips the column with a notice, and with it its default, constraints
    /// and sequence (observed on 15); the lock is still taken.
    pub fn skips_add_column(
        &self,
        table: &ObjectName,
        action: &crate::ops::AlterTableAction,
    ) -> bool {
        let crate::ops::AlterTableAction::AddColumn {
            column,
            if_not_exists: true,
        } = action
        else {
            return false;
        };
        self.table(table)
            .is_some_and(|t| t.column(&column.name).is_some())
    }

    /// Removes a view, and with a materialized one the indexes on it (PostgreSQL drops
    /// them along, however the view goes: `DROP`, a `CASCADE`, the end of a session).
    pub fn remove_view(&mut self, name: &ObjectName) -> Option<View> {
        let view = self.views.remove(name)?;
        for k in self.indexes.keys_on(name) {
            self.indexes.remove(&k);
        }
        Some(view)
    }

    /// The session time zone is UTC (or an alias of it).
    pub fn timezone_is_utc(&self) -> bool {
        let tz = self.timezone.trim().trim_matches('\'').to_ascii_lowercase();
        matches!(
            tz.as_str(),
            "utc"
                | "etc/utc"
                | "uct"
                | "etc/uct"
                | "gmt"
                | "etc/gmt"
                | "z"
                | "zulu"
                | "universal"
                | "etc/universal"
                | "0"
                | "+0"
                | "+00"
                | "00:00"
                | "+00:00"
                | "gmt0"
                | "etc/gmt0"
        )
    }

    /// The schema new unqualified objects go to: the first search-path schema that exists.
    pub fn creation_schema(&self) -> String {
        self.search_path
            .iter()
            .find(|s| self.schemas.contains(*s))
            .or_else(|| self.search_path.first())
            .cloned()
            .unwrap_or_else(|| "public".to_string())
    }

    /// The qualified name an unqualified name is created under.
    pub fn qualify_new(&self, name: &ObjectName) -> ObjectName {
        match &name.schema {
            Some(_) => name.clone(),
            None => name.with_default_schema(&self.creation_schema()),
        }
    }

    /// The role new objects are owned by (`None`: the role the migrations run as).
    pub fn current_role(&self) -> Option<String> {
        self.role.clone().or_else(|| self.session_user.clone())
    }

    /// Whom a role name written in a statement stands for: `current_user` and
    /// `current_role` the current role, `session_user` the session's user.
    pub fn role_named(&self, name: &str) -> Option<String> {
        match name {
            "current_user" | "current_role" => self.current_role(),
            "session_user" => self.session_user.clone(),
            other => Some(other.to_string()),
        }
    }

    /// The schema `CREATE SCHEMA` makes: the name written, else its `AUTHORIZATION`
    /// role's (`current_role` and friends are the roles they stand for when known).
    pub fn schema_created_by(
        &self,
        name: &str,
        authorization: Option<&str>,
        unnamed: bool,
    ) -> String {
        match authorization {
            Some(role) if unnamed && crate::ops::recognize::is_role_keyword(role) => {
                self.role_named(role).unwrap_or_else(|| name.to_string())
            }
            _ => name.to_string(),
        }
    }

    /// `DROP FUNCTION name` without `CASCADE` fails: the function (its only overload)
    /// and a table that uses it (see [`dependents::function_used_by`]).
    pub fn function_in_use(&self, name: &ObjectName) -> Option<(ObjectName, ObjectName)> {
        let (key, overloads) = self.resolve_in(&self.functions, name)?;
        if overloads.len() != 1 {
            return None;
        }
        dependents::function_used_by(self, key).map(|t| (key.clone(), t))
    }

    /// Whether `owner` is one of `roles` (as written in `DROP OWNED BY` / `REASSIGN
    /// OWNED BY`).
    pub fn owned_by_any(&self, owner: &Option<String>, roles: &[String]) -> bool {
        roles.iter().any(|r| self.role_named(r) == *owner)
    }

    /// [`Catalog::qualify_new`] for an object being created: one created in `pg_temp`
    /// is noted for the end of the session.
    pub fn qualify_created(&mut self, name: &ObjectName) -> ObjectName {
        let name = self.qualify_new(name);
        if name.schema.as_deref() == Some("pg_temp") {
            self.temp_objects = true;
        }
        name
    }

    /// The qualified name a new table is created under: a temporary one in `pg_temp`
    /// (as is one created there by name).
    pub fn qualify_new_table(&self, name: &ObjectName, persistence: Persistence) -> ObjectName {
        match &name.schema {
            None if persistence == Persistence::Temporary => name.with_default_schema("pg_temp"),
            _ => self.qualify_new(name),
        }
    }

    /// Resolves a name against `map` the way PostgreSQL does: qualified names exactly;
    /// unqualified ones through the search path (tracked from `SET search_path`, after
    /// `pg_temp` while the session has temporary relations), then `pg_catalog`. An
    /// object in a schema off the path is not found, as in PostgreSQL.
    fn resolve_in<'a, T, M: ByName<T> + ?Sized>(
        &self,
        map: &'a M,
        name: &ObjectName,
    ) -> Option<(&'a ObjectName, &'a T)> {
        if name.schema.is_some() {
            return map.get_key_value(name);
        }
        // one probe for every schema tried, if the map needs one (tables do not)
        let mut probe = None;
        let temp = self.temp_relations.then_some("pg_temp");
        for schema in temp
            .into_iter()
            .chain(self.search_path.iter().map(String::as_str))
            .chain(["pg_catalog"])
        {
            if let Some(found) = map.get_in_schema(schema, &name.name, &mut probe) {
                return Some(found);
            }
        }
        None
    }

    pub fn table(&self, name: &ObjectName) -> Option<&Table> {
        self.resolve_in(&self.tables, name).map(|(_, t)| t)
    }

    pub fn table_mut(&mut self, name: &ObjectName) -> Option<&mut Table> {
        let key = self
            .resolve_in(&self.tables, name)
            .map(|(k, _)| k.clone())?;
        self.tables.get_mut(&key)
    }

    /// The tables with a column of the domain `domain` (resolved) or of a domain over it:
    /// `(table, column, is an array of it)`. Reads every table's columns: only `ALTER DOMAIN` asks.
    pub fn columns_of_domain(&self, domain: &ObjectName) -> Vec<(ObjectName, String, bool)> {
        let Some(d) = self.type_def(domain) else {
            return Vec::new();
        };
        // the domain, and the domains over it, down the chain (observed on 15: ALTER
        // DOMAIN ... ADD CONSTRAINT checks, under SHARE, the columns of a domain over it)
        let mut domains = vec![d.name.clone()];
        loop {
            let more: Vec<ObjectName> = self
                .types
                .iter()
                .filter(|(k, _)| !domains.contains(k))
                .filter_map(|(k, t)| match &t.kind {
                    TypeKind::Domain { base, .. } if base.array_dims == 0 => {
                        let b =
                            self.type_def(&ObjectName::new(base.schema.as_deref(), &base.name))?;
                        domains.contains(&b.name).then(|| k.clone())
                    }
                    _ => None,
                })
                .collect();
            if more.is_empty() {
                break;
            }
            domains.extend(more);
        }
        let mut out = Vec::new();
        for (name, t) in self.tables.iter() {
            for c in &t.columns {
                if !domains.iter().any(|d| {
                    c.ty.name == d.name
                        && c.ty
                            .schema
                            .as_ref()
                            .is_none_or(|s| Some(s) == d.schema.as_ref())
                }) {
                    continue;
                }
                let resolved = self.type_def(&ObjectName::new(c.ty.schema.as_deref(), &c.ty.name));
                if resolved.is_some_and(|r| domains.contains(&r.name)) {
                    out.push((name.clone(), c.name.clone(), c.ty.array_dims > 0));
                }
            }
        }
        out
    }

    pub fn index(&self, name: &ObjectName) -> Option<&Index> {
        self.resolve_in(&self.indexes, name).map(|(_, i)| i)
    }

    pub fn view(&self, name: &ObjectName) -> Option<&View> {
        self.resolve_in(&self.views, name).map(|(_, v)| v)
    }

    pub fn type_def(&self, name: &ObjectName) -> Option<&TypeDef> {
        self.resolve_in(&self.types, name).map(|(_, t)| t)
    }

    pub fn sequence(&self, name: &ObjectName) -> Option<&Sequence> {
        self.resolve_in(&self.sequences, name).map(|(_, s)| s)
    }

    /// What a relation name denotes, if known.
    pub fn relation_kind(&self, name: &ObjectName) -> Option<RelKind> {
        if let Some(t) = self.table(name) {
            return Some(match t.kind {
                TableKind::Regular => RelKind::Table,
                TableKind::Partitioned => RelKind::PartitionedTable,
                TableKind::Foreign => RelKind::ForeignTable,
            });
        }
        if let Some(v) = self.view(name) {
            return Some(if v.materialized {
                RelKind::MaterializedView
            } else {
                RelKind::View
            });
        }
        if self.index(name).is_some() {
            return Some(RelKind::Index);
        }
        if self.sequence(name).is_some() {
            return Some(RelKind::Sequence);
        }
        None
    }

    /// The qualified name of a relation: as the catalog knows it, or (unknown) qualified
    /// with the first search-path schema.
    pub fn resolve_relation(&self, name: &ObjectName) -> ObjectName {
        let found = self
            .resolve_in(&self.tables, name)
            .map(|(k, _)| k)
            .or_else(|| self.resolve_in(&self.views, name).map(|(k, _)| k))
            .or_else(|| self.resolve_in(&self.indexes, name).map(|(k, _)| k))
            .or_else(|| self.resolve_in(&self.sequences, name).map(|(k, _)| k));
        match found {
            Some(k) => k.clone(),
            None => self.qualify_new(name),
        }
    }

    /// The overloads of a function (or procedure) name, under its resolved name.
    pub fn function(&self, name: &ObjectName) -> Option<(&ObjectName, &[Function])> {
        self.resolve_in(&self.functions, name)
            .map(|(k, f)| (k, f.as_slice()))
    }

    /// Whether the schema exists, and when it was created (`Some(None)`: before the
    /// replayed history).
    pub fn schema_origin(&self, name: &str) -> Option<Option<Origin>> {
        self.schemas
            .contains(name)
            .then(|| self.schema_origins.get(name).copied())
    }

    /// Whether the extension is installed, and when (`Some(None)`: before the history).
    pub fn extension_origin(&self, name: &str) -> Option<Option<Origin>> {
        self.extensions
            .contains(name)
            .then(|| self.extension_origins.get(name).copied())
    }

    /// When the relation was created (`None`: before the replayed history, or unknown).
    pub fn relation_origin(&self, name: &ObjectName) -> Option<Origin> {
        if let Some(t) = self.table(name) {
            return t.origin;
        }
        if let Some(v) = self.view(name) {
            return v.origin;
        }
        if let Some(i) = self.index(name) {
            return i.origin;
        }
        self.sequence(name).and_then(|s| s.origin)
    }

    /// Indexes on `table`.
    pub fn indexes_on<'a>(&'a self, table: &'a ObjectName) -> impl Iterator<Item = &'a Index> + 'a {
        self.indexes.on(table)
    }

    /// Tables whose foreign keys reference `table`: (referencing table, constraint), in
    /// table-name order. Replay stores a foreign key's referenced table resolved, so this
    /// compares names; `Tables` keeps a lookup by referenced table.
    pub fn referencing<'a>(
        &'a self,
        table: &'a ObjectName,
    ) -> impl Iterator<Item = (&'a Table, &'a Constraint)> + 'a {
        self.tables.referencing(table)
    }

    /// The other tables whose foreign keys reference `column` of `table`, by name or
    /// through its primary key (a foreign key without columns references the key).
    pub fn tables_referencing_column(&self, table: &ObjectName, column: &str) -> Vec<ObjectName> {
        let pk: Vec<String> = self
            .table(table)
            .and_then(|t| t.primary_key())
            .map(|c| c.kind.columns().to_vec())
            .unwrap_or_default();
        let has = |columns: &[String]| columns.iter().any(|c| c == column);
        self.referencing(table)
            .filter(|(_, c)| {
                matches!(&c.kind, ConstraintKind::ForeignKey { ref_columns, .. }
                    if has(ref_columns) || (ref_columns.is_empty() && has(&pk)))
            })
            .map(|(t, _)| t.name.clone())
            .filter(|t| t != table)
            .collect()
    }

    /// Views and materialized views that read `relation`, directly or through other
    /// views (what `DROP ... CASCADE` drops along with it).
    pub fn dependent_views(&self, relation: &ObjectName) -> Vec<ObjectName> {
        let mut out: Vec<ObjectName> = Vec::new();
        let mut queue = vec![relation.clone()];
        while let Some(r) = queue.pop() {
            for v in self.views.values() {
                // `reads` are stored resolved by replay
                if v.reads.contains(&r) && !out.contains(&v.name) && &v.name != relation {
                    out.push(v.name.clone());
                    queue.push(v.name.clone());
                }
            }
        }
        out
    }

    /// Whether a partition's foreign key `c` is the one `parent_fk` would be cloned as
    /// (same columns, referenced key and actions; PostgreSQL's
    /// `tryAttachPartitionForeignKey`, which also compares MATCH and deferrability, which
    /// the catalog does not keep).
    pub fn same_foreign_key(&self, c: &Constraint, parent_fk: &Constraint) -> bool {
        let (
            ConstraintKind::ForeignKey {
                columns,
                ref_table,
                ref_columns,
                on_delete,
                on_update,
                match_full,
                deferrable,
            },
            ConstraintKind::ForeignKey {
                columns: p_columns,
                ref_table: p_ref_table,
                ref_columns: p_ref_columns,
                on_delete: p_on_delete,
                on_update: p_on_update,
                match_full: p_match_full,
                deferrable: p_deferrable,
            },
        ) = (&c.kind, &parent_fk.kind)
        else {
            return false;
        };
        let action = |a: &Option<String>| {
            a.as_deref()
                .map_or_else(|| "NO ACTION".to_string(), |a| a.to_ascii_uppercase())
        };
        let target = self.resolve_relation(ref_table);
        // an empty list means the referenced table's primary key
        let key = |cols: &[String]| -> Vec<String> {
            if !cols.is_empty() {
                return cols.to_vec();
            }
            self.table(&target)
                .and_then(|t| t.primary_key())
                .map(|pk| pk.kind.columns().to_vec())
                .unwrap_or_default()
        };
        c.validated
            && columns == p_columns
            && target == self.resolve_relation(p_ref_table)
            && key(ref_columns) == key(p_ref_columns)
            && action(on_delete) == action(p_on_delete)
            && action(on_update) == action(p_on_update)
            // observed on 15: a DEFERRABLE or MATCH FULL key is not its parent's
            && match_full == p_match_full
            && deferrable == p_deferrable
    }

    /// `table` and the tables above it in its partition tree, nearest first.
    pub fn partition_ancestry(&self, table: &ObjectName) -> Vec<ObjectName> {
        let mut out = vec![table.clone()];
        while let Some(up) = out
            .last()
            .and_then(|t| self.tables.get(t))
            .and_then(|t| t.partition_of.clone())
        {
            // a cycle in a broken history must not loop
            if out.contains(&up) {
                break;
            }
            out.push(up);
        }
        out
    }

    /// Tables with a trigger that runs one of `functions` (by unqualified name).
    pub fn tables_with_trigger_function(&self, function: &ObjectName) -> Vec<ObjectName> {
        self.tables
            .values()
            .filter(|t| {
                t.triggers.values().any(|tr| {
                    tr.function
                        .as_ref()
                        .is_some_and(|f| f.name == function.name)
                })
            })
            .map(|t| t.name.clone())
            .collect()
    }

    /// Partitions of a partitioned table (direct children); `partition_of` is stored
    /// resolved by replay.
    /// The tables that inherit from `parent` (`INHERITS`), one level down; none unless
    /// the history used inheritance at all.
    pub fn inheritors<'a>(&'a self, parent: &'a ObjectName) -> Vec<ObjectName> {
        if !self.any_inheritance {
            return Vec::new();
        }
        self.tables
            .values()
            .filter(|t| t.inherits.contains(parent))
            .map(|t| t.name.clone())
            .collect()
    }

    /// The statements that `SELECT f('...')` calls run through functions the migrations
    /// define that `EXECUTE` an argument given as a string literal: each literal's
    /// statements, parsed, in call order (what PostgreSQL runs inside the `SELECT`).
    pub fn executed_by_calls(
        &self,
        calls: &[crate::ops::LiteralCall],
    ) -> Vec<crate::ops::Operation> {
        let mut out = Vec::new();
        for call in calls {
            let sql: Vec<&String> = self
                .functions
                .iter()
                .filter(|(k, _)| k.name == call.function)
                .flat_map(|(_, overloads)| overloads)
                .filter(|f| f.args.len() == call.args.len())
                .flat_map(|f| f.executes.iter())
                .filter_map(|&i| call.args.get(i).and_then(Option::as_ref))
                .collect();
            for text in sql {
                for piece in crate::parse::split::split(text) {
                    if piece.kind == crate::parse::split::PieceKind::Sql
                        && let Some(stmt) = text.get(piece.start..piece.end)
                    {
                        out.push(crate::parse::parse_statement(stmt));
                    }
                }
            }
        }
        out
    }

    /// A parent of `table` (`INHERITS`, or the table it is a partition of) has `column`:
    /// the column is inherited (`attinhcount` > 0), so it cannot be dropped or renamed
    /// on `table` alone.
    pub fn column_has_parent(&self, table: &ObjectName, column: &str) -> bool {
        self.parent_has_column(table, column, None)
    }

    /// `ALTER TABLE parent DROP COLUMN column` goes on into `child`: its copy was only
    /// inherited (not `attislocal`) and no other parent still has it (`attinhcount` 1).
    pub fn column_drop_reaches(
        &self,
        child: &ObjectName,
        column: &str,
        parent: &ObjectName,
    ) -> bool {
        self.tables
            .get(child)
            .and_then(|t| t.column(column))
            .is_some_and(|c| c.inherited)
            && !self.parent_has_column(child, column, Some(parent))
    }

    /// A parent of `table` other than `except` has `column`.
    fn parent_has_column(
        &self,
        table: &ObjectName,
        column: &str,
        except: Option<&ObjectName>,
    ) -> bool {
        self.tables.get(table).is_some_and(|t| {
            t.inherits
                .iter()
                .chain(t.partition_of.iter())
                .filter(|p| Some(*p) != except)
                .any(|p| {
                    self.tables
                        .get(p)
                        .is_some_and(|p| p.column(column).is_some())
                })
        })
    }

    pub fn partitions<'a>(
        &'a self,
        parent: &'a ObjectName,
    ) -> impl Iterator<Item = &'a Table> + 'a {
        self.tables
            .values()
            .filter(move |t| t.partition_of.as_ref() == Some(parent))
    }

    /// Whether an index leads with exactly these columns (in any order of the prefix).
    pub fn has_index_leading_with(&self, table: &ObjectName, columns: &[String]) -> bool {
        self.indexes_on(table).any(|i| {
            i.columns.len() >= columns.len()
                && columns
                    .iter()
                    .all(|c| i.columns[..columns.len()].contains(c))
        })
    }
}
