//! The pieces every ticket query is built from: a filter as SQL conditions, a list row as
//! JSON, and the rows as one JSON answer.

use super::from_json;
use crate::base::db::{Backend, Sql};
use crate::error::AppError;
use crate::tickets::model::{Assigned, DayRange, DueFilter, TicketFilter, TicketSummary};
use sqlx::Any;

/// Appends the filter's conditions on `t` for a list read in started order (all but the
/// statuses when `with_status` is false). The search words are not among them: a search
/// starts from its own index.
pub(super) fn push_filter<'a>(q: &mut Sql<'a>, f: &'a TicketFilter, with_status: bool) {
    push_conditions(q, f, true);
    if with_status && !f.statuses.is_empty() {
        q.push(" AND t.status IN (")
            .push_binds(f.statuses.iter().map(|s| s.as_str()), ", ")
            .push(")");
    }
}

/// The filter's conditions on `t` but the statuses: for a list (`in_order`, read in started
/// order) or for counts (which show what choosing another status would give).
pub(super) fn push_conditions<'a>(q: &mut Sql<'a>, f: &'a TicketFilter, in_order: bool) {
    if let Some(user) = f.requested_by {
        q.push(" AND t.requested_by = ").push_bind(user);
    }
    if let Some(dept) = f.department_id {
        q.push(" AND t.department_id = ").push_bind(dept);
    }
    if let Some(kind) = f.request_type_id {
        q.push(" AND t.request_type_id = ").push_bind(kind);
    }
    push_assigned(q, "t", f.assigned);
    push_priorities(q, f);
    push_due(q, f, in_order);
    push_days(q, "t.date_started", f.started);
    if in_order {
        // Lists read in started order, never sorting a finished range (an open-ended one
        // is most tickets): a ticket finishes after it starts, so the range's end bounds
        // the start too, and `+` keeps the planner off the finished index here.
        push_days(q, "+t.date_finished", f.finished);
        if let (_, Some(end)) = f.finished.bounds_ms() {
            q.push(" AND t.date_started < ").push_bind(end);
        }
    } else {
        push_days(q, "t.date_finished", f.finished);
    }
}

/// The tickets of `f`'s priorities (all when none is chosen), on alias `t`.
pub(super) fn push_priorities<'a>(q: &mut Sql<'a>, f: &'a TicketFilter) {
    if !f.priorities.is_empty() {
        q.push(" AND t.priority IN (")
            .push_binds(f.priorities.iter().map(|p| p.as_str()), ", ")
            .push(")");
    }
}

/// The tickets of `f`'s due filter, once the server has resolved its window. `in_order`:
/// for a list, which reads in started order. Overdue tickets are most of the old open ones
/// (tens of thousands at a million): read from the due index they were all sorted for a
/// page of 25, so a list walks the started order and checks each. The COALESCE keeps
/// SQLite off that partial index (`+t.next_due` or `t.next_due + 0` still imply a due time,
/// and it scanned the whole index and sorted it); counts still use the index. Due today is a small range: read from
/// the index either way.
pub(super) fn push_due<'a>(q: &mut Sql<'a>, f: &'a TicketFilter, in_order: bool) {
    match (f.due, f.due_window) {
        (Some(DueFilter::Overdue), Some((now, _))) => {
            let column = if in_order {
                "COALESCE(t.next_due, 9223372036854775807)"
            } else {
                "t.next_due"
            };
            q.push(format!(" AND {column} < ")).push_bind(now);
        }
        (Some(DueFilter::Today), Some((now, end))) => {
            q.push(" AND t.next_due >= ").push_bind(now);
            q.push(" AND t.next_due < ").push_bind(end);
        }
        _ => {}
    }
}

/// The tickets of `assigned`, on the tickets of alias `t` (one of ours).
pub(super) fn push_assigned(q: &mut Sql<'_>, t: &str, assigned: Option<Assigned>) {
    match assigned {
        None => {}
        Some(Assigned::To(user)) => {
            q.push(format!(" AND {t}.assignee_id = ")).push_bind(user);
        }
        Some(Assigned::Nobody) => {
            q.push(format!(" AND {t}.assignee_id IS NULL"));
        }
        Some(Assigned::Inactive) => {
            q.push(format!(
                " AND {t}.assignee_id IN (SELECT id FROM users WHERE status = 'inactive')"
            ));
        }
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

/// A list row's columns, `c0` … in a `TicketSummary`'s fields' order, with the expression
/// for its snippet. Lists come back as one JSON array of them (`summaries_start`).
pub(super) fn summary_columns(snippet: &str) -> String {
    format!(
        "t.id AS c0, t.service_request_no AS c1, t.subject AS c2, rt.name AS c3,
         d.name AS c4, u.username AS c5, t.status AS c6, t.date_started AS c7,
         t.date_finished AS c8, t.comment_count AS c9, {snippet} AS c10,
         (SELECT a.username FROM users a WHERE a.id = t.assignee_id) AS c11,
         t.priority AS c12, t.next_due AS c13, t.first_response_at AS c14,
         t.file_count AS c15"
    )
}

/// `rows` (a SELECT of the `summary_columns` and the sort keys k1, k2) as one JSON array,
/// in that order: one row through sqlx instead of one per ticket. sqlx hands every row
/// over from its SQLite thread, two thread switches apiece, and those were most of the
/// time of a list (bench: search 156 -> 415 req/s at 16 connections when its rounds
/// became one row each).
pub(super) fn summaries_query<'a>(start: &str, b: Backend, dir: &str) -> Sql<'a> {
    Sql::new(format!(
        "{start}{}",
        summaries_start(b, &format!("k1 {dir}, k2 {dir}"))
    ))
}

/// The JSON array's start, its rows in `order` (of the sort keys k0, k1, k2).
pub(super) fn summaries_start(b: Backend, order: &str) -> String {
    let row = format!(
        "{}(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15)",
        b.json_array()
    );
    format!(
        "SELECT {} FROM (",
        b.json_list(&row, &format!("ORDER BY {order}"))
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
