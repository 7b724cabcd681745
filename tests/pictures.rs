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

/// A line in the test log, past the harness's capture (where screenshots are).
fn log(line: impl std::fmt::Display) {
    use std::io::Write;
    let _ = std::io::stderr().write_all(format!("{line}\n").as_bytes());
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
    // migrations with errors come first (0011, 0012, 0015), then the others in apply
    // order; the first is open
    let order: Vec<&str> = md
        .lines()
        .filter_map(|l| l.split("<summary><code>sample_migrations/").nth(1))
        .filter_map(|l| l.split('_').next())
        .collect();
    assert_eq!(
        order,
        [
            "0011", "0012", "0015", "0003", "0004", "0005", "0007", "0009", "0010", "0013", "0016"
        ]
    );
    assert!(md.contains("<details open><summary><code>sample_migrations/0011_"));
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
                out.stdout
                    .contains("left out to keep the comment under GitHub's limit"),
                "{name}"
            );
        }
        log(format_args!(
            "markdown comment of {name}: {chars} characters, {charts} timelines"
        ));
    }
    log(format_args!(
        "largest markdown comment: {} ({} characters, GitHub's limit {GITHUB_COMMENT_LIMIT})",
        largest.1, largest.0
    ));
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
    let mut charts =
        mermaid_blocks(&common::schemaguard(&["check", "--format", "markdown", SAMPLES]).stdout);
    assert!(charts.len() >= 5, "{charts:?}");
    if let Some(corpus) = common::shared_dir("corpus") {
        let lemmy = corpus.join("sets").join("lemmy");
        let md = common::schemaguard(&["check", "--format", "markdown", &lemmy.to_string_lossy()])
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
            "args": ["--no-sandbox", "--headless=new", "--disable-dev-shm-usage"],
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
    log(format_args!(
        "{} Mermaid charts rendered by mmdc into {}",
        charts.len(),
        dir.display()
    ));
}

/// What headless Chromium made of a page: the DOM after its scripts ran, and every
/// console message (uncaught errors, CSP refusals, `console.*`), which it logs to
/// standard error as `CONSOLE` lines.
struct Loaded {
    dom: String,
    console: Vec<String>,
}

fn chromium_args(chromium: &Path) -> Command {
    let mut cmd = Command::new(chromium);
    // as root (CI), Chromium runs only without its sandbox; no GPU on a server
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        // containers often have a small /dev/shm
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
    ]);
    cmd
}

fn load(chromium: &Path, page: &Path) -> Loaded {
    let out = chromium_args(chromium)
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "chromium failed: {stderr}");
    Loaded {
        dom: String::from_utf8_lossy(&out.stdout).into_owned(),
        console: stderr
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .map(str::to_string)
            .collect(),
    }
}

fn screenshot(chromium: &Path, page: &Path, png: &Path, size: &str) {
    let out = chromium_args(chromium)
        .arg(format!("--window-size={size}"))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(png).expect("screenshot written");
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 10_000,
        "not a PNG of a page: {}",
        png.display()
    );
    log(format_args!("screenshot: {}", png.display()));
}

/// The harness sees a page's errors: a page that throws is caught (so a clean report
/// is clean, not unobserved).
#[test]
fn chromium_harness_reports_a_pages_uncaught_error() {
    let Some(chromium) = chromium() else {
        return;
    };
    let page = artifacts().join("throws.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><p>x</p><script>throw new Error('on purpose');</script></body></html>",
    )
    .expect("page written");
    let loaded = load(&chromium, &page);
    assert!(
        loaded
            .console
            .iter()
            .any(|l| l.contains("Uncaught Error: on purpose")),
        "{:?}",
        loaded.console
    );
}

/// A section of the DOM: from the first `start` to the next `end` after it.
fn section<'a>(dom: &'a str, start: &str, end: &str) -> &'a str {
    let from = dom
        .find(start)
        .unwrap_or_else(|| panic!("no {start:?} in the page"));
    let rest = &dom[from..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

#[test]
fn html_check_report_renders_in_chromium() {
    let Some(chromium) = chromium() else {
        return;
    };
    let out = common::schemaguard_in(
        &["check", "--format", "html", "sample_migrations"],
        Some(Path::new(env!("CARGO_MANIFEST_DIR"))),
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    // self-contained: nothing fetched from anywhere
    for outside in ["src=", "<link", "@import", "url("] {
        assert!(!out.stdout.contains(outside), "{outside} in the page");
    }
    let page = artifacts().join("check.html");
    std::fs::write(&page, &out.stdout).expect("page written");

    let loaded = load(&chromium, &page);
    assert!(
        loaded.console.is_empty(),
        "console messages: {:?}",
        loaded.console
    );
    // the script ran to its end and showed the filters
    assert!(
        loaded.dom.contains("data-ready=\"yes\""),
        "script did not run"
    );
    assert!(
        loaded
            .dom
            .contains("<form id=\"filters\" class=\"filters\">"),
        "filters still hidden"
    );
    assert!(loaded.dom.contains("<span id=\"shown\">7 shown</span>"));
    // the timeline of 0011: the index build holds SHARE on orders (and reads it all)
    let index = section(
        &loaded.dom,
        "<code>sample_migrations/0011_index_orders_status.sql</code>",
        "</section>",
    );
    let orders = section(index, "<th class=\"rel\">public.orders</th>", "</tr>");
    assert!(
        orders.contains("title=\"SHARE on public.orders, taken at line 4, held until line 4 (commit); writes wait; reads every row\">SHARE <span class=\"mark\">S</span></td>"),
        "{orders}"
    );
    // the finding on that statement links to its column of the timeline
    let finding = section(
        &loaded.dom,
        "<article class=\"finding error\" id=\"finding-0\"",
        "</article>",
    );
    let link = section(finding, "<a href=\"#stmt-", "\">");
    let id = &link["<a href=\"#".len()..];
    assert!(
        index.contains(&format!("<th id=\"{id}\"")),
        "{id} is not the 0011 statement's column"
    );

    // with JavaScript off (Chromium's --dump-dom needs scripts on, so the page is
    // loaded without its one script): every finding and the timeline are there, the
    // filters hidden
    assert_eq!(out.stdout.matches("<script").count(), 1);
    let (before, script) = out.stdout.split_once("<script>").expect("the script");
    let (_, after) = script.split_once("</script>").expect("its end");
    let without_script = artifacts().join("check-no-script.html");
    std::fs::write(&without_script, format!("{before}{after}")).expect("page written");
    let plain = load(&chromium, &without_script);
    assert!(plain.console.is_empty(), "{:?}", plain.console);
    assert_eq!(plain.dom.matches("<article class=\"finding").count(), 7);
    assert!(
        plain
            .dom
            .contains("<form id=\"filters\" class=\"filters\" hidden=\"\">")
    );
    assert!(plain.dom.contains("SHARE <span class=\"mark\">S</span>"));

    screenshot(
        &chromium,
        &page,
        &artifacts().join("check.png"),
        "1280,2400",
    );
}

#[test]
fn html_plan_report_renders_in_chromium() {
    let Some(chromium) = chromium() else {
        return;
    };
    let out = common::schemaguard(&["plan", "--format", "html", SAMPLES]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let page = artifacts().join("plan.html");
    std::fs::write(&page, &out.stdout).expect("page written");
    let loaded = load(&chromium, &page);
    assert!(loaded.console.is_empty(), "{:?}", loaded.console);
    assert!(loaded.dom.contains("data-ready=\"yes\""));
    // every migration that locks a relation has its table (not 0002, which creates a
    // table and nothing else); the new table's own index build is told apart
    assert_eq!(loaded.dom.matches("<table class=\"timeline\">").count(), 15);
    assert!(
        loaded
            .dom
            .contains("<p>Not drawn: 1 migration without a lock on any relation.</p>")
    );
    let users = section(
        &loaded.dom,
        "<code>sample_migrations/0001_create_users.sql</code>",
        "</section>",
    );
    assert!(
        users.contains("<th class=\"rel\">public.users <small>new</small></th>"),
        "{users}"
    );
    screenshot(&chromium, &page, &artifacts().join("plan.png"), "1100,1800");
}

#[test]
fn svg_graph_is_valid_svg_and_renders_in_chromium() {
    let out = common::schemaguard(&["graph", "--format", "svg", "--object", "orders", SAMPLES]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = roxmltree::Document::parse(&out.stdout).expect("the SVG is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text") || n.has_tag_name("tspan"))
        .filter_map(|n| n.text())
        .collect();
    for expected in [
        "table public.orders",
        "sample_migrations/0011_index_orders_status.sql",
        "CREATE INDEX (line 4)",
    ] {
        assert!(
            texts.iter().any(|t| t.trim() == expected),
            "no {expected:?} among {texts:?}"
        );
    }
    assert!(doc.descendants().any(|n| n.has_tag_name("rect")));
    assert!(doc.descendants().any(|n| n.has_tag_name("path")));

    let Some(chromium) = chromium() else {
        return;
    };
    let page = artifacts().join("graph.svg");
    std::fs::write(&page, &out.stdout).expect("written");
    let loaded = load(&chromium, &page);
    assert!(loaded.console.is_empty(), "{:?}", loaded.console);
    assert!(loaded.dom.contains("table public.orders"), "not rendered");
    screenshot(
        &chromium,
        &page,
        &artifacts().join("graph.png"),
        "1400,1100",
    );
}

#[test]
fn svg_graph_too_big_to_read_names_what_to_filter() {
    let Some(corpus) = common::shared_dir("corpus") else {
        return;
    };
    let lemmy = corpus.join("sets").join("lemmy");
    let out = common::schemaguard(&["graph", "--format", "svg", &lemmy.to_string_lossy()]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr
            .contains("too many to read as one picture (at most 300 are drawn)")
            && out
                .stderr
                .contains("draw one table's part with --object, e.g. `--object public.post` ("),
        "{}",
        out.stderr
    );
    // and the object it suggests first is drawn
    let one = common::schemaguard(&[
        "graph",
        "--format",
        "svg",
        "--object",
        "public.mod_lock_post",
        &lemmy.to_string_lossy(),
    ]);
    assert_eq!(one.code, 0, "{}", one.stderr);
    roxmltree::Document::parse(&one.stdout).expect("well-formed");
}

/// With `--database-url`, each timeline row of a table the database has says its size.
#[test]
fn timeline_rows_carry_live_table_sizes() {
    let Some(server) = common::pg_server() else {
        return;
    };
    let mut admin = server.connect().expect("connect as superuser");
    admin
        .batch_execute("CREATE DATABASE timeline")
        .expect("create database");
    let mut db = server
        .connect_as(schemaguard::server::SUPERUSER, "timeline")
        .expect("connect");
    db.batch_execute(
        "CREATE TABLE orders (id bigint PRIMARY KEY, status text);
         INSERT INTO orders SELECT g, 'paid' FROM generate_series(1, 50000) g;
         ANALYZE orders;",
    )
    .expect("orders");
    let dir = common::TempDir::new("pictures-live");
    dir.write(
        "0001_index.sql",
        "SET lock_timeout = '2s';\nCREATE TABLE notes (id int);\nCREATE INDEX notes_id_idx ON notes (id);\nCREATE INDEX orders_status_idx ON orders (status);\n",
    );
    let url = common::pg_url(&server, "timeline");
    let html = common::schemaguard(&[
        "plan",
        "--format",
        "html",
        "--database-url",
        &url,
        dir.path(),
    ]);
    assert_eq!(html.code, 0, "{}", html.stderr);
    let row = section(
        &html.stdout,
        "<th class=\"rel\">public.orders <small>",
        "</th>",
    );
    assert!(row.contains("~50K rows"), "{row}");
    assert!(
        html.stdout
            .contains("<th class=\"rel\">public.notes <small>new</small></th>"),
        "a table the migration creates has no size"
    );
    let md = common::schemaguard(&[
        "check",
        "--format",
        "markdown",
        "--database-url",
        &url,
        dir.path(),
    ]);
    assert_eq!(md.code, 1, "{}", md.stderr);
    let section_line = md
        .stdout
        .lines()
        .find(|l| l.starts_with("    section public.orders, "))
        .unwrap_or_else(|| panic!("no sized section in:\n{}", md.stdout));
    assert!(section_line.contains("~50K rows"), "{section_line}");
}
