//! json columns: jsonb is parsed once, indexable, and comparable; json re-parses its
//! text on every access and has no equality operator.

use super::declared::declared_columns;
use super::{Context, Rule, Severity, Violation};

pub struct PreferJsonb;

impl Rule for PreferJsonb {
    fn id(&self) -> &'static str {
        "prefer-jsonb"
    }
    fn default_severity(&self) -> Severity {
        Severity::Hint
    }
    fn summary(&self) -> &'static str {
        "json columns: prefer jsonb"
    }
    fn category(&self) -> super::Category {
        super::Category::Hint
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        for c in declared_columns(&cx.stmt.op) {
            if c.ty.name != "json" || c.ty.schema.is_some() {
                continue;
            }
            let table = cx.catalog.resolve_relation(c.table);
            let brackets = "[]".repeat(c.ty.array_dims as usize);
            out.push(Violation {
                span: super::clause::column(cx.stmt, c.column),
                message: format!("{table}.{} is {}: prefer jsonb", c.column, c.ty.text.to_lowercase()),
                why: Some(
                    "json keeps the text as written and parses it again on every access; jsonb is parsed once, can be indexed (GIN), supports containment and key-existence operators, and has equality (json has none, so DISTINCT, GROUP BY, UNION and unique indexes fail on it). Keep json only if the exact text (key order, duplicate keys, whitespace) must be preserved".into(),
                ),
                fix: Some(format!("{} jsonb{brackets}", crate::ops::names::quote_ident(c.column))),
                ..Default::default()
            });
        }
    }
}
