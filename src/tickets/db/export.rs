//! What a CSV export adds to the list's rows.

use crate::base::db::{Pool, Sql};
use crate::error::AppError;

/// For a CSV export of the tickets `ids`: each one's requester email, its comments
/// ("time author: text", a blank line between, oldest first, the description first) and
/// the device numbers given, by ticket id. Internal notes only for `staff`, marked.
pub async fn export_details(
    pool: &Pool,
    ids: &[i64],
    staff: bool,
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
        "SELECT c.ticket_id, c.created_at, a.username, c.comment_text, c.device_no,
                CASE WHEN c.internal THEN 1 ELSE 0 END
           FROM ticket_comments c JOIN users a ON a.id = c.user_id
          WHERE c.ticket_id IN (",
    );
    push_ids(&mut q);
    if !staff {
        q.push(" AND NOT c.internal");
    }
    q.push(" ORDER BY c.ticket_id, c.created_at, c.id");
    let comments: Vec<(i64, i64, String, String, Option<String>, i64)> =
        q.build_query_as().fetch_all(pool).await?;
    for (id, at, author, text, device, internal) in comments {
        let entry = found.entry(id).or_default();
        if !entry.1.is_empty() {
            entry.1.push_str("\n\n");
        }
        entry.1.push_str(&format!(
            "{} {author}{}: {text}",
            crate::time::UtcTime::from_ms(at).iso(),
            if internal != 0 {
                " (internal note)"
            } else {
                ""
            }
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
