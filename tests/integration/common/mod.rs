//! Boots the real router on a free port with a fresh database, and talks to it over HTTP.

pub mod imap;
pub mod panics;
pub mod process;
pub mod sink;

use helpdesk::base::db::{Pool, test_database};
use helpdesk::{
    auth::{api::Login, password},
    server::{
        Config,
        config::{Given, Source},
        router::{router, state},
    },
    users::{
        api::SetUserStatus,
        db::{self, UserInput},
        model::{AvatarUrl, Email, Role, UserStatus, Username},
    },
};
use leptos::server_fn::ServerFn;
use reqwest::{Client, StatusCode, redirect::Policy};
use serde::Serialize;
use tempfile::TempDir;

pub struct TestApp {
    pub base: String,
    pub pool: Pool,
    pub dir: TempDir,
    /// The PostgreSQL database (None: the SQLite file in `dir`).
    pub database: Option<String>,
    /// The mail sender, when the test gave smtp_url (tests run its rounds themselves).
    pub mail: helpdesk::mail::mailer::Mail,
    /// Fails the test if the server panicked (checked when the app is dropped).
    _panics: panics::Guard,
}

pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = test_database().await.expect("the test PostgreSQL server");
    spawn_app_in(dir, database.map(|d| d.url().to_string())).await
}

/// A server with these settings given as flags (key, value), on a fresh database.
pub async fn spawn_app_with(settings: &[(&'static str, &str)]) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = test_database().await.expect("the test PostgreSQL server");
    spawn_app_configured(dir, database.map(|d| d.url().to_string()), settings).await
}

/// Boots a server on the database in `dir` or `database` (a second server on the same
/// one is a restart).
pub async fn spawn_app_in(dir: TempDir, database: Option<String>) -> TestApp {
    spawn_app_configured(dir, database, &[]).await
}

async fn spawn_app_configured(
    dir: TempDir,
    database: Option<String>,
    settings: &[(&'static str, &str)],
) -> TestApp {
    // Server logs when RUST_LOG asks for them (e.g. RUST_LOG=debug cargo test ...).
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
    }
    let mut given = Given::default();
    for (key, value) in settings {
        given.set(key, *value, Source::Flag);
    }
    given.set("listen", "127.0.0.1:0", Source::Flag);
    given.set("data_dir", dir.path().display().to_string(), Source::Flag);
    if let Some(url) = &database {
        given.set("database_url", url.as_str(), Source::Flag);
    }
    let panics = panics::Guard::new();
    let config = Config::resolve(&given).expect("config");
    let state = state(config).await.expect("state");
    let pool = state.pool.clone();
    let mail = state.mail.clone();
    let app = router(state).await.expect("router");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    // The server's own accept loop, as `helpdesk serve` runs it.
    tokio::spawn(helpdesk::server::cli::accept_loop(
        listener,
        app,
        std::future::pending(),
    ));
    TestApp {
        base,
        pool,
        dir,
        database,
        mail,
        _panics: panics,
    }
}

/// A client that meets the server as a browser does: it keeps cookies and asks for
/// compressed answers (`Accept-Encoding: gzip, deflate, br`, decoded on arrival). Without
/// that a test takes a path no browser takes: the CSV export was tested only uncompressed
/// and failed in every browser (issue 21).
pub fn browser() -> reqwest::ClientBuilder {
    Client::builder()
        .cookie_store(true)
        .gzip(true)
        .deflate(true)
        .brotli(true)
}

pub struct Reply {
    pub status: StatusCode,
    pub body: String,
    pub location: Option<String>,
    pub set_cookie: Vec<String>,
}

impl Reply {
    /// The body without Leptos' hydration markers (`<!>`, `<!--...-->`), for text checks.
    pub fn html(&self) -> String {
        let mut out = self.body.replace("<!>", "");
        while let Some(start) = out.find("<!--") {
            match out[start..].find("-->") {
                Some(end) => out.replace_range(start..start + end + 3, ""),
                None => break,
            }
        }
        out
    }
}

impl TestApp {
    /// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
    pub fn client(&self) -> Client {
        browser().redirect(Policy::none()).build().unwrap()
    }

    pub async fn add_user(
        &self,
        name: &str,
        password: &str,
        roles: &[Role],
        status: UserStatus,
    ) -> i64 {
        let input = UserInput {
            username: Username::parse(name).unwrap(),
            email: Email::parse(&format!("{name}@example.com")).unwrap(),
            avatar: AvatarUrl::parse("").unwrap(),
            department_id: None,
            roles: roles.to_vec(),
            status,
        };
        let hash = password::hash_blocking(password).unwrap();
        db::create(&self.pool, &input, &hash).await.unwrap().id
    }

    pub async fn reply(res: reqwest::Response) -> Reply {
        let status = res.status();
        let location = res
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string());
        let set_cookie = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        Reply {
            status,
            body: res.text().await.unwrap(),
            location,
            set_cookie,
        }
    }

    /// Calls server function `F` with its own arguments, form-encoded as its client sends
    /// them (JSON back).
    pub async fn call<F: ServerFn + Serialize>(&self, client: &Client, args: F) -> Reply {
        let body = serde_qs::to_string(&args).expect("arguments encode");
        let req = self.post(client, F::PATH);
        Self::send(
            req.header("content-type", "application/x-www-form-urlencoded")
                .body(body),
        )
        .await
    }

    /// Calls server function `F` with a form made by hand: for input its argument types
    /// cannot hold (text where it takes a number, a field left out).
    pub async fn call_form<F: ServerFn>(&self, client: &Client, form: &[(&str, &str)]) -> Reply {
        self.call_at(client, F::PATH, form).await
    }

    /// `call_form` for tables of calls: `path` is a function's own `ServerFn::PATH`.
    pub async fn call_at(&self, client: &Client, path: &str, form: &[(&str, &str)]) -> Reply {
        Self::send(self.post(client, path).form(form)).await
    }

    /// Calls server function `F`, which takes JSON (the ticket list's filters are nested).
    pub async fn call_json<F: ServerFn + Serialize>(&self, client: &Client, args: F) -> Reply {
        Self::send(self.post(client, F::PATH).json(&args)).await
    }

    /// Calls server function `F` with a JSON body made by hand.
    pub async fn call_json_value<F: ServerFn>(
        &self,
        client: &Client,
        body: serde_json::Value,
    ) -> Reply {
        Self::send(self.post(client, F::PATH).json(&body)).await
    }

    fn post(&self, client: &Client, path: &str) -> reqwest::RequestBuilder {
        client
            .post(format!("{}{path}", self.base))
            .header("accept", "application/json")
    }

    async fn send(req: reqwest::RequestBuilder) -> Reply {
        Self::reply(req.send().await.unwrap()).await
    }

    /// A department made directly in the database; its id, as a form sends it.
    pub async fn add_department(&self, name: &str) -> String {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO departments (name, created_at) VALUES ($1, 0) RETURNING id",
        )
        .bind(name)
        .fetch_one(&self.pool)
        .await
        .unwrap();
        id.to_string()
    }

    /// The id of user `username`, as a form sends it.
    pub async fn user_id(&self, username: &str) -> String {
        let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(username)
            .fetch_one(&self.pool)
            .await
            .unwrap();
        id.to_string()
    }

    /// Deactivates `username` as an admin does, through the app (which is what makes it
    /// bite on that user's very next request: the app forgets the sessions it remembers).
    pub async fn deactivate(&self, admin: &Client, username: &str) {
        let id = self.user_id(username).await;
        let reply = self
            .call_form::<SetUserStatus>(admin, &[("id", &id), ("status", "inactive")])
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }

    /// Files a ticket as `client` in department `dept` (request type 1); its number.
    pub async fn file_ticket(&self, client: &Client, dept: &str, subject: &str) -> String {
        let reply = self
            .call_form::<helpdesk::tickets::api::CreateTicket>(
                client,
                &[
                    ("request_type_id", "1"),
                    ("department_id", dept),
                    ("subject", subject),
                    ("description", "Please have a look."),
                    ("device_no", ""),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        serde_json::from_str(&reply.body).unwrap()
    }

    /// A plain HTML form post, as a browser without JavaScript sends it.
    pub async fn post_form<F: ServerFn>(&self, client: &Client, form: &[(&str, &str)]) -> Reply {
        let res = client
            .post(format!("{}{}", self.base, F::PATH))
            .header("accept", "text/html")
            .header("referer", format!("{}/tickets/new", self.base))
            .form(form)
            .send()
            .await
            .unwrap();
        Self::reply(res).await
    }

    pub async fn get(&self, client: &Client, path: &str) -> Reply {
        let res = client
            .get(format!("{}{path}", self.base))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        Self::reply(res).await
    }

    pub async fn login(&self, client: &Client, username: &str, password: &str) -> Reply {
        self.call(
            client,
            Login {
                username: username.into(),
                password: password.into(),
            },
        )
        .await
    }

    /// A client already signed in as a new user with these roles.
    pub async fn signed_in(&self, name: &str, roles: &[Role]) -> Client {
        self.add_user(name, "password-123", roles, UserStatus::Active)
            .await;
        let client = self.client();
        let reply = self.login(&client, name, "password-123").await;
        assert!(reply.status.is_success(), "login of {name}: {}", reply.body);
        client
    }
}
