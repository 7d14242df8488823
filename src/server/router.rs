//! Builds the axum router: Leptos pages, server functions, static files, sessions.

use super::{
    AppState, Config, Parts,
    site::{Origin, Site},
};
use crate::base::{
    db::{self, Backend, Pool, migrator},
    signal::{self, Signal},
};
use crate::live::hub::Hub;
use crate::{app::App, app::shell, auth};
use axum::{
    Router,
    body::Body,
    extract::{ConnectInfo, Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use leptos::prelude::*;
use leptos_axum::{
    AxumRouteListing, LeptosRoutes, generate_route_list, handle_server_fns_with_context,
};
use std::{net::SocketAddr, sync::Arc};
use tower_http::{
    compression::{CompressionLayer, DefaultPredicate, Predicate},
    limit::RequestBodyLimitLayer,
    set_header::SetResponseHeaderLayer,
    timeout::TimeoutLayer,
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

pub type BootError = Box<dyn std::error::Error + Send + Sync>;

/// Opens (creating and migrating) the database, loads the site and builds the state.
pub async fn state(config: Config) -> Result<AppState, BootError> {
    let pool = crate::base::db::connect(&config.database_url).await?;
    let site =
        Site::load(&config.site_root).map_err(|e| format!("cannot read the site folder: {e}"))?;
    match &site.origin {
        Origin::Embedded => {
            tracing::info!(files = site.len(), "serving the site built into the binary")
        }
        Origin::Folder(dir) => {
            tracing::info!(files = site.len(), folder = %dir.display(), "serving the site from a folder")
        }
    }
    let leptos_options = LeptosOptions::builder()
        // Pages link the app's files under a versioned folder (see site.rs).
        .output_name("helpdesk")
        .site_root(match &config.site_root {
            super::config::SiteRoot::Folder(dir) => dir.as_str(),
            super::config::SiteRoot::BuiltIn => "",
        })
        .site_pkg_dir(site.pkg_dir())
        .site_addr(config.listen)
        .build();
    let hub = Hub::new(&pool);
    listen_to_other_servers(&pool, &hub).await?;
    const MB: u64 = 1 << 20;
    let files = crate::files::upload::Files::new(
        crate::files::store::Store::new(
            config.database_url.backend(),
            std::path::Path::new(&config.data_dir),
        ),
        crate::files::model::Limits {
            file: config.attachment_max_mb * MB,
            per_comment: config.attachments_per_comment,
            per_ticket: config.attachments_per_ticket_mb * MB,
        },
        config.uploads_per_minute,
    );
    let mail = crate::mail::mailer::Mail::new(
        &pool,
        crate::mail::mailer::MailSettings {
            smtp: config.smtp_url.as_ref(),
            imap: config.imap_url.as_ref(),
            from: config.mail_from.as_ref(),
            public: config.public_url.as_ref(),
        },
        &hub,
        &files,
    )
    .await?;
    Ok(AppState::from(Parts {
        pool,
        leptos_options,
        config: Arc::new(config),
        hub,
        site: Arc::new(site),
        mail,
        files,
    }))
}

/// What this server keeps in memory follows the changes every other app server on the
/// database makes (PostgreSQL; with SQLite there are no others). A lost connection may
/// have lost signals: then everything kept is forgotten and every page refetches.
async fn listen_to_other_servers(pool: &Pool, hub: &Hub) -> Result<(), BootError> {
    let (here, hub) = (pool.clone(), hub.clone());
    let pool = here.clone();
    let handle = move |signal: Signal| match signal {
        Signal::Topic(topic, payload) => match topic.as_str() {
            db::WRITES_SIGNAL => db::wrote_elsewhere(&pool),
            auth::session::SIGNAL => auth::session::forget_users(&pool),
            crate::lists::db::SIGNAL => crate::lists::db::forget(&pool),
            auth::throttle::SIGNAL => auth::throttle::heard(&pool, &payload),
            crate::live::hub::SIGNAL => match serde_json::from_str(&payload) {
                Ok(change) => hub.heard(Some(change)),
                Err(e) => tracing::warn!(error = %e, "a change from another server did not read"),
            },
            other => tracing::warn!(topic = other, "a signal nobody handles"),
        },
        Signal::Missed => {
            db::wrote_elsewhere(&pool);
            auth::session::forget_users(&pool);
            crate::lists::db::forget(&pool);
            hub.heard(None);
        }
    };
    let listening = signal::listen(&here, handle).await;
    listening.map_err(|e| format!("cannot listen for other servers' changes: {e}").into())
}

/// `--test-clock` only: moves the server's clock forward by `advance_minutes` (at most a
/// year at a time) and answers the new time (unix ms).
async fn advance_clock(
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<String, StatusCode> {
    let minutes: i64 = q
        .get("advance_minutes")
        .and_then(|m| m.parse().ok())
        .filter(|m| (0..=525_600).contains(m))
        .ok_or(StatusCode::BAD_REQUEST)?;
    crate::base::db::advance_clock(minutes * 60_000);
    Ok(crate::base::db::now_ms().to_string())
}

pub async fn router(state: AppState) -> Result<Router, BootError> {
    tokio::spawn(purge_sessions(state.pool.clone()));
    tokio::spawn(sweep_files(state.pool.clone(), state.files.store.clone()));
    if let Some(mailer) = state.mail.mailer.clone() {
        tokio::spawn(mailer.run());
    }
    if let Some(poller) = state.mail.poller.clone() {
        tokio::spawn(poller.run());
    }
    let routes = routes();
    let mut router = Router::new();
    if state.config.test_clock {
        tracing::warn!("test clock on: POST /api/test/clock moves the server's clock");
        router = router.route("/api/test/clock", axum::routing::post(advance_clock));
    }
    let router = router
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        // Live updates (SSE); more specific than the server functions' wildcard below.
        .route("/api/events", get(crate::live::hub::events))
        // The list as CSV, with the list's own query.
        .route("/tickets.csv", get(crate::tickets::csv::export))
        // Attachments, to those who may see their comment.
        .route("/files/{id}/{name}", get(crate::files::serve::serve))
        .route(
            "/files/{id}/thumb/{name}",
            get(crate::files::serve::thumbnail),
        )
        .route(
            "/api/{*fn_name}",
            get(server_fn_handler).post(server_fn_handler),
        )
        .leptos_routes_with_context(
            &state,
            routes,
            {
                let state = state.clone();
                move || state.provide()
            },
            {
                let options = state.leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(files_or_not_found)
        // leptos_axum gives each server function its own route; this maps their errors.
        .layer(middleware::map_response(crate::error::with_status))
        .layer(middleware::from_fn(run_to_completion))
        .layer(middleware::from_fn_with_state(state.clone(), sign_in_gate))
        // Forms are small (a comment is at most 10,000 characters).
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        // Outside run_to_completion: the client gets its answer, the request still ends
        // cleanly. (A live stream's answer is its headers, sent at once.)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIME_LIMIT,
        ))
        // Uploads: their own body limit (the settings'), and no time limit (they cut off
        // stalled and crawling uploads themselves); merged after the layers above, which
        // apply only to the routes that existed when they were added.
        .merge(
            Router::new()
                .route(
                    "/api/files",
                    axum::routing::post(crate::files::upload::upload),
                )
                .route(
                    "/api/with-files/{name}",
                    axum::routing::post(form_with_files),
                )
                .layer(middleware::from_fn(run_to_completion))
                .layer(middleware::from_fn_with_state(state.clone(), sign_in_gate))
                .layer(axum::extract::DefaultBodyLimit::disable())
                .layer(RequestBodyLimitLayer::new(
                    usize::try_from(state.files.limits.request()).unwrap_or(usize::MAX),
                )),
        );
    let router = SECURITY_HEADERS
        .into_iter()
        .fold(router, |router, (name, value)| {
            router.layer(SetResponseHeaderLayer::if_not_present(
                name,
                HeaderValue::from_static(value),
            ))
        })
        // Pages and server-function answers (the site's files come precompressed; the
        // default predicate leaves the live-update stream alone).
        // Files with an ETag are the site's own: compressing them on the fly would give two
        // bodies one strong ETag.
        // gzip alone, said outright: the layer also offers every encoding that any crate in
        // the build enabled for *decompression*, and the test build has reqwest's br and
        // deflate decoders. There a browser's "gzip, deflate, br" chose br, which this build
        // cannot encode, and got the body uncompressed, while the release binary chose gzip
        // and broke the CSV export (issue 21): tests and release took different paths.
        .layer(
            CompressionLayer::new()
                .gzip(true)
                .no_br()
                .no_deflate()
                .no_zstd()
                .compress_when(DefaultPredicate::new().and(
                    |_: StatusCode,
                     _: axum::http::Version,
                     h: &axum::http::HeaderMap,
                     _: &axum::http::Extensions| {
                        !h.contains_key(header::ETAG)
                    },
                )),
        )
        // One line per request with its status, latency and client address.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let client = req.extensions().get::<Client>();
                    tracing::info_span!(
                        "request",
                        method = %req.method(),
                        uri = %req.uri(),
                        client = %client.map(|c| c.ip.to_string()).unwrap_or_default(),
                    )
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(middleware::from_fn_with_state(state.clone(), client_info))
        .with_state(state);
    Ok(router)
}

/// The app's routes, worked out once per process. Leptos renders the app to find them with a
/// process-wide switch that stops every Resource from loading (leptos-rs/leptos#4773): a page
/// rendering meanwhile, for another server in the same process (integration tests boot
/// one per test), would wait forever. Once per process, no render can overlap it.
fn routes() -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The longest a request may take to be answered (503 beyond).
pub const REQUEST_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Largest request body accepted (413 beyond).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The security headers every response carries unless a handler set its own. The CSP
/// allows our own scripts, the WebAssembly they load ('wasm-unsafe-eval') and the inline
/// scripts Leptos writes for hydration ('unsafe-inline'; nonces would be the next step),
/// avatars from any https address, and no framing at all.
const SECURITY_HEADERS: [(header::HeaderName, &str); 4] = [
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; connect-src 'self'; \
         frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    ),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "same-origin"),
    (header::X_FRAME_OPTIONS, "DENY"),
];

/// Ready when the database answers and every migration this binary carries is applied.
async fn readyz(State(state): State<AppState>) -> Response {
    let expected = migrator(Backend::of(&state.pool)).iter().count() as i64;
    let applied: Result<i64, _> =
        sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
            .fetch_one(&state.pool)
            .await;
    match applied {
        Ok(n) if n >= expected => (StatusCode::OK, "ready").into_response(),
        Ok(n) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{n} of {expected} migrations applied"),
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

/// A file of the compiled site, or else the app's own "page not found".
async fn files_or_not_found(State(state): State<AppState>, req: Request<Body>) -> Response {
    if let Some(res) = state
        .site
        .respond(req.method(), req.uri().path(), req.headers())
    {
        return res;
    }
    let options = state.leptos_options.clone();
    let render = leptos_axum::render_app_async_with_context(
        move || state.provide(),
        move || shell(options.clone()),
    );
    render(req).await
}

pub use crate::base::context::Client;

/// Records the client in the request (for the request log) and, when the proxy says the
/// browser came over https, marks the session cookie `Secure`.
async fn client_info(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED.into());
    let client = if state.config.behind_proxy {
        forwarded_client(req.headers(), peer)
    } else {
        Client {
            ip: peer,
            https: false,
        }
    };
    req.extensions_mut().insert(client);
    let mut res = next.run(req).await;
    if client.https && !state.config.secure_cookies {
        secure_cookies(res.headers_mut());
    }
    res
}

/// The client a single reverse proxy reports: the last X-Forwarded-For entry is the one the
/// proxy added itself (earlier ones come from the browser and may be made up).
fn forwarded_client(headers: &axum::http::HeaderMap, peer: std::net::IpAddr) -> Client {
    let ip = crate::base::context::header_items(headers, "x-forwarded-for", ',')
        .filter_map(|ip| ip.parse().ok())
        .next_back()
        .unwrap_or(peer);
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"));
    Client { ip, https }
}

fn secure_cookies(headers: &mut axum::http::HeaderMap) {
    let cookies: Vec<HeaderValue> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|cookie| match cookie.to_str() {
            Ok(text) if !text.to_ascii_lowercase().contains("; secure") => {
                HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or(cookie.clone())
            }
            _ => cookie.clone(),
        })
        .collect();
    if !cookies.is_empty() {
        headers.remove(header::SET_COOKIE);
        for cookie in cookies {
            headers.append(header::SET_COOKIE, cookie);
        }
    }
}

/// A request whose client has gone still runs to its end, in a task of its own, and its
/// answer is dropped. Cancelled mid-render, a page disposed its reactive owner while tasks
/// the render had spawned still ran, and those panicked on the disposed signals (bench:
/// 1-2 panics per 800 dropped requests). A write the client gave up on completes as well.
async fn run_to_completion(req: Request, next: Next) -> Response {
    use tracing::Instrument;
    let task = tokio::spawn(next.run(req).instrument(tracing::Span::current()));
    task.await.unwrap_or_else(|e| {
        tracing::error!(error = %e, "a request's task failed");
        crate::error::AppError::Internal.status_response()
    })
}

async fn server_fn_handler(State(state): State<AppState>, req: Request<Body>) -> impl IntoResponse {
    handle_server_fns_with_context(move || state.provide(), req).await
}

/// A form with files, posted without JavaScript: its files stored, then the rest handed to
/// the server function it is for (see `files::upload::form_with_files`).
async fn form_with_files(
    State(state): State<AppState>,
    axum::Extension(caller): axum::Extension<auth::guard::Caller>,
    axum::extract::Path(name): axum::extract::Path<String>,
    req: Request<Body>,
) -> Response {
    match crate::files::upload::form_with_files(&state.pool, &state.files, &caller, &name, req)
        .await
    {
        Ok(req) => server_fn_handler(State(state), req).await.into_response(),
        Err(answer) => answer,
    }
}

/// A request that changes something (anything but GET, HEAD, OPTIONS) from another site is
/// refused before it runs: its `Origin` must be this site's (the `Host` it was sent to, or
/// with `--behind-proxy` the `X-Forwarded-Host` the proxy reports), and a browser must not
/// say `Sec-Fetch-Site: cross-site`; `--public-url`'s origin is accepted too. Requests with neither header (curl, old browsers) pass:
/// browsers send at least one on every cross-site POST. SameSite=Lax cookies already keep
/// the session out of most such requests; this also covers sign-in (login CSRF).
fn cross_site_write(state: &AppState, req: &Request) -> Option<Response> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return None;
    }
    let headers = req.headers();
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let cross_site = text("sec-fetch-site").is_some_and(|site| site == "cross-site");
    let host = if state.config.behind_proxy {
        text("x-forwarded-host").or(text("host"))
    } else {
        text("host")
    };
    // The public address, when set, is ours too (a proxy that rewrites Host).
    let public = |origin: &str| {
        state
            .config
            .public_url
            .as_ref()
            .is_some_and(|url| url.origin().eq_ignore_ascii_case(origin))
    };
    let foreign = match (text("origin"), host) {
        (None, _) => false,
        (Some(origin), _) if public(origin) => false,
        // "null" (a sandboxed frame, a file) or an origin we cannot compare: not ours.
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_none_or(|(_, authority)| !authority.eq_ignore_ascii_case(host.trim())),
        (Some(_), None) => true,
    };
    if !(cross_site || foreign) {
        return None;
    }
    tracing::warn!(origin = ?text("origin"), host = ?host, "refused a cross-site request");
    Some(crate::error::AppError::Forbidden.status_response())
}

/// Expired sessions are deleted once an hour (a sign-in that is never used again would
/// otherwise stay in the table for good).
async fn purge_sessions(pool: crate::base::db::Pool) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(60 * 60));
    loop {
        every.tick().await;
        match auth::session::purge_expired(&pool).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "expired sessions deleted"),
            Err(e) => tracing::warn!(error = %e, "deleting expired sessions failed"),
        }
    }
}

/// Uploads no comment claimed and files nothing uses are forgotten after a day, once an
/// hour (`files::db::sweep`).
async fn sweep_files(pool: crate::base::db::Pool, store: crate::files::store::Store) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(60 * 60));
    loop {
        every.tick().await;
        match crate::files::db::sweep(&pool, &store, crate::base::db::now_ms()).await {
            Ok((0, 0)) => {}
            Ok((uploads, files)) => tracing::info!(uploads, files, "unused attachments forgotten"),
            Err(e) => tracing::warn!(error = %e, "forgetting unused attachments failed"),
        }
    }
}

/// Puts the caller (from the session cookie, looked up on first use) in every request.
/// Pages need a signed-in, active user: anonymous visitors go to `/login` before anything
/// renders, and signed-in users skip the login page. Server functions check rights themselves.
/// Writes from another site are refused first (`cross_site_write`).
async fn sign_in_gate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if let Some(refused) = cross_site_write(&state, &req) {
        return refused;
    }
    let caller = auth::guard::Caller::from_headers(req.headers());
    req.extensions_mut().insert(caller.clone());
    let path = req.uri().path();
    let is_page = req.method() == Method::GET
        && !path.starts_with("/api/")
        && path != "/healthz"
        && path != "/readyz"
        && !path.starts_with("/pkg/")
        && !path.starts_with("/files/")
        && !path.rsplit('/').next().unwrap_or("").contains('.');
    let mut res = if is_page {
        let signed_in = match caller.get(&state.pool).await {
            Ok(user) => user.is_some(),
            Err(_) => return crate::error::AppError::Internal.status_response(),
        };
        match (signed_in, path == "/login") {
            (false, false) => return Redirect::to("/login").into_response(),
            (true, true) => return Redirect::to("/").into_response(),
            _ => {
                let mut res = next.run(req).await;
                // Pages show per-user data: never let a shared cache keep them.
                res.headers_mut().insert(
                    header::CACHE_CONTROL,
                    header::HeaderValue::from_static("no-store"),
                );
                res
            }
        }
    } else {
        next.run(req).await
    };
    // The session's expiry moved: so does the cookie's (unless sign-in or out set its own).
    if caller.slid() && !res.headers().contains_key(header::SET_COOKIE) {
        res.headers_mut().append(
            header::SET_COOKIE,
            auth::session::cookie(caller.token(), state.config.secure_cookies),
        );
    }
    res
}
