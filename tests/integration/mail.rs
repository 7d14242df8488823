//! Mail out (issue 23), against a real SMTP server (scripts/smtp-sink.py): who hears of
//! what, one mail for a minute's changes, never an internal note or one's own change,
//! choices on My account, retries (451) and refusals (550), and the admin's outbox.

use crate::common::{self, TestApp, sink::Sink};
use helpdesk::mail::{
    api::{GetMailOverview, MailOutbox, RetryMail, SendTestMail, SetMyMail, SwitchMail},
    mailer::{GATHER_MS, Round},
};
use helpdesk::tickets::api::{AddComment, SetTicketAssignee, SetTicketStatus};
use helpdesk::users::model::Role;
use leptos::server_fn::ServerFn;
use reqwest::{Client, StatusCode};

const PUBLIC: &str = "https://help.example.com";

async fn mail_app(sink: &Sink) -> TestApp {
    common::spawn_app_with(&[
        ("smtp_url", &sink.url()),
        ("mail_from", "Helpdesk <help@example.com>"),
        ("public_url", PUBLIC),
    ])
    .await
}

/// A round of the sender once the gathered minute has passed (the server's own loop
/// waits for it in real time; the test does not).
async fn round(app: &TestApp) -> Round {
    let mailer = app.mail.mailer.as_ref().expect("mail on");
    mailer
        .round(helpdesk::base::db::now_ms() + GATHER_MS + 1_000)
        .await
        .expect("a round")
}

async fn ok(reply: common::Reply) -> String {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body
}

async fn comment(app: &TestApp, client: &Client, number: &str, text: &str, internal: bool) {
    let mut form = vec![
        ("service_request_no", number),
        ("comment_text", text),
        ("device_no", ""),
    ];
    if internal {
        form.push(("internal", "on"));
    }
    ok(app.call_form::<AddComment>(client, &form).await).await;
}

async fn set_status(app: &TestApp, client: &Client, number: &str, status: &str) {
    ok(app
        .call_form::<SetTicketStatus>(
            client,
            &[("service_request_no", number), ("status", status)],
        )
        .await)
    .await;
}

/// Every department-wide topic on (they are opt-in), as a person ticks them on My account.
async fn opt_in_to_everything(app: &TestApp, client: &Client) {
    let all: Vec<(&str, &str)> = helpdesk::mail::model::MailTopic::ALL
        .iter()
        .map(|t| (t.as_str(), "on"))
        .collect();
    ok(app.call_form::<SetMyMail>(client, &all).await).await;
}

#[tokio::test]
async fn each_change_reaches_its_people_once_a_minute_and_never_a_note_or_the_doer() {
    let sink = Sink::start();
    let app = mail_app(&sink).await;
    let dept = app.add_department("IT").await;
    let ann = app.signed_in("ann", &[Role::User]).await;
    let aga = app.signed_in("aga", &[Role::Agent]).await;
    let cole = app.signed_in("cole", &[Role::Agent]).await;
    let boss = app.signed_in("boss", &[Role::Admin]).await;
    opt_in_to_everything(&app, &cole).await;

    // Filed: ann's receipt, and cole (who opted in to new tickets) hears of it; aga and
    // the admin (not opted in) do not.
    let number = app.file_ticket(&ann, &dept, "Printer <b>jammed</b>").await;
    assert_eq!(round(&app).await.queued, 2);
    let receipt = sink.to("ann@example.com");
    assert_eq!(receipt.len(), 1, "{:?}", sink.mails());
    let receipt = &receipt[0];
    assert_eq!(
        receipt.subject(),
        format!("[{number}] Printer <b>jammed</b>")
    );
    let text = receipt.plain();
    assert!(
        text.contains(&format!("We received your ticket {number}")),
        "{text}"
    );
    assert!(
        text.contains(&format!("{PUBLIC}/tickets/{number}")),
        "{text}"
    );
    assert!(receipt.html().contains("Printer &lt;b&gt;jammed&lt;/b&gt;"));
    assert_eq!(
        receipt.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    assert!(
        receipt
            .header("List-Unsubscribe")
            .unwrap()
            .contains("/account#mail")
    );
    let thread = receipt.header("In-Reply-To").expect("In-Reply-To");
    assert_eq!(sink.to("cole@example.com").len(), 1);
    assert!(
        sink.to("cole@example.com")[0]
            .plain()
            .contains("ann filed a new ticket in IT")
    );
    assert!(sink.to("aga@example.com").is_empty() && sink.to("boss@example.com").is_empty());

    // Within a minute aga takes it, answers, writes a note, and starts work: ann gets one
    // mail with all of it but the note, in the same thread; aga (who did it) nothing.
    let before = sink.mails().len();
    ok(app
        .call_form::<SetTicketAssignee>(
            &aga,
            &[("service_request_no", &number), ("assignee", "me")],
        )
        .await)
    .await;
    comment(&app, &aga, &number, "On my way with toner.", false).await;
    comment(
        &app,
        &aga,
        &number,
        "zebracode: the requester broke it",
        true,
    )
    .await;
    set_status(&app, &aga, &number, "ongoing").await;
    round(&app).await;
    let new = &sink.mails()[before..];
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!(new[0].envelope_to, ["ann@example.com"]);
    let text = new[0].plain();
    for words in [
        "aga is now working on your ticket.",
        "aga answered:",
        "> On my way with toner.",
        "aga changed the status from Pending to Ongoing.",
    ] {
        assert!(text.contains(words), "{words:?} in {text}");
    }
    assert_eq!(new[0].header("In-Reply-To"), Some(thread.clone()));
    assert_ne!(new[0].message_id(), receipt.message_id());
    assert!(
        sink.mails().iter().all(|m| !m.text.contains("zebracode")),
        "an internal note left by mail"
    );

    // ann answers: aga, who holds it, hears; the admin gives it to cole: cole hears.
    comment(
        &app,
        &ann,
        &number,
        "Thanks, it is on the second floor.",
        false,
    )
    .await;
    round(&app).await;
    let to_aga = sink.to("aga@example.com");
    assert_eq!(to_aga.len(), 1);
    assert!(to_aga[0].plain().contains("ann commented:"));
    ok(app
        .call_form::<SetTicketAssignee>(
            &boss,
            &[("service_request_no", &number), ("assignee", "cole")],
        )
        .await)
    .await;
    round(&app).await;
    assert!(
        sink.to("cole@example.com")
            .iter()
            .any(|m| m.plain().contains("boss assigned this ticket to you."))
    );

    // ann turns answers off: cole's answer is not mailed to her; her status mails still are.
    let before = sink.to("ann@example.com").len();
    ok(app
        .call_form::<SetMyMail>(
            &ann,
            &[("received", "on"), ("status", "on"), ("taken", "on")],
        )
        .await)
    .await;
    comment(&app, &cole, &number, "Fixed the roller.", false).await;
    round(&app).await;
    assert_eq!(sink.to("ann@example.com").len(), before);
    set_status(&app, &cole, &number, "completed").await;
    round(&app).await;
    assert_eq!(sink.to("ann@example.com").len(), before + 1);

    // An inactive requester gets nothing.
    app.deactivate(&boss, "ann").await;
    set_status(&app, &cole, &number, "ongoing").await;
    round(&app).await;
    assert_eq!(sink.to("ann@example.com").len(), before + 1);
}

#[tokio::test]
async fn a_busy_server_is_tried_again_and_a_refusal_fails_at_once_with_its_reason() {
    let sink = Sink::start();
    let app = mail_app(&sink).await;
    let dept = app.add_department("IT").await;
    let tempfail = app.signed_in("tempfail", &[Role::User]).await;
    let reject = app.signed_in("reject", &[Role::User]).await;
    let boss = app.signed_in("boss", &[Role::Admin]).await;
    app.file_ticket(&tempfail, &dept, "Busy mailbox").await;
    app.file_ticket(&reject, &dept, "No mailbox").await;
    let now = helpdesk::base::db::now_ms() + GATHER_MS + 1_000;
    let mailer = app.mail.mailer.as_ref().unwrap();
    let first = mailer.round(now).await.unwrap();
    assert_eq!(
        (first.sent, first.retried, first.failed),
        (0, 1, 1),
        "{first:?}"
    );
    // The outbox as the admin sees it: one failed (550, in words), one waiting (451).
    let failed: serde_json::Value = serde_json::from_str(
        &ok(app
            .call_form::<MailOutbox>(&boss, &[("state", "failed")])
            .await)
        .await,
    )
    .unwrap();
    assert_eq!(failed.as_array().unwrap().len(), 1);
    let error = failed[0]["last_error"].as_str().unwrap();
    assert!(
        error.contains("refused") && error.contains("550"),
        "{error}"
    );
    let queued: serde_json::Value = serde_json::from_str(
        &ok(app
            .call_form::<MailOutbox>(&boss, &[("state", "queued")])
            .await)
        .await,
    )
    .unwrap();
    assert!(queued[0]["last_error"].as_str().unwrap().contains("451"));
    // Not before its time; then delivered.
    assert_eq!(mailer.round(now + 10_000).await.unwrap().sent, 0);
    assert_eq!(mailer.round(now + 31_000).await.unwrap().sent, 1);
    assert_eq!(sink.to("tempfail@example.com").len(), 1);
    // Retry brings the refused one back; refused again, it is failed again.
    let id = failed[0]["id"].as_i64().unwrap().to_string();
    ok(app.call_form::<RetryMail>(&boss, &[("id", &id)]).await).await;
    let again = mailer.round(now + 40_000).await.unwrap();
    assert_eq!(again.failed, 1);
    let overview: serde_json::Value =
        serde_json::from_str(&ok(app.call_form::<GetMailOverview>(&boss, &[]).await).await)
            .unwrap();
    assert_eq!(overview["sent"], 1);
    assert_eq!(overview["failed"], 1);
    assert_eq!(overview["configured"], true);

    // The test mail goes to the admin's own address.
    ok(app.call_form::<SendTestMail>(&boss, &[]).await).await;
    mailer.round(helpdesk::base::db::now_ms()).await.unwrap();
    let test = sink.to("boss@example.com");
    assert_eq!(test.len(), 1);
    assert_eq!(test[0].subject(), "Test mail from the helpdesk");

    // Switched off: nothing queued, nothing sent; back on, what waited goes.
    ok(app.call_form::<SwitchMail>(&boss, &[("off", "true")]).await).await;
    app.file_ticket(&tempfail, &dept, "While off").await;
    let before = sink.mails().len();
    assert_eq!(mailer.round(now + 120_000).await.unwrap(), Round::default());
    ok(app
        .call_form::<SwitchMail>(&boss, &[("off", "false")])
        .await)
    .await;
    mailer.round(now + 120_000).await.unwrap();
    assert_eq!(
        sink.mails().len(),
        before,
        "a change while off is never mailed"
    );
}

#[tokio::test]
async fn without_smtp_nothing_is_queued_and_the_mail_functions_are_for_admins() {
    let app = common::spawn_app().await;
    let dept = app.add_department("IT").await;
    let ann = app.signed_in("ann", &[Role::User]).await;
    let boss = app.signed_in("boss", &[Role::Admin]).await;
    app.file_ticket(&ann, &dept, "No mail here").await;
    let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mail_pending")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(pending, 0);
    let overview: serde_json::Value =
        serde_json::from_str(&ok(app.call_form::<GetMailOverview>(&boss, &[]).await).await)
            .unwrap();
    assert_eq!(overview["configured"], false);
    let reply = app.call_form::<SendTestMail>(&boss, &[]).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(reply.body.contains("smtp_url"));
    for path in [
        GetMailOverview::PATH,
        MailOutbox::PATH,
        RetryMail::PATH,
        SendTestMail::PATH,
    ] {
        let reply = app.call_at(&ann, path, &[]).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{path}: {}",
            reply.body
        );
    }
}

/// `kill -9` while mail is going out loses none: after a restart every queued mail is
/// delivered, the one in flight at most twice (with its one Message-ID).
#[tokio::test]
async fn the_outbox_survives_kill_9() {
    use crate::common::{process, sink};
    let sink = Sink::start();
    let bin = process::debug_bin();
    let dir = tempfile::tempdir().unwrap();
    let url = sink.url();
    let args = [
        "--smtp-url",
        &url,
        "--mail-from",
        "help@example.com",
        "--public-url",
        PUBLIC,
    ];
    // Made and migrated by a first start.
    let server = process::start(&bin, dir.path(), &args, &[]);
    server.terminate();
    assert!(server.exit_status().success());
    let database = helpdesk::base::db::Database::file(&dir.path().join("data/helpdesk.db"));
    let pool = helpdesk::base::db::connect(&database).await.unwrap();
    const N: usize = 300;
    sink::queue_raw(&pool, N, "kill", 0).await;

    let mut server = process::start(&bin, dir.path(), &args, &[]);
    sink.wait_for(30).await;
    server.child.kill().unwrap(); // SIGKILL, mid-send
    server.child.wait().unwrap();
    let at_kill = sink.mails().len();
    assert!(at_kill < N, "all {N} went before the kill: send more");

    let server = process::start(&bin, dir.path(), &args, &[]);
    let mails = sink.wait_for(N).await;
    let sent_rows = async || -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE state = 'sent'")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while sent_rows().await < N as i64 {
        assert!(std::time::Instant::now() < deadline, "rows not marked sent");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    server.terminate();
    assert!(server.exit_status().success());
    let seen = sink::deliveries(&sink.mails());
    assert_eq!(seen.len(), N, "every queued mail delivered");
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.len() <= 1 && twice.iter().all(|(_, n)| **n == 2),
        "{twice:?}"
    );
    assert!(mails.len() >= N);
}

/// After an hour of failures (and no mail sent since), admins see a banner on every page;
/// nobody else does. A form without JavaScript saves one's mail choices.
#[tokio::test]
async fn an_hour_of_failures_shows_admins_a_banner_and_choices_save_without_javascript() {
    let sink = Sink::start();
    let app = mail_app(&sink).await;
    let boss = app.signed_in("boss", &[Role::Admin]).await;
    let ann = app.signed_in("ann", &[Role::User]).await;
    let banner = "Mail has been failing since";
    assert!(!app.get(&boss, "/tickets").await.body.contains(banner));
    let two_hours_ago = helpdesk::base::db::now_ms() - 2 * 3_600_000;
    sqlx::query(
        "INSERT INTO mail_outbox (to_address, subject, message_id, message, next_attempt_at,
                                  created_at, attempts, last_error)
         VALUES ('x@example.com', 'Stuck', '<stuck@test>', 'x', $1, $2, 3,
                 'Not sent yet, trying again (connection refused).')",
    )
    .bind(helpdesk::base::db::now_ms() + 3_600_000)
    .bind(two_hours_ago)
    .execute(&app.pool)
    .await
    .unwrap();
    let page = app.get(&boss, "/tickets").await;
    assert!(page.body.contains(banner), "{}", page.body);
    assert!(page.body.contains("/admin/mail?state=failed"));
    assert!(!app.get(&ann, "/tickets").await.body.contains(banner));

    // My account's mail form, posted as a browser without JavaScript posts it.
    let reply = app
        .post_form::<SetMyMail>(&ann, &[("received", "on")])
        .await;
    assert!(
        reply.status.is_redirection(),
        "{}: {}",
        reply.status,
        reply.body
    );
    let stored: Option<String> =
        sqlx::query_scalar("SELECT mail_topics FROM users WHERE username = 'ann'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    use helpdesk::mail::model::{MailTopic, MailTopics};
    let topics = MailTopics::read(stored.as_deref());
    assert!(topics.contains(MailTopic::Received));
    for off in [MailTopic::Replied, MailTopic::Status, MailTopic::Taken] {
        assert!(!topics.contains(off), "{off:?} still on");
    }
    let account = app.get(&ann, "/account").await.body;
    assert!(account.contains("My ticket was received") && account.contains("Mail me when"));
}

/// Sent mail is kept 30 days, then deleted; failed and queued mail stays.
#[tokio::test]
async fn sent_mail_is_kept_thirty_days() {
    let sink = Sink::start();
    let app = mail_app(&sink).await;
    crate::common::sink::queue_raw(&app.pool, 3, "old", 0).await;
    let mailer = app.mail.mailer.as_ref().unwrap();
    let now = helpdesk::base::db::now_ms();
    // Sent by this round or the server's own, whichever claims them first.
    mailer.round(now).await.unwrap();
    sink.wait_for(3).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM mail_outbox WHERE state = 'sent'")
        .fetch_one(&app.pool)
        .await
        .unwrap()
        < 3
    {
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    crate::common::sink::queue_raw(&app.pool, 1, "waiting", now + 40 * 86_400_000).await;
    let count = async || -> (i64, i64) {
        sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM mail_outbox WHERE state = 'sent'),
                    (SELECT COUNT(*) FROM mail_outbox WHERE state = 'queued')",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };
    let purged = helpdesk::mail::outbox::purge_sent(&app.pool, now + 29 * 86_400_000)
        .await
        .unwrap();
    assert_eq!((purged, count().await), (0, (3, 1)));
    let purged = helpdesk::mail::outbox::purge_sent(&app.pool, now + 31 * 86_400_000)
        .await
        .unwrap();
    assert_eq!((purged, count().await), (3, (0, 1)));
}

/// A ticket turning overdue is mailed once to whoever holds it, or, unassigned, to staff
/// of its department who opted in.
#[tokio::test]
async fn turning_overdue_is_mailed_to_the_holder_or_the_department() {
    use helpdesk::tickets::api::SetTicketPriority;
    let sink = Sink::start();
    let app = mail_app(&sink).await;
    let dept = app.add_department("IT").await;
    let ann = app.signed_in("ann", &[Role::User]).await;
    let aga = app.signed_in("aga", &[Role::Agent]).await;
    let cole = app.signed_in("cole", &[Role::Agent]).await;
    opt_in_to_everything(&app, &cole).await;
    let held = app.file_ticket(&ann, &dept, "Held and late").await;
    let loose = app.file_ticket(&ann, &dept, "Nobody's and late").await;
    for number in [&held, &loose] {
        ok(app
            .call_form::<SetTicketPriority>(
                &aga,
                &[("service_request_no", number), ("priority", "urgent")],
            )
            .await)
        .await;
    }
    ok(app
        .call_form::<SetTicketAssignee>(&aga, &[("service_request_no", &held), ("assignee", "me")])
        .await)
    .await;
    let mailer = app.mail.mailer.as_ref().unwrap();
    let now = helpdesk::base::db::now_ms();
    mailer.round(now + GATHER_MS + 1_000).await.unwrap();
    let before = (
        sink.to("aga@example.com").len(),
        sink.to("cole@example.com").len(),
    );
    // Urgent: the first response is due in an hour.
    mailer.round(now + 61 * 60_000).await.unwrap();
    let to_aga = sink.to("aga@example.com");
    assert_eq!(to_aga.len(), before.0 + 1);
    let late = to_aga.last().unwrap();
    assert!(late.subject().contains("Held and late"));
    assert!(late.plain().contains("This ticket is overdue."));
    let to_cole = sink.to("cole@example.com");
    assert_eq!(to_cole.len(), before.1 + 1);
    assert!(
        to_cole
            .last()
            .unwrap()
            .subject()
            .contains("Nobody's and late")
    );
    assert!(
        sink.to("ann@example.com")
            .iter()
            .all(|m| !m.plain().contains("overdue"))
    );
    // Once.
    mailer.round(now + 65 * 60_000).await.unwrap();
    assert_eq!(sink.to("aga@example.com").len(), before.0 + 1);
}
