//! Builds the axum router: Leptos pages, server functions, static files, sessions.

use super::{AppState, Config, db};
use crate::{app::App, app::shell, auth};
use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list, handle_server_fns_with_context};
use std::sync::Arc;
use tower_http::{
    limit::RequestBodyLimitLayer,
    set_header::SetResponseHeaderLayer,
    trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer},
};
use tower_sessions::{
    Expiry, Session, SessionManagerLayer, cookie::SameSite, cookie::time::Duration,
};
use tower_sessions_sqlx_store::SqliteStore;
use tracing::Level;

pub type BootError = Box<dyn std::error::Error + Send + Sync>;

/// Opens (creating and migrating) the database and builds the state.
pub async fn state(config: Config) -> Result<AppState, BootError> {
    let pool = db::connect(&config.database_url).await?;
    let leptos_options = LeptosOptions::builder()
        .output_name("helpdesk")
        .site_root(config.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(config.listen)
        .build();
    Ok(AppState {
        pool,
        leptos_options,
        config: Arc::new(config),
        hub: Default::default(),
    })
}

pub async fn router(state: AppState) -> Result<Router, BootError> {
    let store = SqliteStore::new(state.pool.clone())
        .with_table_name("sessions")
        .map_err(|e| format!("session table name: {e}"))?;
    store.migrate().await?;
    let sessions = SessionManagerLayer::new(store)
        .with_name("helpdesk_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.secure_cookies)
        .with_expiry(Expiry::OnInactivity(Duration::days(14)));

    let routes = generate_route_list(App);
    let router = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        // Live updates (SSE); more specific than the server functions' wildcard below.
        .route("/api/events", get(crate::live::hub::events))
        .route(
            "/api/{*fn_name}",
            get(server_fn_handler).post(server_fn_handler),
        )
        .leptos_routes_with_context(
            &state,
            routes,
            {
                let state = state.clone();
                move || provide_context(state.clone())
            },
            {
                let options = state.leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(
            {
                let state = state.clone();
                move || provide_context(state.clone())
            },
            shell,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), sign_in_gate))
        .layer(sessions)
        // Forms are small (a comment is at most 10,000 characters).
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT));
    let router = SECURITY_HEADERS
        .into_iter()
        .fold(router, |router, (name, value)| {
            router.layer(SetResponseHeaderLayer::if_not_present(
                name,
                HeaderValue::from_static(value),
            ))
        })
        // One line per request with its status and latency.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state);
    Ok(router)
}

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
    let expected = sqlx::migrate!().iter().count() as i64;
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

async fn server_fn_handler(State(state): State<AppState>, req: Request<Body>) -> impl IntoResponse {
    handle_server_fns_with_context(move || provide_context(state.clone()), req).await
}

/// Pages need a signed-in, active user: anonymous visitors go to `/login` before anything
/// renders, and signed-in users skip the login page. Server functions check rights themselves.
async fn sign_in_gate(
    State(state): State<AppState>,
    session: Session,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    let is_page = req.method() == Method::GET
        && !path.starts_with("/api/")
        && path != "/healthz"
        && path != "/readyz"
        && !path.starts_with("/pkg/")
        && !path.rsplit('/').next().unwrap_or("").contains('.');
    if !is_page {
        return next.run(req).await;
    }
    let signed_in = match auth::db::session_user(&state.pool, &session).await {
        Ok(user) => user.is_some(),
        Err(_) => return crate::error::AppError::Internal.status_response(),
    };
    match (signed_in, path == "/login") {
        (false, false) => Redirect::to("/login").into_response(),
        (true, true) => Redirect::to("/").into_response(),
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
}
