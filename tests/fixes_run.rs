//! Every fix `check` prints runs on PostgreSQL.
//!
//! For `sample_migrations/`, `tests/data/fixes/` (names that exist only quoted, through
//! the rules that print names), every case of `../shared/conformance/` and every history
//! of `../shared/corpus/` (after its `setup_sql`), the findings of `check` (the library's
//! run, for the server's major version) are collected; then the history is applied once,
//! in order, on a throwaway server, by `trace` (files run as their frameworks run them),
//! and at each finding's point the fix's SQL runs and must succeed. Nothing a fix does
//! stays: it runs inside a savepoint rolled back to (or a transaction rolled back, when
//! none is open there), and the history goes on.
//!
//! The contract of a fix text, which this test holds every rule to:
//! - its first line says what to do and why; it is not run. The other lines are SQL,
//!   run as one script (split as schemaguard splits files; `--` lines are comments);
//! - it replaces the flagged statement: it runs where that statement would have run
//!   (the history before the statement's file, and the statements of its file before
//!   it), except for the rules of [`AFTER_FILE`], whose fix is added once the file has
//!   run (an index the foreign key lacks);
//! - a fix is display-only, and not run, when it has no SQL line, or when its SQL holds
//!   a placeholder for what only the user knows: `...` or `<...>`; and for the rules
//!   of [`FRAGMENTS`], whose fix is a column definition to write in place of the
//!   user's (not a statement);
//! - the test provides the transaction: the fix's own `BEGIN`/`COMMIT`/`ROLLBACK` are
//!   not run, and `CONCURRENTLY` (which cannot run inside a transaction block) is run
//!   without the word: the same statement, with the same names and columns;
//! - where the history is inside a transaction that an earlier statement aborted (a
//!   case that shows a failing migration), nothing can run: the fix is counted as
//!   unreachable, not as run;
//! - a fix that fails where the history fails too is not held against the rule, and
//!   is counted apart: it fails with the same SQLSTATE as the statement it replaces (on
//!   this server the statement fails as well, e.g. a corpus history written for a later
//!   PostgreSQL), or it misses an object (undefined table, column, ...) after an earlier
//!   statement of the history failed (so the object was never created);
//! - a fix of a statement inside a `DO` body is not run: its point is inside the body,
//!   whose earlier statements run only with the whole `DO`.
//!
//! The whole run takes about 25 to 45 s in a debug build on two busy cores (most of it
//! trace applying the ~5,100 corpus statements); the fixes themselves are a few thousand
//! round trips. The other tests pin the text of the fixes that print names (no server).
//!
//! Skips (with a message) when no PostgreSQL is installed; when `../shared` is absent,
//! only the sample migrations and `tests/data/fixes/` run.

mod common;

use schemaguard::parse::split::{self, PieceKind};
use schemaguard::pipeline::{self, Report, RunOptions};
use schemaguard::rules::Finding;
use schemaguard::server::TempServer;
use schemaguard::trace::{self, Point};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Rules whose fix is added after the flagged statement's file has run.
const AFTER_FILE: &[&str] = &["fk-missing-index"];

/// Rules whose fix is a column definition to write in place of the user's (or to add to
/// the table's definition).
const FRAGMENTS: &[&str] = &[
    "require-primary-key",
    "prefer-bigint-keys",
    "prefer-identity",
    "prefer-jsonb",
    "prefer-text",
    "prefer-timestamptz",
];

/// A fix to run, and where it came from.
struct Fix {
    rule: &'static str,
    /// `file:line`.
    at: String,
    sql: String,
}

#[derive(Default)]
struct Tally {
    ran: usize,
    display_only: usize,
    unreachable: usize,
    /// Fixes of statements inside a `DO` body (not run: see the module's contract).
    in_do_body: usize,
    /// Fixes that failed where the history itself had failed (see [`excused`]).
    excused: usize,
    failures: Vec<String>,
}

/// A fix that failed, until the trace says whether the history failed there too.
struct Failure {
    key: (String, usize, bool),
    sqlstate: Option<String>,
    text: String,
}

/// SQLSTATEs of a missing object: what a fix meets after the history failed to create it.
const MISSING: &[&str] = &["42P01", "42703", "42704", "42883", "3F000"];

/// The fix's SQL, or `None` when it is display-only (see the module's contract).
fn runnable_sql(rule: &str, fix: &str) -> Option<String> {
    if FRAGMENTS.contains(&rule) {
        return None;
    }
    let (_, sql) = fix.split_once('\n')?;
    let code: Vec<&str> = sql
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect();
    if code.iter().all(|l| l.trim().is_empty()) {
        return None;
    }
    let placeholder = code.iter().any(|l| {
        l.contains("...")
            || l.find('<').is_some_and(|i| {
                l[i + 1..].starts_with(|c: char| c.is_ascii_alphabetic()) && l[i..].contains('>')
            })
    });
    (!placeholder).then(|| sql.to_string())
}

/// The statements of a fix as this test runs them: without transaction control, and
/// without `CONCURRENTLY`.
fn statements_of(sql: &str) -> Vec<String> {
    split::split(sql)
        .into_iter()
        .filter(|p| p.kind == PieceKind::Sql)
        .map(|p| sql[p.start..p.end].trim().to_string())
        .filter(|s| {
            let first = s
                .split(|c: char| !c.is_ascii_alphanumeric())
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            !matches!(
                first.as_str(),
                "BEGIN" | "COMMIT" | "ROLLBACK" | "END" | "START"
            )
        })
        .map(|s| without_concurrently(&s))
        .collect()
}

/// `s` without the word `CONCURRENTLY` (outside quotes: fixes quote names that need it).
fn without_concurrently(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_quote = false;
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if !word.eq_ignore_ascii_case("concurrently") {
            out.push_str(word);
        }
        word.clear();
    };
    for ch in s.chars() {
        if in_quote {
            out.push(ch);
            in_quote = ch != '"';
        } else if ch.is_ascii_alphanumeric() || ch == '_' {
            word.push(ch);
        } else {
            flush(&mut word, &mut out);
            in_quote = ch == '"';
            out.push(ch);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// The findings of `check` on `dir`, for PostgreSQL `major`.
fn findings(dir: &Path, major: u32) -> Vec<Finding> {
    let run = pipeline::run(&RunOptions {
        paths: vec![dir.to_path_buf()],
        cwd: dir.to_path_buf(),
        pg_version: Some(major),
        report: Report::Findings,
        skip_plan: true,
        ..RunOptions::default()
    })
    .unwrap_or_else(|e| panic!("check of {} failed: {e}", dir.display()));
    run.analysis.findings
}

/// Where each runnable fix goes: (file, statement index, after the file) -> fixes.
type Points = HashMap<(String, usize, bool), Vec<Fix>>;

fn fix_points(dir: &Path, major: u32, tally: &mut Tally) -> Points {
    let mut points: Points = HashMap::new();
    // statement spans per file, to place each finding at its statement
    let run = pipeline::run(&RunOptions {
        paths: vec![dir.to_path_buf()],
        cwd: dir.to_path_buf(),
        pg_version: Some(major),
        report: Report::Plan,
        keep_parsed: true,
        skip_plan: true,
        ..RunOptions::default()
    })
    .unwrap_or_else(|e| panic!("parse of {} failed: {e}", dir.display()));
    // (index, start, end, spans of the statements embedded in a DO body)
    type Spans = Vec<(usize, usize, usize, Vec<(usize, usize)>)>;
    let spans: HashMap<&str, Spans> = run
        .files
        .iter()
        .zip(&run.parsed)
        .map(|(f, p)| {
            let spans = p
                .statements
                .iter()
                .map(|s| {
                    let embedded = s
                        .embedded
                        .iter()
                        .map(|e| (e.span.start, e.span.end))
                        .collect();
                    (s.index, s.span.start, s.span.end, embedded)
                })
                .collect();
            (f.display.as_str(), spans)
        })
        .collect();
    for f in findings(dir, major) {
        let Some(fix) = &f.fix else { continue };
        let Some(sql) = runnable_sql(f.rule, fix) else {
            tally.display_only += 1;
            continue;
        };
        let Some(stmts) = spans.get(f.file.as_str()) else {
            continue; // a finding about a file that is not run (e.g. no statements)
        };
        let after = AFTER_FILE.contains(&f.rule);
        let at = stmts
            .iter()
            .find(|(_, _, end, _)| f.span.start < *end)
            .or(stmts.last());
        if !after
            && at.is_some_and(|(_, _, _, embedded)| {
                embedded
                    .iter()
                    .any(|(start, end)| *start <= f.span.start && f.span.start < *end)
            })
        {
            tally.in_do_body += 1;
            continue;
        }
        let index = if after {
            stmts.last().map(|s| s.0)
        } else {
            at.map(|s| s.0)
        };
        let Some(index) = index else { continue };
        points
            .entry((f.file.clone(), index, after))
            .or_default()
            .push(Fix {
                rule: f.rule,
                at: format!("{}:{}", f.file, f.span.start_pos.line),
                sql,
            });
    }
    points
}

/// Runs `fix` at the session's current point and undoes it: `Ok(false)` when the
/// transaction there is aborted (nothing can run), `Err` with the failing statement and
/// its SQLSTATE.
fn try_fix(
    client: &mut postgres::Client,
    in_transaction: bool,
    fix: &Fix,
) -> Result<bool, (String, Option<String>)> {
    let open = if in_transaction {
        "SAVEPOINT schemaguard_fix"
    } else {
        "BEGIN"
    };
    if let Err(e) = client.batch_execute(open) {
        if e.code() == Some(&postgres::error::SqlState::IN_FAILED_SQL_TRANSACTION) {
            return Ok(false);
        }
        return Err((format!("{open}: {e}"), None));
    }
    let mut result = Ok(true);
    for stmt in statements_of(&fix.sql) {
        if let Err(e) = client.batch_execute(&stmt) {
            let detail = e
                .as_db_error()
                .map_or_else(|| e.to_string(), |d| d.message().to_string());
            let state = e.code().map(|c| c.code().to_string());
            result = Err((format!("{stmt}\n      -> {detail}"), state));
            break;
        }
    }
    let close = if in_transaction {
        "ROLLBACK TO SAVEPOINT schemaguard_fix; RELEASE SAVEPOINT schemaguard_fix"
    } else {
        "ROLLBACK"
    };
    client
        .batch_execute(close)
        .map_err(|e| (format!("{close}: {e}"), None))?;
    result
}

/// Checks the fixes of one history on a fresh database `db` of `server`.
fn check_history(server: &TempServer, dir: &Path, db: &str, setup: &[String]) -> Tally {
    let mut tally = Tally::default();
    let major = server.version_num() / 10000;
    let mut points = fix_points(dir, major, &mut tally);
    let (mut client, info) = common::trace_database(server, db, setup);
    let opts = common::trace_options(dir);
    let mut failed: Vec<Failure> = Vec::new();
    let mut hook = |client: &mut postgres::Client, p: &Point<'_>| -> Result<(), trace::HookError> {
        let key = (p.file.to_string(), p.statement.index, p.end_of_file);
        let Some(fixes) = points.remove(&key) else {
            return Ok(());
        };
        for fix in fixes {
            match try_fix(client, p.in_transaction, &fix) {
                Ok(true) => tally.ran += 1,
                Ok(false) => tally.unreachable += 1,
                Err((e, sqlstate)) => failed.push(Failure {
                    key: key.clone(),
                    sqlstate,
                    text: format!(
                        "{} {}:\n    {}\n    failed: {e}",
                        fix.rule,
                        fix.at,
                        fix.sql.replace('\n', "\n    ")
                    ),
                }),
            }
        }
        Ok(())
    };
    let t = trace::run_on_session_with(&mut client, info, &opts, &mut hook)
        .unwrap_or_else(|e| panic!("applying {} failed: {e}", dir.display()));
    for f in failed {
        tally.ran += 1;
        if excused(&t, &f) {
            tally.excused += 1;
        } else {
            tally.failures.push(f.text);
        }
    }
    // a fix whose point the history never reached (its file not run)
    tally.unreachable += points.values().map(Vec::len).sum::<usize>();
    drop(client);
    server
        .connect()
        .expect("connect")
        .batch_execute(&format!("DROP DATABASE \"{db}\""))
        .expect("drop database");
    tally
}

/// The history fails there too: the statement the fix replaces failed with the same
/// SQLSTATE, or the fix misses an object after an earlier statement failed.
fn excused(t: &trace::Trace, f: &Failure) -> bool {
    let (file, index, end_of_file) = &f.key;
    let Some(file_pos) = t.files.iter().position(|tf| &tf.file == file) else {
        return false;
    };
    let same = !end_of_file
        && t.files[file_pos]
            .statements
            .iter()
            .find(|s| s.index == *index)
            .and_then(|s| s.observed.error.as_ref())
            .is_some_and(|e| Some(&e.sqlstate) == f.sqlstate.as_ref());
    let missing = f.sqlstate.as_deref().is_some_and(|s| MISSING.contains(&s));
    let failed_before = t.files[..=file_pos].iter().enumerate().any(|(i, tf)| {
        tf.statements.iter().any(|s| {
            s.observed.error.is_some() && (i < file_pos || s.index < *index || *end_of_file)
        })
    });
    same || (missing && failed_before)
}

fn case_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("read directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_fix_check_prints_runs_on_postgres() {
    let Some(server) = common::pg_server() else {
        return;
    };
    let started = Instant::now();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources: Vec<(String, PathBuf, Vec<String>)> = vec![
        (
            "sample_migrations".into(),
            root.join("sample_migrations"),
            Vec::new(),
        ),
        (
            "tests/data/fixes".into(),
            root.join("tests/data/fixes"),
            Vec::new(),
        ),
    ];
    if let Some(cases) = common::shared_dir("conformance") {
        for dir in case_dirs(&cases) {
            let name = dir.file_name().unwrap_or_default().to_string_lossy();
            sources.push((format!("conformance/{name}"), dir, Vec::new()));
        }
    }
    if let Some(corpus) = common::shared_dir("corpus") {
        for (name, dir, setup) in common::corpus_sets(&corpus) {
            sources.push((format!("corpus/{name}"), dir, setup));
        }
    }
    let mut total = Tally::default();
    let mut conformance = Tally::default();
    for (i, (name, dir, setup)) in sources.iter().enumerate() {
        let source_started = Instant::now();
        let t = check_history(&server, dir, &format!("fixes{i}"), setup);
        let line = format!(
            "{} fixes run, {} failed, {} failed where the history fails too, {} display-only, {} in DO bodies, {} unreachable ({:.1}s)",
            t.ran,
            t.failures.len(),
            t.excused,
            t.display_only,
            t.in_do_body,
            t.unreachable,
            source_started.elapsed().as_secs_f64()
        );
        if name.starts_with("conformance/") {
            conformance.ran += t.ran;
            conformance.display_only += t.display_only;
            conformance.unreachable += t.unreachable;
            conformance.excused += t.excused;
            conformance.in_do_body += t.in_do_body;
            conformance.failures.extend(t.failures.iter().cloned());
        } else {
            eprintln!("{name}: {line}");
        }
        total.ran += t.ran;
        total.display_only += t.display_only;
        total.unreachable += t.unreachable;
        total.excused += t.excused;
        total.in_do_body += t.in_do_body;
        total
            .failures
            .extend(t.failures.into_iter().map(|f| format!("{name}: {f}")));
    }
    if sources.len() > 1 {
        eprintln!(
            "conformance: {} fixes run, {} failed, {} failed where the history fails too, {} display-only, {} in DO bodies, {} unreachable",
            conformance.ran,
            conformance.failures.len(),
            conformance.excused,
            conformance.display_only,
            conformance.in_do_body,
            conformance.unreachable
        );
    }
    eprintln!(
        "all: {} fixes run, {} failed, {} failed where the history fails too, {} display-only, {} in DO bodies, {} unreachable in {:.1}s",
        total.ran,
        total.failures.len(),
        total.excused,
        total.display_only,
        total.in_do_body,
        total.unreachable,
        started.elapsed().as_secs_f64()
    );
    assert!(total.ran >= 10, "only {} fixes ran", total.ran);
    assert!(
        total.failures.is_empty(),
        "{} fixes failed on PostgreSQL:\n{}",
        total.failures.len(),
        total.failures.join("\n")
    );
}

#[test]
fn the_contract_tells_display_only_fixes_from_sql() {
    assert_eq!(
        runnable_sql("x", "do this:\nCREATE INDEX a ON t (b);").as_deref(),
        Some("CREATE INDEX a ON t (b);")
    );
    assert_eq!(runnable_sql("x", "only advice"), None);
    assert_eq!(runnable_sql("x", "do this:\n-- a comment only"), None);
    assert_eq!(runnable_sql("x", "do this:\nLOCK TABLE ...;"), None);
    assert_eq!(
        runnable_sql("x", "do this:\nCREATE INDEX <name> ON t (b);"),
        None
    );
    assert_eq!(runnable_sql("prefer-text", "use:\nname text"), None);
    assert_eq!(
        statements_of("BEGIN;\nCREATE INDEX CONCURRENTLY \"Concurrently\" ON t (b);\nCOMMIT;"),
        ["CREATE INDEX  \"Concurrently\" ON t (b);"]
    );
}

/// The fixes `check` prints for `files` (name, SQL), by rule, in order.
fn fixes_for(files: &[(&str, &str)]) -> Vec<(&'static str, String)> {
    let dir = common::TempDir::new("fix-text");
    for (name, sql) in files {
        dir.write(name, sql);
    }
    findings(&dir.0, 15)
        .into_iter()
        .filter_map(|f| Some((f.rule, f.fix?)))
        .collect()
}

fn fix_of(fixes: &[(&'static str, String)], rule: &str) -> String {
    fixes
        .iter()
        .find(|(r, _)| *r == rule)
        .map(|(_, f)| f.clone())
        .unwrap_or_else(|| panic!("no {rule} fix in {fixes:#?}"))
}

const QUOTED_BASE: &str = "CREATE TABLE \"Account\" (id bigint PRIMARY KEY, \"Email\" text);\nCREATE TABLE \"Session\" (id bigint PRIMARY KEY, \"userId\" bigint, \"Token\" text);\n";

#[test]
fn fk_missing_index_quotes_the_table_column_and_index_names() {
    let fixes = fixes_for(&[
        ("001_base.sql", QUOTED_BASE),
        (
            "002_fk.sql",
            "ALTER TABLE \"Session\" ADD CONSTRAINT \"Session_userId_fkey\" FOREIGN KEY (\"userId\") REFERENCES \"Account\" (id) NOT VALID;\n",
        ),
    ]);
    let fix = fix_of(&fixes, "fk-missing-index");
    assert!(
        fix.ends_with(
            "\nCREATE INDEX CONCURRENTLY \"Session_userId_idx\" ON \"Session\" (\"userId\");"
        ),
        "{fix}"
    );
}

#[test]
fn fk_missing_index_names_fit_in_63_bytes_and_avoid_taken_names() {
    let table = "t".repeat(40);
    let column = "c".repeat(40);
    let fixes = fixes_for(&[
        (
            "001_base.sql",
            &format!(
                "CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE {table} ({column} int);\nCREATE INDEX {t29}_{c29}_idx ON {table} (({column} + 1));\n",
                t29 = &table[..29],
                c29 = &column[..29],
            ),
        ),
        (
            "002_fk.sql",
            &format!("ALTER TABLE {table} ADD FOREIGN KEY ({column}) REFERENCES a NOT VALID;\n"),
        ),
    ]);
    let fix = fix_of(&fixes, "fk-missing-index");
    let name = fix
        .rsplit("CONCURRENTLY ")
        .next()
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_default();
    assert!(name.len() <= 63, "{name} ({} bytes)", name.len());
    // table_col_idx (cut to 63 bytes) is taken, by the expression index: PostgreSQL's
    // next choice, cut to fit the longer label
    assert_eq!(name, format!("{}_{}_idx1", &table[..29], &column[..28]));
}

#[test]
fn validate_and_rename_fixes_quote_the_constraint_and_the_new_names() {
    let fixes = fixes_for(&[
        ("001_base.sql", QUOTED_BASE),
        (
            "002_check.sql",
            "ALTER TABLE \"Session\" ADD CONSTRAINT \"Token Present\" CHECK (\"Token\" IS NOT NULL);\n",
        ),
        (
            "003_rename.sql",
            "ALTER TABLE \"Account\" RENAME TO \"Member\";\nALTER TABLE \"Session\" RENAME COLUMN \"Token\" TO \"AccessToken\";\n",
        ),
        (
            "004_rename.sql",
            "ALTER TABLE \"Session\" RENAME CONSTRAINT \"Token Present\" TO \"tokenPresent\";\n",
        ),
    ]);
    let fix = fix_of(&fixes, "constraint-not-valid-missing");
    assert!(
        fix.contains("\nALTER TABLE \"Session\" ADD CONSTRAINT \"Token Present\" CHECK (\"Token\" IS NOT NULL) NOT VALID;\n"),
        "{fix}"
    );
    assert!(
        fix.ends_with("\nALTER TABLE \"Session\" VALIDATE CONSTRAINT \"Token Present\";"),
        "{fix}"
    );
    let fix = fix_of(&fixes, "rename-table");
    assert!(
        fix.contains("\nALTER TABLE \"Account\" RENAME TO \"Member\";\nCREATE VIEW \"Account\" AS SELECT * FROM \"Member\";"),
        "{fix}"
    );
    let fix = fix_of(&fixes, "rename-column");
    assert!(
        fix.contains("\nALTER TABLE \"Session\" ADD COLUMN \"AccessToken\" TEXT;\n"),
        "{fix}"
    );
    let fix = fix_of(&fixes, "rename-object");
    assert!(
        fix.contains(
            "\nALTER TABLE \"Session\" RENAME CONSTRAINT \"Token Present\" TO \"tokenPresent\";\n"
        ),
        "{fix}"
    );
}

#[test]
fn add_column_rewrite_keeps_not_null_and_the_columns_constraints() {
    let fixes = fixes_for(&[
        ("001_base.sql", QUOTED_BASE),
        (
            "002_col.sql",
            "ALTER TABLE \"Account\" ADD COLUMN \"refId\" uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE;\n",
        ),
    ]);
    let fix = fix_of(&fixes, "add-column-rewrite");
    let sql: Vec<&str> = fix.lines().skip(1).collect();
    assert_eq!(
        sql,
        [
            "ALTER TABLE \"Account\" ADD COLUMN \"refId\" UUID;",
            "ALTER TABLE \"Account\" ALTER COLUMN \"refId\" SET DEFAULT gen_random_uuid();",
            "-- backfill in batches, repeated until it updates no row (a short transaction each):",
            "UPDATE \"Account\" SET \"refId\" = gen_random_uuid() WHERE ctid IN (SELECT ctid FROM \"Account\" WHERE \"refId\" IS NULL LIMIT 10000);",
            "ALTER TABLE \"Account\" ADD CONSTRAINT \"Account_refId_not_null_check\" CHECK (\"refId\" IS NOT NULL) NOT VALID;",
            "ALTER TABLE \"Account\" VALIDATE CONSTRAINT \"Account_refId_not_null_check\";",
            "ALTER TABLE \"Account\" ALTER COLUMN \"refId\" SET NOT NULL;   -- PostgreSQL 12+: no scan, the validated CHECK proves it",
            "ALTER TABLE \"Account\" DROP CONSTRAINT \"Account_refId_not_null_check\";",
            "CREATE UNIQUE INDEX CONCURRENTLY \"Account_refId_key\" ON \"Account\" (\"refId\");   -- outside a transaction",
            "ALTER TABLE \"Account\" ADD CONSTRAINT \"Account_refId_key\" UNIQUE USING INDEX \"Account_refId_key\";",
        ]
    );
}
