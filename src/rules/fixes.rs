//! Building fix texts from the user's own statement text.

/// The statement without its trailing `;` and surrounding blanks.
pub fn without_semicolon(sql: &str) -> &str {
    sql.trim().trim_end_matches(';').trim_end()
}

/// Inserts `word` after the first run of `after` keywords (case-insensitive, skipping
/// blanks and comments), e.g. `CONCURRENTLY` after `CREATE UNIQUE INDEX`.
pub fn insert_after_keywords(sql: &str, after: &[&str], word: &str) -> Option<String> {
    let sql = without_semicolon(sql);
    let mut pos = 0;
    let bytes = sql.as_bytes();
    for kw in after {
        // skip blanks and comments
        loop {
            while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
                pos += 1;
            }
            if sql[pos..].starts_with("--") {
                pos += sql[pos..].find('\n').map_or(sql.len() - pos, |i| i + 1);
            } else if sql[pos..].starts_with("/*") {
                pos += sql[pos..].find("*/").map_or(sql.len() - pos, |i| i + 2);
            } else {
                break;
            }
        }
        let rest = &sql[pos..];
        let end = rest
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .unwrap_or(rest.len());
        if rest[..end].eq_ignore_ascii_case(kw) {
            pos += end;
        } else if kw.eq_ignore_ascii_case("unique") {
            continue; // optional
        } else {
            return None;
        }
    }
    Some(format!("{} {}{};", &sql[..pos], word, &sql[pos..]))
}

/// Inserts `word` before the first token that is not one of the leading `keywords`
/// (case-insensitive; comments skipped): `IF NOT EXISTS` after `CREATE UNIQUE INDEX
/// CONCURRENTLY`. `None` when the statement starts otherwise, or already has `word`'s
/// first word there.
pub fn insert_after_leading_words(sql: &str, keywords: &[&str], word: &str) -> Option<String> {
    use crate::parse::split::{Tok, sql_tokens};
    let sql = without_semicolon(sql);
    let mut tokens = sql_tokens(sql);
    let mut first = true;
    for t in tokens.by_ref() {
        let text = &sql[t.start..t.end];
        let keyword = t.kind == Tok::Word && keywords.iter().any(|k| k.eq_ignore_ascii_case(text));
        if keyword {
            first = false;
            continue;
        }
        let already = word
            .split_whitespace()
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case(text));
        if first || already {
            return None;
        }
        return Some(format!("{}{word} {};", &sql[..t.start], &sql[t.start..]));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_if_not_exists_after_the_leading_keywords() {
        let kws = ["create", "unique", "index", "concurrently"];
        assert_eq!(
            insert_after_leading_words(
                "create unique index concurrently /* c */ a_idx on a (x);",
                &kws,
                "IF NOT EXISTS"
            )
            .as_deref(),
            Some("create unique index concurrently /* c */ IF NOT EXISTS a_idx on a (x);")
        );
        assert_eq!(
            insert_after_leading_words(
                "CREATE INDEX IF NOT EXISTS a ON t (x)",
                &kws,
                "IF NOT EXISTS"
            ),
            None
        );
        assert_eq!(
            insert_after_leading_words("DROP TABLE a", &kws, "IF EXISTS"),
            None
        );
    }

    #[test]
    fn inserts_concurrently_keeping_the_users_text() {
        assert_eq!(
            insert_after_keywords(
                "CREATE UNIQUE INDEX a ON t (x);",
                &["create", "unique", "index"],
                "CONCURRENTLY"
            )
            .as_deref(),
            Some("CREATE UNIQUE INDEX CONCURRENTLY a ON t (x);")
        );
        assert_eq!(
            insert_after_keywords(
                "create index a on t(x)",
                &["create", "unique", "index"],
                "CONCURRENTLY"
            )
            .as_deref(),
            Some("create index CONCURRENTLY a on t(x);")
        );
        assert_eq!(
            insert_after_keywords("DROP TABLE a", &["drop", "index"], "X"),
            None
        );
    }
}
