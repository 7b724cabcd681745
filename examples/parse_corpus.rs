//! Parse coverage on `../shared/corpus/` (development aid; the test suite has its own).
//! usage: cargo run --release --example parse_corpus [CORPUS_DIR] [-v]
use schemaguard::ops::Operation;
use schemaguard::parse::{Statement, parse_file};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "-v");
    let root = args
        .iter()
        .find(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../shared/corpus"));
    let manifest: serde_json::Value = match std::fs::read_to_string(root.join("manifest.json"))
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(m) => m,
        Err(e) => {
            eprintln!("cannot read {}/manifest.json: {e}", root.display());
            std::process::exit(2);
        }
    };
    let (mut total, mut unparsed) = (0usize, 0usize);
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for set in manifest["sets"].as_array().into_iter().flatten() {
        let name = set["name"].as_str().unwrap_or_default();
        for file in set["files"].as_array().into_iter().flatten() {
            let rel = file.as_str().unwrap_or_default();
            let path = root.join("sets").join(name).join(rel);
            let Ok(text) = std::fs::read_to_string(&path) else {
                eprintln!("cannot read {}", path.display());
                continue;
            };
            let parsed = parse_file(&text);
            let mut all: Vec<&Statement> = Vec::new();
            for s in &parsed.statements {
                all.push(s);
                all.extend(s.embedded.iter());
            }
            for s in parsed.statements.iter() {
                total += 1;
                let kind = format!("{:?}", std::mem::discriminant(&s.op));
                let _ = kind;
                let k = match &s.op {
                    Operation::Other { kind } => format!("Other({kind})"),
                    op => serde_json::to_value(op)
                        .ok()
                        .and_then(|v| v["op"].as_str().map(str::to_string))
                        .unwrap_or_default(),
                };
                *kinds.entry(k).or_default() += 1;
                if let Operation::Unparsed { reason } = &s.op {
                    unparsed += 1;
                    let short: String = reason.chars().take(70).collect();
                    *reasons.entry(short).or_default() += 1;
                    if verbose {
                        let first: String = s
                            .text
                            .lines()
                            .next()
                            .unwrap_or("")
                            .chars()
                            .take(100)
                            .collect();
                        println!(
                            "UNPARSED {name}/{rel}:{} {first}\n    {reason}",
                            s.span.start_pos.line
                        );
                    }
                }
            }
        }
    }
    println!("statement kinds:");
    for (k, n) in &kinds {
        println!("  {n:6} {k}");
    }
    println!("unparsed reasons:");
    let mut rs: Vec<_> = reasons.into_iter().collect();
    rs.sort_by_key(|r| std::cmp::Reverse(r.1));
    for (r, n) in rs.iter().take(40) {
        println!("  {n:5} {r}");
    }
    println!(
        "parse coverage: {}/{} = {:.2}%",
        total - unparsed,
        total,
        100.0 * (total - unparsed) as f64 / total.max(1) as f64
    );
}
