//! Admin-managed lists of names (departments, request types, and any later list such as
//! priorities): each described once in `model.rs`, with one page, one set of server
//! functions and one set of queries for all of them. Other features use `Choice`; this
//! feature imports none.

pub mod api;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod db;

pub use model::{Choice, NamedList};
