//! How many tickets a filter picks in each status.

use super::fulltext::{BOUNDS, search, search_query};
use super::sql::push_conditions;
use crate::base::db::{Backend, Pool, Sql};
use crate::error::AppError;
use crate::tickets::model::{COUNT_CAP, TicketFilter, TicketStatus};

/// How many tickets match `f` in each status (the status filter itself is ignored, so the
/// counts show what choosing another status would give). Without search words they come
/// from the maintained counters, or a requester's slice of an index; with search words,
/// from the tickets the (bounded) search found.
pub async fn status_counts(
    pool: &Pool,
    f: &TicketFilter,
) -> Result<Vec<(TicketStatus, i64)>, AppError> {
    if let Some(query) = search_query(pool, f).await? {
        return Ok(search(pool, f, &query, 0, &BOUNDS).await?.counts);
    }
    let rows: Vec<(TicketStatus, i64)> = counts_query("", Backend::of(pool), f)
        .build_query_as()
        .fetch_all(pool)
        .await?;
    let mut counts = all_statuses(&rows);
    cap(f, &mut counts);
    Ok(counts)
}

/// Every status with its count in `rows` (0 where it has no row).
pub(super) fn all_statuses(rows: &[(TicketStatus, i64)]) -> Vec<(TicketStatus, i64)> {
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
pub(super) fn counts_query<'a>(start: &str, b: Backend, f: &'a TicketFilter) -> Sql<'a> {
    let mut q = Sql::new(start);
    push_counts(&mut q, b, f);
    q
}

/// The counts' SELECT (columns s, n).
pub(super) fn push_counts<'a>(q: &mut Sql<'a>, b: Backend, f: &'a TicketFilter) {
    if due_counts(f) {
        return push_due_counts(q, b, f);
    }
    // Only completed tickets have a finished date (the tickets' CHECK), so a finished
    // range counts them alone, and without the status the finished index can answer by
    // itself: grouping by status read each ticket's row (PostgreSQL, a week at 1,000,000
    // tickets: 5,315 rows, 5.5 of the list page's 6 ms).
    if f.finished.is_set() {
        q.push("SELECT 'completed' AS s, COUNT(*) AS n FROM tickets t WHERE 1 = 1");
        push_conditions(q, f, false);
        return;
    }
    // `t` a requester's tickets or a span of days, `k` the counters: both have the filter
    // columns. The counters know no dates.
    if f.requested_by.is_some()
        || f.assigned.is_some()
        || !f.priorities.is_empty()
        || f.started.is_set()
    {
        q.push("SELECT t.status AS s, COUNT(*) AS n FROM tickets t WHERE 1 = 1");
        push_conditions(q, f, false);
        q.push(" GROUP BY t.status");
    } else {
        q.push(
            "SELECT k.status AS s, CAST(SUM(k.n) AS BIGINT) AS n FROM ticket_counts k WHERE 1 = 1",
        );
        if let Some(dept) = f.department_id {
            q.push(" AND k.department_id = ").push_bind(dept);
        }
        if let Some(kind) = f.request_type_id {
            q.push(" AND k.request_type_id = ").push_bind(kind);
        }
        q.push(" GROUP BY k.status");
    }
}

/// With a due filter: only open tickets have due times, so a count per open status, each
/// from the index of that status's due times (migration 0019), where the status is implied
/// and nothing is read from the tickets themselves. Grouping the due index's entries by
/// status read each ticket's row: 93,000 of them for the overdue at a million, 2.8 s cold.
/// With no other filter that index is named for SQLite, so a database not yet analysed
/// since the migration counts the same way.
fn push_due_counts<'a>(q: &mut Sql<'a>, b: Backend, f: &'a TicketFilter) {
    let alone = f.requested_by.is_none()
        && f.assigned.is_none()
        && f.priorities.is_empty()
        && !f.started.is_set()
        && !f.finished.is_set()
        && f.department_id.is_none()
        && f.request_type_id.is_none();
    for (i, status) in [TicketStatus::Pending, TicketStatus::Ongoing]
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            q.push(" UNION ALL ");
        }
        let word = status.as_str();
        let hint = match (alone, b) {
            (true, Backend::Sqlite) => format!(" INDEXED BY tickets_due_{word}"),
            _ => String::new(),
        };
        q.push(format!(
            "SELECT '{word}' AS s, COUNT(*) AS n FROM (SELECT 1 FROM tickets t{hint} \
             WHERE t.status = '{word}'"
        ));
        push_conditions(q, f, false);
        // One past the cap tells a count that stopped from one that is exactly the cap.
        q.push(format!(" LIMIT {}) capped", COUNT_CAP + 1));
    }
}

/// The statuses of `counts` whose count stopped at the cap (only the due counts have one:
/// the others are exact, however large), each set to `COUNT_CAP`.
pub(super) fn cap(f: &TicketFilter, counts: &mut [(TicketStatus, i64)]) -> Vec<TicketStatus> {
    if !due_counts(f) {
        return Vec::new();
    }
    counts
        .iter_mut()
        .filter(|(_, n)| *n > COUNT_CAP)
        .map(|(status, n)| {
            *n = COUNT_CAP;
            *status
        })
        .collect()
}

/// Whether `f`'s counts are the due indexes' (`push_due_counts`).
fn due_counts(f: &TicketFilter) -> bool {
    f.due.is_some() && f.due_window.is_some()
}
