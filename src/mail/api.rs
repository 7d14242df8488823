//! Mail's server functions: each person's choice of mail (My account), and the admin Mail
//! page (the outbox, retries, the test mail, the switch).

use super::model::{InboundEntry, InboundSettings, MailOverview, MailTopic, OutboxEntry};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    super::{
        mailer::Mail,
        model::{MailState, MailTopics, UnknownSenders},
        outbox,
    },
    crate::{
        auth::guard::{require_admin, require_user},
        base::context::pool,
        base::db::now_ms,
    },
};

/// One topic on My account: on or off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicChoice {
    pub topic: MailTopic,
    pub on: bool,
}

/// What My account shows of mail: the topics that concern this person (staff have more),
/// and whether this helpdesk sends mail at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailChoices {
    pub choices: Vec<TopicChoice>,
    pub sends: bool,
}

#[cfg(feature = "ssr")]
fn mail() -> Mail {
    use_context::<Mail>().unwrap_or_default()
}

#[server(endpoint = "my_mail")]
pub async fn get_my_mail() -> Result<MailChoices, AppError> {
    let user = require_user().await?;
    let stored: Option<String> = sqlx::query_scalar("SELECT mail_topics FROM users WHERE id = $1")
        .bind(user.id)
        .fetch_one(&pool()?)
        .await?;
    let topics = MailTopics::read(stored.as_deref());
    let m = mail();
    let (_, off) = outbox::key_and_switch(&pool()?).await?;
    Ok(MailChoices {
        choices: MailTopic::ALL
            .into_iter()
            .filter(|t| user.is_staff || !t.for_staff())
            .map(|topic| TopicChoice {
                topic,
                on: topics.contains(topic),
            })
            .collect(),
        sends: m.configured() && !off,
    })
}

/// Saves which mail the caller gets: each topic's box ticked or not (a form without
/// JavaScript sends only the ticked ones). Topics that do not concern the caller (staff
/// topics, for a requester) keep what they were.
/// The My account form's boxes, one per topic: ticked is present.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MailChoicesForm {
    pub received: Option<String>,
    pub replied: Option<String>,
    pub status: Option<String>,
    pub taken: Option<String>,
    pub assigned: Option<String>,
    pub requester_replied: Option<String>,
    pub overdue: Option<String>,
    pub department_new: Option<String>,
    pub unassigned_overdue: Option<String>,
}

#[server(endpoint = "set_my_mail")]
pub async fn set_my_mail(#[server(flatten)] form: MailChoicesForm) -> Result<String, AppError> {
    let user = require_user().await?;
    let MailChoicesForm {
        received,
        replied,
        status,
        taken,
        assigned,
        requester_replied,
        overdue,
        department_new,
        unassigned_overdue,
    } = form;
    let ticked = [
        (MailTopic::Received, received),
        (MailTopic::Replied, replied),
        (MailTopic::Status, status),
        (MailTopic::Taken, taken),
        (MailTopic::Assigned, assigned),
        (MailTopic::RequesterReplied, requester_replied),
        (MailTopic::Overdue, overdue),
        (MailTopic::DepartmentNew, department_new),
        (MailTopic::UnassignedOverdue, unassigned_overdue),
    ];
    let pool = pool()?;
    let mut tx = crate::base::db::begin_write(&pool).await?;
    let stored: Option<String> = sqlx::query_scalar("SELECT mail_topics FROM users WHERE id = $1")
        .bind(user.id)
        .fetch_one(&mut *tx)
        .await?;
    let mut topics = MailTopics::read(stored.as_deref());
    for (topic, value) in ticked {
        if user.is_staff || !topic.for_staff() {
            topics = topics.with(topic, value.is_some());
        }
    }
    sqlx::query("UPDATE users SET mail_topics = $1 WHERE id = $2")
        .bind(topics.write())
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok("Mail choices saved.".into())
}

#[server(endpoint = "mail_overview")]
pub async fn get_mail_overview() -> Result<MailOverview, AppError> {
    require_admin().await?;
    let m = mail();
    outbox::overview(&pool()?, m.configured(), m.inbound()).await
}

/// Mail has been failing for over an hour (for the banner on admin pages): since when.
#[server(endpoint = "mail_trouble")]
pub async fn mail_trouble() -> Result<Option<i64>, AppError> {
    require_admin().await?;
    let m = mail();
    if !m.configured() {
        return Ok(None);
    }
    let o = outbox::overview(&pool()?, true, m.inbound()).await?;
    Ok(o.failing_since.filter(|since| now_ms() - since > 3_600_000))
}

/// A page of the outbox, newest first: `state` (queued, sent, failed, or empty for all),
/// older than mail `before` when paging on.
#[server(endpoint = "mail_outbox")]
pub async fn mail_outbox(
    #[server(default)] state: String,
    #[server(default)] before: Option<i64>,
) -> Result<Vec<OutboxEntry>, AppError> {
    require_admin().await?;
    let state = match state.trim() {
        "" => None,
        s => Some(MailState::parse(s).map_err(|e| AppError::invalid("state", e))?),
    };
    outbox::list(&pool()?, state, before, PAGE).await
}

/// Mails a page of the Mail page holds.
pub const PAGE: i64 = 50;

/// Puts failed mail `id` (or every failed mail, without one) back in the queue.
#[server(endpoint = "retry_mail")]
pub async fn retry_mail(#[server(default)] id: Option<i64>) -> Result<String, AppError> {
    require_admin().await?;
    let n = outbox::retry(&pool()?, id, now_ms()).await?;
    Ok(match (id, n) {
        (Some(_), 0) => return Err(AppError::NotFound),
        (Some(_), _) => "The mail is queued again.".into(),
        (None, 0) => "No failed mail to retry.".into(),
        (None, 1) => "1 failed mail is queued again.".into(),
        (None, n) => format!("{n} failed mails are queued again."),
    })
}

/// Queues a test mail to the admin's own address.
#[server(endpoint = "send_test_mail")]
pub async fn send_test_mail() -> Result<String, AppError> {
    let admin = require_admin().await?;
    let Some(mailer) = mail().mailer else {
        return Err(AppError::invalid(
            "mail",
            "Mail is not set up: give the server smtp_url, mail_from and public_url.",
        ));
    };
    mailer.queue_test(admin.id, &admin.email, now_ms()).await?;
    Ok(format!(
        "A test mail to {} is queued; it appears below once sent.",
        admin.email
    ))
}

/// Switches all mail off (nothing is queued or sent; what is queued waits) or on again.
#[server(endpoint = "switch_mail")]
pub async fn switch_mail(off: String) -> Result<String, AppError> {
    require_admin().await?;
    let off = match off.trim() {
        "true" => true,
        "false" => false,
        _ => return Err(AppError::invalid("off", "Say true or false.")),
    };
    outbox::switch_off(&pool()?, off, mail().configured()).await?;
    Ok(if off {
        "Mail is off: nothing is sent until it is switched on again.".into()
    } else {
        "Mail is on.".into()
    })
}

/// The incoming mail, newest first, a page at a time (older than `before`).
#[server(endpoint = "mail_inbound")]
pub async fn mail_inbound(
    #[server(default)] before: Option<i64>,
) -> Result<Vec<InboundEntry>, AppError> {
    require_admin().await?;
    Ok(sqlx::query_as(
        "SELECT m.id, m.from_address, m.subject, m.outcome, m.reason, t.service_request_no,
                m.received_at
           FROM mail_inbound m LEFT JOIN tickets t ON t.id = m.ticket_id
          WHERE ($1 IS NULL OR m.id < $1)
          ORDER BY m.id DESC LIMIT $2",
    )
    .bind(before)
    .bind(PAGE)
    .fetch_all(&pool()?)
    .await?)
}

#[server(endpoint = "get_inbound_settings")]
pub async fn get_inbound_settings() -> Result<InboundSettings, AppError> {
    require_admin().await?;
    let (unknown, department_id, request_type_id): (String, Option<i64>, Option<i64>) =
        sqlx::query_as(
            "SELECT unknown_senders, inbound_department_id, inbound_request_type_id
               FROM mail_state WHERE id = 1",
        )
        .fetch_one(&pool()?)
        .await?;
    Ok(InboundSettings {
        unknown_senders: UnknownSenders::parse(&unknown).unwrap_or(UnknownSenders::Refuse),
        department_id,
        request_type_id,
    })
}

/// Saves what happens to incoming mail: strangers' mail refused or not, and where tickets
/// opened by mail go (empty: the sender's department, else the first; the first type).
#[server(endpoint = "save_inbound_settings")]
pub async fn save_inbound_settings(
    unknown_senders: String,
    #[server(default)] department_id: String,
    #[server(default)] request_type_id: String,
) -> Result<String, AppError> {
    require_admin().await?;
    let unknown = UnknownSenders::parse(&unknown_senders)
        .map_err(|e| AppError::invalid("unknown_senders", e))?;
    let id = |field: &str, text: &str| -> Result<Option<i64>, AppError> {
        match text.trim() {
            "" => Ok(None),
            t => t
                .parse::<i64>()
                .map(Some)
                .map_err(|_| AppError::invalid(field, "Choose one from the list.")),
        }
    };
    let department = id("department_id", &department_id)?;
    let request_type = id("request_type_id", &request_type_id)?;
    let pool = pool()?;
    let mut tx = crate::base::db::begin_write(&pool).await?;
    // `table` is one of our two constants, never input.
    for (table, field, value) in [
        ("departments", "department_id", department),
        ("request_types", "request_type_id", request_type),
    ] {
        if let Some(v) = value {
            let found: Option<i64> =
                sqlx::query_scalar(&format!("SELECT id FROM {table} WHERE id = $1"))
                    .bind(v)
                    .fetch_optional(&mut *tx)
                    .await?;
            if found.is_none() {
                return Err(AppError::invalid(field, "Choose one from the list."));
            }
        }
    }
    sqlx::query(
        "UPDATE mail_state SET unknown_senders = $1, inbound_department_id = $2,
                               inbound_request_type_id = $3
          WHERE id = 1",
    )
    .bind(unknown.as_str())
    .bind(department)
    .bind(request_type)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok("Incoming mail settings saved.".into())
}
