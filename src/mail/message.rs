//! A notice made into a message: addressed, signed, threaded, with the headers that keep
//! mail clients and autoresponders well-behaved.

use super::compose::Body;
use hmac::{Hmac, Mac};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, Message};
use sha2::Sha256;

/// Signs (ticket, person) pairs with the database's mail key, so an address or Message-ID
/// we made proves which ticket and which person it was for, and one made up does not.
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl Signer {
    pub fn new(key: &str) -> Signer {
        Signer {
            key: key.as_bytes().to_vec(),
        }
    }

    fn signature(&self, ticket: i64, user: i64) -> String {
        // new_from_slice takes a key of any length.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return String::new();
        };
        mac.update(format!("{ticket}:{user}").as_bytes());
        let bytes = mac.finalize().into_bytes();
        // 128 bits: guessing one takes 2^127 tries on average.
        bytes[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// `t42.u7.<signature>`: the token in our Message-IDs and reply addresses.
    pub fn token(&self, ticket: i64, user: i64) -> String {
        format!("t{ticket}.u{user}.{}", self.signature(ticket, user))
    }

    /// The ticket and person a token names, if we signed it.
    pub fn verify(&self, token: &str) -> Option<(i64, i64)> {
        let mut parts = token.split('.');
        let ticket = parts.next()?.strip_prefix('t')?.parse().ok()?;
        let user = parts.next()?.strip_prefix('u')?.parse().ok()?;
        let signature = parts.next()?;
        if parts.next().is_some() {
            return None;
        }
        let expected = self.signature(ticket, user);
        // Compared in constant time (the signature is a secret until it is right).
        let same = expected.len() == signature.len()
            && expected
                .bytes()
                .zip(signature.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        same.then_some((ticket, user))
    }
}

/// Where a mail belongs: its own Message-ID, and the thread's (one per ticket and person,
/// never sent itself) that every mail of the thread names in In-Reply-To and References.
pub struct Threading {
    pub message_id: String,
    pub thread_id: String,
}

impl Threading {
    /// `unique` tells the mails of one thread apart (a random number).
    pub fn new(signer: &Signer, ticket: i64, user: i64, unique: u64, domain: &str) -> Threading {
        let token = signer.token(ticket, user);
        Threading {
            message_id: format!("<{token}.m{unique:016x}@{domain}>"),
            thread_id: format!("<{token}@{domain}>"),
        }
    }
}

/// `help+t42.u7.<signature>@example.com`: where a reply to this person's mail about this
/// ticket goes (subaddressing, which most mail servers deliver to `help@`).
pub fn reply_address(from: &Address, token: &str) -> Option<Address> {
    format!("{}+{token}@{}", from.user(), from.domain())
        .parse()
        .ok()
}

/// Everything a message needs besides its words.
pub struct Envelope<'a> {
    pub from: &'a Mailbox,
    pub to: Mailbox,
    pub reply_to: Option<Mailbox>,
    pub threading: Option<&'a Threading>,
    /// Where to change which mail one gets (List-Unsubscribe).
    pub preferences: Option<&'a str>,
    pub date: std::time::SystemTime,
}

fn raw(name: &'static str, value: String) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
}

/// The message as sent (RFC 5322 text, all ASCII: lettre encodes what is not).
pub fn build(e: Envelope<'_>, body: &Body) -> Result<String, lettre::error::Error> {
    let mut b = Message::builder()
        .from(e.from.clone())
        .to(e.to)
        .subject(body.subject.clone())
        .date(e.date)
        // Out-of-office replies and other robots leave it alone (RFC 3834).
        .raw_header(raw("Auto-Submitted", "auto-generated".into()));
    if let Some(reply_to) = e.reply_to {
        b = b.reply_to(reply_to);
    }
    match e.threading {
        Some(t) => {
            b = b
                .message_id(Some(t.message_id.clone()))
                .in_reply_to(t.thread_id.clone())
                .references(t.thread_id.clone());
        }
        None => b = b.message_id(None),
    }
    if let Some(link) = e.preferences {
        b = b.raw_header(raw("List-Unsubscribe", format!("<{link}>")));
    }
    let message = b.multipart(MultiPart::alternative_plain_html(
        body.text.clone(),
        body.html.clone(),
    ))?;
    Ok(String::from_utf8_lossy(&message.formatted()).into_owned())
}

/// The Message-ID of a built message (for the test mail, whose id lettre made).
pub fn message_id_of(message: &str) -> Option<String> {
    message.lines().take_while(|l| !l.is_empty()).find_map(|l| {
        l.split_once(':')
            .filter(|(name, _)| name.eq_ignore_ascii_case("message-id"))
            .map(|(_, v)| v.trim().to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_as_signed() {
        let signer = Signer::new("0123456789abcdef");
        let token = signer.token(42, 7);
        assert_eq!(signer.verify(&token), Some((42, 7)));
        assert_eq!(Signer::new("another key").verify(&token), None);
        let forged = token.replace("t42.", "t43.");
        assert_eq!(
            signer.verify(&forged),
            None,
            "another ticket, same signature"
        );
        assert_eq!(signer.verify("t42.u7"), None);
        assert_eq!(signer.verify(&format!("{token}.x")), None);
        let t = Threading::new(&signer, 42, 7, 255, "example.com");
        assert!(
            t.message_id
                .starts_with(&format!("<{token}.m00000000000000ff@"))
        );
        assert_eq!(t.thread_id, format!("<{token}@example.com>"));
        let from: Address = "help@example.com".parse().unwrap();
        assert_eq!(
            reply_address(&from, &token).unwrap().to_string(),
            format!("help+{token}@example.com")
        );
    }

    #[test]
    fn a_message_carries_its_thread_and_the_robot_headers() {
        let from: Mailbox = "Helpdesk <help@example.com>".parse().unwrap();
        let signer = Signer::new("key");
        let t = Threading::new(&signer, 42, 7, 1, "example.com");
        let body = Body {
            subject: "[SR-2026-000042] Drucker läuft nicht".into(),
            text: "Hallo\n".into(),
            html: "<p>Hallo</p>".into(),
        };
        let m = build(
            Envelope {
                from: &from,
                to: "alice@example.com".parse().unwrap(),
                reply_to: None,
                threading: Some(&t),
                preferences: Some("https://help.example.com/account#mail"),
                date: std::time::SystemTime::UNIX_EPOCH,
            },
            &body,
        )
        .unwrap();
        assert!(m.is_ascii());
        assert_eq!(message_id_of(&m).as_deref(), Some(t.message_id.as_str()));
        assert!(m.contains(&format!("In-Reply-To: {}", t.thread_id)), "{m}");
        assert!(m.contains(&format!("References: {}", t.thread_id)));
        assert!(m.contains("Auto-Submitted: auto-generated"));
        assert!(m.contains("List-Unsubscribe: <https://help.example.com/account#mail>"));
        assert!(m.contains("multipart/alternative"));
    }
}
