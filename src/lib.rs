//! schemaguard: a PostgreSQL schema and migration safety checker, as a library.
//!
//! The stable surface is the crate root: [`Checker`] (options in: paths or in-memory
//! sources, the PostgreSQL version, a configuration file, an optional live database)
//! and its [`Report`] (plain data out: [`Finding`]s, the plan's
//! [`PlannedStatement`]s, the [`Graph`] on request), with [`Error`].
//!
//! ```
//! let report = schemaguard::Checker::new()
//!     .source("0042_email_index.sql", "CREATE INDEX accounts_email ON accounts (email);")
//!     .check()?;
//! for f in &report.findings {
//!     println!("{}:{}:{}: {}[{}] {}", f.file, f.line, f.column, f.severity.as_str(), f.rule, f.message);
//! }
//! assert_eq!(report.findings[0].rule, "create-index-non-concurrently");
//! # Ok::<(), schemaguard::Error>(())
//! ```
//!
//! Every module below is **unstable**: public only so that the command line, the tests,
//! the benches and the examples of this repository can reach the internals; hidden from
//! the documentation, and changed without notice between versions. See `ARCHITECTURE.md`
//! for the map. Data flows one way: `source` -> `parse` (+ `ops`) -> `analysis` (with
//! `catalog`, `effects`, `rules`) -> `report`.

#![warn(missing_docs)]

mod api;

pub use api::{
    Checker, Error, Finding, Graph, Lock, PlannedStatement, Report, Severity, Unreadable,
};

#[doc(hidden)]
pub mod analysis;
#[doc(hidden)]
pub mod catalog;
#[doc(hidden)]
pub mod catalogue;
#[doc(hidden)]
pub mod cli;
#[doc(hidden)]
pub mod config;
#[doc(hidden)]
pub mod context;
#[doc(hidden)]
pub mod diff;
#[doc(hidden)]
pub mod effects;
#[doc(hidden)]
pub mod exit;
#[doc(hidden)]
pub mod fix;
#[doc(hidden)]
pub mod fuzzing;
#[doc(hidden)]
pub mod graph;
#[doc(hidden)]
pub mod live;
#[doc(hidden)]
pub mod lock;
#[doc(hidden)]
pub mod lsp;
#[doc(hidden)]
pub mod ops;
#[cfg(unix)]
#[doc(hidden)]
pub mod os;
#[doc(hidden)]
pub mod parse;
#[cfg(unix)]
#[doc(hidden)]
pub mod pgbin;
#[doc(hidden)]
pub mod pipeline;
#[doc(hidden)]
pub mod report;
#[doc(hidden)]
pub mod rules;
#[cfg(unix)]
#[doc(hidden)]
pub mod server;
#[doc(hidden)]
pub mod source;
#[doc(hidden)]
pub mod span;
#[cfg(unix)]
#[doc(hidden)]
pub mod trace;
