//! Live updates. Whenever a ticket is created, commented on or triaged, the server pushes a
//! small event to every open browser allowed to see that ticket, over Server-Sent Events
//! (`GET /api/events`); the pages then refetch what the event touches.
//!
//! Why SSE rather than a WebSocket: the traffic is one-way (the browser never sends on
//! this channel: its writes are ordinary server functions), `EventSource` reconnects by
//! itself, it is plain HTTP that every reverse proxy passes, and axum serves it as a stream
//! with no extra protocol crate on either side.

use serde::{Deserialize, Serialize};

mod client;
#[cfg(feature = "ssr")]
pub mod hub;

pub use client::{Live, LiveIndicator, LiveState, provide_live, use_live};

/// What happened to a ticket: enough for a page to know whether to refetch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketChange {
    pub service_request_no: String,
    /// The requester: only they and staff hear about the ticket.
    pub requested_by: i64,
    pub kind: ChangeKind,
    /// Staff alone hear of it (an internal note).
    #[serde(default)]
    pub staff_only: bool,
    /// A change of many tickets at once (bulk triage; `service_request_no` is empty): their
    /// requesters, who hear of it too. Browsers are told only "refetch" (`hub`), never this.
    #[serde(default)]
    pub batch: Vec<i64>,
}

/// What changed: the same kinds as a ticket's history entries.
pub use crate::tickets::model::EventKind as ChangeKind;

impl TicketChange {
    /// The one rule of the fan-out: staff see every change, anyone else only their own
    /// tickets' changes that are not staff-only.
    pub fn visible_to(&self, user_id: i64, is_staff: bool) -> bool {
        is_staff
            || (!self.staff_only && (self.requested_by == user_id || self.batch.contains(&user_id)))
    }

    /// One change for many tickets (one live update for a bulk action).
    pub fn batch(kind: ChangeKind, mut requesters: Vec<i64>) -> TicketChange {
        requesters.sort_unstable();
        requesters.dedup();
        TicketChange {
            service_request_no: String::new(),
            requested_by: 0,
            kind,
            staff_only: false,
            batch: requesters,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_requester_and_staff_see_a_change() {
        let change = TicketChange {
            service_request_no: "SR-2026-000001".into(),
            requested_by: 7,
            kind: ChangeKind::Comment,
            staff_only: false,
            batch: Vec::new(),
        };
        assert!(change.visible_to(7, false));
        assert!(!change.visible_to(8, false));
        assert!(change.visible_to(8, true));
        let note = TicketChange {
            staff_only: true,
            ..change
        };
        assert!(!note.visible_to(7, false));
        assert!(note.visible_to(8, true));
        let many = TicketChange::batch(ChangeKind::Status, vec![9, 7, 9]);
        assert!(many.visible_to(7, false) && many.visible_to(9, false));
        assert!(!many.visible_to(8, false) && many.visible_to(8, true));
    }
}
