//! The server side of live updates: one broadcast channel, and an SSE stream per browser
//! that passes on only what its user may see.

use super::TicketChange;
use crate::base::{
    db::{Backend, Pool},
    signal,
};
use crate::{
    auth::{guard::Caller, session},
    error::AppError,
};
use axum::{
    Extension,
    extract::State,
    http::StatusCode,
    response::{
        IntoResponse, Response,
        sse::{Event, Sse},
    },
};
use futures::StreamExt;
use std::{convert::Infallible, sync::Arc, time::Duration};
use tokio::sync::{broadcast, watch};

/// Changes kept for subscribers that fall behind. The channel is the only buffer: a
/// subscriber is a cursor into it, so memory stays bounded however many browsers are
/// slow or gone. One that falls further behind is told to refetch everything.
const BACKLOG: usize = 1024;

/// Live streams one user may hold open at once (browser tabs, devices); 429 beyond.
pub const STREAMS_PER_USER: usize = 8;

/// How often a stream proves the user is still active (and keeps proxies from timing out).
const HEARTBEAT: Duration = Duration::from_secs(15);

#[derive(Clone)]
pub struct Hub {
    /// Each change, or None when some may have been missed (the pages refetch all).
    changes: broadcast::Sender<Option<TicketChange>>,
    /// On PostgreSQL, changes go through the database to every app server (this one too,
    /// via `heard`); on SQLite straight to this server's streams.
    relay: Option<Pool>,
    /// Set once on shutdown: every stream ends, so a graceful shutdown (which waits for open
    /// requests) is not held up by browsers that would keep listening forever.
    closing: Arc<watch::Sender<bool>>,
    /// Open streams per user.
    open: Arc<std::sync::Mutex<std::collections::HashMap<i64, usize>>>,
}

impl Hub {
    pub fn new(pool: &Pool) -> Hub {
        Hub {
            changes: broadcast::channel(BACKLOG).0,
            relay: (Backend::of(pool) == Backend::Postgres).then(|| pool.clone()),
            closing: Arc::new(watch::channel(false).0),
            open: Default::default(),
        }
    }
}

/// The signal that carries a change between app servers (JSON).
pub const SIGNAL: &str = "ticket";

/// The hub, from inside a server function (the router provides it per request).
pub fn current() -> Result<Hub, AppError> {
    leptos::prelude::use_context::<Hub>().ok_or(AppError::Internal)
}

impl Hub {
    /// Announces a committed change. Nobody listening is fine.
    pub async fn publish(&self, change: TicketChange) {
        match &self.relay {
            Some(pool) => match serde_json::to_string(&change) {
                Ok(json) => signal::send(pool, SIGNAL, &json).await,
                Err(e) => tracing::error!(error = %e, "a change did not encode"),
            },
            None => self.heard(Some(change)),
        }
    }

    /// A change announced on any server (`SIGNAL`), or None when some may have been
    /// missed: passed to this server's streams.
    pub fn heard(&self, change: Option<TicketChange>) {
        let _ = self.changes.send(change);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Option<TicketChange>> {
        self.changes.subscribe()
    }

    /// A place for one more stream of `user_id`, if they have fewer than `STREAMS_PER_USER`.
    fn take_place(&self, user_id: i64) -> Option<Place> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(user_id).or_default();
        if *count >= STREAMS_PER_USER {
            return None;
        }
        *count += 1;
        Some(Place {
            open: self.open.clone(),
            user_id,
        })
    }

    /// Ends every open stream (browsers reconnect to the next server).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }
}

/// A stream's place among its user's; given back when the stream ends.
struct Place {
    open: Arc<std::sync::Mutex<std::collections::HashMap<i64, usize>>>,
    user_id: i64,
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.user_id) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.user_id);
            }
        }
    }
}

struct Feed {
    _place: Place,
    changes: broadcast::Receiver<Option<TicketChange>>,
    closing: watch::Receiver<bool>,
    pool: Pool,
    /// Wakes when any user or session changes: this stream's session may have ended.
    sessions: watch::Receiver<u64>,
    token: session::Token,
    user_id: i64,
    is_staff: bool,
    beat: tokio::time::Interval,
    greeted: bool,
}

impl Feed {
    /// Re-reads the session's user: a stream ends with its session or its user's
    /// deactivation, and follows a demotion.
    async fn still_allowed(&mut self) -> bool {
        match session::user(&self.pool, &self.token)
            .await
            .map(|found| found.user)
        {
            Ok(Some(user)) => {
                self.is_staff = user.is_staff;
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
            // Only decide here; act below, once the borrows of the select are gone.
            let woken = tokio::select! {
                change = self.changes.recv() => Wake::Change(change),
                _ = self.closing.wait_for(|closing| *closing) => Wake::Closing,
                _ = self.beat.tick() => Wake::Beat,
                Ok(()) = self.sessions.changed() => Wake::Sessions,
            };
            match woken {
                Wake::Change(Ok(Some(change))) => {
                    if !change.visible_to(self.user_id, self.is_staff) {
                        continue;
                    }
                    if !self.still_allowed().await {
                        return None;
                    }
                    // Checked again: the user may have lost the staff role meanwhile.
                    if change.visible_to(self.user_id, self.is_staff) {
                        // Many tickets at once: the page refetches what it shows (the
                        // batch's requesters are nobody's business here).
                        if change.service_request_no.is_empty() {
                            return Some(Event::default().event("resync").data("1"));
                        }
                        return Event::default().event("ticket").json_data(&change).ok();
                    }
                }
                // Missed some: the page refetches everything instead.
                Wake::Change(Ok(None) | Err(broadcast::error::RecvError::Lagged(_))) => {
                    return Some(Event::default().event("resync").data("1"));
                }
                Wake::Change(Err(broadcast::error::RecvError::Closed)) | Wake::Closing => {
                    return None;
                }
                Wake::Sessions => {
                    if !self.still_allowed().await {
                        return None;
                    }
                }
                Wake::Beat => {
                    if !self.still_allowed().await {
                        return None;
                    }
                    return Some(Event::default().comment("beat"));
                }
            }
        }
    }
}

enum Wake {
    Change(Result<Option<TicketChange>, broadcast::error::RecvError>),
    Closing,
    Beat,
    Sessions,
}

/// `GET /api/events`: the signed-in user's stream of ticket changes.
pub async fn events(
    State(pool): State<Pool>,
    State(hub): State<Hub>,
    Extension(caller): Extension<Caller>,
) -> Response {
    let (user, token) = match (caller.get(&pool).await, caller.token()) {
        (Ok(Some(user)), Some(token)) => (user, token.clone()),
        (Err(e), _) => return e.status_response(),
        _ => return StatusCode::UNAUTHORIZED.into_response(),
    };
    let Some(place) = hub.take_place(user.id) else {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            format!("At most {STREAMS_PER_USER} live-update streams per user: close a tab."),
        )
            .into_response();
    };
    let mut beat = tokio::time::interval(HEARTBEAT);
    beat.reset(); // the first tick one period from now, not at once
    let feed = Feed {
        _place: place,
        changes: hub.subscribe(),
        closing: hub.closing.subscribe(),
        sessions: session::changes(&pool),
        pool,
        token,
        user_id: user.id,
        is_staff: user.is_staff,
        beat,
        greeted: false,
    };
    // Fused, as every streamed body: a body may be polled after its end (the compression
    // layer does; it leaves event streams alone today) and `unfold` panics if it is.
    let stream = futures::stream::unfold(feed, |mut feed| async move {
        let event = feed.next().await?;
        Some((Ok::<_, Infallible>(event), feed))
    })
    .fuse();
    // nginx buffers proxied responses by default, which would hold events back until the
    // buffer fills; this header turns that off for the stream alone, with no proxy setting.
    ([("x-accel-buffering", "no")], Sse::new(stream)).into_response()
}
