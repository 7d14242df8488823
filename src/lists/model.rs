//! The admin-managed lists of names, each described once. A new list (priorities,
//! categories): a variant of `NamedList`, its `Spec` in `NamedList::spec`, a migration
//! creating its table (`id`, unique `name COLLATE NOCASE`, `created_at`) and a route.

use serde::{Deserialize, Serialize};

word_enum! {
    pub enum NamedList ("The list") {
        Departments = "departments", "Departments";
        RequestTypes = "request_types", "Request types";
    }
}

/// Everything that differs between two lists of names.
#[derive(Debug)]
pub struct Spec {
    /// Its table; never user input.
    pub table: &'static str,
    /// What one entry is called, and many.
    pub one: &'static str,
    pub many: &'static str,
    /// Prefix of the page's element ids: `new-{id}-name`, `rename-{id}-7`.
    pub id: &'static str,
    /// The label of the name field.
    pub label: &'static str,
    pub lead: Option<&'static str>,
    /// What refers to an entry: an entry in use cannot be deleted.
    pub used_by: &'static [UsedBy],
    /// "… while 1 ticket uses it" / "2 tickets use it": the verb for one, then for several.
    pub in_use_verb: (&'static str, &'static str),
    /// What to do instead of deleting an entry in use.
    pub in_use_advice: &'static str,
}

/// A table whose rows refer to a list's entries through `column`.
#[derive(Debug)]
pub struct UsedBy {
    pub table: &'static str,
    pub column: &'static str,
    pub one: &'static str,
    pub many: &'static str,
    /// Its column heading on the list's page.
    pub heading: &'static str,
}

impl NamedList {
    pub fn spec(self) -> &'static Spec {
        match self {
            NamedList::Departments => &DEPARTMENTS,
            NamedList::RequestTypes => &REQUEST_TYPES,
        }
    }
}

static DEPARTMENTS: Spec = Spec {
    table: "departments",
    one: "department",
    many: "departments",
    id: "department",
    label: "Department name",
    lead: None,
    used_by: &[
        UsedBy {
            table: "users",
            column: "department_id",
            one: "user",
            many: "users",
            heading: "Users",
        },
        UsedBy {
            table: "tickets",
            column: "department_id",
            one: "ticket",
            many: "tickets",
            heading: "Tickets",
        },
    ],
    in_use_verb: ("belongs to", "belong to"),
    in_use_advice: "Move them to another department first.",
};

static REQUEST_TYPES: Spec = Spec {
    table: "request_types",
    one: "request type",
    many: "request types",
    id: "type",
    label: "Request type name",
    lead: Some("What people can ask for when they open a ticket."),
    used_by: &[UsedBy {
        table: "tickets",
        column: "request_type_id",
        one: "ticket",
        many: "tickets",
        heading: "Tickets",
    }],
    in_use_verb: ("uses", "use"),
    in_use_advice: "Rename it instead.",
};

/// One entry with how many rows of each `Spec::used_by` table refer to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub id: i64,
    pub name: String,
    pub usage: Vec<i64>,
}

/// The name of an entry: trimmed, 1–100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryName(String);

impl EntryName {
    pub fn parse(list: NamedList, input: &str) -> Result<EntryName, String> {
        let noun = format!("{} name", list.spec().one);
        let name = input.trim();
        if name.is_empty() {
            return Err(format!("Enter a {noun}."));
        }
        if name.chars().count() > 100 {
            return Err(format!("A {noun} has at most 100 characters."));
        }
        crate::text::check(name, false, &format!("a {noun}"))?;
        Ok(EntryName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why an entry in use cannot be deleted, e.g. "“IT” cannot be deleted while 1 user and
/// 2 tickets belong to it. Move them to another department first."
pub fn in_use_message(list: NamedList, name: &str, usage: &[i64]) -> String {
    let spec = list.spec();
    let counts: Vec<String> = spec
        .used_by
        .iter()
        .zip(usage)
        .map(|(by, n)| format!("{n} {}", if *n == 1 { by.one } else { by.many }))
        .collect();
    let verb = match usage {
        [1] => spec.in_use_verb.0,
        _ => spec.in_use_verb.1,
    };
    format!(
        "“{name}” cannot be deleted while {} {verb} it. {}",
        counts.join(" and "),
        spec.in_use_advice
    )
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
        for list in NamedList::ALL {
            let parse = |s: &str| EntryName::parse(list, s);
            assert_eq!(
                parse("  Human Resources ").unwrap().as_str(),
                "Human Resources"
            );
            assert!(parse("   ").is_err());
            assert!(parse(&"é".repeat(100)).is_ok());
            assert!(parse(&"é".repeat(101)).is_err());
            assert!(parse("a\tb").is_err());
        }
        assert_eq!(
            EntryName::parse(NamedList::RequestTypes, ""),
            Err("Enter a request type name.".into())
        );
    }

    #[test]
    fn the_in_use_message_counts_and_agrees() {
        assert_eq!(
            in_use_message(NamedList::Departments, "IT", &[1, 0]),
            "“IT” cannot be deleted while 1 user and 0 tickets belong to it. \
             Move them to another department first."
        );
        assert_eq!(
            in_use_message(NamedList::RequestTypes, "Other", &[1]),
            "“Other” cannot be deleted while 1 ticket uses it. Rename it instead."
        );
        assert_eq!(
            in_use_message(NamedList::RequestTypes, "Other", &[3]),
            "“Other” cannot be deleted while 3 tickets use it. Rename it instead."
        );
    }
}
