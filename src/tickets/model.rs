//! Ticket types shared by server and client, and the parsers every ticket input goes through.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TicketStatus {
    Pending,
    Ongoing,
    Completed,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 3] = [Self::Pending, Self::Ongoing, Self::Completed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Ongoing => "ongoing",
            Self::Completed => "completed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Ongoing => "Ongoing",
            Self::Completed => "Completed",
        }
    }

    pub fn parse(input: &str) -> Result<TicketStatus, String> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == input.trim())
            .ok_or_else(|| "Status must be pending, ongoing or completed.".to_string())
    }
}

/// One line of a ticket list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct TicketSummary {
    pub id: i64,
    pub service_request_no: String,
    pub subject: String,
    pub request_type: String,
    pub department: String,
    pub requester: String,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub status: TicketStatus,
    pub date_started: i64,
    pub date_finished: Option<i64>,
    pub comment_count: i64,
}

impl TryFrom<String> for TicketStatus {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        TicketStatus::parse(&value)
    }
}

/// What a ticket list shows. The server forces `requested_by` for non-admins.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketFilter {
    pub requested_by: Option<i64>,
    /// Empty: every status.
    pub statuses: Vec<TicketStatus>,
    pub department_id: Option<i64>,
    pub request_type_id: Option<i64>,
    /// Matches part of the service request number or the subject, ignoring case.
    pub text: Option<String>,
    pub oldest_first: bool,
}

/// Where the next page starts: the last row of the previous page (keyset, not OFFSET).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub date_started: i64,
    pub id: i64,
}

/// Trimmed text with a length range in characters; the message names the field.
fn bounded(input: &str, what: &str, max: usize) -> Result<String, String> {
    let text = input.trim();
    if text.is_empty() {
        return Err(format!("Enter {what}."));
    }
    if text.chars().count() > max {
        return Err(format!(
            "{} has at most {max} characters.",
            capitalise(what)
        ));
    }
    Ok(text.to_string())
}

fn capitalise(what: &str) -> String {
    let mut chars = what.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A ticket subject: 1–200 characters, one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject(String);

impl Subject {
    pub fn parse(input: &str) -> Result<Subject, String> {
        let text = bounded(input, "a subject", 200)?;
        if text.contains(['\n', '\r']) {
            return Err("A subject is a single line.".into());
        }
        Ok(Subject(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A comment (and a ticket's description): 1–10,000 characters; inner line breaks are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentText(String);

impl CommentText {
    pub fn parse(input: &str) -> Result<CommentText, String> {
        bounded(input, "a comment", 10_000).map(CommentText)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An optional device number: up to 64 characters; empty means none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceNo(Option<String>);

impl DeviceNo {
    pub fn parse(input: &str) -> Result<DeviceNo, String> {
        let text = input.trim();
        if text.is_empty() {
            return Ok(DeviceNo(None));
        }
        if text.chars().count() > 64 {
            return Err("A device number has at most 64 characters.".into());
        }
        Ok(DeviceNo(Some(text.to_string())))
    }

    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// `SR-2026-000042`: the year the ticket started and its number within that year.
pub fn service_request_no(year: i32, sequence: i64) -> String {
    format!("SR-{year}-{sequence:06}")
}

/// The UTC calendar year of a unix-milliseconds timestamp (civil-from-days, proleptic
/// Gregorian), so the server needs no date crate for it.
pub fn utc_year(ms: i64) -> i32 {
    let days = ms.div_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2)) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_from_timestamps() {
        assert_eq!(utc_year(0), 1970);
        assert_eq!(utc_year(1_767_225_599_999), 2025); // 2025-12-31T23:59:59.999Z
        assert_eq!(utc_year(1_767_225_600_000), 2026); // 2026-01-01T00:00:00Z
        assert_eq!(utc_year(951_782_400_000), 2000); // 2000-02-29
        assert_eq!(utc_year(-1), 1969);
    }

    #[test]
    fn numbers_and_inputs() {
        assert_eq!(service_request_no(2026, 42), "SR-2026-000042");
        assert_eq!(service_request_no(2026, 1_234_567), "SR-2026-1234567");
        assert_eq!(
            Subject::parse("  Printer jam ").unwrap().as_str(),
            "Printer jam"
        );
        assert!(Subject::parse(" ").unwrap_err().contains("Enter a subject"));
        assert!(Subject::parse(&"x".repeat(201)).is_err());
        assert!(Subject::parse("two\nlines").is_err());
        assert_eq!(CommentText::parse(" a\nb ").unwrap().as_str(), "a\nb");
        assert!(
            CommentText::parse(&"x".repeat(10_001))
                .unwrap_err()
                .contains("10000")
        );
        assert_eq!(DeviceNo::parse("").unwrap().as_deref(), None);
        assert!(DeviceNo::parse(&"d".repeat(65)).is_err());
        assert_eq!(TicketStatus::parse("ongoing"), Ok(TicketStatus::Ongoing));
        assert!(TicketStatus::parse("closed").is_err());
    }
}
