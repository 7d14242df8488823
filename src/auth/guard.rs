//! Who is calling: every server function starts here.

use super::model::CurrentUser;
use crate::{error::AppError, server::app_state};
use leptos::prelude::use_context;
use sqlx::SqlitePool;
use std::sync::Arc;
use tokio::sync::OnceCell;
use tower_sessions::Session;

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "no session layer in front of the server function");
        AppError::Internal
    })
}

/// The caller, looked up at most once per request. A page render calls several server
/// functions, and each looked the session's user up again: 4 of a list page's 11 queries.
/// The router puts one in every request's extensions.
#[derive(Clone, Default)]
pub struct Caller(Arc<OnceCell<Option<CurrentUser>>>);

impl Caller {
    pub async fn get(
        &self,
        pool: &SqlitePool,
        session: &Session,
    ) -> Result<Option<CurrentUser>, AppError> {
        let user = self
            .0
            .get_or_try_init(|| super::db::session_user(pool, session));
        Ok(user.await?.clone())
    }
}

pub async fn current_user() -> Result<Option<CurrentUser>, AppError> {
    let state = app_state()?;
    let session = session().await?;
    let caller = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Caller>().cloned());
    match caller {
        Some(caller) => caller.get(&state.pool, &session).await,
        None => super::db::session_user(&state.pool, &session).await,
    }
}

/// A signed-in, active user, or `Unauthenticated`.
pub async fn require_user() -> Result<CurrentUser, AppError> {
    current_user().await?.ok_or(AppError::Unauthenticated)
}

/// A signed-in, active admin: `Unauthenticated` for nobody, `Forbidden` for anyone else.
pub async fn require_admin() -> Result<CurrentUser, AppError> {
    let user = require_user().await?;
    if user.is_admin {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}
