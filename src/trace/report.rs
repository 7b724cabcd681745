//! Renders a [`Trace`]: a timeline per file (statement, the locks it took and what they
//! block, rewrites, time) and the disagreements with `effects`. Human text, versioned
//! JSON, and markdown for a pull-request comment. Renderers decide nothing.
//!
//! Each statement shows only what it changed: the lock modes it newly took on
//! relations that existed before it (a mode its transaction already held is not
//! repeated), the storage it replaced, its time. The output grows with the statements,
//! not with the state.

use super::compare::{Comparison, Disagreement, LockCheck};
use super::{Execution, Trace, TracedFile, TracedStatement};
use crate::analysis::TransactionMode;
use crate::lock::LockMode;
use serde::Serialize;
use std::fmt::Write;
use std::time::Duration;

/// The version of the JSON document (`schema_version`).
pub const SCHEMA_VERSION: u32 = 1;

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

fn mode_name(mode: TransactionMode) -> &'static str {
    match mode {
        TransactionMode::Wrapped => "one transaction",
        TransactionMode::Autocommit | TransactionMode::ImplicitMulti => "no wrapping transaction",
        TransactionMode::Mixed => "a transaction per changeset",
    }
}

fn blocks(mode: LockMode) -> &'static str {
    match (mode.blocks_reads(), mode.blocks_writes()) {
        (true, _) => "blocks reads and writes",
        (false, true) => "blocks writes",
        _ => "",
    }
}

/// The locks a statement newly took (or, outside a transaction, the documented ones).
fn shown_locks(c: &Comparison) -> Vec<&LockCheck> {
    c.locks
        .iter()
        .filter(|l| l.shown_mode().is_some())
        .collect()
}

fn lock_text(l: &LockCheck) -> String {
    let Some(mode) = l.shown_mode() else {
        return String::new();
    };
    let what = blocks(mode);
    if what.is_empty() {
        format!("{} {mode}", l.relation)
    } else {
        format!("{} {mode} ({what})", l.relation)
    }
}

fn header(trace: &Trace) -> String {
    let s = &trace.server;
    let place = match s.kind {
        "throwaway" => match &s.schema_from {
            Some(src) => format!("a throwaway server loaded with the schema of {src}"),
            None => "a throwaway server (unix socket only, removed afterwards)".to_string(),
        },
        _ => format!("{} (one transaction, rolled back)", s.target),
    };
    format!(
        "trace on PostgreSQL {} at {place}; predictions for PostgreSQL {}",
        s.version, trace.pg_version
    )
}

/// One line: counts, disagreements, time.
pub fn summary_line(trace: &Trace) -> String {
    let st = &trace.stats;
    let mut parts = vec![format!(
        "{} in {}",
        plural(st.statements, "statement"),
        plural(st.files, "file")
    )];
    parts.push(format!("{} observed", st.observed));
    if st.outside > 0 {
        parts.push(format!(
            "{} outside a transaction (locks as documented)",
            st.outside
        ));
    }
    if st.failed > 0 {
        parts.push(format!("{} failed", st.failed));
    }
    if st.not_run > 0 {
        parts.push(format!("{} not run", st.not_run));
    }
    format!(
        "{}: {}",
        parts.join(", "),
        plural(trace.disagreements.len(), "disagreement")
    )
}

/// Human text: the timeline, then the disagreements and the summary.
pub fn human(trace: &Trace) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", header(trace));
    let _ = writeln!(
        out,
        "locks: the modes each statement newly took on relations that existed before it\n"
    );
    for f in &trace.files {
        human_file(&mut out, f);
    }
    for (file, message) in &trace.input_errors {
        let _ = writeln!(out, "error: {file}: {message}");
    }
    for n in &trace.notes {
        let _ = writeln!(out, "note: {n}");
    }
    if !trace.disagreements.is_empty() {
        let _ = writeln!(
            out,
            "{} between the server and schemaguard's predictions (each is a bug in schemaguard: please report it):",
            plural(trace.disagreements.len(), "disagreement")
        );
        for d in &trace.disagreements {
            let _ = writeln!(out, "  {d}");
        }
        out.push('\n');
    }
    let st = &trace.stats;
    let _ = writeln!(out, "{}", summary_line(trace));
    let _ = writeln!(
        out,
        "time: statements {}, tracing {} ({} per statement beyond the statements themselves, {} of it reading pg_locks)",
        ms(st.statement_time),
        ms(st.trace_time),
        ms(st.overhead_per_statement()),
        ms(st.observation_per_statement())
    );
    out
}

fn human_file(out: &mut String, f: &TracedFile) {
    let _ = writeln!(
        out,
        "{}  ({}, {})",
        f.file,
        mode_name(f.mode),
        plural(f.statements.len(), "statement")
    );
    if let Some(why) = &f.not_traced {
        let _ = writeln!(out, "         not traced: {why}\n");
        return;
    }
    for s in &f.statements {
        human_statement(out, s);
    }
    out.push('\n');
}

fn human_statement(out: &mut String, s: &TracedStatement) {
    let sql: String = s.sql.chars().take(60).collect();
    let how = match s.execution {
        Execution::Outside => "  outside a transaction",
        Execution::NotRun => "  not run",
        _ => "",
    };
    let time = if s.execution == Execution::NotRun {
        String::new()
    } else {
        ms(s.observed.duration)
    };
    let _ = writeln!(out, "  {:>5}  {sql:<60}  {time:>9}{how}", s.line);
    let c = &s.comparison;
    let locks: Vec<String> = shown_locks(c).into_iter().map(lock_text).collect();
    if !locks.is_empty() {
        let label = if s.execution == Execution::Outside {
            "locks (documented)"
        } else {
            "locks"
        };
        let _ = writeln!(out, "         {label}: {}", locks.join("; "));
    }
    let mut storage = Vec::new();
    if !c.rewrites.is_empty() {
        storage.push(format!("REWRITES {}", c.rewrites.join(", ")));
    }
    if !c.truncated.is_empty() {
        storage.push(format!("truncates {}", c.truncated.join(", ")));
    }
    if !c.rebuilt_indexes.is_empty() {
        storage.push(format!("rebuilds {}", c.rebuilt_indexes.join(", ")));
    }
    if !storage.is_empty() {
        let _ = writeln!(out, "         {}", storage.join("; "));
    }
    if let Some(e) = &s.observed.error {
        let _ = writeln!(out, "         FAILED: {e}");
    }
    if let Some(note) = &s.note {
        let _ = writeln!(out, "         {note}");
    }
    if c.unparsed && s.observed.error.is_none() {
        let _ = writeln!(
            out,
            "         not understood by schemaguard: nothing predicted to compare"
        );
    }
    for d in &c.disagreements {
        let _ = writeln!(
            out,
            "         DISAGREES: {}{}: observed {}, predicted {}",
            d.kind.as_str(),
            d.relation
                .as_ref()
                .map(|r| format!(" on {r}"))
                .unwrap_or_default(),
            d.observed,
            d.predicted
        );
    }
}

#[derive(Serialize)]
struct TraceJson<'a> {
    schema_version: u32,
    tool: &'static str,
    tool_version: &'static str,
    server: &'a super::ServerInfo,
    pg_version: u32,
    files: Vec<FileJson<'a>>,
    disagreements: &'a [Disagreement],
    notes: &'a [String],
    input_errors: Vec<InputErrorJson<'a>>,
    stats: StatsJson<'a>,
}

#[derive(Serialize)]
struct InputErrorJson<'a> {
    file: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct StatsJson<'a> {
    #[serde(flatten)]
    stats: &'a super::Stats,
    overhead_per_statement_ms: f64,
}

#[derive(Serialize)]
struct FileJson<'a> {
    file: &'a str,
    mode: TransactionMode,
    not_traced: Option<&'a str>,
    statements: Vec<StatementJson<'a>>,
}

#[derive(Serialize)]
struct StatementJson<'a> {
    index: usize,
    start_line: u32,
    end_line: u32,
    kind: &'a str,
    sql: &'a str,
    execution: Execution,
    duration_ms: f64,
    error: Option<&'a super::observe::StatementError>,
    locks: Vec<LockJson<'a>>,
    rewrites: &'a [String],
    predicted_rewrites: &'a [String],
    truncated: &'a [String],
    rebuilt_indexes: &'a [String],
    created: &'a [String],
    dropped: &'a [String],
    predicted_outside_transaction: Option<&'a str>,
    predicted_failure: Option<&'a str>,
    unparsed: bool,
    note: Option<&'a str>,
    disagreements: &'a [Disagreement],
}

#[derive(Serialize)]
struct LockJson<'a> {
    relation: &'a str,
    relkind: &'a str,
    observed: Option<LockMode>,
    predicted: Option<LockMode>,
    already_held: bool,
    /// `observed` or `documented`
    source: &'static str,
    blocks_reads: bool,
    blocks_writes: bool,
    agrees: bool,
    data_dependent: bool,
}

/// The versioned JSON document (documented in README).
pub fn json(trace: &Trace) -> String {
    let doc = TraceJson {
        schema_version: SCHEMA_VERSION,
        tool: "schemaguard",
        tool_version: env!("CARGO_PKG_VERSION"),
        server: &trace.server,
        pg_version: trace.pg_version.0,
        files: trace
            .files
            .iter()
            .map(|f| FileJson {
                file: &f.file,
                mode: f.mode,
                not_traced: f.not_traced.as_deref(),
                statements: f.statements.iter().map(statement_json).collect(),
            })
            .collect(),
        disagreements: &trace.disagreements,
        notes: &trace.notes,
        input_errors: trace
            .input_errors
            .iter()
            .map(|(file, message)| InputErrorJson { file, message })
            .collect(),
        stats: StatsJson {
            stats: &trace.stats,
            overhead_per_statement_ms: trace.stats.overhead_per_statement().as_secs_f64() * 1000.0,
        },
    };
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn statement_json(s: &TracedStatement) -> StatementJson<'_> {
    let c = &s.comparison;
    StatementJson {
        index: s.index,
        start_line: s.line,
        end_line: s.end_line,
        kind: &s.kind,
        sql: &s.sql,
        execution: s.execution,
        duration_ms: (s.observed.duration.as_secs_f64() * 1_000_000.0).round() / 1000.0,
        error: s.observed.error.as_ref(),
        locks: c
            .locks
            .iter()
            .map(|l| {
                let shown = l.shown_mode().or(l.predicted);
                LockJson {
                    relation: &l.relation,
                    relkind: &l.relkind,
                    observed: l.observed,
                    predicted: l.predicted,
                    already_held: l.already_held,
                    source: if l.documented {
                        "documented"
                    } else {
                        "observed"
                    },
                    blocks_reads: shown.is_some_and(LockMode::blocks_reads),
                    blocks_writes: shown.is_some_and(LockMode::blocks_writes),
                    agrees: l.agrees,
                    data_dependent: l.data_dependent,
                }
            })
            .collect(),
        rewrites: &c.rewrites,
        predicted_rewrites: &c.predicted_rewrites,
        truncated: &c.truncated,
        rebuilt_indexes: &c.rebuilt_indexes,
        created: &s.observed.created,
        dropped: &s.observed.dropped,
        predicted_outside_transaction: c.predicted_outside_transaction.as_deref(),
        predicted_failure: c.predicted_failure.as_deref(),
        unparsed: c.unparsed,
        note: s.note.as_deref(),
        disagreements: &c.disagreements,
    }
}

/// Markdown for a pull-request comment: the summary, the disagreements, then a table
/// per file.
pub fn markdown(trace: &Trace) -> String {
    use crate::report::markdown::escape;
    let mut out = format!("### schemaguard trace: {}\n\n", summary_line(trace));
    let _ = writeln!(out, "{}.\n", escape(&header(trace)));
    for (file, message) in &trace.input_errors {
        let _ = writeln!(out, "- **could not read** `{file}`: {}", escape(message));
    }
    for n in &trace.notes {
        let _ = writeln!(out, "- note: {}", escape(n));
    }
    if !trace.disagreements.is_empty() {
        let _ = writeln!(
            out,
            "\n**Disagreements with the predictions** (each is a bug in schemaguard):\n"
        );
        let _ = writeln!(
            out,
            "| file | line | what | relation | observed | predicted |\n|---|---:|---|---|---|---|"
        );
        for d in &trace.disagreements {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                cell(&d.file),
                d.line,
                d.kind.as_str(),
                cell(d.relation.as_deref().unwrap_or("")),
                cell(&d.observed),
                cell(&d.predicted)
            );
        }
    }
    for f in &trace.files {
        let _ = writeln!(
            out,
            "\n#### `{}` ({})\n",
            f.file.replace('`', "'"),
            mode_name(f.mode)
        );
        if let Some(why) = &f.not_traced {
            let _ = writeln!(out, "Not traced: {}", escape(why));
            continue;
        }
        let _ = writeln!(
            out,
            "| line | statement | locks taken | rewrites | time | |\n|---:|---|---|---|---:|---|"
        );
        for s in &f.statements {
            let c = &s.comparison;
            let mut locks: Vec<String> = shown_locks(c).into_iter().map(lock_text).collect();
            if s.execution == Execution::Outside && !locks.is_empty() {
                locks.push("(documented)".into());
            }
            let mut storage = c.rewrites.clone();
            storage.extend(c.truncated.iter().map(|t| format!("{t} (truncated)")));
            storage.extend(c.rebuilt_indexes.iter().map(|i| format!("{i} (index)")));
            let mut status = Vec::new();
            if let Some(e) = &s.observed.error {
                status.push(format!("failed: {e}"));
            }
            if s.execution == Execution::NotRun {
                status.push("not run".to_string());
            }
            if !c.disagreements.is_empty() {
                status.push(format!(
                    "**{}**",
                    plural(c.disagreements.len(), "disagreement")
                ));
            }
            let time = if s.execution == Execution::NotRun {
                String::new()
            } else {
                ms(s.observed.duration)
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                s.line,
                cell(&format!("`{}`", s.sql.replace('`', "'"))),
                cell(&locks.join("; ")),
                cell(&storage.join(", ")),
                time,
                cell(&status.join("; "))
            );
        }
    }
    let st = &trace.stats;
    let _ = writeln!(
        out,
        "\n_Statements {}, tracing {} ({} per statement beyond the statements themselves)._",
        ms(st.statement_time),
        ms(st.trace_time),
        ms(st.overhead_per_statement())
    );
    out
}

/// A table cell: pipes escaped, one line.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}
