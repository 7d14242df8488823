//! Saved replies' queries: the caller's own and the team's.

use super::model::{ReplyInput, SavedReply};
use crate::base::db::{Pool, now_ms};
use crate::error::AppError;

/// The team's replies and `user`'s own, by name.
pub async fn visible(pool: &Pool, user: i64) -> Result<Vec<SavedReply>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, name, body, CASE WHEN owner_id IS NULL THEN 1 ELSE 0 END AS shared
           FROM saved_replies WHERE owner_id IS NULL OR owner_id = $1
          ORDER BY lower(name), id",
    )
    .bind(user)
    .fetch_all(pool)
    .await?)
}

/// The reply `id` if `user` may see it.
pub async fn get(pool: &Pool, user: i64, id: i64) -> Result<SavedReply, AppError> {
    sqlx::query_as(
        "SELECT id, name, body, CASE WHEN owner_id IS NULL THEN 1 ELSE 0 END AS shared
           FROM saved_replies WHERE id = $1 AND (owner_id IS NULL OR owner_id = $2)",
    )
    .bind(id)
    .bind(user)
    .fetch_optional(pool)
    .await?
    .ok_or(AppError::NotFound)
}

fn name_taken(err: sqlx::Error) -> AppError {
    match err.as_database_error() {
        Some(db) if db.is_unique_violation() => {
            AppError::conflict("name", "A reply with that name already exists.")
        }
        _ => err.into(),
    }
}

/// A new reply: the team's when `input.shared`, else `user`'s own.
pub async fn create(pool: &Pool, user: i64, input: &ReplyInput) -> Result<SavedReply, AppError> {
    let now = now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO saved_replies (owner_id, name, body, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $4) RETURNING id",
    )
    .bind((!input.shared).then_some(user))
    .bind(&input.name)
    .bind(&input.body)
    .bind(now)
    .fetch_one(pool)
    .await
    .map_err(name_taken)?;
    get(pool, user, id).await
}

/// Changes the name and text of reply `id` (its sharing stays as it is).
pub async fn update(
    pool: &Pool,
    user: i64,
    id: i64,
    input: &ReplyInput,
) -> Result<SavedReply, AppError> {
    sqlx::query("UPDATE saved_replies SET name = $1, body = $2, updated_at = $3 WHERE id = $4")
        .bind(&input.name)
        .bind(&input.body)
        .bind(now_ms())
        .bind(id)
        .execute(pool)
        .await
        .map_err(name_taken)?;
    get(pool, user, id).await
}

pub async fn delete(pool: &Pool, id: i64) -> Result<(), AppError> {
    sqlx::query("DELETE FROM saved_replies WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}
