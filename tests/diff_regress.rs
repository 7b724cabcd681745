//! `diff` of PostgreSQL's own regression DDL (`../shared/pg-regress/`): the history is
//! applied to a real server as its README says (`_tools/apply.sh`: psql, one session
//! per file, errors do not stop it; about 1,400 statements fail there on purpose), then
//! compared with the schema schemaguard replays from the same files. What is left are
//! differences replay cannot know without the rows (a unique index or a CHECK that the
//! data violates, a partition detach that referencing rows forbid) and a few named in
//! the closing notes; the test fails when the count grows past what was reached, and
//! prints every difference. Skipped with a message where the folder, PostgreSQL or
//! `psql` is absent.

mod common;

use std::process::Command;

/// The differences reached (PostgreSQL 15).
const MAX_DIFFERENCES: usize = 46;

#[test]
fn pg_regress_diff_stays_within_the_differences_reached() {
    let Some(regress) = common::shared_dir("pg-regress") else {
        return;
    };
    let Some(server) = common::pg_server() else {
        return;
    };
    let bin_dir = server.binaries().bin_dir.clone();
    if !bin_dir.join("psql").is_file() {
        common::skipped(format!(
            "no psql beside {}: the regression history is applied with psql",
            bin_dir.display()
        ));
        return;
    }
    let mut admin = server.connect().expect("connect as superuser");
    // the files name this database (`GRANT ... ON DATABASE regression`)
    admin
        .batch_execute("CREATE DATABASE regression")
        .expect("create database");
    let set = regress.join("sets").join("regress");
    let path = std::env::join_paths(
        std::iter::once(bin_dir.clone()).chain(
            std::env::var_os("PATH")
                .iter()
                .flat_map(std::env::split_paths),
        ),
    )
    .expect("PATH");
    let work = tempfile::tempdir().expect("temporary folder");
    let applied = Command::new("sh")
        .arg(regress.join("_tools").join("apply.sh"))
        .arg(&set)
        .current_dir(work.path())
        .env("PATH", path)
        .env("PGHOST", server.socket_dir())
        .env("PGPORT", server.port().to_string())
        .env("PGUSER", schemaguard::server::SUPERUSER)
        .env("PGDATABASE", "regression")
        .output()
        .expect("run apply.sh");
    assert!(
        applied.status.success(),
        "apply.sh failed: {}",
        String::from_utf8_lossy(&applied.stderr)
    );
    let url = common::pg_url(&server, "regression");
    let set_arg = set.to_string_lossy().to_string();
    let out = common::schemaguard(&["diff", "--database-url", &url, &set_arg, "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", out.stdout, out.stderr));
    let differences: Vec<String> = common::difference_lines(&doc);
    eprintln!(
        "pg-regress diff: {} differences (at most {MAX_DIFFERENCES})",
        differences.len()
    );
    assert!(
        differences.len() <= MAX_DIFFERENCES,
        "{} differences, more than the {MAX_DIFFERENCES} reached:\n{}",
        differences.len(),
        differences.join("\n")
    );
}
