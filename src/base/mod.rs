//! The bottom layer every feature builds on: the database (location, pool, write queue,
//! per-database singletons, the clock) and what a server function needs to know about the
//! request it serves. It imports no feature and nothing of `server`, the composition root.

pub mod context;
pub mod db;
pub mod signal;
