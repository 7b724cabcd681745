//! The language server's wire, as an editor sees it: `schemaguard lsp` started with piped
//! standard input and output, and a thread that reads its `Content-Length` framed
//! messages into a channel. Shared by `tests/lsp.rs` and `benches/lsp.rs` (each includes
//! this file with `#[path]`).

use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};

/// Starts `bin lsp` in `cwd`: the process, its standard input, and the messages it
/// sends, in order (the channel closes when its output ends or stops being JSON-RPC).
pub fn spawn(bin: &str, cwd: &Path) -> (Child, ChildStdin, Receiver<Value>) {
    let mut child = Command::new(bin)
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
    (child, stdin, messages)
}
