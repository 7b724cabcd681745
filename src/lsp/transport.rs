//! JSON-RPC over standard input and output, framed with `Content-Length` headers.
//!
//! `lsp-server`'s own stdio transport ends the whole connection on the first message
//! that is not JSON; this one tells the editor (`window/logMessage`) and reads on, so a
//! malformed message costs that message only. Standard input closing (the editor went
//! away) ends the connection as cleanly as `exit` does. The server itself runs on one
//! end of `lsp_server::Connection::memory()`; two threads carry the other end to and
//! from the process's standard streams.

use lsp_server::{Connection, Message, Notification};
use lsp_types as lsp;
use std::io::{self, BufRead, Read};
use std::thread::JoinHandle;

/// A message body larger than this is skipped unread (no editor sends one).
const MAX_MESSAGE_BYTES: usize = 256 << 20;

/// The threads carrying the messages; [`Io::join`] waits for both.
pub(super) struct Io {
    reader: JoinHandle<io::Result<()>>,
    writer: JoinHandle<io::Result<()>>,
}

impl Io {
    /// Waits for both threads (once the server has dropped its connection).
    pub(super) fn join(self) -> io::Result<()> {
        let gone = |_| io::Error::other("a thread of the language server's transport panicked");
        let read = self.reader.join().map_err(gone)?;
        let written = self.writer.join().map_err(gone)?;
        read.and(written)
    }
}

/// The server's end of a connection over the process's standard input and output.
pub(super) fn stdio() -> io::Result<(Connection, Io)> {
    let (server, client) = Connection::memory();
    let Connection {
        sender: to_server,
        receiver: from_server,
    } = client;
    // notices of the reader (a message skipped) go straight out, as the server's own
    let notices = server.sender.clone();
    let writer = std::thread::Builder::new()
        .name("lsp-writer".to_string())
        .spawn(move || {
            let stdout = io::stdout();
            let mut stdout = stdout.lock();
            for message in from_server {
                match message.write(&mut stdout) {
                    Ok(()) => {}
                    // the editor is gone: nothing is left to tell it
                    Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(()),
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        })?;
    let reader = std::thread::Builder::new()
        .name("lsp-reader".to_string())
        .spawn(move || {
            let stdin = io::stdin();
            read_messages(
                &mut stdin.lock(),
                |m| to_server.send(m).is_ok(),
                |text| {
                    let params = lsp::LogMessageParams {
                        typ: lsp::MessageType::WARNING,
                        message: format!("schemaguard: {text}"),
                    };
                    if let Ok(params) = serde_json::to_value(params) {
                        let _ = notices.send(Message::Notification(Notification::new(
                        <lsp::notification::LogMessage as lsp::notification::Notification>::METHOD
                            .to_string(),
                        params,
                    )));
                    }
                },
            )
        })?;
    Ok((server, Io { reader, writer }))
}

/// Reads framed messages from `input` and hands each to `deliver` until the input ends,
/// `exit` is delivered, or `deliver` says the server is gone (`false`). What cannot be
/// read as a message goes to `skipped`, and reading goes on.
fn read_messages(
    input: &mut impl BufRead,
    mut deliver: impl FnMut(Message) -> bool,
    mut skipped: impl FnMut(&str),
) -> io::Result<()> {
    loop {
        let mut length: Option<usize> = None;
        let mut headers = 0;
        loop {
            let mut line = Vec::new();
            if input.read_until(b'\n', &mut line)? == 0 {
                // end of input: the editor went away
                return Ok(());
            }
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end();
            if line.is_empty() {
                if headers == 0 {
                    continue;
                }
                break;
            }
            headers += 1;
            if let Some((name, value)) = line.split_once(':') {
                if name.trim().eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().ok();
                }
            }
        }
        let Some(length) = length else {
            skipped("a message without a valid Content-Length header was skipped");
            continue;
        };
        if length > MAX_MESSAGE_BYTES {
            io::copy(&mut input.take(length as u64), &mut io::sink())?;
            skipped(&format!(
                "a message of {length} bytes was skipped (the limit is {MAX_MESSAGE_BYTES})"
            ));
            continue;
        }
        let mut body = vec![0; length];
        if input.read_exact(&mut body).is_err() {
            // the input ended inside a message: the editor went away
            return Ok(());
        }
        match serde_json::from_slice::<Message>(&body) {
            Ok(message) => {
                let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                if !deliver(message) || exit {
                    return Ok(());
                }
            }
            Err(e) => skipped(&format!(
                "a message that is not JSON-RPC was skipped ({e}): {}",
                String::from_utf8_lossy(&body[..body.len().min(80)])
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn a_malformed_message_is_skipped_and_the_next_one_read() {
        let input = [
            framed("{not json"),
            "X-Nothing: 1\r\n\r\n".to_string(),
            framed(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#),
            framed(r#"{"jsonrpc":"2.0","method":"exit"}"#),
            framed(r#"{"jsonrpc":"2.0","method":"never-read"}"#),
        ]
        .concat();
        let mut delivered = Vec::new();
        let mut skipped = Vec::new();
        read_messages(
            &mut input.as_bytes(),
            |m| {
                if let Message::Notification(n) = m {
                    delivered.push(n.method);
                }
                true
            },
            |s| skipped.push(s.to_string()),
        )
        .expect("read");
        assert_eq!(delivered, ["initialized", "exit"]);
        assert_eq!(skipped.len(), 2, "{skipped:?}");
        assert!(skipped[0].contains("not JSON-RPC"), "{skipped:?}");
        assert!(skipped[1].contains("Content-Length"), "{skipped:?}");
    }

    #[test]
    fn input_ending_inside_a_message_ends_reading_cleanly() {
        let input = "Content-Length: 100\r\n\r\n{\"jsonrpc\"";
        let mut count = 0;
        read_messages(
            &mut input.as_bytes(),
            |_| {
                count += 1;
                true
            },
            |_| {},
        )
        .expect("a clean end");
        assert_eq!(count, 0);
    }
}
