//! The `helpdesk` binary as an operator uses it.

use crate::common;

use common::process::{self, text};
use helpdesk::{
    auth::api::Login,
    lists::api::CreateListEntry,
    tickets::api::{AddComment, CreateTicket},
};
use leptos::server_fn::ServerFn;
use std::process::Output;

fn helpdesk(dir: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    process::run(&process::debug_bin(), dir, args, stdin)
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

/// Each command's help lists the settings it uses and no others: the server's flags
/// (address, proxy, cookies, site, log format) belong to `serve` alone.
#[test]
fn each_commands_help_lists_only_the_settings_it_uses() {
    let dir = tempfile::tempdir().unwrap();
    let server_only = [
        "--listen",
        "--behind-proxy",
        "--secure-cookies",
        "--site-root",
        "--log-format",
    ];
    let database = ["--database-url", "--data-dir"];
    let help = |command: &str| {
        let out = helpdesk(dir.path(), &[command, "--help"], "");
        assert!(out.status.success(), "{}", text(&out));
        text(&out)
    };
    for command in ["serve", "config"] {
        let shown = help(command);
        for flag in server_only.iter().chain(&database) {
            assert!(
                shown.contains(flag),
                "{flag} missing from `{command} --help`:\n{shown}"
            );
        }
    }
    for command in [
        "seed",
        "create-admin",
        "migrate",
        "check",
        "backup",
        "restore",
        "version",
    ] {
        let shown = help(command);
        for flag in server_only {
            assert!(
                !shown.contains(flag),
                "{flag} in `{command} --help`:\n{shown}"
            );
        }
        for flag in database {
            assert!(
                shown.contains(flag),
                "{flag} missing from `{command} --help`:\n{shown}"
            );
        }
    }
    // A server flag given to another command is refused by name, before anything runs.
    for args in [
        &["migrate", "--listen", "127.0.0.1:1"][..],
        &["--listen", "127.0.0.1:1", "migrate"][..],
    ] {
        let out = helpdesk(dir.path(), args, "");
        assert!(!out.status.success());
        assert!(text(&out).contains("--listen"), "{}", text(&out));
    }
    assert!(!dir.path().join("data").exists(), "nothing was opened");
    // Settings before or after the command are the same setting.
    let out = helpdesk(dir.path(), &["--data-dir", "a", "migrate"], "");
    assert!(out.status.success(), "{}", text(&out));
    let out = helpdesk(dir.path(), &["migrate", "--data-dir", "b"], "");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        dir.path().join("a/helpdesk.db").is_file() && dir.path().join("b/helpdesk.db").is_file()
    );
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
    // The default database is data/helpdesk.db in the working directory, folder created.
    assert!(dir.path().join("data/helpdesk.db").exists());

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

/// A signed-in client of `server`.
async fn signed_in(server: &process::Server) -> reqwest::Client {
    let client = crate::common::browser().build().unwrap();
    let login = client
        .post(format!("{}/api/login", server.base()))
        .header("accept", "application/json")
        .form(&[("username", "root"), ("password", "a-long-password")])
        .send()
        .await
        .unwrap();
    assert!(login.status().is_success());
    client
}

/// SIGTERM (what systemd sends) while a live-update stream is open: the stream ends, the
/// process finishes and exits 0 instead of waiting for the browser forever.
#[tokio::test]
async fn sigterm_ends_live_streams_and_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let bin = process::debug_bin();
    process::create_admin(&bin, dir.path(), "root", "a-long-password");
    let server = process::start(&bin, dir.path(), &[], &[]);
    let client = signed_in(&server).await;
    let mut stream = server.live_stream(&client).await;

    let status = server.terminate_ending(&mut stream).await;
    assert!(status.success(), "exit status {status}");
}

/// SIGTERM while a request is half sent: the server stops taking new connections but
/// finishes that request (the sign-in answers and sets its cookie), then exits 0.
#[test]
fn sigterm_finishes_the_requests_in_flight() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let bin = process::debug_bin();
    process::create_admin(&bin, dir.path(), "root", "a-long-password");
    // Request starts are logged at debug level: that line says the request is in flight.
    let debug = [("RUST_LOG", "info,tower_http=debug")];
    let server = process::start(&bin, dir.path(), &[], &debug);
    let body = "username=root&password=a-long-password";
    let mut conn = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    conn.set_read_timeout(Some(process::WAIT)).unwrap();
    write!(
        conn,
        "POST /api/login HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{}",
        body.len(),
        &body[..10]
    )
    .unwrap();
    conn.flush().unwrap();
    // The request has started (its log line is written once the headers are read).
    server.wait_for_log("started processing request");

    server.terminate();
    server.wait_for_log("shutting down");
    conn.write_all(&body.as_bytes()[10..]).unwrap();
    let mut reply = String::new();
    conn.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains("helpdesk_session="), "{reply}");
    let status = server.exit_status();
    assert!(status.success(), "exit status {status}");
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
    let db_path = dir.path().join("data/helpdesk.db");
    let url = format!("sqlite://{}", db_path.display());
    let pool = helpdesk::base::db::connect(&url.parse().unwrap())
        .await
        .unwrap();
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
                db::create(
                    &pool,
                    &ticket,
                    (
                        &[],
                        &helpdesk::files::model::Limits {
                            file: 1 << 20,
                            per_comment: 1,
                            per_ticket: 1 << 20,
                        },
                    ),
                    1_767_225_600_000,
                )
                .await
                .unwrap();
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

    let server = process::start(&process::debug_bin(), dir.path(), &[], &[]);
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
    server.terminate();
    assert!(server.exit_status().success());

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
        text(&out).contains(
            "Database is up to date: 25 migrations, the latest “status counts without a sort”"
        ),
        "{}",
        text(&out)
    );
    assert!(dir.path().join("data/helpdesk.db").exists());
}

/// `helpdesk config` in `dir` with exactly these variables set (the settings' own variables
/// are cleared first, so the machine's environment cannot leak in).
fn config_output(dir: &std::path::Path, vars: &[(&str, String)], args: &[&str]) -> String {
    let mut all = vec!["config"];
    all.extend_from_slice(args);
    let mut command = process::command(&process::debug_bin(), dir, &all);
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
            "data_dir",
            "--data-dir",
            "HELPDESK_DATA_DIR",
            "data",
            "file-data",
            "env-data",
            "flag-data",
        ),
        (
            "database_url",
            "--database-url",
            "DATABASE_URL",
            "sqlite://data/helpdesk.db",
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
            "behind_proxy",
            "--behind-proxy",
            "HELPDESK_BEHIND_PROXY",
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
        let quoted = if matches!(key, "secure_cookies" | "behind_proxy") {
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
        let out = config_output(dir.path(), &env, &[&format!("{flag}={in_flag}")]);
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
    // A yes/no flag on its own means yes; the database follows the data folder.
    let out = config_output(
        dir.path(),
        &[],
        &["--behind-proxy", "--data-dir", "/srv/hd"],
    );
    assert!(out.contains("behind_proxy = true  (flag)"), "{out}");
    assert!(
        out.contains("database_url = sqlite:///srv/hd/helpdesk.db  (default)"),
        "{out}"
    );
}

#[test]
fn json_logs_are_one_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    // A serve whose port is taken: it logs (no admin yet) in JSON, then fails to bind.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let listen = taken.local_addr().unwrap().to_string();
    let args = ["--log-format", "json", "serve", "--listen", &listen];
    let out = process::command(&process::debug_bin(), dir.path(), &args)
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

/// With --behind-proxy the request log names the client the proxy reports (the address it
/// added last to X-Forwarded-For) and a sign-in over https gets a Secure cookie; without it
/// those headers are ignored, since anyone could send them.
#[tokio::test]
async fn behind_proxy_trusts_the_forwarded_headers_and_only_then() {
    let dir = tempfile::tempdir().unwrap();
    let bin = process::debug_bin();
    process::create_admin(&bin, dir.path(), "root", "a-long-password");
    for (args, client, secure) in [
        (&[][..], "client=127.0.0.1", false),
        (&["--behind-proxy"][..], "client=203.0.113.7", true),
    ] {
        let server = process::start(&bin, dir.path(), args, &[]);
        let login = reqwest::Client::new()
            .post(format!("{}/api/login", server.base()))
            .header("accept", "application/json")
            .header("x-forwarded-for", "198.51.100.1, 203.0.113.7")
            .header("x-forwarded-proto", "https")
            .form(&[("username", "root"), ("password", "a-long-password")])
            .send()
            .await
            .unwrap();
        assert!(login.status().is_success());
        let cookie = login.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(cookie.starts_with("helpdesk_session="), "{cookie}");
        assert_eq!(cookie.contains("; Secure"), secure, "{args:?}: {cookie}");
        let line = server.wait_for_log("uri=/api/login");
        assert!(line.contains(client), "{args:?}: {line}");
        server.terminate();
        assert!(server.exit_status().success());
    }
}

/// The database, its backups and restored copies hold password hashes and sessions: only
/// their owner may read them. `check` only reads; a PostgreSQL URL is a clear error.
#[cfg(unix)]
#[test]
fn files_are_private_check_only_reads_and_other_databases_are_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    process::create_admin(&process::debug_bin(), dir.path(), "root", "a-long-password");
    let db = dir.path().join("data/helpdesk.db");
    assert_eq!(mode(&db), 0o600);
    let backup = dir.path().join("backup.db");
    let out = helpdesk(
        dir.path(),
        &["backup", "--to", backup.to_str().unwrap()],
        "",
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(mode(&backup), 0o600);
    let out = helpdesk(
        dir.path(),
        &["restore", "--from", backup.to_str().unwrap()],
        "",
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(mode(&db), 0o600);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|name| name.contains("replaced") || name.contains("restoring"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // `check` on an empty file reports it and leaves it empty (it used to migrate it).
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, "").unwrap();
    let url = format!("sqlite://{}", empty.display());
    let out = helpdesk(dir.path(), &["--database-url", &url, "check"], "");
    assert!(!out.status.success());
    assert!(
        text(&out).contains("not a helpdesk database"),
        "{}",
        text(&out)
    );
    assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0);
    let missing = dir.path().join("missing.db");
    let url = format!("sqlite://{}", missing.display());
    let out = helpdesk(dir.path(), &["--database-url", &url, "check"], "");
    assert!(!out.status.success());
    assert!(
        !missing.exists(),
        "check created the file it was asked to check"
    );

    let out = helpdesk(
        dir.path(),
        &["--database-url", "mysql://helpdesk@db/helpdesk", "migrate"],
        "",
    );
    assert!(!out.status.success());
    assert!(
        text(&out).contains("mysql://… is not supported"),
        "{}",
        text(&out)
    );
    assert!(!dir.path().join("mysql:").exists());
}

/// `kill -9` in the middle of eight concurrent comment writers loses no acknowledged
/// comment: after a restart the database is intact and holds every comment that got a 2xx.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_comment_writes_loses_no_acknowledged_comment() {
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().unwrap();
    let bin = process::debug_bin();
    process::create_admin(&bin, dir.path(), "root", "a-long-password");
    let mut server = process::start(&bin, dir.path(), &[], &[]);
    let base = server.base();
    let admin = crate::common::browser().build().unwrap();
    // A server function by its own path, as the browser posts a form to it.
    let call = move |path: &'static str, form: Vec<(&'static str, String)>| {
        let (admin, base) = (admin.clone(), base.clone());
        async move {
            admin
                .post(format!("{base}{path}"))
                .header("accept", "application/json")
                .form(&form)
                .send()
                .await
        }
    };
    let ok = |res: reqwest::Result<reqwest::Response>| async move {
        let res = res.unwrap();
        assert!(res.status().is_success(), "{}", res.status());
        res.text().await.unwrap()
    };
    ok(call(
        Login::PATH,
        vec![
            ("username", "root".into()),
            ("password", "a-long-password".into()),
        ],
    )
    .await)
    .await;
    let dept: serde_json::Value = serde_json::from_str(
        &ok(call(
            CreateListEntry::PATH,
            vec![("list", "departments".into()), ("name", "IT".into())],
        )
        .await)
        .await,
    )
    .unwrap();
    let number: String = serde_json::from_str(
        &ok(call(
            CreateTicket::PATH,
            vec![
                ("request_type_id", "1".into()),
                ("department_id", dept["id"].to_string()),
                ("subject", "Crash test".into()),
                ("description", "Comments follow".into()),
                ("device_no", "".into()),
            ],
        )
        .await)
        .await,
    )
    .unwrap();

    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let (acked, call) = (acked.clone(), call.clone());
            let number = number.clone();
            tokio::spawn(async move {
                for n in 0.. {
                    let text = format!("writer {w} comment {n}");
                    let res = call(
                        AddComment::PATH,
                        vec![
                            ("service_request_no", number.clone()),
                            ("comment_text", text.clone()),
                            ("device_no", "".into()),
                        ],
                    )
                    .await;
                    match res {
                        Ok(res) if res.status().is_success() => acked.lock().unwrap().push(text),
                        _ => return,
                    }
                }
            })
        })
        .collect();
    // Kill once a few hundred writes are acknowledged, writers still going.
    while acked.lock().unwrap().len() < 300 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
    for writer in writers {
        writer.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();

    // Restarted, the database recovers its write-ahead log.
    let server = process::start(&bin, dir.path(), &[], &[]);
    server.terminate();
    assert!(server.exit_status().success());
    let out = helpdesk(dir.path(), &["check"], "");
    assert!(text(&out).contains("integrity: ok"), "{}", text(&out));
    let pool = helpdesk::base::db::connect(&helpdesk::base::db::Database::file(
        &dir.path().join("data/helpdesk.db"),
    ))
    .await
    .unwrap();
    let stored: Vec<String> = sqlx::query_scalar(
        "SELECT comment_text FROM ticket_comments WHERE comment_text LIKE 'writer %'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let stored: std::collections::HashSet<String> = stored.into_iter().collect();
    let lost: Vec<&String> = acked.iter().filter(|t| !stored.contains(*t)).collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged comments lost: {lost:?}",
        lost.len(),
        acked.len()
    );
    println!("acknowledged {}, stored {}", acked.len(), stored.len());
    let counted: i64 = sqlx::query_scalar("SELECT comment_count FROM tickets")
        .fetch_one(&pool)
        .await
        .unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ticket_comments")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(counted, rows, "the comment counter agrees with the rows");
}

/// A SIGTERM the moment the server says it is listening still ends it cleanly: the signal
/// is caught from before that line (it used to be caught from the shutdown future's first
/// poll, and under load 20 of 40 such starts were killed by the signal instead).
#[test]
fn a_sigterm_right_after_listening_ends_the_server_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let bin = process::debug_bin();
    for _ in 0..10 {
        let server = process::start(&bin, dir.path(), &[], &[]);
        server.terminate();
        assert!(server.exit_status().success());
    }
}

/// With its standard error gone (the log collector, or a `| tee`, ended), the server goes
/// on serving and still shuts down cleanly: a log line it cannot write is dropped. It used
/// to abort (tracing reported the failed write on standard error, which panicked).
#[test]
fn a_closed_log_neither_stops_nor_aborts_the_server() {
    use std::io::{BufRead, Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = process::command(
        &process::debug_bin(),
        dir.path(),
        &["serve", "--listen", &listen],
    )
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    let mut log = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("listening on") {
        line.clear();
        assert!(log.read_line(&mut line).unwrap() > 0, "the server ended");
    }
    drop(log);
    // Each request logs a line, now into a closed pipe.
    for _ in 0..3 {
        let mut conn = std::net::TcpStream::connect(&listen).unwrap();
        conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut answer = String::new();
        conn.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

/// `check` hashes every attachment against its name: a damaged file fails it, named; what
/// an upload cut off by a crash left (over ten minutes old) is swept, and then it passes.
#[tokio::test]
async fn check_verifies_attachments_and_sweeps_what_crashes_left() {
    use helpdesk::files::store::Store;
    let dir = tempfile::tempdir().unwrap();
    process::create_admin(&process::debug_bin(), dir.path(), "root", "a-long-password");
    let data = dir.path().join("data");
    let database = helpdesk::base::db::Database::file(&data.join("helpdesk.db"));
    let pool = helpdesk::base::db::connect(&database).await.unwrap();
    let store = Store::new(helpdesk::base::db::Backend::Sqlite, &data);
    let body = |b: &'static [u8]| {
        futures::stream::iter([Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b))])
    };
    let kept = store.put(&pool, body(b"a screenshot"), 1000).await.unwrap();
    let damaged = store.put(&pool, body(b"a log file"), 1000).await.unwrap();
    pool.close().await;
    let left = store.staging().join("upload-00000000000000ff");
    std::fs::write(&left, b"half an upl").unwrap();
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&left)
        .unwrap()
        .set_modified(hour_ago)
        .unwrap();

    let out = helpdesk(dir.path(), &["check"], "");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("attachments: 2 files in ")
            && text(&out).contains(
                "0 missing, 0 damaged, 2 attached to nothing; 1 left by cut-off uploads swept"
            ),
        "{}",
        text(&out)
    );
    assert!(!left.exists());

    std::fs::write(store.path_of(&damaged.sha256), b"a LOG file").unwrap();
    let out = helpdesk(dir.path(), &["check"], "");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "damaged (its bytes no longer match): {}",
            damaged.sha256
        )) && !text(&out).contains(&kept.sha256),
        "{}",
        text(&out)
    );
}

#[tokio::test]
async fn backup_and_restore_carry_the_attachments_beside_the_database() {
    use helpdesk::files::store::Store;
    let dir = tempfile::tempdir().unwrap();
    process::create_admin(&process::debug_bin(), dir.path(), "root", "a-long-password");
    let data = dir.path().join("data");
    let database = helpdesk::base::db::Database::file(&data.join("helpdesk.db"));
    let pool = helpdesk::base::db::connect(&database).await.unwrap();
    let store = Store::new(helpdesk::base::db::Backend::Sqlite, &data);
    let body = |b: &'static [u8]| {
        futures::stream::iter([Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b))])
    };
    let shot = store.put(&pool, body(b"a screenshot"), 1000).await.unwrap();
    let log = store.put(&pool, body(b"a log file"), 1000).await.unwrap();
    pool.close().await;

    let backup = dir.path().join("nightly.db");
    let out = helpdesk(
        dir.path(),
        &["backup", "--to", backup.to_str().unwrap()],
        "",
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("Copied 2 attachments (22 bytes, each checked against its hash)"),
        "{}",
        text(&out)
    );
    let beside = Store::in_folder(&dir.path().join("nightly.db.attachments"));
    assert_eq!(
        std::fs::read(beside.path_of(&shot.sha256)).unwrap(),
        b"a screenshot"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(beside.path_of(&log.sha256))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The name is taken, for the folder too.
    let out = helpdesk(
        dir.path(),
        &["backup", "--to", backup.to_str().unwrap()],
        "",
    );
    assert!(!out.status.success(), "{}", text(&out));

    // The data folder's files are lost; the restore brings them back, and check agrees.
    std::fs::remove_dir_all(data.join("attachments")).unwrap();
    let out = helpdesk(
        dir.path(),
        &["restore", "--from", backup.to_str().unwrap()],
        "",
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("Restored 2 attachments"),
        "{}",
        text(&out)
    );
    let out = helpdesk(dir.path(), &["check"], "");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("0 missing, 0 damaged"),
        "{}",
        text(&out)
    );

    // A backup whose file went missing, with the data folder's copy gone too: refused,
    // by the file, and the database is not replaced.
    std::fs::remove_file(beside.path_of(&log.sha256)).unwrap();
    std::fs::remove_file(store.path_of(&log.sha256)).unwrap();
    let before = std::fs::read(data.join("helpdesk.db")).unwrap();
    let out = helpdesk(
        dir.path(),
        &["restore", "--from", backup.to_str().unwrap()],
        "",
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("{}: missing", log.sha256))
            && text(&out).contains("the database is untouched"),
        "{}",
        text(&out)
    );
    assert_eq!(std::fs::read(data.join("helpdesk.db")).unwrap(), before);
}

/// A client signed in as `username` on a server process, and its session cookie.
async fn signed_in_to(
    server: &process::Server,
    username: &str,
    password: &str,
) -> (reqwest::Client, String) {
    let client = common::browser()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = client
        .post(format!("{}{}", server.base(), Login::PATH))
        .header("accept", "application/json")
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap();
    let cookie = res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or_default()
        .to_string();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    (client, cookie)
}

/// The start of a multipart upload of one file, and its end.
const UPLOAD_HEAD: &str = "--b0und4ry\r\nContent-Disposition: form-data; name=\"file\"; \
    filename=\"crash.log\"\r\nContent-Type: application/octet-stream\r\n\r\n";
const UPLOAD_TAIL: &str = "\r\n--b0und4ry--\r\n";

#[tokio::test]
async fn an_upload_cut_off_by_kill_9_leaves_nothing_that_check_does_not_sweep() {
    let dir = tempfile::tempdir().unwrap();
    process::create_admin(&process::debug_bin(), dir.path(), "root", "a-long-password");
    let mut server = process::start(&process::debug_bin(), dir.path(), &[], &[]);
    let (_, cookie) = signed_in_to(&server, "root", "a-long-password").await;
    // An upload that announces 10 MB, sends 3 MB and then keeps the request open, as a
    // slow link does.
    use tokio::io::AsyncWriteExt;
    let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", server.port))
        .await
        .unwrap();
    conn.write_all(
        format!(
            "POST /api/files HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nCookie: {cookie}\r\n\
             Content-Type: multipart/form-data; boundary=b0und4ry\r\n\
             Content-Length: {}\r\n\r\n{UPLOAD_HEAD}",
            server.port,
            10 << 20
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    for _ in 0..3 {
        conn.write_all(&vec![b'l'; 1 << 20]).await.unwrap();
    }
    let staging = dir.path().join("data/attachments/tmp");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let written = || {
        std::fs::read_dir(&staging)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
            .sum::<u64>()
    };
    while written() < 3 << 20 {
        assert!(
            std::time::Instant::now() < deadline,
            "the upload never reached the disk"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // SIGKILL: no cleanup of any kind runs.
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    drop(conn);

    // What it left is an upload still in progress for ten minutes, then swept; no row
    // names it, nothing is missing or damaged.
    let out = helpdesk(dir.path(), &["check"], "");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("attachments: 0 files")
            && text(&out).contains("0 missing, 0 damaged")
            && text(&out).contains("1 uploads in progress"),
        "{}",
        text(&out)
    );
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for entry in std::fs::read_dir(&staging).unwrap().flatten() {
        std::fs::File::options()
            .write(true)
            .open(entry.path())
            .unwrap()
            .set_modified(hour_ago)
            .unwrap();
    }
    let out = helpdesk(dir.path(), &["check"], "");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("1 left by cut-off uploads swept"),
        "{}",
        text(&out)
    );
    assert_eq!(std::fs::read_dir(&staging).unwrap().count(), 0);
}

/// The server runs with its attachments folder on a 2 MB disk of its own (a tmpfs mounted
/// in a mount namespace of its own, made with `unshare`: no privileges needed where user
/// namespaces are allowed, as on these machines).
#[tokio::test]
async fn a_full_disk_refuses_the_upload_clearly_and_keeps_nothing_of_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    process::create_admin(&process::debug_bin(), dir.path(), "root", "a-long-password");
    let attachments = dir.path().join("data/attachments");
    std::fs::create_dir_all(&attachments).unwrap();
    let wrapper = dir.path().join("on-a-small-disk.sh");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nexec unshare -Urm sh -c 'mount -t tmpfs -o size=2m tmpfs \"$0\" && exec \"$@\"' {} {} \"$@\"\n",
            attachments.display(),
            process::debug_bin().display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let server = process::start(&wrapper, dir.path(), &[], &[]);
    let (client, _) = signed_in_to(&server, "root", "a-long-password").await;
    let upload = |size: usize| {
        let mut body = UPLOAD_HEAD.as_bytes().to_vec();
        body.extend(std::iter::repeat_n(b'd', size));
        body.extend_from_slice(UPLOAD_TAIL.as_bytes());
        client
            .post(format!("{}/api/files", server.base()))
            .header("content-type", "multipart/form-data; boundary=b0und4ry")
            .body(body)
            .send()
    };
    let res = upload(3 << 20).await.unwrap();
    assert_eq!(res.status(), 507);
    assert_eq!(
        res.text().await.unwrap(),
        "The server's disk is full: nothing was stored. Please tell your administrator."
    );
    // Nothing of it is left on that disk (seen through the server's own mount namespace)
    // or in the database, and a file that fits is taken.
    let inside = std::path::PathBuf::from(format!("/proc/{}/root", server.child.id()))
        .join(attachments.strip_prefix("/").unwrap());
    let files = |folder: &std::path::Path| -> u64 {
        let mut total = 0;
        let mut folders = vec![folder.to_path_buf()];
        while let Some(f) = folders.pop() {
            for e in std::fs::read_dir(f).unwrap().flatten() {
                let m = e.metadata().unwrap();
                if m.is_dir() {
                    folders.push(e.path());
                } else {
                    total += m.len();
                }
            }
        }
        total
    };
    assert_eq!(files(&inside), 0);
    let res = upload(100_000).await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(files(&inside), 100_000);
    let database = helpdesk::base::db::Database::file(&dir.path().join("data/helpdesk.db"));
    let pool = helpdesk::base::db::connect(&database).await.unwrap();
    let blobs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachment_blobs")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(blobs, 1);
}
