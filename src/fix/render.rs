//! What `fix` shows and writes: a unified diff (the default), the JSON document, or the
//! files themselves (`--write`).

use super::{Edit, FixError, Plan, apply_edits};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The JSON document's version (`fix --format json`).
pub const JSON_VERSION: u32 = 1;

/// Each edited file's original and fixed text, by path.
pub fn fixed_texts(plan: &Plan) -> Result<Vec<(PathBuf, String, String, String)>, FixError> {
    let mut by_path: BTreeMap<&Path, Vec<&Edit>> = BTreeMap::new();
    for e in &plan.edits {
        by_path.entry(e.path.as_path()).or_default().push(e);
    }
    let mut out = Vec::new();
    for (path, edits) in by_path {
        let display = edits.first().map(|e| e.file.clone()).unwrap_or_default();
        let original = if path.exists() {
            std::fs::read_to_string(path).map_err(|source| FixError::Read {
                path: path.to_path_buf(),
                source,
            })?
        } else {
            String::new()
        };
        let fixed = apply_edits(&original, &edits)?;
        out.push((path.to_path_buf(), display, original, fixed));
    }
    Ok(out)
}

/// A unified diff of everything the plan changes (edits, renames, new files).
pub fn diff(plan: &Plan) -> Result<String, FixError> {
    let mut out = String::new();
    for (_, display, original, fixed) in fixed_texts(plan)? {
        let (a, b) = if original.is_empty() {
            ("/dev/null".to_string(), format!("b/{display}"))
        } else {
            (format!("a/{display}"), format!("b/{display}"))
        };
        out.push_str(
            &similar::TextDiff::from_lines(&original, &fixed)
                .unified_diff()
                .context_radius(3)
                .header(&a, &b)
                .to_string(),
        );
    }
    for r in &plan.renames {
        out.push_str(&format!(
            "diff --git a/{} b/{}\nrename from {}\nrename to {}\n",
            r.from, r.to, r.from, r.to
        ));
    }
    for f in &plan.new_files {
        out.push_str(
            &similar::TextDiff::from_lines("", &f.text)
                .unified_diff()
                .header("/dev/null", &format!("b/{}", f.path))
                .to_string(),
        );
    }
    Ok(out)
}

/// A short account of the plan for a person: what is fixed, what is not and why.
pub fn summary(plan: &Plan) -> String {
    let mut out = String::new();
    for f in &plan.fixes {
        out.push_str(&format!(
            "fixed[{}]: {}:{}: {}\n",
            f.rule, f.file, f.line, f.title
        ));
    }
    for n in &plan.not_fixed {
        out.push_str(&format!(
            "not fixed[{}]: {}:{}: {}\n",
            n.rule, n.file, n.line, n.reason
        ));
    }
    for s in &plan.skipped {
        out.push_str(&format!("skipped: {}: {}\n", s.file, s.reason));
    }
    for s in &plan.suggestions {
        out.push_str(&format!(
            "suggestion[{}]: {}:{}: needs your judgement, not written:\n",
            s.rule, s.file, s.line
        ));
        for line in s.text.lines() {
            out.push_str(&format!("    {line}\n"));
        }
    }
    out.push_str(&format!(
        "{} fix{}, {} edit{}, {} new file{}, {} rename{}, {} not fixed\n",
        plan.fixes.len(),
        if plan.fixes.len() == 1 { "" } else { "es" },
        plan.edits.len(),
        plural(plan.edits.len()),
        plan.new_files.len(),
        plural(plan.new_files.len()),
        plan.renames.len(),
        plural(plan.renames.len()),
        plan.not_fixed.len()
    ));
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The JSON document.
pub fn json(plan: &Plan, verification: Option<&super::verify::Verification>) -> String {
    let doc = serde_json::json!({
        "version": JSON_VERSION,
        "fixes": plan.fixes,
        "edits": plan.edits,
        "new_files": plan.new_files,
        "renames": plan.renames,
        "not_fixed": plan.not_fixed,
        "suggestions": plan.suggestions,
        "skipped": plan.skipped,
        "verification": verification,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// Writes the plan: edits in place, renames, new files. `root`/`into`: write a copy
/// (paths under `root` go under `into` instead), for `--verify`.
pub fn write(plan: &Plan, relocate: Option<(&Path, &Path)>) -> Result<(), FixError> {
    // a copy must never touch the originals: a path outside `root` is an error
    let place = |p: &Path| -> Result<PathBuf, FixError> {
        match relocate {
            Some((root, into)) => {
                let abs = absolute(p)?;
                let root = absolute(root)?;
                abs.strip_prefix(&root)
                    .map(|rel| into.join(rel))
                    .map_err(|_| FixError::OutsideCopy {
                        path: p.to_path_buf(),
                        root: root.clone(),
                    })
            }
            None => Ok(p.to_path_buf()),
        }
    };
    for f in &plan.new_files {
        let target = place(&f.abs)?;
        if target.exists() {
            return Err(FixError::NewFileExists {
                file: f.path.clone(),
            });
        }
    }
    for (path, display, _, fixed) in fixed_texts(plan)? {
        let target = place(&path)?;
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|source| FixError::CreateDirectory {
                file: display.clone(),
                dir: dir.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(&target, fixed).map_err(|source| FixError::Write {
            file: display,
            source,
        })?;
    }
    // later migrations move up: the last first, so none lands on one not yet moved
    for r in plan.renames.iter().rev() {
        let (from, to) = (place(&r.from_path)?, place(&r.to_path)?);
        if to.exists() {
            return Err(FixError::RenameTargetExists {
                from: r.from.clone(),
                to: r.to.clone(),
            });
        }
        std::fs::rename(&from, &to).map_err(|source| FixError::Rename {
            from: r.from.clone(),
            to: r.to.clone(),
            source,
        })?;
    }
    for f in &plan.new_files {
        let target = place(&f.abs)?;
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|source| FixError::CreateDirectory {
                file: f.path.clone(),
                dir: dir.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(&target, &f.text).map_err(|source| FixError::Write {
            file: f.path.clone(),
            source,
        })?;
    }
    Ok(())
}

/// `p` made absolute against the current directory (lexically: `..` is kept).
pub fn absolute(p: &Path) -> Result<PathBuf, FixError> {
    if p.is_absolute() {
        return Ok(p.to_path_buf());
    }
    let cwd = std::env::current_dir().map_err(FixError::CurrentDirectory)?;
    Ok(cwd.join(p))
}
