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
