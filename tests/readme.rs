//! The README's examples are what a run gives: the opening finding, the summary line,
//! the `plan` excerpt and the JSON document's summary and first finding are compared
//! with `check` and `plan` on the bundled `sample_migrations/` (run from the project's
//! folder, as the README's set-up does). When an output changes, this fails until the
//! README shows the new one.

mod common;

use serde_json::Value;
use std::path::Path;

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn readme() -> String {
    std::fs::read_to_string(manifest().join("README.md")).expect("read README.md")
}

/// The fenced blocks of `text` with their info string: `(info, body)`.
fn blocks(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in text.lines() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(info)) => open = Some((info.trim().to_string(), String::new())),
            (Some(_), Some(_)) => out.extend(open.take()),
            (Some((_, body)), None) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    out
}

fn run(args: &[&str]) -> String {
    let out = common::schemaguard_in(args, Some(manifest()));
    assert!(
        out.code == 0 || out.code == 1,
        "schemaguard {args:?} exited {}: {}",
        out.code,
        out.stderr
    );
    out.stdout
}

#[test]
fn the_opening_finding_and_the_summary_line_are_what_check_prints() {
    let text = readme();
    let all = blocks(&text);
    let human = run(&["check", "sample_migrations/"]);
    let opening = &all.first().expect("the README opens with a finding").1;
    assert!(
        human.contains(opening.as_str()),
        "the README's opening finding is not in the output of `check sample_migrations/`:\n--- README\n{opening}\n--- output\n{human}"
    );
    let summary = human
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .expect("a summary line");
    assert!(
        all.iter().any(|(_, b)| b.trim() == summary.trim()),
        "the README does not show the summary line `{summary}`"
    );
}

#[test]
fn the_plan_excerpt_is_what_plan_prints() {
    let text = readme();
    let excerpt = blocks(&text)
        .into_iter()
        .map(|(_, b)| b)
        .find(|b| b.contains("(no wrapping transaction") || b.contains("(one transaction"))
        .expect("a plan excerpt in the README");
    let plan = run(&["plan", "sample_migrations/"]);
    assert!(
        plan.contains(excerpt.as_str()),
        "the README's plan excerpt is not in the output of `plan sample_migrations/`:\n--- README\n{excerpt}\n--- output\n{plan}"
    );
}

#[test]
fn the_json_example_has_the_real_summary_and_a_real_finding() {
    let text = readme();
    let example = blocks(&text)
        .into_iter()
        .filter(|(info, _)| info == "json")
        .map(|(_, b)| b)
        .find(|b| b.contains("\"findings\""))
        .expect("the check JSON example");
    let summary_line = example
        .lines()
        .find(|l| l.trim_start().starts_with("\"summary\""))
        .expect("a summary line in the JSON example");
    let summary: Value = serde_json::from_str(
        summary_line
            .trim()
            .trim_start_matches("\"summary\":")
            .trim_end_matches(','),
    )
    .expect("the example's summary is JSON");
    let doc: Value =
        serde_json::from_str(&run(&["check", "--format", "json", "sample_migrations/"]))
            .expect("check JSON");
    assert_eq!(summary, doc["summary"], "the README's JSON summary");
    // the example finding, with its "..." texts left out, is one of the real ones
    let start = example.find("{\"file\"").expect("an example finding");
    let end = start + example[start..].find('}').expect("its end") + 1;
    let finding: Value =
        serde_json::from_str(&example[start..end]).expect("the example finding is JSON");
    let real = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["file"] == finding["file"] && f["rule"] == finding["rule"])
        .unwrap_or_else(|| panic!("no finding like the README's: {finding}"));
    for (key, value) in finding.as_object().expect("an object") {
        if value != "..." {
            assert_eq!(&real[key], value, "the README finding's {key}");
        }
    }
}

/// Every key of `schemaguard.toml` is in the README's example, and the example is a
/// valid configuration. The keys come from the configuration's own error for an
/// unknown key ("expected one of ..."), not from a list kept here.
#[test]
fn the_configuration_example_shows_every_key_and_loads() {
    let text = readme();
    let example = blocks(&text)
        .into_iter()
        .filter(|(info, _)| info == "toml")
        .map(|(_, b)| b)
        .find(|b| b.contains("pg_version"))
        .expect("the schemaguard.toml example");
    let dir = common::TempDir::new("readme-config");
    let path = dir.write("schemaguard.toml", &example);
    schemaguard::config::Config::load(Some(&path), &dir.0)
        .unwrap_or_else(|e| panic!("the README's configuration does not load: {e}"));
    let bad = dir.write("bad.toml", "no_such_key_here = 1\n");
    let err = schemaguard::config::Config::load(Some(&bad), &dir.0)
        .expect_err("an unknown key is an error")
        .to_string();
    let expected = err
        .split("expected one of")
        .nth(1)
        .unwrap_or_else(|| panic!("the error lists the keys: {err}"));
    let keys: Vec<&str> = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|k| !k.is_empty())
        .collect();
    assert!(keys.len() >= 5, "{err}");
    for key in keys {
        assert!(
            example
                .lines()
                .any(|l| l.trim_start().starts_with(&format!("{key} "))
                    || l.trim() == format!("[{key}]")),
            "`{key}` is not in the README's configuration example"
        );
    }
}
