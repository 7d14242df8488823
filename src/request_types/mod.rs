//! Request types ("Hardware", "Network", …): an admin-managed list every ticket picks from.

pub mod api;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod db;
