//! Several app servers on one PostgreSQL database (issue 14), and the commands as an
//! operator runs them there. These need `HELPDESK_TEST_POSTGRES` (a server's URL):
//! `make test` runs them on a throwaway cluster (scripts/test-postgres.sh); without it
//! they fail rather than pass unseen.

use crate::common::process::{self, text};
use helpdesk::{
    auth::api::Login,
    base::db::{Database, test_database},
    lists::api::CreateListEntry,
    tickets::api::{AddComment, CreateTicket},
};
use leptos::server_fn::ServerFn;
use std::time::{Duration, Instant};

/// A fresh database of its own on the test server.
async fn database() -> Database {
    test_database()
        .await
        .expect("the test PostgreSQL server")
        .expect("HELPDESK_TEST_POSTGRES names the PostgreSQL server to test on (make test sets it)")
}

/// A client that keeps cookies: cookies ignore the port, so one signed in on one server
/// sends its session to the others.
fn browser() -> reqwest::Client {
    crate::common::browser()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn call(
    client: &reqwest::Client,
    server: &process::Server,
    path: &str,
    form: &[(&str, &str)],
) -> String {
    let res = client
        .post(format!("{}{path}", server.base()))
        .header("accept", "application/json")
        .form(form)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body = res.text().await.unwrap();
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

/// Reads `stream` into `heard` until it holds `what`; how long that took.
async fn hear(stream: &mut reqwest::Response, heard: &mut String, what: &str) -> Duration {
    let started = Instant::now();
    while !heard.contains(what) {
        let chunk = tokio::time::timeout(Duration::from_secs(5), stream.chunk())
            .await
            .expect("an event on B's stream")
            .unwrap()
            .expect("B's stream is open");
        heard.push_str(&String::from_utf8_lossy(&chunk));
    }
    started.elapsed()
}

/// Two `helpdesk serve` processes started together on one new database (one migrates, the
/// other waits for it): a session started on one works on the other, a comment posted
/// through one reaches a live stream held on the other within 250 ms, and 50 tickets filed
/// at once through both get 50 different numbers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_app_servers_share_sessions_live_updates_and_numbers() {
    let database = database().await;
    let url = database.url();
    let bin = process::debug_bin();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| process::start(&bin, dir_a.path(), &["--database-url", url], &[]));
        let b = s.spawn(|| process::start(&bin, dir_b.path(), &["--database-url", url], &[]));
        (a.join().unwrap(), b.join().unwrap())
    });
    let settings = ["--database-url", url];
    process::create_admin_with(&bin, dir_a.path(), &settings, "root", "a-long-password");

    // Signed in through A, known to B.
    let client = browser();
    call(
        &client,
        &a,
        Login::PATH,
        &[("username", "root"), ("password", "a-long-password")],
    )
    .await;
    let page = client
        .get(format!("{}/account", b.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "B does not know A's session");
    assert!(page.text().await.unwrap().contains("root@example.com"));

    // A live stream on B hears a ticket filed and a comment posted through A.
    let mut stream = b.live_stream(&client).await;
    let dept: serde_json::Value = serde_json::from_str(
        &call(
            &client,
            &b,
            CreateListEntry::PATH,
            &[("list", "departments"), ("name", "IT")],
        )
        .await,
    )
    .unwrap();
    let dept = dept["id"].to_string();
    let ticket = [
        ("request_type_id", "1"),
        ("department_id", dept.as_str()),
        ("subject", "Printer on fire"),
        ("description", "Smoke from tray 2"),
        ("device_no", ""),
    ];
    let number: String =
        serde_json::from_str(&call(&client, &a, CreateTicket::PATH, &ticket).await).unwrap();
    let mut heard = String::new();
    hear(&mut stream, &mut heard, "\"kind\":\"created\"").await;
    assert!(heard.contains(&number), "{heard}");
    let form = [
        ("service_request_no", number.as_str()),
        ("comment_text", "Still smoking"),
        ("device_no", ""),
    ];
    call(&client, &a, AddComment::PATH, &form).await;
    let after = hear(&mut stream, &mut heard, "\"kind\":\"comment\"").await;
    assert!(
        after < Duration::from_millis(250),
        "B's stream heard A's comment {after:?} after A answered"
    );

    // Fifty tickets at once, through both servers: fifty numbers, none twice.
    let filed: Vec<_> = (0..50)
        .map(|i| {
            let (client, base) = (client.clone(), if i % 2 == 0 { a.base() } else { b.base() });
            let dept = dept.clone();
            tokio::spawn(async move {
                let subject = format!("Concurrent {i}");
                let res = client
                    .post(format!("{base}{}", CreateTicket::PATH))
                    .header("accept", "application/json")
                    .form(&[
                        ("request_type_id", "1"),
                        ("department_id", dept.as_str()),
                        ("subject", subject.as_str()),
                        ("description", "Filed with 49 others"),
                        ("device_no", ""),
                    ])
                    .send()
                    .await
                    .unwrap();
                assert!(res.status().is_success(), "{}", res.status());
                serde_json::from_str::<String>(&res.text().await.unwrap()).unwrap()
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for one in filed {
        numbers.push(one.await.unwrap());
    }
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 50, "{numbers:?}");
    assert!(!numbers.contains(&number));

    // The servers lose their connections to the database (a restart, a network cut): B's
    // streams are told to refetch everything, and changes through A reach B again.
    let db = helpdesk::base::db::open(&database).await.unwrap();
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .execute(&db)
    .await
    .unwrap();
    hear(&mut stream, &mut heard, "event: resync").await;
    let heard_before = heard.matches("\"kind\":\"comment\"").count();
    let started = Instant::now();
    while heard.matches("\"kind\":\"comment\"").count() == heard_before {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "B stays deaf: {heard}"
        );
        call(&client, &a, AddComment::PATH, &form).await;
        if let Ok(Ok(Some(chunk))) =
            tokio::time::timeout(Duration::from_millis(300), stream.chunk()).await
        {
            heard.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    // SIGTERM ends B's streams and B itself, as with SQLite; A goes on.
    assert!(b.terminate_ending(&mut stream).await.success());
    call(&client, &a, AddComment::PATH, &form).await;
}

/// migrate, check, version, backup and restore on PostgreSQL say what they did, or what
/// to run instead.
#[tokio::test]
async fn the_commands_work_on_postgres_or_say_what_to_run_instead() {
    let database = database().await;
    let url = database.url();
    let bin = process::debug_bin();
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["--database-url", url];
        all.extend_from_slice(args);
        process::run(&bin, dir.path(), &all, "")
    };
    let out = run(&["migrate"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("Database is up to date: 14 migrations"),
        "{}",
        text(&out)
    );
    let out = run(&["check"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(
            "0 users, 0 departments, 0 tickets, 0 comments, 0 history entries; 14 migrations"
        ),
        "{}",
        text(&out)
    );
    let out = run(&["backup", "--to", "copy.db"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("pg_dump --format=custom"),
        "{}",
        text(&out)
    );
    let out = run(&["restore", "--from", "copy.db"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("pg_restore"), "{}", text(&out));
    // Nothing was written to this folder: the data lives on the server.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// Failed sign-ins are counted on every server, so the allowance is one for all of them:
/// six wrong passwords through A close the account on B, which saw none of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_sign_ins_through_one_server_close_the_account_on_the_others() {
    let database = database().await;
    let bin = process::debug_bin();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let settings = ["--database-url", database.url()];
    process::create_admin_with(&bin, dir_a.path(), &settings, "root", "a-long-password");
    let a = process::start(&bin, dir_a.path(), &settings, &[]);
    let b = process::start(&bin, dir_b.path(), &settings, &[]);
    let client = browser();
    let attempt = async |server: &process::Server| {
        client
            .post(format!("{}{}", server.base(), Login::PATH))
            .header("accept", "application/json")
            .form(&[("username", "root"), ("password", "not-the-password")])
            .send()
            .await
            .unwrap()
            .status()
    };
    for _ in 0..6 {
        assert_ne!(attempt(&a).await, 429);
    }
    // B hears of them within moments; on its own it would take six failures of its own.
    let mut closed = false;
    for _ in 0..3 {
        if attempt(&b).await == 429 {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        closed,
        "B let the account try again after six failures through A"
    );
}

/// Two servers on one database send each queued mail exactly once (each claims with
/// FOR UPDATE SKIP LOCKED and a lease), a dead server's mails included.
#[tokio::test]
async fn two_servers_send_each_mail_once() {
    use crate::common::sink::{self, Sink};
    let database = database().await;
    let sink = Sink::start();
    let url = sink.url();
    let bin = process::debug_bin();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let settings = [
        "--database-url",
        database.url(),
        "--smtp-url",
        &url,
        "--mail-from",
        "help@example.com",
        "--public-url",
        "https://help.example.com",
    ];
    // Migrated by a first start, then filled, then sent by two at once.
    let first = process::start(&bin, dir_a.path(), &settings, &[]);
    first.terminate();
    assert!(first.exit_status().success());
    let pool = helpdesk::base::db::connect(&database).await.unwrap();
    const N: usize = 300;
    sink::queue_raw(&pool, N, "two", 0).await;
    // A third of them were being sent by a server that died: its leases ran out, so the
    // living servers send them too.
    sqlx::query("UPDATE mail_outbox SET lease_until = 1, attempts = 1 WHERE id % 3 = 0")
        .execute(&pool)
        .await
        .unwrap();
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| process::start(&bin, dir_a.path(), &settings, &[]));
        let b = s.spawn(|| process::start(&bin, dir_b.path(), &settings, &[]));
        (a.join().unwrap(), b.join().unwrap())
    });
    sink.wait_for(N).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let sent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE state = 'sent'")
            .fetch_one(&pool)
            .await
            .unwrap();
        if sent == N as i64 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{sent} of {N} marked sent"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    a.terminate();
    b.terminate();
    let seen = sink::deliveries(&sink.mails());
    assert_eq!(seen.len(), N);
    assert!(
        seen.values().all(|n| *n == 1),
        "sent twice: {:?}",
        seen.iter().filter(|(_, n)| **n > 1).collect::<Vec<_>>()
    );
}

/// Uploads `bytes` as `name` through `server`; the token.
async fn upload(
    client: &reqwest::Client,
    server: &process::Server,
    name: &str,
    bytes: &[u8],
) -> String {
    let boundary = "pg-b0und4ry";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let res = client
        .post(format!("{}/api/files", server.base()))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.is_success(), "{status} {text}");
    let uploaded: Vec<helpdesk::files::model::Uploaded> = serde_json::from_str(&text).unwrap();
    uploaded[0].token.clone()
}

/// Attachments live in the database with PostgreSQL: two servers with data folders of
/// their own each serve, whole, in ranges and as thumbnails, what the other stored, and
/// the same bytes uploaded through both at once are stored once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_store_and_serve_each_others_files() {
    let database = database().await;
    let bin = process::debug_bin();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let settings = ["--database-url", database.url()];
    process::create_admin_with(&bin, dir_a.path(), &settings, "root", "a-long-password");
    let a = process::start(&bin, dir_a.path(), &settings, &[]);
    let b = process::start(&bin, dir_b.path(), &settings, &[]);
    let client = browser();
    call(
        &client,
        &a,
        Login::PATH,
        &[("username", "root"), ("password", "a-long-password")],
    )
    .await;
    let dept: serde_json::Value = serde_json::from_str(
        &call(
            &client,
            &a,
            CreateListEntry::PATH,
            &[("list", "departments"), ("name", "IT")],
        )
        .await,
    )
    .unwrap();
    let dept = dept["id"].to_string();
    let number: String = serde_json::from_str(
        &call(
            &client,
            &a,
            CreateTicket::PATH,
            &[
                ("request_type_id", "1"),
                ("department_id", dept.as_str()),
                ("subject", "Logs"),
                ("description", "Attached."),
                ("device_no", ""),
            ],
        )
        .await,
    )
    .unwrap();
    // 2.5 MB: three chunks.
    let log: Vec<u8> = (0..2_500_000u32).map(|i| (i % 251) as u8).collect();
    let mut picture = Vec::new();
    image::RgbImage::from_pixel(900, 600, image::Rgb([200, 100, 0]))
        .write_to(
            &mut std::io::Cursor::new(&mut picture),
            image::ImageFormat::Png,
        )
        .unwrap();
    let tokens = [
        upload(&client, &a, "server.log", &log).await,
        upload(&client, &a, "screen.png", &picture).await,
    ];
    call(
        &client,
        &a,
        AddComment::PATH,
        &[
            ("service_request_no", number.as_str()),
            ("comment_text", "Both files."),
            ("device_no", ""),
            ("attachment[]", tokens[0].as_str()),
            ("attachment[]", tokens[1].as_str()),
        ],
    )
    .await;
    let db = helpdesk::base::db::open(&database).await.unwrap();
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM attachments ORDER BY id")
        .fetch_all(&db)
        .await
        .unwrap();
    // B's data folder holds nothing: it reads the database.
    let whole = client
        .get(format!("{}/files/{}/server.log", b.base(), ids[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.bytes().await.unwrap().as_ref(), log.as_slice());
    let part = client
        .get(format!("{}/files/{}/server.log", b.base(), ids[0]))
        .header("range", "bytes=1048570-1048589")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.bytes().await.unwrap().as_ref(),
        &log[1_048_570..1_048_590]
    );
    let thumb = client
        .get(format!("{}/files/{}/thumb/screen.png", b.base(), ids[1]))
        .send()
        .await
        .unwrap();
    assert_eq!(thumb.status(), 200);
    assert!(!dir_b.path().join("data/attachments").join("ab").exists());

    // The same new bytes through both servers at once: both uploads succeed, one copy.
    let same: Vec<u8> = (0..1_500_000u32).map(|i| (i % 13) as u8).collect();
    let (one, two) = tokio::join!(
        upload(&client, &a, "same.bin", &same),
        upload(&client, &b, "same.bin", &same)
    );
    assert_ne!(one, two);
    let copies: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM attachment_chunks c JOIN attachment_blobs b ON b.sha256 = c.sha256
          WHERE b.size = 1500000",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(copies, 2, "one file's two chunks");
}
