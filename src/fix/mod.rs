//! `schemaguard fix`: the safe migration for every finding that has a mechanical safe
//! form, as edits on byte ranges of the original files (everything else stays byte for
//! byte) and new migrations laid out as the file's framework expects them
//! ([`layout`]). The fixes come from `check`'s own findings: the rules' fix texts
//! (`rules::fixes`, run on PostgreSQL by `tests/fixes_run.rs`) and the statements they
//! point at; nothing is re-printed from the AST.
//!
//! | rule | fix kind | what is written |
//! |---|---|---|
//! | `create-index-non-concurrently`, `drop-index-non-concurrently` | `concurrently` | `CONCURRENTLY`, in a migration of its own outside a transaction |
//! | `reindex-non-concurrently` (12+) | `concurrently` | `REINDEX ... CONCURRENTLY`, likewise |
//! | `enum-value-in-transaction` (before 12) | `outside-transaction` | the `ADD VALUE` in a migration of its own outside a transaction |
//! | `constraint-not-valid-missing` | `not-valid` | `NOT VALID` in place, `VALIDATE CONSTRAINT` in the next migration |
//! | `set-not-null-scan` | `set-not-null` | a `CHECK (col IS NOT NULL) NOT VALID` in place, `VALIDATE` next, then `SET NOT NULL` and the check dropped |
//! | `missing-lock-timeout` | `lock-timeout` | `SET [LOCAL] lock_timeout` at the top (`[fix] lock_timeout`, default `2s`) |
//! | `missing-statement-timeout` | `statement-timeout` | likewise, only when `[fix] statement_timeout` is configured |
//!
//! `add-column-rewrite` is offered as a suggestion (its backfill needs the user's
//! judgement) and never written. Drops, renames and narrowing stay findings.

mod error;
pub mod layout;
pub mod render;
#[cfg(unix)]
pub mod verify;

use crate::analysis::TransactionMode;
use crate::lock::LockMode;
use crate::ops::Operation;
use crate::parse::Statement;
use crate::pipeline::Run;
use crate::rules::Finding;
use crate::rules::fixes::insert_after_keywords;
use crate::source::framework::{self, Framework};
pub use error::FixError;
use layout::{NoTransactionMarker, Slot};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The `lock_timeout` a fix sets when the configuration names none.
pub const DEFAULT_LOCK_TIMEOUT: &str = "2s";

/// What a fix does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixKind {
    Concurrently,
    OutsideTransaction,
    NotValid,
    SetNotNull,
    LockTimeout,
    StatementTimeout,
}

impl FixKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FixKind::Concurrently => "concurrently",
            FixKind::OutsideTransaction => "outside-transaction",
            FixKind::NotValid => "not-valid",
            FixKind::SetNotNull => "set-not-null",
            FixKind::LockTimeout => "lock-timeout",
            FixKind::StatementTimeout => "statement-timeout",
        }
    }
}

/// How the run is fixed.
#[derive(Clone, Debug)]
pub struct Options {
    pub lock_timeout: String,
    /// Also fix `missing-statement-timeout`, with this value.
    pub statement_timeout: Option<String>,
    /// Renumber later migrations when the version after the original is taken.
    pub renumber: bool,
    /// Files (as displayed) never rewritten or renamed, with the reason.
    pub frozen: BTreeMap<String, String>,
}

/// A replacement of `start..end` (bytes) of one file's original text.
#[derive(Clone, Debug, Serialize)]
pub struct Edit {
    pub file: String,
    #[serde(skip)]
    pub path: PathBuf,
    pub start: usize,
    pub end: usize,
    pub start_line: u32,
    pub start_column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub new_text: String,
}

/// A file the fixes create.
#[derive(Clone, Debug, Serialize)]
pub struct NewFile {
    pub path: String,
    #[serde(skip)]
    pub abs: PathBuf,
    pub text: String,
}

/// A migration renamed to make room for new ones (`--renumber`).
#[derive(Clone, Debug, Serialize)]
pub struct Rename {
    pub from: String,
    pub to: String,
    #[serde(skip)]
    pub from_path: PathBuf,
    #[serde(skip)]
    pub to_path: PathBuf,
}

/// A statement a fix wrote, and where it lands.
#[derive(Clone, Debug, Serialize)]
pub struct Written {
    pub file: String,
    #[serde(skip)]
    pub path: PathBuf,
    pub sql: String,
    /// The statement carries the work the fix moved off the blocking lock (the
    /// concurrent build, the VALIDATE): `--verify` checks it takes no lock that blocks
    /// traffic.
    pub heavy: bool,
    /// The new migration of its file it lands in (before it has a name).
    #[serde(skip)]
    migration: Option<usize>,
}

/// One finding, fixed.
#[derive(Clone, Debug, Serialize)]
pub struct Fix {
    pub rule: &'static str,
    pub kind: FixKind,
    pub file: String,
    #[serde(skip)]
    pub path: PathBuf,
    /// Where the file is after the plan's renames.
    #[serde(skip)]
    pub path_after: PathBuf,
    pub line: u32,
    pub title: String,
    pub relation: Option<String>,
    pub lock_mode: Option<LockMode>,
    pub written: Vec<Written>,
    #[serde(skip)]
    edits: Vec<Edit>,
    /// Which of its file's new migrations it writes into.
    #[serde(skip)]
    migrations: Vec<usize>,
}

/// A finding of a fixable rule left as it is, and why.
#[derive(Clone, Debug, Serialize)]
pub struct NotFixed {
    pub rule: &'static str,
    pub file: String,
    pub line: u32,
    pub reason: String,
}

/// A safe form that needs the user's judgement: shown, never written.
#[derive(Clone, Debug, Serialize)]
pub struct Suggestion {
    pub rule: &'static str,
    pub file: String,
    pub line: u32,
    pub text: String,
}

/// A file not rewritten at all.
#[derive(Clone, Debug, Serialize)]
pub struct Skipped {
    pub file: String,
    pub reason: String,
}

/// Everything `fix` would do.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Plan {
    pub fixes: Vec<Fix>,
    pub edits: Vec<Edit>,
    pub new_files: Vec<NewFile>,
    pub renames: Vec<Rename>,
    pub not_fixed: Vec<NotFixed>,
    pub suggestions: Vec<Suggestion>,
    pub skipped: Vec<Skipped>,
}

/// The rules whose findings `fix` writes a safe form for.
pub const FIXABLE_RULES: &[&str] = &[
    "create-index-non-concurrently",
    "drop-index-non-concurrently",
    "reindex-non-concurrently",
    "enum-value-in-transaction",
    "constraint-not-valid-missing",
    "set-not-null-scan",
    "missing-lock-timeout",
    "missing-statement-timeout",
];

/// Rules whose fix is shown as a suggestion only.
const SUGGESTED_RULES: &[&str] = &["add-column-rewrite"];

/// A new migration a file's fixes need, before it has a name.
#[derive(Clone, Debug)]
struct Pending {
    what: &'static str,
    statements: Vec<String>,
    no_transaction: bool,
}

/// One file's fixes before versions are assigned.
struct FilePlan {
    display: String,
    path: PathBuf,
    slot: Slot,
    fixes: Vec<Fix>,
    pending: Vec<Pending>,
}

/// What a finding asks for on its statement.
enum Action {
    /// Run `sql` instead, outside a transaction.
    Outside { stmt: usize, sql: String },
    /// Replace the statement by `first`; `later[k]` goes into the k-th next migration.
    Replace {
        stmt: usize,
        first: String,
        later: Vec<Vec<String>>,
    },
    /// The statement is already replaced (by another finding's fix of it, with the
    /// same text); `later[k]` goes into the k-th next migration.
    LaterOnly {
        stmt: usize,
        later: Vec<Vec<String>>,
    },
    /// `SET name = value` at the top of the migration.
    SetTop { name: &'static str, local: bool },
}

/// Works out the fixes of a `check` run (it must keep its parsed files).
pub fn plan(run: &Run, opts: &Options) -> Plan {
    let mut out = Plan::default();
    let configured = run.config.framework.as_deref().and_then(Framework::parse);
    let assume_tx = run.config.assume_in_transaction.unwrap_or(true);
    let mut by_file: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    // each file's statements, for the line of a finding's statement
    let parsed: BTreeMap<&str, &[Statement]> = run
        .files
        .iter()
        .zip(&run.parsed)
        .map(|(file, p)| (file.display.as_str(), p.statements.as_slice()))
        .collect();
    for f in &run.analysis.findings {
        if SUGGESTED_RULES.contains(&f.rule) {
            if let Some(text) = &f.fix {
                out.suggestions.push(Suggestion {
                    rule: f.rule,
                    file: f.file.clone(),
                    line: statement_line(parsed.get(f.file.as_str()).copied().unwrap_or(&[]), f),
                    text: text.clone(),
                });
            }
        } else if FIXABLE_RULES.contains(&f.rule) {
            by_file.entry(f.file.as_str()).or_default().push(f);
        }
    }
    let mut files: Vec<FilePlan> = Vec::new();
    let mut slots: Vec<(String, Slot)> = Vec::new();
    for (i, file) in run.files.iter().enumerate() {
        let framework = configured.unwrap_or_else(|| framework::detect(&file.path, &file.text));
        let slot = Slot::of(&file.path, framework);
        slots.push((file.display.clone(), slot.clone()));
        let Some(findings) = by_file.get(file.display.as_str()) else {
            continue;
        };
        if let Some(reason) = opts.frozen.get(&file.display) {
            out.skipped.push(Skipped {
                file: file.display.clone(),
                reason: reason.clone(),
            });
            continue;
        }
        let Some(parsed) = run.parsed.get(i) else {
            continue;
        };
        let mode = run
            .analysis
            .files
            .iter()
            .find(|f| f.file == file.display)
            .map(|f| f.mode);
        let cx = FileCx {
            display: &file.display,
            path: &file.path,
            text: &file.text,
            statements: &parsed.statements,
            framework,
            mode,
            version: run.version.0,
            opts,
            assume_tx,
            lines: std::cell::OnceCell::new(),
            names: std::cell::OnceCell::new(),
        };
        let (plan, not_fixed) = plan_file(&cx, findings, slot);
        out.not_fixed.extend(not_fixed);
        if !plan.fixes.is_empty() {
            files.push(plan);
        }
    }
    assign_versions(&mut files, &slots, opts, &mut out);
    out
}

struct FileCx<'a> {
    display: &'a str,
    path: &'a Path,
    text: &'a str,
    statements: &'a [Statement],
    framework: Framework,
    mode: Option<TransactionMode>,
    version: u32,
    opts: &'a Options,
    assume_tx: bool,
    /// Line starts of `text`, made on the first edit.
    lines: std::cell::OnceCell<crate::span::LineIndex>,
    /// Each statement's names (see [`Names`]), read on first use.
    names: std::cell::OnceCell<Vec<Names>>,
}

/// The names a statement's text holds: identifiers (folded, or as quoted), and the
/// text of its strings and dollar-quoted bodies (lower case), where a `DO` block or a
/// function names tables.
struct Names {
    idents: std::collections::HashSet<String>,
    strings: Vec<String>,
}

impl Names {
    fn of(sql: &str) -> Names {
        use crate::parse::split::{Tok, sql_tokens};
        let mut idents = std::collections::HashSet::new();
        let mut strings = Vec::new();
        for t in sql_tokens(sql) {
            let text = &sql[t.start..t.end];
            match t.kind {
                Tok::Word => {
                    idents.insert(text.to_ascii_lowercase());
                }
                Tok::QuotedIdent => {
                    idents.insert(text.trim_matches('"').replace("\"\"", "\""));
                }
                Tok::Str | Tok::DollarStr => strings.push(text.to_ascii_lowercase()),
                _ => {}
            }
        }
        Names { idents, strings }
    }

    /// The text names `name` (folded, as stored).
    fn mentions(&self, name: &str) -> bool {
        self.idents.contains(name)
            || self.idents.contains(&name.to_ascii_lowercase())
            || self
                .strings
                .iter()
                .any(|s| contains_word(s, &name.to_ascii_lowercase()))
    }
}

impl FileCx<'_> {
    fn statement_names(&self) -> &[Names] {
        self.names
            .get_or_init(|| self.statements.iter().map(|s| Names::of(&s.text)).collect())
    }

    fn edit(&self, start: usize, end: usize, new_text: String) -> Edit {
        let index = self
            .lines
            .get_or_init(|| crate::span::LineIndex::new(self.text));
        let s = index.position(self.text, start);
        let e = index.position(self.text, end);
        Edit {
            file: self.display.to_string(),
            path: self.path.to_path_buf(),
            start,
            end,
            start_line: s.line,
            start_column: s.column,
            end_line: e.line,
            end_column: e.column,
            new_text,
        }
    }

    /// The statement is inside a `BEGIN ... COMMIT` the file writes: the index of that
    /// `BEGIN`.
    fn explicit_block(&self, stmt: usize) -> Option<usize> {
        let mut open = None;
        for (i, s) in self.statements.iter().enumerate().take(stmt) {
            match s.op {
                Operation::Begin => open = Some(i),
                Operation::Commit | Operation::Rollback => open = None,
                _ => {}
            }
        }
        open
    }

    /// The range a removed statement takes: the statement and the blanks after it up
    /// to and including the end of its line.
    fn removal(&self, stmt: &Statement) -> (usize, usize) {
        let bytes = self.text.as_bytes();
        let mut end = stmt.span.end;
        while end < bytes.len() && (bytes[end] == b' ' || bytes[end] == b'\t') {
            end += 1;
        }
        if end < bytes.len() && bytes[end] == b'\r' {
            end += 1;
        }
        if end < bytes.len() && bytes[end] == b'\n' {
            end += 1;
        }
        (stmt.span.start, end)
    }

    /// A `SET` for a new migration run in a transaction (or not).
    fn settings(&self, in_transaction: bool) -> Vec<String> {
        let local = if in_transaction { "SET LOCAL" } else { "SET" };
        let mut out = vec![format!(
            "{local} lock_timeout = '{}';",
            self.opts.lock_timeout
        )];
        if let Some(st) = &self.opts.statement_timeout {
            out.push(format!("{local} statement_timeout = '{st}';"));
        }
        out
    }
}

/// The first line of the statement a finding is on (a finding about one clause of a
/// statement spans that clause; a fix rewrites the statement).
fn statement_line(statements: &[Statement], f: &Finding) -> u32 {
    crate::parse::statement_holding(statements, f.span)
        .map_or(f.span.start_pos.line, |s| s.span.start_pos.line)
}

/// The fixes of one file, before its new migrations have names.
fn plan_file(cx: &FileCx, findings: &[&Finding], slot: Slot) -> (FilePlan, Vec<NotFixed>) {
    let mut not_fixed = Vec::new();
    let mut actions: Vec<(&Finding, Action)> = Vec::new();
    let not = |f: &Finding, reason: &str| NotFixed {
        rule: f.rule,
        file: f.file.clone(),
        line: statement_line(cx.statements, f),
        reason: reason.to_string(),
    };
    let mut rewritten: BTreeSet<usize> = BTreeSet::new();
    for f in findings {
        let Some(stmt) = cx.statements.iter().position(|s| {
            s.span.start <= f.span.start && f.span.end <= s.span.end.max(s.span.start + 1)
        }) else {
            not_fixed.push(not(f, "the finding is not on a statement of the file"));
            continue;
        };
        match action_for(cx, f, stmt) {
            Ok(action) => {
                // a statement adding several constraints: the first finding's text
                // already makes them all NOT VALID; the others add their VALIDATE
                let same_text = match &action {
                    Action::Replace { stmt, first, .. } => actions.iter().any(|(_, a)| {
                        matches!(a, Action::Replace { stmt: s, first: t, .. } if s == stmt && t == first)
                    }),
                    _ => false,
                };
                let action = match action {
                    Action::Replace { stmt, later, .. } if same_text => {
                        Action::LaterOnly { stmt, later }
                    }
                    other => other,
                };
                if let Action::Outside { stmt, .. } | Action::Replace { stmt, .. } = &action {
                    if !rewritten.insert(*stmt) {
                        not_fixed.push(not(f, "another fix already rewrites this statement"));
                        continue;
                    }
                }
                actions.push((f, action));
            }
            Err(NoAction::NotFixable) => {}
            Err(NoAction::LeftAsIs(reason)) => not_fixed.push(not(f, reason)),
        }
    }
    // moving work after the rest of the migration must not change what the rest sees:
    // a later statement that names what the moved one touches keeps it in place
    let moved: BTreeSet<usize> = actions
        .iter()
        .filter_map(|(_, a)| match a {
            Action::Outside { stmt, .. } => Some(*stmt),
            _ => None,
        })
        .collect();
    let mut kept_actions = Vec::new();
    for (f, action) in actions {
        let (stmt, moves_later) = match &action {
            Action::Outside { stmt, .. } => (*stmt, true),
            Action::Replace { stmt, later, .. } | Action::LaterOnly { stmt, later } => {
                (*stmt, !later.is_empty())
            }
            Action::SetTop { .. } => (0, false),
        };
        if moves_later && cx.mode != Some(TransactionMode::Autocommit) {
            let names = touched_names(&cx.statements[stmt], f);
            let later = cx
                .statements
                .iter()
                .enumerate()
                .skip(stmt + 1)
                .filter(|(i, _)| !moved.contains(i))
                .find(|(i, _)| {
                    cx.statement_names()
                        .get(*i)
                        .is_some_and(|held| names.iter().any(|n| held.mentions(n)))
                });
            if let Some((_, s)) = later {
                not_fixed.push(not(
                    f,
                    &format!(
                        "line {} of the migration uses what this statement touches: moving work after it would change what it sees; split the migration there by hand",
                        s.span.start_pos.line
                    ),
                ));
                continue;
            }
        }
        kept_actions.push((f, action));
    }
    let actions = kept_actions;
    let mut plan = FilePlan {
        display: cx.display.to_string(),
        path: cx.path.to_path_buf(),
        slot,
        fixes: Vec::new(),
        pending: Vec::new(),
    };
    // statements that must leave the transaction: in place when the file already runs
    // outside one, or can be made to (nothing else in it but settings); else moved
    let outside: Vec<usize> = actions
        .iter()
        .filter_map(|(_, a)| match a {
            Action::Outside { stmt, .. } => Some(*stmt),
            _ => None,
        })
        .collect();
    let autocommit = cx.mode == Some(TransactionMode::Autocommit);
    let in_place = autocommit && outside.iter().all(|s| cx.explicit_block(*s).is_none());
    let only_settings = cx
        .statements
        .iter()
        .enumerate()
        .all(|(i, s)| outside.contains(&i) || matches!(s.op, Operation::Set(_)));
    let marker = if !outside.is_empty() && !in_place && only_settings {
        layout::no_transaction_marker(cx.path, cx.text, cx.framework)
    } else {
        None
    };
    let converted = marker.is_some();
    let mut marker_edit: Option<Edit> = None;
    let mut marker_file: Option<(PathBuf, String)> = None;
    match marker {
        Some(NoTransactionMarker::Insert(at, text)) => marker_edit = Some(cx.edit(at, at, text)),
        Some(NoTransactionMarker::SideFile(path, text)) => marker_file = Some((path, text)),
        None => {}
    }
    let one_per_file = matches!(cx.framework, Framework::GolangMigrate | Framework::Prisma);
    let mut outside_migration: Option<usize> = None;
    for (f, action) in actions {
        let mut fix = Fix {
            rule: f.rule,
            kind: kind_of(f.rule),
            file: f.file.clone(),
            path: cx.path.to_path_buf(),
            path_after: cx.path.to_path_buf(),
            line: statement_line(cx.statements, f),
            title: String::new(),
            relation: f.relation.as_ref().map(ToString::to_string),
            lock_mode: f.lock_mode,
            written: Vec::new(),
            edits: Vec::new(),
            migrations: Vec::new(),
        };
        match action {
            Action::Outside { stmt, sql } => {
                let s = &cx.statements[stmt];
                if in_place || converted {
                    fix.edits
                        .push(cx.edit(s.span.start, s.span.end, sql.clone()));
                    fix.title = if converted {
                        format!("{sql} (the migration now runs outside a transaction)")
                    } else {
                        sql.clone()
                    };
                    if let Some(e) = marker_edit.take() {
                        fix.edits.push(e);
                    }
                    if let Some((path, text)) = marker_file.take() {
                        fix.written.push(Written {
                            file: crate::source::display_path(&path),
                            path: path.clone(),
                            sql: text.clone(),
                            heavy: false,
                            migration: None,
                        });
                        fix.edits.push(Edit {
                            file: crate::source::display_path(&path),
                            path,
                            start: 0,
                            end: 0,
                            start_line: 1,
                            start_column: 1,
                            end_line: 1,
                            end_column: 1,
                            new_text: text,
                        });
                    }
                    fix.written.push(Written {
                        file: cx.display.to_string(),
                        path: cx.path.to_path_buf(),
                        sql,
                        heavy: true,
                        migration: None,
                    });
                } else {
                    let (start, end) = cx.removal(s);
                    fix.edits.push(cx.edit(start, end, String::new()));
                    let what = if fix.kind == FixKind::Concurrently {
                        "concurrently"
                    } else {
                        "outside_transaction"
                    };
                    let at = match outside_migration {
                        Some(at) if !one_per_file => {
                            plan.pending[at].statements.push(sql.clone());
                            at
                        }
                        _ => {
                            plan.pending.push(Pending {
                                what,
                                statements: vec![sql.clone()],
                                no_transaction: true,
                            });
                            plan.pending.len() - 1
                        }
                    };
                    outside_migration = Some(at);
                    fix.migrations.push(at);
                    fix.title =
                        format!("moved to a migration of its own, outside a transaction: {sql}");
                    fix.written.push(Written {
                        file: String::new(),
                        path: PathBuf::new(),
                        sql,
                        heavy: true,
                        migration: Some(at),
                    });
                }
            }
            Action::Replace { stmt, .. } | Action::LaterOnly { stmt, .. } => {
                let (first, later) = match action {
                    Action::Replace { first, later, .. } => (Some(first), later),
                    Action::LaterOnly { later, .. } => (None, later),
                    _ => (None, Vec::new()),
                };
                let s = &cx.statements[stmt];
                if let Some(first) = &first {
                    fix.edits
                        .push(cx.edit(s.span.start, s.span.end, first.clone()));
                    fix.written.push(Written {
                        file: cx.display.to_string(),
                        path: cx.path.to_path_buf(),
                        sql: first.clone(),
                        heavy: false,
                        migration: None,
                    });
                }
                let first = first.unwrap_or_else(|| {
                    format!(
                        "with the fix above, {}",
                        crate::rules::fixes::without_semicolon(&s.text)
                    )
                });
                // the k-th later part of every fix of the file goes into one migration
                let existing: Vec<usize> = (0..plan.pending.len())
                    .filter(|i| plan.pending[*i].what.starts_with("step"))
                    .collect();
                for (k, statements) in later.iter().enumerate() {
                    let at = match existing.get(k) {
                        Some(at) => *at,
                        None => {
                            plan.pending.push(Pending {
                                what: STEP_NAMES[k.min(STEP_NAMES.len() - 1)],
                                statements: Vec::new(),
                                no_transaction: false,
                            });
                            plan.pending.len() - 1
                        }
                    };
                    plan.pending[at]
                        .statements
                        .extend(statements.iter().cloned());
                    fix.migrations.push(at);
                    for sql in statements {
                        fix.written.push(Written {
                            file: String::new(),
                            path: PathBuf::new(),
                            sql: sql.clone(),
                            heavy: is_validate(sql),
                            migration: Some(at),
                        });
                    }
                }
                fix.title = if later.is_empty() {
                    first
                } else {
                    format!(
                        "{first} (then {} later migration{})",
                        later.len(),
                        if later.len() == 1 { "" } else { "s" }
                    )
                };
            }
            Action::SetTop { name, local } => {
                // nothing left that takes a lock: every statement moved out
                let moving = !in_place && !converted;
                let left = cx.statements.iter().enumerate().any(|(i, s)| {
                    let moved = moving && outside.contains(&i);
                    !moved && !matches!(s.op, Operation::Set(_))
                });
                if !left {
                    not_fixed.push(not(
                        f,
                        "not needed: every statement that waited for a lock moved to a migration of its own (CONCURRENTLY takes no lock that blocks traffic)",
                    ));
                    continue;
                }
                // a lone statement of a golang-migrate or Prisma file runs outside a
                // transaction only while it is alone: a SET would wrap it in one
                if one_per_file && in_place && !outside.is_empty() {
                    not_fixed.push(not(
                        f,
                        "the migration's statement runs outside a transaction only alone in its file: a SET before it would wrap both in one",
                    ));
                    continue;
                }
                let value = match name {
                    "lock_timeout" => cx.opts.lock_timeout.clone(),
                    _ => cx.opts.statement_timeout.clone().unwrap_or_default(),
                };
                let local = local && !autocommit && !converted;
                let set = format!(
                    "SET {}{name} = '{value}';",
                    if local { "LOCAL " } else { "" }
                );
                let stmt = cx
                    .statements
                    .iter()
                    .position(|s| {
                        s.span.start <= f.span.start
                            && f.span.end <= s.span.end.max(s.span.start + 1)
                    })
                    .unwrap_or(0);
                let edit = match cx.explicit_block(stmt).filter(|_| autocommit) {
                    Some(begin) => {
                        let b = &cx.statements[begin];
                        cx.edit(b.span.end, b.span.end, format!("\n{set}"))
                    }
                    None => {
                        let at = cx.statements.first().map_or(0, |s| s.span.start);
                        cx.edit(at, at, format!("{set}\n"))
                    }
                };
                fix.edits.push(edit);
                fix.title = format!("{set} at the top of the migration");
                fix.written.push(Written {
                    file: cx.display.to_string(),
                    path: cx.path.to_path_buf(),
                    sql: set,
                    heavy: false,
                    migration: None,
                });
            }
        }
        plan.fixes.push(fix);
    }
    // every later in-transaction migration starts with the timeouts
    for p in &mut plan.pending {
        if !p.no_transaction {
            let mut settings = cx.settings(new_migration_in_transaction(cx));
            settings.append(&mut p.statements);
            p.statements = settings;
        }
    }
    (plan, not_fixed)
}

/// The names a statement touches that a later statement could name: its table (the
/// finding's relation), and the index, type or constraint it creates, drops or
/// rebuilds (folded, as stored).
fn touched_names(stmt: &Statement, f: &Finding) -> Vec<String> {
    let mut names: Vec<String> = f.relation.iter().map(|r| r.name.clone()).collect();
    match &stmt.op {
        Operation::CreateIndex(ci) => {
            names.push(ci.table.name.clone());
            names.extend(ci.name.clone());
        }
        Operation::DropIndex(d) => names.extend(d.names.iter().map(|n| n.name.clone())),
        Operation::Reindex(r) => names.push(r.name.name.clone()),
        Operation::AlterType(at) => names.push(at.name.name.clone()),
        Operation::AlterTable(at) => {
            names.push(at.name.name.clone());
            for a in &at.actions {
                if let crate::ops::AlterTableAction::AddConstraint(c) = a {
                    names.extend(c.name.clone());
                }
            }
        }
        _ => {}
    }
    names.retain(|n| !n.is_empty());
    names.sort();
    names.dedup();
    names
}

fn contains_word(haystack: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    haystack.match_indices(word).any(|(at, _)| {
        !haystack[..at].chars().next_back().is_some_and(is_ident)
            && !haystack[at + word.len()..]
                .chars()
                .next()
                .is_some_and(is_ident)
    })
}

const STEP_NAMES: &[&str] = &["step_validate", "step_finish", "step_more"];

/// A new migration of this file's framework runs in a transaction (plain files only
/// when `assume_in_transaction`).
fn new_migration_in_transaction(cx: &FileCx) -> bool {
    cx.framework != Framework::Plain || cx.assume_tx
}

fn is_validate(sql: &str) -> bool {
    let upper = sql.to_ascii_uppercase();
    upper.contains("VALIDATE CONSTRAINT")
}

fn kind_of(rule: &str) -> FixKind {
    match rule {
        "create-index-non-concurrently"
        | "drop-index-non-concurrently"
        | "reindex-non-concurrently" => FixKind::Concurrently,
        "enum-value-in-transaction" => FixKind::OutsideTransaction,
        "constraint-not-valid-missing" => FixKind::NotValid,
        "set-not-null-scan" => FixKind::SetNotNull,
        "missing-lock-timeout" => FixKind::LockTimeout,
        _ => FixKind::StatementTimeout,
    }
}

/// A fix text (`prose line`, then SQL) holds a placeholder the user must fill in.
fn has_placeholder(sql: &str) -> bool {
    if sql.contains("...") {
        return true;
    }
    // `<name>`: a word in angle brackets (not a comparison `a < b`)
    let bytes = sql.as_bytes();
    bytes.iter().enumerate().any(|(i, b)| {
        *b == b'<'
            && bytes.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic())
            && bytes[i + 1..]
                .iter()
                .take_while(|c| **c != b'>')
                .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b' ')
            && bytes[i + 1..].contains(&b'>')
    })
}

/// The SQL parts of a fix text: after its first (prose) line, split at the
/// `-- next migration` lines. `None` when it holds a placeholder.
fn fix_parts(text: &str) -> Option<Vec<Vec<String>>> {
    let mut texts: Vec<String> = vec![String::new()];
    for line in text.lines().skip(1) {
        let trimmed = line.trim();
        if trimmed
            .to_ascii_lowercase()
            .starts_with("-- next migration")
        {
            texts.push(String::new());
            continue;
        }
        if trimmed.starts_with("--") {
            continue;
        }
        if let Some(last) = texts.last_mut() {
            last.push_str(line);
            last.push('\n');
        }
    }
    if texts.iter().all(|t| t.trim().is_empty()) || texts.iter().any(|t| has_placeholder(t)) {
        return None;
    }
    // each part's statements, as written (a statement may span lines)
    let parts = texts
        .iter()
        .map(|t| {
            crate::parse::split::split(t)
                .into_iter()
                .filter(|p| p.kind == crate::parse::split::PieceKind::Sql)
                .map(|p| t[p.start..p.end].trim().to_string())
                .collect()
        })
        .collect();
    Some(parts)
}

/// Why a finding on a statement gets no action.
#[derive(Debug, PartialEq, Eq)]
enum NoAction {
    /// Not a form `fix` rewrites: the finding stays out of the plan.
    NotFixable,
    /// A fixable form left as it is, and why (a `NotFixed` of the plan).
    LeftAsIs(&'static str),
}

/// What to do for one finding on statement `stmt`, or why nothing is done.
fn action_for(cx: &FileCx, f: &Finding, stmt: usize) -> Result<Action, NoAction> {
    use NoAction::{LeftAsIs, NotFixable};
    let s = &cx.statements[stmt];
    let fix_text = f.fix.as_deref().unwrap_or_default();
    let is_top = s.span.start == f.span.start || s.span.start <= f.span.start;
    if !is_top {
        return Err(NotFixable);
    }
    match f.rule {
        "create-index-non-concurrently" => {
            let Operation::CreateIndex(_) = &s.op else {
                return Err(LeftAsIs("not a CREATE INDEX statement"));
            };
            // the framework's hint may hold `<version>`; a partitioned table's fix holds
            // `<partition>`
            if fix_text.contains("<partition>") {
                return Err(LeftAsIs(
                    "a partitioned table is indexed partition by partition: write those by hand (see the finding's fix)",
                ));
            }
            let sql =
                insert_after_keywords(&s.text, &["create", "unique", "index"], "CONCURRENTLY")
                    .ok_or(LeftAsIs(
                        "the statement does not start with CREATE [UNIQUE] INDEX",
                    ))?;
            Ok(Action::Outside { stmt, sql })
        }
        "drop-index-non-concurrently" => {
            let Operation::DropIndex(d) = &s.op else {
                return Err(LeftAsIs("not a DROP INDEX statement"));
            };
            if d.names.len() != 1 || d.cascade {
                return Err(LeftAsIs(
                    "DROP INDEX CONCURRENTLY takes one index and no CASCADE: split it by hand",
                ));
            }
            let sql = insert_after_keywords(&s.text, &["drop", "index"], "CONCURRENTLY")
                .ok_or(LeftAsIs("the statement does not start with DROP INDEX"))?;
            Ok(Action::Outside { stmt, sql })
        }
        "reindex-non-concurrently" => {
            if cx.version < 12 {
                return Err(LeftAsIs(
                    "REINDEX CONCURRENTLY needs PostgreSQL 12: build a replacement index by hand (see the finding's fix)",
                ));
            }
            let sql = fix_text
                .lines()
                .rev()
                .find(|l| l.trim_start().to_ascii_uppercase().starts_with("REINDEX "))
                .filter(|l| l.to_ascii_uppercase().contains("CONCURRENTLY"))
                .ok_or(LeftAsIs(
                    "no REINDEX ... CONCURRENTLY form for this statement",
                ))?;
            Ok(Action::Outside {
                stmt,
                sql: sql.trim().to_string(),
            })
        }
        "enum-value-in-transaction" => {
            if !matches!(&s.op, Operation::AlterType(_)) {
                return Err(LeftAsIs(
                    "the value is used in the transaction that added it: end the migration after ALTER TYPE ... ADD VALUE by hand",
                ));
            }
            Ok(Action::Outside {
                stmt,
                sql: crate::rules::fixes::without_semicolon(&s.text).to_string() + ";",
            })
        }
        "constraint-not-valid-missing" | "set-not-null-scan" => {
            let Operation::AlterTable(at) = &s.op else {
                return Err(LeftAsIs("not an ALTER TABLE statement"));
            };
            let parts =
                fix_parts(fix_text).ok_or(LeftAsIs("the safe form needs what only you know"))?;
            let mut parts = parts.into_iter();
            let first = parts.next().unwrap_or_default();
            if first.len() != 1 {
                return Err(LeftAsIs(
                    "the safe form is not one statement in place of this one",
                ));
            }
            let first = first.join("\n");
            // the statement's other actions must stay
            let kept = crate::rules::fixes::alter_table_actions(&first).len();
            let whole = if f.rule == "set-not-null-scan" {
                at.actions.len() == 1
            } else {
                kept == at.actions.len()
            };
            if !whole {
                return Err(LeftAsIs(
                    "the statement does more than this change: split it by hand",
                ));
            }
            Ok(Action::Replace {
                stmt,
                first,
                later: parts.filter(|p| !p.is_empty()).collect(),
            })
        }
        "missing-lock-timeout" => Ok(Action::SetTop {
            name: "lock_timeout",
            local: fix_text.contains("SET LOCAL"),
        }),
        "missing-statement-timeout" => {
            if cx.opts.statement_timeout.is_none() {
                return Err(NotFixable);
            }
            Ok(Action::SetTop {
                name: "statement_timeout",
                local: fix_text.contains("SET LOCAL"),
            })
        }
        _ => Err(NotFixable),
    }
}

/// Gives every new migration a version right after its original's, renaming later
/// migrations where needed and allowed; a file whose new migrations find no place
/// keeps none of the fixes that needed them.
fn assign_versions(
    files: &mut [FilePlan],
    slots: &[(String, Slot)],
    opts: &Options,
    out: &mut Plan,
) {
    // which files' new migrations are dropped (no room), found by retrying
    let mut dropped: BTreeSet<usize> = BTreeSet::new();
    loop {
        match try_assign(files, slots, opts, &dropped) {
            Ok(assigned) => {
                finish(files, slots, assigned, &dropped, out);
                return;
            }
            Err((file, reason)) => {
                dropped.insert(file);
                for fix in files[file]
                    .fixes
                    .iter()
                    .filter(|f| !f.migrations.is_empty())
                {
                    out.not_fixed.push(NotFixed {
                        rule: fix.rule,
                        file: fix.file.clone(),
                        line: fix.line,
                        reason: reason.clone(),
                    });
                }
            }
        }
    }
}

/// Versions of the new migrations per file plan, and the renames.
struct Assigned {
    versions: Vec<Vec<String>>,
    renames: Vec<(usize, String)>,
}

fn try_assign(
    files: &[FilePlan],
    slots: &[(String, Slot)],
    opts: &Options,
    dropped: &BTreeSet<usize>,
) -> Result<Assigned, (usize, String)> {
    let mut versions: Vec<Vec<String>> = vec![Vec::new(); files.len()];
    let mut renames = Vec::new();
    let plan_of: BTreeMap<&str, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.display.as_str(), i))
        .collect();
    // the last version given, and the file plan whose new migrations pushed it
    let mut last: Option<(crate::source::Version, Option<usize>)> = None;
    for (pos, (display, slot)) in slots.iter().enumerate() {
        let plan = plan_of
            .get(display.as_str())
            .copied()
            .filter(|p| !dropped.contains(p));
        let count = plan.map_or(0, |p| files[p].pending.len());
        let own = slot
            .version
            .clone()
            .filter(|_| !matches!(slot.framework, Framework::Flyway | Framework::Prisma));
        let Some(own) = own else {
            // sub-versions: Flyway `V11_1`, Prisma `<folder>_1`
            if let Some(p) = plan {
                for n in 1..=count as u64 {
                    let v = match slot.framework {
                        Framework::Flyway => match &slot.raw {
                            Some(raw) => layout::sub_version(raw, n),
                            None => return Err((p, "the migration's name has no version".into())),
                        },
                        Framework::Prisma => format!(
                            "{}_{n}",
                            slot.path
                                .parent()
                                .and_then(Path::file_name)
                                .and_then(|n| n.to_str())
                                .unwrap_or("migration")
                        ),
                        _ => {
                            return Err((
                                p,
                                format!(
                                    "{display} has no version in its name: a new migration cannot be placed after it"
                                ),
                            ));
                        }
                    };
                    if slots
                        .iter()
                        .any(|(_, s)| s.raw.as_deref() == Some(v.as_str()))
                    {
                        return Err((p, format!("version {v} is taken")));
                    }
                    versions[p].push(v);
                }
            }
            continue;
        };
        // versions compare as the frameworks compare them (`Version`'s order), so
        // timestamps of different spellings (diesel's `-0000` suffix) interleave right
        let mut raw_now = slot.raw.clone().unwrap_or_default();
        let mut culprit = None;
        let mut current = own;
        if let Some((prev, by)) = &last {
            if let (true, Some(taker)) = (current <= *prev, *by) {
                if !opts.renumber {
                    return Err((
                        taker,
                        format!(
                            "no free version between the migration and the next one ({display}): pass --renumber to renumber the later migrations, or make room by hand"
                        ),
                    ));
                }
                if let Some(reason) = opts.frozen.get(display) {
                    return Err((
                        taker,
                        format!("renumbering would rename {display}, which {reason}"),
                    ));
                }
                let Some((new_raw, v)) = first_after(&raw_now, prev) else {
                    return Err((taker, format!("{display}'s version cannot be renumbered")));
                };
                renames.push((pos, new_raw.clone()));
                raw_now = new_raw;
                current = v;
                // a renamed migration pushes the next ones as the new ones did
                culprit = Some(taker);
            }
        }
        if let Some((prev, _)) = &last {
            if current < *prev {
                current = prev.clone();
            }
        }
        last = Some((current, culprit));
        if let Some(p) = plan {
            for n in 1..=count as u64 {
                let Some(v) = layout::next_version(&raw_now, n) else {
                    return Err((p, format!("{display}'s version has no next value")));
                };
                if let Some(parsed) = crate::source::Version::parse(&v) {
                    last = Some((parsed, Some(p)));
                }
                versions[p].push(v);
            }
        }
    }
    Ok(Assigned { versions, renames })
}

/// The first of `raw + 1`, `raw + 2`, ... (in its own spelling) that sorts after
/// `after`, with its version.
fn first_after(
    raw: &str,
    after: &crate::source::Version,
) -> Option<(String, crate::source::Version)> {
    // the distance is found by doubling, then halving (versions of millions apart)
    let at = |n: u64| {
        layout::next_version(raw, n).and_then(|r| crate::source::Version::parse(&r).map(|v| (r, v)))
    };
    let mut high = 1u64;
    loop {
        let (_, v) = at(high)?;
        if v > *after {
            break;
        }
        high = high.checked_mul(2)?;
    }
    let mut low = high / 2;
    while low + 1 < high {
        let mid = low + (high - low) / 2;
        if at(mid)?.1 > *after {
            high = mid;
        } else {
            low = mid;
        }
    }
    at(high)
}

fn finish(
    files: &mut [FilePlan],
    slots: &[(String, Slot)],
    assigned: Assigned,
    dropped: &BTreeSet<usize>,
    out: &mut Plan,
) {
    let mut moved: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
    for (pos, raw) in &assigned.renames {
        let (display, slot) = &slots[*pos];
        let Some(to) = layout::renamed(&slot.path, slot, raw) else {
            continue;
        };
        let mut pairs = vec![(slot.path.clone(), to.clone())];
        if slot.in_folder() {
            // the whole folder moves
            if let (Some(from_dir), Some(to_dir)) = (slot.path.parent(), to.parent()) {
                pairs = vec![(from_dir.to_path_buf(), to_dir.to_path_buf())];
            }
        } else {
            if let Some(down) = layout::down_counterpart(&slot.path) {
                if let Some(down_to) = layout::renamed(&down, slot, raw) {
                    pairs.push((down, down_to));
                }
            }
            let conf = slot.path.with_file_name(format!(
                "{}.conf",
                slot.path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
            ));
            if conf.is_file() {
                if let Some(conf_to) = layout::renamed(&conf, slot, raw) {
                    pairs.push((conf, conf_to));
                }
            }
        }
        moved.insert(slot.path.clone(), to.clone());
        let _ = display;
        for (from, to) in pairs {
            out.renames.push(Rename {
                from: crate::source::display_path(&from),
                to: crate::source::display_path(&to),
                from_path: from,
                to_path: to,
            });
        }
    }
    for (p, plan) in files.iter_mut().enumerate() {
        // the file's name, with its folder where the folder carries the version
        let origin = if plan.slot.in_folder() {
            plan.path
                .parent()
                .and_then(Path::file_name)
                .map(|folder| Path::new(folder).join(plan.path.file_name().unwrap_or_default()))
                .unwrap_or_default()
                .display()
                .to_string()
        } else {
            plan.path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string()
        };
        let mut mains: Vec<PathBuf> = Vec::new();
        if !dropped.contains(&p) {
            for (pending, version) in plan.pending.iter().zip(&assigned.versions[p]) {
                match layout::new_migration(
                    &plan.slot,
                    version,
                    pending.what,
                    &pending.statements,
                    pending.no_transaction,
                    &origin,
                ) {
                    Ok(m) => {
                        for (path, text) in m.files {
                            out.new_files.push(NewFile {
                                path: crate::source::display_path(&path),
                                abs: path,
                                text,
                            });
                        }
                        mains.push(m.main);
                    }
                    Err(unsupported) => {
                        for fix in plan.fixes.iter().filter(|f| !f.migrations.is_empty()) {
                            out.not_fixed.push(NotFixed {
                                rule: fix.rule,
                                file: fix.file.clone(),
                                line: fix.line,
                                reason: unsupported.to_string(),
                            });
                        }
                        mains.clear();
                        break;
                    }
                }
            }
        }
        let complete = mains.len() == plan.pending.len();
        if !complete {
            // drop the new files of this plan written above
            let dir_files: Vec<PathBuf> = out
                .new_files
                .iter()
                .filter(|n| mains.contains(&n.abs))
                .map(|n| n.abs.clone())
                .collect();
            out.new_files.retain(|n| !dir_files.contains(&n.abs));
        }
        for mut fix in std::mem::take(&mut plan.fixes) {
            if !fix.migrations.is_empty() && (dropped.contains(&p) || !complete) {
                continue;
            }
            if let Some(to) = moved.get(&fix.path) {
                fix.path_after.clone_from(to);
            }
            for w in &mut fix.written {
                if let Some(m) = w.migration {
                    if let Some(main) = mains.get(m) {
                        w.path.clone_from(main);
                        w.file = crate::source::display_path(main);
                    }
                } else if let Some(to) = moved.get(&w.path) {
                    w.path.clone_from(to);
                    w.file = crate::source::display_path(to);
                }
            }
            out.edits.append(&mut fix.edits);
            out.fixes.push(fix);
        }
    }
    out.edits.sort_by(|a, b| {
        (a.path.as_path(), a.start, a.end).cmp(&(b.path.as_path(), b.start, b.end))
    });
}

/// Files never rewritten: those applied to the live database (`--database-url`), and
/// with `--since`, those that existed at the ref.
pub fn frozen_files(
    run: &Run,
    since: Option<&str>,
    cwd: &Path,
) -> Result<BTreeMap<String, String>, FixError> {
    let mut frozen = BTreeMap::new();
    if let Some(live) = &run.live {
        for f in &live.applied {
            frozen.insert(
                f.clone(),
                format!("is applied to {}: never rewritten", live.target),
            );
        }
    }
    if let Some(reference) = since {
        let Some(first) = run.files.first() else {
            return Ok(frozen);
        };
        let dir = first
            .path
            .parent()
            .map_or_else(|| cwd.to_path_buf(), Path::to_path_buf);
        let dir = if dir.is_absolute() {
            dir
        } else {
            cwd.join(dir)
        };
        let changes = crate::source::git::changes_since(&dir, reference)?;
        for f in &run.files {
            let key = f.path.canonicalize().unwrap_or_else(|_| cwd.join(&f.path));
            if changes.get(&key) != Some(&crate::source::git::Change::Added) {
                frozen.insert(
                    f.display.clone(),
                    format!("existed at {reference}: counted as applied, never rewritten"),
                );
            }
        }
    }
    Ok(frozen)
}

/// The one directory `--verify` copies: the run's single directory argument (or the
/// configured one).
pub fn single_root(run: &Run, opts: &crate::pipeline::RunOptions) -> Result<PathBuf, FixError> {
    let dirs: Vec<&PathBuf> = opts.paths.iter().filter(|p| p.is_dir()).collect();
    let root = match (dirs.as_slice(), opts.paths.len()) {
        ([one], 1) => (*one).clone(),
        _ if opts.paths.is_empty() => {
            // the configured paths
            let mut parents: Vec<PathBuf> = run
                .files
                .iter()
                .filter_map(|f| f.path.parent().map(Path::to_path_buf))
                .collect();
            parents.sort();
            parents.dedup();
            match parents.as_slice() {
                [one] => one.clone(),
                _ => return Err(FixError::VerifyConfiguredDirectories),
            }
        }
        _ => return Err(FixError::VerifyPathArgument),
    };
    Ok(if root.is_absolute() {
        root
    } else {
        opts.cwd.join(root)
    })
}

/// The text of `path` after `edits` (sorted by position, not overlapping).
pub fn apply_edits(text: &str, edits: &[&Edit]) -> Result<String, FixError> {
    let mut out = String::with_capacity(text.len() + 256);
    let mut cursor = 0;
    for e in edits {
        if e.start < cursor || e.end > text.len() || e.start > e.end {
            return Err(FixError::EditOutOfRange {
                file: e.file.clone(),
                at: e.start,
            });
        }
        out.push_str(
            text.get(cursor..e.start)
                .ok_or_else(|| FixError::EditSplitsCharacter {
                    file: e.file.clone(),
                    at: e.start,
                })?,
        );
        out.push_str(&e.new_text);
        cursor = e.end;
    }
    out.push_str(text.get(cursor..).unwrap_or_default());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(start: usize, end: usize, new_text: &str) -> Edit {
        Edit {
            file: "m/0001_x.sql".into(),
            path: PathBuf::from("m/0001_x.sql"),
            start,
            end,
            start_line: 1,
            start_column: 1,
            end_line: 1,
            end_column: 1,
            new_text: new_text.into(),
        }
    }

    #[test]
    fn edits_apply_in_order_and_bad_ones_name_file_and_byte() {
        let (a, b) = (
            edit(0, 0, "SET lock_timeout = '2s';\n"),
            edit(13, 13, "CONCURRENTLY "),
        );
        assert_eq!(
            apply_edits("CREATE INDEX i ON t (a);", &[&a, &b])
                .ok()
                .as_deref(),
            Some("SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY i ON t (a);")
        );
        let overlapping = apply_edits("CREATE INDEX i ON t (a);", &[&b, &a])
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            overlapping.as_deref(),
            Some("m/0001_x.sql: overlapping or out-of-range edits at byte 0")
        );
        let past_end = apply_edits("CREATE", &[&b]).err().map(|e| e.to_string());
        assert_eq!(
            past_end.as_deref(),
            Some("m/0001_x.sql: overlapping or out-of-range edits at byte 13")
        );
        let inside = edit(1, 1, "x");
        let split = apply_edits("é", &[&inside]).err().map(|e| e.to_string());
        assert_eq!(
            split.as_deref(),
            Some("m/0001_x.sql: an edit at byte 1 splits a character")
        );
    }

    #[test]
    fn placeholders_are_told_from_comparisons() {
        assert!(has_placeholder("CREATE INDEX CONCURRENTLY ...;"));
        assert!(has_placeholder("ALTER INDEX <index> ATTACH PARTITION x;"));
        assert!(!has_placeholder(
            "ALTER TABLE t ADD CHECK (a < b) NOT VALID;"
        ));
        assert!(!has_placeholder(
            "ALTER TABLE t ADD CHECK (a <b) NOT VALID;"
        ));
    }

    #[test]
    fn fix_texts_split_at_next_migration_lines() {
        let text = "prose:\nALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;\n-- next migration:\nALTER TABLE t VALIDATE CONSTRAINT c;";
        let parts = fix_parts(text).unwrap_or_default();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1], ["ALTER TABLE t VALIDATE CONSTRAINT c;"]);
    }
}
