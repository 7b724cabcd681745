//! Expressions and queries: the [`Expr`] summary, and the relations and functions a
//! query touches, collected with sqlparser's visitor.

use super::names::{ident, object_name, type_name};
use crate::ops::{ColumnCast, Expr, ObjectName};
use sqlparser::ast::{self as sql, Visit, Visitor};
use std::ops::ControlFlow;

/// Everything one walk over an AST fragment finds.
#[derive(Default)]
pub(super) struct Collector {
    /// Lowercased, unqualified names of the functions called.
    pub functions: Vec<String>,
    /// Plain table references (`FROM t`, `JOIN s.t`), CTE names included.
    pub relations: Vec<ObjectName>,
    /// Names the statement defines with `WITH name AS (...)`.
    pub ctes: Vec<String>,
    /// Columns referenced outside any subquery.
    pub columns: Vec<String>,
    pub has_subquery: bool,
    depth: usize,
}

impl Collector {
    /// Walks `node` (an expression, a query, a statement, ...).
    pub fn walk<V: Visit + ?Sized>(node: &V) -> Collector {
        let mut c = Collector::default();
        c.add(node);
        c
    }

    /// Adds what `node` holds to what was collected so far.
    pub fn add<V: Visit + ?Sized>(&mut self, node: &V) {
        let _ = node.visit(self);
    }

    /// Adds the CTEs of an enclosing `WITH` (their names are not relations).
    pub fn add_with(&mut self, with: Option<&sql::With>) {
        if let Some(w) = with {
            for cte in &w.cte_tables {
                self.ctes.push(ident(&cte.alias.name));
            }
            self.add(w);
        }
    }

    /// The relations read, without CTE names and duplicates, in order of appearance.
    pub fn reads(&self) -> Vec<ObjectName> {
        let mut out: Vec<ObjectName> = Vec::new();
        for r in &self.relations {
            let is_cte = r.schema.is_none() && self.ctes.contains(&r.name);
            if !is_cte && !out.contains(r) {
                out.push(r.clone());
            }
        }
        out
    }

    pub fn functions(&self) -> Vec<String> {
        dedup(self.functions.clone())
    }

    fn function(&mut self, name: &str) {
        self.functions.push(name.to_string());
    }
}

/// The first argument of a call when it is a relation named by a string literal
/// (`'v'`, `'s.v'::regclass`), as `pg_get_viewdef('v')` takes it.
fn regclass_argument(f: &sql::Function) -> Option<ObjectName> {
    let sql::FunctionArguments::List(list) = &f.args else {
        return None;
    };
    let sql::FunctionArg::Unnamed(sql::FunctionArgExpr::Expr(first)) = list.args.first()? else {
        return None;
    };
    let literal = match first {
        sql::Expr::Cast { expr, .. } => expr.as_ref(),
        e => e,
    };
    match literal {
        sql::Expr::Value(v) => match &v.value {
            sql::Value::SingleQuotedString(s) => Some(ObjectName::parse(s)),
            _ => None,
        },
        _ => None,
    }
}

impl Visitor for Collector {
    type Break = ();

    fn pre_visit_query(&mut self, query: &sql::Query) -> ControlFlow<()> {
        self.depth += 1;
        self.has_subquery = true;
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.ctes.push(ident(&cte.alias.name));
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _query: &sql::Query) -> ControlFlow<()> {
        self.depth = self.depth.saturating_sub(1);
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &sql::TableFactor) -> ControlFlow<()> {
        match factor {
            sql::TableFactor::Table {
                name, args: None, ..
            } => self.relations.push(object_name(name)),
            // a set-returning function in FROM (`generate_series(...)`, `LATERAL f(x)`)
            sql::TableFactor::Table {
                name,
                args: Some(_),
                ..
            }
            | sql::TableFactor::Function { name, .. } => {
                let n = object_name(name).name;
                self.function(&n);
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &sql::Expr) -> ControlFlow<()> {
        use sql::Expr as E;
        match expr {
            E::Function(f) => {
                let n = object_name(&f.name).name;
                if n == "pg_get_viewdef" {
                    // the view a regclass literal names is opened with its rules: the
                    // view and what it reads are locked ACCESS SHARE (observed on 15)
                    if let Some(view) = regclass_argument(f) {
                        self.relations.push(view);
                    }
                }
                self.function(&n);
            }
            E::Extract { .. } => self.function("extract"),
            E::Substring { .. } => self.function("substring"),
            E::Trim { .. } => self.function("trim"),
            E::Position { .. } => self.function("position"),
            E::Overlay { .. } => self.function("overlay"),
            E::Ceil { .. } => self.function("ceil"),
            E::Floor { .. } => self.function("floor"),
            E::AtTimeZone { .. } => self.function("timezone"),
            E::Identifier(i) if self.depth == 0 => self.columns.push(ident(i)),
            E::CompoundIdentifier(parts) if self.depth == 0 => {
                if let Some(last) = parts.last() {
                    self.columns.push(ident(last));
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// Removes repeated entries, keeping the first of each.
pub(super) fn dedup(items: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// Summarises one expression.
pub(super) fn summarize(e: &sql::Expr) -> Expr {
    let c = Collector::walk(e);
    let mut proves = Vec::new();
    proves_not_null(e, &mut proves);
    Expr {
        text: e.to_string(),
        functions: c.functions(),
        columns: dedup(c.columns),
        has_subquery: c.has_subquery,
        is_constant: is_constant(e),
        is_null: is_null(e),
        proves_not_null: dedup(proves),
        column_cast: column_cast(e),
    }
}

/// One column, maybe parenthesised and cast (`"x"::varchar(10)`, `CAST(t.x AS text)`).
pub(crate) fn column_cast(e: &sql::Expr) -> Option<ColumnCast> {
    match e {
        sql::Expr::Identifier(_) | sql::Expr::CompoundIdentifier(_) => {
            column_of(e).map(|column| ColumnCast {
                column,
                casts: Vec::new(),
            })
        }
        sql::Expr::Nested(inner) => column_cast(inner),
        sql::Expr::Cast {
            kind: sql::CastKind::Cast | sql::CastKind::DoubleColon,
            expr,
            data_type,
            format: None,
        } => {
            let mut cc = column_cast(expr)?;
            cc.casts.push(type_name(data_type));
            Some(cc)
        }
        _ => None,
    }
}

/// A literal, maybe signed, cast, parenthesised, or an array of literals.
fn is_constant(e: &sql::Expr) -> bool {
    use sql::Expr as E;
    match e {
        E::Value(v) => !matches!(v.value, sql::Value::Placeholder(_)),
        E::UnaryOp {
            op: sql::UnaryOperator::Minus | sql::UnaryOperator::Plus,
            expr,
        } => is_constant(expr),
        E::Cast { expr, .. } | E::Nested(expr) => is_constant(expr),
        E::TypedString(_) => true,
        E::Interval(i) => is_constant(&i.value),
        E::Array(a) => a.elem.iter().all(is_constant),
        _ => false,
    }
}

/// The literal `NULL`, maybe cast or parenthesised.
fn is_null(e: &sql::Expr) -> bool {
    use sql::Expr as E;
    match e {
        E::Value(v) => matches!(v.value, sql::Value::Null),
        E::Cast { expr, .. } | E::Nested(expr) => is_null(expr),
        _ => false,
    }
}

/// The column an expression names directly (`c`, `t.c`, `(c)`).
fn column_of(e: &sql::Expr) -> Option<String> {
    match e {
        sql::Expr::Identifier(i) => Some(ident(i)),
        sql::Expr::CompoundIdentifier(parts) => parts.last().map(ident),
        sql::Expr::Nested(inner) => column_of(inner),
        _ => None,
    }
}

/// Collects `col IS NOT NULL` (or `NOT (col IS NULL)`) terms of a top-level AND chain.
fn proves_not_null(e: &sql::Expr, out: &mut Vec<String>) {
    use sql::Expr as E;
    match e {
        E::BinaryOp {
            left,
            op: sql::BinaryOperator::And,
            right,
        } => {
            proves_not_null(left, out);
            proves_not_null(right, out);
        }
        E::Nested(inner) => proves_not_null(inner, out),
        E::IsNotNull(inner) => out.extend(column_of(inner)),
        E::UnaryOp {
            op: sql::UnaryOperator::Not,
            expr,
        } => {
            let mut inner: &sql::Expr = expr;
            while let E::Nested(x) = inner {
                inner = x;
            }
            if let E::IsNull(x) = inner {
                out.extend(column_of(x));
            }
        }
        _ => {}
    }
}

/// The relations a query reads (CTE names excluded).
pub(super) fn query_reads(q: &sql::Query) -> Vec<ObjectName> {
    Collector::walk(q).reads()
}
