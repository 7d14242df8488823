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
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        app::after_panic(info);
    }));
    // Async: the admin pages are lazy routes (their code loads when first shown), and
    // hydrating one waits for its part of the WASM.
    leptos::mount::hydrate_lazy(app::App);
}
