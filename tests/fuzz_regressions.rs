//! Every input the fuzz targets found to crash (`tests/fuzz-regressions/<target>/`),
//! run through the same entry points as `fuzz/`, plus a few hard inputs written by hand,
//! so that the targets' harness itself is exercised on stable in every test run.

use schemaguard::fuzzing;
use std::path::Path;

fn saved(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().is_file())
                .map(|e| {
                    let bytes = std::fs::read(e.path()).expect("read a saved input");
                    (e.file_name().to_string_lossy().into_owned(), bytes)
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Inputs that have broken splitters and parsers before: unterminated constructs at
/// the very end, nesting, multi-byte characters at boundaries, psql layers.
fn hand_written() -> Vec<Vec<u8>> {
    let mut inputs: Vec<Vec<u8>> = [
        "",
        "'",
        "\"",
        "$",
        "$$",
        "$a$",
        "$a$ $b$",
        "/*",
        "/* /* */",
        "--",
        "E'\\",
        "U&\"",
        ";",
        ";;;",
        "\\",
        "\\copy",
        "COPY t FROM stdin;\n1\n",
        "BEGIN ATOMIC",
        "é",
        "'é",
        "CREATE TABLE é (ü int);\0ALTER TABLE é ADD COLUMN x int;",
        "DO $$ BEGIN EXECUTE 'x",
        "CREATE FUNCTION f() AS $$",
        "-- schemaguard:ignore",
        "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;",
        "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    inputs.push(format!("SELECT {}1{};", "(".repeat(10_000), ")".repeat(10_000)).into_bytes());
    inputs.push("/*".repeat(5_000).into_bytes());
    inputs.push(vec![0xff, 0xfe, 0x00, 0x41]);
    inputs.push(b"CREATE TABLE t (a int);\0\0\0\0\0ALTER TABLE t DROP COLUMN a;".to_vec());
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_migrations");
    let mut history = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(sample)
        .expect("sample_migrations")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    names.sort();
    for (i, p) in names.iter().take(4).enumerate() {
        if i > 0 {
            history.push(0);
        }
        history.extend(std::fs::read(p).expect("read sample"));
    }
    inputs.push(history);
    inputs
}

#[test]
fn saved_split_inputs_do_not_crash() {
    for (name, bytes) in saved("split") {
        eprintln!("split: {name}");
        fuzzing::split_and_parse(&bytes);
    }
    for bytes in hand_written() {
        fuzzing::split_and_parse(&bytes);
    }
}

#[test]
fn saved_check_inputs_do_not_crash() {
    for (name, bytes) in saved("check") {
        eprintln!("check: {name}");
        fuzzing::check(&bytes);
    }
    for bytes in hand_written() {
        fuzzing::check(&bytes);
    }
}
