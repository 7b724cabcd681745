//! Checks migrations through the public API only (`schemaguard::Checker`), and prints
//! one line per finding, then the totals: what a bot or another linter would do.
//!
//! usage: cargo run --example check_api -- [--pg-version N] PATH...
//!
//! The configuration is looked for from the current directory, as the command line
//! does; the exit code is 1 when a finding is an error, 2 when the check could not run.

use schemaguard::{Checker, Severity};

fn main() {
    let mut checker = Checker::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--pg-version" {
            match args.next().and_then(|v| v.parse().ok()) {
                Some(major) => checker = checker.pg_version(major),
                None => {
                    eprintln!("error: --pg-version needs a major version, e.g. 16");
                    std::process::exit(2);
                }
            }
        } else {
            checker = checker.path(arg);
        }
    }
    if let Ok(dir) = std::env::current_dir() {
        checker = checker.discover_config(dir);
    }
    let report = match checker.check() {
        Ok(report) => report,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    for f in &report.findings {
        println!(
            "{}:{}:{}: {}[{}] {}",
            f.file,
            f.line,
            f.column,
            f.severity.as_str(),
            f.rule,
            f.message
        );
    }
    for u in &report.unreadable {
        eprintln!("error: {}: {}", u.file, u.message);
    }
    println!(
        "{} findings in {} files ({} statements), PostgreSQL {}",
        report.findings.len(),
        report.files,
        report.statements,
        report.pg_version
    );
    let failed = report
        .findings
        .iter()
        .any(|f| f.severity == Severity::Error);
    std::process::exit(if !report.unreadable.is_empty() {
        2
    } else {
        i32::from(failed)
    });
}
