//! rustc/ruff-style output: a code frame per finding, then why, fix and a pointer to the
//! rule's page.

use super::{CheckReport, Summary, plural};
use crate::rules::{Finding, Severity};
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write;

/// Findings rendered together, on one thread.
const CHUNK: usize = 64;
/// Findings rendered, in parallel, before their text is written out.
const GROUP: usize = 64 * CHUNK;

/// Renders findings, in file order. `sources` maps a file's display name to its text.
pub fn render(report: &CheckReport, sources: &HashMap<String, String>, color: bool) -> String {
    let mut out = Vec::new();
    // writing to a Vec does not fail, and only text is written
    let _ = write(&mut out, report, sources, color);
    String::from_utf8_lossy(&out).into_owned()
}

/// [`render`]'s text, written to `out` as it is made: the findings' code frames are
/// rendered in parallel, a group of chunks at a time, so that the whole text (tens of
/// megabytes for a large file) is never held, nor grown by copying.
pub fn write(
    out: &mut impl std::io::Write,
    report: &CheckReport,
    sources: &HashMap<String, String>,
    color: bool,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    for group in report.findings.chunks(GROUP) {
        let chunks: Vec<String> = group
            .par_chunks(CHUNK)
            .map(|chunk| {
                let renderer = if color {
                    Renderer::styled()
                } else {
                    Renderer::plain()
                };
                let mut buf = String::new();
                for f in chunk {
                    finding(&mut buf, &renderer, f, sources);
                }
                buf
            })
            .collect();
        for chunk in chunks {
            out.write_all(chunk.as_bytes())?;
        }
    }
    out.write_all(tail(report).as_bytes())
}

/// One finding: its code frame, why, fix and the rule's page.
fn finding(out: &mut String, renderer: &Renderer, f: &Finding, sources: &HashMap<String, String>) {
    let level = match f.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Hint => Level::HELP.with_name("hint"),
    };
    let title = level.primary_title(f.message.as_str()).id(f.rule);
    let mut group: Group = match sources.get(&f.file).and_then(|text| frame(text, f)) {
        Some((snippet_text, line_start, range)) => {
            let label = label(f);
            title.element(
                Snippet::source(snippet_text)
                    .line_start(line_start)
                    .path(f.file.as_str())
                    .fold(true)
                    .annotation(AnnotationKind::Primary.span(range).label(label)),
            )
        }
        None => title.element(Level::NOTE.message(format!(
            "at {}:{}:{}",
            f.file, f.span.start_pos.line, f.span.start_pos.column
        ))),
    };
    if !f.related.is_empty() {
        let also: Vec<String> = f
            .related
            .iter()
            .map(|r| format!("{}:{}: {}", f.file, r.line, r.message))
            .collect();
        group = group.element(
            Level::NOTE
                .no_name()
                .message(format!("also: {}", also.join("\n      "))),
        );
    }
    if let Some(why) = &f.why {
        group = group.element(Level::NOTE.no_name().message(format!("why: {why}")));
    }
    if let Some(fix) = &f.fix {
        group = group.element(
            Level::HELP
                .no_name()
                .message(format!("fix: {}", indent_continuation(fix))),
        );
    }
    group = group.element(
        Level::NOTE
            .no_name()
            .message(format!("see: schemaguard explain {}", f.rule)),
    );
    let _ = writeln!(out, "{}\n", renderer.render(&[group]));
}

/// What follows the findings: notes, the live database's blockers, the summary.
fn tail(report: &CheckReport) -> String {
    let summary = &report.summary;
    let mut out = String::new();
    for n in report.notes {
        if n.line == 0 {
            let _ = writeln!(out, "note: {}: {}", n.file, n.message);
        } else {
            let _ = writeln!(out, "note: {}:{}: {}", n.file, n.line, n.message);
        }
    }
    if !report.notes.is_empty() {
        out.push('\n');
    }
    if let Some(db) = report.database {
        if !report.blockers.is_empty() {
            let _ = writeln!(
                out,
                "now on {}: {} session lock(s) the pending statements would wait for (and every later query on those tables would queue behind them):",
                db.target,
                report.blockers.len()
            );
            for b in report.blockers {
                let _ = writeln!(
                    out,
                    "  {}:{}: {}",
                    b.file,
                    b.line,
                    crate::live::activity::describe(b)
                );
            }
        }
        if !report.queues.is_empty() {
            let _ = writeln!(
                out,
                "traffic on {} over {:.1} s: what would queue behind the pending statements' locks:",
                db.target,
                db.activity.traffic_window_s.unwrap_or_default()
            );
            for q in report.queues {
                let _ = writeln!(
                    out,
                    "  {}:{}: {}",
                    q.file,
                    q.line,
                    crate::live::activity::describe_queue(q)
                );
            }
        }
        let _ = writeln!(out, "{}", database_line(db));
    }
    out.push_str(&summary_line(summary));
    out.push('\n');
    out
}

/// What was checked against a live database: "against postgres://app@db/app
/// (PostgreSQL 15.4): 12 migrations applied (public.schema_migrations, golang-migrate),
/// 3 pending checked".
pub fn database_line(db: &crate::pipeline::LiveRun) -> String {
    let v = db.server_version_num;
    let history = match &db.history_table {
        Some(t) => format!("{} applied per {t}", plural(db.applied.len(), "migration")),
        None => "no migration history table".to_string(),
    };
    format!(
        "against {} (PostgreSQL {}.{}): {history}, {} pending checked",
        db.target,
        v / 10_000,
        v % 10_000,
        db.pending.len()
    )
}

/// The summary line: `1 error, 2 warnings, 3 hints in 14 files (312 statements)`.
pub fn summary_line(s: &Summary) -> String {
    let mut line = if s.errors + s.warnings + s.hints == 0 {
        "no findings".to_string()
    } else {
        format!(
            "{}, {}, {}",
            plural(s.errors, "error"),
            plural(s.warnings, "warning"),
            plural(s.hints, "hint")
        )
    };
    let _ = write!(
        line,
        " in {} ({})",
        plural(s.files, "file"),
        plural(s.statements, "statement")
    );
    if s.suppressed > 0 {
        let _ = write!(line, "; {} ignored by comments", s.suppressed);
    }
    line
}

fn indent_continuation(text: &str) -> String {
    text.replace('\n', "\n     ")
}

fn label(f: &Finding) -> String {
    match (&f.lock_mode, &f.relation) {
        (Some(mode), Some(rel)) => {
            let waits = match (mode.blocks_reads(), mode.blocks_writes()) {
                (true, _) => "SELECT, INSERT, UPDATE, DELETE wait",
                (false, true) => "INSERT, UPDATE, DELETE wait",
                _ => "other schema changes wait",
            };
            format!("{mode} lock on {rel}: {waits}")
        }
        _ => String::new(),
    }
}

/// The lines of the finding's span, the 1-based number of the first, and the span's byte
/// range within them.
fn frame<'t>(text: &'t str, f: &Finding) -> Option<(Cow<'t, str>, usize, std::ops::Range<usize>)> {
    if f.span.end <= f.span.start || f.span.end > text.len() {
        // a position without extent (e.g. a directive line): show that line
        let line = f.span.start_pos.line as usize;
        let start = nth_line_start(text, line)?;
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let end = if text[..end].ends_with('\r') && end > start {
            end - 1
        } else {
            end
        };
        return Some((Cow::Borrowed(&text[start..end]), line, 0..(end - start)));
    }
    let line_start = text[..f.span.start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[f.span.end..]
        .find('\n')
        .map_or(text.len(), |i| f.span.end + i);
    let lines = &text[line_start..line_end];
    let range = (f.span.start - line_start)..(f.span.end - line_start);
    let line = f.span.start_pos.line as usize;
    Some(match without_carriage_returns(lines, range.clone()) {
        Some((kept, range)) => (Cow::Owned(kept), line, range),
        None => (Cow::Borrowed(lines), line, range),
    })
}

/// A CRLF file's lines without the `\r` before each `\n` (and at the end), and `range`
/// moved to match: the code frame would show each as a stray `␍`. `None` when there is
/// none.
fn without_carriage_returns(
    lines: &str,
    range: std::ops::Range<usize>,
) -> Option<(String, std::ops::Range<usize>)> {
    if !lines.contains('\r') {
        return None;
    }
    let bytes = lines.as_bytes();
    let dropped = |i: usize| bytes[i] == b'\r' && bytes.get(i + 1).is_none_or(|b| *b == b'\n');
    let before = |end: usize| (0..end.min(bytes.len())).filter(|&i| dropped(i)).count();
    let kept: String = lines
        .char_indices()
        .filter(|(i, c)| *c != '\r' || !dropped(*i))
        .map(|(_, c)| c)
        .collect();
    let start = range.start - before(range.start);
    let end = (range.end - before(range.end)).min(kept.len()).max(start);
    Some((kept, start..end))
}

fn nth_line_start(text: &str, line: usize) -> Option<usize> {
    if line <= 1 {
        return Some(0);
    }
    text.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1)
}
