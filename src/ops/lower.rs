//! Lowering sqlparser's AST into [`Operation`]s. (placeholder)

use super::Operation;

pub fn lower(stmt: &sqlparser::ast::Statement, _sql: &str) -> Operation {
    let _ = stmt;
    Operation::Other { kind: "UNKNOWN".into() }
}
