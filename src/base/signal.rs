//! Word that something changed, for every app server on the database. What a server keeps
//! in memory (the sessions it has looked up, the named lists, the dashboard, the live
//! streams) must hear of changes made through the others.
//!
//! SQLite has one server per database file (the file lock), so there is nobody to tell:
//! each change's local effect is all. On PostgreSQL a signal is a `NOTIFY` on one channel,
//! and every server (the sender too) `LISTEN`s and hands each to the composition root's
//! handler, which calls the feature that keeps the memory.

use super::db::{Backend, Pool, SIGNAL_CHANNEL as CHANNEL, notify};
use std::time::Duration;

/// What a server hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// `topic` happened, with its details (maybe empty).
    Topic(String, String),
    /// The connection to the database was lost and is back: signals sent meanwhile are
    /// gone, so anything may have changed.
    Missed,
}

/// This process among the app servers: a signal it sent comes back to it too, and a
/// receiver that has already acted on its own change skips it.
pub fn this_process() -> u64 {
    static ID: std::sync::LazyLock<u64> = std::sync::LazyLock::new(|| fastrand::u64(..));
    *ID
}

/// Tells every server on the database (on PostgreSQL; SQLite has only this one) that
/// `topic` happened. A failure is logged, not returned: the change itself is committed,
/// and other servers' memories expire on their own within seconds.
pub async fn send(pool: &Pool, topic: &str, payload: &str) {
    if Backend::of(pool) != Backend::Postgres {
        return;
    }
    if let Err(e) = notify(pool, topic, payload).await {
        tracing::warn!(error = %e, topic, "could not tell the other servers of a change");
    }
}

/// `send` from code that cannot wait for it (it runs on its own).
pub fn spawn_send(pool: &Pool, topic: &'static str, payload: String) {
    if Backend::of(pool) == Backend::Postgres {
        let pool = pool.clone();
        tokio::spawn(async move { send(&pool, topic, &payload).await });
    }
}

/// On PostgreSQL, listens for signals for as long as the process runs and hands each to
/// `handle` (a lost connection is retried, then reported as `Signal::Missed`). Returns once
/// listening, so no change made after it is missed; an error if the first connection fails.
pub async fn listen(
    pool: &Pool,
    handle: impl Fn(Signal) + Send + 'static,
) -> Result<(), sqlx::Error> {
    if Backend::of(pool) != Backend::Postgres {
        return Ok(());
    }
    let url = pool.connect_options().database_url.to_string();
    let mut listener = sqlx::postgres::PgListener::connect(&url).await?;
    listener.listen(CHANNEL).await?;
    tokio::spawn(async move {
        loop {
            match listener.try_recv().await {
                Ok(Some(note)) => handle(parse(note.payload())),
                // Lost: the next try_recv reconnects and listens again.
                Ok(None) => handle(Signal::Missed),
                Err(e) => {
                    tracing::warn!(error = %e, "listening for other servers' changes");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    handle(Signal::Missed);
                }
            }
        }
    });
    Ok(())
}

fn parse(text: &str) -> Signal {
    let (topic, payload) = text.split_once(' ').unwrap_or((text, ""));
    Signal::Topic(topic.to_string(), payload.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_reads_back_as_its_topic_and_payload() {
        assert_eq!(
            parse("ticket {\"a\": 1}"),
            Signal::Topic("ticket".into(), "{\"a\": 1}".into())
        );
        assert_eq!(parse("users "), Signal::Topic("users".into(), "".into()));
        assert_eq!(parse("lists"), Signal::Topic("lists".into(), "".into()));
    }
}
