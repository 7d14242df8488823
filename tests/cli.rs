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
    let (mut child, port) = start_server(dir.path());
    let wait = std::time::Duration::from_secs(20);
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

/// `helpdesk serve` on a free port in `dir`, returned once it says it is listening.
fn start_server(dir: &std::path::Path) -> (std::process::Child, u16) {
    use std::io::BufRead;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_helpdesk"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("LEPTOS_SITE_ADDR")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Ready when it says so (no polling); the rest of its output is drained.
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
    (child, port)
}

/// The ticket ids in a database file, read through a connection of its own.
async fn ticket_ids(path: &std::path::Path) -> Vec<i64> {
    use sqlx::{ConnectOptions, Connection};
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .unwrap();
    let ids = sqlx::query_scalar("SELECT id FROM tickets ORDER BY id")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    ids
}

/// A backup taken while tickets are being written holds every ticket committed before it
/// started and passes the integrity check; `check` reports it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_while_writing_is_consistent_and_complete() {
    use helpdesk::tickets::{db, model::*};
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("helpdesk.db");
    let url = format!("sqlite://{}", db_path.display());
    let pool = helpdesk::server::db::connect(&url).await.unwrap();
    sqlx::query(
        "INSERT INTO users (id, username, email, password_hash, created_at, updated_at)
         VALUES (1, 'ann', 'ann@example.com', 'x', 0, 0);
         INSERT INTO departments (id, name, created_at) VALUES (1, 'IT', 0);",
    )
    .execute(&pool)
    .await
    .unwrap();
    let ticket = std::sync::Arc::new(db::NewTicket {
        requested_by: 1,
        request_type_id: 1,
        department_id: 1,
        subject: Subject::parse("Busy").unwrap(),
        description: CommentText::parse("Written during the backup").unwrap(),
        device_no: DeviceNo::parse("").unwrap(),
    });
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (pool, ticket, stop) = (pool.clone(), ticket.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                db::create(&pool, &ticket, 1_767_225_600_000).await.unwrap();
                n += 1;
            }
            n
        })
    };
    // Let some tickets commit, note them, back up while the writer keeps going.
    while ticket_ids(&db_path).await.len() < 20 {
        tokio::task::yield_now().await;
    }
    let before = ticket_ids(&db_path).await;
    let backup_path = dir.path().join("backup.db");
    let (base, target) = (dir.path().to_path_buf(), backup_path.clone());
    let out = tokio::task::spawn_blocking(move || {
        helpdesk(&base, &["backup", "--to", target.to_str().unwrap()], "")
    })
    .await
    .unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.await.unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("integrity ok"), "{}", text(&out));

    let saved = ticket_ids(&backup_path).await;
    assert!(
        before.iter().all(|id| saved.contains(id)),
        "every ticket committed before the backup is in it ({} before, {} saved, {written} written)",
        before.len(),
        saved.len()
    );
    let out = helpdesk(
        dir.path(),
        &["check", "--database-url", backup_path.to_str().unwrap()],
        "",
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("integrity: ok"));
    assert!(text(&out).contains(&format!("{} tickets", saved.len())));
    // An existing file is never overwritten.
    let out = helpdesk(
        dir.path(),
        &["backup", "--to", backup_path.to_str().unwrap()],
        "",
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("exists already"));
}

/// Restore checks the backup first and refuses while a server holds the database.
#[tokio::test]
async fn restore_refuses_a_corrupt_file_and_a_database_in_use() {
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
    let backup = dir.path().join("good.db");
    let out = helpdesk(
        dir.path(),
        &["backup", "--to", backup.to_str().unwrap()],
        "",
    );
    assert!(out.status.success(), "{}", text(&out));
    // Something happens after the backup: a second admin.
    let out = helpdesk(
        dir.path(),
        &[
            "create-admin",
            "--username",
            "later",
            "--email",
            "later@example.com",
        ],
        "a-long-password\n",
    );
    assert!(out.status.success());

    let corrupt = dir.path().join("corrupt.db");
    let mut bytes = std::fs::read(&backup).unwrap();
    let half = bytes.len() / 2;
    bytes.truncate(half);
    bytes.extend(std::iter::repeat_n(0xA5, half));
    std::fs::write(&corrupt, bytes).unwrap();
    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, "not a database at all").unwrap();
    for bad in [&corrupt, &garbage] {
        let out = helpdesk(
            dir.path(),
            &["restore", "--from", bad.to_str().unwrap()],
            "",
        );
        assert!(!out.status.success(), "{}", text(&out));
        assert!(text(&out).contains("refusing to restore"), "{}", text(&out));
    }

    let (mut server, _) = start_server(dir.path());
    let out = helpdesk(
        dir.path(),
        &["restore", "--from", backup.to_str().unwrap()],
        "",
    );
    assert!(!out.status.success());
    assert!(
        text(&out).contains("stop the server first"),
        "{}",
        text(&out)
    );
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(server.wait().unwrap().success());

    // Nothing was replaced so far: both admins exist. Then the restore goes through.
    let out = helpdesk(dir.path(), &["check"], "");
    assert!(text(&out).contains("2 users"), "{}", text(&out));
    let out = helpdesk(
        dir.path(),
        &["restore", "--from", backup.to_str().unwrap()],
        "",
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = helpdesk(dir.path(), &["check"], "");
    assert!(
        text(&out).contains("1 users") && text(&out).contains("integrity: ok"),
        "{}",
        text(&out)
    );
}

#[test]
fn version_and_migrate_say_what_they_did() {
    let dir = tempfile::tempdir().unwrap();
    let out = helpdesk(dir.path(), &["version"], "");
    assert!(text(&out).starts_with(&format!("helpdesk {}", env!("CARGO_PKG_VERSION"))));
    let out = helpdesk(dir.path(), &["migrate"], "");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("Database is up to date: 3 migrations"),
        "{}",
        text(&out)
    );
    assert!(dir.path().join("helpdesk.db").exists());
}

/// `helpdesk config` in `dir` with exactly these variables set (the settings' own variables
/// are cleared first, so the machine's environment cannot leak in).
fn config_output(dir: &std::path::Path, vars: &[(&str, String)], args: &[&str]) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_helpdesk"));
    command.arg("config").args(args).current_dir(dir);
    for var in [
        "HELPDESK_CONFIG",
        "LEPTOS_SITE_ADDR",
        "DATABASE_URL",
        "LEPTOS_SITE_ROOT",
        "HELPDESK_SECURE_COOKIES",
        "HELPDESK_LOG_FORMAT",
    ] {
        command.env_remove(var).env_remove(format!("{var}_FILE"));
    }
    for (var, value) in vars {
        command.env(var, value);
    }
    let out = command.output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    text(&out)
}

#[test]
fn each_setting_comes_from_flag_then_env_then_file_then_default() {
    // (key, flag, variable, default, file value, env value, flag value), as printed.
    let cases = [
        (
            "listen",
            "--listen",
            "LEPTOS_SITE_ADDR",
            "127.0.0.1:3000",
            "10.0.0.1:1",
            "10.0.0.2:2",
            "10.0.0.3:3",
        ),
        (
            "database_url",
            "--database-url",
            "DATABASE_URL",
            "sqlite://helpdesk.db",
            "sqlite://file.db",
            "sqlite://env.db",
            "sqlite://flag.db",
        ),
        (
            "site_root",
            "--site-root",
            "LEPTOS_SITE_ROOT",
            "target/site",
            "file-site",
            "env-site",
            "flag-site",
        ),
        (
            "secure_cookies",
            "--secure-cookies",
            "HELPDESK_SECURE_COOKIES",
            "false",
            "true",
            "false",
            "true",
        ),
        (
            "log_format",
            "--log-format",
            "HELPDESK_LOG_FORMAT",
            "human",
            "json",
            "human",
            "json",
        ),
    ];
    for (key, flag, var, default, in_file, in_env, in_flag) in cases {
        let dir = tempfile::tempdir().unwrap();
        let line = |out: &str| {
            out.lines()
                .find(|l| l.starts_with(&format!("{key} = ")))
                .unwrap()
                .to_string()
        };
        let out = config_output(dir.path(), &[], &[]);
        assert_eq!(line(&out), format!("{key} = {default}  (default)"));
        let quoted = if matches!(key, "secure_cookies") {
            in_file.to_string()
        } else {
            format!("{in_file:?}")
        };
        std::fs::write(
            dir.path().join("Leptos.toml"),
            format!("{key} = {quoted}\n"),
        )
        .unwrap();
        let out = config_output(dir.path(), &[], &[]);
        assert_eq!(line(&out), format!("{key} = {in_file}  (file)"));
        let env = [(var, in_env.to_string())];
        let out = config_output(dir.path(), &env, &[]);
        assert_eq!(line(&out), format!("{key} = {in_env}  (env)"));
        let out = config_output(dir.path(), &env, &[flag, in_flag]);
        assert_eq!(line(&out), format!("{key} = {in_flag}  (flag)"));
        // A secret can come from a file named by NAME_FILE.
        let secret = dir.path().join("secret");
        std::fs::write(&secret, format!("{in_env}\n")).unwrap();
        let from_file = [(&*format!("{var}_FILE"), secret.display().to_string())];
        let from_file: Vec<(&str, String)> =
            from_file.iter().map(|(k, v)| (*k, v.clone())).collect();
        let out = config_output(dir.path(), &from_file, &[]);
        assert_eq!(line(&out), format!("{key} = {in_env}  (env file)"));
    }
    // The config file itself can be chosen by flag or variable.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("other.toml"), "listen = \"10.9.9.9:9\"\n").unwrap();
    let out = config_output(dir.path(), &[("HELPDESK_CONFIG", "other.toml".into())], &[]);
    assert!(out.contains("listen = 10.9.9.9:9  (file)"), "{out}");
}

#[test]
fn json_logs_are_one_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    // A serve whose port is taken: it logs (no admin yet) in JSON, then fails to bind.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let listen = taken.local_addr().unwrap().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_helpdesk"))
        .args(["--log-format", "json", "serve", "--listen", &listen])
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("LEPTOS_SITE_ADDR")
        .env("RUST_LOG", "info")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let logs: Vec<&str> = stderr.lines().filter(|l| l.starts_with('{')).collect();
    assert!(!logs.is_empty(), "{stderr}");
    for line in logs {
        let value: serde_json::Value = serde_json::from_str(line).expect(line);
        assert!(
            value["level"].is_string() && value["timestamp"].is_string(),
            "{line}"
        );
    }
}
