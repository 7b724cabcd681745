//! Wires the pipeline for one run: configuration, `source`, `parse` (in parallel),
//! `analysis` (in apply order). Used by the CLI and by the tests.

use crate::analysis::{
    Analysis, Analyzer, Edited, FileInput, FileMeta, GraphDetail, Settings, TransactionMode,
    TxSegment,
};
use crate::catalog::Catalog;
use crate::config::Config;
use crate::effects::PgVersion;
use crate::live::{self, ConnectOptions, history::History, redact_all};
use crate::parse::{self, ParsedFile};
use crate::source::framework::{self, Framework, Prepared, TxMode};
use crate::source::git::Change;
use crate::source::{self, SourceOptions};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// Parsed files that may wait for the analysis (which takes them in apply order).
const PARSED_AHEAD: usize = 128;

#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Files, directories or `-`; empty means `paths` from the configuration.
    pub paths: Vec<PathBuf>,
    pub pg_version: Option<u32>,
    /// An explicit configuration file; otherwise the nearest one upward from `cwd`.
    pub config: Option<PathBuf>,
    pub stdin_filename: Option<String>,
    pub cwd: PathBuf,
    /// Pre-merge review: report only files added or changed since this git ref (all
    /// files are still replayed for the schema they build).
    pub since: Option<String>,
    /// Start from this live database: its introspected schema instead of an empty one,
    /// only the migrations its history table does not list (pending ones), its server
    /// version, and its table sizes for judging risk.
    pub database: Option<ConnectOptions>,
    /// The schema before the first migration (introspected from a database); empty
    /// when `None`.
    pub initial_catalog: Option<crate::catalog::Catalog>,
    /// What the command reports: the run computes only what that needs.
    pub report: Report,
    /// Keep every file's parsed statements in [`Run::parsed`] (trace runs them);
    /// otherwise each is dropped once analysed.
    pub keep_parsed: bool,
    /// The caller reads no plan (`check`): the analysis keeps none
    /// ([`crate::analysis::Analysis::plan`] stays empty).
    pub skip_plan: bool,
    /// Keep each planned statement's whole effects ([`PlannedStatement::effects`]:
    /// `trace` and the catalogue compare them with a server); the plan's own columns do
    /// not need them, and a large file has one per statement.
    ///
    /// [`PlannedStatement::effects`]: crate::analysis::PlannedStatement::effects
    pub plan_effects: bool,
    /// Texts read instead of files on disk (an editor's unsaved buffers).
    pub overlay: Option<std::sync::Arc<source::Overlay>>,
    /// With `database`: leave the other sessions' query texts out of what is read.
    pub no_query_text: bool,
    /// With `database`: sample the tables' traffic over this many seconds (`None` or 0:
    /// not sampled).
    pub traffic_window: Option<f64>,
    /// Statements a server refused, as `(file as displayed, statement index)`, with the
    /// SQLSTATE it gave: their changes are not replayed (`trace`, which has seen them
    /// fail), except what such a failure leaves behind (a concurrent index build that
    /// failed on the rows keeps its index, invalid).
    pub refused_by_server: std::collections::BTreeMap<(String, usize), String>,
}

/// What a run against a live database found there.
#[derive(Clone, Debug)]
pub struct LiveRun {
    /// The database, as shown to the user (no password).
    pub target: String,
    pub server_version_num: u32,
    /// `schema.table (framework)` of the history table used, if any.
    pub history_table: Option<String>,
    /// Files already applied (not checked, except for edits).
    pub applied: Vec<String>,
    /// Files checked: not applied yet.
    pub pending: Vec<String>,
    /// The other sessions and their relation locks when the database was read.
    pub activity: live::activity::Activity,
}

/// What a command reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Report {
    /// Findings (`check`): rules, and the graph for history-level rules.
    #[default]
    Findings,
    /// The plan: locks, rewrites and transactions per statement; no rules, no graph.
    Plan,
    /// The dependency graph; no rules.
    Graph,
}

/// One analysed file: where it is and its text (for code frames).
pub struct SourceFile {
    pub path: PathBuf,
    pub display: String,
    pub text: String,
}

pub struct Run {
    pub analysis: Analysis,
    pub files: Vec<SourceFile>,
    /// `(file, message)` for files that could not be read.
    pub input_errors: Vec<(String, String)>,
    pub version: PgVersion,
    pub config: Config,
    pub live: Option<LiveRun>,
    /// Each file split and parsed as its framework runs it (same order as `files`).
    pub parsed: Vec<ParsedFile>,
}

/// Why a run could not be made: a usage, configuration, input or connection problem
/// (exit 2 in the CLI). Its message carries no password (connection strings in it are
/// redacted); [`RunError::kind`] tells what happened.
#[derive(Debug, thiserror::Error)]
#[error("{}", redact_all(&self.kind.to_string()))]
pub struct RunError {
    kind: RunErrorKind,
}

impl RunError {
    /// What happened (its own message is not redacted).
    pub fn kind(&self) -> &RunErrorKind {
        &self.kind
    }
}

impl<E: Into<RunErrorKind>> From<E> for RunError {
    fn from(e: E) -> RunError {
        RunError { kind: e.into() }
    }
}

/// What stopped a run.
#[derive(Debug, thiserror::Error)]
pub enum RunErrorKind {
    /// A path, `--config` or `--stdin-filename` looks like a connection string (shown
    /// redacted).
    #[error(
        "`{redacted}` looks like a database connection string, not a migration file or directory"
    )]
    ConnectionStringAsPath {
        /// The text given, redacted.
        redacted: String,
    },
    /// The configuration file.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// `--pg-version` or `pg_version` outside the supported versions.
    #[error("PostgreSQL {0} is not supported (10 to 18)")]
    UnsupportedVersion(PgVersion),
    /// No path on the command line nor in the configuration.
    #[error(
        "no migration files given: pass files or directories (or `-` for standard input), or set `paths` in schemaguard.toml"
    )]
    NoPaths,
    /// The paths hold no migration file (and none failed to read).
    #[error("no migration files found in {}", paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    NoFilesFound {
        /// The paths searched.
        paths: Vec<PathBuf>,
    },
    /// `--since`: git could not list the changes.
    #[error(transparent)]
    Git(#[from] source::git::GitError),
    /// The live database could not be read.
    #[error(transparent)]
    Live(#[from] live::LiveError),
    /// The live database runs a version schemaguard does not support.
    #[error(
        "{target} runs PostgreSQL {version} (server_version_num {server_version_num}): schemaguard supports 10 to 18"
    )]
    UnsupportedServer {
        /// The database, redacted.
        target: String,
        /// Its major version.
        version: PgVersion,
        /// Its `server_version_num`.
        server_version_num: u32,
    },
}

/// Reads, parses and analyses. `Err` is a usage or configuration problem (exit 2).
///
/// No message carries a password: a connection string given where a path belongs is
/// refused (shown redacted), and errors and unreadable-file messages are redacted.
pub fn run(opts: &RunOptions) -> Result<Run, RunError> {
    let given = opts
        .paths
        .iter()
        .chain(&opts.config)
        .map(|p| p.to_string_lossy().into_owned())
        .chain(opts.stdin_filename.clone());
    for text in given {
        if looks_like_connection_string(&text) {
            return Err(RunErrorKind::ConnectionStringAsPath {
                redacted: redact_all(&text),
            }
            .into());
        }
    }
    let mut run = run_unredacted(opts)?;
    for (file, message) in &mut run.input_errors {
        *file = redact_all(file);
        *message = redact_all(message);
    }
    Ok(run)
}

/// A URL with a scheme (`postgres://...`), or a libpq `key=value` string with a password.
fn looks_like_connection_string(text: &str) -> bool {
    text.contains("://") || redact_all(text) != text
}

/// The run as stages: configuration, sources, (live snapshot), settings, parsing with
/// the analysis, reporting. Each stage's output is the next one's input.
fn run_unredacted(opts: &RunOptions) -> Result<Run, RunErrorKind> {
    let configured = configure(opts)?;
    let sources = read_sources(opts, &configured)?;
    let preparer = Preparer::of(&configured.config);
    let mut baseline = match &opts.database {
        Some(db) => live_baseline(opts, db, &configured, &sources, &preparer)?,
        None => Baseline::empty(configured.version, sources.collected.files.len()),
    };
    let settings = settings_for(opts, &configured, &mut baseline);
    let analysed = analyse(opts, &sources, &preparer, &settings, &mut baseline);
    Ok(report(
        opts, configured, sources, baseline, &settings, analysed,
    ))
}

/// Stage 1: the configuration, the PostgreSQL version judged for, and the paths to read.
pub struct Configured {
    /// `schemaguard.toml` (or the defaults).
    pub config: Config,
    /// From `--pg-version`, else the configuration, else the default.
    pub version: PgVersion,
    /// From the command line, else the configuration's `paths`.
    pub paths: Vec<PathBuf>,
}

/// Stage 1: reads the configuration and decides the version and the paths.
pub fn configure(opts: &RunOptions) -> Result<Configured, RunErrorKind> {
    let config = Config::load(opts.config.as_deref(), &opts.cwd)?;
    let version = PgVersion(
        opts.pg_version
            .or(config.pg_version)
            .unwrap_or(PgVersion::DEFAULT.0),
    );
    if !PgVersion::SUPPORTED.contains(&version.0) {
        return Err(RunErrorKind::UnsupportedVersion(version));
    }
    let mut paths = opts.paths.clone();
    if paths.is_empty() {
        let base = config
            .path
            .as_deref()
            .and_then(Path::parent)
            .unwrap_or(&opts.cwd);
        paths = config
            .paths
            .iter()
            .flatten()
            .map(|p| base.join(p))
            .collect();
    }
    if paths.is_empty() {
        return Err(RunErrorKind::NoPaths);
    }
    Ok(Configured {
        config,
        version,
        paths,
    })
}

/// Stage 2: the migration files in apply order, those that could not be read, and
/// (with `--since`) which changed since the ref.
pub struct Sources {
    /// The files found and read.
    pub collected: source::Collected,
    /// `(file, message)` for files that could not be read.
    pub input_errors: Vec<(String, String)>,
    /// With `--since`: the files added or changed since the ref, by canonical path.
    pub changes: Option<HashMap<PathBuf, Change>>,
    cwd: PathBuf,
}

impl Sources {
    /// Files already read (in apply order or not: they are sorted here), with no
    /// `--since` selection; `cwd` resolves relative paths.
    pub fn from_files(mut files: Vec<source::MigrationFile>, cwd: PathBuf) -> Sources {
        source::sort_files(&mut files);
        Sources {
            collected: source::Collected {
                files,
                ..source::Collected::default()
            },
            input_errors: Vec::new(),
            changes: None,
            cwd,
        }
    }

    /// How `path` changed since the `--since` ref (`None`: unchanged, or no `--since`).
    pub fn change_of(&self, path: &Path) -> Option<Change> {
        let changes = self.changes.as_ref()?;
        let key = path.canonicalize().unwrap_or_else(|_| self.cwd.join(path));
        changes.get(&key).copied()
    }
}

/// Stage 2: finds and reads the files, and asks git what changed since `--since`.
pub fn read_sources(opts: &RunOptions, configured: &Configured) -> Result<Sources, RunErrorKind> {
    let paths = &configured.paths;
    let mut source_opts = SourceOptions {
        stdin_filename: opts.stdin_filename.clone(),
        overlay: opts.overlay.clone(),
        ..SourceOptions::default()
    };
    if let Some(kib) = configured.config.max_file_size_kib {
        source_opts.max_file_bytes = kib.saturating_mul(1024);
    }
    let collected = source::collect(paths, &source_opts);
    let input_errors: Vec<(String, String)> = collected
        .errors
        .iter()
        .map(|e| (e.display.clone(), e.message.clone()))
        .collect();
    if collected.files.is_empty() && input_errors.is_empty() {
        return Err(RunErrorKind::NoFilesFound {
            paths: paths.clone(),
        });
    }
    let changes = match &opts.since {
        Some(reference) => Some(source::git::changes_since(
            &since_dir(paths, &opts.cwd),
            reference,
        )?),
        None => None,
    };
    Ok(Sources {
        collected,
        input_errors,
        changes,
        cwd: opts.cwd.clone(),
    })
}

/// The directory whose repository `--since` asks: the first path's (its parent for a
/// file), relative to `cwd`.
fn since_dir(paths: &[PathBuf], cwd: &Path) -> PathBuf {
    paths
        .iter()
        .find(|p| p.as_os_str() != "-")
        .map(|p| {
            if p.is_dir() {
                p.clone()
            } else {
                p.parent().map(Path::to_path_buf).unwrap_or_default()
            }
        })
        .map(|p| {
            if p.as_os_str().is_empty() {
                cwd.to_path_buf()
            } else {
                cwd.join(p)
            }
        })
        .unwrap_or_else(|| cwd.to_path_buf())
}

/// Stage 3 (parsing): each file as its framework runs it (up part, transaction
/// segments), then split and parsed.
pub struct Preparer {
    configured: Option<Framework>,
    assume_tx: bool,
}

impl Preparer {
    /// The framework and transaction assumption of `config`.
    pub fn of(config: &Config) -> Preparer {
        Preparer {
            configured: config.framework.as_deref().and_then(Framework::parse),
            assume_tx: config.assume_in_transaction.unwrap_or(true),
        }
    }

    /// One file prepared and parsed (with `cache`, the parser's cache of short
    /// statements of this thread).
    pub fn prepare(
        &self,
        cache: &mut parse::Cache,
        f: &source::MigrationFile,
    ) -> (Prepared, ParsedFile) {
        let p = framework::prepare(&f.path, &f.text, self.configured, self.assume_tx);
        let parsed = parse::parse_file_with(p.text(&f.text), cache);
        (p, parsed)
    }

    /// Every file, in parallel (rayon), in order.
    pub fn prepare_all(&self, files: &[source::MigrationFile]) -> Vec<(Prepared, ParsedFile)> {
        files
            .par_iter()
            .map_init(parse::Cache::default, |cache, f| self.prepare(cache, f))
            .collect()
    }
}

/// Stage 4 (live snapshot): where the analysis starts. Empty without a database; with
/// one, its schema, its version and the migrations it already applied.
pub struct Baseline {
    /// The version judged for (the database's, when there is one).
    pub version: PgVersion,
    /// The schema before the first pending migration.
    pub initial_catalog: Catalog,
    /// The applied migrations, as file-level rules see the history.
    pub applied: Vec<FileMeta>,
    /// Per file of the run: already applied (not analysed).
    pub is_applied: Vec<bool>,
    /// What the run found on the database.
    pub live: Option<LiveRun>,
    /// `(where, message)` notes about the database.
    pub notes: Vec<(String, String)>,
    /// Against a database every file is prepared and parsed first (which history table
    /// to read depends on every file's framework).
    pub prepared: Option<Vec<(Prepared, ParsedFile)>>,
}

impl Baseline {
    /// No database: an empty schema, nothing applied.
    pub fn empty(version: PgVersion, files: usize) -> Baseline {
        Baseline {
            version,
            initial_catalog: Catalog::default(),
            applied: Vec::new(),
            is_applied: vec![false; files],
            live: None,
            notes: Vec::new(),
            prepared: None,
        }
    }
}

/// Stage 4: reads the database (schema, version, history, activity) and marks the
/// files it already applied.
pub fn live_baseline(
    opts: &RunOptions,
    db: &ConnectOptions,
    configured: &Configured,
    sources: &Sources,
    preparer: &Preparer,
) -> Result<Baseline, RunErrorKind> {
    let files = &sources.collected.files;
    let mut baseline = Baseline::empty(configured.version, files.len());
    let all = preparer.prepare_all(files);
    let framework = dominant_framework(all.iter().map(|(p, _)| p.framework));
    baseline.prepared = Some(all);
    let snapshot = live::snapshot(db, framework, !opts.no_query_text, opts.traffic_window)?;
    baseline.version = live_version(opts, configured, &snapshot, &mut baseline.notes)?;
    baseline.initial_catalog = snapshot.catalog;
    let mut run_info = LiveRun {
        target: snapshot.target.clone(),
        server_version_num: snapshot.server_version_num,
        history_table: snapshot
            .history
            .as_ref()
            .map(|h| format!("{} ({})", h.table, h.kind)),
        applied: Vec::new(),
        pending: Vec::new(),
        activity: snapshot.activity,
    };
    match &snapshot.history {
        Some(history) => mark_applied(
            history,
            preparer.configured,
            files,
            &mut baseline.is_applied,
            &mut baseline.applied,
            &mut baseline.notes,
        ),
        None => baseline.notes.push((
            snapshot.target.clone(),
            format!(
                "no migration history table found (looked for {}): every migration is checked as pending",
                live::history::tables_looked_for()
            ),
        )),
    }
    for (f, applied) in files.iter().zip(&baseline.is_applied) {
        if *applied {
            run_info.applied.push(f.display.clone());
        } else {
            run_info.pending.push(f.display.clone());
        }
    }
    baseline.live = Some(run_info);
    Ok(baseline)
}

/// The database's major version, which the run judges for (with a note when the
/// configuration asked for another); an error when schemaguard does not support it.
fn live_version(
    opts: &RunOptions,
    configured: &Configured,
    snapshot: &live::Snapshot,
    notes: &mut Vec<(String, String)>,
) -> Result<PgVersion, RunErrorKind> {
    let server = PgVersion(snapshot.server_version_num / 10_000);
    if !PgVersion::SUPPORTED.contains(&server.0) {
        return Err(RunErrorKind::UnsupportedServer {
            target: snapshot.target.clone(),
            version: server,
            server_version_num: snapshot.server_version_num,
        });
    }
    if let Some(asked) = opts.pg_version.or(configured.config.pg_version) {
        if asked != server.0 {
            notes.push((
                snapshot.target.clone(),
                format!("the database runs PostgreSQL {server}: judging for {server}, not the configured {asked}"),
            ));
        }
    }
    Ok(server)
}

/// Stage 5: the analysis settings (the baseline's schema and applied files move in).
pub fn settings_for(
    opts: &RunOptions,
    configured: &Configured,
    baseline: &mut Baseline,
) -> Settings {
    let mut settings = Settings {
        version: baseline.version,
        rule_overrides: configured.config.rule_overrides(),
        initial_catalog: std::mem::take(&mut baseline.initial_catalog),
        applied: std::mem::take(&mut baseline.applied),
        baseline: if opts.database.is_some() {
            "are applied to the database"
        } else {
            "already existed"
        },
        ..Settings::default()
    };
    if let Some(catalog) = &opts.initial_catalog {
        settings.initial_catalog = catalog.clone();
    }
    if let Some(tz) = &configured.config.timezone {
        settings.initial_catalog.timezone = tz.clone();
    }
    settings
        .refused_by_server
        .clone_from(&opts.refused_by_server);
    settings.rules = opts.report == Report::Findings;
    settings.graph = match opts.report {
        Report::Plan => GraphDetail::None,
        Report::Findings => GraphDetail::UsesAfterDrop,
        Report::Graph => GraphDetail::Full,
    };
    settings.plan = !opts.skip_plan;
    settings.plan_effects = opts.plan_effects;
    settings
}

/// What stage 6 hands to the report.
pub struct Analysed {
    /// The analysis of the pending files.
    pub analysis: Analysis,
    /// Each file's notes from its framework (same order as the files).
    pub prepare_notes: Vec<Vec<(u32, String)>>,
    /// The parsed files, with [`RunOptions::keep_parsed`].
    pub kept: Vec<ParsedFile>,
}

/// The file is new relative to the baseline (added since `--since`); against a live
/// database every file of the run is pending.
fn is_new(opts: &RunOptions, sources: &Sources, f: &source::MigrationFile) -> bool {
    sources.change_of(&f.path) == Some(Change::Added) || opts.database.is_some()
}

/// `--since`: the ref, when the file changed since it.
fn edited_since(opts: &RunOptions, sources: &Sources, f: &source::MigrationFile) -> Option<String> {
    (sources.change_of(&f.path) == Some(Change::Modified))
        .then(|| opts.since.clone())
        .flatten()
}

/// The history the file-level rules see: the pending files.
pub fn pending_history(
    opts: &RunOptions,
    sources: &Sources,
    pending: &[&source::MigrationFile],
    preparer: &Preparer,
) -> Vec<FileMeta> {
    pending
        .iter()
        .map(|f| {
            let version = f.version().map(|v| v.normalized());
            let key = framework::record_key(&f.path, &f.text, version.clone(), preparer.configured);
            FileMeta::new(&f.display, version, is_new(opts, sources, f))
                .keyed_by(key)
                .edited_since(edited_since(opts, sources, f).as_deref())
        })
        .collect()
}

/// Hands pending files to the analysis in apply order, as [`FileInput`]s.
struct Feed<'r, 's> {
    analyzer: Analyzer<'s>,
    opts: &'r RunOptions,
    sources: &'r Sources,
    index: usize,
}

impl Feed<'_, '_> {
    /// The next pending file.
    fn file(&mut self, f: &source::MigrationFile, prep: &Prepared, p: &ParsedFile) {
        let input = file_input(self.opts, self.sources, f, prep, p);
        self.analyzer.file(self.index, &input);
        self.index += 1;
    }
}

/// A pending file as the analysis takes it (also for callers that drive an
/// [`Analyzer`] themselves, as the language server does).
pub fn file_input<'p>(
    opts: &RunOptions,
    sources: &Sources,
    f: &source::MigrationFile,
    prep: &Prepared,
    parsed: &'p ParsedFile,
) -> FileInput<'p> {
    FileInput {
        display: f.display.clone(),
        version: f.version().map(|v| v.normalized()),
        new_since_ref: is_new(opts, sources, f),
        edited_since: edited_since(opts, sources, f),
        parsed,
        segments: segments_of(prep),
        no_transaction_hint: prep.framework.no_transaction_hint().to_string(),
        framework_wraps: prep.framework != Framework::Plain,
    }
}

/// Stage 6: parses (unless the baseline did) and analyses the pending files in apply
/// order.
pub fn analyse(
    opts: &RunOptions,
    sources: &Sources,
    preparer: &Preparer,
    settings: &Settings,
    baseline: &mut Baseline,
) -> Analysed {
    let files = &sources.collected.files;
    let pending: Vec<&source::MigrationFile> = files
        .iter()
        .zip(&baseline.is_applied)
        .filter(|(_, applied)| !**applied)
        .map(|(f, _)| f)
        .collect();
    let history = pending_history(opts, sources, &pending, preparer);
    drop(pending);
    let mut feed = Feed {
        analyzer: Analyzer::new(history, settings),
        opts,
        sources,
        index: 0,
    };
    let mut prepare_notes: Vec<Vec<(u32, String)>> = Vec::with_capacity(files.len());
    let mut kept: Vec<ParsedFile> = Vec::new();
    match baseline.prepared.take() {
        Some(all) => {
            for ((f, (prep, p)), applied) in files.iter().zip(all).zip(&baseline.is_applied) {
                if !*applied {
                    feed.file(f, &prep, &p);
                }
                prepare_notes.push(prep.notes);
                if opts.keep_parsed {
                    kept.push(p);
                }
            }
        }
        None => stream(files, preparer, |f, mut prep, p| {
            feed.file(f, &prep, &p);
            prepare_notes.push(std::mem::take(&mut prep.notes));
            if opts.keep_parsed {
                kept.push(p);
                None
            } else {
                Some((prep, p))
            }
        }),
    }
    Analysed {
        analysis: feed.analyzer.finish(),
        prepare_notes,
        kept,
    }
}

/// A file prepared and parsed by a worker: `(index, worker, prepared, parsed)`.
type ParsedBy = (usize, usize, Prepared, ParsedFile);

/// Parses `files` on rayon's threads while this thread hands each, in apply order, to
/// `each` as it arrives; what `each` gives back is dropped by the worker that parsed it.
///
/// The workers take files in apply order, and at most `PARSED_AHEAD` parsed files wait
/// for the analysis: every worker feeds it from the start, and memory stays bounded
/// however long the history. There is one worker fewer than rayon has threads, and this
/// thread parses too, whenever the file it needs next is not ready: it takes the next
/// file no one has taken. So no more threads run than there are cores (three threads on
/// two cores took turns, and the analysis, the one all others wait for, got two thirds
/// of a core), and no core idles while this one waits. A file the analysis is done with
/// goes back to the worker that parsed it, to be dropped there: freeing is off this
/// thread, and the allocator gets the memory back on the thread that reuses it.
fn stream(
    files: &[source::MigrationFile],
    preparer: &Preparer,
    mut each: impl FnMut(&source::MigrationFile, Prepared, ParsedFile) -> Option<(Prepared, ParsedFile)>,
) {
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let (parsed, done) = spawn_parsers(scope, files, preparer, &next);
        let mut waiting: BTreeMap<usize, (usize, Prepared, ParsedFile)> = BTreeMap::new();
        let mut cache = parse::Cache::default();
        for (index, f) in files.iter().enumerate() {
            let next_file = || next.fetch_add(1, Ordering::Relaxed);
            let Some((worker, prep, p)) = wait_for(
                index,
                files,
                preparer,
                &mut cache,
                &mut waiting,
                &parsed,
                next_file,
            ) else {
                // parsing panicked: leaving the scope re-raises that panic
                return;
            };
            if let Some(analysed) = each(f, prep, p) {
                // a worker that has finished drops nothing: the file comes back in the
                // error and is dropped here, as are the files this thread parsed
                if let Some(done) = done.get(worker) {
                    let _ = done.send(analysed);
                }
            }
        }
    });
}

/// Starts the parse workers; returns the channel of parsed files and, per worker, the
/// channel taking analysed files back to it.
fn spawn_parsers<'scope, 'env>(
    scope: &'scope std::thread::Scope<'scope, 'env>,
    files: &'env [source::MigrationFile],
    preparer: &'env Preparer,
    next: &'env AtomicUsize,
) -> (
    mpsc::Receiver<ParsedBy>,
    Vec<mpsc::Sender<(Prepared, ParsedFile)>>,
) {
    let (sender, parsed) = mpsc::sync_channel::<ParsedBy>(PARSED_AHEAD);
    let workers = rayon::current_num_threads().saturating_sub(1).max(1);
    let (done, done_with): (Vec<_>, Vec<_>) = (0..workers)
        .map(|_| mpsc::channel::<(Prepared, ParsedFile)>())
        .unzip();
    scope.spawn(move || {
        rayon::scope(move |workers| {
            for (worker, done_with) in done_with.into_iter().enumerate() {
                let sender = sender.clone();
                workers.spawn(move |_| {
                    let mut cache = parse::Cache::default();
                    loop {
                        while let Ok(analysed) = done_with.try_recv() {
                            drop(analysed);
                        }
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(f) = files.get(i) else {
                            break;
                        };
                        let (p, parsed) = preparer.prepare(&mut cache, f);
                        // the receiver is gone only if the analysis panicked
                        if sender.send((i, worker, p, parsed)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(sender);
        });
    });
    (parsed, done)
}

/// The file at `index`, parsed: from those waiting, else parsed here (the next file no
/// one has taken, unless `PARSED_AHEAD` files already wait: a long file in a worker
/// must not let this thread parse the whole history), else from the workers. `None`:
/// the workers are gone before sending it (parsing panicked).
fn wait_for(
    index: usize,
    files: &[source::MigrationFile],
    preparer: &Preparer,
    cache: &mut parse::Cache,
    waiting: &mut BTreeMap<usize, (usize, Prepared, ParsedFile)>,
    parsed: &mpsc::Receiver<ParsedBy>,
    mut next_file: impl FnMut() -> usize,
) -> Option<(usize, Prepared, ParsedFile)> {
    loop {
        if let Some(ready) = waiting.remove(&index) {
            return Some(ready);
        }
        let received = match parsed.try_recv() {
            Err(mpsc::TryRecvError::Empty) if waiting.len() < PARSED_AHEAD => {
                let i = next_file();
                if let Some(g) = files.get(i) {
                    // dropped here: `usize::MAX` is no worker's number
                    let (prep, p) = preparer.prepare(cache, g);
                    waiting.insert(i, (usize::MAX, prep, p));
                    continue;
                }
                // every file is taken: wait for the workers
                parsed.recv().map_err(|_| ())
            }
            Err(mpsc::TryRecvError::Empty) => parsed.recv().map_err(|_| ()),
            other => other.map_err(|_| ()),
        };
        match received {
            Ok((i, worker, prep, p)) => {
                waiting.insert(i, (worker, prep, p));
            }
            Err(()) => return None,
        }
    }
}

/// Stage 7: the report: risk by table size (with a database), notes, the `--since`
/// selection, and the files' texts for code frames.
pub fn report(
    opts: &RunOptions,
    configured: Configured,
    sources: Sources,
    baseline: Baseline,
    settings: &Settings,
    analysed: Analysed,
) -> Run {
    let Analysed {
        mut analysis,
        prepare_notes,
        kept,
    } = analysed;
    if opts.database.is_some() {
        live::risk::apply(
            &mut analysis.findings,
            &settings.initial_catalog,
            &live::risk::Thresholds::from_config(&configured.config),
        );
    }
    for (f, notes) in sources.collected.files.iter().zip(prepare_notes) {
        for (line, message) in notes {
            analysis.notes.push(crate::analysis::FileNote {
                file: f.display.clone(),
                line,
                message,
            });
        }
    }
    for (file, message) in baseline.notes {
        analysis.notes.push(crate::analysis::FileNote {
            file,
            line: 0,
            message,
        });
    }
    if opts.since.is_some() {
        keep_changed(&mut analysis, &sources);
    }
    let files = sources
        .collected
        .files
        .into_iter()
        .map(|f| SourceFile {
            path: f.path,
            display: f.display,
            text: f.text,
        })
        .collect();
    Run {
        analysis,
        files,
        input_errors: sources.input_errors,
        version: settings.version,
        config: configured.config,
        live: baseline.live,
        parsed: kept,
    }
}

/// `--since`: reports only what changed; the rest was replayed for schema state.
fn keep_changed(analysis: &mut Analysis, sources: &Sources) {
    let selected: std::collections::HashSet<&str> = sources
        .collected
        .files
        .iter()
        .filter(|f| sources.change_of(&f.path).is_some())
        .map(|f| f.display.as_str())
        .collect();
    analysis
        .findings
        .retain(|f| selected.contains(f.file.as_str()));
    analysis
        .notes
        .retain(|n| selected.contains(n.file.as_str()));
    analysis.plan.retain(|p| selected.contains(p.file.as_str()));
    analysis
        .files
        .retain(|f| selected.contains(f.file.as_str()));
}

/// The framework most files were written for (ignoring plain SQL), to pick its history
/// table when a database has several.
fn dominant_framework(frameworks: impl Iterator<Item = Framework>) -> Option<Framework> {
    let mut counts: Vec<(Framework, usize)> = Vec::new();
    for f in frameworks.filter(|f| *f != Framework::Plain) {
        match counts.iter_mut().find(|(k, _)| *k == f) {
            Some((_, n)) => *n += 1,
            None => counts.push((f, 1)),
        }
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(f, _)| f)
}

/// Marks the files the history lists as applied, records an edit where the recorded
/// checksum differs, and lists applied versions without a file (for out-of-order).
fn mark_applied(
    history: &History,
    configured: Option<Framework>,
    files: &[source::MigrationFile],
    is_applied: &mut [bool],
    metas: &mut Vec<FileMeta>,
    notes: &mut Vec<(String, String)>,
) {
    let mut matched_versions = std::collections::HashSet::new();
    for (i, f) in files.iter().enumerate() {
        let Some(applied) = history.applied(f.version(), &f.display) else {
            continue;
        };
        is_applied[i] = true;
        let edited = applied.entry.and_then(|entry| {
            if let Some(v) = &entry.version {
                matched_versions.insert(v.clone());
            }
            let recorded = entry.checksum.as_ref()?;
            if recorded.matches(&f.text) {
                return None;
            }
            Some(Edited {
                evidence: format!(
                    "was applied with checksum {recorded} ({}), the file's is now {}",
                    history.table,
                    recorded.of_text(&f.text)
                ),
                restore: "as it was applied".to_string(),
            })
        });
        let version = f.version().map(|v| v.normalized());
        let key = framework::record_key(&f.path, &f.text, version.clone(), configured);
        metas.push(FileMeta::new(&f.display, version, false).keyed_by(key));
        if let Some(meta) = metas.last_mut() {
            meta.edited = edited;
        }
    }
    // applied versions whose file is not here still count for ordering
    for entry in &history.entries {
        let Some(v) = &entry.version else { continue };
        if matched_versions.contains(v) || metas.iter().any(|m| m.version.as_ref() == Some(v)) {
            continue;
        }
        // Prisma records the whole migration name: a file can only collide with it by
        // having that very name
        let key = match history.kind {
            live::history::HistoryKind::Prisma => entry.name.clone(),
            _ => Some(v.clone()),
        };
        metas.push(
            FileMeta::new(
                &format!("version {v} (applied, no file here)"),
                Some(v.clone()),
                false,
            )
            .keyed_by(key),
        );
    }
    for failed in &history.failed {
        notes.push((history.table.clone(), failed.clone()));
    }
    metas.sort_by(|a, b| {
        let va = a.version.as_deref().and_then(source::Version::parse);
        let vb = b.version.as_deref().and_then(source::Version::parse);
        va.cmp(&vb)
    });
}

/// The transaction segments of a prepared file, as the analysis takes them.
pub fn segments_of(prep: &Prepared) -> Vec<TxSegment> {
    prep.segments
        .iter()
        .map(|s| TxSegment {
            start_line: s.start_line,
            mode: match s.mode {
                TxMode::Wrapped => TransactionMode::Wrapped,
                TxMode::Autocommit => TransactionMode::Autocommit,
                TxMode::ImplicitMulti => TransactionMode::ImplicitMulti,
            },
        })
        .collect()
}
