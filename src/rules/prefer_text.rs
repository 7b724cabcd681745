//! varchar(n): the limit rarely matches a real rule, and raising it is a migration of
//! its own; text with a CHECK constraint (changed NOT VALID) is easier to evolve.

use super::declared::declared_columns;
use super::{Context, Rule, Severity, Violation};

pub struct PreferText;

impl Rule for PreferText {
    fn id(&self) -> &'static str {
        "prefer-text"
    }
    fn default_severity(&self) -> Severity {
        Severity::Hint
    }
    fn summary(&self) -> &'static str {
        "varchar(n) columns: prefer text, with a CHECK constraint if a limit is really needed"
    }
    fn category(&self) -> super::Category {
        super::Category::Hint
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        for c in declared_columns(&cx.stmt.op) {
            if c.ty.name != "varchar" || c.ty.modifiers.is_empty() {
                continue;
            }
            let n = c.ty.modifiers[0];
            out.push(Violation {
                span: super::clause::column(cx.stmt, c.column),
                message: format!("{}.{} is {}: prefer text", c.table, c.column, c.ty.text),
                why: Some("text and varchar are stored the same way; lowering the limit later rewrites the table, while a CHECK constraint can be replaced NOT VALID without blocking".into()),
                fix: Some(format!("{col} text CHECK (char_length({col}) <= {n})", col = crate::ops::names::quote_ident(c.column))),
                ..Default::default()
            });
        }
    }
}
