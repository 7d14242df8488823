//! Ticket queries, by concern: `write` (a ticket, its changes and comments, each with its
//! history row in one transaction), `ticket` (one ticket's page), `list` (keyset pages and
//! counts), `counts`, `fulltext` (search), `export` (CSV), and `sql`, the pieces they are
//! built from (a filter as conditions, a row as JSON). They import downwards only:
//! list -> counts -> fulltext -> sql.

mod counts;
mod export;
mod fulltext;
mod list;
mod sql;
mod ticket;
mod triage;
mod write;

#[cfg(test)]
mod tests;

pub use counts::status_counts;
pub use export::export_details;
pub use fulltext::add_terms;
pub use list::{list, page};
pub use ticket::{by_numbers, detail, history, owner};
pub use triage::{Change, Triaged, apply as apply_triage, triage};
pub use write::{
    NewTicket, add_comment, add_comment_in, create, create_in, set_assignee, set_department,
    set_priority, set_status,
};

use crate::error::AppError;

/// A JSON answer SQLite built (json_group_array) read back; one that does not read is a
/// bug of ours, logged, and an internal error for the caller.
fn from_json<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, AppError> {
    serde_json::from_str(json).map_err(|e| {
        tracing::error!(error = %e, "an answer built as JSON did not read back");
        AppError::Internal
    })
}
