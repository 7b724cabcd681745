//! An identifier longer than 63 bytes: PostgreSQL truncates it without an error (a
//! NOTICE at most), so the object gets another name than the one written.
//!
//! The operation model holds names already folded and truncated, as PostgreSQL would
//! store them, so this rule reads the statement's own tokens.

use super::{Context, Rule, Severity, Violation};
use crate::ops::names::{MAX_IDENTIFIER_BYTES, fold};
use crate::parse::Statement;
use crate::parse::split::{Tok, Token, sql_tokens};
use crate::span::{Position, Span};

pub struct IdentifierTooLong;

impl Rule for IdentifierTooLong {
    fn id(&self) -> &'static str {
        "identifier-too-long"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "an identifier longer than 63 bytes, which PostgreSQL silently truncates"
    }
    fn category(&self) -> super::Category {
        super::Category::Correctness
    }
    fn check(&self, cx: &Context, out: &mut Vec<Violation>) {
        let mut seen: Vec<String> = Vec::new();
        for (start, end, written, value) in long_identifiers(&cx.stmt.text) {
            if seen.contains(&written) {
                continue;
            }
            seen.push(written.clone());
            let quoted = written.starts_with('"');
            let truncated = fold(&value, quoted);
            let shown = if quoted {
                format!("\"{}\"", truncated.replace('"', "\"\""))
            } else {
                truncated.clone()
            };
            out.push(Violation {
                message: format!(
                    "identifier {written} is {} bytes long; PostgreSQL truncates it to {MAX_IDENTIFIER_BYTES} bytes: {shown}",
                    value.len()
                ),
                span: Some(sub_span(cx.stmt, start, end)),
                why: Some(format!(
                    "identifiers are limited to {MAX_IDENTIFIER_BYTES} bytes (NAMEDATALEN - 1) and longer ones are cut without an error: the object is named {shown}, code and tools that look for the full name do not find it, and two long names that share their first {MAX_IDENTIFIER_BYTES} bytes are the same name"
                ).into()),
                fix: Some(format!(
                    "choose a name of at most {MAX_IDENTIFIER_BYTES} bytes, for example {shown}"
                )),
                ..Default::default()
            });
        }
    }
}

/// Identifiers longer than the limit in a statement's text: (start, end, as written,
/// value). A quoted identifier's value has its `""` unescaped. Strings, comments and
/// dollar-quoted bodies are not looked into.
fn long_identifiers(text: &str) -> Vec<(usize, usize, String, String)> {
    let mut out = Vec::new();
    if !may_hold_long_identifier(text) {
        return out;
    }
    // the two tokens before the current one (for `U&"..."`), without collecting them all
    let (mut prev, mut prev2): (Option<Token>, Option<Token>) = (None, None);
    for t in sql_tokens(text) {
        let before = (prev, prev2);
        prev2 = prev;
        prev = Some(t);
        let Some(written) = text.get(t.start..t.end) else {
            continue;
        };
        let value = match t.kind {
            // most words are short: measured before anything is allocated
            Tok::Word if written.len() <= MAX_IDENTIFIER_BYTES => continue,
            Tok::Word => written.to_string(),
            Tok::QuotedIdent if t.unterminated.is_none() => {
                // U&"..." holds escapes: its length in bytes is not what is written
                let unicode = match before {
                    (Some(amp), Some(u)) => {
                        amp.end == t.start
                            && text.get(amp.start..amp.end) == Some("&")
                            && text
                                .get(u.start..u.end)
                                .is_some_and(|w| w.eq_ignore_ascii_case("u"))
                    }
                    _ => false,
                };
                if unicode {
                    continue;
                }
                written[1..written.len() - 1].replace("\"\"", "\"")
            }
            _ => continue,
        };
        if value.len() > MAX_IDENTIFIER_BYTES {
            out.push((t.start, t.end, written.to_string(), value));
        }
    }
    out
}

/// Whether `text` may hold an identifier over the limit: a word is a run of identifier
/// bytes, and a quoted identifier needs a `"`. Most statements have neither, and are not
/// tokenized again.
fn may_hold_long_identifier(text: &str) -> bool {
    if text.len() <= MAX_IDENTIFIER_BYTES {
        return false;
    }
    if text.contains('"') {
        return true;
    }
    has_long_run(text.as_bytes())
}

/// Whether `bytes` hold more than [`MAX_IDENTIFIER_BYTES`] identifier bytes in a row. Such
/// a run covers one of every `MAX_IDENTIFIER_BYTES + 1` positions, so only those are
/// looked at, and the run around each identifier byte found there is measured: a
/// statement is read a 64th, not byte by byte (this runs on every statement).
fn has_long_run(bytes: &[u8]) -> bool {
    const STEP: usize = MAX_IDENTIFIER_BYTES + 1;
    let ident = |i: usize| crate::parse::split::is_ident_cont(bytes[i]);
    let mut i = STEP - 1;
    while i < bytes.len() {
        if ident(i) {
            let start = (0..i).rev().take_while(|&j| ident(j)).last().unwrap_or(i);
            let end = (i..bytes.len()).find(|&j| !ident(j)).unwrap_or(bytes.len());
            if end - start > MAX_IDENTIFIER_BYTES {
                return true;
            }
        }
        i += STEP;
    }
    false
}

/// The span of `stmt.text[start..end]` in the file.
fn sub_span(stmt: &Statement, start: usize, end: usize) -> Span {
    let position = |offset: usize| {
        let before = stmt.text.get(..offset).unwrap_or("");
        match before.rfind('\n') {
            None => Position {
                line: stmt.span.start_pos.line,
                column: stmt.span.start_pos.column + before.chars().count() as u32,
            },
            Some(nl) => Position {
                line: stmt.span.start_pos.line + before.matches('\n').count() as u32,
                column: before[nl + 1..].chars().count() as u32 + 1,
            },
        }
    };
    // the last character of the token
    let mut last = end.saturating_sub(1).max(start);
    while last > start && !stmt.text.is_char_boundary(last) {
        last -= 1;
    }
    Span {
        start: stmt.span.start + start,
        end: stmt.span.start + end,
        start_pos: position(start),
        end_pos: position(last),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_long_words_and_quoted_identifiers_but_not_strings() {
        let long = "a".repeat(64);
        let sql = format!(
            "CREATE INDEX {long} ON t (x) WHERE y = '{long}'; -- {long}\nCOMMENT ON TABLE \"{long}\" IS $${long}$$"
        );
        let found: Vec<String> = long_identifiers(&sql)
            .into_iter()
            .map(|(_, _, w, _)| w)
            .collect();
        assert_eq!(found, vec![long.clone(), format!("\"{long}\"")]);
        assert!(long_identifiers(&format!("SELECT {}", "b".repeat(63))).is_empty());
        // multi-byte characters count in bytes
        assert_eq!(
            long_identifiers(&format!("SELECT {}", "é".repeat(32))).len(),
            1
        );
    }

    /// The sampled search finds a long run exactly when a byte-by-byte count does.
    #[test]
    fn long_runs_are_found_as_counting_finds_them() {
        fn counted(bytes: &[u8]) -> bool {
            let mut run = 0;
            bytes.iter().any(|&b| {
                run = if crate::parse::split::is_ident_cont(b) {
                    run + 1
                } else {
                    0
                };
                run > MAX_IDENTIFIER_BYTES
            })
        }
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut long = 0;
        for _ in 0..20_000 {
            let len = (next() % 400) as usize;
            // mostly identifier bytes, so that runs near the limit are common
            let gap = 8 + next() % 120;
            let bytes: Vec<u8> = (0..len)
                .map(|_| match next() % gap {
                    0 => b' ',
                    1 => b'(',
                    2 => 0xC3,
                    3 => b'$',
                    4 => b'7',
                    _ => b'a',
                })
                .collect();
            let expected = counted(&bytes);
            long += usize::from(expected);
            assert_eq!(
                has_long_run(&bytes),
                expected,
                "{:?}",
                String::from_utf8_lossy(&bytes)
            );
        }
        assert!(long > 1000, "{long}");
        for n in 60..70 {
            for at in [0, 1, 63, 64, 65, 127, 128] {
                let mut bytes = vec![b' '; at];
                bytes.extend(std::iter::repeat_n(b'x', n));
                bytes.extend([b' ', b'y']);
                assert_eq!(
                    has_long_run(&bytes),
                    n > MAX_IDENTIFIER_BYTES,
                    "{n} at {at}"
                );
            }
        }
    }

    #[test]
    fn spans_point_at_the_identifier() {
        let text = "CREATE TABLE t (\n  x int\n) ; ALTER x";
        let stmt = Statement {
            index: 0,
            span: Span {
                start: 10,
                end: 10 + text.len(),
                start_pos: Position { line: 3, column: 5 },
                end_pos: Position { line: 5, column: 1 },
            },
            text: text.to_string(),
            op: crate::ops::Operation::Other {
                kind: "X".to_string(),
            },
            embedded: Vec::new(),
            conditional: false,
            schema_element: false,
        };
        let s = sub_span(&stmt, 13, 14);
        assert_eq!((s.start_pos.line, s.start_pos.column), (3, 18));
        let x = text.find("x int").unwrap();
        let s = sub_span(&stmt, x, x + 1);
        assert_eq!((s.start_pos.line, s.start_pos.column), (4, 3));
        assert_eq!(s.start, 10 + x);
    }
}
