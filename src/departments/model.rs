use crate::lists::list_entry_name;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Department {
    pub id: i64,
    pub name: String,
    /// How many users and tickets reference it: a department in use cannot be deleted.
    pub user_count: i64,
    pub ticket_count: i64,
}

/// A department name: trimmed, 1–100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentName(String);

impl DepartmentName {
    pub fn parse(input: &str) -> Result<DepartmentName, String> {
        list_entry_name(input, "department name").map(DepartmentName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            DepartmentName::parse("  Human Resources ")
                .unwrap()
                .as_str(),
            "Human Resources"
        );
        assert!(DepartmentName::parse("   ").is_err());
        assert!(DepartmentName::parse(&"é".repeat(100)).is_ok());
        assert!(DepartmentName::parse(&"é".repeat(101)).is_err());
        assert!(DepartmentName::parse("a\tb").is_err());
    }
}
