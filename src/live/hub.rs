//! The server side of live updates: one broadcast channel, and an SSE stream per browser
//! that passes on only what its user may see.

use super::TicketChange;
use crate::{auth::db::active_user, server::AppState};
use axum::{
    extract::State,
    http::StatusCode,
    response::{
        IntoResponse, Response,
        sse::{Event, Sse},
    },
};
use sqlx::SqlitePool;
use std::{convert::Infallible, time::Duration};
use tokio::sync::broadcast;
use tower_sessions::Session;

/// Changes kept for subscribers that fall behind. The channel is the only buffer: a
/// subscriber is a cursor into it, so memory stays bounded however many browsers are
/// slow or gone. One that falls further behind is told to refetch everything.
const BACKLOG: usize = 1024;

/// How often a stream proves the user is still active (and keeps proxies from timing out).
const HEARTBEAT: Duration = Duration::from_secs(15);

#[derive(Clone)]
pub struct Hub(broadcast::Sender<TicketChange>);

impl Default for Hub {
    fn default() -> Self {
        Hub(broadcast::channel(BACKLOG).0)
    }
}

impl Hub {
    /// Announces a committed change. Nobody listening is fine.
    pub fn publish(&self, change: TicketChange) {
        let _ = self.0.send(change);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<TicketChange> {
        self.0.subscribe()
    }
}

struct Feed {
    changes: broadcast::Receiver<TicketChange>,
    pool: SqlitePool,
    user_id: i64,
    is_admin: bool,
    beat: tokio::time::Interval,
    greeted: bool,
}

impl Feed {
    /// Re-reads the user: a deactivated (or demoted) user's stream changes with them.
    async fn still_allowed(&mut self) -> bool {
        match active_user(&self.pool, self.user_id).await {
            Ok(Some(user)) => {
                self.is_admin = user.is_admin;
                true
            }
            _ => false,
        }
    }

    /// The next thing to send, or None to close the stream.
    async fn next(&mut self) -> Option<Event> {
        if !self.greeted {
            self.greeted = true;
            // Reconnect quickly after a restart or a dropped network. (Browsers drop an event
            // whose data is empty, hence the "1".)
            return Some(
                Event::default()
                    .event("ready")
                    .data("1")
                    .retry(Duration::from_secs(1)),
            );
        }
        loop {
            tokio::select! {
                change = self.changes.recv() => match change {
                    Ok(change) => {
                        if !change.visible_to(self.user_id, self.is_admin) {
                            continue;
                        }
                        if !self.still_allowed().await {
                            return None;
                        }
                        if change.visible_to(self.user_id, self.is_admin) {
                            return Event::default().event("ticket").json_data(&change).ok();
                        }
                    }
                    // Missed some: the page refetches everything instead.
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        return Some(Event::default().event("resync").data("1"));
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                _ = self.beat.tick() => {
                    if !self.still_allowed().await {
                        return None;
                    }
                    return Some(Event::default().comment("beat"));
                }
            }
        }
    }
}

/// `GET /api/events`: the signed-in user's stream of ticket changes.
pub async fn events(State(state): State<AppState>, session: Session) -> Response {
    let user = match crate::auth::db::session_user(&state.pool, &session).await {
        Ok(Some(user)) => user,
        Ok(None) => return StatusCode::UNAUTHORIZED.into_response(),
        Err(e) => return e.status_response(),
    };
    let mut beat = tokio::time::interval(HEARTBEAT);
    beat.reset(); // the first tick one period from now, not at once
    let feed = Feed {
        changes: state.hub.subscribe(),
        pool: state.pool.clone(),
        user_id: user.id,
        is_admin: user.is_admin,
        beat,
        greeted: false,
    };
    let stream = futures::stream::unfold(feed, |mut feed| async move {
        let event = feed.next().await?;
        Some((Ok::<_, Infallible>(event), feed))
    });
    Sse::new(stream).into_response()
}
