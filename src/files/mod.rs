//! Attachments (issue 24): files on tickets and comments. Their bytes are kept by `store`
//! (a folder for SQLite, the database for PostgreSQL), content-addressed and durable before
//! any row names them; `upload` receives them ahead of the comment they are for.

pub mod attach;
pub mod model;
pub mod view;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod serve;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod thumbs;
#[cfg(feature = "ssr")]
pub mod upload;
