//! Sign-in over real HTTP against the real router.

use crate::common;
use helpdesk::auth::api::{Logout, MyAccount, SignOutEverywhere, WhoAmI};
use helpdesk::users::api::{ChangePassword, SetMyAvatar, SetUserStatus, UpdateUser};

use common::{spawn_app, spawn_app_in, spawn_app_with};
use helpdesk::users::model::{Role, UserStatus};
use leptos::server_fn::ServerFn;
use reqwest::StatusCode;

#[tokio::test]
async fn sign_in_sets_a_safe_session_cookie_and_opens_the_pages() {
    let app = spawn_app().await;
    app.add_user("ann", "ann-password", &[Role::User], UserStatus::Active)
        .await;
    let client = app.client();

    // Anonymous: every page but /login redirects there.
    for path in ["/", "/admin/users", "/admin/departments", "/no/such/page"] {
        let reply = app.get(&client, path).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(reply.location.as_deref(), Some("/login"), "{path}");
    }
    let login_page = app.get(&client, "/login").await;
    assert_eq!(login_page.status, StatusCode::OK);
    assert!(
        login_page
            .body
            .contains("<label for=\"login-username\">Username</label>")
    );

    let reply = app.login(&client, "ANN", "ann-password").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let cookie = reply
        .set_cookie
        .iter()
        .find(|c| c.starts_with("helpdesk_session="))
        .expect("session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http in tests: {cookie}");

    let home = app.get(&client, "/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.html().contains("Welcome, ann"), "{}", home.body);
    assert!(home.html().contains("Sign out"));
    // Signed in, the login page sends you home.
    assert_eq!(
        app.get(&client, "/login").await.location.as_deref(),
        Some("/")
    );

    let reply = app.call(&client, Logout {}).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        app.get(&client, "/").await.location.as_deref(),
        Some("/login")
    );
}

#[tokio::test]
async fn sign_out_ends_the_session_on_the_server_and_sign_in_starts_a_new_one() {
    let app = spawn_app().await;
    app.add_user("ann", "ann-password", &[Role::User], UserStatus::Active)
        .await;
    let client = app.client();
    let first = app.login(&client, "ann", "ann-password").await;
    let cookie = |reply: &common::Reply| {
        reply
            .set_cookie
            .iter()
            .find_map(|c| {
                c.split(';')
                    .next()
                    .filter(|c| c.starts_with("helpdesk_session="))
            })
            .map(str::to_string)
            .expect("a session cookie")
    };
    let first = cookie(&first);
    // Signing in again (as from a shared computer) replaces the session.
    let second = app.login(&client, "ann", "ann-password").await;
    let second = cookie(&second);
    assert_ne!(first, second);

    // A copy of a cookie, sent as it is: the browser forgetting it is not enough.
    let copied = |value: &str| {
        let value = value.to_string();
        let base = app.base.clone();
        async move {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap()
                .get(format!("{base}/"))
                .header("cookie", value)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(copied(&first).await, StatusCode::SEE_OTHER, "replaced");
    assert_eq!(copied(&second).await, StatusCode::OK);
    let reply = app.call(&client, Logout {}).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply.set_cookie.iter().any(|c| c.contains("Max-Age=0")),
        "{:?}",
        reply.set_cookie
    );
    assert_eq!(copied(&second).await, StatusCode::SEE_OTHER, "signed out");
}

#[tokio::test]
async fn failed_sign_ins_all_look_the_same_and_open_nothing() {
    let app = spawn_app().await;
    app.add_user("ann", "ann-password", &[Role::User], UserStatus::Active)
        .await;
    app.add_user("old", "old-password", &[Role::User], UserStatus::Inactive)
        .await;
    for (user, password) in [
        ("ann", "wrong-password"),
        ("nobody", "ann-password"),
        ("old", "old-password"),
        ("", ""),
    ] {
        let client = app.client();
        let reply = app.login(&client, user, password).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{user}");
        assert!(
            reply.body.contains("Invalid username or password."),
            "{user}: {}",
            reply.body
        );
        assert_eq!(
            app.get(&client, "/").await.location.as_deref(),
            Some("/login"),
            "{user}"
        );
    }
}

#[tokio::test]
async fn a_plain_form_post_redirects_home_or_back_with_the_error() {
    let app = spawn_app().await;
    app.add_user("ann", "ann-password", &[Role::User], UserStatus::Active)
        .await;
    let client = app.client();
    let post = |password: &'static str| {
        client
            .post(format!("{}/api/login", app.base))
            .header("accept", "text/html")
            .header("referer", format!("{}/login", app.base))
            .form(&[("username", "ann"), ("password", password)])
            .send()
    };
    let res = post("wrong-password").await.unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    let back = res.headers()["location"].to_str().unwrap();
    assert!(
        back.contains("/login?") && back.contains("__err="),
        "{back}"
    );
    let res = post("ann-password").await.unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["location"], "/");
}

#[tokio::test]
async fn sessions_survive_a_restart() {
    let app = spawn_app().await;
    app.add_user("ann", "ann-password", &[Role::User], UserStatus::Active)
        .await;
    let client = app.client();
    assert!(
        app.login(&client, "ann", "ann-password")
            .await
            .status
            .is_success()
    );
    let (dir, database) = (app.dir, app.database);
    app.pool.close().await;

    let restarted = spawn_app_in(dir, database).await;
    // Cookies ignore the port: the same jar now talks to the restarted server.
    let home = restarted.get(&client, "/").await;
    assert_eq!(home.status, StatusCode::OK, "{:?}", home.location);
    assert!(home.html().contains("Welcome, ann"));
}

#[tokio::test]
async fn deactivation_ends_an_open_session_on_the_next_request() {
    let app = spawn_app().await;
    let admin = app.signed_in("boss", &[Role::Admin]).await;
    let user = app.signed_in("ann", &[Role::User]).await;
    assert_eq!(app.get(&user, "/").await.status, StatusCode::OK);
    let ann_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'ann'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let reply = app
        .call_form::<SetUserStatus>(
            &admin,
            &[("id", &ann_id.to_string()), ("status", "inactive")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        app.get(&user, "/").await.location.as_deref(),
        Some("/login")
    );
    let me = app.call(&user, WhoAmI {}).await;
    assert_eq!(me.body, "null");
}

#[tokio::test]
async fn the_login_page_explains_how_to_create_the_first_admin() {
    let app = spawn_app().await;
    let client = app.client();
    let page = app.get(&client, "/login").await;
    assert!(
        page.body
            .contains("helpdesk create-admin --username NAME --email EMAIL")
    );
    app.add_user("boss", "boss-password", &[Role::Admin], UserStatus::Active)
        .await;
    let page = app.get(&client, "/login").await;
    assert!(!page.html().contains("helpdesk create-admin"));
}

/// Two browsers signed in as the same user, as two cookie jars.
async fn two_browsers(app: &common::TestApp, name: &str) -> (reqwest::Client, reqwest::Client) {
    let first = app.signed_in(name, &[Role::User]).await;
    let second = app.client();
    let reply = app.login(&second, name, "password-123").await;
    assert!(reply.status.is_success(), "{}", reply.body);
    (first, second)
}

async fn signed_in_here(app: &common::TestApp, client: &reqwest::Client) -> bool {
    let home = app.get(client, "/").await;
    match home.status {
        StatusCode::OK => true,
        StatusCode::SEE_OTHER => {
            assert_eq!(home.location.as_deref(), Some("/login"));
            false
        }
        other => panic!("home answered {other}"),
    }
}

#[tokio::test]
async fn changing_your_password_signs_out_your_other_browsers_only() {
    let app = spawn_app().await;
    let (here, there) = two_browsers(&app, "ann").await;
    let change = |current: &'static str, new: &'static str, again: &'static str| {
        [
            ("current_password", current),
            ("new_password", new),
            ("confirm_password", again),
        ]
    };

    // Refused, nothing changed: a wrong current password, two different new ones, a short one.
    for (form, field) in [
        (
            change("wrong-password", "new-password-1", "new-password-1"),
            "current_password",
        ),
        (
            change("password-123", "new-password-1", "new-password-2"),
            "confirm_password",
        ),
        (change("password-123", "short", "short"), "new_password"),
    ] {
        let reply = app.call_form::<ChangePassword>(&here, &form).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.body
        );
        assert!(reply.body.contains(field), "{field}: {}", reply.body);
        assert!(
            signed_in_here(&app, &there).await,
            "a refused change ends nothing"
        );
    }
    assert!(
        app.login(&app.client(), "ann", "password-123")
            .await
            .status
            .is_success()
    );

    let reply = app
        .call_form::<ChangePassword>(
            &here,
            &change("password-123", "new-password-1", "new-password-1"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(
        signed_in_here(&app, &here).await,
        "the browser that changed it stays"
    );
    assert!(
        !signed_in_here(&app, &there).await,
        "the other one is signed out"
    );
    assert!(
        !app.login(&app.client(), "ann", "password-123")
            .await
            .status
            .is_success()
    );
    assert!(
        app.login(&app.client(), "ann", "new-password-1")
            .await
            .status
            .is_success()
    );
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_session_and_my_account_counts_them() {
    let app = spawn_app().await;
    let (here, there) = two_browsers(&app, "ann").await;
    let me = app.call(&here, MyAccount {}).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    let me: serde_json::Value = serde_json::from_str(&me.body).unwrap();
    assert_eq!(me["username"], "ann");
    assert_eq!(me["sessions"], 2);

    let reply = app
        .call_form::<SetMyAvatar>(&here, &[("avatar_url", "javascript:alert(1)")])
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    let reply = app
        .call_form::<SetMyAvatar>(&here, &[("avatar_url", "https://example.com/ann.png")])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // The other browser sees it at once (what the server remembers was forgotten).
    let who = app.call(&there, WhoAmI {}).await;
    assert!(
        who.body.contains("https://example.com/ann.png"),
        "{}",
        who.body
    );

    let reply = app.call(&there, SignOutEverywhere {}).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(!signed_in_here(&app, &here).await);
    assert!(!signed_in_here(&app, &there).await);
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
    assert_eq!(
        app.call(&here, MyAccount {}).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_admin_changing_password_roles_or_status_ends_the_users_sessions() {
    let app = spawn_app().await;
    let admin = app.signed_in("boss", &[Role::Admin]).await;
    let ann = app.signed_in("ann", &[Role::User]).await;
    let ann_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'ann'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let id = ann_id.to_string();
    let edit = |email: &'static str, new_password: &'static str, admin_role: bool| {
        let mut form = vec![
            ("id", id.clone()),
            ("username", "ann".to_string()),
            ("email", email.to_string()),
            ("new_password", new_password.to_string()),
            ("avatar_url", String::new()),
            ("department_id", String::new()),
            ("role_user", "on".to_string()),
            ("status", "active".to_string()),
        ];
        if admin_role {
            form.push(("role_admin", "on".to_string()));
        }
        form
    };
    let call = |form: Vec<(&'static str, String)>| {
        let admin = admin.clone();
        let app = &app;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let reply = app.call_form::<UpdateUser>(&admin, &form).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        }
    };
    let sign_in_again = || async {
        let client = app.client();
        assert!(
            app.login(&client, "ann", "password-123")
                .await
                .status
                .is_success()
        );
        client
    };

    // Another email address: no reason to sign anyone out.
    call(edit("ann@example.org", "", false)).await;
    assert!(signed_in_here(&app, &ann).await);
    // Another role: signed out.
    call(edit("ann@example.org", "", true)).await;
    assert!(!signed_in_here(&app, &ann).await);
    let ann = sign_in_again().await;
    call(edit("ann@example.org", "", false)).await;
    assert!(!signed_in_here(&app, &ann).await, "losing a role too");
    // A new password: signed out.
    let ann = sign_in_again().await;
    call(edit("ann@example.org", "password-456", false)).await;
    assert!(!signed_in_here(&app, &ann).await);
    // Deactivated, then reactivated: the old session stays ended.
    let client = app.client();
    assert!(
        app.login(&client, "ann", "password-456")
            .await
            .status
            .is_success()
    );
    for status in ["inactive", "active"] {
        let reply = app
            .call_form::<SetUserStatus>(&admin, &[("id", &id), ("status", status)])
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    assert!(!signed_in_here(&app, &client).await);
    assert!(
        signed_in_here(&app, &admin).await,
        "the admin's own session is untouched"
    );
}

#[tokio::test]
async fn a_change_sent_from_another_site_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let ann = app.signed_in("ann", &[Role::User]).await;
    let host = app.base.trim_start_matches("http://").to_string();
    let post = |headers: Vec<(&'static str, String)>| {
        let ann = ann.clone();
        let url = format!("{}{}", app.base, SetMyAvatar::PATH);
        async move {
            let mut req = ann
                .post(url)
                .header("accept", "application/json")
                .form(&[("avatar_url", "https://example.com/x.png")]);
            for (name, value) in headers {
                req = req.header(name, value);
            }
            req.send().await.unwrap().status()
        }
    };
    let avatar = || async {
        sqlx::query_scalar::<_, Option<String>>(
            "SELECT avatar_url FROM users WHERE username = 'ann'",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };
    for refused in [
        vec![("origin", "https://evil.example".to_string())],
        vec![("origin", "null".to_string())],
        vec![("sec-fetch-site", "cross-site".to_string())],
        vec![
            ("origin", format!("http://{host}")),
            ("sec-fetch-site", "cross-site".to_string()),
        ],
    ] {
        assert_eq!(
            post(refused.clone()).await,
            StatusCode::FORBIDDEN,
            "{refused:?}"
        );
        assert_eq!(avatar().await, None, "{refused:?}");
    }
    // Signing in from another site is refused too (no session is started).
    let res = app
        .client()
        .post(format!("{}/api/login", app.base))
        .header("origin", "https://evil.example")
        .form(&[("username", "ann"), ("password", "password-123")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    for allowed in [
        vec![
            ("origin", format!("http://{host}")),
            ("sec-fetch-site", "same-origin".to_string()),
        ],
        vec![],
    ] {
        assert_eq!(post(allowed.clone()).await, StatusCode::OK, "{allowed:?}");
    }
    assert_eq!(avatar().await.as_deref(), Some("https://example.com/x.png"));
}

/// Behind a proxy that sends its own Host, the browser's Origin is the public address:
/// `--public-url` makes it ours, and only it.
#[tokio::test]
async fn the_public_address_is_accepted_as_this_sites_origin() {
    let app = spawn_app_with(&[("public_url", "https://help.example.com")]).await;
    let ann = app.signed_in("ann", &[Role::User]).await;
    let post = |origin: &'static str| {
        let req = ann
            .post(format!("{}{}", app.base, SetMyAvatar::PATH))
            .header("accept", "application/json")
            .header("origin", origin)
            .form(&[("avatar_url", "https://example.com/y.png")]);
        async move { req.send().await.unwrap().status() }
    };
    assert_eq!(post("https://evil.example").await, StatusCode::FORBIDDEN);
    assert_eq!(post("http://help.example.com").await, StatusCode::FORBIDDEN);
    assert_eq!(post("https://help.example.com").await, StatusCode::OK);
}

#[tokio::test]
async fn failed_sign_ins_past_the_allowance_get_429_with_retry_after_and_a_success_resets() {
    let app = spawn_app().await;
    app.add_user("ann", "ann-password", &[Role::User], UserStatus::Active)
        .await;
    let attempt = |password: &'static str| {
        let url = format!("{}/api/login", app.base);
        async move {
            reqwest::Client::new()
                .post(url)
                .header("accept", "application/json")
                .form(&[("username", "ann"), ("password", password)])
                .send()
                .await
                .unwrap()
        }
    };
    // Four failures, then the right password: the count starts over.
    for _ in 0..4 {
        assert_eq!(
            attempt("wrong-password").await.status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    assert_eq!(attempt("ann-password").await.status(), StatusCode::OK);
    for _ in 0..5 {
        assert_eq!(
            attempt("wrong-password").await.status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    // The allowance is spent: one more failure closes the account for a while.
    assert_eq!(
        attempt("wrong-password").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let res = attempt("ann-password").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    // What the sign-in form shows (the error crosses the wire as JSON).
    let error: helpdesk::error::AppError =
        serde_json::from_str(&res.text().await.unwrap()).unwrap();
    assert_eq!(
        error.to_string(),
        format!("Too many attempts, try again in {retry} seconds.")
    );
    // Closed means closed: not even the right password is tried, so no session starts.
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 1, "only the one sign-in that succeeded");

    // Without JavaScript the sign-in form shows why.
    let browser = app.client();
    let res = browser
        .post(format!("{}/api/login", app.base))
        .header("accept", "text/html")
        .header("referer", format!("{}/login", app.base))
        .form(&[("username", "ann"), ("password", "x")])
        .send()
        .await
        .unwrap();
    let back = res.headers()["location"].to_str().unwrap().to_string();
    let page = app.get(&browser, &back.replace(&app.base, "")).await;
    assert!(
        page.html().contains("Too many attempts, try again in"),
        "{back}"
    );
}

#[tokio::test]
async fn a_flood_of_sign_ins_is_answered_without_a_500_and_the_server_stays_up() {
    let app = spawn_app().await;
    let watcher = app.signed_in("ann", &[Role::User]).await;
    let flood: Vec<_> = (0..200)
        .map(|n| {
            let url = format!("{}/api/login", app.base);
            tokio::spawn(async move {
                reqwest::Client::new()
                    .post(url)
                    .header("accept", "application/json")
                    .form(&[
                        ("username", format!("nobody{n}")),
                        ("password", "guess-1234".into()),
                    ])
                    .send()
                    .await
                    .map(|res| res.status())
            })
        })
        .collect();
    // While it runs, the server answers the rest.
    let health = reqwest::get(format!("{}/healthz", app.base)).await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let mut seen = std::collections::BTreeMap::new();
    for reply in flood {
        let status = reply.await.unwrap().expect("every request is answered");
        *seen.entry(status.as_u16()).or_insert(0) += 1;
    }
    assert!(
        seen.keys().all(|s| [422, 429, 503].contains(s)),
        "only refusals: {seen:?}"
    );
    assert!(
        seen.contains_key(&429),
        "the address was slowed down: {seen:?}"
    );
    let me = app.call(&watcher, WhoAmI {}).await;
    assert!(me.body.contains("\"ann\""), "{}", me.body);
}
