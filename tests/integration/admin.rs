//! Every admin server function, called over HTTP by an anonymous visitor, a user, a
//! deactivated user and an admin; and the admin flows end to end through the API.

use crate::common;

use common::{TestApp, spawn_app};
use helpdesk::{
    lists::{
        NamedList,
        api::{CreateListEntry, DeleteListEntry, ListEntries, RenameListEntry},
    },
    users::{
        api::{CreateUser, GetUser, ListUsers, SetUserStatus, UpdateUser},
        model::{Role, UserStatus},
    },
};
use leptos::server_fn::ServerFn;
use reqwest::{Client, StatusCode};

/// Each admin server function (its path) with arguments that would succeed for an admin.
fn admin_calls(dept_id: &str, user_id: &str) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let departments = || ("list", "departments".to_string());
    let request_types = || ("list", "request_types".to_string());
    vec![
        (ListEntries::PATH, vec![departments()]),
        (
            CreateListEntry::PATH,
            vec![departments(), ("name", "Legal".into())],
        ),
        (
            RenameListEntry::PATH,
            vec![
                departments(),
                ("id", dept_id.into()),
                ("name", "Finance & Tax".into()),
            ],
        ),
        (ListUsers::PATH, vec![]),
        (GetUser::PATH, vec![("id", user_id.into())]),
        (
            CreateUser::PATH,
            vec![
                ("username", "newbie".into()),
                ("email", "newbie@example.com".into()),
                ("password", "newbie-password".into()),
                ("avatar_url", "".into()),
                ("department_id", "".into()),
                ("role_user", "on".into()),
                ("status", "active".into()),
            ],
        ),
        (
            UpdateUser::PATH,
            vec![
                ("id", user_id.into()),
                ("username", "target".into()),
                ("email", "target@example.com".into()),
                ("new_password", "".into()),
                ("avatar_url", "https://example.com/t.png".into()),
                ("department_id", dept_id.into()),
                ("role_user", "on".into()),
                ("status", "active".into()),
            ],
        ),
        (
            SetUserStatus::PATH,
            vec![("id", user_id.into()), ("status", "active".into())],
        ),
        (ListEntries::PATH, vec![request_types()]),
        (
            CreateListEntry::PATH,
            vec![request_types(), ("name", "Printing".into())],
        ),
        (
            RenameListEntry::PATH,
            vec![
                request_types(),
                ("id", "5".into()),
                ("name", "Something else".into()),
            ],
        ),
        (
            DeleteListEntry::PATH,
            vec![request_types(), ("id", "999999".into())],
        ),
        (
            DeleteListEntry::PATH,
            vec![departments(), ("id", "999999".into())],
        ),
    ]
}

async fn call(
    app: &TestApp,
    client: &Client,
    path: &str,
    args: &[(&'static str, String)],
) -> common::Reply {
    let form: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.call_at(client, path, &form).await
}

async fn fixture(app: &TestApp) -> (String, String) {
    let dept: i64 = sqlx::query_scalar(
        "INSERT INTO departments (name, created_at) VALUES ('Finance', 0) RETURNING id",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let user = app
        .add_user(
            "target",
            "target-password",
            &[Role::User],
            UserStatus::Active,
        )
        .await;
    (dept.to_string(), user.to_string())
}

async fn row_counts(app: &TestApp) -> (i64, i64) {
    let users = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let depts = sqlx::query_scalar("SELECT COUNT(*) FROM departments")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    (users, depts)
}

#[tokio::test]
async fn only_active_admins_may_call_admin_functions() {
    let app = spawn_app().await;
    let (dept, user) = fixture(&app).await;
    let anonymous = app.client();
    let plain_user = app.signed_in("plain", &[Role::User]).await;
    // Signed in, then deactivated by someone else.
    let deactivated = app.signed_in("gone", &[Role::Admin, Role::User]).await;
    sqlx::query("UPDATE users SET status = 'inactive' WHERE username = 'gone'")
        .execute(&app.pool)
        .await
        .unwrap();
    let before = row_counts(&app).await;

    for (name, args) in admin_calls(&dept, &user) {
        let reply = call(&app, &anonymous, name, &args).await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "anonymous {name}: {}",
            reply.body
        );
        assert!(
            reply.body.contains("Unauthenticated"),
            "{name}: {}",
            reply.body
        );

        let reply = call(&app, &plain_user, name, &args).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "user {name}: {}",
            reply.body
        );
        assert!(reply.body.contains("Forbidden"), "{name}: {}", reply.body);

        let reply = call(&app, &deactivated, name, &args).await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "inactive {name}: {}",
            reply.body
        );
    }
    assert_eq!(
        row_counts(&app).await,
        before,
        "refused calls stored nothing"
    );
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM departments")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(names, ["Finance"]);
    let types: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM request_types")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(types, 5, "only the seeded request types");

    let admin = app.signed_in("boss", &[Role::Admin]).await;
    for (name, args) in admin_calls(&dept, &user) {
        let reply = call(&app, &admin, name, &args).await;
        let expected = if name.contains("/delete_") {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::OK
        };
        assert_eq!(reply.status, expected, "admin {name}: {}", reply.body);
    }
    let target: (String, Option<i64>, Option<String>) = sqlx::query_as(
        "SELECT email, department_id, avatar_url FROM users WHERE username = 'target'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(target.0, "target@example.com");
    assert_eq!(target.1.map(|d| d.to_string()), Some(dept.clone()));
    assert_eq!(target.2.as_deref(), Some("https://example.com/t.png"));
}

#[tokio::test]
async fn a_non_admin_sees_a_not_allowed_page_without_data() {
    let app = spawn_app().await;
    fixture(&app).await;
    let user = app.signed_in("plain", &[Role::User]).await;
    for path in ["/admin/users", "/admin/departments"] {
        let page = app.get(&user, path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.html().contains("Not allowed"), "{path}");
        assert!(!page.html().contains("target@example.com"), "{path}");
        assert!(!page.html().contains("Finance"), "{path}");
    }
    let admin = app.signed_in("boss", &[Role::Admin]).await;
    let page = app.get(&admin, "/admin/users").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html().contains("target@example.com"));
}

#[tokio::test]
async fn user_form_errors_are_reported_per_field_and_store_nothing() {
    let app = spawn_app().await;
    fixture(&app).await;
    let admin = app.signed_in("boss", &[Role::Admin]).await;
    let before = row_counts(&app).await;
    let reply = app
        .call_form::<CreateUser>(
            &admin,
            &[
                ("username", "x"),
                ("email", "nope"),
                ("password", "short"),
                ("avatar_url", "ftp://a/b.png"),
                ("department_id", "abc"),
                ("status", "sleeping"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in [
        "username",
        "email",
        "password",
        "avatar_url",
        "department_id",
        "role_admin",
        "status",
    ] {
        assert!(
            reply.body.contains(&format!("\"field\":\"{field}\"")),
            "{field} missing: {}",
            reply.body
        );
    }
    // Taken username and email.
    let reply = app
        .call_form::<CreateUser>(
            &admin,
            &[
                ("username", "Target"),
                ("email", "new@example.com"),
                ("password", "long-enough"),
                ("avatar_url", ""),
                ("department_id", ""),
                ("role_user", "on"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert!(reply.body.contains("That username is already taken."));
    assert_eq!(row_counts(&app).await, before);
}

#[tokio::test]
async fn departments_in_use_and_duplicates_are_refused_with_a_reason() {
    let app = spawn_app().await;
    let (dept, user) = fixture(&app).await;
    let admin = app.signed_in("boss", &[Role::Admin]).await;
    sqlx::query(
        "UPDATE users SET department_id = CAST($1 AS BIGINT) WHERE id = CAST($2 AS BIGINT)",
    )
    .bind(&dept)
    .bind(&user)
    .execute(&app.pool)
    .await
    .unwrap();
    let reply = app
        .call(
            &admin,
            DeleteListEntry {
                list: NamedList::Departments,
                id: dept.parse().unwrap(),
            },
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert!(
        reply
            .body
            .contains("cannot be deleted while 1 user and 0 tickets belong to it"),
        "{}",
        reply.body
    );
    let department = |name: &str| CreateListEntry {
        list: NamedList::Departments,
        name: name.into(),
    };
    let reply = app.call(&admin, department(" finance ")).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    let long = "x".repeat(101);
    let reply = app.call(&admin, department(&long)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(row_counts(&app).await.1, 1);
}

#[tokio::test]
async fn the_last_admin_cannot_step_down() {
    let app = spawn_app().await;
    let admin = app.signed_in("boss", &[Role::Admin, Role::User]).await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'boss'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let id = id.to_string();
    let reply = app
        .call_form::<SetUserStatus>(&admin, &[("id", &id), ("status", "inactive")])
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("last active admin"));
    let demote = [
        ("id", id.as_str()),
        ("username", "boss"),
        ("email", "boss@example.com"),
        ("new_password", ""),
        ("avatar_url", ""),
        ("department_id", ""),
        ("role_user", "on"),
        ("status", "active"),
    ];
    let reply = app.call_form::<UpdateUser>(&admin, &demote).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Still an admin: the next admin call works.
    assert_eq!(app.call(&admin, ListUsers {}).await.status, StatusCode::OK);
}

/// Each list's page posts plain forms naming their list: they work without JavaScript, and
/// a list that does not exist is refused before anything runs.
#[tokio::test]
async fn named_lists_take_plain_form_posts_and_refuse_an_unknown_list() {
    let app = spawn_app().await;
    let admin = app.signed_in("boss", &[Role::Admin]).await;
    let reply = app
        .post_form::<CreateListEntry>(&admin, &[("list", "request_types"), ("name", "Printing")])
        .await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    let reply = app
        .post_form::<CreateListEntry>(&admin, &[("list", "departments"), ("name", "Printing")])
        .await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    let reply = app
        .call_form::<CreateListEntry>(&admin, &[("list", "users"), ("name", "Printing")])
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let printing: (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM request_types WHERE name = 'Printing'),
                (SELECT COUNT(*) FROM departments WHERE name = 'Printing')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(printing, (1, 1));
    let page = app.get(&admin, "/admin/request-types").await;
    assert!(page.html().contains("Printing"));
    assert!(page.html().contains("What people can ask for"));
}

/// The user form makes an agent (staff who work tickets), and takes the role away again;
/// the agent sees the admin pages as anyone who is not an admin does.
#[tokio::test]
async fn the_user_form_makes_and_unmakes_an_agent() {
    let app = spawn_app().await;
    let admin = app.signed_in("boss", &[Role::Admin]).await;
    let form = |roles: &[(&'static str, &'static str)]| {
        let mut form = vec![
            ("username", "aga"),
            ("email", "aga@example.com"),
            ("password", "agent-password"),
            ("avatar_url", ""),
            ("department_id", ""),
            ("status", "active"),
        ];
        form.extend_from_slice(roles);
        form
    };
    let made = app
        .call_form::<CreateUser>(&admin, &form(&[("role_agent", "on"), ("role_user", "on")]))
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let roles = || async {
        sqlx::query_scalar::<_, String>(
            "SELECT r.role FROM user_roles r JOIN users u ON u.id = r.user_id
              WHERE u.username = 'aga' ORDER BY r.role",
        )
        .fetch_all(&app.pool)
        .await
        .unwrap()
    };
    assert_eq!(roles().await, ["agent", "user"]);

    let agent = app.client();
    assert!(
        app.login(&agent, "aga", "agent-password")
            .await
            .status
            .is_success()
    );
    let page = app.get(&agent, "/admin/users").await;
    assert!(page.html().contains("Not allowed"), "{}", page.html());
    let home = app.get(&agent, "/").await.html();
    assert!(
        home.contains("All tickets") && !home.contains("Administration"),
        "{home}"
    );

    let id = app.user_id("aga").await;
    let mut edit = form(&[("role_user", "on")]);
    edit.retain(|(k, _)| *k != "password");
    edit.extend([("id", id.as_str()), ("new_password", "")]);
    let reply = app.call_form::<UpdateUser>(&admin, &edit).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(roles().await, ["user"]);
}
