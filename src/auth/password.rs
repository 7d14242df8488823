//! Argon2id password hashing. Hashing is slow on purpose, so it runs off the async threads.

use crate::{error::AppError, users::model::Password};
use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};

/// Argon2id with the crate's default (OWASP-recommended) cost, in PHC string form.
pub async fn hash(password: &Password) -> Result<String, AppError> {
    let plain = password.expose().to_string();
    tokio::task::spawn_blocking(move || hash_blocking(&plain))
        .await
        .map_err(|_| AppError::Internal)?
}

pub fn hash_blocking(plain: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(plain.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            AppError::Internal
        })
}

/// True when `plain` matches `phc`. With no stored hash (unknown user) it still spends the
/// time of one hash, so response times do not reveal which usernames exist.
pub async fn verify(plain: String, phc: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match phc {
        Some(phc) => verify_blocking(&plain, &phc),
        None => {
            let _ = hash_blocking(&plain);
            false
        }
    })
    .await
    .unwrap_or(false)
}

fn verify_blocking(plain: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            Argon2::default()
                .verify_password(plain.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_salted_and_verify() {
        let pw = Password::parse("correct horse").unwrap();
        let a = hash(&pw).await.unwrap();
        let b = hash(&pw).await.unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify("correct horse".into(), Some(a.clone())).await);
        assert!(!verify("wrong horse".into(), Some(a)).await);
        assert!(!verify("correct horse".into(), None).await);
        assert!(!verify("x".into(), Some("not a hash".into())).await);
    }
}
