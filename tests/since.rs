//! `--since <git-ref>` on a real temporary git repository: only files added or changed
//! since the ref are reported, older ones still build the schema, and edited files that
//! existed at the ref are `edited-applied-migration`.

mod common;

use common::{TempDir, schemaguard_in};
use std::process::Command;

fn have_git() -> bool {
    Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn rules_by_file(doc: &serde_json::Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap_or_default();
            let name = file.rsplit('/').next().unwrap_or(file).to_string();
            (name, f["rule"].as_str().unwrap_or_default().to_string())
        })
        .collect();
    out.sort();
    out
}

#[test]
fn since_reports_only_new_and_edited_migrations() {
    if !have_git() {
        common::skipped("git is not installed");
        return;
    }
    let repo = TempDir::new("since");
    let dir = &repo.0;
    repo.write(
        "migrations/0001_create_accounts.sql",
        "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n",
    );
    repo.write(
        "migrations/0002_index_email.sql",
        "SET lock_timeout = '1s';\nCREATE INDEX accounts_email_idx ON accounts (email);\n",
    );
    common::git(dir, &["init", "-q"]);
    common::git(dir, &["add", "."]);
    common::git(dir, &["commit", "-q", "-m", "base"]);

    // the branch under review: one edited migration (committed), one new (untracked)
    repo.write(
        "migrations/0002_index_email.sql",
        "SET lock_timeout = '1s';\nCREATE INDEX accounts_email_idx ON accounts (lower(email));\n",
    );
    common::git(dir, &["commit", "-q", "-am", "edit an applied migration"]);
    repo.write(
        "migrations/0003_drop_email.sql",
        "SET lock_timeout = '1s';\nALTER TABLE accounts DROP COLUMN email;\n",
    );

    let out = schemaguard_in(
        &[
            "check",
            "--format",
            "json",
            "--since",
            "HEAD~1",
            "migrations",
        ],
        Some(dir),
    );
    let doc: serde_json::Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", out.stdout, out.stderr));
    let got = rules_by_file(&doc);
    // 0001 is replayed (accounts is pre-existing for 0003) but not reported
    assert!(
        got.iter().all(|(f, _)| f != "0001_create_accounts.sql"),
        "{got:?}"
    );
    assert!(
        got.contains(&(
            "0002_index_email.sql".to_string(),
            "edited-applied-migration".to_string()
        )),
        "{got:?}"
    );
    assert!(
        got.contains(&(
            "0002_index_email.sql".to_string(),
            "create-index-non-concurrently".to_string()
        )),
        "{got:?}"
    );
    assert!(
        got.contains(&("0003_drop_email.sql".to_string(), "drop-column".to_string())),
        "{got:?}"
    );
    assert_eq!(
        doc["summary"]["files"], 2,
        "only the two changed files are counted"
    );
    assert_eq!(out.code, 1);

    // at HEAD, only the untracked file is new; nothing was edited since HEAD
    let out = schemaguard_in(
        &["check", "--format", "json", "--since", "HEAD", "migrations"],
        Some(dir),
    );
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let got = rules_by_file(&doc);
    assert!(
        got.iter().all(|(f, _)| f == "0003_drop_email.sql"),
        "{got:?}"
    );
    assert!(!got.is_empty());
}

#[test]
fn since_with_an_unknown_ref_is_a_clear_error() {
    if !have_git() {
        common::skipped("git is not installed");
        return;
    }
    let repo = TempDir::new("since-bad");
    repo.write("0001.sql", "SELECT 1;\n");
    common::git(&repo.0, &["init", "-q"]);
    common::git(&repo.0, &["add", "."]);
    common::git(&repo.0, &["commit", "-q", "-m", "base"]);
    let out = schemaguard_in(&["check", "--since", "no-such-branch", "."], Some(&repo.0));
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no-such-branch"), "{}", out.stderr);
}

#[test]
fn since_outside_a_git_repository_is_a_clear_error() {
    let dir = TempDir::new("since-nogit");
    dir.write("0001.sql", "SELECT 1;\n");
    let out = schemaguard_in(&["check", "--since", "HEAD", "."], Some(&dir.0));
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("git"), "{}", out.stderr);
}

#[test]
fn since_reports_a_new_migration_that_sorts_before_existing_ones() {
    if !have_git() {
        common::skipped("git is not installed");
        return;
    }
    let repo = TempDir::new("since-order");
    let dir = &repo.0;
    repo.write(
        "m/0001_accounts.sql",
        "CREATE TABLE accounts (id bigint PRIMARY KEY);\n",
    );
    repo.write(
        "m/0003_orgs.sql",
        "CREATE TABLE orgs (id bigint PRIMARY KEY);\n",
    );
    common::git(dir, &["init", "-q"]);
    common::git(dir, &["add", "."]);
    common::git(dir, &["commit", "-q", "-m", "base"]);
    repo.write(
        "m/0002_late.sql",
        "CREATE TABLE late (id bigint PRIMARY KEY);\n",
    );
    repo.write(
        "m/0004_ok.sql",
        "CREATE TABLE ok (id bigint PRIMARY KEY);\n",
    );
    let out = schemaguard_in(
        &["check", "--format", "json", "--since", "HEAD", "m"],
        Some(dir),
    );
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let got = rules_by_file(&doc);
    assert!(
        got.contains(&(
            "0002_late.sql".to_string(),
            "out-of-order-migration".to_string()
        )),
        "{got:?}"
    );
    assert!(
        !got.contains(&(
            "0004_ok.sql".to_string(),
            "out-of-order-migration".to_string()
        )),
        "{got:?}"
    );
}
