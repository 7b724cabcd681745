//! The fast tokenizer (`parse::tokens`) against sqlparser's on every statement we have:
//! `sample_migrations/`, the test fixtures, `../shared/conformance/**/*.sql` and
//! `../shared/corpus/` (skipped with a message where `../shared` is absent), plus the
//! folders named in `SCHEMAGUARD_TOKENS_DIRS` (`:`-separated; e.g. a generated bench
//! history). Whenever the fast path answers, its tokens and spans must be sqlparser's;
//! prints how many statements took it. On the same statements and their mutations, the
//! dialect statements are first parsed with must parse as sqlparser's PostgreSQL dialect
//! does (`parse::dialect`).

mod common;

use schemaguard::fuzzing::{fast_tokens_agree, unlocated_dialect_agrees};
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

/// The SQL statements of the files at `paths`, each with its file.
fn statements(paths: &[PathBuf]) -> Vec<(&Path, String)> {
    let mut out = Vec::new();
    for path in paths {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let text = String::from_utf8_lossy(&bytes);
        for piece in split::split(&text) {
            if piece.kind == PieceKind::Sql {
                out.push((path.as_path(), text[piece.start..piece.end].to_string()));
            }
        }
    }
    out
}

/// (statements, statements the fast path answered for) over `paths`.
fn check_files(paths: &[PathBuf]) -> (usize, usize) {
    let statements = statements(paths);
    let mut fast = 0;
    for (path, sql) in &statements {
        let answered = std::panic::catch_unwind(|| {
            unlocated_dialect_agrees(sql);
            fast_tokens_agree(sql)
        })
        .unwrap_or_else(|_| panic!("in {}: {sql:?}", path.display()));
        if answered {
            fast += 1;
        }
    }
    (statements.len(), fast)
}

/// Real statements with a few SQL-ish pieces inserted at random places (a deterministic
/// LCG): the edges of the fast path's subset inside realistic text.
fn check_mutations(paths: &[PathBuf], per_statement: usize) -> (usize, usize) {
    const PIECES: &[&str] = &[
        "'", "\"", "$", "$$", "$a$", "--", "/*", "*/", "-", ">", "<", "=", "!", "|", ":", ".", "_",
        "1", "e", "E'", "U&", "\\", "é", "\r", "\n", "\t", "?", "@", "#", "~", "^", "&", "->",
        "->>", "$1", "0x", "1e5", "stdin", " ",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    let (mut total, mut fast) = (0, 0);
    for (path, sql) in statements(paths) {
        for _ in 0..per_statement {
            let mut mutated = sql.clone();
            for _ in 0..1 + next() % 3 {
                let mut at = next() % (mutated.len() + 1);
                while !mutated.is_char_boundary(at) {
                    at -= 1;
                }
                mutated.insert_str(at, PIECES[next() % PIECES.len()]);
            }
            total += 1;
            let answered = std::panic::catch_unwind(|| {
                unlocated_dialect_agrees(&mutated);
                fast_tokens_agree(&mutated)
            })
            .unwrap_or_else(|_| panic!("a mutation of a statement of {}", path.display()));
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
    report(
        "sample_migrations and test fixtures, mutated",
        check_mutations(&paths, 200),
    );
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
        report(
            &format!("../shared/{what}, mutated"),
            check_mutations(&paths, 4),
        );
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
