//! `cargo bench --bench trace`: what tracing costs per statement beyond running the
//! statements, on a throwaway PostgreSQL (needs its programs installed).
//!
//! A generated history of 100 files x 10 statements (tables with rows, indexes, added
//! columns, a rewrite, backfills, views, constraints) is
//! 1. applied plainly on one fresh database (each file in a transaction, statement by
//!    statement): the baseline;
//! 2. traced on another fresh database (`trace::run_on_session`: predictions, the
//!    savepoint and `pg_locks` read per statement, comparison).
//!
//! Printed: the overhead per statement, measured two ways (trace wall time minus the
//! statements' own round trips; trace wall time minus the plain run), at 250, 500 and
//! 1,000 statements (constant per statement = cost grows linearly), and the peak
//! memory of this process (VmHWM). Goal: under 5 ms per statement.

use schemaguard::pipeline::RunOptions;
use schemaguard::server::{SUPERUSER, ServerOptions, TempServer};
use schemaguard::trace::{self, ServerInfo, Target, TraceOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const PER_FILE: usize = 10;

fn file(i: usize) -> String {
    let t = format!("bench_{i}");
    [
        format!("CREATE TABLE {t} (id bigint PRIMARY KEY, a text, b int);"),
        format!("INSERT INTO {t} (id, a, b) SELECT g, 'x' || g, g FROM generate_series(1, 200) g;"),
        format!("CREATE INDEX {t}_a_idx ON {t} (a);"),
        format!("ALTER TABLE {t} ADD COLUMN c int;"),
        format!("ALTER TABLE {t} ADD COLUMN d timestamptz DEFAULT now();"),
        format!("UPDATE {t} SET c = b WHERE id < 10;"),
        format!("ALTER TABLE {t} ALTER COLUMN b TYPE bigint;"),
        format!("CREATE VIEW {t}_v AS SELECT id, a FROM {t};"),
        format!("COMMENT ON TABLE {t} IS 'bench';"),
        format!("ALTER TABLE {t} ADD CONSTRAINT {t}_b_check CHECK (b >= 0) NOT VALID;"),
    ]
    .join("\n")
        + "\n"
}

fn write_history(dir: &Path, files: usize) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("create the history directory");
    for i in 0..files {
        std::fs::write(dir.join(format!("{i:04}_step.sql")), file(i)).expect("write a file");
    }
}

fn fresh_db(server: &TempServer, name: &str) -> postgres::Client {
    let mut admin = server.connect().expect("connect");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create database");
    server.connect_as(SUPERUSER, name).expect("connect")
}

/// Applies the files as a framework would, without observing anything.
fn plain(client: &mut postgres::Client, files: usize) -> Duration {
    let started = Instant::now();
    for i in 0..files {
        client.batch_execute("BEGIN").expect("begin");
        for stmt in file(i).lines() {
            client.batch_execute(stmt).expect("statement");
        }
        client.batch_execute("COMMIT").expect("commit");
    }
    started.elapsed()
}

fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let server = match TempServer::start(&ServerOptions::default()) {
        Ok(s) => s,
        Err(e) if e.is_not_installed() => {
            eprintln!("SKIPPED: no PostgreSQL installed ({e})");
            return;
        }
        Err(e) => panic!("starting PostgreSQL: {e}"),
    };
    println!("trace benchmark on PostgreSQL {}", server.version());
    let base: PathBuf = std::env::temp_dir().join(format!("sg-trace-bench-{}", std::process::id()));
    for files in [25, 50, 100] {
        let statements = files * PER_FILE;
        let dir = base.join(files.to_string());
        write_history(&dir, files);
        let mut baseline_client = fresh_db(&server, &format!("plain_{files}"));
        let baseline = plain(&mut baseline_client, files);
        let mut client = fresh_db(&server, &format!("traced_{files}"));
        let info = ServerInfo {
            version: server.version().to_string(),
            version_num: server.version_num(),
            kind: "throwaway",
            target: format!("traced_{files}"),
            schema_from: None,
        };
        let opts = TraceOptions {
            run: RunOptions {
                paths: vec![dir.clone()],
                cwd: dir.clone(),
                ..RunOptions::default()
            },
            target: Target::Throwaway {
                bin_dir: None,
                major: None,
                run_as: None,
                schema_from: None,
            },
            progress: false,
        };
        let started = Instant::now();
        let t = trace::run_on_session(&mut client, info, &opts).expect("trace");
        let wall = started.elapsed();
        assert_eq!(t.stats.statements, statements);
        assert_eq!(t.stats.failed, 0, "{:?}", t.stats);
        assert!(t.disagreements.is_empty(), "{:#?}", t.disagreements);
        let per = |d: Duration| d.as_secs_f64() * 1000.0 / statements as f64;
        println!(
            "{statements:>5} statements: traced in {:.0} ms (statements' own round trips {:.0} ms), plain run {:.0} ms; overhead per statement {:.2} ms beyond the statements, {:.2} ms beyond the plain run",
            wall.as_secs_f64() * 1000.0,
            t.stats.statement_time.as_secs_f64() * 1000.0,
            baseline.as_secs_f64() * 1000.0,
            per(wall.saturating_sub(t.stats.statement_time)),
            per(wall.saturating_sub(baseline)),
        );
    }
    let _ = std::fs::remove_dir_all(&base);
    if let Some(kib) = peak_memory_kib() {
        println!(
            "peak memory (VmHWM) of the tracing process: {:.1} MiB",
            kib as f64 / 1024.0
        );
    }
    let _ = server.stop();
}
