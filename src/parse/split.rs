//! The psql-aware statement splitter.
//!
//! One forward pass over the bytes: a small [`Lexer`] cuts the text into tokens (words,
//! strings, quoted identifiers, dollar quotes, comments, punctuation, meta-commands) and
//! [`split`] groups them into statements at `;`. Nothing here recurses, and every byte
//! access is bounds-checked, so any input (unbalanced quotes, NUL bytes, ...) is fine.
//!
//! psql behaviours it follows, and where it deliberately stops:
//! - `standard_conforming_strings = on`: only `E'...'` strings treat `\` as an escape;
//!   `U&'...'`, `B'...'`, `X'...'` and `N'...'` lex as a word followed by a plain string.
//! - A backslash outside quotes and comments starts a psql meta-command that runs to
//!   the end of its line, as in psql (which also reads `SELECT 1 \gset` that way). It
//!   becomes a [`PieceKind::MetaCommand`] piece. In the middle of a statement the
//!   statement keeps going around it (psql keeps its query buffer), except that
//!   `\g`-family commands (`\g`, `\gx`, `\gset`, `\gexec`, ...) send the buffer, so they
//!   end the statement. `\;` is psql's literal semicolon and does not split. Not
//!   modelled: `\r` (reset buffer), `\\` separators, `\if` branches, `\i` inclusion.
//! - `BEGIN ATOMIC ... END` bodies of `CREATE [OR REPLACE] FUNCTION|PROCEDURE` keep their
//!   inner `;`. Like psql's own heuristic, CASE/END words are counted at parenthesis
//!   depth 0 only; unlike psql we do not count them after `.` or `AS` (`t.end`,
//!   `AS end`), where they are names. Still miscounted: a reserved word used as a bare
//!   column label (`SELECT 1 end`), which PostgreSQL rejects anyway.
//! - `COPY ... FROM STDIN`: the data starts on the line after the statement's `;` and
//!   runs up to and including a line that is exactly `\.`. Text after the `;` on the
//!   COPY line itself is skipped (psql would run it after the data).

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

/// Splits `text` into pieces in order of their start. Never fails; never panics.
pub fn split(text: &str) -> Vec<Piece> {
    run(text, true, None)
}

/// Like [`split`] without the psql layer (no meta-commands, no COPY data): for text that
/// psql never sees, such as a PL/pgSQL body or the string given to `EXECUTE`.
pub(crate) fn split_sql(text: &str) -> Vec<Piece> {
    run(text, false, None)
}

/// The `(start, end)` byte ranges of every `--` comment that psql would see as a comment
/// (not inside strings, dollar quotes, block comments or COPY data).
pub(crate) fn line_comments(text: &str) -> Vec<(usize, usize)> {
    let mut comments = Vec::new();
    run(text, true, Some(&mut comments));
    comments
}

/// Kinds of [`Token`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    /// An identifier or keyword (`$` allowed after the first character).
    Word,
    Number,
    /// `'...'` or `E'...'` (the token starts at the `E`).
    Str,
    QuotedIdent,
    /// `$tag$...$tag$`, tag possibly empty.
    DollarStr,
    /// `$1`.
    Param,
    LineComment,
    BlockComment,
    Semicolon,
    /// Any other single character (operators come one character at a time), and `\;`.
    Punct,
    /// A psql meta-command: `\` to the end of its line (trailing blanks excluded).
    Meta,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: Tok,
    pub start: usize,
    pub end: usize,
    /// Set when a string, identifier or comment runs to the end of the text.
    pub unterminated: Option<&'static str>,
}

/// Tokens of SQL text, whitespace skipped. Token boundaries always fall on ASCII bytes
/// or the end of the text (non-ASCII bytes only occur inside words, strings and
/// comments), so every `start..end` is a valid `str` range.
pub(crate) struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    /// Whether a backslash starts a psql meta-command.
    psql: bool,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_cont(b: u8) -> bool {
    is_ident_start(b) || b.is_ascii_digit() || b == b'$'
}

/// A dollar-quote tag may not contain `$` itself.
fn is_tag_cont(b: u8) -> bool {
    is_ident_start(b) || b.is_ascii_digit()
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(text: &'a str, psql: bool) -> Lexer<'a> {
        Lexer { text, pos: 0, psql }
    }

    fn byte(&self, i: usize) -> Option<u8> {
        self.text.as_bytes().get(i).copied()
    }

    /// The first index at or after `from` where `pred` holds, or the end of the text.
    fn seek(&self, from: usize, pred: impl Fn(u8) -> bool) -> usize {
        let bytes = self.text.as_bytes();
        bytes
            .get(from..)
            .and_then(|rest| rest.iter().position(|&b| pred(b)))
            .map_or(bytes.len(), |p| from + p)
    }

    fn token(&mut self, kind: Tok, start: usize, end: usize) -> Token {
        self.pos = end;
        Token {
            kind,
            start,
            end,
            unterminated: None,
        }
    }

    fn unterminated(&mut self, kind: Tok, start: usize, what: &'static str) -> Token {
        self.pos = self.text.len();
        Token {
            kind,
            start,
            end: self.text.len(),
            unterminated: Some(what),
        }
    }

    /// A quoted run opened at `open` (the quote itself), closed by an undoubled `quote`;
    /// with `backslash`, `\` escapes the next byte (E'' strings).
    fn quoted(&mut self, start: usize, open: usize, quote: u8, backslash: bool) -> Token {
        let (kind, what) = if quote == b'"' {
            (Tok::QuotedIdent, "quoted identifier")
        } else {
            (Tok::Str, "single-quoted string")
        };
        let mut i = open + 1;
        loop {
            i = self.seek(i, |b| b == quote || (backslash && b == b'\\'));
            match self.byte(i) {
                None => return self.unterminated(kind, start, what),
                Some(b'\\') => i += 2,
                Some(_) if self.byte(i + 1) == Some(quote) => i += 2,
                Some(_) => return self.token(kind, start, i + 1),
            }
        }
    }

    /// At a `$`: a dollar quote, a `$1` parameter, or a lone `$`.
    fn dollar(&mut self, start: usize) -> Token {
        match self.byte(start + 1) {
            Some(b) if b.is_ascii_digit() => {
                let end = self.seek(start + 1, |b| !b.is_ascii_digit());
                return self.token(Tok::Param, start, end);
            }
            Some(b'$') => {}
            Some(b) if is_ident_start(b) => {}
            _ => return self.token(Tok::Punct, start, start + 1),
        }
        let tag_end = self.seek(start + 1, |b| !is_tag_cont(b));
        if self.byte(tag_end) != Some(b'$') {
            return self.token(Tok::Punct, start, start + 1);
        }
        let delim = self.text.get(start..=tag_end).unwrap_or("$$");
        match self
            .text
            .get(tag_end + 1..)
            .and_then(|rest| rest.find(delim))
        {
            Some(p) => self.token(Tok::DollarStr, start, tag_end + 1 + p + delim.len()),
            None => self.unterminated(Tok::DollarStr, start, "dollar-quoted string"),
        }
    }

    /// At `/*`: a block comment, nested as PostgreSQL nests them.
    fn block_comment(&mut self, start: usize) -> Token {
        let mut depth = 1usize;
        let mut i = start + 2;
        loop {
            i = self.seek(i, |b| b == b'*' || b == b'/');
            match (self.byte(i), self.byte(i + 1)) {
                (None, _) => return self.unterminated(Tok::BlockComment, start, "block comment"),
                (Some(b'*'), Some(b'/')) => {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        return self.token(Tok::BlockComment, start, i);
                    }
                }
                (Some(b'/'), Some(b'*')) => {
                    depth += 1;
                    i += 2;
                }
                _ => i += 1,
            }
        }
    }

    /// At a `\` in psql mode: the meta-command to the end of the line (`\;` is psql's
    /// literal semicolon, part of the statement).
    fn meta(&mut self, start: usize) -> Token {
        if self.byte(start + 1) == Some(b';') {
            return self.token(Tok::Punct, start, start + 2);
        }
        let eol = self.seek(start, |b| b == b'\n');
        let line = self.text.get(start..eol).unwrap_or("\\");
        let end = start + line.trim_end().len().max(1);
        self.pos = eol;
        Token {
            kind: Tok::Meta,
            start,
            end,
            unterminated: None,
        }
    }
}

impl Iterator for Lexer<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        let start = self.seek(self.pos, |b| {
            !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
        });
        let b = self.byte(start)?;
        let next = self.byte(start + 1);
        Some(match b {
            b'\'' => self.quoted(start, start, b'\'', false),
            b'"' => self.quoted(start, start, b'"', false),
            b'$' => self.dollar(start),
            b';' => self.token(Tok::Semicolon, start, start + 1),
            b'-' if next == Some(b'-') => {
                let end = self.seek(start, |b| b == b'\n');
                self.token(Tok::LineComment, start, end)
            }
            b'/' if next == Some(b'*') => self.block_comment(start),
            b'\\' if self.psql => self.meta(start),
            b if b.is_ascii_digit() => {
                let end = self.seek(start, |b| {
                    !(b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
                });
                self.token(Tok::Number, start, end)
            }
            b if is_ident_start(b) => {
                let end = self.seek(start, |b| !is_ident_cont(b));
                if end == start + 1 && matches!(b, b'E' | b'e') && next == Some(b'\'') {
                    self.quoted(start, end, b'\'', true)
                } else {
                    self.token(Tok::Word, start, end)
                }
            }
            _ => self.token(Tok::Punct, start, start + 1),
        })
    }
}

/// How far we are into `CREATE [OR REPLACE] FUNCTION|PROCEDURE`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Header {
    Start,
    Create,
    CreateOr,
    CreateOrReplace,
    Routine,
    Other,
}

/// The statement being collected.
struct Stmt {
    start: usize,
    /// End of its last token so far (comments excluded).
    last_end: usize,
    /// Where its piece goes in the output: before any meta-command met inside it.
    slot: usize,
    header: Header,
    words: usize,
    paren: i64,
    /// Inside `BEGIN ATOMIC`: 1 + open CASEs.
    atomic: usize,
    prev_begin: bool,
    /// The previous token was `.` or the word `AS`: a following CASE/END is a name.
    prev_names: bool,
    copy: bool,
    prev_from: bool,
    copy_stdin: bool,
}

impl Stmt {
    fn new(start: usize, slot: usize) -> Stmt {
        Stmt {
            start,
            last_end: start,
            slot,
            header: Header::Start,
            words: 0,
            paren: 0,
            atomic: 0,
            prev_begin: false,
            prev_names: false,
            copy: false,
            prev_from: false,
            copy_stdin: false,
        }
    }

    /// Updates the keyword state machines with one token of the statement.
    fn see(&mut self, text: &str, t: &Token) {
        self.last_end = t.end;
        let word = match t.kind {
            Tok::Word => text.get(t.start..t.end).unwrap_or(""),
            Tok::Punct => {
                match text.as_bytes().get(t.start) {
                    Some(b'(') => self.paren += 1,
                    Some(b')') => self.paren -= 1,
                    _ => {}
                }
                self.prev_begin = false;
                self.prev_from = false;
                self.prev_names = text.as_bytes().get(t.start) == Some(&b'.');
                return;
            }
            _ => {
                self.prev_begin = false;
                self.prev_from = false;
                self.prev_names = false;
                return;
            }
        };
        let is = |k: &str| word.eq_ignore_ascii_case(k);
        let first = self.words == 0;
        self.words += 1;
        if self.header != Header::Routine && self.header != Header::Other {
            self.header = match (self.header, first) {
                (Header::Start, true) if is("create") => Header::Create,
                (Header::Create, _) if is("or") => Header::CreateOr,
                (Header::CreateOr, _) if is("replace") => Header::CreateOrReplace,
                (Header::Create | Header::CreateOrReplace, _)
                    if is("function") || is("procedure") =>
                {
                    Header::Routine
                }
                _ => Header::Other,
            };
            if first && is("copy") {
                self.copy = true;
            }
        } else if self.header == Header::Routine && self.paren == 0 {
            if self.atomic == 0 {
                if self.prev_begin && is("atomic") {
                    self.atomic = 1;
                }
            } else if !self.prev_names {
                if is("case") {
                    self.atomic += 1;
                } else if is("end") {
                    self.atomic -= 1;
                }
            }
        }
        if self.copy && self.paren == 0 {
            if self.prev_from && is("stdin") {
                self.copy_stdin = true;
            }
            self.prev_from = is("from");
        }
        self.prev_begin = is("begin");
        self.prev_names = is("as");
    }
}

fn sql_piece(start: usize, end: usize, unterminated: Option<&'static str>) -> Piece {
    Piece {
        kind: PieceKind::Sql,
        start,
        end,
        unterminated,
    }
}

/// Puts a finished statement's piece at its slot, so pieces stay ordered by start.
fn emit(out: &mut Vec<Piece>, slot: usize, piece: Piece) {
    if slot < out.len() {
        out.insert(slot, piece);
    } else {
        out.push(piece);
    }
}

/// The end of a COPY data block starting at `from`: just after a line that is exactly
/// `\.` (a `\r` before the newline allowed), or `None` when the text ends first.
fn copy_data_end(text: &str, from: usize) -> Option<usize> {
    let mut line_start = from;
    for line in text.get(from..).unwrap_or("").split_inclusive('\n') {
        let content = line.strip_suffix('\n').unwrap_or(line);
        let content = content.strip_suffix('\r').unwrap_or(content);
        if content == "\\." {
            return Some(line_start + 2);
        }
        line_start += line.len();
    }
    None
}

fn run(text: &str, psql: bool, mut comments: Option<&mut Vec<(usize, usize)>>) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut lexer = Lexer::new(text, psql);
    let mut stmt: Option<Stmt> = None;
    while let Some(t) = lexer.next() {
        if let Some(what) = t.unterminated {
            // The rest of the file belongs to the statement this token is part of (or
            // starts, for a comment between statements).
            let (start, slot) = stmt
                .as_ref()
                .map_or((t.start, out.len()), |s| (s.start, s.slot));
            emit(&mut out, slot, sql_piece(start, text.len(), Some(what)));
            return out;
        }
        match t.kind {
            Tok::LineComment => {
                if let Some(c) = comments.as_deref_mut() {
                    c.push((t.start, t.end));
                }
            }
            Tok::BlockComment => {}
            Tok::Meta => {
                let sends = text.as_bytes().get(t.start + 1) == Some(&b'g');
                out.push(Piece {
                    kind: PieceKind::MetaCommand,
                    start: t.start,
                    end: t.end,
                    unterminated: None,
                });
                if sends && let Some(s) = stmt.take() {
                    emit(&mut out, s.slot, sql_piece(s.start, s.last_end, None));
                }
            }
            // inside BEGIN ATOMIC a `;` is part of the statement
            Tok::Semicolon if !stmt.as_ref().is_some_and(|s| s.atomic > 0) => match stmt.take() {
                None => {} // an empty statement
                Some(s) => {
                    emit(&mut out, s.slot, sql_piece(s.start, t.end, None));
                    if psql && s.copy_stdin {
                        let line_end = text
                            .get(t.end..)
                            .and_then(|rest| rest.find('\n'))
                            .map(|p| t.end + p + 1);
                        let Some(data) = line_end else { continue };
                        if data >= text.len() {
                            continue;
                        }
                        let (end, unterminated) = match copy_data_end(text, data) {
                            Some(end) => (end, None),
                            None => (text.len(), Some("COPY data")),
                        };
                        out.push(Piece {
                            kind: PieceKind::CopyData,
                            start: data,
                            end,
                            unterminated,
                        });
                        lexer.pos = end;
                    }
                }
            },
            _ => stmt
                .get_or_insert_with(|| Stmt::new(t.start, out.len()))
                .see(text, &t),
        }
    }
    if let Some(s) = stmt {
        emit(&mut out, s.slot, sql_piece(s.start, s.last_end, None));
    }
    out
}
