//! User administration server functions (admin only), and a user's own account changes.

use super::model::{UserForm, UserView};
use crate::error::AppError;
use crate::input::RecordId;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::{
        db::{self, OwnChange, UserInput, password_hash, set_own},
        model::*,
    },
    crate::{
        auth::{
            guard::{self, require_admin},
            password,
        },
        base::context::pool,
        error::ParseAll,
    },
};

#[cfg(feature = "ssr")]
impl UserForm {
    /// Parses every field and `extra` (the form's password field) together, so the form
    /// shows all its problems at once.
    fn parse_with<T>(
        &self,
        extra: (&'static str, Result<T, String>),
    ) -> Result<(UserInput, T), AppError> {
        let (username, email, avatar, department_id, roles, status, extra) = (
            ("username", Username::parse(&self.username)),
            ("email", Email::parse(&self.email)),
            ("avatar_url", AvatarUrl::parse(&self.avatar_url)),
            (
                "department_id",
                parse_department_choice(&self.department_id),
            ),
            (
                "role_admin",
                parse_roles(&[
                    (Role::Admin, checkbox(&self.role_admin)),
                    (Role::Agent, checkbox(&self.role_agent)),
                    (Role::User, checkbox(&self.role_user)),
                ]),
            ),
            ("status", UserStatus::parse(&self.status)),
            extra,
        )
            .all()?;
        let input = UserInput {
            username,
            email,
            avatar,
            department_id,
            roles,
            status,
        };
        Ok((input, extra))
    }
}

#[server(endpoint = "list_users")]
pub async fn list_users() -> Result<Vec<UserView>, AppError> {
    require_admin().await?;
    db::list(&pool()?).await
}

/// Usernames starting with what an admin typed, for the requester filter's suggestions.
#[server(endpoint = "suggest_users")]
pub async fn suggest_users(prefix: String) -> Result<Vec<String>, AppError> {
    require_admin().await?;
    let prefix = prefix.trim().to_lowercase();
    if prefix.is_empty() || prefix.chars().count() > 32 {
        return Ok(Vec::new());
    }
    db::usernames_from(&pool()?, &prefix, 8).await
}

#[server(endpoint = "get_user")]
pub async fn get_user(id: i64) -> Result<UserView, AppError> {
    require_admin().await?;
    db::get(&pool()?, id).await
}

// The form's fields are flattened: a plain HTML form posts them by their own names.
#[server(endpoint = "create_user")]
pub async fn create_user(
    #[server(flatten)] user: UserForm,
    password: String,
) -> Result<UserView, AppError> {
    require_admin().await?;
    let (input, password) = user.parse_with(("password", Password::parse(&password)))?;
    let hash = password::hash(&password).await?;
    db::create(&pool()?, &input, &hash).await
}

#[server(endpoint = "update_user")]
pub async fn update_user(
    id: RecordId,
    #[server(flatten)] user: UserForm,
    new_password: String,
) -> Result<UserView, AppError> {
    let admin = require_admin().await?;
    let id = id.0;
    // An empty new password keeps the current one.
    let password = match new_password.as_str() {
        "" => Ok(None),
        new => Password::parse(new).map(Some),
    };
    let (input, password) = user.parse_with(("new_password", password))?;
    let hash = match &password {
        Some(p) => Some(password::hash(p).await?),
        None => None,
    };
    // Editing themselves, an admin keeps the session they are using.
    let keep = guard::caller().token().filter(|_| admin.id == id).cloned();
    db::update(&pool()?, id, &input, hash.as_deref(), keep.as_ref()).await
}

/// Deactivates or reactivates a user. An inactive user cannot sign in, and loses any open
/// session on their next request.
#[server(endpoint = "set_user_status")]
pub async fn set_user_status(id: i64, status: String) -> Result<UserView, AppError> {
    require_admin().await?;
    let status = UserStatus::parse(&status).map_err(|m| AppError::invalid("status", m))?;
    db::set_status(&pool()?, id, status).await
}

/// Changes the caller's own password. The current one is required (a session left open on
/// a shared computer must not be enough to take the account over); every other session of
/// theirs ends, this one stays.
#[server(endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<String, AppError> {
    let pool = pool()?;
    let user = guard::require_user().await?;
    let new = Password::parse(&new_password);
    let confirmed = match new {
        Ok(_) if new_password != confirm_password => {
            Err("The two new passwords are not the same.".to_string())
        }
        _ => Ok(()),
    };
    let stored = password_hash(&pool, user.id).await?;
    let current = match password::verify(current_password, Some(stored)).await? {
        true => Ok(()),
        false => Err("That is not your current password.".to_string()),
    };
    let (new, (), ()) = (
        ("new_password", new),
        ("confirm_password", confirmed),
        ("current_password", current),
    )
        .all()?;
    let hash = password::hash(&new).await?;
    let caller = guard::caller();
    set_own(&pool, user.id, OwnChange::Password(&hash), caller.token()).await?;
    Ok("Password changed. Every other browser signed in as you is signed out.".into())
}

/// Sets the caller's own preferences: keyboard shortcuts on or off, and list density
/// (`comfortable` or `compact`).
#[server(endpoint = "set_my_preferences")]
pub async fn set_my_preferences(
    #[server(default)] shortcuts: Option<String>,
    density: String,
) -> Result<String, AppError> {
    let user = guard::require_user().await?;
    let density = match density.trim() {
        d @ ("comfortable" | "compact") => d,
        _ => {
            return Err(AppError::invalid(
                "density",
                "Choose comfortable or compact.",
            ));
        }
    };
    let pool = pool()?;
    let mut tx = crate::base::db::begin_write(&pool).await?;
    sqlx::query("UPDATE users SET shortcuts = $1, density = $2 WHERE id = $3")
        .bind(shortcuts.is_some())
        .bind(density)
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    // Who a session belongs to is remembered for a few seconds: forget it, so the next page
    // reads the new preferences.
    crate::auth::session::users_changed(&pool);
    Ok("Preferences saved.".into())
}

/// Sets the caller's own avatar (an https address, or empty for initials).
#[server(endpoint = "set_my_avatar")]
pub async fn set_my_avatar(avatar_url: String) -> Result<String, AppError> {
    let user = guard::require_user().await?;
    let url = AvatarUrl::parse(&avatar_url).map_err(|m| AppError::invalid("avatar_url", m))?;
    set_own(&pool()?, user.id, OwnChange::Avatar(&url), None).await?;
    Ok("Avatar saved.".into())
}
