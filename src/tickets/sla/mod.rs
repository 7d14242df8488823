//! Service levels: a policy per priority with first-response and resolution targets, in
//! calendar time or business hours, and each ticket's due times from them.

pub mod api;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod business_hours;
#[cfg(feature = "ssr")]
pub mod targets;
