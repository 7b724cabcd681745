//! The psql-aware statement splitter.
//!
//! One forward pass over the bytes: a small `Lexer` cuts the text into tokens (words,
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
//!   statement keeps going around it (psql keeps its query buffer), except that the
//!   commands that execute the buffer (`\g`, `\gx`, `\gset`, `\gexec`, `\gdesc`,
//!   `\crosstabview`, `\watch`) end the statement. `\;` is psql's literal semicolon and
//!   does not split. `\copy ... from stdin` reads data lines like COPY. Not modelled:
//!   `\r` (reset the buffer), `\\` separators, `\if` branches, `\i` inclusion.
//! - `BEGIN ATOMIC ... END` bodies of `CREATE [OR REPLACE] FUNCTION|PROCEDURE` keep their
//!   inner `;`. Like psql's own heuristic, CASE/END words are counted at parenthesis
//!   depth 0 only; unlike psql we do not count them after `.` or `AS` (`t.end`,
//!   `AS end`), where they are names. Still miscounted, as by psql: CASE or END as a
//!   bare column label without AS (`SELECT 1 end`), and CASE ... END inside
//!   parentheses when the parentheses are unbalanced.
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

/// The tokens of one SQL statement's text, comments left out (no psql layer): for rules
/// that look at how a statement was written (its leading keywords, identifiers as typed).
pub(crate) fn sql_tokens(text: &str) -> impl Iterator<Item = Token> + '_ {
    Lexer::new(text, false).filter(|t| !matches!(t.kind, Tok::LineComment | Tok::BlockComment))
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

pub(crate) fn is_ident_cont(b: u8) -> bool {
    CLASS[usize::from(b)] & IDENT_CONT != 0
}

/// [`CLASS`] bits: the byte goes on with a word ([`is_ident_cont`]).
const IDENT_CONT: u8 = 1;
/// [`CLASS`] bits: the byte is whitespace between tokens.
const BLANK: u8 = 2;

/// Each byte's classes, looked up once per byte where a word or a run of blanks is
/// scanned (the splitter reads every byte of every file).
static CLASS: [u8; 256] = {
    let mut class = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80 {
            class[b] |= IDENT_CONT;
        }
        if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
            class[b] |= BLANK;
        }
        b += 1;
    }
    class
};

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
        let start = self.seek(self.pos, |b| CLASS[usize::from(b)] & BLANK == 0);
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

/// psql meta-commands that execute (and then clear) the query buffer.
const SENDS_BUFFER: &[&str] = &["g", "gx", "gset", "gexec", "gdesc", "crosstabview", "watch"];

/// The name of a meta-command token: `gset` for `\gset x_`.
fn meta_name<'a>(text: &'a str, t: &Token) -> &'a str {
    let line = text.get(t.start + 1..t.end).unwrap_or("");
    let len = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(line.len());
    line.get(..len).unwrap_or("")
}

/// After a COPY FROM STDIN ends at `after`: pushes its data piece (from the next line)
/// and returns where lexing resumes.
fn copy_data(text: &str, after: usize, out: &mut Vec<Piece>) -> usize {
    let Some(data) = text
        .get(after..)
        .and_then(|rest| rest.find('\n'))
        .map(|p| after + p + 1)
    else {
        return text.len();
    };
    if data >= text.len() {
        return data;
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
    end
}

/// `\copy ... from stdin`: psql reads its data from the script too (meta-command names
/// are case-sensitive, SQL words are not; `pstdin` is psql's own stdin, not the script).
fn is_copy_from_stdin_meta(line: &str) -> bool {
    let mut words = line.split_whitespace();
    words.next() == Some("\\copy")
        && words
            .map(str::to_ascii_lowercase)
            .collect::<Vec<_>>()
            .windows(2)
            .any(|w| w[0] == "from" && w[1] == "stdin")
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
                let sends = SENDS_BUFFER.contains(&meta_name(text, &t));
                out.push(Piece {
                    kind: PieceKind::MetaCommand,
                    start: t.start,
                    end: t.end,
                    unterminated: None,
                });
                if sends && let Some(s) = stmt.take() {
                    emit(&mut out, s.slot, sql_piece(s.start, s.last_end, None));
                }
                if is_copy_from_stdin_meta(text.get(t.start..t.end).unwrap_or("")) {
                    lexer.pos = copy_data(text, t.end, &mut out);
                }
            }
            // inside BEGIN ATOMIC a `;` is part of the statement
            Tok::Semicolon if stmt.as_ref().is_none_or(|s| s.atomic == 0) => match stmt.take() {
                None => {} // an empty statement
                Some(s) => {
                    emit(&mut out, s.slot, sql_piece(s.start, t.end, None));
                    if psql && s.copy_stdin {
                        lexer.pos = copy_data(text, t.end, &mut out);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The pieces as (kind, text, unterminated).
    fn pieces(text: &str) -> Vec<(PieceKind, &str, Option<&'static str>)> {
        split(text)
            .into_iter()
            .map(|p| (p.kind, &text[p.start..p.end], p.unterminated))
            .collect()
    }

    /// The texts of the SQL pieces only.
    fn sql(text: &str) -> Vec<&str> {
        pieces(text)
            .into_iter()
            .filter(|p| p.0 == PieceKind::Sql)
            .map(|p| p.1)
            .collect()
    }

    #[test]
    fn sql_tokens_skip_comments_and_keep_quoted_identifiers_whole() {
        let text = "DROP /* x */ DOMAIN -- y\n \"My \"\"D\"\"\";";
        let toks: Vec<(Tok, &str)> = sql_tokens(text)
            .map(|t| (t.kind, &text[t.start..t.end]))
            .collect();
        assert_eq!(
            toks,
            vec![
                (Tok::Word, "DROP"),
                (Tok::Word, "DOMAIN"),
                (Tok::QuotedIdent, "\"My \"\"D\"\"\""),
                (Tok::Semicolon, ";"),
            ]
        );
    }

    #[test]
    fn spans_start_at_first_token_and_end_after_semicolon() {
        let text = "  -- lead\n/* c */ CREATE TABLE t (a int);\n\n  DROP TABLE u ;  ";
        let p = split(text);
        assert_eq!(p.len(), 2);
        assert_eq!(&text[p[0].start..p[0].end], "CREATE TABLE t (a int);");
        assert_eq!(&text[p[1].start..p[1].end], "DROP TABLE u ;");
        assert!(
            p.iter()
                .all(|p| p.kind == PieceKind::Sql && p.unterminated.is_none())
        );
    }

    #[test]
    fn trailing_statement_without_semicolon_ends_at_last_token() {
        assert_eq!(
            sql("SELECT 1;\nSELECT 2 -- done\n/* end */\n  "),
            ["SELECT 1;", "SELECT 2"]
        );
    }

    #[test]
    fn empty_statements_and_comments_between_statements_are_not_pieces() {
        assert_eq!(sql(";;\n -- x;\n SELECT 1;; /* ; */ ;"), ["SELECT 1;"]);
        assert!(split("  -- only a comment\n/* and; this */\n").is_empty());
        assert!(split("").is_empty());
    }

    #[test]
    fn single_quoted_strings_with_doubled_quotes_hide_semicolons() {
        assert_eq!(
            sql("INSERT INTO t VALUES ('it''s; fine', ';');SELECT 2;"),
            ["INSERT INTO t VALUES ('it''s; fine', ';');", "SELECT 2;"]
        );
    }

    #[test]
    fn plain_strings_do_not_treat_backslash_as_escape() {
        // standard_conforming_strings: 'a\' is a complete string
        assert_eq!(
            sql(r"SELECT 'a\'; SELECT 2;"),
            [r"SELECT 'a\';", "SELECT 2;"]
        );
    }

    #[test]
    fn escape_strings_honour_backslash_escapes() {
        assert_eq!(
            sql(r"SELECT E'it\'s; \\'; SELECT e'x\';'; SELECT 3;"),
            [r"SELECT E'it\'s; \\';", r"SELECT e'x\';';", "SELECT 3;"]
        );
        // a word ending in e is not an escape-string prefix
        assert_eq!(
            sql(r"SELECT some'a\'; SELECT 2;"),
            [r"SELECT some'a\';", "SELECT 2;"]
        );
    }

    #[test]
    fn unicode_escape_strings_lex_as_plain_strings() {
        assert_eq!(
            sql(r"SELECT U&'d\0061t\+000061;' UESCAPE '\'; SELECT U&'\'; SELECT 3;"),
            [
                r"SELECT U&'d\0061t\+000061;' UESCAPE '\';",
                r"SELECT U&'\';",
                "SELECT 3;"
            ]
        );
    }

    #[test]
    fn quoted_identifiers_with_doubled_quotes_hide_semicolons() {
        assert_eq!(
            sql(r#"CREATE TABLE "a;""b" (x int);SELECT 2;"#),
            [r#"CREATE TABLE "a;""b" (x int);"#, "SELECT 2;"]
        );
    }

    #[test]
    fn dollar_quotes_plain_and_tagged_hide_semicolons() {
        let text = "CREATE FUNCTION f() RETURNS int AS $fn$ SELECT 1; $$ x; $$ $fn$ LANGUAGE sql;\n\
                    DO $$ BEGIN PERFORM 1; END $$;\nSELECT $a$;$a$;";
        assert_eq!(
            sql(text),
            [
                "CREATE FUNCTION f() RETURNS int AS $fn$ SELECT 1; $$ x; $$ $fn$ LANGUAGE sql;",
                "DO $$ BEGIN PERFORM 1; END $$;",
                "SELECT $a$;$a$;"
            ]
        );
    }

    #[test]
    fn positional_parameters_are_not_dollar_quotes() {
        assert_eq!(
            sql("PREPARE p AS SELECT $1, $2;SELECT 3;"),
            ["PREPARE p AS SELECT $1, $2;", "SELECT 3;"]
        );
    }

    #[test]
    fn dollar_inside_an_identifier_is_not_a_quote_start() {
        assert_eq!(
            sql("SELECT a$b$ FROM t;SELECT x$;"),
            ["SELECT a$b$ FROM t;", "SELECT x$;"]
        );
        // a lone `$` followed by something that is no tag
        assert_eq!(
            sql("SELECT $ ; SELECT $a b$;"),
            ["SELECT $ ;", "SELECT $a b$;"]
        );
    }

    #[test]
    fn line_comments_hide_semicolons() {
        assert_eq!(
            sql("SELECT 1 -- not; here\n, 2;"),
            ["SELECT 1 -- not; here\n, 2;"]
        );
    }

    #[test]
    fn nested_block_comments_hide_semicolons() {
        assert_eq!(
            sql("SELECT /* a /* b; */ still; */ 1; SELECT 2;"),
            ["SELECT /* a /* b; */ still; */ 1;", "SELECT 2;"]
        );
    }

    #[test]
    fn begin_atomic_body_keeps_inner_semicolons() {
        let f = "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  \
                 INSERT INTO t VALUES (a);\n  SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END;\nEND;";
        let p = "create or replace procedure p() begin atomic delete from t; end;";
        let text = format!("{f}\n{p}\nSELECT 3;");
        assert_eq!(sql(&text), [f, p, "SELECT 3;"]);
    }

    #[test]
    fn begin_atomic_ignores_case_and_end_used_as_names_or_in_parens() {
        let f = "CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT t.end AS end FROM t; \
                 SELECT (CASE WHEN true THEN 1 END); SELECT 1 AS \"end\"; END;";
        let text = format!("{f} SELECT 2;");
        assert_eq!(sql(&text), [f, "SELECT 2;"]);
    }

    #[test]
    fn plain_begin_transaction_still_splits() {
        assert_eq!(
            sql("BEGIN;\nCREATE TABLE atomic (begin int);\nCOMMIT;\nBEGIN ATOMIC;"),
            [
                "BEGIN;",
                "CREATE TABLE atomic (begin int);",
                "COMMIT;",
                "BEGIN ATOMIC;"
            ]
        );
        // a plpgsql body's BEGIN is inside the dollar quote
        assert_eq!(
            sql("CREATE FUNCTION f() RETURNS void AS $$BEGIN END$$ LANGUAGE plpgsql; BEGIN;"),
            [
                "CREATE FUNCTION f() RETURNS void AS $$BEGIN END$$ LANGUAGE plpgsql;",
                "BEGIN;"
            ]
        );
    }

    #[test]
    fn copy_from_stdin_data_is_one_piece_up_to_backslash_dot() {
        let text = "COPY t (a, b) FROM stdin;\n1\tx; -- not sql\n2\t'\n\\.\nSELECT 2;\n\
                    copy u from STDIN with (format csv);\r\na;b\r\n\\.\r\n";
        assert_eq!(
            pieces(text),
            [
                (PieceKind::Sql, "COPY t (a, b) FROM stdin;", None),
                (PieceKind::CopyData, "1\tx; -- not sql\n2\t'\n\\.", None),
                (PieceKind::Sql, "SELECT 2;", None),
                (PieceKind::Sql, "copy u from STDIN with (format csv);", None),
                (PieceKind::CopyData, "a;b\r\n\\.", None),
            ]
        );
    }

    #[test]
    fn psql_copy_meta_command_from_stdin_reads_data_too() {
        assert_eq!(
            pieces("\\copy t (a) from stdin with csv\n1;x\n\\.\nSELECT 1;\n\\copy t to stdout\n"),
            [
                (
                    PieceKind::MetaCommand,
                    "\\copy t (a) from stdin with csv",
                    None
                ),
                (PieceKind::CopyData, "1;x\n\\.", None),
                (PieceKind::Sql, "SELECT 1;", None),
                (PieceKind::MetaCommand, "\\copy t to stdout", None),
            ]
        );
    }

    #[test]
    fn copy_without_stdin_has_no_data_and_unterminated_data_runs_to_the_end() {
        assert_eq!(
            sql("COPY t TO stdout;\nCOPY t FROM '/tmp/x';\nSELECT 1;"),
            ["COPY t TO stdout;", "COPY t FROM '/tmp/x';", "SELECT 1;"]
        );
        assert_eq!(
            pieces("COPY t FROM stdin;\n1\n2;\n"),
            [
                (PieceKind::Sql, "COPY t FROM stdin;", None),
                (PieceKind::CopyData, "1\n2;\n", Some("COPY data")),
            ]
        );
        // `\.` must be the whole line
        assert_eq!(
            pieces("COPY t FROM stdin;\n a\\.\n\\.x\n\\.")[1],
            (PieceKind::CopyData, " a\\.\n\\.x\n\\.", None)
        );
    }

    #[test]
    fn meta_command_lines_are_pieces() {
        assert_eq!(
            pieces("\\set ON_ERROR_STOP on\n  \\connect db  \nSELECT 1;\n\\i other.sql"),
            [
                (PieceKind::MetaCommand, "\\set ON_ERROR_STOP on", None),
                (PieceKind::MetaCommand, "\\connect db", None),
                (PieceKind::Sql, "SELECT 1;", None),
                (PieceKind::MetaCommand, "\\i other.sql", None),
            ]
        );
    }

    #[test]
    fn meta_command_inside_a_statement_keeps_the_statement_going() {
        // psql runs `\echo` and keeps its query buffer; pieces stay ordered by start
        assert_eq!(
            pieces("SELECT 0;\nSELECT 1,\n\\echo hi\n 2;"),
            [
                (PieceKind::Sql, "SELECT 0;", None),
                (PieceKind::Sql, "SELECT 1,\n\\echo hi\n 2;", None),
                (PieceKind::MetaCommand, "\\echo hi", None),
            ]
        );
    }

    #[test]
    fn g_meta_commands_end_the_statement() {
        assert_eq!(
            pieces("SELECT 1 AS x \\gset\nSELECT :x\n\\getenv h HOME\n;"),
            [
                (PieceKind::Sql, "SELECT 1 AS x", None),
                (PieceKind::MetaCommand, "\\gset", None),
                (PieceKind::Sql, "SELECT :x\n\\getenv h HOME\n;", None),
                (PieceKind::MetaCommand, "\\getenv h HOME", None),
            ]
        );
    }

    #[test]
    fn backslash_semicolon_does_not_split() {
        assert_eq!(sql("SELECT 1 \\; SELECT 2;"), ["SELECT 1 \\; SELECT 2;"]);
    }

    #[test]
    fn unterminated_quotes_and_comments_run_from_the_statement_to_the_end() {
        let cases = [
            (
                "SELECT 1;\nSELECT 'abc;\nSELECT 3;\n",
                "single-quoted string",
            ),
            ("SELECT 1;\nSELECT E'ab\\';\n", "single-quoted string"),
            ("SELECT 1;\nDO $x$ BEGIN; $$;\n", "dollar-quoted string"),
            ("SELECT 1;\nSELECT \"a;\n", "quoted identifier"),
            ("SELECT 1;\nSELECT /* /* */ 1;\n", "block comment"),
        ];
        for (text, what) in cases {
            let p = split(text);
            assert_eq!(p.len(), 2, "{text}");
            assert_eq!(p[1].start, 10, "{text}");
            assert_eq!(p[1].end, text.len(), "{text}");
            assert_eq!(p[1].unterminated, Some(what), "{text}");
        }
        // a comment left open between statements is reported where it starts
        let p = split("SELECT 1;\n/* open\nSELECT 2;");
        assert_eq!((p[1].start, p[1].unterminated), (10, Some("block comment")));
    }

    #[test]
    fn multibyte_text_keeps_char_boundaries() {
        let text = "SELECT 'ünï;cødé', \"ß\" AS é;ÉTAPE ünïcode;";
        assert_eq!(
            sql(text),
            ["SELECT 'ünï;cødé', \"ß\" AS é;", "ÉTAPE ünïcode;"]
        );
    }

    /// A tiny deterministic generator, so the test needs no dependency.
    fn lcg(seed: &mut u64) -> u64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *seed >> 33
    }

    fn check_invariants(text: &str) {
        let mut last_start = 0;
        for p in split(text) {
            assert!(p.start <= p.end && p.end <= text.len(), "{p:?} in {text:?}");
            assert!(p.start >= last_start, "pieces out of order in {text:?}");
            assert!(
                text.get(p.start..p.end).is_some(),
                "not a char boundary: {p:?}"
            );
            last_start = p.start;
        }
        for (s, e) in line_comments(text) {
            assert!(text.get(s..e).is_some());
        }
        let _ = split_sql(text);
    }

    #[test]
    fn never_panics_on_arbitrary_or_truncated_input() {
        let tricky = "CREATE FUNCTION f() BEGIN ATOMIC SELECT CASE WHEN 1 THEN 'a''b' END; END;\n\
                      COPY t FROM stdin;\nx\n\\.\n\\set a 1\nSELECT E'\\'', $t$ $ $$ $t$, \"q\"\"\", \
                      /* /* */ */ $1, a$b; -- é\nDO $$ x $$ \\; ü";
        // every truncation of a text using every construct
        for (i, _) in tricky.char_indices() {
            check_invariants(&tricky[..i]);
            check_invariants(&tricky[i..]);
        }
        // random soup of the special characters
        let alphabet = b"'\"$;-/*\\\nEeUu&aB(). \x00\t:;ATOMICBEGINCASEENDcopyFROMstdin";
        let mut seed = 42;
        for _ in 0..3000 {
            let len = (lcg(&mut seed) % 80) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| alphabet[(lcg(&mut seed) as usize) % alphabet.len()])
                .collect();
            check_invariants(&String::from_utf8_lossy(&bytes));
        }
        // and arbitrary bytes, made into a &str the lossy way
        for _ in 0..1000 {
            let bytes: Vec<u8> = (0..64).map(|_| lcg(&mut seed) as u8).collect();
            check_invariants(&String::from_utf8_lossy(&bytes));
        }
    }

    /// A realistic multi-megabyte migration file: `n` blocks of 6 statements, a meta
    /// command and a COPY data block each.
    fn big_input(n: usize) -> String {
        let mut text = String::new();
        for i in 0..n {
            text.push_str(&format!(
                "-- migration {i}\nCREATE TABLE t{i} (id bigint PRIMARY KEY, note text DEFAULT 'a;b''c');\n\
                 /* index; /* nested */ */\nCREATE INDEX CONCURRENTLY i{i} ON t{i} (note);\n\
                 DO $do$ BEGIN IF true THEN UPDATE t{i} SET note = E'x\\'y;'; END IF; END $do$;\n\
                 CREATE FUNCTION f{i}() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END;\n\
                 \\set v{i} 1\nCOPY t{i} (id, note) FROM stdin;\n1\tone;\n2\ttwo\n\\.\n\
                 ALTER TABLE \"T;{i}\" ADD COLUMN c int;\n"
            ));
        }
        text
    }

    #[test]
    fn multi_megabyte_input_is_split_and_counted_right() {
        let n = 20_000;
        let text = big_input(n);
        assert!(text.len() > 5_000_000);
        let p = split(&text);
        let count = |k| p.iter().filter(|p| p.kind == k).count();
        assert_eq!(count(PieceKind::Sql), 6 * n);
        assert_eq!(count(PieceKind::MetaCommand), n);
        assert_eq!(count(PieceKind::CopyData), n);
        assert!(p.iter().all(|p| p.unterminated.is_none()));
        assert!(p.windows(2).all(|w| w[0].end <= w[1].start));
    }

    /// Throughput; prints MB/s with `--nocapture` (meaningful in `--release` only).
    #[test]
    fn bench_splitter_throughput() {
        let text = big_input(20_000);
        let t = std::time::Instant::now();
        let mut pieces = 0;
        for _ in 0..3 {
            pieces += split(&text).len();
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "split: {:.0} MB/s ({pieces} pieces)",
            3.0 * text.len() as f64 / 1e6 / secs.max(1e-9)
        );
    }
}
