//! The versioned JSON documents of `check` (findings). Documented in README.md; the
//! `schema_version` changes when a field changes meaning or disappears.

use super::{CheckReport, Summary};
use serde::Serialize;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct FindingJson<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    rule: &'a str,
    severity: &'a str,
    message: &'a str,
    relation: Option<String>,
    lock_mode: Option<&'static str>,
    why: Option<&'a str>,
    fix: Option<&'a str>,
}

#[derive(Serialize)]
struct InputErrorJson<'a> {
    file: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct CheckJson<'a> {
    schema_version: u32,
    tool: &'static str,
    tool_version: &'static str,
    pg_version: u32,
    summary: Summary,
    findings: FindingsJson<'a>,
    notes: &'a [crate::analysis::FileNote],
    input_errors: Vec<InputErrorJson<'a>>,
    /// Only with `--database-url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    database: Option<DatabaseJson<'a>>,
}

#[derive(Serialize)]
struct DatabaseJson<'a> {
    target: &'a str,
    server_version_num: u32,
    history_table: Option<&'a str>,
    applied: &'a [String],
    pending: &'a [String],
}

/// The findings, each converted as it is written (not copied whole first).
struct FindingsJson<'a>(&'a [crate::rules::Finding]);

impl Serialize for FindingsJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(finding_json))
    }
}

fn finding_json(f: &crate::rules::Finding) -> FindingJson<'_> {
    FindingJson {
        file: &f.file,
        line: f.span.start_pos.line,
        column: f.span.start_pos.column,
        end_line: f.span.end_pos.line,
        end_column: f.span.end_pos.column,
        rule: f.rule,
        severity: f.severity.as_str(),
        message: &f.message,
        relation: f.relation.as_ref().map(|r| r.to_string()),
        lock_mode: f.lock_mode.map(|m| m.as_str()),
        why: f.why.as_deref(),
        fix: f.fix.as_deref(),
    }
}

pub fn check(report: &CheckReport) -> String {
    let mut out = Vec::new();
    match write_check(&mut out, report) {
        Ok(()) => String::from_utf8_lossy(&out).into_owned(),
        Err(e) => format!("{{\"error\": \"{e}\"}}"),
    }
}

/// The `check` document, written to `out` as it is produced.
pub fn write_check(out: &mut impl std::io::Write, report: &CheckReport) -> std::io::Result<()> {
    let (findings, input_errors, summary, pg_version) = (
        report.findings,
        report.input_errors,
        &report.summary,
        report.pg_version,
    );
    let doc = CheckJson {
        schema_version: SCHEMA_VERSION,
        tool: "schemaguard",
        tool_version: env!("CARGO_PKG_VERSION"),
        pg_version,
        summary: *summary,
        findings: FindingsJson(findings),
        notes: report.notes,
        input_errors: input_errors
            .iter()
            .map(|(file, message)| InputErrorJson { file, message })
            .collect(),
        database: report.database.map(|db| DatabaseJson {
            target: &db.target,
            server_version_num: db.server_version_num,
            history_table: db.history_table.as_deref(),
            applied: &db.applied,
            pending: &db.pending,
        }),
    };
    serde_json::to_writer_pretty(out, &doc).map_err(std::io::Error::from)
}
