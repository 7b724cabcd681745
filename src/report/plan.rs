//! `plan`: per statement, the locks it takes (and what they block), rewrites, scans, and
//! how long the locks are held. Human table and versioned JSON.

use crate::analysis::{FileSummary, PlannedStatement, TransactionMode};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt::Write;

#[derive(Serialize)]
struct LockJson {
    relation: String,
    relkind: &'static str,
    mode: &'static str,
    preexisting: bool,
    blocks_reads: bool,
    blocks_writes: bool,
}

#[derive(Serialize)]
struct ScanJson {
    relation: String,
    reason: crate::effects::ScanReason,
}

#[derive(Serialize)]
struct StatementJson<'a> {
    file: &'a str,
    index: usize,
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
    kind: &'a str,
    sql: &'a str,
    locks: Vec<LockJson>,
    rewrites: Vec<String>,
    scans: Vec<ScanJson>,
    in_transaction: bool,
    transaction: u64,
    held_until_line: Option<u32>,
    requires_outside_transaction: Option<&'a str>,
    fails: Option<&'a str>,
    notes: &'a [String],
}

#[derive(Serialize)]
struct PlanJson<'a> {
    schema_version: u32,
    tool: &'static str,
    tool_version: &'static str,
    pg_version: u32,
    files: &'a [FileSummary],
    statements: StatementsJson<'a>,
}

/// The statements, each converted as it is written (a long history's plan is not
/// copied whole first).
struct StatementsJson<'a>(&'a [PlannedStatement]);

impl Serialize for StatementsJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(statement_json))
    }
}

/// The plan as JSON, written to `out` as it is produced (a group of statements at a
/// time).
pub fn write_json(
    out: &mut impl std::io::Write,
    files: &[FileSummary],
    plan: &[PlannedStatement],
    pg_version: u32,
) -> std::io::Result<()> {
    let doc = |statements| PlanJson {
        schema_version: super::json::SCHEMA_VERSION,
        tool: "schemaguard",
        tool_version: env!("CARGO_PKG_VERSION"),
        pg_version,
        files,
        statements: StatementsJson(statements),
    };
    // the statements (most of it) serialized in parallel, in order, into the rest
    let skeleton = serde_json::to_string_pretty(&doc(&[]))?;
    if !super::json::write_with_array(out, &skeleton, "statements", plan, statement_json)? {
        serde_json::to_writer_pretty(out, &doc(plan))?;
    }
    Ok(())
}

pub fn json(files: &[FileSummary], plan: &[PlannedStatement], pg_version: u32) -> String {
    let mut out = Vec::new();
    match write_json(&mut out, files, plan, pg_version) {
        Ok(()) => String::from_utf8_lossy(&out).into_owned(),
        Err(e) => format!("{{\"error\": \"{e}\"}}"),
    }
}

fn statement_json(p: &PlannedStatement) -> StatementJson<'_> {
    StatementJson {
        file: &p.file,
        index: p.index,
        start_line: p.span.start_pos.line,
        start_column: p.span.start_pos.column,
        end_line: p.span.end_pos.line,
        end_column: p.span.end_pos.column,
        kind: &p.kind,
        sql: &p.sql,
        locks: p
            .locks
            .iter()
            .map(|l| LockJson {
                relation: l.relation.to_string(),
                relkind: l.relkind,
                mode: l.mode.as_str(),
                preexisting: l.preexisting,
                blocks_reads: l.blocks_reads,
                blocks_writes: l.blocks_writes,
            })
            .collect(),
        rewrites: p.rewrites.iter().map(|r| r.to_string()).collect(),
        scans: p
            .scans
            .iter()
            .map(|s| ScanJson {
                relation: s.relation.to_string(),
                reason: s.reason,
            })
            .collect(),
        in_transaction: p.in_transaction,
        transaction: p.transaction,
        held_until_line: p.held_until_line,
        requires_outside_transaction: p.outside_transaction_required.as_deref(),
        fails: p.fails.as_deref(),
        notes: &p.notes,
    }
}

/// One block per file: its transaction mode, then a row per statement.
pub fn human(files: &[FileSummary], plan: &[PlannedStatement], pg_version: u32) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "plan for PostgreSQL {pg_version} (locks on relations that existed before the file; * = new)\n"
    );
    // each file's statements, grouped once (not a scan of the whole plan per file)
    let mut by_file: HashMap<&str, Vec<&PlannedStatement>> = HashMap::new();
    for p in plan {
        by_file.entry(p.file.as_str()).or_default().push(p);
    }
    for f in files {
        let mode = match f.mode {
            TransactionMode::Wrapped => "one transaction",
            TransactionMode::Autocommit | TransactionMode::ImplicitMulti => {
                "no wrapping transaction"
            }
            TransactionMode::Mixed => "a transaction per changeset",
        };
        let _ = writeln!(
            out,
            "{}  ({mode}, {})",
            f.file,
            super::plural(f.statements, "statement")
        );
        for p in by_file.get(f.file.as_str()).into_iter().flatten() {
            let locks: Vec<String> = p
                .locks
                .iter()
                .filter(|l| l.relkind != "i" || l.mode.blocks_traffic())
                .map(|l| {
                    let blocks = match (l.blocks_reads, l.blocks_writes) {
                        (true, _) => " blocks reads+writes",
                        (false, true) => " blocks writes",
                        _ => "",
                    };
                    format!(
                        "{}{} {}{}",
                        l.relation,
                        if l.preexisting { "" } else { "*" },
                        l.mode,
                        if l.preexisting { blocks } else { "" }
                    )
                })
                .collect();
            let mut extra = Vec::new();
            if !p.rewrites.is_empty() {
                extra.push(format!("REWRITES {}", join(&p.rewrites)));
            }
            let scanned: Vec<String> = p.scans.iter().map(|s| s.relation.to_string()).collect();
            if !scanned.is_empty() {
                extra.push(format!("scans {}", scanned.join(", ")));
            }
            if let Some(why) = &p.outside_transaction_required {
                extra.push(format!("outside transaction only ({why})"));
            }
            if let Some(why) = &p.fails {
                extra.push(format!("FAILS: {why}"));
            }
            if p.in_transaction
                && p.locks
                    .iter()
                    .any(|l| l.preexisting && l.mode.blocks_traffic())
            {
                if let Some(until) = p.held_until_line {
                    extra.push(format!("held until line {until} (end of transaction)"));
                }
            }
            let sql: String = p.sql.chars().take(60).collect();
            let _ = writeln!(out, "  {:>5}  {sql}", p.span.start_pos.line);
            if !locks.is_empty() {
                let _ = writeln!(out, "         locks: {}", locks.join("; "));
            }
            if !extra.is_empty() {
                let _ = writeln!(out, "         {}", extra.join("; "));
            }
        }
        out.push('\n');
    }
    out
}

fn join(names: &[crate::ops::ObjectName]) -> String {
    names
        .iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
