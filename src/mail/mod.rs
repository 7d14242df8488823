//! E-mail both ways (issue 23). Outbound: each change that may be mailed leaves a row in
//! its own transaction (a trigger on the history); the sender gathers a ticket's rows for a
//! minute, writes one mail per person told (compose), signs and threads it (message),
//! queues it (outbox) and sends it with retries (mailer).

pub mod api;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod compose;
#[cfg(feature = "ssr")]
pub mod inbound;
#[cfg(feature = "ssr")]
pub mod inbox;
#[cfg(feature = "ssr")]
pub mod mailer;
#[cfg(feature = "ssr")]
pub mod message;
#[cfg(feature = "ssr")]
pub mod outbox;
#[cfg(feature = "ssr")]
pub mod poller;
#[cfg(feature = "ssr")]
pub mod settings;
