//! The pictures: the lock timeline as Mermaid in the markdown comment (checked with
//! Mermaid's own renderer, `mmdc` from npm, driving Chromium), kept under GitHub's comment
//! limit on every corpus history; the HTML report and the SVG graph rendered in a real
//! headless Chromium. CI installs Chromium and mermaid-cli; elsewhere these checks skip
//! with a message when the tools are absent (never in CI).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample_migrations");

/// GitHub refuses a comment longer than this many characters.
const GITHUB_COMMENT_LIMIT: usize = 65_536;

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false")
}

/// A tool found on `PATH` (or at the path in `env`), else `None` after saying it was
/// skipped; in CI a missing tool fails the test.
fn tool(names: &[&str], env: &str, what: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    assert!(
        !in_ci(),
        "{what} is not installed, and CI must run this test (.ci/run installs it)"
    );
    common::skipped(format!(
        "{what} is not installed ({} on PATH, or {env}=path)",
        names.join(" or ")
    ));
    None
}

fn chromium() -> Option<PathBuf> {
    tool(
        &["chromium", "chromium-browser", "google-chrome"],
        "SCHEMAGUARD_CHROMIUM",
        "Chromium (Debian: apt-get install chromium)",
    )
}

/// The Mermaid charts of a markdown text, in order.
fn mermaid_blocks(md: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in md.lines() {
        match &mut current {
            None if line == "```mermaid" => current = Some(String::new()),
            Some(block) if line == "```" => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}

/// A directory under the target directory, kept after the run (screenshots are looked
/// at, and CI keeps them as artifacts).
fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pictures");
    std::fs::create_dir_all(&dir).expect("artifact directory");
    dir
}

#[test]
fn markdown_comment_draws_the_lock_timeline_of_blocking_migrations() {
    let out = common::schemaguard(&["check", "--format", "markdown", SAMPLES]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let md = out.stdout;
    assert!(md.contains("\n#### Lock timeline\n"), "{md}");
    let charts = mermaid_blocks(&md);
    // the index build on orders: SHARE, with its scan, held until the commit
    let index = charts
        .iter()
        .find(|c| c.contains("title 0011_index_orders_status.sql (one transaction)"))
        .unwrap_or_else(|| panic!("no timeline of 0011 in:\n{md}"));
    assert!(
        index.contains(
            "    section public.orders\n    SHARE + scan line 4 :active, 2000-01-02, 2000-01-03\n"
        ),
        "{index}"
    );
    // the rewrite of products under ACCESS EXCLUSIVE
    assert!(
        md.contains("    ACCESS EXCLUSIVE + rewrite line 4 :crit, "),
        "{md}"
    );
    // migrations that block nobody (CREATE INDEX CONCURRENTLY, new tables only) are not drawn
    assert!(!md.contains("title 0006_index_products_sku.sql"), "{md}");
    assert!(!md.contains("title 0001_create_users.sql"), "{md}");
    assert_eq!(md.matches("```").count() % 2, 0, "{md}");
}

#[test]
fn markdown_comment_stays_under_githubs_limit_on_every_corpus_history() {
    let Some(corpus) = common::shared_dir("corpus") else {
        return;
    };
    let mut largest = (0, String::new());
    for (name, dir, _) in common::corpus_sets(&corpus) {
        let path = dir.to_string_lossy().into_owned();
        let out = common::schemaguard(&["check", "--format", "markdown", &path]);
        assert!(out.code <= 1, "{name}: {}", out.stderr);
        let chars = out.stdout.chars().count();
        assert!(
            chars < GITHUB_COMMENT_LIMIT,
            "{name}: {chars} characters, over GitHub's limit"
        );
        assert!(
            out.stdout.contains("\n#### Lock timeline\n"),
            "{name}: no timeline"
        );
        if chars > largest.0 {
            largest = (chars, name.clone());
        }
        // what did not fit is said, not dropped silently
        let charts = mermaid_blocks(&out.stdout).len();
        if out.stdout.contains("_Timelines of ") {
            assert!(
                out.stdout.contains("left out to keep the comment under GitHub's limit"),
                "{name}"
            );
        }
        eprintln!("{name}: {chars} characters, {charts} timelines");
    }
    eprintln!("largest comment: {} ({} characters)", largest.1, largest.0);
}

/// Every chart of the samples' comment (and of the largest corpus history's, when
/// `../shared` is there) is rendered by Mermaid's own command-line renderer: a chart it
/// cannot parse makes it fail.
#[test]
fn mermaid_timelines_are_valid_mermaid() {
    let Some(mmdc) = tool(
        &["mmdc"],
        "SCHEMAGUARD_MMDC",
        "mermaid-cli (npm install -g @mermaid-js/mermaid-cli)",
    ) else {
        return;
    };
    let Some(chromium) = chromium() else {
        return;
    };
    let mut charts = mermaid_blocks(
        &common::schemaguard(&["check", "--format", "markdown", SAMPLES]).stdout,
    );
    assert!(charts.len() >= 5, "{charts:?}");
    if let Some(corpus) = common::shared_dir("corpus") {
        let lemmy = corpus.join("sets").join("lemmy");
        let md = common::schemaguard(&[
            "check",
            "--format",
            "markdown",
            &lemmy.to_string_lossy(),
        ])
        .stdout;
        charts.extend(mermaid_blocks(&md));
    }
    let dir = artifacts().join("mermaid");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mermaid directory");
    // puppeteer drives the system's Chromium (its own download needs a host CI cannot
    // reach); as root, Chromium runs only without its sandbox
    let config = dir.join("puppeteer.json");
    std::fs::write(
        &config,
        serde_json::json!({
            "executablePath": chromium,
            "args": ["--no-sandbox", "--headless=new"],
        })
        .to_string(),
    )
    .expect("puppeteer config");
    // one markdown file with every chart: mmdc renders each block and fails on any
    let mut md = String::new();
    for c in &charts {
        md.push_str("```mermaid\n");
        md.push_str(c);
        md.push_str("```\n\n");
    }
    let input = dir.join("timelines.md");
    std::fs::write(&input, md).expect("charts written");
    let output = dir.join("timelines-out.md");
    let run = Command::new(&mmdc)
        .arg("--quiet")
        .arg("--puppeteerConfigFile")
        .arg(&config)
        .arg("--input")
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .output()
        .expect("mmdc runs");
    assert!(
        run.status.success(),
        "mmdc rejected a chart: {}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let svgs = std::fs::read_dir(&dir)
        .expect("rendered")
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "svg"))
        .count();
    assert_eq!(svgs, charts.len(), "one SVG per chart in {}", dir.display());
    eprintln!(
        "{} Mermaid charts rendered by mmdc into {}",
        charts.len(),
        dir.display()
    );
}
