//! The live-update stream over real HTTP: each user's stream carries only the tickets that
//! user may see, and a deactivated user's stream ends.

use crate::common;
use helpdesk::auth::api::SignOutEverywhere;
use helpdesk::tickets::api::{AddComment, SetTicketStatus};

use common::{TestApp, spawn_app};
use helpdesk::users::model::Role;
use reqwest::{Client, StatusCode};
use std::time::Duration;

/// One browser's event stream, read as the server writes it.
pub(crate) struct Stream {
    res: reqwest::Response,
    buffer: String,
}

impl Stream {
    pub(crate) async fn open(app: &TestApp, client: &Client) -> Stream {
        let res = client
            .get(format!("{}/api/events", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let header = |name: &str| res.headers().get(name).and_then(|v| v.to_str().ok());
        assert_eq!(header("content-type"), Some("text/event-stream"));
        assert_eq!(header("cache-control"), Some("no-cache"));
        // Neither nginx (buffering) nor the compression layer may hold events back.
        assert_eq!(header("x-accel-buffering"), Some("no"));
        assert_eq!(header("content-encoding"), None);
        let mut stream = Stream {
            res,
            buffer: String::new(),
        };
        assert_eq!(stream.next().await.unwrap().0, "ready");
        stream
    }

    /// The next event as (name, data); None when the server closed the stream. A guard,
    /// not a wait: every event a test expects is already on its way.
    pub(crate) async fn next(&mut self) -> Option<(String, String)> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let field = |name: &str| {
                    block
                        .lines()
                        .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
                };
                // As in a browser: a block without data (a heartbeat comment, or an event with
                // empty data) dispatches nothing.
                match (field("event:"), field("data:").filter(|d| !d.is_empty())) {
                    (Some(event), Some(data)) => return Some((event, data)),
                    _ => continue,
                }
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.res.chunk())
                .await
                .unwrap_or_else(|_| panic!("the stream went quiet; unread: {:?}", self.buffer))
                .ok()??;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Ticket events up to and including the first one about `number`.
    pub(crate) async fn until(&mut self, number: &str) -> Vec<String> {
        let mut seen = Vec::new();
        while let Some((event, data)) = self.next().await {
            if event == "ticket" {
                let change: serde_json::Value = serde_json::from_str(&data).unwrap();
                let line = format!(
                    "{} {}",
                    change["service_request_no"].as_str().unwrap(),
                    change["kind"].as_str().unwrap()
                );
                let done = line.starts_with(number);
                seen.push(line);
                if done {
                    return seen;
                }
            }
        }
        panic!("stream ended before {number}: {seen:?}");
    }
}

async fn file(app: &TestApp, client: &Client, dept: &str) -> String {
    app.file_ticket(client, dept, "Live").await
}

#[tokio::test]
async fn each_stream_carries_only_what_its_user_may_see() {
    let app = spawn_app().await;
    let dept = app.add_department("IT").await;
    let admin = app.signed_in("boss", &[Role::Admin]).await;
    let ann = app.signed_in("ann", &[Role::User]).await;
    let bob = app.signed_in("bob", &[Role::User]).await;
    let agent = app.signed_in("agent", &[Role::Agent]).await;
    let anonymous = app.client();
    let res = anonymous
        .get(format!("{}/api/events", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let mut admin_stream = Stream::open(&app, &admin).await;
    let mut ann_stream = Stream::open(&app, &ann).await;
    let mut bob_stream = Stream::open(&app, &bob).await;
    let mut agent_stream = Stream::open(&app, &agent).await;

    let anns = file(&app, &ann, &dept).await;
    let reply = app
        .call_form::<AddComment>(
            &admin,
            &[
                ("service_request_no", &anns),
                ("comment_text", "Seen"),
                ("device_no", ""),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = app
        .call_form::<SetTicketStatus>(
            &admin,
            &[("service_request_no", &anns), ("status", "ongoing")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    // Bob's own ticket comes after all of Ann's changes: when his stream shows it, anything
    // about Ann's ticket would have come before it.
    let bobs = file(&app, &bob, &dept).await;

    assert_eq!(
        admin_stream.until(&bobs).await,
        [
            format!("{anns} created"),
            format!("{anns} comment"),
            format!("{anns} status"),
            format!("{bobs} created"),
        ]
    );
    // An agent (staff) hears every ticket, as an admin does.
    assert_eq!(
        agent_stream.until(&bobs).await,
        [
            format!("{anns} created"),
            format!("{anns} comment"),
            format!("{anns} status"),
            format!("{bobs} created"),
        ]
    );
    assert_eq!(ann_stream.until(&anns).await, [format!("{anns} created")]);
    assert_eq!(
        bob_stream.until(&bobs).await,
        [format!("{bobs} created")],
        "nothing of Ann's"
    );

    // Deactivated: the next change Bob would have seen closes his stream instead.
    app.deactivate(&admin, "bob").await;
    let reply = app
        .call_form::<AddComment>(
            &admin,
            &[
                ("service_request_no", &bobs),
                ("comment_text", "Bye"),
                ("device_no", ""),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(bob_stream.next().await, None, "the stream ended");
    assert_eq!(admin_stream.until(&bobs).await, [format!("{bobs} comment")]);
}

#[tokio::test]
async fn a_stream_ends_as_soon_as_its_session_does() {
    let app = spawn_app().await;
    let ann = app.signed_in("ann", &[Role::User]).await;
    let elsewhere = app.client();
    assert!(
        app.login(&elsewhere, "ann", "password-123")
            .await
            .status
            .is_success()
    );
    let mut stream = Stream::open(&app, &ann).await;
    let reply = app.call(&elsewhere, SignOutEverywhere {}).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // Closed now, not at the next heartbeat (15 s, beyond `next`'s 10 s guard).
    assert_eq!(stream.next().await, None);
}

#[tokio::test]
async fn a_user_may_hold_eight_streams_and_the_ninth_is_refused() {
    let app = spawn_app().await;
    let ann = app.signed_in("ann", &[Role::User]).await;
    let bob = app.signed_in("bob", &[Role::User]).await;
    let mut open = Vec::new();
    for _ in 0..8 {
        open.push(Stream::open(&app, &ann).await);
    }
    let ninth = ann
        .get(format!("{}/api/events", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ninth.status(), StatusCode::TOO_MANY_REQUESTS);
    // Someone else's streams are their own.
    Stream::open(&app, &bob).await;
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    let address = app.base.trim_start_matches("http://").to_string();
    let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
    socket
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: slow\r\nX-Still-Typing: ")
        .await
        .unwrap();
    // The server closes it (hyper's header-read timeout is 30 s); the guard is generous.
    let mut buffer = [0u8; 256];
    let read = tokio::time::timeout(Duration::from_secs(45), socket.read(&mut buffer))
        .await
        .expect("the connection was still open after 45 s");
    match read {
        Ok(n) => {
            let answer = String::from_utf8_lossy(&buffer[..n]).to_string();
            assert!(n == 0 || answer.starts_with("HTTP/1.1 408"), "{answer}");
        }
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
    }
}
