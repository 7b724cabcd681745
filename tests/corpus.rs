//! Measures schemaguard on `../shared/corpus/`: six real migration histories (~5,100
//! statements) with what PostgreSQL 15 actually did for each statement.
//! - parse coverage: statements understood (not `unparsed-statement`), target 99.9%,
//!   and every DROP INDEX, REINDEX, ALTER TABLE, CREATE INDEX and DO lowered;
//! - plan agreement: the strongest predicted lock per pre-existing table, and the
//!   rewrite set, against the observed labels (target 95%).
//!
//! Skips with a message where `../shared` is absent.

mod common;

use schemaguard::pipeline::{self, RunOptions};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

const MODES: [&str; 8] = [
    "ACCESS SHARE",
    "ROW SHARE",
    "ROW EXCLUSIVE",
    "SHARE UPDATE EXCLUSIVE",
    "SHARE",
    "SHARE ROW EXCLUSIVE",
    "EXCLUSIVE",
    "ACCESS EXCLUSIVE",
];

fn strength(mode: &str) -> usize {
    MODES.iter().position(|m| *m == mode).unwrap_or(0)
}

fn norm_rel(name: &str) -> String {
    name.replace('"', "")
        .to_lowercase()
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Strongest lock of SHARE or stronger per relation in `names`.
fn strongest<'a>(
    locks: impl Iterator<Item = (String, &'a str)>,
    names: &BTreeSet<String>,
) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for (rel, mode) in locks {
        if !names.contains(&rel) || strength(mode) < strength("SHARE") {
            continue;
        }
        match out.get(&rel) {
            Some(m) if strength(m) >= strength(mode) => {}
            _ => {
                out.insert(rel, mode.to_string());
            }
        }
    }
    out
}

struct SetResult {
    statements: usize,
    unparsed: Vec<String>,
    not_lowered: Vec<String>,
    lock_ok: usize,
    lock_n: usize,
    rw_ok: usize,
    rw_n: usize,
    disagreements: Vec<String>,
    /// Statements labelled `rewrite` or `scan_under_lock`, and those with a finding of
    /// severity warning or error.
    severe_n: usize,
    severe_flagged: usize,
    severe_missed: Vec<String>,
    /// Statements labelled safe, and those flagged (warning+) by a lock or rewrite rule.
    safe_n: usize,
    safe_flagged_by_lock_rules: usize,
}

fn run_set(corpus: &Path, name: &str) -> SetResult {
    let dir = corpus.join("sets").join(name);
    let run = pipeline::run(&RunOptions {
        paths: vec![dir.clone()],
        pg_version: Some(15),
        cwd: dir.clone(),
        ..RunOptions::default()
    })
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(
        run.input_errors.is_empty(),
        "{name}: {:?}",
        run.input_errors
    );
    let rel_of: HashMap<&str, String> = run
        .files
        .iter()
        .map(|f| {
            let rel = f
                .path
                .strip_prefix(&dir)
                .unwrap_or(&f.path)
                .to_string_lossy()
                .replace('\\', "/");
            (f.display.as_str(), rel)
        })
        .collect();
    let mut by_file: HashMap<String, Vec<&schemaguard::analysis::PlannedStatement>> =
        HashMap::new();
    for p in &run.analysis.plan {
        let rel = rel_of
            .get(p.file.as_str())
            .cloned()
            .unwrap_or_else(|| p.file.clone());
        by_file.entry(rel).or_default().push(p);
    }
    let mut res = SetResult {
        statements: run.analysis.plan.len(),
        unparsed: Vec::new(),
        not_lowered: Vec::new(),
        lock_ok: 0,
        lock_n: 0,
        rw_ok: 0,
        rw_n: 0,
        disagreements: Vec::new(),
        severe_n: 0,
        severe_flagged: 0,
        severe_missed: Vec::new(),
        safe_n: 0,
        safe_flagged_by_lock_rules: 0,
    };
    // findings of severity warning or error, by file, as (line, rule)
    let mut flagged: HashMap<String, Vec<(u32, &'static str)>> = HashMap::new();
    for f in &run.analysis.findings {
        if f.severity >= schemaguard::rules::Severity::Warning {
            let rel = rel_of
                .get(f.file.as_str())
                .cloned()
                .unwrap_or_else(|| f.file.clone());
            // a finding reported once per migration stands for its related statements too
            let lines =
                std::iter::once(f.span.start_pos.line).chain(f.related.iter().map(|r| r.line));
            flagged
                .entry(rel)
                .or_default()
                .extend(lines.map(|line| (line, f.rule)));
        }
    }
    for p in &run.analysis.plan {
        if p.kind == "UNPARSED" {
            res.unparsed.push(format!(
                "{name}/{}:{} {}",
                rel_of
                    .get(p.file.as_str())
                    .map_or(p.file.as_str(), |s| s.as_str()),
                p.span.start_pos.line,
                p.sql
            ));
        }
    }
    let labels = std::fs::read_to_string(corpus.join("labels").join(format!("{name}.jsonl")))
        .expect("read labels");
    for line in labels.lines() {
        let l: Value = serde_json::from_str(line).expect("label JSON");
        if !l["skipped"].is_null() {
            continue;
        }
        let file = l["file"].as_str().unwrap_or_default();
        let start = l["start_line"].as_u64().unwrap_or(0) as u32;
        let candidates = by_file.get(file).map(Vec::as_slice).unwrap_or(&[]);
        let planned = candidates
            .iter()
            .find(|p| p.span.start_pos.line == start)
            .or_else(|| {
                candidates
                    .iter()
                    .find(|p| p.span.start_pos.line <= start && start <= p.span.end_pos.line)
            })
            .copied();
        let kind = l["kind"].as_str().unwrap_or_default();
        if l["error"].is_null() {
            let end = l["end_line"].as_u64().unwrap_or(start as u64) as u32;
            let here: Vec<&'static str> = flagged
                .get(file)
                .map(|v| {
                    v.iter()
                        .filter(|(line, _)| (start..=end).contains(line))
                        .map(|(_, r)| *r)
                        .collect()
                })
                .unwrap_or_default();
            match (l["label"].as_str(), l["danger_class"].as_str()) {
                (Some("dangerous"), Some("rewrite" | "scan_under_lock")) => {
                    res.severe_n += 1;
                    if here.is_empty() {
                        res.severe_missed
                            .push(format!("{name}/{file}:{start} {kind}"));
                    } else {
                        res.severe_flagged += 1;
                    }
                }
                (Some("safe"), _) => {
                    res.safe_n += 1;
                    let by_lock_rule = here.iter().any(|r| {
                        schemaguard::rules::by_id(r).is_some_and(|rule| {
                            rule.category() == schemaguard::rules::Category::Locks
                        })
                    });
                    if by_lock_rule {
                        res.safe_flagged_by_lock_rules += 1;
                    }
                }
                _ => {}
            }
        }
        for family in ["DROP INDEX", "REINDEX", "ALTER TABLE", "CREATE INDEX", "DO"] {
            if kind == family || kind.starts_with(&format!("{family} ")) {
                let ok = planned.is_some_and(|p| p.kind.starts_with(family));
                if !ok {
                    res.not_lowered.push(format!(
                        "{name}/{file}:{start} {kind} -> {}",
                        planned.map_or("no statement", |p| p.kind.as_str())
                    ));
                }
            }
        }
        if !l["error"].is_null() || l["lock_source"].as_str() != Some("observed") {
            continue;
        }
        let locks = l["locks"].as_array().cloned().unwrap_or_default();
        let pre: BTreeSet<String> = locks
            .iter()
            .filter(|k| {
                k["preexisting"].as_bool() == Some(true)
                    && matches!(k["relkind"].as_str(), Some("r" | "p" | "m"))
            })
            .map(|k| norm_rel(k["relation"].as_str().unwrap_or_default()))
            .collect();
        let observed = strongest(
            locks
                .iter()
                .filter(|k| k["preexisting"].as_bool() == Some(true))
                .map(|k| {
                    (
                        norm_rel(k["relation"].as_str().unwrap_or_default()),
                        k["mode"].as_str().unwrap_or_default(),
                    )
                }),
            &pre,
        );
        let predicted = planned.map(|p| {
            strongest(
                p.locks
                    .iter()
                    .map(|k| (norm_rel(&k.relation.to_string()), k.mode.as_str())),
                &pre,
            )
        });
        res.lock_n += 1;
        if predicted.as_ref() == Some(&observed) {
            res.lock_ok += 1;
        } else {
            res.disagreements.push(format!(
                "{kind}: observed {observed:?}, predicted {}  ({name}/{file}:{start})",
                predicted.map_or("no statement".to_string(), |p| format!("{p:?}"))
            ));
        }
        let orw: BTreeSet<String> = l["rewritten_preexisting"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r.as_str())
            .map(norm_rel)
            .collect();
        let prw: BTreeSet<String> = planned
            .map(|p| {
                p.rewrites
                    .iter()
                    .map(|r| norm_rel(&r.to_string()))
                    .collect()
            })
            .unwrap_or_default();
        if !orw.is_empty() || !prw.is_empty() {
            res.rw_n += 1;
            if orw == prw {
                res.rw_ok += 1;
            } else {
                res.disagreements.push(format!(
                    "{kind}: rewrites observed {orw:?}, predicted {prw:?}  ({name}/{file}:{start})"
                ));
            }
        }
    }
    res
}

fn set_names(corpus: &Path) -> Vec<String> {
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(corpus.join("manifest.json")).expect("read manifest"),
    )
    .expect("manifest JSON");
    manifest["sets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["name"].as_str().map(str::to_string))
        .collect()
}

/// The commonest disagreement shapes: the message without its location.
fn commonest(items: &[String], n: usize) -> Vec<(usize, String)> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for d in items {
        let shape = d
            .rsplit_once("  (")
            .map_or(d.as_str(), |(s, _)| s)
            .to_string();
        *counts.entry(shape).or_default() += 1;
    }
    let mut v: Vec<(usize, String)> = counts.into_iter().map(|(s, c)| (c, s)).collect();
    v.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    v.truncate(n);
    v
}

#[test]
fn corpus_parse_coverage_and_plan_agreement() {
    let Some(corpus) = common::shared_dir("corpus") else {
        return;
    };
    let mut total = 0;
    let (mut unparsed, mut not_lowered, mut disagreements) = (Vec::new(), Vec::new(), Vec::new());
    let (mut lock_ok, mut lock_n, mut rw_ok, mut rw_n) = (0, 0, 0, 0);
    let (mut severe_n, mut severe_flagged, mut safe_n, mut safe_flagged) = (0, 0, 0, 0);
    let mut severe_missed = Vec::new();
    for name in set_names(&corpus) {
        let r = run_set(&corpus, &name);
        println!(
            "{name}: {} statements, {} unparsed, locks {}/{}, rewrites {}/{}",
            r.statements,
            r.unparsed.len(),
            r.lock_ok,
            r.lock_n,
            r.rw_ok,
            r.rw_n
        );
        total += r.statements;
        unparsed.extend(r.unparsed);
        not_lowered.extend(r.not_lowered);
        disagreements.extend(r.disagreements);
        lock_ok += r.lock_ok;
        lock_n += r.lock_n;
        rw_ok += r.rw_ok;
        rw_n += r.rw_n;
        severe_n += r.severe_n;
        severe_flagged += r.severe_flagged;
        severe_missed.extend(r.severe_missed);
        safe_n += r.safe_n;
        safe_flagged += r.safe_flagged_by_lock_rules;
    }
    let coverage = 100.0 * (total - unparsed.len()) as f64 / total.max(1) as f64;
    let locks = 100.0 * lock_ok as f64 / lock_n.max(1) as f64;
    let rewrites = 100.0 * rw_ok as f64 / rw_n.max(1) as f64;
    println!("unparsed statements:");
    for u in &unparsed {
        println!("  {u}");
    }
    if std::env::var_os("SCHEMAGUARD_CORPUS_VERBOSE").is_some() {
        println!("all plan disagreements:");
        for d in &disagreements {
            println!("  {d}");
        }
    }
    println!("commonest plan disagreements:");
    for (n, d) in commonest(&disagreements, 15) {
        println!("  {n:5}  {d}");
    }
    println!(
        "corpus: coverage {coverage:.2}% ({} of {total} unparsed), locks {locks:.1}% ({lock_ok}/{lock_n}), rewrites {rewrites:.1}% ({rw_ok}/{rw_n})",
        unparsed.len()
    );
    let severe_recall = 100.0 * severe_flagged as f64 / severe_n.max(1) as f64;
    let lock_fp = 100.0 * safe_flagged as f64 / safe_n.max(1) as f64;
    println!("rewrite/scan_under_lock statements without a warning or error:");
    for m in &severe_missed {
        println!("  {m}");
    }
    println!(
        "corpus: rewrite/scan_under_lock flagged {severe_recall:.1}% ({severe_flagged}/{severe_n}); lock and rewrite rules flag {lock_fp:.1}% of safe statements ({safe_flagged}/{safe_n})"
    );
    assert!(
        lock_fp <= 10.0,
        "lock and rewrite rules flag {lock_fp:.1}% of safe statements (limit 10%)"
    );
    assert_eq!(
        severe_flagged, severe_n,
        "every rewrite/scan_under_lock statement must get a warning or error ({severe_recall:.1}%)"
    );
    assert!(
        not_lowered.is_empty(),
        "statements not lowered to their operation:\n{}",
        not_lowered.join("\n")
    );
    assert!(
        coverage >= 99.9,
        "parse coverage {coverage:.2}% is below 99.9%"
    );
    assert!(
        locks >= 95.0,
        "plan lock agreement {locks:.1}% is below 95%"
    );
}
