//! Renderers. They only format what the analysis decided; they decide nothing.
//!
//! `check` renders as `human` (code frames), `json` (versioned), `sarif` (code scanning),
//! `github` (Actions workflow commands), `markdown` (a PR comment, with the lock timeline
//! as Mermaid) or `html` (one self-contained page); `plan` as a table, JSON or HTML. The
//! lock timeline both draw is modelled in `timeline`.

pub mod github;
pub mod graph_svg;
pub mod html;
pub mod human;
pub mod json;
mod jsonw;
pub mod markdown;
pub mod plan;
pub mod sarif;
pub mod timeline;

use crate::analysis::FileNote;
use crate::rules::{Finding, Severity};

/// Everything `check` reports, for any renderer.
pub struct CheckReport<'a> {
    /// In report order (file apply order, then position).
    pub findings: &'a [Finding],
    pub notes: &'a [FileNote],
    /// `(file, message)` for files that could not be read.
    pub input_errors: &'a [(String, String)],
    pub summary: Summary,
    pub pg_version: u32,
    /// The live database the run started from (`--database-url`).
    pub database: Option<&'a crate::pipeline::LiveRun>,
    /// With a live database: the sessions that would block the pending statements now.
    pub blockers: &'a [crate::live::activity::Blocker],
    /// With a live database: the traffic that would queue behind the statements' locks.
    pub queues: &'a [crate::live::activity::Queue],
}

/// Counts for the summary line.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct Summary {
    pub files: usize,
    pub statements: usize,
    pub errors: usize,
    pub warnings: usize,
    pub hints: usize,
    pub suppressed: usize,
}

impl Summary {
    pub fn count(
        findings: &[Finding],
        files: usize,
        statements: usize,
        suppressed: usize,
    ) -> Summary {
        let n = |s| findings.iter().filter(|f| f.severity == s).count();
        Summary {
            files,
            statements,
            errors: n(Severity::Error),
            warnings: n(Severity::Warning),
            hints: n(Severity::Hint),
            suppressed,
        }
    }
}

macro_rules! repository_url {
    () => {
        "https://github.com/schemaguard/schemaguard"
    };
}

/// The project's home, for SARIF's `informationUri`.
pub const REPOSITORY_URL: &str = repository_url!();

/// Where rule pages are published: `<RULE_PAGES_URL><rule-id>.md` (documented in README.md;
/// SARIF `helpUri` and the markdown links use it).
pub const RULE_PAGES_URL: &str = concat!(repository_url!(), "/blob/main/rules/");

/// The published page of a rule.
pub fn rule_url(id: &str) -> String {
    format!("{RULE_PAGES_URL}{id}.md")
}

/// A fix text as the rules write it: the first line says what to do, the lines after it
/// (if any) are the SQL to write. Returns `(what to do, SQL)`.
pub fn split_fix(fix: &str) -> (&str, Option<&str>) {
    match fix.split_once('\n') {
        Some((advice, sql)) if !sql.trim().is_empty() => (advice.trim_end(), Some(sql.trim_end())),
        _ => (fix.trim_end(), None),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}
