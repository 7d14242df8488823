//! Mail's shared types (both targets): the topics a person chooses on My account, and the
//! outbox as the admin Mail page shows it.

use serde::{Deserialize, Serialize};

word_enum! {
    /// What a mail is about, and so what each person may switch on or off.
    pub enum MailTopic ("A mail topic") {
        Received = "received", "My ticket was received";
        Replied = "replied", "Staff answered my ticket";
        Status = "status", "My ticket's status changed";
        Taken = "taken", "Someone took my ticket";
        Assigned = "assigned", "A ticket was assigned to me";
        RequesterReplied = "requester_replied", "A requester commented on a ticket I hold";
        Overdue = "overdue", "A ticket I hold turned overdue";
        DepartmentNew = "department_new", "A new ticket in my department";
        UnassignedOverdue = "unassigned_overdue", "An unassigned ticket in my department turned overdue";
    }
}

impl MailTopic {
    /// Only staff hear of these (a requester's own tickets never need them).
    pub fn for_staff(self) -> bool {
        matches!(
            self,
            MailTopic::Assigned
                | MailTopic::RequesterReplied
                | MailTopic::Overdue
                | MailTopic::DepartmentNew
                | MailTopic::UnassignedOverdue
        )
    }

    /// On unless a person turns it off; the others (a whole department's mail) are opt-in.
    pub fn on_by_default(self) -> bool {
        !matches!(
            self,
            MailTopic::DepartmentNew | MailTopic::UnassignedOverdue
        )
    }
}

/// The topics a person gets mail about. Stored as the words, comma-separated; none stored
/// means the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailTopics(u16);

impl MailTopics {
    pub fn defaults() -> MailTopics {
        MailTopic::ALL
            .into_iter()
            .filter(|t| t.on_by_default())
            .collect()
    }

    pub fn none() -> MailTopics {
        MailTopics(0)
    }

    fn bit(topic: MailTopic) -> u16 {
        1 << MailTopic::ALL.iter().position(|t| *t == topic).unwrap_or(0)
    }

    pub fn contains(self, topic: MailTopic) -> bool {
        self.0 & Self::bit(topic) != 0
    }

    pub fn with(self, topic: MailTopic, on: bool) -> MailTopics {
        if on {
            MailTopics(self.0 | Self::bit(topic))
        } else {
            MailTopics(self.0 & !Self::bit(topic))
        }
    }

    /// As stored: `None` (the column's NULL) reads as the defaults; unknown words (a topic
    /// since removed) are left out.
    pub fn read(stored: Option<&str>) -> MailTopics {
        match stored {
            None => MailTopics::defaults(),
            Some(words) => words
                .split(',')
                .filter_map(|w| MailTopic::parse(w).ok())
                .collect(),
        }
    }

    pub fn write(self) -> String {
        MailTopic::ALL
            .into_iter()
            .filter(|t| self.contains(*t))
            .map(MailTopic::as_str)
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl FromIterator<MailTopic> for MailTopics {
    fn from_iter<I: IntoIterator<Item = MailTopic>>(iter: I) -> Self {
        iter.into_iter()
            .fold(MailTopics::none(), |set, t| set.with(t, true))
    }
}

word_enum! {
    /// Where a mail is: waiting to be sent (or retried), sent, or given up on.
    pub enum MailState ("A mail's state") {
        Queued = "queued", "Queued";
        Sent = "sent", "Sent";
        Failed = "failed", "Failed";
    }
}

word_enum! {
    /// Mail from an address no user has: refused, or an account and a ticket opened.
    pub enum UnknownSenders ("Unknown senders") {
        Refuse = "refuse", "Refuse their mail";
        CreateUser = "create_user", "Open an account and a ticket for them";
    }
}

/// Where mail that opens a ticket goes, and what happens to mail from strangers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundSettings {
    pub unknown_senders: UnknownSenders,
    /// None: the sender's department, else the first.
    pub department_id: Option<i64>,
    /// None: the first.
    pub request_type_id: Option<i64>,
}

word_enum! {
    /// What became of a mail read from the mailbox.
    pub enum InboundOutcome ("What became of a mail") {
        Comment = "comment", "Comment added";
        Ticket = "ticket", "Ticket opened";
        Refused = "refused", "Refused";
        Ignored = "ignored", "Ignored";
        SetAside = "set_aside", "Set aside";
    }
}

/// One mail read from the mailbox, as the Mail page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct InboundEntry {
    pub id: i64,
    pub from_address: String,
    pub subject: String,
    pub outcome: InboundOutcome,
    pub reason: Option<String>,
    pub service_request_no: Option<String>,
    pub received_at: i64,
}

/// One mail as the admin Mail page lists it (never its body: the page shows who, what and
/// how it went).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct OutboxEntry {
    pub id: i64,
    pub to_address: String,
    pub subject: String,
    pub service_request_no: Option<String>,
    pub state: MailState,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub next_attempt_at: i64,
}

/// The Mail page's header: whether mail goes out, and how the outbox stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailOverview {
    /// smtp_url is set: mail can be sent at all.
    pub configured: bool,
    /// An admin switched all mail off.
    pub switched_off: bool,
    /// imap_url is set: replies come back.
    pub inbound: bool,
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
    /// Since when mail has been failing without a success in between (ms), if it is.
    pub failing_since: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_read_and_write_as_words_and_none_stored_is_the_defaults() {
        let defaults = MailTopics::read(None);
        assert!(defaults.contains(MailTopic::Received));
        assert!(!defaults.contains(MailTopic::DepartmentNew));
        assert_eq!(MailTopics::read(Some("")), MailTopics::none());
        let chosen = MailTopics::read(Some("status,department_new,gone"));
        assert!(chosen.contains(MailTopic::Status) && chosen.contains(MailTopic::DepartmentNew));
        assert!(!chosen.contains(MailTopic::Received));
        assert_eq!(chosen.write(), "status,department_new");
        assert_eq!(MailTopics::read(Some(&defaults.write())), defaults);
    }
}
