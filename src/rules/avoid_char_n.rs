//! char(n) / character(n) columns: blank-padded, with surprising comparison rules, and no
//! faster or smaller than text in PostgreSQL.

use super::declared::declared_columns;
use super::{Context, Rule, Severity, Violation};

pub struct AvoidCharN;

impl Rule for AvoidCharN {
    fn id(&self) -> &'static str {
        "avoid-char-n"
    }
    fn default_severity(&self) -> Severity {
        Severity::Hint
    }
    fn summary(&self) -> &'static str {
        "char(n) columns: blank-padded and no faster than text; prefer text"
    }
    fn category(&self) -> super::Category {
        super::Category::Hint
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        for c in declared_columns(&cx.stmt.op) {
            // `bpchar` is char(n); the quoted one-byte "char" type is another type
            if c.ty.name != "bpchar" || c.ty.schema.is_some() {
                continue;
            }
            let table = cx.catalog.resolve_relation(c.table);
            let n = c.ty.modifiers.first().copied().unwrap_or(1);
            let brackets = "[]".repeat(c.ty.array_dims as usize);
            out.push(Violation {
                span: super::clause::column(cx.stmt, c.column),
                message: format!(
                    "{table}.{} is {}: prefer text",
                    c.column,
                    c.ty.text.to_lowercase()
                ),
                why: Some(
                    "char(n) pads values with spaces to n characters: trailing spaces are ignored when comparing char values but count in LIKE and regular expressions, and disappear when the value is cast to text; it is stored like text and is not faster. A value longer than n fails, while a shorter one is silently padded".into(),
                ),
                fix: Some(format!(
                    "{col} text{brackets}, with CHECK (char_length({col}) = {n}) if every value must have exactly {n} characters",
                    col = crate::ops::names::quote_ident(c.column)
                )),
                ..Default::default()
            });
        }
    }
}
