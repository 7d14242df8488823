#![recursion_limit = "256"]
//! Helpdesk: a self-hosted helpdesk. One binary, one SQLite file.

#[macro_use]
pub mod word_enum;

pub mod app;
pub mod auth;
#[cfg(feature = "ssr")]
pub mod base;
pub mod components;
pub mod dashboard;
pub mod error;
pub mod files;
pub mod input;
pub mod lists;
pub mod live;
pub mod mail;
pub mod replies;
pub mod text;
pub mod tickets;
pub mod time;
pub mod users;

#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
