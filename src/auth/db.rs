//! Queries behind sign-in and the session check.

use super::model::CurrentUser;
use crate::error::AppError;
use sqlx::SqlitePool;
use tower_sessions::Session;

/// The session key that holds the signed-in user's id.
pub const USER_ID_KEY: &str = "user_id";

#[derive(sqlx::FromRow)]
pub struct LoginRow {
    pub id: i64,
    pub password_hash: String,
    pub status: String,
}

pub async fn find_login(pool: &SqlitePool, username: &str) -> Result<Option<LoginRow>, AppError> {
    Ok(
        sqlx::query_as("SELECT id, password_hash, status FROM users WHERE username = ?")
            .bind(username)
            .fetch_optional(pool)
            .await?,
    )
}

/// The user with this id if it exists and is active.
pub async fn active_user(pool: &SqlitePool, id: i64) -> Result<Option<CurrentUser>, AppError> {
    Ok(sqlx::query_as(
        "SELECT u.id, u.username, u.email, u.avatar_url,
                EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = 'admin')
                    AS is_admin,
                u.department_id
           FROM users u
          WHERE u.id = ? AND u.status = 'active'",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?)
}

/// The session's user, re-read from the database on every call so deactivation bites at once.
/// A session whose user is gone or inactive is emptied.
pub async fn session_user(
    pool: &SqlitePool,
    session: &Session,
) -> Result<Option<CurrentUser>, AppError> {
    let Some(id) = session.get::<i64>(USER_ID_KEY).await? else {
        return Ok(None);
    };
    let user = active_user(pool, id).await?;
    if user.is_none() {
        session.flush().await?;
    }
    Ok(user)
}

pub async fn active_admin_count(pool: &SqlitePool) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM users u JOIN user_roles r ON r.user_id = u.id
          WHERE r.role = 'admin' AND u.status = 'active'",
    )
    .fetch_one(pool)
    .await?)
}
