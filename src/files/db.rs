//! Attachments' rows (the bytes are `store`'s).

use crate::base::db::{Pool, begin_write, now_ms};
use crate::error::AppError;
use crate::files::store::Stored;

/// Keeps an upload for the comment it is for: a random token only its uploader learns.
pub async fn stage(
    pool: &Pool,
    user_id: i64,
    stored: &Stored,
    name: &str,
) -> Result<String, AppError> {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut tx = begin_write(pool).await?;
    sqlx::query(
        "INSERT INTO attachment_uploads (token, user_id, sha256, name, created_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&token)
    .bind(user_id)
    .bind(&stored.sha256)
    .bind(name)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// Forgets uploads (a request that failed part way keeps none of its files).
pub async fn unstage(pool: &Pool, tokens: &[String]) -> Result<(), AppError> {
    if tokens.is_empty() {
        return Ok(());
    }
    let mut tx = begin_write(pool).await?;
    for token in tokens {
        sqlx::query("DELETE FROM attachment_uploads WHERE token = $1")
            .bind(token)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}
