//! `schemaguard lsp` as an editor drives it: JSON-RPC over the process's standard input
//! and output. Diagnostics follow the unsaved buffer and judge it against the earlier
//! migrations on disk, hover shows the statement's plan, the code action inserts the
//! ignore comment, and shutdown/exit end the process cleanly.

mod common;

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
}

impl Client {
    fn start(cwd: &std::path::Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_schemaguard"))
            .arg("lsp")
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start schemaguard lsp");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse::<usize>().ok();
                    }
                }
                let Some(length) = length else { return };
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let Ok(value) = serde_json::from_slice::<Value>(&body) else {
                    return;
                };
                if tx.send(value).is_err() {
                    return;
                }
            }
        });
        Client {
            child,
            stdin,
            messages,
            next_id: 1,
        }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and waits for its response (other messages are skipped).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait_for(|m| m["id"] == id)
    }

    /// The next message that `pick` accepts; fails the test after 60 s.
    fn wait_for(&mut self, pick: impl Fn(&Value) -> bool) -> Value {
        loop {
            let m = self
                .messages
                .recv_timeout(Duration::from_secs(60))
                .expect("an answer from the language server within 60 s");
            if pick(&m) {
                return m;
            }
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let m = self.wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        });
        m["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .filter_map(|d| d["code"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn diagnostics_follow_the_buffer_hover_shows_the_plan_and_ignore_is_offered() {
    let dir = common::TempDir::new("lsp");
    dir.write(
        "001_tables.sql",
        "CREATE TABLE orders (id bigint PRIMARY KEY, total int);\n",
    );
    let index = "-- the report needs it\nCREATE INDEX orders_total_idx ON orders (total);\n";
    let file = dir.write("002_index.sql", index);
    let root = std::fs::canonicalize(&dir.0).expect("canonical");
    let root_uri = format!("file://{}", root.display());
    let uri = format!(
        "file://{}",
        std::fs::canonicalize(&file).expect("canonical").display()
    );

    let mut client = Client::start(&root);
    let init = client.request(
        "initialize",
        json!({"processId": null, "rootUri": root_uri, "capabilities": {}}),
    );
    assert_eq!(
        init["result"]["capabilities"]["hoverProvider"], true,
        "{init}"
    );
    client.notify("initialized", json!({}));

    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "sql", "version": 1, "text": index}}),
    );
    let found = client.diagnostics(&uri);
    assert!(
        codes(&found).contains(&"create-index-non-concurrently".to_string()),
        "{found:#?}"
    );
    let d = found
        .iter()
        .find(|d| d["code"] == "create-index-non-concurrently")
        .expect("the index finding");
    // on the statement, not on the comment above it
    assert_eq!(d["range"]["start"]["line"], 1, "{d}");
    assert_eq!(d["source"], "schemaguard");
    assert!(
        d["codeDescription"]["href"]
            .as_str()
            .is_some_and(|h| h.contains("create-index-non-concurrently")),
        "{d}"
    );
    assert!(
        d["relatedInformation"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("fix: ")))),
        "{d}"
    );

    // the unsaved buffer, not the file on disk, is what is judged
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2},
               "contentChanges": [{"text": "ALTER TABLE orders ADD COLUMN note text;\n"}]}),
    );
    let found = client.diagnostics(&uri);
    assert!(
        !codes(&found).contains(&"create-index-non-concurrently".to_string()),
        "{found:#?}"
    );
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": index}]}),
    );
    let found = client.diagnostics(&uri);
    assert!(
        codes(&found).contains(&"create-index-non-concurrently".to_string()),
        "{found:#?}"
    );

    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 3}}),
    );
    let shown = hover["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(
        shown.contains("public.orders")
            && shown.contains("SHARE")
            && shown.contains("blocks writes"),
        "{hover}"
    );

    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri},
               "range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 5}},
               "context": {"diagnostics": []}}),
    );
    let action = actions["result"]
        .as_array()
        .and_then(|a| {
            a.iter().find(|a| {
                a["title"].as_str().is_some_and(|t| {
                    t.starts_with("Ignore") && t.contains("create-index-non-concurrently")
                })
            })
        })
        .cloned()
        .unwrap_or(Value::Null);
    let edit = &action["edit"]["changes"][&uri][0];
    assert_eq!(edit["range"]["start"]["line"], 1, "{actions}");
    assert!(
        edit["newText"].as_str().is_some_and(
            |t| t.starts_with("-- schemaguard:ignore create-index-non-concurrently -- ")
        ),
        "{actions}"
    );

    let down = client.request("shutdown", Value::Null);
    assert!(down.get("error").is_none(), "{down}");
    client.notify("exit", Value::Null);
    let status = client.child.wait().expect("wait");
    assert!(status.success(), "{status:?}");
}

#[test]
fn a_bad_configuration_is_said_once_not_swallowed() {
    let dir = common::TempDir::new("lsp-config");
    dir.write("schemaguard.toml", "pg_version = \"fifteen\"\n");
    let file = dir.write("001_t.sql", "CREATE TABLE t (id int);\n");
    let root = std::fs::canonicalize(&dir.0).expect("canonical");
    let uri = format!(
        "file://{}",
        std::fs::canonicalize(&file).expect("canonical").display()
    );
    let mut client = Client::start(&root);
    client.request(
        "initialize",
        json!({"processId": null, "rootUri": format!("file://{}", root.display()), "capabilities": {}}),
    );
    client.notify("initialized", json!({}));
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "sql", "version": 1,
                                "text": "CREATE TABLE t (id int);\n"}}),
    );
    let shown = client.wait_for(|m| m["method"] == "window/showMessage");
    assert!(
        shown["params"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("schemaguard.toml")),
        "{shown}"
    );
    assert_eq!(shown["params"]["type"], 1, "an error: {shown}");
    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    assert!(client.child.wait().expect("wait").success());
}

#[test]
fn a_finding_about_one_action_marks_that_action_and_its_ignore_goes_above_the_statement() {
    let dir = common::TempDir::new("lsp-clause");
    dir.write(
        "001_tables.sql",
        "CREATE TABLE orders (id bigint PRIMARY KEY, total int);\n",
    );
    let text = "ALTER TABLE orders\n  ADD COLUMN note text,\n  ALTER COLUMN total TYPE bigint;\n";
    let file = dir.write("002_widen.sql", text);
    let root = std::fs::canonicalize(&dir.0).expect("canonical");
    let uri = format!(
        "file://{}",
        std::fs::canonicalize(&file).expect("canonical").display()
    );
    let mut client = Client::start(&root);
    client.request(
        "initialize",
        json!({"processId": null, "rootUri": format!("file://{}", root.display()), "capabilities": {}}),
    );
    client.notify("initialized", json!({}));
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "sql", "version": 1, "text": text}}),
    );
    let found = client.diagnostics(&uri);
    let d = found
        .iter()
        .find(|d| d["code"] == "column-type-rewrite")
        .unwrap_or_else(|| panic!("the type change finding: {found:#?}"));
    // `ALTER COLUMN total TYPE bigint` on the third line (0-based 2), end exclusive
    assert_eq!(
        d["range"],
        json!({"start": {"line": 2, "character": 2}, "end": {"line": 2, "character": 32}}),
        "{d}"
    );
    // the statement-wide lock finding still marks the whole statement
    let lock = found
        .iter()
        .find(|d| d["code"] == "missing-lock-timeout")
        .unwrap_or_else(|| panic!("the lock timeout finding: {found:#?}"));
    assert_eq!(lock["range"]["start"], json!({"line": 0, "character": 0}));

    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri},
               "range": {"start": {"line": 2, "character": 4}, "end": {"line": 2, "character": 4}},
               "context": {"diagnostics": []}}),
    );
    let edit = actions["result"]
        .as_array()
        .and_then(|a| {
            a.iter().find(|a| {
                a["title"]
                    .as_str()
                    .is_some_and(|t| t.contains("column-type-rewrite"))
            })
        })
        .map(|a| a["edit"]["changes"][&uri][0].clone())
        .unwrap_or(Value::Null);
    // an ignore comment silences a statement: it goes above its first line
    assert_eq!(edit["range"]["start"]["line"], 0, "{actions}");
    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    assert!(client.child.wait().expect("wait").success());
}
