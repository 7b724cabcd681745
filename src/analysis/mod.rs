//! The driver: walks the migrations in apply order with one [`Catalog`], computing each
//! statement's [`Effects`] against the schema just before it, keeping the transaction
//! state (open transaction, locks held until commit, timeouts), running the rules, and
//! replaying the statement into the catalog.

pub use crate::context::{
    Edited, FastMap, FileContext, FileMeta, HeldLock, TransactionMode, TxSegment, TxState,
};

use crate::catalog::{Catalog, Origin, replay};
use crate::effects::{self, Effects, PgVersion};
use crate::lock::LockMode;
use crate::ops::{AlterTableAction, AlterTypeAction, ObjectName, Operation};
use crate::parse::directives::Directive;
use crate::parse::{ParsedFile, Statement};
use crate::rules::{self, Context, FileCheck, Finding, Rule, Severity, Violation};
use crate::span::Span;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

/// One migration file, ready for analysis.
pub struct FileInput<'a> {
    pub display: String,
    /// The migration version from the file name (normalised: `0002` is `2`), if any.
    pub version: Option<String>,
    /// `Some(ref)`: the file existed at this git ref and has been changed since.
    pub edited_since: Option<String>,
    /// The file was added since the `--since` ref (a new migration under review).
    pub new_since_ref: bool,
    pub parsed: &'a ParsedFile,
    /// How the framework runs the file, before `-- schemaguard:no-transaction` and
    /// explicit BEGIN/COMMIT are taken into account.
    pub segments: Vec<TxSegment>,
    /// How to mark a migration as running outside a transaction in its framework.
    pub no_transaction_hint: String,
    /// A migration framework (not the plain-file assumption) runs the wrapped segments
    /// in transactions it opens and commits itself, whatever the file says.
    pub framework_wraps: bool,
}

/// Settings of one run.
#[derive(Clone, Debug)]
pub struct Settings {
    pub version: PgVersion,
    /// Rule id -> severity override; `None` disables the rule.
    pub rule_overrides: BTreeMap<String, Option<Severity>>,
    /// The starting schema (empty, or introspected from a database).
    pub initial_catalog: Catalog,
    /// Migrations already applied to the live database the run starts from: not
    /// replayed (`initial_catalog` holds their effect), but part of the history that
    /// file- and history-level rules see, before the files of the run.
    pub applied: Vec<FileMeta>,
    /// What the older migrations are, for messages: "already existed" (at the `--since`
    /// ref) or "are applied to the database".
    pub baseline: &'static str,
    /// Run the rules (`plan` and `graph` report no findings and skip them).
    pub rules: bool,
    /// How much of the dependency graph to build.
    pub graph: GraphDetail,
    /// Keep the plan (`plan`, `trace`, and library callers; `check` reports none).
    pub plan: bool,
    /// Keep each planned statement's whole effects (`trace` and the catalogue compare
    /// them with a server); empty effects otherwise.
    pub plan_effects: bool,
    /// Statements a server refused (`(file as displayed, statement index)`, with its
    /// SQLSTATE): planned, but not replayed, as on that server (only what the failure
    /// leaves behind is).
    pub refused_by_server: BTreeMap<(String, usize), String>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            version: PgVersion::DEFAULT,
            rule_overrides: BTreeMap::new(),
            initial_catalog: Catalog::default(),
            applied: Vec::new(),
            baseline: "already existed",
            rules: true,
            graph: GraphDetail::Full,
            plan: true,
            plan_effects: true,
            refused_by_server: BTreeMap::new(),
        }
    }
}

/// How much of the dependency graph a run builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphDetail {
    /// None (`plan`).
    None,
    /// Only what the history-level rules ask of it, [`Graph::uses_after_drop`]: no
    /// nodes or edges (`check`).
    ///
    /// [`Graph::uses_after_drop`]: crate::graph::Graph::uses_after_drop
    UsesAfterDrop,
    /// Every migration, statement and object, and what created objects depend on
    /// (`graph`, library callers).
    Full,
}

/// A lock in the plan, with whether the relation existed before.
#[derive(Clone, Debug, Serialize)]
pub struct PlannedLock {
    pub relation: ObjectName,
    pub relkind: &'static str,
    pub mode: LockMode,
    pub preexisting: bool,
    pub blocks_reads: bool,
    pub blocks_writes: bool,
}

/// One statement as `plan` shows it.
#[derive(Clone, Debug, Serialize)]
pub struct PlannedStatement {
    pub file: String,
    pub index: usize,
    pub span: Span,
    pub kind: String,
    pub sql: String,
    pub locks: Vec<PlannedLock>,
    pub rewrites: Vec<ObjectName>,
    pub scans: Vec<effects::Scan>,
    pub in_transaction: bool,
    pub transaction: u64,
    /// Line of the statement that ends the transaction holding these locks.
    pub held_until_line: Option<u32>,
    pub outside_transaction_required: Option<String>,
    pub fails: Option<String>,
    pub notes: Vec<String>,
    /// The statement's effects as computed, on every relation (`locks`, `rewrites` and
    /// `scans` above keep the plan's view); `trace` compares them with the server. Empty
    /// unless [`Settings::plan_effects`].
    #[serde(skip)]
    pub effects: Effects,
}

#[derive(Clone, Debug, Serialize)]
pub struct FileSummary {
    pub file: String,
    pub mode: TransactionMode,
    pub statements: usize,
}

/// Something the user should know that is not a finding.
#[derive(Clone, Debug, Serialize)]
pub struct FileNote {
    pub file: String,
    pub line: u32,
    pub message: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Analysis {
    pub findings: Vec<Finding>,
    /// Skipped psql meta-commands, files without statements, ...
    pub notes: Vec<FileNote>,
    pub plan: Vec<PlannedStatement>,
    pub files: Vec<FileSummary>,
    /// Findings silenced by inline ignores.
    pub suppressed: usize,
    pub catalog: Catalog,
    /// Migrations, statements and the relations they touch.
    #[serde(skip)]
    pub graph: crate::graph::Graph,
}

/// Runs the analysis over files in apply order.
pub fn analyze(files: &[FileInput], settings: &Settings) -> Analysis {
    let history = files.iter().map(FileMeta::of_input).collect();
    let mut analyzer = Analyzer::new(history, settings);
    for (index, file) in files.iter().enumerate() {
        analyzer.file(index, file);
    }
    analyzer.finish()
}

impl FileMeta {
    fn of_input(f: &FileInput) -> FileMeta {
        FileMeta::new(&f.display, f.version.clone(), f.new_since_ref)
            .edited_since(f.edited_since.as_deref())
    }
}

/// [`analyze`] one file at a time, so that a caller can hand over each file as soon as
/// it is parsed (and drop it once analysed) while later files are still being parsed.
/// A clone is the state between two files (the language server keeps such checkpoints
/// and re-runs from one when a later file changes).
#[derive(Clone)]
pub struct Analyzer<'s> {
    driver: Driver<'s>,
    /// Files already applied to the live database come first in the history.
    offset: usize,
}

impl<'s> Analyzer<'s> {
    /// `files`: every file of the run, in apply order. The history that file- and
    /// history-level rules see is `settings.applied` followed by these.
    pub fn new(files: Vec<FileMeta>, settings: &'s Settings) -> Analyzer<'s> {
        let offset = settings.applied.len();
        let mut history: Vec<FileMeta> = Vec::with_capacity(offset + files.len());
        history.extend(settings.applied.iter().cloned());
        history.extend(files);
        let mut first_of_version: FastMap<String, usize> =
            FastMap::with_capacity_and_hasher(history.len(), Default::default());
        for (i, f) in history.iter_mut().enumerate() {
            f.same_version_as =
                f.record_key
                    .as_ref()
                    .and_then(|v| match first_of_version.entry(v.clone()) {
                        Entry::Occupied(first) => Some(*first.get()),
                        Entry::Vacant(slot) => {
                            slot.insert(i);
                            None
                        }
                    });
        }
        Analyzer {
            driver: Driver {
                settings,
                history,
                ignores: BTreeMap::new(),
                spans: FastMap::default(),
                catalog: Catalog {
                    version: settings.version.0,
                    ..settings.initial_catalog.clone()
                },
                out: Analysis {
                    graph: match settings.graph {
                        GraphDetail::UsesAfterDrop => crate::graph::Graph::uses_after_drop_only(),
                        GraphDetail::None | GraphDetail::Full => crate::graph::Graph::default(),
                    },
                    ..Analysis::default()
                },
                next_tx: 1,
                rules: rules::all()
                    .iter()
                    .copied()
                    .filter(|_| settings.rules)
                    .filter(|r| !matches!(settings.rule_overrides.get(r.id()), Some(None)))
                    .collect(),
            },
            offset,
        }
    }

    /// The file at `index` of the run's files (as given to [`Analyzer::new`]); files
    /// must come in apply order.
    pub fn file(&mut self, index: usize, file: &FileInput) {
        self.driver.file(self.offset + index, file);
    }

    /// Takes what the files analysed so far produced (findings, notes, plan, file
    /// summaries, the suppressed count), leaving the state the next files need (the
    /// catalog, the graph, the ignores and spans of history-level rules). Taken after
    /// every file, the parts concatenated in order are what [`Analyzer::finish`] would
    /// have returned before its history-level findings.
    pub fn take_output(&mut self) -> Analysis {
        let out = &mut self.driver.out;
        Analysis {
            findings: std::mem::take(&mut out.findings),
            notes: std::mem::take(&mut out.notes),
            plan: std::mem::take(&mut out.plan),
            files: std::mem::take(&mut out.files),
            suppressed: std::mem::take(&mut out.suppressed),
            ..Analysis::default()
        }
    }

    /// Runs the history-level checks once every file has been analysed.
    pub fn finish(mut self) -> Analysis {
        self.driver.history_checks();
        self.driver.out.catalog = self.driver.catalog;
        self.driver.out
    }
}

#[derive(Clone)]
struct Driver<'s> {
    settings: &'s Settings,
    history: Vec<FileMeta>,
    /// Each file's ignores and statement end lines, for history-level findings.
    ignores: BTreeMap<String, (Ignores, Vec<u32>)>,
    /// Each file's statement spans (transaction control left out), for history-level
    /// findings.
    spans: FastMap<String, Vec<Span>>,
    catalog: Catalog,
    out: Analysis,
    next_tx: u64,
    rules: Vec<&'static dyn Rule>,
}

/// Ignores that apply to one file.
#[derive(Clone)]
struct Ignores {
    file_wide: BTreeSet<String>,
    /// (directive line, rules)
    next_statement: Vec<(u32, Vec<String>)>,
}

impl Ignores {
    fn silences(&self, rule: &str, stmt_start_line: u32, prev_end_line: u32) -> bool {
        self.file_wide.contains(rule)
            || self.next_statement.iter().any(|(line, rules)| {
                *line < stmt_start_line && *line >= prev_end_line && rules.iter().any(|r| r == rule)
            })
    }
}

impl Driver<'_> {
    /// Rules that look at the whole history (through the graph) run once at the end.
    fn history_checks(&mut self) {
        let cx = rules::HistoryCheck {
            graph: &self.out.graph,
            spans: &self.spans,
            version: self.settings.version,
            history: &self.history,
        };
        let mut raw: Vec<(&'static dyn Rule, String, Violation)> = Vec::new();
        for rule in &self.rules {
            let mut out = Vec::new();
            rule.check_history(&cx, &mut out);
            raw.extend(out.into_iter().map(|(file, v)| (*rule, file, v)));
        }
        for (rule, file, v) in raw {
            let span = v.span.unwrap_or_default();
            if let Some((ignores, ends)) = self.ignores.get(&file) {
                let prev_end = ends
                    .iter()
                    .copied()
                    .filter(|l| *l < span.start_pos.line)
                    .max()
                    .unwrap_or(0);
                if ignores.silences(rule.id(), span.start_pos.line, prev_end) {
                    self.out.suppressed += 1;
                    continue;
                }
            }
            let f = self.finding(rule, v, span, &file);
            self.out.findings.push(f);
        }
    }

    fn new_tx(&mut self) -> u64 {
        let id = self.next_tx;
        self.next_tx += 1;
        id
    }

    fn file(&mut self, index: usize, file: &FileInput) {
        let parsed = file.parsed;
        let mut no_transaction = false;
        let mut ignores = Ignores {
            file_wide: BTreeSet::new(),
            next_statement: Vec::new(),
        };
        let mut findings: Vec<Finding> = Vec::new();
        // findings that belong to an earlier statement (`Violation::at_line`)
        let mut moved: Vec<(&'static dyn Rule, Violation)> = Vec::new();
        for (line, d) in &parsed.directives {
            match d {
                Directive::NoTransaction => no_transaction = true,
                Directive::IgnoreFile { rules, .. } => {
                    self.check_rule_names(&file.display, *line, rules, &mut findings);
                    ignores.file_wide.extend(rules.iter().cloned());
                }
                Directive::Ignore { rules, .. } => {
                    self.check_rule_names(&file.display, *line, rules, &mut findings);
                    ignores.next_statement.push((*line, rules.clone()));
                }
            }
        }
        for (line, message) in &parsed.directive_errors {
            findings.push(directive_finding(&file.display, *line, message.clone()));
        }
        // invalid-directive is configurable like any rule
        match self.settings.rule_overrides.get("invalid-directive") {
            Some(None) => findings.retain(|f| f.rule != "invalid-directive"),
            Some(Some(sev)) => {
                for f in findings
                    .iter_mut()
                    .filter(|f| f.rule == "invalid-directive")
                {
                    f.severity = *sev;
                }
            }
            None => {}
        }
        for n in &parsed.notes {
            self.out.notes.push(FileNote {
                file: file.display.clone(),
                line: n.span.start_pos.line,
                message: n.message.clone(),
            });
        }
        if parsed.statements.is_empty() {
            self.out.notes.push(FileNote {
                file: file.display.clone(),
                line: 1,
                message: "holds no SQL statements".to_string(),
            });
        }
        if self.settings.graph != GraphDetail::None {
            self.out.graph.add_migration(&file.display);
        }
        let begins = parsed
            .statements
            .iter()
            .filter(|s| matches!(s.op, Operation::Begin))
            .count();
        // explicit transaction control, or our directive: the file manages its own
        // transactions
        let segments = resolve_segments(
            &file.segments,
            &parsed.statements,
            no_transaction || begins > 0,
        );
        let mode = match segments.as_slice() {
            [only] => only.mode,
            many if many.iter().all(|s| s.mode == many[0].mode) => many[0].mode,
            _ => TransactionMode::Mixed,
        };
        let wrapped_segments = segments
            .iter()
            .filter(|s| s.mode == TransactionMode::Wrapped)
            .count();
        let fcx = FileContext {
            index,
            display: file.display.clone(),
            mode,
            several_transactions: begins > 1 || wrapped_segments > 1,
            no_transaction_hint: file.no_transaction_hint.clone(),
            last_statement: parsed
                .statements
                .iter()
                .rposition(|s| !s.op.is_transaction_control())
                .unwrap_or(0),
            framework_segments: if file.framework_wraps {
                file.segments.clone()
            } else {
                Vec::new()
            },
        };
        self.out.files.push(FileSummary {
            file: file.display.clone(),
            mode,
            statements: parsed.statements.len(),
        });

        // session settings last for one file (the unit schemaguard can vouch for)
        self.catalog
            .timezone
            .clone_from(&self.settings.initial_catalog.timezone);
        self.catalog.timezone_set = false;
        self.catalog.check_function_bodies = true;
        let mut tx = TxState::default();
        let mut segment = 0;
        if segments
            .first()
            .is_some_and(|s| s.mode == TransactionMode::Wrapped)
        {
            tx.active = true;
            tx.id = self.new_tx();
            tx.start_line = 1;
        }
        let mut spans: Vec<Span> = Vec::with_capacity(parsed.statements.len());
        // only a file that rolls back pays for catalog snapshots
        let mut undo = parsed
            .statements
            .iter()
            .any(|s| matches!(s.op, Operation::Rollback | Operation::RollbackToSavepoint))
            .then(Vec::<(Option<String>, Catalog)>::new);
        // the framework's transaction begins with the file: a ROLLBACK in it undoes that
        if let (true, Some(points)) = (tx.active, undo.as_mut()) {
            points.push((None, self.catalog.clone()));
        }
        if self.settings.plan {
            // one row a statement (transaction control left out): no growing (and
            // copying) of the list through a large file
            self.out.plan.reserve(parsed.statements.len());
        }
        let plan_start = self.out.plan.len();
        let mut tx_plan_start = plan_start;
        let mut prev_end_line = 0;
        for stmt in &parsed.statements {
            let start_line = stmt.span.start_pos.line;
            // a new segment (Liquibase changeset): the framework commits and starts over
            while segments
                .get(segment + 1)
                .is_some_and(|s| start_line >= s.start_line)
            {
                segment += 1;
                if tx.active && !tx.explicit {
                    self.close_tx(&mut tx, tx_plan_start, prev_end_line.max(1));
                }
                if segments[segment].mode == TransactionMode::Wrapped && !tx.active {
                    if let Some(points) = undo.as_mut() {
                        points.clear();
                        points.push((None, self.catalog.clone()));
                    }
                    tx.active = true;
                    tx.id = self.new_tx();
                    tx.start_line = segments[segment].start_line;
                    tx.statements = 0;
                    tx_plan_start = self.out.plan.len();
                }
            }
            let mut raw: Vec<(&'static dyn Rule, Violation, Span)> = Vec::new();
            match &stmt.op {
                Operation::Begin => {
                    if tx.active {
                        // PostgreSQL warns and keeps the transaction going
                    } else {
                        tx.active = true;
                        tx.explicit = true;
                        tx.id = self.new_tx();
                        tx.start_line = start_line;
                        tx.statements = 0;
                        tx.clear_held();
                        tx.not_valid_added.clear();
                        tx.enum_values_added.clear();
                        tx_plan_start = self.out.plan.len();
                    }
                }
                Operation::Commit | Operation::Rollback if tx.active => {
                    self.close_tx(&mut tx, tx_plan_start, start_line);
                }
                _ => {}
            }
            if let Some(points) = undo.as_mut() {
                follow_rollback(points, &mut self.catalog, stmt, tx.explicit);
            }
            if !tx.active && !stmt.op.is_transaction_control() {
                // an implicit transaction of its own
                tx.id = self.new_tx();
                tx.clear_held();
                tx.not_valid_added.clear();
                tx.enum_values_added.clear();
                tx.statements = 0;
            }

            let mut effects = self.statement(&fcx, stmt, &tx, &mut raw);
            // a statement the server refused changed nothing there, but for what the
            // failure itself leaves behind
            let refusal = if self.settings.refused_by_server.is_empty() {
                None
            } else {
                self.settings
                    .refused_by_server
                    .get(&(file.display.clone(), stmt.index))
            };
            // `CREATE SCHEMA AUTHORIZATION current_role CREATE TABLE other.t ...`: the
            // elements name another schema than the one the role's name gives, which
            // PostgreSQL refuses ("CREATE specifies a schema ... different from the one
            // being created")
            let misnamed = match &stmt.op {
                Operation::CreateSchema {
                    name,
                    authorization,
                    unnamed,
                    ..
                } if !stmt.embedded.is_empty() => {
                    self.catalog
                        .schema_created_by(name, authorization.as_deref(), *unnamed)
                        != *name
                }
                _ => false,
            };
            let replayed = refusal.is_none() && !misnamed;
            if let Some(sqlstate) = refusal {
                replay::left_by_failure(
                    &mut self.catalog,
                    &stmt.op,
                    sqlstate,
                    Origin {
                        file: index,
                        transaction: tx.id,
                    },
                );
            }
            // a schema exists before the elements of its CREATE SCHEMA run
            let replayed_first = matches!(stmt.op, Operation::CreateSchema { .. });
            if replayed_first && replayed {
                replay::apply(
                    &mut self.catalog,
                    &stmt.op,
                    Origin {
                        file: index,
                        transaction: tx.id,
                    },
                );
            }
            // a simple DO body (one-level `IF <catalog probe> THEN ... END IF`s): replay
            // applies only the branches whose probe the catalog says hold
            let guarded = matches!(&stmt.op, Operation::Do { body, .. }
                if crate::ops::probe::simple_guarded_body(body));
            let mut guard: Option<bool> = None;
            for inner in &stmt.embedded {
                let inner_effects = self.statement(&fcx, inner, &tx, &mut raw);
                if inner.conditional {
                    effects.merge_data_dependent(&inner_effects);
                } else {
                    effects.merge(&inner_effects);
                }
                self.update_tx(&fcx, inner, &inner_effects, &mut tx);
                if !replayed {
                    continue;
                }
                if guarded && !inner.conditional {
                    // a condition's query (or a plain statement: no guard after it)
                    guard =
                        crate::ops::probe::parse(&inner.text).and_then(|p| self.catalog.answer(&p));
                    if guard.is_some() {
                        continue;
                    }
                }
                if guarded && inner.conditional && guard == Some(false) {
                    continue;
                }
                replay::apply(
                    &mut self.catalog,
                    &inner.op,
                    Origin {
                        file: index,
                        transaction: tx.id,
                    },
                );
            }
            self.update_tx(&fcx, stmt, &effects, &mut tx);
            if self.settings.plan {
                self.plan(&fcx, stmt, &effects, &tx);
            }
            if !stmt.op.is_transaction_control() {
                spans.push(stmt.span);
            }
            if self.settings.graph != GraphDetail::None {
                self.out.graph.add_statement(
                    &file.display,
                    stmt.index,
                    start_line,
                    &operation_kind(&stmt.op),
                    &stmt.op,
                    &effects,
                    &self.catalog,
                );
            }
            if !replayed_first && replayed {
                replay::apply(
                    &mut self.catalog,
                    &stmt.op,
                    Origin {
                        file: index,
                        transaction: tx.id,
                    },
                );
            }
            if self.settings.graph == GraphDetail::Full {
                for op in std::iter::once(&stmt.op).chain(stmt.embedded.iter().map(|e| &e.op)) {
                    self.out.graph.add_dependencies(op, &self.catalog);
                }
            }

            for (rule, v, span) in raw {
                if v.at_line.is_some() {
                    moved.push((rule, v));
                    continue;
                }
                if ignores.silences(
                    rule.id(),
                    span.start_pos.line.max(start_line),
                    prev_end_line,
                ) {
                    self.out.suppressed += 1;
                    continue;
                }
                findings.push(self.finding(rule, v, span, &file.display));
            }
            if !tx.active {
                // autocommit: the statement's locks end with it
                tx.clear_held();
                if let Some(p) = self.out.plan.last_mut() {
                    if p.in_transaction {
                        p.held_until_line = Some(stmt.span.end_pos.line);
                    }
                }
            }
            prev_end_line = stmt.span.end_pos.line;
        }
        if tx.active {
            // end of file: the framework commits the wrapped transaction
            let last = parsed.statements.last().map_or(1, |s| s.span.end_pos.line);
            self.close_tx(&mut tx, tx_plan_start, last);
        }
        // file-level rules see the whole file and the schema after it
        let check = FileCheck {
            file: &fcx,
            statements: &parsed.statements,
            catalog_after: &self.catalog,
            history: &self.history,
            version: self.settings.version,
            baseline: self.settings.baseline,
            moves: std::cell::OnceCell::new(),
        };
        let mut raw: Vec<(&'static dyn Rule, Violation)> = Vec::new();
        // one buffer for every rule: most rules find nothing in most files
        let mut out = Vec::new();
        for rule in &self.rules {
            rule.check_file(&check, &mut out);
            if !out.is_empty() {
                raw.extend(out.drain(..).map(|v| (*rule, v)));
            }
        }
        // a rule may have found one thing per statement: each list goes once read
        drop(out);
        let first = parsed
            .statements
            .first()
            .map(|s| s.span)
            .unwrap_or_default();
        // statements' last lines, in order (a binary search per finding, not a pass)
        let mut ends: Vec<u32> = parsed
            .statements
            .iter()
            .map(|s| s.span.end_pos.line)
            .collect();
        ends.sort_unstable();
        findings.reserve_exact(raw.len());
        for (rule, v) in raw {
            let span = v.span.unwrap_or(first);
            // an ignore comment silences a statement: a finding about one clause of it
            // is silenced from the statement's first line
            let line = statement_line(&parsed.statements, span);
            let before = ends.partition_point(|l| *l < line);
            let prev_end = before.checked_sub(1).map_or(0, |i| ends[i]);
            if ignores.silences(rule.id(), line, prev_end) {
                self.out.suppressed += 1;
                continue;
            }
            findings.push(self.finding(rule, v, span, &file.display));
        }
        for (rule, v, span, prev_end) in at_earlier_statements(moved, &parsed.statements) {
            if ignores.silences(rule.id(), span.start_pos.line, prev_end) {
                self.out.suppressed += 1;
                continue;
            }
            findings.push(self.finding(rule, v, span, &file.display));
        }
        for rule in self.rules.iter().filter(|r| r.once_per_migration()) {
            once_per_migration(&mut findings, rule.id());
        }
        if self.out.findings.is_empty() {
            // the first file with findings (a single large file: its list, not a copy)
            self.out.findings = findings;
        } else {
            self.out.findings.extend(findings);
        }
        // the file's session ends: its temporary objects go
        replay::end_session(&mut self.catalog);
        let ends: Vec<u32> = parsed
            .statements
            .iter()
            .map(|s| s.span.end_pos.line)
            .collect();
        self.ignores.insert(file.display.clone(), (ignores, ends));
        match self.spans.entry(file.display.clone()) {
            Entry::Occupied(mut earlier) => earlier.get_mut().extend(spans),
            Entry::Vacant(slot) => {
                slot.insert(spans);
            }
        }
    }

    fn finding(&self, rule: &'static dyn Rule, v: Violation, span: Span, file: &str) -> Finding {
        // the configuration wins over a rule's own choice (e.g. a hint when unsure)
        let severity = self
            .settings
            .rule_overrides
            .get(rule.id())
            .copied()
            .flatten()
            .or(v.severity)
            .unwrap_or_else(|| rule.default_severity());
        // kept until the report: a string `format!` made has room for about twice its
        // literal text (its guess), and a file may make one finding per statement
        let mut message = v.message;
        message.shrink_to_fit();
        let mut why = v.why;
        if let Some(Cow::Owned(w)) = why.as_mut() {
            w.shrink_to_fit();
        }
        let mut fix = v.fix;
        if let Some(f) = fix.as_mut() {
            f.shrink_to_fit();
        }
        Finding {
            rule: rule.id(),
            severity,
            message,
            file: file.to_string(),
            span: v.span.unwrap_or(span),
            relation: v.relation,
            lock_mode: v.lock_mode,
            why,
            fix,
            related: Vec::new(),
        }
    }

    /// Effects and rule violations of one statement (top-level or embedded).
    fn statement(
        &mut self,
        fcx: &FileContext,
        stmt: &Statement,
        tx: &TxState,
        raw: &mut Vec<(&'static dyn Rule, Violation, Span)>,
    ) -> Effects {
        let effects = effects::of(&stmt.op, &self.catalog, self.settings.version);
        let cx = Context {
            file: fcx,
            stmt,
            effects: &effects,
            catalog: &self.catalog,
            version: self.settings.version,
            tx,
            altered_table: std::cell::OnceCell::new(),
        };
        // one buffer for every rule: most rules find nothing in most statements
        let mut out = Vec::new();
        for rule in &self.rules {
            rule.check(&cx, &mut out);
            if !out.is_empty() {
                raw.extend(out.drain(..).map(|v| (*rule, v, stmt.span)));
            }
        }
        effects
    }

    fn update_tx(
        &mut self,
        fcx: &FileContext,
        stmt: &Statement,
        effects: &Effects,
        tx: &mut TxState,
    ) {
        tx.statements += 1;
        let line = stmt.span.start_pos.line;
        for l in &effects.locks {
            let pre = fcx.is_preexisting(&self.catalog, l.catalog_name(), tx);
            tx.hold(l.relation.clone(), l.mode, line, pre);
        }
        match &stmt.op {
            // SET LOCAL outside a transaction block only draws a warning: no effect
            Operation::Set(set) if !set.local || tx.active => {
                let value = set.value.clone().filter(|v| !is_zero_timeout(v));
                match (set.name.as_str(), set.local) {
                    ("lock_timeout", false) => tx.lock_timeout = value,
                    ("lock_timeout", true) => tx.local_lock_timeout = value,
                    ("statement_timeout", false) => tx.statement_timeout = value,
                    ("statement_timeout", true) => tx.local_statement_timeout = value,
                    _ => {}
                }
            }
            Operation::AlterTable(at) => {
                // resolved only for a NOT VALID constraint (most ALTER TABLEs add none)
                let mut table = None;
                for a in &at.actions {
                    if let AlterTableAction::AddConstraint(c) = a {
                        if c.not_valid {
                            let table = table
                                .get_or_insert_with(|| self.catalog.resolve_relation(&at.name));
                            let name = replay::constraint_name(table, c);
                            tx.not_valid_added.insert((table.clone(), name));
                        }
                    }
                }
            }
            Operation::AlterType(at) => {
                if let AlterTypeAction::AddValue { value, .. } = &at.action {
                    let ty = self
                        .catalog
                        .type_def(&at.name)
                        .map(|t| t.name.clone())
                        .unwrap_or_else(|| at.name.clone());
                    tx.enum_values_added.push((ty, value.clone()));
                }
            }
            // set_config('lock_timeout', '2s', is_local)
            Operation::Select { functions, .. } if functions.iter().any(|f| f == "set_config") => {
                let t = stmt.text.to_lowercase();
                if t.contains("'lock_timeout'") {
                    tx.local_lock_timeout = Some("set_config".into());
                }
                if t.contains("'statement_timeout'") {
                    tx.local_statement_timeout = Some("set_config".into());
                }
            }
            _ => {}
        }
    }

    fn close_tx(&mut self, tx: &mut TxState, plan_start: usize, end_line: u32) {
        for p in &mut self.out.plan[plan_start..] {
            if p.in_transaction && p.transaction == tx.id && p.held_until_line.is_none() {
                p.held_until_line = Some(end_line);
            }
        }
        tx.active = false;
        tx.explicit = false;
        tx.clear_held();
        tx.not_valid_added.clear();
        tx.enum_values_added.clear();
        tx.local_lock_timeout = None;
        tx.local_statement_timeout = None;
    }

    fn plan(&mut self, fcx: &FileContext, stmt: &Statement, effects: &Effects, tx: &TxState) {
        if stmt.op.is_transaction_control() {
            return;
        }
        let locks = effects
            .locks
            .iter()
            .map(|l| PlannedLock {
                relation: l.relation.clone(),
                relkind: l.kind.code(),
                mode: l.mode,
                preexisting: fcx.is_preexisting(&self.catalog, l.catalog_name(), tx),
                blocks_reads: l.mode.blocks_reads(),
                blocks_writes: l.mode.blocks_writes(),
            })
            .collect();
        self.out.plan.push(PlannedStatement {
            file: fcx.display.clone(),
            index: stmt.index,
            span: stmt.span,
            kind: operation_kind(&stmt.op),
            sql: rules::short_sql(&stmt.text),
            locks,
            // rewriting a relation created in this file costs nothing: only pre-existing ones
            rewrites: effects
                .rewrites
                .iter()
                .filter(|r| fcx.is_preexisting(&self.catalog, r, tx))
                .cloned()
                .collect(),
            scans: effects
                .scans
                .iter()
                .filter(|sc| fcx.is_preexisting(&self.catalog, &sc.relation, tx))
                .cloned()
                .collect(),
            in_transaction: tx.active,
            transaction: tx.id,
            held_until_line: None,
            outside_transaction_required: effects.outside_transaction.clone(),
            fails: effects.fails.clone(),
            notes: effects.notes.clone(),
            effects: if self.settings.plan_effects {
                effects.clone()
            } else {
                Effects::default()
            },
        });
    }

    fn check_rule_names(
        &self,
        file: &str,
        line: u32,
        names: &[String],
        findings: &mut Vec<Finding>,
    ) {
        for n in names {
            if rules::by_id(n).is_none() {
                findings.push(directive_finding(
                    file,
                    line,
                    format!("`{n}` is not a schemaguard rule; `schemaguard rules` lists them"),
                ));
            }
        }
    }
}

/// The transaction segments a file really runs in: `ImplicitMulti` resolved by the
/// number of statements in the segment, and everything autocommit when the file manages
/// transactions itself (explicit BEGIN, or `-- schemaguard:no-transaction`).
fn resolve_segments(
    segments: &[TxSegment],
    statements: &[Statement],
    own_transactions: bool,
) -> Vec<TxSegment> {
    if own_transactions || segments.is_empty() {
        return TxSegment::whole(TransactionMode::Autocommit);
    }
    segments
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let end = segments.get(i + 1).map_or(u32::MAX, |n| n.start_line);
            let mode = match s.mode {
                TransactionMode::ImplicitMulti => {
                    let n = statements
                        .iter()
                        .filter(|st| (s.start_line..end).contains(&st.span.start_pos.line))
                        .count();
                    if n > 1 {
                        TransactionMode::Wrapped
                    } else {
                        TransactionMode::Autocommit
                    }
                }
                m => m,
            };
            TxSegment {
                start_line: s.start_line,
                mode,
            }
        })
        .collect()
}

/// Folds `rule`'s findings of one file into the first: the others become its
/// [`Finding::related`] places, and its message names their lines.
/// The first line of the statement of `statements` (in file order; an embedded one of
/// a `DO` or `CREATE SCHEMA` when one holds it) that holds `span` (a clause of it), or
/// the span's own line when none does.
fn statement_line(statements: &[Statement], span: Span) -> u32 {
    crate::parse::statement_holding(statements, span)
        .map_or(span.start_pos.line, |s| s.span.start_pos.line)
}

/// A rule, the position of a statement, a relation and a lock mode.
type GroupKey = (&'static str, usize, Option<ObjectName>, Option<LockMode>);

/// The findings that belong to an earlier statement ([`Violation::at_line`]): one per
/// rule, statement, relation and lock mode, at that statement (with the last line of
/// the statement before it, for ignore comments), its message listing what each later
/// statement added.
fn at_earlier_statements(
    moved: Vec<(&'static dyn Rule, Violation)>,
    statements: &[Statement],
) -> Vec<(&'static dyn Rule, Violation, Span, u32)> {
    /// Shown in the message; the rest are counted.
    const LISTED: usize = 10;
    let mut groups: Vec<(&'static dyn Rule, Violation, usize, Vec<String>)> = Vec::new();
    let mut index: std::collections::HashMap<GroupKey, usize> = std::collections::HashMap::new();
    for (rule, v) in moved {
        let Some(line) = v.at_line else {
            continue;
        };
        let Some(at) = statements
            .partition_point(|s| s.span.start_pos.line <= line)
            .checked_sub(1)
        else {
            continue;
        };
        let key = (rule.id(), at, v.relation.clone(), v.lock_mode);
        match index.get(&key) {
            Some(&g) => groups[g].3.push(v.message),
            None => {
                index.insert(key, groups.len());
                let detail = v.message.clone();
                groups.push((rule, v, at, vec![detail]));
            }
        }
    }
    groups
        .into_iter()
        .map(|(rule, mut v, at, details)| {
            let mut list = details
                .iter()
                .take(LISTED)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ");
            if details.len() > LISTED {
                list.push_str(&format!("; and {} more", details.len() - LISTED));
            }
            v.message = match (&v.relation, v.lock_mode) {
                (Some(rel), Some(mode)) => format!(
                    "{rel} is locked in {mode} here and stays locked until COMMIT while later statements of the transaction run: {list}"
                ),
                _ => list,
            };
            v.at_line = None;
            let prev_end = at
                .checked_sub(1)
                .and_then(|i| statements.get(i))
                .map_or(0, |s| s.span.end_pos.line);
            (rule, v, statements[at].span, prev_end)
        })
        .collect()
}

fn once_per_migration(findings: &mut Vec<Finding>, rule: &str) {
    let Some(first) = findings.iter().position(|f| f.rule == rule) else {
        return;
    };
    let mut related = Vec::new();
    // one pass, keeping order (a file may hold thousands of statements)
    let rest = findings.split_off(first + 1);
    for f in rest {
        if f.rule == rule {
            related.push(crate::rules::Related {
                line: f.span.start_pos.line,
                end_line: f.span.end_pos.line,
                message: f.message,
            });
        } else {
            findings.push(f);
        }
    }
    if related.is_empty() {
        return;
    }
    let lines: Vec<String> = related.iter().map(|r| r.line.to_string()).collect();
    let f = &mut findings[first];
    f.message = format!(
        "{} (and {} more statement{} of this migration: line{} {})",
        f.message,
        related.len(),
        if related.len() == 1 { "" } else { "s" },
        if related.len() == 1 { "" } else { "s" },
        lines.join(", ")
    );
    f.related = related;
}

/// What a file's own transaction control does to the schema: ROLLBACK undoes
/// everything since its BEGIN, ROLLBACK TO SAVEPOINT everything since that savepoint, as
/// the server does. `points` are the catalog as it was at the BEGIN (no name) and at
/// each savepoint since, innermost last.
fn follow_rollback(
    points: &mut Vec<(Option<String>, Catalog)>,
    catalog: &mut Catalog,
    stmt: &Statement,
    explicit: bool,
) {
    match &stmt.op {
        Operation::Begin if points.is_empty() => points.push((None, catalog.clone())),
        Operation::Savepoint if explicit => {
            if let Some(name) = savepoint_name(&stmt.text) {
                points.push((Some(name), catalog.clone()));
            }
        }
        Operation::ReleaseSavepoint => {
            if let Some(at) = savepoint_name(&stmt.text)
                .and_then(|n| points.iter().rposition(|(p, _)| p.as_ref() == Some(&n)))
            {
                points.truncate(at);
            }
        }
        Operation::RollbackToSavepoint => {
            if let Some(at) = savepoint_name(&stmt.text)
                .and_then(|n| points.iter().rposition(|(p, _)| p.as_ref() == Some(&n)))
            {
                // the savepoint stays
                points.truncate(at + 1);
                catalog.clone_from(&points[at].1);
            }
        }
        Operation::Rollback => {
            if let Some((None, before)) = points.first_mut() {
                std::mem::swap(catalog, before);
            }
            points.clear();
        }
        Operation::Commit => points.clear(),
        _ => {}
    }
}

/// The savepoint a `SAVEPOINT`, `RELEASE [SAVEPOINT]` or `ROLLBACK [WORK] TO
/// [SAVEPOINT]` names, as PostgreSQL folds it.
fn savepoint_name(text: &str) -> Option<String> {
    let name = text
        .trim()
        .trim_end_matches(';')
        .split_whitespace()
        .last()?;
    Some(
        match name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
            Some(quoted) => quoted.replace("\"\"", "\""),
            None => name.to_ascii_lowercase(),
        },
    )
}

fn directive_finding(file: &str, line: u32, message: String) -> Finding {
    let pos = crate::span::Position { line, column: 1 };
    Finding {
        rule: "invalid-directive",
        severity: Severity::Warning,
        message,
        file: file.to_string(),
        span: Span {
            start: 0,
            end: 0,
            start_pos: pos,
            end_pos: pos,
        },
        relation: None,
        lock_mode: None,
        why: None,
        fix: None,
        related: Vec::new(),
    }
}

fn is_zero_timeout(v: &str) -> bool {
    let v = v.trim().trim_matches('\'');
    v.chars()
        .take_while(|c| c.is_ascii_digit())
        .collect::<String>()
        .parse::<u64>()
        == Ok(0)
        && v.trim_start_matches('0')
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c.is_whitespace())
}

/// The statement kind for plans: `ALTER TABLE`, `CREATE INDEX CONCURRENTLY`, ...
pub fn operation_kind(op: &Operation) -> String {
    let s = match op {
        Operation::Begin => "BEGIN",
        Operation::Commit => "COMMIT",
        Operation::Rollback => "ROLLBACK",
        Operation::Savepoint => "SAVEPOINT",
        Operation::RollbackToSavepoint => "ROLLBACK TO SAVEPOINT",
        Operation::ReleaseSavepoint => "RELEASE SAVEPOINT",
        Operation::Set(s) if s.value.is_none() => "RESET",
        Operation::Set(_) => "SET",
        Operation::CreateTable(_) => "CREATE TABLE",
        Operation::AlterTable(_) => "ALTER TABLE",
        Operation::DropTable(_) => "DROP TABLE",
        Operation::Truncate { .. } => "TRUNCATE",
        Operation::CreateIndex(ci) if ci.concurrently => "CREATE INDEX CONCURRENTLY",
        Operation::CreateIndex(_) => "CREATE INDEX",
        Operation::DropIndex(d) if d.concurrently => "DROP INDEX CONCURRENTLY",
        Operation::DropIndex(_) => "DROP INDEX",
        Operation::AlterIndex(_) => "ALTER INDEX",
        Operation::Reindex(_) => "REINDEX",
        Operation::CreateView(v) if v.materialized => "CREATE MATERIALIZED VIEW",
        Operation::CreateView(_) => "CREATE VIEW",
        Operation::AlterView(v) if v.materialized => "ALTER MATERIALIZED VIEW",
        Operation::AlterView(_) => "ALTER VIEW",
        Operation::DropView {
            materialized: true, ..
        } => "DROP MATERIALIZED VIEW",
        Operation::DropView { .. } => "DROP VIEW",
        Operation::RefreshMaterializedView { .. } => "REFRESH MATERIALIZED VIEW",
        Operation::CreateType(_) => "CREATE TYPE",
        Operation::AlterType(_) => "ALTER TYPE",
        Operation::DropType(_) => "DROP TYPE",
        Operation::AlterDomain { .. } => "ALTER DOMAIN",
        Operation::CreateSequence { .. } => "CREATE SEQUENCE",
        Operation::AlterSequence { .. } => "ALTER SEQUENCE",
        Operation::DropSequence(_) => "DROP SEQUENCE",
        Operation::CreateSchema { .. } => "CREATE SCHEMA",
        Operation::AlterSchema { .. } => "ALTER SCHEMA",
        Operation::DropSchema(_) => "DROP SCHEMA",
        Operation::DropOwned { .. } => "DROP OWNED",
        Operation::ReassignOwned { .. } => "REASSIGN OWNED",
        Operation::CreateExtension { .. } => "CREATE EXTENSION",
        Operation::DropExtension(_) => "DROP EXTENSION",
        Operation::CreateFunction(_) => "CREATE FUNCTION",
        Operation::AlterFunction { .. } => "ALTER FUNCTION",
        Operation::DropFunction { .. } => "DROP FUNCTION",
        Operation::CreateTrigger(_) => "CREATE TRIGGER",
        Operation::AlterTrigger { .. } => "ALTER TRIGGER",
        Operation::DropTrigger { .. } => "DROP TRIGGER",
        Operation::Policy { .. } => "POLICY",
        Operation::RewriteRule { .. } => "RULE",
        Operation::CreateStatistics { .. } => "CREATE STATISTICS",
        Operation::Insert(_) => "INSERT",
        Operation::Update(_) => "UPDATE",
        Operation::Delete(_) => "DELETE",
        Operation::Merge(_) => "MERGE",
        Operation::Select { .. } => "SELECT",
        Operation::Copy { .. } => "COPY",
        Operation::Vacuum { full: true, .. } => "VACUUM FULL",
        Operation::Vacuum { .. } => "VACUUM",
        Operation::Analyze { .. } => "ANALYZE",
        Operation::Cluster { .. } => "CLUSTER",
        Operation::LockTable { .. } => "LOCK TABLE",
        Operation::Comment(_) => "COMMENT",
        Operation::Privileges { .. } => "GRANT/REVOKE",
        Operation::Do { .. } => "DO",
        Operation::Other { kind } => return kind.clone(),
        Operation::Unparsed { .. } => "UNPARSED",
    };
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One plain file `001.sql`, run statement by statement.
    fn one_file(parsed: &crate::parse::ParsedFile) -> FileInput<'_> {
        FileInput {
            display: "001.sql".to_string(),
            version: None,
            edited_since: None,
            new_since_ref: false,
            parsed,
            segments: TxSegment::whole(TransactionMode::Autocommit),
            no_transaction_hint: String::new(),
            framework_wraps: false,
        }
    }

    fn replayed(sql: &str) -> Catalog {
        let parsed = crate::parse::parse_file(sql);
        let inputs = [one_file(&parsed)];
        analyze(&inputs, &Settings::default()).catalog
    }

    /// A rolled-back transaction leaves the schema as it was at its BEGIN, and a
    /// rollback to a savepoint as it was at that savepoint, as on the server.
    #[test]
    fn rollback_undoes_the_replay_of_its_transaction() {
        let catalog = replayed(
            "CREATE TABLE a (id int);\nBEGIN;\nDROP TABLE a;\nCREATE TABLE b (id int);\nROLLBACK;\n\
             BEGIN;\nCREATE TABLE c (id int);\nSAVEPOINT \"Sp\";\nCREATE TABLE d (id int);\n\
             ROLLBACK TO SAVEPOINT \"Sp\";\nCREATE TABLE e (id int);\nCOMMIT;\n",
        );
        let has = |n: &str| catalog.table(&ObjectName::new(None, n)).is_some();
        assert!(has("a"), "the rolled-back DROP TABLE is undone");
        assert!(!has("b"), "the rolled-back CREATE TABLE is undone");
        assert!(has("c") && has("e"), "committed work stays");
        assert!(!has("d"), "work rolled back to the savepoint is undone");
    }

    /// The elements of a `CREATE SCHEMA` are replayed into that schema, after it.
    #[test]
    fn create_schema_elements_are_replayed_into_the_schema() {
        let parsed = crate::parse::parse_file(
            "CREATE SCHEMA s\n  CREATE TABLE t (id int PRIMARY KEY)\n  CREATE VIEW v AS SELECT id FROM t\n  CREATE INDEX t_id ON t (id);\nALTER TABLE s.t ADD COLUMN b int;\n",
        );
        let inputs = [FileInput {
            display: "001.sql".to_string(),
            version: None,
            edited_since: None,
            new_since_ref: false,
            parsed: &parsed,
            segments: TxSegment::whole(TransactionMode::Wrapped),
            no_transaction_hint: String::new(),
            framework_wraps: false,
        }];
        let catalog = analyze(&inputs, &Settings::default()).catalog;
        assert!(catalog.schemas.contains("s"));
        let t = catalog
            .table(&ObjectName::new(Some("s"), "t"))
            .expect("s.t replayed");
        assert_eq!(t.columns.len(), 2, "{:?}", t.columns);
        assert!(catalog.table(&ObjectName::unqualified("t")).is_none());
        assert!(catalog.view(&ObjectName::new(Some("s"), "v")).is_some());
        assert_eq!(
            catalog.indexes_on(&ObjectName::new(Some("s"), "t")).count(),
            2
        );
    }

    /// Outside a transaction, prefer-if-not-exists asks for IF NOT EXISTS on the CREATE
    /// SCHEMA, not on its elements, which run within it and cannot say it.
    #[test]
    fn create_schema_elements_are_not_asked_for_if_not_exists() {
        let parsed = crate::parse::parse_file(
            "CREATE SCHEMA s\n  CREATE TABLE t (id int PRIMARY KEY)\n  CREATE SEQUENCE q;\nCREATE TABLE u (id int PRIMARY KEY);\nSELECT 1;\n",
        );
        let inputs = [one_file(&parsed)];
        let lines: Vec<u32> = analyze(&inputs, &Settings::default())
            .findings
            .into_iter()
            .filter(|f| f.rule == "prefer-if-not-exists")
            .map(|f| f.span.start_pos.line)
            .collect();
        assert_eq!(lines, vec![1, 4]);
    }

    #[test]
    fn zero_timeouts_mean_disabled() {
        assert!(is_zero_timeout("0"));
        assert!(is_zero_timeout("'0'"));
        assert!(is_zero_timeout("0s"));
        assert!(!is_zero_timeout("2s"));
        assert!(!is_zero_timeout("100"));
        assert!(!is_zero_timeout("10ms"));
    }
}
