//! Triage: status, priority, department and assignee, on one ticket or on up to
//! `MAX_BULK` at once, each in one transaction with a history row per ticket changed.

use crate::auth::db::STAFF_ROLES;
use crate::base::db::{Backend, Conn, Pool, begin_write};
use crate::error::AppError;
use crate::tickets::model::{EventKind, Priority, TicketStatus};
use crate::tickets::sla::targets::Targets;

/// One change of triage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Status(TicketStatus),
    Priority(Priority),
    Department(i64),
    /// None: to nobody.
    Assignee(Option<i64>),
}

/// What a change did: how many tickets it changed, how many had it already, and the
/// value as people read it ("Ongoing", a department's or an agent's name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Triaged {
    pub changed: usize,
    pub unchanged: usize,
    pub to: String,
}

/// A ticket as triage reads it.
#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    status: TicketStatus,
    priority: Priority,
    department_id: i64,
    department: String,
    assignee_id: Option<i64>,
    assignee: Option<String>,
    date_started: i64,
    resolution_due: Option<i64>,
    resolution_left_ms: Option<i64>,
}

/// `change` on the tickets `ids`, in one transaction.
pub async fn triage(
    pool: &Pool,
    ids: &[i64],
    change: Change,
    by: i64,
    now: i64,
) -> Result<Triaged, AppError> {
    let mut tx = begin_write(pool).await?;
    let done = apply(&mut tx, ids, change, by, now).await?;
    tx.commit().await?;
    Ok(done)
}

/// `change` on the tickets `ids` inside the caller's transaction. Tickets that have the
/// value already are left alone (no history row); the value is checked only when some
/// ticket would take it (an agent since deactivated may stay on the tickets they hold).
/// A ticket that does not exist: NotFound, and the caller's transaction must not commit.
pub async fn apply(
    conn: &mut Conn,
    ids: &[i64],
    change: Change,
    by: i64,
    now: i64,
) -> Result<Triaged, AppError> {
    let b = Backend::of_conn(conn);
    // Each as a one-item array: `->> 0` reads it alike on both backends.
    let id_rows: Vec<[i64; 1]> = ids.iter().map(|id| [*id]).collect();
    let list = serde_json::to_string(&id_rows).map_err(|_| AppError::Internal)?;
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT t.id, t.status, t.priority, t.department_id, d.name AS department,
                t.assignee_id, a.username AS assignee, t.date_started, t.resolution_due,
                t.resolution_left_ms
           FROM tickets t JOIN departments d ON d.id = t.department_id
           LEFT JOIN users a ON a.id = t.assignee_id
          WHERE t.id IN (SELECT CAST(j.value ->> 0 AS BIGINT) FROM {})",
        b.json_rows("$1")
    ))
    .bind(&list)
    .fetch_all(&mut *conn)
    .await?;
    let mut distinct = ids.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    if rows.len() != distinct.len() {
        return Err(AppError::NotFound);
    }
    let has = |r: &Row| match change {
        Change::Status(s) => r.status == s,
        Change::Priority(p) => r.priority == p,
        Change::Department(d) => r.department_id == d,
        Change::Assignee(a) => r.assignee_id == a,
    };
    let (same, changing): (Vec<&Row>, Vec<&Row>) = rows.iter().partition(|r| has(r));
    let to = label(conn, change, !changing.is_empty()).await?;
    let mut done = Triaged {
        changed: changing.len(),
        unchanged: same.len(),
        to: to.clone().unwrap_or_default(),
    };
    if changing.is_empty() {
        return Ok(done);
    }
    let rows_json = |v: Vec<serde_json::Value>| serde_json::Value::from(v).to_string();
    let (kind, update, values, history) = match change {
        Change::Status(status) => {
            let targets = Targets::load(conn).await?;
            let completing = status == TicketStatus::Completed;
            let values = changing
                .iter()
                .map(|r| {
                    let (due, left, met) = match (completing, r.resolution_due) {
                        (true, Some(due)) => {
                            let left = targets.left(r.priority, now, due);
                            (Some(due), Some(left), Some(left >= 0))
                        }
                        (true, None) => (None, None, None),
                        // Reopened: the resolution clock goes on from what was left.
                        (false, due) if r.status == TicketStatus::Completed => (
                            r.resolution_left_ms
                                .map(|left| targets.resume(r.priority, now, left))
                                .or(due),
                            None,
                            None,
                        ),
                        (false, due) => (due, r.resolution_left_ms, None),
                    };
                    serde_json::json!([r.id, due, left, met])
                })
                .collect();
            (
                EventKind::Status,
                "status = $2,
                 date_finished = CASE WHEN $2 = 'completed' THEN $3 END,
                 first_response_at = CASE WHEN $2 = 'completed'
                                          THEN COALESCE(first_response_at, $3)
                                          ELSE first_response_at END,
                 resolution_due = CAST(j.value ->> 1 AS BIGINT),
                 resolution_left_ms = CAST(j.value ->> 2 AS BIGINT),
                 resolution_met = CAST(j.value ->> 3 AS BOOLEAN)"
                    .to_string(),
                values,
                changing
                    .iter()
                    .map(|r| (r.id, Some(r.status.as_str().to_string())))
                    .collect::<Vec<_>>(),
            )
        }
        Change::Priority(priority) => {
            let targets = Targets::load(conn).await?;
            // As if it had had this priority from the start; a completed ticket keeps the
            // targets it was measured against.
            let values = changing
                .iter()
                .map(|r| match r.status {
                    TicketStatus::Completed => serde_json::json!([r.id, null, null]),
                    _ => {
                        let d = targets.dues(priority, r.date_started);
                        serde_json::json!([r.id, d.first_response, d.resolution])
                    }
                })
                .collect();
            (
                EventKind::Priority,
                "priority = $2,
                 first_response_due = COALESCE(CAST(j.value ->> 1 AS BIGINT), first_response_due),
                 resolution_due = COALESCE(CAST(j.value ->> 2 AS BIGINT), resolution_due)"
                    .to_string(),
                values,
                changing
                    .iter()
                    .map(|r| (r.id, Some(r.priority.as_str().to_string())))
                    .collect(),
            )
        }
        Change::Department(_) => (
            EventKind::Department,
            "department_id = $2".to_string(),
            changing.iter().map(|r| serde_json::json!([r.id])).collect(),
            changing
                .iter()
                .map(|r| (r.id, Some(r.department.clone())))
                .collect(),
        ),
        Change::Assignee(_) => (
            EventKind::Assignee,
            "assignee_id = $2".to_string(),
            changing.iter().map(|r| serde_json::json!([r.id])).collect(),
            changing
                .iter()
                .map(|r| (r.id, r.assignee.clone()))
                .collect(),
        ),
    };
    let sql = format!(
        "UPDATE tickets SET {update} FROM {} WHERE tickets.id = CAST(j.value ->> 0 AS BIGINT)",
        b.json_rows("$1")
    );
    let mut q = sqlx::query(&sql).bind(rows_json(values));
    q = match change {
        Change::Status(s) => q.bind(s.as_str()).bind(now),
        Change::Priority(p) => q.bind(p.as_str()),
        Change::Department(d) => q.bind(d),
        Change::Assignee(a) => q.bind(a),
    };
    q.execute(&mut *conn).await?;
    // The history's values: status and priority words, department and user names.
    let to_value = match change {
        Change::Status(s) => Some(s.as_str().to_string()),
        Change::Priority(p) => Some(p.as_str().to_string()),
        Change::Department(_) | Change::Assignee(_) => to,
    };
    let events: Vec<serde_json::Value> = history
        .into_iter()
        .map(|(id, from)| serde_json::json!([id, from, to_value]))
        .collect();
    sqlx::query(&format!(
        "INSERT INTO ticket_events
             (ticket_id, user_id, kind, from_value, to_value, comment_id, created_at)
         SELECT CAST(j.value ->> 0 AS BIGINT), $2, $3, j.value ->> 1, j.value ->> 2, NULL, $4
           FROM {} ORDER BY j.key",
        b.json_rows("$1")
    ))
    .bind(rows_json(events))
    .bind(by)
    .bind(kind.as_str())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    done.changed = changing.len();
    Ok(done)
}

/// The value of `change` as people read it, checked against the database when `check`
/// (some ticket will take it): a department that exists, an active agent or admin. None
/// for "nobody".
async fn label(conn: &mut Conn, change: Change, check: bool) -> Result<Option<String>, AppError> {
    // The name to look up: (query, id, field, message when it is not allowed).
    let (sql, id, field, refused) = match change {
        Change::Status(s) => return Ok(Some(s.label().to_string())),
        Change::Priority(p) => return Ok(Some(p.label().to_string())),
        Change::Assignee(None) => return Ok(None),
        Change::Department(id) => (
            "SELECT name FROM departments WHERE id = $1".to_string(),
            id,
            "department_id",
            "Choose a department from the list.",
        ),
        Change::Assignee(Some(id)) => (
            format!(
                "SELECT u.username FROM users u
                  WHERE u.id = $1 AND u.status = 'active'
                    AND EXISTS (SELECT 1 FROM user_roles r
                                 WHERE r.user_id = u.id AND r.role IN {STAFF_ROLES})"
            ),
            id,
            "assignee",
            "Choose an active agent or admin.",
        ),
    };
    let name: Option<String> = sqlx::query_scalar(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    match name {
        None if check => Err(AppError::invalid(field, refused)),
        name => Ok(name),
    }
}
