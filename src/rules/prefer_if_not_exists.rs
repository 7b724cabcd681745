//! Outside a transaction block each statement commits on its own: when a migration
//! fails halfway, what ran stays applied, and running it again fails at the first
//! CREATE without IF NOT EXISTS (or DROP without IF EXISTS). Silent inside a
//! transaction, where a failure rolls everything back.

use super::fixes::{insert_after_leading_words, without_semicolon};
use super::objects::{self, ObjectKind};
use super::{Context, Rule, Severity, Violation};
use crate::ops::{AlterTableAction, Drop, ObjectName, Operation, Persistence, RoutineKind};
use crate::parse::split::{Tok, Token, sql_tokens};

pub struct PreferIfNotExists;

impl Rule for PreferIfNotExists {
    fn id(&self) -> &'static str {
        "prefer-if-not-exists"
    }
    fn default_severity(&self) -> Severity {
        Severity::Hint
    }
    fn summary(&self) -> &'static str {
        "CREATE without IF NOT EXISTS, or DROP without IF EXISTS, outside a transaction: a retried migration fails on it"
    }
    fn category(&self) -> super::Category {
        super::Category::Hint
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        // a CREATE SCHEMA's elements run within it (and cannot say IF NOT EXISTS)
        if cx.tx.active || cx.stmt.schema_element {
            return;
        }
        let Some((what, if_clause, fixed)) = judge(cx) else {
            return;
        };
        // The migration's last statement has nothing after it that could fail: either
        // it fails (and is not applied) or the migration is done. Only a concurrent index
        // build leaves something behind when it fails itself (an INVALID index).
        let concurrent_index = matches!(&cx.stmt.op, Operation::CreateIndex(ci) if ci.concurrently);
        if cx.stmt.index >= cx.file.last_statement && !concurrent_index {
            return;
        }
        if if_clause.is_empty() {
            // an unnamed index: IF NOT EXISTS needs a name, and a retry builds a second index
            out.push(Violation {
                message: format!(
                    "{what} has no name and runs outside a transaction: if the migration fails after it, running it again builds a second, identical index"
                ),
                why: Some("outside a transaction block each statement commits on its own, so a failure later in the migration leaves this index built; IF NOT EXISTS would prevent a duplicate, but it needs a name".into()),
                fix: Some("name the index and add IF NOT EXISTS: CREATE INDEX [CONCURRENTLY] IF NOT EXISTS <name> ON ...".to_string()),
                ..Default::default()
            });
            return;
        }
        let fix = match fixed {
            Some(sql) => format!("make it safe to run twice:\n{sql}"),
            None => format!("add {if_clause} so that running it twice is harmless"),
        };
        // an ALTER TABLE with one such action: that action
        let span = match &cx.stmt.op {
            Operation::AlterTable(at) => {
                let mut lacking = at
                    .actions
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| lacks_if_exists(a).is_some());
                match (lacking.next(), lacking.next()) {
                    (Some((i, _)), None) => super::clause::action(cx.stmt, at, i),
                    _ => None,
                }
            }
            _ => None,
        };
        out.push(Violation {
            span,
            message: format!(
                "{what} without {if_clause} runs outside a transaction: if the migration fails after it, running it again fails here"
            ),
            why: Some(
                "outside a transaction block each statement commits on its own, so a failure later in the migration leaves this one applied; the retry (after a fix) runs it again and stops with \"already exists\" or \"does not exist\"".into(),
            ),
            fix: Some(fix),
            ..Default::default()
        });
    }
}

/// An action of `ALTER TABLE` that fails when run twice, and how it reads.
fn lacks_if_exists(a: &AlterTableAction) -> Option<String> {
    match a {
        AlterTableAction::AddColumn {
            column,
            if_not_exists: false,
        } => Some(format!("ADD COLUMN {}", column.name)),
        AlterTableAction::DropColumn {
            name,
            if_exists: false,
            ..
        } => Some(format!("DROP COLUMN {name}")),
        AlterTableAction::DropConstraint {
            name,
            if_exists: false,
            ..
        } => Some(format!("DROP CONSTRAINT {name}")),
        _ => None,
    }
}

const CREATE_INDEX: &[&str] = &["create", "unique", "index", "concurrently"];
const CREATE_TABLE: &[&str] = &["create", "global", "local", "unlogged", "foreign", "table"];
const DROP_KINDS: &[&str] = &[
    "drop",
    "foreign",
    "table",
    "index",
    "concurrently",
    "view",
    "materialized",
    "type",
    "domain",
    "sequence",
    "schema",
    "extension",
    "function",
    "procedure",
    "routine",
    "aggregate",
    "trigger",
];

/// (what the statement does, the clause it lacks, the statement with the clause).
fn judge(cx: &Context) -> Option<(String, &'static str, Option<String>)> {
    let text = &cx.stmt.text;
    let cat = cx.catalog;
    match &cx.stmt.op {
        Operation::CreateIndex(ci) if !ci.if_not_exists => {
            let table = cat.resolve_relation(&ci.table);
            if !cx.is_preexisting(&table) {
                return None;
            }
            let kind = if ci.concurrently {
                "CREATE INDEX CONCURRENTLY"
            } else {
                "CREATE INDEX"
            };
            let Some(name) = &ci.name else {
                // IF NOT EXISTS needs a name; without one a retry builds a second index
                return Some((format!("{kind} on {table}"), "", None));
            };
            let mut fixed = insert_after_leading_words(text, CREATE_INDEX, "IF NOT EXISTS");
            if ci.concurrently {
                // a failed concurrent build leaves an INVALID index that IF NOT EXISTS skips
                let schema = table.schema.as_deref();
                let index = ObjectName::new(schema, name);
                fixed = fixed.map(|f| {
                    format!(
                        "-- a failed CREATE INDEX CONCURRENTLY leaves an INVALID index behind: drop it first\nDROP INDEX CONCURRENTLY IF EXISTS {index};\n{f}"
                    )
                });
            }
            Some((format!("{kind} {name}"), "IF NOT EXISTS", fixed))
        }
        Operation::CreateTable(ct) if !ct.if_not_exists => {
            if ct.persistence == Persistence::Temporary {
                return None;
            }
            let fixed = insert_after_leading_words(text, CREATE_TABLE, "IF NOT EXISTS");
            Some((format!("CREATE TABLE {}", ct.name), "IF NOT EXISTS", fixed))
        }
        Operation::CreateSchema {
            name,
            if_not_exists: false,
            ..
        } => Some((
            format!("CREATE SCHEMA {name}"),
            "IF NOT EXISTS",
            insert_after_leading_words(text, &["create", "schema"], "IF NOT EXISTS"),
        )),
        Operation::CreateSequence {
            name,
            if_not_exists: false,
            ..
        } => Some((
            format!("CREATE SEQUENCE {name}"),
            "IF NOT EXISTS",
            insert_after_leading_words(text, &["create", "unlogged", "sequence"], "IF NOT EXISTS"),
        )),
        Operation::CreateExtension {
            name,
            if_not_exists: false,
            ..
        } => Some((
            format!("CREATE EXTENSION {name}"),
            "IF NOT EXISTS",
            insert_after_leading_words(text, &["create", "extension"], "IF NOT EXISTS"),
        )),
        Operation::AlterTable(at) => {
            let table = cat.resolve_relation(&at.name);
            if !cx.is_preexisting(&table) {
                return None;
            }
            let lacking: Vec<String> = at.actions.iter().filter_map(lacks_if_exists).collect();
            if lacking.is_empty() {
                return None;
            }
            let clause = if lacking.iter().all(|l| l.starts_with("ADD")) {
                "IF NOT EXISTS"
            } else if lacking.iter().all(|l| l.starts_with("DROP")) {
                "IF EXISTS"
            } else {
                "IF [NOT] EXISTS"
            };
            Some((
                format!("ALTER TABLE {table} {}", lacking.join(", ")),
                clause,
                alter_table_fix(text),
            ))
        }
        Operation::DropTable(d) => drop_of(cx, "DROP TABLE", d, None),
        Operation::DropIndex(d) if !d.if_exists => {
            let kind = if d.concurrently {
                "DROP INDEX CONCURRENTLY"
            } else {
                "DROP INDEX"
            };
            let pre = d
                .names
                .iter()
                .any(|n| cx.is_preexisting(&cat.resolve_relation(n)));
            pre.then(|| {
                (
                    format!("{kind} {}", list(&d.names)),
                    "IF EXISTS",
                    insert_after_leading_words(text, DROP_KINDS, "IF EXISTS"),
                )
            })
        }
        Operation::DropView { drop, materialized } => {
            let (kw, kind) = if *materialized {
                ("DROP MATERIALIZED VIEW", ObjectKind::MaterializedView)
            } else {
                ("DROP VIEW", ObjectKind::View)
            };
            drop_of(cx, kw, drop, Some(kind))
        }
        Operation::DropSequence(d) => drop_of(cx, "DROP SEQUENCE", d, Some(ObjectKind::Sequence)),
        Operation::DropType(d) => {
            let domain =
                objects::leading_words(text, 2).get(1).map(String::as_str) == Some("domain");
            let (kw, kind) = if domain {
                ("DROP DOMAIN", ObjectKind::Domain)
            } else {
                ("DROP TYPE", ObjectKind::Type)
            };
            drop_of(cx, kw, d, Some(kind))
        }
        Operation::DropSchema(d) => drop_of(cx, "DROP SCHEMA", d, Some(ObjectKind::Schema)),
        Operation::DropExtension(d) => {
            drop_of(cx, "DROP EXTENSION", d, Some(ObjectKind::Extension))
        }
        Operation::DropFunction { drop, kind } => {
            let (kw, kind) = match kind {
                RoutineKind::Function => ("DROP FUNCTION", ObjectKind::Function),
                RoutineKind::Procedure => ("DROP PROCEDURE", ObjectKind::Procedure),
                RoutineKind::Aggregate => ("DROP AGGREGATE", ObjectKind::Aggregate),
            };
            drop_of(cx, kw, drop, Some(kind))
        }
        Operation::DropTrigger {
            name,
            table,
            if_exists: false,
            ..
        } => {
            let t = cat.resolve_relation(table);
            cx.is_preexisting(&t).then(|| {
                (
                    format!("DROP TRIGGER {name} ON {t}"),
                    "IF EXISTS",
                    insert_after_leading_words(text, DROP_KINDS, "IF EXISTS"),
                )
            })
        }
        _ => None,
    }
}

/// A `DROP` of objects, unless it has `IF EXISTS` or drops only objects created earlier
/// in this migration. `kind` is `None` for tables.
fn drop_of(
    cx: &Context,
    keyword: &str,
    d: &Drop,
    kind: Option<ObjectKind>,
) -> Option<(String, &'static str, Option<String>)> {
    if d.if_exists {
        return None;
    }
    let existed = d.names.iter().any(|n| match kind {
        None => cx.is_preexisting(&cx.catalog.resolve_relation(n)),
        Some(k) => objects::lookup(cx.catalog, k, n).is_none_or(|known| known.existed_before(cx)),
    });
    existed.then(|| {
        (
            format!("{keyword} {}", list(&d.names)),
            "IF EXISTS",
            insert_after_leading_words(&cx.stmt.text, DROP_KINDS, "IF EXISTS"),
        )
    })
}

fn list(names: &[ObjectName]) -> String {
    names
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `ALTER TABLE` with `IF NOT EXISTS` added to each `ADD [COLUMN]` of a column, and `IF
/// EXISTS` to each `DROP [COLUMN]` and `DROP CONSTRAINT`, that lacks it.
fn alter_table_fix(sql: &str) -> Option<String> {
    let sql = without_semicolon(sql);
    let toks: Vec<Token> = sql_tokens(sql).collect();
    let word = |i: usize| {
        toks.get(i)
            .filter(|t| t.kind == Tok::Word)
            .map(|t| sql[t.start..t.end].to_ascii_lowercase())
    };
    let punct = |i: usize, p: &str| {
        toks.get(i)
            .is_some_and(|t| t.kind == Tok::Punct && &sql[t.start..t.end] == p)
    };
    if word(0).as_deref() != Some("alter") || word(1).as_deref() != Some("table") {
        return None;
    }
    // ALTER TABLE [IF EXISTS] [ONLY] name [*]
    let mut i = 2;
    if word(i).as_deref() == Some("if") {
        i += 2;
    }
    if word(i).as_deref() == Some("only") {
        i += 1;
    }
    i += 1;
    while punct(i, ".") {
        i += 2;
    }
    if punct(i, "*") {
        i += 1;
    }
    const CONSTRAINT_STARTS: &[&str] = &[
        "constraint",
        "primary",
        "unique",
        "check",
        "foreign",
        "exclude",
        "if",
    ];
    let mut inserts: Vec<(usize, &str)> = Vec::new();
    let mut depth = 0i32;
    let mut action_start = true;
    while i < toks.len() {
        if punct(i, "(") {
            depth += 1;
        } else if punct(i, ")") {
            depth -= 1;
        } else if depth == 0 && punct(i, ",") {
            action_start = true;
            i += 1;
            continue;
        }
        if action_start && depth == 0 {
            action_start = false;
            let at = |j: usize| toks.get(j).map(|t| t.start);
            match word(i).as_deref() {
                Some("add") => {
                    let j = if word(i + 1).as_deref() == Some("column") {
                        i + 2
                    } else {
                        i + 1
                    };
                    let starts_constraint =
                        word(j).is_some_and(|w| CONSTRAINT_STARTS.contains(&w.as_str()));
                    if !starts_constraint {
                        inserts.extend(at(j).map(|p| (p, "IF NOT EXISTS ")));
                    }
                }
                Some("drop") => {
                    let j = match word(i + 1).as_deref() {
                        Some("column" | "constraint") => i + 2,
                        _ => i + 1,
                    };
                    if word(j).as_deref() != Some("if") {
                        inserts.extend(at(j).map(|p| (p, "IF EXISTS ")));
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    if inserts.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(sql.len() + 16 * inserts.len());
    let mut last = 0;
    for (p, s) in inserts {
        out.push_str(&sql[last..p]);
        out.push_str(s);
        last = p;
    }
    out.push_str(&sql[last..]);
    out.push(';');
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alter_table_fix_adds_the_clauses_each_action_lacks() {
        assert_eq!(
            alter_table_fix(
                "ALTER TABLE ONLY public.accounts ADD COLUMN region text DEFAULT 'eu', ADD CONSTRAINT c CHECK (x > 0), DROP COLUMN IF EXISTS a, DROP legacy, DROP CONSTRAINT old_fk;"
            )
            .as_deref(),
            Some(
                "ALTER TABLE ONLY public.accounts ADD COLUMN IF NOT EXISTS region text DEFAULT 'eu', ADD CONSTRAINT c CHECK (x > 0), DROP COLUMN IF EXISTS a, DROP IF EXISTS legacy, DROP CONSTRAINT IF EXISTS old_fk;"
            )
        );
        assert_eq!(
            alter_table_fix("alter table t add x numeric(10, 2)").as_deref(),
            Some("alter table t add IF NOT EXISTS x numeric(10, 2);")
        );
        assert_eq!(
            alter_table_fix("ALTER TABLE t ALTER COLUMN x DROP DEFAULT"),
            None
        );
    }
}
