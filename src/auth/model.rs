use serde::{Deserialize, Serialize};

/// Who is signed in, as the pages need it. Loaded fresh from the database on every request,
/// so a deactivation or demotion takes effect at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub avatar_url: Option<String>,
    pub is_admin: bool,
}

/// The one answer to every failed sign-in, so nobody learns which usernames exist or are inactive.
pub const INVALID_LOGIN: &str = "Invalid username or password.";
