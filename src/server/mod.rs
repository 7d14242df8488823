//! Server-only plumbing: configuration, the database pool, shared state, the router and the CLI.

pub mod cli;
pub mod config;
pub mod ops;
pub mod panics;
pub mod router;
pub mod seed;
pub mod site;

/// Log lines written through a test's own subscriber (the server's log filter and panic
/// line are tested by reading them).
#[cfg(test)]
pub(crate) mod test_log {
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    pub struct Lines(Arc<Mutex<Vec<u8>>>);

    impl Lines {
        pub fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    impl std::io::Write for Lines {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
}

use crate::base::db::Pool;
use axum::extract::FromRef;
use leptos::prelude::*;

pub use config::Config;

/// Everything a request handler or server function needs, behind one `Arc`. axum clones
/// the state with each route's layers, again at each `from_fn` layer a request passes (75
/// clones for one list page, callgrind), and the parts' own `Arc`s made each clone about
/// a dozen atomic counts: 2.90 -> 2.82 M instructions a list page.
#[derive(Clone)]
pub struct AppState(std::sync::Arc<Parts>);

impl std::ops::Deref for AppState {
    type Target = Parts;
    fn deref(&self) -> &Parts {
        &self.0
    }
}

impl From<Parts> for AppState {
    fn from(parts: Parts) -> AppState {
        AppState(std::sync::Arc::new(parts))
    }
}

/// The handlers' own extractors (`State<Pool>`, …) and leptos_axum's options.
macro_rules! state_parts {
    ($($field:ident: $ty:ty),*) => {$(
        impl FromRef<AppState> for $ty {
            fn from_ref(state: &AppState) -> $ty {
                state.$field.clone()
            }
        }
    )*};
}

state_parts!(
    pool: Pool,
    leptos_options: LeptosOptions,
    hub: crate::live::hub::Hub,
    files: crate::files::upload::Files
);

pub struct Parts {
    pub pool: Pool,
    pub leptos_options: LeptosOptions,
    pub config: std::sync::Arc<Config>,
    /// Fan-out of ticket changes to the open live-update streams.
    pub hub: crate::live::hub::Hub,
    /// The compiled site's files, served from memory.
    pub site: std::sync::Arc<site::Site>,
    /// The mail sender, when smtp_url is set.
    pub mail: crate::mail::mailer::Mail,
    /// Where attachments go, and their limits.
    pub files: crate::files::upload::Files,
}

impl AppState {
    /// Puts what server functions and pages read (the `base::context` values) into the
    /// reactive context of one request, with the state itself for the app shell.
    pub fn provide(&self) {
        provide_context(self.clone());
        provide_context(self.pool.clone());
        provide_context(self.hub.clone());
        provide_context(self.mail.clone());
        provide_context(self.files.clone());
        provide_context(crate::base::context::SecureCookies(
            self.config.secure_cookies,
        ));
    }
}
