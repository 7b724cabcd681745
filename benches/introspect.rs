//! `cargo bench --bench introspect`: reading a live schema of 10,000 tables (10 columns
//! and 2 indexes each) into schemaguard's Catalog, on a throwaway server this bench
//! starts, against a baseline in the same run: `pg_dump --schema-only` of the same
//! database (what schema-diff tools built on dumps pay). Skips when no PostgreSQL
//! binaries are installed. `SCHEMAGUARD_BENCH_TABLES=N` changes the size.

use schemaguard::live::{self, ConnectOptions};
use schemaguard::server::{ServerOptions, TempServer};
use std::process::Command;
use std::time::{Duration, Instant};

fn main() {
    let tables: usize = std::env::var("SCHEMAGUARD_BENCH_TABLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let server = match TempServer::start(&ServerOptions::default()) {
        Ok(s) => s,
        Err(e) if e.is_not_installed() => {
            println!("introspect: skipped, no PostgreSQL binaries ({e})");
            return;
        }
        Err(e) => {
            eprintln!("introspect: cannot start a server: {e}");
            std::process::exit(1);
        }
    };
    let mut admin = match server.connect() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("introspect: cannot connect: {e}");
            std::process::exit(1);
        }
    };
    let started = Instant::now();
    // in batches of 500 tables per transaction (one huge transaction runs out of locks)
    for batch in (0..tables).collect::<Vec<_>>().chunks(500) {
        let mut sql = String::from("BEGIN;\n");
        for t in batch {
            sql.push_str(&format!(
                "CREATE TABLE t{t} (id bigint PRIMARY KEY, c1 text NOT NULL DEFAULT '', c2 int, c3 bigint, c4 timestamptz DEFAULT now(), c5 jsonb, c6 numeric(12,2), c7 boolean NOT NULL DEFAULT false, c8 uuid, c9 varchar(100));\nCREATE INDEX t{t}_c2 ON t{t} (c2);\n"
            ));
        }
        sql.push_str("COMMIT;\n");
        if let Err(e) = admin.batch_execute(&sql) {
            eprintln!("introspect: building the schema failed: {e}");
            std::process::exit(1);
        }
    }
    println!(
        "schema: {tables} tables x 10 columns, 2 indexes each, built in {:.1?}",
        started.elapsed()
    );

    let opts =
        match ConnectOptions::from_url_with_env(Some(&server.connection_string()), &|_: &str| None)
        {
            Ok(o) => o,
            Err(e) => {
                eprintln!("introspect: {e}");
                std::process::exit(1);
            }
        };
    let mut best = Duration::MAX;
    let mut queries = 0;
    let mut objects = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let result = live::connect(&opts).and_then(|mut s| live::introspect::introspect(&mut s));
        let elapsed = t.elapsed();
        match result {
            Ok(i) => {
                queries = i.queries;
                objects = i.catalog.tables.len() + i.catalog.indexes.len();
            }
            Err(e) => {
                eprintln!("introspect: {e}");
                std::process::exit(1);
            }
        }
        best = best.min(elapsed);
    }
    println!(
        "schemaguard introspect: {best:.1?} (best of 3; connect included; {queries} queries, {objects} tables and indexes)"
    );

    let pg_dump = server.binaries().bin_dir.join("pg_dump");
    if pg_dump.is_file() {
        let mut dump_best = Duration::MAX;
        for _ in 0..3 {
            let t = Instant::now();
            let out = Command::new(&pg_dump)
                .args(["--schema-only", "--no-owner", "-d"])
                .arg(server.connection_string())
                .output();
            match out {
                Ok(o) if o.status.success() => dump_best = dump_best.min(t.elapsed()),
                Ok(o) => {
                    println!(
                        "pg_dump failed: {}",
                        String::from_utf8_lossy(&o.stderr).trim()
                    );
                    break;
                }
                Err(e) => {
                    println!("pg_dump could not run: {e}");
                    break;
                }
            }
        }
        if dump_best != Duration::MAX {
            println!(
                "pg_dump --schema-only: {dump_best:.1?} (best of 3); schemaguard is {:.1}x faster",
                dump_best.as_secs_f64() / best.as_secs_f64()
            );
        }
    } else {
        println!("pg_dump not found beside initdb: no baseline");
    }
    if best > Duration::from_secs(1) && tables >= 10_000 {
        println!("GOAL MISSED: introspecting {tables} tables took more than 1 s");
    }
}
