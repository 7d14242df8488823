//! Mail in, handled: each mail becomes a comment, a ticket, or a record of why not, in one
//! transaction with the row that says it was handled (its Message-ID, unique), so a mail
//! read twice (a crash before the mailbox was told) is handled once.

use super::inbound::{Incoming, number_in, our_thread};
use super::message::Signer;
use super::model::InboundOutcome;
use crate::base::db::{Backend, Conn, Pool, begin_write};
use crate::error::AppError;
use crate::files::{
    db::{Kept, attach_in},
    model::Limits,
};
use crate::tickets::db::{NewTicket, add_comment_in, add_terms, create_in};
use crate::tickets::model::{CommentText, DeviceNo, Subject};
use crate::users::db::UserInput;
use crate::users::model::{AvatarUrl, Email, Role, UserStatus, Username};

/// More mail than this from one address in an hour is kept unhandled (a loop, or a flood).
pub const PER_SENDER_HOUR: i64 = 20;

/// What became of a mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    pub outcome: InboundOutcome,
    pub reason: Option<String>,
    /// The ticket it went to (number, requester), for the live update.
    pub ticket: Option<(String, i64)>,
    /// Handled before (its Message-ID was known): nothing done now.
    pub again: bool,
}

/// The addresses that are ours: mail from them is our own, come back.
pub struct Ours<'a> {
    pub from: &'a str,
}

impl Ours<'_> {
    fn sent(&self, address: &str) -> bool {
        let (local, domain) = self.from.split_once('@').unwrap_or((self.from, ""));
        let address = address.to_lowercase();
        address == self.from.to_lowercase()
            || address
                .strip_suffix(&format!("@{}", domain.to_lowercase()))
                .and_then(|l| l.strip_prefix(&format!("{}+", local.to_lowercase())))
                .is_some()
    }
}

/// Records a mail that could not be read (too large, not a mail), once.
pub async fn set_aside(
    pool: &Pool,
    message_id: &str,
    reason: &str,
    now: i64,
) -> Result<(), AppError> {
    let mut tx = begin_write(pool).await?;
    sqlx::query(
        "INSERT INTO mail_inbound (message_id, from_address, subject, outcome, reason, received_at)
         VALUES ($1, '', '', 'set_aside', $2, $3) ON CONFLICT (message_id) DO NOTHING",
    )
    .bind(message_id)
    .bind(reason)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

struct Sender {
    id: i64,
    active: bool,
    staff: bool,
    department_id: Option<i64>,
}

/// A mail's attachments, stored ahead of it (`files::upload::keep`), and a note for each
/// one that could not be.
#[derive(Debug, Clone, Default)]
pub struct MailFiles {
    pub kept: Vec<Kept>,
    pub refused: Vec<String>,
    pub limits: Option<Limits>,
}

/// Handles `mail` once: a reply to one of our threads (or naming a ticket's number) from
/// someone who may comment there is a comment; other mail from an active user opens a
/// ticket; the rest is refused or ignored, with the reason kept. Its files go on the
/// comment (or the new ticket's description) as far as the limits allow; the comment
/// names those that could not.
pub async fn handle(
    pool: &Pool,
    signer: &Signer,
    ours: &Ours<'_>,
    mail: &Incoming,
    files: &MailFiles,
    now: i64,
) -> Result<Handled, AppError> {
    let mut tx = begin_write(pool).await?;
    let known: Option<i64> =
        sqlx::query_scalar("SELECT id FROM mail_inbound WHERE message_id = $1")
            .bind(&mail.message_id)
            .fetch_optional(&mut *tx)
            .await?;
    if known.is_some() {
        return Ok(Handled {
            outcome: InboundOutcome::Ignored,
            reason: None,
            ticket: None,
            again: true,
        });
    }
    let handled = decide(&mut tx, Backend::of(pool), signer, ours, mail, files, now).await?;
    let ticket_id: Option<i64> = match &handled.ticket {
        Some((number, _)) => {
            sqlx::query_scalar("SELECT id FROM tickets WHERE service_request_no = $1")
                .bind(number)
                .fetch_optional(&mut *tx)
                .await?
        }
        None => None,
    };
    sqlx::query(
        "INSERT INTO mail_inbound (message_id, from_address, subject, outcome, reason, ticket_id,
                                   received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&mail.message_id)
    .bind(&mail.from)
    .bind(mail.subject.chars().take(200).collect::<String>())
    .bind(handled.outcome.as_str())
    .bind(&handled.reason)
    .bind(ticket_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(handled)
}

/// What of the mail's files fits on its comment of `ticket` (`None`: a new ticket), and
/// the mail's text with a line naming what does not.
async fn fit(
    tx: &mut Conn,
    ticket: Option<i64>,
    mail: &Incoming,
    files: &MailFiles,
) -> Result<(Vec<Kept>, String), AppError> {
    let (kept, mut refused) = match &files.limits {
        Some(limits) => crate::files::db::fitting(tx, ticket, files.kept.clone(), limits).await?,
        None => (Vec::new(), Vec::new()),
    };
    refused.splice(0..0, files.refused.iter().cloned());
    let mut text = mail.text.clone();
    if !refused.is_empty() {
        let said: Vec<&str> = refused.iter().map(|r| r.trim_end_matches('.')).collect();
        text.push_str(&format!("\n\n[Not kept: {}.]", said.join("; ")));
    }
    Ok((kept, text))
}

fn not_handled(outcome: InboundOutcome, reason: String) -> Handled {
    Handled {
        outcome,
        reason: Some(reason),
        ticket: None,
        again: false,
    }
}

async fn decide(
    tx: &mut Conn,
    b: Backend,
    signer: &Signer,
    ours: &Ours<'_>,
    mail: &Incoming,
    files: &MailFiles,
    now: i64,
) -> Result<Handled, AppError> {
    use InboundOutcome::*;
    if ours.sent(&mail.from) {
        return Ok(not_handled(Ignored, "Our own mail, come back.".into()));
    }
    if let Some(robot) = &mail.automatic {
        return Ok(not_handled(Ignored, format!("Sent by a robot ({robot}).")));
    }
    let recent: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM mail_inbound WHERE from_address = $1 AND received_at > $2",
    )
    .bind(&mail.from)
    .bind(now - 3_600_000)
    .fetch_one(&mut *tx)
    .await?;
    if recent >= PER_SENDER_HOUR {
        return Ok(not_handled(
            Ignored,
            format!("More than {PER_SENDER_HOUR} mails in an hour from this address."),
        ));
    }
    let sender: Option<Sender> = sqlx::query_as::<_, (i64, String, i64, Option<i64>)>(
        "SELECT u.id, u.status,
                CASE WHEN EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id
                                     AND r.role IN ('admin', 'agent')) THEN 1 ELSE 0 END,
                u.department_id
           FROM users u WHERE u.email = $1",
    )
    .bind(&mail.from)
    .fetch_optional(&mut *tx)
    .await?
    .map(|(id, status, staff, department_id)| Sender {
        id,
        active: status == "active",
        staff: staff == 1,
        department_id,
    });
    // A reply: our signed thread, else a number in the subject.
    let target: Option<i64> = match our_thread(signer, mail) {
        Some((ticket, _)) => Some(ticket),
        None => match number_in(&mail.subject) {
            Some(number) => {
                sqlx::query_scalar("SELECT id FROM tickets WHERE service_request_no = $1")
                    .bind(number)
                    .fetch_optional(&mut *tx)
                    .await?
            }
            None => None,
        },
    };
    if let Some(ticket_id) = target {
        let ticket: Option<(String, i64)> =
            sqlx::query_as("SELECT service_request_no, requested_by FROM tickets WHERE id = $1")
                .bind(ticket_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((number, requested_by)) = ticket else {
            return Ok(not_handled(
                Refused,
                "It answers a ticket that is gone.".into(),
            ));
        };
        let Some(s) = sender.filter(|s| s.active && (s.staff || s.id == requested_by)) else {
            return Ok(not_handled(
                Refused,
                format!("{} may not comment on {number}.", mail.from),
            ));
        };
        let (kept, text) = fit(tx, Some(ticket_id), mail, files).await?;
        let Ok(text) = CommentText::parse(&text) else {
            return Ok(not_handled(
                Refused,
                "Nothing is left once the quoted mail is cut.".into(),
            ));
        };
        let comment = add_comment_in(tx, b, ticket_id, s.id, s.staff, &text, now).await?;
        let names = attach_in(tx, s.id, ticket_id, comment, &kept, now).await?;
        add_terms(tx, &names.iter().map(String::as_str).collect::<Vec<_>>()).await?;
        return Ok(Handled {
            outcome: Comment,
            reason: None,
            ticket: Some((number, requested_by)),
            again: false,
        });
    }
    // A new ticket.
    let (settings_dept, settings_type, unknown): (Option<i64>, Option<i64>, String) =
        sqlx::query_as(
            "SELECT inbound_department_id, inbound_request_type_id, unknown_senders
               FROM mail_state WHERE id = 1",
        )
        .fetch_one(&mut *tx)
        .await?;
    let sender = match sender {
        Some(s) if s.active => s,
        Some(_) => {
            return Ok(not_handled(
                Refused,
                format!("{} belongs to a deactivated user.", mail.from),
            ));
        }
        None if unknown == "create_user" => match open_account(tx, mail).await? {
            Ok(id) => Sender {
                id,
                active: true,
                staff: false,
                department_id: None,
            },
            Err(reason) => return Ok(not_handled(Refused, reason)),
        },
        None => {
            return Ok(not_handled(
                Refused,
                format!("No user has the address {}.", mail.from),
            ));
        }
    };
    let department: Option<i64> = match settings_dept.or(sender.department_id) {
        Some(d) => Some(d),
        None => {
            sqlx::query_scalar("SELECT MIN(id) FROM departments")
                .fetch_one(&mut *tx)
                .await?
        }
    };
    let request_type: Option<i64> = match settings_type {
        Some(t) => Some(t),
        None => {
            sqlx::query_scalar("SELECT MIN(id) FROM request_types")
                .fetch_one(&mut *tx)
                .await?
        }
    };
    let (Some(department_id), Some(request_type_id)) = (department, request_type) else {
        return Ok(not_handled(
            Refused,
            "There is no department or request type to file it under.".into(),
        ));
    };
    let subject: String = mail.subject.chars().take(200).collect();
    let subject = Subject::parse(&subject)
        .or_else(|_| Subject::parse("(no subject)"))
        .map_err(|_| AppError::Internal)?;
    let (kept, text) = fit(tx, None, mail, files).await?;
    let description = CommentText::parse(&text)
        .or_else(|_| CommentText::parse("(The mail had no text.)"))
        .map_err(|_| AppError::Internal)?;
    let (ticket_id, number, description_id) = create_in(
        tx,
        &NewTicket {
            requested_by: sender.id,
            request_type_id,
            department_id,
            subject,
            description,
            device_no: DeviceNo::parse("").map_err(|_| AppError::Internal)?,
        },
        now,
    )
    .await?;
    let names = attach_in(tx, sender.id, ticket_id, description_id, &kept, now).await?;
    add_terms(tx, &names.iter().map(String::as_str).collect::<Vec<_>>()).await?;
    Ok(Handled {
        outcome: Ticket,
        reason: None,
        ticket: Some((number, sender.id)),
        again: false,
    })
}

/// An account for an unknown sender (the admin allows it): a username made from the
/// address, a user role, no password (they set one through an admin, or just write).
async fn open_account(tx: &mut Conn, mail: &Incoming) -> Result<Result<i64, String>, AppError> {
    let Ok(email) = Email::parse(&mail.from) else {
        return Ok(Err(format!("{} cannot be a user's address.", mail.from)));
    };
    let local = mail.from.split('@').next().unwrap_or_default();
    let mut base: String = local
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(*c))
        .take(24)
        .collect();
    while base.len() < 3 {
        base.push('_');
    }
    let mut name = base.clone();
    for n in 2.. {
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(&name)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_none() {
            break;
        }
        name = format!("{base}{n}");
    }
    let Ok(username) = Username::parse(&name) else {
        return Ok(Err(format!("No username fits {}.", mail.from)));
    };
    let input = UserInput {
        username,
        email,
        avatar: AvatarUrl::parse("").map_err(|_| AppError::Internal)?,
        department_id: None,
        roles: vec![Role::User],
        status: UserStatus::Active,
    };
    // No password matches "!": the account signs in once an admin sets one.
    Ok(Ok(crate::users::db::create_in(
        tx,
        &input,
        "!opened-by-mail",
    )
    .await?))
}
