//! The bad-input catalogue (README "Bad input"): each kind of broken input gives a clear
//! message naming the file and the documented exit code, and the other files are still
//! checked. Every case runs the binary on a folder holding the bad file and a good one.

mod common;

use common::{Output, TempDir, schemaguard, schemaguard_in};
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

/// A good migration beside each bad one: its `prefer-identity` hint proves it was checked.
const GOOD: &str = "CREATE TABLE good (id serial PRIMARY KEY);\n";
const GOOD_NAME: &str = "002_good.sql";

fn with_good(tag: &str) -> TempDir {
    let dir = TempDir::new(tag);
    dir.write(GOOD_NAME, GOOD);
    dir
}

fn json_of(out: &Output) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", out.stdout))
}

fn check_json(dir: &TempDir) -> (Output, Value) {
    let out = schemaguard(&["check", "--format", "json", dir.path()]);
    let doc = json_of(&out);
    (out, doc)
}

fn good_was_checked(doc: &Value) -> bool {
    doc["findings"].as_array().is_some_and(|fs| {
        fs.iter().any(|f| {
            f["file"].as_str().is_some_and(|p| p.ends_with(GOOD_NAME))
                && f["rule"] == "prefer-identity"
        })
    })
}

/// The one input error of a run: (file, message).
fn input_error(doc: &Value) -> (String, String) {
    let errors = doc["input_errors"].as_array().cloned().unwrap_or_default();
    assert_eq!(errors.len(), 1, "{errors:?}");
    (
        errors[0]["file"].as_str().unwrap_or_default().to_string(),
        errors[0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

/// A file that cannot be read: exit 2, the file and `message` named on stderr (human)
/// and in `input_errors` (json), the good file still checked.
fn assert_input_error(dir: &TempDir, file: &str, message: &str) {
    let human = schemaguard(&["check", dir.path()]);
    assert_eq!(human.code, 2, "{}{}", human.stdout, human.stderr);
    let line = human
        .stderr
        .lines()
        .find(|l| l.contains(file))
        .unwrap_or_else(|| panic!("{file} not named on stderr: {}", human.stderr));
    assert!(line.starts_with("error: "), "{line}");
    assert!(line.contains(message), "{line}");
    assert!(human.stdout.contains("prefer-identity"), "{}", human.stdout);

    let (out, doc) = check_json(dir);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let (f, m) = input_error(&doc);
    assert!(f.ends_with(file), "{f}");
    assert!(m.contains(message), "{m}");
    assert!(good_was_checked(&doc), "{doc}");
}

/// The `unparsed-statement` finding in `file`: (line, severity, message).
fn unparsed(doc: &Value, file: &str) -> Vec<(u64, String, String)> {
    doc["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == "unparsed-statement")
        .filter(|f| f["file"].as_str().is_some_and(|p| p.ends_with(file)))
        .map(|f| {
            (
                f["line"].as_u64().unwrap_or(0),
                f["severity"].as_str().unwrap_or_default().to_string(),
                f["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn invalid_utf8_names_the_file_line_and_byte() {
    let dir = with_good("bad-utf8");
    std::fs::write(
        dir.0.join("001_bad.sql"),
        b"CREATE TABLE a (id int);\n-- caf\xe9\n",
    )
    .expect("write");
    assert_input_error(
        &dir,
        "001_bad.sql",
        "invalid UTF-8 at line 2, byte 31 (0xE9); expected UTF-8 text",
    );
    // plan reports it the same way
    let plan = schemaguard(&["plan", dir.path()]);
    assert_eq!(plan.code, 2);
    assert!(
        plan.stderr.contains("001_bad.sql: invalid UTF-8"),
        "{}",
        plan.stderr
    );
    assert!(plan.stdout.contains(GOOD_NAME), "{}", plan.stdout);
}

#[test]
fn binary_files_are_named_as_binary() {
    let dir = with_good("bad-binary");
    // an image with NUL bytes
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend((0..2000u32).map(|i| (i * 7 % 256) as u8));
    std::fs::write(dir.0.join("001_image.sql"), &png).expect("write");
    assert_input_error(&dir, "001_image.sql", "looks like a binary file");

    // no NUL bytes, but not UTF-8 and full of control bytes
    let dir = with_good("bad-binary-noise");
    let noise: Vec<u8> = (0..4000u32).map(|i| (i * 37 % 251) as u8 | 0x01).collect();
    std::fs::write(dir.0.join("001_noise.sql"), &noise).expect("write");
    assert_input_error(&dir, "001_noise.sql", "looks like a binary file");
}

#[test]
fn a_100_mb_file_is_skipped_at_the_default_limit_without_reading_it() {
    let dir = with_good("bad-huge");
    // sparse: 100 MiB on paper, nothing written, so the test stays fast; the size check
    // comes before any read
    let file = std::fs::File::create(dir.0.join("001_huge.sql")).expect("create");
    file.set_len(100 << 20).expect("set_len");
    let started = std::time::Instant::now();
    assert_input_error(
        &dir,
        "001_huge.sql",
        "larger than the 10 MiB limit (100 MiB); skipped",
    );
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
}

#[test]
fn max_file_size_kib_sets_the_limit() {
    let dir = with_good("bad-limit");
    dir.write("001_big.sql", &"SELECT 1;\n".repeat(300)); // 3000 bytes
    dir.write("schemaguard.toml", "max_file_size_kib = 2\n");
    let config = dir.0.join("schemaguard.toml");
    let config = config.to_str().expect("utf-8 path");
    let out = schemaguard(&["check", "--config", config, "--format", "json", dir.path()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let doc = json_of(&out);
    let (file, message) = input_error(&doc);
    assert!(file.ends_with("001_big.sql"), "{file}");
    assert_eq!(message, "larger than the 2 KiB limit (2.9 KiB); skipped");
    assert!(good_was_checked(&doc));
}

#[test]
fn a_100_mb_stream_on_stdin_stops_at_the_limit() {
    // a stream has no size to look at: the reader stops one byte past the limit
    let mut child = Command::new(env!("CARGO_BIN_EXE_schemaguard"))
        .args(["check", "-", "--stdin-filename", "0001_piped.sql"])
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start schemaguard");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        let chunk = "SELECT 1;\n".repeat(100_000); // 1 MB
        for _ in 0..100 {
            // schemaguard stops reading at the limit and exits: a broken pipe ends this
            if stdin.write_all(chunk.as_bytes()).is_err() {
                return;
            }
        }
    });
    let out = child.wait_with_output().expect("wait");
    let _ = writer.join();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("0001_piped.sql: larger than the 10 MiB limit; skipped"),
        "{stderr}"
    );
}

/// An unterminated quote or comment: an error at the opener's line (the migration
/// cannot run), exit 1; what comes before it in the file and the other files are checked.
fn assert_unterminated(tag: &str, sql: &str, what: &str, line: u64, at: &str) {
    let dir = with_good(tag);
    // the first statement has a finding of its own: it was checked
    dir.write("001_bad.sql", &format!("CREATE TABLE a (id int);\n{sql}"));
    let (out, doc) = check_json(&dir);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let found = unparsed(&doc, "001_bad.sql");
    assert_eq!(found.len(), 1, "{found:?}");
    let (_, severity, message) = &found[0];
    assert_eq!(severity, "error");
    assert!(
        message.starts_with(&format!("unterminated {what} opened at line {line}")),
        "{message}"
    );
    assert!(
        message.contains("PostgreSQL rejects this migration"),
        "{message}"
    );
    let first_checked = doc["findings"].as_array().is_some_and(|fs| {
        fs.iter()
            .any(|f| f["rule"] == "require-primary-key" && f["line"] == 1)
    });
    assert!(first_checked, "{doc}");
    assert!(good_was_checked(&doc), "{doc}");
    // the human format points at the file
    let human = schemaguard(&["check", dir.path()]);
    assert_eq!(human.code, 1);
    assert!(
        human
            .stdout
            .contains("error[unparsed-statement]: unterminated"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains(&format!("001_bad.sql:{at}")),
        "{}",
        human.stdout
    );
}

#[test]
fn unterminated_dollar_quote() {
    assert_unterminated(
        "bad-dollar",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$\n  SELECT 1;\nCREATE TABLE c (id int);\n",
        "dollar-quoted string",
        2,
        "2:1",
    );
}

#[test]
fn unterminated_string() {
    assert_unterminated(
        "bad-string",
        "INSERT INTO a VALUES\n  (1), ('it's');\nCREATE TABLE c (id int);\n",
        "single-quoted string",
        3,
        "2:1",
    );
}

#[test]
fn unterminated_quoted_identifier() {
    assert_unterminated(
        "bad-ident",
        "ALTER TABLE a ADD COLUMN \"note text;\n",
        "quoted identifier",
        2,
        "2:1",
    );
}

#[test]
fn unterminated_comment() {
    assert_unterminated(
        "bad-comment",
        "ALTER TABLE a ADD COLUMN note text; /* later:\nCREATE TABLE c (id int);\n",
        "block comment",
        2,
        // the statement is the comment itself: after the `;` of the ALTER
        "2:37",
    );
}

#[test]
fn ten_thousand_nested_parentheses_do_not_overflow_the_stack() {
    let dir = with_good("bad-deep");
    let (open, close) = ("(".repeat(10_000), ")".repeat(10_000));
    dir.write("001_select.sql", &format!("SELECT {open}1{close};\n"));
    dir.write(
        "003_do.sql",
        &format!("DO $$ BEGIN PERFORM {open}1{close}; END $$;\n"),
    );
    dir.write(
        "004_array.sql",
        &format!(
            "SELECT {}1{};\n",
            "ARRAY[".repeat(10_000),
            "]".repeat(10_000)
        ),
    );
    dir.write(
        "005_comment.sql",
        &format!(
            "{}x{}\nSELECT 1;\n",
            "/*".repeat(10_000),
            "*/".repeat(10_000)
        ),
    );
    dir.write(
        "006_check.sql",
        &format!("CREATE TABLE d (a int CHECK ({open}a > 1{close}));\n"),
    );
    let (out, doc) = check_json(&dir);
    // unparsed statements are warnings: exit 0 unless --fail-on warning
    assert_eq!(out.code, 0, "{}", out.stderr);
    for file in ["001_select.sql", "003_do.sql", "004_array.sql"] {
        let found = unparsed(&doc, file);
        assert_eq!(found.len(), 1, "{file}: {found:?}");
        assert_eq!(found[0].1, "warning");
        assert!(found[0].2.contains("recursion limit"), "{found:?}");
    }
    assert!(good_was_checked(&doc));
    let strict = schemaguard(&["check", "--fail-on", "warning", dir.path()]);
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    assert!(
        strict.stdout.contains("001_select.sql:1:1"),
        "{}",
        &strict.stdout[..strict.stdout.len().min(2000)]
    );
}

#[test]
fn empty_and_comment_only_files_are_notes_not_errors() {
    let dir = with_good("bad-empty");
    dir.write("001_empty.sql", "");
    dir.write(
        "003_blank.sql",
        "\n  \n-- nothing yet\n/* still nothing */\n",
    );
    let (out, doc) = check_json(&dir);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let notes = doc["notes"].to_string();
    assert!(notes.contains("001_empty.sql"), "{notes}");
    assert!(notes.contains("003_blank.sql"), "{notes}");
    assert!(notes.contains("holds no SQL statements"), "{notes}");
    assert!(good_was_checked(&doc));
}

#[test]
fn a_directory_with_no_sql_is_named() {
    let dir = TempDir::new("bad-nosql");
    dir.write("README.md", "no migrations yet\n");
    dir.write("notes/plan.txt", "later\n");
    let out = schemaguard(&["check", dir.path()]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr.contains(&format!(
            "error: no migration files found in {}",
            dir.path()
        )),
        "{}",
        out.stderr
    );
}

#[cfg(unix)]
#[test]
fn symbolic_link_loops_are_named_and_not_followed() {
    use std::os::unix::fs::symlink;
    let dir = with_good("bad-loop");
    std::fs::create_dir(dir.0.join("sub")).expect("mkdir");
    symlink("..", dir.0.join("sub/back")).expect("symlink");
    let (out, doc) = check_json(&dir);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let (file, message) = input_error(&doc);
    assert!(file.ends_with("sub/back"), "{file}");
    assert!(message.starts_with("symbolic link loop"), "{message}");
    assert!(good_was_checked(&doc));

    // two file links pointing at each other
    let dir = with_good("bad-loop-files");
    symlink("001_b.sql", dir.0.join("001_a.sql")).expect("symlink");
    symlink("001_a.sql", dir.0.join("001_b.sql")).expect("symlink");
    let (out, doc) = check_json(&dir);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let errors = doc["input_errors"].to_string();
    assert!(errors.contains("001_a.sql"), "{errors}");
    assert!(errors.contains("001_b.sql"), "{errors}");
    assert!(errors.contains("cannot follow symbolic link"), "{errors}");
    assert!(good_was_checked(&doc));
}

/// Runs schemaguard as an unprivileged user when the tests run as root (root reads
/// files whatever their permissions); `None` if that is not possible here.
#[cfg(unix)]
fn check_unprivileged(dir: &TempDir, format: &str) -> Option<Output> {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_schemaguard"));
    cmd.args(["check", "--format", format, dir.path()])
        .env("NO_COLOR", "1");
    // SAFETY: geteuid has no preconditions
    if unsafe { libc::geteuid() } == 0 {
        // nobody; the temporary folder is world-readable, the binary world-executable
        cmd.uid(65534).gid(65534);
    }
    match cmd.output() {
        Ok(out) => Some(Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }),
        Err(e) => {
            common::skipped(format!(
                "cannot run schemaguard as an unprivileged user here: {e}"
            ));
            None
        }
    }
}

#[cfg(unix)]
#[test]
fn unreadable_files_and_folders_are_named() {
    use std::os::unix::fs::PermissionsExt;
    let dir = with_good("bad-perm");
    let secret = dir.write("001_secret.sql", "CREATE TABLE s (id int);\n");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let locked = dir.0.join("locked");
    std::fs::create_dir(&locked).expect("mkdir");
    dir.write("locked/003_hidden.sql", "CREATE TABLE h (id int);\n");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    // world-readable, so that the unprivileged user reaches the good file
    std::fs::set_permissions(&dir.0, std::fs::Permissions::from_mode(0o755)).expect("chmod");

    let Some(json) = check_unprivileged(&dir, "json") else {
        return;
    };
    let human = check_unprivileged(&dir, "human");
    // let TempDir's drop remove them
    let _ = std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755));
    let _ = std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644));

    assert_eq!(json.code, 2, "{}", json.stderr);
    let doc = json_of(&json);
    let errors = doc["input_errors"].as_array().cloned().unwrap_or_default();
    assert_eq!(errors.len(), 2, "{errors:?}");
    let file_error = errors
        .iter()
        .find(|e| {
            e["file"]
                .as_str()
                .is_some_and(|f| f.ends_with("001_secret.sql"))
        })
        .unwrap_or_else(|| panic!("{errors:?}"));
    assert!(
        file_error["message"]
            .as_str()
            .is_some_and(|m| m.contains("cannot read: Permission denied")),
        "{file_error}"
    );
    let dir_error = errors
        .iter()
        .find(|e| e["file"].as_str().is_some_and(|f| f.ends_with("locked")))
        .unwrap_or_else(|| panic!("{errors:?}"));
    assert!(
        dir_error["message"]
            .as_str()
            .is_some_and(|m| m.contains("cannot read directory: Permission denied")),
        "{dir_error}"
    );
    assert!(good_was_checked(&doc), "{doc}");
    let human = human.expect("ran once already");
    assert_eq!(human.code, 2);
    assert!(
        human
            .stderr
            .lines()
            .any(|l| l.starts_with("error: ") && l.contains("001_secret.sql: cannot read")),
        "{}",
        human.stderr
    );
}

#[test]
fn every_format_names_an_unreadable_file() {
    let dir = with_good("bad-formats");
    std::fs::write(dir.0.join("001_bad.sql"), b"SELECT '\xff';\n").expect("write");
    for format in ["human", "json", "sarif", "github", "markdown"] {
        let out = schemaguard_in(&["check", "--format", format, dir.path()], None);
        assert_eq!(out.code, 2, "{format}: {}", out.stderr);
        let all = format!("{}{}", out.stdout, out.stderr);
        assert!(
            all.contains("001_bad.sql") && all.contains("invalid UTF-8 at line 1"),
            "{format}: {all}"
        );
    }
}
