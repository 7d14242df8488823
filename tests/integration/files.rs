//! Attachments (issue 24): uploads ahead of their comment, through the real server.

use crate::common::{TestApp, spawn_app_with};
use helpdesk::users::model::Role;
use reqwest::{Client, StatusCode};

const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
];

/// A multipart/form-data body as a browser sends it: each (field, file name, bytes).
fn form(parts: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----helpdesk-test-boundary-7d1f".to_string();
    let mut body = Vec::new();
    for (field, name, bytes) in parts {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(
    app: &TestApp,
    client: &Client,
    parts: &[(&str, &str, &[u8])],
) -> (StatusCode, String) {
    let (content_type, body) = form(parts);
    let res = client
        .post(format!("{}/api/files", app.base))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

fn staged_files(app: &TestApp) -> usize {
    std::fs::read_dir(app.dir.path().join("attachments/tmp"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[tokio::test]
async fn uploads_are_stored_by_their_content_for_their_uploader_alone() {
    let app = spawn_app_with(&[("attachment_max_mb", "1"), ("attachments_per_comment", "2")]).await;

    // Nobody signed in: refused, nothing stored.
    let (status, _) = upload(&app, &app.client(), &[("file", "a.png", PNG)]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let ann = app.signed_in("ann", &[Role::User]).await;
    let page = b"<html><body><script>alert(1)</script></body></html>";
    let (status, body) = upload(
        &app,
        &ann,
        &[
            ("file", "../../shot.png", PNG),
            ("file", "invoice\u{202E}gnp.html", page),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let uploaded: Vec<helpdesk::files::model::Uploaded> = serde_json::from_str(&body).unwrap();
    assert_eq!(uploaded.len(), 2);
    assert_eq!(uploaded[0].name, "shot.png");
    assert_eq!(uploaded[0].content_type, "image/png");
    assert_eq!(uploaded[0].size, PNG.len() as u64);
    // Named like a picture, but the bytes decide: a page.
    assert_eq!(uploaded[1].name, "invoicegnp.html");
    assert_eq!(uploaded[1].content_type, "text/html");
    assert!(
        uploaded
            .iter()
            .all(|u| u.token.len() == 32 && u.token.bytes().all(|b| b.is_ascii_hexdigit()))
    );
    assert_ne!(uploaded[0].token, uploaded[1].token);
    assert_eq!(count(&app, "attachment_uploads").await, 2);
    assert_eq!(count(&app, "attachment_blobs").await, 2);

    // The same picture again: a new upload, the same stored file.
    let (status, body) = upload(&app, &ann, &[("file", "again.png", PNG)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(count(&app, "attachment_uploads").await, 3);
    assert_eq!(count(&app, "attachment_blobs").await, 2);
    assert_eq!(staged_files(&app), 0);
}

#[tokio::test]
async fn a_refused_upload_names_the_file_and_keeps_none_of_the_request() {
    let app = spawn_app_with(&[("attachment_max_mb", "1"), ("attachments_per_comment", "2")]).await;
    let ann = app.signed_in("ann", &[Role::User]).await;
    let big = vec![7u8; (1 << 20) + 1];

    // The second file is over the limit: the first is not kept either.
    let (status, body) = upload(
        &app,
        &ann,
        &[("file", "fine.png", PNG), ("file", "dump.bin", &big)],
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        body,
        "dump.bin is larger than 1 MB, the largest file allowed."
    );
    assert_eq!(count(&app, "attachment_uploads").await, 0);

    // Three files where a comment takes two.
    let (status, body) = upload(
        &app,
        &ann,
        &[
            ("file", "a.png", PNG),
            ("file", "b.txt", b"b"),
            ("file", "c.txt", b"c"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body, "c.txt: at most 2 files go on one comment.");
    assert_eq!(count(&app, "attachment_uploads").await, 0);

    // No file at all.
    let (status, body) = upload(&app, &ann, &[("note", "x.txt", b"x")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("Choose a file to attach."), "{body}");

    // Not multipart, and from another site.
    let res = ann
        .post(format!("{}/api/files", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("file=x")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let (content_type, body) = form(&[("file", "a.png", PNG)]);
    let res = ann
        .post(format!("{}/api/files", app.base))
        .header("content-type", content_type)
        .header("origin", "https://evil.example")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Announced larger than a comment's worth of files: refused before it is read.
    let res = ann
        .post(format!("{}/api/files", app.base))
        .header("content-type", "multipart/form-data; boundary=x")
        .body(vec![0u8; 4 << 20])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);

    assert_eq!(count(&app, "attachment_uploads").await, 0);
    assert_eq!(staged_files(&app), 0);
}

#[tokio::test]
async fn one_person_starts_at_most_the_set_number_of_uploads_a_minute() {
    let app = spawn_app_with(&[("uploads_per_minute", "12")]).await;
    let ann = app.signed_in("ann", &[Role::User]).await;
    let bob = app.signed_in("bob", &[Role::User]).await;
    for i in 0..12 {
        let (status, body) = upload(&app, &ann, &[("file", &format!("{i}.txt"), b"x")]).await;
        assert_eq!(status, StatusCode::OK, "{i}: {body}");
    }
    let (status, body) = upload(&app, &ann, &[("file", "one-more.txt", b"x")]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        body.starts_with("Too many attempts, try again in "),
        "{body}"
    );
    // Someone else is not held up.
    let (status, _) = upload(&app, &bob, &[("file", "bob.txt", b"x")]).await;
    assert_eq!(status, StatusCode::OK);
}

async fn tokens(app: &TestApp, client: &Client, parts: &[(&str, &str, &[u8])]) -> Vec<String> {
    let (status, body) = upload(app, client, parts).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let uploaded: Vec<helpdesk::files::model::Uploaded> = serde_json::from_str(&body).unwrap();
    uploaded.into_iter().map(|u| u.token).collect()
}

async fn comment(
    app: &TestApp,
    client: &Client,
    number: &str,
    text: &str,
    tokens: &[String],
) -> crate::common::Reply {
    let mut form = vec![
        ("service_request_no", number),
        ("comment_text", text),
        ("device_no", ""),
    ];
    form.extend(tokens.iter().map(|t| ("attachment[]", t.as_str())));
    app.call_form::<helpdesk::tickets::api::AddComment>(client, &form)
        .await
}

async fn comments_saying(app: &TestApp, text: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM ticket_comments WHERE comment_text = $1")
        .bind(text)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_comment_claims_its_uploads_and_only_its_authors_within_the_limits() {
    let app = spawn_app_with(&[
        ("attachment_max_mb", "1"),
        ("attachments_per_ticket_mb", "1"),
    ])
    .await;
    let dept = app.add_department("IT").await;
    let ann = app.signed_in("ann", &[Role::User]).await;
    let bob = app.signed_in("bob", &[Role::User]).await;
    let number = app.file_ticket(&ann, &dept, "Printer error").await;
    let bobs = app.file_ticket(&bob, &dept, "Bob's screen").await;

    let mine = tokens(
        &app,
        &ann,
        &[("file", "error.png", PNG), ("file", "log.txt", b"E42")],
    )
    .await;
    // Someone else's tokens are no use to bob: refused, his comment not stored.
    let reply = comment(&app, &bob, &bobs, "stolen files", &mine).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(reply.body.contains("no longer there"), "{}", reply.body);
    assert_eq!(comments_saying(&app, "stolen files").await, 0);

    let reply = comment(&app, &ann, &number, "Here it is", &mine).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let attached: Vec<(String, i64)> = sqlx::query_as(
        "SELECT a.name, a.comment_id FROM attachments a
           JOIN ticket_comments c ON c.id = a.comment_id
          WHERE c.comment_text = 'Here it is' ORDER BY a.name",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        attached.iter().map(|a| a.0.as_str()).collect::<Vec<_>>(),
        ["error.png", "log.txt"]
    );
    assert_eq!(count(&app, "attachment_uploads").await, 0);
    // Claimed once: not again.
    let reply = comment(&app, &ann, &number, "the same again", &mine[..1]).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert_eq!(comments_saying(&app, "the same again").await, 0);

    // The ticket holds at most 1 MB: the file that would pass it is named, and neither the
    // comment nor its files are kept (the uploads stay, to go elsewhere).
    let half = vec![1u8; 600 << 10];
    let other = vec![2u8; 600 << 10];
    let big = tokens(
        &app,
        &ann,
        &[("file", "half.bin", &half), ("file", "other.bin", &other)],
    )
    .await;
    let reply = comment(&app, &ann, &number, "two halves", &big).await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );
    assert!(
        reply
            .body
            .contains("would take this ticket's files over 1 MB"),
        "{}",
        reply.body
    );
    assert_eq!(comments_saying(&app, "two halves").await, 0);
    assert_eq!(count(&app, "attachments").await, 2);
    assert_eq!(count(&app, "attachment_uploads").await, 2);
    // One of them fits.
    let reply = comment(&app, &ann, &number, "one half", &big[..1]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(count(&app, "attachments").await, 3);
}

#[tokio::test]
async fn a_new_ticket_takes_its_files_onto_its_description() {
    let app = spawn_app_with(&[("attachments_per_comment", "1")]).await;
    let dept = app.add_department("IT").await;
    let ann = app.signed_in("ann", &[Role::User]).await;
    let files = tokens(&app, &ann, &[("file", "printer.png", PNG)]).await;
    let more = tokens(&app, &ann, &[("file", "more.txt", b"more")]).await;
    let new_ticket = |subject: &'static str, tokens: Vec<String>| {
        let app = &app;
        let ann = &ann;
        let dept = dept.clone();
        async move {
            let mut form = vec![
                ("request_type_id", "1".to_string()),
                ("department_id", dept),
                ("subject", subject.to_string()),
                ("description", "See the picture.".to_string()),
                ("device_no", String::new()),
            ];
            form.extend(tokens.into_iter().map(|t| ("attachment[]", t)));
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call_form::<helpdesk::tickets::api::CreateTicket>(ann, &form)
                .await
        }
    };
    // Two files where a comment takes one: no ticket, and both uploads still there.
    let both: Vec<String> = files.iter().chain(&more).cloned().collect();
    let reply = new_ticket("Too many files", both).await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );
    assert_eq!(count(&app, "tickets").await, 0);
    assert_eq!(count(&app, "attachment_uploads").await, 2);

    let reply = new_ticket("Printer shows an error", files).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let on: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.name, c.comment_text FROM attachments a
           JOIN ticket_comments c ON c.id = a.comment_id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        on,
        [("printer.png".to_string(), "See the picture.".to_string())]
    );
}

async fn attachment_id(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM attachments WHERE name = $1")
        .bind(name)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn fetch(
    app: &TestApp,
    client: &Client,
    id: i64,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut req = client.get(format!("{}/files/{id}/any-name", app.base));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn files_are_served_to_who_may_see_them_pictures_inline_the_rest_as_downloads() {
    let app = spawn_app_with(&[]).await;
    let dept = app.add_department("IT").await;
    let ann = app.signed_in("ann", &[Role::User]).await;
    let bob = app.signed_in("bob", &[Role::User]).await;
    let agent = app.signed_in("sam", &[Role::Agent]).await;
    let number = app.file_ticket(&ann, &dept, "Printer error").await;
    let page = b"<html><script>alert(document.cookie)</script></html>";
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    let mine = tokens(
        &app,
        &ann,
        &[
            ("file", "error.png", PNG),
            ("file", "page.html", page),
            ("file", "really-a-page.png", page),
            ("file", "drawing.svg", svg),
        ],
    )
    .await;
    let reply = comment(&app, &ann, &number, "The files", &mine).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let note = tokens(&app, &agent, &[("file", "staff-only.txt", b"between us")]).await;
    let reply = app
        .call_form::<helpdesk::tickets::api::AddComment>(
            &agent,
            &[
                ("service_request_no", &number),
                ("comment_text", "Internal: see the log"),
                ("device_no", ""),
                ("internal", "on"),
                ("attachment[]", &note[0]),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    // The picture: inline, as what it is, never sniffed, sandboxed, cacheable privately.
    let png = attachment_id(&app, "error.png").await;
    let res = fetch(&app, &ann, png, &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers().clone();
    assert_eq!(h["content-type"], "image/png");
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline; filename=\"error.png\"")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["content-security-policy"], "sandbox; default-src 'none'");
    assert_eq!(h["cache-control"], "private, no-cache");
    assert_eq!(h["content-length"], PNG.len().to_string().as_str());
    let etag = h["etag"].to_str().unwrap().to_string();
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
    let res = fetch(&app, &ann, png, &[("if-none-match", &etag)]).await;
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    // A part of it, and a part that is not there.
    let res = fetch(&app, &ann, png, &[("range", "bytes=1-3")]).await;
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        res.headers()["content-range"],
        format!("bytes 1-3/{}", PNG.len()).as_str()
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), &PNG[1..4]);
    let res = fetch(&app, &ann, png, &[("range", "bytes=900-999")]).await;
    assert_eq!(res.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    // If-Range naming another version: the whole file.
    let res = fetch(
        &app,
        &ann,
        png,
        &[("range", "bytes=1-3"), ("if-range", "\"old\"")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);

    // A page, an SVG and a page named like a picture: downloads, typed as bytes.
    for name in ["page.html", "drawing.svg", "really-a-page.png"] {
        let res = fetch(&app, &ann, attachment_id(&app, name).await, &[]).await;
        assert_eq!(res.status(), StatusCode::OK, "{name}");
        let h = res.headers();
        assert_eq!(h["content-type"], "application/octet-stream", "{name}");
        assert!(
            h["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment;"),
            "{name}"
        );
        assert_eq!(h["content-security-policy"], "sandbox; default-src 'none'");
    }

    // Someone else's ticket, an internal note's file for its requester, nobody signed in:
    // nothing, not even whether it exists.
    assert_eq!(
        fetch(&app, &bob, png, &[]).await.status(),
        StatusCode::NOT_FOUND
    );
    let internal = attachment_id(&app, "staff-only.txt").await;
    assert_eq!(
        fetch(&app, &ann, internal, &[]).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        fetch(&app, &ann, 999_999, &[]).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        fetch(&app, &app.client(), png, &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // Staff see both.
    let res = fetch(&app, &agent, internal, &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"between us");
    assert_eq!(fetch(&app, &agent, png, &[]).await.status(), StatusCode::OK);
}

/// A real picture, `width` × `height`, as PNG.
fn picture(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    image::RgbImage::from_pixel(width, height, image::Rgb([30, 90, 200]))
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// A form as a browser without JavaScript posts it (`multipart/form-data`, as the page's
/// form says), to the page it came from.
async fn post_with_files(
    app: &TestApp,
    client: &Client,
    function: &str,
    from: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &[u8])],
) -> crate::common::Reply {
    let boundary = "----helpdesk-form-boundary-51c2";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let res = client
        .post(format!("{}/api/with-files/{function}", app.base))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("accept", "text/html")
        .header("referer", format!("{}{from}", app.base))
        .body(body)
        .send()
        .await
        .unwrap();
    TestApp::reply(res).await
}

async fn history(
    app: &TestApp,
    client: &Client,
    number: &str,
) -> Vec<helpdesk::tickets::model::HistoryEntry> {
    let reply = app
        .call_form::<helpdesk::tickets::api::TicketHistory>(
            client,
            &[("service_request_no", number)],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str::<helpdesk::tickets::model::HistoryPage>(&reply.body)
        .unwrap()
        .entries
}

#[tokio::test]
async fn a_form_without_javascript_sends_its_files_with_the_comment_or_nothing() {
    let app = spawn_app_with(&[("attachment_max_mb", "1")]).await;
    let dept = app.add_department("IT").await;
    let ann = app.signed_in("ann", &[Role::User]).await;
    let number = app.file_ticket(&ann, &dept, "Printer error").await;
    let page = format!("/tickets/{number}");
    let shot = picture(1200, 800);
    // The empty file input a browser also sends when nothing more was chosen is skipped.
    let reply = post_with_files(
        &app,
        &ann,
        "add_comment",
        &page,
        &[
            ("service_request_no", &number),
            ("comment_text", "Here is the error."),
            ("device_no", ""),
        ],
        &[
            ("shot.png", &shot),
            ("report.pdf", b"%PDF-1.4 report"),
            ("", b""),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    // (server_fn's plain-form answer leaves an empty query.)
    assert_eq!(
        reply.location.as_deref().map(|l| l.trim_end_matches('?')),
        Some(format!("{}{page}", app.base).as_str())
    );
    let entries = history(&app, &ann, &number).await;
    let files = &entries.last().unwrap().files;
    let named: Vec<(&str, &str, Option<i32>, bool)> = files
        .iter()
        .map(|f| (f.name.as_str(), f.content_type.as_str(), f.width, f.thumb))
        .collect();
    assert_eq!(
        named,
        [
            ("shot.png", "image/png", Some(1200), true),
            ("report.pdf", "application/pdf", None, false)
        ]
    );
    // The thumbnail, to who may see the picture, within the box; none for the PDF.
    let res = ann
        .get(format!("{}{}", app.base, files[0].thumb_href()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    let small = image::load_from_memory(&res.bytes().await.unwrap()).unwrap();
    assert_eq!((small.width(), small.height()), (480, 320));
    let bob = app.signed_in("bob", &[Role::User]).await;
    for client in [&bob, &ann] {
        let href = if std::ptr::eq(client, &bob) {
            files[0].thumb_href()
        } else {
            files[1].thumb_href()
        };
        let res = client
            .get(format!("{}{href}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{href}");
    }

    // A file over the limit: back to the page with the error for its form, naming the
    // file; no comment, nothing staged.
    let big = vec![7u8; 1_100_000];
    let reply = post_with_files(
        &app,
        &ann,
        "add_comment",
        &page,
        &[
            ("service_request_no", &number),
            ("comment_text", "Two files."),
            ("device_no", ""),
        ],
        &[("small.txt", b"small"), ("huge.bin", &big)],
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let back = reply.location.unwrap();
    assert!(back.contains("__path=%2Fapi%2Fadd_comment"), "{back}");
    assert_eq!(comments_saying(&app, "Two files.").await, 0);
    assert_eq!(count(&app, "attachment_uploads").await, 0);
    let shown = app.get(&ann, back.strip_prefix(&app.base).unwrap()).await;
    assert!(
        shown
            .html()
            .contains("huge.bin is larger than 1 MB, the largest file allowed."),
        "{}",
        shown.html()
    );

    // A refusal of the comment itself (empty text) keeps none of its files either.
    let reply = post_with_files(
        &app,
        &ann,
        "add_comment",
        &page,
        &[
            ("service_request_no", &number),
            ("comment_text", " "),
            ("device_no", ""),
        ],
        &[("kept.txt", b"kept?")],
    )
    .await;
    assert!(reply.location.unwrap().contains("__err="));
    assert_eq!(count(&app, "attachments").await, 2);

    // Only the forms that take files.
    let reply = post_with_files(&app, &ann, "set_ticket_status", &page, &[], &[]).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    // A new ticket the same way: to its page, the files on its description.
    let reply = post_with_files(
        &app,
        &ann,
        "create_ticket",
        "/tickets/new",
        &[
            ("request_type_id", "1"),
            ("department_id", &dept),
            ("subject", "Scanner jams"),
            ("description", "Photo attached."),
            ("device_no", ""),
        ],
        &[("jam.png", &shot)],
    )
    .await;
    let to = reply.location.unwrap();
    assert!(to.starts_with("/tickets/SR-"), "{to}");
    let entries = history(&app, &ann, to.trim_start_matches("/tickets/")).await;
    assert_eq!(entries[0].files[0].name, "jam.png");
}

#[tokio::test]
async fn an_image_bomb_is_refused_by_name_and_nothing_of_it_is_kept_for_a_comment() {
    let app = spawn_app_with(&[]).await;
    let ann = app.signed_in("ann", &[Role::User]).await;
    // 20,000 × 20,000 pixels of a two-colour palette: a few hundred KB of PNG, 1.2 GB
    // decoded.
    let mut bomb = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bomb, 20_000, 20_000);
        encoder.set_color(png::ColorType::Indexed);
        encoder.set_palette(vec![0, 0, 0, 255, 255, 255]);
        encoder.set_depth(png::BitDepth::One);
        let mut writer = encoder.write_header().unwrap();
        let mut stream = writer.stream_writer().unwrap();
        let row = vec![0u8; 2_500];
        for _ in 0..20_000 {
            std::io::Write::write_all(&mut stream, &row).unwrap();
        }
        stream.finish().unwrap();
        writer.finish().unwrap();
    }
    let (status, body) = upload(&app, &ann, &[("file", "wallpaper.png", &bomb)]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(
        body.contains("wallpaper.png is 20000 × 20000 pixels, larger than any photo"),
        "{body}"
    );
    assert_eq!(count(&app, "attachment_uploads").await, 0);
    assert_eq!(count(&app, "attachment_thumbs").await, 0);
}

/// The list as `client` sees it, searching for `text` (or not): each ticket's number and
/// file count.
async fn listed(app: &TestApp, client: &Client, text: Option<&str>) -> Vec<(String, i64)> {
    let filter = serde_json::json!({ "statuses": [], "department_id": null,
        "request_type_id": null, "text": text, "oldest_first": false });
    let reply = app
        .call_json_value::<helpdesk::tickets::api::ListTickets>(
            client,
            serde_json::json!({ "filter": filter, "page": "First" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let page: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    page["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["service_request_no"].as_str().unwrap().to_string(),
                t["file_count"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_list_counts_files_search_finds_their_names_and_csv_counts_them_but_never_a_notes() {
    let app = spawn_app_with(&[]).await;
    let dept = app.add_department("IT").await;
    let ann = app.signed_in("ann", &[Role::User]).await;
    let agent = app.signed_in("aga", &[Role::Agent]).await;
    let number = app.file_ticket(&ann, &dept, "Printer error").await;
    let other = app.file_ticket(&ann, &dept, "Nothing attached").await;
    let files = tokens(
        &app,
        &ann,
        &[
            ("file", "toner-quittung.pdf", b"%PDF-1.4 q"),
            ("file", "shot.png", PNG),
        ],
    )
    .await;
    let reply = comment(&app, &ann, &number, "Two files.", &files).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // Staff's internal note with a file whose name only it has.
    let note = tokens(&app, &agent, &[("file", "zebracode-audit.txt", b"secret")]).await;
    let mut form = vec![
        ("service_request_no", number.as_str()),
        ("comment_text", "Staff only."),
        ("device_no", ""),
        ("internal", "on"),
    ];
    form.extend(note.iter().map(|t| ("attachment[]", t.as_str())));
    let reply = app
        .call_form::<helpdesk::tickets::api::AddComment>(&agent, &form)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    // The paperclip counts the public files, for everyone (as the comment count does).
    for client in [&ann, &agent] {
        let mut list = listed(&app, client, None).await;
        list.sort();
        assert_eq!(list, [(number.clone(), 2), (other.clone(), 0)]);
    }
    // A file's name finds its ticket, by a whole word or a prefix.
    for words in ["quittung", "toner-quittung.pdf", "quit"] {
        assert_eq!(
            listed(&app, &ann, Some(words)).await,
            [(number.clone(), 2)],
            "{words}"
        );
    }
    // The note's file: staff find it, the requester does not.
    assert_eq!(listed(&app, &agent, Some("zebracode")).await.len(), 1);
    assert_eq!(listed(&app, &ann, Some("zebracode")).await, []);

    // CSV: the count as the last column.
    let csv = ann
        .get(format!("{}/tickets.csv", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    let row = rows.iter().find(|r| r[0] == number).unwrap();
    assert_eq!(&row[12], "2");
    assert!(!csv.contains("zebracode"), "{csv}");
    let header = csv.lines().next().unwrap();
    assert!(header.ends_with(",Files"), "{header}");
}

#[tokio::test]
async fn uploads_left_unclaimed_for_a_day_and_their_files_are_forgotten() {
    use helpdesk::files::store::Store;
    let app = spawn_app_with(&[]).await;
    let dept = app.add_department("IT").await;
    let ann = app.signed_in("ann", &[Role::User]).await;
    let number = app.file_ticket(&ann, &dept, "Printer error").await;
    let used = tokens(&app, &ann, &[("file", "used.txt", b"kept: on a comment")]).await;
    let reply = comment(&app, &ann, &number, "With a file.", &used).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    tokens(
        &app,
        &ann,
        &[("file", "left.txt", b"chosen, then never sent")],
    )
    .await;
    let store = Store::new(helpdesk::base::db::Backend::of(&app.pool), app.dir.path());
    // The bytes are there: a file (SQLite) or chunks (PostgreSQL).
    let there = |sha: String| {
        let (app, store) = (&app, &store);
        async move {
            if store.in_database() {
                let chunks: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM attachment_chunks WHERE sha256 = $1")
                        .bind(&sha)
                        .fetch_one(&app.pool)
                        .await
                        .unwrap();
                chunks > 0
            } else {
                store.path_of(&sha).exists()
            }
        }
    };
    let sha = |bytes: &[u8]| {
        use sha2::Digest;
        sha2::Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let (left, kept) = (sha(b"chosen, then never sent"), sha(b"kept: on a comment"));
    let now = helpdesk::base::db::now_ms();
    // Young: nothing goes.
    assert_eq!(
        helpdesk::files::db::sweep(&app.pool, &store, now)
            .await
            .unwrap(),
        (0, 0)
    );
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for sha in [&left, &kept].into_iter().filter(|_| !store.in_database()) {
        std::fs::File::options()
            .write(true)
            .open(store.path_of(sha))
            .unwrap()
            .set_modified(hour_ago)
            .unwrap();
    }
    // A day later: the unclaimed upload and its file; the attached one stays.
    let later = now + helpdesk::files::db::KEPT_UNUSED_MS + 1;
    assert_eq!(
        helpdesk::files::db::sweep(&app.pool, &store, later)
            .await
            .unwrap(),
        (1, 1)
    );
    assert!(!there(left.clone()).await);
    assert!(there(kept.clone()).await);
    assert_eq!(count(&app, "attachment_uploads").await, 0);
    assert_eq!(count(&app, "attachment_blobs").await, 1);
    // The same bytes again are simply stored again.
    tokens(
        &app,
        &ann,
        &[("file", "left.txt", b"chosen, then never sent")],
    )
    .await;
    assert!(there(left.clone()).await);
    let out = app.get(&ann, &format!("/tickets/{number}")).await;
    assert!(out.html().contains("used.txt"), "{}", out.html());
}
