//! User administration server functions: admin only.

// Each argument is one field of a plain HTML form (it must post without JavaScript), so the
// user forms have as many arguments as fields.
#![allow(clippy::too_many_arguments)]

use super::model::UserView;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::{
        db::{self, UserInput},
        model::*,
    },
    crate::{
        auth::{
            guard::{self, require_admin},
            password,
        },
        base::context::pool,
        error::Errors,
    },
};

/// The form fields shared by "new user" and "edit user", as posted.
#[cfg(feature = "ssr")]
struct UserForm<'a> {
    username: &'a str,
    email: &'a str,
    avatar_url: &'a str,
    department_id: &'a str,
    role_admin: &'a Option<String>,
    role_user: &'a Option<String>,
    status: &'a str,
}

#[cfg(feature = "ssr")]
impl UserForm<'_> {
    /// Parses every field, reporting all problems at once. `password` is checked alongside
    /// so the form shows its error together with the others.
    fn parse(&self, errors: &mut Errors) -> Option<UserInput> {
        let username = errors.check("username", Username::parse(self.username));
        let email = errors.check("email", Email::parse(self.email));
        let avatar = errors.check("avatar_url", AvatarUrl::parse(self.avatar_url));
        let department_id =
            errors.check("department_id", parse_department_choice(self.department_id));
        let roles = errors.check(
            "role_admin",
            parse_roles(checkbox(self.role_admin), checkbox(self.role_user)),
        );
        let status = errors.check("status", UserStatus::parse(self.status));
        Some(UserInput {
            username: username?,
            email: email?,
            avatar: avatar?,
            department_id: department_id?,
            roles: roles?,
            status: status?,
        })
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

#[server(endpoint = "create_user")]
pub async fn create_user(
    username: String,
    email: String,
    password: String,
    avatar_url: String,
    department_id: String,
    role_admin: Option<String>,
    role_user: Option<String>,
    status: String,
) -> Result<UserView, AppError> {
    require_admin().await?;
    let form = UserForm {
        username: &username,
        email: &email,
        avatar_url: &avatar_url,
        department_id: &department_id,
        role_admin: &role_admin,
        role_user: &role_user,
        status: &status,
    };
    let mut errors = Errors::default();
    let input = form.parse(&mut errors);
    let password = errors.check("password", Password::parse(&password));
    errors.into_result()?;
    let (Some(input), Some(password)) = (input, password) else {
        return Err(AppError::Internal);
    };
    let hash = password::hash(&password).await?;
    db::create(&pool()?, &input, &hash).await
}

#[server(endpoint = "update_user")]
pub async fn update_user(
    id: i64,
    username: String,
    email: String,
    new_password: String,
    avatar_url: String,
    department_id: String,
    role_admin: Option<String>,
    role_user: Option<String>,
    status: String,
) -> Result<UserView, AppError> {
    let admin = require_admin().await?;
    let form = UserForm {
        username: &username,
        email: &email,
        avatar_url: &avatar_url,
        department_id: &department_id,
        role_admin: &role_admin,
        role_user: &role_user,
        status: &status,
    };
    let mut errors = Errors::default();
    let input = form.parse(&mut errors);
    // An empty new password keeps the current one.
    let password = if new_password.is_empty() {
        None
    } else {
        errors.check("new_password", Password::parse(&new_password))
    };
    errors.into_result()?;
    let Some(input) = input else {
        return Err(AppError::Internal);
    };
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
