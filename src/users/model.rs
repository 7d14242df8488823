//! User types shared by server and client, and the parsers every user input goes through.

use serde::{Deserialize, Serialize};

/// Roles, statuses and passwords are the guards' business: they live in `auth::model`,
/// below every feature that checks them.
pub use crate::auth::model::{Password, Role, UserStatus};

/// A user as the admin pages show it. Never carries the password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub avatar_url: Option<String>,
    pub roles: Vec<Role>,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    pub status: UserStatus,
}

impl UserView {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// A login name: 3–32 of `a-z 0-9 _ . -`. Typed capitals are folded to lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(input: &str) -> Result<Username, String> {
        let name = input.trim().to_lowercase();
        if name.is_empty() {
            return Err("Enter a username.".into());
        }
        let len = name.chars().count();
        if !(3..=32).contains(&len) {
            return Err("A username has 3 to 32 characters.".into());
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c))
        {
            return Err(
                "A username may use only letters a–z, digits and the characters _ . -".into(),
            );
        }
        Ok(Username(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An e-mail address, checked for shape (one @, a dotted domain, no spaces).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Email, String> {
        let email = input.trim();
        if email.is_empty() {
            return Err("Enter an email address.".into());
        }
        let invalid = || Err("Enter a valid email address, like name@example.com.".to_string());
        if email.len() > 254
            || email.chars().any(char::is_whitespace)
            || crate::text::refused_char(email, false).is_some()
        {
            return invalid();
        }
        let Some((local, domain)) = email.split_once('@') else {
            return invalid();
        };
        if local.is_empty() || local.len() > 64 || domain.contains('@') || local.contains("..") {
            return invalid();
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let label_ok = |l: &&str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        if labels.len() < 2 || !labels.iter().all(label_ok) {
            return invalid();
        }
        Ok(Email(email.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An avatar picture address: empty (initials are shown) or an http(s) URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvatarUrl(Option<String>);

impl AvatarUrl {
    pub fn parse(input: &str) -> Result<AvatarUrl, String> {
        crate::text::optional(input, Self::parse_url).map(AvatarUrl)
    }

    fn parse_url(url: &str) -> Result<String, String> {
        let invalid = || Err("The avatar must be an http:// or https:// address.".to_string());
        let rest = if let Some(rest) = url.strip_prefix("https://") {
            rest
        } else if let Some(rest) = url.strip_prefix("http://") {
            rest
        } else {
            return invalid();
        };
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        if host.is_empty()
            || url.len() > 2048
            || url
                .chars()
                .any(|c| c.is_whitespace() || "<>\"'`".contains(c))
            || crate::text::refused_char(url, false).is_some()
        {
            return invalid();
        }
        Ok(url.to_string())
    }

    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// The checked roles of a user form (each role with its checkbox): at least one.
pub fn parse_roles(checked: &[(Role, bool)]) -> Result<Vec<Role>, String> {
    let roles: Vec<Role> = checked
        .iter()
        .filter(|(_, on)| *on)
        .map(|(r, _)| *r)
        .collect();
    if roles.is_empty() {
        return Err("Choose at least one role.".into());
    }
    Ok(roles)
}

/// The fields of the user form as posted (new and edit share them; the password fields
/// differ and are arguments of their own).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserForm {
    pub username: String,
    pub email: String,
    pub avatar_url: String,
    pub department_id: String,
    pub role_admin: Option<String>,
    #[serde(default)]
    pub role_agent: Option<String>,
    pub role_user: Option<String>,
    pub status: String,
}

/// A department select: empty means "no department".
pub fn parse_department_choice(input: &str) -> Result<Option<i64>, String> {
    let value = input.trim();
    if value.is_empty() {
        return Ok(None);
    }
    value
        .parse::<i64>()
        .map(Some)
        .map_err(|_| "Choose a department from the list.".to_string())
}

/// A checkbox posts "on" (or nothing at all when unchecked).
pub fn checkbox(value: &Option<String>) -> bool {
    value
        .as_deref()
        .is_some_and(|v| !v.is_empty() && v != "false")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(Username::parse(" Alice ").unwrap().as_str(), "alice");
        assert!(Username::parse("a.b-c_9").is_ok());
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse(&"a".repeat(33)).is_err());
        assert!(Username::parse(&"a".repeat(32)).is_ok());
        assert!(Username::parse("with space").is_err());
        assert!(Username::parse("émile").is_err());
        assert!(Username::parse("").unwrap_err().contains("Enter"));
    }

    #[test]
    fn emails() {
        assert!(Email::parse("ann@example.com").is_ok());
        assert!(Email::parse(" ann.lee+it@mail.example.org ").is_ok());
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "ann@@example.com",
            "ann lee@example.com",
            "ann@-example.com",
            "ann@example..com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn passwords() {
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse(&"x".repeat(257)).is_err());
        assert_eq!(
            format!("{:?}", Password::parse("secret-password").unwrap()),
            "Password(***)"
        );
    }

    #[test]
    fn avatars() {
        assert_eq!(AvatarUrl::parse("  ").unwrap().as_deref(), None);
        assert!(AvatarUrl::parse("https://img.example.com/a.png").is_ok());
        assert!(AvatarUrl::parse("http://example.com").is_ok());
        for bad in [
            "ftp://x.org/a.png",
            "javascript:alert(1)",
            "https://",
            "https://a.org/x y.png",
            "https://a.org/\"onerror=",
        ] {
            assert!(AvatarUrl::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn roles_and_choices() {
        let none = [
            (Role::Admin, false),
            (Role::Agent, false),
            (Role::User, false),
        ];
        assert!(parse_roles(&none).is_err());
        let agent = [
            (Role::Admin, false),
            (Role::Agent, true),
            (Role::User, true),
        ];
        assert_eq!(parse_roles(&agent).unwrap(), vec![Role::Agent, Role::User]);
        assert_eq!(parse_department_choice("").unwrap(), None);
        assert_eq!(parse_department_choice("7").unwrap(), Some(7));
        assert!(parse_department_choice("x").is_err());
        assert!(UserStatus::parse("deleted").is_err());
        assert!(checkbox(&Some("on".into())));
        assert!(!checkbox(&None));
    }
}
