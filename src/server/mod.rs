//! Server-only plumbing: configuration, the database pool, shared state, the router and the CLI.

pub mod cli;
pub mod config;
pub mod db;
pub mod ops;
pub mod router;
pub mod seed;
pub mod site;

use crate::error::AppError;
use axum::{extract::FromRef, http};
use leptos::prelude::*;
use sqlx::SqlitePool;

pub use config::Config;

/// Everything a request handler or server function needs. Cheap to clone (all `Arc`s inside).
#[derive(FromRef, Clone)]
pub struct AppState {
    pub pool: SqlitePool,
    pub leptos_options: LeptosOptions,
    pub config: std::sync::Arc<Config>,
    /// Fan-out of ticket changes to the open live-update streams.
    pub hub: crate::live::hub::Hub,
    /// The compiled site's files, served from memory.
    pub site: std::sync::Arc<site::Site>,
}

/// The state, from inside a server function or a server-side render.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        match use_context::<http::request::Parts>() {
            Some(parts) => tracing::error!(uri = %parts.uri, "AppState missing from the context"),
            // A render whose request was cancelled (the browser navigated away) can still
            // poll a resource after its context is gone: nobody is waiting for the answer.
            None => tracing::debug!("server function ran after its request was dropped"),
        }
        AppError::Internal
    })
}

/// Runs a server function body and, for fetch calls, sets the HTTP status its error stands for.
/// Plain form posts (no JavaScript) keep the framework's redirect back to the form, which
/// carries the error in the URL for the page to show.
pub async fn respond<T>(
    body: impl std::future::Future<Output = Result<T, AppError>>,
) -> Result<T, AppError> {
    let result = body.await;
    if let Err(err) = &result {
        let form_post = use_context::<http::request::Parts>()
            .and_then(|parts| {
                parts
                    .headers
                    .get(http::header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| v.contains("text/html"))
            })
            .unwrap_or(false);
        if !form_post
            && let Some(res) = use_context::<leptos_axum::ResponseOptions>()
            && let Ok(code) = http::StatusCode::from_u16(err.status_code())
        {
            res.set_status(code);
            if let AppError::TooManyAttempts(secs) = err {
                res.insert_header(http::header::RETRY_AFTER, (*secs).into());
            }
        }
    }
    result
}
