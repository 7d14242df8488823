//! Who is calling: every server function starts here.

use super::{
    model::CurrentUser,
    session::{self, Token},
};
use crate::base::db::Pool;
use crate::{base::context::pool, error::AppError};
use leptos::prelude::use_context;
use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};
use tokio::sync::OnceCell;

/// The caller, looked up at most once per request. A page render calls several server
/// functions, and each looked the session's user up again: 4 of a list page's 11 queries.
/// The router puts one in every request's extensions.
#[derive(Clone, Default)]
pub struct Caller {
    token: Option<Token>,
    user: Arc<OnceCell<Option<CurrentUser>>>,
    slid: Arc<AtomicBool>,
}

impl Caller {
    pub fn from_headers(headers: &axum::http::HeaderMap) -> Self {
        Caller {
            token: Token::from_headers(headers),
            ..Default::default()
        }
    }

    /// The request's session token, if it sent a well-formed one.
    pub fn token(&self) -> Option<&Token> {
        self.token.as_ref()
    }

    pub async fn get(&self, pool: &Pool) -> Result<Option<CurrentUser>, AppError> {
        let user = self.user.get_or_try_init(|| async {
            let Some(token) = &self.token else {
                return Ok(None);
            };
            let found = session::user(pool, token).await?;
            self.slid.store(found.slid, Ordering::Relaxed);
            Ok::<_, AppError>(found.user)
        });
        Ok(user.await?.clone())
    }

    /// True when this request moved its session's expiry: the answer renews the cookie.
    pub fn slid(&self) -> bool {
        self.slid.load(Ordering::Relaxed)
    }
}

/// The request's caller (outside the router, as in a test, read from its headers).
pub fn caller() -> Caller {
    let parts = use_context::<axum::http::request::Parts>();
    match parts {
        Some(parts) => parts
            .extensions
            .get::<Caller>()
            .cloned()
            .unwrap_or_else(|| Caller::from_headers(&parts.headers)),
        None => Caller::default(),
    }
}

pub async fn current_user() -> Result<Option<CurrentUser>, AppError> {
    caller().get(&pool()?).await
}

/// A signed-in, active user, or `Unauthenticated`.
pub async fn require_user() -> Result<CurrentUser, AppError> {
    current_user().await?.ok_or(AppError::Unauthenticated)
}

/// A signed-in, active agent or admin (staff): `Unauthenticated` for nobody, `Forbidden`
/// for anyone else.
pub async fn require_staff() -> Result<CurrentUser, AppError> {
    let user = require_user().await?;
    if user.is_staff {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

/// A signed-in, active admin: `Unauthenticated` for nobody, `Forbidden` for anyone else.
pub async fn require_admin() -> Result<CurrentUser, AppError> {
    let user = require_user().await?;
    if user.is_admin {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}
