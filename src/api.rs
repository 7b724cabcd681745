//! The public API: one entry point, [`Checker`], from options to a [`Report`] of plain
//! data. It composes the same stages as the command line (`pipeline`), and does no I/O
//! the caller did not ask for: it reads the paths it is given, a configuration file
//! only when named ([`Checker::config_file`]) or asked to look for one
//! ([`Checker::discover_config`]), and a database only when given one
//! ([`Checker::database`]).

use crate::config::Config;
use crate::effects::PgVersion;
use crate::live::{ConnectOptions, redact_all};
use crate::pipeline::{self, Configured, Preparer, RunErrorKind, RunOptions, Sources};
use serde::Serialize;
use std::path::PathBuf;

/// Checks migrations: build one with [`Checker::new`], add paths or in-memory sources,
/// and call [`Checker::check`].
///
/// ```
/// use schemaguard::{Checker, Severity};
///
/// let report = Checker::new()
///     .source(
///         "0001_users.sql",
///         "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n\
///          CREATE INDEX users_email ON users (email);",
///     )
///     .pg_version(16)
///     .check()?;
/// // the table is new in this migration: building the index blocks no one
/// assert!(report.findings.is_empty());
///
/// // a later migration indexes the table, which the application now uses
/// let report = Checker::new()
///     .source("0001_users.sql", "CREATE TABLE users (id bigint PRIMARY KEY, email text);")
///     .source("0002_index.sql", "CREATE INDEX users_email ON users (email);")
///     .check()?;
/// let finding = &report.findings[0];
/// assert_eq!(finding.rule, "create-index-non-concurrently");
/// assert_eq!(finding.severity, Severity::Error);
/// assert_eq!((finding.file.as_str(), finding.line), ("0002_index.sql", 1));
/// # Ok::<(), schemaguard::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Checker {
    paths: Vec<PathBuf>,
    sources: Vec<(String, String)>,
    pg_version: Option<u32>,
    config_file: Option<PathBuf>,
    discover_from: Option<PathBuf>,
    database: Option<String>,
    plan: bool,
    graph: bool,
}

impl Checker {
    /// A checker with nothing to check yet, for the default PostgreSQL version, with
    /// the default configuration.
    ///
    /// ```
    /// let report = schemaguard::Checker::new().source("0001.sql", "SELECT 1;").check()?;
    /// assert!(report.findings.is_empty());
    /// # Ok::<(), schemaguard::Error>(())
    /// ```
    pub fn new() -> Checker {
        Checker::default()
    }

    /// Adds a migration file or a directory of them (read and ordered as the command
    /// line does: by version, down migrations left out, the framework recognised).
    ///
    /// ```
    /// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/sample_migrations");
    /// let report = schemaguard::Checker::new().path(dir).check()?;
    /// assert!(report.files > 10);
    /// # Ok::<(), schemaguard::Error>(())
    /// ```
    pub fn path(mut self, path: impl Into<PathBuf>) -> Checker {
        self.paths.push(path.into());
        self
    }

    /// Adds a migration held in memory: `name` places it in the apply order (as a file
    /// name would: `0002_x.sql`, `V3__y.sql`) and names it in findings.
    ///
    /// ```
    /// let report = schemaguard::Checker::new()
    ///     .source("0001.sql", "ALTER TABLE accounts ADD COLUMN note text;")
    ///     .check()?;
    /// assert_eq!(report.statements, 1);
    /// # Ok::<(), schemaguard::Error>(())
    /// ```
    pub fn source(mut self, name: impl Into<String>, sql: impl Into<String>) -> Checker {
        self.sources.push((name.into(), sql.into()));
        self
    }

    /// The PostgreSQL major version to judge for (10 to 18; default 16, or the
    /// configuration's `pg_version`).
    ///
    /// ```
    /// let err = schemaguard::Checker::new().source("a.sql", "SELECT 1;").pg_version(9).check();
    /// assert_eq!(err.unwrap_err().to_string(), "PostgreSQL 9 is not supported (10 to 18)");
    /// ```
    pub fn pg_version(mut self, major: u32) -> Checker {
        self.pg_version = Some(major);
        self
    }

    /// Reads this `schemaguard.toml` (rules on and off, severities, framework, ...).
    ///
    /// ```
    /// let err = schemaguard::Checker::new()
    ///     .source("a.sql", "SELECT 1;")
    ///     .config_file("/nonexistent/schemaguard.toml")
    ///     .check()
    ///     .unwrap_err();
    /// assert!(err.to_string().starts_with("/nonexistent/schemaguard.toml: cannot read"));
    /// ```
    pub fn config_file(mut self, path: impl Into<PathBuf>) -> Checker {
        self.config_file = Some(path.into());
        self
    }

    /// Looks for `schemaguard.toml` in `dir` and its parents, as the command line does
    /// from the current directory (its `paths` are then checked when no path or source
    /// is given).
    ///
    /// ```
    /// let dir = std::env::temp_dir();
    /// let report = schemaguard::Checker::new()
    ///     .source("a.sql", "SELECT 1;")
    ///     .discover_config(&dir)
    ///     .check();
    /// assert!(report.is_ok() || report.is_err()); // whatever `dir` holds, no panic
    /// ```
    pub fn discover_config(mut self, dir: impl Into<PathBuf>) -> Checker {
        self.discover_from = Some(dir.into());
        self
    }

    /// Starts from a live database (URL or libpq `key=value` string; `PG*` variables
    /// fill what it leaves out): its schema, version, table sizes and applied
    /// migrations, read in a read-only session. Only pending migrations are reported.
    ///
    /// ```
    /// let err = schemaguard::Checker::new()
    ///     .source("a.sql", "SELECT 1;")
    ///     .database("postgres://u:secret@[::1/db")
    ///     .check()
    ///     .unwrap_err();
    /// assert!(!err.to_string().contains("secret"));
    /// ```
    pub fn database(mut self, url: impl Into<String>) -> Checker {
        self.database = Some(url.into());
        self
    }

    /// Also returns the plan: per statement, the locks it takes and what it rewrites.
    ///
    /// ```
    /// let report = schemaguard::Checker::new()
    ///     .source("0001.sql", "ALTER TABLE t ADD COLUMN c int;")
    ///     .with_plan()
    ///     .check()?;
    /// assert_eq!(report.plan[0].locks[0].mode, "ACCESS EXCLUSIVE");
    /// # Ok::<(), schemaguard::Error>(())
    /// ```
    pub fn with_plan(mut self) -> Checker {
        self.plan = true;
        self
    }

    /// Also returns the dependency graph of migrations, statements and objects.
    ///
    /// ```
    /// let report = schemaguard::Checker::new()
    ///     .source("0001.sql", "CREATE TABLE t (id int);")
    ///     .with_graph()
    ///     .check()?;
    /// let graph = report.graph.expect("asked for");
    /// assert!(graph.to_dot().contains("table public.t"));
    /// # Ok::<(), schemaguard::Error>(())
    /// ```
    pub fn with_graph(mut self) -> Checker {
        self.graph = true;
        self
    }

    /// Reads, parses and analyses the migrations and returns what was found. `Err` is
    /// a configuration, input or connection problem (the CLI's exit 2); its message
    /// carries no password. A file that cannot be read is not an error: it is listed in
    /// [`Report::unreadable`] and the others are checked.
    pub fn check(&self) -> Result<Report, Error> {
        let opts = self.run_options()?;
        let configured = self.configure(&opts)?;
        let sources = self.read_sources(&opts, &configured)?;
        let preparer = Preparer::of(&configured.config);
        let mut baseline = match &opts.database {
            Some(db) => pipeline::live_baseline(&opts, db, &configured, &sources, &preparer)
                .map_err(Error::from_kind)?,
            None => pipeline::Baseline::empty(configured.version, sources.collected.files.len()),
        };
        let mut settings = pipeline::settings_for(&opts, &configured, &mut baseline);
        // a library caller asked for findings, and maybe the plan and the graph
        settings.rules = true;
        let analysed = pipeline::analyse(&opts, &sources, &preparer, &settings, &mut baseline);
        let run = pipeline::report(&opts, configured, sources, baseline, &settings, analysed);
        Ok(Report::of(run, self.graph))
    }

    fn run_options(&self) -> Result<RunOptions, Error> {
        let database = match &self.database {
            Some(url) => Some(
                ConnectOptions::from_env_and_url(Some(url))
                    .map_err(|e| Error::from_kind(RunErrorKind::Live(e)))?,
            ),
            None => None,
        };
        Ok(RunOptions {
            paths: self.paths.clone(),
            pg_version: self.pg_version,
            config: self.config_file.clone(),
            cwd: self.discover_from.clone().unwrap_or_default(),
            database,
            report: if self.graph {
                pipeline::Report::Graph
            } else {
                pipeline::Report::Findings
            },
            skip_plan: !self.plan,
            ..RunOptions::default()
        })
    }

    /// Stage 1 without looking for a configuration nobody asked for.
    fn configure(&self, opts: &RunOptions) -> Result<Configured, Error> {
        if self.config_file.is_some() || self.discover_from.is_some() {
            if self.sources.is_empty() || !self.paths.is_empty() {
                return pipeline::configure(opts).map_err(Error::from_kind);
            }
            // in-memory sources only: the configuration's `paths` are not read
            let mut with_path = opts.clone();
            with_path.paths = vec![PathBuf::from("-")];
            let mut configured = pipeline::configure(&with_path).map_err(Error::from_kind)?;
            configured.paths.clear();
            return Ok(configured);
        }
        let version = PgVersion(self.pg_version.unwrap_or(PgVersion::DEFAULT.0));
        if !PgVersion::SUPPORTED.contains(&version.0) {
            return Err(Error::from_kind(RunErrorKind::UnsupportedVersion(version)));
        }
        if self.paths.is_empty() && self.sources.is_empty() {
            return Err(Error::from_kind(RunErrorKind::NoPaths));
        }
        Ok(Configured {
            config: Config::default(),
            version,
            paths: self.paths.clone(),
        })
    }

    /// Stage 2: the paths as the command line reads them, plus the in-memory sources.
    fn read_sources(&self, opts: &RunOptions, configured: &Configured) -> Result<Sources, Error> {
        let mut sources = if configured.paths.is_empty() {
            Sources::from_files(Vec::new(), opts.cwd.clone())
        } else {
            pipeline::read_sources(opts, configured).map_err(Error::from_kind)?
        };
        if !self.sources.is_empty() {
            let mut files = std::mem::take(&mut sources.collected.files);
            files.extend(self.sources.iter().map(|(name, sql)| {
                let path = PathBuf::from(name);
                crate::source::MigrationFile {
                    kind: crate::source::name_kind(&path),
                    display: name.clone(),
                    path,
                    text: sql.clone(),
                }
            }));
            crate::source::sort_files(&mut files);
            sources.collected.files = files;
        }
        Ok(sources)
    }
}

/// Why a check could not be made (a configuration, input or connection problem). The
/// message is the command line's, without any password.
///
/// ```
/// let err = schemaguard::Checker::new().check().unwrap_err();
/// assert!(err.to_string().starts_with("no migration files given"));
/// ```
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct Error(#[from] pipeline::RunError);

impl Error {
    fn from_kind(kind: RunErrorKind) -> Error {
        Error(kind.into())
    }
}

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; never fails a run by default.
    Hint,
    /// Likely a problem.
    Warning,
    /// Blocks traffic or breaks the application; fails a run by default.
    Error,
}

impl Severity {
    /// `hint`, `warning` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Hint => "hint",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One problem found in one statement, as `check --format json` reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule's id (`schemaguard explain <rule>` describes it).
    pub rule: String,
    /// How serious it is (after the configuration's overrides and, against a database,
    /// the table sizes).
    pub severity: Severity,
    /// What is wrong, in one line.
    pub message: String,
    /// The file, as shown to users (relative to the current directory when under it).
    pub file: String,
    /// 1-based line of the start of what the finding points at: its statement, or,
    /// for a rule about one column, constraint, `DEFAULT` or `ALTER TABLE` action, just
    /// that clause of it.
    pub line: u32,
    /// 1-based column (in characters) of the start.
    pub column: u32,
    /// 1-based line of the end.
    pub end_line: u32,
    /// 1-based column of the end: of the last character (inclusive), as in the JSON.
    pub end_column: u32,
    /// The relation concerned, `schema.name`, when there is one.
    pub relation: Option<String>,
    /// The lock mode concerned (`ACCESS EXCLUSIVE`, ...), when there is one.
    pub lock_mode: Option<String>,
    /// Why it matters here.
    pub why: Option<String>,
    /// The safe alternative: a line of prose, then SQL with the user's names.
    pub fix: Option<String>,
}

/// A lock a statement takes, in the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Lock {
    /// `schema.name`.
    pub relation: String,
    /// PostgreSQL's name of the mode: `ACCESS EXCLUSIVE`, `SHARE`, ...
    pub mode: String,
    /// Whether plain `SELECT`s wait for it.
    pub blocks_reads: bool,
    /// Whether `INSERT`, `UPDATE` and `DELETE` wait for it.
    pub blocks_writes: bool,
    /// The relation existed before this migration (a lock on a new one blocks no one).
    pub preexisting: bool,
}

/// One statement of the plan: what it will do on the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlannedStatement {
    /// The file, as shown to users.
    pub file: String,
    /// 1-based first line.
    pub start_line: u32,
    /// 1-based last line.
    pub end_line: u32,
    /// The kind of statement (`CREATE INDEX`, `ALTER TABLE ... ADD COLUMN`, ...).
    pub kind: String,
    /// The locks it takes.
    pub locks: Vec<Lock>,
    /// The relations it rewrites.
    pub rewrites: Vec<String>,
    /// It runs inside a transaction block.
    pub in_transaction: bool,
}

/// A file that could not be read (the others are still checked).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unreadable {
    /// The file, as shown to users.
    pub file: String,
    /// Why (binary, not UTF-8, too large, ...).
    pub message: String,
}

/// The dependency graph of migrations, statements and schema objects, rendered on
/// demand.
#[derive(Debug)]
pub struct Graph(crate::graph::Graph);

impl Graph {
    /// Graphviz DOT.
    pub fn to_dot(&self) -> String {
        self.0.to_dot(None)
    }

    /// A Mermaid flowchart.
    pub fn to_mermaid(&self) -> String {
        self.0.to_mermaid(None)
    }

    /// JSON: nodes and edges, as `schemaguard graph --format json`.
    pub fn to_json(&self) -> String {
        self.0.to_json(None)
    }
}

/// What a check found: plain data.
#[derive(Debug)]
pub struct Report {
    /// The findings, in apply order of their files, then by position and rule.
    pub findings: Vec<Finding>,
    /// With [`Checker::with_plan`]: every statement's locks and rewrites.
    pub plan: Vec<PlannedStatement>,
    /// With [`Checker::with_graph`].
    pub graph: Option<Graph>,
    /// Files that could not be read.
    pub unreadable: Vec<Unreadable>,
    /// The PostgreSQL major version judged for.
    pub pg_version: u32,
    /// Files checked.
    pub files: usize,
    /// Statements checked.
    pub statements: usize,
    /// Findings silenced by `-- schemaguard:ignore` comments.
    pub suppressed: usize,
}

impl Report {
    fn of(run: pipeline::Run, with_graph: bool) -> Report {
        let mut analysis = run.analysis;
        let graph = with_graph.then(|| Graph(std::mem::take(&mut analysis.graph)));
        let mut findings = std::mem::take(&mut analysis.findings);
        let order: std::collections::HashMap<&str, usize> = analysis
            .files
            .iter()
            .enumerate()
            .rev()
            .map(|(i, f)| (f.file.as_str(), i))
            .collect();
        findings.sort_by_cached_key(|f| {
            (
                order.get(f.file.as_str()).copied(),
                f.span.start_pos,
                f.rule,
            )
        });
        Report {
            findings: findings.iter().map(finding).collect(),
            plan: analysis.plan.iter().map(planned).collect(),
            graph,
            unreadable: run
                .input_errors
                .into_iter()
                .map(|(file, message)| Unreadable {
                    file: redact_all(&file),
                    message: redact_all(&message),
                })
                .collect(),
            pg_version: run.version.0,
            files: analysis.files.len(),
            statements: analysis.files.iter().map(|f| f.statements).sum(),
            suppressed: analysis.suppressed,
        }
    }
}

fn finding(f: &crate::rules::Finding) -> Finding {
    Finding {
        rule: f.rule.to_string(),
        severity: match f.severity {
            crate::rules::Severity::Hint => Severity::Hint,
            crate::rules::Severity::Warning => Severity::Warning,
            crate::rules::Severity::Error => Severity::Error,
        },
        message: f.message.clone(),
        file: f.file.clone(),
        line: f.span.start_pos.line,
        column: f.span.start_pos.column,
        end_line: f.span.end_pos.line,
        end_column: f.span.end_pos.column,
        relation: f.relation.as_ref().map(ToString::to_string),
        lock_mode: f.lock_mode.map(|m| m.as_str().to_string()),
        why: f.why.as_deref().map(str::to_string),
        fix: f.fix.clone(),
    }
}

fn planned(p: &crate::analysis::PlannedStatement) -> PlannedStatement {
    PlannedStatement {
        file: p.file.clone(),
        start_line: p.span.start_pos.line,
        end_line: p.span.end_pos.line,
        kind: p.kind.clone(),
        locks: p
            .locks
            .iter()
            .map(|l| Lock {
                relation: l.relation.to_string(),
                mode: l.mode.as_str().to_string(),
                blocks_reads: l.blocks_reads,
                blocks_writes: l.blocks_writes,
                preexisting: l.preexisting,
            })
            .collect(),
        rewrites: p.rewrites.iter().map(ToString::to_string).collect(),
        in_transaction: p.in_transaction,
    }
}
