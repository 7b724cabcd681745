//! A fast path in front of sqlparser's tokenizer, for the plain SQL that migrations are
//! mostly made of.
//!
//! [`tokenize`] returns exactly the tokens, with exactly the spans, that
//! `Tokenizer::new(&PostgreSqlDialect {}, sql).with_unescape(true).tokenize_with_location()`
//! returns (what `Parser::try_with_sql` hands the parser), or `None` when the text holds
//! anything outside the subset it is sure about; the caller then runs sqlparser's own
//! tokenizer. A `None` costs a little time; a wrong token would change what a statement
//! means, so every doubt is a `None`. The subset:
//! - words (ASCII letters, digits, `_`, `$`), with their keyword looked up in a hash map
//!   built once from sqlparser's keyword table (sqlparser binary-searches it with a
//!   per-character case-insensitive compare);
//! - `"quoted identifiers"` and `'strings'` (with `""` and `''` doubling), whose content
//!   may be any text (a backslash is an ordinary character in both for PostgreSQL);
//! - `$$bodies$$` and `$tag$bodies$tag$` with an ASCII tag;
//! - integers and decimals (`1`, `1.5`, `.5`, `1.`) not followed by a letter or `_`
//!   (exponents, `_` separators, `0x` radixes and `L` suffixes are left to sqlparser);
//! - spaces, tabs, `\n`, `\r`, `\r\n`, `--` comments and nested `/* */` comments (any text
//!   inside);
//! - `( ) , ; [ ] + * / = == => : :: := != < <= <> > >= - -> ->> % | ||`, when the character
//!   after them cannot extend them into another operator.
//!
//! Left out on purpose: non-ASCII outside strings, identifiers and comments; `E''`, `U&''`,
//! `B''`, `X''`, `N''` strings; placeholders (`$1`, `?`); every other operator; words
//! whose keyword is `STDIN` (sqlparser reads the data of `COPY ... FROM STDIN` after it).
//!
//! Positions follow sqlparser: 1-based lines and columns counted in characters; `\n`
//! starts a new line, `\r` alone does not (it is one column); a token's span ends at the
//! position after its last character.

use sqlparser::ast::DollarQuotedString;
use sqlparser::keywords::{ALL_KEYWORDS, ALL_KEYWORDS_INDEX, Keyword};
use sqlparser::tokenizer::{Location, Span, Token, TokenWithSpan, Whitespace, Word};
use std::collections::HashMap;
use std::sync::LazyLock;

/// The tokens sqlparser would produce for `sql` with the PostgreSQL dialect, or `None`
/// when `sql` holds something this fast path does not handle (see the module docs).
pub fn tokenize(sql: &str) -> Option<Vec<TokenWithSpan>> {
    tokenize_with(sql, true)
}

/// [`tokenize`] with every span empty (`Span::empty()`, line 0): the tokens to parse
/// with when no position is needed. sqlparser decides nothing by a token's position; it
/// only writes positions into the AST and into its error messages. And it makes an error
/// message each time it backtracks (it tries a data type before each expression, a
/// typed string such as `DATE '2024-01-01'`, and fails on every plain column name), with
/// the position printed in; a line 0 position prints as nothing. A parse that fails is
/// parsed again with positions, for the message the user sees.
pub fn tokenize_unlocated(sql: &str) -> Option<Vec<TokenWithSpan>> {
    tokenize_with(sql, false)
}

fn tokenize_with(sql: &str, located: bool) -> Option<Vec<TokenWithSpan>> {
    let mut lexer = Lexer {
        text: sql,
        bytes: sql.as_bytes(),
        pos: 0,
        line: 1,
        col: 1,
    };
    // Migrations have a token per 3 bytes (median; 2.2 at the 10th percentile): room for
    // one per 2 spares most statements the copies of a growing vector.
    let mut tokens = Vec::with_capacity(sql.len() / 2 + 4);
    let mut prev_non_whitespace_is_word = false;
    while lexer.pos < lexer.bytes.len() {
        let start = lexer.location();
        let token = lexer.next_token(prev_non_whitespace_is_word)?;
        let span = if located {
            Span::new(start, lexer.location())
        } else {
            Span::empty()
        };
        match &token {
            Token::Whitespace(_) => {}
            Token::Word(_) => prev_non_whitespace_is_word = true,
            _ => prev_non_whitespace_is_word = false,
        }
        tokens.push(TokenWithSpan { token, span });
    }
    Some(tokens)
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    line: u64,
    col: u64,
}

impl Lexer<'_> {
    fn location(&self) -> Location {
        Location {
            line: self.line,
            column: self.col,
        }
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    /// Moves over `n` ASCII characters that are not `\n`.
    fn bump(&mut self, n: usize) {
        self.pos += n;
        self.col += n as u64;
    }

    /// Moves to byte `end` (a character boundary) over any text: a `\n` starts a new
    /// line; every other character, `\r` included, is one column.
    fn advance_to(&mut self, end: usize) {
        for &b in &self.bytes[self.pos..end] {
            if b == b'\n' {
                self.line += 1;
                self.col = 1;
            } else if b & 0xC0 != 0x80 {
                // not a UTF-8 continuation byte: the start of a character
                self.col += 1;
            }
        }
        self.pos = end;
    }

    /// `token` after moving over its `n` ASCII characters.
    fn punct(&mut self, n: usize, token: Token) -> Option<Token> {
        self.bump(n);
        Some(token)
    }

    /// `token` if the character `n` bytes ahead cannot extend an operator of `n`
    /// characters (sqlparser would read a longer, custom operator).
    fn operator(&mut self, n: usize, token: Token) -> Option<Token> {
        match self.peek(n) {
            Some(c) if is_custom_operator_part(c) => None,
            _ => self.punct(n, token),
        }
    }

    fn next_token(&mut self, prev_non_whitespace_is_word: bool) -> Option<Token> {
        let b = self.peek(0)?;
        match b {
            b' ' => self.punct(1, Token::Whitespace(Whitespace::Space)),
            b'\t' => self.punct(1, Token::Whitespace(Whitespace::Tab)),
            b'\n' => {
                self.advance_to(self.pos + 1);
                Some(Token::Whitespace(Whitespace::Newline))
            }
            b'\r' => {
                let n = if self.peek(1) == Some(b'\n') { 2 } else { 1 };
                self.advance_to(self.pos + n);
                Some(Token::Whitespace(Whitespace::Newline))
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => self.word(b),
            b'"' => {
                let (value, end) = self.quoted(b'"')?;
                self.advance_to(end);
                Some(Token::Word(Word {
                    value,
                    quote_style: Some('"'),
                    keyword: Keyword::NoKeyword,
                }))
            }
            b'\'' => {
                let (value, end) = self.quoted(b'\'')?;
                self.advance_to(end);
                Some(Token::SingleQuotedString(value))
            }
            b'0'..=b'9' | b'.' => self.number(prev_non_whitespace_is_word),
            b'$' => self.dollar_quoted(),
            b'(' => self.punct(1, Token::LParen),
            b')' => self.punct(1, Token::RParen),
            b',' => self.punct(1, Token::Comma),
            b';' => self.punct(1, Token::SemiColon),
            b'[' => self.punct(1, Token::LBracket),
            b']' => self.punct(1, Token::RBracket),
            b'+' => self.punct(1, Token::Plus),
            b'*' => self.punct(1, Token::Mul),
            b'-' => match self.peek(1) {
                Some(b'-') => {
                    let content = self.pos + 2;
                    let end = self.bytes[content..]
                        .iter()
                        .position(|&c| c == b'\n' || c == b'\r')
                        .map_or(self.bytes.len(), |i| content + i);
                    let comment = self.text.get(content..end)?.to_string();
                    self.advance_to(end);
                    Some(Token::Whitespace(Whitespace::SingleLineComment {
                        comment,
                        prefix: "--".to_string(),
                    }))
                }
                Some(b'>') => match self.peek(2) {
                    Some(b'>') => self.operator(3, Token::LongArrow),
                    _ => self.operator(2, Token::Arrow),
                },
                _ => self.operator(1, Token::Minus),
            },
            b'/' => match self.peek(1) {
                Some(b'*') => self.block_comment(),
                _ => self.punct(1, Token::Div),
            },
            b'%' => self.operator(1, Token::Mod),
            b'=' => match self.peek(1) {
                Some(b'>') => self.punct(2, Token::RArrow),
                Some(b'=') => self.punct(2, Token::DoubleEq),
                _ => self.punct(1, Token::Eq),
            },
            b'!' => match self.peek(1) {
                Some(b'=') => self.punct(2, Token::Neq),
                _ => None,
            },
            b':' => match self.peek(1) {
                Some(b':') => self.punct(2, Token::DoubleColon),
                Some(b'=') => self.punct(2, Token::Assignment),
                _ => self.punct(1, Token::Colon),
            },
            b'<' => match self.peek(1) {
                // sqlparser leaves a sign after `<=` and `<` to be its own token
                Some(b'=') => match self.peek(2) {
                    Some(b'+' | b'-') => self.punct(2, Token::LtEq),
                    _ => self.operator(2, Token::LtEq),
                },
                Some(b'>') => self.operator(2, Token::Neq),
                Some(b'+') => self.punct(1, Token::Lt),
                _ => self.operator(1, Token::Lt),
            },
            b'>' => match self.peek(1) {
                Some(b'=') => self.operator(2, Token::GtEq),
                _ => self.operator(1, Token::Gt),
            },
            b'|' => match self.peek(1) {
                Some(b'|') => self.operator(2, Token::StringConcat),
                _ => self.operator(1, Token::Pipe),
            },
            _ => None,
        }
    }

    /// An unquoted word starting with the ASCII letter or `_` `first`.
    fn word(&mut self, first: u8) -> Option<Token> {
        // E'', N'', B'', X'' and U&'' strings, and B"" byte strings
        if matches!(
            first,
            b'b' | b'B' | b'e' | b'E' | b'n' | b'N' | b'u' | b'U' | b'x' | b'X'
        ) && matches!(self.peek(1), Some(b'\'' | b'"' | b'&'))
        {
            return None;
        }
        let len = self.bytes[self.pos..]
            .iter()
            .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_' || c == b'$'))
            .unwrap_or(self.bytes.len() - self.pos);
        let end = self.pos + len;
        if self.bytes.get(end).is_some_and(|c| !c.is_ascii()) {
            return None; // sqlparser's words go on through any non-ASCII character
        }
        let value = self.text.get(self.pos..end)?;
        let keyword = keyword(value);
        if keyword == Keyword::STDIN {
            return None; // `COPY ... FROM STDIN;` captures the data after the `;`
        }
        self.bump(len);
        Some(Token::Word(Word {
            value: value.to_string(),
            quote_style: None,
            keyword,
        }))
    }

    /// The content of a string or identifier quoted by `quote` at the current position,
    /// with doubled quotes made single, and the end of its closing quote; `None` when it
    /// is not closed.
    fn quoted(&self, quote: u8) -> Option<(String, usize)> {
        let mut value = String::new();
        let mut from = self.pos + 1;
        loop {
            let close = from + self.bytes[from..].iter().position(|&c| c == quote)?;
            if self.bytes.get(close + 1) == Some(&quote) {
                value.push_str(self.text.get(from..=close)?);
                from = close + 2;
            } else {
                value.push_str(self.text.get(from..close)?);
                return Some((value, close + 1));
            }
        }
    }

    /// `.5`, `1`, `1.`, `1.5`, or a `.` on its own.
    fn number(&mut self, prev_non_whitespace_is_word: bool) -> Option<Token> {
        let start = self.pos;
        if self.peek(0) == Some(b'.') && self.peek(1) == Some(b'_') {
            // `._` after a word is a field access; anywhere else sqlparser fails
            return if prev_non_whitespace_is_word {
                self.punct(1, Token::Period)
            } else {
                None
            };
        }
        let digits = |from: usize| {
            self.bytes[from..]
                .iter()
                .position(|c| !c.is_ascii_digit())
                .map_or(self.bytes.len(), |i| from + i)
        };
        let mut end = digits(start);
        let integer = &self.bytes[start..end];
        match self.bytes.get(end) {
            // `1_000`, and the radixes of `0x1F`, `0o17`, `0b101`
            Some(b'_') => return None,
            Some(b'x' | b'X' | b'o' | b'O' | b'b' | b'B') if integer == b"0" => return None,
            Some(b'.') => end = digits(end + 1),
            _ => {}
        }
        if end - start == 1 && self.bytes[start] == b'.' {
            return self.punct(1, Token::Period);
        }
        if self
            .bytes
            .get(end)
            .is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_' || !c.is_ascii())
        {
            return None; // exponents, `L` suffixes, `_` separators
        }
        let value = self.text.get(start..end)?.to_string();
        self.bump(end - start);
        Some(Token::Number(value, false))
    }

    /// `$$...$$` or `$tag$...$tag$`.
    fn dollar_quoted(&mut self) -> Option<Token> {
        let (tag, body) = match self.peek(1)? {
            b'$' => (None, self.pos + 2),
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let tag_start = self.pos + 1;
                let tag_len = self.bytes[tag_start..]
                    .iter()
                    .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_'))?;
                let tag_end = tag_start + tag_len;
                // a non-ASCII letter would go on with the tag; anything else but `$`
                // makes a placeholder
                if self.bytes.get(tag_end) != Some(&b'$') {
                    return None;
                }
                (Some(self.text.get(tag_start..tag_end)?), tag_end + 1)
            }
            _ => return None,
        };
        // The delimiter that closes the string: the opening `$tag$`, or `$$` (sqlparser's
        // `$$` scan holds back each `$` until it sees the next character: a second `$`
        // closes the string, anything else is kept with the `$`, so it too ends at the
        // first `$$`).
        let delimiter = self.text.get(self.pos..body)?;
        let value_end = body + self.text.get(body..)?.find(delimiter)?;
        let value = self.text.get(body..value_end)?.to_string();
        let tag = tag.map(str::to_string);
        self.advance_to(value_end + delimiter.len());
        Some(Token::DollarQuotedString(DollarQuotedString { value, tag }))
    }

    /// A `/* */` comment (nested ones count, as in PostgreSQL); `None` when unclosed.
    fn block_comment(&mut self) -> Option<Token> {
        let end = block_comment_end(self.bytes, self.pos)?;
        let comment = self.text.get(self.pos + 2..end - 2)?.to_string();
        self.advance_to(end);
        Some(Token::Whitespace(Whitespace::MultiLineComment(comment)))
    }
}

/// Just past the `/* */` comment that starts at `start` (nested comments count, as in
/// PostgreSQL); `None` when it is not closed.
pub(crate) fn block_comment_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 2;
    let mut depth = 1u32;
    loop {
        match (bytes.get(i)?, bytes.get(i + 1)) {
            (b'/', Some(b'*')) => {
                depth += 1;
                i += 2;
            }
            (b'*', Some(b'/')) => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
}

/// `PostgreSqlDialect::is_custom_operator_part`.
fn is_custom_operator_part(c: u8) -> bool {
    matches!(
        c,
        b'+' | b'-'
            | b'*'
            | b'/'
            | b'<'
            | b'>'
            | b'='
            | b'~'
            | b'!'
            | b'@'
            | b'#'
            | b'%'
            | b'^'
            | b'&'
            | b'|'
            | b'`'
            | b'?'
    )
}

/// The uppercase spelling of every keyword sqlparser's own lookup finds, with what it
/// finds for it (built by asking `Token::make_word`, so the two cannot disagree).
static KEYWORDS: LazyLock<HashMap<&'static [u8], Keyword, foldhash::fast::FixedState>> =
    LazyLock::new(|| {
        ALL_KEYWORDS
            .iter()
            .zip(ALL_KEYWORDS_INDEX)
            .filter(|(spelling, _)| spelling.bytes().all(|c| !c.is_ascii_lowercase()))
            .filter_map(|(spelling, _)| match Token::make_word(spelling, None) {
                Token::Word(w) if w.keyword != Keyword::NoKeyword => {
                    Some((spelling.as_bytes(), w.keyword))
                }
                _ => None,
            })
            .collect()
    });

/// The longest keyword: longer words are no keyword.
const MAX_KEYWORD_LEN: usize = 48;

/// The keyword an unquoted ASCII word is, as sqlparser's case-insensitive lookup finds it.
fn keyword(word: &str) -> Keyword {
    let word = word.as_bytes();
    if word.len() > MAX_KEYWORD_LEN {
        return Keyword::NoKeyword;
    }
    let mut upper = [0u8; MAX_KEYWORD_LEN];
    for (u, c) in upper.iter_mut().zip(word) {
        *u = c.to_ascii_uppercase();
    }
    KEYWORDS
        .get(&upper[..word.len()])
        .copied()
        .unwrap_or(Keyword::NoKeyword)
}

#[cfg(test)]
mod tests;
