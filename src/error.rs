//! The one error type of the app. It crosses the wire (server functions return it), so the
//! client shows the same message, next to the same field, that the server decided on.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// A message about one input field, keyed by the form field's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Not found.")]
    NotFound,
    #[error("You are not allowed to do that.")]
    Forbidden,
    #[error("Please sign in first.")]
    Unauthenticated,
    /// One or more inputs were refused; nothing was stored.
    #[error("{}", join_messages(.0))]
    Validation(Vec<FieldError>),
    /// The input clashes with what is stored (a taken name, a department still in use).
    #[error("{}", join_messages(.0))]
    Conflict(Vec<FieldError>),
    /// Details are logged on the server, never sent to the browser.
    #[error("Something went wrong on the server. Please try again.")]
    Internal,
    /// Too many failed sign-ins from this account or address: wait this many seconds.
    #[error("Too many attempts, try again in {0} seconds.")]
    TooManyAttempts(u64),
    /// The server is at its limit for this kind of work (password hashing); nothing was done.
    #[error("The server is busy, please try again in a moment.")]
    Busy,
    /// The request did not reach the server function (network, bad arguments).
    #[error("The request failed: {0}")]
    Request(String),

    /// A file or a request over its limit (the message names it and the limit).
    #[error("{0}")]
    TooLarge(String),

    #[error("The server's disk is full: nothing was stored. Please tell your administrator.")]
    StorageFull,
}

fn join_messages(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        AppError::Conflict(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// The message to show next to `field`, if this error is about it.
    pub fn for_field(&self, field: &str) -> Option<String> {
        match self {
            AppError::Validation(errors) | AppError::Conflict(errors) => errors
                .iter()
                .find(|e| e.field == field)
                .map(|e| e.message.clone()),
            _ => None,
        }
    }

    /// The HTTP status this error stands for.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::NotFound => 404,
            AppError::Forbidden => 403,
            AppError::Unauthenticated => 401,
            AppError::Validation(_) => 422,
            AppError::Conflict(_) => 409,
            AppError::Internal => 500,
            AppError::TooManyAttempts(_) => 429,
            AppError::Busy => 503,
            AppError::Request(_) => 400,
            AppError::TooLarge(_) => 413,
            AppError::StorageFull => 507,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Request(value.to_string())
    }
}

/// A form's parses, each with the name of its field: `all` gives every value, or every
/// field's message at once, so a form shows all its problems together and no value can be
/// missing after a successful parse.
///
/// ```ignore
/// let (name, email) = (("name", Name::parse(n)), ("email", Email::parse(e))).all()?;
/// ```
pub trait ParseAll {
    type Values;
    fn all(self) -> Result<Self::Values, AppError>;
}

macro_rules! parse_all {
    ($($value:ident: $t:ident),+) => {
        impl<$($t),+> ParseAll for ($((&str, Result<$t, String>),)+) {
            type Values = ($($t,)+);

            fn all(self) -> Result<Self::Values, AppError> {
                let ($($value,)+) = self;
                match ($($value.1,)+) {
                    ($(Ok($value),)+) => Ok(($($value,)+)),
                    results => {
                        let names = [$($value.0),+];
                        let ($($value,)+) = results;
                        let messages = [$($value.err()),+];
                        Err(AppError::Validation(
                            names
                                .into_iter()
                                .zip(messages)
                                .filter_map(|(field, message)| {
                                    message.map(|message| FieldError { field: field.into(), message })
                                })
                                .collect(),
                        ))
                    }
                }
            }
        }
    };
}

parse_all!(a: A);
parse_all!(a: A, b: B);
parse_all!(a: A, b: B, c: C);
parse_all!(a: A, b: B, c: C, d: D);
parse_all!(a: A, b: B, c: C, d: D, e: E);
parse_all!(a: A, b: B, c: C, d: D, e: E, f: F);
parse_all!(a: A, b: B, c: C, d: D, e: E, f: F, g: G);

#[cfg(feature = "ssr")]
pub use ssr::with_status;

#[cfg(feature = "ssr")]
mod ssr {
    use super::AppError;

    impl From<sqlx::Error> for AppError {
        fn from(err: sqlx::Error) -> Self {
            match err {
                sqlx::Error::RowNotFound => AppError::NotFound,
                other => {
                    tracing::error!(error = %other, "database error");
                    AppError::Internal
                }
            }
        }
    }

    /// Gives a server function's error answer the status its error stands for: the framework
    /// answers every error with 500. Plain form posts (no JavaScript) were already redirected
    /// back to their form, with the error in the URL, and pass through unchanged.
    pub async fn with_status(res: axum::response::Response) -> axum::response::Response {
        use axum::http::{StatusCode, header};
        use leptos::server_fn::error::{FromServerFnError, SERVER_FN_ERROR_HEADER};
        if res.status() != StatusCode::INTERNAL_SERVER_ERROR
            || !res.headers().contains_key(SERVER_FN_ERROR_HEADER)
        {
            return res;
        }
        let (mut parts, body) = res.into_parts();
        // An encoded AppError is a few hundred bytes; anything larger is not one.
        let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
            return AppError::Internal.status_response();
        };
        let err = AppError::de(bytes.clone());
        parts.status = StatusCode::from_u16(err.status_code()).unwrap_or(parts.status);
        if let AppError::TooManyAttempts(secs) = err {
            parts.headers.insert(header::RETRY_AFTER, secs.into());
        }
        axum::response::Response::from_parts(parts, bytes.into())
    }

    impl AppError {
        /// A plain response for failures outside server functions (middleware, handlers).
        pub fn status_response(&self) -> axum::response::Response {
            use axum::response::IntoResponse;
            let status = axum::http::StatusCode::from_u16(self.status_code())
                .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
            (status, self.to_string()).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_message_comes_back_at_once() {
        let err = (
            ("name", Err::<(), _>("Too long.".to_string())),
            ("email", Ok(1)),
            ("phone", Err::<(), _>("Not a number.".to_string())),
        )
            .all()
            .unwrap_err();
        assert_eq!(err.for_field("name").as_deref(), Some("Too long."));
        assert_eq!(err.for_field("email"), None);
        assert_eq!(err.for_field("phone").as_deref(), Some("Not a number."));
        assert_eq!(err.status_code(), 422);
        let ok = (("name", Ok::<_, String>("ann")), ("age", Ok(3))).all();
        assert_eq!(ok, Ok(("ann", 3)));
    }

    #[test]
    fn error_survives_the_wire() {
        let err = AppError::conflict("username", "That username is taken.");
        let bytes = err.ser();
        assert_eq!(AppError::de(bytes), err);
    }
}
