//! `cargo bench --bench check`: statements per second for `check` over a generated
//! 10,000-statement migration file, against a baseline measured in the same run:
//! sqlparser alone parsing the same text (what any sqlparser-based linter must pay).

use schemaguard::analysis::{self, FileInput, Settings, TransactionMode};
use schemaguard::parse;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use std::time::{Duration, Instant};

/// A realistic mix: tables, columns, indexes, constraints, backfills, views, functions.
fn generate(statements: usize) -> String {
    let mut sql = String::new();
    let mut n = 0;
    let mut t = 0;
    while n < statements {
        t += 1;
        let table = format!("table_{t}");
        let steps = [
            format!(
                "CREATE TABLE {table} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());\n"
            ),
            format!("ALTER TABLE {table} ADD COLUMN owner_id bigint;\n"),
            format!("CREATE INDEX {table}_owner_idx ON {table} (owner_id);\n"),
            format!(
                "ALTER TABLE {table} ADD CONSTRAINT {table}_owner_fk FOREIGN KEY (owner_id) REFERENCES table_1 (id) NOT VALID;\n"
            ),
            format!("ALTER TABLE {table} VALIDATE CONSTRAINT {table}_owner_fk;\n"),
            format!("UPDATE {table} SET name = lower(name) WHERE id < 1000;\n"),
            format!("INSERT INTO {table} (name) VALUES ('a'), ('b');\n"),
            format!("ALTER TABLE {table} ALTER COLUMN name TYPE varchar(200);\n"),
            format!(
                "CREATE VIEW {table}_v AS SELECT id, name FROM {table} WHERE owner_id IS NOT NULL;\n"
            ),
            format!("COMMENT ON TABLE {table} IS 'generated';\n"),
        ];
        for s in steps {
            if n == statements {
                break;
            }
            sql.push_str(&s);
            n += 1;
        }
    }
    sql
}

fn best_of<F: FnMut()>(runs: usize, mut f: F) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let statements = 10_000;
    let sql = generate(statements);
    let baseline = best_of(5, || {
        let dialect = PostgreSqlDialect {};
        let parsed = Parser::parse_sql(&dialect, &sql);
        assert!(parsed.is_ok(), "baseline parse failed: {parsed:?}");
    });
    let check = best_of(5, || {
        let parsed = parse::parse_file(&sql);
        let input = FileInput {
            display: "bench.sql".to_string(),
            version: None,
            edited_since: None,
            new_since_ref: false,
            parsed: &parsed,
            segments: analysis::TxSegment::whole(TransactionMode::Wrapped),
            no_transaction_hint: String::new(),
            framework_wraps: false,
        };
        let analysis = analysis::analyze(&[input], &Settings::default());
        assert!(!analysis.plan.is_empty());
    });
    let per_sec = |d: Duration| statements as f64 / d.as_secs_f64();
    println!(
        "statements: {statements} in one file ({} KiB)",
        sql.len() / 1024
    );
    println!(
        "baseline (sqlparser parse only): {:>8.1} ms  {:>10.0} statements/s",
        baseline.as_secs_f64() * 1e3,
        per_sec(baseline)
    );
    println!(
        "schemaguard check (split, parse, lower, replay, effects, rules): {:>8.1} ms  {:>10.0} statements/s",
        check.as_secs_f64() * 1e3,
        per_sec(check)
    );
    println!(
        "ratio check / baseline: {:.2}x the time of parsing alone",
        check.as_secs_f64() / baseline.as_secs_f64()
    );
}
