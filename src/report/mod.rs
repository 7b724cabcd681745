//! Renderers. They only format what the analysis decided; they decide nothing.

pub mod human;
pub mod json;
pub mod plan;

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

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}
