//! Who is calling: every server function starts here.

use super::model::CurrentUser;
use crate::{error::AppError, server::app_state};
use tower_sessions::Session;

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "no session layer in front of the server function");
        AppError::Internal
    })
}

pub async fn current_user() -> Result<Option<CurrentUser>, AppError> {
    let state = app_state()?;
    super::db::session_user(&state.pool, &session().await?).await
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
