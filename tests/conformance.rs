//! Runs every case of `../shared/conformance/` (format: its README) through
//! `schemaguard check` and `schemaguard plan` and fails on any unmet expectation.

mod common;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const BLOCKING: &[&str] = &[
    "SHARE",
    "SHARE ROW EXCLUSIVE",
    "EXCLUSIVE",
    "ACCESS EXCLUSIVE",
];

/// `(start line of the statement, [(kind, value)])` for statements preceded by
/// `-- expect...:` comments.
fn expectations(text: &str) -> Vec<(u32, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let mut pending: Vec<(String, String)> = Vec::new();
    let mut in_stmt = false;
    for (i, line) in text.lines().enumerate() {
        let s = line.trim();
        if !in_stmt {
            if let Some(rest) = s.strip_prefix("--") {
                let rest = rest.trim();
                if let Some((kind, value)) = rest.split_once(':') {
                    if matches!(kind, "expect" | "expect-lock" | "expect-rewrite") {
                        pending.push((kind.to_string(), value.trim().to_string()));
                        continue;
                    }
                }
            }
        }
        if s.is_empty() || s.starts_with("--") {
            continue;
        }
        if !in_stmt {
            if !pending.is_empty() {
                out.push((i as u32 + 1, std::mem::take(&mut pending)));
            }
            in_stmt = true;
        }
        if s.ends_with(';') {
            in_stmt = false;
        }
    }
    out
}

fn norm_rel(name: &str) -> String {
    name.replace('"', "")
        .to_lowercase()
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_string()
}

fn created_tables(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let mut out = Vec::new();
    let mut rest = lower.as_str();
    while let Some(i) = rest.find("create table") {
        let after = rest[i + "create table".len()..].trim_start();
        let after = after
            .strip_prefix("if not exists")
            .unwrap_or(after)
            .trim_start();
        let name: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '"'))
            .collect();
        out.push(norm_rel(&name));
        rest = &rest[i + 1..];
    }
    out
}

fn file_key(f: &str) -> String {
    let parts: Vec<&str> = f.split('/').collect();
    parts[parts.len().saturating_sub(2)..].join("/")
}

fn run_case(case: &Path) -> Vec<String> {
    let mut failures = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(case)
        .expect("read case dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    let all_text: String = files
        .iter()
        .map(|f| std::fs::read_to_string(f).expect("read case file"))
        .collect();
    let version = all_text.lines().find_map(|l| {
        l.trim()
            .strip_prefix("--")
            .and_then(|r| r.trim().strip_prefix("pg-version:"))
            .map(|v| v.trim().to_string())
    });
    let dir = case.to_str().expect("utf-8 path");
    let mut args = vec!["check", "--format", "json"];
    if let Some(v) = &version {
        args.extend(["--pg-version", v]);
    }
    args.push(dir);
    let check = common::json(&args);
    args[0] = "plan";
    let plan = common::json(&args);
    let findings = check["findings"].as_array().cloned().unwrap_or_default();
    let statements = plan["statements"].as_array().cloned().unwrap_or_default();
    let case_name = case.file_name().and_then(|n| n.to_str()).unwrap_or("?");
    let mut existing: BTreeSet<String> = BTreeSet::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read case file");
        let fk = file_key(f.to_str().expect("utf-8"));
        let fname = f.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        for (start, exps) in expectations(&text) {
            let mine: Vec<&Value> = statements
                .iter()
                .filter(|s| file_key(s["file"].as_str().unwrap_or_default()) == fk)
                .collect();
            let st = mine
                .iter()
                .find(|s| s["start_line"].as_u64() == Some(start as u64))
                .or_else(|| {
                    mine.iter().find(|s| {
                        s["start_line"].as_u64().unwrap_or(0) <= start as u64
                            && start as u64 <= s["end_line"].as_u64().unwrap_or(0)
                    })
                })
                .copied();
            let end = st
                .and_then(|s| s["end_line"].as_u64())
                .unwrap_or(start as u64);
            let here: Vec<&Value> = findings
                .iter()
                .filter(|x| {
                    file_key(x["file"].as_str().unwrap_or_default()) == fk
                        && (start as u64..=end).contains(&x["line"].as_u64().unwrap_or(0))
                })
                .collect();
            let rules: BTreeSet<&str> = here.iter().filter_map(|x| x["rule"].as_str()).collect();
            for (kind, value) in exps {
                let problem = match kind.as_str() {
                    "expect" if value == "none" => {
                        let bad: BTreeSet<&str> = here
                            .iter()
                            .filter(|x| matches!(x["severity"].as_str(), Some("error" | "warning")))
                            .filter_map(|x| x["rule"].as_str())
                            .collect();
                        (!bad.is_empty()).then(|| format!("unexpected {bad:?}"))
                    }
                    "expect" => {
                        let want: BTreeSet<&str> = value
                            .split(',')
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .collect();
                        let missing: Vec<&&str> = want.difference(&rules).collect();
                        (!missing.is_empty())
                            .then(|| format!("missing {missing:?} (got {rules:?})"))
                    }
                    "expect-lock" => match st {
                        None => Some("statement not in plan output".to_string()),
                        Some(st) => {
                            let mut got = BTreeMap::new();
                            for l in st["locks"].as_array().into_iter().flatten() {
                                let rel = norm_rel(l["relation"].as_str().unwrap_or_default());
                                let mode = l["mode"].as_str().unwrap_or_default().to_string();
                                if existing.contains(&rel) && BLOCKING.contains(&mode.as_str()) {
                                    got.insert(rel, mode);
                                }
                            }
                            let mut want = BTreeMap::new();
                            if value != "none" {
                                for part in value.split(',') {
                                    let part = part.trim();
                                    if let Some((rel, mode)) = part.split_once(' ') {
                                        want.insert(norm_rel(rel), mode.trim().to_string());
                                    }
                                }
                            }
                            (got != want).then(|| format!("want {want:?}, got {got:?}"))
                        }
                    },
                    "expect-rewrite" => match st {
                        None => Some("statement not in plan output".to_string()),
                        Some(st) => {
                            let got: BTreeSet<String> = st["rewrites"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .filter_map(|r| r.as_str())
                                .map(norm_rel)
                                .collect();
                            let want: BTreeSet<String> = if value == "none" {
                                BTreeSet::new()
                            } else {
                                [norm_rel(&value)].into_iter().collect()
                            };
                            (got != want).then(|| format!("want {want:?}, got {got:?}"))
                        }
                    },
                    other => Some(format!("unknown expectation kind {other}")),
                };
                if let Some(p) = problem {
                    failures.push(format!(
                        "{case_name}/{fname}:{start} {kind}: {value} -> {p}"
                    ));
                }
            }
        }
        existing.extend(created_tables(&text));
    }
    failures
}

#[test]
fn every_conformance_case_passes() {
    let Some(root) = common::shared_dir("conformance") else {
        return;
    };
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .expect("read conformance dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(
        !cases.is_empty(),
        "no conformance cases in {}",
        root.display()
    );
    let failures: Vec<String> = cases.iter().flat_map(|c| run_case(c)).collect();
    println!(
        "conformance: {} cases, {} failed expectations",
        cases.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "conformance failures:\n{}",
        failures.join("\n")
    );
}
