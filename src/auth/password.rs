//! Argon2id password hashing. Hashing is slow on purpose, so it runs off the async threads.

use super::model::Password;
use crate::error::AppError;
use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Argon2 holds 19 MiB while it runs: at most this many run at once, the others wait their
/// turn (200 concurrent sign-ins with random names took the server to 4 GB).
const HASHING_AT_ONCE: usize = 2;
/// A hash that cannot start within this long is answered "busy" instead.
const WAIT_FOR_TURN: Duration = Duration::from_secs(10);
static TURNS: Semaphore = Semaphore::const_new(HASHING_AT_ONCE);

/// Runs `work` (a hash) off the async threads, when a turn is free.
async fn in_turn<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let _turn = tokio::time::timeout(WAIT_FOR_TURN, TURNS.acquire())
        .await
        .map_err(|_| {
            tracing::warn!("password hashing is saturated: a request was turned away");
            AppError::Busy
        })?
        .map_err(|_| AppError::Internal)?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| AppError::Internal)
}

/// Argon2id with the crate's default (OWASP-recommended) cost, in PHC string form.
pub async fn hash(password: &Password) -> Result<String, AppError> {
    let plain = password.expose().to_string();
    in_turn(move || hash_blocking(&plain)).await?
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
pub async fn verify(plain: String, phc: Option<String>) -> Result<bool, AppError> {
    in_turn(move || match phc {
        Some(phc) => verify_blocking(&plain, &phc),
        None => {
            let _ = hash_blocking(&plain);
            false
        }
    })
    .await
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
        assert!(
            verify("correct horse".into(), Some(a.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("wrong horse".into(), Some(a)).await.unwrap());
        assert!(!verify("correct horse".into(), None).await.unwrap());
        assert!(!verify("x".into(), Some("not a hash".into())).await.unwrap());
    }
}
