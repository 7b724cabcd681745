//! ADD COLUMN that must fill every existing row (volatile default, serial, identity,
//! stored generated column, a domain with constraints, or any default before PostgreSQL
//! 11) rewrites the table.

use super::{Context, Rule, Severity, Violation};
use crate::catalog::TypeKind;
use crate::catalog::replay::make_object_name;
use crate::lock::LockMode;
use crate::ops::names::quote_ident;
use crate::ops::{AlterTable, AlterTableAction, ColumnDef, ConstraintKind, ObjectName, TypeName};

pub struct AddColumnRewrite;

impl Rule for AddColumnRewrite {
    fn id(&self) -> &'static str {
        "add-column-rewrite"
    }
    fn default_severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "ADD COLUMN with a volatile default, serial, identity or stored generated column rewrites the table"
    }
    fn category(&self) -> super::Category {
        super::Category::Locks
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let Some((at, table)) = cx.alter_table_target() else {
            return;
        };
        if !cx.is_preexisting(table) || !cx.effects.rewrites_table(table) {
            return;
        }
        for (i, action) in at.actions.iter().enumerate() {
            if cx.skips_add_column(table, action) {
                continue;
            }
            let AlterTableAction::AddColumn {
                column,
                if_not_exists,
            } = action
            else {
                continue;
            };
            let fills = column.ty.is_serial()
                || column.identity.is_some()
                || column.generated.as_ref().is_some_and(|g| g.stored)
                || column.default.as_ref().is_some_and(|d| !d.is_null)
                || constrained_domain(cx, &column.ty).is_some();
            if !fills {
                continue;
            }
            let why = cx
                .effects
                .notes
                .iter()
                .find(|n| n.starts_with("rewrites"))
                .cloned()
                .unwrap_or_else(|| format!("every row of {table} gets a value"));
            let fix = fix(cx, at, i, *if_not_exists, table, column);
            // the DEFAULT when it is what fills every row, else the whole ADD COLUMN
            let by_default = !column.ty.is_serial()
                && column.identity.is_none()
                && !column.generated.as_ref().is_some_and(|g| g.stored)
                && constrained_domain(cx, &column.ty).is_none();
            let span = by_default
                .then(|| {
                    super::clause::column_part(
                        cx.stmt,
                        &column.name,
                        super::clause::ColumnPart::Default,
                        None,
                    )
                })
                .flatten()
                .or_else(|| super::clause::action(cx.stmt, at, i));
            out.push(Violation {
                span,
                message: format!(
                    "adding {table}.{} rewrites the whole table under ACCESS EXCLUSIVE",
                    column.name
                ),
                relation: Some(table.clone()),
                lock_mode: Some(LockMode::AccessExclusive),
                why: Some(
                    format!("{why}; reads and writes on {table} wait for the rewrite").into(),
                ),
                fix: Some(fix),
                ..Default::default()
            });
        }
    }
}

/// The base type of a domain with constraints: PostgreSQL checks (and writes) every row
/// for such a column, even without a default.
fn constrained_domain<'a>(cx: &Context<'a>, ty: &TypeName) -> Option<&'a TypeName> {
    match &cx
        .catalog
        .type_def(&ObjectName::new(ty.schema.as_deref(), &ty.name))?
        .kind
    {
        TypeKind::Domain {
            base,
            has_constraints: true,
        } => Some(base),
        _ => None,
    }
}

/// The column added without a rewrite, then filled and constrained step by step: every
/// clause of the user's definition is kept (the default, `NOT NULL`, its constraints),
/// each added in a way that does not rewrite the table or block traffic for a scan.
fn fix(
    cx: &Context,
    at: &AlterTable,
    action: usize,
    if_not_exists: bool,
    table: &ObjectName,
    column: &ColumnDef,
) -> String {
    // fixes use the name as the user wrote it
    let written = &at.name;
    let name = quote_ident(&column.name);
    let mut steps: Vec<String> = Vec::new();
    let domain = constrained_domain(cx, &column.ty);
    let sequence = column
        .ty
        .is_serial()
        .then(|| make_object_name(&table.name, Some(&column.name), "seq"));
    // what fills the old rows, and the default new rows get
    let default: Option<String> = match (&column.default, &sequence) {
        (Some(d), _) if !d.is_null => Some(d.text.clone()),
        (_, Some(seq)) => Some(format!(
            "nextval({})",
            quote_literal(&ObjectName::new(table.schema.as_deref(), seq).to_string())
        )),
        _ => None,
    };
    let head = if column.identity.is_some() {
        "add it as a plain nullable column, fill it in batches, then make it NOT NULL and an identity (no step rewrites the table or scans it under a lock that blocks traffic)"
    } else if column.generated.is_some() {
        "add it as a plain nullable column with a trigger or the application filling it, and backfill old rows in batches: a stored generated column cannot be added without a rewrite"
    } else if domain.is_some() {
        "add it with the domain's base type (no rewrite), and enforce the domain's rule with a CHECK added NOT VALID and validated later"
    } else {
        "add the column without a default, then set the default for new rows, backfill old rows in batches, and only then add its constraints (NOT VALID, validated without blocking traffic)"
    };
    let ty = match domain {
        Some(base) => base.text.clone(),
        // a serial's storage type (`serial` is not a type ADD COLUMN can keep here)
        None if column.ty.is_serial() => column.ty.without_serial().name,
        None => column.ty.text.clone(),
    };
    let mut plain = quote_ident(&column.name);
    plain.push(' ');
    plain.push_str(&ty);
    if let Some(collation) = &column.collation {
        plain.push_str(" COLLATE ");
        plain.push_str(collation);
    }
    let ine = if if_not_exists { "IF NOT EXISTS " } else { "" };
    let add = format!("ADD COLUMN {ine}{plain}");
    steps.push(with_other_actions(&cx.stmt.text, at, action, &add));
    if let Some(seq) = &sequence {
        let seq = ObjectName::new(written.schema.as_deref(), seq);
        let owner = format!("{written}.{name}");
        steps.push(format!("CREATE SEQUENCE {seq} OWNED BY {owner};"));
    }
    if let Some(d) = &default {
        steps.push(format!(
            "ALTER TABLE {written} ALTER COLUMN {name} SET DEFAULT {d};"
        ));
        steps.push(format!(
            "-- backfill in batches, repeated until it updates no row (a short transaction each):\n\
             UPDATE {written} SET {name} = {d} WHERE ctid IN (SELECT ctid FROM {written} WHERE {name} IS NULL LIMIT 10000);"
        ));
    } else if column.identity.is_some() || column.generated.is_some() {
        steps.push("-- backfill old rows in batches before the next steps".to_string());
    }
    let not_null = column.not_null
        || column.identity.is_some()
        || column.ty.is_serial()
        || column
            .constraints
            .iter()
            .any(|c| matches!(c.kind, ConstraintKind::PrimaryKey { .. }));
    if not_null {
        let check = quote_ident(&make_object_name(
            &table.name,
            Some(&column.name),
            "not_null_check",
        ));
        steps.push(format!(
            "ALTER TABLE {written} ADD CONSTRAINT {check} CHECK ({name} IS NOT NULL) NOT VALID;"
        ));
        steps.push(format!(
            "ALTER TABLE {written} VALIDATE CONSTRAINT {check};"
        ));
        let proven = if cx.version.0 >= 12 {
            "   -- PostgreSQL 12+: no scan, the validated CHECK proves it"
        } else {
            ""
        };
        steps.push(format!(
            "ALTER TABLE {written} ALTER COLUMN {name} SET NOT NULL;{proven}"
        ));
        steps.push(format!("ALTER TABLE {written} DROP CONSTRAINT {check};"));
    }
    if let Some(identity) = &column.identity {
        let kind = match identity {
            crate::ops::IdentityKind::Always => "ALWAYS",
            crate::ops::IdentityKind::ByDefault => "BY DEFAULT",
        };
        steps.push(format!(
            "ALTER TABLE {written} ALTER COLUMN {name} ADD GENERATED {kind} AS IDENTITY;   -- then move the sequence past the backfilled values (setval)"
        ));
    }
    if domain.is_some() {
        steps.push(format!(
            "-- then enforce the domain's rule as a table CHECK on {name}, added NOT VALID and validated in a later migration"
        ));
    }
    for c in &column.constraints {
        let Some(sql) = super::fixes::constraint_sql(c) else {
            continue;
        };
        let cname = quote_ident(&crate::catalog::replay::constraint_name(table, c));
        match &c.kind {
            ConstraintKind::Check { .. } | ConstraintKind::ForeignKey { .. } => {
                steps.push(format!(
                    "ALTER TABLE {written} ADD CONSTRAINT {cname} {sql} NOT VALID;"
                ));
                steps.push(format!(
                    "ALTER TABLE {written} VALIDATE CONSTRAINT {cname};"
                ));
            }
            ConstraintKind::Unique { .. } | ConstraintKind::PrimaryKey { .. } => {
                let kind = if matches!(c.kind, ConstraintKind::Unique { .. }) {
                    "UNIQUE"
                } else {
                    "PRIMARY KEY"
                };
                steps.push(format!(
                    "CREATE UNIQUE INDEX CONCURRENTLY {cname} ON {written} ({name});   -- outside a transaction"
                ));
                steps.push(format!(
                    "ALTER TABLE {written} ADD CONSTRAINT {cname} {kind} USING INDEX {cname};"
                ));
            }
            _ => {}
        }
    }
    format!("{head}:\n{}", steps.join("\n"))
}

/// The statement with its action number `action` replaced by `replacement`: the other
/// actions (dropping the old key the column replaces, ...) still have to run. When the
/// text does not split into its actions, the other actions are left to the user (a
/// placeholder: display-only).
fn with_other_actions(sql: &str, at: &AlterTable, action: usize, replacement: &str) -> String {
    // fixes use the name as the user wrote it
    let written = &at.name;
    if at.actions.len() == 1 {
        return format!("ALTER TABLE {written} {replacement};");
    }
    let sql = super::fixes::without_semicolon(sql);
    let ranges = super::fixes::alter_table_actions(sql);
    match ranges.get(action) {
        Some((start, end)) if ranges.len() == at.actions.len() => {
            format!("{}{replacement}{};", &sql[..*start], &sql[*end..])
        }
        _ => format!(
            "ALTER TABLE {written} {replacement}, ...;   -- with the statement's other actions"
        ),
    }
}

fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
