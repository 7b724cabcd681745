//! The command line as users meet it: exit codes, bad input, stdin, ignores, config.

mod common;

use common::{TempDir, schemaguard, schemaguard_in};
use std::io::Write;
use std::process::{Command, Stdio};

#[test]
fn sample_migrations_report_the_three_dangerous_files_and_exit_1() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/sample_migrations");
    let out = schemaguard(&["check", sample]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    for expected in [
        "error[create-index-non-concurrently]",
        "0011_index_orders_status.sql:4:1",
        "error[set-not-null-scan]",
        "error[add-column-rewrite]",
        "= fix:",
        "= see: schemaguard explain",
    ] {
        assert!(
            out.stdout.contains(expected),
            "missing {expected:?} in:\n{}",
            out.stdout
        );
    }
    // the safe files stay quiet
    for quiet in [
        "0006_index_products_sku.sql",
        "0009_add_orders_coupon_fk.sql",
        "0003_create_orders.sql",
    ] {
        assert!(
            !out.stdout.contains(quiet),
            "{quiet} should have no findings:\n{}",
            out.stdout
        );
    }
    assert!(out.stdout.contains("in 16 files"), "{}", out.stdout);
}

#[test]
fn default_command_is_check() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/sample_migrations");
    let out = schemaguard(&[sample]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("create-index-non-concurrently"));
}

#[test]
fn fail_on_warning_turns_warnings_into_exit_1() {
    let dir = TempDir::new("failon");
    dir.write(
        "001.sql",
        "CREATE TABLE a (id bigint PRIMARY KEY, note text);\n",
    );
    dir.write(
        "002.sql",
        "SET lock_timeout = '1s';\nALTER TABLE a DROP COLUMN note;\n",
    );
    assert_eq!(schemaguard(&["check", dir.path()]).code, 0);
    assert_eq!(
        schemaguard(&["check", "--fail-on", "warning", dir.path()]).code,
        1
    );
}

#[test]
fn unparseable_sql_is_a_warning_and_checking_goes_on() {
    let dir = TempDir::new("unparsed");
    dir.write(
        "001.sql",
        "CREATE TABLE a (id bigint PRIMARY KEY);\nCREATE TABLE broken (id bigint,, );\nCREATE INDEX a_id ON a (id);\n",
    );
    let out = schemaguard(&["check", "--fail-on", "warning", dir.path()]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains("warning[unparsed-statement]"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("001.sql:2:1"), "{}", out.stdout);
    // a clean run without --fail-on warning
    assert_eq!(schemaguard(&["check", dir.path()]).code, 0);
}

#[test]
fn invalid_utf8_is_an_input_error_naming_the_file_and_others_are_still_checked() {
    let dir = TempDir::new("utf8");
    std::fs::write(
        dir.0.join("001_bad.sql"),
        b"CREATE TABLE a (id int);\n-- caf\xe9\n",
    )
    .expect("write");
    dir.write("002_ok.sql", "CREATE TABLE b (id serial PRIMARY KEY);\n");
    let out = schemaguard(&["check", dir.path()]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("001_bad.sql"), "{}", out.stderr);
    assert!(out.stderr.contains("UTF-8"), "{}", out.stderr);
    // 002 was still checked: its hint is there
    assert!(out.stdout.contains("prefer-identity"), "{}", out.stdout);
}

#[test]
fn empty_file_is_fine_and_noted() {
    let dir = TempDir::new("empty");
    dir.write("001_empty.sql", "");
    let out = schemaguard(&["check", dir.path()]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("001_empty.sql:1: holds no SQL statements"),
        "{}",
        out.stdout
    );
}

#[test]
fn missing_path_is_an_error_with_exit_2() {
    let out = schemaguard(&["check", "/no/such/migrations"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("/no/such/migrations"), "{}", out.stderr);
}

#[test]
fn directory_without_sql_is_an_error_with_exit_2() {
    let dir = TempDir::new("nosql");
    dir.write("README.txt", "nothing here");
    let out = schemaguard(&["check", dir.path()]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("no migration files found"),
        "{}",
        out.stderr
    );
}

#[test]
fn no_paths_and_no_config_is_a_usage_error() {
    let dir = TempDir::new("nopaths");
    let out = schemaguard_in(&["check"], Some(&dir.0));
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("no migration files given"),
        "{}",
        out.stderr
    );
}

#[test]
fn bad_flag_value_is_a_usage_error() {
    let out = schemaguard(&["check", "--pg-version", "9", "x.sql"]);
    assert_eq!(out.code, 2);
    let out = schemaguard(&["check", "--format", "xml", "x.sql"]);
    assert_eq!(out.code, 2);
}

#[test]
fn stdin_is_read_with_the_given_file_name() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_schemaguard"))
        .args([
            "check",
            "--format",
            "json",
            "--stdin-filename",
            "0042_index.sql",
            "-",
        ])
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"BEGIN;\nCREATE INDEX CONCURRENTLY a_idx ON accounts (email);\nCOMMIT;\n")
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let f = &doc["findings"][0];
    assert_eq!(f["rule"], "concurrently-in-transaction");
    assert_eq!(f["file"], "0042_index.sql");
    assert_eq!(f["line"], 2);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn json_is_one_versioned_document() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/sample_migrations");
    let doc = common::json(&["check", "--format", "json", sample]);
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["summary"]["files"], 16);
    let f = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "create-index-non-concurrently")
        .expect("the index finding");
    for key in [
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "severity",
        "message",
        "relation",
        "lock_mode",
        "fix",
    ] {
        assert!(!f[key].is_null(), "{key} is null in {f}");
    }
    assert_eq!(f["lock_mode"], "SHARE");
    assert_eq!(f["relation"], "public.orders");
    let plan = common::json(&["plan", "--format", "json", sample]);
    let st = plan["statements"]
        .as_array()
        .expect("statements")
        .iter()
        .find(|s| {
            s["kind"] == "CREATE INDEX"
                && s["file"]
                    .as_str()
                    .is_some_and(|f| f.ends_with("0011_index_orders_status.sql"))
        })
        .expect("the index statement");
    assert_eq!(st["start_line"], 4);
    assert_eq!(st["locks"][0]["mode"], "SHARE");
    assert_eq!(st["locks"][0]["blocks_writes"], true);
    assert_eq!(st["in_transaction"], true);
}

#[test]
fn inline_ignore_silences_one_statement_and_unknown_rules_are_reported() {
    let dir = TempDir::new("ignore");
    dir.write(
        "001.sql",
        "CREATE TABLE a (id bigint PRIMARY KEY, x text, y text);\n",
    );
    dir.write(
        "002.sql",
        "SET lock_timeout = '1s';\n\
         -- schemaguard:ignore drop-column -- unused since 4.2\n\
         ALTER TABLE a DROP COLUMN x;\n\
         ALTER TABLE a DROP COLUMN y;\n\
         -- schemaguard:ignore no-such-rule\n\
         SELECT 1;\n",
    );
    let doc = common::json(&["check", "--format", "json", dir.path()]);
    let findings = doc["findings"].as_array().expect("findings");
    let drops: Vec<u64> = findings
        .iter()
        .filter(|f| f["rule"] == "drop-column")
        .filter_map(|f| f["line"].as_u64())
        .collect();
    assert_eq!(drops, vec![4], "only the second drop is reported");
    assert!(
        findings
            .iter()
            .any(|f| f["rule"] == "invalid-directive" && f["line"] == 5)
    );
    assert_eq!(doc["summary"]["suppressed"], 1);
}

#[test]
fn config_turns_rules_off_and_sets_the_version() {
    let dir = TempDir::new("config");
    dir.write(
        "migrations/001.sql",
        "CREATE TABLE t (id serial PRIMARY KEY, name varchar(20));\n",
    );
    dir.write(
        "schemaguard.toml",
        "pg_version = 12\npaths = [\"migrations\"]\n[rules]\nprefer-text = \"off\"\nprefer-identity = \"error\"\n",
    );
    let out = schemaguard_in(&["check", "--format", "json"], Some(&dir.0));
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(doc["pg_version"], 12);
    let rules: Vec<&str> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(!rules.contains(&"prefer-text"), "{rules:?}");
    assert!(rules.contains(&"prefer-identity"));
    assert_eq!(out.code, 1, "prefer-identity raised to error");
}

#[test]
fn config_errors_are_clear_and_exit_2() {
    let dir = TempDir::new("badconfig");
    dir.write("001.sql", "SELECT 1;\n");
    dir.write("schemaguard.toml", "[rules]\nno-such-rule = \"off\"\n");
    let out = schemaguard_in(&["check", "001.sql"], Some(&dir.0));
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no-such-rule"), "{}", out.stderr);
    assert!(out.stderr.contains("schemaguard.toml"), "{}", out.stderr);
}

#[test]
fn psql_meta_commands_are_skipped_with_a_note() {
    let dir = TempDir::new("meta");
    dir.write(
        "001.sql",
        "\\connect app\nCREATE TABLE a (id bigint PRIMARY KEY);\n",
    );
    let out = schemaguard(&["check", dir.path()]);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout.contains("note:") && out.stdout.contains("\\connect app"),
        "{}",
        out.stdout
    );
}

#[test]
fn rules_and_explain() {
    let out = schemaguard(&["rules"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("create-index-non-concurrently"));
    let out = schemaguard(&["explain", "set-not-null-scan"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.starts_with("# set-not-null-scan"));
    let out = schemaguard(&["explain", "nope"]);
    assert_eq!(out.code, 2);
}

#[test]
fn no_colour_when_not_a_terminal_or_no_color_is_set() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/sample_migrations");
    let out = schemaguard(&["check", sample]);
    assert!(
        !out.stdout.contains('\u{1b}'),
        "escape codes in piped output"
    );
    let forced = schemaguard(&["check", "--color", "always", sample]);
    assert!(forced.stdout.contains('\u{1b}'));
}

/// A panic is a bug, and still a documented outcome: the panic's message, an internal
/// error, exit 2, from the main thread or any other (the release build aborts on a panic,
/// so `main`'s hook does all of it; `SCHEMAGUARD_TEST_PANIC` makes one).
#[test]
fn a_panic_is_an_internal_error_that_exits_2_on_any_thread() {
    for place in ["main", "thread"] {
        let out = Command::new(env!("CARGO_BIN_EXE_schemaguard"))
            .args(["check", "--format", "json", "sample_migrations"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("SCHEMAGUARD_TEST_PANIC", place)
            .output()
            .expect("run schemaguard");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{place}: {stderr}");
        assert!(out.stdout.is_empty(), "{place}");
        assert!(
            stderr.contains("panicked at") && stderr.contains("SCHEMAGUARD_TEST_PANIC"),
            "{place}: {stderr}"
        );
        assert!(
            stderr.contains("error: internal error (a bug in schemaguard)"),
            "{place}: {stderr}"
        );
        if place == "thread" {
            assert!(
                stderr.contains("SCHEMAGUARD_TEST_PANIC=thread"),
                "{place}: {stderr}"
            );
        }
    }
}

#[test]
fn a_huge_statement_file_is_checked_quickly_without_panicking() {
    let dir = TempDir::new("big");
    let mut sql = String::new();
    for i in 0..10_000 {
        sql.push_str(&format!(
            "ALTER TABLE t{} ADD COLUMN c{} text;\n",
            i % 50,
            i
        ));
    }
    dir.write("001.sql", &sql);
    let started = std::time::Instant::now();
    let out = schemaguard(&["check", "--format", "json", dir.path()]);
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    // generous: the release figure is far lower (see benches/check.rs)
    assert!(
        started.elapsed().as_secs() < 20,
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn deep_nesting_is_an_unparsed_statement_not_a_crash() {
    let dir = TempDir::new("deep");
    let sql = format!("SELECT {}1{};\n", "(".repeat(10_000), ")".repeat(10_000));
    dir.write("001.sql", &sql);
    let out = schemaguard(&["check", "--format", "json", dir.path()]);
    assert!(
        out.code == 0 || out.code == 1,
        "exit {}: {}",
        out.code,
        out.stderr
    );
    assert!(
        out.stdout.contains("unparsed-statement"),
        "{}",
        &out.stdout[..out.stdout.len().min(500)]
    );
}

/// Runs schemaguard in this directory with its standard output a pipe whose reader is
/// gone before the program starts (so the outcome does not depend on timing), and
/// checks that it ends quietly with what a shell reports for SIGPIPE.
#[cfg(unix)]
fn assert_quiet_on_closed_stdout(args: &[&str]) {
    use std::os::fd::{FromRawFd, OwnedFd};
    // a pipe by hand: `std::io::pipe` is newer than our minimum Rust (1.85)
    let mut fds = [0; 2];
    // SAFETY: `pipe` fills `fds` with two new descriptors, owned from here on
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0, "a pipe");
    let (reader, writer) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_schemaguard"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run schemaguard");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty(), "{args:?}: stderr: {stderr}");
    assert_eq!(out.status.code(), Some(141), "{args:?}");
}

#[cfg(unix)]
#[test]
fn a_reader_that_goes_away_is_not_an_internal_error() {
    // `schemaguard rules | head -1`: printed with println!
    assert_quiet_on_closed_stdout(&["rules"]);
}

#[cfg(unix)]
#[test]
fn a_reader_that_goes_away_from_streamed_json_is_not_an_error_message() {
    // check --format json is written as produced (not through println!)
    assert_quiet_on_closed_stdout(&["check", "--format", "json", "sample_migrations"]);
}
