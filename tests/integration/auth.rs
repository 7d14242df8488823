//! Sign-in over real HTTP against the real router.

use crate::common;

use common::{spawn_app, spawn_app_in};
use helpdesk::users::model::{Role, UserStatus};
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

    let reply = app.call(&client, "logout", &[]).await;
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
    let reply = app.call(&client, "logout", &[]).await;
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
    let dir = app.dir;
    app.pool.close().await;

    let restarted = spawn_app_in(dir).await;
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
        .call(
            &admin,
            "set_user_status",
            &[("id", &ann_id.to_string()), ("status", "inactive")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        app.get(&user, "/").await.location.as_deref(),
        Some("/login")
    );
    let me = app.call(&user, "who_am_i", &[]).await;
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
