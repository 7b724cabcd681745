//! `schemaguard graph`: the dependency graph of sample_migrations renders with Graphviz
//! (when `dot` is installed; CI installs it), the JSON form is what README documents,
//! and `--object` narrows the graph to one object.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample_migrations");

#[test]
fn dot_output_renders_with_graphviz() {
    let out = common::schemaguard(&["graph", "--format", "dot", SAMPLES]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with("digraph schemaguard {"));
    let Ok(mut dot) = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    else {
        common::skipped("Graphviz `dot` is not installed (CI installs it)");
        return;
    };
    dot.stdin
        .take()
        .expect("stdin")
        .write_all(out.stdout.as_bytes())
        .expect("feed dot");
    let rendered = dot.wait_with_output().expect("dot runs");
    assert!(
        rendered.status.success(),
        "dot failed: {}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    let svg = String::from_utf8_lossy(&rendered.stdout);
    assert!(
        svg.contains("<svg") && svg.contains("table public.orders"),
        "unexpected SVG"
    );
}

#[test]
fn json_graph_has_the_documented_shape() {
    let doc = common::json(&["graph", "--format", "json", SAMPLES]);
    assert_eq!(doc["schema_version"], 1);
    let nodes = doc["nodes"].as_array().expect("nodes");
    let edges = doc["edges"].as_array().expect("edges");
    let kinds: std::collections::BTreeSet<&str> =
        nodes.iter().filter_map(|n| n["node"].as_str()).collect();
    assert_eq!(
        kinds,
        ["migration", "object", "statement"].into_iter().collect()
    );
    for n in nodes {
        assert!(n["id"].is_u64());
        match n["node"].as_str() {
            Some("migration") => assert!(n["file"].is_string()),
            Some("statement") => {
                assert!(n["file"].is_string() && n["line"].is_u64() && n["kind"].is_string())
            }
            Some("object") => assert!(n["kind"].is_string() && n["name"].is_string()),
            other => panic!("unexpected node {other:?}"),
        }
    }
    let edge_kinds: std::collections::BTreeSet<&str> =
        edges.iter().filter_map(|e| e["edge"].as_str()).collect();
    for k in ["contains", "creates", "alters", "depends_on"] {
        assert!(edge_kinds.contains(k), "no {k} edge: {edge_kinds:?}");
    }
    // the foreign key from orders to users is a dependency edge
    let id_of = |name: &str| {
        nodes
            .iter()
            .find(|n| n["name"] == name)
            .and_then(|n| n["id"].as_u64())
    };
    let fk = id_of("public.orders.orders_user_id_fkey").expect("fk node");
    let users = id_of("public.users").expect("users node");
    assert!(
        edges
            .iter()
            .any(|e| e["from"] == fk && e["to"] == users && e["edge"] == "depends_on")
    );
}

#[test]
fn object_filter_keeps_what_touches_the_object() {
    let all = common::json(&["graph", "--format", "json", SAMPLES]);
    let one = common::json(&[
        "graph",
        "--format",
        "json",
        "--object",
        "public.coupons",
        SAMPLES,
    ]);
    let count = |d: &serde_json::Value| d["nodes"].as_array().map_or(0, Vec::len);
    assert!(count(&one) < count(&all));
    let names: Vec<&str> = one["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["name"].as_str())
        .collect();
    assert!(names.contains(&"public.coupons"));
    // the foreign key from orders depends on coupons
    assert!(
        names.contains(&"public.orders.orders_coupon_id_fkey"),
        "{names:?}"
    );
    assert!(!names.contains(&"public.audit_log"), "{names:?}");
    let missing = common::schemaguard(&["graph", "--object", "nope", SAMPLES]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("no object named `nope`"));
}

#[test]
fn a_later_migration_using_a_renamed_table_is_reported_at_the_rename() {
    let dir = common::TempDir::new("graph-rename");
    dir.write(
        "0001_create.sql",
        "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n",
    );
    dir.write(
        "0002_rename.sql",
        "SET lock_timeout = '2s';\nALTER TABLE accounts RENAME TO users;\n",
    );
    dir.write(
        "0003_backfill.sql",
        "UPDATE accounts SET email = lower(email) WHERE id < 100;\n",
    );
    let doc = common::json(&["check", "--format", "json", dir.path()]);
    let findings = doc["findings"].as_array().expect("findings");
    let f = findings
        .iter()
        .find(|f| f["rule"] == "drop-breaks-dependents")
        .unwrap_or_else(|| panic!("no drop-breaks-dependents in {findings:?}"));
    assert!(
        f["file"]
            .as_str()
            .is_some_and(|p| p.ends_with("0002_rename.sql")),
        "{f}"
    );
    assert_eq!(f["line"], 2);
    assert!(
        f["message"]
            .as_str()
            .is_some_and(|m| m.contains("0003_backfill.sql:1")),
        "{f}"
    );
    // and the later statement itself names a table nothing creates any more
    assert!(findings.iter().any(|f| {
        f["rule"] == "unknown-object"
            && f["file"]
                .as_str()
                .is_some_and(|p| p.ends_with("0003_backfill.sql"))
    }));
}
