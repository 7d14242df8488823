//! Bulk triage over HTTP: up to 500 tickets in one transaction, a history row per ticket
//! changed, one live update, a summary; one bad ticket or value and nothing changes.

use crate::common;
use crate::live::Stream;
use helpdesk::tickets::api::BulkTriage;

use common::{Reply, TestApp, spawn_app};
use helpdesk::users::model::Role;
use reqwest::{Client, StatusCode};
use serde_json::Value;

async fn file(app: &TestApp, client: &Client, dept: &str, subject: &str) -> String {
    app.file_ticket(client, dept, subject).await
}

/// The form a browser posts: a `ticket[]` per ticked box, then the fields.
async fn bulk(
    app: &TestApp,
    client: &Client,
    tickets: &[String],
    fields: &[(&str, &str)],
) -> Reply {
    let mut form: Vec<(&str, &str)> = tickets.iter().map(|t| ("ticket[]", t.as_str())).collect();
    form.extend_from_slice(fields);
    app.call_form::<BulkTriage>(client, &form).await
}

async fn state(app: &TestApp) -> (Vec<(String, String, String, Option<i64>)>, i64) {
    let rows = sqlx::query_as(
        "SELECT service_request_no, status, priority, assignee_id FROM tickets ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let events = sqlx::query_scalar("SELECT COUNT(*) FROM ticket_events")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    (rows, events)
}

#[tokio::test]
async fn staff_change_many_tickets_at_once_or_none_of_them() {
    let app = spawn_app().await;
    let dept = app.add_department("IT").await;
    let hr = app.add_department("HR").await;
    let agent = app.signed_in("aga", &[Role::Agent]).await;
    let ann = app.signed_in("ann", &[Role::User]).await;
    let bob = app.signed_in("bob", &[Role::User]).await;
    let mut numbers = Vec::new();
    for i in 0..3 {
        numbers.push(file(&app, &ann, &dept, &format!("Ann's {i}")).await);
    }
    let bobs = file(&app, &bob, &dept, "Bob's").await;
    let mut agent_stream = Stream::open(&app, &agent).await;
    let mut ann_stream = Stream::open(&app, &ann).await;
    let mut bob_stream = Stream::open(&app, &bob).await;

    // One is ongoing already.
    let reply = bulk(&app, &agent, &numbers[..1], &[("status", "ongoing")]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(agent_stream.next().await.unwrap().0, "resync");
    assert_eq!(ann_stream.next().await.unwrap().0, "resync");
    let (_, events_before) = state(&app).await;

    // Status and assignee on all three, in one action: a sentence for each.
    let reply = bulk(
        &app,
        &agent,
        &numbers,
        &[("status", "ongoing"), ("assignee", "me")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let said: Vec<String> = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(
        said,
        [
            "2 tickets set to Ongoing; 1 was Ongoing already.",
            "3 tickets assigned to aga."
        ]
    );
    let (rows, events) = state(&app).await;
    assert_eq!(
        events,
        events_before + 2 + 3,
        "a history row per ticket changed"
    );
    assert!(
        rows.iter()
            .take(3)
            .all(|r| r.1 == "ongoing" && r.3.is_some())
    );
    // One live update for the whole action: staff and the requester refetch; Bob, whose
    // ticket was not among them, hears nothing (his next event is about his own ticket).
    assert_eq!(agent_stream.next().await.unwrap().0, "resync");
    assert_eq!(ann_stream.next().await.unwrap().0, "resync");

    // One ticket that does not exist, or a value that is not allowed: nothing changes.
    let before = state(&app).await;
    let mut with_missing = numbers.clone();
    with_missing.push("SR-2026-999999".into());
    let reply = bulk(&app, &agent, &with_missing, &[("status", "completed")]).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(reply.body.contains("SR-2026-999999") && reply.body.contains("\"ticket\""));
    let reply = bulk(
        &app,
        &agent,
        &numbers,
        &[
            ("status", "completed"),
            ("department_id", &hr),
            ("assignee", "ann"),
        ],
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(reply.body.contains("active agent or admin"));
    for (fields, says) in [
        (vec![("status", "done")], "Status must be"),
        (vec![("priority", "asap")], "Priority must be"),
        (vec![], "Choose what to change"),
        (vec![("department_id", "999")], "Choose a department"),
    ] {
        let reply = bulk(&app, &agent, &numbers, &fields).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.body
        );
        assert!(reply.body.contains(says), "{says}: {}", reply.body);
    }
    let many: Vec<String> = (1..=501).map(|i| format!("SR-2026-{i:06}")).collect();
    let reply = bulk(&app, &agent, &many, &[("status", "completed")]).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(reply.body.contains("at most 500"), "{}", reply.body);
    assert_eq!(state(&app).await, before);

    // A requester may not: 403, nothing changes.
    let reply = bulk(&app, &ann, &numbers, &[("status", "completed")]).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(state(&app).await, before);

    // Department and priority too, with the history's words.
    let reply = bulk(
        &app,
        &agent,
        &numbers,
        &[("department_id", &hr), ("priority", "high")],
    )
    .await;
    let said: Vec<String> = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(said, ["3 tickets set to High.", "3 tickets moved to HR."]);
    let moved: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT kind, from_value, to_value FROM ticket_events
          WHERE kind IN ('department', 'priority') ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(moved.len(), 6);
    assert!(moved.contains(&("department".into(), Some("IT".into()), Some("HR".into()))));
    assert!(moved.contains(&(
        "priority".into(),
        Some("normal".into()),
        Some("high".into())
    )));

    // Bob's stream heard nothing of all this: its first event is his own ticket's.
    let reply = bulk(
        &app,
        &agent,
        std::slice::from_ref(&bobs),
        &[("status", "ongoing")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        bob_stream.next().await.unwrap(),
        ("resync".to_string(), "1".to_string())
    );
    let _: Value = serde_json::from_str(&reply.body).unwrap();
}
