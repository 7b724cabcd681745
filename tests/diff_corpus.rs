//! `diff` is clean on a faithfully migrated database, for every history of
//! `../shared/corpus/` (a test per history; skipped with a message where the folder is
//! absent).
//!
//! Each history is applied to a real server as its framework applies it (trace's
//! machinery: a transaction per file unless the framework runs it outside one, each
//! committed), after the set-up SQL its manifest names. Then its migrations are compared
//! with the database three ways, and each must show no difference:
//! - the live database (`--database-url`);
//! - the server's own `pg_dump --schema-only` file (owners, `ALTER SEQUENCE ... OWNED BY`
//!   and all);
//! - the same with `--no-owner`.
//!
//! The server is PostgreSQL 15 (the installed one); a history that does not apply on it
//! without error (lemmy's newest migrations use PostgreSQL 16 syntax) is applied to the
//! first newer version it applies to, from the npm registry's builds (`pgbin`; without
//! the network it is skipped outside CI, with a message). Those builds have no
//! `pg_dump`, and one older than the server refuses to dump it: there the two dump
//! comparisons are skipped, with a message. A diesel migration PostgreSQL refuses inside
//! a transaction block (crates.io's `CREATE INDEX CONCURRENTLY`) had a `metadata.toml`
//! saying so, which the corpus does not keep: the history is copied into a temporary
//! folder with one beside it.

mod common;

use schemaguard::server::{ServerOptions, TempServer};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The server for one history: the installed one, or the registry's build of `major`.
fn server_of(major: Option<u32>) -> Result<TempServer, String> {
    let bin_dir = match major {
        None => None,
        Some(major) => {
            let got =
                schemaguard::pgbin::obtain(major, &schemaguard::pgbin::ObtainOptions::default())
                    .map_err(|e| format!("PostgreSQL {major}: {e}"))?;
            Some(got.bin_dir)
        }
    };
    TempServer::start(&ServerOptions {
        bin_dir,
        settings: vec![
            ("TimeZone".into(), "UTC".into()),
            ("autovacuum".into(), "off".into()),
            ("max_locks_per_transaction".into(), "1024".into()),
        ],
        ..ServerOptions::default()
    })
    .map_err(|e| e.to_string())
}

/// A statement that failed when the history was applied.
struct Failed {
    file: String,
    line: u32,
    error: String,
}

/// Applies the history in `dir` to a fresh database `db` of `server`; the statements
/// that failed.
fn apply(server: &TempServer, dir: &Path, setup: &[String], db: &str) -> Vec<Failed> {
    let (mut client, info) = common::trace_database(server, db, setup);
    let opts = common::trace_options(dir);
    let trace = schemaguard::trace::run_on_session(&mut client, info, &opts)
        .unwrap_or_else(|e| panic!("applying {}: {e}", dir.display()));
    trace
        .files
        .iter()
        .flat_map(|f| {
            f.statements.iter().filter_map(move |s| {
                s.observed.error.as_ref().map(|e| Failed {
                    file: f.file.clone(),
                    line: s.line,
                    error: e.to_string(),
                })
            })
        })
        .collect()
}

fn listed(failed: &[Failed]) -> String {
    failed
        .iter()
        .map(|f| format!("\n  {}:{}: {}", f.file, f.line, f.error))
        .collect()
}

/// The history in a temporary folder, with diesel's `metadata.toml`
/// (`run_in_transaction = false`) beside each migration in `outside`: the corpus keeps
/// the SQL files only, and a migration PostgreSQL refuses inside a transaction block
/// (SQLSTATE 25001) was run outside one by its framework, or it could never have been
/// applied.
fn with_no_transaction_markers(dir: &Path, outside: &[&str], work: &Path) -> PathBuf {
    let mirror = work.join("history");
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read the history folder") {
            let path = entry.expect("folder entry").path();
            let rel = path.strip_prefix(dir).expect("inside the history");
            if path.is_dir() {
                stack.push(path.clone());
                std::fs::create_dir_all(mirror.join(rel)).expect("mkdir");
            } else {
                std::fs::copy(&path, mirror.join(rel)).expect("copy a migration");
            }
        }
    }
    for file in outside {
        let rel = Path::new(file).strip_prefix(dir).unwrap_or(Path::new(file));
        let meta = mirror.join(rel).with_file_name("metadata.toml");
        std::fs::write(meta, "run_in_transaction = false\n").expect("write metadata.toml");
    }
    mirror
}

/// The differences `diff` reports, one line each (`kind object name: attributes`).
fn differences(args: &[&str], cwd: &Path) -> Vec<String> {
    let mut all = vec!["diff", "--format", "json"];
    all.extend_from_slice(args);
    let out = common::schemaguard_in(&all, Some(cwd));
    let doc: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "schemaguard {all:?}: not JSON ({e}), exit {}: {}{}",
            out.code, out.stdout, out.stderr
        )
    });
    let listed: Vec<String> = doc["differences"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| {
                    let changes: Vec<String> = d["changes"]
                        .as_array()
                        .map(|c| {
                            c.iter()
                                .map(|c| {
                                    format!("{}: {} -> {}", c["attribute"], c["left"], c["right"])
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    format!(
                        "{} {} {} {}",
                        d["kind"].as_str().unwrap_or("?"),
                        d["object"].as_str().unwrap_or("?"),
                        d["name"].as_str().unwrap_or("?"),
                        changes.join("; ")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        out.code,
        if listed.is_empty() { 0 } else { 1 },
        "schemaguard {all:?}: {}",
        out.stderr
    );
    listed
}

fn history_diffs_clean(name: &str) {
    let Some(corpus) = common::shared_dir("corpus") else {
        return;
    };
    let Some((_, dir, setup)) = common::corpus_sets(&corpus)
        .into_iter()
        .find(|(n, _, _)| n == name)
    else {
        panic!("{name} is not in the corpus manifest");
    };
    let Some(installed) = common::pg_server() else {
        return;
    };
    let work = common::TempDir::new(&format!("diff-corpus-{name}"));
    let mut server = installed;
    let mut attempt = 0;
    let mut db = format!("corpus{attempt}");
    let mut failed = apply(&server, &dir, &setup, &db);
    let outside: Vec<&str> = failed
        .iter()
        .filter(|f| f.error.contains("25001"))
        .map(|f| f.file.as_str())
        .collect();
    let mut dir = dir.clone();
    if !outside.is_empty() {
        dir = with_no_transaction_markers(&dir, &outside, &work.0);
        attempt += 1;
        db = format!("corpus{attempt}");
        failed = apply(&server, &dir, &setup, &db);
    }
    // the installed server, else the first newer version the history applies to
    let mut major = server.version_num() / 10_000;
    while !failed.is_empty() {
        let next = major + 1;
        assert!(
            next <= 18,
            "{name} does not apply without error on any version up to 18:{}",
            listed(&failed)
        );
        let _ = server.stop();
        server = match server_of(Some(next)) {
            Ok(s) => s,
            Err(e) if std::env::var_os("CI").is_none() => {
                common::skipped(format!(
                    "{name} needs PostgreSQL {next} ({} statements fail on {major}), which could not be had: {e}",
                    failed.len()
                ));
                return;
            }
            Err(e) => panic!("{name}: {e}"),
        };
        major = next;
        attempt += 1;
        db = format!("corpus{attempt}");
        failed = apply(&server, &dir, &setup, &db);
    }
    let url = common::pg_url(&server, &db);
    let dump = work.0.join("dump.sql");
    let dump_no_owner = work.0.join("dump-no-owner.sql");
    let dumped = match common::pg_dump_for(&server) {
        Some(exe) => {
            common::pg_dump(&server, &exe, &db, &dump, &[]);
            common::pg_dump(&server, &exe, &db, &dump_no_owner, &["--no-owner"]);
            true
        }
        None => {
            common::skipped(format!(
                "{name}: the pg_dump comparisons (no pg_dump of PostgreSQL {major} or newer here)"
            ));
            false
        }
    };

    let dir_s = dir.to_str().expect("utf-8 path");
    let version = major.to_string();
    let mut sides = vec![(
        "the live database",
        vec![dir_s, "--pg-version", &version, "--database-url", &url],
    )];
    if dumped {
        for (side, file) in [
            ("pg_dump --schema-only", &dump),
            ("pg_dump --schema-only --no-owner", &dump_no_owner),
        ] {
            sides.push((
                side,
                vec![
                    "--pg-version",
                    &version,
                    "--from",
                    dir_s,
                    "--to",
                    file.to_str().expect("utf-8 path"),
                ],
            ));
        }
    }
    let mut report = String::new();
    for (side, args) in sides {
        let found = differences(&args, &dir);
        if !found.is_empty() {
            report.push_str(&format!(
                "\n{name} on PostgreSQL {major}, against {side}: {} difference(s)\n  {}\n",
                found.len(),
                found.join("\n  ")
            ));
        }
    }
    let _ = server.stop();
    assert!(report.is_empty(), "{report}");
}

/// The histories with a test here: the manifest must list exactly these.
const HISTORIES: &[&str] = &[
    "concourse",
    "crates.io",
    "harbor",
    "kratos",
    "lemmy",
    "supabase-auth",
    "vaultwarden",
];

#[test]
fn every_corpus_history_has_a_test() {
    let Some(corpus) = common::shared_dir("corpus") else {
        return;
    };
    let mut listed: Vec<String> = common::corpus_sets(&corpus)
        .into_iter()
        .map(|(n, _, _)| n)
        .collect();
    listed.sort();
    assert_eq!(listed, HISTORIES, "add a test for each new history");
}

#[test]
fn concourse_diffs_clean() {
    history_diffs_clean("concourse");
}

#[test]
fn crates_io_diffs_clean() {
    history_diffs_clean("crates.io");
}

#[test]
fn harbor_diffs_clean() {
    history_diffs_clean("harbor");
}

#[test]
fn kratos_diffs_clean() {
    history_diffs_clean("kratos");
}

#[test]
fn lemmy_diffs_clean() {
    history_diffs_clean("lemmy");
}

#[test]
fn supabase_auth_diffs_clean() {
    history_diffs_clean("supabase-auth");
}

#[test]
fn vaultwarden_diffs_clean() {
    history_diffs_clean("vaultwarden");
}
