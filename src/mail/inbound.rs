//! Mail in, read: a raw message made into what the inbox needs (who sent it, what it
//! answers, the text a person wrote above the quoted history), or the reason it cannot be.
//! Pure functions, tested on real messages.

use super::message::Signer;
use mail_parser::{HeaderValue, MessageParser, MimeHeaders};

/// Mail larger than this is set aside unread (the hostile 30 MB mail).
pub const MAX_BYTES: usize = 25 * 1024 * 1024;
/// A comment holds at most this many characters (CommentText): longer mail is cut there.
const MAX_TEXT: usize = 10_000;

/// A mail, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    /// Its Message-ID (without `<>`), or one made from its bytes when it has none.
    pub message_id: String,
    /// The sender's address, lower-cased.
    pub from: String,
    pub from_name: Option<String>,
    pub subject: String,
    /// The Message-IDs it answers (In-Reply-To, then References), without `<>`.
    pub answers: Vec<String>,
    /// Where it was sent (To, Cc, Delivered-To, X-Original-To), lower-cased.
    pub recipients: Vec<String>,
    /// Why a robot sent it (Auto-Submitted other than `no`, Precedence bulk, junk or list).
    pub automatic: Option<String>,
    /// What the person wrote: quoted history and signature cut, HTML made text.
    pub text: String,
    /// The attachments (inline pictures too: a screenshot pasted into the mail is one),
    /// in the mail's order. Their bytes are in memory already: the mail is at most
    /// `MAX_BYTES`.
    pub attachments: Vec<MailFile>,
}

/// One attachment of a mail: its name as the mail gives it (cleaned when kept) and bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct MailFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for MailFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({} bytes)", self.name, self.bytes.len())
    }
}

/// Reads `raw`, or says why it cannot be read.
pub fn read(raw: &[u8]) -> Result<Incoming, String> {
    if raw.len() > MAX_BYTES {
        return Err(format!(
            "Too large: {} MB (at most {} MB).",
            raw.len() / (1024 * 1024),
            MAX_BYTES / (1024 * 1024)
        ));
    }
    let m = MessageParser::default()
        .parse(raw)
        .ok_or("Not a mail: it has no headers.")?;
    let sender = m
        .from()
        .and_then(|a| a.first())
        .ok_or("No sender (From).")?;
    let from = sender
        .address()
        .map(|a| a.trim().to_lowercase())
        .filter(|a| a.contains('@') && !a.chars().any(char::is_whitespace))
        .ok_or("The sender (From) is not an address.")?;
    let from_name = sender
        .name()
        .map(|n| crate::text::cleaned(n, false).trim().to_owned())
        .filter(|n| !n.is_empty());
    let message_id = match m.message_id() {
        Some(id) if !id.trim().is_empty() => id.trim().to_owned(),
        // No Message-ID: the same bytes are the same mail.
        _ => {
            use sha2::{Digest, Sha256};
            let hash = Sha256::digest(raw);
            let hex: String = hash[..16].iter().map(|b| format!("{b:02x}")).collect();
            format!("{hex}@no-message-id")
        }
    };
    let mut answers = Vec::new();
    for value in [m.in_reply_to(), m.references()] {
        if let Some(ids) = value.as_text_list() {
            answers.extend(ids.iter().map(|id| id.trim().to_owned()));
        }
    }
    let mut recipients: Vec<String> = [m.to(), m.cc()]
        .into_iter()
        .flatten()
        .flat_map(|a| a.iter())
        .filter_map(|a| a.address())
        .map(str::to_lowercase)
        .collect();
    for name in ["Delivered-To", "X-Original-To"] {
        for value in m.header_values(name) {
            if let HeaderValue::Text(t) = value {
                recipients.push(t.trim().trim_matches(['<', '>']).to_lowercase());
            } else if let HeaderValue::Address(a) = value {
                recipients.extend(a.iter().filter_map(|a| a.address()).map(str::to_lowercase));
            }
        }
    }
    let header = |name: &str| {
        m.header_raw(name)
            .map(|v| v.trim().to_ascii_lowercase())
            .filter(|v| !v.is_empty())
    };
    let automatic = match (header("Auto-Submitted"), header("Precedence")) {
        (Some(a), _) if a != "no" => Some(format!("Auto-Submitted: {a}")),
        (_, Some(p)) if ["bulk", "junk", "list"].contains(&p.as_str()) => {
            Some(format!("Precedence: {p}"))
        }
        _ => None,
    };
    let subject = crate::text::cleaned(m.subject().unwrap_or_default(), false)
        .trim()
        .to_owned();
    let body = m.body_text(0).map(|t| t.into_owned()).unwrap_or_default();
    let text = cut(&crate::text::cleaned(&body, true));
    let attachments = m
        .attachments()
        .map(|a| MailFile {
            name: a.attachment_name().unwrap_or("attachment").to_owned(),
            bytes: a.contents().to_vec(),
        })
        .collect();
    Ok(Incoming {
        message_id,
        from,
        from_name,
        subject,
        answers,
        recipients,
        automatic,
        text,
        attachments,
    })
}

/// The text above the quoted history and the signature: what follows "On … wrote:" (also
/// wrapped over two lines, and "Am … schrieb …:"), Outlook's "-----Original Message-----" or
/// its line of underscores before "From:", the signature mark "-- ", or a block of "> "
/// lines that ends the mail. Trimmed, and at most a comment's length.
pub fn cut(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut end = lines.len();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        let next = lines.get(i + 1).map(|l| l.trim()).unwrap_or("");
        let wrote = (t.starts_with("On ") && (t.ends_with("wrote:") || next.ends_with("wrote:")))
            || (t.starts_with("Am ") && (t.ends_with(':') && t.contains("schrieb")))
            || (t.starts_with("Le ") && t.ends_with("a écrit :"));
        let outlook = t.starts_with("-----Original Message-----")
            || (t.starts_with("________________") && next.starts_with("From:"))
            || (t.starts_with("From:") && i > 0 && lines[i - 1].trim().is_empty() && {
                let rest = &lines[i..lines.len().min(i + 5)];
                rest.iter().any(|l| l.trim_start().starts_with("Sent:"))
                    || rest.iter().any(|l| l.trim_start().starts_with("Subject:"))
            });
        if wrote || outlook || *line == "-- " || t == "--" {
            end = i;
            break;
        }
    }
    // A quoted block that ends the mail (a reply written above the quote, without an
    // "On … wrote:" line).
    while end > 0 && {
        let t = lines[end - 1].trim();
        t.starts_with('>') || t.is_empty()
    } {
        end -= 1;
    }
    let kept = lines[..end].join("\n");
    let kept = kept.trim();
    match kept.char_indices().nth(MAX_TEXT - 60) {
        None => kept.to_owned(),
        Some((at, _)) => format!("{}\n\n[… cut: the mail was longer]", kept[..at].trim_end()),
    }
}

/// The ticket and person one of our signed tokens names, found in the Message-IDs a mail
/// answers or the address it was sent to (`help+t42.u7.<sig>@…`).
pub fn our_thread(signer: &Signer, mail: &Incoming) -> Option<(i64, i64)> {
    let from_ids = mail.answers.iter().filter_map(|id| {
        // `t42.u7.<sig>@domain` (the thread) or `t42.u7.<sig>.m<unique>@domain` (a mail).
        let local = id.split('@').next()?;
        let token = match local.rsplit_once(".m") {
            Some((token, unique)) if unique.chars().all(|c| c.is_ascii_hexdigit()) => token,
            _ => local,
        };
        signer.verify(token)
    });
    let from_addresses = mail.recipients.iter().filter_map(|a| {
        let local = a.split('@').next()?;
        signer.verify(local.split_once('+')?.1)
    });
    from_ids.chain(from_addresses).next()
}

/// A service request number in a subject ("Re: [SR-2026-000042] …"), upper-cased.
pub fn number_in(subject: &str) -> Option<String> {
    let upper = subject.to_ascii_uppercase();
    let bytes = upper.as_bytes();
    (0..bytes.len()).find_map(|i| {
        let candidate = upper.get(i..i + 14)?;
        let b = candidate.as_bytes();
        let shape = candidate.starts_with("SR-")
            && b[3..7].iter().all(u8::is_ascii_digit)
            && b[7] == b'-'
            && b[8..14].iter().all(u8::is_ascii_digit);
        let alone = bytes.get(i + 14).is_none_or(|c| !c.is_ascii_digit());
        (shape && alone).then(|| candidate.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(headers: &str, body: &str) -> Vec<u8> {
        format!("{headers}\r\n\r\n{body}").into_bytes()
    }

    #[test]
    fn a_reply_is_read_with_its_thread_and_without_its_quote() {
        let signer = Signer::new("key");
        let token = signer.token(42, 7);
        let raw = mail(
            &format!(
                "From: Ann Example <Ann@Example.com>\r\nTo: help@example.com\r\nSubject: Re: [SR-2026-000042] Printer\r\nMessage-ID: <reply-1@mail.example.com>\r\nIn-Reply-To: <{token}.m00000000000000ff@example.com>\r\nReferences: <{token}@example.com>"
            ),
            "Thanks, that worked.\r\n\r\nOn Fri, 4 Dec 2026 at 10:00, Helpdesk <help@example.com> wrote:\r\n> We received your ticket.\r\n",
        );
        let m = read(&raw).unwrap();
        assert_eq!(m.from, "ann@example.com");
        assert_eq!(m.from_name.as_deref(), Some("Ann Example"));
        assert_eq!(m.message_id, "reply-1@mail.example.com");
        assert_eq!(m.text, "Thanks, that worked.");
        assert_eq!(our_thread(&signer, &m), Some((42, 7)));
        assert_eq!(number_in(&m.subject).as_deref(), Some("SR-2026-000042"));
        assert_eq!(m.automatic, None);
        // The same ids under another key prove nothing.
        assert_eq!(our_thread(&Signer::new("other"), &m), None);
    }

    #[test]
    fn the_reply_address_token_threads_too() {
        let signer = Signer::new("key");
        let token = signer.token(9, 3);
        let raw = mail(
            &format!(
                "From: bob@example.com\r\nTo: Helpdesk <help+{token}@example.com>\r\nSubject: Re: hello"
            ),
            "Yes.",
        );
        assert_eq!(our_thread(&signer, &read(&raw).unwrap()), Some((9, 3)));
    }

    #[test]
    fn quotes_and_signatures_are_cut_in_their_common_forms() {
        for (text, kept) in [
            (
                "Fine now.\n\nOn Mon, 1 Dec 2026 at 09:00, Helpdesk <help@example.com>\nwrote:\n> old",
                "Fine now.",
            ),
            (
                "Danke!\n\nAm 01.12.2026 um 09:00 schrieb Helpdesk <help@example.com>:\n> alt",
                "Danke!",
            ),
            (
                "See below.\n\n-----Original Message-----\nFrom: Helpdesk\nold",
                "See below.",
            ),
            (
                "Done.\n\n________________________________\nFrom: Helpdesk <help@example.com>\nSent: Monday",
                "Done.",
            ),
            ("Best regards\n-- \nAnn Example\nPhone 123", "Best regards"),
            ("Top reply\n\n> quoted 1\n> quoted 2\n", "Top reply"),
            (
                "Line one\n> a quote in the middle\nLine three",
                "Line one\n> a quote in the middle\nLine three",
            ),
        ] {
            assert_eq!(cut(text), kept, "{text:?}");
        }
        let long = "word ".repeat(5_000);
        let c = cut(&long);
        assert!(c.chars().count() <= MAX_TEXT && c.ends_with("[… cut: the mail was longer]"));
    }

    #[test]
    fn html_only_any_charset_and_robots() {
        // An HTML-only mail in windows-1252: "ü" is the one byte 0xFC, "ö" 0xF6.
        let mut raw = b"From: a@example.com\r\nSubject: =?ISO-8859-1?Q?Dr=FCcker?=\r\nContent-Type: text/html; charset=windows-1252\r\nAuto-Submitted: auto-replied\r\n\r\n<html><body><p>Gr".to_vec();
        raw.push(0xfc);
        raw.extend_from_slice(b"sse <b>aus</b> K");
        raw.push(0xf6);
        raw.extend_from_slice(b"ln</p></body></html>");
        let m = read(&raw).unwrap();
        assert_eq!(m.subject, "Drücker");
        assert!(
            m.text.contains("Grüsse") && m.text.contains("aus") && m.text.contains("Köln"),
            "{:?}",
            m.text
        );
        assert!(!m.text.contains('<'));
        assert_eq!(m.automatic.as_deref(), Some("Auto-Submitted: auto-replied"));
        let bulk = read(&mail("From: list@example.com\r\nPrecedence: bulk", "x")).unwrap();
        assert_eq!(bulk.automatic.as_deref(), Some("Precedence: bulk"));
        let human = read(&mail("From: a@example.com\r\nAuto-Submitted: no", "x")).unwrap();
        assert_eq!(human.automatic, None);
    }

    #[test]
    fn hostile_mail_is_refused_with_a_reason_or_read_clean() {
        assert!(read(b"").is_err());
        assert!(
            read(&mail("Subject: no sender", "x"))
                .unwrap_err()
                .contains("sender")
        );
        assert!(read(&mail("From: not an address", "x")).is_err());
        let big = vec![b'a'; MAX_BYTES + 1];
        assert!(read(&big).unwrap_err().starts_with("Too large"));
        // NULs, controls and direction overrides are left out; the mail still reads.
        let m = read(&mail(
            "From: a@example.com\r\nSubject: Bad\u{0}\u{202e}subject",
            "Hello\u{0}\u{7}\u{202e} there",
        ))
        .unwrap();
        assert_eq!(m.subject, "Badsubject");
        assert_eq!(m.text, "Hello there");
        // Broken MIME (a multipart without its boundary) and an unknown charset read as
        // whatever text there is; binary noise reads or is refused, never panics.
        let broken = read(&mail(
            "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=\"nope\"\r\nMessage-ID: <b@x>",
            "--other\r\nContent-Type: text/plain; charset=x-unknown-charset\r\n\r\nStill here\r\n",
        ));
        assert!(broken.is_ok());
        let noise: Vec<u8> = (0..100_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        let _ = read(&noise);
        // No Message-ID: the same bytes get the same made-up one.
        let a = read(&mail("From: a@example.com", "same")).unwrap();
        let b = read(&mail("From: a@example.com", "same")).unwrap();
        assert_eq!(a.message_id, b.message_id);
    }

    #[test]
    fn numbers_in_subjects() {
        assert_eq!(
            number_in("Re: sr-2026-000042 printer").as_deref(),
            Some("SR-2026-000042")
        );
        assert_eq!(number_in("SR-2026-0000421"), None);
        assert_eq!(number_in("SR-26-000042"), None);
        assert_eq!(number_in("nothing"), None);
    }
}
