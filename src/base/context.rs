//! What a server function needs of the request it serves, provided by the router (the
//! composition root) into each request's context: the pool, the cookie setting, who sent
//! it.

use crate::base::db::Pool;
use crate::error::AppError;
use axum::http;
use leptos::prelude::*;

/// The database, from inside a server function or a server-side render.
pub fn pool() -> Result<Pool, AppError> {
    use_context::<Pool>().ok_or_else(|| {
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

/// The items of a list-valued header (`Cookie` by `;`, `Accept-Encoding` by `,`) across
/// all its lines, trimmed.
pub fn header_items(
    headers: &http::HeaderMap,
    name: impl http::header::AsHeaderName,
    separator: char,
) -> impl DoubleEndedIterator<Item = &str> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(move |v| v.split(separator))
        .map(str::trim)
}

/// Whether the request's `If-None-Match` names `etag` (weak or strong) or `*`: the client's
/// copy is current (304).
pub fn if_none_match(headers: &http::HeaderMap, etag: &str) -> bool {
    header_items(headers, http::header::IF_NONE_MATCH, ',')
        .map(|tag| tag.trim_start_matches("W/"))
        .any(|tag| tag == etag || tag == "*")
}
