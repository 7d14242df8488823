//! Floor measurement: minimal Leptos 0.8 hydrated apps (variants A, B, C; see Cargo.toml features).
use leptos::prelude::*;

#[cfg(not(feature = "b"))]
#[component]
pub fn App() -> impl IntoView {
    view! { <p>"hello"</p> }
}

#[cfg(feature = "b")]
mod b;
#[cfg(feature = "b")]
pub use b::App;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    leptos::mount::hydrate_body(App);
}
