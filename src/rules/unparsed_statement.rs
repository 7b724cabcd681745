//! A statement neither sqlparser nor the recognizer understood: reported, never dropped.

use super::{Context, Rule, Severity, Violation};
use crate::ops::Operation;
use crate::parse::split::Lexer;

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
        // a quote, dollar quote or comment never closed: the statement runs to the end of
        // the file, and PostgreSQL rejects the file outright
        let opener = Lexer::new(&cx.stmt.text, true)
            .find_map(|t| t.unterminated.map(|what| (what, t.start)));
        if let Some((what, offset)) = opener {
            let before = cx.stmt.text.get(..offset).unwrap_or_default();
            let line = cx.stmt.span.start_pos.line + before.matches('\n').count() as u32;
            out.push(Violation {
                message: format!(
                    "unterminated {what} opened at line {line}: everything after it was read as part of it, and PostgreSQL rejects this migration"
                ),
                why: Some(format!(
                    "the {what} opened at line {line} is never closed, so PostgreSQL reports a syntax error and the migration fails; the statement starting at line {} runs to the end of the file (or of its DO body) and was not checked",
                    cx.stmt.span.start_pos.line
                ).into()),
                fix: Some(format!(
                    "close the {what} opened at line {line}, or remove the stray opener"
                )),
                severity: Some(Severity::Error),
                ..Default::default()
            });
            return;
        }
        out.push(Violation {
            message: format!("this statement was not checked: {reason}"),
            why: Some("schemaguard could not understand it, so its locks and effects are unknown; the statements after it are still checked".into()),
            fix: Some("if it is valid PostgreSQL, please report it; to acknowledge it, precede it with\n-- schemaguard:ignore unparsed-statement -- <reason>".to_string()),
            ..Default::default()
        });
    }
}
