//! A real SMTP server of a test's own (scripts/smtp-sink.py, Debian's aiosmtpd): each mail
//! it accepts is a file; `reject…@` is refused (550), `tempfail…@` asked to retry once (451).

use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Sink {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Sink {
    fn drop(&mut self) {
        // Its input closed, it stops (and, for dovecot, stops its processes) and ends.
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// One mail as the sink kept it.
#[derive(Debug, Clone)]
pub struct Received {
    pub envelope_to: Vec<String>,
    pub text: String,
}

impl Received {
    fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(self.text.as_bytes())
            .expect("a mail the parser reads")
    }

    /// Header `name` as text (decoded).
    pub fn header(&self, name: &str) -> Option<String> {
        let m = self.parsed();
        let value = m.header(name)?;
        Some(match value {
            mail_parser::HeaderValue::Text(t) => t.to_string(),
            mail_parser::HeaderValue::TextList(l) => l.join(" "),
            other => format!("{other:?}"),
        })
    }

    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_owned()
    }

    pub fn message_id(&self) -> String {
        self.parsed().message_id().unwrap_or_default().to_owned()
    }

    /// The text/plain alternative, decoded.
    pub fn plain(&self) -> String {
        self.parsed()
            .body_text(0)
            .map(|t| t.replace("\r\n", "\n"))
            .unwrap_or_default()
    }

    /// The text/html alternative, decoded.
    pub fn html(&self) -> String {
        self.parsed()
            .body_html(0)
            .map(|t| t.into_owned())
            .unwrap_or_default()
    }
}

impl Sink {
    pub fn start() -> Sink {
        let dir = tempfile::tempdir().unwrap();
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/smtp-sink.py");
        let mut child = Command::new("/usr/bin/python3")
            .arg(script)
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the SMTP sink (Debian's python3-aiosmtpd: scripts/setup.sh installs it)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("PORT=")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the sink did not start: {line:?}"));
        Sink { child, port, dir }
    }

    /// The settings that send mail here.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    /// Every mail received so far, oldest first.
    pub fn mails(&self) -> Vec<Received> {
        let mut files: Vec<_> = std::fs::read_dir(self.dir.path().join("new"))
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        files
            .into_iter()
            .filter_map(|f| std::fs::read_to_string(f).ok())
            .map(|text| {
                let envelope_to = text
                    .lines()
                    .map_while(|l| l.strip_prefix("X-Envelope-To: "))
                    .map(str::to_owned)
                    .collect();
                Received { envelope_to, text }
            })
            .collect()
    }

    /// The mails to `address`.
    pub fn to(&self, address: &str) -> Vec<Received> {
        self.mails()
            .into_iter()
            .filter(|m| m.envelope_to.iter().any(|t| t == address))
            .collect()
    }

    /// Waits (up to a minute) until at least `n` mails have arrived; all of them.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let mails = self.mails();
            if mails.len() >= n {
                return mails;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {n} mails after a minute",
                mails.len()
            );
            // Not a thread sleep: the server under test may run on this test's runtime.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Queues `n` small mails straight into the outbox, due at `due` (ms; 0: at once), each
/// with its own Message-ID `<{i}.{tag}@test>`: for tests of the sender alone.
pub async fn queue_raw(pool: &helpdesk::base::db::Pool, n: usize, tag: &str, due: i64) {
    let mut tx = pool.begin().await.unwrap();
    for i in 0..n {
        let id = format!("<{i}.{tag}@test>");
        let message = format!(
            "From: help@example.com\r\nTo: many@example.com\r\nSubject: {i}\r\nMessage-ID: {id}\r\n\r\nMail {i}\r\n"
        );
        sqlx::query(
            "INSERT INTO mail_outbox (to_address, subject, message_id, message, next_attempt_at,
                                      created_at)
             VALUES ('many@example.com', $1, $2, $3, $4, 0)",
        )
        .bind(i.to_string())
        .bind(&id)
        .bind(message)
        .bind(due)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

/// How many times each Message-ID arrived.
pub fn deliveries(mails: &[Received]) -> std::collections::BTreeMap<String, usize> {
    let mut seen = std::collections::BTreeMap::new();
    for m in mails {
        *seen.entry(m.message_id()).or_insert(0) += 1;
    }
    seen
}
