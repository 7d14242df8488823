//! Tickets and their comments (issue 3, in progress: the data layer comes first).

pub mod model;

#[cfg(feature = "ssr")]
pub mod db;
