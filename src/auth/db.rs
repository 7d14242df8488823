//! Queries behind sign-in and the session check.

use super::model::CurrentUser;
use super::model::UserStatus;
use crate::base::db::Pool;
use crate::error::AppError;

#[derive(sqlx::FromRow)]
pub struct LoginRow {
    pub id: i64,
    pub password_hash: String,
    pub status: UserStatus,
    /// Admins land on the dashboard after signing in.
    #[sqlx(try_from = "crate::base::db::Flag")]
    pub is_admin: bool,
}

pub async fn find_login(pool: &Pool, username: &str) -> Result<Option<LoginRow>, AppError> {
    if !crate::base::db::storable(username) {
        return Ok(None);
    }
    Ok(
        sqlx::query_as(
            "SELECT id, password_hash, status,
                    EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = users.id AND r.role = 'admin')
                        AS is_admin
               FROM users WHERE username = $1",
        )
            .bind(username)
            .fetch_optional(pool)
            .await?,
    )
}

/// The roles of `Role::STAFF`, as SQL (a test checks they agree).
pub const STAFF_ROLES: &str = "('admin', 'agent')";

/// The columns a `CurrentUser` is read from, for a query over `users u`.
pub const CURRENT_USER: &str = "u.id, u.username, u.email, u.avatar_url,
    EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = 'admin') AS is_admin,
    EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role IN ('admin', 'agent'))
        AS is_staff,
    u.department_id, u.shortcuts, u.density = 'compact' AS compact";

/// The user with this id if it exists and is active.
pub async fn active_user(pool: &Pool, id: i64) -> Result<Option<CurrentUser>, AppError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {CURRENT_USER} FROM users u WHERE u.id = $1 AND u.status = 'active'"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?)
}

pub async fn active_admin_count(pool: &Pool) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM users u JOIN user_roles r ON r.user_id = u.id
          WHERE r.role = 'admin' AND u.status = 'active'",
    )
    .fetch_one(pool)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::super::model::Role;

    /// The SQL that decides who is staff names exactly the roles `Role::STAFF` holds.
    #[test]
    fn staff_in_sql_is_staff_in_rust() {
        let listed: Vec<String> = Role::STAFF
            .iter()
            .map(|r| format!("'{}'", r.as_str()))
            .collect();
        let sql = format!("({})", listed.join(", "));
        assert_eq!(super::STAFF_ROLES, sql);
        assert!(super::CURRENT_USER.contains(&format!("r.role IN {sql}")));
        assert!(Role::Admin.is_staff() && Role::Agent.is_staff() && !Role::User.is_staff());
    }
}
