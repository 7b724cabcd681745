//! `schemaguard lsp`: a language server over standard input and output.
//!
//! The workspace is what `check` would read: the migration folders of `schemaguard.toml`
//! (`paths`, found upward from the workspace root), else the folder of each open `.sql`
//! file, in the framework's apply order. Unsaved buffers replace the files on disk. Every
//! change (an edit, a save, `schemaguard.toml` saved, files changed on disk) brings the
//! analysis up to date incrementally ([`history`]: an edit in file `k` re-runs from the
//! schema as it stood before `k`, from cached parses), and answers:
//! - diagnostics: `check`'s findings in the open files, on the statement (or the column
//!   or clause a rule names), severity mapped, `code` the rule id linked to its page,
//!   the why and the fix as related information; a migration that cannot be read (not
//!   UTF-8, binary, too large) gets one diagnostic saying so;
//! - hover on a statement: its plan (locks per relation and what they block, rewrites,
//!   scans, how long the locks are held, whether it may run in a transaction);
//! - code actions for a diagnostic under the cursor: `fix`'s edits for it (`fixes`:
//!   `fix::plan` itself, so exactly what `schemaguard fix --write` writes for that
//!   finding, new migrations as `CreateFile`), and "ignore with a reason" (the inline
//!   ignore comment above the statement).
//!
//! Messages come and go through `transport`, which skips a malformed message (telling
//! the editor) instead of ending the connection.

mod fixes;
pub mod history;
mod transport;

use crate::analysis::PlannedStatement;
use crate::pipeline::{Report, RunOptions};
use crate::rules::{Finding, Severity};
use history::History;
use lsp_server::{Connection, Message, Notification, Request, Response};
use lsp_types as lsp;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why the language server stopped before the client said `exit`.
#[derive(Debug, thiserror::Error)]
pub enum LspError {
    /// The `initialize` handshake failed.
    #[error("initializing the language server failed: {0}")]
    Initialize(#[source] lsp_server::ProtocolError),
    /// A protocol error while running (e.g. around `shutdown`).
    #[error(transparent)]
    Protocol(#[from] lsp_server::ProtocolError),
    /// A message could not be turned into JSON.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// The editor closed the connection while we were sending.
    #[error("the editor closed the connection: sending on a closed channel")]
    Closed,
    /// Reading or writing standard input/output failed.
    #[error("the language server's input or output failed: {0}")]
    Io(#[source] std::io::Error),
}

/// Runs the server until the client says `exit`, or closes its end. `Ok(false)`: the
/// client said `exit` without `shutdown` first (the protocol's exit code is then 1).
/// `Err`: the connection broke.
pub fn run() -> Result<bool, LspError> {
    let (connection, io) = transport::stdio().map_err(LspError::Io)?;
    let capabilities = lsp::ServerCapabilities {
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
            lsp::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lsp::TextDocumentSyncKind::FULL),
                save: Some(lsp::TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Simple(true)),
        ..Default::default()
    };
    let capabilities = serde_json::to_value(capabilities)?;
    let params = connection
        .initialize(capabilities)
        .map_err(LspError::Initialize)?;
    let params = match serde_json::from_value::<lsp::InitializeParams>(params) {
        Ok(params) => params,
        // they only name the workspace root: without it, each open file's folder serves
        Err(e) => {
            notify::<lsp::notification::LogMessage>(
                &connection,
                lsp::LogMessageParams {
                    typ: lsp::MessageType::WARNING,
                    message: format!(
                        "schemaguard: the initialize parameters are not the protocol's ({e}): working without the workspace root"
                    ),
                },
            )?;
            lsp::InitializeParams::default()
        }
    };
    watch_files(&connection, &params)?;
    let mut server = Server::new(&params);
    let orderly = server.main_loop(&connection)?;
    drop(connection);
    io.join().map_err(LspError::Io)?;
    Ok(orderly)
}

/// Asks a client that can register watchers at run time to report changes of the
/// migrations and of `schemaguard.toml` on disk (`workspace/didChangeWatchedFiles`), so
/// that a file changed outside the editor (a `git checkout`, `schemaguard fix --write`)
/// is read again. The client's answer is not waited for: without the watchers, saves
/// and opens still read the files again.
fn watch_files(connection: &Connection, params: &lsp::InitializeParams) -> Result<(), LspError> {
    let dynamic = params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.did_change_watched_files.as_ref())
        .and_then(|d| d.dynamic_registration)
        .unwrap_or(false);
    if !dynamic {
        return Ok(());
    }
    use lsp::notification::{DidChangeWatchedFiles, Notification as _};
    use lsp::request::{RegisterCapability, Request as _};
    let watchers = ["**/*.sql", "**/schemaguard.toml"]
        .into_iter()
        .map(|glob| lsp::FileSystemWatcher {
            glob_pattern: lsp::GlobPattern::String(glob.to_string()),
            kind: None,
        })
        .collect();
    let options = serde_json::to_value(lsp::DidChangeWatchedFilesRegistrationOptions { watchers })?;
    let params = serde_json::to_value(lsp::RegistrationParams {
        registrations: vec![lsp::Registration {
            id: "schemaguard-migrations".to_string(),
            method: DidChangeWatchedFiles::METHOD.to_string(),
            register_options: Some(options),
        }],
    })?;
    send(
        connection,
        Message::Request(Request::new(
            lsp_server::RequestId::from("schemaguard-watch".to_string()),
            RegisterCapability::METHOD.to_string(),
            params,
        )),
    )
}

struct Server {
    root: Option<PathBuf>,
    /// Open documents by canonical path: their URI and text.
    docs: HashMap<PathBuf, (lsp::Uri, String)>,
    /// URIs diagnostics were published for (cleared when their findings go).
    published: BTreeSet<String>,
    /// The histories of the open files, by the paths their run reads (empty: the
    /// configured `paths`).
    histories: BTreeMap<Vec<PathBuf>, History>,
    /// The files must be read again (a document opened, closed or saved, the
    /// configuration changed) before the next analysis.
    reload: bool,
    /// Documents changed since the last analysis (only their buffers changed).
    edited: BTreeSet<PathBuf>,
    /// Open documents no history read when the files were last read (not a migration
    /// of the workspace): their edits do not make the workspace be read again.
    outside: BTreeSet<PathBuf>,
    /// Why the last reading could not be made (a bad `schemaguard.toml`, ...).
    errors: Vec<String>,
    /// The errors last shown to the user (each shown once, until it changes).
    shown_errors: Vec<String>,
}

impl Server {
    fn new(params: &lsp::InitializeParams) -> Server {
        #[allow(deprecated)] // root_uri: still what most clients send
        let root = params
            .workspace_folders
            .as_ref()
            .and_then(|f| f.first())
            .map(|f| &f.uri)
            .or(params.root_uri.as_ref())
            .and_then(path_of);
        Server {
            root,
            docs: HashMap::new(),
            published: BTreeSet::new(),
            histories: BTreeMap::new(),
            reload: true,
            edited: BTreeSet::new(),
            outside: BTreeSet::new(),
            errors: Vec::new(),
            shown_errors: Vec::new(),
        }
    }

    /// Serves until `shutdown` and `exit` (`true`), `exit` alone (`false`), or the end of
    /// the input (`true`: the editor went away).
    fn main_loop(&mut self, connection: &Connection) -> Result<bool, LspError> {
        for message in &connection.receiver {
            match message {
                Message::Request(req) => {
                    if connection.handle_shutdown(&req)? {
                        return Ok(true);
                    }
                    let response = self.request(req);
                    send(connection, Message::Response(response))?;
                }
                Message::Notification(n) if n.method == "exit" => return Ok(false),
                Message::Notification(n) => {
                    if self.notification(n) {
                        self.analyse();
                        self.publish(connection)?;
                    }
                }
                Message::Response(_) => {}
            }
        }
        Ok(true)
    }

    /// Takes in a notification; `true` when the workspace changed.
    fn notification(&mut self, n: Notification) -> bool {
        use lsp::notification::{
            DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument,
            DidOpenTextDocument, DidSaveTextDocument, Notification as _,
        };
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp::DidOpenTextDocumentParams>(n.params)
                else {
                    return false;
                };
                let Some(path) = canonical(&p.text_document.uri) else {
                    return false;
                };
                self.docs
                    .insert(path, (p.text_document.uri, p.text_document.text));
                self.reload = true;
                true
            }
            DidChangeTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp::DidChangeTextDocumentParams>(n.params)
                else {
                    return false;
                };
                let Some(path) = canonical(&p.text_document.uri) else {
                    return false;
                };
                // full sync: the last change is the whole text
                match (
                    self.docs.get_mut(&path),
                    p.content_changes.into_iter().last(),
                ) {
                    (Some(doc), Some(change)) => {
                        doc.1 = change.text;
                        self.edited.insert(path);
                        true
                    }
                    _ => false,
                }
            }
            // a saved file (schemaguard.toml too), or files changed on disk: read again
            DidSaveTextDocument::METHOD | DidChangeWatchedFiles::METHOD => {
                self.reload = true;
                true
            }
            DidCloseTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp::DidCloseTextDocumentParams>(n.params)
                else {
                    return false;
                };
                if let Some(path) = canonical(&p.text_document.uri) {
                    self.docs.remove(&path);
                }
                self.reload = true;
                true
            }
            _ => false,
        }
    }

    fn request(&mut self, req: Request) -> Response {
        use lsp::request::{CodeActionRequest, HoverRequest, Request as _};
        let id = req.id.clone();
        let result = match req.method.as_str() {
            HoverRequest::METHOD => serde_json::from_value::<lsp::HoverParams>(req.params)
                .map_err(|e| format!("bad hover parameters: {e}"))
                .and_then(|p| to_json(&self.hover(&p))),
            CodeActionRequest::METHOD => {
                serde_json::from_value::<lsp::CodeActionParams>(req.params)
                    .map_err(|e| format!("bad code action parameters: {e}"))
                    .and_then(|p| to_json(&self.code_actions(&p)))
            }
            other => {
                return Response::new_err(
                    id,
                    lsp_server::ErrorCode::MethodNotFound as i32,
                    format!("schemaguard does not answer {other}"),
                );
            }
        };
        match result {
            Ok(value) => Response::new_ok(id, value),
            Err(e) => Response::new_err(id, lsp_server::ErrorCode::InvalidParams as i32, e),
        }
    }

    /// Brings the analysis up to date: after an open, close or save the files are read
    /// again (unchanged ones keep their parse); after edits only the edited buffers
    /// are parsed again. Each history then re-runs from its first changed file.
    fn analyse(&mut self) {
        if self.docs.is_empty() {
            self.histories.clear();
            self.edited.clear();
            return;
        }
        if !self.reload {
            for path in std::mem::take(&mut self.edited) {
                let Some((_, text)) = self.docs.get(&path) else {
                    continue;
                };
                let mut held = false;
                for history in self.histories.values_mut() {
                    held |= history.edit(&path, text);
                }
                // a file no history reads (yet): read the workspace again, unless it
                // was open when the files were last read (then no history takes it)
                self.reload |= !held && !self.outside.contains(&path);
            }
        }
        if self.reload {
            self.reload = false;
            self.edited.clear();
            self.read_workspace();
        }
        let open: BTreeSet<PathBuf> = self.docs.keys().cloned().collect();
        for history in self.histories.values_mut() {
            history.analyse(&open);
        }
    }

    /// The histories to analyse: the configured `paths` when the configuration names
    /// some, else the open files' folders (one history each); each read again.
    fn read_workspace(&mut self) {
        self.errors.clear();
        let overlay: crate::source::Overlay = self
            .docs
            .iter()
            .map(|(path, (_, text))| (path.clone(), text.clone()))
            .collect();
        let overlay = Arc::new(overlay);
        let cwd = self.root.clone().or_else(|| {
            self.docs
                .keys()
                .next()
                .and_then(|p| p.parent())
                .map(Path::to_path_buf)
        });
        let Some(cwd) = cwd else {
            return;
        };
        let configured = crate::config::Config::load(None, &cwd)
            .map(|c| c.paths.as_ref().is_some_and(|p| !p.is_empty()))
            .unwrap_or(false);
        let runs: Vec<Vec<PathBuf>> = if configured {
            vec![Vec::new()]
        } else {
            let folders: BTreeSet<PathBuf> = self
                .docs
                .keys()
                .filter_map(|p| p.parent().map(Path::to_path_buf))
                .collect();
            folders.into_iter().map(|f| vec![f]).collect()
        };
        let mut histories = BTreeMap::new();
        for paths in runs {
            // a configuration or usage error: said once, no diagnostics from that run
            let read = match self.histories.remove(&paths) {
                Some(mut history) => history.reload(overlay.clone()).map(|()| history),
                None => History::load(RunOptions {
                    paths: paths.clone(),
                    cwd: cwd.clone(),
                    report: Report::Findings,
                    skip_plan: false,
                    overlay: Some(overlay.clone()),
                    ..RunOptions::default()
                }),
            };
            match read {
                Ok(history) => {
                    histories.insert(paths, history);
                }
                Err(e) => self.errors.push(e.to_string()),
            }
        }
        self.histories = histories;
        self.outside = self
            .docs
            .keys()
            .filter(|path| !self.histories.values().any(|h| h.holds(path)))
            .cloned()
            .collect();
    }

    /// The history that reads the file at canonical `path`.
    fn history_of(&self, path: &Path) -> Option<&History> {
        self.histories.values().find(|h| h.holds(path))
    }

    fn publish(&mut self, connection: &Connection) -> Result<(), LspError> {
        if self.errors != self.shown_errors {
            for e in &self.errors {
                notify::<lsp::notification::ShowMessage>(
                    connection,
                    lsp::ShowMessageParams {
                        typ: lsp::MessageType::ERROR,
                        message: format!("schemaguard: {e}"),
                    },
                )?;
            }
            self.shown_errors.clone_from(&self.errors);
        }
        let mut now = BTreeSet::new();
        for (path, (uri, text)) in &self.docs {
            let diagnostics = self
                .history_of(path)
                .map(|h| {
                    h.findings_of(path)
                        .map(|f| diagnostic(uri, text, f))
                        .collect()
                })
                .unwrap_or_default();
            notify::<lsp::notification::PublishDiagnostics>(
                connection,
                lsp::PublishDiagnosticsParams {
                    uri: uri.clone(),
                    diagnostics,
                    version: None,
                },
            )?;
            now.insert(uri.as_str().to_string());
        }
        // files of the history that could not be read (not UTF-8, binary, too large)
        let unreadable: BTreeMap<PathBuf, String> = self
            .histories
            .values()
            .flat_map(History::unreadable)
            .filter(|(path, _)| !self.docs.contains_key(path))
            .collect();
        for (path, message) in unreadable {
            let Some(uri) = uri_of(&path) else { continue };
            let at = lsp::Position::default();
            notify::<lsp::notification::PublishDiagnostics>(
                connection,
                lsp::PublishDiagnosticsParams {
                    uri: uri.clone(),
                    diagnostics: vec![lsp::Diagnostic {
                        range: lsp::Range { start: at, end: at },
                        severity: Some(lsp::DiagnosticSeverity::ERROR),
                        source: Some("schemaguard".to_string()),
                        message: format!(
                            "schemaguard cannot read this migration: {message}; the migrations after it are checked without it"
                        ),
                        ..Default::default()
                    }],
                    version: None,
                },
            )?;
            now.insert(uri.as_str().to_string());
        }
        // files closed (or read again) since: their diagnostics go
        for gone in self.published.difference(&now) {
            if let Ok(uri) = gone.parse::<lsp::Uri>() {
                notify::<lsp::notification::PublishDiagnostics>(
                    connection,
                    lsp::PublishDiagnosticsParams {
                        uri,
                        diagnostics: Vec::new(),
                        version: None,
                    },
                )?;
            }
        }
        self.published = now;
        Ok(())
    }

    fn hover(&self, p: &lsp::HoverParams) -> Option<lsp::Hover> {
        let doc = &p.text_document_position_params;
        let path = canonical(&doc.text_document.uri)?;
        let (_, text) = self.docs.get(&path)?;
        let at = offset_of(text, doc.position)?;
        let planned = self
            .history_of(&path)?
            .plan_of(&path)
            .iter()
            .find(|s| s.span.start <= at && at <= s.span.end)?;
        Some(lsp::Hover {
            contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value: plan_markdown(planned),
            }),
            range: Some(range_of(text, planned.span.start, planned.span.end)),
        })
    }

    fn code_actions(&mut self, p: &lsp::CodeActionParams) -> Vec<lsp::CodeActionOrCommand> {
        let Some(path) = canonical(&p.text_document.uri) else {
            return Vec::new();
        };
        let Some((uri, text)) = self.docs.get(&path) else {
            return Vec::new();
        };
        let (Some(from), Some(to)) = (offset_of(text, p.range.start), offset_of(text, p.range.end))
        else {
            return Vec::new();
        };
        let Some(key) = self
            .histories
            .iter()
            .find(|(_, h)| h.holds(&path))
            .map(|(k, _)| k.clone())
        else {
            return Vec::new();
        };
        let Some(history) = self.histories.get_mut(&key) else {
            return Vec::new();
        };
        let findings: Vec<Finding> = history
            .findings_of(&path)
            .filter(|f| f.span.start <= to && from <= f.span.end)
            .cloned()
            .collect();
        let mut out = Vec::new();
        // asked for source actions (a menu, or on save): the whole of `fix --write`
        let source_wanted = p.context.only.as_ref().is_some_and(|kinds| {
            kinds.iter().any(|k| {
                k.as_str() == lsp::CodeActionKind::SOURCE.as_str()
                    || k.as_str()
                        .starts_with(lsp::CodeActionKind::SOURCE_FIX_ALL.as_str())
            })
        });
        if source_wanted {
            out.extend(fixes::fix_all(history).map(lsp::CodeActionOrCommand::CodeAction));
        }
        let mut offered = BTreeSet::new();
        for f in &findings {
            if !offered.insert(f.rule) {
                continue;
            }
            let ignore = ignore_action(uri, text, history.plan_of(&path), f);
            let fixed = fixes::action(history, uri, text, f);
            out.extend(
                fixed
                    .into_iter()
                    .chain(ignore)
                    .map(lsp::CodeActionOrCommand::CodeAction),
            );
        }
        // `only`: the kinds asked for, and their sub-kinds (`source` takes `source.fixAll`)
        if let Some(only) = &p.context.only {
            out.retain(|a| match a {
                lsp::CodeActionOrCommand::CodeAction(a) => a.kind.as_ref().is_some_and(|k| {
                    only.iter().any(|o| {
                        k.as_str() == o.as_str()
                            || k.as_str()
                                .strip_prefix(o.as_str())
                                .is_some_and(|rest| rest.starts_with('.'))
                    })
                }),
                lsp::CodeActionOrCommand::Command(_) => true,
            });
        }
        out
    }
}

/// "Ignore with a reason": the inline ignore comment above the statement the finding is
/// on (a column's finding: its statement).
fn ignore_action(
    uri: &lsp::Uri,
    text: &str,
    plan: &[PlannedStatement],
    f: &Finding,
) -> Option<lsp::CodeAction> {
    let statement_start = plan
        .iter()
        .find(|s| s.span.start <= f.span.start && f.span.start <= s.span.end)
        .map_or(f.span.start, |s| s.span.start);
    // (the findings were made from this text; a stale offset is skipped, never sliced)
    let before = text.get(..statement_start)?;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let indent: String = text
        .get(line_start..)?
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let at = position_of(text, line_start);
    let edit = lsp::TextEdit {
        range: lsp::Range { start: at, end: at },
        new_text: format!(
            "{indent}-- schemaguard:ignore {} -- <why this is safe here>\n",
            f.rule
        ),
    };
    Some(lsp::CodeAction {
        title: format!("Ignore {} here, with a reason", f.rule),
        kind: Some(lsp::CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic(uri, text, f)]),
        edit: Some(lsp::WorkspaceEdit {
            changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
            ..Default::default()
        }),
        ..Default::default()
    })
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, String> {
    serde_json::to_value(value).map_err(|e| format!("the answer could not be written as JSON: {e}"))
}

fn send(connection: &Connection, message: Message) -> Result<(), LspError> {
    connection
        .sender
        .send(message)
        .map_err(|_| LspError::Closed)
}

fn notify<N: lsp::notification::Notification>(
    connection: &Connection,
    params: N::Params,
) -> Result<(), LspError> {
    let params = serde_json::to_value(params)?;
    send(
        connection,
        Message::Notification(Notification::new(N::METHOD.to_string(), params)),
    )
}

fn diagnostic(uri: &lsp::Uri, text: &str, f: &Finding) -> lsp::Diagnostic {
    let range = range_of(text, f.span.start, f.span.end);
    let location = lsp::Location {
        uri: uri.clone(),
        range,
    };
    let related: Vec<lsp::DiagnosticRelatedInformation> =
        [("why", f.why.as_deref()), ("fix", f.fix.as_deref())]
            .into_iter()
            .filter_map(|(label, text)| {
                text.map(|t| lsp::DiagnosticRelatedInformation {
                    location: location.clone(),
                    message: format!("{label}: {t}"),
                })
            })
            .collect();
    lsp::Diagnostic {
        range,
        severity: Some(match f.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
            Severity::Hint => lsp::DiagnosticSeverity::HINT,
        }),
        code: Some(lsp::NumberOrString::String(f.rule.to_string())),
        code_description: crate::report::rule_url(f.rule)
            .parse::<lsp::Uri>()
            .ok()
            .map(|href| lsp::CodeDescription { href }),
        source: Some("schemaguard".to_string()),
        message: f.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        ..Default::default()
    }
}

/// The plan of one statement, for a hover.
fn plan_markdown(s: &PlannedStatement) -> String {
    let mut out = format!("**{}**\n\n", s.kind);
    if s.locks.is_empty() {
        out.push_str("No lock on an existing relation that blocks traffic.\n\n");
    }
    for l in &s.locks {
        let blocks = if l.mode.blocks_traffic() {
            format!("blocks {}", l.mode.blocked_traffic())
        } else {
            "blocks no reads or writes".to_string()
        };
        let new = if l.preexisting {
            ""
        } else {
            " (created in this migration)"
        };
        out.push_str(&format!("- `{}` {}: {blocks}{new}\n", l.relation, l.mode));
    }
    for r in &s.rewrites {
        out.push_str(&format!("- rewrites `{r}`\n"));
    }
    for scan in &s.scans {
        out.push_str(&format!("- reads all of `{}`\n", scan.relation));
    }
    out.push('\n');
    match (s.in_transaction, s.held_until_line) {
        (true, Some(line)) => out.push_str(&format!("Locks held until line {line} (commit).\n")),
        (true, None) => out.push_str("Locks held until the transaction commits.\n"),
        (false, _) => out.push_str("Runs on its own: its locks end with it.\n"),
    }
    if let Some(why) = &s.outside_transaction_required {
        out.push_str(&format!("\nCannot run inside a transaction block: {why}\n"));
    }
    if let Some(why) = &s.fails {
        out.push_str(&format!("\nPostgreSQL will refuse it: {why}\n"));
    }
    out
}

/// The file a `file:` URI names, canonical (as the analysis names files).
fn canonical(uri: &lsp::Uri) -> Option<PathBuf> {
    let path = path_of(uri)?;
    std::fs::canonicalize(&path).ok().or(Some(path))
}

fn path_of(uri: &lsp::Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file://host/path`: only the local host
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok().map(PathBuf::from)
}

/// The `file:` URI of a path (bytes outside the unreserved set percent-encoded).
fn uri_of(path: &Path) -> Option<lsp::Uri> {
    let text = path.to_str()?;
    let mut out = String::from("file://");
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out.parse().ok()
}

/// The byte offset of an LSP position (UTF-16 columns) in `text`.
fn offset_of(text: &str, pos: lsp::Position) -> Option<usize> {
    let mut line_start = 0;
    for _ in 0..pos.line {
        line_start += text[line_start..].find('\n')? + 1;
    }
    let line = &text[line_start..];
    let mut units = 0u32;
    for (i, c) in line.char_indices() {
        if units >= pos.character || c == '\n' {
            return Some(line_start + i);
        }
        units += c.len_utf16() as u32;
    }
    Some(text.len())
}

/// The LSP position (UTF-16 columns) of a byte offset of `text`.
fn position_of(text: &str, offset: usize) -> lsp::Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let character: usize = before[line_start..].chars().map(char::len_utf16).sum();
    lsp::Position {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        character: u32::try_from(character).unwrap_or(u32::MAX),
    }
}

fn range_of(text: &str, start: usize, end: usize) -> lsp::Range {
    lsp::Range {
        start: position_of(text, start),
        end: position_of(text, end),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_both_ways() {
        let text = "SELECT 'é😀';\nCREATE INDEX i ON t (a);\n";
        let at = text.find("INDEX").expect("in the text");
        let pos = position_of(text, at);
        assert_eq!(
            pos,
            lsp::Position {
                line: 1,
                character: 7
            }
        );
        assert_eq!(offset_of(text, pos), Some(at));
        // after the emoji (two UTF-16 units)
        let quote = text.rfind('\'').expect("closing quote");
        let pos = position_of(text, quote);
        assert_eq!(
            pos,
            lsp::Position {
                line: 0,
                character: 11
            }
        );
        assert_eq!(offset_of(text, pos), Some(quote));
    }

    #[test]
    fn an_offset_inside_a_character_or_past_the_end_is_no_panic() {
        let text = "é";
        assert_eq!(
            position_of(text, 1),
            lsp::Position {
                line: 0,
                character: 0
            }
        );
        assert_eq!(
            position_of(text, 99),
            lsp::Position {
                line: 0,
                character: 1
            }
        );
    }

    #[test]
    fn file_uris_are_paths() {
        let uri: lsp::Uri = "file:///tmp/my%20migrations/001.sql"
            .parse()
            .expect("a URI");
        assert_eq!(
            path_of(&uri),
            Some(PathBuf::from("/tmp/my migrations/001.sql"))
        );
        let other: lsp::Uri = "untitled:Untitled-1".parse().expect("a URI");
        assert_eq!(path_of(&other), None);
    }
}
