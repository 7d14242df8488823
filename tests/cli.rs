//! The `helpdesk` binary as an operator uses it.

use std::{
    io::Write,
    process::{Command, Output, Stdio},
};

fn helpdesk(dir: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_helpdesk"))
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("LEPTOS_SITE_ADDR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run helpdesk");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn help_lists_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    let out = helpdesk(dir.path(), &["--help"], "");
    assert!(out.status.success());
    let help = text(&out);
    for word in ["serve", "create-admin", "--database-url", "--listen"] {
        assert!(help.contains(word), "{word} missing from:\n{help}");
    }
}

#[test]
fn create_admin_reads_the_password_from_stdin_and_refuses_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "create-admin",
        "--username",
        "Root",
        "--email",
        "root@example.com",
    ];
    let out = helpdesk(dir.path(), &args, "a-long-password\n");
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Created admin root <root@example.com>"));
    // The default database is helpdesk.db in the working directory.
    assert!(dir.path().join("helpdesk.db").exists());

    let out = helpdesk(dir.path(), &args, "a-long-password\n");
    assert!(!out.status.success());
    assert!(
        text(&out).contains("That username is already taken."),
        "{}",
        text(&out)
    );

    let out = helpdesk(
        dir.path(),
        &[
            "create-admin",
            "--username",
            "other",
            "--email",
            "ROOT@example.com",
        ],
        "a-long-password\n",
    );
    assert!(!out.status.success());
    assert!(
        text(&out).contains("That email address is already in use."),
        "{}",
        text(&out)
    );
}

#[test]
fn create_admin_refuses_bad_input_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("x.db").display());
    let cases: [(&[&str], &str, &str); 3] = [
        (
            &["--username", "ok-name", "--email", "root@example.com"],
            "short\n",
            "at least 8",
        ),
        (
            &["--username", "no spaces", "--email", "root@example.com"],
            "a-long-password\n",
            "username",
        ),
        (
            &["--username", "ok-name", "--email", "not-an-email"],
            "a-long-password\n",
            "email",
        ),
    ];
    for (args, password, expected) in cases {
        let mut all = vec!["--database-url", db.as_str(), "create-admin"];
        all.extend_from_slice(args);
        let out = helpdesk(dir.path(), &all, password);
        assert!(!out.status.success(), "{args:?}");
        assert!(text(&out).contains(expected), "{args:?}: {}", text(&out));
    }
    // Nothing half-made was left behind: the same name can now be created.
    let out = helpdesk(
        dir.path(),
        &[
            "--database-url",
            &db,
            "create-admin",
            "--username",
            "ok-name",
            "--email",
            "root@example.com",
        ],
        "a-long-password\n",
    );
    assert!(out.status.success(), "{}", text(&out));
}

/// SIGTERM (what systemd sends) while a live-update stream is open: the stream ends, the
/// process finishes and exits 0 instead of waiting for the browser forever.
#[tokio::test]
async fn sigterm_ends_live_streams_and_exits_cleanly() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let out = helpdesk(
        dir.path(),
        &[
            "create-admin",
            "--username",
            "root",
            "--email",
            "root@example.com",
        ],
        "a-long-password\n",
    );
    assert!(out.status.success(), "{}", text(&out));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_helpdesk"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("LEPTOS_SITE_ADDR")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Ready when it says so (no polling).
    let (lines_tx, lines) = std::sync::mpsc::channel::<String>();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = lines_tx.send(line);
        }
    });
    let wait = std::time::Duration::from_secs(20);
    while !lines
        .recv_timeout(wait)
        .expect("server output")
        .contains("listening on")
    {}

    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let login = client
        .post(format!("{base}/api/login"))
        .header("accept", "application/json")
        .form(&[("username", "root"), ("password", "a-long-password")])
        .send()
        .await
        .unwrap();
    assert!(login.status().is_success());
    let mut stream = client
        .get(format!("{base}/api/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let first = stream.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("event: ready"));

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let end = tokio::time::timeout(wait, stream.chunk())
        .await
        .expect("the stream ended on shutdown");
    assert!(
        matches!(end, Ok(None) | Err(_)),
        "stream still open: {end:?}"
    );
    let (done_tx, done) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done_tx.send(child.wait());
    });
    let status = done.recv_timeout(wait).expect("exited").unwrap();
    assert!(status.success(), "exit status {status}");
}
