//! ADD UNIQUE / PRIMARY KEY builds its index under ACCESS EXCLUSIVE.

use super::{Context, Rule, Severity, Violation};
use crate::lock::LockMode;
use crate::ops::ObjectName;
use crate::ops::{AlterTableAction, ConstraintKind};

pub struct AddUniqueWithoutIndex;

impl Rule for AddUniqueWithoutIndex {
    fn id(&self) -> &'static str {
        "add-unique-without-index"
    }
    fn default_severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "ADD UNIQUE / PRIMARY KEY builds an index under ACCESS EXCLUSIVE; build it concurrently and attach it with USING INDEX"
    }
    fn category(&self) -> super::Category {
        super::Category::Locks
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let Some((at, table)) = cx.alter_of_existing_table() else {
            return;
        };
        // fixes use the name as the user wrote it
        let written = &at.name;
        for (i, action) in at.actions.iter().enumerate() {
            let c = match action {
                AlterTableAction::AddConstraint(c) => c,
                AlterTableAction::AddColumn { .. } if cx.skips_add_column(table, action) => {
                    continue;
                }
                AlterTableAction::AddColumn { column, .. } => {
                    inline_key(cx, table, written, column, at.actions.len() > 1, out);
                    continue;
                }
                _ => continue,
            };
            let (kind, columns) = match &c.kind {
                ConstraintKind::Unique {
                    columns,
                    using_index: None,
                    ..
                } => ("UNIQUE", columns),
                ConstraintKind::PrimaryKey {
                    columns,
                    using_index: None,
                } => ("PRIMARY KEY", columns),
                _ => continue,
            };
            let label = if kind == "UNIQUE" { "key" } else { "pkey" };
            let name = c.name.clone().unwrap_or_else(|| {
                let cols = (kind == "UNIQUE").then(|| columns.join("_"));
                crate::catalog::replay::make_object_name(&table.name, cols.as_deref(), label)
            });
            let cols = columns.join(", ");
            // the fix prints names quoted where PostgreSQL needs it (they are stored folded)
            let sql_cols = super::fixes::idents(columns);
            let nulls = match &c.kind {
                ConstraintKind::Unique {
                    nulls_not_distinct: true,
                    ..
                } => " NULLS NOT DISTINCT",
                _ => "",
            };
            let deferrable = if c.deferrable { " DEFERRABLE" } else { "" };
            // the index gets the constraint's name when attached: build it under a free
            // one (the name may still be taken, by what the statement drops)
            let taken = |n: &str| {
                cx.catalog
                    .relation_kind(&ObjectName::new(table.schema.as_deref(), n))
                    .is_some()
            };
            let index = if taken(&name) {
                crate::catalog::replay::make_object_name(&name, None, "new")
            } else {
                name.clone()
            };
            let index = crate::ops::names::quote_ident(&index);
            let name = crate::ops::names::quote_ident(&name);
            // the statement's other actions (adding the columns, dropping the old key)
            // still have to run, before the constraint is attached
            let others = if at.actions.len() > 1 {
                format!(
                    "\nALTER TABLE {written} ...;   -- the statement's other actions, without this ADD {kind}"
                )
            } else {
                String::new()
            };
            out.push(Violation {
                span: super::clause::action(cx.stmt, at, i),
                message: format!(
                    "ADD {kind} on {table} builds its index while holding ACCESS EXCLUSIVE"
                ),
                relation: Some(table.clone()),
                lock_mode: Some(LockMode::AccessExclusive),
                why: Some(format!(
                    "reads and writes on {table} wait until the index over ({cols}) is built"
                ).into()),
                fix: Some(format!(
                    "build the index concurrently, then attach it (brief lock):{others}\n{}\nCREATE UNIQUE INDEX CONCURRENTLY {index} ON {written} ({sql_cols}){nulls};\n-- next migration:\nALTER TABLE {written} ADD CONSTRAINT {name} {kind} USING INDEX {index}{deferrable};",
                    cx.no_transaction_directive()
                )),
                ..Default::default()
            });
        }
    }
}

/// `ADD COLUMN c int UNIQUE` / `PRIMARY KEY`: the new column is NULL (or its default) in
/// every row, but the unique index is still built over the whole table while the
/// statement holds ACCESS EXCLUSIVE, exactly like `ADD CONSTRAINT ... UNIQUE (c)`.
fn inline_key(
    cx: &Context,
    table: &crate::ops::ObjectName,
    written: &crate::ops::ObjectName,
    column: &crate::ops::ColumnDef,
    other_actions: bool,
    out: &mut Vec<Violation>,
) {
    for c in &column.constraints {
        let (kind, label) = match &c.kind {
            ConstraintKind::Unique {
                using_index: None, ..
            } => ("UNIQUE", "key"),
            ConstraintKind::PrimaryKey {
                using_index: None, ..
            } => ("PRIMARY KEY", "pkey"),
            _ => continue,
        };
        let name = c.name.clone().unwrap_or_else(|| {
            let cols = (kind == "UNIQUE").then_some(column.name.as_str());
            crate::catalog::replay::make_object_name(&table.name, cols, label)
        });
        // the index gets the constraint's name when attached: build it under a free one
        // (the name may still be taken, by a key the statement drops)
        let taken = cx
            .catalog
            .relation_kind(&crate::ops::ObjectName::new(table.schema.as_deref(), &name))
            .is_some();
        let index = if taken {
            crate::catalog::replay::make_object_name(&name, None, "new")
        } else {
            name.clone()
        };
        // names printed as PostgreSQL needs them (they are stored folded)
        let col = crate::ops::names::quote_ident(&column.name);
        let name = crate::ops::names::quote_ident(&name);
        let index = crate::ops::names::quote_ident(&index);
        let others = if other_actions {
            format!(
                "\nALTER TABLE {written} ...;   -- the statement's other actions, without this column"
            )
        } else {
            String::new()
        };
        // the column as declared, without its key constraint (a primary key's column
        // must be NOT NULL before USING INDEX can attach it)
        let mut declared = format!("{col} {}", column.ty.text);
        if let Some(d) = &column.default {
            declared.push_str(&format!(" DEFAULT {}", d.text));
        }
        match column.identity {
            Some(crate::ops::IdentityKind::Always) => {
                declared.push_str(" GENERATED ALWAYS AS IDENTITY");
            }
            Some(crate::ops::IdentityKind::ByDefault) => {
                declared.push_str(" GENERATED BY DEFAULT AS IDENTITY");
            }
            None => {}
        }
        if let Some(g) = &column.generated {
            let stored = if g.stored { " STORED" } else { "" };
            declared.push_str(&format!(" GENERATED ALWAYS AS ({}){stored}", g.expr.text));
        }
        if column.not_null {
            declared.push_str(" NOT NULL");
        }
        out.push(Violation {
            // the inline UNIQUE / PRIMARY KEY of the column
            span: super::clause::ColumnPart::of(c).and_then(|part| {
                super::clause::column_part(cx.stmt, &column.name, part, c.name.as_deref())
            }),
            message: format!(
                "ADD COLUMN {col} ... {kind} on {table} builds a unique index while holding ACCESS EXCLUSIVE"
            ),
            relation: Some(table.clone()),
            lock_mode: Some(LockMode::AccessExclusive),
            why: Some(format!(
                "the new column's unique index is built over every row of {table} (as ADD CONSTRAINT ... {kind} would), while reads and writes on {table} wait"
            ).into()),
            fix: Some(format!(
                "add the column without the constraint, build the index concurrently, then attach it (brief lock):{others}\n\
                 ALTER TABLE {written} ADD COLUMN {declared};\n\
                 -- next migration:\n{}\n\
                 CREATE UNIQUE INDEX CONCURRENTLY {index} ON {written} ({col});\n\
                 -- next migration:\n\
                 ALTER TABLE {written} ADD CONSTRAINT {name} {kind} USING INDEX {index};",
                cx.no_transaction_directive()
            )),
            ..Default::default()
        });
    }
}
