//! A saved reply as pages show it and forms post it, and its placeholders.

use crate::error::{AppError, ParseAll};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SavedReply {
    pub id: i64,
    pub name: String,
    pub body: String,
    /// The team's (admins manage it), else the caller's own.
    #[cfg_attr(feature = "ssr", sqlx(try_from = "crate::base::db::Flag"))]
    pub shared: bool,
}

/// What a reply may say about the ticket it goes into, filled in when it is inserted.
pub const PLACEHOLDERS: [(&str, &str); 3] = [
    ("{requester}", "the requester's username"),
    ("{ticket}", "the ticket's number"),
    ("{agent}", "your username"),
];

/// `body` with its placeholders filled in.
pub fn fill(body: &str, requester: &str, ticket: &str, agent: &str) -> String {
    body.replace("{requester}", requester)
        .replace("{ticket}", ticket)
        .replace("{agent}", agent)
}

/// The reply form as posted (new or edited).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyForm {
    pub name: String,
    pub body: String,
    /// The team's ("on"; admins only), else one's own.
    #[serde(default)]
    pub shared: Option<String>,
}

/// A reply as posted, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyInput {
    pub name: String,
    pub body: String,
    pub shared: bool,
}

impl ReplyForm {
    pub fn parse(&self) -> Result<ReplyInput, AppError> {
        let (name, body) = (
            (
                "name",
                crate::text::bounded(&self.name, "a name", 100, false),
            ),
            (
                "body",
                crate::text::bounded(&self.body, "the reply", 10_000, true),
            ),
        )
            .all()?;
        Ok(ReplyInput {
            name,
            body,
            shared: self.shared.is_some(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_fill_in_and_forms_name_their_fields() {
        assert_eq!(
            fill(
                "Hi {requester}, {ticket} is with {agent}. {unknown}",
                "ann",
                "SR-2026-000001",
                "aga"
            ),
            "Hi ann, SR-2026-000001 is with aga. {unknown}"
        );
        let form = ReplyForm {
            name: "  Thanks ".into(),
            body: "x".repeat(1_000_000),
            shared: None,
        };
        let err = form.parse().unwrap_err();
        assert!(err.for_field("body").unwrap().contains("10000"), "{err:?}");
        let form = ReplyForm {
            name: " ".into(),
            body: "Thanks, {requester}!".into(),
            shared: Some("on".into()),
        };
        assert!(form.parse().unwrap_err().for_field("name").is_some());
    }
}
