//! Live databases, against a real PostgreSQL that the test starts itself.

mod common;

use schemaguard::live::{self, ConnectOptions};
use std::path::Path;

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
