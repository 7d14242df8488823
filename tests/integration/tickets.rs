//! Ticket server functions over HTTP: who may read, comment on and change which ticket, and
//! that every bad input is refused with its message and stores nothing.

use crate::common;
use helpdesk::lists::{NamedList, api::CreateListEntry};
use helpdesk::tickets::api::{
    AddComment, CreateTicket, GetTicket, ListTickets, MyTicketCounts, SetTicketAssignee,
    SetTicketDepartment, SetTicketPriority, SetTicketStatus, SuggestAssignees, TicketChoices,
    TicketHistory,
};
use helpdesk::tickets::model::{CommentForm, NewTicketForm};
use helpdesk::users::api::SuggestUsers;
use leptos::server_fn::ServerFn;

use common::{Reply, TestApp, spawn_app};
use helpdesk::users::model::Role;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

struct World {
    app: TestApp,
    admin: Client,
    ann: Client,
    bob: Client,
    it: String,
    hr: String,
}

async fn world() -> World {
    let app = spawn_app().await;
    let (it, hr) = (
        app.add_department("IT").await,
        app.add_department("HR").await,
    );
    World {
        admin: app.signed_in("boss", &[Role::Admin]).await,
        ann: app.signed_in("ann", &[Role::User]).await,
        bob: app.signed_in("bob", &[Role::User]).await,
        app,
        it,
        hr,
    }
}

fn json(reply: &Reply) -> Value {
    serde_json::from_str(&reply.body).unwrap_or_else(|_| panic!("not JSON: {}", reply.body))
}

/// Files a ticket and returns its service request number.
async fn file(w: &World, client: &Client, subject: &str, dept: &str) -> String {
    let reply = w
        .app
        .call(
            client,
            CreateTicket {
                ticket: NewTicketForm {
                    request_type_id: "1".into(),
                    department_id: dept.into(),
                    subject: subject.into(),
                    description: "It does not work.\nAt all.".into(),
                    device_no: "PC-7".into(),
                    attachments: Vec::new(),
                },
            },
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    json(&reply).as_str().unwrap().to_string()
}

async fn list(w: &World, client: &Client, filter: Value) -> Vec<String> {
    let reply = w
        .app
        .call_json_value::<ListTickets>(client, json!({ "filter": filter, "page": "First" }))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    json(&reply)["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["subject"].as_str().unwrap().to_string())
        .collect()
}

fn no_filter() -> Value {
    json!({ "requested_by": null, "statuses": [], "department_id": null,
            "request_type_id": null, "text": null, "oldest_first": false })
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn users_see_and_touch_only_their_own_tickets() {
    let w = world().await;
    let no = file(&w, &w.ann, "Printer jam", &w.it).await;
    assert!(no.starts_with("SR-") && no.len() == 14, "{no}");
    file(&w, &w.bob, "VPN down", &w.hr).await;

    assert_eq!(list(&w, &w.ann, no_filter()).await, ["Printer jam"]);
    assert_eq!(list(&w, &w.bob, no_filter()).await, ["VPN down"]);
    // Asking for someone else's tickets by filter does not widen a user's view.
    let mut others = no_filter();
    others["requested_by"] = json!(1);
    assert_eq!(list(&w, &w.bob, others).await, ["VPN down"]);
    assert_eq!(
        list(&w, &w.admin, no_filter()).await,
        ["VPN down", "Printer jam"]
    );

    let (comments, tickets) = (
        count(&w.app, "ticket_comments").await,
        count(&w.app, "tickets").await,
    );
    let number = [("service_request_no", no.as_str())];
    for (name, extra, expected) in [
        (GetTicket::PATH, vec![], StatusCode::NOT_FOUND),
        (TicketHistory::PATH, vec![], StatusCode::NOT_FOUND),
        (
            AddComment::PATH,
            vec![("comment_text", "me too"), ("device_no", "")],
            StatusCode::NOT_FOUND,
        ),
        (
            SetTicketStatus::PATH,
            vec![("status", "completed")],
            StatusCode::FORBIDDEN,
        ),
        (
            SetTicketDepartment::PATH,
            vec![("department_id", w.hr.as_str())],
            StatusCode::FORBIDDEN,
        ),
    ] {
        let args: Vec<_> = number.iter().copied().chain(extra).collect();
        let reply = w.app.call_at(&w.bob, name, &args).await;
        assert_eq!(reply.status, expected, "bob {name}: {}", reply.body);
        // Even the owner may not triage.
        if expected == StatusCode::FORBIDDEN {
            let reply = w.app.call_at(&w.ann, name, &args).await;
            assert_eq!(reply.status, expected, "ann {name}: {}", reply.body);
        }
        let reply = w.app.call_at(&w.app.client(), name, &args).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "anonymous {name}");
    }
    // A missing ticket answers exactly like someone else's.
    let missing = w
        .app
        .call(
            &w.bob,
            GetTicket {
                service_request_no: "SR-2026-999999".to_string(),
            },
        )
        .await;
    let hidden = w
        .app
        .call_form::<GetTicket>(&w.bob, &[("service_request_no", no.as_str())])
        .await;
    assert_eq!((missing.status, missing.body), (hidden.status, hidden.body));
    assert_eq!(
        (
            count(&w.app, "ticket_comments").await,
            count(&w.app, "tickets").await
        ),
        (comments, tickets),
        "refused calls stored nothing"
    );
    let status: String =
        sqlx::query_scalar("SELECT status FROM tickets WHERE service_request_no = $1")
            .bind(&no)
            .fetch_one(&w.app.pool)
            .await
            .unwrap();
    assert_eq!(status, "pending");

    // The owner reads and comments; the admin reads, comments and triages.
    let reply = w.app.call_form::<GetTicket>(&w.ann, &number).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(json(&reply)["status"], "pending");
    let reply = w
        .app
        .call_form::<AddComment>(
            &w.ann,
            &[
                ("service_request_no", &no),
                ("comment_text", "Any news?"),
                ("device_no", ""),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = w
        .app
        .call_form::<AddComment>(
            &w.admin,
            &[
                ("service_request_no", &no),
                ("comment_text", "On it."),
                ("device_no", "PR-1"),
            ],
        )
        .await;
    assert_eq!(json(&reply)["author_is_staff"], true);
    let reply = w
        .app
        .call_form::<SetTicketStatus>(
            &w.admin,
            &[("service_request_no", &no), ("status", "ongoing")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = w
        .app
        .call_form::<SetTicketDepartment>(
            &w.admin,
            &[("service_request_no", &no), ("department_id", &w.hr)],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = w.app.call_form::<GetTicket>(&w.ann, &number).await;
    let ticket = json(&reply);
    assert_eq!(
        (ticket["status"].as_str(), ticket["department"].as_str()),
        (Some("ongoing"), Some("HR"))
    );
    // The history the requester sees: who did what, in order, comments included.
    let reply = w.app.call_form::<TicketHistory>(&w.ann, &number).await;
    let entries: Vec<String> = json(&reply)["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let text = e["comment_text"]
                .as_str()
                .or(e["to_value"].as_str())
                .unwrap_or("");
            format!(
                "{} {} {}",
                e["actor"].as_str().unwrap(),
                e["kind"].as_str().unwrap(),
                text
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            "ann created It does not work.\nAt all.",
            "ann comment Any news?",
            "boss comment On it.",
            "boss status ongoing",
            "boss department HR",
        ]
    );
}

#[tokio::test]
async fn completing_sets_the_finished_date_and_reopening_clears_it() {
    let w = world().await;
    let no = file(&w, &w.ann, "Monitor flickers", &w.it).await;
    let set = |status: &'static str| {
        let no = no.clone();
        let w = &w;
        async move {
            let reply = w
                .app
                .call_form::<SetTicketStatus>(
                    &w.admin,
                    &[("service_request_no", &no), ("status", status)],
                )
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            json(
                &w.app
                    .call(
                        &w.ann,
                        GetTicket {
                            service_request_no: no.to_string(),
                        },
                    )
                    .await,
            )
        }
    };
    assert!(set("ongoing").await["date_finished"].is_null());
    let done = set("completed").await;
    assert!(done["date_finished"].as_i64().unwrap() >= done["date_started"].as_i64().unwrap());
    assert!(set("pending").await["date_finished"].is_null());
}

#[tokio::test]
async fn every_bad_input_is_refused_with_its_message_and_stores_nothing() {
    let w = world().await;
    let long_subject = "s".repeat(201);
    let long_text = "t".repeat(10_001);
    let long_device = "d".repeat(65);
    let good = [
        ("request_type_id", "1"),
        ("department_id", w.it.as_str()),
        ("subject", "Printer jam"),
        ("description", "Paper stuck"),
        ("device_no", ""),
    ];
    let cases: Vec<(&str, &str, &str)> = vec![
        (
            "request_type_id",
            "",
            "Choose a request type from the list.",
        ),
        (
            "request_type_id",
            "999",
            "Choose a request type from the list.",
        ),
        ("department_id", "abc", "Choose a department from the list."),
        ("department_id", "999", "Choose a department from the list."),
        ("subject", "   ", "Enter a subject."),
        (
            "subject",
            &long_subject,
            "A subject has at most 200 characters.",
        ),
        ("subject", "two\nlines", "A subject is a single line."),
        // Characters that hide or fake what others read (issue 11).
        (
            "subject",
            "nul\0here",
            "A subject cannot contain a control character (U+0000).",
        ),
        (
            "subject",
            "tab\there",
            "A subject cannot contain a control character (U+0009).",
        ),
        (
            "subject",
            "invoice\u{202E}fdp.exe",
            "A subject cannot contain a text-direction control (U+202E).",
        ),
        (
            "subject",
            "fake \u{E000}mark\u{E001}",
            "A subject cannot contain a reserved character (U+E000).",
        ),
        (
            "description",
            "escape \u{1b}[31mred",
            "A description cannot contain a control character (U+001B).",
        ),
        (
            "device_no",
            "PC\u{2067}42",
            "A device number cannot contain a text-direction control (U+2067).",
        ),
        ("description", "", "Enter a description."),
        (
            "description",
            &long_text,
            "A description has at most 10000 characters.",
        ),
        (
            "device_no",
            &long_device,
            "A device number has at most 64 characters.",
        ),
    ];
    for (field, value, message) in cases {
        let args: Vec<_> = good
            .iter()
            .map(|(k, v)| (*k, if *k == field { value } else { *v }))
            .collect();
        let reply = w.app.call_form::<CreateTicket>(&w.ann, &args).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value:.20}"
        );
        let body = json(&reply);
        let errors = body["Validation"].as_array().expect("field errors");
        assert!(
            errors
                .iter()
                .any(|e| e["field"] == field && e["message"] == message),
            "{field}: {body}"
        );
    }
    assert_eq!(count(&w.app, "tickets").await, 0);
    assert_eq!(
        count(&w.app, "ticket_sequences").await,
        0,
        "no number was used up"
    );

    let no = file(&w, &w.ann, "Printer jam", &w.it).await;
    let comments = count(&w.app, "ticket_comments").await;
    for (text, device, field) in [
        ("  ", "", "comment_text"),
        (long_text.as_str(), "", "comment_text"),
        ("nul \0 inside", "", "comment_text"),
        ("right-to-left \u{202E}override", "", "comment_text"),
        ("fine", long_device.as_str(), "device_no"),
        ("fine", "dev\0", "device_no"),
    ] {
        let reply = w
            .app
            .call_form::<AddComment>(
                &w.ann,
                &[
                    ("service_request_no", &no),
                    ("comment_text", text),
                    ("device_no", device),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            json(&reply)["Validation"][0]["field"] == field,
            "{}",
            reply.body
        );
    }
    assert_eq!(count(&w.app, "ticket_comments").await, comments);

    for (name, field, value) in [
        (SetTicketStatus::PATH, "status", "closed"),
        (SetTicketDepartment::PATH, "department_id", "999"),
        (SetTicketDepartment::PATH, "department_id", ""),
    ] {
        let reply = w
            .app
            .call_at(
                &w.admin,
                name,
                &[("service_request_no", &no), (field, value)],
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name} {value}"
        );
        assert_eq!(json(&reply)["Validation"][0]["field"], field);
    }
    let row: (String, String) = sqlx::query_as(
        "SELECT t.status, d.name FROM tickets t JOIN departments d ON d.id = t.department_id",
    )
    .fetch_one(&w.app.pool)
    .await
    .unwrap();
    assert_eq!(row, ("pending".to_string(), "IT".to_string()));
}

#[tokio::test]
async fn pages_without_javascript_file_show_and_hide_tickets() {
    let w = world().await;
    // A plain form post files the ticket and lands on its page.
    let reply = w
        .app
        .post_form::<CreateTicket>(
            &w.ann,
            &[
                ("request_type_id", "2"),
                ("department_id", &w.it),
                ("subject", "Laptop <b>slow</b>"),
                ("description", "Line one\n<script>alert(1)</script>"),
                ("device_no", ""),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    let location = reply.location.unwrap();
    assert!(location.starts_with("/tickets/SR-"), "{location}");

    let page = w.app.get(&w.ann, &location).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.html();
    assert!(
        html.contains("Laptop &lt;b&gt;slow&lt;/b&gt;"),
        "subject is escaped"
    );
    assert!(
        html.contains("Line one\n&lt;script&gt;alert(1)&lt;/script&gt;"),
        "comment is plain text"
    );
    assert!(!html.contains("<script>alert(1)"));
    assert!(!html.contains("Triage"), "no triage for a user");

    let list = w.app.get(&w.ann, "/tickets").await.html();
    assert!(list.contains("My tickets") && list.contains("Laptop &lt;b&gt;slow"));
    assert!(
        w.app
            .get(&w.bob, "/tickets")
            .await
            .html()
            .contains("You have no tickets yet.")
    );

    // Someone else's ticket is the same 404 page as a missing one.
    let hidden = w.app.get(&w.bob, &location).await;
    let missing = w.app.get(&w.bob, "/tickets/SR-2026-999999").await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(hidden.html().contains("Page not found"));
    assert!(!hidden.body.contains("Laptop"));

    // The admin's filtered view comes straight from the URL.
    let filtered = w
        .app
        .get(
            &w.admin,
            &format!("/tickets?department={}&status=pending", w.it),
        )
        .await
        .html();
    assert!(filtered.contains("Laptop &lt;b&gt;slow") && !filtered.contains("Triage"));
    let other = w
        .app
        .get(&w.admin, &format!("/tickets?department={}", w.hr))
        .await
        .html();
    assert!(other.contains("No tickets match these filters."));
    assert!(
        w.app
            .get(&w.admin, &location)
            .await
            .html()
            .contains("Triage")
    );
}

#[tokio::test]
async fn the_list_pages_through_every_ticket_by_links_and_deactivation_locks_out() {
    let w = world().await;
    for i in 0..30 {
        file(&w, &w.ann, &format!("Request number {i:02}"), &w.it).await;
    }
    // Follow "Next page" links from the first page to the end, then "Previous page" back.
    // Only the table cells: the page also carries its data for hydration.
    let subjects = |html: &str| -> Vec<String> {
        html.match_indices("class=\"subject\"")
            .map(|(at, _)| {
                let text = at + html[at..].find('>').unwrap() + 1;
                html[text..text + 17].to_string()
            })
            .collect()
    };
    let link = |html: &str, text: &str| -> Option<String> {
        let end = html.find(text)?;
        let start = html[..end].rfind("href=\"")? + 6;
        let href = &html[start..];
        Some(href[..href.find('"').unwrap()].replace("&amp;", "&"))
    };
    let mut seen = Vec::new();
    let mut path = "/tickets".to_string();
    let mut pages = Vec::new();
    loop {
        let html = w.app.get(&w.ann, &path).await.html();
        seen.extend(subjects(&html));
        pages.push(path.clone());
        match link(&html, "Next page") {
            Some(next) => path = next,
            None => break,
        }
    }
    let expected: Vec<String> = (0..30)
        .rev()
        .map(|i| format!("Request number {i:02}"))
        .collect();
    assert_eq!(seen, expected, "every ticket exactly once, newest first");
    assert_eq!(pages.len(), 2, "25 per page");
    let last = w.app.get(&w.ann, &pages[1]).await.html();
    let back = link(&last, "Previous page").expect("a way back");
    assert_eq!(
        subjects(&w.app.get(&w.ann, &back).await.html()),
        expected[..25]
    );

    // A user deactivated while signed in can no longer list, read or file tickets.
    w.app.deactivate(&w.admin, "ann").await;
    let reply = w
        .app
        .call_json_value::<ListTickets>(&w.ann, json!({ "filter": no_filter(), "page": "First" }))
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let reply = w
        .app
        .call_form::<TicketChoices>(&w.ann, &[("requesters", "false")])
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        w.app.get(&w.ann, "/tickets").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn form_choices_start_from_the_callers_department_and_hide_people_from_users() {
    let w = world().await;
    sqlx::query("UPDATE users SET department_id = CAST($1 AS BIGINT) WHERE username = 'ann'")
        .bind(&w.hr)
        .execute(&w.app.pool)
        .await
        .unwrap();
    let ann = json(&w.app.call(&w.ann, TicketChoices {}).await);
    assert_eq!(ann["my_department"].to_string(), w.hr);
    assert_eq!(ann["departments"].as_array().unwrap().len(), 2);
    assert_eq!(ann["request_types"].as_array().unwrap().len(), 5);
    assert!(
        ann.get("requesters").is_none(),
        "no list of people in any page"
    );
    // Names are suggested to admins only, a few at a time, as they type.
    let reply = w
        .app
        .call_form::<SuggestUsers>(&w.ann, &[("prefix", "b")])
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let admin = json(
        &w.app
            .call_form::<SuggestUsers>(&w.admin, &[("prefix", " Bo ")])
            .await,
    );
    assert_eq!(admin, json!(["bob", "boss"]));
    let none = json(
        &w.app
            .call_form::<SuggestUsers>(&w.admin, &[("prefix", "")])
            .await,
    );
    assert_eq!(none, json!([]));
}

#[tokio::test]
async fn an_admin_filters_by_requester_name_and_a_user_cannot_look_at_others() {
    let w = world().await;
    for who in [&w.ann, &w.bob] {
        w.app
            .call_form::<CreateTicket>(
                who,
                &[
                    ("request_type_id", "1"),
                    ("department_id", w.it.as_str()),
                    ("subject", "Mine"),
                    ("description", "d"),
                    ("device_no", ""),
                ],
            )
            .await;
    }
    let list = |who, requester: Option<&str>| {
        let mut filter = no_filter();
        filter["requester"] = json!(requester);
        // A client cannot choose whose tickets by id: the server works that out.
        filter["requested_by"] = json!(1);
        let app = &w.app;
        async move {
            let page = json(
                &app.call_json_value::<ListTickets>(
                    who,
                    json!({ "filter": filter, "page": "First" }),
                )
                .await,
            );
            page["tickets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["requester"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list(&w.admin, Some("bob")).await, ["bob"]);
    assert_eq!(
        list(&w.admin, Some("nobody-here")).await,
        Vec::<String>::new()
    );
    assert_eq!(list(&w.admin, None).await.len(), 2);
    assert_eq!(
        list(&w.ann, Some("bob")).await,
        ["ann"],
        "users see their own only"
    );
    // The page takes the name from the URL, without JavaScript.
    let page = w.app.get(&w.admin, "/tickets?requester=bob").await;
    let html = page.body;
    assert!(html.contains("value=\"bob\""), "the field shows the filter");
    assert!(!html.contains(">ann<"), "only bob's tickets");
}

#[tokio::test]
async fn hostile_filters_and_list_names_are_refused_with_a_message() {
    let w = world().await;
    let mut filter = no_filter();
    filter["statuses"] = json!(vec!["pending"; 5_000]);
    let reply = w
        .app
        .call_json_value::<ListTickets>(&w.admin, json!({ "filter": filter, "page": "First" }))
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert_eq!(json(&reply)["Validation"][0]["field"], "status");

    let departments = count(&w.app, "departments").await;
    for name in ["HR\u{202E}", "Tab\tname", "Bell\u{7}"] {
        let reply = w
            .app
            .call(
                &w.admin,
                CreateListEntry {
                    list: NamedList::Departments,
                    name: name.into(),
                },
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
        let message = json(&reply)["Validation"][0]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            message.starts_with("A department name cannot contain"),
            "{message}"
        );
    }
    assert_eq!(count(&w.app, "departments").await, departments);
}

/// 120 clients at once, for a bounded time, filing tickets, commenting and moving
/// statuses. Afterwards every acknowledged write is stored exactly once, the numbers are
/// unique and without gaps in the year, and the maintained counts equal the rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_and_twenty_concurrent_clients_lose_and_duplicate_nothing() {
    use std::sync::{Arc, Mutex};
    let w = world().await;
    let app = Arc::new(w.app);
    let admin = w.admin.clone();
    let mut users = Vec::new();
    for n in 0..20 {
        users.push(app.signed_in(&format!("user{n}"), &[Role::User]).await);
    }
    let filed = Arc::new(Mutex::new(Vec::<String>::new()));
    let comments = Arc::new(Mutex::new(Vec::<String>::new()));
    let statuses = Arc::new(Mutex::new(0usize));
    let until = tokio::time::Instant::now() + std::time::Duration::from_secs(3);
    let clients: Vec<_> = (0..120)
        .map(|c| {
            let (app, filed, comments, statuses) = (
                app.clone(),
                filed.clone(),
                comments.clone(),
                statuses.clone(),
            );
            let user = users[c % users.len()].clone();
            let (admin, it) = (admin.clone(), w.it.clone());
            tokio::spawn(async move {
                let mut mine: Vec<String> = Vec::new();
                let mut n = 0;
                while tokio::time::Instant::now() < until {
                    n += 1;
                    match (c % 3, mine.last()) {
                        (0, _) | (_, None) => {
                            let subject = format!("client {c} ticket {n}");
                            let reply = app
                                .call_form::<CreateTicket>(
                                    &user,
                                    &[
                                        ("request_type_id", "1"),
                                        ("department_id", &it),
                                        ("subject", &subject),
                                        ("description", "Filed under load"),
                                        ("device_no", ""),
                                    ],
                                )
                                .await;
                            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
                            let no: String = serde_json::from_str(&reply.body).unwrap();
                            mine.push(no);
                            filed.lock().unwrap().push(subject);
                        }
                        (1, Some(no)) => {
                            let text = format!("client {c} comment {n}");
                            let reply = app
                                .call_form::<AddComment>(
                                    &user,
                                    &[
                                        ("service_request_no", no),
                                        ("comment_text", &text),
                                        ("device_no", ""),
                                    ],
                                )
                                .await;
                            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
                            comments.lock().unwrap().push(text);
                        }
                        (_, Some(no)) => {
                            let status = ["pending", "ongoing", "completed"][n % 3];
                            let reply = app
                                .call_form::<SetTicketStatus>(
                                    &admin,
                                    &[("service_request_no", no), ("status", status)],
                                )
                                .await;
                            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
                            *statuses.lock().unwrap() += 1;
                        }
                    }
                }
            })
        })
        .collect();
    for client in clients {
        client.await.unwrap();
    }
    let filed = filed.lock().unwrap().clone();
    let comments = comments.lock().unwrap().clone();
    let moved = *statuses.lock().unwrap();
    println!(
        "{} tickets, {} comments, {moved} status changes acknowledged",
        filed.len(),
        comments.len()
    );
    assert!(filed.len() >= 120 && !comments.is_empty() && moved > 0);

    // Each acknowledged ticket and comment exactly once.
    let subjects: Vec<String> = sqlx::query_scalar("SELECT subject FROM tickets")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    let mut stored = subjects.clone();
    stored.sort();
    let mut acked = filed.clone();
    acked.sort();
    assert_eq!(
        stored, acked,
        "tickets: acknowledged == stored, no duplicates"
    );
    let mut texts: Vec<String> = sqlx::query_scalar(
        "SELECT comment_text FROM ticket_comments WHERE comment_text LIKE 'client %'",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    texts.sort();
    let mut acked = comments.clone();
    acked.sort();
    assert_eq!(
        texts, acked,
        "comments: acknowledged == stored, no duplicates"
    );

    // Numbers: unique, and 1..=n without gaps within the year.
    let numbers: Vec<String> =
        sqlx::query_scalar("SELECT service_request_no FROM tickets ORDER BY service_request_no")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let mut by_year = std::collections::BTreeMap::<String, Vec<i64>>::new();
    for no in &numbers {
        let (year, seq) = no.trim_start_matches("SR-").split_once('-').unwrap();
        by_year
            .entry(year.to_string())
            .or_default()
            .push(seq.parse().unwrap());
    }
    for (year, mut seqs) in by_year {
        seqs.sort();
        let expected: Vec<i64> = (1..=seqs.len() as i64).collect();
        assert_eq!(seqs, expected, "{year}: unique and without gaps");
    }

    // The maintained counters agree with the rows.
    let wrong: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (
             SELECT department_id, request_type_id, status, COUNT(*) AS n FROM tickets
              GROUP BY 1, 2, 3) r
           FULL OUTER JOIN (SELECT * FROM ticket_counts WHERE n > 0) k
             USING (department_id, request_type_id, status)
          WHERE r.n IS DISTINCT FROM k.n",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(wrong, 0, "status counts match the rows");
    let counters: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM tickets t
          WHERE t.comment_count != (SELECT COUNT(*) FROM ticket_comments c WHERE c.ticket_id = t.id)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(counters, 0, "comment counts match the rows");
}

/// The list as CSV: every ticket the filters pick, RFC 4180 through a real parser with
/// commas, quotes, newlines and non-ASCII intact, formulas neutralised, and only one's own
/// tickets for anyone but an admin.
#[tokio::test]
async fn the_list_exports_as_csv_that_round_trips_and_is_safe_to_open() {
    let w = world().await;
    let tricky = "Commas, \"quotes\" and ünïcødé 😀";
    let text = "First line, with a comma\nsecond \"quoted\" line — é";
    let ann_ticket = file(&w, &w.ann, tricky, &w.it).await;
    let reply = w
        .app
        .call(
            &w.ann,
            AddComment {
                service_request_no: ann_ticket.clone(),
                comment: CommentForm {
                    comment_text: text.into(),
                    device_no: "PC-9".into(),
                    internal: None,
                    attachments: Vec::new(),
                },
            },
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let formula = file(&w, &w.ann, "=HYPERLINK(\"http://evil\")", &w.hr).await;
    let bob_ticket = file(&w, &w.bob, "Bob's own", &w.it).await;

    let csv_of = |client: &Client, query: &str| {
        let url = format!("{}/tickets.csv{query}", w.app.base);
        let client = client.clone();
        async move {
            let res = client.get(url).send().await.unwrap();
            let status = res.status();
            let kind = res
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string());
            (status, kind, res.text().await.unwrap())
        }
    };
    let rows = |body: &str| -> Vec<Vec<String>> {
        csv::Reader::from_reader(body.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    };

    let (status, kind, body) = csv_of(&w.admin, "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind.as_deref(), Some("text/csv; charset=utf-8"));
    // Whole, whichever encodings the browser offers (a browser offers br over https only):
    // the file broke off under gzip (issue 21).
    for offered in [
        "gzip, deflate, br, zstd",
        "gzip, deflate",
        "gzip",
        "identity",
    ] {
        let res = w
            .admin
            .get(format!("{}/tickets.csv", w.app.base))
            .header("accept-encoding", offered)
            .send()
            .await
            .unwrap();
        let encoding = res.headers().get("content-encoding").cloned();
        let text = res
            .text()
            .await
            .unwrap_or_else(|e| panic!("{offered}: {e:?}"));
        assert_eq!(text, body, "{offered}, sent as {encoding:?}");
    }
    let all = rows(&body);
    assert_eq!(all.len(), 3, "{body}");
    let row = all.iter().find(|r| r[0] == ann_ticket).unwrap();
    assert_eq!(row[1], tricky);
    assert_eq!(row[2], "Pending");
    assert_eq!(
        (row[5].as_str(), row[6].as_str()),
        ("ann", "ann@example.com")
    );
    assert_eq!(row[9], "2");
    assert!(
        row[10].contains("ann: It does not work.\nAt all."),
        "{}",
        row[10]
    );
    assert!(row[10].ends_with(&format!("ann: {text}")), "{}", row[10]);
    assert_eq!(row[11], "PC-7, PC-9");
    let row = all.iter().find(|r| r[0] == formula).unwrap();
    assert_eq!(row[1], "'=HYPERLINK(\"http://evil\")");

    // A search exports its matches, without the highlighter's marks.
    let (_, _, body) = csv_of(&w.admin, "?q=commas").await;
    let found = rows(&body);
    assert_eq!(found.len(), 1, "{body}");
    assert_eq!(
        (found[0][0].as_str(), found[0][1].as_str()),
        (ann_ticket.as_str(), tricky)
    );

    // The list's filters apply: one department.
    let (_, _, body) = csv_of(&w.admin, &format!("?department={}", w.hr)).await;
    let hr: Vec<String> = rows(&body).into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(hr, [formula]);

    // Bob gets his own tickets only, and nobody else's by asking for them.
    let (status, _, body) = csv_of(&w.bob, "").await;
    assert_eq!(status, StatusCode::OK);
    let bobs: Vec<String> = rows(&body).into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(bobs, [bob_ticket]);
    let (status, _, _) = csv_of(&w.bob, "?requester=ann").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = csv_of(&w.app.client(), "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// The dashboard is kept between requests (each board is some 60 ms of queries at a
/// million tickets) yet follows every change at once: a new ticket, a completed one.
#[tokio::test]
async fn the_dashboard_is_kept_yet_follows_each_change_at_once() {
    use helpdesk::dashboard::api::LoadDashboard;
    let w = world().await;
    let board = || async {
        let reply = w.app.call(&w.admin, LoadDashboard {}).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        serde_json::from_str::<String>(&reply.body).unwrap()
    };
    let empty = board().await;
    assert!(!empty.contains(">1 open<"), "{empty}");
    assert_eq!(board().await, empty);
    let no = file(&w, &w.ann, "Counted at once", &w.it).await;
    let filed = board().await;
    assert!(filed.contains(">1 open<"), "{filed}");
    let reply = w
        .app
        .call(
            &w.admin,
            SetTicketStatus {
                service_request_no: no,
                status: "completed".into(),
            },
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(!board().await.contains(">1 open<"));
    // A user is refused, kept board or not.
    let reply = w.app.call(&w.ann, LoadDashboard {}).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

/// Assignment: staff take a ticket or hand it to an active agent or admin, never to anyone
/// else; each change is one history row; the lists filter by it (me, nobody, someone, a
/// deactivated agent); the requester sees who handles their ticket.
#[tokio::test]
async fn tickets_are_assigned_to_active_staff_and_listed_by_assignee() {
    let w = world().await;
    let aga = w.app.signed_in("aga", &[Role::Agent]).await;
    w.app.signed_in("max", &[Role::Agent]).await;
    let printer = file(&w, &w.ann, "Printer jam", &w.it).await;
    let vpn = file(&w, &w.bob, "VPN down", &w.hr).await;
    let assign = |client: &Client, number: &str, to: &str| {
        let (client, number, to) = (client.clone(), number.to_string(), to.to_string());
        let app = &w.app;
        async move {
            app.call_form::<SetTicketAssignee>(
                &client,
                &[("service_request_no", &number), ("assignee", &to)],
            )
            .await
        }
    };
    let events = || async {
        sqlx::query_as::<_, (String, Option<String>, Option<String>)>(
            "SELECT kind, from_value, to_value FROM ticket_events
              WHERE kind = 'assignee' ORDER BY id",
        )
        .fetch_all(&w.app.pool)
        .await
        .unwrap()
    };

    // Refused, and nothing stored: a requester, a plain user, nobody by that name.
    assert_eq!(
        assign(&w.ann, &printer, "me").await.status,
        StatusCode::FORBIDDEN
    );
    for who in ["bob", "nobody-here"] {
        let reply = assign(&aga, &printer, who).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{who}");
        assert!(
            reply.body.contains("active agent or admin"),
            "{}",
            reply.body
        );
    }
    assert!(events().await.is_empty());

    // "Assign to me", then to a colleague; the same again changes nothing.
    assert_eq!(assign(&aga, &printer, "me").await.status, StatusCode::OK);
    assert_eq!(assign(&w.admin, &vpn, "max").await.status, StatusCode::OK);
    assert_eq!(assign(&w.admin, &vpn, "max").await.status, StatusCode::OK);
    assert_eq!(
        events().await,
        [
            ("assignee".to_string(), None, Some("aga".to_string())),
            ("assignee".to_string(), None, Some("max".to_string())),
        ]
    );
    // Home: an agent's queue is what is assigned to them; a requester's, what they filed.
    let home = |client: &Client| {
        let (client, app) = (client.clone(), &w.app);
        async move { json(&app.call_form::<MyTicketCounts>(&client, &[]).await) }
    };
    assert_eq!(
        home(&aga).await,
        json!([["pending", 1], ["ongoing", 0], ["completed", 0]])
    );
    assert_eq!(
        home(&w.bob).await,
        json!([["pending", 1], ["ongoing", 0], ["completed", 0]])
    );
    // The requester sees who handles it.
    let reply = w
        .app
        .call_form::<GetTicket>(&w.ann, &[("service_request_no", &printer)])
        .await;
    assert_eq!(json(&reply)["assignee"], "aga");

    let by = |assignee: &str| {
        let mut f = no_filter();
        f["assignee"] = json!(assignee);
        f
    };
    assert_eq!(list(&w, &aga, by("me")).await, ["Printer jam"]);
    assert_eq!(list(&w, &aga, by("max")).await, ["VPN down"]);
    assert!(list(&w, &aga, by("none")).await.is_empty());
    // A requester's list ignores the assignee filter: still their own tickets.
    assert_eq!(list(&w, &w.ann, by("max")).await, ["Printer jam"]);

    // Deactivated, max keeps his ticket, and it is findable as such; then it is handed on.
    w.app.deactivate(&w.admin, "max").await;
    assert_eq!(list(&w, &aga, by("inactive")).await, ["VPN down"]);
    let reply = assign(&aga, &vpn, "max").await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "max has it already: nothing changes"
    );
    assert_eq!(
        assign(&aga, &printer, "max").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(assign(&aga, &vpn, "").await.status, StatusCode::OK);
    assert_eq!(list(&w, &aga, by("none")).await, ["VPN down"]);
    assert!(list(&w, &aga, by("inactive")).await.is_empty());
    assert_eq!(
        events().await.last().unwrap(),
        &("assignee".to_string(), Some("max".to_string()), None)
    );

    // The picker suggests active staff only.
    let reply = w
        .app
        .call_form::<SuggestAssignees>(&aga, &[("prefix", "")])
        .await;
    assert_eq!(json(&reply), json!(["aga", "boss"]));
}

/// Priority: normal until staff set another; a word that is not a priority, or a requester
/// trying, changes nothing; each change is one history row; the list filters by it.
#[tokio::test]
async fn staff_set_priorities_and_the_list_filters_by_them() {
    let w = world().await;
    let printer = file(&w, &w.ann, "Printer jam", &w.it).await;
    file(&w, &w.ann, "Mouse squeaks", &w.it).await;
    let set = |client: &Client, to: &str| {
        let (client, number, to) = (client.clone(), printer.clone(), to.to_string());
        let app = &w.app;
        async move {
            app.call_form::<SetTicketPriority>(
                &client,
                &[("service_request_no", &number), ("priority", &to)],
            )
            .await
        }
    };
    let priority = || async {
        let reply = w
            .app
            .call_form::<GetTicket>(&w.ann, &[("service_request_no", &printer)])
            .await;
        json(&reply)["priority"].as_str().unwrap().to_string()
    };
    assert_eq!(priority().await, "normal");
    assert_eq!(set(&w.ann, "urgent").await.status, StatusCode::FORBIDDEN);
    let reply = set(&w.admin, "critical").await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("Priority must be"), "{}", reply.body);
    assert_eq!(priority().await, "normal");
    assert_eq!(set(&w.admin, "urgent").await.status, StatusCode::OK);
    assert_eq!(set(&w.admin, "urgent").await.status, StatusCode::OK);
    assert_eq!(priority().await, "urgent");
    let changes: Vec<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT from_value, to_value FROM ticket_events WHERE kind = 'priority'")
            .fetch_all(&w.app.pool)
            .await
            .unwrap();
    assert_eq!(changes, [(Some("normal".into()), Some("urgent".into()))]);
    let mut urgent = no_filter();
    urgent["priorities"] = json!(["urgent"]);
    assert_eq!(list(&w, &w.admin, urgent).await, ["Printer jam"]);
}

/// The thread's pages as `client` reads them: each entry's comment text (or kind), and
/// the cursor to the page before.
async fn thread_page(
    app: &TestApp,
    client: &Client,
    number: &str,
    before: Option<&str>,
) -> (Vec<String>, Option<String>, bool) {
    let mut form = vec![("service_request_no", number)];
    if let Some(before) = before {
        form.push(("before", before));
    }
    let reply = app.call_form::<TicketHistory>(client, &form).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let page: helpdesk::tickets::model::HistoryPage = serde_json::from_str(&reply.body).unwrap();
    (
        page.entries
            .iter()
            .map(|e| {
                e.comment_text
                    .clone()
                    .unwrap_or_else(|| e.kind.as_str().into())
            })
            .collect(),
        page.earlier.map(|c| c.to_param()),
        page.older,
    )
}

#[tokio::test]
async fn a_long_thread_opens_on_its_newest_page_and_pages_back_to_its_start() {
    let w = world().await;
    let number = w.app.file_ticket(&w.ann, &w.it, "A long story").await;
    let agent = w.app.signed_in("aga", &[Role::Agent]).await;
    for i in 0..120 {
        let mut form = vec![("service_request_no", number.as_str()), ("device_no", "")];
        let text = format!("Comment {i}");
        form.push(("comment_text", &text));
        let reply = w.app.call_form::<AddComment>(&w.ann, &form).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        if i == 100 {
            // Staff's note in between: not the requester's, and not one of her 50.
            let note = [
                ("service_request_no", number.as_str()),
                ("comment_text", "A note"),
                ("device_no", ""),
                ("internal", "on"),
            ];
            let reply = w.app.call_form::<AddComment>(&agent, &note).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        }
    }
    let said = |range: std::ops::Range<usize>| -> Vec<String> {
        range.map(|i| format!("Comment {i}")).collect()
    };
    // The requester: the newest 50, then 50 more, then the rest with the description.
    let (newest, earlier, older) = thread_page(&w.app, &w.ann, &number, None).await;
    assert_eq!(newest, said(70..120));
    assert!(!older);
    let (second, earlier, older) = thread_page(&w.app, &w.ann, &number, earlier.as_deref()).await;
    assert_eq!(second, said(20..70));
    assert!(older);
    let (third, earlier, _) = thread_page(&w.app, &w.ann, &number, earlier.as_deref()).await;
    let mut start = vec!["Please have a look.".to_string()];
    start.extend(said(0..20));
    assert_eq!(third, start);
    assert_eq!(earlier, None);
    // Staff's newest page has the note among its 50.
    let (staff, _, _) = thread_page(&w.app, &agent, &number, None).await;
    assert_eq!(staff.len(), 50);
    assert!(staff.contains(&"A note".to_string()));
    assert_eq!(staff.first().unwrap(), "Comment 71");
    // A cursor that does not parse is the newest page.
    let (again, _, _) = thread_page(&w.app, &w.ann, &number, Some("x.y")).await;
    assert_eq!(again, newest);

    // The page, as a browser without JavaScript gets it: the newest comments, and a link
    // to the earlier ones that shows them.
    let page = w
        .app
        .get(&w.ann, &format!("/tickets/{number}"))
        .await
        .html();
    assert!(
        page.contains("Comment 119") && !page.contains("Comment 69<"),
        "{page}"
    );
    let link = page
        .split("href=\"?before=")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a Show earlier link");
    let page = w
        .app
        .get(&w.ann, &format!("/tickets/{number}?before={link}"))
        .await
        .html();
    assert!(
        page.contains("Comment 20") && page.contains("Comment 69"),
        "{page}"
    );
    assert!(!page.contains("Comment 70"), "{page}");
    assert!(page.contains("Show the newest"), "{page}");
}
