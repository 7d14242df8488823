//! Ticket queries. A ticket, its number and its first comment are written in one transaction.

use super::model::{
    Comment, CommentText, Cursor, DayRange, DeviceNo, EventKind, HistoryEntry, PageAt,
    SEARCH_LIMIT, Subject, TicketDetail, TicketFilter, TicketPage, TicketStatus, TicketSummary,
    service_request_no,
};
use super::search::{self, Word};
use crate::base::db::{Backend, Conn, Pool, Sql};
use crate::{auth::model::CurrentUser, base::db::begin_write, error::AppError, time::utc_year};
use sqlx::Any;

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
pub async fn create(pool: &Pool, t: &NewTicket, now_ms: i64) -> Result<(i64, String), AppError> {
    let mut tx = begin_write(pool).await?;
    let mut errors = Vec::new();
    if !exists(&mut tx, "request_types", t.request_type_id).await? {
        errors.push(("request_type_id", "Choose a request type from the list."));
    }
    if !exists(&mut tx, "departments", t.department_id).await? {
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
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO tickets (service_request_no, requested_by, request_type_id, department_id,
                              subject, status, date_started)
         VALUES ($1, $2, $3, $4, $5, 'pending', $6) RETURNING id",
    )
    .bind(&number)
    .bind(t.requested_by)
    .bind(t.request_type_id)
    .bind(t.department_id)
    .bind(t.subject.as_str())
    .bind(now_ms)
    .fetch_one(&mut *tx)
    .await?;
    add_terms(&mut tx, &[t.subject.as_str(), t.description.as_str()]).await?;
    let description = insert_comment(
        &mut tx,
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
    record(&mut tx, &created).await?;
    tx.commit().await?;
    Ok((id, number))
}

/// Moves a ticket to `status` and records the change. Completing sets `date_finished`; any
/// other status clears it. Choosing the status it already has changes and records nothing.
pub async fn set_status(
    pool: &Pool,
    ticket_id: i64,
    status: TicketStatus,
    by: i64,
    now_ms: i64,
) -> Result<(), AppError> {
    let mut tx = begin_write(pool).await?;
    let current: String = sqlx::query_scalar("SELECT status FROM tickets WHERE id = $1")
        .bind(ticket_id)
        .fetch_one(&mut *tx)
        .await?;
    if current == status.as_str() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE tickets
            SET status = $1, date_finished = CASE WHEN $1 = 'completed' THEN $2 END
          WHERE id = $3",
    )
    .bind(status.as_str())
    .bind(now_ms)
    .bind(ticket_id)
    .execute(&mut *tx)
    .await?;
    let change = Event {
        ticket_id,
        by,
        kind: EventKind::Status,
        from: Some(&current),
        to: Some(status.as_str()),
        comment_id: None,
        at: now_ms,
    };
    record(&mut tx, &change).await?;
    tx.commit().await?;
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

/// The ticket's id and requester, for the visibility check every ticket action starts with.
pub async fn owner(pool: &Pool, number: &str) -> Result<(i64, i64), AppError> {
    if !crate::base::db::storable(number) {
        return Err(AppError::NotFound);
    }
    Ok(
        sqlx::query_as("SELECT id, requested_by FROM tickets WHERE service_request_no = $1")
            .bind(number)
            .fetch_one(pool)
            .await?,
    )
}

pub async fn detail(pool: &Pool, ticket_id: i64) -> Result<TicketDetail, AppError> {
    Ok(sqlx::query_as(
        "SELECT t.id, t.service_request_no, t.subject, rt.name AS request_type,
                t.department_id, d.name AS department, t.requested_by,
                u.username AS requester, u.avatar_url AS requester_avatar, t.status,
                t.date_started, t.date_finished
           FROM tickets t
           JOIN request_types rt ON rt.id = t.request_type_id
           JOIN departments d ON d.id = t.department_id
           JOIN users u ON u.id = t.requested_by
          WHERE t.id = $1",
    )
    .bind(ticket_id)
    .fetch_one(pool)
    .await?)
}

/// The ticket's history, oldest first, each entry with the comment it added.
pub async fn history(pool: &Pool, ticket_id: i64) -> Result<Vec<HistoryEntry>, AppError> {
    Ok(sqlx::query_as(
        "SELECT e.id, e.kind, u.username AS actor, u.avatar_url AS actor_avatar,
                EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = 'admin')
                    AS actor_is_admin,
                e.from_value, e.to_value, c.comment_text, c.device_no, e.created_at
           FROM ticket_events e
           JOIN users u ON u.id = e.user_id
           LEFT JOIN ticket_comments c ON c.id = e.comment_id
          WHERE e.ticket_id = $1
          ORDER BY e.created_at, e.id",
    )
    .bind(ticket_id)
    .fetch_all(pool)
    .await?)
}

/// Adds a comment and its history entry in one transaction.
/// Adds `author`'s comment to the ticket and returns it as the thread shows it (made from
/// what is known: reading it back was one more query per comment).
pub async fn add_comment(
    pool: &Pool,
    ticket_id: i64,
    author: &CurrentUser,
    text: &CommentText,
    device_no: &DeviceNo,
    now_ms: i64,
) -> Result<Comment, AppError> {
    let row = NewComment(
        ticket_id,
        author.id,
        text.as_str().to_owned(),
        device_no.as_deref().map(str::to_owned),
        now_ms,
    );
    let id = comment_writer::write(pool, row).await?;
    Ok(Comment {
        id,
        author: author.username.clone(),
        author_avatar: author.avatar_url.clone(),
        author_is_admin: author.is_admin,
        comment_text: text.as_str().to_owned(),
        device_no: device_no.as_deref().map(str::to_owned),
        created_at: now_ms,
    })
}

/// A comment to store: ticket, author, text, device number, time (a JSON array as written).
#[derive(serde::Serialize)]
struct NewComment(i64, i64, String, Option<String>, i64);

/// Stores `rows` in one transaction, a statement per table however many rows, and returns
/// their ids in order.
async fn insert_comments(pool: &Pool, rows: &[NewComment]) -> Result<Vec<i64>, AppError> {
    let b = Backend::of(pool);
    let mut tx = begin_write(pool).await?;
    let list = serde_json::to_string(rows).map_err(|_| AppError::Internal)?;
    // Inserted in the list's order while this transaction holds the write lock, so the new
    // ids ascend in that order.
    let mut ids: Vec<i64> = sqlx::query_scalar(&format!(
        "INSERT INTO ticket_comments (ticket_id, user_id, comment_text, device_no, created_at)
         SELECT CAST(j.value ->> 0 AS BIGINT), CAST(j.value ->> 1 AS BIGINT), j.value ->> 2,
                j.value ->> 3, CAST(j.value ->> 4 AS BIGINT)
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
    let texts: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
    add_terms(&mut tx, &texts).await?;
    tx.commit().await?;
    Ok(ids)
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

/// Moves a ticket to another department and records the change (with both names as they
/// are now); an unknown department is a field error and changes nothing.
pub async fn set_department(
    pool: &Pool,
    ticket_id: i64,
    department_id: i64,
    by: i64,
    now_ms: i64,
) -> Result<(), AppError> {
    let mut tx = begin_write(pool).await?;
    let Some(to): Option<String> = sqlx::query_scalar("SELECT name FROM departments WHERE id = $1")
        .bind(department_id)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Err(AppError::invalid(
            "department_id",
            "Choose a department from the list.",
        ));
    };
    let (from_id, from): (i64, String) = sqlx::query_as(
        "SELECT d.id, d.name FROM tickets t JOIN departments d ON d.id = t.department_id
          WHERE t.id = $1",
    )
    .bind(ticket_id)
    .fetch_one(&mut *tx)
    .await?;
    if from_id == department_id {
        return Ok(());
    }
    sqlx::query("UPDATE tickets SET department_id = $1 WHERE id = $2")
        .bind(department_id)
        .bind(ticket_id)
        .execute(&mut *tx)
        .await?;
    let change = Event {
        ticket_id,
        by,
        kind: EventKind::Department,
        from: Some(&from),
        to: Some(&to),
        comment_id: None,
        at: now_ms,
    };
    record(&mut tx, &change).await?;
    tx.commit().await?;
    Ok(())
}

/// A page of `size` tickets at `at`, with the cursors of its neighbours and the counts.
pub async fn page(
    pool: &Pool,
    f: &TicketFilter,
    at: PageAt,
    size: i64,
) -> Result<TicketPage, AppError> {
    let cursor = |t: &TicketSummary| Cursor {
        date_started: t.date_started,
        id: t.id,
    };
    let query = search_query(pool, f).await?;
    if let Some(query) = query {
        // Ranked results have no stable keyset: the best ones, on one page.
        let found = search(pool, f, &query, SEARCH_LIMIT).await?;
        return Ok(TicketPage {
            tickets: found.tickets,
            prev: None,
            next: None,
            counts: found.counts,
            ranked: true,
            more_matches: found.more_matches,
        });
    }
    let (tickets, prev, next, counts) = match at {
        PageAt::First | PageAt::After(_) => {
            let after = match at {
                PageAt::After(c) => Some(c),
                _ => None,
            };
            let (mut rows, counts) = list_and_counts(pool, f, after, size + 1).await?;
            let more = rows.len() as i64 > size;
            rows.truncate(size as usize);
            let next = more.then(|| rows.last().map(cursor)).flatten();
            let prev = after.and(rows.first().map(cursor));
            (rows, prev, next, counts)
        }
        PageAt::Before(c) => {
            // Walk backwards from the cursor, then put the rows back in display order.
            let reverse = TicketFilter {
                oldest_first: !f.oldest_first,
                ..f.clone()
            };
            let (mut rows, counts) = list_and_counts(pool, &reverse, Some(c), size + 1).await?;
            if (rows.len() as i64) <= size {
                // This reaches the start: show the (full) first page instead.
                return Box::pin(page(pool, f, PageAt::First, size)).await;
            }
            rows.truncate(size as usize);
            rows.reverse();
            let prev = rows.first().map(cursor);
            let next = rows.last().map(cursor);
            (rows, prev, next, counts)
        }
    };
    Ok(TicketPage {
        tickets,
        prev,
        next,
        counts,
        ranked: false,
        more_matches: false,
    })
}

/// Appends the filter's conditions on `t` (all but the statuses when `with_status` is
/// false). The search words are not among them: a search starts from its own index.
fn push_filter<'a>(q: &mut Sql<'a>, f: &'a TicketFilter, with_status: bool) {
    if let Some(user) = f.requested_by {
        q.push(" AND t.requested_by = ").push_bind(user);
    }
    if let Some(dept) = f.department_id {
        q.push(" AND t.department_id = ").push_bind(dept);
    }
    if let Some(kind) = f.request_type_id {
        q.push(" AND t.request_type_id = ").push_bind(kind);
    }
    push_days(q, "t.date_started", f.started);
    // Lists read in started order, never sorting a finished range (an open-ended one is
    // most tickets): a ticket finishes after it starts, so the range's end bounds the start
    // too, and `+` keeps the planner off the finished index here.
    push_days(q, "+t.date_finished", f.finished);
    if let (_, Some(end)) = f.finished.bounds_ms() {
        q.push(" AND t.date_started < ").push_bind(end);
    }
    if with_status && !f.statuses.is_empty() {
        q.push(" AND t.status IN (")
            .push_binds(f.statuses.iter().map(|s| s.as_str()), ", ")
            .push(")");
    }
}

/// `column` (one of ours) within the days of `range`.
fn push_days(q: &mut Sql<'_>, column: &str, range: DayRange) {
    let (from, to) = range.bounds_ms();
    if let Some(from) = from {
        q.push(format!(" AND {column} >= ")).push_bind(from);
    }
    if let Some(to) = to {
        q.push(format!(" AND {column} < ")).push_bind(to);
    }
}

/// A list row as JSON, a `TicketSummary` in its fields' order, with the expression for
/// its snippet. Lists come back as one JSON array (`summaries_query`).
fn summary_row(b: Backend, snippet: &str) -> String {
    format!(
        "{}(t.id, t.service_request_no, t.subject, rt.name, d.name, u.username,
            t.status, t.date_started, t.date_finished, t.comment_count, {snippet})",
        b.json_array()
    )
}

/// `rows` (a SELECT of a `summary_row` AS row and the sort keys k1, k2) as one JSON array,
/// in that order: one row through sqlx instead of one per ticket. sqlx hands every row
/// over from its SQLite thread, two thread switches apiece, and those were most of the
/// time of a list (bench: search 156 -> 415 req/s at 16 connections when its rounds
/// became one row each).
fn summaries_query<'a>(start: &str, b: Backend, dir: &str) -> Sql<'a> {
    Sql::new(format!("{start}{}", summaries_start(b, dir)))
}

fn summaries_start(b: Backend, dir: &str) -> String {
    format!(
        "SELECT {} FROM (",
        b.json_list("row", &format!("ORDER BY k1 {dir}, k2 {dir}"))
    )
}

async fn fetch_summaries(
    q: &mut Sql<'_>,
    conn: impl sqlx::Executor<'_, Database = Any>,
) -> Result<Vec<TicketSummary>, AppError> {
    let json: String = q.build_query_scalar().fetch_one(conn).await?;
    from_json(&json)
}

/// A JSON answer SQLite built (json_group_array) read back; one that does not read is a
/// bug of ours, logged, and an internal error for the caller.
fn from_json<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, AppError> {
    serde_json::from_str(json).map_err(|e| {
        tracing::error!(error = %e, "an answer built as JSON did not read back");
        AppError::Internal
    })
}

/// Tickets first, the small tables looked up per row (`ordered_join`). With statistics of a
/// million tickets SQLite's planner otherwise starts from the 8 request types and sorts
/// every ticket (measured: 0.7 s a page).
fn summary_joins(b: Backend) -> String {
    let join = b.ordered_join();
    format!(
        " {join} request_types rt ON rt.id = t.request_type_id
          {join} departments d ON d.id = t.department_id
          {join} users u ON u.id = t.requested_by"
    )
}

/// The search words of `f`, and its FTS5 query (limited to the requester's own rows when it
/// names one, long prefixes expanded into whole words); None without words.
/// Touches the database only for long prefixes: a list without words costs nothing here.
async fn search_query(
    pool: &Pool,
    f: &TicketFilter,
) -> Result<Option<(Vec<Word>, String)>, AppError> {
    let words = search::words(f.text.as_deref().unwrap_or_default());
    if Backend::of(pool) == Backend::Postgres {
        return Ok(search::ts_query(&words).map(|q| (words, q)));
    }
    let mut expanded = Vec::with_capacity(words.len());
    for word in &words {
        expanded.push(
            if word.prefix && word.text.chars().count() > search::INDEXED_PREFIX {
                // One JSON row, not up to 65 rows (each a handoff from sqlx's SQLite thread).
                let found: String = sqlx::query_scalar(
                    "SELECT json_group_array(term) FROM (SELECT term FROM search_vocabulary
                  WHERE term >= $1 AND term < $2 ORDER BY term LIMIT $3)",
                )
                .bind(&word.text)
                .bind(format!("{}{}", word.text, char::MAX))
                .bind(search::MAX_EXPANSION as i64 + 1)
                .fetch_one(pool)
                .await?;
                let found: Vec<String> = from_json(&found)?;
                (found.len() <= search::MAX_EXPANSION).then_some(found)
            } else {
                None
            },
        );
    }
    Ok(search::fts_query(&words, &expanded, f.requested_by).map(|q| (words, q)))
}

/// Adds the words of `texts` to the vocabulary long prefixes are expanded from, inside the
/// caller's transaction (so a word is there exactly when its row is).
pub async fn add_terms(conn: &mut Conn, texts: &[&str]) -> Result<(), AppError> {
    // PostgreSQL's index answers prefixes itself (`word:*`): no vocabulary there.
    if Backend::of_conn(conn) == Backend::Postgres {
        return Ok(());
    }
    let mut all: Vec<String> = texts.iter().flat_map(|t| search::terms(t)).collect();
    all.sort_unstable();
    all.dedup();
    let list = serde_json::Value::from(all).to_string();
    sqlx::query("INSERT OR IGNORE INTO search_vocabulary (term) SELECT value FROM json_each($1)")
        .bind(list)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// How many matching rows one round of a search reads, newest first, and how many rounds at
/// most (so 4,000 rows): a search costs about the same however common its words are. Older
/// matches beyond that are reported as `more_matches` (more words or filters find them).
/// Rounds stop once `SEARCH_LIMIT` tickets are found: a common word's first 250 rows are
/// already 250 tickets with it in the subject (rounds of 1,000 spent 4x the time on rows
/// nobody sees; bench at 1M, 16 connections: p99 39-49 -> 20-25 ms).
const SEARCH_WINDOW: i64 = 250;
/// On PostgreSQL, how many of the newest search rows a round checks one by one before it
/// asks the index for older matches.
const RECENT_ROWS: i64 = 5_000;
const SEARCH_ROUNDS: usize = 16;

struct Found {
    tickets: Vec<TicketSummary>,
    counts: Vec<(TicketStatus, i64)>,
    more_matches: bool,
}

/// How well a ticket matches: all the words in its number, else all in its subject, else
/// (only) in a comment; lower is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    Number,
    Subject,
    Comment,
}

/// One ticket found: its rank, the newest comment that matched (none when its ticket row
/// did), what sorts it.
struct Hit {
    rank: Rank,
    comment_id: Option<i64>,
    status: TicketStatus,
    date_started: i64,
}

/// Tickets matching `f`'s words, best first: those with every word in the number, then in
/// the subject, then the others, newest first within each. Reads the newest matching
/// comments in rounds of `SEARCH_WINDOW`, so the cost is bounded; returns at most `limit`,
/// the subject marked and a snippet of the newest comment that matched.
async fn search(
    pool: &Pool,
    f: &TicketFilter,
    (words, query): &(Vec<Word>, String),
    limit: i64,
) -> Result<Found, AppError> {
    use std::collections::{HashMap, hash_map::Entry};
    let b = Backend::of(pool);
    let mut conn = pool.acquire().await?;
    let mut hits: HashMap<i64, Hit> = HashMap::new();
    let (mut before, mut more_matches) = (i64::MAX, false);
    for _ in 0..SEARCH_ROUNDS {
        let (read, last, found): (i64, Option<i64>, String) = round_query("", b, f, query, before)
            .build_query_as()
            .fetch_one(&mut *conn)
            .await?;
        more_matches = read == SEARCH_WINDOW;
        let Some(last) = last else { break };
        before = last;
        let mut found: Vec<RoundHit> = from_json(&found)?;
        // Newest first: its ticket row or its newest comment decides a ticket's rank.
        found.sort_unstable_by_key(|h| std::cmp::Reverse(h.0));
        for (_, comment_id, ticket_id, status, date_started, number, subject) in found {
            let Entry::Vacant(slot) = hits.entry(ticket_id) else {
                continue; // its ticket row or a newer comment came first
            };
            let rank = if search::has_all(&number, words) {
                Rank::Number
            } else if search::has_all(&subject, words) {
                Rank::Subject
            } else {
                Rank::Comment
            };
            slot.insert(Hit {
                rank,
                comment_id,
                status,
                date_started,
            });
        }
        if !more_matches || hits.len() as i64 >= limit {
            break;
        }
    }
    let counts = TicketStatus::ALL
        .into_iter()
        .map(|s| (s, hits.values().filter(|h| h.status == s).count() as i64))
        .collect();
    let mut ranked: Vec<(i64, Hit)> = hits
        .into_iter()
        .filter(|(_, h)| f.statuses.is_empty() || f.statuses.contains(&h.status))
        .collect();
    ranked.sort_by_key(|(id, h)| (h.rank, std::cmp::Reverse((h.date_started, *id))));
    ranked.truncate(limit.max(0) as usize);

    // Each shown ticket with the text of the comment that matched, as its snippet for now.
    let shown = serde_json::Value::from(
        ranked
            .iter()
            .enumerate()
            .map(|(i, (id, h))| serde_json::json!([id, h.comment_id, i]))
            .collect::<Vec<_>>(),
    );
    let mut rows = fetch_summaries(&mut shown_query("", b, shown.to_string()), &mut *conn).await?;
    for row in &mut rows {
        row.subject = search::mark(&row.subject, words);
        row.snippet = row
            .snippet
            .as_deref()
            .and_then(|text| search::snippet(text, words, 12));
    }
    Ok(Found {
        tickets: rows,
        counts,
        more_matches,
    })
}

/// One search row's ticket in a round: the search rowid, the comment id of a comment row,
/// the ticket's id, status, date started, number (with its bare sequence) and subject.
type RoundHit = (i64, Option<i64>, i64, TicketStatus, i64, String, String);

/// One round of a search, as one row: how many search rows it read (the newest
/// `SEARCH_WINDOW` matching `query` below the id `before`: both indexes stop there, however
/// many match), the last of them, and as a JSON array of `RoundHit`s their tickets that
/// pass `f` (all but its statuses: the counts show them all). One row rather than a
/// thousand: sqlx hands every row over from its SQLite thread, and those handoffs were
/// most of a search's time.
fn round_query<'a>(
    start: &str,
    b: Backend,
    f: &'a TicketFilter,
    query: &'a str,
    before: i64,
) -> Sql<'a> {
    // The matching rows, newest first, each with its ticket.
    let mut q = match b {
        // FTS5 reads its index in rowid order and stops; the requester is in `query`.
        Backend::Sqlite => {
            let mut q = Sql::new(format!(
                "{start}WITH w AS MATERIALIZED (SELECT rowid AS id,
                        CASE WHEN rowid >= {TICKET_ROWS} THEN rowid - {TICKET_ROWS}
                        ELSE (SELECT c.ticket_id FROM ticket_comments c
                               WHERE c.id = ticket_search.rowid)
                        END AS ticket_id
                   FROM ticket_search WHERE ticket_search MATCH "
            ));
            q.push_bind(query).push(" AND rowid < ").push_bind(before);
            q
        }
        // A GIN index has no order: the planner must choose between reading the newest
        // rows until enough match (a common word) and the index's every match, sorted (a
        // rare one), and it cannot tell them apart for prefixes: it guessed 29,989 rows for
        // "kaleidoscope", read 6 million newest first and found 12 (7.3 s, at 1,000,000
        // tickets). So both, each bounded: the newest `RECENT_ROWS` rows are checked; only
        // if they hold too few matches does the index find the older ones (`id + 0` keeps
        // the planner off the primary key's order).
        Backend::Postgres => {
            let mut q = Sql::new(start);
            let (query, before) = (q.bind(query), q.bind(before));
            let mine = match f.requested_by {
                Some(user) => format!(" AND owner = {}", q.bind(user)),
                None => String::new(),
            };
            let matches = format!("document @@ to_tsquery('helpdesk', {query})");
            // `recent` is read in order and stops at the window's last match; `older` runs
            // only when that found too few (a one-time filter), and `id + 0` keeps the
            // primary key out of it (a BitmapAnd with it read the whole key: 390 ms).
            let recent = format!(
                "SELECT id, ticket_id, document FROM ticket_search
                  WHERE id < {before}{mine} ORDER BY id DESC LIMIT {RECENT_ROWS}"
            );
            q.push(format_args!(
                "WITH hits AS MATERIALIZED (SELECT id, ticket_id FROM ({recent}) r
                        WHERE {matches} LIMIT {SEARCH_WINDOW}),
                    older AS MATERIALIZED (SELECT id, ticket_id FROM ticket_search
                        WHERE (SELECT COUNT(*) FROM hits) < {SEARCH_WINDOW} AND {matches}
                          AND id + 0 < (SELECT COALESCE(MIN(id), {before}) FROM ({recent}) r)
                          {mine}
                        ORDER BY id + 0 DESC LIMIT {SEARCH_WINDOW}),
                    w AS MATERIALIZED (SELECT id, ticket_id FROM hits
                        UNION ALL SELECT id, ticket_id FROM older"
            ));
            q
        }
    };
    let hit = format!(
        "{}(w.id, CASE WHEN w.id < {TICKET_ROWS} THEN w.id END, t.id, t.status,
            t.date_started, t.service_request_no || ' ' ||
                CAST(CAST(substr(t.service_request_no, 9) AS BIGINT) AS TEXT),
            t.subject)",
        b.json_array()
    );
    q.push(format_args!(
        " ORDER BY id DESC LIMIT {SEARCH_WINDOW})
        SELECT (SELECT COUNT(*) FROM w), (SELECT MIN(id) FROM w),
               (SELECT {} FROM w {} tickets t ON t.id = w.ticket_id WHERE 1 = 1",
        b.json_list(&hit, ""),
        b.ordered_join()
    ));
    push_filter(&mut q, f, false);
    q.push(")");
    q
}

/// Where the search rows of tickets start (migration 0007): a rowid from here is the ticket
/// `rowid - TICKET_ROWS`, one below it a comment's id.
const TICKET_ROWS: i64 = 1 << 40;

/// The list rows of `shown` (a JSON array of [ticket id, matched comment id or null,
/// place]), in that order, each with its comment's text as the snippet, after `start`.
fn shown_query<'a>(start: &str, b: Backend, shown: String) -> Sql<'a> {
    let mut q = summaries_query(start, b, "ASC");
    let snippet = "(SELECT bc.comment_text FROM ticket_comments bc
                     WHERE bc.id = CAST(j.value ->> 1 AS BIGINT))";
    let shown = q.bind(shown);
    q.push(format!(
        "SELECT {} AS row, CAST(j.value ->> 2 AS BIGINT) AS k1, 0 AS k2 FROM ",
        summary_row(b, snippet)
    ))
    .push(b.json_rows(&shown))
    .push(format!(
        " {} tickets t ON t.id = CAST(j.value ->> 0 AS BIGINT)",
        b.ordered_join()
    ))
    .push(summary_joins(b))
    .push(") s");
    q
}

/// One page of tickets matching `f`, newest (or oldest) first, starting after `after`.
pub async fn list(
    pool: &Pool,
    f: &TicketFilter,
    after: Option<Cursor>,
    limit: i64,
) -> Result<Vec<TicketSummary>, AppError> {
    fetch_summaries(
        &mut list_query("", Backend::of(pool), f, after, limit),
        pool,
    )
    .await
}

/// A page of tickets and the counts of `f` in one statement (one handoff to sqlx's SQLite
/// thread, not two): the JSON list rows, and the counts as a JSON array of [status, n].
async fn list_and_counts(
    pool: &Pool,
    f: &TicketFilter,
    after: Option<Cursor>,
    limit: i64,
) -> Result<(Vec<TicketSummary>, Vec<(TicketStatus, i64)>), AppError> {
    let b = Backend::of(pool);
    let mut q = Sql::new("SELECT (");
    push_list(&mut q, b, f, after, limit);
    q.push(format_args!(
        "), (SELECT {} FROM (",
        b.json_list(&format!("{}(s, n)", b.json_array()), "")
    ));
    push_counts(&mut q, f);
    q.push(") c)");
    let (rows, counts): (String, String) = q.build_query_as().fetch_one(pool).await?;
    let counts: Vec<(TicketStatus, i64)> = from_json(&counts)?;
    let rows = from_json(&rows)?;
    Ok((rows, all_statuses(&counts)))
}

/// The statement `list` runs, after `start` (a test puts EXPLAIN QUERY PLAN there).
fn list_query<'a>(
    start: &str,
    b: Backend,
    f: &'a TicketFilter,
    after: Option<Cursor>,
    limit: i64,
) -> Sql<'a> {
    let mut q = Sql::new(start);
    push_list(&mut q, b, f, after, limit);
    q
}

fn push_list<'a>(
    q: &mut Sql<'a>,
    b: Backend,
    f: &'a TicketFilter,
    after: Option<Cursor>,
    limit: i64,
) {
    let (cmp, dir) = if f.oldest_first {
        (">", "ASC")
    } else {
        ("<", "DESC")
    };
    q.push(summaries_start(b, dir));
    q.push(format!(
        "SELECT {} AS row, t.date_started AS k1, t.id AS k2 FROM tickets t",
        summary_row(b, "NULL")
    ))
    .push(summary_joins(b))
    .push(" WHERE 1 = 1");
    push_filter(q, f, true);
    if let Some(c) = after {
        q.push(format!(" AND (t.date_started, t.id) {cmp} ("))
            .push_bind(c.date_started)
            .push(", ")
            .push_bind(c.id)
            .push(")");
    }
    q.push(format!(" ORDER BY t.date_started {dir}, t.id {dir} LIMIT "))
        .push_bind(limit)
        .push(") s");
}

/// How many tickets match `f` in each status (the status filter itself is ignored, so the
/// counts show what choosing another status would give). Without search words they come
/// from the maintained counters, or a requester's slice of an index; with search words,
/// from the tickets the (bounded) search found.
pub async fn status_counts(
    pool: &Pool,
    f: &TicketFilter,
) -> Result<Vec<(TicketStatus, i64)>, AppError> {
    if let Some(query) = search_query(pool, f).await? {
        return Ok(search(pool, f, &query, 0).await?.counts);
    }
    let rows: Vec<(TicketStatus, i64)> =
        counts_query("", f).build_query_as().fetch_all(pool).await?;
    Ok(all_statuses(&rows))
}

/// Every status with its count in `rows` (0 where it has no row).
fn all_statuses(rows: &[(TicketStatus, i64)]) -> Vec<(TicketStatus, i64)> {
    TicketStatus::ALL
        .into_iter()
        .map(|s| {
            let n = rows
                .iter()
                .find(|(status, _)| *status == s)
                .map_or(0, |r| r.1);
            (s, n)
        })
        .collect()
}

/// The statement `status_counts` runs without search words, after `start`.
fn counts_query<'a>(start: &str, f: &'a TicketFilter) -> Sql<'a> {
    let mut q = Sql::new(start);
    push_counts(&mut q, f);
    q
}

/// The counts' SELECT (columns s, n).
fn push_counts<'a>(q: &mut Sql<'a>, f: &'a TicketFilter) {
    // `t` a requester's tickets or a span of days, `k` the counters: both have the filter
    // columns. The counters know no dates.
    let a = if f.requested_by.is_some() || f.started.is_set() || f.finished.is_set() {
        q.push("SELECT t.status AS s, COUNT(*) AS n FROM tickets t WHERE 1 = 1");
        if let Some(user) = f.requested_by {
            q.push(" AND t.requested_by = ").push_bind(user);
        }
        push_days(q, "t.date_started", f.started);
        push_days(q, "t.date_finished", f.finished);
        "t"
    } else {
        q.push(
            "SELECT k.status AS s, CAST(SUM(k.n) AS BIGINT) AS n FROM ticket_counts k WHERE 1 = 1",
        );
        "k"
    };
    if let Some(dept) = f.department_id {
        q.push(format!(" AND {a}.department_id = ")).push_bind(dept);
    }
    if let Some(kind) = f.request_type_id {
        q.push(format!(" AND {a}.request_type_id = "))
            .push_bind(kind);
    }
    q.push(format!(" GROUP BY {a}.status"));
}

/// For a CSV export of the tickets `ids`: each one's requester email, its comments
/// ("time author: text", a blank line between, oldest first, the description first) and
/// the device numbers given, by ticket id.
pub async fn export_details(
    pool: &Pool,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, (String, String, String)>, AppError> {
    let mut found: std::collections::HashMap<i64, (String, String, String)> =
        std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(found);
    }
    let push_ids = |q: &mut Sql<'_>| {
        q.push_binds(ids.iter().copied(), ", ").push(")");
    };
    let mut q = Sql::new(
        "SELECT t.id, u.email FROM tickets t JOIN users u ON u.id = t.requested_by
          WHERE t.id IN (",
    );
    push_ids(&mut q);
    let emails: Vec<(i64, String)> = q.build_query_as().fetch_all(pool).await?;
    for (id, email) in emails {
        found.entry(id).or_default().0 = email;
    }
    let mut q = Sql::new(
        "SELECT c.ticket_id, c.created_at, a.username, c.comment_text, c.device_no
           FROM ticket_comments c JOIN users a ON a.id = c.user_id
          WHERE c.ticket_id IN (",
    );
    push_ids(&mut q);
    q.push(" ORDER BY c.ticket_id, c.created_at, c.id");
    let comments: Vec<(i64, i64, String, String, Option<String>)> =
        q.build_query_as().fetch_all(pool).await?;
    for (id, at, author, text, device) in comments {
        let entry = found.entry(id).or_default();
        if !entry.1.is_empty() {
            entry.1.push_str("\n\n");
        }
        entry.1.push_str(&format!(
            "{} {author}: {text}",
            crate::time::UtcTime::from_ms(at).iso()
        ));
        if let Some(device) = device.filter(|d| !entry.2.split(", ").any(|seen| seen == d)) {
            if !entry.2.is_empty() {
                entry.2.push_str(", ");
            }
            entry.2.push_str(&device);
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::db::test_pool;
    use crate::tickets::model::{MARK_END, MARK_START};
    use crate::time::Day;
    use std::collections::HashSet;

    const JAN_2026: i64 = 1_767_225_600_000;

    /// The user `id` as a comment's author, read as the guards read it.
    async fn author(pool: &Pool, id: i64) -> CurrentUser {
        crate::auth::db::active_user(pool, id)
            .await
            .unwrap()
            .unwrap_or(CurrentUser {
                id,
                username: String::new(),
                email: String::new(),
                avatar_url: None,
                is_admin: false,
                department_id: None,
            })
    }

    async fn insert_user(pool: &Pool, name: &str) -> i64 {
        sqlx::query_scalar(
            "INSERT INTO users (username, email, password_hash, created_at, updated_at)
             VALUES ($1, $1 || '@example.com', 'x', 0, 0) RETURNING id",
        )
        .bind(name)
        .fetch_one(pool)
        .await
        .unwrap()
    }

    /// The maintained per-status counters equal a count of the rows.
    async fn assert_counters_match(pool: &Pool) {
        let off: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (
               SELECT department_id, request_type_id, status, COUNT(*) FROM tickets GROUP BY 1, 2, 3
               EXCEPT SELECT * FROM ticket_counts WHERE n > 0) AS off",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        let extra: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) - (SELECT COUNT(*) FROM tickets) FROM ticket_counts",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!((off, extra), (0, 0), "counters differ from the rows");
        let comments_off: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM tickets t
              WHERE t.comment_count <> (SELECT COUNT(*) FROM ticket_comments c
                                         WHERE c.ticket_id = t.id)",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(comments_off, 0, "comment counts differ from the comments");
    }

    async fn insert_department(pool: &Pool, name: &str) -> i64 {
        sqlx::query_scalar("INSERT INTO departments (name, created_at) VALUES ($1, 0) RETURNING id")
            .bind(name)
            .fetch_one(pool)
            .await
            .unwrap()
    }

    async fn fixture(pool: &Pool) -> NewTicket {
        let user = insert_user(pool, "ann").await;
        let dept = insert_department(pool, "IT").await;
        NewTicket {
            requested_by: user,
            request_type_id: 1,
            department_id: dept,
            subject: Subject::parse("Printer jam").unwrap(),
            description: CommentText::parse("Paper stuck\nin tray 2").unwrap(),
            device_no: DeviceNo::parse("PC-0042").unwrap(),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn numbers_are_unique_and_well_formed_under_50_concurrent_creations() {
        let (pool, _dir) = test_pool().await;
        let ticket = std::sync::Arc::new(fixture(&pool).await);
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (pool, ticket) = (pool.clone(), ticket.clone());
                tokio::spawn(async move { create(&pool, &ticket, JAN_2026).await })
            })
            .collect();
        let mut numbers = HashSet::new();
        for task in tasks {
            let (_, number) = task.await.unwrap().unwrap();
            assert!(
                number.len() == 14 && number.starts_with("SR-2026-"),
                "{number}"
            );
            numbers.insert(number);
        }
        assert_eq!(numbers.len(), 50);
        assert!(numbers.contains("SR-2026-000001") && numbers.contains("SR-2026-000050"));
        let comments: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ticket_comments")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(comments, 50, "each ticket starts with its description");
    }

    #[tokio::test]
    async fn numbers_are_not_reused_after_a_delete_and_restart_each_year() {
        let (pool, _dir) = test_pool().await;
        let ticket = fixture(&pool).await;
        let (id, first) = create(&pool, &ticket, JAN_2026).await.unwrap();
        sqlx::query("DELETE FROM tickets WHERE id = $1")
            .bind(id)
            .execute(&pool)
            .await
            .unwrap();
        let (_, second) = create(&pool, &ticket, JAN_2026).await.unwrap();
        assert_counters_match(&pool).await;
        let indexed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ticket_search")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(
            indexed, 2,
            "the deleted ticket's rows left the search index (the other's ticket and comment stay)"
        );
        assert_eq!(
            (first.as_str(), second.as_str()),
            ("SR-2026-000001", "SR-2026-000002")
        );
        let next_year = JAN_2026 + 366 * 86_400_000;
        let (_, third) = create(&pool, &ticket, next_year).await.unwrap();
        assert_eq!(third, "SR-2027-000001");
    }

    #[tokio::test]
    async fn unknown_type_or_department_is_refused_and_stores_nothing() {
        let (pool, _dir) = test_pool().await;
        let mut ticket = fixture(&pool).await;
        ticket.request_type_id = 999;
        ticket.department_id = 999;
        let err = create(&pool, &ticket, JAN_2026).await.unwrap_err();
        assert!(err.for_field("request_type_id").is_some());
        assert!(err.for_field("department_id").is_some());
        let (tickets, sequences, events): (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM tickets), (SELECT COUNT(*) FROM ticket_sequences),
                    (SELECT COUNT(*) FROM ticket_events)",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(
            (tickets, sequences, events),
            (0, 0, 0),
            "a refused change writes no history"
        );
    }

    /// Tickets over two departments, two types, two requesters and all statuses, several
    /// sharing a start time so the id tiebreak of the keyset matters.
    async fn many(pool: &Pool) -> (NewTicket, i64, i64) {
        let mut t = fixture(pool).await;
        let hr = insert_department(pool, "HR").await;
        let bob = insert_user(pool, "bob").await;
        let it = t.department_id;
        for i in 0..30i64 {
            t.department_id = if i % 2 == 0 { it } else { hr };
            t.request_type_id = if i % 3 == 0 { 1 } else { 2 };
            let ann = t.requested_by;
            if i % 5 == 0 {
                t.requested_by = bob;
            }
            t.subject = Subject::parse(&format!(
                "Ticket {i} {}",
                if i == 7 { "100% broken_" } else { "ok" }
            ))
            .unwrap();
            let (id, _) = create(pool, &t, JAN_2026 + (i / 3) * 1000).await.unwrap();
            t.requested_by = ann;
            let status = TicketStatus::ALL[(i % 3) as usize];
            set_status(pool, id, status, ann, JAN_2026 + 99_999)
                .await
                .unwrap();
        }
        (t, hr, bob)
    }

    /// The tickets `f` finds (a search's in list order), by the number in their subject.
    async fn ids(pool: &Pool, f: &TicketFilter) -> Vec<String> {
        let found = if f.text.is_some() {
            let mut ranked = page(pool, f, PageAt::First, 1000).await.unwrap().tickets;
            ranked.sort_by_key(|t| std::cmp::Reverse((t.date_started, t.id)));
            ranked
        } else {
            list(pool, f, None, 1000).await.unwrap()
        };
        found
            .into_iter()
            .map(|t| {
                let plain = t.subject.replace([MARK_START, MARK_END], "");
                plain.split(' ').nth(1).unwrap().to_string()
            })
            .collect()
    }

    fn expected(pred: impl Fn(i64) -> bool) -> Vec<String> {
        // Newest first: higher start time first, then higher id (created later) first.
        (0..30i64)
            .rev()
            .filter(|i| pred(*i))
            .map(|i| i.to_string())
            .collect()
    }

    #[tokio::test]
    async fn each_filter_and_their_combination_return_exactly_the_right_tickets() {
        let (pool, _dir) = test_pool().await;
        let (t, hr, bob) = many(&pool).await;
        let all = TicketFilter::default();
        assert_eq!(ids(&pool, &all).await, expected(|_| true));
        let by_status = TicketFilter {
            statuses: vec![TicketStatus::Ongoing, TicketStatus::Completed],
            ..all.clone()
        };
        assert_eq!(ids(&pool, &by_status).await, expected(|i| i % 3 != 0));
        let by_dept = TicketFilter {
            department_id: Some(hr),
            ..all.clone()
        };
        assert_eq!(ids(&pool, &by_dept).await, expected(|i| i % 2 == 1));
        let by_type = TicketFilter {
            request_type_id: Some(1),
            ..all.clone()
        };
        assert_eq!(ids(&pool, &by_type).await, expected(|i| i % 3 == 0));
        let by_requester = TicketFilter {
            requested_by: Some(bob),
            ..all.clone()
        };
        assert_eq!(ids(&pool, &by_requester).await, expected(|i| i % 5 == 0));
        let mine = TicketFilter {
            requested_by: Some(t.requested_by),
            ..all.clone()
        };
        assert_eq!(ids(&pool, &mine).await, expected(|i| i % 5 != 0));
        // Every word must match somewhere (number, subject or comment), as a prefix: "10"
        // matches subject "Ticket 10", ticket 7's "100%" and the bare number 10 (ticket i
        // has number i+1). A single letter or digit matches only itself.
        let by_text = TicketFilter {
            text: Some("tick 10".into()),
            ..all.clone()
        };
        assert_eq!(
            ids(&pool, &by_text).await,
            expected(|i| i == 10 || i == 7 || i == 9)
        );
        let single = TicketFilter {
            text: Some("ticket 1".into()),
            ..all.clone()
        };
        assert_eq!(ids(&pool, &single).await, expected(|i| i == 1 || i == 0));
        let by_number = TicketFilter {
            text: Some("SR-2026-000030".into()),
            ..all.clone()
        };
        assert_eq!(ids(&pool, &by_number).await, vec!["29"]);
        // Punctuation only separates words: nothing typed is FTS5 syntax.
        let literal = TicketFilter {
            text: Some("100% \"broken_\" OR NEAR(".into()),
            ..all.clone()
        };
        assert_eq!(
            ids(&pool, &literal).await,
            Vec::<String>::new(),
            "\"or\" and \"near\" are words"
        );
        let literal = TicketFilter {
            text: Some("100%* broken_".into()),
            ..all.clone()
        };
        assert_eq!(ids(&pool, &literal).await, vec!["7"]);
        let no_words = TicketFilter {
            text: Some(" _ % ".into()),
            ..all.clone()
        };
        assert_eq!(ids(&pool, &no_words).await, expected(|_| true));
        let combined = TicketFilter {
            statuses: vec![TicketStatus::Pending],
            department_id: Some(hr),
            request_type_id: Some(1),
            text: Some("Ticket".into()),
            ..all.clone()
        };
        assert_eq!(
            ids(&pool, &combined).await,
            expected(|i| i % 3 == 0 && i % 2 == 1)
        );
        let oldest = TicketFilter {
            oldest_first: true,
            ..all.clone()
        };
        let mut forward = expected(|_| true);
        forward.reverse();
        assert_eq!(ids(&pool, &oldest).await, forward);

        let counts = status_counts(&pool, &by_dept).await.unwrap();
        assert_eq!(
            counts,
            vec![
                (TicketStatus::Pending, 5),
                (TicketStatus::Ongoing, 5),
                (TicketStatus::Completed, 5)
            ]
        );
        // The status filter does not narrow its own counts.
        assert_eq!(
            status_counts(&pool, &by_status).await.unwrap(),
            status_counts(&pool, &all).await.unwrap()
        );
    }

    /// Tickets started on six days, the later half finished two days after starting: the
    /// day filters pick whole UTC days, both ends included, and count only what they list.
    #[tokio::test]
    async fn day_filters_take_whole_days_and_count_what_they_list() {
        let (pool, _dir) = test_pool().await;
        let t = fixture(&pool).await;
        let day = |n: i64| JAN_2026 + n * 86_400_000;
        for n in 0..6 {
            let t = NewTicket {
                requested_by: t.requested_by,
                request_type_id: t.request_type_id,
                department_id: t.department_id,
                subject: Subject::parse(&format!("Ticket {n}")).unwrap(),
                description: t.description.clone(),
                device_no: t.device_no.clone(),
            };
            // Late in the day: the filters must not cut a day at the hour.
            let (id, _) = create(&pool, &t, day(n) + 23 * 3_600_000).await.unwrap();
            if n >= 3 {
                set_status(
                    &pool,
                    id,
                    TicketStatus::Completed,
                    t.requested_by,
                    day(n + 2),
                )
                .await
                .unwrap();
            }
        }
        let on = |from: i64, to: i64| DayRange {
            from: Some(Day::of_ms(day(from))),
            to: Some(Day::of_ms(day(to))),
        };
        let started = TicketFilter {
            started: on(1, 3),
            ..TicketFilter::default()
        };
        assert_eq!(ids(&pool, &started).await, ["3", "2", "1"]);
        let counts = status_counts(&pool, &started).await.unwrap();
        assert_eq!(
            counts,
            [
                (TicketStatus::Pending, 2),
                (TicketStatus::Ongoing, 0),
                (TicketStatus::Completed, 1)
            ]
        );
        // Finished on days 5 to 6: tickets 3 and 4 (ticket 5 finished on day 7).
        let finished = TicketFilter {
            statuses: vec![TicketStatus::Completed],
            finished: on(5, 6),
            ..TicketFilter::default()
        };
        assert_eq!(ids(&pool, &finished).await, ["4", "3"]);
        let open_ended = TicketFilter {
            started: DayRange {
                from: Some(Day::of_ms(day(4))),
                to: None,
            },
            ..TicketFilter::default()
        };
        assert_eq!(ids(&pool, &open_ended).await, ["5", "4"]);
        let reversed = TicketFilter {
            started: on(3, 1),
            ..TicketFilter::default()
        };
        assert!(ids(&pool, &reversed).await.is_empty());
    }

    #[tokio::test]
    async fn text_search_ranks_matches_in_numbers_subjects_and_comments() {
        let (pool, _dir) = test_pool().await;
        let mut t = fixture(&pool).await;
        let ann = t.requested_by;
        let bob = insert_user(&pool, "bob").await;
        let mut make = async |subject: &str, by: i64| {
            t.subject = Subject::parse(subject).unwrap();
            t.requested_by = by;
            create(&pool, &t, JAN_2026).await.unwrap().0
        };
        let printer = make("Printer on floor 2 is offline", ann).await;
        let toner = make("Toner", ann).await;
        let bobs = make("Printer for bob", bob).await;
        let note =
            CommentText::parse("The printer shows error E-42 after the toner change").unwrap();
        add_comment(
            &pool,
            toner,
            &author(&pool, ann).await,
            &note,
            &DeviceNo::parse("").unwrap(),
            JAN_2026 + 1,
        )
        .await
        .unwrap();
        let found = |text: &str, requester: Option<i64>| {
            let f = TicketFilter {
                text: Some(text.into()),
                requested_by: requester,
                ..Default::default()
            };
            let pool = pool.clone();
            async move {
                let page = page(&pool, &f, PageAt::First, 25).await.unwrap();
                assert!(page.ranked);
                page.tickets
                    .into_iter()
                    .map(|t| {
                        (
                            t.id,
                            format!("{} | {}", t.subject, t.snippet.unwrap_or_default()),
                        )
                    })
                    .collect::<Vec<_>>()
            }
        };
        // A subject match ranks above a comment-only match; prefixes work as you type.
        let hits = found("prin", Some(ann)).await;
        assert_eq!(
            hits.iter().map(|h| h.0).collect::<Vec<_>>(),
            [printer, toner]
        );
        // The subject comes marked; a comment snippet only where the comments matched.
        assert_eq!(
            hits[0].1,
            "\u{E000}Printer\u{E001} on floor 2 is offline | "
        );
        assert!(
            hits[1].1.starts_with("Toner | ")
                && hits[1]
                    .1
                    .contains("The \u{E000}printer\u{E001} shows error"),
            "{}",
            hits[1].1
        );
        // Long prefixes expand to the words written since (the vocabulary grows with each
        // write); one that stands for too many words is left to FTS5 and still finds them.
        assert_eq!(found("offli", Some(ann)).await[0].0, printer);
        let mut tx = pool.begin().await.unwrap();
        let many: Vec<String> = (0..70).map(|i| format!("zzword{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        add_terms(&mut tx, &many).await.unwrap();
        tx.commit().await.unwrap();
        assert!(found("zzwo", None).await.is_empty());
        let none = DeviceNo::parse("").unwrap();
        let text = CommentText::parse("see zzword42 too").unwrap();
        add_comment(
            &pool,
            toner,
            &author(&pool, 1).await,
            &text,
            &none,
            JAN_2026 + 50,
        )
        .await
        .unwrap();
        assert_eq!(found("zzwo", None).await[0].0, toner);
        assert_eq!(found("zzword4", None).await[0].0, toner);
        // Comment words, the number and the bare sequence number.
        assert_eq!(found("e-42", Some(ann)).await[0].0, toner);
        assert_eq!(found("SR-2026-000002", None).await[0].0, toner);
        assert_eq!(
            found("3", None)
                .await
                .iter()
                .map(|h| h.0)
                .collect::<Vec<_>>(),
            [bobs]
        );
        // Visibility: a requester filter (forced for users) keeps others' tickets out.
        let everyone: Vec<_> = found("printer", None)
            .await
            .into_iter()
            .map(|h| h.0)
            .collect();
        assert_eq!(everyone.len(), 3);
        assert!(
            !found("printer", Some(ann))
                .await
                .iter()
                .any(|h| h.0 == bobs)
        );
        assert!(found("bob", Some(ann)).await.is_empty());
        // The counts follow the search too.
        let f = TicketFilter {
            text: Some("toner".into()),
            ..Default::default()
        };
        assert_eq!(
            status_counts(&pool, &f).await.unwrap()[0],
            (TicketStatus::Pending, 1)
        );
    }

    #[tokio::test]
    async fn keyset_pages_return_every_ticket_exactly_once() {
        let (pool, _dir) = test_pool().await;
        many(&pool).await;
        for oldest_first in [false, true] {
            let f = TicketFilter {
                oldest_first,
                ..Default::default()
            };
            let mut seen = Vec::new();
            let mut after = None;
            loop {
                let page = list(&pool, &f, after, 7).await.unwrap();
                if page.is_empty() {
                    break;
                }
                after = page.last().map(|t| Cursor {
                    date_started: t.date_started,
                    id: t.id,
                });
                seen.extend(page.into_iter().map(|t| t.id));
            }
            let unique: HashSet<_> = seen.iter().collect();
            assert_eq!(
                (seen.len(), unique.len()),
                (30, 30),
                "oldest_first={oldest_first}"
            );
            let all: Vec<i64> = list(&pool, &f, None, 100)
                .await
                .unwrap()
                .into_iter()
                .map(|t| t.id)
                .collect();
            assert_eq!(seen, all, "pages concatenate to the full list");
        }
    }

    #[tokio::test]
    async fn pages_walk_forward_and_back_over_every_ticket() {
        let (pool, _dir) = test_pool().await;
        many(&pool).await;
        let f = TicketFilter::default();
        let first = page(&pool, &f, PageAt::First, 12).await.unwrap();
        assert_eq!((first.tickets.len(), first.prev), (12, None));
        let second = page(&pool, &f, PageAt::After(first.next.unwrap()), 12)
            .await
            .unwrap();
        let third = page(&pool, &f, PageAt::After(second.next.unwrap()), 12)
            .await
            .unwrap();
        assert_eq!((third.tickets.len(), third.next), (6, None));
        let all: Vec<i64> = [&first, &second, &third]
            .iter()
            .flat_map(|p| p.tickets.iter().map(|t| t.id))
            .collect();
        let expected: Vec<i64> = list(&pool, &f, None, 100)
            .await
            .unwrap()
            .iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(all, expected);
        let back = page(&pool, &f, PageAt::Before(third.prev.unwrap()), 12)
            .await
            .unwrap();
        assert_eq!(back.tickets, second.tickets);
        assert_eq!(back.next, second.next);
        let home = page(&pool, &f, PageAt::Before(back.prev.unwrap()), 12)
            .await
            .unwrap();
        assert_eq!((home.tickets, home.prev), (first.tickets, None));
        assert_eq!(
            first.counts.iter().map(|c| c.1).sum::<i64>(),
            30,
            "counts cover every matching ticket, not just the page"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_comments_are_batched_each_where_it_belongs() {
        let (pool, _dir) = test_pool().await;
        let ticket = fixture(&pool).await;
        let (a, _) = create(&pool, &ticket, JAN_2026).await.unwrap();
        let (b, _) = create(&pool, &ticket, JAN_2026 + 1).await.unwrap();
        let none = DeviceNo::parse("").unwrap();
        // 60 writers at once: the writer takes those waiting together into one transaction.
        let writes = (0..60).map(|i| {
            let (pool, none) = (pool.clone(), none.clone());
            tokio::spawn(async move {
                let ticket_id = if i % 2 == 0 { a } else { b };
                let text = CommentText::parse(&format!("Reply {i} about the zeppelin")).unwrap();
                let by = author(&pool, 1).await;
                let added = add_comment(&pool, ticket_id, &by, &text, &none, JAN_2026 + 10 + i)
                    .await
                    .unwrap();
                (i, ticket_id, added)
            })
        });
        let mut ids = Vec::new();
        for write in writes.collect::<Vec<_>>() {
            let (i, ticket_id, added) = write.await.unwrap();
            // Each writer gets its own comment back, on its own ticket.
            assert_eq!(added.comment_text, format!("Reply {i} about the zeppelin"));
            assert_eq!(added.created_at, JAN_2026 + 10 + i);
            let on: i64 = sqlx::query_scalar("SELECT ticket_id FROM ticket_comments WHERE id = $1")
                .bind(added.id)
                .fetch_one(&pool)
                .await
                .unwrap();
            assert_eq!(on, ticket_id);
            ids.push(added.id);
        }
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 60);
        // One history entry per comment, and the words are searchable.
        let events: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM ticket_events WHERE kind = 'comment' AND comment_id IN
               (SELECT id FROM ticket_comments WHERE comment_text LIKE 'Reply %')",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(events, 60);
        let f = TicketFilter {
            text: Some("zeppel".into()),
            ..Default::default()
        };
        assert_eq!(
            page(&pool, &f, PageAt::First, 10)
                .await
                .unwrap()
                .tickets
                .len(),
            2
        );
        assert_counters_match(&pool).await;
    }

    #[tokio::test]
    async fn comments_and_department_changes() {
        let (pool, _dir) = test_pool().await;
        let ticket = fixture(&pool).await;
        let (id, number) = create(&pool, &ticket, JAN_2026).await.unwrap();
        assert_eq!(
            owner(&pool, &number).await.unwrap(),
            (id, ticket.requested_by)
        );
        assert_eq!(
            owner(&pool, "SR-2026-999999").await,
            Err(AppError::NotFound)
        );
        let text = CommentText::parse("Still jammed").unwrap();
        let added = add_comment(
            &pool,
            id,
            &author(&pool, ticket.requested_by).await,
            &text,
            &DeviceNo::parse("").unwrap(),
            JAN_2026 + 5,
        )
        .await
        .unwrap();
        assert_eq!((added.author.as_str(), added.device_no), ("ann", None));
        let hr = insert_department(&pool, "HR").await;
        let by = ticket.requested_by;
        set_department(&pool, id, hr, by, JAN_2026 + 6)
            .await
            .unwrap();
        assert_eq!(detail(&pool, id).await.unwrap().department, "HR");
        let err = set_department(&pool, id, 999, by, JAN_2026 + 7)
            .await
            .unwrap_err();
        assert!(err.for_field("department_id").is_some());
        assert_eq!(detail(&pool, id).await.unwrap().department_id, hr);
        assert_counters_match(&pool).await;
        // Moving to where it already is changes and records nothing.
        set_department(&pool, id, hr, by, JAN_2026 + 8)
            .await
            .unwrap();
        set_status(&pool, id, TicketStatus::Pending, by, JAN_2026 + 9)
            .await
            .unwrap();

        let history = history(&pool, id).await.unwrap();
        let lines: Vec<_> = history
            .iter()
            .map(|e| {
                format!(
                    "{} {} {:?}>{:?} {:?}",
                    e.kind.as_str(),
                    e.actor,
                    e.from_value,
                    e.to_value,
                    e.comment_text
                )
            })
            .collect();
        assert_eq!(
            lines,
            [
                "created ann None>Some(\"pending\") Some(\"Paper stuck\\nin tray 2\")",
                "comment ann None>None Some(\"Still jammed\")",
                "department ann Some(\"IT\")>Some(\"HR\") None",
            ]
        );
        assert_eq!(history[0].device_no.as_deref(), Some("PC-0042"));
    }

    /// The plan SQLite picks for `q`, one step per line.
    async fn plan(pool: &Pool, mut q: Sql<'_>) -> String {
        let rows: Vec<(i64, i64, i64, String)> = q.build_query_as().fetch_all(pool).await.unwrap();
        rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("\n")
    }

    /// Steps that read a whole table of tickets, comments or history (by their names or the
    /// aliases the queries give them), or sort a list instead of reading it in index order.
    fn full_scans(plan: &str) -> Vec<&str> {
        let big = [
            "t",
            "c",
            "bc",
            "e",
            "tickets",
            "ticket_comments",
            "ticket_events",
        ];
        plan.lines()
            .filter(|line| {
                let step = line.trim();
                let scans_big = step
                    .strip_prefix("SCAN ")
                    .is_some_and(|rest| big.contains(&rest));
                scans_big || step.contains("TEMP B-TREE FOR ORDER BY")
            })
            .collect()
    }

    /// `sqlite_stat1` of a seeded database of a million tickets (bench/run's).
    const MILLION_STATS: [(&str, &str, &str); 21] = [
        ("departments", "sqlite_autoindex_departments_1", "12 1"),
        ("request_types", "sqlite_autoindex_request_types_1", "8 1"),
        ("ticket_comments", "ticket_comments_thread", "4999234 5 1 1"),
        ("ticket_comments", "ticket_comments_user", "4999234 2001"),
        ("ticket_counts", "ticket_counts", "288 24 3 1"),
        ("ticket_events", "ticket_events_ticket", "6904189 7 1 1"),
        ("ticket_search_config", "ticket_search_config", "1 1"),
        ("ticket_search_idx", "ticket_search_idx", "21767 2001 1"),
        ("tickets", "sqlite_autoindex_tickets_1", "1000000 1"),
        ("tickets", "tickets_department_started", "1000000 2001 1 1"),
        ("tickets", "tickets_finished", "899431 1 1"),
        ("tickets", "tickets_requester_started", "1000000 2001 1 1"),
        (
            "tickets",
            "tickets_requester_status",
            "1000000 2001 2001 1001 167",
        ),
        ("tickets", "tickets_started", "1000000 1 1"),
        ("tickets", "tickets_status_started", "1000000 2001 1 1"),
        ("tickets", "tickets_type_started", "1000000 2001 1 1"),
        ("user_roles", "user_roles", "1010 1 1"),
        ("user_roles", "user_roles_role", "1010 505 1"),
        ("users", "sqlite_autoindex_users_1", "1000 1"),
        ("users", "sqlite_autoindex_users_2", "1000 1"),
        ("users", "users_department", "1000 84"),
    ];

    /// Every list, count and search statement, for every kind of filter, on a seeded and
    /// analysed database: none reads a whole table of tickets or comments. This fails when a
    /// change makes any of them scan, which at a million tickets is a collapse.
    #[tokio::test]
    async fn every_list_count_and_search_query_uses_an_index() {
        let (pool, _dir) = crate::base::db::sqlite_test_pool().await;
        let plan_seed = crate::server::seed::SeedPlan {
            tickets: 3_000,
            comments_per_ticket: 4,
            users: 100,
            password: "demo-password".into(),
            force: false,
            seed: 3,
            progress: false,
        };
        crate::server::seed::seed(&pool, &plan_seed, JAN_2026)
            .await
            .unwrap();
        // The planner's statistics of the benchmark's database (1,000,000 tickets, 5,000,000
        // comments), so the plans are the ones a big database gets: with a small one's, a
        // plan that sorts every ticket looked fine here and took 0.7 s there.
        sqlx::query("ANALYZE").execute(&pool).await.unwrap();
        sqlx::query("DELETE FROM sqlite_stat1")
            .execute(&pool)
            .await
            .unwrap();
        for (tbl, idx, stat) in MILLION_STATS {
            sqlx::query("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ($1, $2, $3)")
                .bind(tbl)
                .bind(idx)
                .bind(stat)
                .execute(&pool)
                .await
                .unwrap();
        }
        sqlx::query("ANALYZE sqlite_schema")
            .execute(&pool)
            .await
            .unwrap();
        let base = TicketFilter::default();
        let filters = [
            base.clone(),
            TicketFilter {
                requested_by: Some(5),
                ..base.clone()
            },
            TicketFilter {
                department_id: Some(2),
                ..base.clone()
            },
            TicketFilter {
                request_type_id: Some(2),
                ..base.clone()
            },
            TicketFilter {
                statuses: vec![TicketStatus::Ongoing],
                ..base.clone()
            },
            TicketFilter {
                statuses: vec![TicketStatus::Pending, TicketStatus::Ongoing],
                department_id: Some(2),
                ..base.clone()
            },
            TicketFilter {
                requested_by: Some(5),
                department_id: Some(2),
                ..base.clone()
            },
            TicketFilter {
                oldest_first: true,
                ..base.clone()
            },
            // The dashboard's links: a week's new tickets, and a week's finished ones.
            TicketFilter {
                started: DayRange {
                    from: Some(Day::of_ms(JAN_2026 - 7 * 86_400_000)),
                    to: Some(Day::of_ms(JAN_2026 - 86_400_000)),
                },
                ..base.clone()
            },
            TicketFilter {
                statuses: vec![TicketStatus::Completed],
                finished: DayRange {
                    from: Some(Day::of_ms(JAN_2026 - 7 * 86_400_000)),
                    to: Some(Day::of_ms(JAN_2026 - 86_400_000)),
                },
                department_id: Some(2),
                ..base.clone()
            },
        ];
        let cursor = Cursor {
            date_started: JAN_2026 - 1,
            id: 1500,
        };
        let ep = "EXPLAIN QUERY PLAN ";
        for f in &filters {
            for after in [None, Some(cursor)] {
                let p = plan(&pool, list_query(ep, Backend::Sqlite, f, after, 26)).await;
                assert!(full_scans(&p).is_empty(), "list {f:?}:\n{p}");
            }
            let p = plan(&pool, counts_query(ep, f)).await;
            assert!(full_scans(&p).is_empty(), "counts {f:?}:\n{p}");
            let p = plan(
                &pool,
                round_query(ep, Backend::Sqlite, f, "\"printer\"*", i64::MAX),
            )
            .await;
            assert!(full_scans(&p).is_empty(), "search round {f:?}:\n{p}");
            // FTS5 reads newest first itself (the rowid order is consumed): no sort of all
            // the matches.
            assert!(!p.contains("TEMP B-TREE"), "search round {f:?}:\n{p}");
        }
        let p = plan(
            &pool,
            shown_query(ep, Backend::Sqlite, "[[1,null,0],[2,7,1]]".into()),
        )
        .await;
        assert!(full_scans(&p).is_empty(), "search rows:\n{p}");
        // The counters agree with the rows they count.
        for f in &filters {
            let rows: Vec<(String, i64)> = {
                let mut q = Sql::new("SELECT t.status, COUNT(*) FROM tickets t WHERE 1 = 1");
                push_filter(&mut q, f, false);
                q.push(" GROUP BY t.status");
                q.build_query_as().fetch_all(&pool).await.unwrap()
            };
            let counts = status_counts(&pool, f).await.unwrap();
            for (status, n) in counts {
                let real = rows
                    .iter()
                    .find(|r| r.0 == status.as_str())
                    .map_or(0, |r| r.1);
                assert_eq!(n, real, "{f:?} {status:?}");
            }
        }
    }

    #[tokio::test]
    async fn history_is_written_with_its_change_or_neither_is() {
        let (pool, _dir) = test_pool().await;
        let ticket = fixture(&pool).await;
        let by = ticket.requested_by;
        let (id, _) = create(&pool, &ticket, JAN_2026).await.unwrap();
        set_status(&pool, id, TicketStatus::Ongoing, by, JAN_2026 + 1)
            .await
            .unwrap();
        set_status(&pool, id, TicketStatus::Completed, by, JAN_2026 + 2)
            .await
            .unwrap();
        let steps = |h: Vec<HistoryEntry>| -> Vec<String> {
            h.into_iter()
                .map(|e| format!("{}:{:?}>{:?}", e.kind.as_str(), e.from_value, e.to_value))
                .collect()
        };
        let before = steps(history(&pool, id).await.unwrap());
        assert_eq!(
            before,
            [
                "created:None>Some(\"pending\")",
                "status:Some(\"pending\")>Some(\"ongoing\")",
                "status:Some(\"ongoing\")>Some(\"completed\")",
            ]
        );

        // History that cannot be written takes its change down with it.
        sqlx::raw_sql(match Backend::of(&pool) {
            Backend::Sqlite => {
                "CREATE TRIGGER fail_history BEFORE INSERT ON ticket_events
                 BEGIN SELECT RAISE(ABORT, 'disk full'); END"
            }
            Backend::Postgres => {
                "CREATE FUNCTION fail_history() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN RAISE EXCEPTION 'disk full'; END $$;
                 CREATE TRIGGER fail_history BEFORE INSERT ON ticket_events
                 FOR EACH ROW EXECUTE FUNCTION fail_history()"
            }
        })
        .execute(&pool)
        .await
        .unwrap();
        let other = insert_department(&pool, "HR").await;
        assert!(
            set_status(&pool, id, TicketStatus::Pending, by, JAN_2026 + 3)
                .await
                .is_err()
        );
        assert!(
            set_department(&pool, id, other, by, JAN_2026 + 3)
                .await
                .is_err()
        );
        let text = CommentText::parse("lost").unwrap();
        let none = DeviceNo::parse("").unwrap();
        assert!(
            add_comment(
                &pool,
                id,
                &author(&pool, by).await,
                &text,
                &none,
                JAN_2026 + 3
            )
            .await
            .is_err()
        );
        assert!(create(&pool, &ticket, JAN_2026 + 3).await.is_err());
        let after = detail(&pool, id).await.unwrap();
        assert_eq!(
            (after.status, after.date_finished, after.department),
            (
                TicketStatus::Completed,
                Some(JAN_2026 + 2),
                "IT".to_string()
            )
        );
        let counts: (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM tickets), (SELECT COUNT(*) FROM ticket_comments),
                    (SELECT last FROM ticket_sequences)",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(counts, (1, 1, 1), "no ticket, comment or number was kept");
        sqlx::query(match Backend::of(&pool) {
            Backend::Sqlite => "DROP TRIGGER fail_history",
            Backend::Postgres => "DROP TRIGGER fail_history ON ticket_events",
        })
        .execute(&pool)
        .await
        .unwrap();
        assert_eq!(steps(history(&pool, id).await.unwrap()), before);

        // And history is append-only in the database itself.
        let edit = sqlx::query("UPDATE ticket_events SET to_value = 'pending'")
            .execute(&pool)
            .await;
        assert!(edit.unwrap_err().to_string().contains("append-only"));
    }

    #[tokio::test]
    async fn completing_sets_the_finished_date_and_reopening_clears_it() {
        let (pool, _dir) = test_pool().await;
        let ticket = fixture(&pool).await;
        let (id, _) = create(&pool, &ticket, JAN_2026).await.unwrap();
        let finished = |pool: Pool| async move {
            sqlx::query_as::<_, (String, Option<i64>)>(
                "SELECT status, date_finished FROM tickets WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
        };
        set_status(
            &pool,
            id,
            TicketStatus::Ongoing,
            ticket.requested_by,
            JAN_2026 + 1,
        )
        .await
        .unwrap();
        assert_eq!(finished(pool.clone()).await, ("ongoing".into(), None));
        set_status(
            &pool,
            id,
            TicketStatus::Completed,
            ticket.requested_by,
            JAN_2026 + 2,
        )
        .await
        .unwrap();
        assert_eq!(
            finished(pool.clone()).await,
            ("completed".into(), Some(JAN_2026 + 2))
        );
        // Completing again keeps the first finish time.
        set_status(
            &pool,
            id,
            TicketStatus::Completed,
            ticket.requested_by,
            JAN_2026 + 3,
        )
        .await
        .unwrap();
        assert_eq!(finished(pool.clone()).await.1, Some(JAN_2026 + 2));
        set_status(
            &pool,
            id,
            TicketStatus::Pending,
            ticket.requested_by,
            JAN_2026 + 4,
        )
        .await
        .unwrap();
        assert_eq!(finished(pool.clone()).await, ("pending".into(), None));
        assert_counters_match(&pool).await;
        assert_eq!(
            set_status(&pool, 999, TicketStatus::Ongoing, ticket.requested_by, 0).await,
            Err(AppError::NotFound)
        );
    }
}
