//! PostgreSQL's eight table-level lock modes and their conflict matrix.
//!
//! This is domain vocabulary shared by `ops` (the `LOCK TABLE ... IN <mode>` syntax),
//! `effects` (what a statement takes) and the rules (what a lock blocks).

use serde::{Serialize, Serializer};
use std::fmt;

/// A table-level lock mode, weakest first (the order is PostgreSQL's own numbering).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LockMode {
    AccessShare,
    RowShare,
    RowExclusive,
    ShareUpdateExclusive,
    Share,
    ShareRowExclusive,
    Exclusive,
    AccessExclusive,
}

impl LockMode {
    pub const ALL: [LockMode; 8] = [
        LockMode::AccessShare,
        LockMode::RowShare,
        LockMode::RowExclusive,
        LockMode::ShareUpdateExclusive,
        LockMode::Share,
        LockMode::ShareRowExclusive,
        LockMode::Exclusive,
        LockMode::AccessExclusive,
    ];

    /// The name PostgreSQL uses in `LOCK TABLE` and in the docs (`pg_locks` appends "Lock").
    pub fn as_str(self) -> &'static str {
        match self {
            LockMode::AccessShare => "ACCESS SHARE",
            LockMode::RowShare => "ROW SHARE",
            LockMode::RowExclusive => "ROW EXCLUSIVE",
            LockMode::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            LockMode::Share => "SHARE",
            LockMode::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            LockMode::Exclusive => "EXCLUSIVE",
            LockMode::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }

    /// Parses `ACCESS EXCLUSIVE`, `AccessExclusiveLock`, `access_exclusive`, ...
    pub fn parse(text: &str) -> Option<LockMode> {
        let mut norm = String::with_capacity(text.len() + 4);
        let mut prev_lower = false;
        for ch in text.trim().chars() {
            if ch.is_ascii_uppercase() && prev_lower {
                norm.push(' ');
            }
            prev_lower = ch.is_ascii_lowercase();
            norm.push(if ch == '_' { ' ' } else { ch.to_ascii_uppercase() });
        }
        let norm = norm.split_whitespace().collect::<Vec<_>>().join(" ");
        let norm = norm.strip_suffix(" LOCK").unwrap_or(&norm);
        LockMode::ALL.into_iter().find(|m| m.as_str() == norm)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// The modes this one conflicts with, as a bit set (PostgreSQL's `LockConflicts`).
    fn conflict_bits(self) -> u8 {
        use LockMode::*;
        let set = |modes: &[LockMode]| modes.iter().fold(0u8, |acc, m| acc | m.bit());
        match self {
            AccessShare => set(&[AccessExclusive]),
            RowShare => set(&[Exclusive, AccessExclusive]),
            RowExclusive => set(&[Share, ShareRowExclusive, Exclusive, AccessExclusive]),
            ShareUpdateExclusive => set(&[
                ShareUpdateExclusive,
                Share,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ]),
            Share => set(&[
                RowExclusive,
                ShareUpdateExclusive,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ]),
            ShareRowExclusive => set(&[
                RowExclusive,
                ShareUpdateExclusive,
                Share,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ]),
            Exclusive => set(&[
                RowShare,
                RowExclusive,
                ShareUpdateExclusive,
                Share,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ]),
            AccessExclusive => 0xff,
        }
    }

    pub fn conflicts_with(self, other: LockMode) -> bool {
        self.conflict_bits() & other.bit() != 0
    }

    /// Plain `SELECT` (ACCESS SHARE) has to wait while this lock is held.
    pub fn blocks_reads(self) -> bool {
        self.conflicts_with(LockMode::AccessShare)
    }

    /// `INSERT`/`UPDATE`/`DELETE` (ROW EXCLUSIVE) have to wait while this lock is held.
    pub fn blocks_writes(self) -> bool {
        self.conflicts_with(LockMode::RowExclusive)
    }

    /// Blocks application traffic (reads or writes), as opposed to only other DDL.
    pub fn blocks_traffic(self) -> bool {
        self.blocks_reads() || self.blocks_writes()
    }

    /// "reads and writes", "writes", or "other schema changes": what waits behind it.
    pub fn blocked_traffic(self) -> &'static str {
        match (self.blocks_reads(), self.blocks_writes()) {
            (true, _) => "reads and writes",
            (false, true) => "writes",
            _ => "other schema changes and maintenance",
        }
    }
}

impl fmt::Display for LockMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for LockMode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::LockMode::*;
    use super::*;

    #[test]
    fn conflict_matrix_is_symmetric() {
        for a in LockMode::ALL {
            for b in LockMode::ALL {
                assert_eq!(a.conflicts_with(b), b.conflicts_with(a), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn what_blocks_reads_and_writes() {
        assert!(AccessExclusive.blocks_reads());
        assert!(!Exclusive.blocks_reads());
        assert!(Exclusive.blocks_writes());
        assert!(Share.blocks_writes());
        assert!(ShareRowExclusive.blocks_writes());
        assert!(!ShareUpdateExclusive.blocks_writes());
        assert!(!ShareUpdateExclusive.blocks_traffic());
        assert!(ShareUpdateExclusive.conflicts_with(ShareUpdateExclusive));
        assert!(!RowExclusive.conflicts_with(RowExclusive));
    }

    #[test]
    fn parses_every_spelling() {
        assert_eq!(LockMode::parse("AccessExclusiveLock"), Some(AccessExclusive));
        assert_eq!(LockMode::parse("share row exclusive"), Some(ShareRowExclusive));
        assert_eq!(LockMode::parse("SHARE_UPDATE_EXCLUSIVE"), Some(ShareUpdateExclusive));
        assert_eq!(LockMode::parse("SHARE"), Some(Share));
        assert_eq!(LockMode::parse("nonsense"), None);
    }
}
