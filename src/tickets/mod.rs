//! Tickets and their comments: filing, following, triage.

pub mod api;
pub mod model;
pub mod pages;
pub mod sla;

#[cfg(feature = "ssr")]
pub mod csv;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod search;
