//! Attachments' rows (the bytes are `store`'s).

use crate::base::db::{Conn, Pool, begin_write, now_ms};
use crate::error::AppError;
use crate::files::{
    model::Limits,
    store::{Store, Stored},
};

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

/// What a ticket's files add up to, in bytes.
async fn ticket_bytes(tx: &mut Conn, ticket_id: i64) -> Result<i64, AppError> {
    // SUM of BIGINT is NUMERIC on PostgreSQL: cast back.
    Ok(sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(b.size), 0) AS BIGINT) FROM attachments a
           JOIN attachment_blobs b ON b.sha256 = a.sha256
          WHERE a.ticket_id = $1",
    )
    .bind(ticket_id)
    .fetch_one(&mut *tx)
    .await?)
}

/// A comment's uploads become its attachments, inside the comment's own transaction: each
/// token must be `user_id`'s and not yet claimed; at most `limits.per_comment` files, and
/// the ticket's files together at most `limits.per_ticket` bytes. Any refusal rolls the
/// comment back with them. The names attached, for the search vocabulary.
pub async fn claim_in(
    tx: &mut Conn,
    user_id: i64,
    ticket_id: i64,
    comment_id: i64,
    tokens: &[String],
    limits: &Limits,
    now: i64,
) -> Result<Vec<String>, AppError> {
    // In the order given (the first file over the ticket's limit is the one named), once.
    let mut seen = std::collections::HashSet::new();
    let tokens: Vec<&String> = tokens.iter().filter(|t| seen.insert(*t)).collect();
    let mut names = Vec::with_capacity(tokens.len());
    if tokens.len() as u64 > limits.per_comment {
        return Err(AppError::TooLarge(format!(
            "At most {} files go on one comment.",
            limits.per_comment
        )));
    }
    let mut total = ticket_bytes(tx, ticket_id).await?;
    for token in tokens {
        let upload: Option<(String, String, i64)> = sqlx::query_as(
            "SELECT u.name, u.sha256, b.size FROM attachment_uploads u
               JOIN attachment_blobs b ON b.sha256 = u.sha256
              WHERE u.token = $1 AND u.user_id = $2",
        )
        .bind(token)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((name, sha256, size)) = upload else {
            return Err(AppError::invalid(
                "attachment",
                "A file you attached is no longer there (uploads wait a day for their comment): attach it again.",
            ));
        };
        total += size;
        if total as u64 > limits.per_ticket {
            return Err(AppError::TooLarge(format!(
                "{name} would take this ticket's files over {}, the most one ticket holds.",
                crate::text::bytes(limits.per_ticket)
            )));
        }
        sqlx::query(
            "INSERT INTO attachments (ticket_id, comment_id, sha256, name, user_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(ticket_id)
        .bind(comment_id)
        .bind(&sha256)
        .bind(&name)
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM attachment_uploads WHERE token = $1")
            .bind(token)
            .execute(&mut *tx)
            .await?;
        names.push(name);
    }
    Ok(names)
}

/// A file the server stored itself ahead of its comment (a mail's attachment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    pub sha256: String,
    pub size: u64,
    pub name: String,
}

/// Which of `files` fit on one more comment of `ticket` (`None`: a ticket being opened)
/// within `limits`, in order, and a note naming each one that does not: a mail keeps
/// what fits and says what it could not.
pub async fn fitting(
    tx: &mut Conn,
    ticket: Option<i64>,
    files: Vec<Kept>,
    limits: &Limits,
) -> Result<(Vec<Kept>, Vec<String>), AppError> {
    let mut total = match ticket {
        Some(id) => ticket_bytes(tx, id).await?,
        None => 0,
    };
    let (mut fit, mut notes) = (Vec::new(), Vec::new());
    for file in files {
        if fit.len() as u64 >= limits.per_comment {
            notes.push(format!(
                "{}: at most {} files go on one comment",
                file.name, limits.per_comment
            ));
        } else if (total + file.size as i64) as u64 > limits.per_ticket {
            notes.push(format!(
                "{} would take this ticket's files over {}",
                file.name,
                crate::text::bytes(limits.per_ticket)
            ));
        } else {
            total += file.size as i64;
            fit.push(file);
        }
    }
    Ok((fit, notes))
}

/// Attaches `files` (already stored, already `fitting`) to a comment, in its transaction.
/// The names attached, for the search vocabulary.
pub async fn attach_in(
    tx: &mut Conn,
    user_id: i64,
    ticket_id: i64,
    comment_id: i64,
    files: &[Kept],
    now: i64,
) -> Result<Vec<String>, AppError> {
    for file in files {
        sqlx::query(
            "INSERT INTO attachments (ticket_id, comment_id, sha256, name, user_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(ticket_id)
        .bind(comment_id)
        .bind(&file.sha256)
        .bind(&file.name)
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    Ok(files.iter().map(|f| f.name.clone()).collect())
}

/// How long an upload waits for its comment, and an unused file for a use.
pub const KEPT_UNUSED_MS: i64 = 24 * 60 * 60 * 1000;

/// Forgets uploads no comment claimed within a day, then the files nothing uses that were
/// last stored over a day ago (a refused mail's, a removed upload's): their rows, their
/// thumbnails, their bytes. Under the writers' lock, which an upload's `record` also
/// takes, so an upload of the same bytes meanwhile finds its file or puts it back.
/// (uploads forgotten, files deleted).
pub async fn sweep(pool: &Pool, store: &Store, now: i64) -> Result<(u64, usize), AppError> {
    let before = now - KEPT_UNUSED_MS;
    let mut tx = begin_write(pool).await?;
    let uploads = sqlx::query("DELETE FROM attachment_uploads WHERE created_at < $1")
        .bind(before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let gone: Vec<String> = sqlx::query_scalar(
        "DELETE FROM attachment_blobs
          WHERE created_at < $1
            AND NOT EXISTS (SELECT 1 FROM attachments a
                             WHERE a.sha256 = attachment_blobs.sha256)
            AND NOT EXISTS (SELECT 1 FROM attachment_uploads u
                             WHERE u.sha256 = attachment_blobs.sha256)
         RETURNING sha256",
    )
    .bind(before)
    .fetch_all(&mut *tx)
    .await?;
    for sha256 in &gone {
        store.forget(sha256);
    }
    tx.commit().await?;
    Ok((uploads, gone.len()))
}
