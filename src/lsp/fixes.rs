//! `fix`'s edits as code actions: the plan `schemaguard fix` makes for one finding
//! (`fix::plan` on the history, with that finding alone), turned into a
//! `WorkspaceEdit`: text edits on the files it changes, `CreateFile` and the text of each
//! new migration, `RenameFile` for renumbered ones.

use super::{History, diagnostic, position_of, range_of, uri_of};
use crate::fix::{self, Edit, Plan};
use crate::rules::Finding;
use lsp_types as lsp;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The fix code action for `f` (a finding in the document `uri`, whose text is
/// `text`), when `fix` has a safe form for it.
pub(super) fn action(
    history: &mut History,
    uri: &lsp::Uri,
    text: &str,
    f: &Finding,
) -> Option<lsp::CodeAction> {
    if !fix::FIXABLE_RULES.contains(&f.rule) {
        return None;
    }
    let opts = options(history);
    let plan = history.with_run(vec![f.clone()], |run| fix::plan(run, &opts));
    let Some(title) = plan.fixes.first().map(|fix| fix.title.clone()) else {
        // a fixable rule whose fix `fix` leaves out here: the action says why
        let reason = plan.not_fixed.first()?.reason.clone();
        return Some(lsp::CodeAction {
            title: format!("Fix {}", f.rule),
            kind: Some(lsp::CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![diagnostic(uri, text, f)]),
            disabled: Some(lsp::CodeActionDisabled {
                reason: format!("schemaguard fix leaves it as it is: {reason}"),
            }),
            ..Default::default()
        });
    };
    let edit = workspace_edit(history, &plan)?;
    Some(lsp::CodeAction {
        title: format!("Fix {}: {title}", f.rule),
        kind: Some(lsp::CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic(uri, text, f)]),
        edit: Some(edit),
        is_preferred: Some(true),
        ..Default::default()
    })
}

/// `fix`'s options as `schemaguard fix --write` takes them from the configuration (no
/// `--renumber`, no `--since`, no database: nothing frozen).
fn options(history: &History) -> fix::Options {
    let config = history.config();
    fix::Options {
        lock_timeout: config
            .fix
            .lock_timeout
            .clone()
            .unwrap_or_else(|| fix::DEFAULT_LOCK_TIMEOUT.to_string()),
        statement_timeout: config.fix.statement_timeout.clone(),
        renumber: false,
        frozen: BTreeMap::new(),
    }
}

/// "Fix all": the whole plan of `schemaguard fix --write` for the history (every
/// fixable finding, fixed together as `fix` fixes them), when there is one.
pub(super) fn fix_all(history: &mut History) -> Option<lsp::CodeAction> {
    let opts = options(history);
    let findings = history.findings();
    let plan = history.with_run(findings, |run| fix::plan(run, &opts));
    if plan.fixes.is_empty() {
        return None;
    }
    let edit = workspace_edit(history, &plan)?;
    Some(lsp::CodeAction {
        title: format!(
            "Fix all: what `schemaguard fix --write` writes ({} fix{})",
            plan.fixes.len(),
            if plan.fixes.len() == 1 { "" } else { "es" }
        ),
        kind: Some(lsp::CodeActionKind::SOURCE_FIX_ALL),
        edit: Some(edit),
        ..Default::default()
    })
}

/// The plan as a `WorkspaceEdit` with `documentChanges`, as `fix --write` writes it:
/// edits in place (on the texts the analysis read: the unsaved buffers), renames, then
/// new files. `None` when a file it edits cannot be read.
fn workspace_edit(history: &History, plan: &Plan) -> Option<lsp::WorkspaceEdit> {
    use lsp::{DocumentChangeOperation as Op, DocumentChanges, ResourceOp};
    let mut changes: Vec<Op> = Vec::new();
    let mut by_path: BTreeMap<&Path, Vec<&Edit>> = BTreeMap::new();
    for e in &plan.edits {
        by_path.entry(e.path.as_path()).or_default().push(e);
    }
    for (path, edits) in by_path {
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let uri = uri_of(&canonical)?;
        let on_disk;
        let text = match history.text_of(&canonical) {
            Some(text) => text,
            None if canonical.exists() => {
                on_disk = std::fs::read_to_string(&canonical).ok()?;
                on_disk.as_str()
            }
            None => {
                // a side file the fix creates (a framework's no-transaction marker)
                changes.push(Op::Op(ResourceOp::Create(lsp::CreateFile {
                    uri: uri.clone(),
                    options: None,
                    annotation_id: None,
                })));
                ""
            }
        };
        let edits = touching_merged(&edits)
            .into_iter()
            .map(|(start, end, new_text)| {
                lsp::OneOf::Left(lsp::TextEdit {
                    range: range_of(text, start, end),
                    new_text,
                })
            })
            .collect();
        changes.push(Op::Edit(lsp::TextDocumentEdit {
            text_document: lsp::OptionalVersionedTextDocumentIdentifier { uri, version: None },
            edits,
        }));
    }
    for r in &plan.renames {
        changes.push(Op::Op(ResourceOp::Rename(lsp::RenameFile {
            old_uri: uri_of(&absolute(&r.from_path))?,
            new_uri: uri_of(&absolute(&r.to_path))?,
            options: None,
            annotation_id: None,
        })));
    }
    for n in &plan.new_files {
        let uri = uri_of(&absolute(&n.abs))?;
        changes.push(Op::Op(ResourceOp::Create(lsp::CreateFile {
            uri: uri.clone(),
            options: Some(lsp::CreateFileOptions {
                overwrite: Some(false),
                ignore_if_exists: Some(false),
            }),
            annotation_id: None,
        })));
        let start = position_of("", 0);
        changes.push(Op::Edit(lsp::TextDocumentEdit {
            text_document: lsp::OptionalVersionedTextDocumentIdentifier { uri, version: None },
            edits: vec![lsp::OneOf::Left(lsp::TextEdit {
                range: lsp::Range { start, end: start },
                new_text: n.text.clone(),
            })],
        }));
    }
    Some(lsp::WorkspaceEdit {
        document_changes: Some(DocumentChanges::Operations(changes)),
        ..Default::default()
    })
}

/// `fix`'s edits of one file (in order, not overlapping) with those that touch (an
/// insertion where a replacement starts, as `SET lock_timeout` above a rewritten first
/// statement) made one: clients differ on the order of two edits at one offset.
fn touching_merged(edits: &[&Edit]) -> Vec<(usize, usize, String)> {
    let mut out: Vec<(usize, usize, String)> = Vec::with_capacity(edits.len());
    for e in edits {
        match out.last_mut() {
            Some((_, end, text)) if *end == e.start => {
                text.push_str(&e.new_text);
                *end = e.end;
            }
            _ => out.push((e.start, e.end, e.new_text.clone())),
        }
    }
    out
}

/// `p` absolute (new files have no canonical form yet): its folder canonical, if it
/// exists, else `p` against the current directory.
fn absolute(p: &Path) -> PathBuf {
    if let (Some(dir), Some(name)) = (p.parent(), p.file_name()) {
        if let Ok(dir) = std::fs::canonicalize(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        }) {
            return dir.join(name);
        }
    }
    fix::render::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(start: usize, end: usize, new_text: &str) -> Edit {
        Edit {
            file: "m.sql".to_string(),
            path: PathBuf::from("m.sql"),
            start,
            end,
            start_line: 1,
            start_column: 1,
            end_line: 1,
            end_column: 1,
            new_text: new_text.to_string(),
        }
    }

    #[test]
    fn an_insertion_where_a_replacement_starts_becomes_one_edit() {
        let set = edit(0, 0, "SET LOCAL lock_timeout = '2s';\n");
        let replaced = edit(0, 10, "ALTER ... NOT VALID;");
        let apart = edit(12, 14, "x");
        let merged = touching_merged(&[&set, &replaced, &apart]);
        assert_eq!(
            merged,
            vec![
                (
                    0,
                    10,
                    "SET LOCAL lock_timeout = '2s';\nALTER ... NOT VALID;".to_string()
                ),
                (12, 14, "x".to_string()),
            ]
        );
    }
}
