//! Which files changed since a git ref, for pre-merge review (`--since <ref>`): files
//! added since the ref are the new migrations to check; files that existed at the ref and
//! changed are already-applied migrations someone edited.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Not at the ref: a new migration.
    Added,
    /// At the ref under this name, and different now (or renamed away from it).
    Modified,
}

/// Files that differ between `reference` and the working tree (committed or not, and
/// untracked files), keyed by canonical path. `dir` is any directory inside the
/// repository.
pub fn changes_since(dir: &Path, reference: &str) -> Result<HashMap<PathBuf, Change>, GitError> {
    let root = git(dir, &["rev-parse", "--show-toplevel"])?;
    let root = PathBuf::from(root.trim());
    // make sure the ref exists, for a clear message
    git(
        &root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{reference}^{{commit}}"),
        ],
    )
    .map_err(|_| GitError::NotACommit {
        reference: reference.to_string(),
        root: root.clone(),
    })?;
    let mut out = HashMap::new();
    // -z: NUL-separated, no quoting of unusual names; renames detected
    let diff = git(
        &root,
        &["diff", "--name-status", "-z", "-M", reference, "--"],
    )?;
    let mut fields = diff.split('\0').filter(|f| !f.is_empty());
    while let Some(status) = fields.next() {
        let code = status.chars().next().unwrap_or(' ');
        match code {
            'R' | 'C' => {
                let (Some(old), Some(new)) = (fields.next(), fields.next()) else {
                    break;
                };
                // the file under its old name was applied; the new name is new to the
                // framework, so it is checked, and the old one is gone
                let _ = old;
                let kind = if code == 'R' {
                    Change::Modified
                } else {
                    Change::Added
                };
                insert(&mut out, &root, new, kind);
            }
            'A' => {
                if let Some(p) = fields.next() {
                    insert(&mut out, &root, p, Change::Added);
                }
            }
            'M' | 'T' => {
                if let Some(p) = fields.next() {
                    insert(&mut out, &root, p, Change::Modified);
                }
            }
            _ => {
                // D (deleted) and others: nothing to check
                fields.next();
            }
        }
    }
    let untracked = git(&root, &["ls-files", "--others", "--exclude-standard", "-z"])?;
    for p in untracked.split('\0').filter(|p| !p.is_empty()) {
        insert(&mut out, &root, p, Change::Added);
    }
    Ok(out)
}

fn insert(out: &mut HashMap<PathBuf, Change>, root: &Path, rel: &str, kind: Change) {
    let path = root.join(rel);
    let key = path.canonicalize().unwrap_or(path);
    out.insert(key, kind);
}

/// Why the files changed since a git ref could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// `git` could not be started.
    #[error("cannot run git (needed for --since): {0}")]
    Spawn(#[source] std::io::Error),
    /// `git` failed: its arguments and standard error.
    #[error("git {args}: {stderr}")]
    Failed {
        /// The arguments, joined by spaces.
        args: String,
        /// What git said, trimmed.
        stderr: String,
    },
    /// `git` printed something other than UTF-8.
    #[error("git {args}: output is not UTF-8")]
    NotUtf8 {
        /// The arguments, joined by spaces.
        args: String,
    },
    /// The `--since` reference names no commit.
    #[error("--since {reference}: not a commit in the git repository at {}", root.display())]
    NotACommit {
        /// The reference as given.
        reference: String,
        /// The repository's top directory.
        root: PathBuf,
    },
}

fn git(dir: &Path, args: &[&str]) -> Result<String, GitError> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(GitError::Spawn)?;
    if !output.status.success() {
        let err = String::from_utf8_lossy(&output.stderr);
        return Err(GitError::Failed {
            args: args.join(" "),
            stderr: err.trim().to_string(),
        });
    }
    String::from_utf8(output.stdout).map_err(|_| GitError::NotUtf8 {
        args: args.join(" "),
    })
}
