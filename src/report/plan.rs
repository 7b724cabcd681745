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
    /// With `--database-url`: the sessions that would block the statements now.
    #[serde(skip_serializing_if = "Option::is_none")]
    blockers: Option<&'a [crate::live::activity::Blocker]>,
    /// With `--database-url`: what would queue behind the statements' locks on busy
    /// tables.
    #[serde(skip_serializing_if = "Option::is_none")]
    queues: Option<&'a [crate::live::activity::Queue]>,
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
    blockers: Option<&[crate::live::activity::Blocker]>,
    queues: Option<&[crate::live::activity::Queue]>,
) -> std::io::Result<()> {
    let doc = |statements| PlanJson {
        schema_version: super::json::SCHEMA_VERSION,
        tool: "schemaguard",
        tool_version: env!("CARGO_PKG_VERSION"),
        pg_version,
        files,
        blockers,
        queues,
        statements: StatementsJson(statements),
    };
    // the statements (most of it) serialized in parallel, in order, into the rest
    let skeleton = serde_json::to_string_pretty(&doc(&[]))?;
    if !super::json::write_with_array(out, &skeleton, "statements", plan, write_statement)? {
        serde_json::to_writer_pretty(out, &doc(plan))?;
    }
    Ok(())
}

/// With `--database-url`: who would block the pending statements now, per statement.
pub fn blockers_human(live: &crate::pipeline::LiveRun, plan: &[PlannedStatement]) -> String {
    use crate::live::activity;
    let found = activity::blockers(plan, &live.activity);
    let mut out = String::new();
    if found.is_empty() {
        let _ = writeln!(
            out,
            "\nnow on {}: no other session holds or waits for a lock these statements would wait for",
            live.target
        );
    } else {
        let _ = writeln!(
            out,
            "\nnow on {}: {} session lock(s) the statements would wait for (and every later query on those tables would queue behind them):",
            live.target,
            found.len()
        );
        for b in &found {
            let _ = writeln!(out, "  {}:{}: {}", b.file, b.line, activity::describe(b));
        }
    }
    let queues = activity::queues(plan, &live.activity);
    if let Some(window) = live.activity.traffic_window_s {
        if queues.is_empty() {
            let _ = writeln!(
                out,
                "traffic over {window:.1} s: no reads or writes of the tables these statements lock that their locks would hold up"
            );
        } else {
            let _ = writeln!(
                out,
                "traffic over {window:.1} s: what would queue behind the statements' locks:"
            );
            for q in &queues {
                let _ = writeln!(
                    out,
                    "  {}:{}: {}",
                    q.file,
                    q.line,
                    activity::describe_queue(q)
                );
            }
        }
    }
    let long = activity::long_transactions(&live.activity, &found, activity::LONG_TRANSACTION_S);
    if !long.is_empty() {
        let _ = writeln!(
            out,
            "transactions open for {} s or more (a conflicting lock they take later holds the migration up until they end):",
            activity::LONG_TRANSACTION_S
        );
        for s in long {
            let _ = writeln!(out, "  {}", activity::describe_session(s));
        }
    }
    out
}

pub fn json(files: &[FileSummary], plan: &[PlannedStatement], pg_version: u32) -> String {
    let mut out = Vec::new();
    match write_json(&mut out, files, plan, pg_version, None, None) {
        Ok(()) => String::from_utf8_lossy(&out).into_owned(),
        Err(e) => format!("{{\"error\": \"{e}\"}}"),
    }
}

/// One statement as an element of the statements array: what `serde_json`'s pretty
/// printer writes for [`statement_json`] there, written directly (see
/// [`super::jsonw`]).
fn write_statement(out: &mut Vec<u8>, p: &PlannedStatement) {
    use super::jsonw::Object;
    let mut o = Object::begin(out, 2);
    o.str("file", &p.file);
    o.number("index", p.index as u64);
    o.number("start_line", u64::from(p.span.start_pos.line));
    o.number("start_column", u64::from(p.span.start_pos.column));
    o.number("end_line", u64::from(p.span.end_pos.line));
    o.number("end_column", u64::from(p.span.end_pos.column));
    o.str("kind", &p.kind);
    o.str("sql", &p.sql);
    o.array("locks", &p.locks, |out, depth, l| {
        let mut lock = Object::begin(out, depth);
        lock.display("relation", &l.relation);
        lock.str("relkind", l.relkind);
        lock.str("mode", l.mode.as_str());
        lock.bool("preexisting", l.preexisting);
        lock.bool("blocks_reads", l.blocks_reads);
        lock.bool("blocks_writes", l.blocks_writes);
        lock.end();
    });
    o.display_array("rewrites", &p.rewrites);
    o.array("scans", &p.scans, |out, depth, s| {
        let mut scan = Object::begin(out, depth);
        scan.display("relation", &s.relation);
        scan.str("reason", s.reason.as_str());
        scan.end();
    });
    o.bool("in_transaction", p.in_transaction);
    o.number("transaction", p.transaction);
    o.opt_number("held_until_line", p.held_until_line.map(u64::from));
    o.opt_str(
        "requires_outside_transaction",
        p.outside_transaction_required.as_deref(),
    );
    o.opt_str("fails", p.fails.as_deref());
    o.str_array("notes", &p.notes);
    o.end();
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
            // a table read twice (a CHECK and an index build) is named once
            let mut scanned: Vec<String> = Vec::new();
            for s in &p.scans {
                let name = s.relation.to_string();
                if !scanned.contains(&name) {
                    scanned.push(name);
                }
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{Report, RunOptions, run};

    /// The plan's JSON, written element by element by hand and in parallel, is byte for
    /// byte what serde_json's pretty printer writes for the whole document: on the
    /// bundled samples and on a file that makes every field take a value (locks of
    /// every kind, rewrites, scans of every reason, a statement that must run outside a
    /// transaction, one that fails, notes, text that needs escaping).
    #[test]
    fn plan_json_is_what_serde_json_writes() {
        let dir = std::env::temp_dir().join(format!("sg_plan_json_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_migrations");
        std::fs::write(
            dir.join("9999_everything.sql"),
            "CREATE TABLE \"we\"\"ird\" (id int, v text, p int);\n\
             CREATE TABLE parted (id int) PARTITION BY RANGE (id);\n\
             CREATE TABLE part1 (id int);\n\
             ALTER TABLE \"we\"\"ird\" ADD CONSTRAINT c CHECK (id > 0) NOT VALID;\n\
             ALTER TABLE \"we\"\"ird\" VALIDATE CONSTRAINT c;\n\
             ALTER TABLE \"we\"\"ird\" ALTER COLUMN v SET NOT NULL;\n\
             ALTER TABLE \"we\"\"ird\" ALTER COLUMN p TYPE bigint;\n\
             ALTER TABLE parted ATTACH PARTITION part1 FOR VALUES FROM (0) TO (10);\n\
             UPDATE \"we\"\"ird\" SET v = 'a \"quoted\" \\ back\tslash é';\n\
             CREATE INDEX i ON \"we\"\"ird\" (v);\n\
             CREATE INDEX CONCURRENTLY j ON \"we\"\"ird\" (p);\n\
             CREATE INDEX CONCURRENTLY k ON parted (id);\n\
             ALTER TABLE missing_table ADD COLUMN x int;\n\
             \\set ON_ERROR_STOP on\n\
             SELECT 1;\n",
        )
        .expect("written");
        for path in [samples, dir.clone()] {
            let run = run(&RunOptions {
                paths: vec![path.clone()],
                cwd: path.clone(),
                report: Report::Plan,
                ..RunOptions::default()
            })
            .expect("the run");
            let (files, plan) = (&run.analysis.files, &run.analysis.plan);
            assert!(!plan.is_empty());
            let mut written = Vec::new();
            write_json(&mut written, files, plan, 16, None, None).expect("written");
            let expected = serde_json::to_vec_pretty(&PlanJson {
                schema_version: super::super::json::SCHEMA_VERSION,
                tool: "schemaguard",
                tool_version: env!("CARGO_PKG_VERSION"),
                pg_version: 16,
                files,
                blockers: None,
                queues: None,
                statements: StatementsJson(plan),
            })
            .expect("serialized");
            assert_eq!(
                String::from_utf8_lossy(&written),
                String::from_utf8_lossy(&expected),
                "{}",
                path.display()
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// [`ScanReason::as_str`] is the name serde gives each reason.
    #[test]
    fn scan_reasons_are_named_as_serde_names_them() {
        use crate::effects::ScanReason::*;
        for r in [Validate, IndexBuild, NotNull, PartitionBound, AllRows] {
            assert_eq!(
                serde_json::to_value(r).expect("serialized"),
                serde_json::Value::from(r.as_str())
            );
        }
    }
}
