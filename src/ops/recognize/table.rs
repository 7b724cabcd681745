//! `ALTER TABLE` (every action, since one action sqlparser rejects loses the whole
//! statement), `CREATE TABLE`, and the column definitions and constraints they share.

use super::cursor::{Cursor, Tok, is_word, split_commas};
use super::expr::{expr, type_name};
use super::query::query_reads;
use crate::ops::{
    AlterTable, AlterTableAction, ColumnDef, Constraint, ConstraintKind, CreateTable, Generated,
    IdentityChange, IdentityKind, ObjectName, Operation, PartitionBound, Persistence, TypeName,
};
use sqlparser::tokenizer::Token;

/// Where a column's type ends and its constraints begin.
const COLUMN_CLAUSES: &[&str] = &[
    "not",
    "null",
    "default",
    "constraint",
    "primary",
    "unique",
    "references",
    "check",
    "collate",
    "generated",
    "using",
    "deferrable",
    "initially",
    "storage",
    "compression",
];

/// `ALTER TABLE` after its two keywords.
pub(super) fn alter_table(c: &mut Cursor) -> Option<Operation> {
    if c.eat_seq(&["all", "in", "tablespace"]) {
        // moves every table of a tablespace: no single name
        return Some(Operation::AlterTable(AlterTable {
            name: ObjectName::unqualified(""),
            if_exists: false,
            only: false,
            actions: vec![AlterTableAction::Other {
                description: format!("ALL IN TABLESPACE {}", c.text(c.rest())),
            }],
        }));
    }
    let if_exists = c.eat_seq(&["if", "exists"]);
    let only = c.eat_kw("only");
    let name = c.object_name()?;
    c.eat_tok(&Token::Mul);
    if c.at_end() {
        return None;
    }
    // an action we do not model is kept as `Other`, but only when PostgreSQL has an
    // action starting so: `ALTER TABLE t FROBNICATE` is not PostgreSQL, and the
    // statement stays unparsed (and reported) rather than guessed at
    let actions = split_commas(c.take_rest())
        .into_iter()
        .map(|toks| {
            let mut a = c.over(toks);
            match alter_action(&mut a) {
                Some(action) if a.at_end() => Some(action),
                _ if is_action_start(&c.over(toks)) => Some(AlterTableAction::Other {
                    description: a.text(toks),
                }),
                _ => None,
            }
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Operation::AlterTable(AlterTable {
        name,
        if_exists,
        only,
        actions,
    }))
}

/// The words an `ALTER TABLE` action starts with, in PostgreSQL 10-18 (`ALTER [COLUMN]`,
/// `SET ...`, `NO INHERIT`, `NOT OF`, `OWNER TO`, `REPLICA IDENTITY`, ...).
const ACTION_STARTS: &[&str] = &[
    "add", "alter", "attach", "cluster", "detach", "disable", "drop", "enable", "force", "inherit",
    "no", "not", "of", "owner", "rename", "replica", "reset", "set", "validate",
];

fn is_action_start(c: &Cursor) -> bool {
    ACTION_STARTS.iter().any(|kw| c.is_kw(kw))
}

/// One action of `ALTER TABLE`. The caller checks that it consumed every token.
fn alter_action(c: &mut Cursor) -> Option<AlterTableAction> {
    use AlterTableAction as A;
    if c.eat_kw("add") {
        if c.eat_kw("column") {
            let if_not_exists = c.eat_seq(&["if", "not", "exists"]);
            let column = column_def(c)?;
            return Some(A::AddColumn {
                column,
                if_not_exists,
            });
        }
        if is_table_constraint_start(c) {
            return Some(A::AddConstraint(table_constraint(c)?));
        }
        let if_not_exists = c.eat_seq(&["if", "not", "exists"]);
        let column = column_def(c)?;
        return Some(A::AddColumn {
            column,
            if_not_exists,
        });
    }
    if c.eat_kw("drop") {
        if c.eat_kw("constraint") {
            let if_exists = c.eat_seq(&["if", "exists"]);
            let name = c.ident()?;
            let cascade = drop_behaviour(c);
            return Some(A::DropConstraint {
                name,
                if_exists,
                cascade,
            });
        }
        c.eat_kw("column");
        let if_exists = c.eat_seq(&["if", "exists"]);
        let name = c.ident()?;
        let cascade = drop_behaviour(c);
        return Some(A::DropColumn {
            name,
            if_exists,
            cascade,
        });
    }
    if c.eat_kw("alter") {
        if c.is_kw("constraint") {
            return None; // deferrability and inheritance changes: kept as Other
        }
        c.eat_kw("column");
        let column = c.ident()?;
        return alter_column(c, column);
    }
    if c.eat_kw("rename") {
        if c.eat_kw("constraint") {
            let from = c.ident()?;
            c.expect_kw("to")?;
            let to = c.ident()?;
            return Some(A::RenameConstraint { from, to });
        }
        if c.eat_kw("to") {
            return Some(A::RenameTable { to: c.ident()? });
        }
        c.eat_kw("column");
        let from = c.ident()?;
        c.expect_kw("to")?;
        let to = c.ident()?;
        return Some(A::RenameColumn { from, to });
    }
    if c.eat_seq(&["validate", "constraint"]) {
        return Some(A::ValidateConstraint { name: c.ident()? });
    }
    if c.eat_kw("set") {
        if c.eat_kw("schema") {
            return Some(A::SetSchema { schema: c.ident()? });
        }
        if c.eat_kw("tablespace") {
            let tablespace = c.ident()?;
            c.eat_kw("nowait");
            return Some(A::SetTablespace { tablespace });
        }
        if c.eat_seq(&["access", "method"]) {
            return Some(A::SetAccessMethod { method: c.ident()? });
        }
        if c.eat_kw("logged") {
            return Some(A::SetLogged);
        }
        if c.eat_kw("unlogged") {
            return Some(A::SetUnlogged);
        }
        if c.eat_seq(&["without", "cluster"]) {
            return Some(A::SetWithoutCluster);
        }
        if c.is_tok(&Token::LParen) {
            let inner = c.parens()?;
            let params = param_names(c, inner);
            return Some(A::SetStorageParams {
                params,
                reset: false,
            });
        }
        return None;
    }
    if c.eat_kw("reset") {
        let inner = c.parens()?;
        let params = param_names(c, inner);
        return Some(A::SetStorageParams {
            params,
            reset: true,
        });
    }
    if c.eat_seq(&["cluster", "on"]) {
        return Some(A::ClusterOn { index: c.ident()? });
    }
    if c.eat_kw("inherit") {
        return Some(A::Inherit {
            parent: c.object_name()?,
            no: false,
        });
    }
    if c.eat_seq(&["no", "inherit"]) {
        return Some(A::Inherit {
            parent: c.object_name()?,
            no: true,
        });
    }
    if c.eat_seq(&["owner", "to"]) {
        return super::misc::role(c).map(A::OwnerTo);
    }
    if c.eat_seq(&["replica", "identity"]) {
        c.take_rest();
        return Some(A::ReplicaIdentity);
    }
    if c.eat_seq(&["no", "force", "row", "level", "security"])
        || c.eat_seq(&["force", "row", "level", "security"])
    {
        return Some(A::RowSecurity);
    }
    if let Some(which) = c.eat_one_of(&["enable", "disable"]) {
        let enable = which == "enable";
        if c.eat_seq(&["row", "level", "security"]) {
            return Some(A::RowSecurity);
        }
        c.eat_one_of(&["always", "replica"]);
        if c.eat_kw("trigger") {
            return Some(A::Trigger {
                name: c.ident()?,
                enable,
            });
        }
        if c.eat_kw("rule") {
            c.ident()?;
            return Some(A::RowSecurity);
        }
        return None;
    }
    if c.eat_seq(&["attach", "partition"]) {
        let partition = c.object_name()?;
        if c.eat_kw("default") {
            return Some(A::AttachPartition {
                partition,
                default: true,
                bound: Some(PartitionBound::Default),
            });
        }
        c.expect_kw("for")?;
        c.expect_kw("values")?;
        let bound = for_values(c);
        c.take_rest();
        return Some(A::AttachPartition {
            partition,
            default: false,
            bound,
        });
    }
    if c.eat_seq(&["detach", "partition"]) {
        let partition = c.object_name()?;
        let concurrently = c.eat_kw("concurrently");
        let finalize = c.eat_kw("finalize");
        return Some(A::DetachPartition {
            partition,
            concurrently,
            finalize,
        });
    }
    None
}

/// The bound after `FOR VALUES`: `IN (...)`, `FROM (...) TO (...)` or `WITH (MODULUS m,
/// REMAINDER r)`, values as written; `None` (nothing consumed) for anything else.
fn for_values(c: &mut Cursor) -> Option<PartitionBound> {
    let mut probe = c.clone();
    let values = |c: &Cursor, toks: &[Tok]| -> Vec<String> {
        split_commas(toks).into_iter().map(|v| c.text(v)).collect()
    };
    let bound = if probe.eat_kw("in") {
        PartitionBound::List(values(&probe, probe.clone().parens()?))
    } else if probe.eat_kw("from") {
        let from = probe.parens()?;
        probe.expect_kw("to")?;
        let to = probe.parens()?;
        PartitionBound::Range {
            from: values(&probe, from),
            to: values(&probe, to),
        }
    } else if probe.eat_kw("with") {
        let mut modulus = None;
        let mut remainder = None;
        for part in split_commas(probe.clone().parens()?) {
            let mut p = probe.over(part);
            let which = p.eat_one_of(&["modulus", "remainder"])?;
            let Some(Token::Number(n, _)) = p.advance() else {
                return None;
            };
            let n: u64 = n.parse().ok()?;
            if which == "modulus" {
                modulus = Some(n);
            } else {
                remainder = Some(n);
            }
        }
        PartitionBound::Hash {
            modulus: modulus?,
            remainder: remainder?,
        }
    } else {
        return None;
    };
    // consume what was read
    if matches!(bound, PartitionBound::List(_) | PartitionBound::Hash { .. }) {
        probe.parens();
    }
    *c = probe;
    Some(bound)
}

/// `[RESTRICT | CASCADE]`: true for CASCADE.
fn drop_behaviour(c: &mut Cursor) -> bool {
    c.eat_kw("restrict");
    c.eat_kw("cascade")
}

/// The part of `ALTER [COLUMN] c ...` after the column name.
fn alter_column(c: &mut Cursor, column: String) -> Option<AlterTableAction> {
    use AlterTableAction as A;
    if c.eat_seq(&["set", "data", "type"]) || c.eat_kw("type") {
        let ty = c.until_kw(&["collate", "using"]);
        if ty.is_empty() {
            return None;
        }
        let ty = type_name(c.sql, ty);
        let collation = if c.eat_kw("collate") {
            Some(c.name_parts()?.join("."))
        } else {
            None
        };
        let using = if c.eat_kw("using") {
            let e = c.take_rest();
            if e.is_empty() {
                return None;
            }
            Some(expr(c.sql, e))
        } else {
            None
        };
        return Some(A::AlterColumnType {
            column,
            ty,
            using,
            collation,
        });
    }
    if c.eat_seq(&["set", "default"]) {
        let e = c.take_rest();
        if e.is_empty() {
            return None;
        }
        return Some(A::SetDefault {
            column,
            expr: expr(c.sql, e),
        });
    }
    if c.eat_seq(&["drop", "default"]) {
        return Some(A::DropDefault { column });
    }
    if c.eat_seq(&["set", "not", "null"]) {
        return Some(A::SetNotNull { column });
    }
    if c.eat_seq(&["drop", "not", "null"]) {
        return Some(A::DropNotNull { column });
    }
    if c.eat_seq(&["drop", "expression"]) {
        c.eat_seq(&["if", "exists"]);
        return Some(A::GeneratedExpression { column, expr: None });
    }
    if c.eat_seq(&["set", "expression", "as"]) {
        let inner = c.parens()?;
        return Some(A::GeneratedExpression {
            column,
            expr: Some(expr(c.sql, inner)),
        });
    }
    if c.eat_kw("add") {
        let kind = identity_kind(c)?;
        c.expect_kw("as")?;
        c.expect_kw("identity")?;
        c.parens();
        return Some(A::Identity {
            column,
            change: IdentityChange::Add(kind),
        });
    }
    if c.eat_seq(&["drop", "identity"]) {
        let if_exists = c.eat_seq(&["if", "exists"]);
        return Some(A::Identity {
            column,
            change: IdentityChange::Drop { if_exists },
        });
    }
    if c.eat_seq(&["set", "statistics"]) {
        c.take_rest();
        return Some(A::SetStatistics { column });
    }
    if c.eat_seq(&["set", "storage"]) {
        c.ident()?;
        return Some(A::SetStorage { column });
    }
    if c.eat_seq(&["set", "compression"]) {
        c.ident()?;
        return Some(A::SetCompression { column });
    }
    if (c.is_kw("set") || c.is_kw("reset")) && c.peek_at(1) == Some(&Token::LParen) {
        c.advance();
        c.parens()?;
        return Some(A::SetColumnOptions { column });
    }
    // identity options: `SET GENERATED ...`, `SET INCREMENT BY 2`, `RESTART [WITH] n`, ...
    if c.is_seq(&["set", "generated"])
        || c.is_kw("restart")
        || (c.is_kw("set")
            && [
                "increment",
                "start",
                "minvalue",
                "maxvalue",
                "no",
                "cycle",
                "cache",
                "as",
            ]
            .iter()
            .any(|kw| c.is_kw_at(1, kw)))
    {
        let mut kind = None;
        let mut i = 0;
        while c.peek_at(i).is_some() {
            if c.is_kw_at(i, "generated") {
                if c.is_kw_at(i + 1, "always") {
                    kind = Some(IdentityKind::Always);
                } else if c.is_kw_at(i + 1, "by") && c.is_kw_at(i + 2, "default") {
                    kind = Some(IdentityKind::ByDefault);
                }
            }
            i += 1;
        }
        c.take_rest();
        return Some(A::Identity {
            column,
            change: IdentityChange::Set { kind },
        });
    }
    None
}

/// `ALWAYS` or `BY DEFAULT`, after `GENERATED`.
fn identity_kind(c: &mut Cursor) -> Option<IdentityKind> {
    c.expect_kw("generated")?;
    if c.eat_kw("always") {
        Some(IdentityKind::Always)
    } else if c.eat_seq(&["by", "default"]) {
        Some(IdentityKind::ByDefault)
    } else {
        None
    }
}

/// `SET (a = 1, toast.b = 2)` / `RESET (a)`: the parameter names, lowercased.
fn param_names(c: &Cursor, inner: &[Tok]) -> Vec<String> {
    split_commas(inner)
        .into_iter()
        .filter_map(|p| c.over(p).name_parts().map(|parts| parts.join(".")))
        .collect()
}

fn is_table_constraint_start(c: &Cursor) -> bool {
    [
        "constraint",
        "check",
        "unique",
        "primary",
        "foreign",
        "exclude",
    ]
    .iter()
    .any(|kw| c.is_kw(kw))
        || c.is_seq(&["not", "null"])
}

/// A column definition: `name type [COLLATE c] [constraints]`. With `typed = false` (a
/// partition or typed table) the type may be missing.
pub(super) fn column_def(c: &mut Cursor) -> Option<ColumnDef> {
    column_def_inner(c, true)
}

fn column_def_inner(c: &mut Cursor, typed: bool) -> Option<ColumnDef> {
    let name = c.ident()?;
    if !typed {
        c.eat_seq(&["with", "options"]);
    }
    let ty_toks = c.until_kw(COLUMN_CLAUSES);
    if ty_toks.is_empty() && typed {
        return None;
    }
    let mut col = ColumnDef {
        name,
        ty: if ty_toks.is_empty() {
            TypeName::parse("")
        } else {
            type_name(c.sql, ty_toks)
        },
        not_null: false,
        default: None,
        generated: None,
        identity: None,
        collation: None,
        constraints: Vec::new(),
    };
    while !c.at_end() {
        let cname = if c.eat_kw("constraint") {
            Some(c.ident()?)
        } else {
            None
        };
        if c.eat_seq(&["not", "null"]) {
            col.not_null = true;
            c.eat_seq(&["no", "inherit"]);
        } else if c.eat_kw("null") {
        } else if c.eat_kw("default") {
            // the default runs to the next column clause (`DEFAULT NULL` is an expression)
            let toks = c.until_nonempty(default_ends);
            if toks.is_empty() {
                return None;
            }
            col.default = Some(Box::new(expr(c.sql, toks)));
        } else if c.eat_kw("check") {
            let inner = c.parens()?;
            let no_inherit = c.eat_seq(&["no", "inherit"]);
            col.constraints.push(constraint(
                cname,
                ConstraintKind::Check {
                    expr: expr(c.sql, inner),
                    no_inherit,
                },
            ));
        } else if c.eat_kw("unique") {
            let nulls_not_distinct = nulls_distinct(c);
            index_parameters(c);
            col.constraints.push(constraint(
                cname,
                ConstraintKind::Unique {
                    columns: vec![col.name.clone()],
                    using_index: None,
                    nulls_not_distinct,
                },
            ));
        } else if c.eat_seq(&["primary", "key"]) {
            index_parameters(c);
            col.constraints.push(constraint(
                cname,
                ConstraintKind::PrimaryKey {
                    columns: vec![col.name.clone()],
                    using_index: None,
                },
            ));
        } else if c.eat_kw("references") {
            let kind = references(c, vec![col.name.clone()])?;
            col.constraints.push(constraint(cname, kind));
        } else if c.eat_kw("generated") {
            let by_default = if c.eat_kw("always") {
                false
            } else {
                c.expect_kw("by")?;
                c.expect_kw("default")?;
                true
            };
            c.expect_kw("as")?;
            if c.eat_kw("identity") {
                c.parens();
                col.identity = Some(if by_default {
                    IdentityKind::ByDefault
                } else {
                    IdentityKind::Always
                });
            } else {
                let inner = c.parens()?;
                let stored = c.eat_kw("stored");
                c.eat_kw("virtual");
                col.generated = Some(Box::new(Generated {
                    expr: expr(c.sql, inner),
                    stored,
                    by_default,
                }));
            }
        } else if c.eat_kw("collate") {
            col.collation = Some(c.name_parts()?.join("."));
        } else if c.eat_kw("deferrable") {
            if let Some(last) = col.constraints.last_mut() {
                last.deferrable = true;
                if let ConstraintKind::ForeignKey { deferrable, .. } = &mut last.kind {
                    *deferrable = true;
                }
            }
        } else if c.eat_seq(&["not", "deferrable"]) {
        } else if c.eat_kw("initially") {
            c.eat_one_of(&["deferred", "immediate"])?;
        } else if c.eat_kw("storage") || c.eat_kw("compression") {
            c.ident()?;
        } else {
            return None;
        }
    }
    Some(col)
}

/// Where a column's `DEFAULT` expression ends: at the next column clause, but not at the
/// `NOT`/`NULL` of `IS [NOT] NULL` or `NOT NULL` inside the expression.
fn default_ends(c: &Cursor) -> bool {
    let prev = |kw: &str| {
        c.pos
            .checked_sub(1)
            .and_then(|i| c.toks.get(i))
            .is_some_and(|t| is_word(&t.token, kw))
    };
    if c.is_kw("not") {
        return !prev("is") && (c.is_kw_at(1, "null") || c.is_kw_at(1, "deferrable"));
    }
    if c.is_kw("null") {
        return !prev("is") && !prev("not");
    }
    COLUMN_CLAUSES.iter().any(|kw| c.is_kw(kw))
}

fn constraint(name: Option<String>, kind: ConstraintKind) -> Constraint {
    Constraint {
        name,
        kind,
        not_valid: false,
        deferrable: false,
        include: Vec::new(),
    }
}

/// `[NULLS [NOT] DISTINCT]`: true for NULLS NOT DISTINCT.
fn nulls_distinct(c: &mut Cursor) -> bool {
    if c.eat_seq(&["nulls", "not", "distinct"]) {
        true
    } else {
        c.eat_seq(&["nulls", "distinct"]);
        false
    }
}

/// `[INCLUDE (...)] [WITH (...)] [USING INDEX TABLESPACE x]` after UNIQUE/PRIMARY KEY/EXCLUDE:
/// the `INCLUDE` columns.
fn index_parameters(c: &mut Cursor) -> Vec<String> {
    let mut include = Vec::new();
    loop {
        if c.eat_kw("include") {
            let Some(inner) = c.parens() else {
                return include;
            };
            include = ident_list(c, inner).unwrap_or_default();
        } else if c.eat_kw("with") {
            if c.parens().is_none() {
                return include;
            }
        } else if c.eat_seq(&["using", "index", "tablespace"]) {
            if c.ident().is_none() {
                return include;
            }
        } else {
            return include;
        }
    }
}

/// `REFERENCES t [(cols)] [MATCH x] [ON DELETE a] [ON UPDATE a]`, after REFERENCES.
fn references(c: &mut Cursor, columns: Vec<String>) -> Option<ConstraintKind> {
    let ref_table = c.object_name()?;
    let ref_columns = match c.parens() {
        Some(inner) => ident_list(c, inner)?,
        None => Vec::new(),
    };
    let (mut on_delete, mut on_update, mut match_full) = (None, None, false);
    loop {
        if c.eat_kw("match") {
            match_full = c.eat_one_of(&["full", "partial", "simple"])? == "full";
        } else if c.eat_seq(&["on", "delete"]) {
            on_delete = Some(referential_action(c)?);
        } else if c.eat_seq(&["on", "update"]) {
            on_update = Some(referential_action(c)?);
        } else {
            break;
        }
    }
    Some(ConstraintKind::ForeignKey {
        columns,
        ref_table,
        ref_columns,
        on_delete,
        on_update,
        match_full,
        // set from the constraint's characteristics once they are read
        deferrable: false,
    })
}

fn referential_action(c: &mut Cursor) -> Option<String> {
    let action = if c.eat_seq(&["no", "action"]) {
        "NO ACTION"
    } else if c.eat_kw("restrict") {
        "RESTRICT"
    } else if c.eat_kw("cascade") {
        "CASCADE"
    } else if c.eat_seq(&["set", "null"]) {
        c.parens();
        "SET NULL"
    } else if c.eat_seq(&["set", "default"]) {
        c.parens();
        "SET DEFAULT"
    } else {
        return None;
    };
    Some(action.to_string())
}

/// `a, "B", c` -> folded names (each element's first identifier).
fn ident_list(c: &Cursor, inner: &[Tok]) -> Option<Vec<String>> {
    split_commas(inner)
        .into_iter()
        .map(|el| c.over(el).ident())
        .collect()
}

/// A table constraint: `[CONSTRAINT n] CHECK | UNIQUE | PRIMARY KEY | FOREIGN KEY |
/// EXCLUDE | NOT NULL ...` with its trailing attributes.
pub(super) fn table_constraint(c: &mut Cursor) -> Option<Constraint> {
    let name = if c.eat_kw("constraint") {
        Some(c.ident()?)
    } else {
        None
    };
    let mut include = Vec::new();
    let kind = if c.eat_kw("check") {
        let inner = c.parens()?;
        let no_inherit = c.eat_seq(&["no", "inherit"]);
        ConstraintKind::Check {
            expr: expr(c.sql, inner),
            no_inherit,
        }
    } else if c.eat_kw("unique") {
        if c.eat_seq(&["using", "index"]) {
            ConstraintKind::Unique {
                columns: Vec::new(),
                using_index: Some(c.ident()?),
                nulls_not_distinct: false,
            }
        } else {
            let nulls_not_distinct = nulls_distinct(c);
            let inner = c.parens()?;
            let columns = ident_list(c, inner)?;
            include = index_parameters(c);
            ConstraintKind::Unique {
                columns,
                using_index: None,
                nulls_not_distinct,
            }
        }
    } else if c.eat_seq(&["primary", "key"]) {
        if c.eat_seq(&["using", "index"]) {
            ConstraintKind::PrimaryKey {
                columns: Vec::new(),
                using_index: Some(c.ident()?),
            }
        } else {
            let inner = c.parens()?;
            let columns = ident_list(c, inner)?;
            index_parameters(c);
            ConstraintKind::PrimaryKey {
                columns,
                using_index: None,
            }
        }
    } else if c.eat_seq(&["foreign", "key"]) {
        let inner = c.parens()?;
        let columns = ident_list(c, inner)?;
        c.expect_kw("references")?;
        references(c, columns)?
    } else if c.eat_kw("exclude") {
        let using = if c.eat_kw("using") {
            Some(c.ident()?)
        } else {
            None
        };
        let inner = c.parens()?;
        let elements = split_commas(inner);
        let columns = elements
            .iter()
            .filter_map(|el| {
                let mut e = c.over(el);
                let id = e.ident()?;
                // a plain column is followed by WITH (or opclass/ordering words), not `(`/`.`
                (!e.is_tok(&Token::LParen) && !e.is_tok(&Token::Period)).then_some(id)
            })
            .collect();
        let names = elements
            .iter()
            .map(|el| {
                let mut e = c.over(el);
                let expr = e.until_kw(&["with"]);
                crate::ops::names::figure_colname(&c.text(expr))
                    .unwrap_or_else(|| "expr".to_string())
            })
            .collect();
        index_parameters(c);
        if c.eat_kw("where") {
            c.parens()?;
        }
        ConstraintKind::Exclude {
            columns,
            using,
            names,
        }
    } else if c.eat_seq(&["not", "null"]) {
        let column = c.ident()?;
        c.eat_seq(&["no", "inherit"]);
        ConstraintKind::NotNull { column }
    } else {
        return None;
    };
    let mut con = constraint(name, kind);
    con.include = include;
    loop {
        if c.eat_kw("deferrable") {
            con.deferrable = true;
        } else if c.eat_seq(&["not", "deferrable"]) {
            con.deferrable = false;
        } else if c.eat_kw("initially") {
            c.eat_one_of(&["deferred", "immediate"])?;
        } else if c.eat_seq(&["not", "valid"]) {
            con.not_valid = true;
        } else if c.eat_seq(&["not", "enforced"])
            || c.eat_kw("enforced")
            || c.eat_seq(&["no", "inherit"])
        {
            // no effect we model
        } else {
            break;
        }
    }
    if let ConstraintKind::ForeignKey { deferrable, .. } = &mut con.kind {
        *deferrable = con.deferrable;
    }
    Some(con)
}

/// `CREATE [GLOBAL|LOCAL] [TEMP|UNLOGGED] TABLE ...`, from the first keyword after CREATE.
pub(super) fn create_table(c: &mut Cursor) -> Option<Operation> {
    c.eat_one_of(&["global", "local"]);
    let persistence = if c.eat_one_of(&["temp", "temporary"]).is_some() {
        Persistence::Temporary
    } else if c.eat_kw("unlogged") {
        Persistence::Unlogged
    } else {
        Persistence::Permanent
    };
    c.expect_kw("table")?;
    let if_not_exists = c.eat_seq(&["if", "not", "exists"]);
    let name = c.object_name()?;
    let mut table = CreateTable {
        name,
        if_not_exists,
        persistence,
        columns: Vec::new(),
        constraints: Vec::new(),
        partitioned: false,
        partition_key: Vec::new(),
        partition_of: None,
        partition_bound: None,
        inherits: Vec::new(),
        like: Vec::new(),
        as_query: None,
        on_commit: false,
        of_type: None,
        foreign: false,
        options_problem: None,
        column_storage: false,
    };
    let typed = if c.eat_seq(&["partition", "of"]) {
        table.partition_of = Some(Box::new(c.object_name()?));
        false
    } else if c.eat_kw("of") {
        table.of_type = Some(Box::new(c.object_name()?));
        false
    } else {
        true
    };
    if let Some(inner) = c.parens() {
        let elements = split_commas(inner);
        let several = elements.len() > 1;
        for el in elements {
            if el.is_empty() {
                // `CREATE TABLE t ()` is valid; an empty element between commas is not
                if several {
                    return None;
                }
                continue;
            }
            let mut e = c.over(el);
            if e.eat_kw("like") {
                let mut like = crate::ops::Like::plain(e.object_name()?);
                while let Some(how) = e.eat_one_of(&["including", "excluding"]) {
                    let on = how == "including";
                    let what = e.ident()?;
                    match what.as_str() {
                        "all" => {
                            like.defaults = on;
                            like.generated = on;
                            like.identity = on;
                            like.constraints = on;
                        }
                        "defaults" => like.defaults = on,
                        "generated" => like.generated = on,
                        "identity" => like.identity = on,
                        "constraints" => like.constraints = on,
                        "comments" | "compression" | "indexes" | "statistics" | "storage" => {}
                        _ => return None,
                    }
                }
                if !e.at_end() {
                    return None;
                }
                table.like.push(like);
            } else if is_table_constraint_start(&e) {
                table.constraints.push(table_constraint(&mut e)?);
                if !e.at_end() {
                    return None;
                }
            } else {
                let mut probe = e.clone();
                match column_def_inner(&mut probe, typed) {
                    Some(col) if probe.at_end() => {
                        // `c text STORAGE plain`: PostgreSQL 16+ in CREATE TABLE
                        table.column_storage |=
                            el.iter().skip(2).any(|t| is_word(&t.token, "storage"));
                        table.columns.push(col);
                    }
                    // `CREATE TABLE t (a, b) AS query`: just names
                    _ if e.ident().is_some() && e.at_end() => {}
                    _ => return None,
                }
            }
        }
    }
    // the clauses after the element list, in any order
    let mut parameters: Option<Vec<(String, Option<String>)>> = None;
    while !c.at_end() {
        if c.eat_kw("inherits") {
            let inner = c.parens()?;
            for el in split_commas(inner) {
                table.inherits.push(c.over(el).object_name()?);
            }
        } else if c.eat_seq(&["partition", "by"]) {
            table.partitioned = true;
            c.ident()?;
            let key = c.parens()?;
            table.partition_key = split_commas(key)
                .into_iter()
                .map(|k| super::cursor::partition_key_element(&c.text(k)))
                .collect();
        } else if c.eat_seq(&["for", "values"]) {
            table.partition_bound = for_values(c).map(Box::new);
            c.until_kw(&["partition", "using", "with", "without", "on", "tablespace"]);
        } else if c.eat_kw("default") {
            table.partition_bound = Some(Box::new(PartitionBound::Default));
        } else if c.eat_kw("using") {
            c.ident()?;
        } else if c.eat_seq(&["without", "oids"]) {
        } else if c.is_kw("with") && c.peek_at(1) == Some(&Token::LParen) {
            c.advance();
            let list = c.parens()?;
            parameters = split_commas(list)
                .into_iter()
                .map(|el| storage_parameter(c, el))
                .collect();
        } else if c.eat_seq(&["on", "commit"]) {
            table.on_commit = true;
            c.eat_seq(&["preserve", "rows"]);
            c.eat_seq(&["delete", "rows"]);
            c.eat_kw("drop");
        } else if c.eat_kw("tablespace") {
            c.ident()?;
        } else if c.eat_kw("as") {
            let query =
                c.until(|c| c.is_seq(&["with", "data"]) || c.is_seq(&["with", "no", "data"]));
            table.as_query = Some(query_reads(&c.text(query)));
            c.eat_seq(&["with", "no", "data"]);
            c.eat_seq(&["with", "data"]);
        } else {
            return None;
        }
    }
    if let Some(parameters) = parameters {
        table.options_problem = crate::ops::reloptions::problem(
            crate::ops::reloptions::Target::Table {
                partitioned: table.partitioned,
            },
            &parameters,
        );
    }
    Some(Operation::CreateTable(table))
}

/// One `name [= value]` of `WITH (...)`: the name's parts folded and joined with dots,
/// the value as PostgreSQL reads it (a string without its quotes). `None` when it is
/// not that shape.
fn storage_parameter(c: &Cursor, el: &[Tok]) -> Option<(String, Option<String>)> {
    let eq = el.iter().position(|t| t.token == Token::Eq);
    let (name, value) = match eq {
        Some(i) => (el.get(..i)?, Some(el.get(i + 1..)?)),
        None => (el, None),
    };
    let mut parts = Vec::new();
    for t in name {
        match &t.token {
            Token::Period => {}
            other => parts.push(super::cursor::ident_of(other)?),
        }
    }
    let value = match value {
        None => None,
        Some([one]) => Some(
            super::cursor::string_of(&one.token)
                .unwrap_or_else(|| c.text(std::slice::from_ref(one))),
        ),
        Some(more) => Some(c.text(more)),
    };
    Some((parts.join("."), value))
}
