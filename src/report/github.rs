//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` per finding, so
//! findings show as annotations on the pull request's diff, then the summary line.
//!
//! GitHub takes `col`/`endColumn` only when the annotation starts and ends on one line;
//! for a statement over several lines only `line` and `endLine` are given. `endColumn` is
//! the column of the last character (inclusive), as in our other formats.

use super::human::summary_line;
use super::{CheckReport, rule_url};
use crate::rules::{Finding, Severity};
use std::fmt::Write;

/// Renders a `check` report as workflow commands.
pub fn render(report: &CheckReport) -> String {
    let mut out = String::new();
    for (file, message) in report.input_errors {
        let _ = writeln!(
            out,
            "::error file={}::{}",
            escape_property(file),
            escape_data(message)
        );
    }
    for f in report.findings {
        out.push_str(&annotation(f));
        out.push('\n');
    }
    for n in report.notes {
        let _ = writeln!(out, "note: {}:{}: {}", n.file, n.line, n.message);
    }
    out.push_str(&summary_line(&report.summary));
    out.push('\n');
    out
}

fn annotation(f: &Finding) -> String {
    let command = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Hint => "notice",
    };
    let (start, end) = (f.span.start_pos, f.span.end_pos);
    let mut props = format!("file={},line={}", escape_property(&f.file), start.line);
    if !f.span.is_empty() && end.line > start.line {
        let _ = write!(props, ",endLine={}", end.line);
    } else if !f.span.is_empty() && end.line == start.line && end.column >= start.column {
        let _ = write!(
            props,
            ",col={},endLine={},endColumn={}",
            start.column, end.line, end.column
        );
    }
    let _ = write!(props, ",title={}", escape_property(f.rule));
    let mut message = f.message.clone();
    if let Some(why) = &f.why {
        let _ = write!(message, "\nwhy: {why}");
    }
    if let Some(fix) = &f.fix {
        let _ = write!(message, "\nfix: {fix}");
    }
    let _ = write!(message, "\nsee: {}", rule_url(f.rule));
    format!("::{command} {props}::{}", escape_data(&message))
}

/// The message of a workflow command: `%`, CR and LF are percent-encoded.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value of a workflow command: as data, plus `:` and `,`.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_github_requires() {
        assert_eq!(
            escape_data("50% done\r\nnext: a,b"),
            "50%25 done%0D%0Anext: a,b"
        );
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
