//! Every rule's page (`rules/<id>.md`) is a test: each ```sql bad block must make the
//! rule fire, each ```sql good block must not. A block may hold several migration files,
//! separated by `-- file: <name>` lines; the earlier ones are history, and the rule is
//! judged on the last one. `-- pg-version: N` in a block sets the target version.

mod common;

use schemaguard::pipeline::{self, RunOptions};
use schemaguard::rules;
use std::path::Path;

struct Example {
    bad: bool,
    line: usize,
    sql: String,
}

fn examples(page: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut current: Option<Example> = None;
    for (i, line) in page.lines().enumerate() {
        let t = line.trim();
        match &mut current {
            None => {
                if let Some(info) = t.strip_prefix("```") {
                    let words: Vec<&str> = info.split_whitespace().collect();
                    if words.first() == Some(&"sql")
                        && (words.contains(&"bad") || words.contains(&"good"))
                    {
                        current = Some(Example {
                            bad: words.contains(&"bad"),
                            line: i + 1,
                            sql: String::new(),
                        });
                    }
                }
            }
            Some(ex) => {
                if t == "```" {
                    out.extend(current.take());
                } else {
                    ex.sql.push_str(line);
                    ex.sql.push('\n');
                }
            }
        }
    }
    out
}

/// Splits an example into `(file name, text)` at `-- file:` lines.
fn files(sql: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in sql.lines() {
        if let Some(name) = line.trim().strip_prefix("-- file:") {
            out.push((name.trim().to_string(), String::new()));
            continue;
        }
        if out.is_empty() {
            out.push(("0001_example.sql".to_string(), String::new()));
        }
        if let Some(last) = out.last_mut() {
            last.1.push_str(line);
            last.1.push('\n');
        }
    }
    out
}

/// The rules that fire on the example's last file.
fn fired(sql: &str, tag: &str) -> Vec<String> {
    let dir = common::TempDir::new(tag);
    let parts = files(sql);
    let mut last = String::new();
    for (name, text) in &parts {
        dir.write(name, text);
        last = name.clone();
    }
    let version = sql.lines().find_map(|l| {
        l.trim()
            .strip_prefix("-- pg-version:")
            .and_then(|v| v.trim().parse::<u32>().ok())
    });
    let run = pipeline::run(&RunOptions {
        paths: vec![dir.0.clone()],
        pg_version: version,
        cwd: dir.0.clone(),
        ..RunOptions::default()
    })
    .unwrap_or_else(|e| panic!("example failed to run: {e}"));
    let last_display = run
        .files
        .iter()
        .find(|f| {
            f.path.file_name().and_then(|n| n.to_str())
                == Path::new(&last).file_name().and_then(|n| n.to_str())
        })
        .map(|f| f.display.clone())
        .unwrap_or_default();
    run.analysis
        .findings
        .iter()
        .filter(|f| f.file == last_display)
        .map(|f| f.rule.to_string())
        .collect()
}

fn page_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")
}

#[test]
fn every_rule_has_a_page_with_bad_and_good_examples() {
    let mut problems = Vec::new();
    for rule in rules::all() {
        let path = page_dir().join(format!("{}.md", rule.id()));
        let Ok(page) = std::fs::read_to_string(&path) else {
            problems.push(format!("{}: no page at {}", rule.id(), path.display()));
            continue;
        };
        let ex = examples(&page);
        // these two need what a page block cannot give (git history; a malformed
        // directive is shown in the page's text), and are tested in tests/cli.rs and
        // tests/since.rs
        let exempt = [
            "invalid-directive",
            "edited-applied-migration",
            "out-of-order-migration",
        ];
        if !ex.iter().any(|e| e.bad) && !exempt.contains(&rule.id()) {
            problems.push(format!("{}: no ```sql bad example", rule.id()));
        }
        if !ex.iter().any(|e| !e.bad) {
            problems.push(format!("{}: no ```sql good example", rule.id()));
        }
        for heading in ["## What it flags", "## Why", "## Instead", "## Versions"] {
            if !page.contains(heading) {
                problems.push(format!("{}: missing section `{heading}`", rule.id()));
            }
        }
        if rules::page(rule.id()).is_none() {
            problems.push(format!("{}: page not compiled into the binary", rule.id()));
        }
    }
    // and no page without a rule
    for entry in std::fs::read_dir(page_dir())
        .expect("rules/ exists")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().to_string();
        if let Some(id) = name.strip_suffix(".md") {
            if id != "README" && rules::by_id(id).is_none() {
                problems.push(format!("rules/{name} documents no rule"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn rule_page_examples_behave_as_documented() {
    let mut failures = Vec::new();
    let mut count = 0;
    for rule in rules::all() {
        let Ok(page) = std::fs::read_to_string(page_dir().join(format!("{}.md", rule.id()))) else {
            continue;
        };
        for ex in examples(&page) {
            count += 1;
            let got = fired(&ex.sql, rule.id());
            let fires = got.iter().any(|r| r == rule.id());
            if fires != ex.bad {
                failures.push(format!(
                    "rules/{}.md:{}: {} example {} (rules that fired: {got:?})",
                    rule.id(),
                    ex.line,
                    if ex.bad { "bad" } else { "good" },
                    if ex.bad { "did not fire" } else { "fired" }
                ));
            }
        }
    }
    println!("{count} rule page examples checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rules_index_matches_the_registry() {
    let index = std::fs::read_to_string(page_dir().join("README.md")).expect("rules/README.md");
    let rows: Vec<Vec<String>> = index
        .lines()
        .filter(|l| l.starts_with("| ["))
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect();
    let expected: Vec<Vec<String>> = rules::all()
        .iter()
        .map(|r| {
            vec![
                format!("[{id}]({id}.md)", id = r.id()),
                r.default_severity().as_str().to_string(),
                r.summary().to_string(),
            ]
        })
        .collect();
    assert_eq!(
        rows, expected,
        "rules/README.md must list every rule, in registry order, with its severity and summary"
    );
}
