//! A panic is logged as one ERROR line through the server's log, with the request it
//! happened in, instead of Rust's bare multi-line message on standard error. tokio and
//! hyper catch a panic in a request task or a response body (the server goes on), so this
//! line is all an operator, or a test reading the log, ever sees of it. A panic is a bug:
//! tests and the benchmark fail on any line that says "panicked at".

/// Installs the hook for the whole process (the server and every command).
pub fn log_panics() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| info.payload().downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(a panic without a message)");
        let at = info
            .location()
            .map(|l| l.to_string())
            .unwrap_or_else(|| "an unknown place".into());
        let line = one_line(&at, message);
        let thread = std::thread::current();
        let thread = thread.name().unwrap_or("unnamed");
        // RUST_BACKTRACE asks for the backtrace (several lines): a developer's choice.
        let trace = std::backtrace::Backtrace::capture();
        let logging =
            tracing::dispatcher::get_default(|d| !d.is::<tracing::subscriber::NoSubscriber>());
        if !logging {
            eprintln!("{line} (thread {thread})");
        } else if trace.status() == std::backtrace::BacktraceStatus::Captured {
            tracing::error!(target: "helpdesk::panic", thread, backtrace = %trace, "{line}");
        } else {
            // Inside a request its span (method, path, client) prefixes the line.
            tracing::error!(target: "helpdesk::panic", thread, "{line}");
        }
    }));
}

/// "panicked at FILE:LINE:COL: MESSAGE", the message's line breaks written as `\n`.
fn one_line(at: &str, message: &str) -> String {
    format!("panicked at {at}: {}", message.replace('\n', "\\n"))
}

#[cfg(test)]
mod tests {
    use super::super::test_log::Lines;

    #[test]
    fn a_panic_in_a_request_is_one_error_line_naming_the_request() {
        super::log_panics();
        let lines = Lines::default();
        let writer = lines.clone();
        let panicked = std::thread::spawn(move || {
            let subscriber = tracing_subscriber::fmt()
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .finish();
            tracing::subscriber::with_default(subscriber, || {
                let span = tracing::info_span!("request", method = "GET", uri = "/tickets.csv");
                let _inside = span.enter();
                panic!("Unfold must not be polled\nafter it returned `Poll::Ready(None)`");
            })
        })
        .join();
        assert!(panicked.is_err());
        let text = lines.text();
        let logged: Vec<&str> = text.lines().collect();
        let no_backtrace = std::backtrace::Backtrace::capture().status()
            != std::backtrace::BacktraceStatus::Captured;
        assert!(logged.len() == 1 || !no_backtrace, "{text}");
        let line = logged[0];
        for part in [
            "ERROR",
            "request{method=\"GET\" uri=\"/tickets.csv\"}",
            "panicked at src/server/panics.rs:",
            "Unfold must not be polled\\nafter it returned",
        ] {
            assert!(line.contains(part), "{part:?} in {line}");
        }
    }
}
