//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// `../shared` beside the project (present in CI), or `None` with a printed reason.
pub fn shared_dir(what: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("shared")
        .join(what);
    if dir.is_dir() {
        Some(dir)
    } else {
        skipped(format!(
            "{} is absent (it is present in CI, beside the project); nothing to check here",
            dir.display()
        ));
        None
    }
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn schemaguard(args: &[&str]) -> Output {
    schemaguard_in(args, None)
}

pub fn schemaguard_in(args: &[&str], cwd: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_schemaguard"));
    cmd.args(args).env("NO_COLOR", "1");
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    let out = cmd.output().expect("run schemaguard");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn json(args: &[&str]) -> serde_json::Value {
    let out = schemaguard(args);
    assert!(
        out.code == 0 || out.code == 1,
        "schemaguard {args:?} exited {}: {}",
        out.code,
        out.stderr
    );
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", out.stdout))
}

/// A fresh temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "schemaguard-test-{tag}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create dirs");
        }
        std::fs::write(&path, text).expect("write file");
        path
    }

    pub fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 temp path")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A throwaway PostgreSQL for this test, or `None` (with a printed reason) only when no
/// PostgreSQL programs are installed; `.ci/run` installs them, so CI never skips. Any
/// other failure to start is a test failure.
pub fn pg_server() -> Option<schemaguard::server::TempServer> {
    match schemaguard::server::TempServer::start(&schemaguard::server::ServerOptions::default()) {
        Ok(server) => Some(server),
        Err(e) if e.is_not_installed() => {
            skipped(format!(
                "no PostgreSQL binaries found ({e}); CI installs them"
            ));
            None
        }
        Err(e) => panic!("starting a throwaway PostgreSQL failed: {e}"),
    }
}

/// Runs every `.sql` file of `dir` (sorted by name) on `client`, statement by statement
/// (split by schemaguard's splitter, autocommit: so `CONCURRENTLY` works).
pub fn apply_dir(client: &mut postgres::Client, dir: &Path) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read migrations dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    for f in files {
        let sql = std::fs::read_to_string(&f).expect("read migration");
        for piece in schemaguard::parse::split::split(&sql) {
            if piece.kind != schemaguard::parse::split::PieceKind::Sql {
                continue;
            }
            let text = &sql[piece.start..piece.end];
            client
                .batch_execute(text)
                .unwrap_or_else(|e| panic!("applying {}: {text}: {e:?}", f.display()));
        }
    }
}

/// A URL for a database of `server` as its superuser.
pub fn pg_url(server: &schemaguard::server::TempServer, dbname: &str) -> String {
    server.connection_string_for(schemaguard::server::SUPERUSER, dbname)
}

/// A fresh database `db` on `server`, after running `setup` in it: a superuser session
/// on it, and how `trace` describes it (as a throwaway server's).
pub fn trace_database(
    server: &schemaguard::server::TempServer,
    db: &str,
    setup: &[String],
) -> (postgres::Client, schemaguard::trace::ServerInfo) {
    let mut admin = server.connect().expect("connect");
    admin
        .batch_execute(&format!("CREATE DATABASE \"{db}\""))
        .expect("create database");
    let mut client = server
        .connect_as(schemaguard::server::SUPERUSER, db)
        .expect("connect to the test database");
    for sql in setup {
        client.batch_execute(sql).expect("setup SQL");
    }
    let info = schemaguard::trace::ServerInfo {
        version: server.version().to_string(),
        version_num: server.version_num(),
        kind: "throwaway",
        target: db.to_string(),
        schema_from: None,
    };
    (client, info)
}

/// `trace` options for the migrations in `dir`, on a throwaway server's session.
pub fn trace_options(dir: &Path) -> schemaguard::trace::TraceOptions {
    schemaguard::trace::TraceOptions {
        run: schemaguard::pipeline::RunOptions {
            paths: vec![dir.to_path_buf()],
            cwd: dir.to_path_buf(),
            ..schemaguard::pipeline::RunOptions::default()
        },
        target: schemaguard::trace::Target::Throwaway {
            bin_dir: None,
            major: None,
            run_as: None,
            schema_from: None,
        },
        progress: false,
    }
}

/// Says that a check was skipped, where the person running `cargo test` sees it: on the
/// process's standard error, which the test harness does not capture (it captures
/// `eprintln!`, and shows a skipped test as `ok`), so a skipped suite is not mistaken for
/// a passing one.
pub fn skipped(message: impl std::fmt::Display) {
    use std::io::Write;
    let line = format!("SKIPPED: {message}\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
}

/// The histories of `../shared/corpus/` (`corpus` is that folder), from its
/// `manifest.json`, in order: `(name, folder, the set-up SQL it needs first)`.
pub fn corpus_sets(corpus: &Path) -> Vec<(String, PathBuf, Vec<String>)> {
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(corpus.join("manifest.json")).expect("read the manifest"),
    )
    .expect("manifest JSON");
    manifest["sets"]
        .as_array()
        .expect("sets")
        .iter()
        .map(|set| {
            let name = set["name"].as_str().expect("name").to_string();
            let setup = set["setup_sql"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let dir = corpus.join("sets").join(&name);
            (name, dir, setup)
        })
        .collect()
}

/// A `pg_dump` that can dump `server`: its own, else one on the `PATH` of at least its
/// major version (the registry's builds have none).
pub fn pg_dump_for(server: &schemaguard::server::TempServer) -> Option<PathBuf> {
    let own = server.binaries().bin_dir.join("pg_dump");
    if own.is_file() {
        return Some(own);
    }
    let out = Command::new("pg_dump").arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let major = schemaguard::pgbin::major_of_version_text(&text)?;
    (major >= server.version_num() / 10_000).then(|| PathBuf::from("pg_dump"))
}

/// `pg_dump --schema-only` of the history's database into `file`, with `extra`
/// options.
pub fn pg_dump(
    server: &schemaguard::server::TempServer,
    exe: &Path,
    db: &str,
    file: &Path,
    extra: &[&str],
) {
    let out = Command::new(exe)
        .arg("--schema-only")
        .args(extra)
        .arg("--host")
        .arg(server.socket_dir())
        .args(["--port", &server.port().to_string()])
        .args(["--username", schemaguard::server::SUPERUSER, "--file"])
        .arg(file)
        .arg(db)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", exe.display()));
    assert!(
        out.status.success(),
        "pg_dump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `git` in `dir` as a test user (no global configuration needed), and requires
/// it to succeed.
pub fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=schemaguard-test",
            "-c",
            "user.email=test@example.invalid",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run git");
    assert!(
        status.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

/// `diff --format json`'s differences as `kind object name changes` lines (none when
/// the two sides agree).
pub fn difference_lines(doc: &serde_json::Value) -> Vec<String> {
    doc["differences"]
        .as_array()
        .expect("differences")
        .iter()
        .map(|d| {
            format!(
                "{} {} {} {}",
                d["kind"].as_str().unwrap_or("?"),
                d["object"].as_str().unwrap_or("?"),
                d["name"].as_str().unwrap_or("?"),
                d["changes"]
            )
        })
        .collect()
}
