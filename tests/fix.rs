//! `schemaguard fix`: the fixes proven on a real server, the fixed samples checked
//! clean of every fixable rule, byte-for-byte edits, the JSON edits, and, per
//! framework, a written fix read back through `check`'s own framework detection.

mod common;

use common::{TempDir, schemaguard};
use schemaguard::analysis::TransactionMode;
use schemaguard::pipeline::{self, Report, RunOptions};
use std::path::{Path, PathBuf};

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_migrations")
}

/// A copy of `sample_migrations/` in a temporary directory.
fn sample_copy(tag: &str) -> TempDir {
    let dir = TempDir::new(tag);
    for entry in std::fs::read_dir(samples()).expect("read samples") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).expect("name");
        dir.write(name, &std::fs::read_to_string(&path).expect("read sample"));
    }
    dir
}

#[test]
fn fix_verify_proves_every_fix_of_the_samples() {
    let Some(server) = common::pg_server() else {
        return;
    };
    drop(server);
    let dir = sample_copy("fix-verify");
    let out = schemaguard(&[
        "fix",
        "--renumber",
        "--verify",
        "--format",
        "json",
        dir.path(),
    ]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    let fixes = doc["fixes"].as_array().expect("fixes");
    let rules: Vec<&str> = fixes.iter().filter_map(|f| f["rule"].as_str()).collect();
    assert_eq!(
        rules,
        [
            "create-index-non-concurrently",
            "set-not-null-scan",
            "missing-lock-timeout"
        ]
    );
    let v = &doc["verification"];
    assert_eq!(v["schemas_equal"], true, "{v}");
    let proofs = v["fixes"].as_array().expect("proofs");
    assert_eq!(proofs.len(), fixes.len());
    for p in proofs {
        assert_eq!(p["proven"], true, "{p}");
    }
    // nothing was written to the copy
    let after: Vec<_> = std::fs::read_dir(&dir.0).expect("read").collect();
    assert_eq!(after.len(), 16);
}

#[test]
fn fixed_samples_have_no_error_from_a_fixable_rule() {
    let dir = sample_copy("fix-write");
    let before = common::json(&["check", "--format", "json", dir.path()]);
    let fixable = |doc: &serde_json::Value| -> Vec<String> {
        doc["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["severity"] == "error")
            .filter(|f| {
                schemaguard::fix::FIXABLE_RULES.contains(&f["rule"].as_str().unwrap_or_default())
            })
            .map(|f| format!("{} {}", f["rule"], f["file"]))
            .collect()
    };
    assert!(!fixable(&before).is_empty());
    let out = schemaguard(&["fix", "--renumber", "--write", dir.path()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let after = common::json(&["check", "--format", "json", dir.path()]);
    assert_eq!(fixable(&after), Vec::<String>::new());
    // the lock_timeout warning is gone too
    let warnings: Vec<&serde_json::Value> = after["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "missing-lock-timeout")
        .collect();
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn edits_keep_everything_else_byte_for_byte() {
    let dir = TempDir::new("fix-bytes");
    dir.write("0001_t.sql", "CREATE TABLE t (a int, b int);\n");
    let original = "-- keep  this   comment\r\nSELECT 1 ;  /* and this */\nALTER TABLE t ADD CONSTRAINT t_b CHECK (b > 0);\n\n-- tail\n";
    dir.write("0003_c.sql", original);
    let out = schemaguard(&["fix", "--format", "json", dir.path()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    let edits = doc["edits"].as_array().expect("edits");
    let mut fixed = original.to_string();
    let mut sorted: Vec<&serde_json::Value> = edits
        .iter()
        .filter(|e| {
            e["file"]
                .as_str()
                .is_some_and(|f| f.ends_with("0003_c.sql"))
        })
        .collect();
    sorted.sort_by_key(|e| std::cmp::Reverse(e["start"].as_u64()));
    for e in sorted {
        let (s, t) = (
            e["start"].as_u64().expect("start") as usize,
            e["end"].as_u64().expect("end") as usize,
        );
        fixed.replace_range(s..t, e["new_text"].as_str().expect("text"));
    }
    assert_eq!(
        fixed,
        "-- keep  this   comment\r\nSET LOCAL lock_timeout = '2s';\nSELECT 1 ;  /* and this */\nALTER TABLE t ADD CONSTRAINT t_b CHECK (b > 0) NOT VALID;\n\n-- tail\n"
    );
    let new_files = doc["new_files"].as_array().expect("new files");
    assert_eq!(new_files.len(), 1);
    assert!(
        new_files[0]["path"]
            .as_str()
            .expect("path")
            .ends_with("0004_c_step_validate.sql")
    );
    assert_eq!(
        new_files[0]["text"],
        "-- written by schemaguard fix: split from 0003_c.sql\nSET LOCAL lock_timeout = '2s';\n\nALTER TABLE t VALIDATE CONSTRAINT t_b;\n"
    );
}

#[test]
fn no_room_after_the_migration_is_not_fixed_without_renumber() {
    let dir = TempDir::new("fix-room");
    dir.write("0001_t.sql", "CREATE TABLE t (a int);\n");
    dir.write(
        "0002_i.sql",
        "CREATE TABLE u (b int);\nCREATE INDEX t_a ON t (a);\n",
    );
    dir.write("0003_z.sql", "CREATE TABLE z (c int);\n");
    let out = schemaguard(&["fix", dir.path()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("not fixed[create-index-non-concurrently]")
            && out.stdout.contains("pass --renumber"),
        "{}",
        out.stdout
    );
}

/// A history of one framework: a table, then a migration indexing it with another
/// statement beside the index (so the index must move to a migration of its own), then
/// a later migration leaving room for one version.
struct Layout {
    framework: &'static str,
    /// (path, text)
    files: &'static [(&'static str, &'static str)],
    /// Written as schemaguard.toml when set.
    config: Option<&'static str>,
    /// The migration the index comes from.
    original: &'static str,
}

const LAYOUTS: &[Layout] = &[
    Layout {
        framework: "plain",
        files: &[
            ("0001_t.sql", "CREATE TABLE t (a int);\n"),
            (
                "0002_i.sql",
                "CREATE TABLE u (b int);\nCREATE INDEX t_a ON t (a);\n",
            ),
            ("0005_z.sql", "CREATE TABLE z (c int);\n"),
        ],
        config: None,
        original: "0002_i.sql",
    },
    Layout {
        framework: "goose",
        files: &[
            ("00001_t.sql", "-- +goose Up\nCREATE TABLE t (a int);\n"),
            (
                "00002_i.sql",
                "-- +goose Up\nCREATE TABLE u (b int);\nCREATE INDEX t_a ON t (a);\n\n-- +goose Down\nDROP TABLE u;\n",
            ),
            ("00005_z.sql", "-- +goose Up\nCREATE TABLE z (c int);\n"),
        ],
        config: None,
        original: "00002_i.sql",
    },
    Layout {
        framework: "dbmate",
        files: &[
            (
                "20240101000001_t.sql",
                "-- migrate:up\nCREATE TABLE t (a int);\n",
            ),
            (
                "20240101000002_i.sql",
                "-- migrate:up\nCREATE TABLE u (b int);\nCREATE INDEX t_a ON t (a);\n\n-- migrate:down\nDROP TABLE u;\n",
            ),
            (
                "20240101000009_z.sql",
                "-- migrate:up\nCREATE TABLE z (c int);\n",
            ),
        ],
        config: None,
        original: "20240101000002_i.sql",
    },
    Layout {
        framework: "sqlx",
        files: &[
            ("1_t.sql", "CREATE TABLE t (a int);\n"),
            (
                "2_i.sql",
                "CREATE TABLE u (b int);\nCREATE INDEX t_a ON t (a);\n",
            ),
            ("5_z.sql", "CREATE TABLE z (c int);\n"),
        ],
        config: Some("framework = \"sqlx\"\n"),
        original: "2_i.sql",
    },
    Layout {
        framework: "golang-migrate",
        files: &[
            ("1_t.up.sql", "CREATE TABLE t (a int);\n"),
            ("1_t.down.sql", "DROP TABLE t;\n"),
            (
                "2_i.up.sql",
                "CREATE TABLE u (b int);\nCREATE INDEX t_a ON t (a);\n",
            ),
            ("2_i.down.sql", "DROP TABLE u;\n"),
            ("5_z.up.sql", "CREATE TABLE z (c int);\n"),
        ],
        config: None,
        original: "2_i.up.sql",
    },
    Layout {
        framework: "flyway",
        files: &[
            ("V1__t.sql", "CREATE TABLE t (a int);\n"),
            (
                "V2__i.sql",
                "CREATE TABLE u (b int);\nCREATE INDEX t_a ON t (a);\n",
            ),
            ("V3__z.sql", "CREATE TABLE z (c int);\n"),
        ],
        config: None,
        original: "V2__i.sql",
    },
    Layout {
        framework: "diesel",
        files: &[
            ("2024-01-01-000001_t/up.sql", "CREATE TABLE t (a int);\n"),
            ("2024-01-01-000001_t/down.sql", "DROP TABLE t;\n"),
            (
                "2024-01-01-000002_i/up.sql",
                "CREATE TABLE u (b int);\nCREATE INDEX t_a ON t (a);\n",
            ),
            ("2024-01-01-000002_i/down.sql", "DROP TABLE u;\n"),
            ("2024-01-01-000009_z/up.sql", "CREATE TABLE z (c int);\n"),
            ("2024-01-01-000009_z/down.sql", "DROP TABLE z;\n"),
        ],
        config: None,
        original: "2024-01-01-000002_i/up.sql",
    },
    Layout {
        framework: "prisma",
        files: &[
            (
                "20240101000001_t/migration.sql",
                "CREATE TABLE t (a int);\n",
            ),
            (
                "20240101000002_i/migration.sql",
                "CREATE TABLE u (b int);\nCREATE INDEX t_a ON t (a);\n",
            ),
            (
                "20240101000009_z/migration.sql",
                "CREATE TABLE z (c int);\n",
            ),
        ],
        config: None,
        original: "20240101000002_i/migration.sql",
    },
    Layout {
        // popx runs every file statement by statement: the index is fixed in place
        framework: "popx",
        files: &[
            ("1_t.up.sql", "CREATE TABLE t (a int);\n"),
            (
                "2_i.up.sql",
                "CREATE TABLE u (b int);\nCREATE INDEX t_a ON t (a);\n",
            ),
            ("5_z.up.sql", "CREATE TABLE z (c int);\n"),
        ],
        config: Some("framework = \"popx\"\n"),
        original: "2_i.up.sql",
    },
];

#[test]
fn each_framework_reads_its_fixed_migration_back_in_place_and_outside_a_transaction() {
    for layout in LAYOUTS {
        let dir = TempDir::new(&format!("fix-{}", layout.framework));
        for (path, text) in layout.files {
            dir.write(path, text);
        }
        let mut args = vec!["fix", "--write"];
        let config;
        if let Some(c) = layout.config {
            config = dir.write("schemaguard.toml", c);
            args.push("--config");
            args.push(config.to_str().expect("utf-8"));
        }
        args.push(dir.path());
        let out = schemaguard(&args);
        assert_eq!(out.code, 0, "{}: {}", layout.framework, out.stderr);
        assert!(
            out.stdout.contains("fixed[create-index-non-concurrently]"),
            "{}: {}",
            layout.framework,
            out.stdout
        );
        // read back through check's own detection and apply order
        let run = pipeline::run(&RunOptions {
            paths: vec![dir.0.clone()],
            cwd: dir.0.clone(),
            config: layout.config.map(|_| dir.0.join("schemaguard.toml")),
            report: Report::Plan,
            ..RunOptions::default()
        })
        .expect("run");
        let original = run
            .files
            .iter()
            .position(|f| f.path.ends_with(layout.original))
            .unwrap_or_else(|| panic!("{}: {} gone", layout.framework, layout.original));
        let with_index = run
            .files
            .iter()
            .position(|f| f.text.contains("CREATE INDEX CONCURRENTLY t_a ON t (a);"))
            .unwrap_or_else(|| panic!("{}: no concurrent index written", layout.framework));
        let expected = if layout.framework == "popx" {
            original
        } else {
            original + 1
        };
        assert_eq!(
            with_index, expected,
            "{}: the index is in {}",
            layout.framework, run.files[with_index].display
        );
        let mode = run.analysis.files[with_index].mode;
        assert_eq!(
            mode,
            TransactionMode::Autocommit,
            "{}: {} runs {mode:?}",
            layout.framework,
            run.files[with_index].display
        );
        // the original keeps its other statement, and nothing is left to fix
        assert!(run.files[original].text.contains("CREATE TABLE u (b int);"));
        let check = pipeline::run(&RunOptions {
            paths: vec![dir.0.clone()],
            cwd: dir.0.clone(),
            config: layout.config.map(|_| dir.0.join("schemaguard.toml")),
            ..RunOptions::default()
        })
        .expect("check");
        let left: Vec<_> = check
            .analysis
            .findings
            .iter()
            .filter(|f| {
                matches!(
                    f.rule,
                    "create-index-non-concurrently"
                        | "concurrently-in-transaction"
                        | "duplicate-migration-version"
                )
            })
            .map(|f| format!("{} {}", f.rule, f.file))
            .collect();
        assert!(left.is_empty(), "{}: {left:?}", layout.framework);
    }
}

/// The PostgreSQL major a corpus history needs, when the installed one cannot run it
/// (lemmy's newest migrations use PostgreSQL 16 syntax).
fn corpus_major(name: &str) -> Option<&'static str> {
    (name == "lemmy").then_some("16")
}

/// Every corpus history: `fix --verify` runs, builds the same schema, proves every fix
/// it writes, and gives a reason for every finding it leaves.
#[test]
fn fix_verify_proves_every_fix_of_every_corpus_history() {
    let Some(corpus) = common::shared_dir("corpus") else {
        return;
    };
    let Some(server) = common::pg_server() else {
        return;
    };
    drop(server);
    let mut report = Vec::new();
    for (name, dir, setup) in common::corpus_sets(&corpus) {
        let scratch = TempDir::new("fix-corpus-setup");
        let setup_file =
            scratch.write("setup.sql", &format!("SELECT 1;\n{};\n", setup.join(";\n")));
        let mut args = vec![
            "fix",
            "--renumber",
            "--verify",
            "--format",
            "json",
            "--verify-setup",
            setup_file.to_str().expect("utf-8"),
        ];
        if let Some(major) = corpus_major(&name) {
            args.extend(["--pg-version", major]);
        }
        args.push(dir.to_str().expect("utf-8"));
        let out = schemaguard(&args);
        assert!(out.code == 0 || out.code == 1, "{name}: {}", out.stderr);
        let doc: serde_json::Value = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("{name}: not JSON ({e}): {}", out.stderr));
        let v = &doc["verification"];
        assert_eq!(
            v["schemas_equal"], true,
            "{name}: {}",
            v["schema_difference"]
        );
        let proofs = v["fixes"].as_array().expect("proofs");
        let unproven: Vec<&serde_json::Value> =
            proofs.iter().filter(|p| p["proven"] != true).collect();
        assert!(unproven.is_empty(), "{name}: {unproven:#?}");
        let not_fixed = doc["not_fixed"].as_array().expect("not fixed");
        assert!(
            not_fixed
                .iter()
                .all(|n| n["reason"].as_str().is_some_and(|r| !r.is_empty())),
            "{name}: a finding left without a reason"
        );
        report.push(format!(
            "{name}: {} fixes written, {} proven, {} not fixed",
            proofs.len(),
            proofs.len() - unproven.len(),
            not_fixed.len()
        ));
    }
    eprintln!("corpus fixes: {}", report.join("; "));
}

/// The `fix-before` / `fix-after` examples of the rule pages: `-- file: <name>` parts,
/// and a `-- pg-version: N` line before the first.
fn page_files(block: &str) -> (Vec<(String, String)>, Option<String>) {
    let mut files: Vec<(String, String)> = Vec::new();
    let mut version = None;
    for line in block.lines() {
        if let Some(name) = line.strip_prefix("-- file: ") {
            files.push((name.trim().to_string(), String::new()));
        } else if let (true, Some(v)) = (files.is_empty(), line.strip_prefix("-- pg-version: ")) {
            version = Some(v.trim().to_string());
        } else if let Some(last) = files.last_mut() {
            last.1.push_str(line);
            last.1.push('\n');
        }
    }
    (files, version)
}

fn fenced(page: &str, info: &str) -> Option<String> {
    let start = page.find(&format!("```{info}\n"))? + info.len() + 4;
    let end = page[start..].find("\n```")? + start;
    Some(format!("{}\n", &page[start..end]))
}

/// Each rule page's fix example is exactly what `fix --write` writes, and `fix --verify`
/// proves it on a real server.
#[test]
fn every_rule_pages_fix_example_is_written_and_proven() {
    let pages = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let server = common::pg_server();
    let has_server = server.is_some();
    drop(server);
    let mut seen = Vec::new();
    for rule in schemaguard::fix::FIXABLE_RULES {
        let page = std::fs::read_to_string(pages.join(format!("{rule}.md"))).expect("page");
        assert!(page.contains("\n## Fix\n"), "{rule}: no Fix section");
        let before =
            fenced(&page, "sql fix-before").unwrap_or_else(|| panic!("{rule}: no fix-before"));
        let after =
            fenced(&page, "sql fix-after").unwrap_or_else(|| panic!("{rule}: no fix-after"));
        let (files, version) = page_files(&before);
        let (expected, _) = page_files(&after);
        for verify in [false, true] {
            if verify && !has_server {
                continue;
            }
            let dir = TempDir::new("fix-page");
            for (name, text) in &files {
                dir.write(name, text);
            }
            let config = dir.0.join("schemaguard.toml");
            let mut args: Vec<String> = vec!["fix".into()];
            args.push(if verify { "--verify" } else { "--write" }.into());
            if config.exists() {
                args.extend(["--config".into(), config.display().to_string()]);
            }
            if let Some(v) = &version {
                args.extend(["--pg-version".into(), v.clone()]);
            }
            args.extend(["--format".into(), "json".into(), dir.path().to_string()]);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = schemaguard(&args);
            assert_eq!(out.code, 0, "{rule}: {}\n{}", out.stdout, out.stderr);
            if verify {
                let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
                let proofs = doc["verification"]["fixes"].as_array().expect("proofs");
                assert!(!proofs.is_empty(), "{rule}: nothing to prove");
                for p in proofs {
                    assert_eq!(p["proven"], true, "{rule}: {p}");
                }
                continue;
            }
            for (name, text) in &expected {
                let got = std::fs::read_to_string(dir.0.join(name))
                    .unwrap_or_else(|e| panic!("{rule}: {name}: {e}"));
                assert_eq!(&got, text, "{rule}: {name}");
            }
            // the files the page does not list are untouched
            for (name, text) in &files {
                if !expected.iter().any(|(n, _)| n == name) {
                    let got = std::fs::read_to_string(dir.0.join(name)).expect("read");
                    assert_eq!(&got, text, "{rule}: {name} changed");
                }
            }
        }
        seen.push(*rule);
    }
    assert_eq!(seen.len(), schemaguard::fix::FIXABLE_RULES.len());
}

/// With `--since REF`, a migration that existed at the ref counts as applied: even
/// when edited since, it is skipped with a message and left untouched; a new one is
/// fixed.
#[test]
fn since_never_rewrites_a_migration_that_existed_at_the_ref() {
    let have_git = std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_git {
        if std::env::var_os("CI").is_some() {
            panic!("git is not installed, and CI must run this test");
        }
        common::skipped("git is not installed");
        return;
    }
    let dir = TempDir::new("fix-since");
    dir.write("0001_t.sql", "CREATE TABLE t (a int, b int);\n");
    dir.write(
        "0002_a.sql",
        "SET lock_timeout = '2s';\nCREATE INDEX t_a ON t (a);\n",
    );
    common::git(&dir.0, &["init", "-q"]);
    common::git(&dir.0, &["add", "."]);
    common::git(&dir.0, &["commit", "-q", "-m", "base"]);
    // edited after the ref, and a new migration
    let edited = "-- edited\nSET lock_timeout = '2s';\nCREATE INDEX t_a ON t (a);\n";
    dir.write("0002_a.sql", edited);
    dir.write(
        "0004_b.sql",
        "SET lock_timeout = '2s';\nCREATE INDEX t_b ON t (b);\n",
    );
    let out = common::schemaguard_in(&["fix", "--since", "HEAD", "--write", "."], Some(&dir.0));
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("skipped: 0002_a.sql: existed at HEAD"),
        "{}",
        out.stdout
    );
    assert_eq!(
        std::fs::read_to_string(dir.0.join("0002_a.sql")).expect("read"),
        edited
    );
    let fixed = std::fs::read_to_string(dir.0.join("0004_b.sql")).expect("read");
    assert!(
        fixed.contains("CREATE INDEX CONCURRENTLY t_b ON t (b);"),
        "{fixed}"
    );
}
