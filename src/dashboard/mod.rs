//! The admins' dashboard: how many tickets are open and where, how many came and went
//! each week, and how long they take to finish.

pub mod api;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod charts;
#[cfg(feature = "ssr")]
pub mod db;
