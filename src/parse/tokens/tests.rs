use super::*;
use crate::fuzzing::fast_tokens_agree;
use sqlparser::parser::ParserOptions;

/// The fast path answers for `sql`, with sqlparser's tokens and spans.
#[track_caller]
fn fast(sql: &str) {
    assert!(fast_tokens_agree(sql), "expected the fast path for {sql:?}");
}

/// The fast path leaves `sql` to sqlparser.
#[track_caller]
fn fallback(sql: &str) {
    assert!(
        tokenize(sql).is_none(),
        "expected a fallback for {sql:?}, got {:?}",
        tokenize(sql)
    );
}

fn at(token: Token, (l1, c1): (u64, u64), (l2, c2): (u64, u64)) -> TokenWithSpan {
    TokenWithSpan::at(token, Location::new(l1, c1), Location::new(l2, c2))
}

#[test]
fn parser_tokenizes_with_unescape_as_the_fast_path_assumes() {
    assert!(ParserOptions::new().unescape);
}

#[test]
fn every_keyword_fits_the_lookup_buffer_and_is_found_in_any_case() {
    for spelling in ALL_KEYWORDS {
        assert!(spelling.len() <= MAX_KEYWORD_LEN, "{spelling} is too long");
        if !spelling
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_')
        {
            continue; // not a word the fast path reads
        }
        for word in [
            spelling.to_string(),
            spelling.to_ascii_lowercase(),
            spelling
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if i % 2 == 0 {
                        c.to_ascii_lowercase()
                    } else {
                        c
                    }
                })
                .collect(),
        ] {
            let Token::Word(expected) = Token::make_word(&word, None) else {
                unreachable!()
            };
            assert_eq!(keyword(&word), expected.keyword, "{word}");
        }
    }
    assert_eq!(keyword("not_a_keyword_at_all"), Keyword::NoKeyword);
    assert_eq!(
        keyword(&"A".repeat(MAX_KEYWORD_LEN + 1)),
        Keyword::NoKeyword
    );
}

#[test]
fn doubled_quotes_in_strings_become_one_quote() {
    let tokens = tokenize("'it''s'").expect("fast path");
    assert_eq!(
        tokens,
        vec![at(Token::SingleQuotedString("it's".into()), (1, 1), (1, 8))]
    );
    for sql in [
        "''",
        "''''",
        "'a''b''c'",
        "'' ''",
        "'a' 'b'",
        "'\\'",
        "'a\\nb'",
    ] {
        fast(sql);
    }
    fallback("'unterminated");
    fallback("'it''s");
}

#[test]
fn doubled_quotes_in_quoted_identifiers_become_one_quote() {
    let tokens = tokenize("\"a\"\"b\"").expect("fast path");
    assert_eq!(
        tokens,
        vec![at(
            Token::Word(Word {
                value: "a\"b".into(),
                quote_style: Some('"'),
                keyword: Keyword::NoKeyword,
            }),
            (1, 1),
            (1, 7)
        )]
    );
    for sql in [
        "\"\"",
        "\"\"\"\"",
        "\"select\"",
        "\"User Table\".\"Id\"",
        "\"é\" x",
    ] {
        fast(sql);
    }
    fallback("\"unterminated");
}

#[test]
fn comments_keep_their_exact_text_and_span() {
    let tokens = tokenize("-- end").expect("fast path");
    assert_eq!(
        tokens,
        vec![at(
            Token::Whitespace(Whitespace::SingleLineComment {
                comment: " end".into(),
                prefix: "--".into(),
            }),
            (1, 1),
            (1, 7)
        )]
    );
    for sql in [
        "SELECT 1 -- trailing, no newline",
        "SELECT 1 -- trailing\n",
        "SELECT 1 -- trailing\r\nx",
        "--",
        "--\n--\n",
        "-- é and ü\nSELECT 1",
        "/**/",
        "/* a */ SELECT /* b\n c */ 1",
        "/* outer /* inner */ still outer */ x",
        "/* /* /* deep */ */ */",
        "/* * / */",
        "/* é */ x",
        "a/**/b",
    ] {
        fast(sql);
    }
    for sql in ["/*", "/* /* */", "/*/", "/* unclosed\n"] {
        fallback(sql);
    }
}

#[test]
fn line_ends_and_tabs() {
    let tokens = tokenize("a\r\nb\rc").expect("fast path");
    let spans: Vec<_> = tokens.iter().map(|t| t.span).collect();
    assert_eq!(
        spans,
        vec![
            Span::new(Location::new(1, 1), Location::new(1, 2)),
            Span::new(Location::new(1, 2), Location::new(2, 1)),
            Span::new(Location::new(2, 1), Location::new(2, 2)),
            // a lone `\r` is a Newline token that does not start a line
            Span::new(Location::new(2, 2), Location::new(2, 3)),
            Span::new(Location::new(2, 3), Location::new(2, 4)),
        ]
    );
    for sql in [
        "\t\tSELECT\t1",
        "CREATE TABLE t (\r\n  id int\r\n);\r\n",
        "\n\n\nx\n",
        "'multi\nline\r\nstring' x",
        "\"multi\nline\" x",
        "CREATE TABLE users (\n    id bigint PRIMARY KEY,\n    email text NOT NULL\n);",
    ] {
        fast(sql);
    }
    // other whitespace is sqlparser's to read
    fallback("a\x0bb");
    fallback("a\u{a0}b");
}

#[test]
fn numbers() {
    for sql in [
        "1",
        "1.5",
        ".5",
        "1.",
        "1.2.3",
        "0",
        "007",
        "x = -1",
        "-1.5",
        "1+2",
        "t.1",
        "SELECT 1.",
        "(1)",
        "1..2",
        "..",
        "t._x",
        "t ._x",
    ] {
        fast(sql);
    }
    for sql in [
        "1e5", "1.5E-3", "1_000", "0x1F", "0o17", "0b101", "10L", "1abc", "._x", "1._5", "1.5_0",
    ] {
        fallback(sql);
    }
}

#[test]
fn operators() {
    for sql in [
        "a::text",
        "a : b",
        "x := 1",
        "a = b",
        "a == b",
        "f(a => 1)",
        "a <> b",
        "a != b",
        "a <= b",
        "a >= b",
        "a < b",
        "a > b",
        "a<=-1",
        "a<+1",
        "a || b",
        "a | b",
        "a % b",
        "a * b / c",
        "a/-b",
        "a[1]",
        "a - b",
        "a+-b",
        "(a, b);",
        "a ->> 'k'",
        "a -> 'k'",
        "a->'k'->>'j'",
        "(data ->> 'id'::text)",
        "a->",
        "a->>",
        "a -> -1",
    ] {
        fast(sql);
    }
    for sql in [
        "a ->>= b", "a->-1", "a @> b", "a ~ 'x'", "a #> b", "a && b", "a ? b", "a ^ 2", "a !~ b",
        "a <-> b", "a << b", "a >> b", "a ||/ b", "a <=> b", "a >=< b", "a -* b", "{}", "\\x",
        "!x",
    ] {
        fallback(sql);
    }
}

#[test]
fn words_and_keywords() {
    let tokens = tokenize("sElEcT foo_1$x").expect("fast path");
    let words: Vec<_> = tokens
        .iter()
        .filter_map(|t| match &t.token {
            Token::Word(w) => Some((w.value.as_str(), w.keyword)),
            _ => None,
        })
        .collect();
    assert_eq!(
        words,
        vec![("sElEcT", Keyword::SELECT), ("foo_1$x", Keyword::NoKeyword)]
    );
    for sql in [
        "select FROM Where",
        "_x",
        "a$",
        "a$$b",
        "e",
        "N",
        "u",
        "b",
        "x",
        "enum",
        "names",
        "bar",
        "xyz",
        "_'a'",
        "\"stdin\"",
        "COPY t TO STDOUT;",
        "CREATE INDEX CONCURRENTLY idx ON t (a) WHERE b IS NOT NULL;",
    ] {
        fast(sql);
    }
    for sql in [
        "E'a\\nb'",
        "e'x'",
        "N'x'",
        "n'x'",
        "B'101'",
        "b\"x\"",
        "X'ff'",
        "x'ff'",
        "U&'x'",
        "u&x",
        "COPY t FROM STDIN;",
        "copy t from stdin",
        "café",
        "a\u{e9}",
    ] {
        fallback(sql);
    }
}

#[test]
fn dollar_quotes() {
    for sql in [
        "$$ SELECT 1; $$",
        "$$$$",
        "$body$ SELECT $1; $$ $body$",
        "$_$ x $_$",
        "$$ a $ b $$",
        "$$ SELECT replace(lower($1), '-', '_') $$",
        "$$a$$ $$$$",
        "$$$x$$",
        "$$ $ $$",
        "$a$ $$ $ $a$",
        "$a1$ é\n $a1$ x",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;",
    ] {
        fast(sql);
    }
    for sql in [
        "$1",
        "$",
        "$$",
        "$$ unterminated",
        "$$ $",
        "$$a$$$",
        "$$a$$$$",
        "$a$ unterminated $b$",
        "$a",
        "$1$ x $1$",
        "$é$ x $é$",
        "$a$ x $A$",
    ] {
        fallback(sql);
    }
}

/// A deterministic generator of short SQL-ish strings: the fast path, whenever it
/// answers, agrees with sqlparser, and it never panics.
#[test]
fn random_sqlish_strings_agree_with_sqlparser() {
    const PIECES: &[&str] = &[
        "a", "b", "e", "n", "u", "x", "E", "N", "U", "X", "B", "L", "_", "z", "select", "FROM",
        "stdin", "copy", "0", "1", "5", "9", "'", "''", "\"", "-", "--", "/", "*", "/*", "*/", "(",
        ")", ";", ":", "::", ".", ",", " ", " ", "\n", "\t", "\r", "\r\n", "$", "$$", "$a$", "\\",
        "é", "=", "<", ">", "!", "|", "%", "+", "[", "]", "&", "?", "@", "#", "~", "^", "{", "}",
        "\u{a0}", "\x0b", "->", "->>", "$1", "\"\"", "1.5", "$_$",
    ];
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        // Knuth's MMIX LCG; the high bits are the random ones
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    let (mut answered, total) = (0, 200_000);
    for _ in 0..total {
        let len = next() % 12;
        let sql: String = (0..len).map(|_| PIECES[next() % PIECES.len()]).collect();
        if fast_tokens_agree(&sql) {
            answered += 1;
        }
    }
    println!("random strings: the fast path answered {answered} of {total}");
    assert!(
        answered > total / 10,
        "the fast path answered only {answered}"
    );
}
