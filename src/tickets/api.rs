//! Ticket server functions. Each one re-checks the caller: signed in and active, and a user
//! (not an admin) only ever reaches their own tickets; anyone else's ticket is "not found",
//! exactly like a missing one.

use super::model::{
    BulkForm, Comment, CommentForm, HistoryPage, NewTicketForm, PageAt, TicketDetail, TicketFilter,
    TicketOptions, TicketPage, TicketStatus,
};
use crate::error::AppError;
use leptos::{prelude::*, server_fn::codec::Json};

#[cfg(feature = "ssr")]
use {
    super::{db, model::*},
    crate::{
        auth::{
            guard::{require_staff, require_user},
            model::CurrentUser,
        },
        base::{context::pool, db::now_ms},
        live::{ChangeKind, TicketChange},
    },
};

/// A ticket the caller may see.
#[cfg(feature = "ssr")]
struct Visible {
    id: i64,
    number: String,
    requested_by: i64,
    /// No first response yet (read with the rest; a comment may then be it).
    awaits_response: bool,
}

#[cfg(feature = "ssr")]
impl Visible {
    /// Tells every open live stream allowed to see this ticket that it changed.
    async fn announce(self, kind: ChangeKind) -> Result<(), AppError> {
        self.announce_to(kind, false).await
    }

    /// The same; with `staff_only`, to staff alone (an internal note: the requester's
    /// stream must not even hear that something happened).
    async fn announce_to(self, kind: ChangeKind, staff_only: bool) -> Result<(), AppError> {
        crate::live::hub::current()?
            .publish(TicketChange {
                service_request_no: self.number,
                requested_by: self.requested_by,
                kind,
                staff_only,
                batch: Vec::new(),
            })
            .await;
        Ok(())
    }
}

/// The ticket if `user` may see it: their own, or any for staff.
#[cfg(feature = "ssr")]
async fn visible(user: &CurrentUser, number: &str) -> Result<Visible, AppError> {
    let number = number.trim();
    let (id, requested_by, awaits_response) = db::owner(&pool()?, number).await?;
    if user.is_staff || requested_by == user.id {
        Ok(Visible {
            id,
            number: number.to_string(),
            requested_by,
            awaits_response,
        })
    } else {
        Err(AppError::NotFound)
    }
}

/// The request types and departments a ticket can be filed under (and a list filtered by).
#[server(endpoint = "ticket_choices")]
pub async fn ticket_choices() -> Result<TicketOptions, AppError> {
    let user = require_user().await?;
    let pool = pool()?;
    let (request_types, departments) = crate::lists::db::choices(&pool).await?;
    Ok(TicketOptions {
        request_types,
        departments,
        my_department: user.department_id,
        attachments: use_context::<crate::files::upload::Files>().map(|f| f.limits),
    })
}

/// The caller's tickets in each status, for Home: for staff, their queue (the tickets
/// assigned to them); for anyone else, the tickets they filed.
#[server(endpoint = "my_ticket_counts")]
pub async fn my_ticket_counts() -> Result<Vec<(TicketStatus, i64)>, AppError> {
    let user = require_user().await?;
    let mine = if user.is_staff {
        TicketFilter {
            assigned: Some(Assigned::To(user.id)),
            ..TicketFilter::default()
        }
    } else {
        TicketFilter {
            requested_by: Some(user.id),
            ..TicketFilter::default()
        }
    };
    db::status_counts(&pool()?, &mine).await
}

/// Files a ticket for the caller and sends them to its page.
// The form's fields are flattened: a plain HTML form posts them by their own names.
#[server(endpoint = "create_ticket")]
pub async fn create_ticket(#[server(flatten)] ticket: NewTicketForm) -> Result<String, AppError> {
    let user = require_user().await?;
    let files = use_context::<crate::files::upload::Files>().ok_or(AppError::Internal)?;
    let attachments = ticket.attachments.clone();
    let (request_type_id, department_id, subject, description, device_no) = ticket.parse()?;
    let ticket = db::NewTicket {
        requested_by: user.id,
        request_type_id,
        department_id,
        subject,
        description,
        device_no,
    };
    let (id, number) =
        db::create(&pool()?, &ticket, (&attachments, &files.limits), now_ms()).await?;
    Visible {
        id,
        number: number.clone(),
        requested_by: user.id,
        awaits_response: true,
    }
    .announce(ChangeKind::Created)
    .await?;
    leptos_axum::redirect(&format!("/tickets/{number}"));
    Ok(number)
}

/// A page of tickets: all of them for an admin, the caller's own for anyone else.
#[server(endpoint = "list_tickets", input = Json)]
pub async fn list_tickets(
    filter: TicketFilter,
    page: PageAt,
    per_page: Option<i64>,
) -> Result<TicketPage, AppError> {
    let user = require_user().await?;
    let pool = pool()?;
    let filter = scoped(&pool, &user, filter).await?;
    let mut page = db::page(&pool, &filter, page, page_size(per_page)).await?;
    page.now = now_ms();
    // Due times are staff's business.
    if !user.is_staff {
        for t in &mut page.tickets {
            (t.next_due, t.first_response_at) = (None, None);
        }
    }
    Ok(page)
}

/// Now, and the end of today in the business hours' time zone (where "today" ends for the
/// team), for the due filters.
#[cfg(feature = "ssr")]
async fn due_window(pool: &crate::base::db::Pool, now: i64) -> Result<(i64, i64), AppError> {
    let zone: String = sqlx::query_scalar("SELECT zone FROM business_hours WHERE id = 1")
        .fetch_one(pool)
        .await?;
    Ok((now, super::sla::targets::end_of_day(&zone, now)))
}

/// `filter` as `user` may run it: staff's requester name resolved to its id, anyone
/// else kept to their own tickets; oversized input refused. The list and its CSV export
/// both go through here.
#[cfg(feature = "ssr")]
pub(crate) async fn scoped(
    pool: &crate::base::db::Pool,
    user: &CurrentUser,
    mut filter: TicketFilter,
) -> Result<TicketFilter, AppError> {
    filter.staff = user.is_staff;
    // Due times are staff's: a requester's list ignores the filter.
    filter.due_window = match filter.due {
        Some(_) if user.is_staff => Some(due_window(pool, now_ms()).await?),
        _ => None,
    };
    filter.requested_by = if !user.is_staff {
        Some(user.id)
    } else if let Some(name) = &filter.requester {
        // Nobody by that name: no tickets (id 0 is never given out).
        Some(crate::users::db::id_of(pool, name).await?.unwrap_or(0))
    } else {
        None
    };
    // The assignee filter is staff's: a requester's own list ignores it.
    filter.assigned = match filter.assignee.as_deref() {
        _ if !user.is_staff => None,
        None => None,
        Some(ASSIGNED_TO_ME) => Some(Assigned::To(user.id)),
        Some(UNASSIGNED) => Some(Assigned::Nobody),
        Some(ASSIGNED_TO_INACTIVE) => Some(Assigned::Inactive),
        Some(name) => Some(Assigned::To(
            crate::users::db::id_of(pool, name).await?.unwrap_or(0),
        )),
    };
    if filter
        .text
        .as_ref()
        .is_some_and(|t| t.chars().count() > 200)
    {
        return Err(AppError::invalid("q", "Search for at most 200 characters."));
    }
    // A hostile request could send thousands (each a bound parameter).
    if filter.priorities.len() > Priority::ALL.len() {
        return Err(AppError::invalid(
            "priority",
            "Choose at most each priority once.",
        ));
    }
    if filter.statuses.len() > TicketStatus::ALL.len() {
        return Err(AppError::invalid(
            "status",
            "Choose at most each status once.",
        ));
    }
    Ok(filter)
}

#[server(endpoint = "get_ticket")]
pub async fn get_ticket(service_request_no: String) -> Result<TicketDetail, AppError> {
    let user = require_user().await?;
    let ticket = visible(&user, &service_request_no).await?;
    let pool = pool()?;
    // Staff see the service-level targets.
    db::detail(&pool, ticket.id, user.is_staff.then(now_ms)).await
}

/// The ticket's history merged with its comments, oldest first.
/// The newest page of the ticket's history, or the page before `before` (an
/// `EventCursor` parameter; one that does not parse is the newest page).
#[server(endpoint = "ticket_history")]
pub async fn ticket_history(
    service_request_no: String,
    #[server(default)] before: Option<String>,
) -> Result<HistoryPage, AppError> {
    let user = require_user().await?;
    let ticket = visible(&user, &service_request_no).await?;
    let before = before
        .as_deref()
        .and_then(super::model::EventCursor::from_param);
    db::history(&pool()?, ticket.id, user.is_staff, before).await
}

#[server(endpoint = "add_comment")]
pub async fn add_comment(
    service_request_no: String,
    #[server(flatten)] comment: CommentForm,
) -> Result<Comment, AppError> {
    let user = require_user().await?;
    let ticket = visible(&user, &service_request_no).await?;
    let input = comment.parse()?;
    if input.internal && !user.is_staff {
        return Err(AppError::Forbidden);
    }
    let pool = pool()?;
    let files = use_context::<crate::files::upload::Files>().ok_or(AppError::Internal)?;
    let comment = db::add_comment(
        &pool,
        ticket.id,
        ticket.awaits_response,
        &user,
        &input,
        (&comment.attachments, &files.limits),
        now_ms(),
    )
    .await?;
    ticket
        .announce_to(ChangeKind::Comment, input.internal)
        .await?;
    Ok(comment)
}

/// Staff only. Completing sets the finished date; reopening clears it.
#[server(endpoint = "set_ticket_status")]
pub async fn set_ticket_status(service_request_no: String, status: String) -> Result<(), AppError> {
    let staff = require_staff().await?;
    let ticket = visible(&staff, &service_request_no).await?;
    let status = TicketStatus::parse(&status).map_err(|m| AppError::invalid("status", m))?;
    db::set_status(&pool()?, ticket.id, status, staff.id, now_ms()).await?;
    ticket.announce(ChangeKind::Status).await
}

/// Staff only: moves the ticket to another department.
#[server(endpoint = "set_ticket_department")]
pub async fn set_ticket_department(
    service_request_no: String,
    department_id: String,
) -> Result<(), AppError> {
    let staff = require_staff().await?;
    let ticket = visible(&staff, &service_request_no).await?;
    let department = parse_choice(&department_id, "a department")
        .map_err(|m| AppError::invalid("department_id", m))?;
    db::set_department(&pool()?, ticket.id, department, staff.id, now_ms()).await?;
    ticket.announce(ChangeKind::Department).await
}

/// Staff only: hands the ticket to `assignee` (a username; `me` for the caller; empty for
/// nobody). The assignee must be an active agent or admin.
#[server(endpoint = "set_ticket_assignee")]
pub async fn set_ticket_assignee(
    service_request_no: String,
    assignee: String,
) -> Result<(), AppError> {
    let staff = require_staff().await?;
    let ticket = visible(&staff, &service_request_no).await?;
    let pool = pool()?;
    let name = assignee.trim().to_lowercase();
    let to =
        match name.as_str() {
            "" => None,
            ASSIGNED_TO_ME => Some(staff.id),
            name => Some(crate::users::db::id_of(&pool, name).await?.ok_or_else(|| {
                AppError::invalid("assignee", "Choose an active agent or admin.")
            })?),
        };
    if db::set_assignee(&pool, ticket.id, to, staff.id, now_ms()).await? {
        ticket.announce(ChangeKind::Assignee).await?;
    }
    Ok(())
}

/// Staff only: sets the status, priority, department and/or assignee of up to `MAX_BULK`
/// tickets at once: one transaction (one ticket that does not exist, or a value that is
/// not allowed, and nothing changes), a history row per ticket changed, one live update.
/// Answers a sentence per change ("42 tickets set to Ongoing; 3 were Ongoing already.").
#[server(endpoint = "bulk_triage")]
pub async fn bulk_triage(#[server(flatten)] form: BulkForm) -> Result<Vec<String>, AppError> {
    let staff = require_staff().await?;
    let input = form.parse()?;
    let pool = pool()?;
    let found = db::by_numbers(&pool, &input.tickets).await?;
    if found.len() < input.tickets.len() {
        let missing: Vec<&str> = input
            .tickets
            .iter()
            .filter(|n| !found.iter().any(|f| &f.1 == *n))
            .map(String::as_str)
            .take(5)
            .collect();
        return Err(AppError::invalid(
            "ticket",
            format!(
                "{} of the chosen tickets do not exist ({}); nothing was changed.",
                input.tickets.len() - found.len(),
                missing.join(", ")
            ),
        ));
    }
    let assignee = match &input.assignee {
        None => None,
        Some(None) => Some(None),
        Some(Some(name)) if name == ASSIGNED_TO_ME => Some(Some(staff.id)),
        Some(Some(name)) => Some(Some(
            crate::users::db::id_of(&pool, name)
                .await?
                .ok_or_else(|| AppError::invalid("assignee", "Choose an active agent or admin."))?,
        )),
    };
    let changes: Vec<db::Change> = [
        input.status.map(db::Change::Status),
        input.priority.map(db::Change::Priority),
        input.department_id.map(db::Change::Department),
        assignee.map(db::Change::Assignee),
    ]
    .into_iter()
    .flatten()
    .collect();
    let ids: Vec<i64> = found.iter().map(|f| f.0).collect();
    let now = now_ms();
    let mut tx = crate::base::db::begin_write(&pool).await?;
    let mut said = Vec::new();
    for change in &changes {
        let done = db::apply_triage(&mut tx, &ids, *change, staff.id, now).await?;
        said.push(bulk_sentence(change, &done));
    }
    tx.commit().await?;
    let kind = match changes.first() {
        Some(db::Change::Status(_)) => ChangeKind::Status,
        Some(db::Change::Priority(_)) => ChangeKind::Priority,
        Some(db::Change::Department(_)) => ChangeKind::Department,
        _ => ChangeKind::Assignee,
    };
    crate::live::hub::current()?
        .publish(TicketChange::batch(
            kind,
            found.iter().map(|f| f.2).collect(),
        ))
        .await;
    Ok(said)
}

/// "42 tickets set to Ongoing; 3 were Ongoing already."
#[cfg(feature = "ssr")]
fn bulk_sentence(change: &db::Change, done: &db::Triaged) -> String {
    let tickets = |n: usize| format!("{n} {}", if n == 1 { "ticket" } else { "tickets" });
    let (did, had) = match change {
        db::Change::Status(_) | db::Change::Priority(_) => (
            format!("set to {}", done.to),
            format!("{} already", done.to),
        ),
        db::Change::Department(_) => (
            format!("moved to {}", done.to),
            format!("in {} already", done.to),
        ),
        db::Change::Assignee(None) => ("unassigned".into(), "unassigned already".into()),
        db::Change::Assignee(Some(_)) => (
            format!("assigned to {}", done.to),
            format!("with {} already", done.to),
        ),
    };
    let mut s = format!("{} {did}", tickets(done.changed));
    if done.unchanged > 0 {
        let were = if done.unchanged == 1 { "was" } else { "were" };
        s.push_str(&format!("; {} {were} {had}", done.unchanged));
    }
    s.push('.');
    s
}

/// Staff only: active agents and admins whose usernames start with `prefix`, for the
/// assignee picker (at most 10; type more to narrow).
#[server(endpoint = "suggest_assignees")]
pub async fn suggest_assignees(prefix: String) -> Result<Vec<String>, AppError> {
    require_staff().await?;
    let prefix = prefix.trim().to_lowercase();
    if prefix.chars().count() > 32 {
        return Ok(Vec::new());
    }
    crate::users::db::staff_from(&pool()?, &prefix, 10).await
}

/// Staff only: sets the ticket's priority (low, normal, high, urgent).
#[server(endpoint = "set_ticket_priority")]
pub async fn set_ticket_priority(
    service_request_no: String,
    priority: String,
) -> Result<(), AppError> {
    let staff = require_staff().await?;
    let ticket = visible(&staff, &service_request_no).await?;
    let priority = Priority::parse(&priority).map_err(|m| AppError::invalid("priority", m))?;
    if db::set_priority(&pool()?, ticket.id, priority, staff.id, now_ms()).await? {
        ticket.announce(ChangeKind::Priority).await?;
    }
    Ok(())
}
