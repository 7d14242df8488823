use serde::{Deserialize, Serialize};

/// Who is signed in, as the pages need it. Loaded fresh from the database on every request,
/// so a deactivation or demotion takes effect at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub avatar_url: Option<String>,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "crate::base::db::Flag"))]
    pub is_admin: bool,
    /// Preselected on the new-ticket form.
    pub department_id: Option<i64>,
}

/// What My account shows of the signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub username: String,
    pub email: String,
    pub avatar_url: Option<String>,
    /// Live sessions (browsers signed in), this one included.
    pub sessions: i64,
}

/// The one answer to every failed sign-in, so nobody learns which usernames exist or are inactive.
pub const INVALID_LOGIN: &str = "Invalid username or password.";
