//! ADD COLUMN that must fill every existing row (volatile default, serial, identity,
//! stored generated column, a domain with constraints, or any default before PostgreSQL
//! 11) rewrites the table.

use super::{Context, Rule, Severity, Violation};
use crate::catalog::TypeKind;
use crate::lock::LockMode;
use crate::ops::{AlterTableAction, ObjectName, TypeName};

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
        // fixes use the name as the user wrote it
        let written = &at.name;
        if !cx.is_preexisting(table) || !cx.effects.rewrites_table(table) {
            return;
        }
        for action in &at.actions {
            let AlterTableAction::AddColumn { column, .. } = action else {
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
            let ty = column.ty.without_serial();
            let fix = match &column.default {
                None if let Some(base) = constrained_domain(cx, &column.ty) => format!(
                    "add it with the domain's base type (no rewrite), and enforce the domain's rule with a CHECK added NOT VALID and validated later:\n\
                     ALTER TABLE {written} ADD COLUMN {} {};",
                    column.name, base.text
                ),
                Some(d) if !d.is_constant || cx.version.0 < 11 => format!(
                    "add the column without a default, then set the default for new rows and backfill old rows in batches:\n\
                     ALTER TABLE {written} ADD COLUMN {name} {ty};\n\
                     ALTER TABLE {written} ALTER COLUMN {name} SET DEFAULT {default};\n\
                     -- backfill in batches: UPDATE {written} SET {name} = {default} WHERE id BETWEEN ... AND {name} IS NULL;",
                    name = column.name,
                    ty = ty.text,
                    default = d.text
                ),
                _ => format!(
                    "add a plain nullable column, fill it in batches, then add the default or identity:\n\
                     ALTER TABLE {written} ADD COLUMN {} {};",
                    column.name, ty.text
                ),
            };
            out.push(Violation {
                message: format!(
                    "adding {table}.{} rewrites the whole table under ACCESS EXCLUSIVE",
                    column.name
                ),
                relation: Some(table.clone()),
                lock_mode: Some(LockMode::AccessExclusive),
                why: Some(format!(
                    "{why}; reads and writes on {table} wait for the rewrite"
                )),
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
