//! The operation model: what a statement does, in our own terms.
//!
//! Everything after parsing (catalog replay, effects, rules, graph) works on these
//! types and never on sqlparser's AST, so the analysis does not depend on one parser's
//! shape. Two producers fill them: `lower` (from sqlparser's AST) and `recognize` (from
//! sqlparser's token stream, for forms sqlparser rejects). Names are already folded the
//! way PostgreSQL folds them: unquoted identifiers lowercased, quoted ones verbatim.

pub mod canonical;
pub mod lower;
pub mod names;
pub mod recognize;
pub mod types;

pub use names::ObjectName;
pub use types::TypeName;

use crate::lock::LockMode;
use serde::Serialize;

/// A summary of an SQL expression: enough for effects and rules to judge it without an AST.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Expr {
    /// The expression as written.
    pub text: String,
    /// Lowercased names of every function called, without schema (`now`, `gen_random_uuid`).
    pub functions: Vec<String>,
    /// Column names referenced (unqualified, folded).
    pub columns: Vec<String>,
    /// Contains a subquery (`SELECT`), which may read other tables.
    pub has_subquery: bool,
    /// The expression is a literal constant (number, string, boolean, NULL), maybe cast.
    pub is_constant: bool,
    /// The expression is the literal `NULL` (maybe cast).
    pub is_null: bool,
    /// Columns this boolean expression proves NOT NULL when it holds: the top-level
    /// conjunction of `col IS NOT NULL` terms (`CHECK (a IS NOT NULL AND b IS NOT NULL)`).
    pub proves_not_null: Vec<String>,
}

impl Expr {
    /// An expression known only by its text (the recognizer's view).
    pub fn from_text(text: impl Into<String>) -> Expr {
        Expr {
            text: text.into(),
            ..Expr::default()
        }
    }
}

/// `GENERATED ALWAYS AS (expr) STORED` or (PG 18) `VIRTUAL`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Generated {
    pub expr: Expr,
    pub stored: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum IdentityKind {
    Always,
    ByDefault,
}

/// A column as declared in `CREATE TABLE` or `ADD COLUMN`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ColumnDef {
    pub name: String,
    pub ty: TypeName,
    pub not_null: bool,
    pub default: Option<Expr>,
    pub generated: Option<Generated>,
    pub identity: Option<IdentityKind>,
    pub collation: Option<String>,
    /// Inline constraints (`PRIMARY KEY`, `UNIQUE`, `REFERENCES`, `CHECK`), normalised to
    /// table-constraint form with `columns = [this column]`.
    pub constraints: Vec<Constraint>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum ConstraintKind {
    PrimaryKey {
        columns: Vec<String>,
        /// `PRIMARY KEY USING INDEX idx`
        using_index: Option<String>,
    },
    Unique {
        columns: Vec<String>,
        using_index: Option<String>,
        nulls_not_distinct: bool,
    },
    Check {
        expr: Expr,
        no_inherit: bool,
    },
    ForeignKey {
        columns: Vec<String>,
        ref_table: ObjectName,
        /// Empty when the referenced table's primary key is meant.
        ref_columns: Vec<String>,
        on_delete: Option<String>,
        on_update: Option<String>,
    },
    Exclude {
        /// Columns named in the exclusion elements (expressions are left out).
        columns: Vec<String>,
        using: Option<String>,
    },
    /// PostgreSQL 18 named `NOT NULL` table constraint (`CONSTRAINT n NOT NULL col`).
    NotNull {
        column: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Constraint {
    pub name: Option<String>,
    pub kind: ConstraintKind,
    /// Added `NOT VALID`: existing rows are not checked now.
    pub not_valid: bool,
    pub deferrable: bool,
}

impl Constraint {
    /// The columns the constraint is about, on its own table.
    pub fn columns(&self) -> &[String] {
        self.kind.columns()
    }
}

impl ConstraintKind {
    /// The columns the constraint is about, on its own table.
    pub fn columns(&self) -> &[String] {
        match self {
            ConstraintKind::PrimaryKey { columns, .. }
            | ConstraintKind::Unique { columns, .. }
            | ConstraintKind::ForeignKey { columns, .. }
            | ConstraintKind::Exclude { columns, .. } => columns,
            ConstraintKind::NotNull { column } => std::slice::from_ref(column),
            ConstraintKind::Check { expr, .. } => &expr.columns,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Persistence {
    Permanent,
    Unlogged,
    Temporary,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreateTable {
    pub name: ObjectName,
    pub if_not_exists: bool,
    pub persistence: Persistence,
    pub columns: Vec<ColumnDef>,
    pub constraints: Vec<Constraint>,
    /// `PARTITION BY ...`: a partitioned parent.
    pub partitioned: bool,
    /// `PARTITION BY ... (key, ...)`: the key columns (folded); an expression key as its
    /// text in parentheses. Empty when not partitioned.
    pub partition_key: Vec<String>,
    /// `PARTITION OF parent FOR VALUES ...`
    pub partition_of: Option<ObjectName>,
    /// The bound after `PARTITION OF parent` (`None` when not a partition, or unknown).
    pub partition_bound: Option<PartitionBound>,
    /// `INHERITS (...)`
    pub inherits: Vec<ObjectName>,
    /// `LIKE other` sources.
    pub like: Vec<ObjectName>,
    /// `CREATE TABLE ... AS SELECT`: the relations the query reads.
    pub as_query: Option<Vec<ObjectName>>,
}

/// A partition's bound, `FOR VALUES ...` or `DEFAULT`. Values are kept as written
/// (`'2024-01-01'`, `10`, `MINVALUE`), one per key column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum PartitionBound {
    /// `FOR VALUES IN (v, ...)`
    List(Vec<String>),
    /// `FOR VALUES FROM (v, ...) TO (v, ...)`
    Range { from: Vec<String>, to: Vec<String> },
    /// `FOR VALUES WITH (MODULUS m, REMAINDER r)`
    Hash { modulus: u64, remainder: u64 },
    /// `DEFAULT`
    Default,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum AlterTableAction {
    AddColumn {
        column: ColumnDef,
        if_not_exists: bool,
    },
    DropColumn {
        name: String,
        if_exists: bool,
        cascade: bool,
    },
    AlterColumnType {
        column: String,
        ty: TypeName,
        using: Option<Expr>,
        collation: Option<String>,
    },
    SetNotNull {
        column: String,
    },
    DropNotNull {
        column: String,
    },
    SetDefault {
        column: String,
        expr: Expr,
    },
    DropDefault {
        column: String,
    },
    /// `ADD GENERATED ... AS IDENTITY`, `SET GENERATED`, `SET sequence options`, `DROP IDENTITY`.
    Identity {
        column: String,
        change: IdentityChange,
    },
    /// `SET EXPRESSION AS (...)` (17+, rewrites) or `DROP EXPRESSION`.
    GeneratedExpression {
        column: String,
        expr: Option<Expr>,
    },
    SetStatistics {
        column: String,
    },
    SetStorage {
        column: String,
    },
    SetCompression {
        column: String,
    },
    /// `ALTER COLUMN c SET (n_distinct = ...)` / `RESET (...)`
    SetColumnOptions {
        column: String,
    },
    AddConstraint(Constraint),
    ValidateConstraint {
        name: String,
    },
    DropConstraint {
        name: String,
        if_exists: bool,
        cascade: bool,
    },
    RenameConstraint {
        from: String,
        to: String,
    },
    RenameColumn {
        from: String,
        to: String,
    },
    RenameTable {
        to: String,
    },
    SetSchema {
        schema: String,
    },
    SetTablespace {
        tablespace: String,
    },
    SetAccessMethod {
        method: String,
    },
    SetLogged,
    SetUnlogged,
    /// `SET (param = ...)` / `RESET (param)`: the parameter names, lowercased.
    SetStorageParams {
        params: Vec<String>,
        reset: bool,
    },
    AttachPartition {
        partition: ObjectName,
        /// `DEFAULT` partition.
        default: bool,
        /// The bound (`Some(PartitionBound::Default)` with `default`); `None` when unknown.
        bound: Option<PartitionBound>,
    },
    DetachPartition {
        partition: ObjectName,
        concurrently: bool,
        finalize: bool,
    },
    /// `ENABLE/DISABLE [ALWAYS|REPLICA] TRIGGER name|ALL|USER`
    Trigger {
        name: String,
        enable: bool,
    },
    /// `ENABLE/DISABLE/FORCE/NO FORCE ROW LEVEL SECURITY`, `ENABLE/DISABLE RULE`
    RowSecurity,
    ReplicaIdentity,
    ClusterOn {
        index: String,
    },
    SetWithoutCluster,
    Inherit {
        parent: ObjectName,
        no: bool,
    },
    OwnerTo,
    /// An action we know by name but model no further (kept for messages).
    Other {
        description: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum IdentityChange {
    Add(IdentityKind),
    Set,
    Drop { if_exists: bool },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AlterTable {
    /// Empty for `ALTER TABLE ALL IN TABLESPACE ...` (every table of a tablespace; its one
    /// action is `Other`). The same holds for `AlterIndex` and `AlterView`.
    pub name: ObjectName,
    pub if_exists: bool,
    /// `ALTER TABLE ONLY t`: do not recurse to partitions or children.
    pub only: bool,
    pub actions: Vec<AlterTableAction>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum IndexKey {
    Column(String),
    Expression(Expr),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreateIndex {
    /// `None` when PostgreSQL picks the name.
    pub name: Option<String>,
    pub table: ObjectName,
    pub unique: bool,
    pub concurrently: bool,
    pub if_not_exists: bool,
    /// `ON ONLY parent`: the index is created invalid on a partitioned parent only.
    pub only: bool,
    pub keys: Vec<IndexKey>,
    pub include: Vec<String>,
    pub predicate: Option<Expr>,
    pub method: Option<String>,
    pub nulls_not_distinct: bool,
}

/// `DROP <kind> [IF EXISTS] names [CASCADE]` for any object kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Drop {
    pub names: Vec<ObjectName>,
    pub if_exists: bool,
    pub cascade: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DropIndex {
    pub names: Vec<ObjectName>,
    pub if_exists: bool,
    pub cascade: bool,
    pub concurrently: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ReindexTarget {
    Index,
    Table,
    Schema,
    Database,
    System,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reindex {
    pub target: ReindexTarget,
    /// Empty for `REINDEX DATABASE` / `REINDEX SYSTEM` without a name (the current database).
    pub name: ObjectName,
    pub concurrently: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum AlterIndexAction {
    Rename {
        to: String,
    },
    SetTablespace,
    /// `ALTER INDEX parent_idx ATTACH PARTITION child_idx`
    AttachPartition {
        index: ObjectName,
    },
    SetStorageParams,
    SetStatistics,
    SetSchema {
        schema: String,
    },
    DependsOnExtension,
    Other {
        description: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AlterIndex {
    pub name: ObjectName,
    pub if_exists: bool,
    pub action: AlterIndexAction,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreateView {
    pub name: ObjectName,
    pub materialized: bool,
    pub or_replace: bool,
    pub if_not_exists: bool,
    /// The relations the view's query reads.
    pub reads: Vec<ObjectName>,
    /// Output column names when they are known (explicit list or simple select list).
    pub columns: Vec<String>,
    /// `WITH NO DATA` (materialized views only).
    pub with_no_data: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum AlterViewAction {
    Rename {
        to: String,
    },
    RenameColumn {
        from: String,
        to: String,
    },
    SetSchema {
        schema: String,
    },
    /// `ALTER VIEW ... AS` is not PostgreSQL, but `ALTER MATERIALIZED VIEW ... SET ...` etc.
    Other {
        description: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AlterView {
    pub name: ObjectName,
    pub materialized: bool,
    pub action: AlterViewAction,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum CreateTypeKind {
    Enum {
        values: Vec<String>,
    },
    Composite {
        attributes: Vec<(String, TypeName)>,
    },
    Range,
    /// `CREATE DOMAIN name AS base [CHECK ...] [NOT NULL]`
    Domain {
        base: TypeName,
        has_constraints: bool,
    },
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreateType {
    pub name: ObjectName,
    pub kind: CreateTypeKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum AlterTypeAction {
    AddValue {
        value: String,
        if_not_exists: bool,
        /// `BEFORE 'x'` / `AFTER 'x'`
        position: Option<(bool, String)>,
    },
    RenameValue {
        from: String,
        to: String,
    },
    Rename {
        to: String,
    },
    SetSchema {
        schema: String,
    },
    /// `ADD/DROP/ALTER ATTRIBUTE`, `OWNER TO`, ...
    Other {
        description: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AlterType {
    pub name: ObjectName,
    pub action: AlterTypeAction,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum AlterSequenceAction {
    /// `OWNED BY table.column` (or `NONE`)
    OwnedBy {
        table: Option<ObjectName>,
        column: Option<String>,
    },
    Rename {
        to: String,
    },
    SetSchema {
        schema: String,
    },
    /// `RESTART`, `INCREMENT`, `AS type`, `CACHE`, ... (storage options)
    Options,
    SetLogged {
        logged: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum RoutineKind {
    Function,
    Procedure,
    Aggregate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreateFunction {
    pub name: ObjectName,
    pub kind: RoutineKind,
    pub or_replace: bool,
    /// Argument types as written, for overload identity.
    pub args: Vec<String>,
    pub language: Option<String>,
    /// `VOLATILE`/`STABLE`/`IMMUTABLE` as declared, lowercased (`None`: volatile by default).
    pub volatility: Option<String>,
    pub returns_trigger: bool,
    /// The SQL statements of a `plpgsql` or `sql` body, lowered (filled by `parse`,
    /// which reads the body): what the function does when called, e.g. by a trigger.
    pub body: Vec<Operation>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreateTrigger {
    pub name: String,
    pub table: ObjectName,
    pub or_replace: bool,
    pub function: Option<ObjectName>,
    /// `CREATE CONSTRAINT TRIGGER`
    pub constraint: bool,
    /// The events that fire it, lowercased: `insert`, `update`, `delete`, `truncate`.
    pub events: Vec<String>,
}

/// What `COMMENT ON` is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CommentOn {
    /// Lowercased object kind keyword(s): `table`, `column`, `index`, `function`, ...
    pub kind: String,
    /// For columns: the table (the column is in `column`). For objects that live on a
    /// table (`constraint`, `trigger`, `policy`, `rule`): the table, with the object's
    /// name in `column`.
    pub name: ObjectName,
    pub column: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SetVar {
    /// Lowercased parameter name (`lock_timeout`, `statement_timeout`, `search_path`).
    pub name: String,
    /// The value as written, without quotes; `None` for `RESET` / `SET x TO DEFAULT`.
    pub value: Option<String>,
    /// `SET LOCAL`: until the end of the transaction.
    pub local: bool,
}

/// DML: the target table and what else the statement reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Dml {
    pub table: ObjectName,
    /// Other relations read (joins, subqueries, `INSERT ... SELECT` sources).
    pub reads: Vec<ObjectName>,
    /// UPDATE/DELETE: has a `WHERE` clause (or a join condition through `FROM`/`USING`).
    pub filtered: bool,
    /// The `WHERE` clause is made only of `IS [NOT] NULL` tests (joined by AND/OR), the
    /// shape of a backfill (`WHERE new_col IS NULL`), which touches most rows.
    pub null_test_filter: bool,
    /// UPDATE: the columns assigned.
    pub set_columns: Vec<String>,
    /// Tables written by data-modifying CTEs of the statement (`WITH x AS (INSERT INTO
    /// t ...) ...`).
    pub cte_writes: Vec<ObjectName>,
    /// Functions the statement calls (by name).
    pub functions: Vec<String>,
}

/// One SQL statement, lowered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Operation {
    // --- transaction control and session settings
    Begin,
    Commit,
    Rollback,
    Savepoint,
    RollbackToSavepoint,
    ReleaseSavepoint,
    Set(SetVar),

    // --- tables
    CreateTable(CreateTable),
    AlterTable(AlterTable),
    DropTable(Drop),
    Truncate {
        tables: Vec<ObjectName>,
        cascade: bool,
        /// `RESTART IDENTITY`: the tables' owned sequences are reset too.
        restart_identity: bool,
    },

    // --- indexes
    CreateIndex(CreateIndex),
    DropIndex(DropIndex),
    AlterIndex(AlterIndex),
    Reindex(Reindex),

    // --- views
    CreateView(CreateView),
    AlterView(AlterView),
    DropView {
        drop: Drop,
        materialized: bool,
    },
    RefreshMaterializedView {
        name: ObjectName,
        concurrently: bool,
        with_no_data: bool,
    },

    // --- types and domains
    CreateType(CreateType),
    AlterType(AlterType),
    DropType(Drop),
    AlterDomain {
        name: ObjectName,
        description: String,
    },

    // --- sequences
    CreateSequence {
        name: ObjectName,
        if_not_exists: bool,
        owned_by: Option<(ObjectName, String)>,
    },
    AlterSequence {
        name: ObjectName,
        if_exists: bool,
        action: AlterSequenceAction,
    },
    DropSequence(Drop),

    // --- schemas, extensions, routines, triggers
    CreateSchema {
        name: String,
        if_not_exists: bool,
    },
    AlterSchema {
        name: String,
        rename_to: Option<String>,
    },
    DropSchema(Drop),
    CreateExtension {
        name: String,
        if_not_exists: bool,
        schema: Option<String>,
    },
    DropExtension(Drop),
    CreateFunction(CreateFunction),
    AlterFunction {
        name: ObjectName,
        kind: RoutineKind,
        rename_to: Option<String>,
        set_schema: Option<String>,
    },
    DropFunction {
        drop: Drop,
        kind: RoutineKind,
    },
    CreateTrigger(CreateTrigger),
    AlterTrigger {
        name: String,
        table: ObjectName,
        rename_to: Option<String>,
    },
    DropTrigger {
        name: String,
        table: ObjectName,
        if_exists: bool,
        cascade: bool,
    },
    /// `CREATE POLICY` / `ALTER POLICY` / `DROP POLICY` on a table.
    Policy {
        table: ObjectName,
    },
    /// `CREATE RULE` / `DROP RULE` on a table.
    RewriteRule {
        table: ObjectName,
    },
    CreateStatistics {
        name: Option<ObjectName>,
        tables: Vec<ObjectName>,
    },

    // --- data
    Insert(Dml),
    Update(Dml),
    Delete(Dml),
    Merge(Dml),
    /// `SELECT`/`WITH ... SELECT`: the relations read. Calls functions that may do anything.
    Select {
        reads: Vec<ObjectName>,
        functions: Vec<String>,
        /// `FOR UPDATE / NO KEY UPDATE / SHARE / KEY SHARE`: row locks, and ROW SHARE
        /// on the tables read.
        row_locks: bool,
    },
    Copy {
        table: Option<ObjectName>,
        from: bool,
    },

    // --- maintenance
    Vacuum {
        full: bool,
        analyze: bool,
        tables: Vec<ObjectName>,
    },
    Analyze {
        tables: Vec<ObjectName>,
    },
    Cluster {
        table: Option<ObjectName>,
        index: Option<String>,
    },
    LockTable {
        tables: Vec<ObjectName>,
        mode: LockMode,
        only: bool,
    },
    Comment(CommentOn),
    /// `GRANT`/`REVOKE` on tables: the tables (other targets are left empty).
    Privileges {
        tables: Vec<ObjectName>,
    },

    /// A `DO` block. `body` is the PL/pgSQL text; `body_offset` its byte offset in the
    /// statement's text, so embedded statements can be placed in the file.
    Do {
        language: Option<String>,
        body: String,
        body_offset: usize,
    },

    /// Understood, but without effect on schema, locks or data that we model
    /// (`CREATE ROLE`, `GRANT` on functions, `CREATE COLLATION`, `NOTIFY`, ...).
    Other {
        kind: String,
    },

    /// Neither sqlparser nor the recognizer understood it.
    Unparsed {
        reason: String,
    },
}

impl Operation {
    pub fn is_transaction_control(&self) -> bool {
        matches!(
            self,
            Operation::Begin
                | Operation::Commit
                | Operation::Rollback
                | Operation::Savepoint
                | Operation::RollbackToSavepoint
                | Operation::ReleaseSavepoint
        )
    }
}

/// `EXPLAIN` of `inner`. With `ANALYZE` the statement runs, so it is the statement;
/// without, PostgreSQL only plans it, opening the relations it names: a read of each
/// (for a DML target PostgreSQL takes ROW EXCLUSIVE even then, which a read does not
/// say; nor does it say the ROW SHARE of `FOR UPDATE`). What EXPLAIN cannot take stays `Other`.
pub fn explained(analyze: bool, inner: Operation) -> Operation {
    if analyze {
        return inner;
    }
    let mut reads: Vec<ObjectName> = Vec::new();
    let mut add = |names: &[ObjectName]| {
        for n in names {
            if !reads.contains(n) {
                reads.push(n.clone());
            }
        }
    };
    match &inner {
        Operation::Select { reads: r, .. } => add(r),
        Operation::Insert(d)
        | Operation::Update(d)
        | Operation::Delete(d)
        | Operation::Merge(d) => {
            add(std::slice::from_ref(&d.table));
            add(&d.reads);
            add(&d.cte_writes);
        }
        Operation::CreateView(v) if v.materialized => add(&v.reads),
        Operation::CreateTable(CreateTable {
            as_query: Some(q), ..
        }) => add(q),
        _ => {
            return Operation::Other {
                kind: "EXPLAIN".to_string(),
            };
        }
    }
    // planning calls no function of the statement
    Operation::Select {
        reads,
        functions: Vec::new(),
        row_locks: false,
    }
}
