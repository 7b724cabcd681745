//! Lowering sqlparser's AST into [`Operation`]s.
//!
//! [`lower`] maps every sqlparser `Statement` to the most specific operation; what we do
//! not model becomes `Operation::Other { kind }` with the statement's leading keywords.
//! `DO` never reaches here: sqlparser 0.64 rejects it and `recognize` reads it.
//!
//! Never panics: nothing derived from the input is unwrapped or indexed unchecked.

mod dml;
mod expr;
pub(crate) mod inline;
mod names;
mod objects;
mod table;
#[cfg(test)]
mod tests;

use super::{Operation, SetVar};
pub(crate) use expr::column_cast;
use names::{ident, object_name, parts};
use sqlparser::ast as sql;

/// Lowers one parsed statement. `sql` is the statement's own text.
pub fn lower(stmt: &sql::Statement, sql: &str) -> Operation {
    use sql::Statement as S;
    match stmt {
        // --- transaction control and settings
        S::StartTransaction { .. } => Operation::Begin,
        S::Commit { .. } => Operation::Commit,
        S::Rollback {
            savepoint: Some(_), ..
        } => Operation::RollbackToSavepoint,
        S::Rollback { .. } => Operation::Rollback,
        S::Savepoint { .. } => Operation::Savepoint,
        S::ReleaseSavepoint { .. } => Operation::ReleaseSavepoint,
        S::Set(set) => lower_set(set),
        S::Reset(r) => Operation::Set(SetVar {
            name: match &r.reset {
                sql::Reset::ConfigurationParameter(n) => parts(n).join("."),
                sql::Reset::ALL => "all".to_string(),
                sql::Reset::SessionAuthorization => "session_authorization".to_string(),
            },
            value: None,
            local: false,
        }),

        // --- tables and indexes
        S::CreateTable(t) => table::create_table(t),
        S::CreateForeignTable(t) => table::create_foreign_table(t),
        S::AlterTable(t) => table::alter_table(t),
        S::Truncate(t) => objects::truncate(t),
        S::CreateIndex(i) => table::create_index(i),
        S::AlterIndex { name, operation } => objects::alter_index(name, operation),
        S::Drop {
            object_type,
            if_exists,
            names,
            cascade,
            ..
        } => objects::drop(object_type, *if_exists, names, *cascade),

        // --- views
        S::CreateView(v) => objects::create_view(v),
        S::AlterView(v) => objects::alter_view(v),
        S::RefreshMaterializedView(r) => Operation::RefreshMaterializedView {
            name: object_name(&r.name),
            concurrently: r.concurrently,
            with_no_data: r.with_data == Some(false),
        },

        // --- types, domains, sequences
        S::CreateType {
            name,
            representation,
        } => objects::create_type(name, representation),
        S::AlterType(t) => objects::alter_type(t),
        // sqlparser reads `DEFAULT 1 NOT NULL` as one default expression: the recognizer
        // reads the clauses as PostgreSQL does
        S::CreateDomain(d) => {
            crate::ops::recognize::recognize(sql).unwrap_or_else(|| objects::create_domain(d))
        }
        S::DropDomain(d) => objects::drop_domain(d),
        S::CreateSequence {
            name,
            temporary,
            if_not_exists,
            sequence_options,
        } => objects::create_sequence(name, *temporary, *if_not_exists, sequence_options),

        // --- schemas, extensions, routines, triggers, policies, rules
        S::CreateSchema {
            schema_name,
            if_not_exists,
            ..
        } => objects::create_schema(schema_name, *if_not_exists),
        S::AlterSchema(a) => objects::alter_schema(a),
        S::CreateExtension(e) => Operation::CreateExtension {
            name: ident(&e.name),
            if_not_exists: e.if_not_exists,
            schema: e.schema.as_ref().map(ident),
        },
        S::DropExtension(e) => objects::drop_extension(e),
        S::CreateFunction(f) => objects::create_function(f),
        S::CreateProcedure {
            name,
            params,
            language,
            ..
        } => objects::create_procedure(name, params, language),
        S::CreateAggregate(a) => objects::create_aggregate(a),
        S::AlterFunction(a) => objects::alter_function(a),
        S::DropFunction(d) => objects::drop_routines(
            &d.func_desc,
            d.if_exists,
            &d.drop_behavior,
            super::RoutineKind::Function,
        ),
        S::DropProcedure {
            if_exists,
            proc_desc,
            drop_behavior,
        } => objects::drop_routines(
            proc_desc,
            *if_exists,
            drop_behavior,
            super::RoutineKind::Procedure,
        ),
        // the recognizer reads timing, events and WHEN as PostgreSQL does
        S::CreateTrigger(t) => {
            crate::ops::recognize::recognize(sql).unwrap_or_else(|| objects::create_trigger(t))
        }
        S::AlterTrigger(t) => objects::alter_trigger(t),
        S::DropTrigger(t) => objects::drop_trigger(t),
        S::CreatePolicy(p) => objects::policy_on(&p.table_name),
        S::AlterPolicy(p) => objects::policy_on(&p.table_name),
        S::DropPolicy(p) => objects::policy_on(&p.table_name),
        S::CreateRule(r) => Operation::RewriteRule {
            table: object_name(&r.table_name),
            change: crate::ops::RuleChange::Create(ident(&r.name)),
        },
        S::DropRule(r) => Operation::RewriteRule {
            table: object_name(&r.table_name),
            change: crate::ops::RuleChange::Drop {
                name: ident(&r.name),
                if_exists: r.if_exists,
            },
        },
        S::Comment {
            object_type,
            object_name,
            ..
        } => objects::comment(object_type, object_name),
        S::Grant(g) => objects::privileges(&g.objects, "GRANT"),
        S::Revoke(r) => objects::privileges(&r.objects, "REVOKE"),

        // --- data
        S::Insert(i) => dml::insert(i, None),
        S::Update(u) => dml::update(u, None),
        S::Delete(d) => dml::delete(d, None),
        S::Merge(m) => dml::merge(m, None),
        S::Query(q) => dml::query(q),
        S::Copy { source, to, .. } => dml::copy(source, *to),

        // --- maintenance
        S::Vacuum(v) => Operation::Vacuum {
            full: v.full,
            analyze: false,
            tables: v.table_name.iter().map(object_name).collect(),
        },
        S::Analyze(a) => Operation::Analyze {
            tables: a.table_name.iter().map(object_name).collect(),
        },
        S::Lock(l) => objects::lock(l),
        S::Explain {
            analyze,
            statement,
            options,
            ..
        } => {
            let analyze = *analyze
                || options.iter().flatten().any(|o| {
                    let name = o.name.value.to_lowercase();
                    (name == "analyze" || name == "analyse")
                        && !o.arg.as_ref().is_some_and(|a| {
                            matches!(a.to_string().to_lowercase().as_str(), "false" | "off" | "0")
                        })
                });
            // the inner statement's own text is only read for an `Other`'s kind
            super::explained(analyze, lower(statement, sql))
        }

        other => Operation::Other {
            kind: other_kind(other, sql),
        },
    }
}

/// `SET [LOCAL|SESSION] name {TO|=} value`, `SET TIME ZONE`, `SET ROLE`, ...
fn lower_set(set: &sql::Set) -> Operation {
    match set {
        sql::Set::SingleAssignment {
            scope,
            variable,
            values,
            ..
        } => Operation::Set(SetVar {
            name: parts(variable).join("."),
            value: set_value(values),
            local: matches!(scope, Some(sql::ContextModifier::Local)),
        }),
        sql::Set::SetTimeZone { local, value } => Operation::Set(SetVar {
            name: "timezone".to_string(),
            value: set_value(std::slice::from_ref(value)),
            local: *local,
        }),
        sql::Set::SetRole {
            context_modifier,
            role_name,
        } => Operation::Set(SetVar {
            name: "role".to_string(),
            value: role_name.as_ref().map(ident).filter(|r| r != "none"),
            local: matches!(context_modifier, Some(sql::ContextModifier::Local)),
        }),
        sql::Set::SetSessionAuthorization(param) => Operation::Set(SetVar {
            name: "session_authorization".to_string(),
            value: match &param.kind {
                sql::SetSessionAuthorizationParamKind::Default => None,
                sql::SetSessionAuthorizationParamKind::User(user) => Some(ident(user)),
            },
            local: false,
        }),
        sql::Set::SetTransaction { .. } => Operation::Other {
            kind: "SET TRANSACTION".into(),
        },
        _ => Operation::Other { kind: "SET".into() },
    }
}

/// A setting's value as written, without quotes; `None` for `DEFAULT`.
fn set_value(values: &[sql::Expr]) -> Option<String> {
    if let [sql::Expr::Identifier(i)] = values
        && i.quote_style.is_none()
        && i.value.eq_ignore_ascii_case("default")
    {
        return None;
    }
    let texts: Vec<String> = values
        .iter()
        .map(|v| match v {
            sql::Expr::Value(v) => match v.value.clone().into_string() {
                Some(s) => s,
                None => v.to_string(),
            },
            sql::Expr::Identifier(i) => i.value.clone(),
            other => other.to_string(),
        })
        .collect();
    Some(texts.join(", "))
}

/// The leading keywords of a statement we do not model (`CREATE ROLE`, `NOTIFY`).
fn other_kind(stmt: &sql::Statement, sql: &str) -> String {
    use sql::Statement as S;
    let fixed = match stmt {
        S::CreateRole(_) => "CREATE ROLE",
        S::CreateUser(_) => "CREATE USER",
        S::AlterRole { .. } => "ALTER ROLE",
        S::AlterUser(_) => "ALTER USER",
        S::GrantRole(_) => "GRANT",
        S::RevokeRole(_) => "REVOKE",
        S::AlterDefaultPrivileges(_) => "ALTER DEFAULT PRIVILEGES",
        S::CreateCollation(_) => "CREATE COLLATION",
        S::AlterCollation(_) => "ALTER COLLATION",
        S::CreateDatabase { .. } => "CREATE DATABASE",
        S::CreateServer(_) => "CREATE SERVER",
        S::CreateForeignDataWrapper(_) => "CREATE FOREIGN DATA WRAPPER",
        S::CreateUserMapping(_) => "CREATE USER MAPPING",
        S::CreateOperator(_) => "CREATE OPERATOR",
        S::CreateOperatorFamily(_) => "CREATE OPERATOR FAMILY",
        S::CreateOperatorClass(_) => "CREATE OPERATOR CLASS",
        S::AlterOperator(_) => "ALTER OPERATOR",
        S::AlterOperatorFamily(_) => "ALTER OPERATOR FAMILY",
        S::AlterOperatorClass(_) => "ALTER OPERATOR CLASS",
        S::DropOperator(_) => "DROP OPERATOR",
        S::DropOperatorFamily(_) => "DROP OPERATOR FAMILY",
        S::DropOperatorClass(_) => "DROP OPERATOR CLASS",
        S::CreateTextSearch(_) => "CREATE TEXT SEARCH",
        S::AlterTextSearch(_) => "ALTER TEXT SEARCH",
        S::NOTIFY { .. } => "NOTIFY",
        S::LISTEN { .. } => "LISTEN",
        S::UNLISTEN { .. } => "UNLISTEN",
        S::Call(_) => "CALL",
        S::Explain { .. } | S::ExplainTable { .. } => "EXPLAIN",
        S::Prepare { .. } => "PREPARE",
        S::Execute { .. } => "EXECUTE",
        S::Deallocate { .. } => "DEALLOCATE",
        S::Discard { .. } => "DISCARD",
        S::ShowVariable { .. } | S::ShowVariables { .. } => "SHOW",
        S::Declare { .. } => "DECLARE",
        S::Fetch { .. } => "FETCH",
        S::Close { .. } => "CLOSE",
        S::Load { .. } => "LOAD",
        S::Return(_) => "RETURN",
        S::Raise(_) => "RAISE",
        S::Use(_) => "USE",
        _ => return leading_keywords(sql),
    };
    fixed.to_string()
}

/// Up to three leading SQL keywords of `sql`, uppercased (`CREATE TEXT SEARCH`).
fn leading_keywords(sql: &str) -> String {
    let mut words = Vec::new();
    let mut rest = skip_blanks(sql);
    while words.len() < 3 {
        let len = rest
            .find(|c: char| !(c.is_ascii_alphabetic() || c == '_'))
            .unwrap_or(rest.len());
        if len == 0 {
            break;
        }
        let word = rest[..len].to_ascii_uppercase();
        let is_keyword = sqlparser::keywords::ALL_KEYWORDS
            .binary_search(&word.as_str())
            .is_ok();
        if !is_keyword && !words.is_empty() {
            break;
        }
        words.push(word);
        rest = skip_blanks(&rest[len..]);
    }
    if words.is_empty() {
        "UNKNOWN".to_string()
    } else {
        words.join(" ")
    }
}

/// Skips whitespace and `--` / `/* */` comments (nested, as PostgreSQL nests them).
fn skip_blanks(mut s: &str) -> &str {
    loop {
        let t = s.trim_start();
        if let Some(after) = t.strip_prefix("--") {
            s = after.find('\n').map_or("", |i| &after[i..]);
        } else if t.starts_with("/*") {
            let mut depth = 0usize;
            let mut i = 0;
            let b = t.as_bytes();
            while i < b.len() {
                if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            s = t.get(i..).unwrap_or("");
        } else {
            return t;
        }
    }
}

/// The summary of an expression given as text (a partition key's `(expr)`); `None`
/// when it does not parse as one expression.
pub fn expr_of_text(text: &str) -> Option<crate::ops::Expr> {
    crate::ops::canonical::parse_expr(text).map(|e| expr::summarize(&e))
}
