//! Tables: `CREATE TABLE`, `ALTER TABLE`, columns and constraints, `CREATE INDEX`.

use super::expr::{query_reads, summarize};
use super::names::{ident, last, object_name, type_name};
use crate::ops::{
    AlterTable, AlterTableAction, ColumnDef, Constraint, ConstraintKind, CreateIndex, CreateTable,
    Generated, IdentityChange, IdentityKind, IndexKey, Operation, PartitionBound, Persistence,
};
use sqlparser::ast as sql;

pub(super) fn create_table(t: &sql::CreateTable) -> Operation {
    let mut like = match &t.like {
        Some(sql::CreateTableLikeKind::Parenthesized(l) | sql::CreateTableLikeKind::Plain(l)) => {
            vec![crate::ops::Like {
                defaults: matches!(l.defaults, Some(sql::CreateTableLikeDefaults::Including)),
                ..crate::ops::Like::plain(object_name(&l.name))
            }]
        }
        None => Vec::new(),
    };
    let mut columns: Vec<ColumnDef> = Vec::with_capacity(t.columns.len());
    for c in &t.columns {
        match like_source(c) {
            Some(source) => like.push(source),
            None => columns.push(column_def(c)),
        }
    }
    let constraints: Vec<Constraint> = t
        .constraints
        .iter()
        .filter_map(|c| table_constraint(c, false))
        .collect();
    // a table-level PRIMARY KEY makes its columns NOT NULL, as a column one does
    for c in &constraints {
        if let ConstraintKind::PrimaryKey { columns: pk, .. } = &c.kind {
            for col in columns.iter_mut().filter(|col| pk.contains(&col.name)) {
                col.not_null = true;
            }
        }
    }
    let persistence = if t.temporary {
        Persistence::Temporary
    } else if t.unlogged {
        Persistence::Unlogged
    } else {
        Persistence::Permanent
    };
    Operation::CreateTable(CreateTable {
        name: object_name(&t.name),
        if_not_exists: t.if_not_exists,
        persistence,
        columns,
        constraints,
        partitioned: t.partition_by.is_some(),
        partition_key: t
            .partition_by
            .as_deref()
            .map(partition_key)
            .unwrap_or_default(),
        partition_of: t.partition_of.as_ref().map(object_name).map(Box::new),
        partition_bound: t.for_values.as_ref().map(partition_bound).map(Box::new),
        inherits: t.inherits.iter().flatten().map(object_name).collect(),
        like,
        as_query: t.query.as_deref().map(query_reads),
        on_commit: t.on_commit.is_some(),
        of_type: None,
        foreign: false,
        options_problem: match &t.table_options {
            sql::CreateTableOptions::With(options) => crate::ops::reloptions::problem(
                crate::ops::reloptions::Target::Table {
                    partitioned: t.partition_by.is_some(),
                },
                &storage_parameters(options),
            ),
            _ => None,
        },
        column_storage: false,
    })
}

/// `CREATE FOREIGN TABLE`: a table whose rows a foreign server holds.
pub(super) fn create_foreign_table(t: &sql::CreateForeignTable) -> Operation {
    Operation::CreateTable(CreateTable {
        name: object_name(&t.name),
        if_not_exists: t.if_not_exists,
        persistence: Persistence::Permanent,
        columns: t.columns.iter().map(column_def).collect(),
        constraints: t
            .constraints
            .iter()
            .filter_map(|c| table_constraint(c, false))
            .collect(),
        partitioned: false,
        partition_key: Vec::new(),
        partition_of: t.partition_of.as_ref().map(object_name).map(Box::new),
        partition_bound: t.for_values.as_ref().map(partition_bound).map(Box::new),
        inherits: t.inherits.iter().flatten().map(object_name).collect(),
        like: Vec::new(),
        as_query: None,
        on_commit: false,
        of_type: None,
        foreign: true,
        options_problem: None,
        column_storage: false,
    })
}

/// `PARTITION BY RANGE (a, (lower(b)))`, which sqlparser reads as a call of `RANGE`: the
/// key columns, folded; an expression as its text in parentheses.
fn partition_key(e: &sql::Expr) -> Vec<String> {
    let sql::Expr::Function(f) = e else {
        return Vec::new();
    };
    let sql::FunctionArguments::List(list) = &f.args else {
        return Vec::new();
    };
    list.args
        .iter()
        .map(|a| match a {
            sql::FunctionArg::Unnamed(sql::FunctionArgExpr::Expr(sql::Expr::Identifier(i))) => {
                ident(i)
            }
            sql::FunctionArg::Unnamed(sql::FunctionArgExpr::Expr(sql::Expr::Nested(inner))) => {
                format!("({inner})")
            }
            other => format!("({other})"),
        })
        .collect()
}

/// `FOR VALUES ...` / `DEFAULT`, values as sqlparser renders them.
fn partition_bound(v: &sql::ForValues) -> PartitionBound {
    let values = |vs: &[sql::PartitionBoundValue]| vs.iter().map(|v| v.to_string()).collect();
    match v {
        sql::ForValues::In(list) => {
            PartitionBound::List(list.iter().map(|e| e.to_string()).collect())
        }
        sql::ForValues::From { from, to } => PartitionBound::Range {
            from: values(from),
            to: values(to),
        },
        sql::ForValues::With { modulus, remainder } => PartitionBound::Hash {
            modulus: *modulus,
            remainder: *remainder,
        },
        sql::ForValues::Default => PartitionBound::Default,
    }
}

/// `CREATE TABLE t (a int, LIKE other)`: sqlparser reads the `LIKE` after a column as a
/// column named `like` of type `other` (`LIKE` is reserved, so no real column is).
fn like_source(c: &sql::ColumnDef) -> Option<crate::ops::Like> {
    match &c.data_type {
        sql::DataType::Custom(name, mods)
            if c.name.quote_style.is_none()
                && c.name.value.eq_ignore_ascii_case("like")
                && mods.is_empty()
                && c.options.is_empty() =>
        {
            Some(crate::ops::Like::plain(object_name(name)))
        }
        _ => None,
    }
}

/// A column definition, with inline constraints turned into table-constraint form.
pub(super) fn column_def(c: &sql::ColumnDef) -> ColumnDef {
    let name = ident(&c.name);
    let mut out = ColumnDef {
        name: name.clone(),
        ty: type_name(&c.data_type),
        not_null: false,
        default: None,
        generated: None,
        identity: None,
        collation: None,
        constraints: Vec::new(),
    };
    let mut constraints = Vec::new();
    for opt in &c.options {
        let cname = opt.name.as_ref().map(ident);
        let col = || vec![name.clone()];
        let mut push = |kind: ConstraintKind, own: Option<&sql::Ident>, chars| {
            constraints.push(Constraint {
                name: cname.clone().or_else(|| own.map(ident)),
                kind,
                not_valid: false,
                deferrable: deferrable(chars),
                include: Vec::new(),
            });
        };
        match &opt.option {
            sql::ColumnOption::Null => out.not_null = false,
            sql::ColumnOption::NotNull => out.not_null = true,
            sql::ColumnOption::Default(e) => out.default = Some(Box::new(summarize(e))),
            sql::ColumnOption::Collation(n) => out.collation = Some(last(n)),
            sql::ColumnOption::Generated {
                generated_as,
                generation_expr,
                generation_expr_mode,
                ..
            } => match generation_expr {
                Some(e) => {
                    out.generated = Some(Box::new(Generated {
                        expr: summarize(e),
                        // PG 18: without STORED a generated column is virtual
                        stored: matches!(
                            generation_expr_mode,
                            Some(sql::GeneratedExpressionMode::Stored)
                        ),
                        by_default: matches!(generated_as, sql::GeneratedAs::ByDefault),
                    }))
                }
                None => {
                    out.identity = Some(match generated_as {
                        sql::GeneratedAs::ByDefault => IdentityKind::ByDefault,
                        _ => IdentityKind::Always,
                    })
                }
            },
            sql::ColumnOption::PrimaryKey(pk) => {
                push(
                    ConstraintKind::PrimaryKey {
                        columns: col(),
                        using_index: None,
                    },
                    pk.name.as_ref(),
                    pk.characteristics.as_ref(),
                );
                out.not_null = true;
            }
            sql::ColumnOption::Unique(u) => push(
                ConstraintKind::Unique {
                    columns: col(),
                    using_index: None,
                    nulls_not_distinct: matches!(
                        u.nulls_distinct,
                        sql::NullsDistinctOption::NotDistinct
                    ),
                },
                u.name.as_ref(),
                u.characteristics.as_ref(),
            ),
            sql::ColumnOption::ForeignKey(fk) => push(
                foreign_key(col(), fk),
                fk.name.as_ref(),
                fk.characteristics.as_ref(),
            ),
            sql::ColumnOption::Check(ck) => push(
                ConstraintKind::Check {
                    expr: summarize(&ck.expr),
                    no_inherit: ck.no_inherit,
                },
                ck.name.as_ref(),
                None,
            ),
            _ => {}
        }
    }
    out.constraints = constraints;
    out
}

fn deferrable(c: Option<&sql::ConstraintCharacteristics>) -> bool {
    c.is_some_and(|c| c.deferrable == Some(true))
}

fn foreign_key(columns: Vec<String>, fk: &sql::ForeignKeyConstraint) -> ConstraintKind {
    ConstraintKind::ForeignKey {
        columns,
        ref_table: object_name(&fk.foreign_table),
        ref_columns: fk.referred_columns.iter().map(ident).collect(),
        on_delete: fk.on_delete.map(|a| a.to_string()),
        on_update: fk.on_update.map(|a| a.to_string()),
        match_full: matches!(fk.match_kind, Some(sql::ConstraintReferenceMatchKind::Full)),
        deferrable: deferrable(fk.characteristics.as_ref()),
    }
}

/// The columns of an index or key list; expressions are left out.
fn index_columns(cols: &[sql::IndexColumn]) -> Vec<String> {
    cols.iter()
        .filter_map(|c| match &c.column.expr {
            sql::Expr::Identifier(i) => Some(ident(i)),
            sql::Expr::CompoundIdentifier(p) => p.last().map(ident),
            _ => None,
        })
        .collect()
}

/// A table constraint (`None` for MySQL-only forms PostgreSQL has no equivalent of).
pub(super) fn table_constraint(c: &sql::TableConstraint, not_valid: bool) -> Option<Constraint> {
    use sql::TableConstraint as T;
    let include: Vec<String> = match c {
        T::PrimaryKey(pk) => pk.include.iter().map(ident).collect(),
        T::Unique(u) => u.include.iter().map(ident).collect(),
        _ => Vec::new(),
    };
    let (name, kind, chars) = match c {
        T::PrimaryKey(pk) => (
            pk.name.as_ref(),
            ConstraintKind::PrimaryKey {
                columns: index_columns(&pk.columns),
                using_index: None,
            },
            pk.characteristics.as_ref(),
        ),
        T::Unique(u) => (
            u.name.as_ref(),
            ConstraintKind::Unique {
                columns: index_columns(&u.columns),
                using_index: None,
                nulls_not_distinct: matches!(
                    u.nulls_distinct,
                    sql::NullsDistinctOption::NotDistinct
                ),
            },
            u.characteristics.as_ref(),
        ),
        T::ForeignKey(fk) => (
            fk.name.as_ref(),
            foreign_key(fk.columns.iter().map(ident).collect(), fk),
            fk.characteristics.as_ref(),
        ),
        T::Check(ck) => (
            ck.name.as_ref(),
            ConstraintKind::Check {
                expr: summarize(&ck.expr),
                no_inherit: ck.no_inherit,
            },
            None,
        ),
        T::PrimaryKeyUsingIndex(u) => (
            u.name.as_ref(),
            ConstraintKind::PrimaryKey {
                columns: Vec::new(),
                using_index: Some(ident(&u.index_name)),
            },
            u.characteristics.as_ref(),
        ),
        T::UniqueUsingIndex(u) => (
            u.name.as_ref(),
            ConstraintKind::Unique {
                columns: Vec::new(),
                using_index: Some(ident(&u.index_name)),
                nulls_not_distinct: false,
            },
            u.characteristics.as_ref(),
        ),
        T::Exclude(x) => (
            x.name.as_ref(),
            ConstraintKind::Exclude {
                columns: index_columns(
                    &x.elements
                        .iter()
                        .map(|e| e.column.clone())
                        .collect::<Vec<_>>(),
                ),
                using: x.index_method.as_ref().map(ident),
                names: x
                    .elements
                    .iter()
                    .map(|e| match &e.column.column.expr {
                        sql::Expr::Identifier(i) => ident(i),
                        sql::Expr::CompoundIdentifier(p) => p.last().map(ident).unwrap_or_default(),
                        other => crate::ops::names::figure_colname(&other.to_string())
                            .unwrap_or_else(|| "expr".to_string()),
                    })
                    .collect(),
            },
            x.characteristics.as_ref(),
        ),
        T::Index(_) | T::FulltextOrSpatial(_) => return None,
    };
    Some(Constraint {
        name: name.map(ident),
        kind,
        not_valid,
        deferrable: deferrable(chars),
        include,
    })
}

pub(super) fn alter_table(t: &sql::AlterTable) -> Operation {
    if t.table_type.is_some() && t.table_type != Some(sql::AlterTableType::Foreign) {
        // ALTER ICEBERG / DYNAMIC / EXTERNAL TABLE: not PostgreSQL's
        return Operation::Other {
            kind: "ALTER TABLE".into(),
        };
    }
    // most operations are one action: room for as many (growing from nothing leaves
    // room for four, about 500 bytes each, kept as long as the statement)
    let mut actions = Vec::with_capacity(t.operations.len());
    for op in &t.operations {
        alter_table_action(op, &mut actions);
    }
    Operation::AlterTable(AlterTable {
        name: object_name(&t.name),
        if_exists: t.if_exists,
        only: t.only,
        actions,
    })
}

fn cascade(b: &Option<sql::DropBehavior>) -> bool {
    matches!(b, Some(sql::DropBehavior::Cascade))
}

fn alter_table_action(op: &sql::AlterTableOperation, out: &mut Vec<AlterTableAction>) {
    use AlterTableAction as A;
    use sql::AlterTableOperation as O;
    let action = match op {
        O::AddColumn {
            if_not_exists,
            column_def: def,
            ..
        } => A::AddColumn {
            column: column_def(def),
            if_not_exists: *if_not_exists,
        },
        O::DropColumn {
            column_names,
            if_exists,
            drop_behavior,
            ..
        } => {
            for c in column_names {
                out.push(A::DropColumn {
                    name: ident(c),
                    if_exists: *if_exists,
                    cascade: cascade(drop_behavior),
                });
            }
            return;
        }
        O::AlterColumn { column_name, op } => alter_column(ident(column_name), op),
        O::AddConstraint {
            constraint,
            not_valid,
        } => match table_constraint(constraint, *not_valid) {
            Some(c) => A::AddConstraint(c),
            None => other(op),
        },
        O::ValidateConstraint { name } => A::ValidateConstraint { name: ident(name) },
        O::DropConstraint {
            if_exists,
            name,
            drop_behavior,
        } => A::DropConstraint {
            name: ident(name),
            if_exists: *if_exists,
            cascade: cascade(drop_behavior),
        },
        O::RenameConstraint { old_name, new_name } => A::RenameConstraint {
            from: ident(old_name),
            to: ident(new_name),
        },
        O::RenameColumn {
            old_column_name,
            new_column_name,
        } => A::RenameColumn {
            from: ident(old_column_name),
            to: ident(new_column_name),
        },
        O::RenameTable { table_name } => {
            let (sql::RenameTableNameKind::As(n) | sql::RenameTableNameKind::To(n)) = table_name;
            A::RenameTable { to: last(n) }
        }
        O::SetLogged => A::SetLogged,
        O::SetUnlogged => A::SetUnlogged,
        O::OwnerTo { new_owner } => A::OwnerTo(match new_owner {
            sql::Owner::Ident(i) => ident(i),
            sql::Owner::CurrentRole => "current_role".to_string(),
            sql::Owner::CurrentUser => "current_user".to_string(),
            sql::Owner::SessionUser => "session_user".to_string(),
        }),
        O::EnableTrigger { name }
        | O::EnableAlwaysTrigger { name }
        | O::EnableReplicaTrigger { name } => A::Trigger {
            name: ident(name),
            enable: true,
        },
        O::DisableTrigger { name } => A::Trigger {
            name: ident(name),
            enable: false,
        },
        O::EnableRowLevelSecurity
        | O::DisableRowLevelSecurity
        | O::ForceRowLevelSecurity
        | O::NoForceRowLevelSecurity
        | O::EnableRule { .. }
        | O::EnableAlwaysRule { .. }
        | O::EnableReplicaRule { .. }
        | O::DisableRule { .. } => A::RowSecurity,
        O::ReplicaIdentity { .. } => A::ReplicaIdentity,
        O::AttachPartitionOf {
            partition,
            for_values,
        } => A::AttachPartition {
            partition: object_name(partition),
            default: matches!(for_values, sql::ForValues::Default),
            bound: Some(partition_bound(for_values)),
        },
        O::DetachPartitionOf { partition, mode } => A::DetachPartition {
            partition: object_name(partition),
            concurrently: matches!(mode, Some(sql::DetachPartitionMode::Concurrently)),
            finalize: matches!(mode, Some(sql::DetachPartitionMode::Finalize)),
        },
        O::Inherit { parent } => A::Inherit {
            parent: object_name(parent),
            no: false,
        },
        O::NoInherit { parent } => A::Inherit {
            parent: object_name(parent),
            no: true,
        },
        O::SetOptionsParens { options } => A::SetStorageParams {
            params: options.iter().filter_map(option_key).collect(),
            reset: false,
        },
        O::ResetOptions { options } => A::SetStorageParams {
            params: options.iter().map(parts_joined).collect(),
            reset: true,
        },
        _ => other(op),
    };
    out.push(action);
}

fn other(op: &impl std::fmt::Display) -> AlterTableAction {
    AlterTableAction::Other {
        description: op.to_string(),
    }
}

/// `fillfactor`, `toast.autovacuum_enabled`: the folded parts joined with dots.
fn parts_joined(n: &sql::ObjectName) -> String {
    super::names::parts(n).join(".")
}

/// The parameter name of `SET (name = value)`.
fn option_key(o: &sql::SqlOption) -> Option<String> {
    match o {
        sql::SqlOption::KeyValue { key, .. } => Some(parts_joined(key)),
        sql::SqlOption::Ident(i) => Some(parts_joined(i)),
        _ => None,
    }
}

fn alter_column(column: String, op: &sql::AlterColumnOperation) -> AlterTableAction {
    use AlterTableAction as A;
    use sql::AlterColumnOperation as C;
    match op {
        C::SetNotNull => A::SetNotNull { column },
        C::DropNotNull => A::DropNotNull { column },
        C::SetDefault { value } => A::SetDefault {
            column,
            expr: summarize(value),
        },
        C::DropDefault => A::DropDefault { column },
        C::SetDataType {
            data_type, using, ..
        } => A::AlterColumnType {
            column,
            ty: type_name(data_type),
            using: using.as_ref().map(summarize),
            collation: None,
        },
        C::AddGenerated { generated_as, .. } => A::Identity {
            column,
            change: IdentityChange::Add(match generated_as {
                Some(sql::GeneratedAs::ByDefault) => IdentityKind::ByDefault,
                _ => IdentityKind::Always,
            }),
        },
        C::GenericOptions { .. } => A::Other {
            description: format!("ALTER COLUMN {column} {op}"),
        },
    }
}

pub(super) fn create_index(i: &sql::CreateIndex) -> Operation {
    let keys = i
        .columns
        .iter()
        .map(|c| match &c.column.expr {
            sql::Expr::Identifier(id) => IndexKey::Column(ident(id)),
            e => IndexKey::Expression(summarize(e)),
        })
        .collect();
    Operation::CreateIndex(CreateIndex {
        name: i.name.as_ref().map(last),
        table: object_name(&i.table_name),
        unique: i.unique,
        concurrently: i.concurrently,
        if_not_exists: i.if_not_exists,
        // sqlparser 0.64 rejects `ON ONLY`: those statements never reach here
        only: false,
        keys,
        include: i.include.iter().map(ident).collect(),
        predicate: i.predicate.as_ref().map(summarize).map(Box::new),
        method: i.using.as_ref().map(index_method),
        nulls_not_distinct: i.nulls_distinct == Some(false),
        options_problem: {
            let method = i.using.as_ref().map(index_method);
            let options: Option<Vec<(String, Option<String>)>> = i
                .with
                .iter()
                .map(|e| match e {
                    sql::Expr::BinaryOp {
                        left,
                        op: sql::BinaryOperator::Eq,
                        right,
                    } => Some((expr_name(left)?, Some(parameter_value(right)))),
                    other => expr_name(other).map(|n| (n, None)),
                })
                .collect();
            options.and_then(|o| {
                crate::ops::reloptions::problem(
                    crate::ops::reloptions::Target::Index(method.as_deref()),
                    &o,
                )
            })
        },
    })
}

/// `fillfactor` or `toast.autovacuum_enabled` as a `WITH (...)` of `CREATE INDEX` gives
/// it: the folded parts joined with dots.
fn expr_name(e: &sql::Expr) -> Option<String> {
    match e {
        sql::Expr::Identifier(i) => Some(ident(i)),
        sql::Expr::CompoundIdentifier(parts) => {
            Some(parts.iter().map(ident).collect::<Vec<_>>().join("."))
        }
        _ => None,
    }
}

/// A storage parameter's value as PostgreSQL reads it: a literal's text (a string
/// without its quotes), a word as written.
fn parameter_value(e: &sql::Expr) -> String {
    match e {
        sql::Expr::Value(v) => match &v.value {
            sql::Value::SingleQuotedString(s) => s.clone(),
            sql::Value::Boolean(b) => b.to_string(),
            other => other.to_string(),
        },
        sql::Expr::Identifier(i) => i.value.clone(),
        other => other.to_string(),
    }
}

/// `WITH (name = value, name)` of `CREATE TABLE`, as [`crate::ops::reloptions::problem`]
/// takes them.
fn storage_parameters(options: &[sql::SqlOption]) -> Vec<(String, Option<String>)> {
    options
        .iter()
        .filter_map(|o| match o {
            sql::SqlOption::KeyValue { key, value } => {
                Some((parts_joined(key), Some(parameter_value(value))))
            }
            sql::SqlOption::Ident(i) => Some((parts_joined(i), None)),
            _ => None,
        })
        .collect()
}

fn index_method(t: &sql::IndexType) -> String {
    match t {
        sql::IndexType::Custom(i) => ident(i),
        other => other.to_string().to_lowercase(),
    }
}
