//! The mail settings' values, parsed once at start so a typo is refused with its reason
//! instead of failing at the first mail. Passwords are kept but never shown: `Display` is
//! what `helpdesk config` and the logs print.

use std::{fmt, str::FromStr};
use url::Url;

/// The address people use to reach the helpdesk (`https://help.example.com`): links in
/// mail point there, and the cross-site check accepts its origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(Url);

impl PublicUrl {
    /// `scheme://host[:port]`, as a browser sends it in `Origin`.
    pub fn origin(&self) -> String {
        self.0.origin().ascii_serialization()
    }

    /// The link to `path` (which starts with `/`) under this address.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.0.as_str().trim_end_matches('/'))
    }
}

impl FromStr for PublicUrl {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let url = Url::parse(text.trim())
            .map_err(|e| format!("{text:?} is not a URL like https://help.example.com ({e})"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(format!(
                "{text:?} is not an http(s) address like https://help.example.com"
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!(
                "{text:?}: a public address carries no user or password"
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "{text:?}: a public address has no ?query or #fragment"
            ));
        }
        Ok(PublicUrl(url))
    }
}

impl fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str().trim_end_matches('/'))
    }
}

/// A user name and password from a URL, decoded; the password is never shown.
#[derive(Clone, PartialEq, Eq)]
pub struct Login {
    pub user: String,
    pub password: String,
}

impl fmt::Debug for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Login({:?}, ***)", self.user)
    }
}

fn login(url: &Url, text: &str) -> Result<Option<Login>, String> {
    let decode = |part: &str| {
        percent_encoding::percent_decode_str(part)
            .decode_utf8()
            .map(|s| s.into_owned())
            .map_err(|_| format!("{}: the user or password is not UTF-8", redacted(text)))
    };
    match (url.username(), url.password()) {
        ("", None) => Ok(None),
        ("", Some(_)) => Err(format!("{}: a password without a user", redacted(text))),
        (user, password) => Ok(Some(Login {
            user: decode(user)?,
            password: decode(password.unwrap_or(""))?,
        })),
    }
}

/// `text` with any password in it replaced, for error messages.
fn redacted(text: &str) -> String {
    match Url::parse(text.trim()) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            format!("{:?}", url.as_str())
        }
        Ok(url) => format!("{:?}", url.as_str()),
        Err(_) => "the URL".to_string(),
    }
}

/// The `?tls=` of a URL, if given; anything else in the query is refused.
fn tls_param(url: &Url, text: &str, allowed: &[&str]) -> Result<Option<String>, String> {
    let mut tls = None;
    for (key, value) in url.query_pairs() {
        if key != "tls" || tls.is_some() {
            return Err(format!("{}: the only option is ?tls=…", redacted(text)));
        }
        if !allowed.contains(&value.as_ref()) {
            return Err(format!(
                "{}: tls={value} is not one of {}",
                redacted(text),
                allowed.join(", ")
            ));
        }
        tls = Some(value.into_owned());
    }
    Ok(tls)
}

/// What an SMTP and an IMAP URL share: a scheme with TLS from the start or not, `?tls=`,
/// a host.
struct ServerUrl {
    url: Url,
    implicit: bool,
    tls: Option<String>,
    host: String,
}

impl ServerUrl {
    /// `schemes`: the one with TLS from the start, then the plain one; `options`: the
    /// values `?tls=` may take on the plain one.
    fn parse(
        text: &str,
        example: &str,
        [secure, plain]: [&str; 2],
        options: &[&str],
    ) -> Result<ServerUrl, String> {
        let url = Url::parse(text.trim())
            .map_err(|e| format!("{} is not a URL like {example} ({e})", redacted(text)))?;
        let implicit = match url.scheme() {
            s if s == secure => true,
            s if s == plain => false,
            s => {
                return Err(format!(
                    "{}: {s}:// is not {plain}:// or {secure}://",
                    redacted(text)
                ));
            }
        };
        let tls = tls_param(&url, text, options)?;
        if implicit && tls.is_some() {
            return Err(format!(
                "{}: {secure}:// is TLS already, drop ?tls=",
                redacted(text)
            ));
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| format!("{}: no host", redacted(text)))?
            .to_string();
        Ok(ServerUrl {
            url,
            implicit,
            tls,
            host,
        })
    }

    /// The port given, else the usual one for TLS from the start or for the plain scheme.
    fn port(&self, implicit: u16, plain: u16) -> u16 {
        self.url
            .port()
            .unwrap_or(if self.implicit { implicit } else { plain })
    }
}

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    /// TLS from the first byte (`smtps://`, `imaps://`).
    Implicit,
    /// STARTTLS, and refuse a server that does not offer it.
    StartTlsRequired,
    /// STARTTLS when the server offers it (plain `smtp://`).
    StartTlsIfOffered,
    /// None at all (`?tls=none`: a relay on this machine).
    None,
}

/// Where mail goes out: `smtp://user:password@host:587` (STARTTLS when offered;
/// `?tls=required` refuses without), `smtps://…:465`, or `smtp://host:25?tls=none`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    pub host: String,
    pub port: u16,
    pub tls: Tls,
    pub login: Option<Login>,
}

impl FromStr for SmtpUrl {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let server = ServerUrl::parse(
            text,
            "smtp://user:password@host:587",
            ["smtps", "smtp"],
            &["required", "none"],
        )?;
        if !matches!(server.url.path(), "" | "/") || server.url.fragment().is_some() {
            return Err(format!("{}: an SMTP URL has no path", redacted(text)));
        }
        let tls = match (server.implicit, server.tls.as_deref()) {
            (true, _) => Tls::Implicit,
            (false, None) => Tls::StartTlsIfOffered,
            (false, Some("required")) => Tls::StartTlsRequired,
            (false, Some(_)) => Tls::None,
        };
        Ok(SmtpUrl {
            port: server.port(465, 587),
            login: login(&server.url, text)?,
            host: server.host,
            tls,
        })
    }
}

impl fmt::Display for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.tls == Tls::Implicit {
            "smtps"
        } else {
            "smtp"
        };
        write!(f, "{scheme}://")?;
        if let Some(login) = &self.login {
            write!(f, "{}:***@", login.user)?;
        }
        write!(f, "{}:{}", self.host, self.port)?;
        match self.tls {
            Tls::StartTlsRequired => f.write_str("?tls=required"),
            Tls::None => f.write_str("?tls=none"),
            Tls::Implicit | Tls::StartTlsIfOffered => Ok(()),
        }
    }
}

/// The mailbox polled for incoming mail: `imaps://user:password@host:993/INBOX`, or
/// `imap://…?tls=starttls|none`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapUrl {
    pub host: String,
    pub port: u16,
    pub tls: Tls,
    pub login: Login,
    pub folder: String,
}

impl FromStr for ImapUrl {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let server = ServerUrl::parse(
            text,
            "imaps://user:password@host:993/INBOX",
            ["imaps", "imap"],
            &["starttls", "none"],
        )?;
        let tls = match (server.implicit, server.tls.as_deref()) {
            (true, _) => Tls::Implicit,
            (false, Some("starttls")) => Tls::StartTlsRequired,
            (false, Some(_)) => Tls::None,
            (false, None) => {
                return Err(format!(
                    "{}: say how imap:// is protected: imaps://, or ?tls=starttls or ?tls=none",
                    redacted(text)
                ));
            }
        };
        let login = login(&server.url, text)?
            .ok_or_else(|| format!("{}: no user and password", redacted(text)))?;
        let folder =
            percent_encoding::percent_decode_str(server.url.path().trim_start_matches('/'))
                .decode_utf8()
                .map_err(|_| format!("{}: the folder is not UTF-8", redacted(text)))?;
        Ok(ImapUrl {
            port: server.port(993, 143),
            host: server.host,
            tls,
            login,
            folder: if folder.is_empty() {
                "INBOX".into()
            } else {
                folder.into_owned()
            },
        })
    }
}

impl fmt::Display for ImapUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.tls == Tls::Implicit {
            "imaps"
        } else {
            "imap"
        };
        write!(
            f,
            "{scheme}://{}:***@{}:{}/{}",
            self.login.user, self.host, self.port, self.folder
        )?;
        match self.tls {
            Tls::StartTlsRequired => f.write_str("?tls=starttls"),
            Tls::None => f.write_str("?tls=none"),
            Tls::Implicit | Tls::StartTlsIfOffered => Ok(()),
        }
    }
}

/// Who mail comes from: `Helpdesk <help@example.com>` or a bare address (parsed by
/// lettre, which sends it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailFrom(pub lettre::message::Mailbox);

impl FromStr for MailFrom {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        text.trim().parse().map(MailFrom).map_err(|e| {
            format!("{text:?} is not an address like Helpdesk <help@example.com> ({e})")
        })
    }
}

impl fmt::Display for MailFrom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_as_the_settings_describe_them() {
        let url: SmtpUrl = "smtp://ann%40x.org:p%3Ass@mail.example.com:587"
            .parse()
            .unwrap();
        assert_eq!(
            (url.host.as_str(), url.port, url.tls),
            ("mail.example.com", 587, Tls::StartTlsIfOffered)
        );
        assert_eq!(
            url.login,
            Some(Login {
                user: "ann@x.org".into(),
                password: "p:ss".into()
            })
        );
        // Shown without the password, anywhere it is printed.
        assert_eq!(url.to_string(), "smtp://ann@x.org:***@mail.example.com:587");
        assert!(!format!("{url:?}").contains("p:ss"));
        let url: SmtpUrl = "smtp://u:p@h?tls=required".parse().unwrap();
        assert_eq!((url.port, url.tls), (587, Tls::StartTlsRequired));
        let url: SmtpUrl = "smtps://u:p@h".parse().unwrap();
        assert_eq!((url.port, url.tls), (465, Tls::Implicit));
        let url: SmtpUrl = "smtp://localhost:25?tls=none".parse().unwrap();
        assert_eq!((url.port, url.tls, &url.login), (25, Tls::None, &None));
        assert_eq!(url.to_string(), "smtp://localhost:25?tls=none");
    }

    #[test]
    fn bad_smtp_urls_say_why_and_never_show_the_password() {
        for (text, says) in [
            ("mail.example.com", "is not a URL"),
            ("http://u:secret@h", "is not smtp:// or smtps://"),
            (
                "smtp://u:secret@h?tls=maybe",
                "tls=maybe is not one of required, none",
            ),
            ("smtps://u:secret@h?tls=none", "TLS already"),
            ("smtp://u:secret@h/path", "no path"),
            ("smtp://u:secret@h?port=2", "the only option"),
            ("smtp://:secret@h", "a password without a user"),
        ] {
            refused::<SmtpUrl>(text, says);
        }
    }

    /// `text` is refused with a message that says `says` and not the password.
    fn refused<T: FromStr<Err = String> + fmt::Debug>(text: &str, says: &str) {
        let e = text.parse::<T>().unwrap_err();
        assert!(e.contains(says), "{text}: {e}");
        assert!(!e.contains("secret"), "{text}: {e}");
    }

    #[test]
    fn imap_urls_need_a_login_and_say_how_they_are_protected() {
        let url: ImapUrl = "imaps://desk:pw@imap.example.com/Support%20Box"
            .parse()
            .unwrap();
        assert_eq!(
            (url.port, url.tls, url.folder.as_str()),
            (993, Tls::Implicit, "Support Box")
        );
        assert_eq!(
            url.to_string(),
            "imaps://desk:***@imap.example.com:993/Support Box"
        );
        let url: ImapUrl = "imap://desk:pw@localhost:1143?tls=none".parse().unwrap();
        assert_eq!(
            (url.port, url.tls, url.folder.as_str()),
            (1143, Tls::None, "INBOX")
        );
        let url: ImapUrl = "imap://desk:pw@h?tls=starttls".parse().unwrap();
        assert_eq!((url.port, url.tls), (143, Tls::StartTlsRequired));
        for (text, says) in [
            ("imap://desk:secret@h", "say how imap:// is protected"),
            ("imaps://h/INBOX", "no user and password"),
            ("pop3://desk:secret@h", "is not imap:// or imaps://"),
        ] {
            refused::<ImapUrl>(text, says);
        }
    }

    #[test]
    fn public_urls_and_senders() {
        let url: PublicUrl = "https://help.example.com/".parse().unwrap();
        assert_eq!(url.origin(), "https://help.example.com");
        assert_eq!(
            url.link("/tickets/SR-2026-000001"),
            "https://help.example.com/tickets/SR-2026-000001"
        );
        let url: PublicUrl = "http://10.0.0.5:8080/desk".parse().unwrap();
        assert_eq!(url.origin(), "http://10.0.0.5:8080");
        assert_eq!(url.link("/tickets"), "http://10.0.0.5:8080/desk/tickets");
        for text in [
            "help.example.com",
            "ftp://h",
            "https://u:p@h",
            "https://h/?a=1",
        ] {
            assert!(text.parse::<PublicUrl>().is_err(), "{text}");
        }
        let from: MailFrom = "Helpdesk <help@example.com>".parse().unwrap();
        assert_eq!(from.0.email.to_string(), "help@example.com");
        assert!(
            "Helpdesk"
                .parse::<MailFrom>()
                .unwrap_err()
                .contains("is not an address")
        );
    }
}
