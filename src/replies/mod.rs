//! Saved replies: named texts staff insert into a comment, with the requester's name, the
//! ticket's number and their own name filled in. Shared ones are the team's (admins manage
//! them); personal ones are each agent's own.

pub mod api;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod db;
