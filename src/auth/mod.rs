//! Sign-in, sessions and the guards every server function calls.

pub mod api;
mod context;
pub mod model;
pub mod pages;

pub use context::{Auth, Guard, provide_auth, still_rendering, use_auth};

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod guard;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod throttle;
