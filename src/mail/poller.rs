//! The mailbox reader: one task per server that reads `imap_url`'s folder, hands each new
//! mail to the inbox, and only then marks it done in the mailbox; it waits with IDLE where
//! the server offers it, else looks every 30 seconds.

use super::inbound;
use super::inbox::{self, Handled, Ours};
use super::message::Signer;
use super::model::InboundOutcome;
use super::settings::{ImapUrl, Tls};
use crate::base::db::Pool;
use crate::live::{ChangeKind, TicketChange, hub::Hub};
use futures_util::TryStreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};

/// The keyword a handled mail gets in the mailbox (with \Seen): the next look skips it.
/// Servers that allow no keywords get \Seen alone, and unseen mail is what is new.
const DONE: &str = "HelpdeskDone";
/// Without IDLE, the mailbox is looked at this often.
const EVERY: Duration = Duration::from_secs(30);

trait Stream: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug> Stream for T {}
type Session = async_imap::Session<Box<dyn Stream>>;

#[derive(Clone)]
pub struct Poller {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    files: crate::files::upload::Files,
    imap: ImapUrl,
    signer: Signer,
    from: String,
    hub: Hub,
}

/// What one look at the mailbox did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Look {
    pub handled: usize,
    /// Of those, read before (a crash after the commit): only marked now.
    pub again: usize,
}

type Failure = String;

fn failed(what: &str) -> impl Fn(async_imap::error::Error) -> Failure + '_ {
    move |e| format!("{what}: {e}")
}

impl Poller {
    pub fn new(
        pool: &Pool,
        files: &crate::files::upload::Files,
        imap: ImapUrl,
        signer: Signer,
        from: &str,
        hub: Hub,
    ) -> Poller {
        Poller {
            inner: Arc::new(Inner {
                pool: pool.clone(),
                files: files.clone(),
                imap,
                signer,
                from: from.to_lowercase(),
                hub,
            }),
        }
    }

    /// Reads the mailbox for as long as the server runs; a lost connection is made again
    /// after 30 s.
    pub async fn run(self) {
        loop {
            if let Err(e) = self.watch().await {
                tracing::warn!(imap = %self.inner.imap, error = %e, "mailbox: trying again in 30 s");
            }
            tokio::time::sleep(EVERY).await;
        }
    }

    /// One session: look, then wait (IDLE, or 30 s) and look again, until it fails.
    async fn watch(&self) -> Result<(), Failure> {
        let mut session = self.session().await?;
        let idle = session
            .capabilities()
            .await
            .map_err(failed("capabilities"))?
            .has_str("IDLE");
        let news = session.unsolicited_responses.clone();
        loop {
            // What the server said before this look is about mail the look will see.
            while news.try_recv().is_ok() {}
            let keywords = self.select(&mut session).await?;
            self.look_in(&mut session, keywords).await?;
            if idle {
                let mut waiting = session.idle();
                waiting.init().await.map_err(failed("IDLE"))?;
                // Mail that came during the look was announced with the answers since (or
                // as IDLE began), not during the wait: look again at once.
                let arrived = std::iter::from_fn(|| news.try_recv().ok()).any(|r| {
                    matches!(
                        r,
                        async_imap::types::UnsolicitedResponse::Exists(_)
                            | async_imap::types::UnsolicitedResponse::Recent(_)
                    )
                });
                if !arrived {
                    // A new look at least every 10 minutes, whatever IDLE says.
                    let (wait, _stop) = waiting.wait_with_timeout(Duration::from_secs(600));
                    wait.await.map_err(failed("IDLE"))?;
                }
                session = waiting.done().await.map_err(failed("IDLE done"))?;
            } else {
                tokio::time::sleep(EVERY).await;
            }
        }
    }

    /// One look at the mailbox, in a session of its own (tests; the loop keeps one open).
    pub async fn look(&self) -> Result<Look, Failure> {
        let mut session = self.session().await?;
        let keywords = self.select(&mut session).await?;
        let look = self.look_in(&mut session, keywords).await?;
        let _ = session.logout().await;
        Ok(look)
    }

    async fn session(&self) -> Result<Session, Failure> {
        let imap = &self.inner.imap;
        let tcp = tokio::time::timeout(
            Duration::from_secs(30),
            tokio::net::TcpStream::connect((imap.host.as_str(), imap.port)),
        )
        .await
        .map_err(|_| "connecting: timed out".to_string())?
        .map_err(|e| format!("connecting: {e}"))?;
        let client: async_imap::Client<Box<dyn Stream>> = match imap.tls {
            Tls::Implicit => {
                let mut c = async_imap::Client::new(
                    Box::new(tls(&imap.host, tcp).await?) as Box<dyn Stream>
                );
                greeting(&mut c).await?;
                c
            }
            Tls::None => {
                let mut c = async_imap::Client::new(Box::new(tcp) as Box<dyn Stream>);
                greeting(&mut c).await?;
                c
            }
            Tls::StartTlsRequired | Tls::StartTlsIfOffered => {
                let mut c = async_imap::Client::new(tcp);
                greeting(&mut c).await?;
                match c.run_command_and_check_ok("STARTTLS", None).await {
                    // No greeting after STARTTLS.
                    Ok(()) => async_imap::Client::new(Box::new(
                        tls(&imap.host, c.into_inner()).await?,
                    ) as Box<dyn Stream>),
                    Err(e) if imap.tls == Tls::StartTlsRequired => {
                        return Err(format!("STARTTLS (tls=starttls requires it): {e}"));
                    }
                    Err(_) => async_imap::Client::new(Box::new(c.into_inner()) as Box<dyn Stream>),
                }
            }
        };
        client
            .login(&imap.login.user, &imap.login.password)
            .await
            .map_err(|(e, _)| format!("login as {}: {e}", imap.login.user))
    }

    /// Selects the folder; whether it takes our keyword.
    async fn select(&self, session: &mut Session) -> Result<bool, Failure> {
        let folder = session
            .select(&self.inner.imap.folder)
            .await
            .map_err(failed("selecting the folder"))?;
        Ok(folder
            .permanent_flags
            .iter()
            .any(|f| matches!(f, async_imap::types::Flag::MayCreate)))
    }

    async fn look_in(&self, session: &mut Session, keywords: bool) -> Result<Look, Failure> {
        let query = if keywords {
            format!("UNKEYWORD {DONE}")
        } else {
            "UNSEEN".into()
        };
        let mut uids: Vec<u32> = session
            .uid_search(&query)
            .await
            .map_err(failed("searching"))?
            .into_iter()
            .collect();
        uids.sort_unstable();
        let mut look = Look::default();
        for uid in uids {
            let handled = self.take(session, uid).await?;
            look.handled += 1;
            look.again += usize::from(handled.again);
            let flags = if keywords {
                format!("+FLAGS.SILENT (\\Seen {DONE})")
            } else {
                "+FLAGS.SILENT (\\Seen)".into()
            };
            // Marked only now, after the commit: a crash before this reads it again, and
            // the inbox knows it by its Message-ID.
            let done: Vec<_> = session
                .uid_store(uid.to_string(), &flags)
                .await
                .map_err(failed("marking a mail done"))?
                .try_collect()
                .await
                .map_err(failed("marking a mail done"))?;
            drop(done);
            if let Some((number, requested_by)) = handled.ticket.clone() {
                let kind = match handled.outcome {
                    InboundOutcome::Ticket => ChangeKind::Created,
                    _ => ChangeKind::Comment,
                };
                self.inner
                    .hub
                    .publish(TicketChange {
                        service_request_no: number,
                        requested_by,
                        kind,
                        staff_only: false,
                        batch: Vec::new(),
                    })
                    .await;
            }
        }
        Ok(look)
    }

    /// Reads mail `uid` (its size first: a mail too large is set aside unread) and hands
    /// it to the inbox.
    async fn take(&self, session: &mut Session, uid: u32) -> Result<Handled, Failure> {
        let inner = &self.inner;
        let now = crate::base::db::now_ms();
        let aside = |reason: String| Handled {
            outcome: InboundOutcome::SetAside,
            reason: Some(reason),
            ticket: None,
            again: false,
        };
        let sizes: Vec<_> = session
            .uid_fetch(uid.to_string(), "RFC822.SIZE")
            .await
            .map_err(failed("reading a mail's size"))?
            .try_collect()
            .await
            .map_err(failed("reading a mail's size"))?;
        let size = sizes.first().and_then(|f| f.size).unwrap_or(0) as usize;
        // The folder's UIDs with the mailbox's name: a key for a mail that has no usable id.
        let key = format!("uid{uid}.{}@{}", inner.imap.folder, inner.imap.host);
        if size > inbound::MAX_BYTES {
            let reason = format!("Too large: {} MB.", size / (1024 * 1024));
            inbox::set_aside(&inner.pool, &key, &reason, now)
                .await
                .map_err(|e| e.to_string())?;
            return Ok(aside(reason));
        }
        let fetched: Vec<_> = session
            .uid_fetch(uid.to_string(), "BODY.PEEK[]")
            .await
            .map_err(failed("reading a mail"))?
            .try_collect()
            .await
            .map_err(failed("reading a mail"))?;
        let raw = fetched.first().and_then(|f| f.body()).unwrap_or_default();
        match inbound::read(raw) {
            Ok(mut mail) => {
                let ours = Ours { from: &inner.from };
                let files = keep_files(&inner.pool, &inner.files, &mut mail).await;
                let handled = inbox::handle(&inner.pool, &inner.signer, &ours, &mail, &files, now)
                    .await
                    .map_err(|e| format!("storing a mail: {e}"))?;
                if !handled.again {
                    tracing::info!(from = %mail.from, outcome = %handled.outcome,
                        reason = handled.reason.as_deref().unwrap_or(""), "mail in");
                }
                Ok(handled)
            }
            Err(reason) => {
                tracing::warn!(uid, %reason, "mail set aside");
                inbox::set_aside(&inner.pool, &key, &reason, now)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(aside(reason))
            }
        }
    }
}

/// Stores a mail's attachments before it is handled (outside its transaction: storing
/// is slow and takes no turn of the writers' lock), as uploads are stored; at most a
/// comment's worth, the rest named. Their bytes leave `mail`. Files a mail then did not
/// use (it was refused) are left to `check`'s sweep.
async fn keep_files(
    pool: &Pool,
    files: &crate::files::upload::Files,
    mail: &mut inbound::Incoming,
) -> inbox::MailFiles {
    let mut out = inbox::MailFiles {
        limits: Some(files.limits),
        ..Default::default()
    };
    for file in std::mem::take(&mut mail.attachments) {
        if out.kept.len() as u64 >= files.limits.per_comment {
            out.refused.push(format!(
                "{}: at most {} files go on one comment",
                crate::files::model::clean_name(&file.name),
                files.limits.per_comment
            ));
            continue;
        }
        match crate::files::upload::keep(pool, files, &file.name, file.bytes).await {
            Ok(kept) => out.kept.push(kept),
            Err(reason) => out.refused.push(reason),
        }
    }
    out
}

async fn tls(
    host: &str,
    tcp: tokio::net::TcpStream,
) -> Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>, Failure> {
    let roots = tokio_rustls::rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| format!("TLS: {e}"))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = tokio_rustls::rustls::pki_types::ServerName::try_from(host.to_owned())
        .map_err(|e| format!("TLS: {host}: {e}"))?;
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|e| format!("TLS: {e}"))
}

/// The server's first line, read before anything is asked.
async fn greeting<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug>(
    client: &mut async_imap::Client<T>,
) -> Result<(), Failure> {
    client
        .read_response()
        .await
        .map_err(|e| format!("greeting: {e}"))?
        .ok_or("the server closed the connection")?;
    Ok(())
}
