//! The CI outputs reviewers use: SARIF (validated against the official schema), GitHub
//! workflow commands, the markdown PR comment, the pre-commit hook and the README's
//! GitHub Actions example.

mod common;

use common::{TempDir, json, schemaguard, schemaguard_in};
use serde_json::Value;
use std::path::Path;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

fn manifest() -> &'static Path {
    Path::new(MANIFEST)
}

/// The SARIF 2.1.0 schema (see tests/data/README.md), with format checks on.
fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(manifest().join("tests/data/sarif-schema-2.1.0.json"))
        .expect("read the SARIF schema");
    let mut schema: Value = serde_json::from_str(&text).expect("the SARIF schema is JSON");
    escape_stray_bracket(&mut schema);
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

/// The schema's two `language` patterns end in a stray `]`: a literal in ECMA-262's
/// web-compatible syntax, an error in the strict syntax that the draft-07 meta-schema's
/// `regex` format checks, so the schema itself would not compile. Escaping it keeps the
/// pattern's meaning (and schemaguard never writes `language`).
fn escape_stray_bracket(schema: &mut Value) {
    const STRAY: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    match schema {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if key == "pattern" && value.as_str() == Some(STRAY) {
                    *value = Value::from(STRAY.replace("]?$", "\\]?$"));
                } else {
                    escape_stray_bracket(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(escape_stray_bracket),
        _ => {}
    }
}

fn assert_valid_sarif(stdout: &str) -> Value {
    let doc: Value =
        serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"));
    let errors: Vec<String> = sarif_validator()
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "invalid SARIF:\n{}\n{stdout}",
        errors.join("\n")
    );
    doc
}

/// A history where the second file has one hint (prefer-text), plus a file that cannot
/// be read and a note (a skipped psql meta-command).
fn hint_and_input_error_dir() -> TempDir {
    let dir = TempDir::new("outputs-hint");
    dir.write(
        "0001_create_accounts.sql",
        "\\set ON_ERROR_STOP on\nCREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);\n",
    );
    dir.write(
        "0002_add_nickname.sql",
        "SET lock_timeout = '2s';\nALTER TABLE accounts ADD COLUMN nickname varchar(40);\n",
    );
    let bad = dir.0.join("0003_broken.sql");
    std::fs::write(&bad, b"SELECT '\xE9t\xE9';\n").expect("write a non-UTF-8 file");
    dir
}

#[test]
fn sarif_of_the_sample_migrations_is_valid_and_complete() {
    let out = schemaguard_in(
        &["check", "--format", "sarif", "sample_migrations"],
        Some(manifest()),
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let doc = assert_valid_sarif(&out.stdout);
    assert_eq!(doc["version"], "2.1.0");
    let runs = doc["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "schemaguard");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));

    // every rule `schemaguard rules` lists, with its page
    let listed: Vec<String> = schemaguard(&["rules"])
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    let rules = driver["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(ids, listed);
    for r in rules {
        let id = r["id"].as_str().unwrap_or_default();
        assert_eq!(
            r["helpUri"],
            format!("https://github.com/schemaguard/schemaguard/blob/main/rules/{id}.md")
        );
        assert!(manifest().join(format!("rules/{id}.md")).is_file(), "{id}");
        for key in ["text", "markdown"] {
            let help = r["help"][key].as_str().unwrap_or_default();
            assert!(help.contains("What it flags"), "{id} help.{key}: {help}");
            assert!(help.contains("Instead"), "{id} help.{key}: {help}");
        }
        assert!(
            !r["shortDescription"]["text"]
                .as_str()
                .unwrap_or_default()
                .is_empty()
        );
        assert!(
            r["fullDescription"]["text"]
                .as_str()
                .unwrap_or_default()
                .chars()
                .count()
                <= 1024
        );
        assert!(
            ["error", "warning", "note"].contains(
                &r["defaultConfiguration"]["level"]
                    .as_str()
                    .unwrap_or_default()
            )
        );
    }

    // results match the JSON findings, with SARIF's exclusive end column
    let json = common::json(&["check", "--format", "json", "sample_migrations"]);
    let findings = json["findings"].as_array().expect("findings");
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), findings.len());
    assert_eq!(results.len(), 7, "3 errors, 1 warning and 3 hints");
    for (r, f) in results.iter().zip(findings) {
        assert_eq!(r["ruleId"], f["rule"]);
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], f["rule"]);
        let level = match f["severity"].as_str() {
            Some("hint") => "note",
            other => other.unwrap_or_default(),
        };
        assert_eq!(r["level"], level);
        let text = r["message"]["text"].as_str().unwrap_or_default();
        for part in ["message", "why", "fix"] {
            let expected = f[part].as_str().unwrap_or_default();
            assert!(text.contains(expected), "{part} missing from {text}");
        }
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], f["file"]);
        assert!(
            f["file"]
                .as_str()
                .unwrap_or_default()
                .starts_with("sample_migrations/")
        );
        let region = &loc["region"];
        assert_eq!(region["startLine"], f["line"]);
        assert_eq!(region["startColumn"], f["column"]);
        assert_eq!(region["endLine"], f["end_line"]);
        assert_eq!(
            region["endColumn"].as_u64(),
            f["end_column"].as_u64().map(|c| c + 1)
        );
    }
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
}

#[test]
fn sarif_with_a_hint_a_note_and_an_unreadable_file_is_valid() {
    let dir = hint_and_input_error_dir();
    let out = schemaguard_in(&["check", "--format", "sarif", "."], Some(&dir.0));
    assert_eq!(out.code, 2, "an unreadable file exits 2: {}", out.stderr);
    assert!(out.stderr.contains("0003_broken.sql"), "{}", out.stderr);
    let doc = assert_valid_sarif(&out.stdout);
    let run = &doc["runs"][0];
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "{results:?}");
    assert_eq!(results[0]["ruleId"], "prefer-text");
    assert_eq!(results[0]["level"], "note");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "0002_add_nickname.sql"
    );
    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notes = invocation["toolExecutionNotifications"]
        .as_array()
        .expect("notifications");
    let error = notes
        .iter()
        .find(|n| n["level"] == "error")
        .expect("the unreadable file");
    assert_eq!(
        error["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "0003_broken.sql"
    );
    assert!(
        error["message"]["text"]
            .as_str()
            .unwrap_or_default()
            .contains("UTF-8")
    );
    assert!(
        notes.iter().any(|n| n["level"] == "note"),
        "the skipped meta-command: {notes:?}"
    );
}

#[test]
fn github_commands_escape_newlines_and_separators_and_give_positions() {
    let dir = TempDir::new("outputs-github");
    dir.write(
        "0001_create_accounts.sql",
        "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n",
    );
    // a comma in the file name, a fix over several lines, a statement over two lines
    // only the findings this test is about
    dir.write(
        "schemaguard.toml",
        "[rules]\nmissing-statement-timeout = \"off\"\n",
    );
    dir.write(
        "0002_index,email.sql",
        "SET lock_timeout = '2s';\nCREATE INDEX accounts_email_idx ON accounts (email);\n",
    );
    dir.write(
        "0003_index_id_email.sql",
        "SET lock_timeout = '2s';\nCREATE INDEX accounts_id_email_idx\n    ON accounts (id, email);\n",
    );
    let out = schemaguard_in(&["check", "--format", "github", "."], Some(&dir.0));
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        3,
        "two annotations and the summary:\n{}",
        out.stdout
    );
    assert!(
        lines[0].starts_with(
            "::error file=0002_index%2Cemail.sql,line=2,col=1,endLine=2,endColumn=52,title=create-index-non-concurrently::CREATE INDEX blocks writes to public.accounts"
        ),
        "{}",
        lines[0]
    );
    // the fix's lines are %0A-separated within the one command line
    assert!(
        lines[0].contains(
            "%0Afix: build it concurrently, outside a transaction (in a migration of its own):%0A-- schemaguard:no-transaction%0ACREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);%0A"
        ),
        "{}",
        lines[0]
    );
    assert!(lines[0].ends_with(
        "%0Asee: https://github.com/schemaguard/schemaguard/blob/main/rules/create-index-non-concurrently.md"
    ));
    // several lines: no columns (GitHub takes them only on one line)
    assert!(
        lines[1].starts_with(
            "::error file=0003_index_id_email.sql,line=2,endLine=3,title=create-index-non-concurrently::"
        ),
        "{}",
        lines[1]
    );
    assert_eq!(
        lines[2],
        "2 errors, 0 warnings, 0 hints in 3 files (5 statements)"
    );
    assert!(
        lines[1].contains(
            "%0ACREATE INDEX CONCURRENTLY accounts_id_email_idx%0A    ON accounts (id, email);%0A"
        ),
        "{}",
        lines[1]
    );
}

#[test]
fn github_commands_report_unreadable_files_and_hints_as_notices() {
    let dir = hint_and_input_error_dir();
    let out = schemaguard_in(&["check", "--format", "github", "."], Some(&dir.0));
    assert_eq!(out.code, 2);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[0].starts_with("::error file=0003_broken.sql::0003_broken.sql: invalid UTF-8")
            || lines[0].starts_with("::error file=0003_broken.sql::invalid UTF-8"),
        "{}",
        out.stdout
    );
    assert!(
        lines.iter().any(|l| l
            // a column hint points at the column's definition
            .starts_with(
                "::notice file=0002_add_nickname.sql,line=2,col=33,endLine=2,endColumn=52,"
            )
            && l.contains(",title=prefer-text::")),
        "{}",
        out.stdout
    );
    assert!(
        lines
            .last()
            .is_some_and(|l| l.starts_with("0 errors, 0 warnings, 1 hint in 2 files")),
        "{}",
        out.stdout
    );
}

#[test]
fn markdown_comment_has_a_table_code_frames_and_fixes() {
    let out = schemaguard_in(
        &["check", "--format", "markdown", "sample_migrations"],
        Some(manifest()),
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let md = out.stdout;
    assert!(
        md.starts_with(
            "### schemaguard: 3 errors, 1 warning, 3 hints in 16 files (37 statements)\n"
        ),
        "{md}"
    );
    for expected in [
        "| rule | severity | findings |\n|---|---|---:|\n",
        "| [create-index-non-concurrently](https://github.com/schemaguard/schemaguard/blob/main/rules/create-index-non-concurrently.md) | error | 1 |",
        "**error** [create-index-non-concurrently](https://github.com/schemaguard/schemaguard/blob/main/rules/create-index-non-concurrently.md) in `sample_migrations/0011_index_orders_status.sql:4`",
        "```sql\n4 | CREATE INDEX orders_status_idx ON orders (status);\n```",
        "**Why:** public.orders exists before this migration",
        "**Fix:** build it concurrently, outside a transaction (in a migration of its own):\n\n```sql\n-- schemaguard:no-transaction\nCREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);\n```",
    ] {
        assert!(md.contains(expected), "missing {expected:?} in:\n{md}");
    }
    // fences are balanced
    assert_eq!(md.matches("```").count() % 2, 0, "{md}");
}

#[test]
fn markdown_comment_of_a_clean_run_is_one_line() {
    let dir = TempDir::new("outputs-clean");
    dir.write(
        "0001_create_accounts.sql",
        "CREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);\n",
    );
    let out = schemaguard_in(&["check", "--format", "markdown", "."], Some(&dir.0));
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stdout,
        "### schemaguard: no findings in 1 file (1 statement)\n"
    );
}

#[test]
fn markdown_comment_folds_long_lists_and_frames_long_statements() {
    let dir = TempDir::new("outputs-long");
    let mut history = String::from("CREATE TABLE t (id bigint PRIMARY KEY");
    for i in 0..12 {
        history.push_str(&format!(", c{i} text"));
    }
    history.push_str(");\n");
    dir.write("0001_create.sql", &history);
    let mut indexes = String::from(
        "-- schemaguard:ignore-file lock-held-across-statements\nSET lock_timeout = '2s';\n",
    );
    for i in 0..12 {
        indexes.push_str(&format!("CREATE INDEX t_c{i}_idx ON t (c{i});\n"));
    }
    indexes.push_str("CREATE INDEX t_all_idx ON t (\n");
    for i in 0..12 {
        indexes.push_str(&format!("    c{i},\n"));
    }
    indexes.push_str("    id\n);\n");
    dir.write("0002_indexes.sql", &indexes);
    dir.write(
        "schemaguard.toml",
        "[rules]\nmissing-statement-timeout = \"off\"\n",
    );
    let out = schemaguard_in(&["check", "--format", "markdown", "."], Some(&dir.0));
    assert_eq!(out.code, 1);
    let md = out.stdout;
    assert!(
        md.contains("\n<details><summary>3 more findings</summary>\n"),
        "{md}"
    );
    assert!(md.trim_end().ends_with("</details>"), "{md}");
    assert!(md.contains("15 | CREATE INDEX t_all_idx ON t (\n"), "{md}");
    assert!(md.contains("   | ... (5 more lines)\n```"), "{md}");
}

#[test]
fn plan_offers_only_its_own_formats() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/sample_migrations");
    for format in ["sarif", "github", "markdown"] {
        let out = schemaguard(&["plan", "--format", format, sample]);
        assert_eq!(out.code, 2, "plan --format {format}");
        assert!(
            out.stderr.contains("possible values: human, json"),
            "{}",
            out.stderr
        );
    }
    let help = schemaguard(&["check", "--help"]).stdout;
    for format in ["human", "json", "sarif", "github", "markdown"] {
        assert!(help.contains(format), "{help}");
    }
}

/// `key: value` of the single hook in `.pre-commit-hooks.yaml` (a flat list of one map).
fn hook_value(yaml: &str, key: &str) -> Option<String> {
    yaml.lines().find_map(|line| {
        let line = line.trim_start().trim_start_matches("- ");
        let (k, v) = line.split_once(':')?;
        (k.trim() == key).then(|| v.trim().to_string())
    })
}

#[test]
fn pre_commit_hook_entry_runs_on_a_migration_file() {
    let yaml = std::fs::read_to_string(manifest().join(".pre-commit-hooks.yaml"))
        .expect("read .pre-commit-hooks.yaml");
    assert_eq!(hook_value(&yaml, "id").as_deref(), Some("schemaguard"));
    assert_eq!(hook_value(&yaml, "files").as_deref(), Some(r"\.sql$"));
    assert_eq!(hook_value(&yaml, "pass_filenames").as_deref(), Some("true"));
    let entry = hook_value(&yaml, "entry").expect("an entry");
    let mut words = entry.split_whitespace();
    assert_eq!(words.next(), Some("schemaguard"), "{entry}");
    let mut args: Vec<&str> = words.collect();

    // as pre-commit runs it: the entry, then the staged file names
    let bad = "sample_migrations/0011_index_orders_status.sql";
    args.push(bad);
    let out = schemaguard_in(&args, Some(manifest()));
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("error[create-index-non-concurrently]"),
        "{}",
        out.stdout
    );
    args.pop();
    args.push("sample_migrations/0006_index_products_sku.sql");
    let out = schemaguard_in(&args, Some(manifest()));
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

#[test]
fn readme_github_actions_example_produces_valid_sarif() {
    let readme = std::fs::read_to_string(manifest().join("README.md")).expect("read README.md");
    let workflow = readme
        .split("```yaml\n")
        .skip(1)
        .filter_map(|block| block.split("\n```").next())
        .find(|block| block.contains("github/codeql-action/upload-sarif@"))
        .expect("a workflow example that uploads SARIF");
    let command = workflow
        .lines()
        .filter_map(|l| l.trim().strip_prefix("run: "))
        .find(|cmd| cmd.starts_with("schemaguard check"))
        .expect("a `run: schemaguard check ...` step");
    let (invocation, redirect) = command
        .split_once(" > ")
        .expect("output redirected to a file");
    let sarif_file = redirect.split_whitespace().next().unwrap_or_default();
    assert!(
        workflow.contains(&format!("sarif_file: {sarif_file}")),
        "the upload step reads {sarif_file}:\n{workflow}"
    );
    let mut args: Vec<String> = invocation
        .split_whitespace()
        .skip(1)
        .map(str::to_string)
        .collect();
    assert!(args.contains(&"sarif".to_string()), "{invocation}");
    // the example checks `migrations/`; here that is the sample history
    let path = args
        .iter_mut()
        .find(|a| a.as_str() == "migrations/")
        .expect("the example checks migrations/");
    *path = "sample_migrations/".to_string();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = schemaguard_in(&args, Some(manifest()));
    // the example tolerates exit 1 (findings) and fails on 2
    assert!(
        redirect.contains("[ $? -eq 1 ]"),
        "findings must not stop the upload: {command}"
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let doc = assert_valid_sarif(&out.stdout);
    assert_eq!(doc["runs"][0]["results"].as_array().map(Vec::len), Some(7));
}

/// A missing setting is reported once per migration: one `missing-lock-timeout`
/// finding on the first statement, the others listed as `related` (in JSON, as SARIF
/// related locations, and as `also:` lines), and still one per migration when one of
/// them is silenced. A CRLF file's code frames show no stray `␍`.
#[test]
fn a_missing_lock_timeout_is_one_finding_per_migration_listing_its_statements() {
    let dir = TempDir::new("lock-timeout-once");
    dir.write(
        "0001_base.sql",
        "CREATE TABLE a (id bigint PRIMARY KEY, v text);\nCREATE TABLE b (id bigint PRIMARY KEY);\n",
    );
    dir.write(
        "0002_many.sql",
        "ALTER TABLE a ADD COLUMN w int;\r\nALTER TABLE b ADD COLUMN x int;\r\n-- schemaguard:ignore missing-lock-timeout -- tested\r\nALTER TABLE a ADD COLUMN y int;\r\nALTER TABLE b ADD COLUMN z int;\r\n",
    );
    let doc = common::json(&["check", "--format", "json", dir.path()]);
    let grouped: Vec<&Value> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "missing-lock-timeout")
        .collect();
    assert_eq!(grouped.len(), 1, "{grouped:#?}");
    let f = grouped[0];
    assert_eq!(f["line"], 1);
    let related: Vec<u64> = f["related"]
        .as_array()
        .expect("related")
        .iter()
        .filter_map(|r| r["line"].as_u64())
        .collect();
    assert_eq!(
        related,
        vec![2, 5],
        "the silenced statement (line 4) is left out"
    );
    assert!(
        f["message"]
            .as_str()
            .unwrap_or_default()
            .contains("2 more statements of this migration: lines 2, 5"),
        "{f}"
    );
    // other rules' findings keep their own places
    assert!(
        doc["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .all(|f| f["rule"] == "missing-lock-timeout" || f.get("related").is_none())
    );

    let sarif = schemaguard(&["check", "--format", "sarif", dir.path()]);
    let sarif = assert_valid_sarif(&sarif.stdout);
    let result = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "missing-lock-timeout")
        .expect("the grouped result");
    assert_eq!(
        result["relatedLocations"]
            .as_array()
            .map(|a| a.len())
            .unwrap_or(0),
        2
    );

    let human = schemaguard(&["check", dir.path()]);
    assert!(human.stdout.contains("= also: "), "{}", human.stdout);
    assert!(!human.stdout.contains('\u{240d}'), "{}", human.stdout);
    assert!(!human.stdout.contains('\r'), "{}", human.stdout);
}

/// `lock-held-across-statements`: the warning is on the statement that took the lock,
/// once per lock, listing the later statements it is held across; each of those gets a
/// hint; an ignore comment on the statement that took the lock silences the warning.
#[test]
fn a_lock_held_across_statements_is_a_warning_where_it_is_taken() {
    let dir = TempDir::new("outputs-lock-held");
    dir.write(
        "0001_create.sql",
        "CREATE TABLE accounts (id bigint PRIMARY KEY, plan text);\nCREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint);\n",
    );
    dir.write(
        "0002_backfill.sql",
        "SET lock_timeout = '2s';\nALTER TABLE accounts ADD COLUMN flag boolean;\nUPDATE accounts SET plan = 'free';\nSELECT count(*) FROM orders;\n",
    );
    let doc = json(&["check", "--format", "json", dir.path()]);
    let held: Vec<&serde_json::Value> = doc["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == "lock-held-across-statements")
        .collect();
    let at = |severity: &str| -> Vec<u64> {
        held.iter()
            .filter(|f| f["severity"] == severity)
            .filter_map(|f| f["line"].as_u64())
            .collect()
    };
    assert_eq!(at("warning"), [2], "{held:?}");
    assert_eq!(at("hint"), [3, 4], "{held:?}");
    let warning = held
        .iter()
        .find(|f| f["severity"] == "warning")
        .and_then(|f| f["message"].as_str())
        .unwrap_or_default();
    assert!(
        warning.contains("line 3 ") && warning.contains("line 4 reads all of public.orders"),
        "{warning}"
    );
    // silenced where the lock is taken
    dir.write(
        "0002_backfill.sql",
        "SET lock_timeout = '2s';\n-- schemaguard:ignore lock-held-across-statements -- the table is tiny\nALTER TABLE accounts ADD COLUMN flag boolean;\nUPDATE accounts SET plan = 'free';\n",
    );
    let doc = json(&["check", "--format", "json", dir.path()]);
    let warnings = doc["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == "lock-held-across-statements" && f["severity"] == "warning")
        .count();
    assert_eq!(warnings, 0, "{doc}");
}
