//! `CREATE SCHEMA [name] [AUTHORIZATION role] element ...`: the schema and the statements
//! embedded in it (`CREATE TABLE`, `VIEW`, `INDEX`, `SEQUENCE`, `TRIGGER`, `GRANT`), which
//! PostgreSQL creates in that schema. sqlparser reads the header but not the elements.

use super::cursor::{Cursor, Tok, is_word};
use crate::ops::{ConstraintKind, ObjectName, Operation};
use sqlparser::tokenizer::Token;

/// One element of a `CREATE SCHEMA`: its byte range in the statement's text and its
/// operation, with the objects it creates (and its references to objects created by the
/// elements before it) qualified with the schema.
#[derive(Clone, Debug)]
pub struct SchemaElement {
    pub start: usize,
    pub end: usize,
    pub op: Operation,
}

/// The schema a `CREATE SCHEMA` with elements creates, and its elements; `None` when the
/// statement has no elements or is not understood, or when PostgreSQL rejects it (an
/// element qualified with another schema, `IF NOT EXISTS` with elements).
pub fn schema_elements(sql: &str) -> Option<(Operation, Vec<SchemaElement>)> {
    let (toks, inner_semicolon) = super::cursor::tokenize(sql)?;
    if inner_semicolon {
        return None;
    }
    let mut c = Cursor::new(sql, &toks);
    c.expect_kw("create")?;
    c.expect_kw("schema")?;
    if c.is_seq(&["if", "not", "exists"]) {
        return None; // "CREATE SCHEMA IF NOT EXISTS cannot include schema elements"
    }
    let named = if c.is_kw("authorization") {
        None
    } else {
        Some(c.ident()?)
    };
    let role = if c.eat_kw("authorization") {
        Some(c.ident()?)
    } else {
        None
    };
    let pieces = split_elements(c.rest())?;
    let mut ops = Vec::with_capacity(pieces.len());
    for piece in &pieces {
        let (first, last) = (piece.first()?, piece.last()?);
        // "cannot create temporary relation in non-temporary schema"
        let temporary = |t: &Tok| is_word(&t.token, "temp") || is_word(&t.token, "temporary");
        if piece.iter().take(5).any(temporary) {
            return None;
        }
        let op = crate::parse::parse_statement(sql.get(first.start..last.end)?);
        // what PostgreSQL's grammar takes as a schema element
        let element = match &op {
            Operation::CreateTable(t) => t.as_query.is_none(),
            Operation::CreateView(v) => !v.materialized,
            Operation::CreateIndex(_)
            | Operation::CreateSequence { .. }
            | Operation::CreateTrigger(_)
            | Operation::Privileges { .. } => true,
            Operation::Other { kind } => kind.starts_with("GRANT"),
            _ => false,
        };
        if !element {
            return None;
        }
        ops.push((first.start, last.end, op));
    }
    // the schema is named after the role when no name is given; CURRENT_ROLE and friends
    // are known only from an element that names the schema
    let unnamed = named.is_none();
    let schema = match (named, role.clone()) {
        (Some(name), _) => name,
        (None, Some(role)) if is_role_keyword(&role) => ops
            .iter()
            .find_map(|(_, _, op)| created(op).and_then(|n| n.schema.clone()))
            .unwrap_or(role),
        (None, Some(role)) => role,
        (None, None) => return None,
    };
    let mut local: Vec<String> = Vec::new();
    let mut elements = Vec::with_capacity(ops.len());
    for (start, end, mut op) in ops {
        in_schema(&mut op, &schema, &local)?;
        if let Some(name) = created(&op) {
            local.push(name.name.clone());
        }
        elements.push(SchemaElement { start, end, op });
    }
    let op = Operation::CreateSchema {
        name: schema,
        if_not_exists: false,
        authorization: role,
        unnamed,
    };
    Some((op, elements))
}

pub fn is_role_keyword(role: &str) -> bool {
    matches!(role, "current_role" | "current_user" | "session_user")
}

/// The elements' tokens: each starts at a top-level CREATE or GRANT. `None` when there
/// is none, or when something else comes first.
fn split_elements(toks: &[Tok]) -> Option<Vec<&[Tok]>> {
    let starts_element = |t: &Token| is_word(t, "create") || is_word(t, "grant");
    if !starts_element(&toks.first()?.token) {
        return None;
    }
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        match t.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth -= 1,
            ref tok if depth == 0 && i > start && starts_element(tok) => {
                out.push(toks.get(start..i)?);
                start = i;
            }
            _ => {}
        }
    }
    out.push(toks.get(start..)?);
    Some(out)
}

/// The relation or sequence an element creates.
fn created(op: &Operation) -> Option<&ObjectName> {
    match op {
        Operation::CreateTable(t) => Some(&t.name),
        Operation::CreateView(v) => Some(&v.name),
        Operation::CreateSequence { name, .. } => Some(name),
        _ => None,
    }
}

/// Puts what `op` creates in `schema` (`None` when it names another schema: PostgreSQL
/// rejects the statement), and qualifies its unqualified references to `local`, the
/// objects the elements before it created there (the schema comes first in the search
/// path while the elements run, and it holds nothing else).
fn in_schema(op: &mut Operation, schema: &str, local: &[String]) -> Option<()> {
    let own = |name: &mut ObjectName| -> Option<()> {
        match &name.schema {
            Some(s) if s != schema => None,
            _ => {
                name.schema = Some(schema.to_string());
                Some(())
            }
        }
    };
    let refer = |name: &mut ObjectName| {
        if name.schema.is_none() && local.contains(&name.name) {
            name.schema = Some(schema.to_string());
        }
    };
    match op {
        Operation::CreateTable(t) => {
            own(&mut t.name)?;
            t.partition_of.as_deref_mut().into_iter().for_each(refer);
            t.inherits.iter_mut().for_each(refer);
            t.like.iter_mut().for_each(|l| refer(&mut l.source));
            let constraints = t
                .constraints
                .iter_mut()
                .chain(t.columns.iter_mut().flat_map(|c| c.constraints.iter_mut()));
            for c in constraints {
                if let ConstraintKind::ForeignKey { ref_table, .. } = &mut c.kind {
                    refer(ref_table);
                }
            }
            if let Some(q) = &mut t.as_query {
                q.iter_mut().for_each(refer);
            }
        }
        Operation::CreateView(v) => {
            own(&mut v.name)?;
            v.reads.iter_mut().for_each(refer);
        }
        Operation::CreateSequence { name, owned_by, .. } => {
            own(name)?;
            if let Some((table, _)) = owned_by {
                refer(table);
            }
        }
        // an index and a trigger live in their table's schema: that table must be here
        Operation::CreateIndex(i) => {
            refer(&mut i.table);
            own(&mut i.table)?;
        }
        Operation::CreateTrigger(t) => {
            refer(&mut t.table);
            own(&mut t.table)?;
        }
        Operation::Privileges { tables } => tables.iter_mut().for_each(refer),
        _ => {}
    }
    Some(())
}
