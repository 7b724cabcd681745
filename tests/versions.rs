//! Every form of `catalogue/forms.toml` on a real PostgreSQL of every major version
//! 11-18, compared with what `plan --pg-version N` predicts (see
//! `schemaguard::catalogue::run`). Any disagreement fails the test and is named: form,
//! version, observed, predicted. With every version run and no disagreement,
//! `docs/locks.md` must be what the observations render (`SCHEMAGUARD_UPDATE_DOCS=1`
//! writes it).
//!
//! The servers are the npm registry's builds, pinned per major version
//! (`schemaguard::pgbin`), downloaded once into the cache: the same builds on every
//! machine, so the page is reproducible. Without the network (and an empty cache), a
//! version that cannot be had is skipped with a message outside CI, and fails the test
//! in CI (`CI` set) or with `SCHEMAGUARD_VERSIONS_REQUIRED=1`. `SCHEMAGUARD_PG_VERSIONS=12,17` (or `11-13`) runs
//! some versions only (the page is then not checked); `SCHEMAGUARD_VERSIONS_JOBS`
//! sets how many servers run at once [default 2]; `SCHEMAGUARD_CATALOGUE_TIMING=1` prints
//! the time of each phase of each form.

use schemaguard::catalogue::Catalogue;
use schemaguard::catalogue::docs::{self, ServerSeen};
use schemaguard::catalogue::run::{self, FormDisagreement, FormOutcome};
use schemaguard::pgbin::{self, ObtainOptions, Origin};
use schemaguard::server::{ServerOptions, TempServer};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const ALL: std::ops::RangeInclusive<u32> = 11..=18;

/// Says a version was skipped where the person running `cargo test` sees it (standard
/// error directly: the harness captures `eprintln!` and shows the test as `ok`).
fn say_skipped(message: &str) {
    use std::io::Write;
    let _ = std::io::stderr().write_all(format!("SKIPPED: {message}\n").as_bytes());
}

/// Whether a version that cannot be downloaded (no network, empty cache) is skipped
/// with a message rather than failing: outside CI by default (a fresh clone passes
/// offline); never in CI, where every version must run; and not when
/// `SCHEMAGUARD_VERSIONS_REQUIRED=1` asks for every version here too.
fn offline_ok(in_ci: bool) -> bool {
    !in_ci && std::env::var("SCHEMAGUARD_VERSIONS_REQUIRED").as_deref() != Ok("1")
}

fn selected_versions() -> Vec<u32> {
    let Ok(text) = std::env::var("SCHEMAGUARD_PG_VERSIONS") else {
        return ALL.collect();
    };
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (u32, u32) = (
                    a.trim().parse().expect("SCHEMAGUARD_PG_VERSIONS: a number"),
                    b.trim().parse().expect("SCHEMAGUARD_PG_VERSIONS: a number"),
                );
                out.extend(a..=b);
            }
            None => out.push(part.parse().expect("SCHEMAGUARD_PG_VERSIONS: a number")),
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

struct VersionResult {
    major: u32,
    server_version: String,
    outcomes: Vec<FormOutcome>,
    obtain: Duration,
    start: Duration,
    forms: Duration,
    origin: Origin,
}

enum Failure {
    /// The binaries could not be had for want of the network.
    Unavailable(String),
    Harness(String),
}

fn run_version(catalogue: &Catalogue, major: u32, work: &Path) -> Result<VersionResult, Failure> {
    let started = Instant::now();
    // the registry's build even where this version is installed: the same server on
    // every machine, so docs/locks.md is reproducible
    let opts = ObtainOptions {
        skip_installed: true,
        ..ObtainOptions::default()
    };
    let got = pgbin::obtain(major, &opts).map_err(|e| {
        if e.is_network() {
            Failure::Unavailable(e.to_string())
        } else {
            Failure::Harness(e.to_string())
        }
    })?;
    let obtain = started.elapsed();
    let started = Instant::now();
    let server = TempServer::start(&ServerOptions {
        bin_dir: Some(got.bin_dir.clone()),
        settings: vec![
            ("TimeZone".into(), "UTC".into()),
            ("autovacuum".into(), "off".into()),
            ("max_connections".into(), "20".into()),
        ],
        ..ServerOptions::default()
    })
    .map_err(|e| Failure::Harness(format!("PostgreSQL {major}: {e}")))?;
    let start = started.elapsed();
    let started = Instant::now();
    let outcomes = run::run_all(catalogue, &server, major, work)
        .map_err(|e| Failure::Harness(e.to_string()))?;
    let forms = started.elapsed();
    let server_version = server
        .version()
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    server
        .stop()
        .map_err(|e| Failure::Harness(format!("PostgreSQL {major}: {e}")))?;
    Ok(VersionResult {
        major,
        server_version,
        outcomes,
        obtain,
        start,
        forms,
        origin: got.origin,
    })
}

#[test]
fn every_form_on_every_version_agrees_with_effects() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let catalogue = Catalogue::load(&root.join("catalogue/forms.toml")).expect("the catalogue");
    let versions = selected_versions();
    let in_ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
    let offline_ok = offline_ok(in_ci);
    let jobs: usize = std::env::var("SCHEMAGUARD_VERSIONS_JOBS")
        .ok()
        .and_then(|j| j.parse().ok())
        .filter(|j| *j > 0)
        .unwrap_or(2);
    let work = tempfile::tempdir().expect("a temporary directory");

    let started = Instant::now();
    let queue = Mutex::new(versions.clone());
    let results: Mutex<Vec<Result<VersionResult, (u32, Failure)>>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(versions.len()) {
            scope.spawn(|| {
                loop {
                    let next = queue.lock().expect("queue").pop();
                    let Some(major) = next else { break };
                    let result =
                        run_version(&catalogue, major, work.path()).map_err(|f| (major, f));
                    results.lock().expect("results").push(result);
                }
            });
        }
    });
    let total = started.elapsed();

    let mut results = results.into_inner().expect("results");
    results.sort_by_key(|r| match r {
        Ok(v) => v.major,
        Err((m, _)) => *m,
    });
    let mut problems: Vec<String> = Vec::new();
    let mut skipped: Vec<u32> = Vec::new();
    let mut disagreements: Vec<FormDisagreement> = Vec::new();
    let mut ran: Vec<&VersionResult> = Vec::new();
    for r in &results {
        match r {
            Ok(v) => {
                let n = v.outcomes.len();
                eprintln!(
                    "PostgreSQL {} ({}): {n} forms in {:.1}s (binaries {:?} in {:.1}s, start {:.1}s)",
                    v.major,
                    v.server_version,
                    v.forms.as_secs_f64(),
                    v.origin,
                    v.obtain.as_secs_f64(),
                    v.start.as_secs_f64()
                );
                disagreements.extend(v.outcomes.iter().flat_map(|o| o.disagreements.clone()));
                ran.push(v);
            }
            Err((major, Failure::Unavailable(why))) if offline_ok => {
                say_skipped(&format!(
                    "PostgreSQL {major}: {why} (outside CI; SCHEMAGUARD_VERSIONS_REQUIRED=1 makes it an error)"
                ));
                skipped.push(*major);
            }
            Err((major, Failure::Unavailable(why))) => problems.push(format!(
                "PostgreSQL {major} could not be had: {why} (every version must run in CI, and with SCHEMAGUARD_VERSIONS_REQUIRED=1)"
            )),
            Err((_, Failure::Harness(why))) => problems.push(why.clone()),
        }
    }
    eprintln!(
        "{} versions, {} form runs in {:.1}s",
        ran.len(),
        ran.iter().map(|v| v.outcomes.len()).sum::<usize>(),
        total.as_secs_f64()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    disagreements.sort_by(|a, b| a.form.cmp(&b.form).then(a.version.cmp(&b.version)));
    assert!(
        disagreements.is_empty(),
        "{} disagreements between the servers and `plan --pg-version N`:\n{}",
        disagreements.len(),
        disagreements
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );

    // the reference page, when every version ran
    let all_ran = ALL.clone().all(|m| ran.iter().any(|v| v.major == m));
    if !all_ran {
        eprintln!("docs/locks.md not checked: not every version 11-18 ran");
        return;
    }
    let servers: Vec<ServerSeen> = ran
        .iter()
        .map(|v| ServerSeen {
            major: v.major,
            version: v.server_version.clone(),
        })
        .collect();
    let outcomes: Vec<FormOutcome> = ran.iter().flat_map(|v| v.outcomes.clone()).collect();
    let page = docs::render(&catalogue, &servers, &outcomes);
    let path = root.join("docs/locks.md");
    if std::env::var("SCHEMAGUARD_UPDATE_DOCS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(root.join("docs")).expect("docs/");
        std::fs::write(&path, &page).expect("write docs/locks.md");
        eprintln!("wrote {}", path.display());
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current != page {
        let first = current
            .lines()
            .zip(page.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(current.lines().count().min(page.lines().count()));
        panic!(
            "docs/locks.md is not what the servers did (first difference at line {}): regenerate it with `SCHEMAGUARD_UPDATE_DOCS=1 cargo test --release --test versions` and review the diff",
            first + 1
        );
    }
}

/// The harness can fail: PostgreSQL 12's ATTACH PARTITION, predicted for 11 (where the
/// parent gets ACCESS EXCLUSIVE), must come out as a named lock disagreement.
#[test]
fn a_wrong_prediction_is_named() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let catalogue = Catalogue::load(&root.join("catalogue/forms.toml")).expect("the catalogue");
    let in_ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
    let offline_ok = offline_ok(in_ci);
    let opts = ObtainOptions {
        skip_installed: true,
        ..ObtainOptions::default()
    };
    let got = match pgbin::obtain(12, &opts) {
        Ok(got) => got,
        Err(e) if e.is_network() && offline_ok => {
            say_skipped(&format!(
                "PostgreSQL 12: {e} (outside CI; SCHEMAGUARD_VERSIONS_REQUIRED=1 makes it an error)"
            ));
            return;
        }
        Err(e) => panic!("PostgreSQL 12: {e}"),
    };
    let server = TempServer::start(&ServerOptions {
        bin_dir: Some(got.bin_dir),
        settings: vec![("max_connections".into(), "20".into())],
        ..ServerOptions::default()
    })
    .expect("PostgreSQL 12");
    let form = catalogue
        .forms
        .iter()
        .find(|f| f.id == "attach-partition")
        .expect("the attach-partition form");
    let work = tempfile::tempdir().expect("a temporary directory");
    let outcomes = run::run_all(
        &Catalogue {
            setups: catalogue.setups.clone(),
            forms: vec![form.clone()],
        },
        &server,
        11,
        work.path(),
    )
    .expect("the form runs");
    let found: Vec<String> = outcomes[0]
        .disagreements
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        found.iter().any(|d| d
            == "attach-partition on PostgreSQL 11: lock on public.m: observed SHARE UPDATE EXCLUSIVE, predicted ACCESS EXCLUSIVE"),
        "{found:#?}"
    );
}
