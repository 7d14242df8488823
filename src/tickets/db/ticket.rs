//! One ticket as its page reads it: who may see it, its head, its history.

use super::from_json;
use crate::auth::db::STAFF_ROLES;
use crate::base::db::{Backend, Flag, Pool};
use crate::error::AppError;
use crate::files::model::Attachment;
use crate::tickets::model::{
    EventCursor, EventKind, HistoryEntry, HistoryPage, THREAD_PAGE, TicketDetail, TicketSla,
};

/// The ticket's id and requester, for the visibility check every ticket action starts with,
/// and whether it still awaits its first response (once set, that time stays).
pub async fn owner(pool: &Pool, number: &str) -> Result<(i64, i64, bool), AppError> {
    if !crate::base::db::storable(number) {
        return Err(AppError::NotFound);
    }
    let (id, requested_by, awaits): (i64, i64, Flag) = sqlx::query_as(
        "SELECT id, requested_by, first_response_at IS NULL FROM tickets
          WHERE service_request_no = $1",
    )
    .bind(number)
    .fetch_one(pool)
    .await?;
    Ok((id, requested_by, awaits.0))
}

/// The ticket's head, with its service-level targets and progress read at `sla_at` when
/// given (for staff): one statement, as every statement is a hand-off to the database's
/// thread and back (the ticket page ran six where 439756a ran four: bench/RESULTS.md).
pub async fn detail(
    pool: &Pool,
    ticket_id: i64,
    sla_at: Option<i64>,
) -> Result<TicketDetail, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        detail: TicketDetail,
        first_response_due: Option<i64>,
        first_response_at: Option<i64>,
        resolution_due: Option<i64>,
        resolution_met: Option<Flag>,
    }
    let row: Row = sqlx::query_as(
        "SELECT t.id, t.service_request_no, t.subject, rt.name AS request_type,
                t.department_id, d.name AS department, t.requested_by,
                u.username AS requester, u.avatar_url AS requester_avatar, t.status,
                t.date_started, t.date_finished,
                (SELECT a.username FROM users a WHERE a.id = t.assignee_id) AS assignee,
                t.priority, t.first_response_due, t.first_response_at, t.resolution_due,
                t.resolution_met
           FROM tickets t
           JOIN request_types rt ON rt.id = t.request_type_id
           JOIN departments d ON d.id = t.department_id
           JOIN users u ON u.id = t.requested_by
          WHERE t.id = $1",
    )
    .bind(ticket_id)
    .fetch_one(pool)
    .await?;
    Ok(TicketDetail {
        sla: sla_at.map(|now| TicketSla {
            first_response_due: row.first_response_due,
            first_response_at: row.first_response_at,
            resolution_due: row.resolution_due,
            resolution_met: row.resolution_met.map(bool::from),
            now,
        }),
        ..row.detail
    })
}

/// The tickets of `numbers` that exist: (id, number, requester), in no particular order.
pub async fn by_numbers(
    pool: &Pool,
    numbers: &[String],
) -> Result<Vec<(i64, String, i64)>, AppError> {
    // Each as a one-item array: `->> 0` reads it alike on both backends.
    let rows: Vec<[&str; 1]> = numbers.iter().map(|n| [n.as_str()]).collect();
    let list = serde_json::to_string(&rows).map_err(|_| AppError::Internal)?;
    Ok(sqlx::query_as(&format!(
        "SELECT id, service_request_no, requested_by FROM tickets
          WHERE service_request_no IN (SELECT j.value ->> 0 FROM {})",
        crate::base::db::Backend::of(pool).json_rows("$1")
    ))
    .bind(list)
    .fetch_all(pool)
    .await?)
}

/// The ticket's history, oldest first, each entry with the comment it added; internal
/// notes only for `staff`.
pub async fn history(
    pool: &Pool,
    ticket_id: i64,
    staff: bool,
    before: Option<EventCursor>,
) -> Result<HistoryPage, AppError> {
    let notes = if staff {
        ""
    } else {
        " AND (c.id IS NULL OR NOT c.internal)"
    };
    // The newest page (before `before`), read newest first along
    // ticket_events (ticket_id, created_at, id), one more than shown to know of older ones;
    // as one JSON array, one row through sqlx instead of one per entry (see
    // `summaries_query`: each row is a hand-off from its SQLite thread and back).
    let (at, id) = before.map_or((i64::MAX, i64::MAX), |c| (c.at, c.id));
    let b = Backend::of(pool);
    let row = format!(
        "{}(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12)",
        b.json_array()
    );
    let json: String = sqlx::query_scalar(&format!(
        "SELECT {} FROM (
         SELECT e.id AS c0, e.kind AS c1, u.username AS c2, u.avatar_url AS c3,
                CASE WHEN EXISTS (SELECT 1 FROM user_roles r
                                   WHERE r.user_id = u.id AND r.role IN {STAFF_ROLES})
                     THEN 1 ELSE 0 END AS c4,
                e.from_value AS c5, e.to_value AS c6, c.comment_text AS c7,
                c.device_no AS c8, e.created_at AS c9,
                CASE WHEN c.internal THEN 1 ELSE 0 END AS c10, e.comment_id AS c11,
                CASE WHEN EXISTS (SELECT 1 FROM attachments a
                                   WHERE a.comment_id = e.comment_id)
                     THEN 1 ELSE 0 END AS c12
           FROM ticket_events e
           JOIN users u ON u.id = e.user_id
           LEFT JOIN ticket_comments c ON c.id = e.comment_id
          WHERE e.ticket_id = $1{notes}
            AND (e.created_at < $2 OR (e.created_at = $2 AND e.id < $3))
          ORDER BY e.created_at DESC, e.id DESC
          LIMIT $4) s",
        b.json_list(&row, "ORDER BY c9 DESC, c0 DESC")
    ))
    .bind(ticket_id)
    .bind(at)
    .bind(id)
    .bind(THREAD_PAGE + 1)
    .fetch_one(pool)
    .await?;
    let mut entries: Vec<HistoryEntry> = from_json::<Vec<EntryRow>>(&json)?
        .into_iter()
        .map(HistoryEntry::from)
        .collect();
    let more = entries.len() as i64 > THREAD_PAGE;
    entries.truncate(THREAD_PAGE as usize);
    entries.reverse();
    let earlier = more
        .then(|| {
            entries.first().map(|e| EventCursor {
                at: e.created_at,
                id: e.id,
            })
        })
        .flatten();
    // The files of the page's comments that have any (most pages: none, and no second
    // statement), with the same rule for notes, each under its entry.
    let comments: Vec<i64> = entries
        .iter()
        .filter(|e| e.has_files)
        .filter_map(|e| e.comment_id)
        .collect();
    let (Some(first), Some(last)) = (comments.iter().min(), comments.iter().max()) else {
        return Ok(HistoryPage {
            entries,
            earlier,
            older: before.is_some(),
        });
    };
    let files: Vec<Attachment> = sqlx::query_as(&format!(
        "SELECT a.id, a.comment_id, a.name, b.size, b.content_type, th.width, th.height,
                CASE WHEN th.data IS NULL THEN 0 ELSE 1 END AS thumb
           FROM attachments a
           JOIN attachment_blobs b ON b.sha256 = a.sha256
           JOIN ticket_comments c ON c.id = a.comment_id
           LEFT JOIN attachment_thumbs th ON th.sha256 = a.sha256
          WHERE a.ticket_id = $1 AND a.comment_id BETWEEN $2 AND $3{notes}
          ORDER BY a.id"
    ))
    .bind(ticket_id)
    .bind(first)
    .bind(last)
    .fetch_all(pool)
    .await?;
    if !files.is_empty() {
        let mut by_comment: std::collections::HashMap<i64, Vec<Attachment>> =
            std::collections::HashMap::new();
        for file in files {
            by_comment.entry(file.comment_id).or_default().push(file);
        }
        for entry in &mut entries {
            if let Some(files) = entry.comment_id.and_then(|id| by_comment.remove(&id)) {
                entry.files = files;
            }
        }
    }
    Ok(HistoryPage {
        entries,
        earlier,
        older: before.is_some(),
    })
}

/// A history entry as `history` reads it, one JSON array: flags as 0 or 1 (what SQLite's
/// JSON has for a boolean), in `HistoryEntry`'s order.
#[derive(serde::Deserialize)]
struct EntryRow(
    i64,
    EventKind,
    String,
    Option<String>,
    u8,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    u8,
    Option<i64>,
    u8,
);

impl From<EntryRow> for HistoryEntry {
    fn from(r: EntryRow) -> Self {
        HistoryEntry {
            id: r.0,
            kind: r.1,
            actor: r.2,
            actor_avatar: r.3,
            actor_is_staff: r.4 == 1,
            from_value: r.5,
            to_value: r.6,
            comment_text: r.7,
            device_no: r.8,
            created_at: r.9,
            internal: r.10 == 1,
            comment_id: r.11,
            has_files: r.12 == 1,
            files: Vec::new(),
        }
    }
}
