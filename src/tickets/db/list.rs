//! The list: keyset pages of tickets and their counts, or a search's best matches.

use super::counts::{all_statuses, push_counts};
use super::from_json;
use super::fulltext::{search, search_query};
use super::sql::{fetch_summaries, push_filter, summaries_start, summary_joins, summary_row};
use crate::base::db::{Backend, Pool, Sql};
use crate::error::AppError;
use crate::tickets::model::{
    Cursor, PageAt, SEARCH_LIMIT, TicketFilter, TicketPage, TicketStatus, TicketSummary,
};

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
            now: 0,
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
        now: 0,
        tickets,
        prev,
        next,
        counts,
        ranked: false,
        more_matches: false,
    })
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
