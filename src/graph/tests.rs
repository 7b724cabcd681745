//! The graph of small histories: touches in history order, dependents, exports, and
//! the drop watch giving the full graph's answers.

use super::*;
use crate::analysis::{self, FileInput, Settings, TransactionMode, TxSegment};
use crate::parse::parse_file;

fn history(files: &[&str]) -> Graph {
    history_with(files, analysis::GraphDetail::Full)
}

fn history_with(files: &[&str], detail: analysis::GraphDetail) -> Graph {
    let parsed: Vec<_> = files.iter().map(|t| parse_file(t)).collect();
    let inputs: Vec<FileInput> = parsed
        .iter()
        .enumerate()
        .map(|(i, p)| FileInput {
            display: format!("{i:03}.sql"),
            version: None,
            edited_since: None,
            new_since_ref: false,
            parsed: p,
            segments: TxSegment::whole(TransactionMode::Wrapped),
            no_transaction_hint: String::new(),
            framework_wraps: false,
        })
        .collect();
    let settings = Settings {
        graph: detail,
        ..Settings::default()
    };
    analysis::analyze(&inputs, &settings).graph
}

/// The graph that only watches drops answers exactly as the full graph does.
fn uses_after_drop_both_ways(files: &[&str]) -> Vec<UseAfterDrop> {
    let full = history_with(files, analysis::GraphDetail::Full).uses_after_drop();
    let watched = history_with(files, analysis::GraphDetail::UsesAfterDrop);
    assert_eq!(
        watched.graph.node_count(),
        0,
        "the watching graph keeps no nodes"
    );
    assert_eq!(watched.uses_after_drop(), full, "{files:#?}");
    full
}

#[test]
fn watching_drops_finds_what_the_full_graph_finds() {
    let uses = uses_after_drop_both_ways(&[
        "CREATE TABLE a (id bigint PRIMARY KEY, x int, y int);\nCREATE TABLE b (id bigint);\nCREATE VIEW v AS SELECT id FROM b;",
        // dropped, then re-created before use: fine
        "DROP TABLE b CASCADE;\nCREATE TABLE b (id bigint);\nINSERT INTO b VALUES (1);",
        // renamed away, then used under the old name (twice: only the first counts)
        "ALTER TABLE a RENAME COLUMN x TO x2;\nALTER TABLE a RENAME TO a2;",
        "SELECT x FROM a;\nUPDATE a SET y = 1;\nUPDATE a SET y = 2;",
        // a column dropped and read back, a view dropped and read
        "ALTER TABLE a2 DROP COLUMN y;\nDROP VIEW v;",
        "CREATE INDEX ON a2 (y);\nSELECT * FROM v;\nDROP TABLE b;",
        "INSERT INTO b VALUES (2);\nINSERT INTO b VALUES (3);",
        // renamed back: re-created, so a later use is fine
        "ALTER TABLE a2 RENAME TO a;\nSELECT 1 FROM a;",
    ]);
    let named: Vec<String> = uses
        .iter()
        .map(|u| {
            format!(
                "{} {} {}:{} -> {}:{}",
                u.object.kind.as_str(),
                u.object.name,
                u.dropped_in.0,
                u.dropped_in.1,
                u.used_in.0,
                u.used_in.1
            )
        })
        .collect();
    assert_eq!(
        named,
        [
            "table public.a 002.sql:2 -> 003.sql:1",
            "table public.b 005.sql:3 -> 006.sql:1",
        ],
    );
}

#[test]
fn watching_drops_sees_a_drop_and_re_create_in_one_statement() {
    let uses = uses_after_drop_both_ways(&[
        "CREATE TABLE a (id bigint PRIMARY KEY, y int, z int);",
        // dropped and re-added in one statement: the later use is fine
        "ALTER TABLE a DROP COLUMN y, ADD COLUMN y text;\nALTER TABLE a ALTER COLUMN y SET NOT NULL;",
        // dropped, then used: found (a column drop, then its use)
        "ALTER TABLE a DROP COLUMN z;\nALTER TABLE a ALTER COLUMN z SET NOT NULL;",
        // a table renamed away and back in later statements
        "ALTER TABLE a RENAME TO b;\nALTER TABLE b RENAME TO a;\nALTER TABLE a ADD COLUMN w int;",
    ]);
    let named: Vec<String> = uses
        .iter()
        .map(|u| {
            format!(
                "{} {} -> {}:{}",
                u.object.kind.as_str(),
                u.object.name,
                u.used_in.0,
                u.used_in.1
            )
        })
        .collect();
    assert_eq!(named, ["column public.a.z -> 002.sql:2"]);
}

#[test]
fn watching_drops_agrees_on_the_bundled_samples() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_migrations");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("sample_migrations")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    paths.sort();
    let texts: Vec<String> = paths
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("readable sample"))
        .collect();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    assert!(texts.len() > 10);
    uses_after_drop_both_ways(&texts);
}

fn table(name: &str) -> ObjectId {
    ObjectId::new(ObjectKind::Table, name)
}

#[test]
fn answers_which_migrations_touch_a_table_in_history_order() {
    let g = history(&[
        "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\nCREATE TABLE orgs (id bigint PRIMARY KEY);",
        "CREATE INDEX accounts_email_idx ON accounts (email);\nINSERT INTO orgs VALUES (1);",
        "ALTER TABLE accounts ADD COLUMN org_id bigint REFERENCES orgs (id);",
        "ALTER TABLE accounts RENAME TO users;\nSELECT * FROM users;",
    ]);
    let touches = g.touching(&table("public.accounts"));
    let files: Vec<&str> = touches.iter().map(|t| t.file.as_str()).collect();
    assert_eq!(files.first(), Some(&"000.sql"));
    assert!(files.contains(&"001.sql") && files.contains(&"002.sql") && files.contains(&"003.sql"));
    assert!(
        files.windows(2).all(|w| w[0] <= w[1]),
        "history order: {files:?}"
    );
    let users: Vec<Edge> = g
        .touching(&table("public.users"))
        .iter()
        .map(|t| t.edge)
        .collect();
    assert_eq!(users, vec![Edge::Creates, Edge::Reads]);
    let orgs: Vec<Edge> = g
        .touching(&table("public.orgs"))
        .iter()
        .filter(|t| t.object == table("public.orgs"))
        .map(|t| t.edge)
        .collect();
    assert_eq!(orgs, vec![Edge::Creates, Edge::Writes, Edge::Alters]);
}

#[test]
fn answers_what_depends_on_a_column_and_what_a_drop_would_break() {
    let g = history(&["CREATE TABLE orgs (id bigint PRIMARY KEY, name text);\n\
         CREATE TABLE accounts (id bigint PRIMARY KEY, org_id bigint REFERENCES orgs (id), email text);\n\
         CREATE INDEX accounts_email_idx ON accounts (email);\n\
         CREATE VIEW org_accounts AS SELECT o.name, a.email FROM orgs o JOIN accounts a ON a.org_id = o.id;"]);
    let on_org_id: Vec<String> = g
        .dependents(&ObjectId::new(ObjectKind::Column, "public.orgs.id"))
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert!(
        on_org_id.contains(&"public.accounts.accounts_org_id_fkey".to_string()),
        "{on_org_id:?}"
    );
    let on_email: Vec<String> = g
        .dependents(&ObjectId::new(ObjectKind::Column, "public.accounts.email"))
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert!(
        on_email.contains(&"public.accounts_email_idx".to_string()),
        "{on_email:?}"
    );
    let on_orgs: Vec<ObjectId> = g.dependents(&table("public.orgs"));
    assert!(
        on_orgs.contains(&ObjectId::new(ObjectKind::View, "public.org_accounts")),
        "{on_orgs:?}"
    );
    assert!(
        on_orgs.contains(&ObjectId::new(
            ObjectKind::Constraint,
            "public.accounts.accounts_org_id_fkey"
        )),
        "{on_orgs:?}"
    );
}

#[test]
fn exports_dot_mermaid_and_json() {
    let g = history(&[
        "CREATE TABLE a (id bigint PRIMARY KEY);\nCREATE TABLE \"b\" (a_id bigint REFERENCES a (id));",
    ]);
    let dot = g.to_dot(None);
    assert!(
        dot.starts_with("digraph schemaguard {")
            && dot.contains("depends_on")
            && dot.trim_end().ends_with('}')
    );
    let mermaid = g.to_mermaid(Some(&table("public.a")));
    assert!(mermaid.starts_with("flowchart LR") && mermaid.contains("table public.a"));
    let json: serde_json::Value = serde_json::from_str(&g.to_json(None)).expect("JSON");
    assert_eq!(json["schema_version"], 1);
    assert!(
        json["nodes"]
            .as_array()
            .is_some_and(|n| n.iter().any(|n| n["node"] == "migration"))
    );
    assert!(
        json["edges"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["edge"] == "depends_on"))
    );
    assert_eq!(g.find("a"), vec![table("public.a")]);
}
