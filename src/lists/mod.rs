//! What every admin-managed list of names shares (departments, request types, and any later
//! list such as priorities): the option type forms offer, name parsing, and (server side)
//! the writes and the kept copy of the lists. Features build on it; it imports no feature.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod db;

/// The name of an entry in an admin-managed list (a department, a request type): trimmed,
/// 1–100 characters, no control characters. `noun` names it in the messages.
pub fn list_entry_name(input: &str, noun: &str) -> Result<String, String> {
    let name = input.trim();
    if name.is_empty() {
        return Err(format!("Enter a {noun}."));
    }
    if name.chars().count() > 100 {
        return Err(format!("A {noun} has at most 100 characters."));
    }
    crate::text::check(name, false, &format!("a {noun}"))?;
    Ok(name.to_string())
}

/// An id and a name: one option of a select.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Choice {
    pub id: i64,
    pub name: String,
}
