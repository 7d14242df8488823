//! The sender: one task per server that, every second, queues the overdue tickets, turns
//! each ticket's changes of the last minute into mails, and sends what is due, retrying
//! what the mail server asks to retry.

use super::compose::{self, Links};
use super::message::{self, Envelope, Signer, Threading};
use super::outbox::{self, NewMail, Outcome};
use super::settings::{MailFrom, PublicUrl, SmtpUrl, Tls};
use crate::base::db::{BootError, Pool};
use crate::error::AppError;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls as SmtpTls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::sync::Arc;
use std::time::Duration;

/// A ticket's changes are gathered this long from the first before they are mailed, so a
/// burst of them (a status change and an answer) is one mail.
pub const GATHER_MS: i64 = 60_000;
/// A mail being sent is another server's again after this long (a server that died).
const LEASE_MS: i64 = 120_000;
/// Temporary failures are retried for a day, then given up.
const GIVE_UP_MS: i64 = 24 * 3_600_000;

/// What sending needs; cheap to clone. Given to server functions (the Mail page, the test
/// mail) through the request's context as `Mail`.
#[derive(Clone)]
pub struct Mailer {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    from: Mailbox,
    public: PublicUrl,
    inbound: bool,
    signer: Signer,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    /// When sent mail past its keeping was last deleted (hourly).
    purged_at: std::sync::atomic::AtomicI64,
}

/// Mail as this server has it: a mailer with smtp_url, a mailbox reader with imap_url.
#[derive(Clone, Default)]
pub struct Mail {
    pub mailer: Option<Mailer>,
    pub poller: Option<super::poller::Poller>,
}

/// The mail settings, as the server was given them.
pub struct MailSettings<'a> {
    pub smtp: Option<&'a SmtpUrl>,
    pub imap: Option<&'a super::settings::ImapUrl>,
    pub from: Option<&'a MailFrom>,
    pub public: Option<&'a PublicUrl>,
}

fn transport(smtp: &SmtpUrl) -> Result<AsyncSmtpTransport<Tokio1Executor>, BootError> {
    type T = AsyncSmtpTransport<Tokio1Executor>;
    let params = || TlsParameters::new(smtp.host.clone());
    let builder = match smtp.tls {
        Tls::Implicit => T::builder_dangerous(&smtp.host).tls(SmtpTls::Wrapper(params()?)),
        Tls::StartTlsRequired => T::builder_dangerous(&smtp.host).tls(SmtpTls::Required(params()?)),
        Tls::StartTlsIfOffered => {
            T::builder_dangerous(&smtp.host).tls(SmtpTls::Opportunistic(params()?))
        }
        Tls::None => T::builder_dangerous(&smtp.host),
    };
    let mut builder = builder
        .port(smtp.port)
        .timeout(Some(Duration::from_secs(30)));
    if let Some(login) = &smtp.login {
        builder = builder.credentials(Credentials::new(login.user.clone(), login.password.clone()));
    }
    Ok(builder.build())
}

impl Mail {
    /// Mail for this server: with smtp_url, a mailer (mail_from and public_url are needed
    /// too: who it is from, and where its links go); without, changes are not queued. With
    /// imap_url, a reader of that mailbox (mail_from is needed: mail from it is our own).
    pub async fn new(
        pool: &Pool,
        settings: MailSettings<'_>,
        hub: &crate::live::hub::Hub,
        files: &crate::files::upload::Files,
    ) -> Result<Mail, BootError> {
        let (key, _) = outbox::key_and_switch(pool).await?;
        let poller = match (settings.imap, settings.from) {
            (None, _) => None,
            (Some(_), None) => {
                return Err("imap_url needs mail_from (mail from it is our own)".into());
            }
            (Some(imap), Some(from)) => {
                tracing::info!(imap = %imap, "reading mail");
                Some(super::poller::Poller::new(
                    pool,
                    files,
                    imap.clone(),
                    Signer::new(&key),
                    from.0.email.as_ref(),
                    hub.clone(),
                ))
            }
        };
        let Some(smtp) = settings.smtp else {
            outbox::set_queueing(pool, false).await?;
            return Ok(Mail {
                mailer: None,
                poller,
            });
        };
        let (Some(from), Some(public)) = (settings.from, settings.public) else {
            return Err(
                "smtp_url needs mail_from (who mail is from) and public_url (where its links go)"
                    .into(),
            );
        };
        let mailer = Mailer {
            inner: Arc::new(Inner {
                pool: pool.clone(),
                from: from.0.clone(),
                public: public.clone(),
                inbound: poller.is_some(),
                signer: Signer::new(&key),
                transport: transport(smtp)?,
                purged_at: std::sync::atomic::AtomicI64::new(0),
            }),
        };
        outbox::release_leases(pool).await?;
        let queueing = outbox::set_queueing(pool, true).await?;
        tracing::info!(smtp = %smtp, queueing, "mail on");
        Ok(Mail {
            mailer: Some(mailer),
            poller,
        })
    }

    pub fn configured(&self) -> bool {
        self.mailer.is_some()
    }

    pub fn inbound(&self) -> bool {
        self.poller.is_some()
    }
}

/// What one round did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Round {
    pub queued: usize,
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

impl Mailer {
    /// The sender's loop: a round every second for as long as the server runs.
    pub async fn run(self) {
        let mut every = tokio::time::interval(Duration::from_secs(1));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(e) = self.round(crate::base::db::now_ms()).await {
                tracing::warn!(error = %e, "mail round failed; trying again in a second");
            }
        }
    }

    /// One round at time `now`: overdue tickets queued, changes gathered for a minute made
    /// into mails, due mails sent. Mail switched off by an admin: nothing.
    pub async fn round(&self, now: i64) -> Result<Round, AppError> {
        let pool = &self.inner.pool;
        let mut round = Round::default();
        if outbox::key_and_switch(pool).await?.1 {
            return Ok(round);
        }
        outbox::queue_overdue(pool, now).await?;
        let purged = &self.inner.purged_at;
        if now - purged.load(std::sync::atomic::Ordering::Relaxed) > 3_600_000 {
            purged.store(now, std::sync::atomic::Ordering::Relaxed);
            outbox::purge_sent(pool, now).await?;
        }
        for ticket in outbox::tickets_due(pool, now, GATHER_MS).await? {
            round.queued +=
                outbox::compose_ticket(pool, ticket, now, |t, h, p| self.write(t, h, p, now))
                    .await?;
        }
        loop {
            let claimed = outbox::claim(pool, now, now + LEASE_MS, 20).await?;
            if claimed.is_empty() {
                break;
            }
            for mail in claimed {
                let outcome = self.send(&mail, now).await;
                match &outcome {
                    Outcome::Sent => round.sent += 1,
                    Outcome::Later(..) => round.retried += 1,
                    Outcome::Failed(e) => {
                        tracing::warn!(to = %mail.to_address, error = %e, "mail failed");
                        round.failed += 1
                    }
                }
                outbox::record(pool, mail.id, outcome, now).await?;
            }
        }
        Ok(round)
    }

    async fn send(&self, mail: &outbox::Claimed, now: i64) -> Outcome {
        let to = match mail.to_address.parse::<lettre::Address>() {
            Ok(to) => to,
            Err(e) => return Outcome::Failed(format!("The address cannot take mail: {e}.")),
        };
        let envelope =
            match lettre::address::Envelope::new(Some(self.inner.from.email.clone()), vec![to]) {
                Ok(e) => e,
                Err(e) => return Outcome::Failed(format!("The mail cannot be addressed: {e}.")),
            };
        match self
            .inner
            .transport
            .send_raw(&envelope, mail.message.as_bytes())
            .await
        {
            Ok(_) => Outcome::Sent,
            Err(e) => failure(&e, mail.attempts, mail.created_at, now),
        }
    }

    /// The mails for one ticket's gathered changes: one per person told of something.
    fn write(
        &self,
        ticket: &compose::TicketFacts,
        happenings: &[compose::Happening],
        people: &std::collections::BTreeMap<i64, compose::Person>,
        now: i64,
    ) -> Vec<NewMail> {
        let inner = &self.inner;
        let links = Links {
            ticket: inner.public.link(&format!("/tickets/{}", ticket.number)),
            preferences: inner.public.link("/account#mail"),
        };
        let domain = inner.from.email.domain().to_owned();
        let mut mails = Vec::new();
        for (user, items) in compose::notices(ticket, happenings, people) {
            let Some(person) = people.get(&user) else {
                continue;
            };
            let Ok(address) = person.email.parse::<lettre::Address>() else {
                tracing::warn!(user, "an address lettre cannot send to; not mailed");
                continue;
            };
            let body = compose::render(ticket, person, &items, &links);
            let threading =
                Threading::new(&inner.signer, ticket.id, user, fastrand::u64(..), &domain);
            let reply_to = inner
                .inbound
                .then(|| {
                    message::reply_address(&inner.from.email, &inner.signer.token(ticket.id, user))
                })
                .flatten()
                .map(|a| Mailbox::new(inner.from.name.clone(), a));
            let built = message::build(
                Envelope {
                    from: &inner.from,
                    to: Mailbox::new(Some(person.username.clone()), address),
                    reply_to,
                    threading: Some(&threading),
                    preferences: Some(&links.preferences),
                    date: at(now),
                },
                &body,
            );
            match built {
                Ok(message) => mails.push(NewMail {
                    ticket_id: Some(ticket.id),
                    user_id: Some(user),
                    to_address: person.email.clone(),
                    subject: body.subject,
                    message_id: threading.message_id,
                    message,
                }),
                Err(e) => tracing::warn!(user, error = %e, "a mail could not be built"),
            }
        }
        mails
    }

    /// Queues a test mail to `to` (the admin's own address), sent in the next round.
    pub async fn queue_test(&self, user: i64, to: &str, now: i64) -> Result<(), AppError> {
        let inner = &self.inner;
        let address: lettre::Address = to.parse().map_err(|_| {
            AppError::Validation(vec![crate::error::FieldError {
                field: "to".into(),
                message: "Your address cannot take mail; change it on My account.".into(),
            }])
        })?;
        let body = compose::Body {
            subject: "Test mail from the helpdesk".into(),
            text: format!(
                "This is a test mail from {}. If you can read it, mail goes out.\n",
                inner.public
            ),
            html: format!(
                "<p>This is a test mail from {}. If you can read it, mail goes out.</p>",
                html_escape::encode_text(&inner.public.to_string())
            ),
        };
        let message = message::build(
            Envelope {
                from: &inner.from,
                to: Mailbox::new(None, address),
                reply_to: None,
                threading: None,
                preferences: None,
                date: at(now),
            },
            &body,
        )
        .map_err(|e| {
            tracing::error!(error = %e, "the test mail could not be built");
            AppError::Internal
        })?;
        let message_id = message::message_id_of(&message).ok_or(AppError::Internal)?;
        outbox::queue_one(
            &inner.pool,
            &NewMail {
                ticket_id: None,
                user_id: Some(user),
                to_address: to.to_owned(),
                subject: body.subject,
                message_id,
                message,
            },
            now,
        )
        .await
    }
}

fn at(ms: i64) -> std::time::SystemTime {
    std::time::UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64)
}

/// A failed attempt in words, and whether to try again: a refusal (5xx) is final; anything
/// else (4xx, no connection, a timeout) is tried again after 30 s, 1, 2, 4 … minutes (at
/// most an hour apart) until a day has passed since the mail was queued.
fn failure(
    e: &lettre::transport::smtp::Error,
    attempts: i64,
    created_at: i64,
    now: i64,
) -> Outcome {
    let mut words = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        words.push_str(": ");
        words.push_str(&s.to_string());
        source = s.source();
    }
    if e.is_permanent() {
        return Outcome::Failed(format!("The mail server refused it ({words})."));
    }
    if now - created_at >= GIVE_UP_MS {
        return Outcome::Failed(format!("Given up after a day of trying ({words})."));
    }
    let wait = (30_000i64 << (attempts - 1).clamp(0, 7)).min(3_600_000);
    Outcome::Later(now + wait, format!("Not sent yet, trying again ({words})."))
}
