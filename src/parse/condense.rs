//! A long `INSERT ... VALUES (...), (...), ...` parsed with its first row only.
//!
//! Nothing schemaguard judges depends on how many rows a `VALUES` list has or what they
//! hold (the statement's locks, triggers and checks are the same for one row as for a
//! million), but sqlparser builds a tree for every value: a 10 MB statement of 320,000
//! rows took most of a gigabyte. The text given to the parser keeps everything before
//! the list, its first row and everything after it (`ON CONFLICT`, `RETURNING`), so what
//! comes before the cut keeps its positions.

/// Statements shorter than this are parsed as written.
pub const LONG: usize = 64 * 1024;

/// `sql` without the `VALUES` rows after the first, or `None` when it is not an
/// `INSERT ... VALUES` of several rows (or the text is not what it seems: an unclosed
/// quote or parenthesis).
pub fn condense_values(sql: &str) -> Option<String> {
    let bytes = sql.as_bytes();
    let start = skip_space(bytes, 0)?;
    if !keyword_at(bytes, start, b"insert") {
        return None;
    }
    // the top-level VALUES keyword
    let mut i = start;
    let mut depth = 0usize;
    let values = loop {
        i = skip_space(bytes, i)?;
        match bytes[i] {
            b'(' => {
                depth += 1;
                i += 1;
            }
            b')' => {
                depth = depth.checked_sub(1)?;
                i += 1;
            }
            b'\'' | b'"' | b'$' => i = skip_quoted(bytes, i)?,
            c if c.is_ascii_alphabetic() || c == b'_' => {
                if depth == 0 && keyword_at(bytes, i, b"values") {
                    break i + b"values".len();
                }
                // `E'...'` strings: the quote is the next byte
                i = skip_word(bytes, i);
            }
            b';' => return None,
            _ => i += 1,
        }
    };
    let first = skip_space(bytes, values)?;
    if bytes.get(first) != Some(&b'(') {
        return None;
    }
    let end_first = skip_row(bytes, first)?;
    let mut end = end_first;
    loop {
        let next = match skip_space(bytes, end) {
            Some(n) if bytes[n] == b',' => n,
            _ => break,
        };
        let row = skip_space(bytes, next + 1)?;
        if bytes[row] != b'(' {
            break;
        }
        end = skip_row(bytes, row)?;
    }
    if end == end_first {
        return None;
    }
    let mut out = String::with_capacity(end_first + sql.len() - end);
    out.push_str(&sql[..end_first]);
    out.push_str(&sql[end..]);
    Some(out)
}

/// Whether `word` (lowercase) is at `i`, as a whole word, in any case.
fn keyword_at(bytes: &[u8], i: usize, word: &[u8]) -> bool {
    bytes.len() >= i + word.len()
        && bytes[i..i + word.len()].eq_ignore_ascii_case(word)
        && bytes
            .get(i + word.len())
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || *c == b'_' || *c == b'$'))
        && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'))
}

fn skip_word(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len()
        && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'$')
    {
        i += 1;
    }
    i
}

/// The first byte at or after `i` that is not white space or in a comment; `None` at
/// the end or in an unclosed comment.
fn skip_space(bytes: &[u8], mut i: usize) -> Option<usize> {
    loop {
        match bytes.get(i)? {
            c if c.is_ascii_whitespace() => i += 1,
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            // block comments nest in PostgreSQL
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = crate::parse::tokens::block_comment_end(bytes, i)?;
            }
            _ => return Some(i),
        }
    }
}

/// Past the quoted text starting at `i` (a string, a quoted identifier or a
/// dollar-quoted string); a `$` that starts none (`$1`) is one byte.
fn skip_quoted(bytes: &[u8], i: usize) -> Option<usize> {
    match bytes[i] {
        b'$' => {
            let tag_end = (i + 1..bytes.len())
                .take_while(|&j| {
                    bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_' || bytes[j] == b'$'
                })
                .find(|&j| bytes[j] == b'$');
            let Some(tag_end) = tag_end else {
                return Some(i + 1);
            };
            if bytes[i + 1..tag_end]
                .first()
                .is_some_and(u8::is_ascii_digit)
            {
                // a parameter such as `$1`
                return Some(i + 1);
            }
            let tag = &bytes[i..=tag_end];
            let body = tag_end + 1;
            (body..bytes.len())
                .find(|&j| bytes[j..].starts_with(tag))
                .map(|j| j + tag.len())
        }
        quote => {
            // `E'...'` allows backslash escapes; '' doubles a quote in every form
            let escapes = quote == b'\''
                && i > 0
                && (bytes[i - 1] == b'e' || bytes[i - 1] == b'E')
                && (i < 2 || !(bytes[i - 2].is_ascii_alphanumeric() || bytes[i - 2] == b'_'));
            let mut j = i + 1;
            loop {
                match *bytes.get(j)? {
                    b'\\' if escapes => j += 2,
                    c if c == quote => {
                        if bytes.get(j + 1) == Some(&quote) {
                            j += 2;
                        } else {
                            return Some(j + 1);
                        }
                    }
                    _ => j += 1,
                }
            }
        }
    }
}

/// Past the parenthesised row starting at `i` (a `(`).
fn skip_row(bytes: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 0usize;
    loop {
        i = skip_space(bytes, i)?;
        match bytes[i] {
            b'(' => {
                depth += 1;
                i += 1;
            }
            b')' => {
                depth -= 1;
                i += 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            b'\'' | b'"' | b'$' => i = skip_quoted(bytes, i)?,
            _ => i += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_after_the_first_go_and_the_rest_stays() {
        assert_eq!(
            condense_values(
                "INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y)'), (3, $$)$$) ON CONFLICT DO NOTHING"
            )
            .as_deref(),
            Some("INSERT INTO t (a, b) VALUES (1, 'x') ON CONFLICT DO NOTHING")
        );
        assert_eq!(
            condense_values(
                "insert into t values ((1), E'it\\'s'), /* (9) */ (2, 'a''b')\nRETURNING id;"
            )
            .as_deref(),
            Some("insert into t values ((1), E'it\\'s')\nRETURNING id;")
        );
        // a column named `values_x` or a string holding VALUES is not the list
        assert_eq!(
            condense_values("INSERT INTO t (values_x, \"values\") VALUES (1, 2), (3, 4)")
                .as_deref(),
            Some("INSERT INTO t (values_x, \"values\") VALUES (1, 2)")
        );
    }

    #[test]
    fn what_is_not_a_long_values_list_is_left_alone() {
        for sql in [
            "INSERT INTO t VALUES (1)",
            "INSERT INTO t SELECT * FROM u",
            "UPDATE t SET a = 1",
            "INSERT INTO t VALUES (1, 'unclosed), (2)",
            "INSERT INTO t VALUES (1), (2",
            "INSERT INTO t DEFAULT VALUES",
        ] {
            assert_eq!(condense_values(sql), None, "{sql}");
        }
    }
}
