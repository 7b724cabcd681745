//! Which SQL functions PostgreSQL inlines: a call is replaced by the function's one
//! expression before anything asks the call's volatility (`inline_function` in
//! `optimizer/util/clauses.c`). So `ADD COLUMN ... DEFAULT f()` with a VOLATILE (by
//! default) `LANGUAGE sql` function whose body is `SELECT now()` does not rewrite the
//! table: the default is `now()`, which is stable. That is 12+: 11 asks the call's
//! declared volatility (`effects::volatility::of_default`; `schemaguard trace
//! --pg-version N` over `tests/data/trace/inlined_functions`: 0 disagreements on 11,
//! 12, 13, 15 and 18).
//!
//! Observed on PostgreSQL 15 (`ALTER TABLE t ADD COLUMN y ... DEFAULT f()` on a table
//! of 10 rows, `pg_class.relfilenode` before and after):
//!
//! | function | rewrite |
//! |---|---|
//! | `LANGUAGE sql AS 'SELECT now()'` (VOLATILE by default, or declared) | no |
//! | the same with `RETURN now()` or `BEGIN ATOMIC SELECT now(); END` | no |
//! | `AS 'SELECT clock_timestamp()'`, `'SELECT md5(random()::text)'` | yes |
//! | `LANGUAGE plpgsql ... RETURN now()` | yes |
//! | `SECURITY DEFINER`, or a `SET` clause | yes |
//! | body with `FROM`, `WHERE`, `ORDER BY`, `LIMIT`, `DISTINCT`, `WITH`, an aggregate, a window function, a sub-SELECT, `VALUES`, or two statements | yes |
//! | `STRICT` with `SELECT now()` | no |
//! | `STRICT` with `SELECT coalesce(...)`, or with an argument the body does not use | yes |
//! | `COST`, `PARALLEL SAFE`, `LEAKPROOF` | no |
//! | `f(a int) ... SELECT a + a` called as `f(1)` | no |
//! | an inlined body calling another inlinable SQL function (`SELECT g()`, `g` is `SELECT now()`) | no |
//! | the same with `g` in plpgsql (volatile) | yes; `g` declared STABLE: no |
//! | declared IMMUTABLE or STABLE: never inlined when the body is more volatile, so the declared volatility counts (`IMMUTABLE ... SELECT gen_random_uuid()`: no rewrite) | - |
//!
//! What is kept: a `LANGUAGE sql` function (or a SQL-standard body), not SECURITY
//! DEFINER, without SET clauses, not returning a set, whose body is exactly one
//! `SELECT expr` (one target, nothing else) or `RETURN expr`, with no sub-SELECT,
//! aggregate, window or set-returning call; a STRICT one only without arguments and
//! without constructs that are not strict (CASE, COALESCE, NULLIF, GREATEST, LEAST,
//! IS [NOT] NULL, IS [NOT] DISTINCT FROM, AND, OR, NOT). Not modelled (inlined or not,
//! volatile calls make the default volatile either way): an argument used twice,
//! return-type coercions. User-defined aggregates in the body are not recognised.

use super::expr::summarize;
use crate::ops::Expr;
use sqlparser::ast::{self as sql, Visit, Visitor};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use std::ops::ControlFlow;

/// Built-in aggregates: a body calling one is not a simple expression.
const AGGREGATES: &[&str] = &[
    "array_agg",
    "avg",
    "bit_and",
    "bit_or",
    "bit_xor",
    "bool_and",
    "bool_or",
    "count",
    "every",
    "json_agg",
    "json_object_agg",
    "jsonb_agg",
    "jsonb_object_agg",
    "max",
    "min",
    "percentile_cont",
    "percentile_disc",
    "mode",
    "range_agg",
    "string_agg",
    "sum",
    "xmlagg",
];

/// Built-in set-returning functions common in SQL bodies.
const SET_RETURNING: &[&str] = &[
    "generate_series",
    "generate_subscripts",
    "json_array_elements",
    "jsonb_array_elements",
    "jsonb_each",
    "json_each",
    "regexp_matches",
    "unnest",
];

/// What of a routine's definition decides whether PostgreSQL inlines it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Routine {
    /// `LANGUAGE sql`, or a SQL-standard body without a language.
    pub sql: bool,
    pub security_definer: bool,
    /// A `SET param ...` clause.
    pub sets: bool,
    /// `RETURNS SETOF`/`TABLE`, or a type no default can be (`trigger`, `void`, `record`).
    pub returns_set: bool,
    /// `STRICT` / `RETURNS NULL ON NULL INPUT`.
    pub strict: bool,
    pub has_args: bool,
}

/// A routine's body, as written.
pub(crate) enum Body {
    /// `AS 'text'` (or dollar-quoted).
    Text(String),
    /// `RETURN expr`.
    Return(Box<sql::Expr>),
    /// `BEGIN ATOMIC stmt; ... END`.
    Atomic(Vec<sql::Statement>),
}

/// The expression a call of `f` becomes, when PostgreSQL inlines it.
pub(super) fn inline_body(f: &sql::CreateFunction) -> Option<Expr> {
    let sql_body = matches!(
        f.function_body,
        Some(sql::CreateFunctionBody::Return(_) | sql::CreateFunctionBody::BeginAtomic(_))
    );
    let language = f.language.as_ref().map(|l| l.value.to_ascii_lowercase());
    let returns_set = match &f.return_type {
        Some(sql::FunctionReturnType::SetOf(_)) => true,
        Some(sql::FunctionReturnType::DataType(t)) => no_default_type(&t.to_string()),
        None => false,
    };
    let routine = Routine {
        sql: match language.as_deref() {
            Some(l) => l == "sql",
            None => sql_body,
        },
        security_definer: matches!(f.security, Some(sql::FunctionSecurity::Definer)),
        sets: !f.set_params.is_empty(),
        returns_set,
        strict: matches!(
            f.called_on_null,
            Some(
                sql::FunctionCalledOnNull::Strict
                    | sql::FunctionCalledOnNull::ReturnsNullOnNullInput
            )
        ),
        has_args: f.args.as_ref().is_some_and(|a| !a.is_empty()),
    };
    let body = match f.function_body.as_ref()? {
        sql::CreateFunctionBody::Return(e) => Body::Return(Box::new(e.clone())),
        sql::CreateFunctionBody::BeginAtomic(b) => Body::Atomic(b.statements.clone()),
        sql::CreateFunctionBody::AsBeforeOptions { body, .. }
        | sql::CreateFunctionBody::AsAfterOptions(body) => Body::Text(string_of(body)?),
        _ => return None,
    };
    inline(&routine, body)
}

/// A return type no column default can have.
pub(crate) fn no_default_type(t: &str) -> bool {
    let t = t.trim().to_ascii_lowercase();
    t.starts_with("table")
        || t.starts_with("setof")
        || t == "trigger"
        || t == "void"
        || t == "record"
}

/// The expression PostgreSQL inlines for a routine, or `None`.
pub(crate) fn inline(r: &Routine, body: Body) -> Option<Expr> {
    if !r.sql || r.security_definer || r.sets || r.returns_set {
        return None;
    }
    let one_select = |stmts: &[sql::Statement]| match stmts {
        [sql::Statement::Query(q)] => simple_select(q),
        _ => None,
    };
    let expr = match body {
        Body::Return(e) => *e,
        Body::Atomic(stmts) => one_select(&stmts)?,
        Body::Text(text) => {
            let stmts = Parser::new(&PostgreSqlDialect {})
                .with_recursion_limit(50)
                .try_with_sql(&text)
                .ok()?
                .parse_statements()
                .ok()?;
            one_select(&stmts)?
        }
    };
    let mut check = Shape::default();
    let _ = expr.visit(&mut check);
    if check.complex || (r.strict && (r.has_args || check.not_strict)) {
        return None;
    }
    Some(summarize(&expr))
}

/// The text of a function body given as a string (`'...'` or `$$...$$`).
fn string_of(e: &sql::Expr) -> Option<String> {
    match e {
        sql::Expr::Value(v) => match &v.value {
            sql::Value::SingleQuotedString(s) => Some(s.clone()),
            sql::Value::DollarQuotedString(d) => Some(d.value.clone()),
            sql::Value::EscapedStringLiteral(s) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// `SELECT expr` with nothing else: no FROM, WHERE, GROUP BY, HAVING, ORDER BY, LIMIT,
/// DISTINCT, WITH, set operation or second target (PostgreSQL's own test is on the
/// query tree; ours asks whether the query prints as exactly that).
fn simple_select(q: &sql::Query) -> Option<sql::Expr> {
    let sql::SetExpr::Select(s) = q.body.as_ref() else {
        return None;
    };
    let [item] = s.projection.as_slice() else {
        return None;
    };
    let e = match item {
        sql::SelectItem::UnnamedExpr(e) | sql::SelectItem::ExprWithAlias { expr: e, .. } => e,
        _ => return None,
    };
    (q.to_string() == format!("SELECT {item}")).then(|| e.clone())
}

/// What makes an expression not inlinable, or not strict.
#[derive(Default)]
struct Shape {
    /// A sub-SELECT, an aggregate, a window function, a set-returning function.
    complex: bool,
    /// A construct that does not return NULL for NULL input.
    not_strict: bool,
}

impl Visitor for Shape {
    type Break = ();

    fn pre_visit_query(&mut self, _q: &sql::Query) -> ControlFlow<()> {
        self.complex = true;
        ControlFlow::Break(())
    }

    fn pre_visit_expr(&mut self, e: &sql::Expr) -> ControlFlow<()> {
        use sql::Expr as E;
        match e {
            E::Function(f) => {
                let name = f
                    .name
                    .0
                    .last()
                    .map(|p| p.to_string().trim_matches('"').to_ascii_lowercase())
                    .unwrap_or_default();
                if f.over.is_some()
                    || f.filter.is_some()
                    || AGGREGATES.contains(&name.as_str())
                    || SET_RETURNING.contains(&name.as_str())
                {
                    self.complex = true;
                }
                if matches!(name.as_str(), "coalesce" | "nullif" | "greatest" | "least") {
                    self.not_strict = true;
                }
            }
            E::Subquery(_) | E::Exists { .. } => self.complex = true,
            E::Case { .. }
            | E::IsNull(_)
            | E::IsNotNull(_)
            | E::IsDistinctFrom(..)
            | E::IsNotDistinctFrom(..)
            | E::UnaryOp {
                op: sql::UnaryOperator::Not,
                ..
            }
            | E::BinaryOp {
                op: sql::BinaryOperator::And | sql::BinaryOperator::Or,
                ..
            } => self.not_strict = true,
            _ => {}
        }
        ControlFlow::Continue(())
    }
}
