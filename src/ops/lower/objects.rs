//! Other schema objects: views, types, domains, sequences, schemas, extensions,
//! routines, triggers, policies, rules, comments, privileges, and `DROP`.

use super::expr::query_reads;
use super::names::{ident, last, object_name, table_and_column, type_name};
use crate::lock::LockMode;
use crate::ops::{
    AlterIndex, AlterIndexAction, AlterType, AlterTypeAction, AlterView, AlterViewAction,
    CommentOn, CreateFunction, CreateTrigger, CreateType, CreateTypeKind, CreateView, Drop,
    DropIndex, ObjectName, Operation, RoutineKind,
};
use sqlparser::ast as sql;

fn drop_of(names: impl IntoIterator<Item = ObjectName>, if_exists: bool, cascade: bool) -> Drop {
    Drop {
        names: names.into_iter().collect(),
        if_exists,
        cascade,
    }
}

fn cascades(b: &Option<sql::DropBehavior>) -> bool {
    matches!(b, Some(sql::DropBehavior::Cascade))
}

/// `Statement::Drop`.
pub(super) fn drop(
    object_type: &sql::ObjectType,
    if_exists: bool,
    names: &[sql::ObjectName],
    cascade: bool,
) -> Operation {
    use sql::ObjectType as T;
    let d = drop_of(names.iter().map(object_name), if_exists, cascade);
    match object_type {
        T::Table | T::ForeignTable => Operation::DropTable(d),
        T::Index => Operation::DropIndex(DropIndex {
            names: d.names,
            if_exists,
            cascade,
            // sqlparser 0.64 rejects `DROP INDEX CONCURRENTLY`: never seen here
            concurrently: false,
        }),
        T::View => Operation::DropView {
            drop: d,
            materialized: false,
        },
        T::MaterializedView => Operation::DropView {
            drop: d,
            materialized: true,
        },
        T::Type => Operation::DropType(d),
        T::Sequence => Operation::DropSequence(d),
        T::Schema => Operation::DropSchema(d),
        other => Operation::Other {
            kind: format!("DROP {other}"),
        },
    }
}

pub(super) fn create_view(v: &sql::CreateView) -> Operation {
    let columns = if v.columns.is_empty() {
        output_columns(&v.query)
    } else {
        v.columns.iter().map(|c| ident(&c.name)).collect()
    };
    Operation::CreateView(CreateView {
        name: object_name(&v.name),
        materialized: v.materialized,
        or_replace: v.or_replace,
        if_not_exists: v.if_not_exists,
        reads: query_reads(&v.query),
        columns,
        // sqlparser 0.64 rejects `CREATE MATERIALIZED VIEW ... WITH NO DATA`
        with_no_data: false,
        temporary: v.temporary,
    })
}

/// The output column names of a query, as PostgreSQL names them, when all are known
/// (empty when any is not, e.g. `SELECT *`).
fn output_columns(q: &sql::Query) -> Vec<String> {
    let mut body = q.body.as_ref();
    // `a UNION b`: the left side names the columns
    while let sql::SetExpr::SetOperation { left, .. } = body {
        body = left;
    }
    let sql::SetExpr::Select(s) = body else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in &s.projection {
        let name = match item {
            sql::SelectItem::ExprWithAlias { alias, .. } => ident(alias),
            sql::SelectItem::UnnamedExpr(e) => match expr_column_name(e) {
                Some(n) => n,
                None => "?column?".to_string(),
            },
            _ => return Vec::new(),
        };
        out.push(name);
    }
    out
}

/// The name PostgreSQL gives an unaliased output column.
fn expr_column_name(e: &sql::Expr) -> Option<String> {
    match e {
        sql::Expr::Identifier(i) => Some(ident(i)),
        sql::Expr::CompoundIdentifier(p) => p.last().map(ident),
        sql::Expr::Function(f) => Some(last(&f.name)),
        sql::Expr::Cast { expr, .. } | sql::Expr::Nested(expr) => expr_column_name(expr),
        _ => None,
    }
}

pub(super) fn alter_view(v: &sql::AlterView) -> Operation {
    use sql::AlterViewOperation as O;
    let action = match &v.operation {
        O::RenameTo { new_name } => AlterViewAction::Rename { to: last(new_name) },
        O::RenameColumn {
            old_column_name,
            new_column_name,
        } => AlterViewAction::RenameColumn {
            from: ident(old_column_name),
            to: ident(new_column_name),
        },
        O::SetSchema { schema_name } => AlterViewAction::SetSchema {
            schema: last(schema_name),
        },
        other => AlterViewAction::Other {
            description: other.to_string(),
        },
    };
    Operation::AlterView(AlterView {
        name: object_name(&v.name),
        materialized: v.materialized,
        action,
    })
}

pub(super) fn alter_index(name: &sql::ObjectName, op: &sql::AlterIndexOperation) -> Operation {
    let action = match op {
        sql::AlterIndexOperation::RenameIndex { index_name } => AlterIndexAction::Rename {
            to: last(index_name),
        },
    };
    Operation::AlterIndex(AlterIndex {
        name: object_name(name),
        if_exists: false,
        action,
    })
}

pub(super) fn create_type(
    name: &sql::ObjectName,
    repr: &Option<sql::UserDefinedTypeRepresentation>,
) -> Operation {
    use sql::UserDefinedTypeRepresentation as R;
    let kind = match repr {
        Some(R::Enum { labels }) => CreateTypeKind::Enum {
            values: labels.iter().map(|l| l.value.clone()).collect(),
        },
        Some(R::Composite { attributes }) => CreateTypeKind::Composite {
            attributes: attributes
                .iter()
                .map(|a| (ident(&a.name), type_name(&a.data_type)))
                .collect(),
        },
        Some(R::Range { .. }) => CreateTypeKind::Range,
        Some(R::SqlDefinition { .. }) | None => CreateTypeKind::Other,
    };
    Operation::CreateType(CreateType {
        name: object_name(name),
        kind,
    })
}

pub(super) fn create_domain(d: &sql::CreateDomain) -> Operation {
    Operation::CreateType(CreateType {
        name: object_name(&d.name),
        kind: CreateTypeKind::Domain {
            base: type_name(&d.data_type),
            has_constraints: !d.constraints.is_empty(),
        },
    })
}

pub(super) fn alter_type(t: &sql::AlterType) -> Operation {
    use sql::AlterTypeOperation as O;
    let action = match &t.operation {
        O::Rename(r) => AlterTypeAction::Rename {
            to: ident(&r.new_name),
        },
        O::AddValue(a) => AlterTypeAction::AddValue {
            value: a.value.value.clone(),
            if_not_exists: a.if_not_exists,
            position: a.position.as_ref().map(|p| match p {
                sql::AlterTypeAddValuePosition::Before(v) => (true, v.value.clone()),
                sql::AlterTypeAddValuePosition::After(v) => (false, v.value.clone()),
            }),
        },
        O::RenameValue(r) => AlterTypeAction::RenameValue {
            from: r.from.value.clone(),
            to: r.to.value.clone(),
        },
    };
    Operation::AlterType(AlterType {
        name: object_name(&t.name),
        action,
    })
}

pub(super) fn create_sequence(
    name: &sql::ObjectName,
    temporary: bool,
    if_not_exists: bool,
    options: &[sql::SequenceOptions],
) -> Operation {
    let owned_by = options.iter().find_map(|o| match o {
        sql::SequenceOptions::OwnedBy(Some(n)) => match table_and_column(n) {
            (t, Some(c)) => Some((t, c)),
            _ => None,
        },
        _ => None,
    });
    Operation::CreateSequence {
        name: object_name(name),
        temporary,
        if_not_exists,
        owned_by,
        invalid: sequence_options_problem(options),
    }
}

/// Why PostgreSQL refuses a `CREATE SEQUENCE`'s options (`init_params` in
/// `commands/sequence.c`, messages as on 15), judged where every value is a literal.
fn sequence_options_problem(options: &[sql::SequenceOptions]) -> Option<String> {
    use sql::SequenceOptions as O;
    let number = |e: &sql::Expr| -> Option<i128> {
        match e {
            sql::Expr::Value(v) => match &v.value {
                sql::Value::Number(n, _) => n.parse().ok(),
                _ => None,
            },
            sql::Expr::UnaryOp {
                op: sql::UnaryOperator::Minus,
                expr,
            } => match expr.as_ref() {
                sql::Expr::Value(v) => match &v.value {
                    sql::Value::Number(n, _) => n.parse::<i128>().ok().map(|n| -n),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        }
    };
    let (mut increment, mut min, mut max, mut start, mut cache) = (Some(1), None, None, None, None);
    let mut ty = ("bigint", i64::MIN as i128, i64::MAX as i128);
    for o in options {
        match o {
            O::DataType(t) => {
                ty = match type_name(t).canonical().as_str() {
                    "int2" => ("smallint", i16::MIN as i128, i16::MAX as i128),
                    "int4" => ("integer", i32::MIN as i128, i32::MAX as i128),
                    "int8" => ("bigint", i64::MIN as i128, i64::MAX as i128),
                    _ => {
                        return Some(
                            "sequence type must be smallint, integer, or bigint".to_string(),
                        );
                    }
                }
            }
            O::IncrementBy(e, _) => increment = number(e),
            O::MinValue(Some(e)) => min = Some(number(e)?),
            O::MaxValue(Some(e)) => max = Some(number(e)?),
            O::StartWith(e, _) => start = Some(number(e)?),
            O::Cache(e) => cache = Some(number(e)?),
            O::OwnedBy(Some(n)) if n.0.len() < 2 && !n.to_string().eq_ignore_ascii_case("none") => {
                return Some("invalid OWNED BY option".to_string());
            }
            _ => {}
        }
    }
    let increment = increment?;
    if increment == 0 {
        return Some("INCREMENT must not be zero".to_string());
    }
    let (name, low, high) = ty;
    for (what, v) in [("MAXVALUE", max), ("MINVALUE", min)] {
        if let Some(v) = v
            && (v < low || v > high)
        {
            return Some(format!(
                "{what} ({v}) is out of range for sequence data type {name}"
            ));
        }
    }
    let max = max.unwrap_or(if increment > 0 { high } else { -1 });
    let min = min.unwrap_or(if increment > 0 { 1 } else { low });
    if min >= max {
        return Some(format!(
            "MINVALUE ({min}) must be less than MAXVALUE ({max})"
        ));
    }
    let start = start.unwrap_or(if increment > 0 { min } else { max });
    if start < min {
        return Some(format!(
            "START value ({start}) cannot be less than MINVALUE ({min})"
        ));
    }
    if start > max {
        return Some(format!(
            "START value ({start}) cannot be greater than MAXVALUE ({max})"
        ));
    }
    if let Some(c) = cache
        && c <= 0
    {
        return Some(format!("CACHE ({c}) must be greater than zero"));
    }
    None
}

pub(super) fn create_schema(name: &sql::SchemaName, if_not_exists: bool) -> Operation {
    let (name, authorization, unnamed) = match name {
        sql::SchemaName::Simple(n) => (last(n), None, false),
        sql::SchemaName::NamedAuthorization(n, role) => (last(n), Some(ident(role)), false),
        // `CREATE SCHEMA AUTHORIZATION role`: the schema is named after the role
        sql::SchemaName::UnnamedAuthorization(role) => (ident(role), Some(ident(role)), true),
    };
    Operation::CreateSchema {
        name,
        if_not_exists,
        authorization,
        unnamed,
    }
}

pub(super) fn alter_schema(a: &sql::AlterSchema) -> Operation {
    let rename_to = a.operations.iter().find_map(|o| match o {
        sql::AlterSchemaOperation::Rename { name } => Some(last(name)),
        _ => None,
    });
    Operation::AlterSchema {
        name: last(&a.name),
        rename_to,
    }
}

/// Argument types for overload identity: canonical, `OUT` arguments left out.
fn arg_types(args: &[sql::OperateFunctionArg]) -> Vec<String> {
    args.iter()
        .filter(|a| !matches!(a.mode, Some(sql::ArgMode::Out)))
        .map(|a| type_name(&a.data_type).canonical())
        .collect()
}

pub(super) fn create_function(f: &sql::CreateFunction) -> Operation {
    let returns_trigger = match &f.return_type {
        Some(sql::FunctionReturnType::DataType(t)) => t.to_string().eq_ignore_ascii_case("trigger"),
        _ => false,
    };
    let returns_set = match &f.return_type {
        Some(sql::FunctionReturnType::SetOf(_)) => true,
        Some(sql::FunctionReturnType::DataType(t)) => {
            t.to_string().to_ascii_lowercase().starts_with("table")
        }
        None => false,
    };
    Operation::CreateFunction(Box::new(CreateFunction {
        name: object_name(&f.name),
        kind: RoutineKind::Function,
        or_replace: f.or_replace,
        args: arg_types(f.args.as_deref().unwrap_or_default()),
        language: f.language.as_ref().map(|l| ident(l).to_lowercase()),
        volatility: f.behavior.as_ref().map(|b| b.to_string().to_lowercase()),
        returns_trigger,
        returns_set,
        body: Vec::new(),
        inline: super::inline::inline_body(f),
        arg_names: f
            .args
            .as_deref()
            .unwrap_or_default()
            .iter()
            .filter(|a| !matches!(a.mode, Some(sql::ArgMode::Out)))
            .map(|a| a.name.as_ref().map(ident))
            .collect(),
        executes: Vec::new(),
    }))
}

pub(super) fn create_procedure(
    name: &sql::ObjectName,
    params: &Option<Vec<sql::ProcedureParam>>,
    language: &Option<sql::Ident>,
) -> Operation {
    Operation::CreateFunction(Box::new(CreateFunction {
        name: object_name(name),
        kind: RoutineKind::Procedure,
        or_replace: false,
        args: params
            .iter()
            .flatten()
            .filter(|p| !matches!(p.mode, Some(sql::ArgMode::Out)))
            .map(|p| type_name(&p.data_type).canonical())
            .collect(),
        language: language.as_ref().map(|l| ident(l).to_lowercase()),
        volatility: None,
        returns_trigger: false,
        returns_set: false,
        body: Vec::new(),
        inline: None,
        arg_names: Vec::new(),
        executes: Vec::new(),
    }))
}

pub(super) fn create_aggregate(a: &sql::CreateAggregate) -> Operation {
    let args = match &a.args {
        sql::CreateAggregateArgs::List(args) => arg_types(args),
        sql::CreateAggregateArgs::OrderedSet { direct, aggregated } => {
            let mut v = arg_types(direct);
            v.extend(arg_types(aggregated));
            v
        }
        sql::CreateAggregateArgs::Star | sql::CreateAggregateArgs::Legacy => Vec::new(),
    };
    Operation::CreateFunction(Box::new(CreateFunction {
        name: object_name(&a.name),
        kind: RoutineKind::Aggregate,
        or_replace: a.or_replace,
        args,
        language: None,
        volatility: None,
        returns_trigger: false,
        returns_set: false,
        body: Vec::new(),
        inline: None,
        arg_names: Vec::new(),
        executes: Vec::new(),
    }))
}

pub(super) fn alter_function(a: &sql::AlterFunction) -> Operation {
    let kind = match a.kind {
        sql::AlterFunctionKind::Aggregate => RoutineKind::Aggregate,
        sql::AlterFunctionKind::Function => RoutineKind::Function,
    };
    let (rename_to, set_schema) = match &a.operation {
        sql::AlterFunctionOperation::RenameTo { new_name } => (Some(ident(new_name)), None),
        sql::AlterFunctionOperation::SetSchema { schema_name } => (None, Some(last(schema_name))),
        _ => (None, None),
    };
    Operation::AlterFunction {
        name: object_name(&a.function.name),
        kind,
        rename_to,
        set_schema,
    }
}

pub(super) fn drop_routines(
    descs: &[sql::FunctionDesc],
    if_exists: bool,
    behavior: &Option<sql::DropBehavior>,
    kind: RoutineKind,
) -> Operation {
    Operation::DropFunction {
        drop: drop_of(
            descs.iter().map(|d| object_name(&d.name)),
            if_exists,
            cascades(behavior),
        ),
        kind,
    }
}

pub(super) fn create_trigger(t: &sql::CreateTrigger) -> Operation {
    Operation::CreateTrigger(CreateTrigger {
        name: last(&t.name),
        table: object_name(&t.table_name),
        or_replace: t.or_replace,
        function: t.exec_body.as_ref().map(|b| object_name(&b.func_desc.name)),
        constraint: t.is_constraint,
        for_each_row: matches!(
            t.trigger_object,
            Some(
                sql::TriggerObjectKind::For(sql::TriggerObject::Row)
                    | sql::TriggerObjectKind::ForEach(sql::TriggerObject::Row)
            )
        ),
        events: t
            .events
            .iter()
            .map(|e| {
                match e {
                    sql::TriggerEvent::Insert => "insert",
                    sql::TriggerEvent::Update(_) => "update",
                    sql::TriggerEvent::Delete => "delete",
                    sql::TriggerEvent::Truncate => "truncate",
                }
                .to_string()
            })
            .collect(),
        timing: match t.period {
            Some(sql::TriggerPeriod::Before) => "before",
            Some(sql::TriggerPeriod::InsteadOf) => "instead of",
            Some(_) => "after",
            None => "",
        }
        .to_string(),
        when: t.condition.as_ref().map(ToString::to_string),
        event_problem: None,
    })
}

pub(super) fn alter_trigger(t: &sql::AlterTrigger) -> Operation {
    Operation::AlterTrigger {
        name: ident(&t.name),
        table: object_name(&t.table_name),
        rename_to: match &t.operation {
            sql::AlterTriggerOperation::Rename { new_name } => Some(ident(new_name)),
            _ => None,
        },
    }
}

pub(super) fn drop_trigger(t: &sql::DropTrigger) -> Operation {
    Operation::DropTrigger {
        name: last(&t.trigger_name),
        table: t
            .table_name
            .as_ref()
            .map(object_name)
            .unwrap_or_else(|| ObjectName::unqualified("")),
        if_exists: t.if_exists,
        cascade: matches!(t.option, Some(sql::ReferentialAction::Cascade)),
    }
}

pub(super) fn comment(object_type: &sql::CommentObject, name: &sql::ObjectName) -> Operation {
    let kind = object_type.to_string().to_lowercase();
    let (name, column) = if matches!(object_type, sql::CommentObject::Column) {
        table_and_column(name)
    } else {
        (object_name(name), None)
    };
    Operation::Comment(CommentOn { kind, name, column })
}

/// `GRANT`/`REVOKE`: on tables (or views), the relations; on anything else `Other`.
pub(super) fn privileges(objects: &Option<sql::GrantObjects>, keyword: &str) -> Operation {
    match objects {
        Some(sql::GrantObjects::Tables(t) | sql::GrantObjects::Views(t)) => Operation::Privileges {
            tables: t.iter().map(object_name).collect(),
        },
        _ => Operation::Other {
            kind: keyword.to_string(),
        },
    }
}

pub(super) fn lock(l: &sql::Lock) -> Operation {
    let mode = l
        .lock_mode
        .as_ref()
        .and_then(|m| LockMode::parse(&m.to_string()))
        .unwrap_or(LockMode::AccessExclusive);
    Operation::LockTable {
        tables: l.tables.iter().map(|t| object_name(&t.name)).collect(),
        mode,
        only: l.tables.iter().any(|t| t.only),
    }
}

pub(super) fn truncate(t: &sql::Truncate) -> Operation {
    Operation::Truncate {
        tables: t.table_names.iter().map(|n| object_name(&n.name)).collect(),
        only: t
            .table_names
            .iter()
            .filter(|n| n.only)
            .map(|n| object_name(&n.name))
            .collect(),
        cascade: matches!(t.cascade, Some(sql::CascadeOption::Cascade)),
        restart_identity: matches!(t.identity, Some(sql::TruncateIdentityOption::Restart)),
    }
}

pub(super) fn drop_extension(e: &sql::DropExtension) -> Operation {
    Operation::DropExtension(drop_of(
        e.names.iter().map(|n| ObjectName::unqualified(&ident(n))),
        e.if_exists,
        matches!(e.cascade_or_restrict, Some(sql::ReferentialAction::Cascade)),
    ))
}

pub(super) fn drop_domain(d: &sql::DropDomain) -> Operation {
    Operation::DropType(drop_of(
        [object_name(&d.name)],
        d.if_exists,
        cascades(&d.drop_behavior),
    ))
}

pub(super) fn policy_on(table: &sql::ObjectName) -> Operation {
    Operation::Policy {
        table: object_name(table),
    }
}
