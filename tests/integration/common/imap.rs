//! A real IMAP server of a test's own (scripts/imap-server.sh: Debian's dovecot with a
//! throwaway config), and a client that puts mail into its mailbox as a mail server would.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Imap {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Imap {
    fn drop(&mut self) {
        // Its input closed, it stops (and, for dovecot, stops its processes) and ends.
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

type Session = async_imap::Session<tokio::net::TcpStream>;

impl Imap {
    pub fn start() -> Imap {
        let dir = tempfile::tempdir().unwrap();
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/imap-server.sh");
        let mut child = Command::new(script)
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the IMAP server (Debian's dovecot-imapd)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port: u16 = line
            .trim()
            .strip_prefix("PORT=")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("dovecot did not start: {line:?}"));
        // Listening once it answers.
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "dovecot is not listening");
            std::thread::sleep(Duration::from_millis(20));
        }
        Imap {
            child,
            port,
            _dir: dir,
        }
    }

    /// The setting that reads this mailbox.
    pub fn url(&self) -> String {
        format!(
            "imap://help:help-password@127.0.0.1:{}/INBOX?tls=none",
            self.port
        )
    }

    async fn session(&self) -> Session {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .unwrap();
        let mut client = async_imap::Client::new(tcp);
        client.read_response().await.unwrap().unwrap();
        client
            .login("help", "help-password")
            .await
            .map_err(|(e, _)| e)
            .unwrap()
    }

    /// Delivers `raw` into the mailbox.
    pub async fn deliver(&self, raw: &[u8]) {
        let mut s = self.session().await;
        s.append("INBOX", None, None, raw).await.unwrap();
        s.logout().await.unwrap();
    }

    /// How many mails in the mailbox have not been marked done by the helpdesk.
    pub async fn waiting(&self) -> usize {
        let mut s = self.session().await;
        s.select("INBOX").await.unwrap();
        let n = s.uid_search("UNKEYWORD HelpdeskDone").await.unwrap().len();
        s.logout().await.unwrap();
        n
    }
}
