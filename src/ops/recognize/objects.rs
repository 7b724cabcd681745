//! `DO`, sequences, types, domains, views, routines, schemas, triggers, statistics, rules
//! and policies.

use super::cursor::{Cursor, Tok, is_word, split_commas};
use super::query::{query_columns, query_reads};
use crate::ops::{
    AlterSequenceAction, AlterType, AlterTypeAction, AlterView, AlterViewAction, CreateFunction,
    CreateTrigger, CreateView, ObjectName, Operation, RoutineKind,
};
use sqlparser::tokenizer::Token;

/// `DO [LANGUAGE l] body [LANGUAGE l]`, after DO.
pub(super) fn do_block(c: &mut Cursor) -> Option<Operation> {
    let mut language = None;
    if c.eat_kw("language") {
        language = Some(c.ident_or_string()?.to_lowercase());
    }
    let tok = c.toks.get(c.pos)?;
    c.advance();
    let (body, prefix) = match &tok.token {
        Token::DollarQuotedString(d) => {
            (d.value.clone(), 2 + d.tag.as_ref().map_or(0, String::len))
        }
        Token::SingleQuotedString(s) => (s.clone(), 1),
        Token::EscapedStringLiteral(s) => (s.clone(), 2),
        _ => return None,
    };
    if c.eat_kw("language") {
        language = Some(c.ident_or_string()?.to_lowercase());
    }
    if !c.at_end() {
        return None;
    }
    let body_offset = tok.start + prefix;
    if matches!(tok.token, Token::DollarQuotedString(_))
        && c.sql.get(body_offset..body_offset + body.len()) != Some(body.as_str())
    {
        return None;
    }
    Some(Operation::Do {
        language,
        body,
        body_offset,
    })
}

/// Words that start a sequence option.
const SEQUENCE_OPTIONS: &[&str] = &[
    "as",
    "increment",
    "minvalue",
    "maxvalue",
    "no",
    "start",
    "restart",
    "cache",
    "cycle",
    "owned",
    "owner",
    "rename",
    "set",
    "sequence",
];

/// `ALTER SEQUENCE [IF EXISTS] name options...`, after the two keywords.
pub(super) fn alter_sequence(c: &mut Cursor) -> Option<Operation> {
    let if_exists = c.eat_seq(&["if", "exists"]);
    let name = c.object_name()?;
    let mut owned_by = None;
    let mut other = None;
    let mut options = false;
    while !c.at_end() {
        if c.eat_seq(&["owned", "by"]) {
            owned_by = Some(if c.eat_kw("none") {
                AlterSequenceAction::OwnedBy {
                    table: None,
                    column: None,
                }
            } else {
                let mut parts = c.name_parts()?;
                let column = parts.pop();
                if parts.is_empty() {
                    return None;
                }
                AlterSequenceAction::OwnedBy {
                    table: Some(super::cursor::object_name_from(parts)),
                    column,
                }
            });
        } else if c.eat_seq(&["rename", "to"]) {
            other = Some(AlterSequenceAction::Rename { to: c.ident()? });
        } else if c.eat_seq(&["set", "schema"]) {
            other = Some(AlterSequenceAction::SetSchema { schema: c.ident()? });
        } else if c.eat_seq(&["set", "logged"]) {
            other = Some(AlterSequenceAction::SetLogged { logged: true });
        } else if c.eat_seq(&["set", "unlogged"]) {
            other = Some(AlterSequenceAction::SetLogged { logged: false });
        } else if c.eat_seq(&["owner", "to"]) {
            c.ident()?;
            options = true;
        } else if c.eat_kw("as") {
            if c.until_kw(SEQUENCE_OPTIONS).is_empty() {
                return None;
            }
            options = true;
        } else if c.eat_seq(&["sequence", "name"]) {
            c.object_name()?;
            options = true;
        } else if c.eat_kw("no") {
            c.eat_one_of(&["minvalue", "maxvalue", "cycle"])?;
            options = true;
        } else if c.eat_kw("cycle") {
            options = true;
        } else if c
            .eat_one_of(&[
                "increment",
                "minvalue",
                "maxvalue",
                "start",
                "restart",
                "cache",
            ])
            .is_some()
        {
            c.eat_one_of(&["by", "with"]);
            if c.eat_tok(&Token::Minus) || c.eat_tok(&Token::Plus) {
                number(c)?;
            } else {
                number(c);
            }
            options = true;
        } else {
            return None;
        }
    }
    let action = match (other, owned_by) {
        (Some(a), _) => a,
        (None, Some(a)) => a,
        (None, None) if options => AlterSequenceAction::Options,
        (None, None) => return None,
    };
    Some(Operation::AlterSequence {
        name,
        if_exists,
        action,
    })
}

fn number(c: &mut Cursor) -> Option<()> {
    matches!(c.peek()?, Token::Number(..)).then(|| {
        c.advance();
    })
}

/// `ALTER TYPE name ...`, after the two keywords.
pub(super) fn alter_type(c: &mut Cursor) -> Option<Operation> {
    let name = c.object_name()?;
    let start = c.pos;
    let action = if c.eat_seq(&["add", "value"]) {
        let if_not_exists = c.eat_seq(&["if", "not", "exists"]);
        let value = c.string()?;
        let position = match c.eat_one_of(&["before", "after"]) {
            Some(which) => Some((which == "before", c.string()?)),
            None => None,
        };
        Some(AlterTypeAction::AddValue {
            value,
            if_not_exists,
            position,
        })
    } else if c.eat_seq(&["rename", "value"]) {
        let from = c.string()?;
        c.expect_kw("to")?;
        let to = c.string()?;
        Some(AlterTypeAction::RenameValue { from, to })
    } else if c.eat_seq(&["rename", "to"]) {
        Some(AlterTypeAction::Rename { to: c.ident()? })
    } else if c.eat_seq(&["set", "schema"]) {
        Some(AlterTypeAction::SetSchema { schema: c.ident()? })
    } else {
        None
    };
    let action = match action {
        Some(a) if c.at_end() => a,
        _ => AlterTypeAction::Other {
            description: c.text(nonempty(c.toks.get(start..))?),
        },
    };
    Some(Operation::AlterType(AlterType { name, action }))
}

fn nonempty(toks: Option<&[Tok]>) -> Option<&[Tok]> {
    toks.filter(|t| !t.is_empty())
}

/// `ALTER [MATERIALIZED] VIEW ...`, after VIEW.
pub(super) fn alter_view(c: &mut Cursor, materialized: bool) -> Option<Operation> {
    if c.eat_seq(&["all", "in", "tablespace"]) {
        return Some(Operation::AlterView(AlterView {
            name: ObjectName::unqualified(""),
            materialized,
            action: AlterViewAction::Other {
                description: format!("ALL IN TABLESPACE {}", c.text(c.rest())),
            },
        }));
    }
    c.eat_seq(&["if", "exists"]);
    let name = c.object_name()?;
    let start = c.pos;
    let action = if c.eat_seq(&["rename", "to"]) {
        c.ident().map(|to| AlterViewAction::Rename { to })
    } else if c.eat_kw("rename") {
        c.eat_kw("column");
        let from = c.ident();
        c.eat_kw("to").then_some(()).and(from).and_then(|from| {
            c.ident()
                .map(|to| AlterViewAction::RenameColumn { from, to })
        })
    } else if c.eat_seq(&["set", "schema"]) {
        c.ident()
            .map(|schema| AlterViewAction::SetSchema { schema })
    } else {
        None
    };
    let action = match action {
        Some(a) if c.at_end() => a,
        _ => AlterViewAction::Other {
            description: c.text(nonempty(c.toks.get(start..))?),
        },
    };
    Some(Operation::AlterView(AlterView {
        name,
        materialized,
        action,
    }))
}

/// `ALTER FUNCTION|PROCEDURE|AGGREGATE|ROUTINE name [(args)] ...`, after the kind.
pub(super) fn alter_function(c: &mut Cursor, kind: RoutineKind) -> Option<Operation> {
    let name = c.object_name()?;
    c.parens();
    if c.at_end() {
        return None;
    }
    let (mut rename_to, mut set_schema) = (None, None);
    if c.eat_seq(&["rename", "to"]) {
        rename_to = Some(c.ident()?);
    } else if c.eat_seq(&["set", "schema"]) {
        set_schema = Some(c.ident()?);
    }
    Some(Operation::AlterFunction {
        name,
        kind,
        rename_to,
        set_schema,
    })
}

/// `ALTER SCHEMA name RENAME TO x | OWNER TO r`, after the two keywords.
pub(super) fn alter_schema(c: &mut Cursor) -> Option<Operation> {
    let name = c.ident()?;
    let rename_to = if c.eat_seq(&["rename", "to"]) {
        Some(c.ident()?)
    } else if c.eat_seq(&["owner", "to"]) {
        c.ident()?;
        None
    } else {
        return None;
    };
    c.at_end()
        .then_some(Operation::AlterSchema { name, rename_to })
}

/// `ALTER TRIGGER name ON table RENAME TO x | [NO] DEPENDS ON EXTENSION e`.
pub(super) fn alter_trigger(c: &mut Cursor) -> Option<Operation> {
    let name = c.ident()?;
    c.expect_kw("on")?;
    let table = c.object_name()?;
    let rename_to = if c.eat_seq(&["rename", "to"]) {
        Some(c.ident()?)
    } else {
        c.eat_kw("no");
        c.expect_kw("depends")?;
        c.expect_kw("on")?;
        c.expect_kw("extension")?;
        c.ident()?;
        None
    };
    c.at_end().then_some(Operation::AlterTrigger {
        name,
        table,
        rename_to,
    })
}

/// `ALTER DOMAIN name ...`.
pub(super) fn alter_domain(c: &mut Cursor) -> Option<Operation> {
    let name = c.object_name()?;
    let rest = nonempty(Some(c.take_rest()))?;
    Some(Operation::AlterDomain {
        name,
        description: c.text(rest),
    })
}

/// `<name> ON table ...` of rules and policies (CREATE, ALTER and the like).
pub(super) fn on_table(c: &mut Cursor) -> Option<ObjectName> {
    c.ident()?;
    c.expect_kw("on")?;
    c.object_name()
}

/// `CREATE [OR REPLACE] RULE name AS ON event TO table ...`, after RULE.
pub(super) fn create_rule(c: &mut Cursor) -> Option<Operation> {
    let name = c.ident()?;
    c.expect_kw("as")?;
    c.expect_kw("on")?;
    c.eat_one_of(&["select", "insert", "update", "delete"])?;
    c.expect_kw("to")?;
    Some(Operation::RewriteRule {
        table: c.object_name()?,
        change: crate::ops::RuleChange::Create(name),
    })
}

/// `ALTER RULE name ON table RENAME TO new`, after RULE.
pub(super) fn alter_rule(c: &mut Cursor) -> Option<Operation> {
    let from = c.ident()?;
    c.expect_kw("on")?;
    let table = c.object_name()?;
    c.expect_kw("rename")?;
    c.expect_kw("to")?;
    let to = c.ident()?;
    Some(Operation::RewriteRule {
        table,
        change: crate::ops::RuleChange::Rename { from, to },
    })
}

/// `CREATE STATISTICS [IF NOT EXISTS] [name] [(kinds)] ON ... FROM table`, after STATISTICS.
pub(super) fn create_statistics(c: &mut Cursor) -> Option<Operation> {
    let if_not_exists = c.eat_seq(&["if", "not", "exists"]);
    let name = if c.is_kw("on") || c.is_tok(&Token::LParen) {
        if if_not_exists {
            return None;
        }
        None
    } else {
        Some(c.object_name()?)
    };
    c.parens();
    c.expect_kw("on")?;
    if c.until_kw(&["from"]).is_empty() {
        return None;
    }
    c.expect_kw("from")?;
    let table = c.object_name()?;
    c.at_end().then_some(Operation::CreateStatistics {
        name,
        tables: vec![table],
    })
}

/// `REFRESH MATERIALIZED VIEW [CONCURRENTLY] name [WITH [NO] DATA]`, after REFRESH.
pub(super) fn refresh(c: &mut Cursor) -> Option<Operation> {
    c.expect_kw("materialized")?;
    c.expect_kw("view")?;
    let concurrently = c.eat_kw("concurrently");
    let name = c.object_name()?;
    let with_no_data = c.eat_seq(&["with", "no", "data"]);
    c.eat_seq(&["with", "data"]);
    c.at_end().then_some(Operation::RefreshMaterializedView {
        name,
        concurrently,
        with_no_data,
    })
}

/// Where a function's `RETURNS` type ends.
const FUNCTION_CLAUSES: &[&str] = &[
    "language",
    "transform",
    "window",
    "immutable",
    "stable",
    "volatile",
    "not",
    "leakproof",
    "called",
    "returns",
    "strict",
    "external",
    "security",
    "parallel",
    "cost",
    "rows",
    "support",
    "set",
    "as",
    "begin",
    "return",
];

/// `CREATE [OR REPLACE] FUNCTION|PROCEDURE|AGGREGATE name (args) ...`, after the kind.
pub(super) fn create_function(
    c: &mut Cursor,
    or_replace: bool,
    kind: RoutineKind,
) -> Option<Operation> {
    let name = c.object_name()?;
    let args_toks = c.parens()?;
    let args = if kind == RoutineKind::Aggregate && args_toks.iter().any(|t| t.token == Token::Eq) {
        Vec::new() // old-style `CREATE AGGREGATE name (BASETYPE = ..., SFUNC = ...)`
    } else {
        split_commas(args_toks)
            .into_iter()
            .filter(|a| !a.is_empty())
            .filter_map(|a| argument_type(c, a))
            .collect()
    };
    let mut f = CreateFunction {
        name,
        kind,
        or_replace,
        args,
        language: None,
        volatility: None,
        returns_trigger: false,
        returns_set: false,
        body: Vec::new(),
        inline: None,
        arg_names: Vec::new(),
        executes: Vec::new(),
    };
    if kind == RoutineKind::Aggregate {
        return Some(Operation::CreateFunction(Box::new(f)));
    }
    use crate::ops::lower::inline::{self, Body, Routine};
    let mut routine = Routine {
        has_args: !f.args.is_empty(),
        ..Routine::default()
    };
    let mut body = None;
    while !c.at_end() {
        if c.eat_kw("returns") && !c.is_kw("null") {
            if c.eat_kw("table") {
                c.parens()?;
                routine.returns_set = true;
                f.returns_set = true;
            } else {
                let ty = c.until_kw(FUNCTION_CLAUSES);
                f.returns_trigger = matches!(ty, [t] if is_word(&t.token, "trigger"));
                f.returns_set = matches!(ty.first(), Some(t) if is_word(&t.token, "setof"));
                routine.returns_set |= inline::no_default_type(&c.text(ty));
            }
        } else if c.eat_kw("language") {
            f.language = Some(c.ident_or_string()?.to_lowercase());
        } else if let Some(v) = c.eat_one_of(&["immutable", "stable", "volatile"]) {
            f.volatility = Some(v.to_string());
        } else if c.eat_seq(&["security", "definer"]) {
            routine.security_definer = true;
        } else if c.eat_kw("strict") || c.eat_seq(&["returns", "null", "on", "null", "input"]) {
            routine.strict = true;
        } else if c.eat_kw("set") {
            routine.sets = true;
        } else if c.eat_kw("as") {
            body = c.string().map(Body::Text);
        } else if c.is_seq(&["begin", "atomic"]) || c.is_kw("return") {
            // the SQL-standard body: the rest of the statement
            let text = c.text(c.rest());
            body = sql_standard_body(&text);
            routine.sql |= f.language.is_none();
            break;
        } else {
            c.advance();
        }
    }
    routine.sql |= f.language.as_deref() == Some("sql");
    f.inline = body.and_then(|b| inline::inline(&routine, b));
    Some(Operation::CreateFunction(Box::new(f)))
}

/// `RETURN expr` or `BEGIN ATOMIC ... END`, read by sqlparser.
fn sql_standard_body(text: &str) -> Option<crate::ops::lower::inline::Body> {
    use crate::ops::lower::inline::Body;
    let t = text.trim().trim_end_matches(';').trim();
    let lower = t.to_ascii_lowercase();
    if let Some(e) = lower.strip_prefix("return") {
        let start = t.len() - e.len();
        return crate::ops::canonical::parse_expr(&t[start..]).map(|e| Body::Return(Box::new(e)));
    }
    // ASCII lowercasing keeps byte offsets
    if !lower.starts_with("begin") {
        return None;
    }
    let from = lower.find("atomic")? + "atomic".len();
    let to = lower.rfind("end")?;
    let stmts = sqlparser::parser::Parser::parse_sql(
        &sqlparser::dialect::PostgreSqlDialect {},
        t.get(from..to)?,
    )
    .ok()?;
    Some(Body::Atomic(stmts))
}

/// Multi-word built-in type names start with these words.
const MULTI_WORD_TYPES: &[&str] = &[
    "double",
    "character",
    "char",
    "national",
    "bit",
    "timestamp",
    "time",
    "interval",
];

/// The type of one routine argument as written (`[mode] [name] type [DEFAULT ...]`), or
/// `None` for an `OUT` argument (not part of the routine's identity).
fn argument_type(c: &Cursor, arg: &[Tok]) -> Option<String> {
    let mut a = c.over(arg);
    if a.eat_kw("out") {
        return None;
    }
    a.eat_one_of(&["in", "inout", "variadic"]);
    let ty = a.until(|c| c.is_kw("default") || c.is_tok(&Token::Eq));
    let ty = match ty {
        [first, second, ..]
            if matches!(first.token, Token::Word(_))
                && !matches!(
                    second.token,
                    Token::LParen | Token::Period | Token::LBracket | Token::Mod
                )
                && !(MULTI_WORD_TYPES.iter().any(|w| is_word(&first.token, w))
                    && ["precision", "varying", "with", "without"]
                        .iter()
                        .any(|w| is_word(&second.token, w))) =>
        {
            &ty[1..]
        }
        _ => ty,
    };
    let text = c.text(ty);
    (!text.is_empty()).then(|| text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// `CREATE [OR REPLACE] [TEMP] [RECURSIVE] [MATERIALIZED] VIEW ...`, after OR REPLACE.
pub(super) fn create_view(c: &mut Cursor, or_replace: bool) -> Option<Operation> {
    let temporary = c.eat_one_of(&["temp", "temporary"]).is_some();
    c.eat_kw("recursive");
    let materialized = c.eat_kw("materialized");
    c.expect_kw("view")?;
    let if_not_exists = c.eat_seq(&["if", "not", "exists"]);
    let name = c.object_name()?;
    let mut columns = match c.parens() {
        Some(inner) => split_commas(inner)
            .into_iter()
            .map(|el| c.over(el).ident())
            .collect::<Option<Vec<_>>>()?,
        None => Vec::new(),
    };
    while !c.is_kw("as") {
        if c.eat_kw("using") || c.eat_kw("tablespace") {
            c.ident()?;
        } else if c.eat_kw("with") {
            c.parens()?;
        } else {
            return None;
        }
    }
    c.expect_kw("as")?;
    let end = c.toks.len();
    let query = c.until(|c| {
        let left = end - c.pos;
        (left == 3 && c.is_seq(&["with", "no", "data"]))
            || (left == 2 && c.is_seq(&["with", "data"]))
            || (left == 3 && c.is_seq(&["with", "check", "option"]))
            || (left == 4
                && c.is_kw("with")
                && (c.is_kw_at(1, "cascaded") || c.is_kw_at(1, "local"))
                && c.is_kw_at(2, "check")
                && c.is_kw_at(3, "option"))
    });
    if query.is_empty() {
        return None;
    }
    let with_no_data = c.eat_seq(&["with", "no", "data"]);
    c.take_rest();
    let text = c.text(query);
    if columns.is_empty() {
        columns = query_columns(&text);
    }
    let reads = query_reads(&text)
        .into_iter()
        .filter(|r| *r != name)
        .collect();
    Some(Operation::CreateView(CreateView {
        name,
        materialized,
        or_replace,
        if_not_exists,
        reads,
        columns,
        with_no_data,
        temporary,
    }))
}

/// `CREATE [OR REPLACE] [CONSTRAINT] TRIGGER name {BEFORE|AFTER|INSTEAD OF} events ON table
/// ... EXECUTE {FUNCTION|PROCEDURE} f(args)`, after TRIGGER (`constraint` says whether
/// CONSTRAINT came before it).
pub(super) fn create_trigger(
    c: &mut Cursor,
    or_replace: bool,
    constraint: bool,
) -> Option<Operation> {
    let name = c.ident()?;
    let timing = match c.eat_one_of(&["before", "after"]) {
        Some(t) => t,
        None if c.eat_seq(&["instead", "of"]) => "instead of",
        None => return None,
    };
    // the events (`INSERT OR UPDATE OF a, b`) hold no ON
    let event_toks = c.until_kw(&["on"]);
    if event_toks.is_empty() {
        return None;
    }
    let events: Vec<String> = ["insert", "update", "delete", "truncate"]
        .into_iter()
        .filter(|e| event_toks.iter().any(|t| is_word(&t.token, e)))
        .map(str::to_string)
        .collect();
    let event_problem = trigger_event_problem(&mut c.over(event_toks));
    c.expect_kw("on")?;
    let table = c.object_name()?;
    let clauses = c.until_kw(&["execute"]);
    let when = {
        let mut w = c.over(clauses);
        w.until_kw(&["when"]);
        if w.eat_kw("when") {
            w.parens().map(|inner| c.text(inner))
        } else {
            None
        }
    };
    // a constraint trigger is always FOR EACH ROW
    let for_each_row = constraint
        || clauses.windows(3).any(|w| {
            is_word(&w[0].token, "for")
                && (is_word(&w[1].token, "row")
                    || (is_word(&w[1].token, "each") && is_word(&w[2].token, "row")))
        });
    c.expect_kw("execute")?;
    c.eat_one_of(&["function", "procedure"])?;
    let function = c.object_name()?;
    c.parens()?;
    c.at_end()
        .then_some(Operation::CreateTrigger(CreateTrigger {
            name,
            table,
            or_replace,
            function: Some(function),
            constraint,
            events,
            for_each_row,
            timing: timing.to_string(),
            when,
            event_problem,
        }))
}

/// What PostgreSQL refuses in a trigger's event list (observed on 15): an event named
/// twice ("duplicate trigger events specified"), `OF` after another event than UPDATE
/// (a syntax error), a column named twice in `UPDATE OF`.
fn trigger_event_problem(e: &mut Cursor) -> Option<String> {
    let mut seen: Vec<&str> = Vec::new();
    loop {
        let event = e.eat_one_of(&["insert", "update", "delete", "truncate"])?;
        if seen.contains(&event) {
            return Some("duplicate trigger events specified".to_string());
        }
        seen.push(event);
        if e.eat_kw("of") {
            if event != "update" {
                return Some("syntax error at or near \"OF\"".to_string());
            }
            let mut columns: Vec<String> = Vec::new();
            loop {
                let column = e.ident()?;
                if columns.contains(&column) {
                    return Some(format!("column \"{column}\" specified more than once"));
                }
                columns.push(column);
                if !e.eat_tok(&Token::Comma) {
                    break;
                }
            }
        }
        if !e.eat_kw("or") {
            return None;
        }
    }
}

/// `CREATE DOMAIN name [AS] type` and its clauses in any order: `[CONSTRAINT name]
/// {NOT NULL | NULL | CHECK (...)}`, `DEFAULT expr`, `COLLATE collation`, after DOMAIN.
/// (sqlparser wants `AS`, and constraints after `CHECK` or with a name only.)
pub(super) fn create_domain(c: &mut Cursor) -> Option<Operation> {
    const CLAUSES: &[&str] = &["constraint", "not", "null", "check", "default", "collate"];
    let name = c.object_name()?;
    c.eat_kw("as");
    let ty = c.until_kw(CLAUSES);
    if ty.is_empty() {
        return None;
    }
    let base = super::expr::type_name(c.sql, ty);
    let mut has_constraints = false;
    while !c.at_end() {
        if c.eat_kw("constraint") {
            c.ident()?;
        }
        if c.eat_seq(&["not", "null"]) {
            has_constraints = true;
        } else if c.eat_kw("null") {
        } else if c.eat_kw("check") {
            c.parens()?;
            has_constraints = true;
        } else if c.eat_kw("default") {
            // a b_expr: no NOT, no IS; a leading NULL is the default itself
            if c.until_nonempty(|c| CLAUSES.iter().any(|kw| c.is_kw(kw)))
                .is_empty()
            {
                return None;
            }
        } else if c.eat_kw("collate") {
            c.object_name()?;
        } else {
            return None;
        }
    }
    Some(Operation::CreateType(crate::ops::CreateType {
        name,
        kind: crate::ops::CreateTypeKind::Domain {
            base,
            has_constraints,
        },
    }))
}
