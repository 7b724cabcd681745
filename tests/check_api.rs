//! The public API (`examples/check_api.rs`, which uses nothing but `schemaguard::Checker`
//! and its `Report`) prints the same findings as the command line on
//! `sample_migrations/`, and exits as `check` does.

mod common;

use std::path::PathBuf;
use std::process::Command;

/// The example's binary, built beside the test binaries by `cargo test` (and built
/// here, by the cargo running the tests, when only this test was asked for).
fn example() -> PathBuf {
    static BUILT: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_build = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    let exe = std::env::current_exe().expect("the test binary's path");
    let deps = exe.parent().expect("target/<profile>/deps");
    let dir = deps.parent().expect("target/<profile>");
    let path = dir.join("examples").join("check_api");
    if !path.exists() {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = Command::new(cargo);
        build
            .args(["build", "--example", "check_api"])
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        if !cfg!(debug_assertions) {
            build.arg("--release");
        }
        let status = build.status().expect("run cargo build --example check_api");
        assert!(status.success(), "cargo build --example check_api failed");
    }
    assert!(path.exists(), "{} is missing", path.display());
    path
}

fn cli_lines(args: &[&str]) -> (i32, Vec<String>) {
    let out = common::schemaguard(args);
    let json: serde_json::Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("check --format json: {e}\n{}", out.stderr));
    let lines = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            format!(
                "{}:{}:{}: {}[{}] {}",
                f["file"].as_str().unwrap_or_default(),
                f["line"],
                f["column"],
                f["severity"].as_str().unwrap_or_default(),
                f["rule"].as_str().unwrap_or_default(),
                f["message"].as_str().unwrap_or_default()
            )
        })
        .collect();
    (out.code, lines)
}

fn api_lines(args: &[&str]) -> (i32, Vec<String>, String) {
    let out = Command::new(example())
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run the example");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut lines: Vec<String> = stdout.lines().map(str::to_string).collect();
    let totals = lines.pop().unwrap_or_default();
    (out.status.code().unwrap_or(-1), lines, totals)
}

#[test]
fn the_example_prints_the_findings_of_the_cli_on_the_samples() {
    let (cli_code, cli) = cli_lines(&["check", "--format", "json", "sample_migrations"]);
    let (api_code, api, totals) = api_lines(&["sample_migrations"]);
    assert!(!cli.is_empty(), "the samples have findings");
    assert_eq!(api, cli);
    assert_eq!(api_code, cli_code);
    assert!(
        totals.starts_with(&format!("{} findings in ", cli.len())),
        "{totals}"
    );
}

#[test]
fn the_version_changes_the_findings_alike() {
    let (_, cli) = cli_lines(&[
        "check",
        "--format",
        "json",
        "--pg-version",
        "10",
        "sample_migrations",
    ]);
    let (_, api, totals) = api_lines(&["--pg-version", "10", "sample_migrations"]);
    assert_eq!(api, cli);
    assert!(totals.ends_with("PostgreSQL 10"), "{totals}");
}
