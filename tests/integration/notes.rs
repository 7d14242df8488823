//! Internal notes: staff write them, and the requester never learns of one by any path —
//! the ticket page, the server functions' JSON, the live stream, comment counts, search and
//! its snippets, CSV, history. Each path is tried as the requester, and as staff to show
//! the note is really there (so the requester's "nothing" cannot pass by accident).

use crate::common;
use crate::live::Stream;
use helpdesk::tickets::api::{AddComment, GetTicket, ListTickets, SetTicketStatus, TicketHistory};

use common::{Reply, TestApp, spawn_app};
use helpdesk::users::model::Role;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

/// A word only the note contains.
const SECRET: &str = "zebracode";

fn json_of(reply: &Reply) -> Value {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).unwrap_or_else(|_| panic!("not JSON: {}", reply.body))
}

async fn comment(
    app: &TestApp,
    client: &Client,
    number: &str,
    text: &str,
    internal: bool,
) -> Reply {
    let mut form = vec![
        ("service_request_no", number),
        ("comment_text", text),
        ("device_no", ""),
    ];
    if internal {
        form.push(("internal", "on"));
    }
    app.call_form::<AddComment>(client, &form).await
}

async fn comments_stored(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM ticket_comments")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// The list as `client` sees it, searching for `text` (or not): each ticket's number,
/// comment count and snippet.
async fn listed(app: &TestApp, client: &Client, text: Option<&str>) -> Vec<(String, i64, String)> {
    let filter = json!({ "statuses": [], "department_id": null, "request_type_id": null,
                         "text": text, "oldest_first": false });
    let reply = app
        .call_json_value::<ListTickets>(client, json!({ "filter": filter, "page": "First" }))
        .await;
    json_of(&reply)["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["service_request_no"].as_str().unwrap().to_string(),
                t["comment_count"].as_i64().unwrap(),
                t["snippet"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_internal_note_never_reaches_the_requester_by_any_path() {
    let app = spawn_app().await;
    let dept = app.add_department("IT").await;
    let agent = app.signed_in("aga", &[Role::Agent]).await;
    let admin = app.signed_in("boss", &[Role::Admin]).await;
    let ann = app.signed_in("ann", &[Role::User]).await;
    // Open before the ticket is filed, so both hear of its creation first, whenever it
    // arrives (on PostgreSQL it comes back through the database and reached a stream opened
    // just after the filing now and then).
    let mut ann_stream = Stream::open(&app, &ann).await;
    let mut agent_stream = Stream::open(&app, &agent).await;
    let number = app.file_ticket(&ann, &dept, "Laptop will not start").await;
    for stream in [&mut ann_stream, &mut agent_stream] {
        assert_eq!(stream.until(&number).await, [format!("{number} created")]);
    }

    // A requester cannot write one: 403, and nothing is stored.
    let before = comments_stored(&app).await;
    let reply = comment(&app, &ann, &number, "let me see staff notes", true).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert_eq!(comments_stored(&app).await, before);

    // Staff write one (the agent), then change the status: the requester's stream must
    // hear of the status change first, having never heard of the note.
    let note = format!("Battery swap needed, code {SECRET} for the cabinet");
    let added = json_of(&comment(&app, &agent, &number, &note, true).await);
    assert_eq!(added["internal"], true);
    let reply = app
        .call_form::<SetTicketStatus>(
            &agent,
            &[("service_request_no", &number), ("status", "ongoing")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        agent_stream.until(&number).await,
        [format!("{number} comment")]
    );
    assert_eq!(
        agent_stream.until(&number).await,
        [format!("{number} status")]
    );
    assert_eq!(
        ann_stream.until(&number).await,
        [format!("{number} status")]
    );
    // A public reply reaches both, and everyone counts it.
    let reply = comment(&app, &admin, &number, "We are on it.", false).await;
    assert_eq!(json_of(&reply)["internal"], false);
    assert_eq!(
        ann_stream.until(&number).await,
        [format!("{number} comment")]
    );

    // The ticket page, server-rendered.
    let page = app.get(&ann, &format!("/tickets/{number}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("We are on it."),
        "the page shows the thread"
    );
    assert!(!page.body.contains(SECRET) && !page.body.contains("tag-internal"));
    // Nor the choice to write one.
    assert!(!page.body.contains("name=\"internal\""));
    let page = app.get(&agent, &format!("/tickets/{number}")).await;
    assert!(page.body.contains(SECRET) && page.body.contains("tag-internal"));

    // The server functions' JSON: history (with its entries) and the ticket.
    let history = |client: &Client| {
        let (app, client, number) = (&app, client.clone(), number.clone());
        async move {
            let reply = app
                .call(
                    &client,
                    TicketHistory {
                        service_request_no: number,
                        before: None,
                    },
                )
                .await;
            assert!(!reply.body.is_empty());
            (
                reply.body.clone(),
                json_of(&reply)["entries"].as_array().unwrap().len(),
            )
        }
    };
    let (body, entries) = history(&ann).await;
    assert!(!body.contains(SECRET), "{body}");
    assert!(!body.contains("\"internal\":true"), "{body}");
    let (staff_body, staff_entries) = history(&agent).await;
    assert!(staff_body.contains(SECRET) && staff_body.contains("\"internal\":true"));
    assert_eq!(
        staff_entries,
        entries + 1,
        "the note's entry is the only difference"
    );
    let reply = app
        .call(
            &ann,
            GetTicket {
                service_request_no: number.clone(),
            },
        )
        .await;
    assert!(!json_of(&reply).to_string().contains(SECRET));

    // Comment counts: the description and the reply, for everyone (not the note).
    assert_eq!(
        listed(&app, &ann, None).await,
        [(number.clone(), 2, String::new())]
    );
    assert_eq!(listed(&app, &agent, None).await[0].1, 2);

    // Search and its snippets: the requester finds nothing by the note's words (whole or
    // as a prefix, in the JSON and on the page); staff find the ticket by them.
    for words in [SECRET, "zebra", "cabinet battery"] {
        assert_eq!(listed(&app, &ann, Some(words)).await, [], "{words}");
        let page = app
            .get(&ann, &format!("/tickets?q={}", words.replace(' ', "+")))
            .await;
        // (The search box shows what she typed; the results hold nothing.)
        assert!(
            !page.body.contains(&number) && page.body.contains("No tickets match"),
            "{words}"
        );
    }
    let found = listed(&app, &agent, Some(SECRET)).await;
    assert_eq!(found.len(), 1);
    assert!(
        found[0].2.contains(SECRET),
        "staff see the note's snippet: {found:?}"
    );
    // The requester's own word still finds their ticket, without the note in the snippet.
    let found = listed(&app, &ann, Some("laptop")).await;
    assert_eq!(found.len(), 1);
    assert!(!found[0].2.contains(SECRET));

    // CSV: the requester's export holds the reply but not the note; staff's marks it.
    let csv = |client: &Client| {
        let url = format!("{}/tickets.csv", app.base);
        let client = client.clone();
        async move {
            let res = client.get(url).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            res.text().await.unwrap()
        }
    };
    let mine = csv(&ann).await;
    assert!(
        mine.contains("We are on it.") && !mine.contains(SECRET),
        "{mine}"
    );
    let staff = csv(&agent).await;
    assert!(
        staff.contains(&format!("aga (internal note): {note}")),
        "{staff}"
    );
}
