//! A recognizer over sqlparser's own token stream, for the statement forms sqlparser 0.64
//! rejects (`DO`, `DROP INDEX CONCURRENTLY`, `REINDEX`, `ALTER SEQUENCE`, most `ALTER
//! INDEX` actions, `ALTER TABLE ... SET TABLESPACE` and friends, `CLUSTER`, `CREATE
//! STATISTICS`, ...). It lowers them into the same [`Operation`]s as the AST lowering, and
//! answers `None` for anything it does not understand, so that the statement becomes
//! `Unparsed` rather than something made up.
//!
//! Layout: `cursor` (tokens with byte offsets, look-ahead helpers), `expr` (expression and
//! type summaries from tokens), `table` (ALTER/CREATE TABLE), `index` (indexes, REINDEX,
//! CLUSTER, DROP), `objects` (DO, sequences, types, views, routines, ...), `misc`
//! (comments, privileges, VACUUM/ANALYZE, LOCK, SET, TRUNCATE), `query` (relations read
//! by a view's query, through sqlparser's query parser), `rewrite` (forms sqlparser parses
//! once a token or two it cannot take are rewritten: `TABLE t`, `EXPLAIN (...)`,
//! subscripted assignment targets, ...), `schema` (`CREATE SCHEMA` with elements).

pub(crate) mod cursor;
mod expr;
mod index;
mod misc;
mod objects;
mod query;
mod rewrite;
mod schema;
mod table;
#[cfg(test)]
mod tests;

use super::{Operation, RoutineKind};
use cursor::Cursor;
pub use cursor::partition_key_element;
pub use schema::{SchemaElement, is_role_keyword, schema_elements};

/// Lowers one statement sqlparser rejected, or `None` when it is not understood. `sql` is
/// the statement's text (a trailing `;` is allowed). Never panics.
pub fn recognize(sql: &str) -> Option<Operation> {
    let (toks, inner_semicolon) = cursor::tokenize(sql)?;
    let mut c = Cursor::new(sql, &toks);
    if inner_semicolon && !is_atomic_routine(&c) {
        return None; // more than one statement
    }
    statement(&mut c)
}

/// `CREATE [OR REPLACE] FUNCTION|PROCEDURE ... BEGIN ATOMIC ...; END`: inner `;` belong to it.
fn is_atomic_routine(c: &Cursor) -> bool {
    let mut h = c.clone();
    if !h.eat_kw("create") {
        return false;
    }
    h.eat_seq(&["or", "replace"]);
    (h.is_kw("function") || h.is_kw("procedure"))
        && h.toks.windows(2).any(|w| {
            cursor::is_word(&w[0].token, "begin") && cursor::is_word(&w[1].token, "atomic")
        })
}

fn statement(c: &mut Cursor) -> Option<Operation> {
    if c.eat_kw("do") {
        return objects::do_block(c);
    }
    if c.eat_kw("create") {
        return create(c);
    }
    if c.eat_kw("alter") {
        return alter(c);
    }
    if c.eat_kw("drop") {
        return index::drop(c);
    }
    if c.eat_kw("reindex") {
        return index::reindex(c);
    }
    if c.eat_kw("cluster") {
        return index::cluster(c);
    }
    if c.eat_kw("comment") {
        return misc::comment(c);
    }
    if c.eat_kw("grant") {
        return misc::privileges(c, true);
    }
    if c.eat_kw("revoke") {
        return misc::privileges(c, false);
    }
    if c.eat_kw("vacuum") {
        return misc::vacuum(c);
    }
    if c.eat_kw("analyze") || c.eat_kw("analyse") {
        return misc::analyze(c);
    }
    if c.eat_kw("lock") {
        return misc::lock(c);
    }
    if c.eat_kw("set") {
        return misc::set(c);
    }
    if c.eat_kw("reset") {
        return misc::reset(c);
    }
    if c.eat_kw("truncate") {
        return misc::truncate(c);
    }
    if c.eat_kw("refresh") {
        return objects::refresh(c);
    }
    if c.eat_kw("table") {
        return rewrite::table(c);
    }
    if c.eat_kw("explain") {
        return rewrite::explain(c);
    }
    if c.is_kw("update") || c.is_kw("insert") {
        return rewrite::assignment_targets(c);
    }
    if c.is_kw("merge") {
        return rewrite::merge_overriding(c);
    }
    if c.is_kw("select") || c.is_kw("with") {
        return rewrite::query(c);
    }
    if c.eat_seq(&["reassign", "owned", "by"]) {
        let roles = misc::roles(c)?;
        if !c.eat_kw("to") {
            return None;
        }
        let to = misc::role(c)?;
        return c.at_end().then_some(Operation::ReassignOwned { roles, to });
    }
    // understood, with nothing we model
    for head in [
        &["security", "label"][..],
        &["checkpoint"],
        &["import", "foreign", "schema"],
        &["prepare", "transaction"],
        &["commit", "prepared"],
        &["rollback", "prepared"],
        &["listen"],
        &["unlisten"],
        &["notify"],
        &["discard"],
        &["load"],
    ] {
        if c.is_seq(head) {
            return Some(Operation::Other {
                kind: head.join(" ").to_uppercase(),
            });
        }
    }
    None
}

/// `CREATE ...`, after CREATE.
fn create(c: &mut Cursor) -> Option<Operation> {
    let or_replace = c.eat_seq(&["or", "replace"]);
    if c.is_kw("index") || c.is_seq(&["unique", "index"]) {
        return index::create_index(c);
    }
    let mut probe = c.clone();
    probe.eat_one_of(&["global", "local"]);
    probe.eat_one_of(&["temp", "temporary", "unlogged"]);
    if probe.is_kw("table") {
        return table::create_table(c);
    }
    if c.is_kw("schema") {
        return schema::schema_elements(c.sql).map(|(op, _)| op);
    }
    if c.is_seq(&["unlogged", "sequence"]) {
        return rewrite::unlogged_sequence(c);
    }
    let mut probe = c.clone();
    probe.eat_one_of(&["temp", "temporary"]);
    probe.eat_kw("recursive");
    probe.eat_kw("materialized");
    if probe.is_kw("view") {
        return objects::create_view(c, or_replace);
    }
    for (kw, kind) in [
        ("function", RoutineKind::Function),
        ("procedure", RoutineKind::Procedure),
        ("aggregate", RoutineKind::Aggregate),
    ] {
        if c.eat_kw(kw) {
            return objects::create_function(c, or_replace, kind);
        }
    }
    let constraint = c.eat_kw("constraint");
    if c.eat_kw("trigger") {
        return objects::create_trigger(c, or_replace, constraint);
    }
    if constraint {
        return None;
    }
    if c.eat_kw("statistics") {
        return objects::create_statistics(c);
    }
    if c.eat_kw("domain") {
        return objects::create_domain(c);
    }
    if c.eat_kw("rule") {
        return objects::create_rule(c);
    }
    if c.eat_kw("policy") {
        return objects::on_table(c).map(|table| Operation::Policy { table });
    }
    let kind = misc::eat_kind(c, OTHER_CREATE_KINDS)?;
    Some(Operation::Other {
        kind: format!("CREATE {}", kind.to_uppercase()),
    })
}

/// Objects whose creation has no effect we model.
const OTHER_CREATE_KINDS: &[&str] = &[
    "access method",
    "cast",
    "collation",
    "conversion",
    "default conversion",
    "event trigger",
    "foreign data wrapper",
    "foreign table",
    "group",
    "language",
    "operator class",
    "operator family",
    "operator",
    "procedural language",
    "publication",
    "role",
    "server",
    "subscription",
    "tablespace",
    "text search configuration",
    "text search dictionary",
    "text search parser",
    "text search template",
    "transform",
    "trusted language",
    "trusted procedural language",
    "user mapping",
    "user",
];

/// `ALTER ...`, after ALTER.
fn alter(c: &mut Cursor) -> Option<Operation> {
    if c.eat_kw("table") {
        return table::alter_table(c);
    }
    if c.eat_kw("index") {
        return index::alter_index(c);
    }
    if c.eat_kw("sequence") {
        return objects::alter_sequence(c);
    }
    if c.eat_kw("type") {
        return objects::alter_type(c);
    }
    if c.eat_kw("view") {
        return objects::alter_view(c, false);
    }
    if c.eat_seq(&["materialized", "view"]) {
        return objects::alter_view(c, true);
    }
    for (kw, kind) in [
        ("function", RoutineKind::Function),
        ("routine", RoutineKind::Function),
        ("procedure", RoutineKind::Procedure),
        ("aggregate", RoutineKind::Aggregate),
    ] {
        if c.eat_kw(kw) {
            return objects::alter_function(c, kind);
        }
    }
    if c.eat_kw("schema") {
        return objects::alter_schema(c);
    }
    if c.eat_kw("trigger") {
        return objects::alter_trigger(c);
    }
    if c.eat_kw("domain") {
        return objects::alter_domain(c);
    }
    if c.eat_kw("policy") {
        return objects::on_table(c).map(|table| Operation::Policy { table });
    }
    if c.eat_kw("rule") {
        return objects::alter_rule(c);
    }
    let kind = misc::eat_kind(c, OTHER_ALTER_KINDS)?;
    Some(Operation::Other {
        kind: format!("ALTER {}", kind.to_uppercase()),
    })
}

/// Objects whose alteration has no effect we model.
const OTHER_ALTER_KINDS: &[&str] = &[
    "collation",
    "conversion",
    "database",
    "default privileges",
    "event trigger",
    "extension",
    "foreign data wrapper",
    "foreign table",
    "group",
    "language",
    "large object",
    "operator class",
    "operator family",
    "operator",
    "procedural language",
    "publication",
    "role",
    "server",
    "statistics",
    "subscription",
    "system",
    "tablespace",
    "text search configuration",
    "text search dictionary",
    "text search parser",
    "text search template",
    "user mapping",
    "user",
];

/// `DROP <kind>` for kinds without a modelled effect: `DROP OPERATOR` etc.
fn drop_kind(c: &mut Cursor) -> Option<String> {
    let kind = misc::eat_kind(c, OTHER_DROP_KINDS)?;
    Some(format!("DROP {}", kind.to_uppercase()))
}

const OTHER_DROP_KINDS: &[&str] = &[
    "access method",
    "cast",
    "collation",
    "conversion",
    "database",
    "event trigger",
    "foreign data wrapper",
    "foreign table",
    "group",
    "language",
    "operator class",
    "operator family",
    "operator",
    "owned",
    "procedural language",
    "publication",
    "role",
    "server",
    "statistics",
    "subscription",
    "tablespace",
    "text search configuration",
    "text search dictionary",
    "text search parser",
    "text search template",
    "transform",
    "user mapping",
    "user",
];
