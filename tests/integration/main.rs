//! Integration tests: the real server over HTTP and the real binary as a process.
//!
//! One test binary instead of one per file: each links the whole app (hundreds of MB with
//! debug info), so separate binaries cost minutes of linking and gigabytes of disk in CI.

mod admin;
mod auth;
mod authz;
mod bulk;
mod cli;
mod common;
mod files;
mod hostile;
mod inbound;
mod live;
mod mail;
mod notes;
mod ops;
mod pages;
mod postgres;
mod release;
mod replies;
mod sla;
mod tickets;
