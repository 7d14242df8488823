//! The list: keyset pages of tickets and their counts, or a search's best matches.

use super::counts::{all_statuses, cap, push_counts};
use super::from_json;
use super::fulltext::{BOUNDS, search, search_query};
use super::sql::{fetch_summaries, push_filter, summaries_start, summary_columns, summary_joins};
use crate::base::db::{Backend, Pool, Sql};
use crate::error::AppError;
use crate::tickets::model::{
    Cursor, PageAt, Priority, SEARCH_LIMIT, Sort, TicketFilter, TicketPage, TicketStatus,
    TicketSummary,
};

/// A page of `size` tickets at `at`, with the cursors of its neighbours and the counts.
pub async fn page(
    pool: &Pool,
    f: &TicketFilter,
    at: PageAt,
    size: i64,
) -> Result<TicketPage, AppError> {
    let cursor = |t: &TicketSummary| Cursor::of(t, f.sort);
    let query = search_query(pool, f).await?;
    if let Some(query) = query {
        // Ranked results have no stable keyset: the best ones, on one page.
        let found = search(pool, f, &query, SEARCH_LIMIT, &BOUNDS).await?;
        return Ok(TicketPage {
            now: 0,
            tickets: found.tickets,
            prev: None,
            next: None,
            counts: found.counts,
            capped: Vec::new(),
            ranked: true,
            more_matches: found.more_matches,
        });
    }
    let (tickets, prev, next, mut counts) = match at {
        PageAt::First | PageAt::After(_) => {
            let after = match at {
                PageAt::After(c) => Some(c),
                _ => None,
            };
            let (mut rows, counts) = list_and_counts(pool, f, after, size + 1, false).await?;
            let more = rows.len() as i64 > size;
            rows.truncate(size as usize);
            let next = more.then(|| rows.last().map(cursor)).flatten();
            let prev = after.and(rows.first().map(cursor));
            (rows, prev, next, counts)
        }
        PageAt::Before(c) => {
            // Walk backwards from the cursor, then put the rows back in display order.
            let (mut rows, counts) = list_and_counts(pool, f, Some(c), size + 1, true).await?;
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
    let capped = cap(f, &mut counts);
    Ok(TicketPage {
        now: 0,
        tickets,
        prev,
        next,
        counts,
        capped,
        ranked: false,
        more_matches: false,
    })
}

/// One page of tickets matching `f`, in its order, starting after `after`.
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
    backwards: bool,
) -> Result<(Vec<TicketSummary>, Vec<(TicketStatus, i64)>), AppError> {
    let b = Backend::of(pool);
    let mut q = Sql::new("SELECT (");
    push_list(&mut q, b, f, after, limit, backwards);
    q.push(format_args!(
        "), (SELECT {} FROM (",
        b.json_list(&format!("{}(s, n)", b.json_array()), "")
    ));
    push_counts(&mut q, b, f);
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
    push_list(&mut q, b, f, after, limit, false);
    q
}

/// The list's SELECT: `limit` rows of `f` in its order (reversed when walking
/// `backwards` from the cursor), as one JSON array.
fn push_list<'a>(
    q: &mut Sql<'a>,
    b: Backend,
    f: &'a TicketFilter,
    after: Option<Cursor>,
    limit: i64,
    backwards: bool,
) {
    let ascending = (f.sort == Sort::Oldest) != backwards;
    let dir = if ascending { "ASC" } else { "DESC" };
    if f.sort == Sort::Priority {
        return push_by_priority(q, b, f, after, limit, dir);
    }
    q.push(summaries_start(b, &format!("k1 {dir}, k2 {dir}")));
    push_walk(q, b, f, after, limit, dir, None);
    q.push(") s");
}

/// By priority: one walk of the (priority, started) index per priority, from the cursor's
/// on, each at most a page, merged. Every walk reads its own index range in order, so a
/// page reads at most four pages' rows whatever the table's size, and the merge sorts at
/// most those.
fn push_by_priority<'a>(
    q: &mut Sql<'a>,
    b: Backend,
    f: &'a TicketFilter,
    after: Option<Cursor>,
    limit: i64,
    dir: &str,
) {
    // Display order is the most urgent first; walking back (ascending) the reverse.
    let mut order: Vec<Priority> = Priority::ALL
        .into_iter()
        .rev()
        .filter(|p| f.priorities.is_empty() || f.priorities.contains(p))
        .collect();
    if dir == "ASC" {
        order.reverse();
    }
    // A cursor from another order (no priority) starts from the top.
    let after = after.filter(|c| c.priority.is_some());
    let from = after
        .and_then(|c| order.iter().position(|p| Some(*p) == c.priority))
        .unwrap_or(0);
    // The walks read sort keys only (from the index); rows are built for the page alone
    // (built in every walk, four pages' rows were made for one: 1,084 req/s against the
    // plain list's 1,641 at 16 connections, --quick).
    q.push(summaries_start(b, &format!("k0 {dir}, k1 {dir}, k2 {dir}")));
    q.push(format!(
        "SELECT {}, m.k0 AS k0, m.k1 AS k1, m.k2 AS k2 FROM (SELECT * FROM (",
        summary_columns("NULL")
    ));
    for (i, p) in order.iter().enumerate().skip(from) {
        if i > from {
            q.push(" UNION ALL ");
        }
        q.push("SELECT * FROM (");
        // The cursor bounds its own priority's walk; the less urgent ones start at the top.
        let at = after.filter(|c| c.priority == Some(*p));
        push_walk(q, b, f, at, limit, dir, Some(*p));
        q.push(format!(") w{i}"));
    }
    q.push(format!(") u ORDER BY k0 {dir}, k1 {dir}, k2 {dir} LIMIT "))
        .push_bind(limit)
        .push(format!(
            ") m {} tickets t ON t.id = m.k2{}) s",
            b.ordered_join(),
            summary_joins(b)
        ));
}

/// One walk of the tickets of `f` in started order after `after`: rows with their sort
/// keys (k1 the start, k2 the id); for one priority of the priority order, the keys alone
/// (k0 the priority's rank).
fn push_walk<'a>(
    q: &mut Sql<'a>,
    b: Backend,
    f: &'a TicketFilter,
    after: Option<Cursor>,
    limit: i64,
    dir: &str,
    priority: Option<Priority>,
) {
    let (columns, joins) = match priority {
        None => (summary_columns("NULL"), summary_joins(b)),
        Some(p) => {
            // The priority's rank in `Priority::ALL` (least urgent 0).
            let rank = Priority::ALL.iter().position(|x| *x == p).unwrap_or(0);
            (format!("{rank} AS k0"), String::new())
        }
    };
    q.push(format!(
        "SELECT {columns}, t.date_started AS k1, t.id AS k2 FROM tickets t{joins} WHERE 1 = 1"
    ));
    push_filter(q, f, true);
    if let Some(p) = priority {
        q.push(" AND t.priority = ").push_bind(p.as_str());
    }
    if let Some(c) = after {
        let cmp = if dir == "ASC" { ">" } else { "<" };
        q.push(format!(" AND (t.date_started, t.id) {cmp} ("))
            .push_bind(c.date_started)
            .push(", ")
            .push_bind(c.id)
            .push(")");
    }
    q.push(format!(" ORDER BY t.date_started {dir}, t.id {dir} LIMIT "))
        .push_bind(limit);
}
