//! schemaguard: a PostgreSQL schema and migration safety checker.
//!
//! See `ARCHITECTURE.md` for the map. Data flows one way:
//! `source` -> `parse` (+ `ops`) -> `analysis` (with `catalog`, `effects`, `rules`) -> `report`.

pub mod analysis;
pub mod catalog;
pub mod catalogue;
pub mod cli;
pub mod config;
pub mod context;
pub mod diff;
pub mod effects;
pub mod exit;
#[doc(hidden)]
pub mod fuzzing;
pub mod graph;
pub mod live;
pub mod lock;
pub mod lsp;
pub mod ops;
#[cfg(unix)]
pub mod os;
pub mod parse;
#[cfg(unix)]
pub mod pgbin;
pub mod pipeline;
pub mod report;
pub mod rules;
#[cfg(unix)]
pub mod server;
pub mod source;
pub mod span;
#[cfg(unix)]
pub mod trace;
