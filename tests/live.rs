//! Live databases, against a real PostgreSQL that the test starts itself.

mod common;

use schemaguard::live::{self, ConnectOptions};
use std::path::Path;
use std::time::Duration;

fn sample_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_migrations")
}

#[test]
fn introspection_reads_what_the_migrations_built_in_few_queries() {
    let Some(server) = common::pg_server() else {
        return;
    };
    let mut admin = server.connect().expect("connect as superuser");
    common::apply_dir(&mut admin, &sample_dir());

    let opts = ConnectOptions::from_url_with_env(
        Some(&common::pg_url(&server, "postgres")),
        &|_: &str| None,
    )
    .expect("options");
    let mut session = live::connect(&opts).expect("read-only session");
    let got = live::introspect::introspect(&mut session).expect("introspect");
    assert_eq!(got.server_version_num, server.version_num());
    assert!(got.queries <= 16, "{} queries", got.queries);

    let cat = &got.catalog;
    let users = cat
        .tables
        .keys()
        .find(|k| k.to_string().ends_with("users"))
        .cloned()
        .expect("users table");
    let table = &cat.tables[&users];
    assert!(table.columns.iter().any(|c| c.name == "email"), "{table:?}");
    assert!(
        cat.indexes
            .keys()
            .any(|k| k.to_string().ends_with("products_sku_key"))
    );
    // the history table schemaguard itself never created is there too: the database as
    // it really is
    assert!(!cat.tables.is_empty());
}

/// A VOLATILE SQL function PostgreSQL inlines is read from the live database with its
/// body: `ADD COLUMN ... DEFAULT f()` predicts a rewrite only for the volatile body.
#[test]
fn live_sql_functions_are_inlined_as_postgresql_inlines_them() {
    use schemaguard::effects::volatility::{self, Volatility};
    let Some(server) = common::pg_server() else {
        return;
    };
    let mut client = fresh_db(&server, "inlining");
    client
        .batch_execute(
            "CREATE FUNCTION f_now() RETURNS timestamptz LANGUAGE sql AS 'SELECT now()';
             CREATE FUNCTION f_clock() RETURNS timestamptz LANGUAGE sql AS 'SELECT clock_timestamp()';
             CREATE FUNCTION f_def() RETURNS timestamptz LANGUAGE sql SECURITY DEFINER AS 'SELECT now()';",
        )
        .expect("functions");
    let opts = ConnectOptions::from_url_with_env(
        Some(&common::pg_url(&server, "inlining")),
        &|_: &str| None,
    )
    .expect("options");
    let mut session = live::connect(&opts).expect("read-only session");
    let cat = live::introspect::introspect(&mut session)
        .expect("introspect")
        .catalog;
    assert_eq!(volatility::of_function("f_now", &cat), Volatility::Stable);
    assert_eq!(
        volatility::of_function("f_clock", &cat),
        Volatility::Volatile
    );
    assert_eq!(volatility::of_function("f_def", &cat), Volatility::Volatile);
}

/// A database of its own on `server` for one test, so tests can share nothing.
fn fresh_db(server: &schemaguard::server::TempServer, name: &str) -> postgres::Client {
    let mut admin = server.connect().expect("connect as superuser");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create database");
    server
        .connect_as(schemaguard::server::SUPERUSER, name)
        .expect("connect to the new database")
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, text).expect("write migration");
}

fn check_json(url: &str, dir: &Path) -> (i32, serde_json::Value) {
    let out = common::schemaguard(&[
        "check",
        "--format",
        "json",
        "--database-url",
        url,
        dir.to_str().expect("utf-8 path"),
    ]);
    assert!(
        out.code == 0 || out.code == 1,
        "exit {}: {}",
        out.code,
        out.stderr
    );
    let json = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout));
    (out.code, json)
}

fn rules_by_file(json: &serde_json::Value) -> Vec<(String, String, String)> {
    json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap_or_default();
            let name = Path::new(file)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (
                name,
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["severity"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn only_pending_migrations_are_checked_from_the_live_schema() {
    let Some(server) = common::pg_server() else {
        return;
    };
    // golang-migrate: files 1..=12 applied, the history says version 12
    let mut db = fresh_db(&server, "gm");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut all: Vec<_> = std::fs::read_dir(sample_dir())
        .expect("samples")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    all.sort();
    for path in &all {
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(path).expect("read");
        write(dir.path(), &name.replace(".sql", ".up.sql"), &text);
        let version: u32 = name[..4].parse().expect("version");
        if version <= 12 {
            let applied = tempfile::tempdir().expect("tempdir");
            write(applied.path(), &name, &text);
            common::apply_dir(&mut db, applied.path());
        }
    }
    db.batch_execute(
        "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
         INSERT INTO schema_migrations VALUES (12, false);",
    )
    .expect("history");

    let (_, json) = check_json(&common::pg_url(&server, "gm"), dir.path());
    let db_info = &json["database"];
    assert_eq!(
        db_info["applied"].as_array().map(Vec::len),
        Some(12),
        "{db_info}"
    );
    assert_eq!(
        db_info["pending"].as_array().map(Vec::len),
        Some(4),
        "{db_info}"
    );
    assert!(
        db_info["history_table"]
            .as_str()
            .is_some_and(|t| t.contains("schema_migrations") && t.contains("golang-migrate")),
        "{db_info}"
    );
    assert_eq!(
        json["pg_version"].as_u64(),
        Some(u64::from(server.version_num() / 10_000))
    );
    let found = rules_by_file(&json);
    // findings only in the pending files 13..16, none in applied ones
    assert!(
        found.iter().all(|(f, _, _)| f.as_str() >= "0013"),
        "{found:?}"
    );
    // the live tables are known: no unknown-object for tables created by applied files
    assert!(
        !found.iter().any(|(_, r, _)| r == "unknown-object"),
        "{found:?}"
    );
    // 0015 rewrites products, which is empty here: the lock is brief, a hint
    assert!(
        found
            .iter()
            .any(|(f, r, s)| f.starts_with("0015") && r == "add-column-rewrite" && s == "hint"),
        "{found:?}"
    );
}

#[test]
fn edited_and_out_of_order_migrations_are_found_through_flyway_and_sqlx_history() {
    let Some(server) = common::pg_server() else {
        return;
    };
    let v1 = "CREATE TABLE a (id bigint PRIMARY KEY);\n";
    let v2_applied = "CREATE TABLE b (id bigint PRIMARY KEY);\n";
    let v2_now = "CREATE TABLE b (id bigint PRIMARY KEY, note text);\n";
    let v3 = "ALTER TABLE a ADD COLUMN c int;\n";
    let v4 = "CREATE TABLE d (id bigint PRIMARY KEY);\n";

    // Flyway: V1 as applied, V2 edited since, V4 applied, V3 pending (out of order)
    let mut db = fresh_db(&server, "fw");
    db.batch_execute(&format!("{v1}{v2_applied}{v4}"))
        .expect("schema");
    db.batch_execute(
        "CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50),
           description varchar(200) NOT NULL, type varchar(20) NOT NULL, script varchar(1000) NOT NULL,
           checksum int, installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(),
           execution_time int NOT NULL, success boolean NOT NULL)",
    )
    .expect("flyway table");
    let crc = schemaguard::live::history::flyway_crc32;
    for (rank, version, script, text) in [
        (1, "1", "V1__a.sql", v1),
        (2, "2", "V2__b.sql", v2_applied),
        (3, "4", "V4__d.sql", v4),
    ] {
        db.execute(
            "INSERT INTO flyway_schema_history VALUES ($1, $2, 'x', 'SQL', $3, $4, 'me', now(), 1, true)",
            &[&rank, &version, &script, &crc(text)],
        )
        .expect("history row");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "V1__a.sql", v1);
    write(dir.path(), "V2__b.sql", v2_now);
    write(dir.path(), "V3__c.sql", v3);
    write(dir.path(), "V4__d.sql", v4);
    let (code, json) = check_json(&common::pg_url(&server, "fw"), dir.path());
    let found = rules_by_file(&json);
    assert_eq!(code, 1, "{found:?}");
    assert!(
        found.contains(&(
            "V2__b.sql".into(),
            "edited-applied-migration".into(),
            "error".into()
        )),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(f, r, _)| f == "V3__c.sql" && r == "out-of-order-migration"),
        "{found:?}"
    );
    assert!(
        !found
            .iter()
            .any(|(f, _, _)| f == "V1__a.sql" || f == "V4__d.sql"),
        "applied files as recorded give nothing: {found:?}"
    );
    assert_eq!(
        json["database"]["pending"].as_array().map(Vec::len),
        Some(1)
    );

    // sqlx: SHA-384 checksums
    let mut db = fresh_db(&server, "sq");
    db.batch_execute(&format!("{v1}{v2_applied}"))
        .expect("schema");
    db.batch_execute(
        "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL,
           installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL,
           checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL)",
    )
    .expect("sqlx table");
    use sha2::Digest;
    for (version, text) in [(1_i64, v1), (2, v2_applied)] {
        let sum = sha2::Sha384::digest(text.as_bytes()).to_vec();
        db.execute(
            "INSERT INTO _sqlx_migrations VALUES ($1, 'x', now(), true, $2, 1)",
            &[&version, &sum],
        )
        .expect("history row");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "1_a.sql", v1);
    write(dir.path(), "2_b.sql", v2_now);
    write(dir.path(), "3_c.sql", v3);
    let (_, json) = check_json(&common::pg_url(&server, "sq"), dir.path());
    let found = rules_by_file(&json);
    assert!(
        found.contains(&(
            "2_b.sql".into(),
            "edited-applied-migration".into(),
            "error".into()
        )),
        "{found:?}"
    );
    assert!(!found.iter().any(|(f, _, _)| f == "1_a.sql"), "{found:?}");
    assert!(
        !found.iter().any(|(_, r, _)| r == "out-of-order-migration"),
        "{found:?}"
    );
}

#[test]
fn table_sizes_scale_severities_and_appear_in_messages() {
    let Some(server) = common::pg_server() else {
        return;
    };
    let mut db = fresh_db(&server, "sizes");
    db.batch_execute(
        "CREATE TABLE big (id bigint PRIMARY KEY, v int);
         INSERT INTO big SELECT g, g FROM generate_series(1, 50000) g;
         CREATE TABLE tiny (id bigint PRIMARY KEY, v int);
         INSERT INTO tiny VALUES (1, 1), (2, 2);
         ANALYZE big; ANALYZE tiny;",
    )
    .expect("tables");
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "0001_indexes.sql",
        "SET lock_timeout = '2s';\nCREATE INDEX big_v ON big (v);\nCREATE INDEX tiny_v ON tiny (v);\n",
    );
    write(
        dir.path(),
        "0002_required.sql",
        "SET lock_timeout = '2s';\nALTER TABLE tiny ADD COLUMN must int NOT NULL;\n",
    );
    let (code, json) = check_json(&common::pg_url(&server, "sizes"), dir.path());
    assert_eq!(code, 1);
    let findings = json["findings"].as_array().expect("findings");
    let find = |rule: &str, table: &str| {
        findings
            .iter()
            .find(|f| f["rule"] == rule && f["relation"].as_str() == Some(table))
            .unwrap_or_else(|| panic!("no {rule} on {table}: {findings:#?}"))
    };
    let big = find("create-index-non-concurrently", "public.big");
    assert_eq!(big["severity"], "error");
    assert!(
        big["message"]
            .as_str()
            .is_some_and(|m| m.contains("~50K rows")),
        "{big}"
    );
    let tiny = find("create-index-non-concurrently", "public.tiny");
    assert_eq!(tiny["severity"], "hint", "{tiny}");
    let required = find("add-required-column", "public.tiny");
    assert_eq!(required["severity"], "error");
    assert!(
        required["message"]
            .as_str()
            .is_some_and(|m| m.contains("will fail")),
        "{required}"
    );
}

#[test]
fn the_live_session_cannot_write_and_checking_changes_nothing() {
    let Some(server) = common::pg_server() else {
        return;
    };
    let mut db = fresh_db(&server, "ro");
    db.batch_execute("CREATE TABLE t (id bigint PRIMARY KEY); INSERT INTO t VALUES (1);")
        .expect("table");
    drop(db);
    let url = common::pg_url(&server, "ro");

    // even code that tried could not write
    let opts = ConnectOptions::from_url_with_env(Some(&url), &|_: &str| None).expect("options");
    let mut session = live::connect(&opts).expect("session");
    let err = session
        .read(|c| {
            c.batch_execute("INSERT INTO t VALUES (2)")
                .map_err(|e| live::LiveError::query("writing", &e, Duration::ZERO, Duration::ZERO))
        })
        .expect_err("a write must fail");
    assert!(err.to_string().contains("read-only"), "{err}");
    drop(session);

    // every command that reads the database, run, then the database's counters
    // (pg_stat_database, read from another database): no row written, and no transaction
    // committed but the one each new session's start-up runs (PostgreSQL counts it)
    let mut observer = server.connect().expect("observer");
    let counters = |c: &mut postgres::Client| -> (i64, i64, i64, i64) {
        wait_for_no_sessions(c);
        c.batch_execute("SELECT pg_stat_clear_snapshot()")
            .expect("clear");
        let row = c
            .query_one(
                "SELECT xact_commit, xact_rollback, tup_inserted + tup_updated + tup_deleted,
                        sessions
                   FROM pg_stat_database WHERE datname = 'ro'",
                &[],
            )
            .expect("stats (pg_stat_database.sessions needs PostgreSQL 14)");
        (row.get(0), row.get(1), row.get(2), row.get(3))
    };
    let before = counters(&mut observer);
    let samples = sample_dir();
    let sample = samples.to_str().expect("utf-8");
    for format in ["human", "json", "sarif", "github", "markdown"] {
        let out =
            common::schemaguard(&["check", "--format", format, "--database-url", &url, sample]);
        assert!(out.code == 0 || out.code == 1, "{format}: {}", out.stderr);
    }
    let out = common::schemaguard(&["plan", "--database-url", &url, sample]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let after = counters(&mut observer);
    let sessions = after.3 - before.3;
    assert_eq!(sessions, 6, "one session per run: {before:?} -> {after:?}");
    assert_eq!(
        after.0 - before.0,
        sessions,
        "transactions committed beyond session start-up: {before:?} -> {after:?}"
    );
    assert_eq!(after.2, before.2, "rows written by schemaguard");
    assert!(
        after.1 - before.1 >= 2 * sessions,
        "the reads were seen (rolled back): {before:?} -> {after:?}"
    );
}

/// Statistics of a backend are flushed when it exits: wait until schemaguard's are gone.
fn wait_for_no_sessions(c: &mut postgres::Client) {
    for _ in 0..200 {
        let n: i64 = c
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'schemaguard' AND pid <> pg_backend_pid()",
                &[],
            )
            .expect("activity")
            .get(0);
        if n == 0 {
            // the exiting backend flushes its counters just before it leaves the list
            std::thread::sleep(Duration::from_millis(50));
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("schemaguard's sessions did not end");
}

#[test]
fn connection_failures_are_one_line_exit_2_and_never_show_the_password() {
    let Some(server) = common::pg_server() else {
        return;
    };
    let mut admin = server.connect().expect("admin");
    admin
        .batch_execute("CREATE ROLE app LOGIN PASSWORD 'Sup3rSecretPw'")
        .expect("role");
    let socket = server.socket_dir();
    let socket = socket.to_str().expect("utf-8");
    let port = server.port();
    let sample = sample_dir();
    let sample = sample.to_str().expect("utf-8");
    // nothing listens here
    let missing =
        format!("postgres://app:Sup3rSecretPw@/postgres?host=/nonexistent-dir&port={port}");
    // a database that does not exist, with the password
    let no_db = format!("postgres://app:Sup3rSecretPw@/nope?host={socket}&port={port}");
    // a malformed URL that holds the password
    let bad = "postgres://app:Sup3rSecretPw@host:notaport/db".to_string();
    for url in [missing, no_db, bad] {
        for format in ["human", "json"] {
            let out =
                common::schemaguard(&["check", "--format", format, "--database-url", &url, sample]);
            assert_eq!(out.code, 2, "{url}: {}", out.stderr);
            let all = format!("{}{}", out.stdout, out.stderr);
            assert!(!all.contains("Sup3rSecretPw"), "password shown: {all}");
            assert_eq!(
                out.stderr.trim().lines().count(),
                1,
                "one line: {}",
                out.stderr
            );
            assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
        }
    }
    // a good connection with a password: nothing shows it either
    let good = format!("postgres://app:Sup3rSecretPw@/postgres?host={socket}&port={port}");
    for format in ["human", "json", "sarif", "github", "markdown"] {
        let out =
            common::schemaguard(&["check", "--format", format, "--database-url", &good, sample]);
        assert!(out.code == 0 || out.code == 1, "{format}: {}", out.stderr);
        let all = format!("{}{}", out.stdout, out.stderr);
        assert!(!all.contains("Sup3rSecretPw"), "password shown in {format}");
    }
}

#[test]
fn history_tables_of_goose_dbmate_diesel_and_prisma_are_read() {
    let Some(server) = common::pg_server() else {
        return;
    };
    let v1 = "CREATE TABLE a (id bigint PRIMARY KEY);\n";
    let v2 = "CREATE TABLE b (id bigint PRIMARY KEY);\n";
    let v3 = "ALTER TABLE a ADD COLUMN c int;\n";
    let sha256 = |t: &str| {
        use sha2::Digest;
        sha2::Sha256::digest(t.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    struct Case {
        db: &'static str,
        history: String,
        files: Vec<(&'static str, &'static str)>,
        kind: &'static str,
    }
    let cases = [
        Case {
            db: "goose",
            // version 2 was applied, then rolled back: pending again
            history: "CREATE TABLE goose_db_version (id serial PRIMARY KEY, version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp DEFAULT now());
                      INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true), (1, true), (2, true), (2, false);".into(),
            files: vec![
                ("00001_a.sql", "-- +goose Up\nCREATE TABLE a (id bigint PRIMARY KEY);\n"),
                ("00002_b.sql", "-- +goose Up\nCREATE TABLE b (id bigint PRIMARY KEY);\n"),
                ("00003_c.sql", "-- +goose Up\nALTER TABLE a ADD COLUMN c int;\n"),
            ],
            kind: "goose",
        },
        Case {
            db: "dbmate",
            history: "CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);
                      INSERT INTO schema_migrations VALUES ('20240101000001');".into(),
            files: vec![
                ("20240101000001_a.sql", "-- migrate:up\nCREATE TABLE a (id bigint PRIMARY KEY);\n"),
                ("20240101000002_b.sql", "-- migrate:up\nCREATE TABLE b (id bigint PRIMARY KEY);\n"),
                ("20240101000003_c.sql", "-- migrate:up\nALTER TABLE a ADD COLUMN c int;\n"),
            ],
            kind: "dbmate",
        },
        Case {
            db: "diesel",
            history: "CREATE TABLE __diesel_schema_migrations (version varchar(50) PRIMARY KEY, run_on timestamp NOT NULL DEFAULT now());
                      INSERT INTO __diesel_schema_migrations (version) VALUES ('20240101000001');".into(),
            files: vec![
                ("2024-01-01-000001_a/up.sql", v1),
                ("2024-01-01-000002_b/up.sql", v2),
                ("2024-01-01-000003_c/up.sql", v3),
            ],
            kind: "diesel",
        },
        Case {
            db: "prisma",
            history: format!(
                "CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL, finished_at timestamptz,
                   migration_name varchar(255) NOT NULL, logs text, rolled_back_at timestamptz, started_at timestamptz NOT NULL DEFAULT now(),
                   applied_steps_count int NOT NULL DEFAULT 0);
                 INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name) VALUES ('1', '{}', now(), '20240101000001_a');",
                sha256(v1)
            ),
            files: vec![
                ("20240101000001_a/migration.sql", v1),
                ("20240101000002_b/migration.sql", v2),
                ("20240101000003_c/migration.sql", v3),
            ],
            kind: "Prisma",
        },
    ];
    for case in cases {
        let mut db = fresh_db(&server, case.db);
        db.batch_execute(&format!("{v1}{}", case.history))
            .expect("history");
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, text) in &case.files {
            write(dir.path(), name, text);
        }
        let (_, json) = check_json(&common::pg_url(&server, case.db), dir.path());
        let info = &json["database"];
        assert!(
            info["history_table"]
                .as_str()
                .is_some_and(|t| t.contains(case.kind)),
            "{}: {info}",
            case.db
        );
        assert_eq!(
            info["applied"].as_array().map(Vec::len),
            Some(1),
            "{}: {info}",
            case.db
        );
        assert_eq!(
            info["pending"].as_array().map(Vec::len),
            Some(2),
            "{}: {info}",
            case.db
        );
        let found = rules_by_file(&json);
        assert!(
            !found
                .iter()
                .any(|(_, r, _)| r == "unknown-object" || r == "edited-applied-migration"),
            "{}: {found:?}",
            case.db
        );
    }
}

#[test]
fn plan_names_the_sessions_that_would_block_each_statement_now() {
    let Some(server) = common::pg_server() else {
        return;
    };
    let mut admin = fresh_db(&server, "blockers");
    admin
        .batch_execute(
            "CREATE TABLE accounts (id bigint PRIMARY KEY, email text); INSERT INTO accounts VALUES (1, 'a');
             CREATE TABLE audit (id bigint)",
        )
        .expect("setup");
    let url = common::pg_url(&server, "blockers");
    // a report left idle in its transaction, having read accounts
    let mut holder = server
        .connect_as(schemaguard::server::SUPERUSER, "blockers")
        .expect("connect");
    let pid: i32 = holder
        .query_one("SELECT pg_backend_pid()", &[])
        .expect("pid")
        .get(0);
    holder
        .batch_execute(
            "SET application_name = 'nightly-report'; BEGIN; SELECT count(*) FROM accounts",
        )
        .expect("hold");
    let dir = common::TempDir::new("blockers");
    write(
        &dir.0,
        "001_change.sql",
        "ALTER TABLE accounts ADD COLUMN note text;\nINSERT INTO audit VALUES (1);\n",
    );

    let out = common::schemaguard(&["plan", "--database-url", &url, dir.path()]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let expected = format!(
        "001_change.sql:1: pid {pid} (postgres, nightly-report) holds ACCESS SHARE on public.accounts, which conflicts with the ACCESS EXCLUSIVE this statement requests; IDLE IN TRANSACTION for"
    );
    assert!(out.stdout.contains(&expected), "{}", out.stdout);
    assert!(
        out.stdout.contains("; SELECT count(*) FROM accounts"),
        "{}",
        out.stdout
    );
    // the INSERT's ROW EXCLUSIVE does not conflict with a read
    assert!(!out.stdout.contains("001_change.sql:2:"), "{}", out.stdout);

    let out = common::schemaguard(&[
        "plan",
        "--format",
        "json",
        "--no-query-text",
        "--database-url",
        &url,
        dir.path(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let b = &doc["blockers"][0];
    assert_eq!(b["session"]["pid"], pid, "{doc:#}");
    assert_eq!(b["requested"], "ACCESS EXCLUSIVE");
    assert_eq!(b["held"], "ACCESS SHARE");
    assert_eq!(b["session"]["state"], "idle in transaction");
    assert_eq!(
        b["session"]["query"],
        serde_json::Value::Null,
        "--no-query-text"
    );
    assert_eq!(doc["blockers"].as_array().map(Vec::len), Some(1), "{doc:#}");

    // check says it too, before the summary, and in its JSON database object
    let out = common::schemaguard(&["check", "--database-url", &url, dir.path()]);
    assert!(out.stdout.contains(&expected), "{}", out.stdout);
    let out = common::schemaguard(&[
        "check",
        "--format",
        "json",
        "--database-url",
        &url,
        dir.path(),
    ]);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(
        doc["database"]["blockers"][0]["session"]["pid"], pid,
        "{doc:#}"
    );
    // and in SARIF: a field of the run, and a warning at the statement
    let out = common::schemaguard(&[
        "check",
        "--format",
        "sarif",
        "--database-url",
        &url,
        dir.path(),
    ]);
    let log: serde_json::Value = serde_json::from_str(&out.stdout).expect("SARIF");
    assert_eq!(
        log["runs"][0]["properties"]["database"]["blockers"][0]["session"]["pid"], pid,
        "{log:#}"
    );
    let notes = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert!(
        notes
            .as_array()
            .is_some_and(|n| n.iter().any(|n| n["level"] == "warning"
                && n["message"]["text"]
                    .as_str()
                    .is_some_and(|t| t.starts_with(&format!("pid {pid} ")))
                && n["locations"][0]["physicalLocation"]["region"]["startLine"] == 1)),
        "{notes:#}"
    );

    // once it commits, nothing is in the way
    holder.batch_execute("COMMIT").expect("commit");
    let out = common::schemaguard(&["plan", "--database-url", &url, dir.path()]);
    assert!(
        out.stdout
            .contains("no other session holds or waits for a lock"),
        "{}",
        out.stdout
    );
}

/// Traffic on a table while `plan` watches it (`--traffic-window`): the reads and row
/// writes per second that each pending statement's lock would hold up, by its mode (a
/// SHARE lock holds up writes only), with a suggested `lock_timeout`; a table nobody
/// uses builds no queue; a window of 0 watches nothing.
#[test]
fn plan_says_what_would_queue_behind_each_lock() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let Some(server) = common::pg_server() else {
        return;
    };
    let mut admin = fresh_db(&server, "traffic");
    admin
        .batch_execute(
            "CREATE TABLE busy (id bigint PRIMARY KEY, n int); INSERT INTO busy VALUES (1, 0);
             CREATE TABLE quiet (id bigint)",
        )
        .expect("setup");
    let url = common::pg_url(&server, "traffic");
    // an application reading and writing `busy` for as long as the plan runs
    let stop = Arc::new(AtomicBool::new(false));
    let mut app = server
        .connect_as(schemaguard::server::SUPERUSER, "traffic")
        .expect("connect");
    let running = Arc::clone(&stop);
    let worker = std::thread::spawn(move || {
        let mut i: i64 = 2;
        while !running.load(Ordering::Relaxed) {
            app.batch_execute("SELECT n FROM busy WHERE id = 1")
                .expect("read");
            app.execute("INSERT INTO busy VALUES ($1, 0)", &[&i])
                .expect("write");
            i += 1;
            std::thread::sleep(Duration::from_millis(5));
        }
    });
    let dir = common::TempDir::new("traffic");
    write(
        &dir.0,
        "001_change.sql",
        "ALTER TABLE busy ADD COLUMN note text;\nCREATE INDEX ON busy (n);\nALTER TABLE quiet ADD COLUMN note text;\n",
    );
    let out = common::schemaguard(&[
        "plan",
        "--format",
        "json",
        "--traffic-window",
        "3",
        "--database-url",
        &url,
        dir.path(),
    ]);
    let human = common::schemaguard(&[
        "plan",
        "--traffic-window",
        "2",
        "--database-url",
        &url,
        dir.path(),
    ]);
    let sarif = common::schemaguard(&[
        "check",
        "--format",
        "sarif",
        "--traffic-window",
        "2",
        "--database-url",
        &url,
        dir.path(),
    ]);
    stop.store(true, Ordering::Relaxed);
    worker.join().expect("the application thread");
    assert_eq!(out.code, 0, "{}", out.stderr);
    // SARIF: the queues as fields of the run and as notifications at the statement
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).expect("SARIF");
    let database = &log["runs"][0]["properties"]["database"];
    assert!(
        database["queues"].as_array().is_some_and(|q| q
            .iter()
            .any(|q| q["line"] == 1 && q["relation"] == "public.busy")),
        "{database:#}"
    );
    let notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .expect("notifications");
    assert!(
        notes.iter().any(|n| n["message"]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("public.busy: ") && t.contains("would queue behind"))),
        "{notes:#?}"
    );
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let queues = doc["queues"].as_array().expect("queues");
    let on = |line: u64| {
        queues
            .iter()
            .find(|q| q["line"] == line)
            .unwrap_or_else(|| panic!("no queue for line {line}: {doc:#}"))
    };
    let alter = on(1);
    assert_eq!(alter["relation"], "public.busy");
    assert_eq!(alter["requested"], "ACCESS EXCLUSIVE");
    assert!(alter["reads_per_s"].as_f64() > Some(1.0), "{alter}");
    assert!(alter["writes_per_s"].as_f64() > Some(1.0), "{alter}");
    let timeout = alter["suggested_lock_timeout_ms"]
        .as_u64()
        .expect("timeout");
    assert!((100..=5000).contains(&timeout), "{alter}");
    // CREATE INDEX's SHARE lets reads through
    let index = on(2);
    assert_eq!(index["requested"], "SHARE");
    assert_eq!(index["reads_per_s"].as_f64(), Some(0.0), "{index}");
    assert!(index["writes_per_s"].as_f64() > Some(1.0), "{index}");
    // nobody uses `quiet`
    assert!(!queues.iter().any(|q| q["line"] == 3), "{doc:#}");
    assert!(
        human.stdout.contains("001_change.sql:1: public.busy: ")
            && human
                .stdout
                .contains("would queue behind the ACCESS EXCLUSIVE it requests"),
        "{}",
        human.stdout
    );

    let out = common::schemaguard(&[
        "plan",
        "--format",
        "json",
        "--traffic-window",
        "0",
        "--database-url",
        &url,
        dir.path(),
    ]);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(doc["queues"].as_array().map(Vec::len), Some(0), "{doc:#}");
}
