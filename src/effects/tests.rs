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
