//! Finding migration files, reading them safely, and putting them in apply order.
//!
//! [`collect`] takes the paths the user named:
//! - a **file** is taken as it is, whatever its extension;
//! - a **directory** is walked recursively for `*.sql` files (any case), following
//!   symbolic links; hidden entries (names starting with `.`), `target/` and
//!   `node_modules/` are skipped. A directory reached twice (two inputs, or a link to a
//!   sibling) is read once; a link back to a directory being walked is a symlink loop,
//!   reported as an error naming the link. A directory without SQL files is not an error
//!   here (the CLI says "no migration files found");
//! - `-` is standard input, read once, shown as `--stdin-filename` or `<stdin>`; the
//!   stdin file name, when given, also gives its version. Stdin is never skipped as a down
//!   migration.
//!
//! The same file reached twice (same folder, same name) is collected once.
//!
//! **Down migrations** are skipped and listed in [`Collected::skipped_down`]:
//! `*.down.sql`, `down.sql` (the down half of a `<version>_name/` folder), Flyway undo
//! `U<ver>__x.sql`, and every file under a folder named `down/` (below the directory
//! given, or the folder of a file given explicitly, so that `migrations/*.sql` globbed by
//! the shell behaves like `migrations/`). `*.up.sql` and `up.sql` are kept.
//!
//! **Reading**: each file is read on its own (in parallel); one bad file gives one
//! [`InputError`] and the others are still read. Errors: larger than
//! [`SourceOptions::max_file_bytes`]; binary (a NUL byte in the first 8 KiB, a UTF-16
//! byte order mark, or invalid UTF-8 with more than 5% control bytes); invalid UTF-8
//! (line and 0-based byte offset of the first bad byte); the OS error for a missing,
//! unreadable or looping path. A UTF-8 byte order mark is stripped.
//!
//! **Apply order**, over all the files collected from all inputs together (deterministic,
//! see [`sort_files`]). A file's version comes from its name, or from its folder's name
//! when the file name has none (`<ts>_name/up.sql` of diesel, `<ts>_name/migration.sql` of
//! prisma):
//! - Flyway `V<ver>__desc.sql`, `<ver>` being numbers separated by `.` or `_`
//!   (`V1_1__x` is 1.1; `V2__` before `V10__`); repeatable `R__desc.sql` come after all
//!   versioned files, by description;
//! - a leading number ended by a non-alphanumeric character or the end of the name:
//!   `0002_x.up.sql`, `2_x.sql`, `20240101120000_x.sql`, `1510262030_x.up.sql`; compared
//!   as numbers (`2_` before `10_`, `0002` equal to `2`). `2fa_x.sql` has no version;
//! - diesel's dashed folders `2019-02-26-002946_x/up.sql`: the digits without dashes, as
//!   diesel does; newer diesel's `-0000` suffix is a further part, so suffixed and plain
//!   timestamps interleave by time;
//! - if **no** file has a version (and none is repeatable), the order is by path alone.
//!   Otherwise versioned files come first by version, then repeatables by description,
//!   then unversioned files by file name (Flyway's `afterMigrate.sql` callbacks land
//!   last, where Flyway runs them).
//!
//! Equal versions (`0002_a.sql` and `2_b.sql`) keep both files, ordered by path; nothing
//! is reported here: [`MigrationFile::version`] exposes the version (whose `==` is
//! numeric) so that a later check can report the duplicate. Every other tie is broken by
//! path too.

mod decode;
pub mod framework;
pub mod git;
mod naming;

use std::collections::HashSet;
use std::fmt;
use std::fs;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};
use std::sync::{Mutex, PoisonError};

pub use decode::{DecodeError, format_size};
pub use naming::{NameKind, Version, name_kind};

/// How deep a directory walk goes before it gives up on a branch (a guard against
/// pathological trees; real migration folders are one or two levels deep).
const MAX_DEPTH: usize = 64;

/// Folder names never walked into.
const SKIPPED_DIRS: [&str; 2] = ["target", "node_modules"];

/// The display name of standard input when no `--stdin-filename` is given.
pub const STDIN_DISPLAY: &str = "<stdin>";

/// Options for [`collect`].
#[derive(Clone, Debug)]
pub struct SourceOptions {
    /// Files larger than this are not read (an [`InputError`] instead). Default 10 MiB.
    pub max_file_bytes: u64,
    /// The name standard input (`-`) is shown and versioned under.
    pub stdin_filename: Option<String>,
    /// Texts that replace files on disk (an editor's unsaved buffers), by canonical path.
    pub overlay: Option<std::sync::Arc<Overlay>>,
}

/// Unsaved texts by the canonical path of the file they replace.
pub type Overlay = std::collections::HashMap<PathBuf, String>;

impl Default for SourceOptions {
    fn default() -> Self {
        SourceOptions {
            max_file_bytes: 10 * 1024 * 1024,
            stdin_filename: None,
            overlay: None,
        }
    }
}

/// One migration file, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationFile {
    /// The path as found on disk (an input joined with the walk below it); for stdin the
    /// `--stdin-filename`, or `<stdin>`.
    pub path: PathBuf,
    /// The path as the user should see it: relative to the current directory when the
    /// file is under it, else as given; `/` separators.
    pub display: String,
    /// Where the name places it in the apply order (its version, if any).
    pub kind: NameKind,
    /// The content, without a UTF-8 byte order mark.
    pub text: String,
}

impl MigrationFile {
    /// The version parsed from the name (`0002`, `20240101120000`, `1_1`, ...), if any.
    pub fn version(&self) -> Option<&Version> {
        match &self.kind {
            NameKind::Versioned(v) => Some(v),
            _ => None,
        }
    }

    /// Whether this is a Flyway repeatable migration (`R__desc.sql`).
    pub fn is_repeatable(&self) -> bool {
        matches!(self.kind, NameKind::Repeatable(_))
    }
}

/// A path that could not be used. Displays as `<display>: <message>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    pub path: PathBuf,
    pub display: String,
    /// What went wrong and what was expected, without the file name.
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.display, self.message)
    }
}

impl std::error::Error for InputError {}

/// Everything [`collect`] found.
#[derive(Clone, Debug, Default)]
pub struct Collected {
    /// Readable migration files, in apply order.
    pub files: Vec<MigrationFile>,
    /// Paths that could not be used, sorted by path.
    pub errors: Vec<InputError>,
    /// Down migrations that were left out, sorted by path.
    pub skipped_down: Vec<PathBuf>,
}

/// Finds, reads and orders the migration files under `paths` (files, directories, or
/// `-` for stdin). Never fails as a whole: problems are in [`Collected::errors`].
pub fn collect(paths: &[PathBuf], opts: &SourceOptions) -> Collected {
    let cwd = std::env::current_dir().ok();
    // normalized once, not for every file's display path
    let cwd_normalized = cwd.as_deref().map(lexical_normalize);
    let cwd_normalized = cwd_normalized.as_deref();
    // what is known of a file from its name alone (down or not, how it is shown) is
    // worked out with its reading, in parallel, not in the walk, which is serial
    let found = |c: Candidate| {
        if c.in_down || naming::is_down_name(&c.path) {
            return Found::Down(c.path);
        }
        let display = display_path_normalized(&c.path, cwd_normalized);
        Found::File(read_file(c.path, display, opts))
    };
    // the files are read while the walk goes on: each batch of candidates it finds is
    // read on rayon's threads, and put back in walk order afterwards
    let batches: Mutex<Vec<(usize, Vec<Found>)>> = Mutex::new(Vec::new());
    let mut stdin_file = None;
    let (mut errors, mut skipped_down) = rayon::in_place_scope(|scope| {
        let mut walker = Walker {
            cwd: cwd_normalized,
            visited_dirs: HashSet::default(),
            seen_files: HashSet::default(),
            candidates: Vec::new(),
            taken: 0,
            read: &mut |start, batch: Vec<Candidate>| {
                let (found, batches) = (&found, &batches);
                scope.spawn(move |_| {
                    let read: Vec<Found> = batch.into_iter().map(found).collect();
                    // (a panic while holding the lock ends the run: see `main`)
                    batches
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push((start, read));
                });
            },
            errors: Vec::new(),
            skipped_down: Vec::new(),
        };
        let mut stdin_read = false;
        for path in paths {
            if path.as_os_str() == "-" {
                if !stdin_read {
                    stdin_read = true;
                    stdin_file = Some(read_stdin(opts, cwd.as_deref()));
                }
                continue;
            }
            walker.input(path);
        }
        walker.flush();
        (walker.errors, walker.skipped_down)
    });
    let mut batches = batches.into_inner().unwrap_or_else(PoisonError::into_inner);
    batches.sort_unstable_by_key(|(start, _)| *start);
    let read = batches.into_iter().flat_map(|(_, read)| read);
    let mut files = Vec::new();
    for r in read {
        match r {
            Found::File(Ok(f)) => files.push(f),
            Found::File(Err(e)) => errors.push(e),
            Found::Down(path) => skipped_down.push(path),
        }
    }
    match stdin_file {
        Some(Ok(f)) => files.push(f),
        Some(Err(e)) => errors.push(e),
        None => {}
    }
    sort_files(&mut files);
    errors.sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.message.cmp(&b.message)));
    skipped_down.sort();
    Collected {
        files,
        errors,
        skipped_down,
    }
}

/// Sorts files into apply order (the rule is in the module documentation).
pub fn sort_files(files: &mut [MigrationFile]) {
    naming::sort_in_apply_order(files, |f| &f.path, |f| &f.kind);
}

/// Turns the bytes read from standard input into a migration file: shown as
/// `--stdin-filename` (or `<stdin>`), versioned by that name. `bytes` longer than
/// `max_file_bytes` give the size error (the reader stops one byte past the limit).
pub fn stdin_file(bytes: Vec<u8>, opts: &SourceOptions) -> Result<MigrationFile, InputError> {
    let cwd = std::env::current_dir().ok();
    stdin_file_in(bytes, opts, cwd.as_deref())
}

fn stdin_file_in(
    bytes: Vec<u8>,
    opts: &SourceOptions,
    cwd: Option<&Path>,
) -> Result<MigrationFile, InputError> {
    let (path, display, kind) = match &opts.stdin_filename {
        Some(name) => {
            let path = PathBuf::from(name);
            let display = display_path_in(&path, cwd);
            let kind = name_kind(&path);
            (path, display, kind)
        }
        None => (
            PathBuf::from(STDIN_DISPLAY),
            STDIN_DISPLAY.to_string(),
            NameKind::Unversioned,
        ),
    };
    let error = |message: String| InputError {
        path: path.clone(),
        display: display.clone(),
        message,
    };
    if bytes.len() as u64 > opts.max_file_bytes {
        return Err(error(decode::too_large(opts.max_file_bytes, None)));
    }
    let text = decode::decode(bytes).map_err(|e| error(e.to_string()))?;
    Ok(MigrationFile {
        path,
        display,
        kind,
        text,
    })
}

fn read_stdin(opts: &SourceOptions, cwd: Option<&Path>) -> Result<MigrationFile, InputError> {
    let mut bytes = Vec::new();
    let limit = opts.max_file_bytes.saturating_add(1);
    match io::stdin().lock().take(limit).read_to_end(&mut bytes) {
        Ok(_) => stdin_file_in(bytes, opts, cwd),
        Err(e) => {
            let display = opts
                .stdin_filename
                .clone()
                .unwrap_or_else(|| STDIN_DISPLAY.to_string());
            Err(InputError {
                path: PathBuf::from(&display),
                display,
                message: format!("cannot read standard input: {e}"),
            })
        }
    }
}

/// A file found: to read, unless it is a down migration.
struct Candidate {
    path: PathBuf,
    /// Under a folder named `down`.
    in_down: bool,
}

/// What became of a [`Candidate`].
enum Found {
    File(Result<MigrationFile, InputError>),
    /// A down migration, skipped.
    Down(PathBuf),
}

struct Walker<'a, 'r> {
    /// The current directory, lexically normalized.
    cwd: Option<&'a Path>,
    /// Canonical paths of the directories walked so far.
    visited_dirs: HashSet<PathBuf, foldhash::fast::RandomState>,
    /// Canonical folder + file name of every file taken (or skipped as down).
    seen_files: HashSet<PathBuf, foldhash::fast::RandomState>,
    /// Files found and not yet handed to `read`.
    candidates: Vec<Candidate>,
    /// How many files were handed to `read`.
    taken: usize,
    /// Reads a batch of files, given the position of its first in walk order.
    read: &'r mut dyn FnMut(usize, Vec<Candidate>),
    errors: Vec<InputError>,
    skipped_down: Vec<PathBuf>,
}

/// Files handed to [`Walker::read`] at a time: enough that a batch's reading outweighs
/// handing it over, few enough that the reading starts early and is shared evenly.
const READ_BATCH: usize = 64;

impl Walker<'_, '_> {
    /// Hands the files found since the last call to `read`.
    fn flush(&mut self) {
        if !self.candidates.is_empty() {
            let batch = std::mem::take(&mut self.candidates);
            let start = self.taken;
            self.taken += batch.len();
            (self.read)(start, batch);
        }
    }

    fn error(&mut self, path: &Path, message: String) {
        self.errors.push(InputError {
            path: path.to_path_buf(),
            display: display_path_normalized(path, self.cwd),
            message,
        });
    }

    /// One path named by the user.
    fn input(&mut self, path: &Path) {
        match fs::metadata(path) {
            Err(e) => {
                let message = access_error(path, &e);
                self.error(path, message);
            }
            Ok(meta) if meta.is_dir() => match fs::canonicalize(path) {
                Ok(canon) => {
                    if !self.visited_dirs.contains(&canon) {
                        let mut ancestors = Vec::new();
                        self.walk(path, canon, 0, false, &mut ancestors);
                    }
                }
                Err(e) => self.error(path, format!("cannot read directory: {e}")),
            },
            Ok(_) => {
                let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
                let in_down = parent
                    .and_then(|p| p.components().next_back())
                    .is_some_and(naming::is_down_dir);
                let canon_dir = fs::canonicalize(parent.unwrap_or(Path::new("."))).ok();
                let key = match (canon_dir, path.file_name()) {
                    (Some(dir), Some(name)) => dir.join(name),
                    _ => path.to_path_buf(),
                };
                self.file(path, key, in_down);
            }
        }
    }

    /// A file found (explicitly or by walking); `key` identifies it for de-duplication.
    fn file(&mut self, path: &Path, key: PathBuf, in_down: bool) {
        if !self.seen_files.insert(key) {
            return;
        }
        self.candidates.push(Candidate {
            path: path.to_path_buf(),
            in_down,
        });
        if self.candidates.len() >= READ_BATCH {
            self.flush();
        }
    }

    /// Walks `dir` (whose canonical path is `canon`); `ancestors` are the canonical paths
    /// of the directories being walked above it.
    fn walk(
        &mut self,
        dir: &Path,
        canon: PathBuf,
        depth: usize,
        in_down: bool,
        ancestors: &mut Vec<PathBuf>,
    ) {
        self.visited_dirs.insert(canon.clone());
        let entries = match fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) => {
                self.error(dir, format!("cannot read directory: {e}"));
                return;
            }
        };
        // each name read once (`file_name` allocates), not at every comparison
        let mut listed = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) => {
                    let name = entry.file_name();
                    if !name.as_encoded_bytes().starts_with(b".") {
                        listed.push((name, entry));
                    }
                }
                Err(e) => {
                    self.error(dir, format!("cannot read directory: {e}"));
                    return;
                }
            }
        }
        listed.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        ancestors.push(canon.clone());
        for (name, entry) in listed {
            let path = dir.join(&name);
            let bytes = name.as_encoded_bytes();
            let is_sql = bytes.len() > 4 && bytes[bytes.len() - 4..].eq_ignore_ascii_case(b".sql");
            let file_type = match entry.file_type() {
                Ok(t) => t,
                Err(e) => {
                    self.error(&path, format!("cannot read: {e}"));
                    continue;
                }
            };
            let (is_dir, is_file) = if file_type.is_symlink() {
                match fs::metadata(&path) {
                    Ok(m) => (m.is_dir(), m.is_file()),
                    // A dangling link matters only where a migration was expected.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        if is_sql {
                            self.error(
                                &path,
                                "broken symbolic link (its target does not exist)".into(),
                            );
                        }
                        continue;
                    }
                    // A loop of links (ELOOP), or a target we may not look at.
                    Err(e) => {
                        self.error(&path, format!("cannot follow symbolic link: {e}"));
                        continue;
                    }
                }
            } else {
                (file_type.is_dir(), file_type.is_file())
            };
            if is_dir {
                if name.to_str().is_some_and(|n| SKIPPED_DIRS.contains(&n)) {
                    continue;
                }
                let child = match fs::canonicalize(&path) {
                    Ok(c) => c,
                    Err(e) => {
                        self.error(&path, format!("cannot follow symbolic link: {e}"));
                        continue;
                    }
                };
                if let Some(target) = ancestors.iter().find(|a| **a == child) {
                    let target = display_path_normalized(target, self.cwd);
                    self.error(
                        &path,
                        format!(
                            "symbolic link loop: it leads back to {target}, which contains it; \
                             not followed"
                        ),
                    );
                } else if self.visited_dirs.contains(&child) {
                    // Already walked through another path.
                } else if depth + 1 > MAX_DEPTH {
                    self.error(
                        &path,
                        format!("directories nested more than {MAX_DEPTH} levels deep; not read"),
                    );
                } else {
                    let down = in_down || naming::is_down_dir(Component::Normal(&name));
                    self.walk(&path, child, depth + 1, down, ancestors);
                }
            } else if is_file && is_sql {
                self.file(&path, canon.join(&name), in_down);
            }
        }
        ancestors.pop();
    }
}

/// The message for a path that cannot be looked at.
fn access_error(path: &Path, e: &io::Error) -> String {
    if e.kind() == io::ErrorKind::NotFound {
        if fs::symlink_metadata(path).is_ok() {
            "broken symbolic link (its target does not exist)".into()
        } else {
            "no such file or directory".into()
        }
    } else {
        format!("cannot access: {e}")
    }
}

/// Why one file could not be read (the message is for the user, without the file name).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Opening or reading failed.
    #[error("cannot read: {0}")]
    Io(#[from] io::Error),
    /// A directory where a file was expected.
    #[error("is a directory; expected a file")]
    Directory,
    /// Not SQL text, or too large.
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

/// Reads and decodes one file.
fn read_file(
    path: PathBuf,
    display: String,
    opts: &SourceOptions,
) -> Result<MigrationFile, InputError> {
    let max = opts.max_file_bytes;
    let unsaved = opts
        .overlay
        .as_deref()
        .filter(|o| !o.is_empty())
        .and_then(|o| o.get(&fs::canonicalize(&path).ok()?).cloned());
    let result = (|| -> Result<String, ReadError> {
        if let Some(text) = unsaved {
            return Ok(text);
        }
        // opened first and then asked for its size: one path lookup, not two
        let file = fs::File::open(&path)?;
        let meta = file.metadata()?;
        if meta.is_dir() {
            return Err(ReadError::Directory);
        }
        if meta.is_file() && meta.len() > max {
            return Err(DecodeError::TooLarge {
                limit: max,
                size: Some(meta.len()),
            }
            .into());
        }
        // sized from the metadata, one byte over (a read that fills it shows the file
        // grew): a limited reader gives `read_to_end` no size hint, and it would grow the
        // buffer from 32 bytes in several reads
        let hint = if meta.is_file() { meta.len() } else { 0 };
        let mut bytes = Vec::with_capacity(usize::try_from(hint.saturating_add(1)).unwrap_or(0));
        let mut file = file.take(max.saturating_add(1));
        read_whole(&mut file, &mut bytes, hint)
            // the rest, when one read did not take the whole file
            .and_then(|whole| {
                if whole {
                    Ok(())
                } else {
                    file.read_to_end(&mut bytes).map(drop)
                }
            })?;
        if bytes.len() as u64 > max {
            // It grew since, or it is a stream (a pipe, a device).
            return Err(DecodeError::TooLarge {
                limit: max,
                size: None,
            }
            .into());
        }
        Ok(decode::decode(bytes)?)
    })();
    match result {
        Ok(text) => {
            let kind = name_kind(&path);
            Ok(MigrationFile {
                path,
                display,
                kind,
                text,
            })
        }
        Err(e) => Err(InputError {
            path,
            display,
            message: e.to_string(),
        }),
    }
}

/// One `read` for a regular file of `len` bytes (by its metadata), into `bytes`: `true`
/// when it returned exactly `len` bytes though one more was asked for, so the file is
/// read whole without a second `read` to find its end (a regular file reads short only
/// at its end). `false` when the rest must be read: the file is empty or not regular
/// (`len` 0), it grew, or the read came back short. What was read stays in `bytes`.
fn read_whole(file: &mut impl Read, bytes: &mut Vec<u8>, len: u64) -> io::Result<bool> {
    let Ok(len) = usize::try_from(len) else {
        return Ok(false);
    };
    if len == 0 {
        return Ok(false);
    }
    bytes.resize(len + 1, 0);
    let n = loop {
        match file.read(bytes) {
            Ok(n) => break n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                bytes.clear();
                return Err(e);
            }
        }
    };
    bytes.truncate(n);
    Ok(n == len)
}

/// How to show `path` to the user: relative to the current directory when it is under
/// it, else as given; `/` separators.
pub fn display_path(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    display_path_in(path, cwd.as_deref())
}

fn display_path_in(path: &Path, cwd: Option<&Path>) -> String {
    display_path_normalized(path, cwd.map(lexical_normalize).as_deref())
}

/// [`display_path_in`] with `cwd` already lexically normalized (the same result: `cwd`
/// is absolute, and normalizing it first changes no later step).
fn display_path_normalized(path: &Path, cwd: Option<&Path>) -> String {
    if let Some(display) = display_clean_path(path, cwd) {
        return display;
    }
    if let Some(cwd) = cwd {
        let abs = if path.is_absolute() {
            lexical_normalize(path)
        } else {
            lexical_normalize(&cwd.join(path))
        };
        if let Ok(rel) = abs.strip_prefix(cwd)
            && !rel.as_os_str().is_empty()
        {
            return slash_path(rel);
        }
    }
    slash_path(path)
}

/// [`display_path_normalized`] without splitting paths into components, for the usual
/// case (every file of a walked directory): a `/`-separated path without `.`, `..` or
/// empty segments. `None` for anything else.
fn display_clean_path(path: &Path, cwd: Option<&Path>) -> Option<String> {
    if std::path::MAIN_SEPARATOR != '/' {
        return None;
    }
    let clean = |s: &str| {
        !s.is_empty()
            && s.split('/').enumerate().all(|(i, segment)| {
                (i == 0 && segment.is_empty())
                    || !(segment.is_empty() || segment == "." || segment == "..")
            })
    };
    let p = path.to_str().filter(|p| clean(p))?;
    if !p.starts_with('/') {
        // relative and clean: under the current directory it is itself
        return Some(p.to_string());
    }
    match cwd {
        None => Some(p.to_string()),
        Some(cwd) => {
            let cwd = cwd.to_str().filter(|c| c.len() > 1 && clean(c))?;
            Some(
                match p.strip_prefix(cwd).and_then(|rest| rest.strip_prefix('/')) {
                    Some(rest) if !rest.is_empty() => rest.to_string(),
                    _ => p.to_string(),
                },
            )
        }
    }
}

/// Removes `.` components and resolves `..` against the component before it (for display
/// only: it does not consult the file system).
fn lexical_normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else if !out.has_root() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// The path with `/` between components and without `.` components.
fn slash_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.components() {
        match c {
            Component::Prefix(p) => out.push_str(&p.as_os_str().to_string_lossy()),
            Component::RootDir => out.push('/'),
            Component::CurDir => {}
            other => {
                if !out.is_empty() && !out.ends_with('/') {
                    out.push('/');
                }
                out.push_str(&other.as_os_str().to_string_lossy());
            }
        }
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests;
