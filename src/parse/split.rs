//! The psql-aware statement splitter. (placeholder: replaced by the real splitter)

/// What a piece of the file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PieceKind {
    /// An SQL statement, from its first token to its terminating `;` (inclusive) or the
    /// end of the file.
    Sql,
    /// A psql meta-command line (`\connect db`, `\set x 1`).
    MetaCommand,
    /// The data lines of `COPY ... FROM stdin`, up to and including `\.`.
    CopyData,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    pub kind: PieceKind,
    /// Byte offsets: `start` is the first character of the statement (leading blanks and
    /// comments excluded); `end` is exclusive and includes the `;`.
    pub start: usize,
    pub end: usize,
    /// `Some("dollar-quoted string")` etc. when a quote or comment runs to the end of
    /// the file; the piece then starts at the statement and runs to the end.
    pub unterminated: Option<&'static str>,
}

/// Splits `text` into pieces in order. Never fails; never panics.
pub fn split(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, ch) in text.char_indices() {
        if ch == ';' {
            push(text, start, i + 1, &mut out);
            start = i + 1;
        }
    }
    push(text, start, text.len(), &mut out);
    out
}

fn push(text: &str, start: usize, end: usize, out: &mut Vec<Piece>) {
    let piece = &text[start..end];
    let trimmed = piece.trim_start();
    if trimmed.trim().is_empty() {
        return;
    }
    out.push(Piece {
        kind: PieceKind::Sql,
        start: start + (piece.len() - trimmed.len()),
        end,
        unterminated: None,
    });
}
