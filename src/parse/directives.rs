//! `-- schemaguard:...` comment directives.
//!
//! Only `--` comments count, and only those psql would see as comments: the comment
//! ranges come from the splitter's lexer, so text inside string literals, dollar quotes
//! (function and `DO` bodies included), block comments and COPY data is never a
//! directive. The comment must begin with `schemaguard:` (after the dashes and blanks);
//! it may follow a statement on the same line.

use super::split;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Directive {
    /// `-- schemaguard:ignore rule-a, rule-b -- reason`: the next statement.
    Ignore {
        rules: Vec<String>,
        reason: Option<String>,
    },
    /// `-- schemaguard:ignore-file rule-a`: the whole file.
    IgnoreFile {
        rules: Vec<String>,
        reason: Option<String>,
    },
    /// `-- schemaguard:no-transaction`: the file runs statement by statement.
    NoTransaction,
}

/// Directives with their 1-based line.
pub type Directives = Vec<(u32, Directive)>;
/// Malformed directives: 1-based line and a message for the user.
pub type DirectiveErrors = Vec<(u32, String)>;

const PREFIX: &str = "schemaguard:";

/// A malformed `-- schemaguard:` directive (the line is kept beside it by [`scan`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DirectiveError {
    /// Text after `no-transaction` that is not a `--` reason.
    #[error("unexpected `{0}` after `schemaguard:no-transaction`; a reason goes after `--`")]
    NoTransactionArguments(String),
    /// A name other than the three directives.
    #[error("unknown directive `schemaguard:{0}`; expected ignore, ignore-file or no-transaction")]
    Unknown(String),
    /// A rule id with characters rule ids do not have.
    #[error(
        "invalid rule id `{id}` in `schemaguard:{directive}`; rule ids are lowercase letters, digits and `-`"
    )]
    InvalidRuleId {
        /// `ignore` or `ignore-file`.
        directive: String,
        /// The id as written.
        id: String,
    },
    /// `ignore` or `ignore-file` without a rule id.
    #[error(
        "`schemaguard:{0}` needs at least one rule id, e.g. `-- schemaguard:{0} create-index-non-concurrently`"
    )]
    NoRuleId(String),
}

/// Finds every directive (with its 1-based line) and every malformed one (with a message).
pub fn scan(text: &str) -> (Directives, DirectiveErrors) {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    if !text.contains(PREFIX) {
        // no directive anywhere: the file need not be lexed again for its comments
        return (found, errors);
    }
    // Comments come in order, so the line number is counted incrementally.
    let (mut line, mut counted_to) = (1u32, 0usize);
    for (start, end) in split::line_comments(text) {
        let Some(body) = text
            .get(start..end)
            .map(|c| c.trim_start_matches('-').trim_start())
            .and_then(|c| c.strip_prefix(PREFIX))
        else {
            continue;
        };
        let newlines = text
            .get(counted_to..start)
            .map_or(0, |s| s.matches('\n').count());
        line += newlines as u32;
        counted_to = start;
        match parse(body) {
            Ok(d) => found.push((line, d)),
            Err(e) => errors.push((line, e.to_string())),
        }
    }
    (found, errors)
}

/// Parses what follows `schemaguard:`.
fn parse(body: &str) -> Result<Directive, DirectiveError> {
    let name_len = body
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(body.len());
    let (name, rest) = body.split_at(name_len);
    // the reason is whatever follows the next `--`
    let (args, reason) = match rest.split_once("--") {
        Some((args, reason)) => (args, Some(reason.trim()).filter(|r| !r.is_empty())),
        None => (rest, None),
    };
    let reason = reason.map(str::to_string);
    match name {
        "ignore" | "ignore-file" => {
            let rules = rule_ids(name, args)?;
            Ok(if name == "ignore" {
                Directive::Ignore { rules, reason }
            } else {
                Directive::IgnoreFile { rules, reason }
            })
        }
        "no-transaction" if args.trim().is_empty() => Ok(Directive::NoTransaction),
        "no-transaction" => Err(DirectiveError::NoTransactionArguments(
            args.trim().to_string(),
        )),
        _ => Err(DirectiveError::Unknown(
            body.split_whitespace().next().unwrap_or("").to_string(),
        )),
    }
}

/// The rule ids of an ignore directive: `[a-z0-9-]+`, separated by commas and/or blanks.
fn rule_ids(name: &str, args: &str) -> Result<Vec<String>, DirectiveError> {
    let mut rules = Vec::new();
    for id in args.split(|c: char| c == ',' || c.is_whitespace()) {
        if id.is_empty() {
            continue;
        }
        if !id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(DirectiveError::InvalidRuleId {
                directive: name.to_string(),
                id: id.to_string(),
            });
        }
        rules.push(id.to_string());
    }
    if rules.is_empty() {
        return Err(DirectiveError::NoRuleId(name.to_string()));
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignore(rules: &[&str], reason: Option<&str>) -> Directive {
        Directive::Ignore {
            rules: rules.iter().map(|r| r.to_string()).collect(),
            reason: reason.map(str::to_string),
        }
    }

    #[test]
    fn ignore_with_rules_and_reason() {
        let text = "SELECT 1;\n-- schemaguard:ignore rule-a, rule-b -- table is empty\nCREATE INDEX i ON t (a);";
        let (found, errors) = scan(text);
        assert_eq!(
            found,
            [(2, ignore(&["rule-a", "rule-b"], Some("table is empty")))]
        );
        assert!(errors.is_empty());
    }

    #[test]
    fn rule_ids_separate_by_commas_or_blanks() {
        let (found, _) = scan("--schemaguard:ignore a1,b-2  c ,, d\n");
        assert_eq!(found, [(1, ignore(&["a1", "b-2", "c", "d"], None))]);
    }

    #[test]
    fn ignore_file_and_no_transaction() {
        let text = "-- schemaguard:ignore-file rule-a\n--- schemaguard:ignore-file a, b -- legacy\n\
                    -- schemaguard:no-transaction\n-- schemaguard:no-transaction -- builds concurrently\n";
        let (found, errors) = scan(text);
        assert_eq!(
            found,
            [
                (
                    1,
                    Directive::IgnoreFile {
                        rules: vec!["rule-a".into()],
                        reason: None
                    }
                ),
                (
                    2,
                    Directive::IgnoreFile {
                        rules: vec!["a".into(), "b".into()],
                        reason: Some("legacy".into())
                    }
                ),
                (3, Directive::NoTransaction),
                (4, Directive::NoTransaction),
            ]
        );
        assert!(errors.is_empty());
    }

    #[test]
    fn directive_after_a_statement_on_the_same_line_counts() {
        let (found, _) = scan("SELECT 1; -- schemaguard:ignore rule-a\n");
        assert_eq!(found, [(1, ignore(&["rule-a"], None))]);
    }

    #[test]
    fn unknown_directive_is_an_error() {
        let (found, errors) = scan("\n\n-- schemaguard:foo bar\n");
        assert!(found.is_empty());
        assert_eq!(
            errors,
            [(
                3,
                "unknown directive `schemaguard:foo`; expected ignore, ignore-file or no-transaction"
                    .to_string()
            )]
        );
    }

    #[test]
    fn ignore_without_rules_or_with_bad_ids_is_an_error() {
        let (found, errors) = scan(
            "-- schemaguard:ignore\n-- schemaguard:ignore -- why\n-- schemaguard:ignore Rule_A\n",
        );
        assert!(found.is_empty());
        assert_eq!(errors.iter().map(|e| e.0).collect::<Vec<_>>(), [1, 2, 3]);
        assert!(errors[0].1.contains("at least one rule id"));
        assert!(errors[2].1.contains("invalid rule id `Rule_A`"));
        let (_, errors) = scan("-- schemaguard:no-transaction please\n");
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn prefix_is_case_sensitive_and_must_begin_the_comment() {
        let (found, errors) = scan("-- SchemaGuard:ignore a\n-- see schemaguard:ignore a\n");
        assert!(found.is_empty() && errors.is_empty());
    }

    #[test]
    fn directives_in_strings_block_comments_bodies_and_copy_data_do_not_count() {
        let text = "SELECT '\n-- schemaguard:ignore a\n';\n/*\n-- schemaguard:ignore b\n*/\n\
                    DO $$ BEGIN\n-- schemaguard:ignore c\nEND $$;\n\
                    COPY t FROM stdin;\n-- schemaguard:ignore d\n\\.\n-- schemaguard:ignore e\n";
        let (found, errors) = scan(text);
        assert_eq!(found, [(13, ignore(&["e"], None))]);
        assert!(errors.is_empty());
    }

    #[test]
    fn lines_count_multibyte_text_and_crlf() {
        let (found, _) = scan("SELECT 'é';\r\n\r\n-- schemaguard:no-transaction\r\n");
        assert_eq!(found, [(3, Directive::NoTransaction)]);
    }
}
