//! Notes a rule keeps while the analysis walks one file.
//!
//! Rules are stateless statics, and `check` sees one statement with the schema just
//! before it. A few rules must relate the statements of a file: report once per file, or
//! judge a statement by what follows it (a view dropped and re-created in the same
//! migration is not gone). Such a rule notes what it saw in `check`, where the schema
//! before the statement is exact, and decides in `check_file`, which the analysis calls
//! after the file's last statement, on the same thread, with the schema after the file.
//!
//! The notes live in a thread-local slot per rule, keyed by the file; `take` empties it,
//! and notes of another file are never handed out, so nothing leaks from one file (or
//! one run) into the next.

use crate::context::FileContext;
use std::cell::RefCell;
use std::thread::LocalKey;

/// One rule's notes: the file they belong to (index, display name) and the notes.
pub type Slot<T> = RefCell<Option<(usize, String, T)>>;

fn is_for(index: usize, display: &str, file: &FileContext) -> bool {
    index == file.index && display == file.display
}

/// Runs `f` on this file's notes, starting fresh when the slot holds another file's.
pub fn with<T: Default, R>(
    slot: &'static LocalKey<Slot<T>>,
    file: &FileContext,
    f: impl FnOnce(&mut T) -> R,
) -> R {
    slot.with(|cell| {
        let mut cell = cell.borrow_mut();
        let fresh = !matches!(&*cell, Some((i, d, _)) if is_for(*i, d, file));
        if fresh {
            *cell = Some((file.index, file.display.clone(), T::default()));
        }
        match cell.as_mut() {
            Some((_, _, notes)) => f(notes),
            None => f(&mut T::default()),
        }
    })
}

/// This file's notes, leaving the slot empty.
pub fn take<T: Default>(slot: &'static LocalKey<Slot<T>>, file: &FileContext) -> T {
    slot.with(|cell| match cell.borrow_mut().take() {
        Some((i, d, notes)) if is_for(i, &d, file) => notes,
        _ => T::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::TransactionMode;

    thread_local! {
        static SLOT: Slot<Vec<u32>> = const { RefCell::new(None) };
    }

    fn file(index: usize, display: &str) -> FileContext {
        FileContext {
            index,
            display: display.to_string(),
            mode: TransactionMode::Wrapped,
            several_transactions: false,
            no_transaction_hint: String::new(),
            last_statement: 0,
            framework_segments: Vec::new(),
        }
    }

    #[test]
    fn notes_belong_to_one_file_and_are_taken_once() {
        let (a, b) = (file(0, "a.sql"), file(1, "b.sql"));
        with(&SLOT, &a, |n| n.push(1));
        with(&SLOT, &a, |n| n.push(2));
        assert_eq!(take(&SLOT, &a), vec![1, 2]);
        assert_eq!(take(&SLOT, &a), Vec::<u32>::new());
        // another file's notes are never handed out, and are replaced
        with(&SLOT, &a, |n| n.push(3));
        assert_eq!(take(&SLOT, &b), Vec::<u32>::new());
        with(&SLOT, &a, |n| n.push(4));
        with(&SLOT, &b, |n| n.push(5));
        assert_eq!(take(&SLOT, &b), vec![5]);
    }
}
