//! Sign-in, sign-out and "who am I" server functions.

use super::model::{Account, CurrentUser};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::{
        db, guard,
        model::INVALID_LOGIN,
        password, session,
        throttle::{self, Throttle},
    },
    crate::{
        auth::model::UserStatus,
        base::context::{client_address, pool, secure_cookies},
    },
};

#[server(endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<(), AppError> {
    let pool = pool()?;
    let username = username.trim().to_lowercase();
    let address = client_address();
    let throttle = Throttle::of(&pool);
    // Counted as under way until this function returns, however it returns.
    let _attempt = throttle
        .begin(&username, address)
        .map_err(|wait| AppError::TooManyAttempts(wait.as_secs_f64().ceil() as u64))?;
    let row = db::find_login(&pool, &username).await?;
    // Verify even for unknown users so timing does not reveal which names exist.
    let matches = password::verify(password, row.as_ref().map(|r| r.password_hash.clone())).await?;
    let user = match row {
        Some(row) if matches && row.status == UserStatus::Active => row,
        _ => {
            throttle.failed(&username, address);
            throttle::tell_others(&pool, &username, Some(address));
            return Err(AppError::invalid("", INVALID_LOGIN));
        }
    };
    throttle.succeeded(&username);
    throttle::tell_others(&pool, &username, None);
    // A new session on every sign-in (the one the request came with, if any, ends): a
    // token planted in a browser beforehand never becomes a signed-in session.
    if let Some(old) = guard::caller().token() {
        session::end(&pool, old).await?;
    }
    let token = session::start(&pool, user.id).await?;
    set_cookie(Some(&token), secure_cookies());
    leptos_axum::redirect(if user.is_admin { "/dashboard" } else { "/" });
    Ok(())
}

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let pool = pool()?;
    if let Some(token) = guard::caller().token() {
        session::end(&pool, token).await?;
    }
    set_cookie(None, secure_cookies());
    leptos_axum::redirect("/login");
    Ok(())
}

/// The signed-in user, or `None` for an anonymous (or just deactivated) visitor.
#[server(endpoint = "who_am_i")]
pub async fn who_am_i() -> Result<Option<CurrentUser>, AppError> {
    guard::current_user().await
}

/// True while no active admin exists: the login page then explains how to create one.
#[server(endpoint = "needs_setup")]
pub async fn needs_setup() -> Result<bool, AppError> {
    Ok(db::active_admin_count(&pool()?).await? == 0)
}

/// The signed-in user's own account, for My account.
#[server(endpoint = "my_account")]
pub async fn my_account() -> Result<Account, AppError> {
    let user = guard::require_user().await?;
    let sessions = session::count_of(&pool()?, user.id).await?;
    Ok(Account {
        username: user.username,
        email: user.email,
        avatar_url: user.avatar_url,
        sessions,
    })
}

/// Ends every session of the caller, this one too: for a browser left signed in elsewhere.
#[server(endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    let pool = pool()?;
    let user = guard::require_user().await?;
    session::end_all_of(&pool, user.id, None).await?;
    set_cookie(None, secure_cookies());
    leptos_axum::redirect("/login");
    Ok(())
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
