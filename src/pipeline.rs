//! Wires the pipeline for one run: configuration, `source`, `parse` (in parallel),
//! `analysis` (in apply order). Used by the CLI and by the tests.

use crate::analysis::{
    Analysis, Analyzer, FileInput, FileMeta, Settings, TransactionMode, TxSegment,
};
use crate::config::Config;
use crate::effects::PgVersion;
use crate::live::redact_all;
use crate::parse::{self, ParsedFile};
use crate::source::framework::{self, Framework, Prepared, TxMode};
use crate::source::git::Change;
use crate::source::{self, SourceOptions};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

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
    /// What the command reports: the run computes only what that needs.
    pub report: Report,
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
}

/// Reads, parses and analyses. `Err` is a usage or configuration problem (exit 2).
///
/// No message carries a password: a connection string given where a path belongs is
/// refused (shown redacted), and errors and unreadable-file messages are redacted.
pub fn run(opts: &RunOptions) -> Result<Run, String> {
    let given = opts
        .paths
        .iter()
        .chain(&opts.config)
        .map(|p| p.to_string_lossy().into_owned())
        .chain(opts.stdin_filename.clone());
    for text in given {
        if looks_like_connection_string(&text) {
            return Err(format!(
                "`{}` looks like a database connection string, not a migration file or directory",
                redact_all(&text)
            ));
        }
    }
    let mut run = run_unredacted(opts).map_err(|e| redact_all(&e))?;
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

fn run_unredacted(opts: &RunOptions) -> Result<Run, String> {
    let config = Config::load(opts.config.as_deref(), &opts.cwd)?;
    let version = PgVersion(
        opts.pg_version
            .or(config.pg_version)
            .unwrap_or(PgVersion::DEFAULT.0),
    );
    if !PgVersion::SUPPORTED.contains(&version.0) {
        return Err(format!("PostgreSQL {version} is not supported (10 to 18)"));
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
        return Err("no migration files given: pass files or directories (or `-` for standard input), or set `paths` in schemaguard.toml".to_string());
    }
    let mut source_opts = SourceOptions {
        stdin_filename: opts.stdin_filename.clone(),
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
        return Err(format!(
            "no migration files found in {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
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
    let mut settings = Settings {
        version,
        rule_overrides: config.rule_overrides(),
        ..Settings::default()
    };
    if let Some(tz) = &config.timezone {
        settings.initial_catalog.timezone = tz.clone();
    }
    settings.rules = opts.report == Report::Findings;
    settings.graph = opts.report != Report::Plan;
    let history: Vec<FileMeta> = collected
        .files
        .iter()
        .map(|f| {
            FileMeta::new(
                &f.display,
                f.version().map(|v| v.normalized()),
                change_of(&f.path) == Some(Change::Added),
            )
        })
        .collect();
    // each file as its framework runs it (up part, transaction segments), then parsed:
    // independent per file, so in parallel on rayon's threads; meanwhile this thread
    // replays them in apply order as they arrive, and drops each once analysed
    let configured = config.framework.as_deref().and_then(Framework::parse);
    let assume_tx = config.assume_in_transaction.unwrap_or(true);
    let files = &collected.files;
    let mut prepare_notes: Vec<Vec<(u32, String)>> = Vec::with_capacity(files.len());
    let mut analyzer = Analyzer::new(history, &settings);
    std::thread::scope(|scope| {
        let (sender, parsed) = mpsc::channel::<(usize, Prepared, ParsedFile)>();
        scope.spawn(move || {
            files
                .par_iter()
                .enumerate()
                .for_each_with(sender, |sender, (i, f)| {
                    let p = framework::prepare(&f.path, &f.text, configured, assume_tx);
                    let parsed = parse::parse_file(&p.text);
                    // the receiver is gone only if the analysis panicked
                    let _ = sender.send((i, p, parsed));
                });
        });
        let mut waiting: BTreeMap<usize, (Prepared, ParsedFile)> = BTreeMap::new();
        for (index, f) in files.iter().enumerate() {
            let (prep, p) = loop {
                if let Some(ready) = waiting.remove(&index) {
                    break ready;
                }
                match parsed.recv() {
                    Ok((i, prep, p)) => {
                        waiting.insert(i, (prep, p));
                    }
                    // every file is sent before the senders are dropped, unless parsing
                    // panicked: leaving the scope re-raises that panic
                    Err(_) => return,
                }
            };
            analyzer.file(
                index,
                &FileInput {
                    display: f.display.clone(),
                    version: f.version().map(|v| v.normalized()),
                    new_since_ref: change_of(&f.path) == Some(Change::Added),
                    edited_since: (change_of(&f.path) == Some(Change::Modified))
                        .then(|| opts.since.clone())
                        .flatten(),
                    parsed: &p,
                    segments: segments_of(&prep),
                    no_transaction_hint: prep.framework.no_transaction_hint().to_string(),
                },
            );
            prepare_notes.push(prep.notes);
        }
    });
    let mut analysis = analyzer.finish();
    for (f, notes) in collected.files.iter().zip(prepare_notes) {
        for (line, message) in notes {
            analysis.notes.push(crate::analysis::FileNote {
                file: f.display.clone(),
                line,
                message,
            });
        }
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
    })
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
