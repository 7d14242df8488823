//! Attachments (issue 24): files on tickets and comments. Their bytes are kept by `store`
//! (a folder for SQLite, the database for PostgreSQL), content-addressed and durable before
//! any row names them.

pub mod store;
