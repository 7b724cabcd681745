//! What the analysis knows about the file and the transaction a statement runs in: the
//! state both the driver (`analysis`, which keeps it) and the rules (which read it)
//! depend on, so that `rules` need not import from `analysis`.

use crate::catalog::Catalog;
use crate::lock::LockMode;
use crate::ops::ObjectName;
use serde::Serialize;
use std::collections::HashMap;
use std::hash::BuildHasher;

/// A hash map with foldhash: keyed by file names, hashed once per file (SipHash, std's
/// default, resists collision attacks a local CLI does not face, at several times the
/// cost).
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// How a file (or a part of it) is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransactionMode {
    /// The framework wraps the whole file (or part) in one transaction.
    Wrapped,
    /// Statement by statement, each in its own implicit transaction (explicit
    /// `BEGIN`/`COMMIT` in the file still open and close blocks).
    Autocommit,
    /// Sent as one multi-statement query: an implicit transaction when it holds more than
    /// one statement, none for a lone statement (golang-migrate, Prisma). Resolved to
    /// one of the two above when the file is read.
    ImplicitMulti,
    /// Parts of the file run in different modes (Liquibase changesets).
    Mixed,
}

/// A part of a file with its own transaction mode, from `start_line` on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TxSegment {
    pub start_line: u32,
    pub mode: TransactionMode,
}

impl TxSegment {
    /// The whole file in one mode.
    pub fn whole(mode: TransactionMode) -> Vec<TxSegment> {
        vec![TxSegment {
            start_line: 1,
            mode,
        }]
    }
}

/// What the analysis knows about the file a statement is in.
#[derive(Clone, Debug)]
pub struct FileContext {
    pub index: usize,
    pub display: String,
    pub mode: TransactionMode,
    /// The file holds more than one explicit transaction block.
    pub several_transactions: bool,
    /// How to mark a migration as running outside a transaction in its framework.
    pub no_transaction_hint: String,
    /// The position of the file's last statement that is not transaction control: a
    /// statement at or after it has nothing after it in the migration that could fail.
    pub last_statement: usize,
    /// The segments a migration framework wraps in its own transaction (empty for plain
    /// files): explicit BEGIN/COMMIT/ROLLBACK there fight the framework's.
    pub framework_segments: Vec<TxSegment>,
}

impl FileContext {
    /// The framework runs the statement at `line` inside a transaction of its own.
    pub fn framework_wraps_line(&self, line: u32) -> bool {
        self.framework_segments
            .iter()
            .rev()
            .find(|s| s.start_line <= line)
            .is_some_and(|s| s.mode == TransactionMode::Wrapped)
    }

    /// Whether `relation` existed before this file (before the current transaction, in a
    /// file with several explicit transaction blocks).
    pub fn is_preexisting(&self, catalog: &Catalog, relation: &ObjectName, tx: &TxState) -> bool {
        match catalog.relation_origin(relation) {
            None => true,
            Some(o) if o.file != self.index => true,
            Some(o) => self.several_transactions && o.transaction != tx.id,
        }
    }

    pub fn no_transaction_directive(&self) -> &str {
        &self.no_transaction_hint
    }
}

/// A file of the run, as file-level rules see the history.
#[derive(Clone, Debug, Default)]
pub struct FileMeta {
    pub display: String,
    pub version: Option<String>,
    /// New relative to the baseline: added since the `--since` ref, or not yet applied
    /// to the live database.
    pub new_since_ref: bool,
    /// The file was already applied (or existed at the `--since` ref) and has been
    /// changed since.
    pub edited: Option<Edited>,
    /// What the framework's history table records the migration by
    /// ([`crate::source::framework::record_key`]): by default its version; Prisma's
    /// whole folder name; `None` where two files cannot collide (Liquibase).
    pub record_key: Option<String>,
    /// The first earlier file with the same record key (an index into the history),
    /// found once for the whole run rather than by each file scanning those before it.
    pub same_version_as: Option<usize>,
}

/// How we know an applied migration was edited, and how to undo that.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edited {
    /// Completes "`<file>` ...": "existed at main and has been changed since".
    pub evidence: String,
    /// Where the original is: "as it was at main", "as it was applied".
    pub restore: String,
}

/// A lock held by the open transaction.
#[derive(Clone, Debug, Serialize)]
pub struct HeldLock {
    pub relation: ObjectName,
    pub mode: LockMode,
    /// Line of the statement that took it.
    pub since_line: u32,
    pub preexisting: bool,
}

/// The transaction state a statement runs in.
#[derive(Clone, Debug, Default)]
pub struct TxState {
    /// Inside a transaction block (a wrapped file or an explicit BEGIN).
    pub active: bool,
    pub explicit: bool,
    /// Distinguishes transactions (also each autocommit statement).
    pub id: u64,
    /// Line where the transaction began.
    pub start_line: u32,
    /// `lock_timeout` in effect (session or local), `None` when unset or `0`.
    pub lock_timeout: Option<String>,
    pub statement_timeout: Option<String>,
    pub local_lock_timeout: Option<String>,
    pub local_statement_timeout: Option<String>,
    /// Locks held until the transaction ends (in the order first taken; change them
    /// through `TxState::hold` and [`TxState::clear_held`], which keep the two
    /// lookups below in step).
    pub held: Vec<HeldLock>,
    /// Positions in `held`, found by their lock's relation (hashed by `hasher`): a
    /// table of positions rather than a map keyed by a copy of every relation's name (a
    /// file in one transaction holds a lock on every table it creates).
    held_at: hashbrown::HashTable<usize>,
    hasher: foldhash::fast::RandomState,
    /// Position in `held` of [`TxState::strongest_blocking_held`].
    strongest: Option<usize>,
    /// Constraints added NOT VALID in this transaction: (table, constraint).
    pub not_valid_added:
        std::collections::HashSet<(ObjectName, String), foldhash::fast::RandomState>,
    /// Enum values added in this transaction: (type, value).
    pub enum_values_added: Vec<(ObjectName, String)>,
    /// Statements run so far in this transaction.
    pub statements: usize,
}

impl TxState {
    pub fn lock_timeout_set(&self) -> bool {
        self.local_lock_timeout.is_some() || self.lock_timeout.is_some()
    }

    pub fn statement_timeout_set(&self) -> bool {
        self.local_statement_timeout.is_some() || self.statement_timeout.is_some()
    }

    /// The strongest lock held on a pre-existing relation that blocks traffic.
    /// (Of equally strong ones, the last taken first.)
    pub fn strongest_blocking_held(&self) -> Option<&HeldLock> {
        self.strongest.and_then(|i| self.held.get(i))
    }

    /// The lock held on `relation`, if any.
    pub fn held_on(&self, relation: &ObjectName) -> Option<&HeldLock> {
        self.position_of(relation).and_then(|i| self.held.get(i))
    }

    fn position_of(&self, relation: &ObjectName) -> Option<usize> {
        let hash = self.hasher.hash_one(relation);
        self.held_at
            .find(hash, |&i| {
                self.held.get(i).is_some_and(|h| h.relation == *relation)
            })
            .copied()
    }

    /// The transaction ended: no lock is held.
    pub fn clear_held(&mut self) {
        self.held.clear();
        self.held_at.clear();
        self.strongest = None;
    }

    pub(crate) fn hold(
        &mut self,
        relation: ObjectName,
        mode: LockMode,
        line: u32,
        preexisting: bool,
    ) {
        let at = match self.position_of(&relation) {
            Some(i) => {
                let h = &mut self.held[i];
                if h.mode >= mode {
                    return;
                }
                h.mode = mode;
                h.since_line = line;
                i
            }
            None => {
                let i = self.held.len();
                let (held, hasher) = (&self.held, &self.hasher);
                self.held_at
                    .insert_unique(hasher.hash_one(&relation), i, |&j| {
                        held.get(j).map_or(0, |h| hasher.hash_one(&h.relation))
                    });
                self.held.push(HeldLock {
                    relation,
                    mode,
                    since_line: line,
                    preexisting,
                });
                i
            }
        };
        // modes only grow and entries are only added: the strongest is kept in step
        let h = &self.held[at];
        if h.preexisting && h.mode.blocks_traffic() {
            let stronger = match self
                .strongest
                .and_then(|s| self.held.get(s).map(|c| (s, c)))
            {
                None => true,
                Some((s, current)) => h.mode > current.mode || (h.mode == current.mode && at > s),
            };
            if stronger {
                self.strongest = Some(at);
            }
        }
    }
}

impl FileMeta {
    pub fn new(display: &str, version: Option<String>, new_since_ref: bool) -> FileMeta {
        FileMeta {
            display: display.to_string(),
            record_key: version.clone(),
            version,
            new_since_ref,
            edited: None,
            same_version_as: None,
        }
    }

    /// Sets what the framework's history table records the migration by (by default its
    /// version).
    pub fn keyed_by(mut self, key: Option<String>) -> FileMeta {
        self.record_key = key;
        self
    }

    /// Marks the file as edited since the `--since` ref, when `reference` is given.
    pub fn edited_since(mut self, reference: Option<&str>) -> FileMeta {
        self.edited = reference.map(|reference| Edited {
            evidence: format!("existed at {reference} and has been changed since"),
            restore: format!("as it was at {reference}"),
        });
        self
    }
}
