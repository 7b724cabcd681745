//! Compares the splitter's statement spans with the oracle's labels on `../shared/corpus/`
//! (development aid). Each label record gives a statement's first and last character
//! (1-based line/column, `;` included) as PostgreSQL saw it.
//! usage: cargo run --release --example split_corpus [CORPUS_DIR] [-v]
use schemaguard::parse::split::{PieceKind, split};
use schemaguard::span::{LineIndex, Position};
use std::collections::{BTreeMap, BTreeSet};
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
            eprintln!(
                "cannot read {}/manifest.json: {e} (corpus absent: nothing to compare)",
                root.display()
            );
            std::process::exit(2);
        }
    };
    let mut texts: Vec<String> = Vec::new();
    let (mut labels_total, mut start_ok, mut both_ok, mut extra) = (0usize, 0usize, 0usize, 0usize);
    for set in manifest["sets"].as_array().into_iter().flatten() {
        let name = set["name"].as_str().unwrap_or_default();
        // file -> set of (start, end) positions the oracle saw
        let mut labels: BTreeMap<String, Vec<(Position, Position)>> = BTreeMap::new();
        let label_path = root.join("labels").join(format!("{name}.jsonl"));
        let Ok(label_text) = std::fs::read_to_string(&label_path) else {
            eprintln!("cannot read {}", label_path.display());
            continue;
        };
        for line in label_text.lines() {
            let Ok(r) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            if !r["skipped"].is_null() {
                continue;
            }
            let num = |k: &str| r[k].as_u64().unwrap_or(0) as u32;
            labels
                .entry(r["file"].as_str().unwrap_or_default().to_string())
                .or_default()
                .push((
                    Position {
                        line: num("start_line"),
                        column: num("start_col"),
                    },
                    Position {
                        line: num("end_line"),
                        column: num("end_col"),
                    },
                ));
        }
        for file in set["files"].as_array().into_iter().flatten() {
            let rel = file.as_str().unwrap_or_default();
            let path = root.join("sets").join(name).join(rel);
            let Ok(text) = std::fs::read_to_string(&path) else {
                eprintln!("cannot read {}", path.display());
                continue;
            };
            let index = LineIndex::new(&text);
            texts.push(text.clone());
            let ours: Vec<(Position, Position)> = split(&text)
                .iter()
                .filter(|p| p.kind == PieceKind::Sql)
                .map(|p| {
                    let s = index.span(&text, p.start, p.end);
                    (s.start_pos, s.end_pos)
                })
                .collect();
            let theirs = labels.remove(rel).unwrap_or_default();
            let our_starts: BTreeMap<Position, Position> = ours.iter().copied().collect();
            let their_starts: BTreeSet<Position> = theirs.iter().map(|l| l.0).collect();
            for (s, e) in &theirs {
                labels_total += 1;
                match our_starts.get(s) {
                    Some(oe) if oe == e => {
                        start_ok += 1;
                        both_ok += 1;
                    }
                    Some(oe) => {
                        start_ok += 1;
                        if verbose {
                            println!(
                                "END {name}/{rel}:{}:{} label end {}:{} ours {}:{}",
                                s.line, s.column, e.line, e.column, oe.line, oe.column
                            );
                        }
                    }
                    None => {
                        if verbose {
                            println!(
                                "START {name}/{rel}: label {}:{}-{}:{} has no piece starting there",
                                s.line, s.column, e.line, e.column
                            );
                        }
                    }
                }
            }
            for (s, e) in &ours {
                if !their_starts.contains(s) {
                    extra += 1;
                    if verbose {
                        println!(
                            "EXTRA {name}/{rel}: our piece {}:{}-{}:{} is not a labelled statement",
                            s.line, s.column, e.line, e.column
                        );
                    }
                }
            }
        }
        for (file, l) in labels {
            labels_total += l.len();
            println!(
                "label file {name}/{file} ({} statements) is not in the manifest",
                l.len()
            );
        }
    }
    let pct = |n: usize| 100.0 * n as f64 / labels_total.max(1) as f64;
    println!("labelled statements: {labels_total}");
    println!("start agrees:        {start_ok} ({:.2}%)", pct(start_ok));
    println!("start and end agree: {both_ok} ({:.2}%)", pct(both_ok));
    println!("our pieces without a label: {extra}");
    // throughput over the whole corpus, a few rounds so the timer has something to time
    let bytes: usize = texts.iter().map(String::len).sum();
    let rounds = 20;
    let t = std::time::Instant::now();
    let pieces: usize = (0..rounds)
        .map(|_| texts.iter().map(|t| split(t).len()).sum::<usize>())
        .sum();
    let secs = t.elapsed().as_secs_f64().max(1e-9);
    println!(
        "split throughput: {:.0} MB/s ({} files, {:.1} MB x {rounds}, {pieces} pieces)",
        (rounds * bytes) as f64 / 1e6 / secs,
        texts.len(),
        bytes as f64 / 1e6
    );
}
