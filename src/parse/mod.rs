//! Splitting a file into statements with exact positions, and turning each into an
//! [`Operation`]: sqlparser first, the token recognizer for what sqlparser rejects, and
//! `Unparsed` only when neither understands it. Parsing never fails as a whole: one bad
//! statement costs one statement.

pub(crate) mod condense;
pub(crate) mod dialect;
pub mod directives;
pub mod plpgsql;
pub mod split;
pub(crate) mod tokens;

use crate::ops::{self, Operation};
use crate::span::{LineIndex, Span};
use directives::Directive;
use serde::Serialize;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

/// One statement of a file.
#[derive(Clone, Debug, Serialize)]
pub struct Statement {
    /// 0-based position among the file's statements (embedded ones share their DO's).
    pub index: usize,
    pub span: Span,
    /// The exact source text, from the first keyword to the terminating `;` (if any).
    pub text: String,
    pub op: Operation,
    /// Statements embedded in a `DO` body, with positions in the file (and the queries
    /// its conditions and loops evaluate, as `SELECT`s), or the elements of a `CREATE
    /// SCHEMA` (`CREATE SCHEMA s CREATE TABLE t ...`), created in that schema.
    pub embedded: Vec<Statement>,
    /// An embedded statement that runs only on some paths through its body (in a
    /// branch, a loop or an exception handler): its effects depend on the data.
    pub conditional: bool,
    /// An element of a `CREATE SCHEMA` (`CREATE SCHEMA s CREATE TABLE t ...`): part of
    /// that one statement, where `IF NOT EXISTS` cannot be written.
    pub schema_element: bool,
}

impl Statement {
    /// The span of `self.text[start..end]` in the file (`start..end` a range of the
    /// statement's own text).
    pub fn sub_span(&self, start: usize, end: usize) -> Span {
        self.sub_span_in(&crate::span::LineIndex::new(&self.text), start, end)
    }

    /// [`sub_span`](Self::sub_span) with the line index of `self.text` already made
    /// (for many spans in one statement).
    pub fn sub_span_in(&self, index: &LineIndex, start: usize, end: usize) -> Span {
        let local = index.span(&self.text, start, end);
        let place = |p: crate::span::Position| crate::span::Position {
            line: self.span.start_pos.line + p.line - 1,
            column: if p.line == 1 {
                self.span.start_pos.column + p.column - 1
            } else {
                p.column
            },
        };
        Span {
            start: self.span.start + local.start,
            end: self.span.start + local.end,
            start_pos: place(local.start_pos),
            end_pos: place(local.end_pos),
        }
    }
}

/// The statement of `statements` (a file's, in order) that holds `span`: the embedded
/// one (of a `DO` or `CREATE SCHEMA`) when one holds it. A finding about one clause of a
/// statement spans that clause; ignore comments and fixes work on its statement.
pub fn statement_holding(statements: &[Statement], span: Span) -> Option<&Statement> {
    let holds = |s: &Statement| s.span.start <= span.start && span.end <= s.span.end;
    let after = statements.partition_point(|s| s.span.start <= span.start);
    let stmt = statements.get(after.checked_sub(1)?).filter(|s| holds(s))?;
    Some(stmt.embedded.iter().find(|e| holds(e)).unwrap_or(stmt))
}

/// Something worth telling the user that is not a finding (e.g. a skipped meta-command).
#[derive(Clone, Debug, Serialize)]
pub struct Note {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, Default)]
pub struct ParsedFile {
    pub statements: Vec<Statement>,
    pub notes: Vec<Note>,
    /// `-- schemaguard:...` comments, with the line each is on.
    pub directives: Vec<(u32, Directive)>,
    /// Errors in directives (unknown directive words), with their line.
    pub directive_errors: Vec<(u32, String)>,
}

/// Splits and parses one file's text.
pub fn parse_file(text: &str) -> ParsedFile {
    parse_file_with(text, &mut Cache::default())
}

/// Operations already parsed, by statement text: a thread that parses many files keeps
/// one, because histories repeat their boilerplate (`SET lock_timeout = '2s';`,
/// `BEGIN;`, PL/pgSQL's `END IF`) and [`parse_statement`] is a function of the text
/// alone (positions are added by the caller).
///
/// A text is kept the second time it comes, not the first: most statements of a
/// history come once, and keeping each of those cost a copy of its operation and
/// memory that was never read again. The first sighting leaves only a hash.
#[derive(Default)]
pub struct Cache {
    ops: std::collections::HashMap<Box<str>, Operation, foldhash::fast::RandomState>,
    /// Hashes of the texts seen once. A collision only keeps a text one sighting early.
    seen: std::collections::HashSet<u64, foldhash::fast::RandomState>,
}

impl Cache {
    /// Longer statements are not kept: boilerplate is short, and a long statement
    /// seldom comes twice.
    const LONGEST: usize = 256;
    /// At most this many statements are kept.
    const MOST: usize = 8192;
    /// At most this many first sightings are remembered (8 bytes each).
    const SEEN: usize = 1 << 16;

    /// [`parse_statement`], answered from the cache when the text came before.
    pub fn parse(&mut self, sql: &str) -> Operation {
        if sql.len() > Self::LONGEST {
            return parse_statement(sql);
        }
        if let Some(op) = self.ops.get(sql) {
            return op.clone();
        }
        let op = parse_statement(sql);
        if self.ops.len() < Self::MOST {
            let hash = std::hash::BuildHasher::hash_one(self.seen.hasher(), sql);
            if self.seen.contains(&hash) {
                self.ops.insert(sql.into(), op.clone());
            } else if self.seen.len() < Self::SEEN {
                self.seen.insert(hash);
            }
        }
        op
    }
}

/// A file at least this long has its statements parsed on as many threads as rayon
/// has: one large file would otherwise be parsed by one thread while the others wait.
const PARALLEL_FROM: usize = 1 << 20;

/// [`parse_file`] with the statements parsed through `cache` (a file of at least
/// [`PARALLEL_FROM`] bytes: in consecutive runs of statements on threads of their own,
/// each with its own cache; parsing is a function of the text, so the statements are
/// the same).
pub fn parse_file_with(text: &str, cache: &mut Cache) -> ParsedFile {
    let threads = if text.len() >= PARALLEL_FROM {
        rayon::current_num_threads()
    } else {
        1
    };
    parse_on(text, cache, threads)
}

/// [`parse_file_with`] on `threads` threads (one: this thread, with `cache`).
fn parse_on(text: &str, cache: &mut Cache, threads: usize) -> ParsedFile {
    let index = LineIndex::new(text);
    let mut out = ParsedFile::default();
    let pieces = split::split(text);
    for piece in &pieces {
        let span = || index.span(text, piece.start, piece.end);
        match piece.kind {
            split::PieceKind::MetaCommand => out.notes.push(Note {
                span: span(),
                message: format!(
                    "psql meta-command `{}` skipped",
                    text[piece.start..piece.end].trim()
                ),
            }),
            split::PieceKind::CopyData => {
                if let Some(what) = piece.unterminated {
                    out.notes.push(Note {
                        span: span(),
                        message: format!(
                            "{what} runs to the end of the file (no closing `\\.` line)"
                        ),
                    });
                }
            }
            split::PieceKind::Sql => {}
        }
    }
    let sql = pieces.iter().filter(|p| p.kind == split::PieceKind::Sql);
    out.statements = if threads > 1 {
        let sql: Vec<&split::Piece> = sql.collect();
        // plain threads, not rayon's: a parse worker of `pipeline` that waited here for
        // rayon could take up another worker's whole loop meanwhile
        let runs: Vec<Vec<Statement>> = std::thread::scope(|scope| {
            let each = sql.len().div_ceil(threads).max(1);
            let index = &index;
            let handles: Vec<_> = sql
                .chunks(each)
                .enumerate()
                .map(|(n, run)| {
                    scope.spawn(move || {
                        let mut cache = Cache::default();
                        run.iter()
                            .enumerate()
                            .map(|(i, piece)| {
                                statement(text, index, piece, n * each + i, &mut cache)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        let mut statements = Vec::with_capacity(sql.len());
        for run in runs {
            statements.extend(run);
        }
        statements
    } else {
        // at most one statement a piece: no growing (and copying) of a large list
        let mut statements = Vec::with_capacity(pieces.len());
        for (at, piece) in sql.enumerate() {
            statements.push(statement(text, &index, piece, at, cache));
        }
        statements
    };
    let (directives, errors) = directives::scan(text);
    out.directives = directives;
    out.directive_errors = errors;
    out
}

/// The statement of an SQL `piece` of `text`, the `at`-th of its file.
fn statement(
    text: &str,
    index: &LineIndex,
    piece: &split::Piece,
    at: usize,
    cache: &mut Cache,
) -> Statement {
    let span = index.span(text, piece.start, piece.end);
    let stmt_text = &text[piece.start..piece.end];
    let op = match &piece.unterminated {
        Some(what) => Operation::Unparsed {
            reason: format!("unterminated {what} starting here"),
        },
        None => match cache.parse(stmt_text) {
            Operation::Unparsed { reason } => Operation::Unparsed {
                reason: relocate_error(&reason, span.start_pos),
            },
            op => op,
        },
    };
    let op = with_function_body(op, stmt_text, cache);
    let embedded = match &op {
        Operation::Do {
            body, body_offset, ..
        } => plpgsql::embedded(body)
            .into_iter()
            .map(|e| {
                let start = piece.start + body_offset + e.offset;
                let end = (start + e.len).min(piece.end);
                Statement {
                    index: at,
                    span: index.span(text, start, end),
                    op: cache.parse(&e.sql),
                    text: e.sql,
                    embedded: Vec::new(),
                    conditional: e.conditional,
                    schema_element: false,
                }
            })
            .collect(),
        // the elements of a `CREATE SCHEMA`, created in that schema
        Operation::CreateSchema { .. } => ops::recognize::schema_elements(stmt_text)
            .map(|(_, elements)| elements)
            .unwrap_or_default()
            .into_iter()
            .map(|e| Statement {
                index: at,
                span: index.span(text, piece.start + e.start, piece.start + e.end),
                text: stmt_text.get(e.start..e.end).unwrap_or("").to_string(),
                op: e.op,
                embedded: Vec::new(),
                conditional: false,
                schema_element: true,
            })
            .collect(),
        _ => Vec::new(),
    };
    Statement {
        index: at,
        span,
        text: stmt_text.to_string(),
        op,
        embedded,
        conditional: false,
        schema_element: false,
    }
}

/// Parses one statement's text into an operation. Never panics.
pub fn parse_statement(sql: &str) -> Operation {
    if sql.len() > condense::LONG {
        // a long VALUES list: its first row stands for all (see `condense`); should that
        // not parse, the whole text is parsed, for an error message about the text
        if let Some(short) = condense::condense_values(sql) {
            let op = parse_text(&short);
            if !matches!(op, Operation::Unparsed { .. }) {
                return op;
            }
        }
    }
    parse_text(sql)
}

fn parse_text(sql: &str) -> Operation {
    let dialect = PostgreSqlDialect {};
    let parser = || Parser::new(&dialect).with_recursion_limit(RECURSION_LIMIT);
    let by_sqlparser = || {
        parser()
            .try_with_sql(sql)
            .and_then(|mut p| p.parse_statements())
    };
    // the same tokens as `try_with_sql` makes, faster, for the text the fast path knows;
    // without positions, which only an error message needs (see `tokenize_unlocated`)
    let parsed = match tokens::tokenize_unlocated(sql) {
        // the dialect that skips the messages no one reads (see `dialect`)
        Some(tokens) => match Parser::new(&dialect::Unlocated)
            .with_recursion_limit(RECURSION_LIMIT)
            .with_tokens_with_locations(tokens)
            .parse_statements()
        {
            // what sqlparser cannot parse, the recognizer may know; if not, the error
            // message needs the positions: parsed again with them
            Err(_) => match ops::recognize::recognize(sql) {
                Some(op) => return op,
                None => match tokens::tokenize(sql) {
                    Some(located) => parser()
                        .with_tokens_with_locations(located)
                        .parse_statements(),
                    None => by_sqlparser(),
                },
            },
            parsed => parsed,
        },
        None => by_sqlparser(),
    };
    match parsed {
        Ok(stmts) if stmts.len() == 1 => ops::lower::lower(&stmts[0], sql),
        Ok(stmts) if stmts.is_empty() => Operation::Other {
            kind: "EMPTY".to_string(),
        },
        Ok(_) => ops::recognize::recognize(sql).unwrap_or_else(|| Operation::Unparsed {
            reason: "the text holds more than one statement".to_string(),
        }),
        Err(err) => ops::recognize::recognize(sql).unwrap_or_else(|| Operation::Unparsed {
            reason: err.to_string(),
        }),
    }
}

/// Fills a PL/pgSQL or SQL function's body statements, so that what a trigger does when
/// it fires can be known (`effects` runs them for the DML that fires the trigger).
fn with_function_body(op: Operation, stmt_text: &str, cache: &mut Cache) -> Operation {
    match op {
        Operation::CreateFunction(mut cf)
            if matches!(cf.language.as_deref(), Some("plpgsql" | "sql")) =>
        {
            if let Some(body) = plpgsql::function_body(stmt_text) {
                // what the function does when called: its statements and the queries
                // of its conditions
                let (embedded, executed) = plpgsql::embedded_and_executed(&body);
                cf.body = embedded
                    .into_iter()
                    .map(|e| cache.parse(&e.sql))
                    .filter(|op| !matches!(op, Operation::Unparsed { .. }))
                    .collect();
                // the arguments it runs as SQL, by position (`$1` or the name)
                cf.executes = executed
                    .iter()
                    .filter_map(|v| match v.strip_prefix('$') {
                        Some(n) => n.parse::<usize>().ok().and_then(|n| n.checked_sub(1)),
                        None => cf.arg_names.iter().position(|a| a.as_deref() == Some(v)),
                    })
                    .collect();
            }
            Operation::CreateFunction(cf)
        }
        op => op,
    }
}

/// sqlparser reports `at Line: L, Column: C` relative to the statement it was given;
/// this rewrites it to the position in the file (`at line 12, column 7`).
fn relocate_error(reason: &str, start: crate::span::Position) -> String {
    let Some(at) = reason.find(" at Line: ") else {
        return reason.to_string();
    };
    let rest = &reason[at + " at Line: ".len()..];
    let mut parts = rest.splitn(2, ", Column: ");
    let line = parts.next().and_then(|l| l.trim().parse::<u32>().ok());
    let column = parts.next().map(|c| {
        let digits: String = c.chars().take_while(char::is_ascii_digit).collect();
        (digits.parse::<u32>().ok(), c[digits.len()..].to_string())
    });
    match (line, column) {
        (Some(l), Some((Some(c), tail))) if l >= 1 && c >= 1 => {
            let file_line = start.line + l - 1;
            let file_col = if l == 1 { start.column + c - 1 } else { c };
            format!(
                "{} at line {file_line}, column {file_col}{tail}",
                &reason[..at]
            )
        }
        _ => reason.to_string(),
    }
}

/// sqlparser's nesting limit: deep nesting becomes an error, never a stack overflow.
pub(crate) const RECURSION_LIMIT: usize = 50;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_parsed_on_several_threads_gives_the_statements_of_one() {
        let mut text = String::from("\\set ON_ERROR_STOP on\n");
        for i in 0..40 {
            text.push_str(&format!(
                "CREATE TABLE t{i} (id int);\n\
                 DO $$ BEGIN IF true THEN ALTER TABLE t{i} ADD COLUMN c int; END IF; END $$;\n\
                 CREATE SCHEMA s{i} CREATE TABLE u (id int);\n\
                 CREATE INDEX ON t{i} (id);\nSELECT 'quoted {i}\n;'; bad syntax {i};\n"
            ));
        }
        let one = parse_on(&text, &mut Cache::default(), 1);
        for threads in [2, 3, 7, 1000] {
            let many = parse_on(&text, &mut Cache::default(), threads);
            assert_eq!(
                format!("{:?}", many.statements),
                format!("{:?}", one.statements)
            );
            assert_eq!(format!("{:?}", many.notes), format!("{:?}", one.notes));
        }
        assert!(one.statements.iter().any(|s| !s.embedded.is_empty()));
        assert!(!one.notes.is_empty());
    }

    /// A long VALUES list parses as its first row does, and an error in it is still
    /// found (in the whole text).
    #[test]
    fn a_long_values_list_parses_as_its_first_row() {
        let rows: Vec<String> = (0..20_000).map(|i| format!("({i}, 'n{i}')")).collect();
        let long = format!(
            "INSERT INTO items (id, name) VALUES {} ON CONFLICT (id) DO NOTHING",
            rows.join(", ")
        );
        assert!(long.len() > condense::LONG);
        let short = "INSERT INTO items (id, name) VALUES (0, 'n0') ON CONFLICT (id) DO NOTHING";
        assert_eq!(parse_statement(&long), parse_statement(short));
        assert!(!matches!(
            parse_statement(short),
            Operation::Unparsed { .. }
        ));
        let broken = long.replace("ON CONFLICT (id)", "ON CONFLICT (id");
        assert!(matches!(
            parse_statement(&broken),
            Operation::Unparsed { .. }
        ));
    }

    /// A statement answered from the cache is what parsing it again gives, and an
    /// error in a repeated statement still points at each occurrence.
    #[test]
    fn the_cache_answers_as_parsing_does() {
        let text = "SET lock_timeout = '2s';\nCREATE TABLE t (id int,, );\nSET lock_timeout = '2s';\n\n  CREATE TABLE t (id int,, );\nDO $$ BEGIN IF true THEN SET lock_timeout = '2s'; END IF; END $$;\n";
        let mut cache = Cache::default();
        let first = format!("{:?}", parse_file_with(text, &mut cache));
        assert!(!cache.ops.is_empty());
        let again = format!("{:?}", parse_file_with(text, &mut cache));
        let fresh = format!("{:?}", parse_file(text));
        assert_eq!(first, fresh);
        assert_eq!(again, fresh);
        let parsed = parse_file_with(text, &mut cache);
        let reasons: Vec<&str> = parsed
            .statements
            .iter()
            .filter_map(|s| match &s.op {
                Operation::Unparsed { reason } => Some(reason.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        assert!(reasons[0].contains("at line 2,"), "{reasons:?}");
        assert!(reasons[1].contains("at line 5,"), "{reasons:?}");
    }

    /// A text is kept on its second sighting: one that comes once costs a hash, not a
    /// copy of its operation.
    #[test]
    fn the_cache_keeps_what_comes_twice() {
        let mut cache = Cache::default();
        let once = cache.parse("CREATE TABLE once (id int)");
        assert!(cache.ops.is_empty());
        assert_eq!(cache.seen.len(), 1);
        let first = cache.parse("SET lock_timeout = '2s'");
        assert!(cache.ops.is_empty());
        let second = cache.parse("SET lock_timeout = '2s'");
        assert_eq!(cache.ops.len(), 1);
        assert!(cache.ops.contains_key("SET lock_timeout = '2s'"));
        let third = cache.parse("SET lock_timeout = '2s'");
        assert_eq!(format!("{first:?}"), format!("{second:?}"));
        assert_eq!(format!("{first:?}"), format!("{third:?}"));
        assert_eq!(
            format!("{once:?}"),
            format!("{:?}", parse_statement("CREATE TABLE once (id int)"))
        );
        // too long to keep, however often it comes
        let long = format!("SELECT {}", "1 + ".repeat(80) + "1");
        for _ in 0..3 {
            cache.parse(&long);
        }
        assert_eq!(cache.ops.len(), 1);
    }

    #[test]
    fn parser_errors_point_into_the_file() {
        let text = "SELECT 1;\n\n  CREATE TABLE broken (id bigint,, );\n";
        let parsed = parse_file(text);
        let Operation::Unparsed { reason } = &parsed.statements[1].op else {
            panic!("expected unparsed: {:?}", parsed.statements[1].op);
        };
        assert!(reason.contains("at line 3, column"), "{reason}");
        assert!(!reason.contains("Line: 1"), "{reason}");
    }
}
