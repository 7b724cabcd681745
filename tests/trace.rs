//! `schemaguard trace` against a real PostgreSQL that the tests start themselves:
//! - every conformance case and the sample migrations: observed = predicted (no
//!   disagreement), and what the server did matches the locks each conformance case
//!   states (verified on a real server when the case was written);
//! - the observation primitive on single statements (locks, rewrites, errors, rollback);
//! - `--database-url`: refused without `--allow-on-database`, nothing committed, files
//!   that cannot run in a transaction not run, `lock_timeout` instead of waiting;
//! - `--schema-from` a dump file and a live database;
//! - killing trace mid-run (SIGKILL, SIGINT) leaves no server and no directory behind.
//!
//! Skips (with a message) when no PostgreSQL is installed, or `../shared` is absent.

mod common;

use schemaguard::lock::LockMode;
use schemaguard::server::TempServer;
use schemaguard::trace::observe::{self, Finish, Observer, Payload};
use schemaguard::trace::{self, Execution, Trace};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_migrations")
}

/// Traces `dir` on a fresh database of `server` (committed, like a throwaway server).
fn trace_dir(server: &TempServer, dir: &Path, db: &str) -> Trace {
    trace_dir_after(server, dir, db, &[])
}

/// As [`trace_dir`], after running `setup` in the database.
fn trace_dir_after(server: &TempServer, dir: &Path, db: &str, setup: &[String]) -> Trace {
    let (mut client, info) = common::trace_database(server, db, setup);
    let opts = common::trace_options(dir);
    trace::run_on_session(&mut client, info, &opts)
        .unwrap_or_else(|e| panic!("trace of {} failed: {e}", dir.display()))
}

/// Every statement that failed on the server failed as predicted (or was not
/// understood by schemaguard): returns the unexpected failures.
fn unexpected_failures(t: &Trace) -> Vec<String> {
    let mut out = Vec::new();
    for f in &t.files {
        for s in &f.statements {
            if let Some(e) = &s.observed.error {
                let c = &s.comparison;
                let predicted = c.unparsed
                    || c.predicted_failure.is_some()
                    || (e.is_transaction_block() && c.predicted_outside_transaction.is_some());
                if !predicted {
                    out.push(format!("{}:{} {}: {e}", f.file, s.line, s.sql));
                }
            }
        }
    }
    out
}

/// `-- expect-lock:` lines of a conformance file: (statement start line, expectations).
fn lock_expectations(text: &str) -> Vec<(u32, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let mut pending: Option<Vec<(String, String)>> = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("-- expect-lock:") {
            let rest = rest.trim();
            let list = if rest.eq_ignore_ascii_case("none") {
                Vec::new()
            } else {
                rest.split(',')
                    .filter_map(|p| {
                        let p = p.trim();
                        let (rel, mode) = p.split_once(' ')?;
                        Some((rel.to_string(), mode.trim().to_string()))
                    })
                    .collect()
            };
            pending = Some(list);
        } else if t.is_empty() || t.starts_with("--") {
            continue;
        } else if let Some(list) = pending.take() {
            out.push((i as u32 + 1, list));
        }
    }
    out
}

#[test]
fn conformance_cases_trace_with_observed_equal_to_predicted() {
    let Some(cases) = common::shared_dir("conformance") else {
        return;
    };
    let Some(server) = common::pg_server() else {
        return;
    };
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&cases)
        .expect("read conformance")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 25, "only {} cases", dirs.len());
    let mut problems = Vec::new();
    let mut statements = 0;
    let mut checked_expectations = 0;
    for (i, dir) in dirs.iter().enumerate() {
        let t = trace_dir(&server, dir, &format!("case{i}"));
        let name = dir.file_name().unwrap_or_default().to_string_lossy();
        statements += t.stats.statements;
        problems.extend(t.disagreements.iter().map(|d| format!("{name}: {d}")));
        problems.extend(
            unexpected_failures(&t)
                .into_iter()
                .map(|f| format!("{name}: unexpected failure {f}")),
        );
        // the locks the case states, as the server showed them
        for f in &t.files {
            let path = dir.join(Path::new(&f.file).file_name().unwrap_or_default());
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for (line, expected) in lock_expectations(&text) {
                let Some(s) = f.statements.iter().find(|s| s.line == line) else {
                    problems.push(format!("{name}/{}:{line}: no traced statement", f.file));
                    continue;
                };
                checked_expectations += 1;
                let shown: Vec<(String, LockMode)> = s
                    .comparison
                    .locks
                    .iter()
                    .filter_map(|l| {
                        let mode =
                            l.shown_mode()
                                .or(if l.already_held { l.predicted } else { None })?;
                        Some((l.relation.rsplit('.').next()?.to_string(), mode))
                    })
                    .collect();
                if expected.is_empty() {
                    if let Some((rel, mode)) = shown.iter().find(|(_, m)| m.blocks_traffic()) {
                        problems.push(format!(
                            "{name}/{}:{line}: expected no blocking lock, the server took {mode} on {rel}",
                            f.file
                        ));
                    }
                }
                for (rel, mode) in &expected {
                    let want = LockMode::parse(mode).expect("a lock mode in the case");
                    if !shown.iter().any(|(r, m)| r == rel && *m == want) {
                        problems.push(format!(
                            "{name}/{}:{line}: expected {want} on {rel}, the server showed {shown:?}",
                            f.file
                        ));
                    }
                }
            }
        }
    }
    eprintln!(
        "traced {} conformance cases ({statements} statements), {checked_expectations} lock expectations checked",
        dirs.len()
    );
    assert!(checked_expectations >= 8, "{checked_expectations}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Whether a disagreement is about something that blocks traffic or other DDL (a mode
/// of SHARE UPDATE EXCLUSIVE or stronger on either side), a rewrite, a failure or a
/// transaction-block rule, rather than a weak lock.
fn is_strong(d: &schemaguard::trace::compare::Disagreement) -> bool {
    use schemaguard::trace::compare::DisagreementKind;
    if d.kind != DisagreementKind::Lock {
        return true;
    }
    [&d.observed, &d.predicted]
        .iter()
        .flat_map(|t| t.split(['(', ')', ':']))
        .filter_map(|p| LockMode::parse(p.trim().trim_start_matches("with rows").trim()))
        .any(|m| m >= LockMode::ShareUpdateExclusive)
}

/// Six real histories (~5,100 statements, each after its set-up SQL): no disagreement
/// at all (those on what blocks traffic or rewrites are listed apart, being worse).
#[test]
fn corpus_histories_trace_without_blocking_disagreements() {
    let Some(corpus) = common::shared_dir("corpus") else {
        return;
    };
    let Some(server) = common::pg_server() else {
        return;
    };
    let mut statements = 0;
    let mut strong = Vec::new();
    let mut weak = Vec::new();
    for (i, (_, dir, setup)) in common::corpus_sets(&corpus).iter().enumerate() {
        let t = trace_dir_after(&server, dir, &format!("corpus{i}"), setup);
        statements += t.stats.statements;
        for d in &t.disagreements {
            if is_strong(d) {
                strong.push(d.to_string());
            } else {
                weak.push(d.to_string());
            }
        }
    }
    eprintln!(
        "traced {statements} corpus statements: {} weak-lock disagreements:\n{}",
        weak.len(),
        weak.join("\n")
    );
    assert!(statements > 5000, "{statements}");
    assert!(strong.is_empty(), "{}", strong.join("\n"));
    assert!(weak.is_empty(), "{}", weak.join("\n"));
}

#[test]
fn sample_migrations_trace_with_observed_equal_to_predicted() {
    let Some(server) = common::pg_server() else {
        return;
    };
    let t = trace_dir(&server, &sample_dir(), "samples");
    assert_eq!(t.stats.files, 16);
    assert!(t.disagreements.is_empty(), "{:#?}", t.disagreements);
    assert!(
        unexpected_failures(&t).is_empty(),
        "{:?}",
        unexpected_failures(&t)
    );
    // the dangerous ones are seen as such
    let stmt = |file: &str, kind: &str| {
        t.files
            .iter()
            .find(|f| f.file.ends_with(file))
            .and_then(|f| f.statements.iter().find(|s| s.kind == kind))
            .unwrap_or_else(|| panic!("{file} {kind}"))
    };
    let index = stmt("0011_index_orders_status.sql", "CREATE INDEX");
    assert_eq!(index.execution, Execution::Transaction);
    assert!(
        index
            .comparison
            .locks
            .iter()
            .any(|l| l.relation == "public.orders" && l.observed == Some(LockMode::Share)),
        "{:?}",
        index.comparison.locks
    );
    let rewrite = stmt("0015_add_products_public_id.sql", "ALTER TABLE");
    assert_eq!(rewrite.comparison.rewrites, ["public.products"]);
    let concurrent = stmt("0006_index_products_sku.sql", "CREATE INDEX CONCURRENTLY");
    assert_eq!(concurrent.execution, Execution::Outside);
    assert!(concurrent.comparison.locks.iter().all(|l| l.documented));
    assert!(t.stats.observed >= 30, "{:?}", t.stats);
}

#[test]
fn observing_one_statement_sees_its_locks_and_rewrites() {
    let Some(server) = common::pg_server() else {
        return;
    };
    let mut c = server.connect().expect("connect");
    c.batch_execute(
        "CREATE TABLE accounts (id bigint PRIMARY KEY, email text); INSERT INTO accounts VALUES (1, 'a')",
    )
    .expect("setup");

    let o = observe::observe(
        &mut c,
        "ALTER TABLE accounts ADD COLUMN token uuid DEFAULT gen_random_uuid()",
        Finish::Rollback,
    )
    .expect("observe");
    assert!(o.error.is_none(), "{o:?}");
    let strongest = o.strongest_locks();
    assert_eq!(strongest[0].relation, "public.accounts");
    assert_eq!(strongest[0].mode, LockMode::AccessExclusive);
    assert!(
        o.new_storage
            .iter()
            .any(|n| n.relation == "public.accounts" && n.kind == 'r'),
        "{o:?}"
    );

    // a stable default: the same lock, no rewrite; rolled back, so not there after
    let o = observe::observe(
        &mut c,
        "ALTER TABLE accounts ADD COLUMN created_at timestamptz DEFAULT now()",
        Finish::Rollback,
    )
    .expect("observe");
    assert!(o.new_storage.is_empty(), "{o:?}");
    let cols: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attnum > 0",
            &[],
        )
        .expect("count")
        .get(0);
    assert_eq!(cols, 2, "observe rolled back");

    let o = observe::observe(
        &mut c,
        "CREATE INDEX accounts_email_idx ON accounts (email)",
        Finish::Commit,
    )
    .expect("observe");
    assert_eq!(o.strongest_locks()[0].mode, LockMode::Share);
    assert_eq!(o.created, ["public.accounts_email_idx"]);

    // a failing statement: its error, nothing else, the session still usable
    let o = observe::observe(
        &mut c,
        "ALTER TABLE nowhere ADD COLUMN x int",
        Finish::Commit,
    )
    .expect("observe");
    assert_eq!(o.error.as_ref().map(|e| e.sqlstate.as_str()), Some("42P01"));
    assert!(o.locks.is_empty());
    c.batch_execute("SELECT 1").expect("usable");
}

#[test]
fn an_observer_follows_a_transaction_and_its_rollback() {
    let Some(server) = common::pg_server() else {
        return;
    };
    let mut c = server.connect().expect("connect");
    c.batch_execute("CREATE TABLE t (id int); CREATE TABLE u (id int)")
        .expect("setup");
    let mut o = Observer::new(&mut c).expect("observer");
    o.begin(&mut c).expect("begin");
    let first = o
        .run_in_transaction(&mut c, Payload::Sql("ALTER TABLE t RENAME TO t2"))
        .expect("rename");
    assert_eq!(first.locks[0].relation, "public.t2");
    // the same mode again is not new; a syntax error does not end the transaction
    let again = o
        .run_in_transaction(&mut c, Payload::Sql("ALTER TABLE t2 ADD COLUMN x int"))
        .expect("add column");
    assert!(again.locks.is_empty(), "{again:?}");
    assert!(
        o.held_before(first.locks[0].oid)
            .any(|m| m == LockMode::AccessExclusive)
    );
    let bad = o
        .run_in_transaction(&mut c, Payload::Sql("ALTER TABLE u ADD COLUMN ,,"))
        .expect("syntax error");
    assert_eq!(bad.error.map(|e| e.sqlstate), Some("42601".to_string()));
    let truncate = o
        .run_in_transaction(&mut c, Payload::Sql("TRUNCATE u"))
        .expect("truncate");
    assert_eq!(truncate.new_storage.len(), 1, "{truncate:?}");
    o.rollback(&mut c).expect("rollback");
    // after the rollback the observer knows t by its old name again
    assert!(o.relation(Some("public"), "t").is_some());
    assert!(o.relation(Some("public"), "t2").is_none());
}

fn binary(args: &[&str], envs: &[(&str, &str)]) -> common::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_schemaguard"));
    cmd.args(args).env("NO_COLOR", "1");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run schemaguard");
    common::Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `trace --format json` on the database at `url` (allowed): its output, which must
/// exit 0, and its document.
fn trace_json_on_database(url: &str, dir: &str) -> (common::Output, serde_json::Value) {
    let out = binary(
        &[
            "trace",
            "--format",
            "json",
            "--database-url",
            url,
            "--allow-on-database",
            dir,
        ],
        &[],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    (out, doc)
}

#[test]
fn the_command_traces_on_a_throwaway_server_in_every_format() {
    if common::pg_server().is_none() {
        return;
    }
    let dir = common::TempDir::new("trace-cli");
    dir.write("001_base.sql", "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\nCOPY accounts (id, email) FROM stdin;\n1\ta@example.com\n2\tb@example.com\n\\.\n");
    dir.write(
        "002_index.sql",
        "CREATE INDEX accounts_email_idx ON accounts (email);\nUPDATE accounts SET email = lower(email);\n",
    );
    let human = binary(&["trace", dir.path()], &[]);
    assert_eq!(human.code, 0, "{}{}", human.stdout, human.stderr);
    assert!(
        human.stdout.contains("trace on PostgreSQL"),
        "{}",
        human.stdout
    );
    assert!(
        human
            .stdout
            .contains("locks: public.accounts SHARE (blocks writes)"),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains("0 disagreements"), "{}", human.stdout);

    let json = binary(&["trace", "--format", "json", dir.path()], &[]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(doc["schema_version"], 1);
    assert!(doc["server"]["version_num"].as_u64().unwrap_or(0) >= 100000);
    let files = doc["files"].as_array().expect("files");
    assert_eq!(files.len(), 2);
    // the COPY data arrived: the UPDATE touched two rows (ROW EXCLUSIVE seen)
    let copy = &files[0]["statements"][1];
    assert_eq!(copy["kind"], "COPY");
    assert!(copy["error"].is_null(), "{copy}");
    let index = &files[1]["statements"][0];
    assert_eq!(index["locks"][0]["relation"], "public.accounts");
    assert_eq!(index["locks"][0]["observed"], "SHARE");
    assert_eq!(index["locks"][0]["blocks_writes"], true);
    assert_eq!(doc["disagreements"].as_array().map(Vec::len), Some(0));

    let md = binary(&["trace", "--format", "markdown", dir.path()], &[]);
    assert_eq!(md.code, 0, "{}", md.stderr);
    assert!(
        md.stdout.starts_with("### schemaguard trace:"),
        "{}",
        md.stdout
    );
    assert!(md.stdout.contains("| line | statement |"), "{}", md.stdout);
}

#[test]
fn a_disagreement_exits_1_and_is_listed() {
    if common::pg_server().is_none() {
        return;
    }
    // schemaguard cannot know what a function called in a DEFAULT does: the server
    // shows the lock it takes on another table, which effects did not predict
    let dir = common::TempDir::new("trace-disagree");
    dir.write(
        "001_base.sql",
        "CREATE TABLE audit (id int);\nCREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\nCREATE FUNCTION audit_count() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$ BEGIN RETURN (SELECT count(*) FROM audit); END $$;\n",
    );
    dir.write(
        "002_col.sql",
        "ALTER TABLE t ADD COLUMN n bigint DEFAULT audit_count();\n",
    );
    let out = binary(&["trace", dir.path()], &[]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("lock on public.audit: observed ACCESS SHARE, predicted no lock"),
        "{}",
        out.stdout
    );
}

#[test]
fn on_a_database_nothing_is_committed_and_locks_are_never_waited_for() {
    let Some(server) = common::pg_server() else {
        return;
    };
    let mut admin = server.connect().expect("connect");
    admin
        .batch_execute(
            "CREATE TABLE accounts (id bigint PRIMARY KEY, email text); INSERT INTO accounts VALUES (1, 'a')",
        )
        .expect("setup");
    let url = common::pg_url(&server, "postgres");
    let dir = common::TempDir::new("trace-db");
    dir.write(
        "001_col.sql",
        "ALTER TABLE accounts ADD COLUMN token uuid DEFAULT gen_random_uuid();\nCREATE TABLE added (id int);\nCOMMIT;\n",
    );
    dir.write(
        "002_concurrently.sql",
        "-- schemaguard:no-transaction\nCREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);\n",
    );

    let refused = binary(&["trace", "--database-url", &url, dir.path()], &[]);
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("--allow-on-database"),
        "{}",
        refused.stderr
    );

    let (_, doc) = trace_json_on_database(&url, dir.path());
    assert_eq!(doc["server"]["kind"], "database");
    let first = &doc["files"][0]["statements"];
    assert_eq!(first[0]["rewrites"][0], "public.accounts");
    assert_eq!(first[2]["execution"], "not_run", "COMMIT is never run");
    let second = &doc["files"][1];
    assert!(
        second["not_traced"]
            .as_str()
            .is_some_and(|s| s.contains("CREATE INDEX CONCURRENTLY")),
        "{second}"
    );
    // nothing stayed
    let cols: i64 = admin
        .query_one(
            "SELECT count(*) FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attnum > 0",
            &[],
        )
        .expect("count")
        .get(0);
    assert_eq!(cols, 2);
    let added: Option<String> = admin
        .query_one("SELECT to_regclass('added')::text", &[])
        .expect("regclass")
        .get(0);
    assert_eq!(added, None);
    let indexes: i64 = admin
        .query_one(
            "SELECT count(*) FROM pg_class WHERE relname = 'accounts_email_idx'",
            &[],
        )
        .expect("count")
        .get(0);
    assert_eq!(indexes, 0);

    // another session holds the table: trace gives up after lock_timeout
    let mut holder = server.connect().expect("connect");
    holder
        .batch_execute("BEGIN; LOCK TABLE accounts IN ACCESS SHARE MODE")
        .expect("hold");
    let started = Instant::now();
    let out = binary(
        &[
            "trace",
            "--database-url",
            &url,
            "--allow-on-database",
            "--lock-timeout",
            "200ms",
            dir.path(),
        ],
        &[],
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert!(
        out.stdout.contains("lock timeout") || out.stdout.contains("55P03"),
        "{}{}",
        out.stdout,
        out.stderr
    );
    holder.batch_execute("ROLLBACK").expect("release");
}

#[test]
fn on_a_database_migrations_its_history_table_lists_are_not_run_again() {
    let Some(server) = common::pg_server() else {
        return;
    };
    let mut admin = server.connect().expect("connect");
    admin
        .batch_execute("CREATE DATABASE applied_history")
        .expect("create database");
    let mut db = server
        .connect_as(schemaguard::server::SUPERUSER, "applied_history")
        .expect("connect to the new database");
    // golang-migrate's table: version 1 is applied, and the table it made exists
    db.batch_execute(
        "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
         INSERT INTO schema_migrations VALUES (1, false);
         CREATE TABLE items (id bigint PRIMARY KEY, name text);",
    )
    .expect("setup");
    let url = common::pg_url(&server, "applied_history");
    let dir = common::TempDir::new("trace-applied");
    // run again, its IF NOT EXISTS would be a no-op the model does not predict as one
    dir.write(
        "000001_items.up.sql",
        "CREATE TABLE IF NOT EXISTS items (id bigint PRIMARY KEY, name text);\nCREATE INDEX IF NOT EXISTS items_name_idx ON items (name);\n",
    );
    dir.write(
        "000002_note.up.sql",
        "ALTER TABLE items ADD COLUMN note text;\n",
    );
    let (out, doc) = trace_json_on_database(&url, dir.path());
    let first = &doc["files"][0];
    assert!(
        first["not_traced"]
            .as_str()
            .is_some_and(|s| s.contains("already applied")),
        "{first}"
    );
    assert!(
        first["statements"]
            .as_array()
            .is_some_and(|s| s.len() == 2 && s.iter().all(|s| s["execution"] == "not_run")),
        "{first}"
    );
    let second = &doc["files"][1]["statements"][0];
    assert_eq!(second["execution"], "transaction", "{second}");
    assert_eq!(
        doc["disagreements"],
        serde_json::json!([]),
        "{}",
        out.stdout
    );
    assert!(
        doc["notes"].as_array().is_some_and(|n| n.iter().any(|n| n
            .as_str()
            .is_some_and(|n| n.starts_with("1 of 2 migration(s) not run")))),
        "{}",
        doc["notes"]
    );
    // the pending file ran against the schema as the database has it: the column was
    // rolled back
    let cols: i64 = db
        .query_one(
            "SELECT count(*) FROM pg_attribute WHERE attrelid = 'items'::regclass AND attnum > 0 AND NOT attisdropped",
            &[],
        )
        .expect("count")
        .get(0);
    assert_eq!(cols, 2);
}

#[test]
fn schema_from_a_dump_file_and_a_live_database() {
    let Some(source) = common::pg_server() else {
        return;
    };
    let dir = common::TempDir::new("trace-schema");
    let dump = dir.write(
        "schema.sql",
        "CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL);\nCREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint REFERENCES accounts (id));\n",
    );
    let migrations = dir.0.join("migrations");
    std::fs::create_dir_all(&migrations).expect("mkdir");
    std::fs::write(
        migrations.join("001_index.sql"),
        "CREATE INDEX accounts_email_idx ON accounts (email);\nALTER TABLE orders ADD COLUMN note text;\n",
    )
    .expect("write");
    let mig = migrations.to_str().expect("utf-8");

    let out = binary(
        &["trace", "--schema-from", dump.to_str().expect("utf-8"), mig],
        &[],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("locks: public.accounts SHARE (blocks writes)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("loaded with the schema of"),
        "{}",
        out.stdout
    );

    // the same schema from a live database (pg_dump --schema-only)
    let mut c = source.connect().expect("connect");
    c.batch_execute(&std::fs::read_to_string(&dump).expect("read"))
        .expect("load");
    let url = common::pg_url(&source, "postgres");
    let out = binary(&["trace", "--schema-from", &url, mig], &[]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("locks: public.orders ACCESS EXCLUSIVE"),
        "{}",
        out.stdout
    );
}

/// Starts `schemaguard trace` on a migration that sleeps, waits until its server runs
/// the sleep, kills it with `signal`, and checks that the server and its directory go.
fn killed_mid_trace_leaves_nothing(signal: i32) {
    if common::pg_server().is_none() {
        return;
    }
    let dir = common::TempDir::new(&format!("trace-kill-{signal}"));
    dir.write("001_base.sql", "CREATE TABLE t (id int);\n");
    dir.write("002_sleep.sql", "SELECT pg_sleep(60);\n");
    // a directory of our own for the server's temp dir, reachable by `postgres`
    let tmp = std::env::temp_dir().join(format!("sg-kill-{signal}-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("mkdir");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_schemaguard"));
    command
        .args(["trace", dir.path()])
        .env("TMPDIR", &tmp)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    // A shell without job control starts background commands with SIGINT ignored, and
    // the child inherits that: `cargo test &` then never saw the trace end on SIGINT
    // (the sleep ran out and the trace exited 0). The child gets the default action,
    // as a program started from a terminal has.
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: signal(2) is async-signal-safe, and nothing else runs in the child
        // between fork and exec
        unsafe {
            command.pre_exec(|| {
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                Ok(())
            });
        }
    }
    let mut child = command.spawn().expect("spawn");
    // the server is up and busy with pg_sleep when a backend runs it
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut postmaster: Option<i32> = None;
    while Instant::now() < deadline {
        let pidfile = std::fs::read_dir(&tmp)
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| e.ok())
            .map(|e| e.path().join("data").join("postmaster.pid"));
        if let Some(pid) = pidfile
            .and_then(|p| std::fs::read_to_string(p).ok())
            .and_then(|t| t.lines().next().and_then(|l| l.trim().parse().ok()))
        {
            postmaster = Some(pid);
            let sleeping = std::fs::read_dir("/proc")
                .into_iter()
                .flatten()
                .flatten()
                .any(|e| {
                    std::fs::read_to_string(e.path().join("cmdline"))
                        .is_ok_and(|c| c.contains("SELECT"))
                });
            if sleeping {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let postmaster = postmaster.expect("the throwaway server started");
    std::thread::sleep(Duration::from_millis(300));
    // SAFETY: kill(2) on our own child's pid; no memory is involved
    let rc = unsafe { libc::kill(child.id() as i32, signal) };
    assert_eq!(rc, 0);
    let status = child.wait().expect("wait");
    assert!(!status.success());
    // the watchdog stops the server and removes the directory
    let gone = |pid: i32| {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| s.split_whitespace().nth(2) == Some("Z"))
            .unwrap_or(true)
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let empty = std::fs::read_dir(&tmp)
            .map(|mut d| d.next().is_none())
            .unwrap_or(true);
        if empty && gone(postmaster) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let left: Vec<PathBuf> = std::fs::read_dir(&tmp)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(gone(postmaster), "postmaster {postmaster} still runs");
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn sigkill_mid_trace_leaves_no_server_and_no_directory() {
    killed_mid_trace_leaves_nothing(libc::SIGKILL);
}

#[test]
fn sigint_mid_trace_leaves_no_server_and_no_directory() {
    killed_mid_trace_leaves_nothing(libc::SIGINT);
}

fn trace_fixture(server: &TempServer, name: &str) -> Trace {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/trace")
        .join(name);
    let t = trace_dir(server, &dir, name);
    assert!(t.disagreements.is_empty(), "{name}: {:#?}", t.disagreements);
    assert!(
        unexpected_failures(&t).is_empty(),
        "{name}: {:?}",
        unexpected_failures(&t)
    );
    t
}

/// The statement of `t` whose text starts with `sql`: (rewritten tables, rebuilt
/// indexes) as observed.
fn observed_storage(t: &Trace, sql: &str) -> (Vec<String>, Vec<String>) {
    let s = t
        .files
        .iter()
        .flat_map(|f| &f.statements)
        .find(|s| s.sql.starts_with(sql))
        .unwrap_or_else(|| panic!("no statement {sql}"));
    (
        s.comparison.rewrites.clone(),
        s.comparison.rebuilt_indexes.clone(),
    )
}

/// Type changes as PostgreSQL runs them: no disagreement with `effects` (rewrites and
/// locks; an index PostgreSQL re-creates for ALTER TYPE gets a new OID, so `trace`
/// does not see it as rebuilt: `type_change_rebuilds_and_scans_match_the_server`
/// checks those by name).
#[test]
fn type_changes_trace_with_observed_equal_to_predicted() {
    let Some(server) = common::pg_server() else {
        return;
    };
    let t = trace_fixture(&server, "type_changes");
    for (sql, rewrites) in [
        (
            "ALTER TABLE \"app_user\" ALTER COLUMN \"name\" TYPE varchar(1000) USING",
            false,
        ),
        (
            "ALTER TABLE \"app_user\" ALTER COLUMN \"seen\" TYPE timestamptz(6)",
            false,
        ),
        (
            "ALTER TABLE \"app_user\" ALTER COLUMN \"seen\" TYPE timestamptz(3)",
            true,
        ),
        (
            "ALTER TABLE \"app_user\" ALTER COLUMN \"code\" TYPE bit varying",
            false,
        ),
        (
            "ALTER TABLE \"app_user\" ALTER COLUMN \"name\" TYPE varchar(3000)",
            true,
        ),
    ] {
        assert_eq!(!observed_storage(&t, sql).0.is_empty(), rewrites, "{sql}");
    }
    if citext_available(&server) {
        let t = trace_fixture(&server, "citext");
        let sql = "ALTER TABLE \"app_user\" ALTER COLUMN \"email\" TYPE citext";
        assert!(observed_storage(&t, sql).0.is_empty(), "{sql}");
    }
}

/// citext is contrib: not every installation has it.
fn citext_available(server: &TempServer) -> bool {
    let mut admin = server.connect().expect("connect");
    let rows = admin
        .query(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'citext'",
            &[],
        )
        .expect("pg_available_extensions");
    if rows.is_empty() {
        common::skipped("the citext extension is not installed; its type changes are not checked");
    }
    !rows.is_empty()
}

/// Relation name -> relfilenode, for the public schema.
fn storage(client: &mut postgres::Client) -> std::collections::BTreeMap<String, i64> {
    client
        .query(
            "SELECT c.relname::text, c.relfilenode::int8 FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'",
            &[],
        )
        .expect("pg_class")
        .iter()
        .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1)))
        .collect()
}
/// Sequential scans of `t` so far (flushed first: statistics are per backend until then).
fn seq_scans(client: &mut postgres::Client) -> i64 {
    client
        .batch_execute("SELECT pg_stat_force_next_flush()")
        .expect("flush");
    std::thread::sleep(Duration::from_millis(700));
    client
        .batch_execute("SELECT pg_stat_clear_snapshot()")
        .expect("snapshot");
    client
        .query_one(
            "SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 't'",
            &[],
        )
        .expect("pg_stat_user_tables")
        .get(0)
}

/// For ALTER COLUMN ... TYPE on a table with rows, a CHECK on the column, a plain, an
/// expression and a partial index on it and an index on another column: the table
/// rewritten, each index rebuilt (its relfilenode, by name) and the scans without a
/// rewrite (`seq_scan`: one for the CHECKs, one per index build), against what
/// `effects` says.
#[test]
fn type_change_rebuilds_and_scans_match_the_server() {
    use schemaguard::catalog::{Catalog, Origin, replay};
    use schemaguard::effects::{self, PgVersion, coercion};
    use schemaguard::ops::{AlterTableAction, ObjectName, Operation};
    let Some(server) = common::pg_server() else {
        return;
    };
    if server.version_num() < 150000 {
        common::skipped("pg_stat_force_next_flush() needs PostgreSQL 15");
        return;
    }
    let mut admin = server.connect().expect("connect");
    admin
        .batch_execute("CREATE DATABASE typechk")
        .expect("create database");
    let mut client = server
        .connect_as(schemaguard::server::SUPERUSER, "typechk")
        .expect("connect");
    let mut cases = vec![
        ("varchar(100)", "varchar(1000) USING \"x\"::varchar(1000)"),
        ("varchar(100)", "text"),
        ("varchar(100)", "varchar(100)"),
        ("varchar(100)", "varchar(10)"),
        ("text", "bpchar"),
        ("bit(5)", "bit varying"),
        ("int", "oid"),
        ("timestamptz", "timestamptz(6)"),
        ("numeric(10,2)", "numeric"),
        ("text", "text COLLATE \"C\""),
    ];
    if citext_available(&server) {
        client
            .batch_execute("CREATE EXTENSION citext")
            .expect("citext");
        cases.extend([
            ("text", "citext"),
            ("citext", "varchar"),
            ("citext", "varchar(20)"),
        ]);
    }
    let table = ObjectName::new(Some("public"), "t");
    for (from, to) in cases {
        let setup = format!(
            "DROP TABLE IF EXISTS t; \
             CREATE TABLE t (id int, x {from}, CONSTRAINT t_ck CHECK (x IS NULL OR x IS NOT NULL)); \
             CREATE INDEX t_x ON t (x); \
             CREATE INDEX t_expr ON t ((x IS NULL)); \
             CREATE INDEX t_part ON t (id) WHERE x IS NOT NULL; \
             CREATE INDEX t_id ON t (id); \
             INSERT INTO t SELECT g, NULL FROM generate_series(1, 10) g;"
        );
        client.batch_execute(&setup).expect("setup");
        let alter = format!("ALTER TABLE t ALTER COLUMN x TYPE {to}");
        let (before, scans_before) = (storage(&mut client), seq_scans(&mut client));
        client.batch_execute(&alter).expect("alter");
        let (after, scans_after) = (storage(&mut client), seq_scans(&mut client));
        let changed = |name: &str| before.get(name) != after.get(name);

        let mut cat = Catalog::default();
        for stmt in schemaguard::parse::parse_file(&setup).statements {
            replay::apply(&mut cat, &stmt.op, Origin::default());
        }
        let op = schemaguard::parse::parse_statement(&alter);
        let Operation::AlterTable(at) = &op else {
            panic!("{alter}: {op:?}");
        };
        let Some(AlterTableAction::AlterColumnType {
            column,
            ty,
            using,
            collation,
        }) = at.actions.first()
        else {
            panic!("{alter}: {op:?}");
        };
        let t = cat.table(&table).expect("t is known");
        let change = coercion::type_change(
            t.column(column).map(|c| &c.ty),
            ty,
            using.as_ref(),
            column,
            PgVersion(15),
            true,
        );
        let predicted = effects::of(&op, &cat, PgVersion(15));
        assert_eq!(
            changed("t"),
            change.rewrites(),
            "{from} -> {to}: {change:?}"
        );
        assert_eq!(
            predicted.rewrites_table(&table),
            change.rewrites(),
            "{from} -> {to}"
        );
        if change.rewrites() {
            continue;
        }
        let kept = effects::kept_in_place(&cat, t, column, &change, collation.as_deref());
        for index in ["t_x", "t_expr", "t_part", "t_id"] {
            assert_eq!(
                changed(index),
                kept.indexes.iter().any(|i| i == index),
                "{from} -> {to}: index {index}, predicted {kept:?}"
            );
        }
        let scans = i64::from(!kept.checks.is_empty()) + kept.indexes.len() as i64;
        assert_eq!(
            scans_after - scans_before,
            scans,
            "{from} -> {to}: {kept:?}"
        );
        assert_eq!(
            predicted.scans_table(&table),
            scans > 0,
            "{from} -> {to}: {:?}",
            predicted.scans
        );
    }
}

/// `ADD COLUMN ... DEFAULT f()` with SQL functions PostgreSQL inlines: no disagreement,
/// and the table is rewritten exactly for the volatile bodies.
#[test]
fn inlined_functions_trace_with_observed_equal_to_predicted() {
    let Some(server) = common::pg_server() else {
        return;
    };
    let t = trace_fixture(&server, "inlined_functions");
    for (sql, rewrites) in [
        (
            "ALTER TABLE t ADD COLUMN a timestamptz DEFAULT f_now()",
            false,
        ),
        (
            "ALTER TABLE t ADD COLUMN d timestamptz DEFAULT f_atomic()",
            false,
        ),
        (
            "ALTER TABLE t ADD COLUMN e timestamptz DEFAULT f_clock()",
            true,
        ),
        (
            "ALTER TABLE t ADD COLUMN f timestamptz DEFAULT f_pl()",
            true,
        ),
        (
            "ALTER TABLE t ADD COLUMN g timestamptz DEFAULT f_def()",
            true,
        ),
        (
            "ALTER TABLE t ADD COLUMN l timestamptz DEFAULT f_g()",
            false,
        ),
    ] {
        assert_eq!(!observed_storage(&t, sql).0.is_empty(), rewrites, "{sql}");
    }
}

/// PostgreSQL's own regression DDL (`../shared/pg-regress`, PostgreSQL 16.1's suite as
/// a history of about 9,700 statements, 1,400 of which fail on purpose) traced on a
/// throwaway server: it completes, no disagreement is strong (about a lock of SHARE or
/// stronger, a rewrite, an index rebuild or the transaction-block rule), and all of them
/// stay at or under the count reached so far (a ratchet: lower it as the model learns;
/// the classes left are in the issue notes).
#[test]
fn pg_regress_traces_to_the_end_within_the_disagreements_reached() {
    const MAX_DISAGREEMENTS: usize = PG_REGRESS_MAX;
    let Some(regress) = common::shared_dir("pg-regress") else {
        return;
    };
    if common::pg_server().is_none() {
        return;
    }
    let dir = regress.join("sets").join("regress");
    let opts = common::trace_options(&dir);
    let t = trace::run(&opts).unwrap_or_else(|e| panic!("trace of pg-regress failed: {e}"));
    assert!(t.stats.statements > 9000, "{}", t.stats.statements);
    let strong_mode = |d: &schemaguard::trace::compare::Disagreement| {
        use schemaguard::trace::compare::DisagreementKind;
        d.kind != DisagreementKind::Lock
            || [&d.observed, &d.predicted]
                .iter()
                .flat_map(|t| t.split(['(', ')', ':']))
                .filter_map(|p| LockMode::parse(p.trim().trim_start_matches("with rows").trim()))
                .any(|m| m >= LockMode::Share)
    };
    let strong: Vec<String> = t
        .disagreements
        .iter()
        .filter(|d| strong_mode(d))
        .map(ToString::to_string)
        .collect();
    eprintln!(
        "pg-regress: {} statements, {} disagreements, {} strong",
        t.stats.statements,
        t.disagreements.len(),
        strong.len()
    );
    // none on a lock of SHARE or stronger, a rewrite, an index rebuild or the
    // transaction-block rule
    assert!(
        strong.is_empty(),
        "{} strong disagreements:\n{}",
        strong.len(),
        strong.join("\n")
    );
    assert!(
        t.disagreements.len() <= MAX_DISAGREEMENTS,
        "{} disagreements (at most {MAX_DISAGREEMENTS})",
        t.disagreements.len()
    );
}

/// Foreign keys across partition trees, as PostgreSQL 15 locks them: a table attached
/// with a key equal to the tree's keeps it and loses its action triggers (ACCESS
/// EXCLUSIVE on the referenced table), one without gets a clone (SHARE ROW EXCLUSIVE); a
/// partition has the keys of every table above it; a detached one keeps them; a
/// self-referencing key's new triggers go on the parent; a key to a partitioned table
/// has triggers on each partition. And the replay follows the server: a rolled-back
/// transaction and a refused statement leave no change behind (the trace runs twice
/// when a statement fails, the second time knowing which).
#[test]
fn partition_tree_foreign_keys_rollbacks_and_refused_statements_trace_as_predicted() {
    let Some(doc) = traced_files(
        "trace-partition-keys",
        &[
            ("0001_partitioned_keys.sql", KEYS),
            ("0002_rolled_back_and_refused.sql", ROLLED_BACK_AND_REFUSED),
        ],
    ) else {
        return;
    };
    assert_eq!(doc["stats"]["failed"], 1);
    // the re-attached partition's own key: ACCESS EXCLUSIVE on the referenced table
    let reattach = &doc["files"][0]["statements"][5];
    assert!(
        reattach["sql"]
            .as_str()
            .is_some_and(|s| s.contains("ATTACH PARTITION fk_1")),
        "{reattach}"
    );
    let on_pk = reattach["locks"]
        .as_array()
        .and_then(|l| l.iter().find(|l| l["relation"] == "public.pk"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(on_pk["predicted"], "ACCESS EXCLUSIVE", "{reattach}");
}

const KEYS: &str = r#"CREATE TABLE pk (a int, b int, PRIMARY KEY (a, b));
CREATE TABLE fk (a int, b int) PARTITION BY LIST (a);
ALTER TABLE fk ADD FOREIGN KEY (a, b) REFERENCES pk ON DELETE CASCADE;
CREATE TABLE fk_1 PARTITION OF fk FOR VALUES IN (1);
ALTER TABLE fk DETACH PARTITION fk_1;
ALTER TABLE fk ATTACH PARTITION fk_1 FOR VALUES IN (1);
DROP TABLE fk_1;
CREATE TABLE fk_2 (a int, b int, FOREIGN KEY (a, b) REFERENCES pk);
ALTER TABLE fk ATTACH PARTITION fk_2 FOR VALUES IN (2);
CREATE TABLE fk_3 (a int, b int, FOREIGN KEY (a, b) REFERENCES pk ON DELETE CASCADE);
ALTER TABLE fk ATTACH PARTITION fk_3 FOR VALUES IN (3);
DROP TABLE fk_3;
CREATE TABLE fk_4 (a int, b int) PARTITION BY LIST (b);
CREATE TABLE fk_4_1 PARTITION OF fk_4 FOR VALUES IN (1);
ALTER TABLE fk ATTACH PARTITION fk_4 FOR VALUES IN (4);
CREATE TABLE fk_4_2 PARTITION OF fk_4 FOR VALUES IN (2);
ALTER TABLE fk DETACH PARTITION fk_4;
CREATE TABLE self_fk (id int PRIMARY KEY, up int REFERENCES self_fk) PARTITION BY RANGE (id);
CREATE TABLE self_fk_1 (id int PRIMARY KEY, up int);
ALTER TABLE self_fk ATTACH PARTITION self_fk_1 FOR VALUES FROM (0) TO (10);
CREATE TABLE ppk (id int PRIMARY KEY) PARTITION BY RANGE (id);
CREATE TABLE ppk_1 PARTITION OF ppk FOR VALUES FROM (0) TO (10);
CREATE TABLE uses_ppk (id int CONSTRAINT uses_ppk_fk REFERENCES ppk);
ALTER TABLE uses_ppk DROP CONSTRAINT uses_ppk_fk;
CREATE TABLE fk2 (a int, b int) PARTITION BY LIST (a);
CREATE TABLE fk2_1 PARTITION OF fk2 (FOREIGN KEY (a, b) REFERENCES pk) FOR VALUES IN (1);
ALTER TABLE fk2 ADD FOREIGN KEY (a, b) REFERENCES pk;
-- schemaguard:no-transaction
"#;
const ROLLED_BACK_AND_REFUSED: &str = r#"CREATE TABLE kept (a int);
BEGIN;
DROP TABLE kept;
ROLLBACK;
ALTER TABLE kept ADD COLUMN b int;
CREATE TABLE parted (a int) PARTITION BY LIST (a);
CREATE TABLE not_a_part (a int, extra int);
ALTER TABLE parted ATTACH PARTITION not_a_part FOR VALUES IN (1);
DROP TABLE not_a_part;
-- schemaguard:no-transaction
"#;

/// Owners, as PostgreSQL keeps them: what is created under `SET ROLE` / `SET SESSION
/// AUTHORIZATION` is that role's, a table's sequences are its owner's, `OWNER TO` and
/// `REASSIGN OWNED` hand them on (ACCESS EXCLUSIVE on each relation and the sequences a
/// table owns), and `DROP OWNED` drops them (ACCESS EXCLUSIVE on each); the next file is
/// a new session, as its own role again.
#[test]
fn owners_follow_roles_and_drop_or_reassign_owned_lock_what_they_own() {
    if common::pg_server().is_none() {
        return;
    }
    let dir = common::TempDir::new("trace-owners");
    dir.write("0001_roles.sql", OWNERS);
    dir.write(
        "0002_next_session.sql",
        "CREATE TABLE after_reset (id int);\nDROP OWNED BY sg_owner_a;\n-- schemaguard:no-transaction\n",
    );
    let doc = traced_in_agreement(dir.path());
    let locked = |file: usize, text: &str| -> Vec<String> {
        let statements = doc["files"][file]["statements"].as_array().cloned();
        let statement = statements
            .unwrap_or_default()
            .into_iter()
            .find(|s| s["sql"].as_str().is_some_and(|s| s.starts_with(text)))
            .unwrap_or_else(|| panic!("no statement `{text}` in {}", doc["files"][file]));
        let mut locks: Vec<String> = statement["locks"]
            .as_array()
            .map(|l| {
                l.iter()
                    .filter(|l| l["observed"] == "ACCESS EXCLUSIVE")
                    .map(|l| l["relation"].as_str().unwrap_or("?").to_string())
                    .collect()
            })
            .unwrap_or_default();
        locks.sort();
        locks
    };
    assert_eq!(
        locked(0, "REASSIGN OWNED"),
        [
            "public.their_seq",
            "public.their_view",
            "public.theirs",
            "public.theirs_id_seq"
        ]
    );
    assert_eq!(
        locked(0, "DROP OWNED"),
        [
            "public.mine",
            "public.mine_id_seq",
            "public.their_seq",
            "public.their_view",
            "public.theirs",
            "public.theirs_id_seq"
        ]
    );
    // the second file runs as the migrations' own role: its table is not sg_owner_a's
    assert_eq!(locked(1, "DROP OWNED"), ["public.as_a"]);
}

const OWNERS: &str = r#"CREATE ROLE sg_owner_a;
CREATE ROLE sg_owner_b;
GRANT CREATE ON SCHEMA public TO sg_owner_a;
CREATE TABLE mine (id serial PRIMARY KEY);
SET ROLE sg_owner_a;
CREATE TABLE theirs (id serial PRIMARY KEY, note text);
CREATE SEQUENCE their_seq;
CREATE VIEW their_view AS SELECT id FROM theirs;
RESET ROLE;
REASSIGN OWNED BY sg_owner_a TO sg_owner_b;
ALTER TABLE mine OWNER TO sg_owner_b;
SET SESSION AUTHORIZATION sg_owner_a;
CREATE TABLE as_a (id int);
RESET SESSION AUTHORIZATION;
DROP OWNED BY sg_owner_b;
SET SESSION AUTHORIZATION sg_owner_a;
-- schemaguard:no-transaction
"#;

/// Foreign tables, as PostgreSQL 15 handles them: ALTER and DROP FOREIGN TABLE take
/// ACCESS EXCLUSIVE; nothing is rewritten or checked (the rows are the foreign
/// server's), also as the foreign partition of a rewritten partitioned table; and the
/// rules that judge rows (CHECK without NOT VALID, narrowing, a primary key) say nothing.
#[test]
fn foreign_tables_lock_as_tables_but_are_never_rewritten_or_checked() {
    if common::pg_server().is_none() {
        return;
    }
    let dir = common::TempDir::new("trace-foreign");
    dir.write("0001_foreign.sql", FOREIGN_TABLES);
    dir.write("0002_alter_foreign.sql", ALTER_FOREIGN_TABLES);
    let doc = traced_in_agreement(dir.path());
    let alter = &doc["files"][1]["statements"];
    for i in 0..5 {
        let on_ft1 = alter[i]["locks"]
            .as_array()
            .and_then(|l| l.iter().find(|l| l["relation"] == "public.ft1"))
            .cloned()
            .unwrap_or_default();
        assert_eq!(on_ft1["observed"], "ACCESS EXCLUSIVE", "{}", alter[i]);
    }
    let check = binary(&["check", "--format", "json", dir.path()], &[]);
    let findings: serde_json::Value = serde_json::from_str(&check.stdout).expect("check JSON");
    let on_ft1: Vec<String> = findings["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["message"].as_str().is_some_and(|m| m.contains("ft1")))
        .map(|f| format!("{} {}", f["rule"].as_str().unwrap_or("?"), f["message"]))
        .collect();
    for quiet in [
        "constraint-not-valid-missing",
        "narrowing-column-type",
        "require-primary-key",
    ] {
        assert!(
            !on_ft1.iter().any(|f| f.starts_with(quiet)),
            "{quiet} on a foreign table: {on_ft1:#?}"
        );
    }
    assert!(
        on_ft1.iter().any(|f| f.starts_with("drop-table")
            && f.contains("foreign table")
            && !f.contains("deletes its data")),
        "{on_ft1:#?}"
    );
}

const FOREIGN_TABLES: &str = r#"CREATE FOREIGN DATA WRAPPER dummy;
CREATE SERVER s0 FOREIGN DATA WRAPPER dummy;
CREATE FOREIGN TABLE ft1 (c1 integer NOT NULL, c2 text CHECK (c2 <> '')) SERVER s0 OPTIONS (schema_name 'x');
CREATE TABLE parted (a int, b text) PARTITION BY LIST (a);
CREATE FOREIGN TABLE parted_f PARTITION OF parted FOR VALUES IN (1) SERVER s0;
CREATE TABLE plain (a int);
-- schemaguard:no-transaction
"#;
const ALTER_FOREIGN_TABLES: &str = r#"ALTER FOREIGN TABLE ft1 ADD COLUMN c8 integer DEFAULT 0;
ALTER FOREIGN TABLE ft1 ALTER COLUMN c8 TYPE char(10);
ALTER FOREIGN TABLE ft1 ALTER COLUMN c2 SET NOT NULL;
ALTER FOREIGN TABLE ft1 ADD CONSTRAINT c1_pos CHECK (c1 > 0);
ALTER FOREIGN TABLE ft1 RENAME COLUMN c2 TO c3;
ALTER FOREIGN TABLE IF EXISTS nope ADD COLUMN x int;
ALTER TABLE parted ADD COLUMN c int DEFAULT random()::int;
ALTER TABLE parted ALTER COLUMN b TYPE varchar(10);
DROP FOREIGN TABLE ft1;
DROP FOREIGN TABLE IF EXISTS ft1;
-- schemaguard:no-transaction
"#;

/// All disagreements on pg-regress with PostgreSQL 15, as reached (319, and 2 more on
/// some runs: the INSERT into the temporary table at create_index.sql:552 is matched to
/// its pg_temp_N relation on some runs only). None is strong.
const PG_REGRESS_MAX: usize = 321;

/// A `COPY ... FROM stdin` that the server refuses before its data (a generated column
/// in the list) is one failed statement; the trace goes on with the next ones. A trace
/// in which every statement failed exits 2: nothing was observed.
#[test]
fn a_copy_refused_before_its_data_fails_alone_and_an_all_failed_trace_is_an_error() {
    if common::pg_server().is_none() {
        return;
    }
    let dir = common::TempDir::new("trace-copy-refused");
    dir.write(
        "0001_copy.sql",
        "CREATE TABLE gt (a int, b int GENERATED ALWAYS AS (a * 2) STORED);\nCOPY gt (a, b) FROM stdin;\n1\t2\n\\.\nCREATE TABLE after_copy (x int);\nINSERT INTO after_copy VALUES (1);\n",
    );
    let out = binary(&["trace", "--format", "json", dir.path()], &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("trace JSON");
    let statements = doc["files"][0]["statements"]
        .as_array()
        .expect("statements");
    let failed: Vec<&str> = statements
        .iter()
        .filter(|s| !s["error"].is_null())
        .filter_map(|s| s["sql"].as_str())
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(failed[0].starts_with("COPY gt"), "{failed:?}");
    assert_eq!(doc["stats"]["observed"], 4);

    let broken = common::TempDir::new("trace-all-failed");
    broken.write(
        "0001_elsewhere.sql",
        "ALTER TABLE made_elsewhere ADD COLUMN x int;\nCREATE INDEX i ON made_elsewhere (x);\n",
    );
    let out = binary(&["trace", broken.path()], &[]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("every statement that ran failed"),
        "{}",
        out.stderr
    );
}

/// `SET TRANSACTION` must be a transaction's first statement, and trace's own queries
/// come first: it is not run (with a note), not reported as schemaguard's error.
#[test]
fn set_transaction_is_a_limit_of_the_tracer_not_a_disagreement() {
    if common::pg_server().is_none() {
        return;
    }
    let dir = common::TempDir::new("trace-set-transaction");
    dir.write(
        "0001_serializable.sql",
        "CREATE TABLE t (a int);\nBEGIN;\nSET TRANSACTION ISOLATION LEVEL SERIALIZABLE;\nINSERT INTO t VALUES (1);\nCOMMIT;\n",
    );
    let out = binary(&["trace", "--format", "json", dir.path()], &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("trace JSON");
    assert_eq!(doc["disagreements"].as_array().map(Vec::len), Some(0));
    let set = &doc["files"][0]["statements"][2];
    assert!(
        set["note"]
            .as_str()
            .is_some_and(|n| n.contains("SET TRANSACTION must come before any query")),
        "{set}"
    );
}

/// `ADD COLUMN IF NOT EXISTS` of a column the table has is skipped whole (its default,
/// constraints and sequence too), and a default's volatility is `pg_proc`'s:
/// `repeat()` is IMMUTABLE and `txid_current()` STABLE, so neither rewrites; `random()`
/// does (the control). Observed on the server, and `check` agrees.
#[test]
fn skipped_columns_and_builtin_defaults_rewrite_what_the_server_rewrites() {
    if common::pg_server().is_none() {
        return;
    }
    let dir = common::TempDir::new("trace-skipped-columns");
    dir.write(
        "0001_t.sql",
        "CREATE TABLE t (a int);\nINSERT INTO t SELECT generate_series(1, 100);\n",
    );
    let steps = [
        (
            "0002_serial.sql",
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS c5 SERIAL CHECK (c5 > 0);\n",
            true,
        ),
        (
            "0003_again.sql",
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS c5 SERIAL CHECK (c5 > 10);\n",
            false,
        ),
        (
            "0004_volatile_again.sql",
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS c5 int DEFAULT random();\n",
            false,
        ),
        (
            "0005_repeat.sql",
            "ALTER TABLE t ADD COLUMN h text DEFAULT repeat('ab', 1000);\n",
            false,
        ),
        (
            "0006_txid.sql",
            "ALTER TABLE t ADD COLUMN x bigint DEFAULT txid_current();\n",
            false,
        ),
        (
            "0007_random.sql",
            "ALTER TABLE t ADD COLUMN r float8 DEFAULT random();\n",
            true,
        ),
    ];
    for (name, sql, _) in steps {
        dir.write(name, sql);
    }
    let doc = traced_in_agreement(dir.path());
    for (i, (name, _, rewrites)) in steps.iter().enumerate() {
        let stmt = &doc["files"][i + 1]["statements"][0];
        let observed = stmt["rewrites"]
            .as_array()
            .is_some_and(|r| r.iter().any(|t| t == "public.t"));
        assert_eq!(observed, *rewrites, "{name}: {stmt}");
    }
    let check = binary(&["check", "--format", "json", dir.path()], &[]);
    let findings: serde_json::Value = serde_json::from_str(&check.stdout).expect("check JSON");
    let flagged = |rule: &str| -> Vec<String> {
        let mut files: Vec<String> = findings["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["rule"] == rule)
            .filter_map(|f| f["file"].as_str())
            .filter_map(|f| f.rsplit('/').next().map(str::to_string))
            .collect();
        files.sort();
        files
    };
    assert_eq!(
        flagged("add-column-rewrite"),
        ["0002_serial.sql", "0007_random.sql"]
    );
    assert_eq!(flagged("constraint-not-valid-missing"), ["0002_serial.sql"]);
}

/// CLUSTER as a role set by `SET SESSION AUTHORIZATION` rewrites only what the role
/// owns: bare `CLUSTER` the clustered tables it owns, `CLUSTER` of a partitioned table
/// the partitions it owns (another role's is skipped with a warning). Observed on the
/// server, and predicted.
#[test]
fn cluster_as_a_role_rewrites_only_what_it_owns() {
    if common::pg_server().is_none() {
        return;
    }
    let dir = common::TempDir::new("trace-cluster-owner");
    dir.write(
        "0001_tables.sql",
        "CREATE ROLE regress_cluster_owner;
CREATE TABLE mine (a int PRIMARY KEY);
CREATE TABLE theirs (a int PRIMARY KEY);
INSERT INTO mine VALUES (1), (2);
INSERT INTO theirs VALUES (1), (2);
ALTER TABLE mine OWNER TO regress_cluster_owner;
CLUSTER mine USING mine_pkey;
CLUSTER theirs USING theirs_pkey;
CREATE TABLE parted (a int) PARTITION BY LIST (a);
CREATE INDEX parted_a ON parted (a);
CREATE TABLE parted1 PARTITION OF parted FOR VALUES IN (1);
CREATE TABLE parted2 PARTITION OF parted FOR VALUES IN (2);
INSERT INTO parted VALUES (1), (2);
ALTER TABLE parted1 OWNER TO regress_cluster_owner;
ALTER TABLE parted OWNER TO regress_cluster_owner;
",
    );
    dir.write(
        "0002_cluster.sql",
        "-- schemaguard:no-transaction
SET SESSION AUTHORIZATION regress_cluster_owner;
CLUSTER;
CLUSTER parted USING parted_a;
RESET SESSION AUTHORIZATION;
",
    );
    let doc = traced_in_agreement(dir.path());
    let statements = &doc["files"][1]["statements"];
    let rewrites = |i: usize| -> Vec<String> {
        let mut r: Vec<String> = statements[i]["rewrites"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect();
        r.sort();
        r
    };
    assert_eq!(rewrites(1), ["public.mine"], "{}", statements[1]);
    assert_eq!(rewrites(2), ["public.parted1"], "{}", statements[2]);
}

/// [`traced_in_agreement`] of a history of `files` (name, text) in a new folder `name`;
/// `None` where no PostgreSQL server can be started.
fn traced_files(name: &str, files: &[(&str, &str)]) -> Option<serde_json::Value> {
    common::pg_server()?;
    let dir = common::TempDir::new(name);
    for (file, text) in files {
        dir.write(file, text);
    }
    Some(traced_in_agreement(dir.path()))
}

/// `trace --format json` of the history in `dir`: it runs, and the model agrees with
/// the server on every statement.
fn traced_in_agreement(dir: &str) -> serde_json::Value {
    let out = binary(&["trace", "--format", "json", dir], &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("trace JSON");
    assert_eq!(
        doc["disagreements"].as_array().map(Vec::len),
        Some(0),
        "{}",
        doc["disagreements"]
    );
    doc
}

/// Dropping a column down an inheritance tree, as PostgreSQL 15 does it: the children of
/// each table the column goes from are locked, and the drop goes on only into a child
/// that had the column from that parent alone; a child that keeps it (its own after
/// `ONLY`, or declared) stops it, and its children are not locked. The replayed schema
/// keeps the columns the server kept (`diff` is checked elsewhere; here the locks of
/// the second drop depend on it).
const INHERITED_COLUMN_DROPS: &str = "
CREATE TABLE p1 (id int, name text);
CREATE TABLE p2 (id2 int, name text, height int);
CREATE TABLE c1 (age int) INHERITS (p1, p2);
CREATE TABLE gc1 () INHERITS (c1);
CREATE TABLE p3 (a int, b int);
CREATE TABLE c3 (b int) INHERITS (p3);
CREATE TABLE gc3 () INHERITS (c3);
";

const DROPS_DOWN_THE_TREE: &str = "
ALTER TABLE ONLY p1 DROP COLUMN name;
ALTER TABLE p2 DROP COLUMN name;
ALTER TABLE p3 DROP COLUMN a;
ALTER TABLE p3 DROP COLUMN b;
ALTER TABLE gc1 DROP COLUMN id; -- fails: gc1 has it from c1
";

#[test]
fn a_column_drop_locks_down_the_tree_only_as_far_as_the_column_goes() {
    let Some(doc) = traced_files(
        "trace-inherited-drops",
        &[
            ("0001_tree.sql", INHERITED_COLUMN_DROPS),
            ("0002_drops.sql", DROPS_DOWN_THE_TREE),
        ],
    ) else {
        return;
    };
    let drops = &doc["files"][1]["statements"];
    let locked = |i: usize, rel: &str| {
        drops[i]["locks"]
            .as_array()
            .is_some_and(|l| l.iter().any(|l| l["relation"] == rel))
    };
    // p2's drop stops at c1 (its `name` is its own after ONLY p1): gc1 is not locked
    assert!(
        locked(1, "public.c1") && !locked(1, "public.gc1"),
        "{}",
        drops[1]
    );
    // p3.a goes down to gc3; p3.b stops at c3, which declared b
    assert!(locked(2, "public.gc3"), "{}", drops[2]);
    assert!(
        locked(3, "public.c3") && !locked(3, "public.gc3"),
        "{}",
        drops[3]
    );
}

/// A helper function that runs its argument (`EXECUTE p_ddl`), called with a literal:
/// the statement takes the locks and makes the rewrite of that SQL (observed on 15),
/// and replay makes what it makes (the serial's sequence the later `DROP TABLE` locks).
const EXECUTED_ARGUMENTS: &str = "
CREATE TABLE accounts (id bigint PRIMARY KEY, name text);
INSERT INTO accounts VALUES (1, 'a');
CREATE FUNCTION run_ddl(p_table regclass, p_ddl text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE p_ddl;
END;
$$;
CREATE FUNCTION run_sql(text) RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE $1; END $$;
";

const CALLS_WITH_SQL: &str = "
SELECT run_ddl('accounts', 'ALTER TABLE accounts ADD COLUMN n serial');
SELECT run_sql($q$CREATE INDEX accounts_name_idx ON accounts (name)$q$);
DROP TABLE accounts;
";

#[test]
fn sql_a_called_function_executes_is_traced_as_run() {
    let Some(doc) = traced_files(
        "trace-executed-arguments",
        &[
            ("0001_helpers.sql", EXECUTED_ARGUMENTS),
            ("0002_calls.sql", CALLS_WITH_SQL),
        ],
    ) else {
        return;
    };
    let calls = &doc["files"][1]["statements"];
    assert!(
        calls[0]["rewrites"].to_string().contains("accounts"),
        "{}",
        calls[0]
    );
    let on = |i: usize, rel: &str| {
        calls[i]["locks"]
            .as_array()
            .and_then(|l| l.iter().find(|l| l["relation"] == rel))
            .map(|l| l["predicted"].clone())
    };
    assert_eq!(
        on(1, "public.accounts"),
        Some("SHARE".into()),
        "{}",
        calls[1]
    );
    assert_eq!(
        on(2, "public.accounts_n_seq"),
        Some("ACCESS EXCLUSIVE".into()),
        "{}",
        calls[2]
    );
}

/// What a failed concurrent build leaves, as PostgreSQL 15 leaves it: the index of a
/// `CREATE UNIQUE INDEX CONCURRENTLY` over duplicates stays, invalid (a later `REINDEX
/// TABLE` locks and rebuilds it), and a failed `REINDEX INDEX CONCURRENTLY` leaves
/// `<index>_ccnew`, which can be dropped; `REINDEX SCHEMA` rebuilds materialized views'
/// indexes; an exclusion constraint over an expression is named after the column the
/// expression casts (`REINDEX INDEX` of it locks its table); a temporary sequence, and a
/// view reading it, live in `pg_temp`, so dropping the schema first on the search path
/// does not reach them. And [`RULES_TYPES_DOMAINS`].
#[test]
fn failed_concurrent_builds_and_automatic_names_trace_as_predicted() {
    let Some(doc) = traced_files(
        "trace-failed-builds",
        &[
            ("0001_tables.sql", FAILED_BUILDS_SETUP),
            ("0002_failed_build.sql", FAILED_BUILD),
            ("0003_failed_reindex.sql", FAILED_REINDEX),
            ("0004_after.sql", AFTER_FAILED_BUILDS),
            ("0005_reindex_schema.sql", REINDEX_SCHEMA),
            ("0006_rules_types_domains.sql", RULES_TYPES_DOMAINS),
        ],
    ) else {
        return;
    };
    assert_eq!(doc["stats"]["failed"], 2, "{}", doc["stats"]);
}

const FAILED_BUILDS_SETUP: &str = "CREATE TABLE dup (a int);
INSERT INTO dup VALUES (1), (1), (2);
CREATE SCHEMA mv;
CREATE MATERIALIZED VIEW mv.m AS SELECT 1 AS a;
CREATE INDEX ON mv.m (a);
CREATE TABLE circles (c1 circle, c2 text, EXCLUDE USING gist (c1 WITH &&, (c2::circle) WITH &&));
";
const FAILED_BUILD: &str = "-- schemaguard:no-transaction
CREATE UNIQUE INDEX CONCURRENTLY dup_a ON dup (a);
";
const FAILED_REINDEX: &str = "-- schemaguard:no-transaction
REINDEX INDEX CONCURRENTLY dup_a;
";
const AFTER_FAILED_BUILDS: &str = "DROP INDEX dup_a_ccnew;
DELETE FROM dup WHERE a = 1;
REINDEX TABLE dup;
REINDEX INDEX circles_c1_c2_excl;
CREATE SCHEMA temp_first;
SET search_path TO temp_first, public;
CREATE TEMPORARY SEQUENCE seq1_temp;
CREATE VIEW v_temp AS SELECT seq1_temp.is_called FROM seq1_temp;
DROP SCHEMA temp_first CASCADE;
SET search_path TO public;
";
/// `DROP RULE IF EXISTS` of a rule the table does not have (any more) locks nothing;
/// `ALTER TABLE ... OF` locks the table alone, not its children; `ALTER DOMAIN ... ADD
/// CONSTRAINT` checks the columns of a domain over it; `DROP ATTRIBUTE ... CASCADE`
/// drops a CHECK reading `(col).attr` of a table with a column of the type; a view
/// moved with `ALTER TABLE ... SET SCHEMA` is dropped with its new schema; a foreign
/// key added to a partitioned table is adopted by a partition with an equal key, whose
/// own partitions are not locked; detaching a partition of a referenced tree takes
/// ACCESS EXCLUSIVE on the referencing table; a partition's DEFERRABLE or MATCH FULL key
/// is not its new parent's (the parent's is cloned: SHARE ROW EXCLUSIVE).
const RULES_TYPES_DOMAINS: &str = "CREATE TABLE ruled (a int);
DROP RULE IF EXISTS nothing_here ON ruled;
CREATE RULE r1 AS ON INSERT TO ruled DO INSTEAD NOTHING;
ALTER RULE r1 ON ruled RENAME TO r2;
DROP RULE IF EXISTS r1 ON ruled;
DROP RULE IF EXISTS r2 ON ruled;
CREATE TYPE tt_t0 AS (x int, y numeric(8,2));
CREATE TABLE tt0 (x int NOT NULL, y numeric(8,2));
CREATE TABLE tt6 () INHERITS (tt0);
ALTER TABLE tt0 OF tt_t0;
CREATE DOMAIN posint AS int4;
CREATE DOMAIN posint2 AS posint CHECK (VALUE % 2 = 0);
CREATE TABLE uses_posint2 (f1 posint2);
ALTER DOMAIN posint ADD CONSTRAINT c2 CHECK (VALUE > 0);
CREATE TYPE test_typex AS (a int, b text);
CREATE TABLE test_tblx (x int, y test_typex CHECK ((y).a > 0));
ALTER TYPE test_typex DROP ATTRIBUTE a CASCADE;
CREATE SCHEMA moved_from;
CREATE SCHEMA moved_to;
CREATE TABLE moved_from.t1 (f1 int);
CREATE VIEW moved_from.v1 AS SELECT * FROM moved_from.t1;
ALTER TABLE moved_from.t1 SET SCHEMA moved_to;
ALTER TABLE moved_from.v1 SET SCHEMA moved_to;
DROP SCHEMA moved_to CASCADE;
CREATE TABLE pk0 (a int PRIMARY KEY);
CREATE TABLE fkp (a int) PARTITION BY LIST (a);
CREATE TABLE fkp_23 PARTITION OF fkp (FOREIGN KEY (a) REFERENCES pk0) FOR VALUES IN (2, 3) PARTITION BY LIST (a);
CREATE TABLE fkp_23_2 PARTITION OF fkp_23 FOR VALUES IN (2);
ALTER TABLE fkp ADD FOREIGN KEY (a) REFERENCES pk0;
CREATE TABLE droppk (a int PRIMARY KEY) PARTITION BY RANGE (a);
CREATE TABLE droppk2 PARTITION OF droppk FOR VALUES FROM (1000) TO (2000) PARTITION BY RANGE (a);
CREATE TABLE droppk21 PARTITION OF droppk2 FOR VALUES FROM (1000) TO (1400);
CREATE TABLE dropfk (a int REFERENCES droppk);
ALTER TABLE droppk2 DETACH PARTITION droppk21;
CREATE TABLE fpk (a int, b int, PRIMARY KEY (a, b));
CREATE TABLE ffk (a int, b int) PARTITION BY LIST (a);
ALTER TABLE ffk ADD FOREIGN KEY (a, b) REFERENCES fpk ON DELETE CASCADE ON UPDATE CASCADE;
CREATE TABLE ffk_5 (a int, b int,
  FOREIGN KEY (a, b) REFERENCES fpk (a, b) ON UPDATE CASCADE ON DELETE CASCADE DEFERRABLE,
  FOREIGN KEY (a, b) REFERENCES fpk (a, b) MATCH FULL ON UPDATE CASCADE ON DELETE CASCADE);
ALTER TABLE ffk ATTACH PARTITION ffk_5 FOR VALUES IN (5);
";
const REINDEX_SCHEMA: &str = "-- schemaguard:no-transaction
REINDEX SCHEMA mv;
";
