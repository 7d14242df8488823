//! Sessions: a random token in an HttpOnly cookie; the database keeps its SHA-256, the user
//! it belongs to and when it expires (14 days after it was last used).
//!
//! Who a token belongs to is remembered in memory for a few seconds, because every request
//! asks: reading it through sqlx costs two thread hand-offs per request, the largest cost of
//! a cheap request (perf on the list function: half the CPU in sqlx's SQLite threads). Any
//! change to a user or a session in this process forgets everything remembered at once, so
//! a sign-out, deactivation or demotion bites on the next request; a change made by another
//! process (the CLI) is seen within `REMEMBER_FOR`.

use super::{db::CURRENT_USER, model::CurrentUser};
use crate::base::db::{Conn, Pool};
use crate::{
    base::db::{now_ms, per_database},
    error::AppError,
};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use axum::http::{HeaderMap, HeaderValue, header};
use sha2::{Digest, Sha256};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio::sync::watch;

/// The cookie's name.
pub const COOKIE: &str = "helpdesk_session";
/// A session ends after this long without a request.
pub const IDLE_LIMIT: Duration = Duration::from_secs(14 * 24 * 60 * 60);
/// The expiry slides at most once per this period, so a busy session is not a write per request.
const SLIDE_EVERY: Duration = Duration::from_secs(60 * 60);
/// How long a token's user is remembered without asking the database.
const REMEMBER_FOR: Duration = Duration::from_secs(10);
/// At most this many remembered tokens (then all are forgotten): memory stays bounded however
/// many sessions exist.
const REMEMBER_AT_MOST: usize = 20_000;

/// A session's secret: 32 random bytes, hex in the cookie.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Token(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// A well-formed token (anything else is no session at all).
    pub fn parse(text: &str) -> Option<Self> {
        (text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| Token(text.to_string()))
    }

    /// The request's token, from its `Cookie` headers.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        crate::base::context::header_items(headers, header::COOKIE, ';')
            .filter_map(|pair| pair.split_once('='))
            .find(|(name, _)| *name == COOKIE)
            .and_then(|(_, value)| Token::parse(value))
    }

    fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.0.as_bytes()).into()
    }
}

/// The `Set-Cookie` value that stores `token` (or, with `None`, removes the cookie).
pub fn cookie(token: Option<&Token>, secure: bool) -> HeaderValue {
    let (value, max_age) = match token {
        Some(token) => (token.0.as_str(), IDLE_LIMIT.as_secs()),
        None => ("", 0),
    };
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("helpdesk_session=; Max-Age=0"))
}

/// Starts a session for `user_id`.
pub async fn start(pool: &Pool, user_id: i64) -> Result<Token, AppError> {
    let token = Token::generate();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&token.hash()[..])
    .bind(user_id)
    .bind(now)
    .bind(now + IDLE_LIMIT.as_millis() as i64)
    .execute(pool)
    .await?;
    Ok(token)
}

/// Ends one session.
pub async fn end(pool: &Pool, token: &Token) -> Result<(), AppError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(&token.hash()[..])
        .execute(pool)
        .await?;
    users_changed(pool);
    Ok(())
}

/// Ends every session of `user_id` but `keep` (the caller's own, when they changed their
/// own password), inside the caller's transaction; call `users_changed` after it commits.
pub async fn end_all_in(
    conn: &mut Conn,
    user_id: i64,
    keep: Option<&Token>,
) -> Result<u64, AppError> {
    let done =
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash IS DISTINCT FROM $2")
            .bind(user_id)
            .bind(keep.map(|t| t.hash().to_vec()))
            .execute(&mut *conn)
            .await?;
    Ok(done.rows_affected())
}

/// Ends every session of `user_id` but `keep`; returns how many ended.
pub async fn end_all_of(pool: &Pool, user_id: i64, keep: Option<&Token>) -> Result<u64, AppError> {
    let mut conn = pool.acquire().await?;
    let ended = end_all_in(&mut conn, user_id, keep).await?;
    users_changed(pool);
    Ok(ended)
}

/// How many live sessions `user_id` has.
pub async fn count_of(pool: &Pool, user_id: i64) -> Result<i64, AppError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1 AND expires_at > $2")
            .bind(user_id)
            .bind(now_ms())
            .fetch_one(pool)
            .await?,
    )
}

/// Deletes the sessions that have expired; returns how many.
pub async fn purge_expired(pool: &Pool) -> Result<u64, AppError> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now_ms())
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

/// Forgets every remembered session user of this database, here and on every other app
/// server: call after any change to a user, their roles or their sessions.
pub fn users_changed(pool: &Pool) {
    forget_users(pool);
    crate::base::signal::spawn_send(pool, SIGNAL, String::new());
}

/// The signal of `users_changed`.
pub const SIGNAL: &str = "users";

/// What `users_changed` does on this server (also when another server signals it).
pub fn forget_users(pool: &Pool) {
    let memory: Memory = per_database(pool);
    {
        let mut kept = memory.lock();
        kept.generation += 1;
        kept.users.clear();
    }
    // Open live streams check their own session again (an ended one closes at once).
    memory.changed.send_modify(|n| *n += 1);
}

/// Wakes whenever `users_changed` runs for this database.
pub fn changes(pool: &Pool) -> watch::Receiver<u64> {
    let memory: Memory = per_database(pool);
    memory.changed.subscribe()
}

/// The active user `token` belongs to, if its session is alive. `slid` is true when this
/// call moved the session's expiry (the cookie's should move with it).
pub async fn user(pool: &Pool, token: &Token) -> Result<Lookup, AppError> {
    let key = token.hash();
    let now = now_ms();
    let slide_before = now + (IDLE_LIMIT - SLIDE_EVERY).as_millis() as i64;
    let memory: Memory = per_database(pool);
    let generation = {
        let memory = memory.lock();
        if let Some(known) = memory.users.get(&key)
            && known.read_at.elapsed() < REMEMBER_FOR
            && known.expires_at >= slide_before
        {
            return Ok(Lookup {
                user: Some(known.user.clone()),
                slid: false,
            });
        }
        memory.generation
    };
    let row: Option<SessionUser> = sqlx::query_as(&format!(
        "SELECT {CURRENT_USER}, s.expires_at
           FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.status = 'active'"
    ))
    .bind(&key[..])
    .bind(now)
    .fetch_optional(pool)
    .await?;
    let Some(SessionUser {
        user,
        mut expires_at,
    }) = row
    else {
        return Ok(Lookup {
            user: None,
            slid: false,
        });
    };
    let slid = expires_at < slide_before;
    if slid {
        expires_at = now + IDLE_LIMIT.as_millis() as i64;
        sqlx::query("UPDATE sessions SET expires_at = $1 WHERE token_hash = $2")
            .bind(expires_at)
            .bind(&key[..])
            .execute(pool)
            .await?;
    }
    let mut memory = memory.lock();
    // A change since the read above may have made this answer stale: then it is not kept.
    if memory.generation == generation {
        if memory.users.len() >= REMEMBER_AT_MOST {
            memory.users.clear();
        }
        memory.users.insert(
            key,
            Known {
                user: user.clone(),
                expires_at,
                read_at: Instant::now(),
            },
        );
    }
    Ok(Lookup {
        user: Some(user),
        slid,
    })
}

pub struct Lookup {
    pub user: Option<CurrentUser>,
    pub slid: bool,
}

#[derive(sqlx::FromRow)]
struct SessionUser {
    #[sqlx(flatten)]
    user: CurrentUser,
    expires_at: i64,
}

/// What this process remembers of one database's sessions.
#[derive(Clone)]
struct Memory {
    kept: Arc<Mutex<Remembered>>,
    changed: Arc<watch::Sender<u64>>,
}

impl Default for Memory {
    fn default() -> Self {
        Memory {
            kept: Default::default(),
            changed: Arc::new(watch::channel(0).0),
        }
    }
}

impl Memory {
    fn lock(&self) -> std::sync::MutexGuard<'_, Remembered> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[derive(Default)]
struct Remembered {
    /// Bumped by every change, so a read that raced one is not remembered.
    generation: u64,
    users: HashMap<[u8; 32], Known>,
}

struct Known {
    user: CurrentUser,
    expires_at: i64,
    read_at: Instant,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::db::test_pool;

    /// A user made directly in the database (the users feature builds on this one).
    async fn a_user(pool: &Pool, name: &str) -> i64 {
        sqlx::query_scalar(
            "INSERT INTO users (username, email, password_hash, created_at, updated_at)
             VALUES ($1, $2 || '@example.com', 'h', 0, 0) RETURNING id",
        )
        .bind(name)
        .bind(name)
        .fetch_one(pool)
        .await
        .unwrap()
    }

    async fn expires_at(pool: &Pool, token: &Token) -> Option<i64> {
        sqlx::query_scalar("SELECT expires_at FROM sessions WHERE token_hash = $1")
            .bind(&token.hash()[..])
            .fetch_optional(pool)
            .await
            .unwrap()
    }

    async fn set_expiry(pool: &Pool, token: &Token, at: i64) {
        sqlx::query("UPDATE sessions SET expires_at = $1 WHERE token_hash = $2")
            .bind(at)
            .bind(&token.hash()[..])
            .execute(pool)
            .await
            .unwrap();
        // Changed behind the app's back: what it remembers would hide the change.
        users_changed(pool);
    }

    #[tokio::test]
    async fn a_session_is_its_users_until_it_ends_and_only_its_hash_is_stored() {
        let (pool, _dir) = test_pool().await;
        let ann = a_user(&pool, "ann").await;
        let token = start(&pool, ann).await.unwrap();
        let found = user(&pool, &token).await.unwrap();
        assert_eq!(found.user.map(|u| u.username), Some("ann".into()));
        assert!(!found.slid, "a new session has nothing to slide");
        let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM sessions")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_ne!(stored, token.0.as_bytes());
        assert_eq!(stored.len(), 32);

        end(&pool, &token).await.unwrap();
        assert!(user(&pool, &token).await.unwrap().user.is_none());
        let other = Token::generate();
        assert!(user(&pool, &other).await.unwrap().user.is_none());
    }

    #[tokio::test]
    async fn expiry_slides_with_use_and_expired_sessions_are_purged() {
        let (pool, _dir) = test_pool().await;
        let ann = a_user(&pool, "ann").await;
        let token = start(&pool, ann).await.unwrap();
        let idle = IDLE_LIMIT.as_millis() as i64;

        // Last moved two hours ago: this use moves it to a full 14 days from now.
        set_expiry(&pool, &token, now_ms() + idle - 2 * 3_600_000).await;
        let before = now_ms();
        let found = user(&pool, &token).await.unwrap();
        assert!(found.slid);
        assert!(expires_at(&pool, &token).await.unwrap() >= before + idle);
        // Used again at once: nothing to move.
        assert!(!user(&pool, &token).await.unwrap().slid);

        let gone = start(&pool, ann).await.unwrap();
        set_expiry(&pool, &gone, now_ms() - 1).await;
        assert!(user(&pool, &gone).await.unwrap().user.is_none());
        assert_eq!(purge_expired(&pool).await.unwrap(), 1);
        assert_eq!(expires_at(&pool, &gone).await, None);
        assert!(
            expires_at(&pool, &token).await.is_some(),
            "the live one stays"
        );
    }

    #[test]
    fn only_well_formed_tokens_are_read_from_cookies() {
        let token = Token::generate();
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_str(&format!("theme=dark; {COOKIE}={}", token.0)).unwrap(),
        );
        assert!(Token::from_headers(&headers) == Some(token));
        for bad in ["", "abc", &"g".repeat(64), &"A".repeat(64), &"a".repeat(65)] {
            assert!(Token::parse(bad).is_none(), "{bad}");
        }
        let set = cookie(None, true);
        let set = set.to_str().unwrap();
        assert!(set.contains("Max-Age=0") && set.contains("Secure") && set.contains("HttpOnly"));
    }
}
