//! The fast tokenizer (`parse::tokens`) against sqlparser's on every statement we have:
//! `sample_migrations/`, the test fixtures, `../shared/conformance/**/*.sql` and
//! `../shared/corpus/` (skipped with a message where `../shared` is absent), plus the
//! folders named in `SCHEMAGUARD_TOKENS_DIRS` (`:`-separated; e.g. a generated bench
//! history). Whenever the fast path answers, its tokens and spans must be sqlparser's;
//! prints how many statements took it.

mod common;

use schemaguard::fuzzing::fast_tokens_agree;
use schemaguard::parse::split::{self, PieceKind};
use std::path::{Path, PathBuf};

/// Every file under `dir` (recursively) whose name ends with `ext` (any file for "").
fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, ext, out);
        } else if path.to_string_lossy().ends_with(ext) {
            out.push(path);
        }
    }
}

/// (statements, statements the fast path answered for) over `paths`.
fn check_files(paths: &[PathBuf]) -> (usize, usize) {
    let (mut total, mut fast) = (0, 0);
    for path in paths {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let text = String::from_utf8_lossy(&bytes);
        for piece in split::split(&text) {
            if piece.kind != PieceKind::Sql {
                continue;
            }
            total += 1;
            let sql = &text[piece.start..piece.end];
            let answered = std::panic::catch_unwind(|| fast_tokens_agree(sql))
                .unwrap_or_else(|_| panic!("in {} at byte {}", path.display(), piece.start));
            if answered {
                fast += 1;
            }
        }
    }
    (total, fast)
}

fn report(what: &str, (total, fast): (usize, usize)) {
    println!(
        "{what}: the fast path answered {fast} of {total} statements ({:.1}%)",
        100.0 * fast as f64 / total.max(1) as f64
    );
}

#[test]
fn fast_tokens_are_sqlparsers_on_project_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    files(&root.join("sample_migrations"), ".sql", &mut paths);
    files(&root.join("tests/data"), ".sql", &mut paths);
    files(&root.join("tests/fuzz-regressions"), "", &mut paths);
    assert!(paths.len() >= 16, "the project's SQL files are missing");
    let counts = check_files(&paths);
    report("sample_migrations and test fixtures", counts);
    assert!(
        counts.1 * 2 > counts.0,
        "the fast path answered for too few statements: {counts:?}"
    );
}

#[test]
fn fast_tokens_are_sqlparsers_on_shared_conformance_and_corpus() {
    for what in ["conformance", "corpus"] {
        let Some(dir) = common::shared_dir(what) else {
            continue;
        };
        let mut paths = Vec::new();
        files(&dir, ".sql", &mut paths);
        report(&format!("../shared/{what}"), check_files(&paths));
    }
}

#[test]
fn fast_tokens_are_sqlparsers_on_extra_dirs() {
    let Ok(dirs) = std::env::var("SCHEMAGUARD_TOKENS_DIRS") else {
        return;
    };
    for dir in dirs.split(':').filter(|d| !d.is_empty()) {
        let mut paths = Vec::new();
        files(Path::new(dir), ".sql", &mut paths);
        report(dir, check_files(&paths));
    }
}
