//! sqlparser's token stream with byte offsets, and a cursor with the few look-ahead
//! helpers the recognizer needs. Nothing here panics on any input.

use crate::ops::ObjectName;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Location, Token, Tokenizer};

/// One significant token (no whitespace, no comments) and its byte range in the statement.
#[derive(Clone, Debug)]
pub(crate) struct Tok {
    pub token: Token,
    pub start: usize,
    pub end: usize,
}

/// The significant tokens of `sql`, with trailing `;` removed. `None` when sqlparser's
/// tokenizer rejects the text (an unterminated quote, for instance) or when a position
/// cannot be mapped back to a byte offset. The flag tells whether a `;` remains at the top
/// level, i.e. the text holds more than one statement.
pub(crate) fn tokenize(sql: &str) -> Option<(Vec<Tok>, bool)> {
    // the fast tokenizer gives sqlparser's tokens exactly, where it answers
    let raw = match crate::parse::tokens::tokenize(sql) {
        Some(tokens) => tokens,
        None => Tokenizer::new(&PostgreSqlDialect {}, sql)
            .tokenize_with_location()
            .ok()?,
    };
    let mut walker = Walker::new(sql);
    let mut toks = Vec::with_capacity(raw.len());
    for t in raw {
        if matches!(t.token, Token::Whitespace(_) | Token::EOF) {
            continue;
        }
        let start = walker.offset(t.span.start)?;
        let end = walker.offset(t.span.end)?;
        if end < start {
            return None;
        }
        toks.push(Tok {
            token: t.token,
            start,
            end,
        });
    }
    while toks.last().is_some_and(|t| t.token == Token::SemiColon) {
        toks.pop();
    }
    let mut depth = 0i32;
    let mut inner_semicolon = false;
    for t in &toks {
        match t.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth -= 1,
            Token::SemiColon if depth <= 0 => inner_semicolon = true,
            _ => {}
        }
    }
    Some((toks, inner_semicolon))
}

/// Maps sqlparser's 1-based (line, column-in-characters) locations to byte offsets in one
/// forward pass (tokens come in order; a location behind the walker restarts it).
struct Walker<'a> {
    sql: &'a str,
    line: u64,
    col: u64,
    byte: usize,
}

impl<'a> Walker<'a> {
    fn new(sql: &'a str) -> Walker<'a> {
        Walker {
            sql,
            line: 1,
            col: 1,
            byte: 0,
        }
    }

    fn offset(&mut self, loc: Location) -> Option<usize> {
        if (loc.line, loc.column) < (self.line, self.col) {
            *self = Walker::new(self.sql);
        }
        while (self.line, self.col) < (loc.line, loc.column) {
            let ch = self.sql.get(self.byte..)?.chars().next()?;
            self.byte += ch.len_utf8();
            if ch == '\n' {
                self.line += 1;
                self.col = 1;
            } else {
                self.col += 1;
            }
        }
        Some(self.byte)
    }
}

/// Is this token the unquoted keyword `kw` (case-insensitive)?
pub(super) fn is_word(token: &Token, kw: &str) -> bool {
    matches!(token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
}

/// The folded identifier of a word token (quoted: verbatim; otherwise lowercased).
pub(crate) fn ident_of(token: &Token) -> Option<String> {
    match token {
        Token::Word(w) if w.quote_style == Some('"') => {
            Some(crate::ops::names::fold(&w.value, true))
        }
        Token::Word(w) if w.quote_style.is_none() => Some(crate::ops::names::fold(&w.value, false)),
        _ => None,
    }
}

/// The value of a string literal token (unescaped), for any PostgreSQL string form.
pub(crate) fn string_of(token: &Token) -> Option<String> {
    match token {
        Token::SingleQuotedString(s)
        | Token::EscapedStringLiteral(s)
        | Token::NationalStringLiteral(s)
        | Token::UnicodeStringLiteral(s) => Some(s.clone()),
        Token::DollarQuotedString(d) => Some(d.value.clone()),
        _ => None,
    }
}

pub(super) fn is_string(token: &Token) -> bool {
    string_of(token).is_some()
        || matches!(
            token,
            Token::HexStringLiteral(_) | Token::SingleQuotedByteStringLiteral(_)
        )
}

/// Splits tokens at commas outside parentheses and brackets.
pub(super) fn split_commas(toks: &[Tok]) -> Vec<&[Tok]> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        match t.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth -= 1,
            Token::Comma if depth == 0 => {
                out.push(&toks[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&toks[start..]);
    out
}

/// A position in a slice of tokens of one statement.
#[derive(Clone)]
pub(super) struct Cursor<'a> {
    pub sql: &'a str,
    pub toks: &'a [Tok],
    pub pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(sql: &'a str, toks: &'a [Tok]) -> Cursor<'a> {
        Cursor { sql, toks, pos: 0 }
    }

    /// A cursor over another slice of the same statement.
    pub fn over(&self, toks: &'a [Tok]) -> Cursor<'a> {
        Cursor::new(self.sql, toks)
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    pub fn peek(&self) -> Option<&'a Token> {
        self.toks.get(self.pos).map(|t| &t.token)
    }

    pub fn peek_at(&self, n: usize) -> Option<&'a Token> {
        self.toks.get(self.pos + n).map(|t| &t.token)
    }

    pub fn advance(&mut self) -> Option<&'a Token> {
        let t = self.peek()?;
        self.pos += 1;
        Some(t)
    }

    /// The tokens from the cursor to the end.
    pub fn rest(&self) -> &'a [Tok] {
        self.toks.get(self.pos..).unwrap_or(&[])
    }

    /// Moves to the end, returning what was left.
    pub fn take_rest(&mut self) -> &'a [Tok] {
        let rest = self.rest();
        self.pos = self.toks.len();
        rest
    }

    pub fn is_kw(&self, kw: &str) -> bool {
        self.peek().is_some_and(|t| is_word(t, kw))
    }

    pub fn is_kw_at(&self, n: usize, kw: &str) -> bool {
        self.peek_at(n).is_some_and(|t| is_word(t, kw))
    }

    /// Is the cursor at this sequence of keywords?
    pub fn is_seq(&self, kws: &[&str]) -> bool {
        kws.iter().enumerate().all(|(i, kw)| self.is_kw_at(i, kw))
    }

    pub fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Consumes the whole sequence of keywords, or nothing.
    pub fn eat_seq(&mut self, kws: &[&str]) -> bool {
        if self.is_seq(kws) {
            self.pos += kws.len();
            true
        } else {
            false
        }
    }

    /// Consumes the first of `kws` found here and returns it (lowercased as given).
    pub fn eat_one_of(&mut self, kws: &[&'static str]) -> Option<&'static str> {
        let kw = kws.iter().copied().find(|kw| self.is_kw(kw))?;
        self.pos += 1;
        Some(kw)
    }

    pub fn expect_kw(&mut self, kw: &str) -> Option<()> {
        self.eat_kw(kw).then_some(())
    }

    pub fn is_tok(&self, token: &Token) -> bool {
        self.peek() == Some(token)
    }

    pub fn eat_tok(&mut self, token: &Token) -> bool {
        if self.is_tok(token) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// One identifier, folded.
    pub fn ident(&mut self) -> Option<String> {
        let id = ident_of(self.peek()?)?;
        self.pos += 1;
        Some(id)
    }

    /// A possibly qualified name `a.b.c`, as its folded parts.
    pub fn name_parts(&mut self) -> Option<Vec<String>> {
        let mut parts = vec![self.ident()?];
        while self.is_tok(&Token::Period) {
            let save = self.pos;
            self.pos += 1;
            match self.ident() {
                Some(p) => parts.push(p),
                None => {
                    self.pos = save;
                    break;
                }
            }
        }
        Some(parts)
    }

    /// A possibly schema-qualified object name (a leading database part is dropped).
    pub fn object_name(&mut self) -> Option<ObjectName> {
        Some(object_name_from(self.name_parts()?))
    }

    /// A string literal (any form), unescaped.
    pub fn string(&mut self) -> Option<String> {
        let s = string_of(self.peek()?)?;
        self.pos += 1;
        Some(s)
    }

    /// An identifier or a string literal (for names that may be written either way).
    pub fn ident_or_string(&mut self) -> Option<String> {
        self.ident().or_else(|| self.string())
    }

    /// If at `(`, moves past the matching `)` and returns the tokens in between.
    pub fn parens(&mut self) -> Option<&'a [Tok]> {
        if !self.is_tok(&Token::LParen) {
            return None;
        }
        let open = self.pos;
        let mut depth = 0i32;
        for i in open..self.toks.len() {
            match self.toks[i].token {
                Token::LParen => depth += 1,
                Token::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        self.pos = i + 1;
                        return self.toks.get(open + 1..i);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// Advances until `stop` holds at the top level (outside parentheses) or the end;
    /// returns the tokens passed over.
    pub fn until(&mut self, stop: impl Fn(&Cursor<'a>) -> bool) -> &'a [Tok] {
        self.until_from(stop, false)
    }

    /// Like [`Cursor::until`], but always takes at least one token.
    pub fn until_nonempty(&mut self, stop: impl Fn(&Cursor<'a>) -> bool) -> &'a [Tok] {
        self.until_from(stop, true)
    }

    fn until_from(&mut self, stop: impl Fn(&Cursor<'a>) -> bool, take_first: bool) -> &'a [Tok] {
        let start = self.pos;
        let mut depth = 0i32;
        while let Some(t) = self.peek() {
            if depth == 0 && !(take_first && self.pos == start) && stop(self) {
                break;
            }
            match t {
                Token::LParen | Token::LBracket => depth += 1,
                Token::RParen | Token::RBracket => depth -= 1,
                _ => {}
            }
            self.pos += 1;
        }
        self.toks.get(start..self.pos).unwrap_or(&[])
    }

    /// Advances until one of `kws` is at the top level.
    pub fn until_kw(&mut self, kws: &[&str]) -> &'a [Tok] {
        self.until(|c| kws.iter().any(|kw| c.is_kw(kw)))
    }

    /// The source text of a run of tokens, as written.
    pub fn text(&self, toks: &[Tok]) -> String {
        text_of(self.sql, toks)
    }
}

/// The source text covering `toks` (empty for no tokens).
pub(super) fn text_of(sql: &str, toks: &[Tok]) -> String {
    match (toks.first(), toks.last()) {
        (Some(first), Some(last)) => sql.get(first.start..last.end).unwrap_or("").to_string(),
        _ => String::new(),
    }
}

/// `[a]`, `[s, a]`, `[db, s, a]` -> an object name (the leading database part dropped).
pub(super) fn object_name_from(mut parts: Vec<String>) -> ObjectName {
    let name = parts.pop().unwrap_or_default();
    let schema = parts.pop();
    ObjectName { schema, name }
}

/// One element of a partition key (`a`, `a oid_ops`, `c COLLATE "C"`, `plusone(b)`,
/// `(a + b)`, as written or as `pg_get_partkeydef` prints it) as the catalog keeps it: a
/// column as its folded name, an expression as its text in parentheses (a bare call
/// gains them); the operator class and collation are left out.
pub fn partition_key_element(text: &str) -> String {
    let text = text.trim();
    let whole = || format!("({text})");
    let Some((toks, _)) = tokenize(text) else {
        return whole();
    };
    // the end of the parenthesised group that opens at token `open`
    let close = |open: usize| -> Option<usize> {
        let mut depth = 0i32;
        for (i, t) in toks.iter().enumerate().skip(open) {
            match t.token {
                Token::LParen => depth += 1,
                Token::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            }
        }
        None
    };
    match (
        toks.first().map(|t| &t.token),
        toks.get(1).map(|t| &t.token),
    ) {
        (Some(Token::LParen), _) => match close(0).and_then(|i| toks.get(i)) {
            Some(end) => text.get(..end.end).map_or_else(whole, str::to_string),
            None => whole(),
        },
        // a call, maybe schema-qualified (`f(b)`, `s.f(b)`)
        (Some(Token::Word(_)), Some(Token::LParen | Token::Period)) => {
            let open = toks.iter().position(|t| t.token == Token::LParen);
            match open.and_then(close).and_then(|i| toks.get(i)) {
                Some(end) => text
                    .get(..end.end)
                    .map_or_else(whole, |call| format!("({call})")),
                None => whole(),
            }
        }
        // a column, maybe with an operator class or COLLATE after it
        (Some(first), None | Some(Token::Word(_))) => ident_of(first).unwrap_or_else(whole),
        _ => whole(),
    }
}
