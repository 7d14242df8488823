//! Writes: a ticket, a status or department change, a comment; each with its history row
//! in the same transaction.

use super::fulltext::add_terms;
use super::triage::{Change, triage};
use crate::base::db::{Backend, Conn, Pool, begin_write};
use crate::tickets::model::{
    Comment, CommentText, DeviceNo, EventKind, NewCommentInput, Priority, Subject, TicketStatus,
    service_request_no,
};
use crate::tickets::sla::targets::Targets;
use crate::{auth::model::CurrentUser, error::AppError, time::utc_year};

pub struct NewTicket {
    pub requested_by: i64,
    pub request_type_id: i64,
    pub department_id: i64,
    pub subject: Subject,
    pub description: CommentText,
    pub device_no: DeviceNo,
}

async fn exists(conn: &mut Conn, table: &str, id: i64) -> Result<bool, AppError> {
    // `table` is one of our own constants, never user input.
    let found: Option<i64> = sqlx::query_scalar(&format!("SELECT id FROM {table} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(found.is_some())
}

/// Creates the ticket (status pending) with the description as its first comment and returns
/// its id and service request number. The year's sequence row is bumped inside the same
/// write transaction, so numbers never repeat, even under concurrent submissions or after
/// deletes.
///
/// `files`: uploads for the description, claimed in the same transaction (a refused one
/// leaves no ticket either).
pub async fn create(
    pool: &Pool,
    t: &NewTicket,
    files: (&[String], &crate::files::model::Limits),
    now_ms: i64,
) -> Result<(i64, String), AppError> {
    let mut tx = begin_write(pool).await?;
    let (id, number, description) = create_in(&mut tx, t, now_ms).await?;
    if !files.0.is_empty() {
        let names = crate::files::db::claim_in(
            &mut tx,
            t.requested_by,
            id,
            description,
            files.0,
            files.1,
            now_ms,
        )
        .await?;
        // The names are searchable with their comment (a trigger adds them to its row).
        add_terms(
            &mut tx,
            &names.iter().map(String::as_str).collect::<Vec<_>>(),
        )
        .await?;
    }
    tx.commit().await?;
    Ok((id, number))
}

/// `create` inside the caller's write transaction (a ticket opened by mail commits with
/// the record that the mail was handled): its id, number and description's id.
pub async fn create_in(
    tx: &mut Conn,
    t: &NewTicket,
    now_ms: i64,
) -> Result<(i64, String, i64), AppError> {
    let mut errors = Vec::new();
    if !exists(&mut *tx, "request_types", t.request_type_id).await? {
        errors.push(("request_type_id", "Choose a request type from the list."));
    }
    if !exists(&mut *tx, "departments", t.department_id).await? {
        errors.push(("department_id", "Choose a department from the list."));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(
            errors
                .into_iter()
                .map(|(field, message)| crate::error::FieldError {
                    field: field.into(),
                    message: message.into(),
                })
                .collect(),
        ));
    }
    let year = utc_year(now_ms);
    let sequence: i64 = sqlx::query_scalar(
        "INSERT INTO ticket_sequences (year, last) VALUES ($1, 1)
         ON CONFLICT (year) DO UPDATE SET last = ticket_sequences.last + 1
         RETURNING last",
    )
    .bind(year)
    .fetch_one(&mut *tx)
    .await?;
    let number = service_request_no(year, sequence);
    let dues = Targets::load(&mut *tx)
        .await?
        .dues(Priority::Normal, now_ms);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO tickets (service_request_no, requested_by, request_type_id, department_id,
                              subject, status, date_started, first_response_due,
                              resolution_due)
         VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8) RETURNING id",
    )
    .bind(&number)
    .bind(t.requested_by)
    .bind(t.request_type_id)
    .bind(t.department_id)
    .bind(t.subject.as_str())
    .bind(now_ms)
    .bind(dues.first_response)
    .bind(dues.resolution)
    .fetch_one(&mut *tx)
    .await?;
    add_terms(&mut *tx, &[t.subject.as_str(), t.description.as_str()]).await?;
    let description = insert_comment(
        &mut *tx,
        id,
        t.requested_by,
        &t.description,
        &t.device_no,
        now_ms,
    )
    .await?;
    let created = Event {
        ticket_id: id,
        by: t.requested_by,
        kind: EventKind::Created,
        from: None,
        to: Some(TicketStatus::Pending.as_str()),
        comment_id: Some(description),
        at: now_ms,
    };
    record(&mut *tx, &created).await?;
    Ok((id, number, description))
}

/// Moves a ticket to `status` and records the change (`triage`): completing sets
/// `date_finished`, counts as the first response if none came, and keeps how much of the
/// resolution target was left; reopening clears the date and restarts the resolution clock
/// from what was left. The status it already has changes and records nothing.
pub async fn set_status(
    pool: &Pool,
    ticket_id: i64,
    status: TicketStatus,
    by: i64,
    now_ms: i64,
) -> Result<(), AppError> {
    triage(pool, &[ticket_id], Change::Status(status), by, now_ms).await?;
    Ok(())
}

/// A row of the history, as written.
struct Event<'a> {
    ticket_id: i64,
    by: i64,
    kind: EventKind,
    from: Option<&'a str>,
    to: Option<&'a str>,
    comment_id: Option<i64>,
    at: i64,
}

/// Appends to the ticket's history inside the caller's transaction, so the change and its
/// record commit or fail together.
async fn record(conn: &mut Conn, e: &Event<'_>) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO ticket_events
             (ticket_id, user_id, kind, from_value, to_value, comment_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(e.ticket_id)
    .bind(e.by)
    .bind(e.kind.as_str())
    .bind(e.from)
    .bind(e.to)
    .bind(e.comment_id)
    .bind(e.at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn insert_comment(
    conn: &mut Conn,
    ticket_id: i64,
    user_id: i64,
    text: &CommentText,
    device_no: &DeviceNo,
    now_ms: i64,
) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO ticket_comments (ticket_id, user_id, comment_text, device_no, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(ticket_id)
    .bind(user_id)
    .bind(text.as_str())
    .bind(device_no.as_deref())
    .bind(now_ms)
    .fetch_one(&mut *conn)
    .await?)
}

/// Adds a comment and its history entry in one transaction.
/// Adds `author`'s comment to the ticket and returns it as the thread shows it (made from
/// what is known: reading it back was one more query per comment).
///
/// `awaits_response`: the ticket had no first response when the caller read it. Only then
/// can a public comment by staff be it (the time is never cleared), so only then is the
/// ticket updated for it: otherwise an UPDATE that matched nothing cost 30 k of SQLite's
/// instructions per batch (measured, replaying the writer's statements).
pub async fn add_comment(
    pool: &Pool,
    ticket_id: i64,
    awaits_response: bool,
    author: &CurrentUser,
    input: &NewCommentInput,
    files: (&[String], &crate::files::model::Limits),
    now_ms: i64,
) -> Result<Comment, AppError> {
    let NewCommentInput {
        text,
        device_no,
        internal,
    } = input;
    let row = NewComment(
        ticket_id,
        author.id,
        text.as_str().to_owned(),
        device_no.as_deref().map(str::to_owned),
        now_ms,
        *internal,
        author.is_staff && awaits_response,
    );
    let id = if files.0.is_empty() {
        comment_writer::write(pool, row).await?
    } else {
        // With files: its own transaction, which claims them (not the batch writer's, where
        // one comment's refused file would roll back its neighbours).
        let mut tx = begin_write(pool).await?;
        let ids =
            insert_comments_in(&mut tx, Backend::of(pool), std::slice::from_ref(&row)).await?;
        let id = ids.first().copied().ok_or(AppError::Internal)?;
        let names =
            crate::files::db::claim_in(&mut tx, author.id, ticket_id, id, files.0, files.1, now_ms)
                .await?;
        add_terms(
            &mut tx,
            &names.iter().map(String::as_str).collect::<Vec<_>>(),
        )
        .await?;
        tx.commit().await?;
        id
    };
    Ok(Comment {
        id,
        author: author.username.clone(),
        author_avatar: author.avatar_url.clone(),
        author_is_staff: author.is_staff,
        comment_text: text.as_str().to_owned(),
        device_no: device_no.as_deref().map(str::to_owned),
        created_at: now_ms,
        internal: *internal,
    })
}

/// A comment to store: ticket, author, text, device number, time, internal, and whether
/// it may be the first response (by staff, to a ticket without one; a JSON array as
/// written).
#[derive(serde::Serialize)]
struct NewComment(i64, i64, String, Option<String>, i64, bool, bool);

/// Stores `rows` in one transaction, a statement per table however many rows, and returns
/// their ids in order.
async fn insert_comments(pool: &Pool, rows: &[NewComment]) -> Result<Vec<i64>, AppError> {
    let mut tx = begin_write(pool).await?;
    let ids = insert_comments_in(&mut tx, Backend::of(pool), rows).await?;
    tx.commit().await?;
    Ok(ids)
}

/// `insert_comments` inside the caller's write transaction.
async fn insert_comments_in(
    tx: &mut Conn,
    b: Backend,
    rows: &[NewComment],
) -> Result<Vec<i64>, AppError> {
    let list = serde_json::to_string(rows).map_err(|_| AppError::Internal)?;
    // Inserted in the list's order while this transaction holds the write lock, so the new
    // ids ascend in that order.
    let mut ids: Vec<i64> = sqlx::query_scalar(&format!(
        "INSERT INTO ticket_comments
             (ticket_id, user_id, comment_text, device_no, created_at, internal)
         SELECT CAST(j.value ->> 0 AS BIGINT), CAST(j.value ->> 1 AS BIGINT), j.value ->> 2,
                j.value ->> 3, CAST(j.value ->> 4 AS BIGINT), CAST(j.value ->> 5 AS BOOLEAN)
           FROM {} ORDER BY j.key
         RETURNING id",
        b.json_rows("$1")
    ))
    .bind(&list)
    .fetch_all(&mut *tx)
    .await?;
    ids.sort_unstable();
    let id_list = serde_json::to_string(&ids.iter().map(|id| [id]).collect::<Vec<_>>())
        .map_err(|_| AppError::Internal)?;
    sqlx::query(&format!(
        "INSERT INTO ticket_events
             (ticket_id, user_id, kind, from_value, to_value, comment_id, created_at)
         SELECT c.ticket_id, c.user_id, $1, NULL, NULL, c.id, c.created_at
           FROM {} {} ticket_comments c ON c.id = CAST(j.value ->> 0 AS BIGINT)",
        b.json_rows("$2"),
        b.ordered_join()
    ))
    .bind(EventKind::Comment.as_str())
    .bind(&id_list)
    .execute(&mut *tx)
    .await?;
    // A public comment by staff (not the requester) is the first response, if none came
    // (and none had come when the request read the ticket).
    let responses: Vec<(i64, i64, i64)> = rows
        .iter()
        .filter(|r| r.6 && !r.5)
        .map(|r| (r.0, r.1, r.4))
        .collect();
    if !responses.is_empty() {
        let list = serde_json::to_string(&responses).map_err(|_| AppError::Internal)?;
        sqlx::query(&format!(
            "UPDATE tickets SET first_response_at = CAST(j.value ->> 2 AS BIGINT)
               FROM {}
              WHERE tickets.id = CAST(j.value ->> 0 AS BIGINT)
                AND tickets.first_response_at IS NULL
                AND tickets.requested_by <> CAST(j.value ->> 1 AS BIGINT)",
            b.json_rows("$1")
        ))
        .bind(list)
        .execute(&mut *tx)
        .await?;
    }
    let texts: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
    add_terms(&mut *tx, &texts).await?;
    Ok(ids)
}

/// A public comment by `author` inside the caller's write transaction (a reply by mail,
/// committed with the record that the mail was handled); its id. A staff author's may be
/// the ticket's first response.
pub async fn add_comment_in(
    tx: &mut Conn,
    b: Backend,
    ticket_id: i64,
    author: i64,
    author_is_staff: bool,
    text: &CommentText,
    now_ms: i64,
) -> Result<i64, AppError> {
    let row = NewComment(
        ticket_id,
        author,
        text.as_str().to_owned(),
        None,
        now_ms,
        false,
        author_is_staff,
    );
    let ids = insert_comments_in(tx, b, std::slice::from_ref(&row)).await?;
    ids.first().copied().ok_or(AppError::Internal)
}

/// Comments are stored in batches: those waiting while the writer is busy go into its next
/// transaction together. perf on 16 writers: two thirds of the time was thread switches
/// (each of a comment's five statements handed to sqlx's SQLite thread and back, under
/// the write lock, one comment after another; bench: 1,200 comments/s).
mod comment_writer {
    use super::{AppError, NewComment, insert_comments};
    use crate::base::db::Pool;
    use std::{
        collections::HashMap,
        sync::{LazyLock, Mutex},
    };
    use tokio::sync::{mpsc, oneshot};

    /// At most this many comments in one transaction.
    const MAX_BATCH: usize = 256;

    type Job = (NewComment, oneshot::Sender<Result<i64, AppError>>);

    /// The writer of each database file (tests open many in one process); started on
    /// first use, and again if its runtime has ended.
    static WRITERS: LazyLock<Mutex<HashMap<String, mpsc::UnboundedSender<Job>>>> =
        LazyLock::new(Default::default);

    pub async fn write(pool: &Pool, row: NewComment) -> Result<i64, AppError> {
        let (done, answer) = oneshot::channel();
        let mut job = (row, done);
        loop {
            let writer = {
                let file = crate::base::db::key(pool);
                let mut writers = WRITERS.lock().unwrap_or_else(|e| e.into_inner());
                writers
                    .entry(file)
                    .or_insert_with(|| start(pool.clone()))
                    .clone()
            };
            match writer.send(job) {
                Ok(()) => break,
                Err(mpsc::error::SendError(back)) => {
                    job = back;
                    let file = crate::base::db::key(pool);
                    let mut writers = WRITERS.lock().unwrap_or_else(|e| e.into_inner());
                    if writers.get(&file).is_some_and(|w| w.same_channel(&writer)) {
                        writers.remove(&file);
                    }
                }
            }
        }
        answer.await.map_err(|_| AppError::Internal)?
    }

    fn start(pool: Pool) -> mpsc::UnboundedSender<Job> {
        let (sender, jobs) = mpsc::unbounded_channel();
        tokio::spawn(run(pool, jobs));
        sender
    }

    async fn run(pool: Pool, mut jobs: mpsc::UnboundedReceiver<Job>) {
        let mut batch = Vec::new();
        while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
            let (rows, answers): (Vec<NewComment>, Vec<_>) = batch.drain(..).unzip();
            match insert_comments(&pool, &rows).await {
                Ok(ids) => {
                    for (answer, id) in answers.into_iter().zip(ids) {
                        let _ = answer.send(Ok(id));
                    }
                }
                // One bad row must not fail the others: each on its own, for its own answer.
                Err(_) if rows.len() > 1 => {
                    for (row, answer) in rows.into_iter().zip(answers) {
                        let one = insert_comments(&pool, std::slice::from_ref(&row)).await;
                        let id = one.and_then(|ids| ids.first().copied().ok_or(AppError::Internal));
                        let _ = answer.send(id);
                    }
                }
                Err(e) => {
                    for answer in answers {
                        let _ = answer.send(Err(e.clone()));
                    }
                }
            }
        }
    }
}

/// Moves a ticket to another department (`triage`); a department that does not exist is
/// a field error and nothing changes.
pub async fn set_department(
    pool: &Pool,
    ticket_id: i64,
    department_id: i64,
    by: i64,
    now_ms: i64,
) -> Result<(), AppError> {
    triage(
        pool,
        &[ticket_id],
        Change::Department(department_id),
        by,
        now_ms,
    )
    .await?;
    Ok(())
}

/// Hands a ticket to `assignee` (None: to nobody), recording both usernames (`triage`). The
/// new assignee must be an active agent or admin, checked in the same transaction (a field
/// error otherwise, and nothing changes); giving it to whoever has it already (even one
/// since deactivated) changes and records nothing. The answer says whether it changed.
pub async fn set_assignee(
    pool: &Pool,
    ticket_id: i64,
    assignee: Option<i64>,
    by: i64,
    now_ms: i64,
) -> Result<bool, AppError> {
    let done = triage(pool, &[ticket_id], Change::Assignee(assignee), by, now_ms).await?;
    Ok(done.changed > 0)
}

/// Sets a ticket's priority and its targets as if it had had it from the start (`triage`);
/// the one it has already changes and records nothing. The answer says whether it changed.
pub async fn set_priority(
    pool: &Pool,
    ticket_id: i64,
    priority: Priority,
    by: i64,
    now_ms: i64,
) -> Result<bool, AppError> {
    let done = triage(pool, &[ticket_id], Change::Priority(priority), by, now_ms).await?;
    Ok(done.changed > 0)
}
