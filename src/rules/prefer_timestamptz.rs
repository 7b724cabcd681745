//! timestamp without time zone stores wall-clock values whose meaning depends on the
//! writer's time zone.

use super::declared::declared_columns;
use super::{Context, Rule, Severity, Violation};

pub struct PreferTimestamptz;

impl Rule for PreferTimestamptz {
    fn id(&self) -> &'static str {
        "prefer-timestamptz"
    }
    fn default_severity(&self) -> Severity {
        Severity::Hint
    }
    fn summary(&self) -> &'static str {
        "timestamp without time zone: prefer timestamptz"
    }
    fn category(&self) -> super::Category {
        super::Category::Hint
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        for c in declared_columns(&cx.stmt.op) {
            if c.ty.name != "timestamp" {
                continue;
            }
            out.push(Violation {
                span: super::clause::column(cx.stmt, c.column),
                message: format!("{}.{} is {}: prefer timestamptz", c.table, c.column, c.ty.text),
                why: Some("timestamp stores local wall-clock time without its offset, so values written from different time zones cannot be compared; timestamptz stores an instant".into()),
                fix: Some(format!("{} timestamptz", crate::ops::names::quote_ident(c.column))),
                ..Default::default()
            });
        }
    }
}
