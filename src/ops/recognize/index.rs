//! Indexes and the maintenance statements: `CREATE INDEX`, `ALTER INDEX`, `REINDEX`,
//! `CLUSTER`, and `DROP` of every object kind.

use super::cursor::{Cursor, Tok, split_commas};
use super::expr::expr;
use crate::ops::{
    AlterIndex, AlterIndexAction, CreateIndex, Drop, DropIndex, IndexKey, ObjectName, Operation,
    Reindex, ReindexTarget, RoutineKind,
};
use sqlparser::tokenizer::Token;

/// `CREATE [UNIQUE] INDEX ...`, from the first keyword after CREATE.
pub(super) fn create_index(c: &mut Cursor) -> Option<Operation> {
    let unique = c.eat_kw("unique");
    c.expect_kw("index")?;
    let concurrently = c.eat_kw("concurrently");
    let if_not_exists = c.eat_seq(&["if", "not", "exists"]);
    let name = if c.is_kw("on") {
        None
    } else {
        c.name_parts()?.pop()
    };
    c.expect_kw("on")?;
    let only = c.eat_kw("only");
    let table = c.object_name()?;
    c.eat_tok(&Token::Mul);
    let method = if c.eat_kw("using") {
        Some(c.ident()?)
    } else {
        None
    };
    let keys = split_commas(c.parens()?)
        .into_iter()
        .map(|el| index_key(c, el))
        .collect::<Option<Vec<_>>>()?;
    let mut index = CreateIndex {
        name,
        table,
        unique,
        concurrently,
        if_not_exists,
        only,
        keys,
        include: Vec::new(),
        predicate: None,
        method,
        nulls_not_distinct: false,
        options_problem: None,
    };
    while !c.at_end() {
        if c.eat_kw("include") {
            for el in split_commas(c.parens()?) {
                index.include.push(c.over(el).ident()?);
            }
        } else if c.eat_seq(&["nulls", "not", "distinct"]) {
            index.nulls_not_distinct = true;
        } else if c.eat_seq(&["nulls", "distinct"]) {
        } else if c.eat_kw("with") {
            c.parens()?;
        } else if c.eat_kw("tablespace") {
            c.ident()?;
        } else if c.eat_kw("where") {
            let pred = c.take_rest();
            if pred.is_empty() {
                return None;
            }
            index.predicate = Some(Box::new(expr(c.sql, pred)));
        } else {
            return None;
        }
    }
    Some(Operation::CreateIndex(index))
}

/// One element of an index's key list: a column (with optional collation, operator class
/// and ordering), a function call, or a parenthesised expression.
fn index_key(c: &Cursor, el: &[Tok]) -> Option<IndexKey> {
    let mut k = c.over(el);
    if k.is_tok(&Token::LParen) {
        let inner = k.parens()?;
        return Some(IndexKey::Expression(expr(c.sql, inner)));
    }
    let start = k.pos;
    let parts = k.name_parts()?;
    if k.is_tok(&Token::LParen) {
        k.parens()?;
        let call = el.get(start..k.pos)?;
        return Some(IndexKey::Expression(expr(c.sql, call)));
    }
    match parts.as_slice() {
        [column] => Some(IndexKey::Column(column.clone())),
        _ => None,
    }
}

/// `DROP <kind> ...`, after DROP.
pub(super) fn drop(c: &mut Cursor) -> Option<Operation> {
    if c.eat_seq(&["owned", "by"]) {
        let roles = super::misc::roles(c)?;
        let cascade = c.eat_kw("cascade");
        if !cascade {
            c.eat_kw("restrict");
        }
        return c
            .at_end()
            .then_some(Operation::DropOwned { roles, cascade });
    }
    if c.eat_kw("index") {
        let concurrently = c.eat_kw("concurrently");
        let d = drop_list(c, false)?;
        return Some(Operation::DropIndex(DropIndex {
            names: d.names,
            if_exists: d.if_exists,
            cascade: d.cascade,
            concurrently,
        }));
    }
    if c.eat_kw("table") {
        return Some(Operation::DropTable(drop_list(c, false)?));
    }
    if c.eat_kw("view") {
        return Some(Operation::DropView {
            drop: drop_list(c, false)?,
            materialized: false,
        });
    }
    if c.eat_seq(&["materialized", "view"]) {
        return Some(Operation::DropView {
            drop: drop_list(c, false)?,
            materialized: true,
        });
    }
    if c.eat_kw("type") || c.eat_kw("domain") {
        return Some(Operation::DropType(drop_list(c, false)?));
    }
    if c.eat_kw("sequence") {
        return Some(Operation::DropSequence(drop_list(c, false)?));
    }
    if c.eat_kw("schema") {
        return Some(Operation::DropSchema(drop_list(c, false)?));
    }
    if c.eat_kw("extension") {
        return Some(Operation::DropExtension(drop_list(c, false)?));
    }
    let routine = if c.eat_kw("function") || c.eat_kw("routine") {
        Some(RoutineKind::Function)
    } else if c.eat_kw("procedure") {
        Some(RoutineKind::Procedure)
    } else if c.eat_kw("aggregate") {
        Some(RoutineKind::Aggregate)
    } else {
        None
    };
    if let Some(kind) = routine {
        return Some(Operation::DropFunction {
            drop: drop_list(c, true)?,
            kind,
        });
    }
    for kind in ["trigger", "rule", "policy"] {
        if !c.eat_kw(kind) {
            continue;
        }
        let if_exists = c.eat_seq(&["if", "exists"]);
        let name = c.ident()?;
        c.expect_kw("on")?;
        let table = c.object_name()?;
        let cascade = drop_behaviour(c);
        if !c.at_end() {
            return None;
        }
        return Some(match kind {
            "trigger" => Operation::DropTrigger {
                name,
                table,
                if_exists,
                cascade,
            },
            "rule" => Operation::RewriteRule {
                table,
                change: crate::ops::RuleChange::Drop { name, if_exists },
            },
            _ => Operation::Policy { table },
        });
    }
    let kind = super::drop_kind(c)?;
    Some(Operation::Other { kind })
}

fn drop_behaviour(c: &mut Cursor) -> bool {
    c.eat_kw("restrict");
    c.eat_kw("cascade")
}

/// `[IF EXISTS] name [(args)], ... [CASCADE | RESTRICT]`; argument lists only with `args`.
fn drop_list(c: &mut Cursor, args: bool) -> Option<Drop> {
    let if_exists = c.eat_seq(&["if", "exists"]);
    let list = c.until_kw(&["cascade", "restrict"]);
    let cascade = drop_behaviour(c);
    if !c.at_end() || list.is_empty() {
        return None;
    }
    let mut names = Vec::new();
    for el in split_commas(list) {
        let mut e = c.over(el);
        names.push(e.object_name()?);
        if args {
            e.parens();
        }
        if !e.at_end() {
            return None;
        }
    }
    Some(Drop {
        names,
        if_exists,
        cascade,
    })
}

/// `ALTER INDEX ...`, after the two keywords.
pub(super) fn alter_index(c: &mut Cursor) -> Option<Operation> {
    use AlterIndexAction as A;
    if c.eat_seq(&["all", "in", "tablespace"]) {
        return Some(Operation::AlterIndex(AlterIndex {
            name: ObjectName::unqualified(""),
            if_exists: false,
            action: A::Other {
                description: format!("ALL IN TABLESPACE {}", c.text(c.rest())),
            },
        }));
    }
    let if_exists = c.eat_seq(&["if", "exists"]);
    let name = c.object_name()?;
    let start = c.pos;
    let action = if c.eat_seq(&["rename", "to"]) {
        c.ident().map(|to| A::Rename { to })
    } else if c.eat_seq(&["set", "tablespace"]) {
        c.ident().map(|_| A::SetTablespace)
    } else if c.eat_seq(&["attach", "partition"]) {
        c.object_name().map(|index| A::AttachPartition { index })
    } else if (c.is_kw("set") || c.is_kw("reset")) && c.peek_at(1) == Some(&Token::LParen) {
        c.advance();
        c.parens().map(|_| A::SetStorageParams)
    } else if c.eat_kw("alter") {
        c.eat_kw("column");
        c.advance();
        c.eat_seq(&["set", "statistics"]).then(|| {
            c.take_rest();
            A::SetStatistics
        })
    } else if c.eat_seq(&["set", "schema"]) {
        c.ident().map(|schema| A::SetSchema { schema })
    } else if c.eat_seq(&["depends", "on", "extension"])
        || c.eat_seq(&["no", "depends", "on", "extension"])
    {
        c.ident().map(|_| A::DependsOnExtension)
    } else {
        None
    };
    let action = match action {
        Some(a) if c.at_end() => a,
        _ => {
            let rest = c.toks.get(start..).unwrap_or(&[]);
            if rest.is_empty() {
                return None;
            }
            A::Other {
                description: c.text(rest),
            }
        }
    };
    Some(Operation::AlterIndex(AlterIndex {
        name,
        if_exists,
        action,
    }))
}

/// `REINDEX [(options)] INDEX|TABLE|SCHEMA|DATABASE|SYSTEM [CONCURRENTLY] [name]`, after REINDEX.
pub(super) fn reindex(c: &mut Cursor) -> Option<Operation> {
    let mut concurrently = match c.parens() {
        Some(opts) => split_commas(opts).into_iter().any(|o| {
            let mut o = c.over(o);
            o.eat_kw("concurrently")
                && !(o.eat_kw("false")
                    || o.eat_kw("off")
                    || o.is_tok(&Token::Number("0".into(), false)))
        }),
        None => false,
    };
    let target = match c.eat_one_of(&["index", "table", "schema", "database", "system"])? {
        "index" => ReindexTarget::Index,
        "table" => ReindexTarget::Table,
        "schema" => ReindexTarget::Schema,
        "database" => ReindexTarget::Database,
        _ => ReindexTarget::System,
    };
    concurrently |= c.eat_kw("concurrently");
    let name = if c.at_end() {
        // `REINDEX DATABASE` / `SYSTEM` without a name: the current database
        match target {
            ReindexTarget::Database | ReindexTarget::System => ObjectName::unqualified(""),
            _ => return None,
        }
    } else {
        c.object_name()?
    };
    c.at_end().then_some(Operation::Reindex(Reindex {
        target,
        name,
        concurrently,
    }))
}

/// `CLUSTER [VERBOSE] [(options)] [table [USING index]]` or the old `CLUSTER index ON
/// table`, after CLUSTER.
pub(super) fn cluster(c: &mut Cursor) -> Option<Operation> {
    c.parens();
    c.eat_kw("verbose");
    if c.at_end() {
        return Some(Operation::Cluster {
            table: None,
            index: None,
        });
    }
    let first = c.object_name()?;
    let (table, index) = if c.eat_kw("using") {
        (first, Some(c.ident()?))
    } else if c.eat_kw("on") {
        (c.object_name()?, Some(first.name))
    } else {
        (first, None)
    };
    c.at_end().then_some(Operation::Cluster {
        table: Some(table),
        index,
    })
}
