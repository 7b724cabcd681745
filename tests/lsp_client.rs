//! `schemaguard lsp` driven by a real LSP client: pytest-lsp (PyPI; a client built on
//! pygls) runs the editor session of `tests/lsp_client/` against the binary built for
//! these tests: open a migration of a small history, see its diagnostics, edit it and see
//! them change, hover and read the locks, apply the fix code action and see the
//! diagnostic go.
//!
//! The Python that has pytest-lsp is `SCHEMAGUARD_LSP_PYTHON`, else `python3` on `PATH`
//! when it can import `pytest_lsp`. `.ci/run` installs it in a virtual environment; a
//! machine without it skips this test with a message (never in CI).

mod common;

use std::path::Path;
use std::process::Command;

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false")
}

/// A Python that can import pytest-lsp, else `None` after saying the test is skipped.
fn python_with_pytest_lsp() -> Option<String> {
    let python = std::env::var("SCHEMAGUARD_LSP_PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "python3".to_string());
    let imports = Command::new(&python)
        .args(["-c", "import pytest_lsp"])
        .output()
        .is_ok_and(|o| o.status.success());
    if imports {
        return Some(python);
    }
    assert!(
        !in_ci(),
        "pytest-lsp is not importable by {python}, and CI must run this test (.ci/run installs it)"
    );
    common::skipped(format!(
        "the LSP client test: {python} cannot import pytest_lsp (pip install 'pytest-lsp>=1,<2' in a virtual environment, and point SCHEMAGUARD_LSP_PYTHON at its python)"
    ));
    None
}

#[test]
fn an_editor_session_through_pytest_lsp() {
    let Some(python) = python_with_pytest_lsp() else {
        return;
    };
    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lsp_client");
    let out = Command::new(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(&suite)
        .current_dir(&suite)
        .env("SCHEMAGUARD_BIN", env!("CARGO_BIN_EXE_schemaguard"))
        // no __pycache__ left in the source tree
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("run pytest");
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "pytest-lsp session failed:\n{shown}");
    // a suite that collected nothing passes too: require the session ran
    assert!(shown.contains("1 passed"), "{shown}");
}
