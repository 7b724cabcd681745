//! `schemaguard diff` through the binary: migrations, a real PostgreSQL (started by the
//! test), its `pg_dump --schema-only`, and directories, in every pairing.

mod common;

use common::TempDir;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn project_dir(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn sample_dir() -> PathBuf {
    project_dir("sample_migrations")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// `(kind, object, name, [changed attributes])` for every difference, in output order.
fn differences(doc: &Value) -> Vec<(String, String, String, Vec<String>)> {
    doc["differences"]
        .as_array()
        .expect("differences")
        .iter()
        .map(|d| {
            let attrs = d["changes"]
                .as_array()
                .expect("changes")
                .iter()
                .map(|c| c["attribute"].as_str().unwrap_or("?").to_string())
                .collect();
            (
                d["kind"].as_str().unwrap_or("?").to_string(),
                d["object"].as_str().unwrap_or("?").to_string(),
                d["name"].as_str().unwrap_or("?").to_string(),
                attrs,
            )
        })
        .collect()
}

fn owned(v: &[(&str, &str, &str, &[&str])]) -> Vec<(String, String, String, Vec<String>)> {
    v.iter()
        .map(|(k, o, n, a)| {
            (
                k.to_string(),
                o.to_string(),
                n.to_string(),
                a.iter().map(|x| x.to_string()).collect(),
            )
        })
        .collect()
}

/// Runs `schemaguard diff ARGS --format json`, expecting exit `code`.
fn diff_json(args: &[&str], code: i32) -> Value {
    let mut all = vec!["diff"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let out = common::schemaguard(&all);
    assert_eq!(
        out.code, code,
        "schemaguard {all:?}\nstdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", out.stdout))
}

/// What the live side is changed by, and what each change must show up as.
const DRIFT: &str = "
    ALTER TABLE users ALTER COLUMN email TYPE varchar(255);
    DROP INDEX orders_status_idx;
    ALTER TABLE users ADD COLUMN nickname text;
    ALTER TABLE products ADD CONSTRAINT products_name_not_blank CHECK (name <> '') NOT VALID;
    ALTER TABLE order_items DROP CONSTRAINT order_items_price_positive;
    ALTER TABLE order_items ADD CONSTRAINT order_items_price_positive CHECK (price_cents > 0) NOT VALID;
    ALTER TABLE orders ALTER COLUMN total_cents SET DEFAULT 100;
";

fn drift_expected() -> Vec<(String, String, String, Vec<String>)> {
    owned(&[
        (
            "changed",
            "constraint",
            "order_items_price_positive",
            &["validity"],
        ),
        (
            "changed",
            "column",
            "public.orders.total_cents",
            &["default"],
        ),
        ("missing", "index", "public.orders_status_idx", &[]),
        ("extra", "constraint", "products_name_not_blank", &[]),
        ("changed", "column", "public.users.email", &["type"]),
        ("extra", "column", "public.users.nickname", &[]),
    ])
}

/// The same differences seen from the other side: missing and extra swap.
fn swapped(
    v: Vec<(String, String, String, Vec<String>)>,
) -> Vec<(String, String, String, Vec<String>)> {
    v.into_iter()
        .map(|(k, o, n, a)| {
            let k = match k.as_str() {
                "missing" => "extra".to_string(),
                "extra" => "missing".to_string(),
                _ => k,
            };
            (k, o, n, a)
        })
        .collect()
}

/// `pg_dump --schema-only` of `db` into `file`, with the server's own pg_dump; `false`
/// (with a message) when this installation has none.
fn pg_dump(server: &schemaguard::server::TempServer, db: &str, file: &Path) -> bool {
    pg_dump_owned(server, db, file, false)
}

/// As [`pg_dump`]; with `owners`, the dump keeps its `OWNER TO` statements (`ALTER
/// TABLE seq OWNER TO` for a sequence) and privileges.
fn pg_dump_owned(
    server: &schemaguard::server::TempServer,
    db: &str,
    file: &Path,
    owners: bool,
) -> bool {
    let Some(exe) = common::pg_dump_for(server) else {
        common::skipped(format!(
            "(dump part): no pg_dump for PostgreSQL {} beside initdb in {} or on the PATH",
            server.version_num() / 10_000,
            server.binaries().bin_dir.display()
        ));
        return false;
    };
    let plain: &[&str] = if owners {
        &[]
    } else {
        &["--no-owner", "--no-privileges"]
    };
    common::pg_dump(server, &exe, db, file, plain);
    true
}

fn create_db(server: &schemaguard::server::TempServer, name: &str, migrations: &Path) -> String {
    let mut admin = server.connect().expect("connect as superuser");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create database");
    let mut client = server
        .connect_as(schemaguard::server::SUPERUSER, name)
        .expect("connect to the new database");
    common::apply_dir(&mut client, migrations);
    common::pg_url(server, name)
}

#[test]
fn migrations_applied_to_a_real_server_show_no_differences_and_each_drift_its_kind() {
    let Some(server) = common::pg_server() else {
        return;
    };
    let sample = sample_dir();
    let pristine = create_db(&server, "shop", &sample);
    let drifted = create_db(&server, "shop_drifted", &sample);
    server
        .connect_as(schemaguard::server::SUPERUSER, "shop_drifted")
        .expect("connect")
        .batch_execute(DRIFT)
        .expect("drift the live schema");

    // replayed migrations vs the database they built: nothing differs
    let started = std::time::Instant::now();
    let out = common::schemaguard(&["diff", "--database-url", &pristine, s(&sample)]);
    eprintln!("diff sample_migrations vs live: {:?}", started.elapsed());
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("no differences"), "{}", out.stdout);
    let doc = diff_json(&["--database-url", &pristine, s(&sample)], 0);
    assert_eq!(doc["equal"], true);
    assert!(doc["summary"]["objects_compared"].as_u64().unwrap_or(0) > 40);

    // the drifted database: each change as its kind of difference, and nothing else
    let doc = diff_json(&["--database-url", &drifted, s(&sample)], 1);
    assert_eq!(differences(&doc), drift_expected(), "{doc:#}");
    assert_eq!(doc["left"]["kind"], "migrations");
    assert_eq!(doc["right"]["kind"], "database");
    let by_name = |name: &str| {
        doc["differences"]
            .as_array()
            .and_then(|a| a.iter().find(|d| d["name"] == name))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let email = by_name("public.users.email");
    assert_eq!(email["changes"][0]["left"], "text");
    assert_eq!(email["changes"][0]["right"], "varchar(255)");
    let check = by_name("order_items_price_positive");
    assert_eq!(check["changes"][0]["left"], "VALID");
    assert_eq!(check["changes"][0]["right"], "NOT VALID");
    assert!(
        by_name("products_name_not_blank")["right_ddl"]
            .as_str()
            .is_some_and(|d| d.ends_with("NOT VALID")),
        "{doc:#}"
    );
    let unified = doc["unified_diff"].as_str().unwrap_or("");
    assert!(unified.contains("-    email text NOT NULL,"), "{unified}");
    assert!(
        unified.contains("+    email varchar(255) NOT NULL,"),
        "{unified}"
    );
    assert!(
        unified.contains("-CREATE INDEX orders_status_idx ON public.orders USING btree (status);"),
        "{unified}"
    );

    // human output: the structured list and the unified diff, no colour without a terminal
    let out = common::schemaguard(&["diff", "--database-url", &drifted, s(&sample)]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("~ column public.users.email: type text -> varchar(255)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("- index public.orders_status_idx"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("6 differences (1 missing, 2 extra, 3 changed)"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains('\x1b'), "{}", out.stdout);

    // URL vs URL
    let doc = diff_json(&["--from", &pristine, "--to", &drifted], 1);
    assert_eq!(differences(&doc), drift_expected());
    let doc = diff_json(&["--from", &drifted, "--to", &drifted], 0);
    assert_eq!(doc["equal"], true);

    // a pg_dump --schema-only file on either side
    let tmp = TempDir::new("diff-dump");
    let dump = tmp.0.join("shop.sql");
    let dump_drifted = tmp.0.join("shop_drifted.sql");
    if pg_dump(&server, "shop", &dump) && pg_dump(&server, "shop_drifted", &dump_drifted) {
        let doc = diff_json(&["--from", s(&dump), "--to", s(&sample)], 0);
        assert_eq!(doc["left"]["kind"], "dump");
        let doc = diff_json(&["--to", s(&dump_drifted), s(&sample)], 1);
        assert_eq!(differences(&doc), drift_expected());
        let doc = diff_json(&["--from", s(&dump_drifted), "--to", &pristine], 1);
        assert_eq!(differences(&doc), swapped(drift_expected()));
        let doc = diff_json(&["--from", s(&dump_drifted), "--to", &drifted], 0);
        assert_eq!(doc["equal"], true);
    }
}

#[test]
fn forms_postgres_prints_differently_compare_equal_on_every_side() {
    let Some(server) = common::pg_server() else {
        return;
    };
    // serial, quoted names, varchar/char/numeric/double/arrays, enum and domain defaults,
    // CHECK with IN/BETWEEN/LIKE, expression, partial and GIN indexes, a generated
    // column, identity BY DEFAULT in another schema, FK ON DELETE SET NULL, a
    // partitioned table (its partition's copies of PK and index), a trigger,
    // functions, views, an extension, a sequence and a history table; constants
    // PostgreSQL folds (booleans, numbers, time stamps, intervals), enum literals it
    // casts, implicit casts in coalesce, TRIM, own-table qualifiers, a primary key
    // added USING INDEX, a default through ALTER COLUMN TYPE, INHERITS children
    let rich = project_dir("tests/data/diff/rich");
    let url = create_db(&server, "rich", &rich);
    // the framework's history table, which no migration creates
    server
        .connect_as(schemaguard::server::SUPERUSER, "rich")
        .expect("connect")
        .batch_execute("CREATE TABLE schema_migrations (version text PRIMARY KEY)")
        .expect("history table");
    let doc = diff_json(&["--database-url", &url, s(&rich)], 0);
    assert_eq!(doc["equal"], true, "{doc:#}");
    assert_eq!(
        doc["excluded"],
        serde_json::json!(["table public.schema_migrations"])
    );
    let tmp = TempDir::new("diff-rich");
    let dump = tmp.0.join("rich.sql");
    if pg_dump(&server, "rich", &dump) {
        let doc = diff_json(&["--from", s(&dump), "--to", s(&rich)], 0);
        assert_eq!(doc["equal"], true, "{doc:#}");
        // with owners: `ALTER TABLE seq OWNER TO` makes no table of a sequence
        let owned = tmp.0.join("rich-owned.sql");
        assert!(pg_dump_owned(&server, "rich", &owned, true));
        let text = std::fs::read_to_string(&owned).unwrap_or_default();
        assert!(text.contains("_seq OWNER TO"), "{text}");
        let doc = diff_json(&["--from", s(&owned), "--to", s(&rich)], 0);
        assert_eq!(doc["equal"], true, "{doc:#}");
        let doc = diff_json(&["--from", s(&owned), "--to", &url], 0);
        assert_eq!(doc["equal"], true, "{doc:#}");
    }
    // the history table is compared when asked: only the database has it
    let doc = diff_json(
        &[
            "--database-url",
            &url,
            s(&rich),
            "--include-history-tables",
            "--exclude",
            "events*",
        ],
        1,
    );
    assert_eq!(
        differences(&doc),
        owned(&[("extra", "table", "public.schema_migrations", &[])]),
        "{doc:#}"
    );
    let excluded = doc["excluded"].to_string();
    assert!(excluded.contains("table public.events_2024"), "{excluded}");
}

#[test]
fn directories_of_two_checkouts_compare_like_any_sides() {
    let a = TempDir::new("diff-dir-a");
    let b = TempDir::new("diff-dir-b");
    for entry in std::fs::read_dir(sample_dir())
        .expect("sample dir")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(entry.path()).expect("read sample");
        a.write(&name, &text);
        b.write(&name, &text);
    }
    let doc = diff_json(&["--from", a.path(), "--to", b.path()], 0);
    assert_eq!(doc["equal"], true);
    b.write("0017_drift.sql", DRIFT);
    let doc = diff_json(&["--from", a.path(), "--to", b.path()], 1);
    assert_eq!(differences(&doc), drift_expected());
    // the documented shape (README, "Drift")
    let keys = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        k.sort();
        k
    };
    assert_eq!(
        keys(&doc),
        [
            "differences",
            "equal",
            "excluded",
            "left",
            "notes",
            "right",
            "schema_version",
            "summary",
            "tool",
            "tool_version",
            "unified_diff"
        ]
    );
    assert_eq!(
        keys(&doc["differences"][0]),
        [
            "changes",
            "kind",
            "left_ddl",
            "name",
            "object",
            "right_ddl",
            "table"
        ]
    );
    assert_eq!(keys(&doc["left"]), ["detail", "kind", "source"]);
    assert_eq!(
        keys(&doc["summary"]),
        ["changed", "extra", "missing", "objects_compared"]
    );
    let doc = diff_json(&["--from", b.path(), "--to", a.path()], 1);
    assert_eq!(differences(&doc), swapped(drift_expected()));

    // colours only when asked (the test runs without a terminal, with NO_COLOR)
    let plain = common::schemaguard(&["diff", "--from", a.path(), "--to", b.path()]);
    assert!(!plain.stdout.contains('\x1b'), "{}", plain.stdout);
    let coloured = common::schemaguard(&[
        "diff",
        "--from",
        a.path(),
        "--to",
        b.path(),
        "--color",
        "always",
    ]);
    assert!(coloured.stdout.contains("\x1b[31m-"), "{}", coloured.stdout);

    // a statement the replay cannot read: said on stderr, the rest still compared
    a.write("0018_odd.sql", "CREATE TABLE broken (id bigint,, );\n");
    let out = common::schemaguard(&["diff", "--from", a.path(), "--to", b.path()]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .starts_with("warning: 1 statement of the migrations could not be parsed"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("0018_odd.sql:1:1"), "{}", out.stderr);
}

#[test]
fn errors_exit_2_with_one_clear_line_and_no_password() {
    // nothing listens on port 1
    let out = common::schemaguard(&[
        "diff",
        "--database-url",
        "postgres://alice:s3cr3t-pw@127.0.0.1:1/shop",
        s(&sample_dir()),
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert_eq!(out.stderr.trim_end().lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
    assert!(out.stderr.contains("127.0.0.1"), "{}", out.stderr);
    assert!(!out.stderr.contains("s3cr3t"), "{}", out.stderr);

    let out = common::schemaguard(&[
        "diff",
        "--from",
        "postgres://alice:s3cr3t-pw@[::1/shop",
        "--to",
        s(&sample_dir()),
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(out.stderr.trim_end().lines().count(), 1, "{}", out.stderr);
    assert!(!out.stderr.contains("s3cr3t"), "{}", out.stderr);

    // no right side, a side that does not exist
    let out = common::schemaguard(&["diff", s(&sample_dir())]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--database-url"), "{}", out.stderr);
    let out = common::schemaguard(&["diff", "--to", "/nonexistent/dump.sql", s(&sample_dir())]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("/nonexistent/dump.sql"),
        "{}",
        out.stderr
    );

    // garbage claiming to be a dump: the file and the line of what cannot be read
    let tmp = TempDir::new("diff-garbage");
    let garbage = tmp.write(
        "garbage.sql",
        "--\n-- PostgreSQL database dump\n--\n\nCREATE TABLE public.t (id bigint);\n\nthis is not SQL at all;\n",
    );
    let out = common::schemaguard(&["diff", "--to", s(&garbage), s(&sample_dir())]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!("{}:7:1:", garbage.display())),
        "{}",
        out.stderr
    );
    let binary = tmp.0.join("custom.dump");
    std::fs::write(&binary, b"PGDMP\x01\x0e\x00\x04\x08\x01\x01").expect("write");
    let out = common::schemaguard(&["diff", "--to", s(&binary), s(&sample_dir())]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("pg_restore"), "{}", out.stderr);
    let latin1 = tmp.0.join("latin1.sql");
    std::fs::write(&latin1, b"CREATE TABLE t (name text DEFAULT '\xe9');\n").expect("write");
    let out = common::schemaguard(&["diff", "--to", s(&latin1), "--to-dump", s(&sample_dir())]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("latin1.sql:1:"), "{}", out.stderr);
}

#[test]
fn temporary_objects_end_with_their_session_and_a_rollback_undoes_its_transaction() {
    let Some(server) = common::pg_server() else {
        return;
    };
    let dir = common::TempDir::new("diff-session");
    dir.write(
        "001_tables.sql",
        "CREATE TABLE items (id bigint PRIMARY KEY, name text);\n\
         -- a temporary table of the same name shadows it for the session\n\
         CREATE TEMP TABLE items AS SELECT * FROM public.items;\n\
         CREATE INDEX items_name_idx ON items (name);\n\
         CREATE TABLE pg_temp.scratch (a int);\n\
         CREATE VIEW scratch_view AS SELECT a FROM scratch;\n",
    );
    dir.write(
        "002_rolled_back.sql",
        "BEGIN;\nCREATE TABLE undone (id int);\nALTER TABLE items ADD COLUMN gone text;\nROLLBACK;\n\
         ALTER TABLE items ADD COLUMN kept text;\n",
    );
    // each file in a session of its own, as schemaguard assumes
    server
        .connect()
        .expect("connect")
        .batch_execute("CREATE DATABASE session_ends")
        .expect("create database");
    for file in ["001_tables.sql", "002_rolled_back.sql"] {
        let mut session = server
            .connect_as(schemaguard::server::SUPERUSER, "session_ends")
            .expect("connect");
        let sql = std::fs::read_to_string(dir.0.join(file)).expect("read");
        session.batch_execute(&sql).expect("apply");
    }
    let url = common::pg_url(&server, "session_ends");
    let doc = diff_json(&["--database-url", &url, dir.path()], 0);
    assert_eq!(doc["equal"], true, "{doc:#}");

    // what the session left behind, and what the rollback undid, as drift
    let mut c = server
        .connect_as(schemaguard::server::SUPERUSER, "session_ends")
        .expect("connect");
    c.batch_execute("CREATE TABLE undone (id int); CREATE INDEX items_name_idx ON items (name)")
        .expect("drift");
    let doc = diff_json(&["--database-url", &url, dir.path()], 1);
    assert_eq!(
        differences(&doc),
        owned(&[
            ("extra", "index", "public.items_name_idx", &[]),
            ("extra", "table", "public.undone", &[]),
        ]),
        "{doc:#}"
    );
}

#[test]
fn what_postgresql_makes_for_itself_is_not_a_difference() {
    let Some(server) = common::pg_server() else {
        return;
    };
    let dir = common::TempDir::new("diff-internal");
    dir.write(
        "001_internal.sql",
        "-- a range type brings constructor functions with it\n\
         CREATE TYPE floatrange AS RANGE (subtype = float8);\n\
         -- a foreign key to a partitioned table: a clone of it per referenced partition\n\
         CREATE TABLE pk (a int PRIMARY KEY) PARTITION BY RANGE (a);\n\
         CREATE TABLE pk1 PARTITION OF pk FOR VALUES FROM (0) TO (10);\n\
         CREATE TABLE pk2 PARTITION OF pk FOR VALUES FROM (10) TO (20);\n\
         CREATE TABLE fk (a int REFERENCES pk);\n",
    );
    let url = create_db(&server, "internal_objects", dir.0.as_path());
    let doc = diff_json(&["--database-url", &url, dir.path()], 0);
    assert_eq!(doc["equal"], true, "{doc:#}");
}
