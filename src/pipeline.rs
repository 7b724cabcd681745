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
use std::collections::BTreeMap;
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
    /// Texts read instead of files on disk (an editor's unsaved buffers).
    pub overlay: Option<std::sync::Arc<source::Overlay>>,
    /// With `database`: leave the other sessions' query texts out of what is read.
    pub no_query_text: bool,
    /// Statements a server refused, as `(file as displayed, statement index)`: their
    /// changes are not replayed (`trace`, which has seen them fail).
    pub refused_by_server: std::collections::BTreeSet<(String, usize)>,
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

fn run_unredacted(opts: &RunOptions) -> Result<Run, RunErrorKind> {
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
    let mut source_opts = SourceOptions {
        stdin_filename: opts.stdin_filename.clone(),
        overlay: opts.overlay.clone(),
        ..SourceOptions::default()
    };
    if let Some(kib) = config.max_file_size_kib {
        source_opts.max_file_bytes = kib.saturating_mul(1024);
    }
    let collected = source::collect(&paths, &source_opts);
    let input_errors: Vec<(String, String)> = collected
        .errors
        .iter()
        .map(|e| (e.display.clone(), e.message.clone()))
        .collect();
    if collected.files.is_empty() && input_errors.is_empty() {
        return Err(RunErrorKind::NoFilesFound { paths });
    }
    // --since: which files are new or edited relative to the ref
    let changes = match &opts.since {
        Some(reference) => {
            let dir = paths
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
                        opts.cwd.clone()
                    } else {
                        opts.cwd.join(p)
                    }
                })
                .unwrap_or_else(|| opts.cwd.clone());
            Some(source::git::changes_since(&dir, reference)?)
        }
        None => None,
    };
    let change_of = |path: &Path| -> Option<Change> {
        let changes = changes.as_ref()?;
        let key = path.canonicalize().unwrap_or_else(|_| opts.cwd.join(path));
        changes.get(&key).copied()
    };
    let configured = config.framework.as_deref().and_then(Framework::parse);
    let assume_tx = config.assume_in_transaction.unwrap_or(true);
    let prepare = |cache: &mut parse::Cache, f: &source::MigrationFile| -> (Prepared, ParsedFile) {
        let p = framework::prepare(&f.path, &f.text, configured, assume_tx);
        let parsed = parse::parse_file_with(&p.text, cache);
        (p, parsed)
    };
    // a live database: its schema, its server version, and what it already applied
    let mut version = version;
    let mut initial_catalog = Catalog::default();
    let mut applied_metas: Vec<FileMeta> = Vec::new();
    let mut is_applied = vec![false; collected.files.len()];
    let mut live_run = None;
    let mut live_notes: Vec<(String, String)> = Vec::new();
    // which history table to read depends on every file's framework, so against a
    // database all files are prepared and parsed (in parallel) before the analysis
    let mut prepared: Option<Vec<(Prepared, ParsedFile)>> = None;
    if let Some(db) = &opts.database {
        let all: Vec<(Prepared, ParsedFile)> = collected
            .files
            .par_iter()
            .map_init(parse::Cache::default, prepare)
            .collect();
        let framework = dominant_framework(all.iter().map(|(p, _)| p.framework));
        prepared = Some(all);
        let snapshot = live::snapshot(db, framework, !opts.no_query_text)?;
        let server = PgVersion(snapshot.server_version_num / 10_000);
        if PgVersion::SUPPORTED.contains(&server.0) {
            if let Some(asked) = opts.pg_version.or(config.pg_version) {
                if asked != server.0 {
                    live_notes.push((
                        snapshot.target.clone(),
                        format!("the database runs PostgreSQL {server}: judging for {server}, not the configured {asked}"),
                    ));
                }
            }
            version = server;
        } else {
            return Err(RunErrorKind::UnsupportedServer {
                target: snapshot.target,
                version: server,
                server_version_num: snapshot.server_version_num,
            });
        }
        initial_catalog = snapshot.catalog;
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
            Some(history) => {
                mark_applied(
                    history,
                    configured,
                    &collected.files,
                    &mut is_applied,
                    &mut applied_metas,
                    &mut live_notes,
                );
            }
            None => live_notes.push((
                snapshot.target.clone(),
                format!(
                    "no migration history table found (looked for {}): every migration is checked as pending",
                    live::history::tables_looked_for()
                ),
            )),
        }
        for (f, applied) in collected.files.iter().zip(&is_applied) {
            if *applied {
                run_info.applied.push(f.display.clone());
            } else {
                run_info.pending.push(f.display.clone());
            }
        }
        live_run = Some(run_info);
    }
    let mut settings = Settings {
        version,
        rule_overrides: config.rule_overrides(),
        initial_catalog,
        applied: applied_metas,
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
    if let Some(tz) = &config.timezone {
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
    // against a live database every file of the run is pending
    let new_of = |f: &source::MigrationFile| {
        change_of(&f.path) == Some(Change::Added) || opts.database.is_some()
    };
    let edited_of = |f: &source::MigrationFile| {
        (change_of(&f.path) == Some(Change::Modified))
            .then(|| opts.since.clone())
            .flatten()
    };
    let pending: Vec<&source::MigrationFile> = collected
        .files
        .iter()
        .zip(&is_applied)
        .filter(|(_, applied)| !**applied)
        .map(|(f, _)| f)
        .collect();
    let history: Vec<FileMeta> = pending
        .iter()
        .map(|f| {
            let version = f.version().map(|v| v.normalized());
            let key = framework::record_key(&f.path, &f.text, version.clone(), configured);
            FileMeta::new(&f.display, version, new_of(f))
                .keyed_by(key)
                .edited_since(edited_of(f).as_deref())
        })
        .collect();
    let mut analyzer = Analyzer::new(history, &settings);
    let mut prepare_notes: Vec<Vec<(u32, String)>> = Vec::with_capacity(collected.files.len());
    let mut kept: Vec<ParsedFile> = Vec::new();
    // one pending file, handed to the analysis in apply order
    let mut analyse = |index: usize, f: &source::MigrationFile, prep: &Prepared, p: &ParsedFile| {
        analyzer.file(
            index,
            &FileInput {
                display: f.display.clone(),
                version: f.version().map(|v| v.normalized()),
                new_since_ref: new_of(f),
                edited_since: edited_of(f),
                parsed: p,
                segments: segments_of(prep),
                no_transaction_hint: prep.framework.no_transaction_hint().to_string(),
                framework_wraps: prep.framework != Framework::Plain,
            },
        );
    };
    match prepared {
        Some(all) => {
            let mut index = 0;
            for ((f, (prep, p)), applied) in collected.files.iter().zip(all).zip(&is_applied) {
                if !*applied {
                    analyse(index, f, &prep, &p);
                    index += 1;
                }
                prepare_notes.push(prep.notes);
                if opts.keep_parsed {
                    kept.push(p);
                }
            }
        }
        None => {
            // each file as its framework runs it (up part, transaction segments), then
            // parsed: independent per file, so in parallel on rayon's threads; meanwhile
            // this thread replays them in apply order as they arrive, and drops each
            // once analysed (unless kept). The workers take files in apply order, and
            // at most `PARSED_AHEAD` parsed files wait for the analysis: every worker
            // feeds it from the start, and memory stays bounded however long the history
            //
            // There is one worker fewer than rayon has threads, and this thread parses
            // too, whenever the file it needs next is not ready: it takes the next file
            // no one has taken. So no more threads run than there are cores (three
            // threads on two cores took turns, and the analysis, the one all others
            // wait for, got two thirds of a core), and no core idles while this one
            // waits.
            //
            // A file the analysis is done with goes back to the worker that parsed it, to
            // be dropped there: freeing is off this thread (the one all others wait
            // for), and the allocator gets the memory back on the thread that reuses it
            let files = &collected.files;
            let next = AtomicUsize::new(0);
            std::thread::scope(|scope| {
                let (sender, parsed) =
                    mpsc::sync_channel::<(usize, usize, Prepared, ParsedFile)>(PARSED_AHEAD);
                let workers = rayon::current_num_threads().saturating_sub(1).max(1);
                let (done, done_with): (Vec<_>, Vec<_>) = (0..workers)
                    .map(|_| mpsc::channel::<(Prepared, ParsedFile)>())
                    .unzip();
                let prepare = &prepare;
                let next = &next;
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
                                    let (p, parsed) = prepare(&mut cache, f);
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
                let mut waiting: BTreeMap<usize, (usize, Prepared, ParsedFile)> = BTreeMap::new();
                let mut cache = parse::Cache::default();
                for (index, f) in files.iter().enumerate() {
                    let (worker, mut prep, p) = loop {
                        if let Some(ready) = waiting.remove(&index) {
                            break ready;
                        }
                        let received = match parsed.try_recv() {
                            // not ready: parse the next file no one has taken (it is
                            // dropped here, `usize::MAX` is no worker's number), unless
                            // `PARSED_AHEAD` files already wait (a long file in a
                            // worker must not let this thread parse the whole history)
                            Err(mpsc::TryRecvError::Empty) if waiting.len() < PARSED_AHEAD => {
                                let i = next.fetch_add(1, Ordering::Relaxed);
                                if let Some(g) = files.get(i) {
                                    let (prep, p) = prepare(&mut cache, g);
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
                            // every file is sent before the senders are dropped, unless
                            // parsing panicked: leaving the scope re-raises that panic
                            Err(()) => return,
                        }
                    };
                    analyse(index, f, &prep, &p);
                    prepare_notes.push(std::mem::take(&mut prep.notes));
                    if opts.keep_parsed {
                        kept.push(p);
                    } else if let Some(done) = done.get(worker) {
                        // a worker that has finished drops nothing: the file comes back
                        // in the error and is dropped here, as are the files this
                        // thread parsed
                        let _ = done.send((prep, p));
                    }
                }
            });
        }
    }
    drop(pending);
    let mut analysis = analyzer.finish();
    if opts.database.is_some() {
        live::risk::apply(
            &mut analysis.findings,
            &settings.initial_catalog,
            &live::risk::Thresholds::from_config(&config),
        );
    }
    for (f, notes) in collected.files.iter().zip(prepare_notes) {
        for (line, message) in notes {
            analysis.notes.push(crate::analysis::FileNote {
                file: f.display.clone(),
                line,
                message,
            });
        }
    }
    for (file, message) in live_notes {
        analysis.notes.push(crate::analysis::FileNote {
            file,
            line: 0,
            message,
        });
    }
    if opts.since.is_some() {
        // report only what changed; the rest was replayed for schema state
        let selected: std::collections::HashSet<&str> = collected
            .files
            .iter()
            .filter(|f| change_of(&f.path).is_some())
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
    let files = collected
        .files
        .into_iter()
        .map(|f| SourceFile {
            path: f.path,
            display: f.display,
            text: f.text,
        })
        .collect();
    Ok(Run {
        analysis,
        files,
        input_errors,
        version,
        config,
        live: live_run,
        parsed: kept,
    })
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
