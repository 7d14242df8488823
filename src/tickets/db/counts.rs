//! How many tickets a filter picks in each status.

use super::fulltext::{search, search_query};
use super::sql::{push_assigned, push_days, push_due, push_priorities};
use crate::base::db::{Pool, Sql};
use crate::error::AppError;
use crate::tickets::model::{TicketFilter, TicketStatus};

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
pub(super) fn counts_query<'a>(start: &str, f: &'a TicketFilter) -> Sql<'a> {
    let mut q = Sql::new(start);
    push_counts(&mut q, f);
    q
}

/// The counts' SELECT (columns s, n).
pub(super) fn push_counts<'a>(q: &mut Sql<'a>, f: &'a TicketFilter) {
    // `t` a requester's tickets or a span of days, `k` the counters: both have the filter
    // columns. The counters know no dates.
    let a = if f.requested_by.is_some()
        || f.assigned.is_some()
        || !f.priorities.is_empty()
        || (f.due.is_some() && f.due_window.is_some())
        || f.started.is_set()
        || f.finished.is_set()
    {
        q.push("SELECT t.status AS s, COUNT(*) AS n FROM tickets t WHERE 1 = 1");
        if let Some(user) = f.requested_by {
            q.push(" AND t.requested_by = ").push_bind(user);
        }
        push_assigned(q, "t", f.assigned);
        push_priorities(q, f);
        push_due(q, f, false);
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
