//! A panic in a test's server is that test's failure, even when nothing the test reads
//! shows it: a request task or a response body that panics is caught by tokio or hyper,
//! and the client may have read all it needed (439756a: the CSV export panicked after its
//! last batch under gzip, and the test's client had already decoded the whole file).
//!
//! In-process servers: a panic hook notes every panic with the name of the thread it ran
//! on. libtest runs each test on a thread named after it, and a `#[tokio::test]` runs its
//! tasks there (a multi-thread runtime on workers named `tokio-runtime-worker`), so each
//! panic is laid at its test's door. `TestApp` checks when it is dropped.
//! Server processes: their log is read for "panicked at" (`process::Server`).

use std::sync::{Mutex, Once};

/// (thread name, "panicked at FILE:LINE: MESSAGE") for every panic so far.
static SEEN: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

/// A multi-thread runtime's worker threads, whose panics belong to whichever test runs one.
pub const TOKIO_WORKER: &str = "tokio-runtime-worker";

/// Installs the hook (once); the default hook still prints the panic as before.
pub fn watch() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let print = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let thread = std::thread::current().name().unwrap_or("").to_string();
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let at = info.location().map(|l| l.to_string()).unwrap_or_default();
            if let Ok(mut seen) = SEEN.lock() {
                seen.push((thread, format!("panicked at {at}: {message}")));
            }
            print(info);
        }));
    });
}

/// The name of the test running on this thread.
pub fn test_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("(an unnamed thread)")
        .to_string()
}

/// Fails its test, when dropped, if the server it watches panicked meanwhile: on the
/// test's own thread or, with a multi-thread runtime, on a worker (possibly one of another
/// multi-thread test running alongside: the message says so).
pub struct Guard {
    test: String,
    workers: bool,
    from: usize,
}

impl Guard {
    /// Watches from now on, for the test running on this thread.
    pub fn new() -> Guard {
        watch();
        let workers = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        Guard {
            test: test_name(),
            workers,
            from: SEEN.lock().map(|s| s.len()).unwrap_or(0),
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let lines: Vec<String> = SEEN
            .lock()
            .map(|seen| {
                seen.iter()
                    .skip(self.from)
                    .filter(|(t, _)| *t == self.test || (self.workers && t == TOKIO_WORKER))
                    .map(|(t, line)| format!("[thread {t}] {line}"))
                    .collect()
            })
            .unwrap_or_default();
        fail_on("the test's server", &lines);
    }
}

/// Fails the test on this thread if `lines` holds a panic (unless it is failing already:
/// a second panic while unwinding would abort the whole run).
pub fn fail_on(what: &str, lines: &[String]) {
    if !lines.is_empty() && !std::thread::panicking() {
        panic!(
            "{what} panicked during test {}:\n{}",
            test_name(),
            lines.join("\n")
        );
    }
}

/// The guard itself: a panic in a task of the test's server (here, a task on the test's
/// runtime that panics and is never awaited) fails the test, naming it.
#[tokio::test]
async fn a_panic_in_a_server_task_fails_the_test_that_ran_it() {
    let guard = Guard::new();
    let task = tokio::spawn(async { panic!("a response body polled after its end") });
    assert!(
        task.await.is_err(),
        "the task panicked, and tokio caught it"
    );
    let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(guard)))
        .expect_err("the guard fails the test");
    let message = failed.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message.contains("a_panic_in_a_server_task_fails_the_test_that_ran_it")
            && message.contains("panicked at tests/integration/common/panics.rs")
            && message.contains("a response body polled after its end"),
        "{message}"
    );
    // A guard made afterwards starts clean.
    drop(Guard::new());
}
