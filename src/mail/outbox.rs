//! The outbox's queries: changes waiting to be mailed (written by the trigger of migration
//! 0020 in each change's own transaction) turned into mails, mails claimed for sending under
//! a lease, and what became of each.

use super::compose::{Happening, Person, TicketFacts};
use super::model::{MailOverview, MailState, MailTopics, OutboxEntry};
use crate::base::db::{Backend, Pool, begin_write};
use crate::error::AppError;
use crate::tickets::model::EventKind;
use std::collections::BTreeMap;

/// Whether changes are queued for mail at all: smtp_url is set and no admin switched mail
/// off. Set by each server at boot and by the admin switch; read by the trigger.
pub async fn set_queueing(pool: &Pool, configured: bool) -> Result<bool, AppError> {
    let mut tx = begin_write(pool).await?;
    let on: i64 = sqlx::query_scalar(
        "UPDATE mail_state SET queueing = ($1 AND NOT switched_off) WHERE id = 1
         RETURNING CASE WHEN queueing THEN 1 ELSE 0 END",
    )
    .bind(configured)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(on == 1)
}

/// A SQLite database has one server: leases still held at its start are a killed
/// server's, and its mails are sent again now instead of when the leases run out. (On
/// PostgreSQL other servers may be sending: their leases run out on their own.)
pub async fn release_leases(pool: &Pool) -> Result<(), AppError> {
    if Backend::of(pool) == Backend::Sqlite {
        let mut tx = begin_write(pool).await?;
        sqlx::query("UPDATE mail_outbox SET lease_until = NULL WHERE lease_until IS NOT NULL")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// The admin switch: all mail off (nothing queued, nothing sent; what is queued waits) or
/// back on.
pub async fn switch_off(pool: &Pool, off: bool, configured: bool) -> Result<(), AppError> {
    let mut tx = begin_write(pool).await?;
    sqlx::query("UPDATE mail_state SET switched_off = $1, queueing = ($2 AND NOT $1) WHERE id = 1")
        .bind(off)
        .bind(configured)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The key our Message-IDs and reply addresses are signed with (made by the migration, the
/// same for every server of the database), and whether an admin switched mail off.
pub async fn key_and_switch(pool: &Pool) -> Result<(String, bool), AppError> {
    let (key, off): (String, i64) = sqlx::query_as(
        "SELECT secret, CASE WHEN switched_off THEN 1 ELSE 0 END FROM mail_state WHERE id = 1",
    )
    .fetch_one(pool)
    .await?;
    Ok((key, off == 1))
}

/// Queues a pending row for each open ticket whose due time passed since the last look (at
/// most every 30 s; the first look only starts the clock, so turning mail on does not mail
/// every old overdue ticket). The look's time is moved with a compare-and-set, so of
/// several servers one queues each. Returns how many.
pub async fn queue_overdue(pool: &Pool, now: i64) -> Result<u64, AppError> {
    let mut tx = begin_write(pool).await?;
    let last: Option<(Option<i64>, i64)> = sqlx::query_as(
        "SELECT overdue_checked_at, CASE WHEN queueing THEN 1 ELSE 0 END
           FROM mail_state WHERE id = 1",
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some((last, queueing)) = last else {
        return Ok(0);
    };
    if last.is_some_and(|at| now - at < 30_000) {
        return Ok(0);
    }
    sqlx::query("UPDATE mail_state SET overdue_checked_at = $1 WHERE id = 1")
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let mut queued = 0;
    if let (Some(since), 1) = (last, queueing) {
        queued = sqlx::query(
            "INSERT INTO mail_pending (ticket_id, overdue, created_at)
             SELECT id, $3, next_due FROM tickets
              WHERE next_due > $1 AND next_due <= $2",
        )
        .bind(since)
        .bind(now)
        .bind(true)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    tx.commit().await?;
    Ok(queued)
}

/// Tickets with changes waiting whose first change is at least `delay_ms` old: each
/// ticket's changes of that minute go out as one mail per person.
pub async fn tickets_due(pool: &Pool, now: i64, delay_ms: i64) -> Result<Vec<i64>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT ticket_id FROM mail_pending GROUP BY ticket_id
         HAVING MIN(created_at) <= $1 ORDER BY MIN(created_at) LIMIT 50",
    )
    .bind(now - delay_ms)
    .fetch_all(pool)
    .await?)
}

/// A mail ready to queue.
pub struct NewMail {
    pub ticket_id: Option<i64>,
    pub user_id: Option<i64>,
    pub to_address: String,
    pub subject: String,
    pub message_id: String,
    pub message: String,
}

/// A history entry as a mail tells of it.
#[derive(sqlx::FromRow)]
struct EventRow {
    kind: String,
    actor: i64,
    actor_name: String,
    staff: i64,
    from_value: Option<String>,
    to_value: Option<String>,
    comment_text: Option<String>,
    internal: i64,
}

#[derive(sqlx::FromRow)]
struct PersonRow {
    id: i64,
    username: String,
    email: String,
    status: String,
    staff: i64,
    department_id: Option<i64>,
    mail_topics: Option<String>,
}

const STAFF: &str =
    "EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role IN ('admin', 'agent'))";

/// Takes the ticket's waiting changes (deleting them: of several servers, one gets them),
/// reads what the mails need, and queues the mails `write` makes of it, all in one
/// transaction: a crash before the commit leaves the changes waiting, after it the mails
/// queued.
pub async fn compose_ticket<F>(
    pool: &Pool,
    ticket_id: i64,
    now: i64,
    write: F,
) -> Result<usize, AppError>
where
    F: FnOnce(&TicketFacts, &[Happening], &BTreeMap<i64, Person>) -> Vec<NewMail>,
{
    let mut tx = begin_write(pool).await?;
    let taken: Vec<(Option<i64>, i64)> = sqlx::query_as(
        "DELETE FROM mail_pending WHERE ticket_id = $1
         RETURNING event_id, CASE WHEN overdue THEN 1 ELSE 0 END",
    )
    .bind(ticket_id)
    .fetch_all(&mut *tx)
    .await?;
    if taken.is_empty() {
        return Ok(0);
    }
    let ticket: Option<TicketFacts> = sqlx::query_as::<
        _,
        (i64, String, String, i64, Option<i64>, i64, String),
    >(
        "SELECT t.id, t.service_request_no, t.subject, t.requested_by, t.assignee_id,
                t.department_id, d.name
           FROM tickets t JOIN departments d ON d.id = t.department_id
          WHERE t.id = $1",
    )
    .bind(ticket_id)
    .fetch_optional(&mut *tx)
    .await?
    .map(
        |(id, number, subject, requested_by, assignee_id, department_id, department)| TicketFacts {
            id,
            number,
            subject,
            requested_by,
            assignee_id,
            department_id,
            department,
        },
    );
    let Some(ticket) = ticket else {
        tx.commit().await?;
        return Ok(0);
    };
    let mut events: Vec<i64> = taken.iter().filter_map(|(e, _)| *e).collect();
    events.sort_unstable();
    let mut happenings = Vec::new();
    if !events.is_empty() {
        let ids: Vec<[i64; 1]> = events.iter().map(|id| [*id]).collect();
        let list = serde_json::to_string(&ids).map_err(|_| AppError::Internal)?;
        let b = Backend::of(pool);
        let rows: Vec<EventRow> = sqlx::query_as(&format!(
            "SELECT e.kind, e.user_id AS actor, u.username AS actor_name,
                    CASE WHEN {STAFF} THEN 1 ELSE 0 END AS staff,
                    e.from_value, e.to_value, c.comment_text,
                    CASE WHEN c.internal THEN 1 ELSE 0 END AS internal
               FROM ticket_events e
               JOIN users u ON u.id = e.user_id
               LEFT JOIN ticket_comments c ON c.id = e.comment_id
              WHERE e.id IN (SELECT CAST(j.value ->> 0 AS BIGINT) FROM {})
              ORDER BY e.id",
            b.json_rows("$1")
        ))
        .bind(&list)
        .fetch_all(&mut *tx)
        .await?;
        for e in rows {
            let Ok(kind) = EventKind::parse(&e.kind) else {
                continue;
            };
            happenings.push(Happening::Event {
                kind,
                actor: e.actor,
                actor_name: e.actor_name,
                actor_is_staff: e.staff == 1,
                from: e.from_value,
                to: e.to_value,
                comment: e.comment_text,
                internal: e.internal == 1,
            });
        }
    }
    if taken.iter().any(|(_, overdue)| *overdue == 1) {
        happenings.push(Happening::Overdue);
    }
    // The requester and the holder; staff of the department (or of none) only when a new
    // or overdue ticket may concern them, and only those who chose some mail (the
    // department's topics are opt-in, so none stored means none of those).
    let whole_department = happenings.iter().any(|h| {
        matches!(
            h,
            Happening::Overdue
                | Happening::Event {
                    kind: EventKind::Created,
                    ..
                }
        )
    });
    let rows: Vec<PersonRow> = sqlx::query_as(&format!(
        "SELECT u.id, u.username, u.email, u.status,
                CASE WHEN {STAFF} THEN 1 ELSE 0 END AS staff, u.department_id, u.mail_topics
           FROM users u
          WHERE u.id = $1 OR u.id = $2
             OR ($3 AND u.status = 'active' AND u.mail_topics IS NOT NULL
                 AND (u.department_id = $4 OR u.department_id IS NULL) AND {STAFF})"
    ))
    .bind(ticket.requested_by)
    .bind(ticket.assignee_id.unwrap_or(0))
    .bind(whole_department)
    .bind(ticket.department_id)
    .fetch_all(&mut *tx)
    .await?;
    let people: BTreeMap<i64, Person> = rows
        .into_iter()
        .map(|p| {
            let person = Person {
                id: p.id,
                username: p.username,
                email: p.email,
                active: p.status == "active",
                staff: p.staff == 1,
                department_id: p.department_id,
                topics: MailTopics::read(p.mail_topics.as_deref()),
            };
            (p.id, person)
        })
        .collect();
    let mails = write(&ticket, &happenings, &people);
    for mail in &mails {
        enqueue(&mut tx, mail, now).await?;
    }
    tx.commit().await?;
    Ok(mails.len())
}

async fn enqueue(conn: &mut crate::base::db::Conn, m: &NewMail, now: i64) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO mail_outbox (ticket_id, user_id, to_address, subject, message_id, message,
                                  next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(m.ticket_id)
    .bind(m.user_id)
    .bind(&m.to_address)
    .bind(&m.subject)
    .bind(&m.message_id)
    .bind(&m.message)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Queues one mail on its own (the admin's test mail).
pub async fn queue_one(pool: &Pool, mail: &NewMail, now: i64) -> Result<(), AppError> {
    let mut tx = begin_write(pool).await?;
    enqueue(&mut tx, mail, now).await?;
    tx.commit().await?;
    Ok(())
}

/// A mail taken for sending.
#[derive(Debug, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub to_address: String,
    pub message: String,
    pub created_at: i64,
    /// This one included.
    pub attempts: i64,
}

/// Takes up to `limit` mails due for sending, each leased until `lease_until`: another
/// server (or this one after a restart) takes a mail again only once its lease has run
/// out, so a server that dies mid-send leaves its mails to the others. On PostgreSQL the
/// rows another server is claiming are skipped, not waited for.
pub async fn claim(
    pool: &Pool,
    now: i64,
    lease_until: i64,
    limit: i64,
) -> Result<Vec<Claimed>, AppError> {
    let skip_locked = match Backend::of(pool) {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let mut tx = begin_write(pool).await?;
    let rows = sqlx::query_as(&format!(
        "UPDATE mail_outbox SET lease_until = $1, attempts = attempts + 1
          WHERE id IN (SELECT id FROM mail_outbox
                        WHERE state = 'queued' AND next_attempt_at <= $2
                          AND (lease_until IS NULL OR lease_until <= $2)
                        ORDER BY next_attempt_at, id LIMIT $3 {skip_locked})
         RETURNING id, to_address, message, created_at, attempts"
    ))
    .bind(lease_until)
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows)
}

/// What became of one attempt.
pub enum Outcome {
    Sent,
    /// Try again at this time.
    Later(i64, String),
    Failed(String),
}

pub async fn record(pool: &Pool, id: i64, outcome: Outcome, now: i64) -> Result<(), AppError> {
    let mut tx = begin_write(pool).await?;
    match outcome {
        Outcome::Sent => {
            sqlx::query(
                "UPDATE mail_outbox SET state = 'sent', sent_at = $2, lease_until = NULL
              WHERE id = $1",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?
        }
        Outcome::Later(at, error) => {
            sqlx::query(
                "UPDATE mail_outbox SET next_attempt_at = $2, last_error = $3, lease_until = NULL
              WHERE id = $1",
            )
            .bind(id)
            .bind(at)
            .bind(error)
            .execute(&mut *tx)
            .await?
        }
        Outcome::Failed(error) => {
            sqlx::query(
                "UPDATE mail_outbox SET state = 'failed', last_error = $2, lease_until = NULL
              WHERE id = $1",
            )
            .bind(id)
            .bind(error)
            .execute(&mut *tx)
            .await?
        }
    };
    tx.commit().await?;
    Ok(())
}

/// One failed mail (or all) back in the queue, to be sent at once and retried for another
/// day. Returns how many.
pub async fn retry(pool: &Pool, id: Option<i64>, now: i64) -> Result<u64, AppError> {
    let mut tx = begin_write(pool).await?;
    let done = sqlx::query(
        "UPDATE mail_outbox SET state = 'queued', next_attempt_at = $1, created_at = $1,
                                lease_until = NULL
          WHERE state = 'failed' AND ($2 IS NULL OR id = $2)",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(done)
}

/// The Mail page's list: newest first, a page at a time, of one state or all.
pub async fn list(
    pool: &Pool,
    state: Option<MailState>,
    before: Option<i64>,
    per: i64,
) -> Result<Vec<OutboxEntry>, AppError> {
    Ok(sqlx::query_as(
        "SELECT o.id, o.to_address, o.subject, t.service_request_no, o.state, o.attempts,
                o.last_error, o.created_at, o.sent_at, o.next_attempt_at
           FROM mail_outbox o LEFT JOIN tickets t ON t.id = o.ticket_id
          WHERE ($1 IS NULL OR o.state = $1) AND ($2 IS NULL OR o.id < $2)
          ORDER BY o.id DESC LIMIT $3",
    )
    .bind(state.map(MailState::as_str))
    .bind(before)
    .bind(per)
    .fetch_all(pool)
    .await?)
}

/// How the outbox stands, and since when mail has been failing: the oldest mail that
/// failed (or is waiting after a failure) since the last one that went out.
pub async fn overview(
    pool: &Pool,
    configured: bool,
    inbound: bool,
) -> Result<MailOverview, AppError> {
    let (queued, sent, failed, failing_since, off): (i64, i64, i64, Option<i64>, i64) =
        sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM mail_outbox WHERE state = 'queued'),
                    (SELECT COUNT(*) FROM mail_outbox WHERE state = 'sent'),
                    (SELECT COUNT(*) FROM mail_outbox WHERE state = 'failed'),
                    (SELECT MIN(created_at) FROM mail_outbox
                      WHERE last_error IS NOT NULL AND state <> 'sent'
                        AND created_at > COALESCE((SELECT MAX(sent_at) FROM mail_outbox
                                                   WHERE state = 'sent'), 0)),
                    (SELECT CASE WHEN switched_off THEN 1 ELSE 0 END FROM mail_state WHERE id = 1)",
        )
        .fetch_one(pool)
        .await?;
    Ok(MailOverview {
        configured,
        switched_off: off == 1,
        inbound,
        queued,
        sent,
        failed,
        failing_since,
    })
}

/// How long sent mail stays on the Mail page (and in the database): 30 days.
pub const KEEP_SENT_MS: i64 = 30 * 86_400_000;

/// Deletes sent mail older than `KEEP_SENT_MS`, a thousand at a time (one short write
/// each); returns how many.
pub async fn purge_sent(pool: &Pool, now: i64) -> Result<u64, AppError> {
    let mut purged = 0;
    loop {
        let mut tx = begin_write(pool).await?;
        let n = sqlx::query(
            "DELETE FROM mail_outbox WHERE id IN (
                 SELECT id FROM mail_outbox WHERE state = 'sent' AND sent_at < $1 LIMIT 1000)",
        )
        .bind(now - KEEP_SENT_MS)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        purged += n;
        if n < 1000 {
            return Ok(purged);
        }
    }
}
