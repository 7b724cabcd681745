//! `fix --verify`: the original history and the fixed one, each applied as its
//! frameworks run it (`trace::run_on_session_with`) to a database of one throwaway
//! server, then compared: the two final schemas must be equal (`diff`'s canonical
//! comparison of the introspected catalogs), every statement that ran in the original
//! must run in the fixed history, and per fix:
//! - the statements it wrote that carry the work (the concurrent build, the VALIDATE)
//!   take no lock that blocks reads or writes on a relation that existed before them
//!   (a statement run outside a transaction block is proven by having run there:
//!   `CONCURRENTLY` cannot run anywhere else);
//! - a `lock_timeout` / `statement_timeout` fix: the setting is in force at the end of
//!   the fixed migration, before its transaction commits;
//! - the fixed history rewrites no table the original did not.

use super::{Fix, FixError, FixKind, Plan};
use crate::live::{self, ConnectOptions, LiveError};
use crate::pipeline::RunOptions;
use crate::server::{SUPERUSER, ServerError, ServerOptions, TempServer};
use crate::trace::{self, Trace, TraceError, TraceOptions};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Why `--verify` could not run both histories (exit 2 in the CLI; a fix that is not
/// proven is a result, not an error).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// Writing the fixed copy.
    #[error(transparent)]
    Fix(#[from] FixError),
    /// Copying the migrations directory for the fixed history.
    #[error("{}: {source}", path.display())]
    Copy {
        /// The file or directory.
        path: PathBuf,
        /// What the file system said.
        source: std::io::Error,
    },
    /// Starting or reaching the throwaway server.
    #[error(transparent)]
    Server(#[from] ServerError),
    /// Creating the database a history is applied to.
    #[error("creating database {db}: {}", live::error_chain(source))]
    CreateDatabase {
        /// The database.
        db: String,
        /// What the server said.
        source: postgres::Error,
    },
    /// `--verify-setup`'s SQL failed.
    #[error("the setup SQL failed: {}", live::error_chain(.0))]
    Setup(#[source] postgres::Error),
    /// Tracing a history, or getting the server programs of `--pg-version`.
    #[error(transparent)]
    Trace(#[from] TraceError),
    /// Connecting to a database to introspect it, or introspecting it.
    #[error(transparent)]
    Live(#[from] LiveError),
}

/// The result of `--verify`.
#[derive(Clone, Debug, Serialize)]
pub struct Verification {
    pub server_version: String,
    /// The final schemas are equal.
    pub schemas_equal: bool,
    /// The differences when they are not (unified diff of canonical DDL).
    pub schema_difference: Option<String>,
    pub fixes: Vec<Proof>,
    /// How the verification differs from what was asked.
    pub notes: Vec<String>,
}

/// One fix, proven or not.
#[derive(Clone, Debug, Serialize)]
pub struct Proof {
    pub rule: &'static str,
    pub kind: FixKind,
    pub file: String,
    pub line: u32,
    pub proven: bool,
    /// What was shown (when proven) or what failed.
    pub reasons: Vec<String>,
}

impl Verification {
    pub fn all_proven(&self) -> bool {
        self.fixes.iter().all(|p| p.proven)
    }

    pub fn human(&self) -> String {
        let mut out = format!(
            "verify: on PostgreSQL {}, the final schemas are {}\n",
            self.server_version,
            if self.schemas_equal {
                "equal"
            } else {
                "DIFFERENT"
            }
        );
        for n in &self.notes {
            out.push_str(&format!("note: {n}\n"));
        }
        if let Some(d) = &self.schema_difference {
            out.push_str(d);
        }
        for p in &self.fixes {
            out.push_str(&format!(
                "{}[{}]: {}:{}\n",
                if p.proven { "proven" } else { "NOT proven" },
                p.rule,
                p.file,
                p.line
            ));
            for r in &p.reasons {
                out.push_str(&format!("    {r}\n"));
            }
        }
        let proven = self.fixes.iter().filter(|p| p.proven).count();
        out.push_str(&format!("{proven} of {} fixes proven\n", self.fixes.len()));
        out
    }
}

/// A temporary directory removed on drop.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), VerifyError> {
    let failed = |path: &Path| {
        let path = path.to_path_buf();
        move |source| VerifyError::Copy { path, source }
    };
    std::fs::create_dir_all(to).map_err(failed(to))?;
    let entries = std::fs::read_dir(from).map_err(failed(from))?;
    for entry in entries {
        let entry = entry.map_err(failed(from))?;
        let path = entry.path();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().map_err(failed(&path))?;
        if kind.is_dir() {
            copy_tree(&path, &target)?;
        } else if kind.is_file() {
            std::fs::copy(&path, &target).map_err(failed(&path))?;
        }
    }
    Ok(())
}

/// What one history did on the server.
struct Applied {
    trace: Trace,
    catalog: crate::catalog::Catalog,
    /// `(file as the trace shows it, setting)` -> value at the end of the file.
    settings_at_end: BTreeMap<(String, &'static str), String>,
}

fn apply(
    server: &TempServer,
    db: &str,
    dir: &Path,
    base: &RunOptions,
    setup: Option<&str>,
) -> Result<Applied, VerifyError> {
    let mut admin = server.connect()?;
    admin
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .map_err(|source| VerifyError::CreateDatabase {
            db: db.to_string(),
            source,
        })?;
    let mut client = server.connect_as(SUPERUSER, db)?;
    if let Some(sql) = setup {
        client.batch_execute(sql).map_err(VerifyError::Setup)?;
    }
    let info = trace::ServerInfo {
        version: server.version().to_string(),
        version_num: server.version_num(),
        kind: "throwaway",
        target: db.to_string(),
        schema_from: None,
    };
    let opts = TraceOptions {
        run: RunOptions {
            paths: vec![dir.to_path_buf()],
            cwd: dir.to_path_buf(),
            config: base.config.clone(),
            ..RunOptions::default()
        },
        target: trace::Target::Throwaway {
            bin_dir: None,
            major: None,
            run_as: None,
            schema_from: None,
        },
        progress: false,
    };
    let mut settings_at_end = BTreeMap::new();
    let mut hook =
        |c: &mut postgres::Client, point: &trace::Point<'_>| -> Result<(), trace::HookError> {
            if !point.end_of_file {
                return Ok(());
            }
            for name in ["lock_timeout", "statement_timeout"] {
                // an aborted transaction answers nothing: no value recorded
                if let Ok(row) = c.query_one("SELECT current_setting($1)", &[&name]) {
                    settings_at_end.insert((point.file.to_string(), name), row.get::<_, String>(0));
                }
            }
            Ok(())
        };
    let trace = trace::run_on_session_with(&mut client, info, &opts, &mut hook)?;
    drop(client);
    let conn = ConnectOptions::socket(server.socket_dir(), server.port(), SUPERUSER, db);
    let mut session = live::connect(&conn)?;
    let catalog = live::introspect::introspect(&mut session)?.catalog;
    Ok(Applied {
        trace,
        catalog,
        settings_at_end,
    })
}

/// Runs the original history under `root` and the fixed one (a copy with `plan`
/// written) on a throwaway server, and proves each fix or says why not.
/// `major`: the PostgreSQL major version to run them on (else the installed one).
/// `setup`: SQL run on both databases first (what the history expects to exist: a
/// schema, roles, extensions).
pub fn verify(
    plan: &Plan,
    root: &Path,
    base: &RunOptions,
    setup: Option<&str>,
    major: Option<u32>,
) -> Result<Verification, VerifyError> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let scratch = Scratch(
        std::env::temp_dir().join(format!("schemaguard-fix-{}-{stamp}", std::process::id())),
    );
    let fixed_dir = scratch.0.join("fixed");
    copy_tree(root, &fixed_dir)?;
    // the server runs as another account when we are root: it reads nothing here
    super::render::write(plan, Some((root, &fixed_dir)))?;
    // the target version's server when one is named (`--pg-version`), else the
    // installed one
    // (introspection reads PostgreSQL 12+ catalogs: an older target is verified on the
    // installed server, and the result says so)
    let mut notes = Vec::new();
    let bin_dir = match major {
        Some(n) if n >= 12 => Some(trace::schema::bin_dir_for_major(n)?),
        Some(n) => {
            notes.push(format!(
                "verified on the installed server, not PostgreSQL {n}: comparing schemas needs PostgreSQL 12 or later"
            ));
            None
        }
        None => None,
    };
    let server = TempServer::start(&ServerOptions {
        bin_dir,
        settings: vec![
            ("TimeZone".into(), "UTC".into()),
            ("autovacuum".into(), "off".into()),
            ("max_locks_per_transaction".into(), "1024".into()),
        ],
        ..ServerOptions::default()
    })?;
    let original = apply(&server, "original", root, base, setup)?;
    let fixed = apply(&server, "fixed", &fixed_dir, base, setup)?;
    let version = server.version().to_string();
    let _ = server.stop();

    let difference = crate::diff::diff(
        &original.catalog,
        &fixed.catalog,
        &crate::diff::canonical::Exclusions::default(),
    );
    let schemas_equal = difference.is_empty();
    let schema_difference = (!schemas_equal).then(|| {
        crate::diff::render::unified_diff(
            &difference,
            &crate::diff::render::SideInfo {
                kind: "migrations",
                source: "original history".into(),
                detail: String::new(),
            },
            &crate::diff::render::SideInfo {
                kind: "migrations",
                source: "fixed history".into(),
                detail: String::new(),
            },
        )
    });
    let failed = |t: &Trace| -> BTreeSet<String> {
        t.files
            .iter()
            .flat_map(|f| &f.statements)
            .filter(|s| s.observed.error.is_some())
            .map(|s| normalize(&s.sql))
            .collect()
    };
    let failed_before = failed(&original.trace);
    // (file as traced, statement, message) of what fails only in the fixed history
    let new_failures: Vec<(String, String, String)> = fixed
        .trace
        .files
        .iter()
        .flat_map(|f| f.statements.iter().map(move |s| (f, s)))
        .filter_map(|(f, s)| {
            let error = s.observed.error.as_ref()?;
            (!failed_before.contains(&normalize(&s.sql))).then(|| {
                (
                    f.file.clone(),
                    normalize(&s.sql),
                    format!(
                        "{}:{}: failed: {error}",
                        display_in_copy(&f.file, &fixed_dir, root),
                        s.line
                    ),
                )
            })
        })
        .collect();
    let rewritten = |t: &Trace| -> BTreeSet<String> {
        t.files
            .iter()
            .flat_map(|f| &f.statements)
            .flat_map(|s| &s.observed.new_storage)
            .filter(|n| n.kind != 'i' && n.kind != 'I')
            .map(|n| n.relation.clone())
            .collect()
    };
    let rewritten_before = rewritten(&original.trace);
    let new_rewrites: Vec<String> = rewritten(&fixed.trace)
        .difference(&rewritten_before)
        .cloned()
        .collect();
    let fixes = plan
        .fixes
        .iter()
        .map(|fix| {
            prove(
                fix,
                &plan.fixes,
                root,
                &fixed,
                schemas_equal,
                &new_failures,
                &new_rewrites,
            )
        })
        .collect();
    drop(scratch);
    Ok(Verification {
        server_version: version,
        schemas_equal,
        schema_difference,
        fixes,
        notes,
    })
}

/// A traced statement's text (shortened with `...` when long) is `want`.
fn same_statement(traced: &str, want: &str) -> bool {
    let traced = normalize(traced);
    match traced.strip_suffix("...") {
        Some(prefix) => want.starts_with(prefix.trim_end()),
        None => traced == want,
    }
}

/// A file of the fixed copy as the original tree names it.
fn display_in_copy(file: &str, copy: &Path, root: &Path) -> String {
    match Path::new(file).strip_prefix(copy) {
        Ok(rel) => format!("{} (fixed)", root.join(rel).display()),
        Err(_) => file.to_string(),
    }
}

fn normalize(sql: &str) -> String {
    crate::rules::fixes::without_semicolon(sql)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `file` (as a trace shows it) is `path` (under `root` in the original tree).
fn same_file(file: &str, path: &Path, root: &Path) -> bool {
    let (Ok(path), Ok(root)) = (super::render::absolute(path), super::render::absolute(root))
    else {
        return false;
    };
    path.strip_prefix(&root)
        .is_ok_and(|rel| Path::new(file).ends_with(rel))
}

fn prove(
    fix: &Fix,
    all_fixes: &[Fix],
    root: &Path,
    fixed: &Applied,
    schemas_equal: bool,
    new_failures: &[(String, String, String)],
    new_rewrites: &[String],
) -> Proof {
    let mut reasons = Vec::new();
    let mut proven = true;
    if !schemas_equal {
        proven = false;
        reasons.push("the fixed history builds a different schema".to_string());
    }
    // a failure counts against the fix that wrote the statement or edited its file,
    // and against every fix when none did
    let mine = |file: &str, sql: &str| {
        fix.written.iter().any(|w| {
            same_file(file, &w.path, root) && (same_statement(sql, &normalize(&w.sql)) || !w.heavy)
        }) || same_file(file, &fix.path_after, root)
    };
    let claimed =
        |file: &str, sql: &str| {
            all_fixes.iter().any(|other| {
                other.written.iter().any(|w| {
                    same_file(file, &w.path, root) && same_statement(sql, &normalize(&w.sql))
                }) || same_file(file, &other.path_after, root)
            })
        };
    for (file, sql, message) in new_failures {
        if mine(file, sql) || !claimed(file, sql) {
            proven = false;
            reasons.push(message.clone());
        }
    }
    for r in new_rewrites {
        proven = false;
        reasons.push(format!(
            "the fixed history rewrites {r}, the original does not"
        ));
    }
    match fix.kind {
        FixKind::LockTimeout | FixKind::StatementTimeout => {
            let name = if fix.kind == FixKind::LockTimeout {
                "lock_timeout"
            } else {
                "statement_timeout"
            };
            let value = fixed
                .settings_at_end
                .iter()
                .find(|((file, n), _)| *n == name && same_file(file, &fix.path_after, root))
                .map(|(_, v)| v.clone());
            match value {
                Some(v) if v != "0" => {
                    reasons.push(format!("{name} is {v} at the end of the migration"));
                }
                Some(_) => {
                    proven = false;
                    reasons.push(format!("{name} is not set at the end of the migration"));
                }
                None => {
                    proven = false;
                    reasons.push(format!(
                        "{name} could not be read at the end of the migration"
                    ));
                }
            }
        }
        _ => {
            for w in fix.written.iter().filter(|w| w.heavy) {
                let want = normalize(&w.sql);
                let seen = fixed.trace.files.iter().find_map(|f| {
                    if !same_file(&f.file, &w.path, root) {
                        return None;
                    }
                    f.statements.iter().find(|s| same_statement(&s.sql, &want))
                });
                let Some(s) = seen else {
                    proven = false;
                    reasons.push(format!("`{}` was not run in {}", w.sql, w.file));
                    continue;
                };
                if let Some(e) = &s.observed.error {
                    proven = false;
                    reasons.push(format!("`{}` failed: {e}", w.sql));
                    continue;
                }
                if s.execution == trace::Execution::Outside {
                    reasons.push(format!(
                        "`{}` ran outside a transaction block (SHARE UPDATE EXCLUSIVE: reads and writes go on)",
                        w.sql
                    ));
                    continue;
                }
                let blocking: Vec<String> = s
                    .observed
                    .locks
                    .iter()
                    .filter(|l| l.mode.blocks_traffic() && !l.dropped)
                    .map(|l| format!("{} on {}", l.mode, l.relation))
                    .collect();
                if blocking.is_empty() {
                    let modes: Vec<String> = s
                        .observed
                        .strongest_locks()
                        .iter()
                        .map(|l| format!("{} on {}", l.mode, l.relation))
                        .collect();
                    reasons.push(format!(
                        "`{}` took {}: nothing that blocks reads or writes",
                        w.sql,
                        if modes.is_empty() {
                            "no lock on an existing relation".to_string()
                        } else {
                            modes.join(", ")
                        }
                    ));
                } else {
                    proven = false;
                    reasons.push(format!("`{}` took {}", w.sql, blocking.join(", ")));
                }
            }
        }
    }
    if proven && schemas_equal {
        reasons.insert(0, "the final schemas are equal".to_string());
    }
    Proof {
        rule: fix.rule,
        kind: fix.kind,
        file: fix.file.clone(),
        line: fix.line,
        proven,
        reasons,
    }
}
