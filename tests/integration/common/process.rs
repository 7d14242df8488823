//! The `helpdesk` binary run as an operator runs it: a command, or a server on a free port.

use std::{
    io::{BufRead, Write},
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    sync::{
        Arc, Mutex,
        mpsc::{Receiver, channel},
    },
    time::Duration,
};

/// The variables the binary reads its settings from (cleared so the machine's environment
/// cannot leak into a test).
fn setting_vars() -> impl Iterator<Item = &'static str> {
    use helpdesk::server::config::{CONFIG_ENV, SETTINGS};
    SETTINGS.iter().map(|s| s.env).chain([CONFIG_ENV])
}

/// The debug binary cargo built for these tests.
pub fn debug_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_helpdesk"))
}

/// `bin args...` run in `dir`, with a clean environment for its settings.
pub fn command(bin: &Path, dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(bin);
    command.args(args).current_dir(dir);
    for var in setting_vars() {
        command.env_remove(var).env_remove(format!("{var}_FILE"));
    }
    command
}

/// Runs a command to its end, `stdin` as its input.
pub fn run(bin: &Path, dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = command(bin, dir, args)
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

/// Standard output and error together.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub const WAIT: Duration = Duration::from_secs(20);

/// A server process of a test's own. It never outlives its test: dropped (the test passed,
/// failed or panicked) it is killed if still running and waited for, so a test run leaves
/// nothing behind. Then its log is read for panics, which fail the test.
pub struct Server {
    pub child: Child,
    pub port: u16,
    /// The server's log lines after "listening on", as they come.
    pub logs: Receiver<String>,
    /// Every log line that reports a panic ("panicked at").
    panics: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        // The log is read to its end (the pipe closes with the process).
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        let lines = self.panics.lock().map(|l| l.clone()).unwrap_or_default();
        super::panics::fail_on(&format!("server process {}", self.port), &lines);
    }
}

impl Server {
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `client`'s live-update stream on this server, once it has said it is ready.
    pub async fn live_stream(&self, client: &reqwest::Client) -> reqwest::Response {
        let mut stream = client
            .get(format!("{}/api/events", self.base()))
            .send()
            .await
            .unwrap();
        assert_eq!(stream.status(), 200);
        let first = stream.chunk().await.unwrap().unwrap();
        assert!(String::from_utf8_lossy(&first).contains("event: ready"));
        stream
    }

    /// Waits for a log line containing `needle` (no polling: lines arrive as written).
    pub fn wait_for_log(&self, needle: &str) -> String {
        loop {
            let line = self.logs.recv_timeout(WAIT).expect("server log line");
            if line.contains(needle) {
                return line;
            }
        }
    }

    pub fn terminate(&self) {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
    }

    /// SIGTERM while `stream` is open: the stream must end, then the process; how it exited.
    pub async fn terminate_ending(
        self,
        stream: &mut reqwest::Response,
    ) -> std::process::ExitStatus {
        self.terminate();
        let end = tokio::time::timeout(WAIT, stream.chunk())
            .await
            .expect("the stream ended on shutdown");
        assert!(
            matches!(end, Ok(None) | Err(_)),
            "stream still open: {end:?}"
        );
        self.exit_status()
    }

    /// Waits for the process to end, at most `WAIT`.
    pub fn exit_status(mut self) -> std::process::ExitStatus {
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().expect("the server's status") {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the server did not exit within {WAIT:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// `bin serve` on a free port in `dir` (with these extra arguments and variables), returned
/// once it says it is listening.
pub fn start(bin: &Path, dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut all = vec!["serve", "--listen", &listen];
    all.extend_from_slice(args);
    let mut child = command(bin, dir, &all)
        .envs(vars.iter().copied())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines_tx, logs) = channel::<String>();
    let stderr = child.stderr.take().unwrap();
    let panics = Arc::new(Mutex::new(Vec::new()));
    let found = panics.clone();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if line.contains("panicked at") {
                found.lock().unwrap().push(line.clone());
            }
            let _ = lines_tx.send(line);
        }
    });
    let server = Server {
        child,
        port,
        logs,
        panics,
        reader: Some(reader),
    };
    server.wait_for_log("listening on");
    server
}

/// A first admin, made the way the README says.
pub fn create_admin(bin: &Path, dir: &Path, username: &str, password: &str) {
    create_admin_with(bin, dir, &[], username, password)
}

/// `create_admin` with settings before the command (`--database-url URL`).
pub fn create_admin_with(
    bin: &Path,
    dir: &Path,
    settings: &[&str],
    username: &str,
    password: &str,
) {
    let email = format!("{username}@example.com");
    let mut args = settings.to_vec();
    args.extend(["create-admin", "--username", username, "--email", &email]);
    let out = run(bin, dir, &args, &format!("{password}\n"));
    assert!(out.status.success(), "{}", text(&out));
}
