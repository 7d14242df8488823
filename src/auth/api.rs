//! Sign-in, sign-out and "who am I" server functions.

use super::model::CurrentUser;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::{db, guard, model::INVALID_LOGIN, password, session},
    crate::server::{app_state, respond},
};

#[server(endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<(), AppError> {
    respond(async move {
        let state = app_state()?;
        let username = username.trim().to_lowercase();
        let row = db::find_login(&state.pool, &username).await?;
        // Verify even for unknown users so timing does not reveal which names exist.
        let matches =
            password::verify(password, row.as_ref().map(|r| r.password_hash.clone())).await;
        let user = match row {
            Some(row) if matches && row.status == "active" => row,
            _ => return Err(AppError::invalid("", INVALID_LOGIN)),
        };
        // A new session on every sign-in (the one the request came with, if any, ends): a
        // token planted in a browser beforehand never becomes a signed-in session.
        if let Some(old) = guard::caller().token() {
            session::end(&state.pool, old).await?;
        }
        let token = session::start(&state.pool, user.id).await?;
        set_cookie(Some(&token), state.config.secure_cookies);
        leptos_axum::redirect("/");
        Ok(())
    })
    .await
}

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    respond(async move {
        let state = app_state()?;
        if let Some(token) = guard::caller().token() {
            session::end(&state.pool, token).await?;
        }
        set_cookie(None, state.config.secure_cookies);
        leptos_axum::redirect("/login");
        Ok(())
    })
    .await
}

/// The signed-in user, or `None` for an anonymous (or just deactivated) visitor.
#[server(endpoint = "who_am_i")]
pub async fn who_am_i() -> Result<Option<CurrentUser>, AppError> {
    respond(guard::current_user()).await
}

/// True while no active admin exists: the login page then explains how to create one.
#[server(endpoint = "needs_setup")]
pub async fn needs_setup() -> Result<bool, AppError> {
    respond(async move { Ok(db::active_admin_count(&app_state()?.pool).await? == 0) }).await
}

#[cfg(feature = "ssr")]
fn set_cookie(token: Option<&session::Token>, secure: bool) {
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.append_header(
            axum::http::header::SET_COOKIE,
            session::cookie(token, secure),
        );
    }
}
