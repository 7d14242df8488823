//! The list: its filters as SQL, the keyset pages, the rows as one JSON answer.

use super::counts::{all_statuses, push_counts};
use super::from_json;
use super::fulltext::{search, search_query};
use crate::base::db::{Backend, Pool, Sql};
use crate::error::AppError;
use crate::tickets::model::{
    Cursor, DayRange, PageAt, SEARCH_LIMIT, TicketFilter, TicketPage, TicketStatus, TicketSummary,
};
use sqlx::Any;

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
pub(super) fn push_filter<'a>(q: &mut Sql<'a>, f: &'a TicketFilter, with_status: bool) {
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
pub(super) fn push_days(q: &mut Sql<'_>, column: &str, range: DayRange) {
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
pub(super) fn summary_row(b: Backend, snippet: &str) -> String {
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
pub(super) fn summaries_query<'a>(start: &str, b: Backend, dir: &str) -> Sql<'a> {
    Sql::new(format!("{start}{}", summaries_start(b, dir)))
}

fn summaries_start(b: Backend, dir: &str) -> String {
    format!(
        "SELECT {} FROM (",
        b.json_list("row", &format!("ORDER BY k1 {dir}, k2 {dir}"))
    )
}

pub(super) async fn fetch_summaries(
    q: &mut Sql<'_>,
    conn: impl sqlx::Executor<'_, Database = Any>,
) -> Result<Vec<TicketSummary>, AppError> {
    let json: String = q.build_query_scalar().fetch_one(conn).await?;
    from_json(&json)
}

/// Tickets first, the small tables looked up per row (`ordered_join`). With statistics of a
/// million tickets SQLite's planner otherwise starts from the 8 request types and sorts
/// every ticket (measured: 0.7 s a page).
pub(super) fn summary_joins(b: Backend) -> String {
    let join = b.ordered_join();
    format!(
        " {join} request_types rt ON rt.id = t.request_type_id
          {join} departments d ON d.id = t.department_id
          {join} users u ON u.id = t.requested_by"
    )
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
pub(super) fn list_query<'a>(
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
