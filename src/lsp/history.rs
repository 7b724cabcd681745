//! The language server's incremental analysis of one migration history (the files one
//! `check` run would read).
//!
//! Every file is kept prepared and parsed, keyed by its path and a hash of its text, with
//! what its analysis produced. The analysis state between two files (an
//! [`Analyzer`] clone: the catalog, the transaction counter, the ignores and statement
//! spans that history-level rules read) is kept as a checkpoint before each open file
//! and before the last file edited, not before every file: a checkpoint costs a clone of
//! the catalog as it stands there, and an editor edits the files it has open. A change in
//! file `k` restarts from the nearest checkpoint at or before `k`: the files before it are
//! neither parsed nor replayed again, their outputs are kept, and the files from there on
//! are replayed from their cached parses (only changed texts are parsed again). The
//! history-level rules run again at the end, as `check` runs them. Outputs are taken from
//! the analyzer after every file ([`Analyzer::take_output`]), so the outputs of all
//! files, concatenated, are exactly what one full run returns (a test compares them).
//!
//! What is not incremental: a change that alters the history as the file-level rules see
//! it (a file added, removed or renamed, or a framework record key that changed) starts
//! from the first file again (still from cached parses), and a changed configuration
//! starts from nothing.

use crate::analysis::{Analysis, Analyzer, FileMeta, Settings};
use crate::parse::{self, ParsedFile};
use crate::pipeline::{self, Baseline, Configured, Preparer, RunError, RunOptions, Sources};
use crate::rules::Finding;
use crate::source::framework::Prepared;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

/// One file of the history: prepared, parsed, and what its analysis produced.
struct Cached {
    /// The canonical path (how the editor's documents are matched).
    canonical: PathBuf,
    /// A hash of the text the file was parsed from.
    hash: u64,
    prepared: Prepared,
    parsed: ParsedFile,
    /// Findings, notes, plan and summary of this file (empty until analysed).
    output: Analysis,
}

/// How much the last [`History::analyse`] did (tests pin the incremental behaviour
/// with it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Work {
    /// The first file replayed (the files before it were not).
    pub replayed_from: usize,
    /// Files replayed.
    pub replayed: usize,
    /// Files parsed since the previous analysis.
    pub parsed: usize,
}

/// One history (the files of one `check` run) analysed incrementally.
pub struct History {
    opts: RunOptions,
    configured: Configured,
    /// The configuration as read, to tell whether a re-read changed it.
    fingerprint: String,
    /// The [`Analyzer`] checkpoints borrow it for as long as the history lives: one per
    /// configuration and folders seen in the session ([`settings_of`]).
    settings: &'static Settings,
    preparer: Preparer,
    sources: Sources,
    files: Vec<Cached>,
    metas: Vec<FileMeta>,
    by_path: HashMap<PathBuf, usize>,
    by_display: HashMap<String, usize>,
    /// The analysis state just before file `i`.
    checkpoints: BTreeMap<usize, Analyzer<'static>>,
    /// What the history-level rules found at the end.
    history_output: Analysis,
    /// The first file whose output is out of date (`None`: all are current).
    stale_from: Option<usize>,
    parsed_since: usize,
}

fn hash_of(text: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The analysis settings of a configuration (by its fingerprint), made once per
/// process and kept for its lifetime: analyzers borrow their settings, and the
/// checkpoints outlive any one analysis. A `Settings` holds no catalog here (no live
/// database: the schema starts empty), so this keeps a few hundred bytes per
/// configuration and set of folders the editor used, however often it reopens them.
fn settings_of(fingerprint: &str, make: impl FnOnce() -> Settings) -> &'static Settings {
    type Known = std::sync::Mutex<HashMap<String, &'static Settings>>;
    static KNOWN: std::sync::OnceLock<Known> = std::sync::OnceLock::new();
    let mut known = KNOWN
        .get_or_init(Known::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    known
        .entry(fingerprint.to_string())
        .or_insert_with(|| Box::leak(Box::new(make())))
}

fn fingerprint(configured: &Configured) -> String {
    format!(
        "{:?} {:?} {:?}",
        configured.config, configured.version, configured.paths
    )
}

impl History {
    /// Reads the configuration and the files (`opts.overlay`: the unsaved buffers), and
    /// parses every file. Nothing is analysed until [`History::analyse`].
    pub fn load(opts: RunOptions) -> Result<History, RunError> {
        let configured = pipeline::configure(&opts)?;
        let sources = pipeline::read_sources(&opts, &configured)?;
        let preparer = Preparer::of(&configured.config);
        let fingerprint = fingerprint(&configured);
        let settings = settings_of(&fingerprint, || {
            let mut baseline = Baseline::empty(configured.version, sources.collected.files.len());
            pipeline::settings_for(&opts, &configured, &mut baseline)
        });
        let mut history = History {
            fingerprint,
            opts,
            configured,
            settings,
            preparer,
            sources,
            files: Vec::new(),
            metas: Vec::new(),
            by_path: HashMap::new(),
            by_display: HashMap::new(),
            checkpoints: BTreeMap::new(),
            history_output: Analysis::default(),
            stale_from: Some(0),
            parsed_since: 0,
        };
        history.take_files(HashMap::new());
        Ok(history)
    }

    /// Reads the files again (after a save, an open or a close; `overlay`: the unsaved
    /// buffers now). A changed configuration starts over; otherwise files whose path
    /// and text are unchanged keep their parse, and the analysis restarts from the
    /// first file that changed.
    pub fn reload(
        &mut self,
        overlay: std::sync::Arc<crate::source::Overlay>,
    ) -> Result<(), RunError> {
        let mut opts = self.opts.clone();
        opts.overlay = Some(overlay);
        let configured = pipeline::configure(&opts)?;
        if fingerprint(&configured) != self.fingerprint {
            *self = History::load(opts)?;
            return Ok(());
        }
        let sources = pipeline::read_sources(&opts, &configured)?;
        self.opts = opts;
        self.sources = sources;
        let old_order: Vec<(PathBuf, u64)> = self
            .files
            .iter()
            .map(|c| (c.canonical.clone(), c.hash))
            .collect();
        let old: HashMap<(PathBuf, u64), Cached> = std::mem::take(&mut self.files)
            .into_iter()
            .map(|c| ((c.canonical.clone(), c.hash), c))
            .collect();
        let old_metas = std::mem::take(&mut self.metas);
        self.take_files(old);
        let same_history = old_metas.len() == self.metas.len()
            && old_metas
                .iter()
                .zip(&self.metas)
                .all(|(a, b)| a.display == b.display && a.record_key == b.record_key);
        let first_changed = self
            .files
            .iter()
            .zip(old_order.iter().map(Some).chain(std::iter::repeat(None)))
            .position(|(f, old)| old != Some(&(f.canonical.clone(), f.hash)));
        match (same_history, first_changed) {
            (false, _) => self.restart(0),
            (true, Some(i)) => self.restart(i),
            (true, None) => {}
        }
        Ok(())
    }

    /// Takes the files of `self.sources`, reusing the parses of `old` by path and text.
    fn take_files(&mut self, mut old: HashMap<(PathBuf, u64), Cached>) {
        let files = &self.sources.collected.files;
        let keys: Vec<(PathBuf, u64)> = files
            .par_iter()
            .map(|f| (canonical(&f.path), hash_of(&f.text)))
            .collect();
        let preparer = &self.preparer;
        let mut kept: Vec<Option<Cached>> = keys.iter().map(|k| old.remove(k)).collect();
        let to_parse: Vec<usize> = (0..files.len()).filter(|i| kept[*i].is_none()).collect();
        let parsed: Vec<(usize, Prepared, ParsedFile)> = to_parse
            .par_iter()
            .map_init(parse::Cache::default, |cache, i| {
                let (prep, p) = preparer.prepare(cache, &files[*i]);
                (*i, prep, p)
            })
            .collect();
        self.parsed_since += parsed.len();
        for (i, prepared, parsed) in parsed {
            kept[i] = Some(Cached {
                canonical: keys[i].0.clone(),
                hash: keys[i].1,
                prepared,
                parsed,
                output: Analysis::default(),
            });
        }
        self.files = kept.into_iter().flatten().collect();
        let refs: Vec<&crate::source::MigrationFile> = files.iter().collect();
        self.metas = pipeline::pending_history(&self.opts, &self.sources, &refs, &self.preparer);
        self.by_path = self
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.canonical.clone(), i))
            .collect();
        self.by_display = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.display.clone(), i))
            .collect();
    }

    /// The analysis is out of date from file `i` on.
    fn restart(&mut self, i: usize) {
        if i == 0 {
            self.checkpoints.clear();
        }
        self.stale_from = Some(self.stale_from.map_or(i, |s| s.min(i)));
    }

    /// Whether `path` (canonical) is a file of this history.
    pub fn holds(&self, path: &Path) -> bool {
        self.by_path.contains_key(path)
    }

    /// An unsaved buffer's new text for a file of the history: parsed again, and the
    /// analysis is out of date from it on. `false`: not a file of this history.
    pub fn edit(&mut self, path: &Path, text: &str) -> bool {
        let Some(&i) = self.by_path.get(path) else {
            return false;
        };
        let hash = hash_of(text);
        if self.files[i].hash == hash {
            return true;
        }
        let Some(file) = self.sources.collected.files.get_mut(i) else {
            return false;
        };
        file.text = text.to_string();
        let (prepared, parsed) = self.preparer.prepare(&mut parse::Cache::default(), file);
        self.parsed_since += 1;
        let meta = pipeline::pending_history(
            &self.opts,
            &self.sources,
            &[&self.sources.collected.files[i]],
            &self.preparer,
        );
        let cached = &mut self.files[i];
        cached.hash = hash;
        cached.prepared = prepared;
        cached.parsed = parsed;
        let key_changed = meta
            .first()
            .is_some_and(|m| Some(&m.record_key) != self.metas.get(i).map(|o| &o.record_key));
        if let (Some(m), Some(slot)) = (meta.into_iter().next(), self.metas.get_mut(i)) {
            *slot = m;
        }
        // another file may now share (or no longer share) its record key: the history
        // the file-level rules see changed before this file
        self.restart(if key_changed { 0 } else { i });
        true
    }

    /// Brings every file's output up to date, from the first stale file on, keeping
    /// checkpoints before the files in `open` (canonical paths) and the edited one.
    pub fn analyse(&mut self, open: &BTreeSet<PathBuf>) -> Work {
        let parsed = std::mem::take(&mut self.parsed_since);
        // a file opened since: replayed up to it once now, so that its first edit
        // starts from the schema before it
        let unmarked = self
            .files
            .iter()
            .enumerate()
            .find(|(i, f)| open.contains(&f.canonical) && !self.checkpoints.contains_key(i))
            .map(|(i, _)| i);
        if let Some(i) = unmarked {
            self.stale_from = Some(self.stale_from.map_or(i, |s| s.min(i)));
        }
        let Some(from) = self.stale_from.take() else {
            return Work {
                replayed_from: self.files.len(),
                replayed: 0,
                parsed,
            };
        };
        // a checkpoint after a changed file holds that file's old effect
        self.checkpoints.retain(|i, _| *i <= from);
        let restored = self
            .checkpoints
            .range(..=from)
            .next_back()
            .map(|(i, a)| (*i, a.clone()));
        let (start, mut analyzer) = match restored {
            Some(found) => found,
            None => (0, Analyzer::new(self.metas.clone(), self.settings)),
        };
        let keep = |files: &[Cached], i: usize| {
            i == from || files.get(i).is_some_and(|f| open.contains(&f.canonical))
        };
        for i in start..self.files.len() {
            if keep(&self.files, i) && !self.checkpoints.contains_key(&i) {
                self.checkpoints.insert(i, analyzer.clone());
            }
            let cached = &self.files[i];
            let input = pipeline::file_input(
                &self.opts,
                &self.sources,
                &self.sources.collected.files[i],
                &cached.prepared,
                &cached.parsed,
            );
            analyzer.file(i, &input);
            self.files[i].output = analyzer.take_output();
        }
        self.history_output = analyzer.finish();
        let files = &self.files;
        self.checkpoints.retain(|i, _| keep(files, *i));
        Work {
            replayed_from: start,
            replayed: self.files.len() - start,
            parsed,
        }
    }

    /// The findings of the file at canonical `path` (history-level ones included).
    pub fn findings_of<'h>(&'h self, path: &Path) -> impl Iterator<Item = &'h Finding> + 'h {
        let i = self.by_path.get(path).copied();
        let own = i.and_then(|i| self.files.get(i));
        let display = i
            .and_then(|i| self.sources.collected.files.get(i))
            .map(|f| f.display.clone());
        own.into_iter()
            .flat_map(|c| c.output.findings.iter())
            .chain(
                self.history_output
                    .findings
                    .iter()
                    .filter(move |f| Some(&f.file) == display.as_ref()),
            )
    }

    /// Every finding of the history, in a full run's order.
    pub fn findings(&self) -> Vec<Finding> {
        self.files
            .iter()
            .flat_map(|c| c.output.findings.iter())
            .chain(&self.history_output.findings)
            .cloned()
            .collect()
    }

    /// The planned statements of the file at canonical `path`.
    pub fn plan_of(&self, path: &Path) -> &[crate::analysis::PlannedStatement] {
        self.by_path
            .get(path)
            .and_then(|i| self.files.get(*i))
            .map_or(&[], |c| c.output.plan.as_slice())
    }

    /// The files that could not be read, by path, with why.
    pub fn unreadable(&self) -> Vec<(PathBuf, String)> {
        self.sources
            .collected
            .errors
            .iter()
            .map(|e| (canonical(&e.path), e.message.clone()))
            .collect()
    }

    /// The text the analysis read for the file at canonical `path`.
    pub fn text_of(&self, path: &Path) -> Option<&str> {
        let i = *self.by_path.get(path)?;
        self.sources.collected.files.get(i).map(|f| f.text.as_str())
    }

    /// The canonical path of the file a finding or edit names as `display`.
    pub fn path_of_display(&self, display: &str) -> Option<&Path> {
        let i = *self.by_display.get(display)?;
        self.files.get(i).map(|c| c.canonical.as_path())
    }

    /// The configuration the history was read with.
    pub fn config(&self) -> &crate::config::Config {
        &self.configured.config
    }

    /// Every file's output and the history-level findings, in one [`Analysis`] as a
    /// full run's (notes as `pipeline::report` orders them: the analysis's, then each
    /// file's framework notes).
    pub fn assembled(&self) -> Analysis {
        let mut out = Analysis::default();
        for c in &self.files {
            out.findings.extend(c.output.findings.iter().cloned());
            out.notes.extend(c.output.notes.iter().cloned());
            out.plan.extend(c.output.plan.iter().cloned());
            out.files.extend(c.output.files.iter().cloned());
            out.suppressed += c.output.suppressed;
        }
        out.findings
            .extend(self.history_output.findings.iter().cloned());
        out.suppressed += self.history_output.suppressed;
        for (c, f) in self.files.iter().zip(&self.sources.collected.files) {
            for (line, message) in &c.prepared.notes {
                out.notes.push(crate::analysis::FileNote {
                    file: f.display.clone(),
                    line: *line,
                    message: message.clone(),
                });
            }
        }
        out
    }

    /// Runs `f` on the history as a `check` run that kept its parsed files, with
    /// `findings` as its findings (what `fix` plans from). The texts and parses are
    /// lent to the run, not copied, and taken back afterwards.
    pub fn with_run<R>(
        &mut self,
        findings: Vec<Finding>,
        f: impl FnOnce(&pipeline::Run) -> R,
    ) -> R {
        let files: Vec<pipeline::SourceFile> = self
            .sources
            .collected
            .files
            .iter_mut()
            .map(|m| pipeline::SourceFile {
                path: m.path.clone(),
                display: m.display.clone(),
                text: std::mem::take(&mut m.text),
            })
            .collect();
        let parsed: Vec<ParsedFile> = self
            .files
            .iter_mut()
            .map(|c| std::mem::take(&mut c.parsed))
            .collect();
        let summaries = self
            .files
            .iter()
            .flat_map(|c| c.output.files.iter().cloned())
            .collect();
        let run = pipeline::Run {
            analysis: Analysis {
                findings,
                files: summaries,
                ..Analysis::default()
            },
            files,
            input_errors: Vec::new(),
            version: self.settings.version,
            config: self.configured.config.clone(),
            live: None,
            parsed,
        };
        let result = f(&run);
        let pipeline::Run { files, parsed, .. } = run;
        for (m, s) in self.sources.collected.files.iter_mut().zip(files) {
            m.text = s.text;
        }
        for (c, p) in self.files.iter_mut().zip(parsed) {
            c.parsed = p;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::Report;
    use std::sync::Arc;

    /// A history of eight migrations, in a fresh folder.
    struct Folder(PathBuf);

    impl Folder {
        fn new(name: &str) -> Folder {
            let dir =
                std::env::temp_dir().join(format!("schemaguard-lsp-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("a temporary folder");
            Folder(std::fs::canonicalize(&dir).expect("canonical"))
        }

        fn write(&self, name: &str, text: &str) -> PathBuf {
            let path = self.0.join(name);
            std::fs::write(&path, text).expect("write a migration");
            path
        }
    }

    impl Drop for Folder {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    const FILES: &[(&str, &str)] = &[
        (
            "001_accounts.sql",
            "CREATE TABLE accounts (id bigint PRIMARY KEY, email text, plan text);\n",
        ),
        (
            "002_orders.sql",
            "CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint, total int);\n",
        ),
        (
            "003_index.sql",
            "-- schemaguard:ignore create-index-non-concurrently -- a small table\nCREATE INDEX orders_total_idx ON orders (total);\nCREATE INDEX accounts_email_idx ON accounts (email);\n",
        ),
        (
            "004_fk.sql",
            "ALTER TABLE orders ADD CONSTRAINT orders_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id);\n",
        ),
        (
            "005_not_null.sql",
            "ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;\n",
        ),
        (
            "006_type.sql",
            "CREATE TYPE mood AS ENUM ('ok');\nALTER TYPE mood ADD VALUE 'sad';\n",
        ),
        (
            "007_drop.sql",
            "SET lock_timeout = '2s';\nALTER TABLE accounts DROP COLUMN plan;\n",
        ),
        (
            "008_last.sql",
            "BEGIN;\nALTER TABLE orders ALTER COLUMN total TYPE bigint;\nCOMMIT;\n",
        ),
    ];

    fn options(dir: &Path, overlay: &crate::source::Overlay) -> RunOptions {
        RunOptions {
            paths: vec![dir.to_path_buf()],
            cwd: dir.to_path_buf(),
            report: Report::Findings,
            skip_plan: false,
            overlay: Some(Arc::new(overlay.clone())),
            ..RunOptions::default()
        }
    }

    /// What a run reports, as JSON: findings, plan, file summaries, notes, the count
    /// of suppressed findings.
    fn shown(a: &Analysis) -> String {
        serde_json::to_string_pretty(&serde_json::json!({
            "findings": a.findings,
            "plan": a.plan,
            "files": a.files,
            "notes": a.notes,
            "suppressed": a.suppressed,
        }))
        .expect("JSON")
    }

    fn full_run(dir: &Path, overlay: &crate::source::Overlay) -> String {
        let run = pipeline::run(&options(dir, overlay)).expect("a full run");
        shown(&run.analysis)
    }

    #[test]
    fn incremental_results_are_a_full_runs_after_edits_in_the_first_a_middle_and_the_last_file() {
        let folder = Folder::new("incremental");
        let paths: Vec<PathBuf> = FILES.iter().map(|(n, t)| folder.write(n, t)).collect();
        let mut overlay = crate::source::Overlay::new();
        let mut history = History::load(options(&folder.0, &overlay)).expect("loaded");
        let open: BTreeSet<PathBuf> = [0, 3, 7].iter().map(|i| paths[*i].clone()).collect();
        let work = history.analyse(&open);
        assert_eq!((work.replayed_from, work.replayed, work.parsed), (0, 8, 8));
        assert_eq!(shown(&history.assembled()), full_run(&folder.0, &overlay));

        let edits: &[(usize, &str, usize)] = &[
            // the last file: replayed alone, from the checkpoint before it
            (
                7,
                "ALTER TABLE orders ALTER COLUMN total TYPE bigint;\nCREATE INDEX o ON orders (id);\n",
                7,
            ),
            // a middle file: the schema the later files see changes
            (
                3,
                "ALTER TABLE orders ADD CONSTRAINT orders_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) NOT VALID;\nALTER TABLE orders DROP COLUMN total;\n",
                3,
            ),
            // the first file: a statement that does not parse, and no `plan` column
            (
                0,
                "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\nCREATE TABLE (;\n",
                0,
            ),
            (
                7,
                "ALTER TABLE accounts ADD COLUMN n int DEFAULT random();\n",
                7,
            ),
            (3, "SELECT 1;\n", 3),
            (0, FILES[0].1, 0),
        ];
        for (i, text, replayed_from) in edits {
            overlay.insert(paths[*i].clone(), (*text).to_string());
            assert!(history.edit(&paths[*i], text));
            let work = history.analyse(&open);
            assert_eq!(
                (work.replayed_from, work.replayed, work.parsed),
                (*replayed_from, FILES.len() - replayed_from, 1),
                "after editing file {i}"
            );
            assert_eq!(
                shown(&history.assembled()),
                full_run(&folder.0, &overlay),
                "after editing file {i}"
            );
        }
        // reading the folder again parses nothing that did not change
        history
            .reload(Arc::new(overlay.clone()))
            .expect("read again");
        let work = history.analyse(&open);
        assert_eq!((work.replayed, work.parsed), (0, 0));
        // a file changed on disk: parsed again, replayed from there
        std::fs::write(&paths[5], "CREATE TYPE mood AS ENUM ('ok', 'sad');\n").expect("write");
        history
            .reload(Arc::new(overlay.clone()))
            .expect("read again");
        let work = history.analyse(&open);
        assert_eq!((work.replayed_from, work.parsed), (3, 1));
        assert_eq!(shown(&history.assembled()), full_run(&folder.0, &overlay));
    }

    #[test]
    fn a_file_opened_later_gets_a_checkpoint_so_its_first_edit_replays_it_alone() {
        let folder = Folder::new("opened");
        let paths: Vec<PathBuf> = FILES.iter().map(|(n, t)| folder.write(n, t)).collect();
        let mut overlay = crate::source::Overlay::new();
        let mut history = History::load(options(&folder.0, &overlay)).expect("loaded");
        let mut open: BTreeSet<PathBuf> = [paths[1].clone()].into();
        history.analyse(&open);
        // the last file opened, unchanged: replayed from the checkpoint before file 1
        open.insert(paths[6].clone());
        history
            .reload(Arc::new(overlay.clone()))
            .expect("read again");
        let work = history.analyse(&open);
        assert_eq!((work.replayed_from, work.parsed), (1, 0));
        let text = "ALTER TABLE accounts DROP COLUMN email;\n";
        overlay.insert(paths[6].clone(), text.to_string());
        assert!(history.edit(&paths[6], text));
        let work = history.analyse(&open);
        assert_eq!((work.replayed_from, work.replayed, work.parsed), (6, 2, 1));
        assert_eq!(shown(&history.assembled()), full_run(&folder.0, &overlay));
    }

    #[test]
    fn a_file_added_on_disk_is_analysed_from_the_first_file_with_cached_parses() {
        let folder = Folder::new("added");
        let paths: Vec<PathBuf> = FILES.iter().map(|(n, t)| folder.write(n, t)).collect();
        let overlay = crate::source::Overlay::new();
        let mut history = History::load(options(&folder.0, &overlay)).expect("loaded");
        let open: BTreeSet<PathBuf> = [paths[7].clone()].into();
        history.analyse(&open);
        folder.write(
            "009_more.sql",
            "CREATE INDEX late ON orders (account_id);\n",
        );
        history
            .reload(Arc::new(overlay.clone()))
            .expect("read again");
        let work = history.analyse(&open);
        assert_eq!((work.replayed_from, work.replayed, work.parsed), (0, 9, 1));
        assert_eq!(shown(&history.assembled()), full_run(&folder.0, &overlay));
    }
}
