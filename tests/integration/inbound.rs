//! Mail in (issue 23), through a real IMAP server (dovecot) read by the running server:
//! replies thread into their ticket by our signed Message-ID, forged ones are refused, other
//! mail opens tickets, robots and floods are ignored, hostile mail is set aside, and every
//! mail is handled once.

use crate::common::{self, TestApp, imap::Imap, sink::Sink};
use helpdesk::mail::mailer::GATHER_MS;
use helpdesk::users::model::Role;
use std::time::{Duration, Instant};

async fn mail_app(sink: &Sink, imap: &Imap) -> TestApp {
    common::spawn_app_with(&[
        ("smtp_url", &sink.url()),
        ("imap_url", &imap.url()),
        ("mail_from", "Helpdesk <help@example.com>"),
        ("public_url", "https://help.example.com"),
    ])
    .await
}

/// What became of the mail with this Message-ID, once the server has read it.
async fn handled(app: &TestApp, message_id: &str) -> (String, Option<String>) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let row: Option<(String, Option<String>)> =
            sqlx::query_as("SELECT outcome, reason FROM mail_inbound WHERE message_id = $1")
                .bind(message_id)
                .fetch_optional(&app.pool)
                .await
                .unwrap();
        if let Some(row) = row {
            return row;
        }
        assert!(
            Instant::now() < deadline,
            "{message_id} not read within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn comments(app: &TestApp, number: &str) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT u.username, c.comment_text FROM ticket_comments c
           JOIN tickets t ON t.id = c.ticket_id JOIN users u ON u.id = c.user_id
          WHERE t.service_request_no = $1 ORDER BY c.id",
    )
    .bind(number)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

fn raw(headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut m = String::new();
    for (name, value) in headers {
        m.push_str(&format!("{name}: {value}\r\n"));
    }
    m.push_str("\r\n");
    m.push_str(&body.replace('\n', "\r\n"));
    m.into_bytes()
}

#[tokio::test]
async fn a_reply_threads_into_its_ticket_and_a_forged_one_is_refused() {
    let (sink, imap) = (Sink::start(), Imap::start());
    let app = mail_app(&sink, &imap).await;
    let dept = app.add_department("IT").await;
    let ann = app.signed_in("ann", &[Role::User]).await;
    app.signed_in("mallory", &[Role::User]).await;
    let number = app.file_ticket(&ann, &dept, "Printer jammed").await;
    let mailer = app.mail.mailer.as_ref().unwrap();
    mailer
        .round(helpdesk::base::db::now_ms() + GATHER_MS + 1_000)
        .await
        .unwrap();
    let receipt = &sink.to("ann@example.com")[0];
    let ours = format!("<{}>", receipt.message_id());
    let reply_to = receipt.header("Reply-To").unwrap_or_default();
    assert!(
        reply_to.contains("help+t"),
        "a Reply-To with our token: {reply_to}"
    );

    // Ann answers from her mail client: the quote is cut, the rest is her comment.
    imap.deliver(&raw(
        &[
            ("From", "Ann <ANN@example.com>"),
            ("To", &reply_to),
            ("Subject", &format!("Re: [{number}] Printer jammed")),
            ("Message-ID", "<ann-reply-1@mail.example.org>"),
            ("In-Reply-To", &ours),
            ("References", &ours),
        ],
        "It is on the second floor.\n\nOn Fri, 4 Dec 2026, Helpdesk <help@example.com> wrote:\n> We received your ticket.\n",
    ))
    .await;
    assert_eq!(
        handled(&app, "ann-reply-1@mail.example.org").await.0,
        "comment"
    );
    let thread = comments(&app, &number).await;
    assert_eq!(
        thread.last().unwrap(),
        &("ann".to_string(), "It is on the second floor.".to_string())
    );

    // Mallory knows the number and even the thread's id: not hers, refused, nothing stored.
    imap.deliver(&raw(
        &[
            ("From", "mallory@example.com"),
            ("Subject", &format!("Re: [{number}] Printer jammed")),
            ("Message-ID", "<forged-1@evil.example>"),
            ("In-Reply-To", &ours),
        ],
        "Please send the admin password.",
    ))
    .await;
    let (outcome, reason) = handled(&app, "forged-1@evil.example").await;
    assert_eq!(outcome, "refused");
    assert!(reason.unwrap().contains("may not comment"));
    // A made-up token (right shape, wrong signature) is no thread either; the number in
    // the subject then decides, and the sender may not.
    let fake = ours.replace(".u", ".u9").replace("@", "0@");
    imap.deliver(&raw(
        &[
            ("From", "mallory@example.com"),
            ("Subject", "Hello"),
            ("Message-ID", "<forged-2@evil.example>"),
            ("In-Reply-To", &fake),
        ],
        "A new ticket, then.",
    ))
    .await;
    assert_eq!(handled(&app, "forged-2@evil.example").await.0, "ticket");
    assert_eq!(
        comments(&app, &number).await.len(),
        thread.len(),
        "nothing added"
    );

    // Every mail was marked done in the mailbox.
    let deadline = Instant::now() + Duration::from_secs(10);
    while imap.waiting().await > 0 {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn new_mail_opens_tickets_unknown_senders_as_the_admin_says() {
    let (sink, imap) = (Sink::start(), Imap::start());
    let app = mail_app(&sink, &imap).await;
    app.add_department("IT").await;
    app.signed_in("ann", &[Role::User]).await;
    imap.deliver(&raw(
        &[
            ("From", "ann@example.com"),
            ("Subject", "=?UTF-8?Q?Dr=C3=BCcker_kaputt?="),
            ("Message-ID", "<new-1@mail.example.org>"),
            ("Content-Type", "text/html; charset=utf-8"),
        ],
        "<p>The <b>printer</b> is broken.</p>",
    ))
    .await;
    assert_eq!(handled(&app, "new-1@mail.example.org").await.0, "ticket");
    let (subject, requester, text): (String, String, String) = sqlx::query_as(
        "SELECT t.subject, u.username, c.comment_text FROM tickets t
           JOIN users u ON u.id = t.requested_by
           JOIN ticket_comments c ON c.ticket_id = t.id",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        (subject.as_str(), requester.as_str()),
        ("Drücker kaputt", "ann")
    );
    assert!(text.contains("The printer is broken."), "{text}");

    // Unknown: refused by default; with "create user", an account and a ticket.
    imap.deliver(&raw(
        &[
            ("From", "zoe@example.net"),
            ("Subject", "Hi"),
            ("Message-ID", "<zoe-1@x>"),
        ],
        "Can you help?",
    ))
    .await;
    let (outcome, reason) = handled(&app, "zoe-1@x").await;
    assert_eq!(outcome, "refused");
    assert!(
        reason
            .unwrap()
            .contains("No user has the address zoe@example.net")
    );
    // The admin opens the door, as the Mail page does (a department that does not exist is
    // refused and changes nothing).
    use helpdesk::mail::api::{GetInboundSettings, SaveInboundSettings};
    let boss = app.signed_in("boss", &[Role::Admin]).await;
    let bad = app
        .call_form::<SaveInboundSettings>(
            &boss,
            &[
                ("unknown_senders", "create_user"),
                ("department_id", "99999"),
            ],
        )
        .await;
    assert_eq!(
        bad.status,
        reqwest::StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad.body
    );
    let now: serde_json::Value =
        serde_json::from_str(&app.call_form::<GetInboundSettings>(&boss, &[]).await.body).unwrap();
    assert_eq!(now["unknown_senders"], "refuse");
    let ok = app
        .call_form::<SaveInboundSettings>(&boss, &[("unknown_senders", "create_user")])
        .await;
    assert_eq!(ok.status, reqwest::StatusCode::OK, "{}", ok.body);
    imap.deliver(&raw(
        &[
            ("From", "zoe@example.net"),
            ("Subject", "Hi again"),
            ("Message-ID", "<zoe-2@x>"),
        ],
        "Can you help now?",
    ))
    .await;
    assert_eq!(handled(&app, "zoe-2@x").await.0, "ticket");
    let zoe: (String, String) =
        sqlx::query_as("SELECT username, status FROM users WHERE email = 'zoe@example.net'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(zoe, ("zoe".to_string(), "active".to_string()));
}

#[tokio::test]
async fn robots_our_own_mail_and_floods_are_ignored_and_hostile_mail_set_aside() {
    let (sink, imap) = (Sink::start(), Imap::start());
    let app = mail_app(&sink, &imap).await;
    app.add_department("IT").await;
    app.signed_in("ann", &[Role::User]).await;
    let cases = [
        ("From", "help@example.com", "own-1@x"),
        ("Auto-Submitted", "auto-replied", "robot-1@x"),
        ("Precedence", "bulk", "robot-2@x"),
    ];
    for (name, value, id) in cases {
        let from = if name == "From" {
            value
        } else {
            "ann@example.com"
        };
        let mut headers = vec![
            ("From", from),
            ("Subject", "Out of office"),
            ("Message-ID", id),
        ];
        if name != "From" {
            headers.push((name, value));
        }
        imap.deliver(&raw(&headers, "I am away.")).await;
        assert_eq!(
            handled(&app, &id.replace(['<', '>'], "")).await.0,
            "ignored",
            "{id}"
        );
    }
    // Hostile: broken MIME, NULs and an unknown charset, binary noise, 30 MB.
    let mut nul = raw(
        &[
            ("From", "ann@example.com"),
            ("Subject", "Nul"),
            ("Message-ID", "<nul-1@x>"),
            ("Content-Type", "multipart/mixed; boundary=\"missing\""),
        ],
        "--other\nContent-Type: text/plain; charset=x-no-such-charset\n\nBefore",
    );
    nul.extend_from_slice(b"\0\0 after");
    imap.deliver(&nul).await;
    assert_eq!(handled(&app, "nul-1@x").await.0, "ticket");
    let noise: Vec<u8> = (0..50_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    imap.deliver(&noise).await;
    let mut big = raw(
        &[
            ("From", "ann@example.com"),
            ("Subject", "Huge"),
            ("Message-ID", "<huge-1@x>"),
        ],
        "",
    );
    big.extend(
        std::iter::repeat_n(b'a', 30 * 1024 * 1024)
            .collect::<Vec<u8>>()
            .chunks(998)
            .flat_map(|c| {
                let mut line = c.to_vec();
                line.extend_from_slice(b"\r\n");
                line
            }),
    );
    imap.deliver(&big).await;
    // The poller got past all of them: a mail after them is read.
    imap.deliver(&raw(
        &[
            ("From", "ann@example.com"),
            ("Subject", "After"),
            ("Message-ID", "<after-1@x>"),
        ],
        "Still reading.",
    ))
    .await;
    assert_eq!(handled(&app, "after-1@x").await.0, "ticket");
    let aside: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT outcome, reason FROM mail_inbound WHERE outcome = 'set_aside' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(
        aside
            .iter()
            .any(|(_, r)| r.as_deref().unwrap_or("").starts_with("Too large")),
        "{aside:?}"
    );

    // A flood: more than 20 in an hour from one address; the rest are kept, not handled.
    for i in 0..22 {
        imap.deliver(&raw(
            &[
                ("From", "ann@example.com"),
                ("Subject", &format!("Flood {i}")),
                ("Message-ID", &format!("<flood-{i}@x>")),
            ],
            "Again.",
        ))
        .await;
    }
    let (outcome, reason) = handled(&app, "flood-21@x").await;
    assert_eq!(outcome, "ignored");
    assert!(reason.unwrap().contains("More than 20 mails in an hour"));
}

/// A mail stored but not yet marked in the mailbox (the server died in between) is found
/// by its Message-ID when read again: one comment, not two.
#[tokio::test]
async fn a_mail_read_twice_is_handled_once() {
    let (sink, imap) = (Sink::start(), Imap::start());
    let app = mail_app(&sink, &imap).await;
    let dept = app.add_department("IT").await;
    let ann = app.signed_in("ann", &[Role::User]).await;
    let number = app.file_ticket(&ann, &dept, "Twice").await;
    let mail = raw(
        &[
            ("From", "ann@example.com"),
            ("Subject", &format!("Re: {number}")),
            ("Message-ID", "<twice-1@x>"),
        ],
        "Only once, please.",
    );
    // Handled as the poller does, then "crashed" before marking it.
    let read = helpdesk::mail::inbound::read(&mail).unwrap();
    let (key, _) = helpdesk::mail::outbox::key_and_switch(&app.pool)
        .await
        .unwrap();
    let first = helpdesk::mail::inbox::handle(
        &app.pool,
        &helpdesk::mail::message::Signer::new(&key),
        &helpdesk::mail::inbox::Ours {
            from: "help@example.com",
        },
        &read,
        &helpdesk::mail::inbox::MailFiles::default(),
        helpdesk::base::db::now_ms(),
    )
    .await
    .unwrap();
    assert!(!first.again);
    imap.deliver(&mail).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while imap.waiting().await > 0 {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let said: Vec<_> = comments(&app, &number)
        .await
        .into_iter()
        .filter(|(_, t)| t == "Only once, please.")
        .collect();
    assert_eq!(said.len(), 1);
}

/// A MIME mail from Ann with `text` and each (name, type, bytes) attached, as a mail
/// client sends it (lettre's builder: base64 parts).
fn with_files(
    subject: &str,
    message_id: &str,
    text: &str,
    files: &[(&str, &str, &[u8])],
) -> Vec<u8> {
    use lettre::message::{Attachment, MultiPart, SinglePart, header::ContentType};
    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(text.to_string()));
    for (name, kind, bytes) in files {
        parts = parts.singlepart(
            Attachment::new(name.to_string())
                .body(bytes.to_vec(), ContentType::parse(kind).unwrap()),
        );
    }
    lettre::Message::builder()
        .from("ann@example.com".parse().unwrap())
        .to("help@example.com".parse().unwrap())
        .subject(subject)
        .message_id(Some(format!("<{message_id}>")))
        .multipart(parts)
        .unwrap()
        .formatted()
}

#[tokio::test]
async fn a_mails_attachments_go_on_its_comment_within_the_same_limits_as_uploads() {
    let (sink, imap) = (Sink::start(), Imap::start());
    let app = common::spawn_app_with(&[
        ("smtp_url", &sink.url()),
        ("imap_url", &imap.url()),
        ("mail_from", "Helpdesk <help@example.com>"),
        ("public_url", "https://help.example.com"),
        ("attachment_max_mb", "1"),
        ("attachments_per_comment", "2"),
    ])
    .await;
    let dept = app.add_department("IT").await;
    let ann = app.signed_in("ann", &[Role::User]).await;
    let number = app.file_ticket(&ann, &dept, "Scanner").await;
    let mut photo = Vec::new();
    image::RgbImage::from_pixel(640, 480, image::Rgb([10, 120, 60]))
        .write_to(
            &mut std::io::Cursor::new(&mut photo),
            image::ImageFormat::Png,
        )
        .unwrap();
    let big = vec![b'x'; 1_200_000];
    imap.deliver(&with_files(
        &format!("Re: {number}"),
        "files-1@mail.example.org",
        "The photo and the log.",
        &[
            ("../scan.png", "image/png", &photo),
            ("huge.log", "text/plain", &big),
            ("scanner.log", "text/plain", b"E12 lamp"),
            ("third.txt", "text/plain", b"one too many"),
        ],
    ))
    .await;
    assert_eq!(handled(&app, "files-1@mail.example.org").await.0, "comment");
    // Kept: the picture (its name cleaned, with a thumbnail) and the small log; named in
    // the comment: the file over the size limit and the one over the count.
    let kept: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT a.name, c.comment_text, CASE WHEN th.data IS NULL THEN 0 ELSE 1 END
           FROM attachments a
           JOIN ticket_comments c ON c.id = a.comment_id
           LEFT JOIN attachment_thumbs th ON th.sha256 = a.sha256
          ORDER BY a.id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let names: Vec<(&str, i64)> = kept.iter().map(|(n, _, t)| (n.as_str(), *t)).collect();
    assert_eq!(names, [("scan.png", 1), ("scanner.log", 0)]);
    assert_eq!(
        kept[0].1,
        "The photo and the log.\n\n[Not kept: huge.log is larger than 1 MB, the largest file allowed; \
         third.txt: at most 2 files go on one comment.]"
    );
    // The requester sees them on her ticket like uploaded ones.
    let reply = app
        .call_form::<helpdesk::tickets::api::TicketHistory>(
            &ann,
            &[("service_request_no", &number)],
        )
        .await;
    assert!(reply.body.contains("scan.png"), "{}", reply.body);
}
