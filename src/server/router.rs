//! Builds the axum router: Leptos pages, server functions, static files, sessions.

use super::{AppState, Config, db};
use crate::{app::App, app::shell, auth};
use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    http::{Method, header},
    middleware::{self, Next},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list, handle_server_fns_with_context};
use std::sync::Arc;
use tower_sessions::{
    Expiry, Session, SessionManagerLayer, cookie::SameSite, cookie::time::Duration,
};
use tower_sessions_sqlx_store::SqliteStore;

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
        .with_state(state);
    Ok(router)
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
