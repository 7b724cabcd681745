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
    /// Only for a rule reported once per migration: the other statements it applies to.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    related: &'a [crate::rules::Related],
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
    /// The sessions that would block the pending statements now.
    blockers: &'a [crate::live::activity::Blocker],
    /// How long the tables' traffic was watched (absent: not watched).
    #[serde(skip_serializing_if = "Option::is_none")]
    traffic_window_s: Option<f64>,
    /// What would queue behind the pending statements' locks on busy tables.
    queues: &'a [crate::live::activity::Queue],
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
        related: &f.related,
    }
}

/// One finding as an element of the findings array: what `serde_json`'s pretty printer
/// writes for [`finding_json`] there, written directly (see [`super::jsonw`]).
fn write_finding(out: &mut Vec<u8>, f: &crate::rules::Finding) {
    let mut o = super::jsonw::Object::begin(out, 2);
    o.str("file", &f.file);
    o.number("line", u64::from(f.span.start_pos.line));
    o.number("column", u64::from(f.span.start_pos.column));
    o.number("end_line", u64::from(f.span.end_pos.line));
    o.number("end_column", u64::from(f.span.end_pos.column));
    o.str("rule", f.rule);
    o.str("severity", f.severity.as_str());
    o.str("message", &f.message);
    o.opt_display("relation", f.relation.as_ref());
    o.opt_str("lock_mode", f.lock_mode.map(|m| m.as_str()));
    o.opt_str("why", f.why.as_deref());
    o.opt_str("fix", f.fix.as_deref());
    if !f.related.is_empty() {
        o.array("related", &f.related, |out, depth, r| {
            let mut e = super::jsonw::Object::begin(out, depth);
            e.number("line", u64::from(r.line));
            e.number("end_line", u64::from(r.end_line));
            e.str("message", &r.message);
            e.end();
        });
    }
    o.end();
}

pub fn check(report: &CheckReport) -> String {
    let mut out = Vec::new();
    match write_check(&mut out, report) {
        Ok(()) => String::from_utf8_lossy(&out).into_owned(),
        Err(e) => format!("{{\"error\": \"{e}\"}}"),
    }
}

/// The `check` document, written to `out`: the findings (most of it) serialized in
/// parallel, in order, into the document's other fields.
pub fn write_check(out: &mut impl std::io::Write, report: &CheckReport) -> std::io::Result<()> {
    let skeleton = serde_json::to_string_pretty(&check_document(report, &[]))?;
    if !write_with_array(out, &skeleton, "findings", report.findings, write_finding)? {
        serde_json::to_writer_pretty(out, &check_document(report, report.findings))?;
    }
    Ok(())
}

/// Elements written by one task: a buffer of at most 64 KiB, which the allocator keeps
/// and hands out again (four times as many took 35 MB more memory on the 34 MB plan of
/// the 10,000-file history).
const CHUNK: usize = 64;
/// Elements written, in parallel, before their buffers are written out.
const GROUP: usize = 64 * CHUNK;

/// Writes `skeleton`, a pretty-printed document whose top-level field `field` is an
/// empty array, with `items` as that array's elements, each written by `write` as
/// serde_json's pretty printer writes an element there (an object two levels deep):
/// exactly the text serde_json writes for the whole document, but the elements are
/// written in parallel, a group of chunks at a time, so that the whole text is never
/// held in memory. `Ok(false)` (nothing written) when the skeleton has no such field.
pub(crate) fn write_with_array<T: Sync>(
    out: &mut impl std::io::Write,
    skeleton: &str,
    field: &str,
    items: &[T],
    write: impl Fn(&mut Vec<u8>, &T) + Sync,
) -> std::io::Result<bool> {
    use rayon::prelude::*;
    // the empty array of the skeleton, at the document's top level (a string value
    // cannot hold `"field": []`: its quotes would be escaped)
    let slot = format!("\n  \"{field}\": []");
    let Some(at) = skeleton.find(&slot) else {
        return Ok(false);
    };
    let (head, tail) = skeleton.split_at(at + slot.len() - "[]".len());
    out.write_all(head.as_bytes())?;
    if items.is_empty() {
        out.write_all(b"[]")?;
    } else {
        // as serde_json's pretty printer writes an array two levels deep: each element
        // on a new line indented by four spaces
        out.write_all(b"[")?;
        let mut first = true;
        for group in items.chunks(GROUP) {
            let chunks: Vec<Vec<u8>> = group
                .par_chunks(CHUNK)
                .map(|chunk| {
                    // sized for the elements (a finding or a plan statement is well under
                    // 1 KiB of JSON), not grown by doubling and copying
                    let mut buf = Vec::with_capacity(chunk.len() * 1024);
                    for item in chunk {
                        buf.extend_from_slice(b",\n    ");
                        write(&mut buf, item);
                    }
                    buf
                })
                .collect();
            for chunk in chunks {
                // the first element has no comma before it
                out.write_all(if first { &chunk[1..] } else { &chunk })?;
                first = false;
            }
        }
        out.write_all(b"\n  ]")?;
    }
    out.write_all(&tail.as_bytes()["[]".len()..])?;
    Ok(true)
}

/// The `check` document with `findings` as its findings.
fn check_document<'a>(
    report: &'a CheckReport,
    findings: &'a [crate::rules::Finding],
) -> CheckJson<'a> {
    let (input_errors, summary, pg_version) =
        (report.input_errors, &report.summary, report.pg_version);
    CheckJson {
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
            blockers: report.blockers,
            traffic_window_s: db.activity.traffic_window_s,
            queues: report.queues,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::FileNote;
    use crate::lock::LockMode;
    use crate::ops::ObjectName;
    use crate::rules::{Finding, Severity};

    fn finding(i: usize) -> Finding {
        Finding {
            rule: "rule-id",
            severity: if i % 2 == 0 {
                Severity::Error
            } else {
                Severity::Hint
            },
            message: format!(
                "message {i} with \"quotes\", a\nnewline, a tab\t, é and \\ and \u{1}"
            ),
            file: format!("dir/{i:04}_file.sql"),
            span: crate::span::Span::default(),
            relation: (i % 3 != 0).then(|| ObjectName::new(Some("public"), "t\"x")),
            lock_mode: (i % 4 == 0).then_some(LockMode::AccessExclusive),
            why: (i % 5 != 0).then(|| "why\r\n".repeat(i % 7).into()),
            fix: (i % 2 == 1).then(|| format!("fix {i}:\n  ALTER TABLE \"t\" ADD c int;\u{7f}")),
            related: (0..i % 3)
                .map(|k| crate::rules::Related {
                    line: k as u32 + 2,
                    end_line: k as u32 + 3,
                    message: format!("also \"{k}\"\n"),
                })
                .collect(),
        }
    }

    /// The parallel writer writes exactly what serde_json writes for the whole document.
    #[test]
    fn check_document_is_what_serde_json_writes() {
        let notes = vec![FileNote {
            file: "a.sql".into(),
            line: 3,
            message: "a note: \"findings\": [] in text".into(),
        }];
        let errors = vec![("b.sql".to_string(), "cannot read".to_string())];
        for n in [
            0,
            1,
            2,
            CHUNK - 1,
            CHUNK,
            CHUNK + 1,
            1000,
            GROUP,
            GROUP + 1,
            9000,
        ] {
            let findings: Vec<Finding> = (0..n).map(finding).collect();
            let report = CheckReport {
                findings: &findings,
                notes: &notes,
                input_errors: &errors,
                summary: crate::report::Summary::default(),
                pg_version: 16,
                database: None,
                blockers: &[],
                queues: &[],
            };
            let mut written = Vec::new();
            write_check(&mut written, &report).expect("written");
            let expected =
                serde_json::to_vec_pretty(&check_document(&report, &findings)).expect("serialized");
            assert_eq!(
                String::from_utf8_lossy(&written),
                String::from_utf8_lossy(&expected),
                "{n} findings"
            );
        }
    }
}
