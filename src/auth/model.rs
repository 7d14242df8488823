//! Who may do what: the signed-in user, roles, account status, passwords.

use serde::{Deserialize, Serialize};

word_enum! {
    /// What a user may do. Admins do everything agents do and manage users, lists and
    /// settings; agents (staff with the least privilege) see and work every ticket; users
    /// file tickets and follow their own.
    pub enum Role ("A role") {
        Admin = "admin", "Admin";
        Agent = "agent", "Agent";
        User = "user", "User";
    }
}

impl Role {
    /// The roles that work tickets: staff. Every "may see or change any ticket" decision
    /// is `CurrentUser::is_staff`, read from these (auth::db's SQL names the same two; a
    /// test compares).
    pub const STAFF: [Role; 2] = [Role::Admin, Role::Agent];

    pub fn is_staff(self) -> bool {
        Role::STAFF.contains(&self)
    }
}

word_enum! {
    pub enum UserStatus ("Status") {
        Active = "active", "Active";
        Inactive = "inactive", "Inactive";
    }
}

/// A new password. Deliberately neither `Serialize` nor `Display`: it only goes to the hasher.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Password {
    /// Upper bound keeps a hostile request from making the hasher chew megabytes.
    pub const MAX_CHARS: usize = 256;

    pub fn parse(input: &str) -> Result<Password, String> {
        let len = input.chars().count();
        if len < 8 {
            return Err("A password has at least 8 characters.".into());
        }
        if len > Self::MAX_CHARS {
            return Err(format!(
                "A password has at most {} characters.",
                Self::MAX_CHARS
            ));
        }
        Ok(Password(input.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

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
    /// An admin or an agent: works every ticket.
    #[cfg_attr(feature = "ssr", sqlx(try_from = "crate::base::db::Flag"))]
    pub is_staff: bool,
    /// Preselected on the new-ticket form.
    pub department_id: Option<i64>,
    /// Keyboard shortcuts on (they can be turned off on My account).
    #[cfg_attr(feature = "ssr", sqlx(try_from = "crate::base::db::Flag"))]
    pub shortcuts: bool,
    /// Lists drawn compact (more rows on a screen) rather than comfortable.
    #[cfg_attr(feature = "ssr", sqlx(try_from = "crate::base::db::Flag"))]
    pub compact: bool,
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
