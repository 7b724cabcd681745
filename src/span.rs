//! Positions in a source file.

use serde::Serialize;

/// A 1-based line/column position; columns count characters, not bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// A region of a file: byte offsets (`start..end`, end exclusive) for slicing the text,
/// and 1-based line/column of the first and of the last character (both inclusive), the
/// way editors and PostgreSQL's own error positions count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub start_pos: Position,
    pub end_pos: Position,
}

impl Span {
    pub fn is_empty(&self) -> bool {
        self.start >= self.end
    }
}

/// Maps byte offsets of one text to line/column positions.
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offset of the first character of each line.
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        line_starts.extend(memchr_newlines(text.as_bytes()).map(|i| i + 1));
        LineIndex { line_starts }
    }

    /// The position of the character starting at byte `offset` (clamped to the text).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = offset.min(text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let line_start = self.line_starts[line];
        let column = text
            .get(line_start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - line_start);
        Position {
            line: line as u32 + 1,
            column: column as u32 + 1,
        }
    }

    /// The span of `text[start..end]`; `end_pos` is the position of its last character.
    pub fn span(&self, text: &str, start: usize, end: usize) -> Span {
        let start_pos = self.position(text, start);
        let last = if end > start {
            // the start of the last character in the range
            let mut i = end - 1;
            while i > start && !text.is_char_boundary(i) {
                i -= 1;
            }
            i
        } else {
            start
        };
        Span {
            start,
            end,
            start_pos,
            end_pos: self.position(text, last),
        }
    }

    /// Byte offset of a 1-based line/column position (columns in characters).
    pub fn offset(&self, text: &str, pos: Position) -> Option<usize> {
        let line_start = *self.line_starts.get(pos.line.checked_sub(1)? as usize)?;
        let rest = &text[line_start..];
        let col = pos.column.checked_sub(1)? as usize;
        match rest.char_indices().nth(col) {
            Some((i, _)) => Some(line_start + i),
            None if rest.chars().count() == col => Some(text.len()),
            None => None,
        }
    }
}

fn memchr_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter_map(|(i, b)| (*b == b'\n').then_some(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_from_one() {
        let text = "ab\nçd;\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 0), Position { line: 1, column: 1 });
        assert_eq!(idx.position(text, 3), Position { line: 2, column: 1 });
        // 'd' follows a two-byte character
        assert_eq!(idx.position(text, 5), Position { line: 2, column: 2 });
        let span = idx.span(text, 3, 7);
        assert_eq!(span.end_pos, Position { line: 2, column: 3 });
        assert_eq!(idx.offset(text, Position { line: 2, column: 2 }), Some(5));
    }
}
