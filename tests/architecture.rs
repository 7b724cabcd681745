//! The dependency arrows between modules run one way (ARCHITECTURE.md, "Dependency
//! arrows"): every `crate::` path in the code of `src/` (comments and `#[cfg(test)]`
//! modules left out: tests may drive the whole pipeline) is read, and an arrow that runs
//! back up fails this test with the file and line.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// (module, modules it must not use). A module is the first segment under `src/`.
const FORBIDDEN: &[(&str, &[&str])] = &[
    // rules read the per-file and transaction state from `context`, never the driver
    (
        "rules",
        &[
            "analysis", "pipeline", "cli", "report", "lsp", "trace", "diff", "live",
        ],
    ),
    // commands return their exit codes from `exit`, not from the CLI
    ("diff", &["cli"]),
    ("trace", &["cli"]),
    ("report", &["cli"]),
    ("live", &["cli", "pipeline", "report"]),
    ("lsp", &["cli"]),
    ("pipeline", &["cli", "report", "lsp", "diff", "trace"]),
    ("config", &["cli", "pipeline", "analysis"]),
    (
        "source",
        &["cli", "pipeline", "analysis", "rules", "report"],
    ),
    ("exit", &["cli"]),
    // the public API composes the pipeline's stages; the command line is its peer
    ("api", &["cli", "report", "lsp", "diff", "trace"]),
    // the model: knows nothing of the driver, the rules or the commands
    (
        "context",
        &[
            "analysis", "rules", "pipeline", "cli", "report", "diff", "trace", "lsp",
        ],
    ),
    (
        "effects",
        &[
            "analysis", "rules", "pipeline", "cli", "report", "diff", "trace", "lsp", "live",
            "graph",
        ],
    ),
    (
        "catalog",
        &[
            "analysis", "rules", "pipeline", "cli", "report", "diff", "trace", "lsp", "live",
            "effects", "graph",
        ],
    ),
    (
        "graph",
        &[
            "analysis", "rules", "pipeline", "cli", "report", "diff", "trace", "lsp",
        ],
    ),
    (
        "ops",
        &[
            "analysis", "rules", "pipeline", "cli", "report", "diff", "trace", "lsp", "live",
            "catalog", "effects",
        ],
    ),
    (
        "parse",
        &[
            "analysis", "rules", "pipeline", "cli", "report", "diff", "trace", "lsp", "live",
            "catalog", "effects",
        ],
    ),
    ("lock", &["analysis", "rules", "pipeline", "cli", "effects"]),
    ("span", &["analysis", "rules", "pipeline", "cli"]),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The modules named by `crate::` paths on one line of code, grouped imports
/// (`use crate::{a, b::c}`) included.
fn crate_paths(line: &str, out: &mut BTreeSet<String>) {
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.insert(name);
        }
    }
}

/// (module, file, line, used module) for every `crate::` path in code outside tests.
fn arrows() -> Vec<(String, String, usize, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut found = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&src).expect("under src").to_path_buf();
        if relative.file_name().is_some_and(|n| n == "tests.rs") {
            continue; // `#[cfg(test)] mod tests;` in its own file
        }
        let module = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .map(|c| c.trim_end_matches(".rs").to_string())
            .expect("a module");
        let text = std::fs::read_to_string(&file).expect("source is UTF-8");
        let mut previous_is_cfg_test = false;
        for (number, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if previous_is_cfg_test && code.starts_with("mod ") {
                break; // the test module closes the file in this code base
            }
            previous_is_cfg_test = code.starts_with("#[cfg(test)]");
            let code = code.split("//").next().unwrap_or("");
            let mut used = BTreeSet::new();
            crate_paths(code, &mut used);
            for u in used {
                if u != module {
                    found.push((
                        module.clone(),
                        relative.display().to_string(),
                        number + 1,
                        u,
                    ));
                }
            }
        }
    }
    found
}

#[test]
fn no_dependency_arrow_runs_back_up() {
    let mut wrong = Vec::new();
    for (module, file, line, used) in arrows() {
        let forbidden = FORBIDDEN
            .iter()
            .filter(|(m, _)| *m == module)
            .any(|(_, f)| f.contains(&used.as_str()));
        // only the command line itself (and `main.rs`, outside the library) uses `cli`
        if forbidden || (used == "cli" && module != "cli") {
            wrong.push(format!(
                "src/{file}:{line}: `{module}` uses `crate::{used}`"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "arrows running back up:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_scan_sees_the_arrows_that_are_allowed() {
    // the check cannot pass by reading nothing: known downward arrows are found
    let all = arrows();
    let has = |m: &str, u: &str| all.iter().any(|(a, _, _, b)| a == m && b == u);
    assert!(has("analysis", "rules"));
    assert!(has("rules", "context"));
    assert!(has("diff", "exit"));
    assert!(has("cli", "pipeline"));
}

#[test]
fn grouped_imports_are_read() {
    let mut used = BTreeSet::new();
    crate_paths("use crate::{analysis::FileContext, cli};", &mut used);
    assert_eq!(
        used.into_iter().collect::<Vec<_>>(),
        vec!["analysis".to_string(), "cli".to_string()]
    );
}
