//! schemaguard: a PostgreSQL schema and migration safety checker.
//!
//! See `ARCHITECTURE.md` for the map. Data flows one way:
//! `source` -> `parse` (+ `ops`) -> `analysis` (with `catalog`, `effects`, `rules`) -> `report`.

pub mod lock;
pub mod ops;
pub mod parse;
pub mod source;
pub mod span;
