#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Logging starts inside `run`, once the settings (including the log format) are known.
    match helpdesk::server::cli::run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
