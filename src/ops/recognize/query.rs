//! The relations a query reads, for the view and `CREATE TABLE AS` forms sqlparser rejects
//! as a whole but whose query part it parses fine.

use crate::ops::ObjectName;
use sqlparser::ast::{self, Query, SelectItem, SetExpr, TableFactor, Visit, Visitor};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use std::ops::ControlFlow;

/// sqlparser's nesting limit, as in `parse`.
const RECURSION_LIMIT: usize = 50;

fn parse_query(text: &str) -> Option<Box<Query>> {
    Parser::new(&PostgreSqlDialect {})
        .with_recursion_limit(RECURSION_LIMIT)
        .try_with_sql(text)
        .and_then(|mut p| p.parse_query())
        .ok()
}

fn fold(ident: &ast::Ident) -> String {
    if ident.quote_style.is_some() {
        ident.value.clone()
    } else {
        ident.value.to_lowercase()
    }
}

#[derive(Default)]
struct Relations {
    tables: Vec<ObjectName>,
    ctes: Vec<String>,
}

impl Visitor for Relations {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            self.ctes
                .extend(with.cte_tables.iter().map(|cte| fold(&cte.alias.name)));
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
        if let TableFactor::Table {
            name, args: None, ..
        } = factor
        {
            let parts: Vec<String> = name
                .0
                .iter()
                .filter_map(|p| p.as_ident().map(fold))
                .collect();
            let name = super::cursor::object_name_from(parts);
            if !self.tables.contains(&name) {
                self.tables.push(name);
            }
        }
        ControlFlow::Continue(())
    }
}

/// The tables and views a query reads (CTE names left out); empty when it does not parse.
pub(super) fn query_reads(text: &str) -> Vec<ObjectName> {
    let Some(query) = parse_query(text) else {
        return Vec::new();
    };
    let mut rel = Relations::default();
    let _ = query.visit(&mut rel);
    let Relations { tables, ctes } = rel;
    tables
        .into_iter()
        .filter(|t| t.schema.is_some() || !ctes.contains(&t.name))
        .collect()
}

/// The output column names of a query when every one is known: plain column references
/// and aliased expressions. Empty otherwise.
pub(super) fn query_columns(text: &str) -> Vec<String> {
    let Some(query) = parse_query(text) else {
        return Vec::new();
    };
    let SetExpr::Select(select) = query.body.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in &select.projection {
        let name = match item {
            SelectItem::ExprWithAlias { alias, .. } => fold(alias),
            SelectItem::UnnamedExpr(ast::Expr::Identifier(id)) => fold(id),
            SelectItem::UnnamedExpr(ast::Expr::CompoundIdentifier(ids)) => match ids.last() {
                Some(id) => fold(id),
                None => return Vec::new(),
            },
            _ => return Vec::new(),
        };
        out.push(name);
    }
    out
}
