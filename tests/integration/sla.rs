//! Service levels over HTTP: each ticket's due times from its priority's policy, the first
//! public answer by staff, completion and reopening, the due filters, the admin's forms
//! (bad input refused, nothing stored) and open tickets following a changed policy.

use crate::common;
use helpdesk::tickets::api::{
    AddComment, GetTicket, ListTickets, SetTicketPriority, SetTicketStatus,
};
use helpdesk::tickets::sla::api::{GetServiceLevels, SaveBusinessHours, SaveSlaPolicies};
use leptos::server_fn::ServerFn;

use common::{Reply, TestApp, spawn_app};
use helpdesk::users::model::Role;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

const HOUR: i64 = 3_600_000;

fn json_of(reply: &Reply) -> Value {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).unwrap_or_else(|_| panic!("not JSON: {}", reply.body))
}

async fn sla(app: &TestApp, client: &Client, number: &str) -> Value {
    let reply = app
        .call(
            client,
            GetTicket {
                service_request_no: number.into(),
            },
        )
        .await;
    json_of(&reply)["sla"].clone()
}

async fn started(app: &TestApp, number: &str) -> i64 {
    sqlx::query_scalar("SELECT date_started FROM tickets WHERE service_request_no = $1")
        .bind(number)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// The numbers `client`'s list shows with `due` ("overdue", "today" or none).
async fn due_list(app: &TestApp, client: &Client, due: Option<&str>) -> Vec<String> {
    let filter = json!({ "statuses": [], "department_id": null, "request_type_id": null,
                         "text": null, "oldest_first": false, "due": due });
    let reply = app
        .call_json_value::<ListTickets>(client, json!({ "filter": filter, "page": "First" }))
        .await;
    json_of(&reply)["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["service_request_no"].as_str().unwrap().to_string())
        .collect()
}

fn policies(first: &str, resolution: &str, business: &[&str]) -> Vec<(String, String)> {
    let mut form = Vec::new();
    for p in ["urgent", "high", "normal", "low"] {
        form.push((format!("{p}_first"), first.to_string()));
        form.push((format!("{p}_first_unit"), "hours".to_string()));
        form.push((format!("{p}_resolution"), resolution.to_string()));
        form.push((format!("{p}_resolution_unit"), "hours".to_string()));
        if business.contains(&p) {
            form.push((format!("{p}_business"), "on".to_string()));
        }
    }
    form
}

async fn post(app: &TestApp, client: &Client, path: &str, form: &[(String, String)]) -> Reply {
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.call_at(client, path, &form).await
}

#[tokio::test]
async fn tickets_are_due_by_their_priority_and_follow_answers_completion_and_reopening() {
    let app = spawn_app().await;
    let dept = app.add_department("IT").await;
    let admin = app.signed_in("boss", &[Role::Admin]).await;
    let agent = app.signed_in("aga", &[Role::Agent]).await;
    let ann = app.signed_in("ann", &[Role::User]).await;
    let number = app.file_ticket(&ann, &dept, "VPN drops").await;
    let start = started(&app, &number).await;

    // Normal by default: the default targets, 1 day and 3 days on the clock.
    let s = sla(&app, &agent, &number).await;
    assert_eq!(s["first_response_due"], start + 24 * HOUR);
    assert_eq!(s["resolution_due"], start + 72 * HOUR);
    assert_eq!(s["first_response_at"], Value::Null);
    // The requester is not shown them, on the page or in the list.
    assert_eq!(sla(&app, &ann, &number).await, Value::Null);
    let reply = app
        .call_json_value::<ListTickets>(
            &ann,
            json!({ "filter": { "statuses": [], "department_id": null, "request_type_id": null,
                                "text": null, "oldest_first": false }, "page": "First" }),
        )
        .await;
    assert_eq!(json_of(&reply)["tickets"][0]["next_due"], Value::Null);

    // Urgent: due as if it had been urgent from the start.
    let reply = app
        .call_form::<SetTicketPriority>(
            &agent,
            &[("service_request_no", &number), ("priority", "urgent")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let s = sla(&app, &agent, &number).await;
    assert_eq!(
        (
            s["first_response_due"].as_i64(),
            s["resolution_due"].as_i64()
        ),
        (Some(start + HOUR), Some(start + 4 * HOUR))
    );

    // The requester's own comment and an internal note are not a response; staff's public
    // answer is.
    for (client, text, internal) in [(&ann, "Any news?", false), (&agent, "Checking logs", true)] {
        let mut form = vec![
            ("service_request_no", number.as_str()),
            ("comment_text", text),
            ("device_no", ""),
        ];
        if internal {
            form.push(("internal", "on"));
        }
        assert_eq!(
            app.call_form::<AddComment>(client, &form).await.status,
            StatusCode::OK
        );
    }
    assert_eq!(
        sla(&app, &agent, &number).await["first_response_at"],
        Value::Null
    );
    let reply = app
        .call_form::<AddComment>(
            &agent,
            &[
                ("service_request_no", &number),
                ("comment_text", "On it."),
                ("device_no", ""),
            ],
        )
        .await;
    let answered = json_of(&reply)["created_at"].as_i64().unwrap();
    assert_eq!(
        sla(&app, &agent, &number).await["first_response_at"],
        answered
    );

    // The due filters: nothing is overdue yet; once the resolution time has passed (the
    // clock is the database's here: the due time is moved back an hour) it is.
    assert_eq!(
        due_list(&app, &agent, Some("overdue")).await,
        Vec::<String>::new()
    );
    sqlx::query("UPDATE tickets SET resolution_due = $1 WHERE service_request_no = $2")
        .bind(helpdesk::base::db::now_ms() - HOUR)
        .bind(&number)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        due_list(&app, &agent, Some("overdue")).await,
        std::slice::from_ref(&number)
    );
    assert_eq!(
        due_list(&app, &agent, Some("today")).await,
        Vec::<String>::new()
    );
    // A requester's list ignores the filter (due times are staff's).
    assert_eq!(
        due_list(&app, &ann, Some("overdue")).await,
        std::slice::from_ref(&number)
    );
    let board = app.get(&admin, "/dashboard").await.html();
    assert!(
        board.contains("1</span><span class=\"stat-label\">Overdue"),
        "{board}"
    );

    // Completing late: missed, and an hour over is kept; reopening restarts the clock
    // from there, so it is overdue again at once, by about that hour.
    let set = |status: &'static str| {
        let (app, agent, number) = (&app, agent.clone(), number.clone());
        async move {
            let reply = app
                .call_form::<SetTicketStatus>(
                    &agent,
                    &[("service_request_no", &number), ("status", status)],
                )
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        }
    };
    set("completed").await;
    let s = sla(&app, &agent, &number).await;
    assert_eq!(s["resolution_met"], false);
    assert_eq!(
        due_list(&app, &agent, Some("overdue")).await,
        Vec::<String>::new()
    );
    set("ongoing").await;
    let s = sla(&app, &agent, &number).await;
    let late = s["now"].as_i64().unwrap() - s["resolution_due"].as_i64().unwrap();
    assert!((HOUR - 60_000..HOUR + 60_000).contains(&late), "{late}");
    assert_eq!(s["resolution_met"], Value::Null);
}

#[tokio::test]
async fn admins_set_targets_and_hours_and_open_tickets_follow_bad_input_stores_nothing() {
    let app = spawn_app().await;
    let dept = app.add_department("IT").await;
    let admin = app.signed_in("boss", &[Role::Admin]).await;
    let ann = app.signed_in("ann", &[Role::User]).await;
    let number = app.file_ticket(&ann, &dept, "Printer").await;
    let start = started(&app, &number).await;
    async fn stored(app: &TestApp, admin: &Client) -> Value {
        json_of(&app.call(admin, GetServiceLevels {}).await)
    }
    let before = stored(&app, &admin).await;
    assert_eq!(before["zone"], "UTC");

    // Bad targets: every field named, nothing stored.
    let mut bad = policies("2", "1", &[]);
    bad[0].1 = "0".into();
    let reply = post(&app, &admin, SaveSlaPolicies::PATH, &bad).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    for field in ["urgent_first", "high_resolution", "low_resolution"] {
        assert!(reply.body.contains(field), "{field}: {}", reply.body);
    }
    // Bad hours: an unknown zone, closing before opening, 10,000 holidays.
    let hours = |zone: &str, mon: &str, holidays: String| {
        let mut form = vec![("zone".to_string(), zone.to_string())];
        for day in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] {
            let text = if day == "mon" { mon } else { "" };
            form.push((day.to_string(), text.to_string()));
        }
        form.push(("holidays".to_string(), holidays));
        form
    };
    let ten_thousand: Vec<String> = (0..10_000)
        .map(|i| helpdesk::time::Day(20_000 + i).iso())
        .collect();
    for (form, field, says) in [
        (
            hours("Mars/Olympus", "09:00-17:00", String::new()),
            "zone",
            "IANA",
        ),
        (
            hours("UTC", "17:00-09:00", String::new()),
            "mon",
            "after its opening",
        ),
        (
            hours("UTC", "09:00-17:00", ten_thousand.join("\n")),
            "holidays",
            "at most 1000",
        ),
    ] {
        let reply = post(&app, &admin, SaveBusinessHours::PATH, &form).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.body
        );
        assert!(
            reply.body.contains(field) && reply.body.contains(says),
            "{}",
            reply.body
        );
    }
    assert_eq!(stored(&app, &admin).await, before);
    let due: (i64, i64) = sqlx::query_as(
        "SELECT first_response_due, resolution_due FROM tickets WHERE service_request_no = $1",
    )
    .bind(&number)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(due, (start + 24 * HOUR, start + 72 * HOUR));

    // New targets apply to the open ticket at once, from when it was filed.
    let reply = post(
        &app,
        &admin,
        SaveSlaPolicies::PATH,
        &policies("2", "5", &[]),
    )
    .await;
    assert_eq!(json_of(&reply), 1, "one open ticket followed");
    let s = sla(&app, &admin, &number).await;
    assert_eq!(s["first_response_due"], start + 2 * HOUR);
    assert_eq!(s["resolution_due"], start + 5 * HOUR);
    // Business hours: open only on the day after tomorrow, 00:00-01:00 UTC, so two hours
    // of them run from then on, day after day (whatever time the test runs).
    let in_two_days = helpdesk::time::Day(helpdesk::time::Day::of_ms(start).0 + 2);
    let weekday = ["thu", "fri", "sat", "sun", "mon", "tue", "wed"][(in_two_days.0 % 7) as usize];
    let mut form = hours("UTC", "", String::new());
    for (k, v) in &mut form {
        if k == weekday {
            *v = "00:00-01:00".into();
        }
    }
    let reply = post(&app, &admin, SaveBusinessHours::PATH, &form).await;
    assert_eq!(json_of(&reply), 1, "its due times are worked out again");
    let reply = post(
        &app,
        &admin,
        SaveSlaPolicies::PATH,
        &policies("2", "5", &["normal"]),
    )
    .await;
    assert_eq!(json_of(&reply), 1);
    let s = sla(&app, &admin, &number).await;
    let first_open = in_two_days.start_ms();
    assert_eq!(s["first_response_due"], first_open + 7 * 24 * HOUR + HOUR);
    let levels = stored(&app, &admin).await;
    assert_eq!(levels["policies"][2]["business_hours"], true);
}
