//! `schemaguard lsp` as an editor drives it: JSON-RPC over the process's standard input
//! and output. Diagnostics follow the unsaved buffer and judge it against the earlier
//! migrations on disk, hover shows the statement's plan, the code action inserts the
//! ignore comment, and shutdown/exit end the process cleanly.

mod common;
#[path = "common/lsp_wire.rs"]
mod lsp_wire;

use serde_json::{Value, json};
use std::io::Write;
use std::process::{Child, ChildStdin};
use std::sync::mpsc::Receiver;
use std::time::Duration;

struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
}

impl Client {
    fn start(cwd: &std::path::Path) -> Client {
        let (child, stdin, messages) = lsp_wire::spawn(env!("CARGO_BIN_EXE_schemaguard"), cwd);
        Client {
            child,
            stdin,
            messages,
            next_id: 1,
        }
    }

    fn send(&mut self, message: Value) {
        self.send_raw(&message.to_string());
    }

    /// Sends `body` framed as a message, whatever it holds.
    fn send_raw(&mut self, body: &str) {
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    /// Starts the server on `root`, initialized.
    fn initialized(root: &std::path::Path) -> Client {
        let mut client = Client::start(root);
        client.request(
            "initialize",
            json!({"processId": null, "rootUri": format!("file://{}", root.display()), "capabilities": {}}),
        );
        client.notify("initialized", json!({}));
        client
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "sql", "version": 1, "text": text}}),
        );
    }

    /// `shutdown` then `exit`: the process ends with status 0.
    fn shut_down(mut self) {
        let down = self.request("shutdown", Value::Null);
        assert!(down.get("error").is_none(), "{down}");
        self.notify("exit", Value::Null);
        let status = self.child.wait().expect("wait");
        assert!(status.success(), "{status:?}");
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

fn uri_of(path: &std::path::Path) -> String {
    format!(
        "file://{}",
        std::fs::canonicalize(path).expect("canonical").display()
    )
}

#[test]
fn malformed_messages_get_an_error_or_a_notice_and_the_server_goes_on() {
    let dir = common::TempDir::new("lsp-malformed");
    let text = "CREATE TABLE t (id int);\nCREATE INDEX t_id ON t (id);\n";
    let file = dir.write("001_t.sql", text);
    let root = std::fs::canonicalize(&dir.0).expect("canonical");
    let uri = uri_of(&file);
    let mut client = Client::initialized(&root);

    // not JSON at all: said in the log, and the server reads on
    client.send_raw("{\"jsonrpc\": \"2.0\", \"id\": 7, \"method\": ");
    let notice = client.wait_for(|m| m["method"] == "window/logMessage");
    assert!(
        notice["params"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("not JSON-RPC")),
        "{notice}"
    );
    // a request with parameters of the wrong shape: an InvalidParams error
    let hover = client.request("textDocument/hover", json!({"textDocument": 3}));
    assert_eq!(hover["error"]["code"], -32602, "{hover}");
    let actions = client.request("textDocument/codeAction", json!([1, 2]));
    assert_eq!(actions["error"]["code"], -32602, "{actions}");
    // a method no one answers: MethodNotFound
    let unknown = client.request("schemaguard/nothing", json!({}));
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    // a notification with bad parameters is dropped
    client.notify("textDocument/didOpen", json!({"textDocument": "nope"}));
    // a hover on a file that is not open, and past the end of the open one
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": "file:///nowhere/x.sql"}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(hover["result"], Value::Null, "{hover}");

    client.open(&uri, text);
    let found = client.diagnostics(&uri);
    assert!(
        codes(&found).contains(&"require-primary-key".to_string()),
        "{found:#?}"
    );
    let past = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 99, "character": 99}}),
    );
    assert!(past.get("error").is_none(), "{past}");
    client.shut_down();
}

#[test]
fn a_file_that_is_not_utf8_and_a_statement_that_does_not_parse_are_diagnostics() {
    let dir = common::TempDir::new("lsp-bad-input");
    dir.write("001_t.sql", "CREATE TABLE t (id int);\n");
    let binary = dir.0.join("002_latin1.sql");
    std::fs::write(&binary, b"COMMENT ON TABLE t IS 'caf\xe9';\n").expect("write");
    let text = "CREATE TABLE (;\nCREATE INDEX t_id ON t (id);\n";
    let file = dir.write("003_bad.sql", text);
    let root = std::fs::canonicalize(&dir.0).expect("canonical");
    let uri = uri_of(&file);
    let mut client = Client::initialized(&root);
    client.open(&uri, text);
    let found = client.diagnostics(&uri);
    let unparsed = found
        .iter()
        .find(|d| d["code"] == "unparsed-statement")
        .unwrap_or_else(|| panic!("a diagnostic on the statement that does not parse: {found:#?}"));
    assert_eq!(unparsed["range"]["start"]["line"], 0, "{unparsed}");
    assert!(
        unparsed["message"]
            .as_str()
            .is_some_and(|m| m.contains("not checked")),
        "{unparsed}"
    );
    // the rest of the file is still checked
    assert!(
        codes(&found).contains(&"create-index-non-concurrently".to_string()),
        "{found:#?}"
    );
    let not_utf8 = client.diagnostics(&uri_of(&binary));
    assert!(
        not_utf8.first().is_some_and(|d| d["message"]
            .as_str()
            .is_some_and(|m| m.contains("cannot read") && m.contains("UTF-8"))),
        "{not_utf8:#?}"
    );
    client.shut_down();
}

/// `exit` without `shutdown` first: the server ends, with exit code 1 as the protocol
/// asks.
#[test]
fn exit_without_shutdown_ends_the_server_with_code_1() {
    let dir = common::TempDir::new("lsp-abrupt");
    dir.write("001_t.sql", "CREATE TABLE t (id int);\n");
    let root = std::fs::canonicalize(&dir.0).expect("canonical");
    let mut client = Client::initialized(&root);
    client.notify("exit", Value::Null);
    let status = client.child.wait().expect("wait");
    assert_eq!(status.code(), Some(1), "{status:?}");
}

#[test]
fn closing_standard_input_ends_the_server_cleanly() {
    let dir = common::TempDir::new("lsp-gone");
    let text = "CREATE TABLE t (id int);\n";
    let file = dir.write("001_t.sql", text);
    let root = std::fs::canonicalize(&dir.0).expect("canonical");
    let uri = uri_of(&file);
    let mut client = Client::initialized(&root);
    client.open(&uri, text);
    client.diagnostics(&uri);
    let Client {
        mut child, stdin, ..
    } = client;
    drop(stdin);
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server did not end after its input closed"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
}

/// Applies a `WorkspaceEdit` with `documentChanges` as an editor does (ASCII texts:
/// UTF-16 columns are bytes).
fn apply(edit: &Value) {
    let path = |uri: &Value| {
        std::path::PathBuf::from(
            uri.as_str()
                .and_then(|u| u.strip_prefix("file://"))
                .expect("a file URI"),
        )
    };
    for change in edit["documentChanges"].as_array().expect("documentChanges") {
        match change["kind"].as_str() {
            Some("create") => {
                let p = path(&change["uri"]);
                assert!(!p.exists(), "{} exists", p.display());
                std::fs::write(&p, "").expect("create");
            }
            Some("rename") => {
                std::fs::rename(path(&change["oldUri"]), path(&change["newUri"])).expect("rename")
            }
            Some(other) => panic!("an operation no editor knows: {other}"),
            None => {
                let p = path(&change["textDocument"]["uri"]);
                let text = std::fs::read_to_string(&p).expect("read");
                let offset = |pos: &Value| {
                    let line = pos["line"].as_u64().expect("line") as usize;
                    let column = pos["character"].as_u64().expect("character") as usize;
                    text.split_inclusive('\n')
                        .take(line)
                        .map(str::len)
                        .sum::<usize>()
                        + column
                };
                let mut edits: Vec<(usize, usize, String)> = change["edits"]
                    .as_array()
                    .expect("edits")
                    .iter()
                    .map(|e| {
                        (
                            offset(&e["range"]["start"]),
                            offset(&e["range"]["end"]),
                            e["newText"].as_str().expect("newText").to_string(),
                        )
                    })
                    .collect();
                // all ranges are on the original text: applied from the end, and an
                // insert before a replacement at the same offset stays before it
                edits.sort_by_key(|e| (e.0, e.1));
                let mut out = text.clone();
                for (start, end, new) in edits.into_iter().rev() {
                    out.replace_range(start..end, &new);
                }
                std::fs::write(&p, out).expect("write");
            }
        }
    }
}

/// Every file of `dir`, by name, with its text.
fn tree(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("list")
        .map(|e| {
            let e = e.expect("entry");
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).expect("read"),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn the_fix_code_action_writes_what_fix_write_writes() {
    let table = "CREATE TABLE orders (id bigint PRIMARY KEY, total int);\n";
    // (rule, the file with its one fixable finding): a new migration after it, and a
    // statement moved into a new no-transaction migration
    let cases = [
        (
            "constraint-not-valid-missing",
            "SET lock_timeout = '2s';\nALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0);\n",
        ),
        (
            "create-index-non-concurrently",
            "SET lock_timeout = '2s';\nCREATE TABLE notes (id int);\nCREATE INDEX orders_total_idx ON orders (total);\n",
        ),
    ];
    for (rule, text) in cases {
        let by_editor = common::TempDir::new("lsp-fix-editor");
        let by_cli = common::TempDir::new("lsp-fix-cli");
        for dir in [&by_editor, &by_cli] {
            dir.write("001_orders.sql", table);
            dir.write("002_change.sql", text);
        }
        let written = common::schemaguard(&["fix", "--write", by_cli.path()]);
        assert_eq!(written.code, 0, "{}{}", written.stdout, written.stderr);

        let root = std::fs::canonicalize(&by_editor.0).expect("canonical");
        let uri = uri_of(&root.join("002_change.sql"));
        let mut client = Client::initialized(&root);
        client.open(&uri, text);
        let found = client.diagnostics(&uri);
        let d = found
            .iter()
            .find(|d| d["code"] == rule)
            .unwrap_or_else(|| panic!("{rule}: {found:#?}"))
            .clone();
        let actions = client.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": d["range"],
                   "context": {"diagnostics": [d]}}),
        );
        let fix = actions["result"]
            .as_array()
            .and_then(|a| {
                a.iter().find(|a| {
                    a["title"]
                        .as_str()
                        .is_some_and(|t| t.starts_with(&format!("Fix {rule}")))
                })
            })
            .cloned()
            .unwrap_or_else(|| panic!("a fix action for {rule}: {actions:#}"));
        assert_eq!(fix["kind"], "quickfix");
        let edit = &fix["edit"];
        assert!(
            edit["documentChanges"]
                .as_array()
                .is_some_and(|c| c.iter().any(|c| c["kind"] == "create")),
            "{rule}: a new migration is created: {edit:#}"
        );
        apply(edit);
        assert_eq!(tree(&by_editor.0), tree(&by_cli.0), "{rule}");

        // the editor sends the fixed buffer: the finding is gone
        let fixed = std::fs::read_to_string(root.join("002_change.sql")).expect("read");
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]}),
        );
        client.notify(
            "textDocument/didSave",
            json!({"textDocument": {"uri": uri}}),
        );
        let found = client.diagnostics(&uri);
        assert!(
            !codes(&found).contains(&rule.to_string()),
            "{rule}: {found:#?}"
        );
        client.shut_down();
    }
}

#[test]
fn saving_the_configuration_checks_the_workspace_again() {
    let dir = common::TempDir::new("lsp-config-save");
    let config = dir.write("schemaguard.toml", "paths = [\"migrations\"]\n");
    dir.write(
        "migrations/001_orders.sql",
        "CREATE TABLE orders (id bigint PRIMARY KEY, total int);\n",
    );
    let text = "SET lock_timeout = '2s';\nCREATE INDEX orders_total_idx ON orders (total);\n";
    let file = dir.write("migrations/002_index.sql", text);
    let root = std::fs::canonicalize(&dir.0).expect("canonical");
    let uri = uri_of(&file);
    let mut client = Client::initialized(&root);
    client.open(&uri, text);
    let found = client.diagnostics(&uri);
    assert!(
        codes(&found).contains(&"create-index-non-concurrently".to_string()),
        "{found:#?}"
    );
    std::fs::write(
        &config,
        "paths = [\"migrations\"]\n[rules]\ncreate-index-non-concurrently = \"off\"\n",
    )
    .expect("write the configuration");
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri_of(&config)}}),
    );
    let found = client.diagnostics(&uri);
    assert!(
        !codes(&found).contains(&"create-index-non-concurrently".to_string()),
        "{found:#?}"
    );
    // and a change on disk the editor reports (a file watcher) counts too
    std::fs::write(&config, "paths = [\"migrations\"]\n").expect("write the configuration");
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri_of(&config), "type": 2}]}),
    );
    let found = client.diagnostics(&uri);
    assert!(
        codes(&found).contains(&"create-index-non-concurrently".to_string()),
        "{found:#?}"
    );
    client.shut_down();
}

#[test]
fn initialize_parameters_of_the_wrong_shape_are_said_and_the_server_works() {
    let dir = common::TempDir::new("lsp-bad-init");
    let text = "CREATE TABLE t (id int);\n";
    let file = dir.write("001_t.sql", text);
    let root = std::fs::canonicalize(&dir.0).expect("canonical");
    let uri = uri_of(&file);
    let mut client = Client::start(&root);
    let init = client.request("initialize", json!({"processId": "not a number"}));
    assert_eq!(
        init["result"]["capabilities"]["hoverProvider"], true,
        "{init}"
    );
    client.notify("initialized", json!({}));
    let said = client.wait_for(|m| m["method"] == "window/logMessage");
    assert!(
        said["params"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("initialize parameters")),
        "{said}"
    );
    client.open(&uri, text);
    let found = client.diagnostics(&uri);
    assert!(
        codes(&found).contains(&"require-primary-key".to_string()),
        "{found:#?}"
    );
    client.shut_down();
}

#[test]
fn a_finding_fix_leaves_as_it_is_gets_a_disabled_fix_action_saying_why() {
    let dir = common::TempDir::new("lsp-not-fixed");
    dir.write(
        "001_orders.sql",
        "CREATE TABLE orders (id bigint PRIMARY KEY, total int);\n",
    );
    // the index cannot move after the UPDATE, which uses its table
    let text = "SET lock_timeout = '2s';\nCREATE INDEX orders_total_idx ON orders (total);\nUPDATE orders SET total = 0 WHERE total IS NULL;\n";
    let file = dir.write("002_index.sql", text);
    let root = std::fs::canonicalize(&dir.0).expect("canonical");
    let uri = uri_of(&file);
    let mut client = Client::initialized(&root);
    client.open(&uri, text);
    let found = client.diagnostics(&uri);
    let d = found
        .iter()
        .find(|d| d["code"] == "create-index-non-concurrently")
        .unwrap_or_else(|| panic!("{found:#?}"))
        .clone();
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": d["range"], "context": {"diagnostics": [d]}}),
    );
    let fix = actions["result"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|a| a["title"] == "Fix create-index-non-concurrently")
        })
        .cloned()
        .unwrap_or_else(|| panic!("{actions:#}"));
    assert!(fix.get("edit").is_none(), "{fix}");
    assert!(
        fix["disabled"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("line 3")),
        "{fix}"
    );
    client.shut_down();
}

#[test]
fn the_fix_all_source_action_writes_what_fix_write_writes() {
    // versions with room between them for the new migrations
    let files = [
        (
            "010_orders.sql",
            "CREATE TABLE orders (id bigint PRIMARY KEY, total int);\n",
        ),
        (
            "020_index.sql",
            "SET lock_timeout = '2s';\nCREATE TABLE notes (id int);\nCREATE INDEX orders_total_idx ON orders (total);\nCREATE INDEX orders_id_total_idx ON orders (id, total);\n",
        ),
        (
            "030_check.sql",
            "ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0);\n",
        ),
    ];
    let by_editor = common::TempDir::new("lsp-fix-all-editor");
    let by_cli = common::TempDir::new("lsp-fix-all-cli");
    for dir in [&by_editor, &by_cli] {
        for (name, text) in files {
            dir.write(name, text);
        }
    }
    let written = common::schemaguard(&["fix", "--write", by_cli.path()]);
    assert_eq!(written.code, 0, "{}{}", written.stdout, written.stderr);
    assert!(written.stdout.contains("4 fixes"), "{}", written.stdout);

    let root = std::fs::canonicalize(&by_editor.0).expect("canonical");
    let uri = uri_of(&root.join("020_index.sql"));
    let mut client = Client::initialized(&root);
    client.open(&uri, files[1].1);
    client.diagnostics(&uri);
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri},
               "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
               "context": {"diagnostics": [], "only": ["source"]}}),
    );
    let listed = actions["result"].as_array().cloned().unwrap_or_default();
    assert_eq!(listed.len(), 1, "only the source action: {actions:#}");
    let all = &listed[0];
    assert_eq!(all["kind"], "source.fixAll", "{all}");
    assert!(
        all["title"].as_str().is_some_and(|t| t.contains("4 fixes")),
        "{all}"
    );
    apply(&all["edit"]);
    assert_eq!(tree(&by_editor.0), tree(&by_cli.0));
    client.shut_down();
}
