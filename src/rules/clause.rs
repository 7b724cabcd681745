//! The clause of a statement a finding is about: one action of a multi-action `ALTER
//! TABLE`, one column definition or table constraint of a `CREATE TABLE`, one inline
//! constraint or `DEFAULT` of a column. A rule about one column or constraint reports
//! that clause's span, so the code frame, the JSON position and the editor's squiggle
//! show just that part of a long statement.
//!
//! Clauses are found in the statement's own text with the project's tokenizer (quoting,
//! dollar strings and comments as PostgreSQL reads them), and each one found is checked
//! against the operation (the action's leading words, the column's or constraint's
//! name, quoted or folded). Every function answers `None` when the clause cannot be
//! found for certain; the finding then keeps the whole statement's span: never a wrong
//! span, never a panic.

use crate::ops::names::fold;
use crate::ops::{AlterTable, AlterTableAction, Constraint, ConstraintKind};
use crate::parse::Statement;
use crate::parse::split::{Tok, Token, sql_tokens};
use crate::span::{LineIndex, Span};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Words that start a column constraint (or a column's `DEFAULT`, `COLLATE`,
/// `GENERATED`): the end of a column's type, and of the clause before them.
const COLUMN_CLAUSE_STARTS: &[&str] = &[
    "constraint",
    "not",
    "null",
    "default",
    "check",
    "references",
    "unique",
    "primary",
    "generated",
    "collate",
];

/// Words that start a table constraint element of `CREATE TABLE`.
const TABLE_CONSTRAINT_STARTS: &[&str] = &[
    "constraint",
    "check",
    "unique",
    "primary",
    "foreign",
    "exclude",
    "like",
];

/// The span of action number `index` of the `ALTER TABLE` statement `stmt` (whose
/// operation is `at`): `ALTER COLUMN price TYPE numeric(12, 2)` of `ALTER TABLE t ADD
/// COLUMN a int, ALTER COLUMN price TYPE numeric(12, 2)`. The text's actions are paired
/// with the operation's by position when there are as many, else the one action that
/// reads as this one is taken.
pub fn action(stmt: &Statement, at: &AlterTable, index: usize) -> Option<Span> {
    let text = Text::of(stmt)?;
    let wanted = at.actions.get(index)?;
    let ranges = text.actions.as_deref()?;
    let (first, last) = if ranges.len() == at.actions.len() {
        let range = *ranges.get(index)?;
        text.reads_as(range, wanted).then_some(range)?
    } else {
        let mut matching = ranges.iter().filter(|r| text.reads_as(**r, wanted));
        let range = *matching.next()?;
        // several actions read alike: which one is meant is not known
        matching.next().is_none().then_some(range)?
    };
    Some(text.span(first, last))
}

/// The first action of `at` that `pick` selects, and its span (see [`action`]).
pub fn first_action(
    stmt: &Statement,
    at: &AlterTable,
    pick: impl Fn(&AlterTableAction) -> bool,
) -> Option<Span> {
    let index = at.actions.iter().position(pick)?;
    action(stmt, at, index)
}

/// Where `column` is declared in the statement, from its name to the end of its
/// definition: a column of `CREATE TABLE`, the column of `ADD COLUMN`, or the column and
/// new type of `ALTER COLUMN ... TYPE` (`price TYPE numeric(12, 2)`).
pub fn column(stmt: &Statement, column: &str) -> Option<Span> {
    let text = Text::of(stmt)?;
    let (first, last) = text.column_definition(column)?;
    Some(text.span(first, last))
}

/// What part of a column definition a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnPart {
    /// `DEFAULT expr`
    Default,
    /// `[CONSTRAINT name] CHECK (...)`
    Check,
    /// `[CONSTRAINT name] REFERENCES t (...) [ON DELETE ...] ...`
    References,
    /// `[CONSTRAINT name] UNIQUE ...`
    Unique,
    /// `[CONSTRAINT name] PRIMARY KEY ...`
    PrimaryKey,
}

impl ColumnPart {
    /// The part an inline constraint is written as.
    pub fn of(c: &Constraint) -> Option<ColumnPart> {
        match c.kind {
            ConstraintKind::Check { .. } => Some(ColumnPart::Check),
            ConstraintKind::ForeignKey { .. } => Some(ColumnPart::References),
            ConstraintKind::Unique { .. } => Some(ColumnPart::Unique),
            ConstraintKind::PrimaryKey { .. } => Some(ColumnPart::PrimaryKey),
            _ => None,
        }
    }

    fn keyword(self) -> &'static str {
        match self {
            ColumnPart::Default => "default",
            ColumnPart::Check => "check",
            ColumnPart::References => "references",
            ColumnPart::Unique => "unique",
            ColumnPart::PrimaryKey => "primary",
        }
    }
}

/// One clause of `column`'s definition (in `CREATE TABLE` or `ADD COLUMN`): its
/// `DEFAULT` expression, or an inline constraint with its `CONSTRAINT name` when it has
/// one (`name`: the constraint's name, when written). `None` when the column has no
/// such clause, or several and none named.
pub fn column_part(
    stmt: &Statement,
    column: &str,
    part: ColumnPart,
    name: Option<&str>,
) -> Option<Span> {
    let text = Text::of(stmt)?;
    let (first, last) = text.column_definition(column)?;
    let clauses = text.column_clauses(first, last);
    let mut matching = clauses.iter().filter(|(start, kind, _)| {
        text.is(*kind, part.keyword())
            && match name {
                Some(n) => text.is(*start, "constraint") && text.names(start + 1, n),
                None => true,
            }
    });
    let (start, _, end) = *matching.next()?;
    matching.next().is_none().then(|| text.span(start, end))
}

/// A table constraint of `CREATE TABLE` (an element of its own, not written inline with
/// a column): by its name when it has one, else by its kind and columns (`FOREIGN KEY
/// (a, b)`, `UNIQUE (a)`, `PRIMARY KEY (a)`).
pub fn table_constraint(stmt: &Statement, c: &Constraint) -> Option<Span> {
    let text = Text::of(stmt)?;
    let key = match (&c.name, &c.kind) {
        (Some(name), _) => ConstraintKey::Named(name.clone()),
        (None, ConstraintKind::ForeignKey { columns, .. }) => {
            ConstraintKey::Unnamed("foreign", columns.clone())
        }
        (None, ConstraintKind::Unique { columns, .. }) => {
            ConstraintKey::Unnamed("unique", columns.clone())
        }
        (None, ConstraintKind::PrimaryKey { columns, .. }) => {
            ConstraintKey::Unnamed("primary", columns.clone())
        }
        _ => return None,
    };
    match text.constraints.get(&key)?.as_slice() {
        [(first, last)] => Some(text.span(*first, *last)),
        // several read alike: which one is meant is not known
        _ => None,
    }
}

/// What is read once from a statement's text: its tokens (comments and the final `;`
/// left out), its line starts, and where its columns are defined. A rule reports many
/// findings on one long statement (a `CREATE TABLE` of a thousand `varchar` columns),
/// so the last statement read is kept, by its text, on each thread: one read per
/// statement, not one per finding.
struct Reading {
    text: String,
    tokens: Vec<Token>,
    lines: LineIndex,
    /// Folded column name -> (its name's token, the definition's last token), for the
    /// first definition of each (a `CREATE TABLE` column, `ADD COLUMN`, `ALTER COLUMN
    /// ... TYPE`).
    columns: HashMap<String, (usize, usize)>,
    /// The actions of an `ALTER TABLE`, as (first, last) tokens.
    actions: Option<Vec<(usize, usize)>>,
    /// The table constraints of a `CREATE TABLE`, by name or kind and columns.
    constraints: HashMap<ConstraintKey, Vec<(usize, usize)>>,
}

/// How a table constraint of `CREATE TABLE` is told apart: `CONSTRAINT name ...`, or
/// an unnamed `FOREIGN KEY` / `UNIQUE` / `PRIMARY KEY` by its folded columns.
#[derive(PartialEq, Eq, Hash)]
enum ConstraintKey {
    Named(String),
    Unnamed(&'static str, Vec<String>),
}

thread_local! {
    static LAST: RefCell<Option<Rc<Reading>>> = const { RefCell::new(None) };
}

/// A statement's text as read for its clauses.
struct Text<'a> {
    stmt: &'a Statement,
    read: Rc<Reading>,
}

impl<'a> Text<'a> {
    fn of(stmt: &'a Statement) -> Option<Text<'a>> {
        // an embedded statement whose text is a copy (a `DO` body's unescaped quotes):
        // offsets in it are not the file's
        if stmt.span.end.checked_sub(stmt.span.start) != Some(stmt.text.len()) {
            return None;
        }
        let cached = LAST.with(|last| {
            last.borrow()
                .as_ref()
                .filter(|r| r.text == stmt.text)
                .cloned()
        });
        let read = match cached {
            Some(read) => read,
            None => {
                let read = Rc::new(Reading::of(&stmt.text));
                LAST.with(|last| *last.borrow_mut() = Some(Rc::clone(&read)));
                read
            }
        };
        Some(Text { stmt, read })
    }

    /// The file span of tokens `first..=last`.
    fn span(&self, first: usize, last: usize) -> Span {
        let start = self.tokens.get(first).map_or(0, |t| t.start);
        let end = self.tokens.get(last).map_or(start, |t| t.end.max(start));
        self.stmt.sub_span_in(&self.read.lines, start, end)
    }
}

impl std::ops::Deref for Text<'_> {
    type Target = Reading;
    fn deref(&self) -> &Reading {
        &self.read
    }
}

impl Reading {
    fn of(text: &str) -> Reading {
        let mut read = Reading {
            text: text.to_string(),
            tokens: sql_tokens(text)
                .take_while(|t| t.kind != Tok::Semicolon)
                .collect(),
            lines: LineIndex::new(text),
            columns: HashMap::new(),
            actions: None,
            constraints: HashMap::new(),
        };
        read.actions = read.alter_actions();
        read.columns = read.column_definitions();
        read.constraints = read.table_constraints();
        read
    }

    /// The table constraints of a `CREATE TABLE` (see [`Reading::constraints`]).
    fn table_constraints(&self) -> HashMap<ConstraintKey, Vec<(usize, usize)>> {
        let mut out: HashMap<ConstraintKey, Vec<(usize, usize)>> = HashMap::new();
        for (first, last) in self.create_elements().unwrap_or_default() {
            let key = if self.is(first, "constraint") {
                self.folded(first + 1).map(ConstraintKey::Named)
            } else {
                ["foreign", "unique", "primary"]
                    .into_iter()
                    .find(|k| self.is(first, k))
                    .and_then(|k| {
                        // the column list: the first parenthesis of the element
                        let open = (first..=last).find(|i| self.punct(*i, "("))?;
                        Some(ConstraintKey::Unnamed(k, self.list(open)?))
                    })
            };
            if let Some(key) = key {
                out.entry(key).or_default().push((first, last));
            }
        }
        out
    }

    /// Where each column is defined (see [`Reading::columns`]).
    fn column_definitions(&self) -> HashMap<String, (usize, usize)> {
        let mut out = HashMap::new();
        let mut add = |name: usize, last: usize| {
            if name < last {
                if let Some(folded) = self.folded(name) {
                    out.entry(folded).or_insert((name, last));
                }
            }
        };
        if let Some(elements) = self.create_elements() {
            for (first, last) in elements {
                if !self.is_any(first, TABLE_CONSTRAINT_STARTS) {
                    add(first, last);
                }
            }
        } else if let Some(actions) = &self.actions {
            for &(first, last) in actions {
                let name = self.added_column_name(first).or_else(|| {
                    let at = self.altered_column_name(first)?;
                    let ty = at + 1;
                    (self.is(ty, "type") || (self.is(ty, "set") && self.is(ty + 2, "type")))
                        .then_some(at)
                });
                if let Some(name) = name {
                    add(name, last);
                }
            }
        }
        out
    }

    fn word(&self, i: usize) -> &str {
        self.tokens
            .get(i)
            .and_then(|t| self.text.get(t.start..t.end))
            .unwrap_or("")
    }

    /// Token `i` is the keyword `keyword` (unquoted, any case).
    fn is(&self, i: usize, keyword: &str) -> bool {
        self.tokens.get(i).is_some_and(|t| t.kind == Tok::Word)
            && self.word(i).eq_ignore_ascii_case(keyword)
    }

    fn is_any(&self, i: usize, keywords: &[&str]) -> bool {
        keywords.iter().any(|k| self.is(i, k))
    }

    fn punct(&self, i: usize, p: &str) -> bool {
        self.tokens.get(i).is_some_and(|t| t.kind == Tok::Punct) && self.word(i) == p
    }

    /// Token `i` is an identifier naming `name` (stored folded as PostgreSQL's lexer
    /// folds: an unquoted word in lower case, a quoted one as written, both cut to 63
    /// bytes).
    fn names(&self, i: usize, name: &str) -> bool {
        self.folded(i).is_some_and(|n| n == name)
    }

    /// The name token `i` is an identifier of, folded; `None` for another token.
    fn folded(&self, i: usize) -> Option<String> {
        let t = self.tokens.get(i)?;
        let w = self.word(i);
        match t.kind {
            Tok::Word => Some(fold(w, false)),
            Tok::QuotedIdent if w.len() >= 2 => w
                .get(1..w.len() - 1)
                .map(|inner| fold(&inner.replace("\"\"", "\""), true)),
            _ => None,
        }
    }

    /// The identifiers the parenthesis opening at `open` lists, folded; `None` when it
    /// holds anything else.
    fn list(&self, open: usize) -> Option<Vec<String>> {
        let close = self.closing(open)?;
        self.items(open + 1, close)
            .into_iter()
            .map(|(first, last)| (first == last).then(|| self.folded(first)).flatten())
            .collect()
    }

    /// The token closing the parenthesis (or bracket) that opens at `open`.
    fn closing(&self, open: usize) -> Option<usize> {
        let mut depth = 0usize;
        for i in open..self.tokens.len() {
            if self.punct(i, "(") || self.punct(i, "[") {
                depth += 1;
            } else if self.punct(i, ")") || self.punct(i, "]") {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
        }
        None
    }

    /// The comma-separated items of tokens `from..to` (outside parentheses), as
    /// (first, last) token indexes.
    fn items(&self, from: usize, to: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut depth = 0usize;
        let mut start: Option<usize> = None;
        for i in from..to.min(self.tokens.len()) {
            if depth == 0 && self.punct(i, ",") {
                if let Some(s) = start.take() {
                    out.push((s, i - 1));
                }
                continue;
            }
            if self.punct(i, "(") || self.punct(i, "[") {
                depth += 1;
            } else if self.punct(i, ")") || self.punct(i, "]") {
                depth = depth.saturating_sub(1);
            }
            start.get_or_insert(i);
        }
        if let Some(s) = start {
            out.push((s, to.min(self.tokens.len()) - 1));
        }
        out
    }

    /// Skips a possibly qualified name starting at `i`: the index after it.
    fn skip_name(&self, mut i: usize) -> Option<usize> {
        loop {
            match self.tokens.get(i) {
                Some(t) if matches!(t.kind, Tok::Word | Tok::QuotedIdent) => i += 1,
                _ => return None,
            }
            if self.punct(i, ".") {
                i += 1;
            } else {
                return Some(i);
            }
        }
    }

    /// The actions of `ALTER [FOREIGN] TABLE [IF EXISTS] [ONLY] name [*] action, ...`.
    fn alter_actions(&self) -> Option<Vec<(usize, usize)>> {
        if !self.is(0, "alter") {
            return None;
        }
        let mut i = 1;
        if self.is(i, "foreign") {
            i += 1;
        }
        if !self.is(i, "table") {
            return None;
        }
        i += 1;
        if self.is(i, "if") && self.is(i + 1, "exists") {
            i += 2;
        }
        if self.is(i, "only") {
            i += 1;
        }
        i = self.skip_name(i)?;
        if self.punct(i, "*") {
            i += 1;
        }
        Some(self.items(i, self.tokens.len()))
    }

    /// The elements (columns and table constraints) of `CREATE [...] TABLE [IF NOT
    /// EXISTS] name [PARTITION OF parent | OF type] ( element, ... )`.
    fn create_elements(&self) -> Option<Vec<(usize, usize)>> {
        if !self.is(0, "create") {
            return None;
        }
        let mut i = 1;
        while self.is_any(
            i,
            &[
                "global",
                "local",
                "temp",
                "temporary",
                "unlogged",
                "foreign",
            ],
        ) {
            i += 1;
        }
        if !self.is(i, "table") {
            return None;
        }
        i += 1;
        if self.is(i, "if") && self.is(i + 1, "not") && self.is(i + 2, "exists") {
            i += 3;
        }
        i = self.skip_name(i)?;
        if self.is(i, "partition") && self.is(i + 1, "of") {
            i = self.skip_name(i + 2)?;
        } else if self.is(i, "of") {
            i = self.skip_name(i + 1)?;
        }
        if !self.punct(i, "(") {
            return None;
        }
        let close = self.closing(i)?;
        Some(self.items(i + 1, close))
    }

    /// The tokens of `column`'s definition, from its name to its end.
    fn column_definition(&self, column: &str) -> Option<(usize, usize)> {
        self.columns.get(column).copied()
    }

    /// `ADD [COLUMN] [IF NOT EXISTS] name ...` starting at `first`: the name's index.
    fn added_column_name(&self, first: usize) -> Option<usize> {
        if !self.is(first, "add") {
            return None;
        }
        let mut i = first + 1;
        if self.is(i, "column") {
            i += 1;
        } else if self.is_any(i, TABLE_CONSTRAINT_STARTS) {
            return None; // ADD CONSTRAINT / CHECK / UNIQUE ...: not a column
        }
        if self.is(i, "if") && self.is(i + 1, "not") && self.is(i + 2, "exists") {
            i += 3;
        }
        Some(i)
    }

    /// `ALTER [COLUMN] name ...` starting at `first`: the name's index.
    fn altered_column_name(&self, first: usize) -> Option<usize> {
        if !self.is(first, "alter") {
            return None;
        }
        Some(if self.is(first + 1, "column") {
            first + 2
        } else {
            first + 1
        })
    }

    /// The clauses of a column definition `first..=last` (its name first): for each,
    /// (first token, the token naming its kind, last token); `CONSTRAINT name` belongs
    /// to the clause it names.
    fn column_clauses(&self, first: usize, last: usize) -> Vec<(usize, usize, usize)> {
        let mut starts: Vec<(usize, usize)> = Vec::new();
        let mut depth = 0usize;
        let mut i = first + 1;
        while i <= last {
            if self.punct(i, "(") || self.punct(i, "[") {
                depth += 1;
            } else if self.punct(i, ")") || self.punct(i, "]") {
                depth = depth.saturating_sub(1);
            } else if depth == 0 && self.starts_column_clause(i) {
                if self.is(i, "constraint") {
                    // CONSTRAINT name <kind>: one clause
                    starts.push((i, i + 2));
                    i += 3;
                    continue;
                }
                starts.push((i, i));
            }
            i += 1;
        }
        let mut out = Vec::with_capacity(starts.len());
        for (n, (start, kind)) in starts.iter().enumerate() {
            let end = starts.get(n + 1).map_or(last, |(next, _)| next - 1);
            if *kind <= end {
                out.push((*start, *kind, end));
            }
        }
        out
    }

    /// Token `i` starts a clause of a column definition (not `ON DELETE SET DEFAULT`,
    /// `GENERATED BY DEFAULT`, `NULLS NOT DISTINCT`, `NOT VALID` or `NOT DEFERRABLE`).
    fn starts_column_clause(&self, i: usize) -> bool {
        if !self.is_any(i, COLUMN_CLAUSE_STARTS) {
            return false;
        }
        let after_word = |w: &str| i > 0 && self.is(i - 1, w);
        if self.is(i, "not") {
            return self.is(i + 1, "null");
        }
        if self.is(i, "null") || self.is(i, "default") {
            return !(after_word("set") || after_word("by") || after_word("not"));
        }
        true
    }

    /// The action `first..=last` of an `ALTER TABLE` is written as `action`.
    fn reads_as(&self, (first, last): (usize, usize), action: &AlterTableAction) -> bool {
        use AlterTableAction as A;
        let column_named = |name: &str| {
            self.altered_column_name(first)
                .is_some_and(|i| i <= last && self.names(i, name))
        };
        match action {
            A::AddColumn { column, .. } => self
                .added_column_name(first)
                .is_some_and(|i| i <= last && self.names(i, &column.name)),
            A::DropColumn { name, .. } => {
                if !self.is(first, "drop") {
                    return false;
                }
                let mut i = first + 1;
                if self.is(i, "column") {
                    i += 1;
                }
                if self.is(i, "if") && self.is(i + 1, "exists") {
                    i += 2;
                }
                i <= last && self.names(i, name)
            }
            A::AlterColumnType { column, .. }
            | A::SetNotNull { column }
            | A::DropNotNull { column }
            | A::SetDefault { column, .. }
            | A::DropDefault { column } => column_named(column),
            A::AddConstraint(c) => {
                self.is(first, "add")
                    && match &c.name {
                        Some(n) => self.is(first + 1, "constraint") && self.names(first + 2, n),
                        None => {
                            !self.is(first + 1, "constraint")
                                && self.is_any(first + 1, TABLE_CONSTRAINT_STARTS)
                        }
                    }
            }
            A::DropConstraint { name, .. } => {
                let mut i = first + 2;
                if self.is(i, "if") && self.is(i + 1, "exists") {
                    i += 2;
                }
                self.is(first, "drop")
                    && self.is(first + 1, "constraint")
                    && i <= last
                    && self.names(i, name)
            }
            A::RenameColumn { from, .. } => {
                let i = if self.is(first + 1, "column") {
                    first + 2
                } else {
                    first + 1
                };
                self.is(first, "rename") && i <= last && self.names(i, from)
            }
            A::ValidateConstraint { name } => {
                self.is(first, "validate")
                    && self.is(first + 1, "constraint")
                    && self.names(first + 2, name)
            }
            A::Trigger { name, enable } => {
                let mut i = first + 1;
                if self.is(i, "always") || self.is(i, "replica") {
                    i += 1;
                }
                self.is(first, if *enable { "enable" } else { "disable" })
                    && self.is(i, "trigger")
                    && self.names(i + 1, name)
            }
            A::SetLogged => self.is(first, "set") && self.is(first + 1, "logged"),
            A::SetUnlogged => self.is(first, "set") && self.is(first + 1, "unlogged"),
            A::SetAccessMethod { .. } => {
                self.is(first, "set")
                    && self.is(first + 1, "access")
                    && self.is(first + 2, "method")
            }
            A::SetTablespace { .. } => self.is(first, "set") && self.is(first + 1, "tablespace"),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::column as column_span;
    use super::{ColumnPart, action, column_part};
    use crate::ops::Operation;

    /// The text of a span of the file.
    fn text_of(text: &str, span: Option<crate::span::Span>) -> Option<&str> {
        span.and_then(|s| text.get(s.start..s.end))
    }

    /// The text of each action of the file's first statement (an ALTER TABLE).
    fn actions(text: &str) -> Vec<Option<&str>> {
        let parsed = crate::parse::parse_file(text);
        let stmt = &parsed.statements[0];
        let Operation::AlterTable(at) = &stmt.op else {
            panic!("not an ALTER TABLE: {:?}", stmt.op);
        };
        (0..at.actions.len())
            .map(|i| text_of(text, action(stmt, at, i)))
            .collect()
    }

    #[test]
    fn actions_split_at_top_level_commas_only() {
        let text = "ALTER TABLE ONLY s.\"T\" -- a, comment\n  ALTER COLUMN a SET DEFAULT 'x, y', /* b, */\n  ADD COLUMN b numeric(10, 2) DEFAULT $$1,2$$,\n  DROP COLUMN IF EXISTS \"C\" CASCADE;";
        assert_eq!(
            actions(text),
            vec![
                Some("ALTER COLUMN a SET DEFAULT 'x, y'"),
                Some("ADD COLUMN b numeric(10, 2) DEFAULT $$1,2$$"),
                Some("DROP COLUMN IF EXISTS \"C\" CASCADE"),
            ]
        );
    }

    #[test]
    fn names_are_matched_as_postgresql_folds_them() {
        // a name over 63 bytes is stored cut, as PostgreSQL's lexer cuts it
        let long = "resource_config_check_sessions_worker_base_resource_type_id_fkey";
        assert_eq!(long.len(), 64);
        let text = format!(
            "ALTER TABLE T\n  DROP CONSTRAINT IF EXISTS \"C\" CASCADE,\n  ADD CONSTRAINT {long} FOREIGN KEY (a) REFERENCES p (id);"
        );
        assert_eq!(
            actions(&text),
            vec![
                Some("DROP CONSTRAINT IF EXISTS \"C\" CASCADE"),
                Some(&format!("ADD CONSTRAINT {long} FOREIGN KEY (a) REFERENCES p (id)")[..]),
            ]
        );
        // "C" is not c
        let parsed = crate::parse::parse_file("ALTER TABLE t DROP CONSTRAINT c, ADD COLUMN b int;");
        let stmt = &parsed.statements[0];
        let Operation::AlterTable(at) = &stmt.op else {
            panic!("not an ALTER TABLE");
        };
        let mut quoted = at.clone();
        if let crate::ops::AlterTableAction::DropConstraint { name, .. } = &mut quoted.actions[0] {
            *name = "C".to_string();
        }
        assert!(action(stmt, at, 0).is_some());
        assert_eq!(action(stmt, &quoted, 0), None);
    }

    #[test]
    fn an_action_is_found_only_when_it_reads_as_the_operation() {
        let parsed = crate::parse::parse_file("ALTER TABLE t ADD COLUMN a int, DROP COLUMN b;");
        let stmt = &parsed.statements[0];
        let Operation::AlterTable(at) = &stmt.op else {
            panic!("not an ALTER TABLE");
        };
        // the operation's actions paired with another statement's text: nothing found
        let other = crate::parse::parse_file("ALTER TABLE t DROP COLUMN a, ADD COLUMN b int;");
        assert_eq!(action(&other.statements[0], at, 0), None);
        assert_eq!(action(&other.statements[0], at, 1), None);
        assert!(action(stmt, at, 2).is_none(), "no third action");
    }

    #[test]
    fn column_parts_are_told_apart() {
        let text = "CREATE TABLE t (\n  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n  o bigint CONSTRAINT o_fk REFERENCES p (id) ON DELETE SET DEFAULT NOT NULL DEFAULT 0,\n  \"Q\" int CHECK (\"Q\" > 0) UNIQUE NULLS NOT DISTINCT,\n  q int CHECK (q > 0) CHECK (q < 9)\n);";
        let parsed = crate::parse::parse_file(text);
        let stmt = &parsed.statements[0];
        let part = |column: &str, part: ColumnPart, name: Option<&str>| {
            text_of(text, column_part(stmt, column, part, name))
        };
        // BY DEFAULT is no DEFAULT clause
        assert_eq!(part("id", ColumnPart::Default, None), None);
        assert_eq!(
            part("id", ColumnPart::PrimaryKey, None),
            Some("PRIMARY KEY")
        );
        // ON DELETE SET DEFAULT belongs to the REFERENCES clause
        assert_eq!(
            part("o", ColumnPart::References, Some("o_fk")),
            Some("CONSTRAINT o_fk REFERENCES p (id) ON DELETE SET DEFAULT")
        );
        assert_eq!(part("o", ColumnPart::Default, None), Some("DEFAULT 0"));
        assert_eq!(
            part("Q", ColumnPart::Unique, None),
            Some("UNIQUE NULLS NOT DISTINCT")
        );
        assert_eq!(
            part("Q", ColumnPart::Check, None),
            Some("CHECK (\"Q\" > 0)")
        );
        // two unnamed CHECKs: which one is not known
        assert_eq!(part("q", ColumnPart::Check, None), None);
        assert_eq!(part("missing", ColumnPart::Check, None), None);
    }

    #[test]
    fn odd_statements_give_no_clause_and_no_panic() {
        for text in [
            "ALTER TABLE",
            "ALTER TABLE t",
            "ALTER TABLE t ADD",
            "ALTER TABLE t ADD COLUMN",
            "ALTER TABLE t ALTER",
            "CREATE TABLE t (",
            "CREATE TABLE t (a int,,)",
            "CREATE TABLE t ())))",
            "ALTER TABLE t ADD COLUMN a int DEFAULT 'unterminated",
            "ALTER TABLE t ADD COLUMN \"a",
            "ALTER TABLE t ADD CONSTRAINT",
            "ALTER TABLE t ALTER COLUMN a TYPE",
        ] {
            let parsed = crate::parse::parse_file(text);
            for stmt in &parsed.statements {
                let _ = column_span(stmt, "a");
                let _ = column_part(stmt, "a", ColumnPart::Default, None);
                let _ = column_part(stmt, "a", ColumnPart::Check, Some("c"));
                if let Operation::AlterTable(at) = &stmt.op {
                    for i in 0..=at.actions.len() {
                        let _ = action(stmt, at, i);
                    }
                }
            }
        }
    }

    /// (line, column, framed text) of each column's span in the file.
    fn framed(text: &str, stmt: usize, column: &str) -> Option<(u32, u32, String)> {
        let parsed = crate::parse::parse_file(text);
        let s = column_span(&parsed.statements[stmt], column)?;
        Some((
            s.start_pos.line,
            s.start_pos.column,
            text[s.start..s.end].to_string(),
        ))
    }

    #[test]
    fn a_column_hint_frames_the_column_definition() {
        let text = "-- header\nCREATE TABLE a (\n  id int PRIMARY KEY,\n  \"Name\" varchar(20) CHECK (length(\"Name\") > 0), -- c\n  name numeric(10, 2)\n);\nALTER TABLE a ADD COLUMN IF NOT EXISTS j json, ALTER COLUMN id TYPE bigint;\n";
        assert_eq!(
            framed(text, 0, "id"),
            Some((3, 3, "id int PRIMARY KEY".to_string()))
        );
        assert_eq!(
            framed(text, 0, "Name"),
            Some((
                4,
                3,
                "\"Name\" varchar(20) CHECK (length(\"Name\") > 0)".to_string()
            ))
        );
        // the unquoted name is another column than "Name"
        assert_eq!(
            framed(text, 0, "name"),
            Some((5, 3, "name numeric(10, 2)".to_string()))
        );
        assert_eq!(framed(text, 1, "j"), Some((7, 40, "j json".to_string())));
        assert_eq!(
            framed(text, 1, "id"),
            Some((7, 61, "id TYPE bigint".to_string()))
        );
        assert_eq!(framed(text, 0, "missing"), None);
    }
}
