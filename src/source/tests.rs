use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "schemaguard-source-{tag}-{}-{n}-{nanos}",
            std::process::id()
        ));
        fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.0.join(rel);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).expect("create parent dir");
        }
        fs::write(&p, content).expect("write test file");
        p
    }

    fn mkdir(&self, rel: &str) -> PathBuf {
        let p = self.0.join(rel);
        fs::create_dir_all(&p).expect("create dir");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn opts() -> SourceOptions {
    SourceOptions::default()
}

/// Collects `dir` and returns the files' paths relative to it, in order.
fn order_of(dir: &Path) -> (Vec<String>, Collected) {
    let c = collect(&[dir.to_path_buf()], &opts());
    let names = c.files.iter().map(|f| rel(dir, &f.path)).collect();
    (names, c)
}

fn rel(dir: &Path, p: &Path) -> String {
    slash_path(p.strip_prefix(dir).unwrap_or(p))
}

fn rels(dir: &Path, ps: &[PathBuf]) -> Vec<String> {
    ps.iter().map(|p| rel(dir, p)).collect()
}

#[test]
fn flyway_order() {
    let t = TempDir::new("flyway");
    for n in [
        "V10__ten.sql",
        "V2__two.sql",
        "V1_1__one_one.sql",
        "V1__one.sql",
        "R__b_views.sql",
        "R__a_funcs.sql",
        "afterMigrate.sql",
        "U2__undo_two.sql",
        "notes.txt",
    ] {
        t.write(&format!("sql/{n}"), "select 1;\n");
    }
    let (names, c) = order_of(t.path());
    assert_eq!(
        names,
        [
            "sql/V1__one.sql",
            "sql/V1_1__one_one.sql",
            "sql/V2__two.sql",
            "sql/V10__ten.sql",
            "sql/R__a_funcs.sql",
            "sql/R__b_views.sql",
            "sql/afterMigrate.sql",
        ]
    );
    assert_eq!(rels(t.path(), &c.skipped_down), ["sql/U2__undo_two.sql"]);
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(c.files[1].version().map(Version::as_str), Some("1_1"));
    assert!(c.files[4].is_repeatable());
    assert_eq!(c.files[6].version(), None);
}

#[test]
fn numbered_order_and_down_files() {
    let t = TempDir::new("numbered");
    for n in [
        "10_ten.up.sql",
        "10_ten.down.sql",
        "0002_two.up.sql",
        "0002_two.down.sql",
        "2_other.up.sql",
        "1_one.up.sql",
        "1_one.DOWN.sql",
    ] {
        t.write(n, "select 1;\n");
    }
    let (names, c) = order_of(t.path());
    assert_eq!(
        names,
        [
            "1_one.up.sql",
            "0002_two.up.sql",
            "2_other.up.sql",
            "10_ten.up.sql"
        ]
    );
    // Equal versions are both kept, and compare equal for a later duplicate check.
    assert_eq!(c.files[1].version(), c.files[2].version());
    assert_eq!(
        rels(t.path(), &c.skipped_down),
        ["0002_two.down.sql", "10_ten.down.sql", "1_one.DOWN.sql"]
    );
}

#[test]
fn timestamps_and_unix_times() {
    let t = TempDir::new("sqlx");
    for n in [
        "20240102000000_b.sql",
        "20240101120000_a.up.sql",
        "20240101120000_a.down.sql",
        "1510262030_initial.up.sql",
    ] {
        t.write(n, "select 1;\n");
    }
    let (names, _) = order_of(t.path());
    assert_eq!(
        names,
        [
            "1510262030_initial.up.sql",
            "20240101120000_a.up.sql",
            "20240102000000_b.sql"
        ]
    );
}

#[test]
fn diesel_folders() {
    let t = TempDir::new("diesel");
    for d in [
        "2025-09-19-132648-0000_suffixed",
        "2019-02-26-002946_create_user",
        "00000000000000_diesel_initial_setup",
        "2025-09-19-090047_plain",
        "20250101000000_no_dashes",
        "2025-10-01-000000_later",
    ] {
        t.write(&format!("migrations/{d}/up.sql"), "select 1;\n");
        t.write(&format!("migrations/{d}/down.sql"), "select 2;\n");
        t.write(
            &format!("migrations/{d}/metadata.toml"),
            "run_in_transaction = false\n",
        );
    }
    let (names, c) = order_of(t.path());
    assert_eq!(
        names,
        [
            "migrations/00000000000000_diesel_initial_setup/up.sql",
            "migrations/2019-02-26-002946_create_user/up.sql",
            "migrations/20250101000000_no_dashes/up.sql",
            "migrations/2025-09-19-090047_plain/up.sql",
            "migrations/2025-09-19-132648-0000_suffixed/up.sql",
            "migrations/2025-10-01-000000_later/up.sql",
        ]
    );
    assert_eq!(c.skipped_down.len(), 6);
    assert_eq!(
        c.files[1].version().map(Version::normalized).as_deref(),
        Some("20190226002946")
    );
}

#[test]
fn prisma_folders() {
    let t = TempDir::new("prisma");
    t.write("migrations/20240102000000_b/migration.sql", "select 2;\n");
    t.write("migrations/20240101000000_a/migration.sql", "select 1;\n");
    t.write(
        "migrations/migration_lock.toml",
        "provider = \"postgresql\"\n",
    );
    let (names, c) = order_of(t.path());
    assert_eq!(
        names,
        [
            "migrations/20240101000000_a/migration.sql",
            "migrations/20240102000000_b/migration.sql"
        ]
    );
    assert_eq!(c.files[0].text, "select 1;\n");
}

#[test]
fn down_folder_hidden_and_build_dirs() {
    let t = TempDir::new("skips");
    t.write("m/up/0001_a.sql", "select 1;\n");
    t.write("m/down/0001_a.sql", "select 1;\n");
    t.write("m/down/nested/0002_b.sql", "select 1;\n");
    t.write("m/.git/0003.sql", "select 1;\n");
    t.write("m/.hidden.sql", "select 1;\n");
    t.write("m/target/0004.sql", "select 1;\n");
    t.write("m/node_modules/pkg/0005.sql", "select 1;\n");
    t.write("m/0006_b.SQL", "select 1;\n");
    t.write("m/\u{e9}t\u{e9}.sq", "select 1;\n");
    t.write("m/.sql", "select 1;\n");
    let (names, c) = order_of(t.path());
    assert_eq!(names, ["m/up/0001_a.sql", "m/0006_b.SQL"]);
    assert_eq!(
        rels(t.path(), &c.skipped_down),
        ["m/down/0001_a.sql", "m/down/nested/0002_b.sql"]
    );
    // A file named explicitly in a down/ folder is skipped too (shell globs).
    let c = collect(&[t.path().join("m/down/0001_a.sql")], &opts());
    assert!(c.files.is_empty());
    assert_eq!(c.skipped_down.len(), 1);
}

#[test]
fn no_versions_means_path_order() {
    let t = TempDir::new("lexical");
    t.write("b.sql", "select 1;\n");
    t.write("a/zz.sql", "select 1;\n");
    t.write("a/b/c.sql", "select 1;\n");
    let (names, _) = order_of(t.path());
    assert_eq!(names, ["a/b/c.sql", "a/zz.sql", "b.sql"]);
}

#[test]
fn inputs_are_merged_and_deduplicated() {
    let t = TempDir::new("merge");
    let a = t.mkdir("a");
    let b = t.mkdir("b");
    t.write("a/10_x.sql", "select 1;\n");
    t.write("b/2_y.sql", "select 1;\n");
    let explicit = t.write("b/3_notes.txt", "select 3;\n");
    let c = collect(
        &[a.clone(), b.clone(), a.clone(), b.join("2_y.sql"), explicit],
        &opts(),
    );
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let names: Vec<String> = c.files.iter().map(|f| rel(t.path(), &f.path)).collect();
    assert_eq!(names, ["b/2_y.sql", "b/3_notes.txt", "a/10_x.sql"]);
}

#[test]
fn invalid_utf8_names_file_and_line() {
    let t = TempDir::new("utf8");
    let bad = t.write("0001_bad.sql", b"select 1;\nselect 2;\nselect 'caf\xE9';\n");
    t.write("0002_good.sql", "select 1;\n");
    let (names, c) = order_of(t.path());
    assert_eq!(names, ["0002_good.sql"]);
    assert_eq!(c.errors.len(), 1);
    let e = &c.errors[0];
    assert_eq!(e.path, bad);
    assert_eq!(
        e.to_string(),
        format!(
            "{}: invalid UTF-8 at line 3, byte 31 (0xE9); expected UTF-8 text",
            display_path(&bad)
        )
    );
}

#[test]
fn bom_is_stripped() {
    let t = TempDir::new("bom");
    t.write("0001.sql", b"\xEF\xBB\xBFselect 1;\n");
    let (_, c) = order_of(t.path());
    assert_eq!(c.files[0].text, "select 1;\n");
}

#[test]
fn binary_file() {
    let t = TempDir::new("binary");
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend([0u8, 0, 0, 13]);
    t.write("0001_image.sql", bytes);
    let (_, c) = order_of(t.path());
    assert!(c.files.is_empty());
    assert!(
        c.errors[0].message.starts_with("looks like a binary file"),
        "{}",
        c.errors[0]
    );
}

#[test]
fn oversized_file() {
    let t = TempDir::new("big");
    t.write("0001_big.sql", "x".repeat(3000));
    t.write("0002_small.sql", "select 1;\n");
    let c = collect(
        &[t.path().to_path_buf()],
        &SourceOptions {
            max_file_bytes: 2048,
            ..SourceOptions::default()
        },
    );
    assert_eq!(c.files.len(), 1);
    assert_eq!(
        c.errors[0].message,
        "larger than the 2 KiB limit (2.9 KiB); skipped"
    );
    assert!(
        c.errors[0]
            .to_string()
            .contains("0001_big.sql: larger than")
    );
}

#[test]
fn missing_path() {
    let t = TempDir::new("missing");
    let missing = t.path().join("nope");
    let c = collect(std::slice::from_ref(&missing), &opts());
    assert!(c.files.is_empty());
    assert_eq!(c.errors.len(), 1);
    assert_eq!(c.errors[0].path, missing);
    assert_eq!(
        c.errors[0].to_string(),
        format!("{}: no such file or directory", display_path(&missing))
    );
}

#[test]
fn empty_dir_is_not_an_error() {
    let t = TempDir::new("empty");
    t.write("README.md", "nothing here\n");
    let (names, c) = order_of(t.path());
    assert!(names.is_empty());
    assert!(c.errors.is_empty());
    assert!(c.skipped_down.is_empty());
}

#[cfg(unix)]
#[test]
fn symlink_loop_terminates_with_an_error() {
    use std::os::unix::fs::symlink;
    let t = TempDir::new("loop");
    t.write("m/0001_a.sql", "select 1;\n");
    t.mkdir("m/sub");
    symlink("..", t.path().join("m/sub/back")).expect("symlink");
    // A link cycle that the OS itself reports (ELOOP).
    symlink("cycle_b.sql", t.path().join("m/cycle_a.sql")).expect("symlink");
    symlink("cycle_a.sql", t.path().join("m/cycle_b.sql")).expect("symlink");
    // A link to a sibling directory is not a loop: its files are read once.
    t.write("m/real/0002_b.sql", "select 2;\n");
    symlink("real", t.path().join("m/alias")).expect("symlink");
    // A dangling link to something that is not SQL is ignored.
    symlink("nowhere", t.path().join("m/dangling")).expect("symlink");

    let (names, c) = order_of(t.path());
    assert_eq!(names, ["m/0001_a.sql", "m/alias/0002_b.sql"]);
    let messages: Vec<String> = c.errors.iter().map(|e| rel(t.path(), &e.path)).collect();
    assert_eq!(messages, ["m/cycle_a.sql", "m/cycle_b.sql", "m/sub/back"]);
    assert!(
        c.errors[2].message.starts_with("symbolic link loop"),
        "{}",
        c.errors[2]
    );
    assert!(
        c.errors[0]
            .message
            .starts_with("cannot follow symbolic link"),
        "{}",
        c.errors[0]
    );
}

#[cfg(unix)]
#[test]
fn unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let t = TempDir::new("perm");
    let p = t.write("0001_secret.sql", "select 1;\n");
    t.write("0002_ok.sql", "select 1;\n");
    fs::set_permissions(&p, fs::Permissions::from_mode(0o000)).expect("chmod");
    if fs::read(&p).is_ok() {
        eprintln!("skipping the unreadable-file assertion: this user reads mode-000 files (root)");
        return;
    }
    let (names, c) = order_of(t.path());
    assert_eq!(names, ["0002_ok.sql"]);
    assert_eq!(c.errors.len(), 1);
    assert!(
        c.errors[0].message.starts_with("cannot read: ")
            && c.errors[0].message.contains("ermission"),
        "{}",
        c.errors[0]
    );
}

#[test]
fn stdin_display_name_and_version() {
    let f = stdin_file(b"select 1;".to_vec(), &opts()).expect("stdin file");
    assert_eq!(f.display, "<stdin>");
    assert_eq!(f.version(), None);
    assert_eq!(f.text, "select 1;");

    let named = SourceOptions {
        stdin_filename: Some("migrations/0042_add_index.sql".into()),
        ..opts()
    };
    let f = stdin_file(b"\xEF\xBB\xBFselect 1;".to_vec(), &named).expect("stdin file");
    assert_eq!(f.display, "migrations/0042_add_index.sql");
    assert_eq!(f.path, PathBuf::from("migrations/0042_add_index.sql"));
    assert_eq!(f.version().map(Version::normalized).as_deref(), Some("42"));
    assert_eq!(f.text, "select 1;");

    let e = stdin_file(b"a\n\xC3(".to_vec(), &opts()).expect_err("invalid UTF-8");
    assert_eq!(
        e.to_string(),
        "<stdin>: invalid UTF-8 at line 2, byte 2 (0xC3); expected UTF-8 text"
    );
    let small = SourceOptions {
        max_file_bytes: 4,
        ..opts()
    };
    let e = stdin_file(b"select 1;".to_vec(), &small).expect_err("too large");
    assert_eq!(e.message, "larger than the 4 bytes limit; skipped");
}

#[test]
fn display_paths() {
    let cwd = Path::new("/work/project");
    let d = |p: &str| display_path_in(Path::new(p), Some(cwd));
    assert_eq!(
        d("/work/project/migrations/0001.sql"),
        "migrations/0001.sql"
    );
    assert_eq!(d("./migrations/0001.sql"), "migrations/0001.sql");
    assert_eq!(d("migrations/../db/0001.sql"), "db/0001.sql");
    assert_eq!(d("/elsewhere/0001.sql"), "/elsewhere/0001.sql");
    assert_eq!(d("../other/0001.sql"), "../other/0001.sql");
    assert_eq!(d("./../other/0001.sql"), "../other/0001.sql");
    assert_eq!(display_path_in(Path::new("a/b.sql"), None), "a/b.sql");
    // the quick path for clean paths gives what the component-wise one gives
    for cwd in [
        "/work/project",
        "/work/./project/",
        "/",
        "/work/project/../x",
    ] {
        for p in [
            "/work/project/migrations/0001.sql",
            "/work/project",
            "/work/projectx/a.sql",
            "/work/x/a.sql",
            "/elsewhere/0001.sql",
            "migrations/0001.sql",
            "a.sql",
            "a//b.sql",
            "a/./b.sql",
            "a/../b.sql",
            "/",
            "a/",
        ] {
            let (p, cwd) = (Path::new(p), Path::new(cwd));
            let slow = {
                let cwd = lexical_normalize(cwd);
                let abs = if p.is_absolute() {
                    lexical_normalize(p)
                } else {
                    lexical_normalize(&cwd.join(p))
                };
                match abs.strip_prefix(&cwd) {
                    Ok(rel) if !rel.as_os_str().is_empty() => slash_path(rel),
                    _ => slash_path(p),
                }
            };
            assert_eq!(display_path_in(p, Some(cwd)), slow, "{p:?} in {cwd:?}");
            assert_eq!(display_path_in(p, None), slash_path(p), "{p:?}");
        }
    }
    // a current directory with `.` and `..` in it gives the same names
    let messy = Path::new("/work/./other/../project");
    assert_eq!(
        display_path_in(Path::new("/work/project/migrations/0001.sql"), Some(messy)),
        "migrations/0001.sql"
    );
    assert_eq!(
        display_path_in(Path::new("migrations/../db/0001.sql"), Some(messy)),
        "db/0001.sql"
    );
}

/// The real corpus: each set's directory, collected, must come out in the manifest's
/// apply order.
#[test]
fn corpus_apply_order_matches_manifest() {
    let root = Path::new("/work/shared/corpus");
    let manifest_path = root.join("manifest.json");
    let Ok(manifest) = fs::read_to_string(&manifest_path) else {
        eprintln!(
            "skipping the corpus order check: {} is absent",
            manifest_path.display()
        );
        return;
    };
    let manifest: serde_json::Value =
        serde_json::from_str(&manifest).expect("corpus manifest.json is valid JSON");
    let sets = manifest["sets"]
        .as_array()
        .expect("manifest has a sets array");
    assert!(!sets.is_empty());
    for set in sets {
        let name = set["name"].as_str().expect("set name");
        let expected: Vec<&str> = set["files"]
            .as_array()
            .expect("set files")
            .iter()
            .map(|f| f.as_str().expect("file name"))
            .collect();
        let dir = root.join("sets").join(name);
        let (got, c) = order_of(&dir);
        assert!(c.errors.is_empty(), "{name}: {:?}", c.errors);
        assert!(c.skipped_down.is_empty(), "{name}: {:?}", c.skipped_down);
        if got != expected {
            let at = got
                .iter()
                .zip(&expected)
                .position(|(g, e)| g != e)
                .unwrap_or(got.len().min(expected.len()));
            panic!(
                "{name}: order differs from the manifest at position {at}: got {:?}, expected {:?} \
                 ({} files vs {})",
                got.get(at),
                expected.get(at),
                got.len(),
                expected.len()
            );
        }
        eprintln!("corpus {name}: {} files in manifest order", got.len());
    }
}

/// A reader that hands out at most `step` bytes a call, and is interrupted once first.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
    interrupted: bool,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.interrupted {
            self.interrupted = true;
            return Err(io::Error::from(io::ErrorKind::Interrupted));
        }
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// One read takes a file of the size its metadata gives; anything else (a short read,
/// a file that grew, no size) is left for `read_to_end`, with what was read kept.
#[test]
fn read_whole_trusts_only_a_read_of_exactly_the_size() {
    let data = b"CREATE TABLE t (id int);\n".repeat(10);
    let whole = |step: usize, len: u64| {
        let mut r = Trickle {
            data: &data,
            step,
            interrupted: false,
        };
        let mut bytes = Vec::new();
        let done = read_whole(&mut r, &mut bytes, len).expect("read");
        if !done {
            r.read_to_end(&mut bytes).expect("rest");
        }
        assert_eq!(bytes, data, "step {step}, len {len}");
        done
    };
    let len = data.len() as u64;
    assert!(whole(usize::MAX, len), "one read of the whole file");
    assert!(!whole(7, len), "a short read is not the end");
    assert!(
        !whole(usize::MAX, len - 3),
        "the file grew since its metadata"
    );
    assert!(!whole(usize::MAX, 0), "no size: read to the end");
    // and through the real reader, on a real file
    let dir = TempDir::new("read-whole");
    dir.write("a.sql", &data);
    let (names, collected) = order_of(dir.path());
    assert_eq!(names, vec!["a.sql"]);
    assert_eq!(collected.files[0].text.as_bytes(), &data[..]);
}

/// Files are read in batches while the walk goes on: across batch boundaries none is lost
/// or read twice, each keeps its own text, and the order is the apply order (equal
/// versions by path, as `0002_two`/`2_other` above).
#[test]
fn files_read_in_batches_keep_their_text_and_order() {
    let t = TempDir::new("batches");
    let n = 3 * super::READ_BATCH + 5;
    let mut expected = Vec::new();
    for i in 0..n {
        // every third file shares its version with the one before it
        let version = i - usize::from(i % 3 == 2);
        let name = format!("{version:05}_{i:05}.sql");
        t.write(&name, format!("select {i};\n"));
        expected.push(name);
        if i % 10 == 0 {
            t.write(&format!("{version:05}_{i:05}.down.sql"), "select 0;\n");
        }
    }
    let (names, c) = order_of(t.path());
    assert_eq!(names, expected);
    for (i, f) in c.files.iter().enumerate() {
        assert_eq!(f.text, format!("select {i};\n"), "{}", f.display);
    }
    assert_eq!(c.skipped_down.len(), n.div_ceil(10));
    assert!(c.errors.is_empty(), "{:?}", c.errors);
}
