//! What a server function needs of the request it serves, provided by the router (the
//! composition root) into each request's context: the pool, the cookie setting, who sent
//! it, and the mapping of an error to its HTTP status.

use crate::error::AppError;
use axum::http;
use leptos::prelude::*;
use sqlx::SqlitePool;

/// The database, from inside a server function or a server-side render.
pub fn pool() -> Result<SqlitePool, AppError> {
    use_context::<SqlitePool>().ok_or_else(|| {
        match use_context::<http::request::Parts>() {
            Some(parts) => tracing::error!(uri = %parts.uri, "no pool in the request's context"),
            // A render whose request was cancelled (the browser navigated away) can still
            // poll a resource after its context is gone: nobody is waiting for the answer.
            None => tracing::debug!("server function ran after its request was dropped"),
        }
        AppError::Internal
    })
}

/// Whether cookies are marked `Secure` (`--secure-cookies`).
#[derive(Clone, Copy)]
pub struct SecureCookies(pub bool);

pub fn secure_cookies() -> bool {
    use_context::<SecureCookies>().is_some_and(|s| s.0)
}

/// Who sent a request: the peer, or with `--behind-proxy` what the proxy says of the client.
#[derive(Debug, Clone, Copy)]
pub struct Client {
    pub ip: std::net::IpAddr,
    pub https: bool,
}

/// The request's client address (unspecified outside a request).
pub fn client_address() -> std::net::IpAddr {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Client>().copied())
        .map(|client| client.ip)
        .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED.into())
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
