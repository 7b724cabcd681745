//! Each migration framework as it really runs: a small realistic history per framework,
//! proving the apply order, that only the up direction is checked, the transaction mode
//! (CREATE INDEX CONCURRENTLY fails inside a transaction, works outside), and that the
//! fix speaks the framework's own directive.

mod common;

use common::TempDir;
use serde_json::Value;

fn check(dir: &TempDir, extra: &[&str]) -> Value {
    let mut args = vec!["check", "--format", "json"];
    args.extend_from_slice(extra);
    args.push(dir.path());
    common::json(&args)
}

fn plan(dir: &TempDir) -> Value {
    common::json(&["plan", "--format", "json", dir.path()])
}

/// `(file name, rule)` of every finding of severity warning or error (hints aside).
fn findings(doc: &Value) -> Vec<(String, String)> {
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["severity"] != "hint")
        .map(|f| {
            let file = f["file"].as_str().unwrap_or_default();
            (
                short(file),
                f["rule"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The last two path components: enough to tell `a/up.sql` from `b/up.sql`.
fn short(file: &str) -> String {
    let parts: Vec<&str> = file.split('/').collect();
    parts[parts.len().saturating_sub(2)..].join("/")
}

fn file_order(plan: &Value) -> Vec<String> {
    plan["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| short(f["file"].as_str().unwrap_or_default()))
        .collect()
}

fn fix_of(doc: &Value, rule: &str) -> String {
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == rule)
        .and_then(|f| f["fix"].as_str())
        .unwrap_or_default()
        .to_string()
}

const ACCOUNTS: &str = "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n";

#[test]
fn goose_checks_the_up_section_and_honours_no_transaction() {
    let d = TempDir::new("goose");
    d.write(
        "migrations/00001_create_accounts.sql",
        &format!("-- +goose Up\n{ACCOUNTS}\n-- +goose Down\nDROP TABLE accounts;\n"),
    );
    d.write(
        "migrations/00002_index.sql",
        "-- +goose Up\nSET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);\n\n-- +goose Down\nDROP INDEX accounts_email_idx;\n",
    );
    d.write(
        "migrations/00010_drop.sql",
        "-- +goose NO TRANSACTION\n-- +goose Up\nSET lock_timeout = '2s';\nDROP INDEX CONCURRENTLY accounts_email_idx;\n-- +goose Down\nALTER TABLE accounts DROP COLUMN email;\n",
    );
    let doc = check(&d, &[]);
    let got = findings(&doc);
    // 00002 runs in goose's transaction: CONCURRENTLY fails there
    assert!(
        got.contains(&(
            "migrations/00002_index.sql".into(),
            "concurrently-in-transaction".into()
        )),
        "{got:?}"
    );
    assert!(fix_of(&doc, "concurrently-in-transaction").contains("-- +goose NO TRANSACTION"));
    // 00010 has NO TRANSACTION; its down section (a DROP COLUMN) is not checked
    assert!(
        got.iter().all(|(f, _)| f != "migrations/00010_drop.sql"),
        "{got:?}"
    );
    // version order: 00010 after 00002 (numeric), the DROP TABLE in 00001's down is ignored
    assert_eq!(
        file_order(&plan(&d)),
        vec![
            "migrations/00001_create_accounts.sql",
            "migrations/00002_index.sql",
            "migrations/00010_drop.sql"
        ]
    );
    assert!(got.iter().all(|(_, r)| r != "drop-table"), "{got:?}");
}

#[test]
fn dbmate_transaction_false_runs_outside_a_transaction() {
    let d = TempDir::new("dbmate");
    d.write(
        "db/migrations/20240101000000_accounts.sql",
        &format!("-- migrate:up\n{ACCOUNTS}\n-- migrate:down\nDROP TABLE accounts;\n"),
    );
    d.write(
        "db/migrations/20240102000000_index.sql",
        "-- migrate:up transaction:false\nSET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);\n\n-- migrate:down\nDROP INDEX accounts_email_idx;\n",
    );
    d.write(
        "db/migrations/20240103000000_bad_index.sql",
        "-- migrate:up\nCREATE INDEX CONCURRENTLY accounts_id_idx ON accounts (id);\n-- migrate:down\n",
    );
    let doc = check(&d, &[]);
    let got = findings(&doc);
    assert!(
        got.iter()
            .all(|(f, _)| !f.ends_with("20240102000000_index.sql")),
        "{got:?}"
    );
    assert!(
        got.contains(&(
            "migrations/20240103000000_bad_index.sql".into(),
            "concurrently-in-transaction".into()
        )),
        "{got:?}"
    );
    assert!(
        fix_of(&doc, "concurrently-in-transaction").contains("-- migrate:up transaction:false")
    );
    assert!(
        got.iter()
            .all(|(_, r)| r != "drop-table" && r != "drop-index-non-concurrently"),
        "down sections are not checked: {got:?}"
    );
}

#[test]
fn golang_migrate_runs_a_lone_statement_outside_a_transaction() {
    let d = TempDir::new("golang-migrate");
    d.write("m/1_accounts.up.sql", ACCOUNTS);
    d.write("m/1_accounts.down.sql", "DROP TABLE accounts;\n");
    // alone in its file: sent as one simple query, no transaction block
    d.write(
        "m/2_index.up.sql",
        "CREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);\n",
    );
    d.write("m/2_index.down.sql", "DROP INDEX accounts_email_idx;\n");
    // with another statement: one multi-statement query = an implicit transaction
    d.write(
        "m/10_more.up.sql",
        "SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY accounts_id_idx ON accounts (id);\n",
    );
    let doc = check(&d, &[]);
    let got = findings(&doc);
    assert!(
        got.iter()
            .all(|(f, r)| !(f == "m/2_index.up.sql" && r == "concurrently-in-transaction")),
        "{got:?}"
    );
    assert!(
        got.contains(&(
            "m/10_more.up.sql".into(),
            "concurrently-in-transaction".into()
        )),
        "{got:?}"
    );
    assert_eq!(
        file_order(&plan(&d)),
        vec![
            "m/1_accounts.up.sql",
            "m/2_index.up.sql",
            "m/10_more.up.sql"
        ]
    );
}

#[test]
fn sqlx_no_transaction_directive() {
    let d = TempDir::new("sqlx");
    d.write("migrations/20240101000000_accounts.sql", ACCOUNTS);
    d.write(
        "migrations/20240102000000_index.sql",
        "-- no-transaction\nSET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);\n",
    );
    let got = findings(&check(&d, &[]));
    assert!(
        got.iter().all(|(_, r)| r != "concurrently-in-transaction"),
        "{got:?}"
    );
}

#[test]
fn flyway_versions_repeatables_undo_and_conf() {
    let d = TempDir::new("flyway");
    d.write("sql/V1__accounts.sql", ACCOUNTS);
    d.write("sql/V2__index.sql", "SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);\n");
    d.write("sql/V2__index.sql.conf", "executeInTransaction=false\n");
    d.write(
        "sql/V10__bad.sql",
        "CREATE INDEX CONCURRENTLY accounts_id_idx ON accounts (id);\n",
    );
    d.write("sql/U10__bad.sql", "DROP INDEX accounts_id_idx;\n");
    d.write(
        "sql/R__views.sql",
        "CREATE OR REPLACE VIEW account_emails AS SELECT email FROM accounts;\n",
    );
    let doc = check(&d, &[]);
    let got = findings(&doc);
    assert!(got.iter().all(|(f, _)| f != "sql/V2__index.sql"), "{got:?}");
    assert!(
        got.contains(&(
            "sql/V10__bad.sql".into(),
            "concurrently-in-transaction".into()
        )),
        "{got:?}"
    );
    assert!(fix_of(&doc, "concurrently-in-transaction").contains("executeInTransaction=false"));
    assert_eq!(
        file_order(&plan(&d)),
        vec![
            "sql/V1__accounts.sql",
            "sql/V2__index.sql",
            "sql/V10__bad.sql",
            "sql/R__views.sql"
        ],
        "V2 before V10, R__ last, U__ (undo) skipped"
    );
}

#[test]
fn diesel_metadata_toml_turns_the_transaction_off() {
    let d = TempDir::new("diesel");
    d.write("migrations/2024-01-01-000000_accounts/up.sql", ACCOUNTS);
    d.write(
        "migrations/2024-01-01-000000_accounts/down.sql",
        "DROP TABLE accounts;\n",
    );
    d.write("migrations/2024-01-02-000000_index/up.sql", "SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);\n");
    d.write(
        "migrations/2024-01-02-000000_index/metadata.toml",
        "run_in_transaction = false\n",
    );
    d.write(
        "migrations/2024-01-03-000000_bad/up.sql",
        "CREATE INDEX CONCURRENTLY accounts_id_idx ON accounts (id);\n",
    );
    let doc = check(&d, &[]);
    let got = findings(&doc);
    assert!(
        got.iter()
            .all(|(f, _)| f != "2024-01-02-000000_index/up.sql"),
        "{got:?}"
    );
    assert!(
        got.contains(&(
            "2024-01-03-000000_bad/up.sql".into(),
            "concurrently-in-transaction".into()
        )),
        "{got:?}"
    );
    assert!(fix_of(&doc, "concurrently-in-transaction").contains("run_in_transaction = false"));
    assert!(got.iter().all(|(_, r)| r != "drop-table"));
}

#[test]
fn prisma_migration_folders() {
    let d = TempDir::new("prisma");
    d.write(
        "prisma/migrations/20240101000000_init/migration.sql",
        ACCOUNTS,
    );
    d.write(
        "prisma/migrations/20240102000000_index/migration.sql",
        "CREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);\n",
    );
    d.write(
        "prisma/migrations/20240103000000_two/migration.sql",
        "ALTER TABLE accounts ADD COLUMN name text;\nCREATE INDEX CONCURRENTLY accounts_id_idx ON accounts (id);\n",
    );
    let got = findings(&check(&d, &[]));
    assert!(
        got.iter()
            .all(|(f, r)| !(f == "20240102000000_index/migration.sql"
                && r == "concurrently-in-transaction")),
        "{got:?}"
    );
    assert!(
        got.contains(&(
            "20240103000000_two/migration.sql".into(),
            "concurrently-in-transaction".into()
        )),
        "{got:?}"
    );
}

#[test]
fn liquibase_changesets_are_transactions_of_their_own() {
    let d = TempDir::new("liquibase");
    d.write(
        "changelog/001.sql",
        "--liquibase formatted sql\n\n--changeset ann:1\nCREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n--rollback DROP TABLE accounts;\n",
    );
    d.write(
        "changelog/002.sql",
        "--liquibase formatted sql\n\n--changeset ann:2\nALTER TABLE accounts ADD COLUMN name text;\n\n--changeset ann:3 runInTransaction:false\nCREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);\n\n--changeset ann:4\nCREATE INDEX CONCURRENTLY accounts_id_idx ON accounts (id);\n",
    );
    let doc = check(&d, &[]);
    let got: Vec<(String, u64)> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "concurrently-in-transaction")
        .map(|f| {
            (
                short(f["file"].as_str().unwrap_or_default()),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    // only changeset 4 (line 10) runs CONCURRENTLY inside a transaction
    assert_eq!(got, vec![("changelog/002.sql".to_string(), 10)]);
    assert!(fix_of(&doc, "concurrently-in-transaction").contains("runInTransaction:false"));
    // the ADD COLUMN's lock ends with changeset 2: nothing is held across changesets
    let rules: Vec<String> = findings(&doc).into_iter().map(|(_, r)| r).collect();
    assert!(
        !rules.contains(&"lock-held-across-statements".to_string()),
        "{rules:?}"
    );
}

#[test]
fn popx_autocommit_files_run_outside_a_transaction() {
    let d = TempDir::new("popx");
    d.write("m/20200101000000000000_accounts.postgres.up.sql", ACCOUNTS);
    d.write(
        "m/20200102000000000000_index.autocommit.up.sql",
        "CREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);\n",
    );
    let got = findings(&check(&d, &[]));
    assert!(
        got.iter().all(|(_, r)| r != "concurrently-in-transaction"),
        "{got:?}"
    );
}

#[test]
fn plain_sql_honours_assume_in_transaction() {
    let d = TempDir::new("plain");
    d.write("001.sql", ACCOUNTS);
    d.write(
        "002.sql",
        "CREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);\n",
    );
    let got = findings(&check(&d, &[]));
    assert!(
        got.iter()
            .any(|(f, r)| f.ends_with("/002.sql") && r == "concurrently-in-transaction"),
        "{got:?}"
    );
    d.write("schemaguard.toml", "assume_in_transaction = false\n");
    let out = common::schemaguard_in(&["check", "--format", "json", "."], Some(&d.0));
    let doc: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert!(
        findings(&doc)
            .iter()
            .all(|(_, r)| r != "concurrently-in-transaction")
    );
}

#[test]
fn configured_framework_overrides_detection() {
    let d = TempDir::new("configured");
    d.write("m/001.sql", ACCOUNTS);
    d.write(
        "m/002.sql",
        "CREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);\n",
    );
    d.write("schemaguard.toml", "framework = \"golang-migrate\"\n");
    let out = common::schemaguard_in(&["check", "--format", "json", "m"], Some(&d.0));
    let doc: Value = serde_json::from_str(&out.stdout).expect("JSON");
    // a lone statement in golang-migrate runs outside a transaction
    assert!(
        findings(&doc)
            .iter()
            .all(|(_, r)| r != "concurrently-in-transaction"),
        "{}",
        out.stdout
    );
    d.write("schemaguard.toml", "framework = \"rails\"\n");
    let out = common::schemaguard_in(&["check", "m"], Some(&d.0));
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("rails"), "{}", out.stderr);
}

/// What each framework's history table keys a migration on decides whether two files
/// collide: Prisma records the whole folder name, so two folders with the same
/// timestamp both run; diesel records the version, so the second is skipped wherever
/// the first ran; Liquibase keys changesets, not files.
#[test]
fn duplicate_versions_collide_only_where_the_framework_keys_on_them() {
    let rule = "duplicate-migration-version";
    let fired = |doc: &Value| -> Vec<String> {
        doc["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["rule"] == rule)
            .map(|f| short(f["file"].as_str().unwrap_or_default()))
            .collect()
    };
    let prisma = TempDir::new("prisma-same-timestamp");
    prisma.write(
        "20240304123642_a/migration.sql",
        "CREATE TABLE a (id bigint PRIMARY KEY);\n",
    );
    prisma.write(
        "20240304123642_b/migration.sql",
        "CREATE TABLE b (id bigint PRIMARY KEY);\n",
    );
    assert_eq!(fired(&check(&prisma, &[])), Vec::<String>::new());

    let diesel = TempDir::new("diesel-same-version");
    diesel.write(
        "2024-03-04-123642_a/up.sql",
        "CREATE TABLE a (id bigint PRIMARY KEY);\n",
    );
    diesel.write(
        "2024-03-04-123642_b/up.sql",
        "CREATE TABLE b (id bigint PRIMARY KEY);\n",
    );
    assert_eq!(
        fired(&check(&diesel, &[])),
        vec!["2024-03-04-123642_b/up.sql".to_string()]
    );

    let liquibase = TempDir::new("liquibase-same-version");
    for name in ["0001_a.sql", "1_b.sql"] {
        liquibase.write(
            name,
            &format!(
                "--liquibase formatted sql\n--changeset dev:{name}\nCREATE TABLE t_{} (id bigint PRIMARY KEY);\n",
                &name[..name.len() - 4].replace('_', "")
            ),
        );
    }
    assert_eq!(fired(&check(&liquibase, &[])), Vec::<String>::new());

    let plain = TempDir::new("plain-same-version");
    plain.write("0002_a.sql", "CREATE TABLE a (id bigint PRIMARY KEY);\n");
    plain.write("2_b.sql", "CREATE TABLE b (id bigint PRIMARY KEY);\n");
    assert_eq!(fired(&check(&plain, &[])).len(), 1);
}

/// `fk-missing-index` is a danger (warning) where the referencing table already holds
/// rows, and design advice (hint) on a table the migration itself creates.
#[test]
fn fk_missing_index_is_a_hint_on_a_table_created_in_the_migration() {
    let severity_of = |doc: &Value| -> Vec<String> {
        doc["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["rule"] == "fk-missing-index")
            .map(|f| f["severity"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let dir = TempDir::new("fk-hint");
    dir.write(
        "0001_customers.sql",
        "CREATE TABLE customers (id bigint PRIMARY KEY);\nCREATE TABLE invoices (id bigint PRIMARY KEY, customer_id bigint);\n",
    );
    dir.write(
        "0002_orders.sql",
        "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id));\nALTER TABLE orders ADD COLUMN invoice_id bigint REFERENCES invoices (id);\n",
    );
    assert_eq!(severity_of(&check(&dir, &[])), vec!["hint", "hint"]);
    dir.write(
        "0003_invoices_fk.sql",
        "SET lock_timeout = '2s';\nALTER TABLE invoices ADD CONSTRAINT invoices_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;\n",
    );
    assert_eq!(
        severity_of(&check(&dir, &[])),
        vec!["hint", "hint", "warning"]
    );
}
