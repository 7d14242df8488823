use crate::lists::list_entry_name;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct RequestType {
    pub id: i64,
    pub name: String,
    /// Tickets of this type: a type in use cannot be deleted.
    pub ticket_count: i64,
}

/// A request type name: trimmed, 1–100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestTypeName(String);

impl RequestTypeName {
    pub fn parse(input: &str) -> Result<RequestTypeName, String> {
        list_entry_name(input, "request type name").map(RequestTypeName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}
