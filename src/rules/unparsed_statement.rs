//! A statement neither sqlparser nor the recognizer understood: reported, never dropped.

use super::{Context, Rule, Severity, Violation};
use crate::ops::Operation;

pub struct UnparsedStatement;

impl Rule for UnparsedStatement {
    fn id(&self) -> &'static str {
        "unparsed-statement"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "a statement schemaguard could not parse, so it was not checked"
    }
    fn category(&self) -> super::Category {
        super::Category::Correctness
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let Operation::Unparsed { reason } = &cx.stmt.op else {
            return;
        };
        out.push(Violation {
            message: format!("this statement was not checked: {reason}"),
            why: Some("schemaguard could not understand it, so its locks and effects are unknown; the statements after it are still checked".to_string()),
            fix: Some("if it is valid PostgreSQL, please report it; to acknowledge it, precede it with\n-- schemaguard:ignore unparsed-statement -- <reason>".to_string()),
            ..Default::default()
        });
    }
}
