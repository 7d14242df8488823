//! Hostile input, generated: random and malicious strings (huge, control characters,
//! right-to-left, emoji, SQL and HTML metacharacters) into every input parser, and into the
//! server functions over HTTP. Never a panic or a 5xx; a refusal is a 4xx with a message
//! and stores nothing; what is accepted is clean.

use crate::common;
use helpdesk::auth::api::Login;
use helpdesk::tickets::api::{AddComment, CreateTicket, ListTickets};
use helpdesk::users::api::SuggestUsers;

use common::{TestApp, spawn_app};
use helpdesk::{
    error::AppError,
    lists::{NamedList, api::CreateListEntry, model::EntryName},
    text::refused_char,
    tickets::model::{CommentText, DeviceNo, Subject},
    users::model::{AvatarUrl, Email, Password, Username},
};
use proptest::prelude::*;
use reqwest::Client;
use std::sync::LazyLock;

/// Strings people should never manage to store, and ordinary ones.
fn hostile() -> impl Strategy<Value = String> {
    let nasty = prop_oneof![
        Just('\0'),
        Just('\u{7}'),
        Just('\u{1b}'),
        Just('\u{85}'),
        Just('\u{202E}'),
        Just('\u{2067}'),
        Just('\u{E000}'),
        Just('\u{E001}'),
        Just('\n'),
        Just('\r'),
        Just('\t'),
        Just('<'),
        Just('>'),
        Just('\''),
        Just('"'),
        Just(';'),
        Just('%'),
        Just('&'),
        Just('😀'),
        Just('ש'),
        Just('ع'),
        Just(' '),
        any::<char>(),
    ];
    prop_oneof![
        4 => any::<String>(),
        4 => prop::collection::vec(nasty, 0..80).prop_map(|cs| cs.into_iter().collect()),
        2 => "[a-zA-Z0-9 ]{0,40}",
        1 => (0usize..3).prop_map(|n| "é".repeat([201, 10_001, 40_000][n])),
        1 => prop_oneof![
            Just("'; DROP TABLE tickets; --".to_string()),
            Just("<script>alert(1)</script>".to_string()),
            Just("\" OR 1=1 --".to_string()),
            Just("printer* OR NEAR(a b) AND \"x".to_string()),
        ],
    ]
}

/// Accepted text is trimmed, within bounds and free of refused characters.
fn clean(value: &str, multi_line: bool, max: usize) -> bool {
    value == value.trim()
        && value.chars().count() <= max
        && refused_char(value, multi_line).is_none()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn every_parser_refuses_or_returns_clean_text(s in hostile()) {
        if let Ok(v) = Subject::parse(&s) { prop_assert!(clean(v.as_str(), false, 200)); }
        if let Ok(v) = CommentText::parse(&s) { prop_assert!(clean(v.as_str(), true, 10_000)); }
        if let Ok(v) = DeviceNo::parse(&s) {
            prop_assert!(v.as_deref().is_none_or(|d| clean(d, false, 64)));
        }
        for list in NamedList::ALL {
            if let Ok(v) = EntryName::parse(list, &s) { prop_assert!(clean(v.as_str(), false, 100)); }
        }
        if let Ok(v) = Username::parse(&s) {
            prop_assert!(v.as_str().chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c)));
        }
        if let Ok(v) = Email::parse(&s) { prop_assert!(clean(v.as_str(), false, 254)); }
        if let Ok(v) = AvatarUrl::parse(&s) {
            prop_assert!(v.as_deref().is_none_or(|u| clean(u, false, 2048)));
        }
        let _ = Password::parse(&s);
    }
}

/// One server for all the generated requests (proptest's cases are synchronous).
struct Shared {
    runtime: tokio::runtime::Runtime,
    app: TestApp,
    user: Client,
    admin: Client,
    dept: String,
    ticket: String,
}

static SHARED: LazyLock<Shared> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (app, user, admin, dept, ticket) = runtime.block_on(async {
        let app = spawn_app().await;
        let admin = app
            .signed_in("boss", &[helpdesk::users::model::Role::Admin])
            .await;
        let user = app
            .signed_in("ann", &[helpdesk::users::model::Role::User])
            .await;
        let dept = app.add_department("IT").await;
        let reply = app
            .call_form::<CreateTicket>(
                &user,
                &[
                    ("request_type_id", "1"),
                    ("department_id", &dept),
                    ("subject", "Hostile comments go here"),
                    ("description", "Start"),
                    ("device_no", ""),
                ],
            )
            .await;
        let ticket: String = serde_json::from_str(&reply.body).unwrap();
        (app, user, admin, dept, ticket)
    });
    Shared {
        runtime,
        app,
        user,
        admin,
        dept,
        ticket,
    }
});

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// A refusal must be a 4xx whose body is an error with a message; a success a 2xx.
fn answer_ok(reply: &common::Reply) -> Result<bool, String> {
    if reply.status.is_server_error() {
        return Err(format!("{}: {}", reply.status, reply.body));
    }
    if reply.status.is_success() {
        return Ok(true);
    }
    match serde_json::from_str::<AppError>(&reply.body) {
        Ok(error) if !error.to_string().is_empty() => Ok(false),
        // Refused before the server function (a body over 1 MiB): the layer's own words.
        Err(_)
            if reply.status == reqwest::StatusCode::PAYLOAD_TOO_LARGE && !reply.body.is_empty() =>
        {
            Ok(false)
        }
        _ => Err(format!(
            "{} without a message: {:.200}",
            reply.status, reply.body
        )),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn server_functions_answer_hostile_input_with_a_4xx_and_store_nothing(
        subject in hostile(), text in hostile(), device in hostile(), name in hostile()
    ) {
        let s = &*SHARED;
        let result: Result<(), String> = s.runtime.block_on(async {
            let app = &s.app;
            let tickets = count(app, "tickets").await;
            let reply = app.call_form::<CreateTicket>(&s.user, &[
                ("request_type_id", "1"), ("department_id", &s.dept), ("subject", &subject),
                ("description", &text), ("device_no", &device),
            ]).await;
            let stored = answer_ok(&reply)?;
            let expected_stored = Subject::parse(&subject).is_ok()
                && CommentText::parse(&text).is_ok()
                && DeviceNo::parse(&device).is_ok();
            if stored != expected_stored || count(app, "tickets").await != tickets + stored as i64 {
                return Err(format!("create_ticket stored={stored}, parsers say {expected_stored}"));
            }

            let comments = count(app, "ticket_comments").await;
            let reply = app.call_form::<AddComment>(&s.user, &[
                ("service_request_no", &s.ticket), ("comment_text", &text), ("device_no", &device),
            ]).await;
            let stored = answer_ok(&reply)?;
            if count(app, "ticket_comments").await != comments + stored as i64 {
                return Err("add_comment stored something it refused".into());
            }

            let departments = count(app, "departments").await;
            let reply = app.call(&s.admin, CreateListEntry { list: NamedList::Departments, name: name.clone() }).await;
            let stored = answer_ok(&reply)?;
            if count(app, "departments").await != departments + stored as i64 {
                return Err("create_list_entry stored something it refused".into());
            }

            let reply = app.call_json_value::<ListTickets>(&s.admin, serde_json::json!({
                "filter": { "requested_by": null, "requester": name, "statuses": [],
                            "department_id": null, "request_type_id": null, "text": text,
                            "oldest_first": false },
                "page": "First"
            })).await;
            answer_ok(&reply)?;
            let reply = app.call_form::<SuggestUsers>(&s.admin, &[("prefix", &name)]).await;
            answer_ok(&reply)?;
            let reply = app.call_form::<Login>(&s.user, &[("username", &name), ("password", &text)]).await;
            if reply.status.is_server_error() {
                return Err(format!("login: {}", reply.status));
            }
            Ok(())
        });
        prop_assert!(result.is_ok(), "{}", result.unwrap_err());
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413_before_anything_runs() {
    let app = spawn_app().await;
    let ann = app
        .signed_in("ann", &[helpdesk::users::model::Role::User])
        .await;
    let huge = "x".repeat(2 * 1024 * 1024);
    let reply = app
        .call_form::<CreateTicket>(
            &ann,
            &[
                ("request_type_id", "1"),
                ("department_id", "1"),
                ("subject", "Huge"),
                ("description", &huge),
                ("device_no", ""),
            ],
        )
        .await;
    assert_eq!(reply.status, reqwest::StatusCode::PAYLOAD_TOO_LARGE);
    assert!(!reply.body.is_empty());
    assert_eq!(count(&app, "tickets").await, 0);
}
