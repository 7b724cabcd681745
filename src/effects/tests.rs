//! Facts `effects` gets from real servers, pinned per version.

use super::*;
use crate::catalog::{Origin, replay};
use crate::parse::parse_statement;

/// The effects of `sql` on PostgreSQL `version`, after replaying `history`.
fn effects(history: &str, sql: &str, version: u32) -> Effects {
    let mut cat = Catalog::default();
    for stmt in history.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        replay::apply(&mut cat, &parse_statement(stmt), Origin::default());
    }
    of(&parse_statement(sql), &cat, PgVersion(version))
}

fn lock(e: &Effects, name: &str) -> Option<LockMode> {
    e.lock_on(&ObjectName::new(Some("public"), name))
}

const EVENTS: &str =
    "CREATE TABLE ev (id int, created_at timestamptz NOT NULL) PARTITION BY RANGE (created_at);
    CREATE TABLE ev_2024 PARTITION OF ev FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    CREATE TABLE ev_def PARTITION OF ev DEFAULT;
    CREATE INDEX ev_created_idx ON ev (created_at)";

#[test]
fn detach_locks_the_partition_by_version_and_the_default_partition_always() {
    let sql = "ALTER TABLE ev DETACH PARTITION ev_2024";
    for v in [11, 13] {
        let e = effects(EVENTS, sql, v);
        assert_eq!(lock(&e, "ev"), Some(LockMode::AccessExclusive), "{v}");
        assert_eq!(
            lock(&e, "ev_2024"),
            Some(LockMode::ShareUpdateExclusive),
            "{v}"
        );
        assert_eq!(lock(&e, "ev_def"), Some(LockMode::AccessExclusive), "{v}");
    }
    let e = effects(EVENTS, sql, 15);
    assert_eq!(lock(&e, "ev_2024"), Some(LockMode::AccessExclusive));
    assert_eq!(lock(&e, "ev_def"), Some(LockMode::AccessExclusive));
}

#[test]
fn detach_concurrently_fails_with_a_default_partition_and_before_14() {
    let sql = "ALTER TABLE ev DETACH PARTITION ev_2024 CONCURRENTLY";
    let e = effects(EVENTS, sql, 15);
    assert!(
        e.fails
            .as_deref()
            .unwrap_or("")
            .contains("default partition")
    );
    assert!(e.outside_transaction.is_some());
    assert_eq!(lock(&e, "ev"), Some(LockMode::ShareUpdateExclusive));
    let no_default = EVENTS.replace("CREATE TABLE ev_def PARTITION OF ev DEFAULT;", "");
    assert_eq!(effects(&no_default, sql, 15).fails, None);
    assert!(effects(&no_default, sql, 13).fails.is_some());
}

#[test]
fn detach_finalize_takes_share_update_exclusive_and_may_run_in_a_transaction() {
    let e = effects(
        EVENTS,
        "ALTER TABLE ev DETACH PARTITION ev_2024 FINALIZE",
        15,
    );
    assert_eq!(lock(&e, "ev"), Some(LockMode::ShareUpdateExclusive));
    assert_eq!(lock(&e, "ev_2024"), Some(LockMode::AccessExclusive));
    assert_eq!(e.outside_transaction, None);
}

#[test]
fn reindex_of_a_partitioned_table_before_14_rebuilds_nothing_but_locks_the_parent() {
    let e = effects(EVENTS, "REINDEX TABLE ev", 13);
    assert_eq!(lock(&e, "ev"), Some(LockMode::Share));
    assert_eq!(lock(&e, "ev_2024"), None);
    assert!(e.index_builds.is_empty());
    assert!(
        effects(EVENTS, "REINDEX INDEX ev_created_idx", 13)
            .fails
            .is_some()
    );
}

#[test]
fn reindex_of_a_partitioned_table_from_14_rebuilds_each_partition_outside_a_transaction() {
    for sql in ["REINDEX TABLE ev", "REINDEX INDEX ev_created_idx"] {
        let e = effects(EVENTS, sql, 15);
        assert!(e.outside_transaction.is_some(), "{sql}");
        assert_eq!(e.fails, None, "{sql}");
        assert_eq!(lock(&e, "ev_2024"), Some(LockMode::Share), "{sql}");
        assert_eq!(lock(&e, "ev_def"), Some(LockMode::Share), "{sql}");
    }
}

#[test]
fn reindex_of_an_unknown_index_locks_an_index() {
    let e = effects("", "REINDEX INDEX somewhere_idx", 15);
    let l = &e.locks[0];
    assert_eq!(l.kind, RelKind::Index);
    assert_eq!(l.mode, LockMode::AccessExclusive);
}

#[test]
fn lock_table_on_a_view_locks_what_the_view_reads() {
    let history = "CREATE TABLE t (a int); CREATE VIEW v AS SELECT a FROM t; CREATE VIEW w AS SELECT a FROM v";
    let e = effects(history, "LOCK TABLE w IN SHARE MODE", 15);
    assert_eq!(lock(&e, "t"), Some(LockMode::Share));
    assert_eq!(lock(&e, "v"), Some(LockMode::Share));
}

#[test]
fn exclusion_constraints_on_partitioned_tables_need_17() {
    let sql = "ALTER TABLE ev ADD CONSTRAINT ev_x EXCLUDE USING btree (created_at WITH =)";
    assert!(effects(EVENTS, sql, 15).fails.is_some());
    assert_eq!(effects(EVENTS, sql, 17).fails, None);
}

#[test]
fn attach_skips_the_scan_when_a_validated_check_is_the_bound() {
    let history = "CREATE TABLE ev (id int, created_at timestamptz NOT NULL) PARTITION BY RANGE (created_at);
        CREATE TABLE ev_2024_01 (id int, created_at timestamptz NOT NULL);
        ALTER TABLE ev_2024_01 ADD CONSTRAINT b CHECK (created_at >= '2024-01-01' AND created_at < '2024-02-01')";
    let sql = "ALTER TABLE ev ATTACH PARTITION ev_2024_01 FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')";
    let scanned =
        |h: &str| effects(h, sql, 15).scans_table(&ObjectName::new(Some("public"), "ev_2024_01"));
    assert!(!scanned(history));
    assert!(scanned(&format!("{history} NOT VALID")));
    assert_eq!(
        lock(&effects(history, sql, 15), "ev"),
        Some(LockMode::ShareUpdateExclusive)
    );
    assert_eq!(
        lock(&effects(history, sql, 11), "ev"),
        Some(LockMode::AccessExclusive)
    );
}

// --- triggers, renames, IF EXISTS

fn catalog_of(sql: &[&str]) -> Catalog {
    let mut cat = Catalog::default();
    for s in sql {
        let op = crate::parse::parse_file(s).statements.remove(0).op;
        replay::apply(&mut cat, &op, Origin::default());
    }
    cat
}

#[test]
fn dml_takes_the_locks_of_the_triggers_it_fires() {
    let cat = catalog_of(&[
        "CREATE TABLE users (id bigint PRIMARY KEY, name text);",
        "CREATE MATERIALIZED VIEW user_stats AS SELECT count(*) FROM users;",
        "CREATE FUNCTION refresh_stats() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN REFRESH MATERIALIZED VIEW CONCURRENTLY user_stats; RETURN NULL; END $$;",
        "CREATE TRIGGER users_refresh AFTER DELETE ON users FOR EACH STATEMENT EXECUTE FUNCTION refresh_stats();",
    ]);
    let stats = ObjectName::new(Some("public"), "user_stats");
    let delete = of(
        &parse_statement("DELETE FROM users WHERE id = 1"),
        &cat,
        PgVersion(16),
    );
    assert_eq!(delete.lock_on(&stats), Some(LockMode::Exclusive));
    assert!(delete.notes.iter().any(|n| n.contains("users_refresh")));
    // the trigger fires on DELETE only
    let update = of(
        &parse_statement("UPDATE users SET name = 'x' WHERE id = 1"),
        &cat,
        PgVersion(16),
    );
    assert_eq!(update.lock_on(&stats), None);
}

#[test]
fn renamed_tables_are_locked_under_their_new_name() {
    let cat = catalog_of(&["CREATE TABLE user_ (id bigint PRIMARY KEY);"]);
    let e = of(
        &parse_statement("ALTER TABLE user_ RENAME TO person"),
        &cat,
        PgVersion(15),
    );
    let lock = &e.locks[0];
    assert_eq!(lock.relation, ObjectName::new(Some("public"), "person"));
    assert_eq!(
        lock.renamed_from,
        Some(ObjectName::new(Some("public"), "user_"))
    );
    assert_eq!(lock.mode, LockMode::AccessExclusive);
}

#[test]
fn if_exists_on_an_unknown_object_takes_no_lock() {
    let cat = Catalog::default();
    assert!(
        of(
            &parse_statement("DROP INDEX IF EXISTS gone_idx"),
            &cat,
            PgVersion(16)
        )
        .locks
        .is_empty()
    );
    assert!(
        !of(&parse_statement("DROP TABLE gone"), &cat, PgVersion(16))
            .locks
            .is_empty()
    );
}

// Facts `trace` showed on PostgreSQL 15 that effects had missed.

const SHOP: &str = "CREATE TABLE users (id bigint PRIMARY KEY);
    CREATE TABLE orders (id serial PRIMARY KEY, user_id bigint REFERENCES users (id));
    CREATE TABLE audit (id bigint, user_id bigint REFERENCES users (id) ON DELETE CASCADE)";

#[test]
fn a_dropped_serial_column_drops_its_sequence() {
    let e = effects(SHOP, "ALTER TABLE orders DROP COLUMN id", 15);
    assert_eq!(lock(&e, "orders_id_seq"), Some(LockMode::AccessExclusive));
    let e = effects(SHOP, "ALTER TABLE orders DROP COLUMN user_id", 15);
    assert_eq!(lock(&e, "orders_id_seq"), None);
}

#[test]
fn sequence_owned_by_reads_the_table() {
    let history = "CREATE TABLE t (id int); CREATE SEQUENCE s";
    let e = effects(history, "ALTER SEQUENCE s OWNED BY t.id", 15);
    assert_eq!(lock(&e, "t"), Some(LockMode::AccessShare));
}

#[test]
fn foreign_key_checks_and_actions_lock_only_when_rows_are_touched() {
    // a row written to a referencing table is checked in the referenced one
    let e = effects(SHOP, "INSERT INTO orders (user_id) VALUES (1)", 15);
    assert_eq!(lock(&e, "users"), Some(LockMode::RowShare));
    let certain = e.certain.as_deref().expect("a data-dependent part");
    assert_eq!(lock(certain, "users"), None);
    assert_eq!(lock(certain, "orders"), Some(LockMode::RowExclusive));
    // deleting referenced rows: checked (NO ACTION) or cascaded (ON DELETE CASCADE)
    let e = effects(SHOP, "DELETE FROM users WHERE id = 1", 15);
    assert_eq!(lock(&e, "orders"), Some(LockMode::RowShare));
    assert_eq!(lock(&e, "audit"), Some(LockMode::RowExclusive));
    // an UPDATE of other columns checks nothing
    let e = effects(
        "CREATE TABLE users (id bigint PRIMARY KEY, name text); CREATE TABLE orders (id int, user_id bigint REFERENCES users (id))",
        "UPDATE users SET name = 'x' WHERE id = 1",
        15,
    );
    assert_eq!(lock(&e, "orders"), None);
    assert!(e.certain.is_none());
}

#[test]
fn creating_a_sql_function_analyses_its_body() {
    let cat = {
        let mut cat = Catalog::default();
        for stmt in SHOP.split(';') {
            replay::apply(&mut cat, &parse_statement(stmt), Origin::default());
        }
        cat
    };
    let op = |sql: &str| crate::parse::parse_file(sql).statements.remove(0).op;
    let sql = "CREATE FUNCTION purge() RETURNS void LANGUAGE sql AS $$ DELETE FROM audit WHERE id IN (SELECT id FROM orders) $$;";
    let e = of(&op(sql), &cat, PgVersion(15));
    assert_eq!(lock(&e, "audit"), Some(LockMode::RowExclusive));
    assert_eq!(lock(&e, "orders"), Some(LockMode::AccessShare));
    // PL/pgSQL bodies are only parsed; with check_function_bodies off nothing is
    let plpgsql = "CREATE FUNCTION purge() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DELETE FROM audit; END $$;";
    assert!(of(&op(plpgsql), &cat, PgVersion(15)).locks.is_empty());
    let mut off = cat.clone();
    off.check_function_bodies = false;
    assert!(of(&op(sql), &off, PgVersion(15)).locks.is_empty());
}

#[test]
fn data_modifying_ctes_write_their_tables() {
    let e = effects(
        SHOP,
        "WITH gone AS (DELETE FROM audit RETURNING user_id) INSERT INTO orders (user_id) SELECT user_id FROM gone",
        15,
    );
    assert_eq!(lock(&e, "audit"), Some(LockMode::RowExclusive));
    assert_eq!(lock(&e, "orders"), Some(LockMode::RowExclusive));
}

#[test]
fn functions_a_statement_calls_run_with_their_locks_when_rows_call_them() {
    let mut cat = Catalog::default();
    let history = "CREATE TABLE post (id int);
        CREATE TABLE stats (n bigint);
        CREATE FUNCTION post_count() RETURNS bigint LANGUAGE plpgsql AS $$ BEGIN RETURN (SELECT count(*) FROM post); END $$;";
    for s in crate::parse::parse_file(history).statements {
        replay::apply(&mut cat, &s.op, Origin::default());
    }
    let e = of(
        &parse_statement("UPDATE stats SET n = (SELECT post_count())"),
        &cat,
        PgVersion(15),
    );
    assert_eq!(lock(&e, "stats"), Some(LockMode::RowExclusive));
    assert_eq!(lock(&e, "post"), Some(LockMode::AccessShare));
    let certain = e.certain.as_deref().expect("data-dependent");
    assert_eq!(lock(certain, "post"), None);
    // functions schemaguard does not know (built-ins, extensions) add nothing
    let e = of(
        &parse_statement("SELECT now(), lower('A')"),
        &cat,
        PgVersion(15),
    );
    assert!(e.locks.is_empty() && e.certain.is_none());
}

/// A table with a CHECK on the column, a plain index, an expression index and a
/// partial index on it, and an index on another column.
const TYPED: &str = "CREATE TABLE t (id int, x varchar(100), CONSTRAINT t_ck CHECK (x <> ''));
    CREATE INDEX t_x ON t (x);
    CREATE INDEX t_lower ON t (lower(x));
    CREATE INDEX t_part ON t (id) WHERE x IS NOT NULL;
    CREATE INDEX t_id ON t (id)";

fn t() -> ObjectName {
    ObjectName::new(Some("public"), "t")
}

fn scans_for(e: &Effects, reason: ScanReason) -> bool {
    e.scans
        .iter()
        .any(|s| s.relation == t() && s.reason == reason)
}

/// Observed on 15 (relfilenodes, `seq_scan`): varchar(100) -> varchar(1000) keeps the
/// table and t_x, rebuilds t_lower and t_part, and reads the table once for the CHECK
/// and once per index build.
#[test]
fn type_change_without_rewrite_checks_constraints_and_rebuilds_expression_indexes() {
    for sql in [
        "ALTER TABLE t ALTER COLUMN x TYPE varchar(1000)",
        "ALTER TABLE \"t\" ALTER COLUMN \"x\" TYPE varchar(1000) USING \"x\"::varchar(1000)",
    ] {
        let e = effects(TYPED, sql, 15);
        assert!(e.rewrites.is_empty(), "{sql}: {:?}", e.notes);
        assert!(scans_for(&e, ScanReason::Validate), "{sql}");
        assert!(scans_for(&e, ScanReason::IndexBuild), "{sql}");
        assert_eq!(e.index_builds, [t()]);
        let rebuilt = e
            .notes
            .iter()
            .find(|n| n.contains("rebuilds"))
            .expect("a note");
        assert!(
            rebuilt.contains("t_lower") && rebuilt.contains("t_part"),
            "{rebuilt}"
        );
        assert!(
            !rebuilt.contains("t_x") && !rebuilt.contains("t_id"),
            "{rebuilt}"
        );
        assert!(e.notes.iter().any(|n| n.contains("t_ck")), "{:?}", e.notes);
        assert_eq!(lock(&e, "t"), Some(LockMode::AccessExclusive));
    }
}

/// Observed on 15: text -> citext keeps the table, rebuilds every index on the column.
#[test]
fn type_change_to_another_operator_class_rebuilds_every_index_on_the_column() {
    let e = effects(TYPED, "ALTER TABLE t ALTER COLUMN x TYPE citext", 15);
    assert!(e.rewrites.is_empty(), "{:?}", e.notes);
    let rebuilt = e
        .notes
        .iter()
        .find(|n| n.contains("rebuilds"))
        .expect("a note");
    for i in ["t_x", "t_lower", "t_part"] {
        assert!(rebuilt.contains(i), "{rebuilt}");
    }
    assert!(!rebuilt.contains("t_id"), "{rebuilt}");
    assert!(rebuilt.contains("operator class"), "{rebuilt}");
}

#[test]
fn type_change_of_a_plain_column_without_checks_neither_scans_nor_rebuilds() {
    let e = effects(
        "CREATE TABLE t (id int, x varchar(100), CHECK (id > 0)); CREATE INDEX t_x ON t (x)",
        "ALTER TABLE t ALTER COLUMN x TYPE text",
        15,
    );
    assert!(e.rewrites.is_empty() && e.scans.is_empty() && e.index_builds.is_empty());
    // a NOT VALID CHECK is not checked again (observed on 15: seq_scan +0)
    let e = effects(
        "CREATE TABLE t (id int, x varchar(100)); ALTER TABLE t ADD CONSTRAINT c CHECK (x <> '') NOT VALID",
        "ALTER TABLE t ALTER COLUMN x TYPE text",
        15,
    );
    assert!(e.scans.is_empty(), "{:?}", e.scans);
    // a rewrite reads the table anyway: no separate CHECK scan
    let e = effects(TYPED, "ALTER TABLE t ALTER COLUMN x TYPE varchar(10)", 15);
    assert_eq!(e.rewrites, [t()]);
    assert!(!scans_for(&e, ScanReason::Validate));
}

#[test]
fn mentions_finds_identifiers_not_strings_or_parts() {
    assert!(mentions("(lower(x))", "x"));
    assert!(mentions("(\"x\" || y)", "x"));
    assert!(!mentions("(lower(xx))", "x"));
    assert!(!mentions("(y || 'x')", "x"));
    assert!(!mentions("(\"X\")", "x"));
    assert!(mentions("(upper(X))", "x"));
}

/// Observed on 15: `ADD COLUMN ... DEFAULT f()` with a VOLATILE (by default) SQL
/// function whose body is `SELECT now()` keeps the table's relfilenode (PostgreSQL
/// inlines it); with `SELECT clock_timestamp()`, or in plpgsql, the table is rewritten.
#[test]
fn add_column_default_of_an_inlined_sql_function_rewrites_only_if_its_body_is_volatile() {
    let base = "CREATE TABLE t (id int);";
    let sql = "ALTER TABLE t ADD COLUMN y timestamptz DEFAULT f()";
    for (f, rewrites) in [
        (
            "CREATE FUNCTION f() RETURNS timestamptz LANGUAGE sql AS 'SELECT now()'",
            false,
        ),
        (
            "CREATE FUNCTION f() RETURNS timestamptz LANGUAGE sql VOLATILE AS $$SELECT now()$$",
            false,
        ),
        (
            "CREATE FUNCTION f() RETURNS timestamptz LANGUAGE sql AS 'SELECT clock_timestamp()'",
            true,
        ),
        (
            "CREATE FUNCTION f() RETURNS timestamptz LANGUAGE plpgsql AS 'BEGIN RETURN now(); END'",
            true,
        ),
    ] {
        // the file's own splitter: the plpgsql body holds a `;`
        let mut cat = Catalog::default();
        for stmt in crate::parse::parse_file(&format!("{base}{f};")).statements {
            replay::apply(&mut cat, &stmt.op, Origin::default());
        }
        assert_eq!(cat.functions.len(), 1, "{f}");
        let e = of(&parse_statement(sql), &cat, PgVersion(15));
        assert_eq!(!e.rewrites.is_empty(), rewrites, "{f}: {:?}", e.notes);
        assert!(
            e.notes.iter().all(|n| !n.contains("does not know")),
            "{f}: {:?}",
            e.notes
        );
    }
}

#[test]
fn primary_key_using_index_scans_nullable_columns_unless_a_valid_check_proves_them() {
    // observed on 15 (client_min_messages = debug1): `verifying table "u"` for id,
    // "existing constraints on column "u.c" are sufficient ..." for c
    let history = "CREATE TABLE u (id int, c int, n int NOT NULL);
        CREATE UNIQUE INDEX u_id_key ON u (id);
        CREATE UNIQUE INDEX u_c_key ON u (c);
        CREATE UNIQUE INDEX u_n_key ON u (n);
        ALTER TABLE u ADD CONSTRAINT u_c_nn CHECK (c IS NOT NULL)";
    let u = ObjectName::new(Some("public"), "u");
    let scans = |sql: &str, v: u32| effects(history, sql, v).scans_table(&u);
    assert!(scans(
        "ALTER TABLE u ADD PRIMARY KEY USING INDEX u_id_key",
        15
    ));
    assert!(!scans(
        "ALTER TABLE u ADD PRIMARY KEY USING INDEX u_c_key",
        15
    ));
    assert!(scans(
        "ALTER TABLE u ADD PRIMARY KEY USING INDEX u_c_key",
        11
    ));
    assert!(!scans(
        "ALTER TABLE u ADD PRIMARY KEY USING INDEX u_n_key",
        11
    ));
    let not_valid = history.replace("IS NOT NULL)", "IS NOT NULL) NOT VALID");
    let e = effects(
        &not_valid,
        "ALTER TABLE u ADD PRIMARY KEY USING INDEX u_c_key",
        15,
    );
    assert!(e.scans_table(&u));
}

#[test]
fn alter_domain_constraints_scan_every_table_using_the_domain_under_share() {
    // observed on 11, 15, 16, 17, 18 (`trace`): SHARE on every table with a column of the
    // domain for a validated ADD CHECK, SET NOT NULL and VALIDATE; NOT VALID locks none
    let history = "CREATE DOMAIN pos AS int;
        CREATE TABLE a (id int, p pos);
        CREATE TABLE b (q pos);
        CREATE TABLE c (x int)";
    let scanned = |e: &Effects| {
        ["a", "b", "c"]
            .into_iter()
            .filter(|t| e.scans_table(&ObjectName::new(Some("public"), t)))
            .collect::<Vec<_>>()
    };
    for sql in [
        "ALTER DOMAIN pos ADD CONSTRAINT pos_check CHECK (VALUE > 0)",
        "ALTER DOMAIN pos ADD CHECK(VALUE > 0)",
        "ALTER DOMAIN pos VALIDATE CONSTRAINT pos_check",
        "ALTER DOMAIN pos SET NOT NULL",
        "ALTER DOMAIN pos ADD CONSTRAINT pos_nn NOT NULL",
    ] {
        let e = effects(history, sql, 17);
        assert_eq!(lock(&e, "a"), Some(LockMode::Share), "{sql}");
        assert_eq!(lock(&e, "b"), Some(LockMode::Share), "{sql}");
        assert_eq!(lock(&e, "c"), None, "{sql}");
        assert_eq!(scanned(&e), ["a", "b"], "{sql}");
        assert_eq!(e.fails, None, "{sql}");
    }
    for sql in [
        "ALTER DOMAIN pos ADD CONSTRAINT pos_check CHECK (VALUE > 0) NOT VALID",
        "ALTER DOMAIN pos DROP CONSTRAINT pos_check",
        "ALTER DOMAIN pos SET DEFAULT 1",
    ] {
        let e = effects(history, sql, 15);
        assert!(e.locks.is_empty() && e.scans.is_empty(), "{sql}: {e:?}");
    }
    // a syntax error before 17
    let add_not_null = "ALTER DOMAIN pos ADD CONSTRAINT pos_nn NOT NULL";
    assert!(effects(history, add_not_null, 16).fails.is_some());
    // an array of the domain: "cannot alter type "pos" because column "arr.ps" uses it"
    let arrays = format!("{history}; CREATE TABLE arr (ps pos[])");
    let e = effects(&arrays, "ALTER DOMAIN pos ADD CHECK (VALUE > 0)", 15);
    assert!(e.fails.as_deref().unwrap_or("").contains("arr.ps"), "{e:?}");
    let e = effects(
        &arrays,
        "ALTER DOMAIN pos ADD CHECK (VALUE > 0) NOT VALID",
        15,
    );
    assert_eq!(e.fails, None);
}

#[test]
fn a_domain_given_a_constraint_later_rewrites_on_add_column() {
    let history = "CREATE DOMAIN pos AS int;
        CREATE TABLE a (id int);
        ALTER DOMAIN pos ADD CONSTRAINT pos_check CHECK (VALUE > 0) NOT VALID";
    let e = effects(history, "ALTER TABLE a ADD COLUMN p pos", 15);
    assert!(e.rewrites_table(&ObjectName::new(Some("public"), "a")));
}

#[test]
fn bare_cluster_rewrites_every_table_clustered_before() {
    // observed on 15: new relfilenodes for c1 (CLUSTER USING), c2 (CLUSTER ON) and the
    // partition of a partitioned table clustered USING; c3 untouched
    let history = "CREATE TABLE pc (id int, k int) PARTITION BY RANGE (k);
        CREATE TABLE pc1 PARTITION OF pc FOR VALUES FROM (0) TO (100);
        CREATE INDEX pc_k ON pc (k);
        CREATE TABLE c1 (id int PRIMARY KEY);
        CREATE TABLE c2 (id int PRIMARY KEY);
        CREATE TABLE c3 (id int);
        CLUSTER pc USING pc_k;
        CLUSTER c1 USING c1_pkey;
        ALTER TABLE c2 CLUSTER ON c2_pkey";
    let e = effects(history, "CLUSTER", 15);
    let mut rewritten: Vec<&str> = e.rewrites.iter().map(|r| r.name.as_str()).collect();
    rewritten.sort_unstable();
    assert_eq!(rewritten, ["c1", "c2", "pc1"]);
    assert!(e.outside_transaction.is_some());
    let unclustered = format!("{history}; ALTER TABLE c2 SET WITHOUT CLUSTER");
    let e = effects(&unclustered, "CLUSTER", 15);
    assert!(!e.rewrites_table(&ObjectName::new(Some("public"), "c2")));
    // "there is no previously clustered index for table ..."
    assert!(effects(history, "CLUSTER c3", 15).fails.is_some());
    assert!(effects(history, "CLUSTER pc", 15).fails.is_some());
    assert_eq!(effects(history, "CLUSTER c2", 15).fails, None);
    // a partitioned table: 15+, and not in a transaction block
    let e = effects(history, "CLUSTER pc USING pc_k", 15);
    assert!(e.outside_transaction.is_some() && e.fails.is_none());
    assert!(
        effects(history, "CLUSTER pc USING pc_k", 14)
            .fails
            .is_some()
    );
}

#[test]
fn create_and_drop_database_cannot_run_in_a_transaction_block() {
    // observed on 15: "DROP DATABASE cannot run inside a transaction block", also with
    // IF EXISTS and no such database; the same for CREATE DATABASE
    for sql in [
        "DROP DATABASE legacy",
        "DROP DATABASE IF EXISTS legacy",
        "CREATE DATABASE scratch",
    ] {
        assert!(effects("", sql, 15).outside_transaction.is_some(), "{sql}");
    }
}

#[test]
fn statements_postgresql_rejects_are_predicted_to_fail() {
    // observed on 15 (`trace`): each refused with the message predicted
    let history = "CREATE TABLE t (a int, b int)";
    for (sql, message) in [
        (
            "UPDATE t SET a = 1, a = 2",
            "multiple assignments to same column \"a\"",
        ),
        (
            "UPDATE t SET (a, b) = (1, 2), b = 3",
            "multiple assignments to same column \"b\"",
        ),
        (
            "INSERT INTO t (a, a) VALUES (1, 2)",
            "column \"a\" specified more than once",
        ),
        (
            "MERGE INTO t USING (SELECT 1 AS a) s ON t.a = s.a WHEN MATCHED THEN UPDATE SET a = 1, a = 2",
            "multiple assignments to same column \"a\"",
        ),
        (
            "CREATE TABLE p (a int) ON COMMIT DROP",
            "ON COMMIT can only be used on temporary tables",
        ),
        (
            "CREATE UNLOGGED TABLE p (a int) ON COMMIT DELETE ROWS",
            "ON COMMIT",
        ),
        ("CREATE TABLE p ON COMMIT DROP AS SELECT 1", "ON COMMIT"),
    ] {
        let e = effects(history, sql, 15);
        assert!(
            e.fails.as_deref().unwrap_or("").contains(message),
            "{sql}: {:?}",
            e.fails
        );
    }
    for sql in [
        "UPDATE t SET a = 1, b = 2",
        "INSERT INTO t (a, b) VALUES (1, 2)",
        "CREATE TEMP TABLE p (a int) ON COMMIT DROP",
        "CREATE TABLE p (a int)",
    ] {
        assert_eq!(effects(history, sql, 15).fails, None, "{sql}");
    }
}

/// What a parent's statement reaches below it, as `trace` saw on PostgreSQL 15 over
/// PostgreSQL's own regression DDL (`../shared/pg-regress`).
mod descendants {
    use super::*;

    const INHERITANCE: &str = "CREATE TABLE a (aa text);
        CREATE TABLE b (bb text) INHERITS (a);
        CREATE TABLE c (cc text) INHERITS (b);
        CREATE TABLE d (dd text)";

    #[test]
    fn alter_table_recurses_to_inheritance_children_except_non_check_constraints() {
        let e = effects(INHERITANCE, "ALTER TABLE a ADD COLUMN x int", 15);
        for t in ["a", "b", "c"] {
            assert_eq!(lock(&e, t), Some(LockMode::AccessExclusive), "{t}");
        }
        assert_eq!(lock(&e, "d"), None);
        let only = effects(INHERITANCE, "ALTER TABLE ONLY a ADD CHECK (aa <> '')", 15);
        assert_eq!(lock(&only, "b"), None);
        let check = effects(INHERITANCE, "ALTER TABLE a ADD CHECK (aa <> '')", 15);
        assert!(lock(&check, "c").is_some());
        // a unique constraint is not inherited: the children are not touched
        let unique = effects(INHERITANCE, "ALTER TABLE a ADD UNIQUE (aa)", 15);
        assert_eq!(lock(&unique, "b"), None);
        // renames of columns reach the children; OWNER TO does not
        let rename = effects(INHERITANCE, "ALTER TABLE a RENAME aa TO ab", 15);
        assert!(lock(&rename, "c").is_some());
    }

    #[test]
    fn a_query_on_a_parent_may_lock_its_descendants() {
        let e = effects(INHERITANCE, "SELECT * FROM a", 15);
        assert_eq!(lock(&e, "a"), Some(LockMode::AccessShare));
        assert_eq!(lock(&e, "c"), Some(LockMode::AccessShare));
        // possible, not certain: pruning or routing decides
        let certain = e.certain.as_deref().expect("a certain part");
        assert_eq!(certain.lock_on(&ObjectName::new(Some("public"), "c")), None);
        let e = effects(EVENTS, "INSERT INTO ev VALUES (1, now())", 15);
        assert_eq!(lock(&e, "ev_2024"), Some(LockMode::RowExclusive));
        let e = effects(INHERITANCE, "SELECT * FROM d WHERE dd = 'x'", 15);
        assert!(e.certain.is_none());
    }

    #[test]
    fn a_row_trigger_on_a_partitioned_table_is_cloned_to_its_partitions() {
        let row = effects(
            EVENTS,
            "CREATE TRIGGER t AFTER INSERT ON ev FOR EACH ROW EXECUTE FUNCTION f()",
            15,
        );
        assert_eq!(lock(&row, "ev_2024"), Some(LockMode::ShareRowExclusive));
        let statement = effects(
            EVENTS,
            "CREATE TRIGGER t AFTER INSERT ON ev FOR EACH STATEMENT EXECUTE FUNCTION f()",
            15,
        );
        assert_eq!(lock(&statement, "ev_2024"), None);
        let history = format!(
            "{EVENTS}; CREATE TRIGGER t AFTER INSERT ON ev FOR EACH ROW EXECUTE FUNCTION f()"
        );
        let drop = effects(&history, "DROP TRIGGER t ON ev", 15);
        assert_eq!(lock(&drop, "ev_def"), Some(LockMode::AccessExclusive));
    }

    #[test]
    fn drop_schema_cascade_drops_views_and_sequences_too() {
        let e = effects(
            "CREATE SCHEMA s; CREATE TABLE s.t (id serial); CREATE VIEW s.v AS SELECT * FROM s.t;
             CREATE SEQUENCE s.q; CREATE VIEW public.w AS SELECT * FROM s.v",
            "DROP SCHEMA s CASCADE",
            15,
        );
        for (schema, name) in [("s", "t"), ("s", "v"), ("s", "q"), ("public", "w")] {
            assert_eq!(
                e.lock_on(&ObjectName::new(Some(schema), name)),
                Some(LockMode::AccessExclusive),
                "{schema}.{name}"
            );
        }
    }

    #[test]
    fn set_logged_on_a_logged_table_rewrites_nothing() {
        let logged = effects("CREATE TABLE t (id int)", "ALTER TABLE t SET LOGGED", 15);
        assert!(logged.rewrites.is_empty());
        let unlogged = effects(
            "CREATE UNLOGGED TABLE t (id int)",
            "ALTER TABLE t SET LOGGED",
            15,
        );
        assert_eq!(unlogged.rewrites.len(), 1);
    }

    #[test]
    fn attach_and_detach_take_the_partitions_own_partitions() {
        let history = "CREATE TABLE p (id int) PARTITION BY RANGE (id);
            CREATE TABLE p1 (id int) PARTITION BY RANGE (id);
            CREATE TABLE p11 PARTITION OF p1 FOR VALUES FROM (0) TO (10)";
        let attach = effects(
            history,
            "ALTER TABLE p ATTACH PARTITION p1 FOR VALUES FROM (0) TO (100)",
            15,
        );
        assert_eq!(lock(&attach, "p11"), Some(LockMode::AccessExclusive));
    }
}

#[test]
fn a_new_partition_clones_the_foreign_keys_on_both_sides_of_its_parent() {
    let history = "CREATE TABLE pk (id int PRIMARY KEY) PARTITION BY RANGE (id);
        CREATE TABLE pk1 PARTITION OF pk FOR VALUES FROM (0) TO (10);
        CREATE TABLE fk (id int REFERENCES pk) PARTITION BY RANGE (id);
        CREATE TABLE other (id int REFERENCES pk)";
    let e = effects(
        history,
        "CREATE TABLE fk1 PARTITION OF fk FOR VALUES FROM (0) TO (10)",
        15,
    );
    assert_eq!(lock(&e, "pk"), Some(LockMode::ShareRowExclusive));
    assert_eq!(lock(&e, "pk1"), Some(LockMode::ShareRowExclusive));
    let e = effects(
        history,
        "CREATE TABLE pk2 PARTITION OF pk FOR VALUES FROM (10) TO (20)",
        15,
    );
    assert_eq!(lock(&e, "fk"), Some(LockMode::ShareRowExclusive));
    assert_eq!(lock(&e, "other"), Some(LockMode::ShareRowExclusive));
}

#[test]
fn identity_sequences_are_made_and_dropped_with_the_identity() {
    let history = "CREATE TABLE t (a int NOT NULL);
        ALTER TABLE t ALTER COLUMN a ADD GENERATED ALWAYS AS IDENTITY";
    let e = effects(history, "ALTER TABLE t ALTER COLUMN a DROP IDENTITY", 15);
    assert_eq!(lock(&e, "t_a_seq"), Some(LockMode::AccessExclusive));
    let e = effects(history, "ALTER TABLE t ALTER COLUMN a TYPE bigint", 15);
    assert_eq!(lock(&e, "t_a_seq"), Some(LockMode::ShareRowExclusive));
    let dropped = format!("{history}; ALTER TABLE t ALTER COLUMN a DROP IDENTITY");
    let e = effects(&dropped, "DROP TABLE t", 15);
    assert_eq!(lock(&e, "t_a_seq"), None);
}

#[test]
fn dropping_a_partition_locks_the_default_partition_and_no_inherit_checks_stay_put() {
    let e = effects(EVENTS, "DROP TABLE ev_2024", 15);
    assert_eq!(lock(&e, "ev_def"), Some(LockMode::AccessExclusive));
    let e = effects(
        "CREATE TABLE a (x int); CREATE TABLE b () INHERITS (a)",
        "ALTER TABLE a ADD CONSTRAINT c CHECK (x > 0) NO INHERIT",
        15,
    );
    assert_eq!(lock(&e, "b"), None);
}

/// `GENERATED BY DEFAULT AS (expr)` passes PostgreSQL's grammar and fails its checks,
/// in CREATE TABLE and in ADD COLUMN (seen on PostgreSQL 15).
#[test]
fn generated_by_default_expression_fails() {
    for sql in [
        "CREATE TABLE g (a int PRIMARY KEY, b int GENERATED BY DEFAULT AS (a * 2) STORED)",
        "ALTER TABLE t ADD COLUMN b int GENERATED BY DEFAULT AS (a * 2) STORED",
    ] {
        let e = effects("CREATE TABLE t (a int)", sql, 16);
        assert_eq!(e.fails.as_deref(), Some(GENERATED_BY_DEFAULT), "{sql}");
        let always = sql.replace("BY DEFAULT", "ALWAYS");
        assert_eq!(effects("CREATE TABLE t (a int)", &always, 16).fails, None);
    }
    // an identity column may be BY DEFAULT
    let identity = "CREATE TABLE g (a int GENERATED BY DEFAULT AS IDENTITY)";
    assert_eq!(effects("", identity, 16).fails, None);
}

/// CREATE INDEX on an inheritance parent builds the parent's index alone (observed on
/// 15: SHARE on the parent, nothing on the child); on a partitioned table each
/// partition gets one.
#[test]
fn create_index_recurses_to_partitions_not_to_inheritance_children() {
    let e = effects(
        "CREATE TABLE a (x int); CREATE TABLE b () INHERITS (a)",
        "CREATE INDEX a_x ON a (x)",
        15,
    );
    assert_eq!(lock(&e, "a"), Some(LockMode::Share));
    assert_eq!(lock(&e, "b"), None);
    let e = effects(EVENTS, "CREATE INDEX ev_id ON ev (id)", 15);
    assert_eq!(lock(&e, "ev_2024"), Some(LockMode::Share));
}

/// `ALTER TABLE ONLY` dropping an inherited column or CHECK constraint makes the
/// children's copies their own: ACCESS EXCLUSIVE on each child, one level down
/// (observed on 15).
#[test]
fn only_dropping_an_inherited_column_or_check_locks_the_children() {
    let history = "CREATE TABLE p (a int, b int CONSTRAINT bc CHECK (b > 0)); CREATE TABLE c () INHERITS (p); CREATE TABLE g () INHERITS (c)";
    for sql in [
        "ALTER TABLE ONLY p DROP COLUMN a",
        "ALTER TABLE ONLY p DROP CONSTRAINT bc",
    ] {
        let e = effects(history, sql, 15);
        assert_eq!(lock(&e, "c"), Some(LockMode::AccessExclusive), "{sql}");
        assert_eq!(lock(&e, "g"), None, "{sql}");
    }
}

/// A partitioned default partition is checked against a new partition's bound in its
/// whole tree: ACCESS EXCLUSIVE on each of its partitions, for CREATE TABLE ...
/// PARTITION OF and ATTACH PARTITION alike (observed on 15).
#[test]
fn a_partitioned_default_partition_is_locked_in_its_whole_tree() {
    let history = "CREATE TABLE q (a int, b int) PARTITION BY LIST (a); CREATE TABLE qd PARTITION OF q DEFAULT PARTITION BY LIST (b); CREATE TABLE qd1 PARTITION OF qd FOR VALUES IN (1); CREATE TABLE q1 (a int, b int)";
    for sql in [
        "CREATE TABLE q2 PARTITION OF q FOR VALUES IN (2)",
        "ALTER TABLE q ATTACH PARTITION q1 FOR VALUES IN (1)",
    ] {
        let e = effects(history, sql, 15);
        assert_eq!(lock(&e, "qd"), Some(LockMode::AccessExclusive), "{sql}");
        assert_eq!(lock(&e, "qd1"), Some(LockMode::AccessExclusive), "{sql}");
    }
}

/// TRUNCATE ... CASCADE follows references until none is left: to the tables that
/// reference a truncated one, a key to a partitioned table counting for each of its
/// partitions, and to those tables' partitions; ONLY leaves the children alone
/// (observed on 15).
#[test]
fn truncate_cascade_follows_references_transitively_and_only_keeps_children() {
    let history = "CREATE TABLE a (id int PRIMARY KEY) PARTITION BY RANGE (id); CREATE TABLE a1 PARTITION OF a FOR VALUES FROM (0) TO (10); CREATE TABLE b (id int PRIMARY KEY, a int REFERENCES a); CREATE TABLE c (b int REFERENCES b) PARTITION BY RANGE (b); CREATE TABLE c1 PARTITION OF c FOR VALUES FROM (0) TO (10); CREATE TABLE p (x int); CREATE TABLE ch () INHERITS (p)";
    let e = effects(history, "TRUNCATE a1 CASCADE", 15);
    for t in ["a1", "b", "c", "c1"] {
        assert_eq!(lock(&e, t), Some(LockMode::AccessExclusive), "{t}");
    }
    assert_eq!(lock(&e, "a"), None);
    let e = effects(history, "TRUNCATE ONLY p", 15);
    assert_eq!(lock(&e, "ch"), None);
    let e = effects(history, "TRUNCATE p", 15);
    assert_eq!(lock(&e, "ch"), Some(LockMode::AccessExclusive));
}

/// A column type change that rewrites the parent rewrites its inheritance children,
/// which have the column too (observed on 15).
#[test]
fn a_rewriting_type_change_rewrites_inheritance_children() {
    let e = effects(
        "CREATE TABLE p (a int); CREATE TABLE c (b int) INHERITS (p)",
        "ALTER TABLE p ALTER COLUMN a TYPE text",
        15,
    );
    assert!(e.rewrites_table(&ObjectName::new(Some("public"), "c")));
}

/// The typed tables of a composite type change with it: ALTER TYPE ... ATTRIBUTE ...
/// CASCADE and DROP TYPE ... CASCADE take ACCESS EXCLUSIVE on them and their children
/// (observed on 15).
#[test]
fn typed_tables_follow_their_composite_type() {
    let history = "CREATE TYPE ct AS (a int, b text); CREATE TABLE tt OF ct; CREATE TABLE tsub () INHERITS (tt)";
    for sql in [
        "ALTER TYPE ct ADD ATTRIBUTE c text CASCADE",
        "ALTER TYPE ct RENAME ATTRIBUTE a TO aa CASCADE",
        "DROP TYPE ct CASCADE",
    ] {
        let e = effects(history, sql, 15);
        assert_eq!(lock(&e, "tt"), Some(LockMode::AccessExclusive), "{sql}");
        assert_eq!(lock(&e, "tsub"), Some(LockMode::AccessExclusive), "{sql}");
    }
}

/// DROP SCHEMA ... CASCADE does not reach a temporary table the catalog keeps in that
/// schema (the first of the search path when it was created) nor a view reading one:
/// on the server both are in pg_temp (observed on 15).
#[test]
fn drop_schema_leaves_temporary_relations_alone() {
    let history = "CREATE SCHEMA s; SET search_path TO s, public; CREATE TABLE base (a int); CREATE TEMPORARY TABLE tmp (a int); CREATE VIEW reads_tmp AS SELECT * FROM tmp; CREATE VIEW reads_base AS SELECT * FROM base";
    let e = effects(history, "DROP SCHEMA s CASCADE", 15);
    let on = |n: &str| e.lock_on(&ObjectName::new(Some("s"), n));
    assert_eq!(on("base"), Some(LockMode::AccessExclusive));
    assert_eq!(on("reads_base"), Some(LockMode::AccessExclusive));
    assert_eq!(on("tmp"), None);
    assert_eq!(on("reads_tmp"), None);
}

/// A view moved to another schema (or renamed) is still read by the views built on
/// it: DROP TABLE ... CASCADE reaches them through it (observed on 15).
#[test]
fn views_on_a_moved_view_still_depend_on_it() {
    let history = "CREATE SCHEMA other; CREATE TABLE t (a int); CREATE MATERIALIZED VIEW m AS SELECT * FROM t; CREATE MATERIALIZED VIEW mm AS SELECT * FROM m; ALTER MATERIALIZED VIEW m SET SCHEMA other";
    let e = effects(history, "DROP TABLE t CASCADE", 15);
    assert_eq!(
        e.lock_on(&ObjectName::new(Some("other"), "m")),
        Some(LockMode::AccessExclusive)
    );
    assert_eq!(lock(&e, "mm"), Some(LockMode::AccessExclusive));
}

/// What reaches inheritance children (observed on 15): ADD PRIMARY KEY (its columns
/// become NOT NULL there: ACCESS EXCLUSIVE), not ENABLE/DISABLE TRIGGER, CLUSTER ON
/// or SET WITHOUT CLUSTER.
#[test]
fn inheritance_children_get_a_primary_keys_not_null_but_not_trigger_or_cluster_changes() {
    let history = "CREATE TABLE par (a int, b int); CREATE TABLE ch () INHERITS (par); CREATE INDEX par_a ON par (a)";
    let e = effects(history, "ALTER TABLE par ADD PRIMARY KEY (a)", 15);
    assert_eq!(lock(&e, "ch"), Some(LockMode::AccessExclusive));
    let e = effects(history, "ALTER TABLE par ADD UNIQUE (b)", 15);
    assert_eq!(lock(&e, "ch"), None);
    for sql in [
        "ALTER TABLE par DISABLE TRIGGER tg",
        "ALTER TABLE par CLUSTER ON par_a",
        "ALTER TABLE par SET WITHOUT CLUSTER",
    ] {
        assert_eq!(lock(&effects(history, sql, 15), "ch"), None, "{sql}");
    }
}

/// A query on a view locks what the view reads, in the query's mode, and so does
/// `pg_get_viewdef('view')`, which opens the view's rule (observed on 15).
#[test]
fn queries_on_a_view_and_its_definition_lock_what_it_reads() {
    let history = "CREATE TABLE t (a int); CREATE VIEW v AS SELECT a FROM t; CREATE VIEW vv AS SELECT a FROM v";
    for sql in ["SELECT * FROM vv", "SELECT pg_get_viewdef('vv', true)"] {
        let e = effects(history, sql, 15);
        for r in ["vv", "v", "t"] {
            assert_eq!(lock(&e, r), Some(LockMode::AccessShare), "{sql}: {r}");
        }
    }
}

/// Observed on 15: CREATE/DROP TABLESPACE cannot run inside a transaction block; ALTER
/// INDEX renaming a table locks it ACCESS EXCLUSIVE; ALTER TABLE ONLY on a partitioned
/// table adding a primary key over a nullable column checks each partition under ACCESS
/// EXCLUSIVE.
#[test]
fn tablespaces_alter_index_on_a_table_and_only_primary_keys_on_partitioned_tables() {
    for sql in [
        "CREATE TABLESPACE ts LOCATION '/tmp/ts'",
        "DROP TABLESPACE IF EXISTS ts",
    ] {
        assert!(effects("", sql, 15).outside_transaction.is_some(), "{sql}");
    }
    let e = effects("CREATE TABLE t (a int)", "ALTER INDEX t RENAME TO t2", 15);
    assert_eq!(lock(&e, "t"), Some(LockMode::AccessExclusive));
    let history = "CREATE TABLE ip (a int) PARTITION BY RANGE (a); CREATE TABLE ip0 (a int PRIMARY KEY); ALTER TABLE ip ATTACH PARTITION ip0 FOR VALUES FROM (0) TO (10)";
    let e = effects(history, "ALTER TABLE ONLY ip ADD PRIMARY KEY (a)", 15);
    assert_eq!(lock(&e, "ip0"), Some(LockMode::AccessExclusive));
}

/// DML on views (observed on 15): a view over one relation writes it (ROW EXCLUSIVE);
/// UPDATE and DELETE on a join view with INSTEAD OF triggers read its relations.
#[test]
fn dml_on_a_view_writes_its_one_relation_or_reads_its_relations() {
    let history = "CREATE TABLE base (a int, b int); CREATE TABLE other (x int); CREATE VIEW v AS SELECT a, b FROM base; CREATE VIEW vj AS SELECT a, x FROM base JOIN other ON a = x";
    for sql in [
        "INSERT INTO v VALUES (1, 2)",
        "UPDATE v SET b = 1",
        "DELETE FROM v",
    ] {
        assert_eq!(
            lock(&effects(history, sql, 15), "base"),
            Some(LockMode::RowExclusive),
            "{sql}"
        );
    }
    let e = effects(history, "UPDATE vj SET x = 1", 15);
    assert_eq!(lock(&e, "other"), Some(LockMode::AccessShare));
    assert_eq!(
        lock(
            &effects(history, "INSERT INTO vj VALUES (1, 2)", 15),
            "other"
        ),
        None
    );
}

/// ANALYZE of a partitioned table analyzes each partition (SHARE UPDATE EXCLUSIVE); of
/// an inheritance parent, samples the children (ACCESS SHARE) (observed on 15).
#[test]
fn analyze_reaches_partitions_and_samples_inheritance_children() {
    let e = effects(EVENTS, "ANALYZE ev", 15);
    assert_eq!(lock(&e, "ev_2024"), Some(LockMode::ShareUpdateExclusive));
    let e = effects(
        "CREATE TABLE p (a int); CREATE TABLE c () INHERITS (p)",
        "ANALYZE p",
        15,
    );
    assert_eq!(lock(&e, "c"), Some(LockMode::AccessShare));
}

/// COMMENT ON a constraint, trigger, rule or policy opens its table ACCESS SHARE
/// (observed on 15).
#[test]
fn comments_on_objects_of_a_table_read_the_table() {
    let e = effects(
        "CREATE TABLE t (a int CONSTRAINT c CHECK (a > 0))",
        "COMMENT ON CONSTRAINT c ON t IS 'x'",
        15,
    );
    assert_eq!(lock(&e, "t"), Some(LockMode::AccessShare));
}

/// ALTER TRIGGER ... RENAME on a partitioned table locks every partition on 15, for a
/// statement trigger too (PostgreSQL looks for clones in each); DROP TRIGGER of a
/// statement trigger stays on the parent (observed on 15).
#[test]
fn renaming_a_trigger_of_a_partitioned_table_locks_every_partition() {
    let history = "CREATE TABLE gp (id int) PARTITION BY RANGE (id); CREATE TABLE mid PARTITION OF gp FOR VALUES FROM (1) TO (10) PARTITION BY RANGE (id); CREATE TABLE chi PARTITION OF mid FOR VALUES FROM (1) TO (5); CREATE TRIGGER p AFTER INSERT ON gp FOR EACH STATEMENT EXECUTE FUNCTION f()";
    let e = effects(history, "ALTER TRIGGER p ON gp RENAME TO q", 15);
    assert_eq!(lock(&e, "chi"), Some(LockMode::AccessExclusive));
    let e = effects(history, "DROP TRIGGER p ON gp", 15);
    assert_eq!(lock(&e, "chi"), None);
}

/// Options of a view take the lock they need, as on a table: SHARE UPDATE EXCLUSIVE for
/// autovacuum settings (observed on 15).
#[test]
fn view_options_take_the_lock_they_need() {
    let history = "CREATE TABLE t (a int); CREATE VIEW v AS SELECT a FROM t";
    for sql in [
        "ALTER TABLE v RESET (autovacuum_enabled)",
        "ALTER VIEW v RESET (autovacuum_enabled)",
    ] {
        assert_eq!(
            lock(&effects(history, sql, 15), "v"),
            Some(LockMode::ShareUpdateExclusive),
            "{sql}"
        );
    }
    let e = effects(history, "ALTER VIEW v SET (security_barrier = true)", 15);
    assert_eq!(lock(&e, "v"), Some(LockMode::AccessExclusive));
}

/// ADD UNIQUE on a partitioned table builds each partition's index under SHARE (SHARE
/// ROW EXCLUSIVE when deferrable: constraint triggers); a primary key also makes the
/// partitions' columns NOT NULL (ACCESS EXCLUSIVE) (observed on 15).
#[test]
fn unique_on_a_partitioned_table_locks_partitions_for_the_index_build() {
    for (sql, want) in [
        (
            "ALTER TABLE ev ADD CONSTRAINT u UNIQUE (id, created_at)",
            LockMode::Share,
        ),
        (
            "ALTER TABLE ev ADD CONSTRAINT u UNIQUE (id, created_at) DEFERRABLE",
            LockMode::ShareRowExclusive,
        ),
        (
            "ALTER TABLE ev ADD PRIMARY KEY (id, created_at)",
            LockMode::AccessExclusive,
        ),
    ] {
        let e = effects(EVENTS, sql, 15);
        assert_eq!(lock(&e, "ev_2024"), Some(want), "{sql}");
        assert_eq!(lock(&e, "ev"), Some(LockMode::AccessExclusive), "{sql}");
    }
}

/// ADD COLUMN on an inheritance parent stops at a child that has the column already
/// (it is merged there): that child is locked, its children are not (observed on 15).
#[test]
fn add_column_stops_at_a_child_that_has_the_column() {
    let history = "CREATE TABLE d0 (); CREATE TABLE d1 (c text) INHERITS (d0); CREATE TABLE d2 () INHERITS (d1); CREATE TABLE e1 () INHERITS (d0); CREATE TABLE e2 () INHERITS (e1)";
    let e = effects(history, "ALTER TABLE d0 ADD c text", 15);
    assert_eq!(lock(&e, "d1"), Some(LockMode::AccessExclusive));
    assert_eq!(lock(&e, "d2"), None);
    assert_eq!(lock(&e, "e2"), Some(LockMode::AccessExclusive));
}

/// ENABLE/DISABLE of a statement trigger of a partitioned table stays on the parent (it
/// has no clones); of a row trigger, reaches the partitions (observed on 15).
#[test]
fn enabling_a_statement_trigger_of_a_partitioned_table_stays_on_it() {
    let history = "CREATE TABLE parent (a int) PARTITION BY LIST (a); CREATE TABLE child1 PARTITION OF parent FOR VALUES IN (1); CREATE TRIGGER tg AFTER INSERT ON parent FOR EACH ROW EXECUTE FUNCTION f(); CREATE TRIGGER tg_stmt AFTER INSERT ON parent FOR EACH STATEMENT EXECUTE FUNCTION f()";
    let e = effects(
        history,
        "ALTER TABLE parent ENABLE ALWAYS TRIGGER tg_stmt",
        15,
    );
    assert_eq!(lock(&e, "child1"), None);
    let e = effects(history, "ALTER TABLE parent ENABLE ALWAYS TRIGGER tg", 15);
    assert_eq!(lock(&e, "child1"), Some(LockMode::ShareRowExclusive));
}

#[test]
fn the_catalog_follows_the_default_version_until_told() {
    assert_eq!(crate::catalog::DEFAULT_VERSION, PgVersion::DEFAULT.0);
}
