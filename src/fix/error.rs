//! What can stop `schemaguard fix` from planning, showing or writing its edits (exit 2
//! in the CLI). A finding the fix leaves as it is, and why, is not an error: it is a
//! `NotFixed` of the plan.

use crate::source::git::GitError;
use std::path::PathBuf;

/// Why `fix` could not list the frozen files, show or write the plan.
#[derive(Debug, thiserror::Error)]
pub enum FixError {
    /// `--since`: the files changed since the ref could not be listed.
    #[error(transparent)]
    Git(#[from] GitError),
    /// `--verify` without paths: the configured files are in more than one directory.
    #[error("--verify needs one migrations directory")]
    VerifyConfiguredDirectories,
    /// `--verify` with paths that are not exactly one directory.
    #[error("--verify needs one migrations directory as its path")]
    VerifyPathArgument,
    /// An edited file could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What reading said.
        source: std::io::Error,
    },
    /// The edits of a file overlap, or reach past its end.
    #[error("{file}: overlapping or out-of-range edits at byte {at}")]
    EditOutOfRange {
        /// The file, as shown.
        file: String,
        /// The byte offset where the edit starts.
        at: usize,
    },
    /// An edit starts or ends inside a UTF-8 character.
    #[error("{file}: an edit at byte {at} splits a character")]
    EditSplitsCharacter {
        /// The file, as shown.
        file: String,
        /// The byte offset where the edit starts.
        at: usize,
    },
    /// A copy (`--verify`) was asked to write a file outside the copied directory.
    #[error("{} is outside {}", path.display(), root.display())]
    OutsideCopy {
        /// The path to write.
        path: PathBuf,
        /// The copied directory, absolute.
        root: PathBuf,
    },
    /// A new migration would overwrite a file.
    #[error("{file}: already exists; schemaguard fix never overwrites a file")]
    NewFileExists {
        /// The new file, as shown.
        file: String,
    },
    /// A renumbered migration would land on a file.
    #[error("{to}: already exists; not renaming {from} onto it")]
    RenameTargetExists {
        /// The migration renamed, as shown.
        from: String,
        /// Its new name, as shown.
        to: String,
    },
    /// A directory for a written file could not be made.
    #[error("{file}: cannot create {}: {source}", dir.display())]
    CreateDirectory {
        /// The file to write, as shown.
        file: String,
        /// The directory.
        dir: PathBuf,
        /// What creating it said.
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("{file}: cannot write: {source}")]
    Write {
        /// The file, as shown.
        file: String,
        /// What writing said.
        source: std::io::Error,
    },
    /// A renumbered migration could not be renamed.
    #[error("cannot rename {from} to {to}: {source}")]
    Rename {
        /// The migration, as shown.
        from: String,
        /// Its new name, as shown.
        to: String,
        /// What renaming said.
        source: std::io::Error,
    },
    /// A relative path could not be made absolute.
    #[error("cannot read the current directory: {0}")]
    CurrentDirectory(#[source] std::io::Error),
}
