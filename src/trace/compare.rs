//! Lines up what a statement did on the server with what `effects` predicted for it,
//! and names every disagreement. Each disagreement is a bug in `effects` or in the
//! trace; none is expected.
//!
//! What is compared, for relations that existed before the statement (a relation the
//! statement creates is nobody else's yet):
//! - **locks**: per relation, the strongest mode the statement newly took against the
//!   predicted mode. A predicted mode the transaction already held before the statement
//!   agrees (PostgreSQL does not record a mode twice). Locks on indexes and sequences
//!   that only follow from using their table (an index locked no stronger than the
//!   statement locks its table; a sequence's ROW EXCLUSIVE from `nextval`) are compared
//!   only when `effects` names the relation.
//! - **rewrites**: tables and materialized views with new storage, against the predicted
//!   rewrites (new storage from `TRUNCATE` is a truncation, not a rewrite).
//! - **index rebuilds**: an existing index with new storage whose table was neither
//!   rewritten nor truncated must belong to a table `effects` said builds indexes.
//! - **failure and transaction blocks**: a statement predicted to fail that succeeds; a
//!   statement the server refuses inside a transaction block that `effects` allowed
//!   there, and the reverse.
//!
//! A statement that fails on the server for reasons of its own (an error in the
//! migration, a missing object) is reported as failed, not as a disagreement. Unparsed
//! statements carry no prediction and are not compared.

use super::Execution;
use super::observe::{Observed, Observer, StatementError};
use crate::analysis::PlannedStatement;
use crate::lock::LockMode;
use crate::ops::{ObjectName, Operation};
use crate::parse::Statement;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// One relation's lock: observed beside predicted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LockCheck {
    /// `schema.name` after the statement.
    pub relation: String,
    /// `pg_class.relkind`.
    pub relkind: String,
    /// The strongest mode the statement newly took (`None`: none new).
    pub observed: Option<LockMode>,
    pub predicted: Option<LockMode>,
    /// The predicted mode was already held by the transaction before the statement.
    pub already_held: bool,
    /// The lock is the documented one (the statement ran outside a transaction block,
    /// where locks cannot be read).
    pub documented: bool,
    pub agrees: bool,
    /// Part of the prediction depends on the data: row triggers and foreign-key checks
    /// run only for rows the statement touches, so without rows the lock is weaker or
    /// absent, and that agrees too.
    pub data_dependent: bool,
}

impl LockCheck {
    /// The mode to show: what was seen, else what is documented or already held.
    pub fn shown_mode(&self) -> Option<LockMode> {
        if self.documented {
            self.predicted
        } else {
            self.observed
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DisagreementKind {
    /// A lock mode differs (or one side has none).
    Lock,
    /// A table was rewritten without a prediction, or the reverse.
    Rewrite,
    /// An existing index was rebuilt without a prediction.
    IndexRebuild,
    /// Predicted to fail, it succeeded.
    Failure,
    /// Transaction-block rules differ.
    TransactionBlock,
}

impl DisagreementKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DisagreementKind::Lock => "lock",
            DisagreementKind::Rewrite => "rewrite",
            DisagreementKind::IndexRebuild => "index-rebuild",
            DisagreementKind::Failure => "failure",
            DisagreementKind::TransactionBlock => "transaction-block",
        }
    }
}

/// Observed and predicted differ.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Disagreement {
    pub file: String,
    pub line: u32,
    /// The statement's position in its file (0-based).
    pub index: usize,
    pub sql: String,
    pub kind: DisagreementKind,
    pub relation: Option<String>,
    /// What the server did (`ACCESS EXCLUSIVE`, `none`, `rewritten`, `succeeded`, ...).
    pub observed: String,
    /// What `effects` said.
    pub predicted: String,
}

impl fmt::Display for Disagreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.kind.as_str())?;
        if let Some(r) = &self.relation {
            write!(f, " on {r}")?;
        }
        write!(
            f,
            ": observed {}, predicted {}",
            self.observed, self.predicted
        )
    }
}

/// A statement's observations beside its predictions.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Comparison {
    /// Relations that existed before the statement, locked by it or predicted to be.
    pub locks: Vec<LockCheck>,
    /// Tables and materialized views rewritten (new storage, not by TRUNCATE).
    pub rewrites: Vec<String>,
    pub predicted_rewrites: Vec<String>,
    /// Tables given new, empty storage by TRUNCATE.
    pub truncated: Vec<String>,
    /// Existing indexes rebuilt (not counting those of rewritten or truncated tables).
    pub rebuilt_indexes: Vec<String>,
    /// `effects`: the statement cannot run inside a transaction block.
    pub predicted_outside_transaction: Option<String>,
    /// `effects`: the statement fails on this version.
    pub predicted_failure: Option<String>,
    /// The server refused it inside a transaction block although `effects` allowed it
    /// there; it was then run outside one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused_in_transaction: Option<StatementError>,
    /// The statement was not understood by schemaguard: nothing was predicted.
    pub unparsed: bool,
    pub disagreements: Vec<Disagreement>,
}

/// Compares one executed statement. `observer` must be just after the statement.
pub fn compare(
    file: &str,
    stmt: &Statement,
    planned: &PlannedStatement,
    execution: Execution,
    observed: &Observed,
    observer: &Observer,
    refused: Option<StatementError>,
) -> Comparison {
    let effects = &planned.effects;
    let mut c = Comparison {
        predicted_outside_transaction: effects.outside_transaction.clone(),
        predicted_failure: effects.fails.clone(),
        unparsed: matches!(stmt.op, Operation::Unparsed { .. }),
        ..Comparison::default()
    };
    let disagree =
        |kind, relation: Option<String>, observed: String, predicted: String| Disagreement {
            file: file.to_string(),
            line: stmt.span.start_pos.line,
            index: stmt.index,
            sql: planned.sql.clone(),
            kind,
            relation,
            observed,
            predicted,
        };
    if c.unparsed {
        return c;
    }
    if let Some(error) = &refused {
        c.disagreements.push(disagree(
            DisagreementKind::TransactionBlock,
            None,
            format!("refused inside a transaction block ({})", error.message),
            "may run inside a transaction block".into(),
        ));
        c.refused_in_transaction = refused;
    }
    if let Some(error) = &observed.error {
        if error.is_transaction_block() && effects.outside_transaction.is_none() {
            c.disagreements.push(disagree(
                DisagreementKind::TransactionBlock,
                None,
                format!("refused inside a transaction block ({})", error.message),
                "may run inside a transaction block".into(),
            ));
        }
        // otherwise predicted (outside-only or failing), or the migration's own error
        return c;
    }
    if let Some(why) = &effects.fails {
        c.disagreements.push(disagree(
            DisagreementKind::Failure,
            None,
            "succeeded".into(),
            format!("fails: {why}"),
        ));
    }
    if let (Some(why), Execution::Transaction | Execution::Autocommit) =
        (&effects.outside_transaction, execution)
    {
        c.disagreements.push(disagree(
            DisagreementKind::TransactionBlock,
            None,
            "ran inside a transaction block".into(),
            why.clone(),
        ));
    }

    // predicted locks, by the relation the server knows (by its name before the
    // statement: the statement may rename it, or give its name to another)
    let predicted = predicted_locks(effects, observer);
    // what is left when row triggers do not fire (no rows touched)
    let direct = effects
        .certain
        .as_deref()
        .map(|e| predicted_locks(e, observer));

    if observed.locks_observed {
        let mut seen: BTreeMap<u32, Seen> = BTreeMap::new();
        for l in observed.locks.iter().filter(|l| l.kind != 'c') {
            let entry = seen.entry(l.oid).or_insert(Seen {
                name: l.relation.clone(),
                kind: l.kind,
                mode: l.mode,
                table: l.table,
            });
            entry.mode = entry.mode.max(l.mode);
        }
        let oids: BTreeSet<u32> = seen.keys().chain(predicted.keys()).copied().collect();
        for oid in oids {
            let obs = seen.get(&oid).map(|s| s.mode);
            let pred = predicted.get(&oid).map(|p| p.2);
            let (name, kind) = seen
                .get(&oid)
                .map(|s| (s.name.clone(), s.kind))
                .or_else(|| predicted.get(&oid).map(|p| (p.0.clone(), p.1)))
                .unwrap_or_default();
            if pred.is_none() && seen.get(&oid).is_some_and(|s| implied(s, &seen, observer)) {
                continue;
            }
            // what certainly happens, and what may (row triggers and foreign-key
            // checks run only for rows touched)
            let lower = match &direct {
                Some(d) => d.get(&oid).map(|p| p.2),
                None => pred,
            };
            // a mode the transaction already held is not recorded again: the strongest
            // held mode the statement may have asked for counts as taken
            let again = observer
                .held_before(oid)
                .filter(|m| Some(*m) <= pred && Some(*m) >= lower)
                .max();
            let effective = obs.max(again);
            let already_held = effective != obs;
            let agrees = lower <= effective && effective <= pred;
            if !agrees {
                let predicted = if lower == pred {
                    mode_text(pred)
                } else {
                    format!("{} (with rows: {})", mode_text(lower), mode_text(pred))
                };
                c.disagreements.push(disagree(
                    DisagreementKind::Lock,
                    Some(name.clone()),
                    mode_text(obs),
                    predicted,
                ));
            }
            c.locks.push(LockCheck {
                relation: name,
                relkind: kind.to_string(),
                observed: obs,
                predicted: pred,
                already_held,
                documented: false,
                agrees,
                data_dependent: lower != pred,
            });
        }
    } else {
        for (name, kind, mode) in predicted.into_values() {
            c.locks.push(LockCheck {
                relation: name,
                relkind: kind.to_string(),
                observed: None,
                predicted: Some(mode),
                already_held: false,
                documented: true,
                agrees: true,
                data_dependent: false,
            });
        }
    }
    c.locks.sort_by(|a, b| {
        b.shown_mode()
            .cmp(&a.shown_mode())
            .then_with(|| a.relation.cmp(&b.relation))
    });

    // storage
    let truncating = matches!(stmt.op, Operation::Truncate { .. });
    let mut rewritten: BTreeSet<u32> = BTreeSet::new();
    let mut emptied: BTreeSet<u32> = BTreeSet::new();
    for n in &observed.new_storage {
        match n.kind {
            // a sequence's one row is written anew by some ALTER SEQUENCE forms: no
            // table is rewritten
            'i' | 'I' | 'S' => {}
            _ if truncating => {
                emptied.insert(n.oid);
                c.truncated.push(n.relation.clone());
            }
            _ => {
                rewritten.insert(n.oid);
                c.rewrites.push(n.relation.clone());
            }
        }
    }
    let building: BTreeSet<u32> = effects
        .index_builds
        .iter()
        .chain(&effects.rewrites)
        .filter_map(|t| resolve(t, observer).map(|r| r.0))
        .collect();
    for n in &observed.new_storage {
        if !matches!(n.kind, 'i' | 'I') {
            continue;
        }
        let table = n
            .table
            .as_deref()
            .and_then(|t| {
                observer.relation(
                    t.split_once('.').map(|p| p.0),
                    t.split_once('.').map_or(t, |p| p.1),
                )
            })
            .map(|r| r.oid);
        if table.is_some_and(|t| rewritten.contains(&t) || emptied.contains(&t)) {
            continue;
        }
        c.rebuilt_indexes.push(n.relation.clone());
        if !table.is_some_and(|t| building.contains(&t)) {
            c.disagreements.push(disagree(
                DisagreementKind::IndexRebuild,
                Some(n.relation.clone()),
                "rebuilt".into(),
                format!(
                    "no index build on {}",
                    n.table.as_deref().unwrap_or("its table")
                ),
            ));
        }
    }
    let all_rewrites = predicted_rewrites(effects, observer);
    c.predicted_rewrites = all_rewrites.values().cloned().collect();
    c.predicted_rewrites.sort();
    // at least the certain rewrites, at most all of them
    let certain_rewrites: BTreeSet<u32> = match effects.certain.as_deref() {
        Some(e) => predicted_rewrites(e, observer).into_keys().collect(),
        None => all_rewrites.keys().copied().collect(),
    };
    for n in &observed.new_storage {
        if rewritten.contains(&n.oid) && !all_rewrites.contains_key(&n.oid) {
            c.disagreements.push(disagree(
                DisagreementKind::Rewrite,
                Some(n.relation.clone()),
                "rewritten".into(),
                "no rewrite".into(),
            ));
        }
    }
    for (oid, name) in &all_rewrites {
        if certain_rewrites.contains(oid) && !rewritten.contains(oid) {
            c.disagreements.push(disagree(
                DisagreementKind::Rewrite,
                Some(name.clone()),
                "not rewritten".into(),
                "rewrite".into(),
            ));
        }
    }
    c
}

/// Predicted locks per relation that existed before the statement (found by the name
/// it had then: the statement may rename it, or give its name to another).
fn predicted_locks(
    effects: &crate::effects::Effects,
    observer: &Observer,
) -> BTreeMap<u32, (String, char, LockMode)> {
    let mut out: BTreeMap<u32, (String, char, LockMode)> = BTreeMap::new();
    for l in &effects.locks {
        // none: no such relation before the statement (an IF EXISTS no-op, or one the
        // statement creates)
        if let Some((oid, name, kind)) = resolve(l.catalog_name(), observer) {
            let entry = out.entry(oid).or_insert((name, kind, l.mode));
            entry.2 = entry.2.max(l.mode);
        }
    }
    out
}

/// Predicted rewrites of relations with storage that existed before the statement (a
/// partitioned table has none of its own: its partitions are rewritten).
fn predicted_rewrites(
    effects: &crate::effects::Effects,
    observer: &Observer,
) -> BTreeMap<u32, String> {
    effects
        .rewrites
        .iter()
        .filter_map(|r| resolve(r, observer).filter(|r| r.2 != 'p'))
        .map(|(oid, name, _)| (oid, name))
        .collect()
}

fn mode_text(mode: Option<LockMode>) -> String {
    mode.map_or_else(|| "no lock".to_string(), |m| m.as_str().to_string())
}

/// The relation a predicted name (as the catalog knew it before the statement) stands
/// for on the server: `(oid, schema.name now, relkind)`. `None` for a relation that did
/// not exist before the statement. Composite types (relkind `c`) are not relations
/// anyone queries.
fn resolve(name: &ObjectName, observer: &Observer) -> Option<(u32, String, char)> {
    let before = observer.relation_before(name.schema.as_deref(), &name.name)?;
    if before.kind == 'c' {
        return None;
    }
    let now = observer
        .relation_by_oid(before.oid)
        .map_or_else(|| before.qualified(), |r| r.qualified());
    Some((before.oid, now, before.kind))
}

/// A relation's strongest new lock.
struct Seen {
    name: String,
    kind: char,
    mode: LockMode,
    /// For an index: its table.
    table: Option<u32>,
}

/// A lock on an index or a sequence that follows from using its table: an index
/// locked no stronger than the statement locks (or holds) its table, a sequence's
/// ROW EXCLUSIVE (or weaker) from `nextval`/`setval`.
fn implied(lock: &Seen, seen: &BTreeMap<u32, Seen>, observer: &Observer) -> bool {
    match lock.kind {
        'i' | 'I' => {
            let Some(table) = lock.table else {
                return false;
            };
            let on_table = seen
                .get(&table)
                .map(|s| s.mode)
                .into_iter()
                .chain(observer.held_before(table))
                .max();
            on_table.is_some_and(|t| t >= lock.mode)
        }
        'S' => lock.mode <= LockMode::RowExclusive,
        _ => false,
    }
}
