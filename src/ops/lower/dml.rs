//! Data statements: INSERT, UPDATE, DELETE, MERGE, SELECT, COPY.

use super::expr::Collector;
use super::names::object_name;
use crate::ops::{Dml, ObjectName, Operation, Persistence};
use sqlparser::ast as sql;

/// The relations in `c` other than `target`.
fn others(c: &Collector, target: &ObjectName) -> Vec<ObjectName> {
    c.reads().into_iter().filter(|r| r != target).collect()
}

fn assigned(assignments: &[sql::Assignment]) -> Vec<String> {
    let mut out = Vec::new();
    for a in assignments {
        match &a.target {
            sql::AssignmentTarget::ColumnName(n) => out.push(super::names::last(n)),
            sql::AssignmentTarget::Tuple(ns) => out.extend(ns.iter().map(super::names::last)),
        }
    }
    out
}

/// The first name that appears twice (PostgreSQL: "column ... specified more than
/// once", "multiple assignments to same column ...").
fn repeated(names: impl IntoIterator<Item = String>) -> Option<String> {
    let mut seen = std::collections::HashSet::new();
    names.into_iter().find(|n| !seen.insert(n.clone()))
}

/// A `MERGE` whose `UPDATE SET` assigns a column twice, or whose `INSERT` names one twice.
fn merge_repeated(m: &sql::Merge) -> Option<String> {
    m.clauses.iter().find_map(|c| match &c.action {
        sql::MergeAction::Update(sql::MergeUpdateExpr {
            kind: sql::MergeUpdateKind::Set(assignments),
            ..
        }) => repeated(assigned(assignments)),
        sql::MergeAction::Insert(i) => repeated(i.columns.iter().map(super::names::last)),
        _ => None,
    })
}

/// The target of a DML statement written as a table factor (`UPDATE t AS x`).
fn factor_name(f: &sql::TableFactor) -> Option<ObjectName> {
    match f {
        sql::TableFactor::Table { name, .. } => Some(object_name(name)),
        _ => None,
    }
}

/// `with`: the CTEs of an enclosing `WITH ... INSERT/UPDATE/DELETE`, read by the statement.
pub(super) fn insert(i: &sql::Insert, with: Option<&sql::With>) -> Operation {
    let table = match &i.table {
        sql::TableObject::TableName(n) => object_name(n),
        other => ObjectName::unqualified(&other.to_string()),
    };
    let mut c = Collector::default();
    c.add_with(with);
    c.add(&i.source);
    c.add(&i.on);
    c.add(&i.assignments);
    let mut full = Vec::new();
    if let Some(q) = &i.source {
        full_reads(q, &cte_names(with), &mut full, 0);
    }
    full.retain(|r| *r != table);
    Operation::Insert(Dml {
        reads: others(&c, &table),
        full_reads: full,
        repeated_column: repeated(i.columns.iter().map(super::names::last)),
        table,
        filtered: false,
        null_test_filter: false,
        set_columns: Vec::new(),
        cte_writes: cte_writes(with),
        functions: c.functions(),
    })
}

pub(super) fn update(u: &sql::Update, with: Option<&sql::With>) -> Operation {
    let table = factor_name(&u.table.relation).unwrap_or_else(|| ObjectName::unqualified(""));
    let mut c = Collector::default();
    c.add_with(with);
    c.add(&u.table.joins);
    c.add(&u.assignments);
    c.add(&u.from);
    c.add(&u.selection);
    Operation::Update(Dml {
        reads: others(&c, &table),
        table,
        full_reads: Vec::new(),
        repeated_column: repeated(assigned(&u.assignments)),
        filtered: u.selection.is_some(),
        null_test_filter: u.selection.as_ref().is_some_and(only_null_tests),
        set_columns: assigned(&u.assignments),
        cte_writes: cte_writes(with),
        functions: c.functions(),
    })
}

pub(super) fn delete(d: &sql::Delete, with: Option<&sql::With>) -> Operation {
    let from = match &d.from {
        sql::FromTable::WithFromKeyword(f) | sql::FromTable::WithoutKeyword(f) => f,
    };
    let table = d
        .tables
        .first()
        .map(object_name)
        .or_else(|| from.first().and_then(|t| factor_name(&t.relation)))
        .unwrap_or_else(|| ObjectName::unqualified(""));
    let mut c = Collector::default();
    c.add_with(with);
    c.add(from);
    c.add(&d.using);
    c.add(&d.selection);
    Operation::Delete(Dml {
        reads: others(&c, &table),
        table,
        full_reads: Vec::new(),
        repeated_column: None,
        filtered: d.selection.is_some(),
        null_test_filter: d.selection.as_ref().is_some_and(only_null_tests),
        set_columns: Vec::new(),
        cte_writes: cte_writes(with),
        functions: c.functions(),
    })
}

pub(super) fn merge(m: &sql::Merge, with: Option<&sql::With>) -> Operation {
    let table = factor_name(&m.table).unwrap_or_else(|| ObjectName::unqualified(""));
    let mut c = Collector::default();
    c.add_with(with);
    c.add(&m.source);
    c.add(&m.on);
    c.add(&m.clauses);
    let mut set_columns = Vec::new();
    for clause in &m.clauses {
        if let sql::MergeAction::Update(u) = &clause.action
            && let sql::MergeUpdateKind::Set(a) = &u.kind
        {
            set_columns.extend(assigned(a));
        }
    }
    Operation::Merge(Dml {
        reads: others(&c, &table),
        table,
        // rows are matched through the ON join condition
        full_reads: Vec::new(),
        repeated_column: merge_repeated(m),
        filtered: true,
        null_test_filter: false,
        set_columns: super::expr::dedup(set_columns),
        cte_writes: cte_writes(with),
        functions: c.functions(),
    })
}

/// `SELECT`, `VALUES`, or `WITH ... <statement>`: the data-modifying statement when
/// there is one (at the top or in a CTE), else a `Select`.
pub(super) fn query(q: &sql::Query) -> Operation {
    let with = q.with.as_ref();
    match q.body.as_ref() {
        sql::SetExpr::Insert(sql::Statement::Insert(i)) => return insert(i, with),
        sql::SetExpr::Update(sql::Statement::Update(u)) => return update(u, with),
        sql::SetExpr::Delete(sql::Statement::Delete(d)) => return delete(d, with),
        sql::SetExpr::Merge(sql::Statement::Merge(m)) => return merge(m, with),
        sql::SetExpr::Select(s) => {
            if let Some(into) = &s.into {
                return select_into(q, into);
            }
        }
        _ => {}
    }
    // `WITH x AS (UPDATE ...) SELECT ...`: the write is what matters
    if let Some(w) = with {
        for cte in &w.cte_tables {
            let inner = query(&cte.query);
            if matches!(
                inner,
                Operation::Insert(_)
                    | Operation::Update(_)
                    | Operation::Delete(_)
                    | Operation::Merge(_)
            ) {
                return with_extra_reads(inner, q);
            }
        }
    }
    let c = Collector::walk(q);
    let mut full = Vec::new();
    full_reads(q, &[], &mut full, 0);
    Operation::Select {
        reads: c.reads(),
        functions: c.functions(),
        row_locks: !q.locks.is_empty(),
        full_reads: full,
        calls: literal_calls(q),
    }
}

/// `SELECT f('...'), ...` with nothing but function calls and no `FROM`: each call with
/// its string-literal arguments.
fn literal_calls(q: &sql::Query) -> Vec<crate::ops::LiteralCall> {
    let sql::SetExpr::Select(s) = q.body.as_ref() else {
        return Vec::new();
    };
    if !s.from.is_empty() || s.selection.is_some() || q.with.is_some() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for item in &s.projection {
        let e = match item {
            sql::SelectItem::UnnamedExpr(e) | sql::SelectItem::ExprWithAlias { expr: e, .. } => e,
            _ => return Vec::new(),
        };
        let sql::Expr::Function(f) = e else {
            return Vec::new();
        };
        let sql::FunctionArguments::List(list) = &f.args else {
            continue;
        };
        let args =
            list.args
                .iter()
                .map(|a| match a {
                    sql::FunctionArg::Unnamed(sql::FunctionArgExpr::Expr(sql::Expr::Value(v))) => {
                        match &v.value {
                            sql::Value::SingleQuotedString(s)
                            | sql::Value::EscapedStringLiteral(s) => Some(s.clone()),
                            sql::Value::DollarQuotedString(d) => Some(d.value.clone()),
                            _ => None,
                        }
                    }
                    _ => None,
                })
                .collect();
        let Some(name) = f.name.0.last().and_then(|p| p.as_ident()) else {
            continue;
        };
        out.push(crate::ops::LiteralCall {
            function: super::names::ident(name),
            args,
        });
    }
    out
}

/// The names of the CTEs of `with` (folded), which `FROM` names before tables.
fn cte_names(with: Option<&sql::With>) -> Vec<String> {
    with.iter()
        .flat_map(|w| &w.cte_tables)
        .map(|c| super::names::ident(&c.alias.name))
        .collect()
}

/// Adds the relations `q` reads in full whatever the plan (see `Operation::Select`'s
/// `full_reads`): a `SELECT` with no `WHERE` reads every row of the first relation of
/// each `FROM` item (the others may be reached through an index), unless the query
/// stops early (`LIMIT`, `FETCH`) or only computes `min()`/`max()`.
fn full_reads(q: &sql::Query, outer_ctes: &[String], out: &mut Vec<ObjectName>, depth: usize) {
    if depth > 32 || q.limit_clause.is_some() || q.fetch.is_some() {
        return;
    }
    let mut ctes = outer_ctes.to_vec();
    ctes.extend(cte_names(q.with.as_ref()));
    for cte in q.with.iter().flat_map(|w| &w.cte_tables) {
        full_reads(&cte.query, &ctes, out, depth + 1);
    }
    set_full_reads(&q.body, &ctes, out, depth + 1);
}

fn set_full_reads(body: &sql::SetExpr, ctes: &[String], out: &mut Vec<ObjectName>, depth: usize) {
    if depth > 32 {
        return;
    }
    match body {
        sql::SetExpr::Select(s) => {
            if s.selection.is_some() || only_min_max(&s.projection) {
                return;
            }
            for from in &s.from {
                match &from.relation {
                    sql::TableFactor::Table {
                        name, args: None, ..
                    } => {
                        let name = object_name(name);
                        let cte = name.schema.is_none() && ctes.contains(&name.name);
                        if !cte && !out.contains(&name) {
                            out.push(name);
                        }
                    }
                    sql::TableFactor::Derived { subquery, .. } => {
                        full_reads(subquery, ctes, out, depth + 1);
                    }
                    _ => {}
                }
            }
        }
        sql::SetExpr::Query(q) => full_reads(q, ctes, out, depth + 1),
        sql::SetExpr::SetOperation { left, right, .. } => {
            set_full_reads(left, ctes, out, depth + 1);
            set_full_reads(right, ctes, out, depth + 1);
        }
        sql::SetExpr::Table(t) => {
            if let Some(name) = &t.table_name {
                let name = ObjectName {
                    schema: t.schema_name.as_ref().map(super::names::ident),
                    name: super::names::ident(name),
                };
                let cte = name.schema.is_none() && ctes.contains(&name.name);
                if !cte && !out.contains(&name) {
                    out.push(name);
                }
            }
        }
        _ => {}
    }
}

/// Every item of the projection is `min(...)` or `max(...)` (an index can answer).
fn only_min_max(items: &[sql::SelectItem]) -> bool {
    !items.is_empty()
        && items.iter().all(|i| match i {
            sql::SelectItem::UnnamedExpr(e) | sql::SelectItem::ExprWithAlias { expr: e, .. } => {
                matches!(e, sql::Expr::Function(f)
                if f.name.0.last().and_then(|p| p.as_ident()).is_some_and(|n| {
                    n.value.eq_ignore_ascii_case("min") || n.value.eq_ignore_ascii_case("max")
                }))
            }
            _ => false,
        })
}

/// The tables written by data-modifying CTEs (`WITH x AS (INSERT INTO t ...)`).
fn cte_writes(with: Option<&sql::With>) -> Vec<ObjectName> {
    let mut out: Vec<ObjectName> = Vec::new();
    for cte in with.iter().flat_map(|w| &w.cte_tables) {
        if let Operation::Insert(d)
        | Operation::Update(d)
        | Operation::Delete(d)
        | Operation::Merge(d) = query(&cte.query)
        {
            for t in std::iter::once(d.table).chain(d.cte_writes) {
                if !out.contains(&t) {
                    out.push(t);
                }
            }
        }
    }
    out
}

/// Adds the relations the whole query reads, and the tables its other CTEs write, to a
/// DML operation found inside it.
fn with_extra_reads(op: Operation, q: &sql::Query) -> Operation {
    let whole = Collector::walk(q);
    let all = whole.reads();
    let functions = whole.functions();
    let writes = cte_writes(q.with.as_ref());
    let add = |mut d: Dml| {
        for r in all {
            if r != d.table && !d.reads.contains(&r) {
                d.reads.push(r);
            }
        }
        for w in writes {
            if w != d.table && !d.cte_writes.contains(&w) {
                d.cte_writes.push(w);
            }
        }
        for f in functions {
            if !d.functions.contains(&f) {
                d.functions.push(f);
            }
        }
        d
    };
    match op {
        Operation::Insert(d) => Operation::Insert(add(d)),
        Operation::Update(d) => Operation::Update(add(d)),
        Operation::Delete(d) => Operation::Delete(add(d)),
        Operation::Merge(d) => Operation::Merge(add(d)),
        other => other,
    }
}

/// `SELECT ... INTO [TEMP|UNLOGGED] new_table FROM ...` creates a table.
fn select_into(q: &sql::Query, into: &sql::SelectInto) -> Operation {
    let persistence = if into.temporary {
        Persistence::Temporary
    } else if into.unlogged {
        Persistence::Unlogged
    } else {
        Persistence::Permanent
    };
    let name = match into.targets.first() {
        Some(sql::Expr::Identifier(i)) => ObjectName::unqualified(&super::names::ident(i)),
        Some(sql::Expr::CompoundIdentifier(p)) => {
            let mut p: Vec<String> = p.iter().map(super::names::ident).collect();
            let name = p.pop().unwrap_or_default();
            ObjectName {
                schema: p.pop(),
                name,
            }
        }
        _ => {
            let c = Collector::walk(q);
            let mut full = Vec::new();
            full_reads(q, &[], &mut full, 0);
            return Operation::Select {
                reads: c.reads(),
                functions: c.functions(),
                row_locks: false,
                full_reads: full,
                calls: Vec::new(),
            };
        }
    };
    let reads = Collector::walk(q)
        .reads()
        .into_iter()
        .filter(|r| *r != name)
        .collect();
    Operation::CreateTable(crate::ops::CreateTable {
        name,
        if_not_exists: false,
        persistence,
        columns: Vec::new(),
        constraints: Vec::new(),
        partitioned: false,
        partition_key: Vec::new(),
        partition_of: None,
        partition_bound: None,
        inherits: Vec::new(),
        like: Vec::new(),
        as_query: Some(reads),
        on_commit: false,
        of_type: None,
        foreign: false,
        options_problem: None,
        column_storage: false,
    })
}

pub(super) fn copy(source: &sql::CopySource, to: bool) -> Operation {
    let table = match source {
        sql::CopySource::Table { table_name, .. } => Some(object_name(table_name)),
        sql::CopySource::Query(_) => None,
    };
    Operation::Copy { table, from: !to }
}

/// `a IS NULL`, `a IS NULL AND b IS NOT NULL`, ...: a filter made only of null tests.
fn only_null_tests(e: &sql::Expr) -> bool {
    match e {
        sql::Expr::IsNull(_) | sql::Expr::IsNotNull(_) => true,
        sql::Expr::Nested(inner) => only_null_tests(inner),
        sql::Expr::BinaryOp {
            left,
            op: sql::BinaryOperator::And | sql::BinaryOperator::Or,
            right,
        } => only_null_tests(left) && only_null_tests(right),
        _ => false,
    }
}
